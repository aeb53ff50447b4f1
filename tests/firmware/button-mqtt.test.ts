// The button remote over MQTT against a real broker, with a stand-in bridge answering commands.

import {
  boardTopics, LED, observe, startBoard, startFakeBridge, startTestBroker, testConfig, waitForPattern,
  type Board, type ConfigOverrides, type FakeBridge, type Observer, type TestBroker,
} from './harness/index.js';

let broker: TestBroker;
let bridge: FakeBridge;
let watcher: Observer;
let board: Board | undefined;

const SERIAL = '24:0a:c4:aa:bb:01';
const topics = boardTopics(SERIAL);

async function boot(overrides: ConfigOverrides = {}, chipTemperatureF?: number): Promise<Board> {
  const config = testConfig({ ...overrides, mqtt: { port: broker.port, ...overrides.mqtt } });
  board = await startBoard({ config, serial: SERIAL, adc: { D35: 0.55 }, chipTemperatureF });
  await bridge.waitForCommands(1); // the status request every connection starts with
  return board;
}

beforeEach(async () => {
  broker = await startTestBroker();
  bridge = await startFakeBridge(broker.url, { plugs: { 'demo-plug': { on: false }, 'other-plug': { on: true } } });
  watcher = await observe(broker.url, ['tuya/#']);
});

afterEach(async () => {
  if (board) expect(board.errors).toEqual([]);
  await board?.stop();
  board = undefined;
  await watcher.close();
  await bridge.close();
  await broker.close();
});

test('connects with its own client id and publishes a retained online', async () => {
  const b = await boot();
  expect(b.mqtt.attempts[0]?.clientId).toBe(topics.id);
  await watcher.close();
  // A late subscriber still gets it: the message is retained.
  watcher = await observe(broker.url, [topics.availability]);
  const online = await watcher.waitFor((m) => m.topic === topics.availability);
  expect(online).toMatchObject({ payload: 'online', retain: true });
});

test('asks for its plug status when it connects', async () => {
  await boot();
  expect(bridge.commands[0]).toEqual({ action: 'status', device: 'demo-plug', id: expect.any(String) });
});

test('a press publishes one toggle with the device name and a fresh id, and the LED follows the reply', async () => {
  const b = await boot();
  await waitForPattern(b, LED.off);
  await b.button.press();
  const [, toggle] = await bridge.waitForCommands(2);
  expect(toggle).toEqual({ action: 'toggle', device: 'demo-plug', id: expect.stringMatching(/^esp32-240ac4aabb01-/) });
  expect(toggle?.id).not.toBe(bridge.commands[0]?.id);
  await waitForPattern(b, LED.on);
  await b.sleep(200);
  expect(bridge.commands).toHaveLength(2);
});

test('the LED flickers while a press waits for its reply', async () => {
  const b = await boot();
  bridge.behaviour = { delayMs: 600 };
  const since = b.clock.now();
  await b.button.press({ holdMs: 60, settleMs: 0 });
  await waitForPattern(b, LED.busy, { sinceMs: since });
  await waitForPattern(b, LED.on, { timeoutMs: 3000 });
});

test('the LED follows status changes of its own plug and ignores other plugs', async () => {
  const b = await boot();
  await waitForPattern(b, LED.off);
  await bridge.setPlug('demo-plug', { on: true });
  await waitForPattern(b, LED.on);
  await bridge.setPlug('other-plug', { on: false });
  await bridge.publishStatus({ ...bridge.book.status('other-plug', 'cloud'), state: 'OFF', online: false });
  await b.sleep(300);
  expect(b.led.level()).toBe(1);
  await bridge.setPlug('demo-plug', { on: false });
  await waitForPattern(b, LED.off);
});

test('a long press asks for status instead of toggling', async () => {
  const b = await boot();
  await b.button.press({ holdMs: 600 });
  const [, second] = await bridge.waitForCommands(2);
  expect(second).toEqual({ action: 'status', device: 'demo-plug', id: expect.any(String) });
  await b.sleep(200);
  expect(bridge.commands).toHaveLength(2);
  expect(bridge.book.get('demo-plug').on).toBe(false);
});

test('a contact bouncing five times within 30 ms gives one command', async () => {
  const b = await boot({ timing: { debounceMs: 50 } });
  // Closing bounces: low/high five times in 30 ms, then it stays closed; the release is clean.
  await b.button.bounce([[0, 0], [4, 1], [9, 0], [13, 1], [18, 0], [22, 1], [26, 0], [28, 1], [30, 0], [230, 1]]);
  await b.sleep(200);
  await bridge.waitForCommands(2);
  await b.sleep(300);
  expect(bridge.commands.map((c) => c.action)).toEqual(['status', 'toggle']);
});

test('a failed command shows the fault pattern until a later status succeeds', async () => {
  const b = await boot();
  bridge.behaviour = { failWith: { code: 'cloud_unreachable', message: 'cloud down' } };
  await b.button.press();
  await waitForPattern(b, LED.fault);
  bridge.behaviour = {};
  await b.button.press({ holdMs: 600 });
  await waitForPattern(b, LED.off);
});

test('an unanswered press times out into the fault pattern', async () => {
  const b = await boot({ timing: { replyTimeoutMs: 400 } });
  bridge.behaviour = { silent: true };
  await b.button.press();
  await waitForPattern(b, LED.fault, { timeoutMs: 3000 });
  expect(b.console.some((l) => l.includes('no reply to'))).toBe(true);
});

test('a plug reported offline shows the fault pattern', async () => {
  const b = await boot();
  await bridge.setPlug('demo-plug', { online: false });
  await waitForPattern(b, LED.fault);
});

test('asks for status again periodically', async () => {
  await boot({ timing: { statusPollMs: 300 } });
  const commands = await bridge.waitForCommands(4, 3000);
  expect(commands.every((c) => c.action === 'status' && c.device === 'demo-plug')).toBe(true);
});

test('publishes telemetry on its own topic periodically', async () => {
  await boot({ timing: { telemetryMs: 250 } }, 120);
  await watcher.waitFor((m) => m.topic === topics.telemetry);
  await watcher.waitFor(() => watcher.on(topics.telemetry).length >= 3, 3000);
  const first = JSON.parse(watcher.on(topics.telemetry)[0]?.payload ?? '{}') as Record<string, unknown>;
  expect(first).toEqual({
    rssi: -58, mem_free: 11200, mem_total: 14383, uptime_s: expect.any(Number),
    battery_v: 3.96, chip_temp_c: 48.9,
  });
});

test('leaves the chip temperature out while the sensor reads its stuck value', async () => {
  await boot({ timing: { telemetryMs: 5000 } }, 128);
  const m = await watcher.waitFor((x) => x.topic === topics.telemetry);
  expect(JSON.parse(m.payload)).not.toHaveProperty('chip_temp_c');
});

test('shows the link pattern while the bridge reports itself offline, and refuses presses', async () => {
  const b = await boot();
  await watcher.publish('tuya/bridge/state', 'offline', true);
  await waitForPattern(b, LED.link);
  await b.button.press();
  await b.sleep(200);
  expect(bridge.commands).toHaveLength(1);
  expect(b.console.some((l) => l.includes('offline, toggle dropped'))).toBe(true);
  await watcher.publish('tuya/bridge/state', 'online', true);
  await bridge.waitForCommands(2); // back online: it asks for status again
  await waitForPattern(b, LED.off);
});
