// ESP32 button board harness: runs firmware/tuya-button.js unmodified against real sockets.
//
//   const broker = await startTestBroker();
//   const board = await startBoard({ config: testConfig({ mqtt: { port: broker.port } }) });
//   await board.button.press();
//   await waitForPattern(board, LED.on);
//   await board.stop(); await broker.close();
//
// End-to-end tests against the real daemon use startBoard() and testConfig() alone, pointing
// mqtt.port (or http.url) at the daemon's embedded broker (or HTTP API).

export { startBoard, startBoardFor, FIRMWARE_PATH, CONFIG_FILE } from './board.js';
export type { Board, BoardOptions, ButtonProbe, PinProbe } from './board.js';
export type { BoardClock, ClockKind } from './clock.js';
export type { Level, LevelChange, WatchEvent } from './pins.js';
export type { WifiControl, WifiOptions } from './wifi.js';
export type { MqttAttempt, MqttRecord, MqttSent } from './mqtt.js';
export type { HttpExchange } from './http.js';
export { testConfig } from './config.js';
export type { ConfigOverrides, FirmwareConfig } from './config.js';
export { completeSegments, followsPattern, waitForPattern } from './led.js';
export type { PatternWait, Segment } from './led.js';
export { observe, startTestBroker } from './broker.js';
export type { Observer, Received, TestBroker, TestBrokerOptions } from './broker.js';
export { PlugBook, startFakeBridge, startFakeHttpBridge } from './bridge.js';
export { withTeardown } from './teardown.js';
export type { Defer } from './teardown.js';
export type {
  BridgeBehaviour, FakeBridge, FakeHttpBridge, Failure, PlugState, StatusReply,
} from './bridge.js';

/** The LED patterns firmware/README.md documents, as [level, ms, ...] (one level = steady). */
export const LED = {
  on: [1],
  off: [0],
  busy: [1, 50, 0, 50],
  fault: [1, 100, 0, 900],
  link: [1, 100, 0, 100, 1, 100, 0, 700],
  wifi: [1, 500, 0, 500],
  config: [1, 100, 0, 100, 1, 100, 0, 100, 1, 100, 0, 700],
} as const satisfies Record<string, readonly number[]>;

/** The client id and topics a board with this serial uses (firmware/README.md, "Topics"). */
export function boardTopics(
  serial: string,
  baseTopic = 'tuya',
): { id: string; availability: string; telemetry: string } {
  const id = `esp32-${serial.replace(/[^0-9A-Za-z]/g, '').toLowerCase()}`;
  const own = `${baseTopic}/esp32/${id}`;
  return { id, availability: `${own}/availability`, telemetry: `${own}/telemetry` };
}
