// The button remote over MQTT against a real broker, with a stand-in bridge answering commands.
// Every test builds its own broker, bridge and board, so the tests run concurrently.

import {
  boardTopics, LED, observe, startBoard, startFakeBridge, startTestBroker, testConfig, waitForPattern,
  type Board, type ConfigOverrides, type FakeBridge, type Observer, type TestBroker,
} from './harness/index.js';

interface Rig {
  broker: TestBroker;
  bridge: FakeBridge;
  watcher: Observer;
  board: Board;
}

const SERIAL = '24:0a:c4:aa:bb:01';
const topics = boardTopics(SERIAL);

/** Broker, bridge, an observer on tuya/#, and a booted board that has sent its first status request. */
async function withRig(
  overrides: ConfigOverrides,
  body: (rig: Rig) => Promise<void>,
  chipTemperatureF?: number,
): Promise<void> {
  const broker = await startTestBroker();
  const plugs = { 'demo-plug': { on: false }, 'other-plug': { on: true } };
  const bridge = await startFakeBridge(broker.url, { plugs });
  const watcher = await observe(broker.url, ['tuya/#']);
  const config = testConfig({ ...overrides, mqtt: { port: broker.port, ...overrides.mqtt } });
  const board = await startBoard({ config, serial: SERIAL, adc: { D35: 0.55 }, chipTemperatureF });
  try {
    // Every connection starts with a status request; its reply must not overtake the test's own.
    await bridge.waitForCommands(1);
    await bridge.waitForReplies(1);
    await body({ broker, bridge, watcher, board });
    expect(board.errors).toEqual([]);
  } finally {
    await board.stop();
    await watcher.close();
    await bridge.close();
    await broker.close();
  }
}

test.concurrent('connects with its own client id and publishes a retained online', () =>
  withRig({}, async ({ broker, board }) => {
    expect(board.mqtt.attempts[0]?.clientId).toBe(topics.id);
    // QoS 1: Aedes 1.2 can drop a retained QoS 0 publish for live subscribers when the next
    // publish arrives in the same TCP read (firmware/README.md, "MQTT topics").
    const sent = board.mqtt.sent.find((m) => m.topic === topics.availability);
    expect(sent).toMatchObject({ message: 'online', retain: true, qos: 1 });
    // A late subscriber still gets it: the message is retained.
    const late = await observe(broker.url, [topics.availability]);
    const online = await late.waitFor((m) => m.topic === topics.availability);
    await late.close();
    expect(online).toMatchObject({ payload: 'online', retain: true });
  }));

test.concurrent('asks for its plug status when it connects', () =>
  withRig({}, async ({ bridge }) => {
    expect(bridge.commands[0]).toEqual({ action: 'status', device: 'demo-plug', id: expect.any(String) });
  }));

test.concurrent('a press publishes one toggle with the device name and a fresh id; the LED follows', () =>
  withRig({}, async ({ bridge, board }) => {
    await waitForPattern(board, LED.off);
    await board.button.press();
    const [, toggle] = await bridge.waitForCommands(2);
    const id = expect.stringMatching(/^esp32-240ac4aabb01-/);
    expect(toggle).toEqual({ action: 'toggle', device: 'demo-plug', id });
    expect(toggle?.id).not.toBe(bridge.commands[0]?.id);
    await waitForPattern(board, LED.on);
    expect(bridge.commands).toHaveLength(2);
  }));

test.concurrent('the LED flickers while a press waits for its reply', () =>
  withRig({}, async ({ bridge, board }) => {
    bridge.behaviour = { delayMs: 600 };
    const since = board.clock.now();
    await board.button.press({ holdMs: 60, settleMs: 0 });
    await waitForPattern(board, LED.busy, { sinceMs: since });
    await waitForPattern(board, LED.on, { timeoutMs: 3000 });
  }));

test.concurrent('the LED follows status changes of its own plug and ignores other plugs', () =>
  withRig({}, async ({ bridge, board }) => {
    await bridge.setPlug('demo-plug', { on: true });
    await waitForPattern(board, LED.on);
    await bridge.setPlug('other-plug', { on: false });
    await bridge.publishStatus({ ...bridge.book.status('other-plug', 'cloud'), online: false });
    await board.sleep(300);
    expect(board.led.level()).toBe(1);
    await bridge.setPlug('demo-plug', { on: false });
    await waitForPattern(board, LED.off);
  }));

test.concurrent('a long press asks for status instead of toggling', () =>
  withRig({}, async ({ bridge, board }) => {
    await board.button.press({ holdMs: 600 });
    const [, second] = await bridge.waitForCommands(2);
    expect(second).toEqual({ action: 'status', device: 'demo-plug', id: expect.any(String) });
    await board.sleep(200);
    expect(bridge.commands).toHaveLength(2);
    expect(bridge.book.get('demo-plug').on).toBe(false);
  }));

test.concurrent('a contact bouncing five times within 30 ms gives one command', () =>
  withRig({ timing: { debounceMs: 50 } }, async ({ bridge, board }) => {
    // Closing bounces low/high five times in 30 ms, then stays closed; the release is clean.
    await board.button.bounce([
      [0, 0], [4, 1], [9, 0], [13, 1], [18, 0], [22, 1], [26, 0], [28, 1], [30, 0], [230, 1],
    ]);
    await bridge.waitForCommands(2);
    await board.sleep(300);
    expect(bridge.commands.map((c) => c.action)).toEqual(['status', 'toggle']);
  }));

test.concurrent('a failed command shows the fault pattern until a later command succeeds', () =>
  withRig({}, async ({ bridge, board }) => {
    bridge.behaviour = { failWith: { code: 'cloud_unreachable', message: 'cloud down' } };
    await board.button.press();
    await waitForPattern(board, LED.fault);
    expect(board.console).toContain('tuya-button: command failed: cloud_unreachable');
    bridge.behaviour = {};
    await board.button.press();
    await waitForPattern(board, LED.on);
  }));

test.concurrent('an unanswered press times out into the fault pattern', () =>
  withRig({ timing: { replyTimeoutMs: 400 } }, async ({ bridge, board }) => {
    bridge.behaviour = { silent: true };
    await board.button.press();
    await waitForPattern(board, LED.fault, { timeoutMs: 3000 });
    expect(board.console.some((l) => l.includes('no reply to'))).toBe(true);
  }));

test.concurrent('a plug reported offline shows the fault pattern', () =>
  withRig({}, async ({ bridge, board }) => {
    await bridge.setPlug('demo-plug', { online: false });
    await waitForPattern(board, LED.fault);
  }));

test.concurrent('asks for status again periodically', () =>
  withRig({ timing: { statusPollMs: 300 } }, async ({ bridge }) => {
    const commands = await bridge.waitForCommands(4, 3000);
    expect(commands.every((c) => c.action === 'status' && c.device === 'demo-plug')).toBe(true);
  }));

test.concurrent('publishes telemetry on its own topic periodically', () =>
  withRig({ timing: { telemetryMs: 250 } }, async ({ watcher }) => {
    await watcher.waitFor(() => watcher.on(topics.telemetry).length >= 3, 3000);
    const first = JSON.parse(watcher.on(topics.telemetry)[0]?.payload ?? '{}') as Record<string, unknown>;
    expect(first).toEqual({
      rssi: -58, mem_free: 11200, mem_total: 14383, uptime_s: expect.any(Number),
      battery_v: 3.96, // 0.55 x 3.6 V x 2
      chip_temp_c: 48.9, // 120 F
    });
  }, 120));

test.concurrent('leaves the chip temperature out while the sensor reads its stuck value', () =>
  withRig({ timing: { telemetryMs: 5000 } }, async ({ watcher }) => {
    const m = await watcher.waitFor((x) => x.topic === topics.telemetry);
    expect(JSON.parse(m.payload)).not.toHaveProperty('chip_temp_c');
  }, 128));

test.concurrent('shows the link pattern while the bridge reports itself offline, and refuses presses', () =>
  withRig({}, async ({ bridge, watcher, board }) => {
    await watcher.publish('tuya/bridge/state', 'offline', true);
    await waitForPattern(board, LED.link);
    await board.button.press();
    expect(bridge.commands).toHaveLength(1);
    expect(board.console).toContain('tuya-button: offline, toggle dropped');
    await watcher.publish('tuya/bridge/state', 'online', true);
    await bridge.waitForCommands(2); // back online: it asks for status again
    await waitForPattern(board, LED.off);
  }));
