// How the board copes when things go wrong: broker outage, refused login, Wi-Fi loss, bad config.

import type { AedesOptions } from 'aedes';
import {
  boardTopics, LED, observe, startBoard, startFakeBridge, startTestBroker, testConfig, waitForPattern,
  type Board, type FakeBridge, type TestBroker,
} from './harness/index.js';

let broker: TestBroker | undefined;
let bridge: FakeBridge | undefined;
let board: Board | undefined;

afterEach(async () => {
  if (board) expect(board.errors).toEqual([]);
  await board?.stop();
  await bridge?.close();
  await broker?.close();
  board = bridge = broker = undefined;
});

/** Gaps between consecutive times. */
const gaps = (times: readonly number[]): number[] => times.slice(1).map((t, i) => t - (times[i] as number));

describe('MQTT broker outage', () => {
  test('shows the link pattern, retries with growing gaps, and recovers by itself', async () => {
    broker = await startTestBroker();
    bridge = await startFakeBridge(broker.url);
    // A session this short would otherwise look like a refused login (see below).
    const config = testConfig({ mqtt: { port: broker.port }, timing: { authFailWindowMs: 200 } });
    board = await startBoard({ config });
    await bridge.waitForCommands(1);
    await waitForPattern(board, LED.off);

    await bridge.close();
    bridge = undefined;
    const before = board.mqtt.attempts.length;
    await broker.stop();
    await waitForPattern(board, LED.link);
    await board.sleep(1200);
    const retries = board.mqtt.attempts.slice(before).map((a) => a.t);
    // 100 ms doubling to an 800 ms cap, +-20% jitter: about 5 tries by now, not one per tick.
    expect(retries.length).toBeGreaterThanOrEqual(3);
    expect(retries.length).toBeLessThanOrEqual(7);
    const g = gaps(retries);
    expect(g.at(-1)).toBeGreaterThan((g[0] as number) * 1.5);

    await broker.start();
    bridge = await startFakeBridge(broker.url);
    await bridge.waitForCommands(1, 4000); // reconnected and asked for status
    await waitForPattern(board, LED.off);
  });

  test('drops a press made during the outage instead of sending it later', async () => {
    broker = await startTestBroker();
    bridge = await startFakeBridge(broker.url);
    const config = testConfig({ mqtt: { port: broker.port }, timing: { authFailWindowMs: 200 } });
    board = await startBoard({ config });
    await bridge.waitForCommands(1);
    await broker.stop();
    await waitForPattern(board, LED.link);
    await board.button.press();
    await broker.start();
    await bridge.waitForCommands(2, 4000); // the status request of the new connection
    await board.sleep(300);
    expect(bridge.commands.map((c) => c.action)).toEqual(['status', 'status']);
    expect(board.console.some((l) => l.includes('offline, toggle dropped'))).toBe(true);
  });
});

describe('refused login', () => {
  const refuse: AedesOptions['authenticate'] = (client, username, password, done) => {
    const ok = client.id.startsWith('fake-bridge') || (username === 'board' && password?.toString() === 'right');
    if (ok) return done(null, true);
    done(Object.assign(new Error('bad credentials'), { returnCode: 4 as const }), false);
  };

  test('backs off instead of reconnecting in a storm', async () => {
    broker = await startTestBroker({ authenticate: refuse });
    const config = testConfig({
      mqtt: { port: broker.port, username: 'board', password: 'wrong' },
      timing: { mqttRetryMinMs: 50, authRetryMs: 400 },
    });
    board = await startBoard({ config });
    await board.sleep(3000);
    // Each attempt looks connected for a moment (the module's CONNACK bug), then closes.
    // Retrying at the 50 ms minimum would be ~40 attempts; the login backoff allows 0.4+0.8+1.6 s.
    expect(broker.connections.length).toBeGreaterThanOrEqual(2);
    expect(broker.connections.length).toBeLessThanOrEqual(5);
    expect(board.console.some((l) => l.includes('login rejected?'))).toBe(true);
    await waitForPattern(board, LED.link);
  });

  test('connects normally with the right password', async () => {
    broker = await startTestBroker({ authenticate: refuse });
    bridge = await startFakeBridge(broker.url);
    const config = testConfig({ mqtt: { port: broker.port, username: 'board', password: 'right' } });
    board = await startBoard({ config });
    await bridge.waitForCommands(1);
    await waitForPattern(board, LED.off);
  });
});

describe('Wi-Fi', () => {
  test('reconnects after a drop with growing gaps, then MQTT comes back by itself', async () => {
    broker = await startTestBroker();
    bridge = await startFakeBridge(broker.url);
    const watcher = await observe(broker.url, ['tuya/esp32/+/availability']);
    board = await startBoard({ config: testConfig({ mqtt: { port: broker.port } }) });
    await bridge.waitForCommands(1);

    const before = board.wifi.attempts.length;
    board.wifi.setAccessPoint(false); // out of range: the link drops and connects fail
    await waitForPattern(board, LED.wifi);
    await board.sleep(800);
    const tries = board.wifi.attempts.slice(before);
    expect(tries.length).toBeGreaterThanOrEqual(3);
    expect(tries.length).toBeLessThanOrEqual(7);
    const g = gaps(tries);
    expect(g.at(-1)).toBeGreaterThan((g[0] as number) * 1.5);

    board.wifi.setAccessPoint(true);
    await bridge.waitForCommands(2, 4000);
    await waitForPattern(board, LED.off);
    // The new session took over the silent old one: no offline in between, online again.
    const availability = watcher.on(boardTopics(board.serial).availability).map((m) => m.payload);
    expect(availability).toEqual(['online', 'online']);
    await watcher.close();
  });

  test('keeps retrying when the first connects fail at boot', async () => {
    broker = await startTestBroker();
    board = await startBoard({
      config: testConfig({ mqtt: { port: broker.port } }),
      wifi: { password: 'other' }, // the access point rejects the configured password
    });
    await waitForPattern(board, LED.wifi);
    await board.waitFor(() => board!.wifi.attempts.length >= 3, { what: 'Wi-Fi retries' });
    expect(board.console.some((l) => l.includes('wifi: auth_fail'))).toBe(true);
    expect(board.mqtt.attempts).toHaveLength(0);
  });
});

describe('config', () => {
  // No network in these: the fake clock makes the LED timing exact.
  test('missing config: config pattern and a console message', async () => {
    board = await startBoard({ clock: 'fake' });
    await waitForPattern(board, LED.config, { segments: 6 });
    expect(board.console).toContain('tuya-button: config missing: no tuya-button.json (npm run firmware:provision)');
    expect(board.wifi.attempts).toHaveLength(0);
  });

  test('broken JSON: config pattern and a console message', async () => {
    board = await startBoard({ clock: 'fake', config: '{"device": "demo-plug", ' });
    await waitForPattern(board, LED.config, { segments: 6 });
    expect(board.console).toContain('tuya-button: config broken: tuya-button.json is not JSON');
  });

  test.each([
    ['no device', { device: '' }, 'device must name the plug'],
    ['no broker host', { mqtt: { host: '' } }, 'mqtt.host is missing'],
    ['keepalive too short to ping', { mqtt: { keepAlive: 5 } }, 'mqtt.keepAlive must be 6..65535 (s)'],
    ['http mode without a URL', { mode: 'http' as const }, 'http.url must look like http://host:port'],
    ['button on an input-only pin', { pins: { button: 'D34' } }, 'pins.button has no internal pull-up (GPIO34-39)'],
    ['LED on a flash pin', { pins: { led: 'D7' } }, 'pins.led must be a usable pin like D21'],
    ['a timing that is not a number', { timing: { debounceMs: '50' as unknown as number } }, 'timing.debounceMs must be ms'],
  ])('%s: config pattern and the reason on the console', async (_name, overrides, reason) => {
    board = await startBoard({ clock: 'fake', config: testConfig(overrides) });
    await waitForPattern(board, LED.config, { segments: 6 });
    expect(board.console).toContain(`tuya-button: config invalid: ${reason}`);
  });
});
