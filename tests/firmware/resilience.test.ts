// How the board copes when things go wrong: broker outage, refused login, Wi-Fi loss, bad config.
// Each test owns its broker and board, so they run concurrently.

import type { AedesOptions } from 'aedes';
import {
  boardTopics, LED, observe, startBoard, startBoardFor, startFakeBridge, startTestBroker, testConfig, waitForPattern,
  withTeardown, type Board, type Defer, type FakeBridge, type TestBroker,
  type TestBrokerOptions,
} from './harness/index.js';

async function brokerFor(defer: Defer, options?: TestBrokerOptions): Promise<TestBroker> {
  const broker = await startTestBroker(options);
  defer(() => broker.close());
  return broker;
}

async function bridgeFor(defer: Defer, broker: TestBroker): Promise<FakeBridge> {
  const bridge = await startFakeBridge(broker.url);
  defer(() => bridge.close());
  return bridge;
}

const boardFor = startBoardFor;

/** Gaps between consecutive times. */
const gaps = (times: readonly number[]): number[] => times.slice(1).map((t, i) => t - (times[i] as number));

/** Retries spaced by a backoff: at least `min` of them, and the last gap well above the first. */
function expectBackoff(times: readonly number[], min: number, max: number): void {
  expect(times.length).toBeGreaterThanOrEqual(min);
  expect(times.length).toBeLessThanOrEqual(max);
  const g = gaps(times);
  expect(g.at(-1)).toBeGreaterThan((g[0] as number) * 1.5);
}

describe('MQTT broker outage', () => {
  test.concurrent('shows the link pattern, retries with growing gaps, and recovers by itself', () =>
    withTeardown(async (defer) => {
      const broker = await brokerFor(defer);
      let bridge = await bridgeFor(defer, broker);
      // A session this short would otherwise look like a refused login (see below).
      const config = testConfig({ mqtt: { port: broker.port }, timing: { authFailWindowMs: 200 } });
      const board = await boardFor(defer, { config });
      await bridge.waitForCommands(1);
      await waitForPattern(board, LED.off);

      await bridge.close();
      const before = board.mqtt.attempts.length;
      await broker.stop();
      await Promise.all([waitForPattern(board, LED.link), board.sleep(2000)]);
      // 100 ms doubling to an 800 ms cap, +-20% jitter: about 5 tries in 2 s, not one per tick.
      expectBackoff(board.mqtt.attempts.slice(before).map((a) => a.t), 3, 7);

      await broker.start();
      bridge = await bridgeFor(defer, broker);
      await bridge.waitForCommands(1, 4000); // reconnected and asked for status
      await waitForPattern(board, LED.off);
    }));

  test.concurrent('drops a press made during the outage instead of sending it later', () =>
    withTeardown(async (defer) => {
      const broker = await brokerFor(defer);
      const bridge = await bridgeFor(defer, broker);
      const config = testConfig({ mqtt: { port: broker.port }, timing: { authFailWindowMs: 200 } });
      const board = await boardFor(defer, { config });
      await bridge.waitForCommands(1);
      await broker.stop();
      await waitForPattern(board, LED.link);
      await board.button.press();
      await broker.start();
      await bridge.waitForCommands(2, 4000); // the status request of the new connection
      await board.sleep(300);
      expect(bridge.commands.map((c) => c.action)).toEqual(['status', 'status']);
      expect(board.console).toContain('tuya-button: offline, toggle dropped');
    }));
});

describe('refused login', () => {
  const refuse: AedesOptions['authenticate'] = (client, username, password, done) => {
    const board = username === 'board' && password?.toString() === 'right';
    if (board || client.id.startsWith('fake-bridge')) return done(null, true);
    done(Object.assign(new Error('bad credentials'), { returnCode: 4 as const }), false);
  };

  test.concurrent('backs off instead of reconnecting in a storm', () =>
    withTeardown(async (defer) => {
      const broker = await brokerFor(defer, { authenticate: refuse });
      const config = testConfig({
        mqtt: { port: broker.port, username: 'board', password: 'wrong' },
        timing: { mqttRetryMinMs: 50, authRetryMs: 300 },
      });
      const board = await boardFor(defer, { config });
      await Promise.all([waitForPattern(board, LED.link), board.sleep(2000)]);
      // Each attempt looks connected for a moment (the module's CONNACK bug), then closes.
      // The 50 ms minimum alone would allow ~30 attempts; the login backoff 0.3 + 0.6 + 1.2 s.
      expect(broker.connections.length).toBeGreaterThanOrEqual(2);
      expect(broker.connections.length).toBeLessThanOrEqual(5);
      expect(board.console.some((l) => l.includes('closed at once, login rejected?'))).toBe(true);
    }));

  test.concurrent('connects normally with the right password', () =>
    withTeardown(async (defer) => {
      const broker = await brokerFor(defer, { authenticate: refuse });
      const bridge = await bridgeFor(defer, broker);
      const config = testConfig({ mqtt: { port: broker.port, username: 'board', password: 'right' } });
      const board = await boardFor(defer, { config });
      await bridge.waitForCommands(1);
      await waitForPattern(board, LED.off);
    }));
});

describe('Wi-Fi', () => {
  test.concurrent('reconnects after a drop with growing gaps, then MQTT comes back by itself', () =>
    withTeardown(async (defer) => {
      const broker = await brokerFor(defer);
      const bridge = await bridgeFor(defer, broker);
      const watcher = await observe(broker.url, ['tuya/esp32/+/availability']);
      defer(() => watcher.close());
      const board = await boardFor(defer, { config: testConfig({ mqtt: { port: broker.port } }) });
      await bridge.waitForCommands(1);

      const before = board.wifi.attempts.length;
      board.wifi.setAccessPoint(false); // out of range: the link drops and connects fail
      await Promise.all([waitForPattern(board, LED.wifi), board.sleep(2000)]);
      expectBackoff(board.wifi.attempts.slice(before), 3, 7);

      board.wifi.setAccessPoint(true);
      await bridge.waitForCommands(2, 4000);
      await waitForPattern(board, LED.off);
      // The new session took over the silent old one: no offline in between, online again.
      const availability = watcher.on(boardTopics(board.serial).availability).map((m) => m.payload);
      expect(availability).toEqual(['online', 'online']);
    }));

  test.concurrent('keeps retrying when the first connects fail at boot', () =>
    withTeardown(async (defer) => {
      const broker = await brokerFor(defer);
      const board = await boardFor(defer, {
        config: testConfig({ mqtt: { port: broker.port } }),
        wifi: { password: 'other' }, // the access point rejects the configured password
      });
      await waitForPattern(board, LED.wifi);
      await board.waitFor(() => board.wifi.attempts.length >= 3, { what: 'Wi-Fi retries' });
      expect(board.console.some((l) => l.includes('wifi: auth_fail'))).toBe(true);
      expect(board.mqtt.attempts).toHaveLength(0);
    }));
});

describe('restart', () => {
  test.concurrent('after load() with Wi-Fi still up it reconnects; the broker marks the gap', () =>
    withTeardown(async (defer) => {
      const broker = await brokerFor(defer);
      const bridge = await bridgeFor(defer, broker);
      const watcher = await observe(broker.url, ['tuya/esp32/+/availability']);
      defer(() => watcher.close());
      const board = await boardFor(defer, { config: testConfig({ mqtt: { port: broker.port } }) });
      await bridge.waitForCommands(1);
      const attempts = board.wifi.attempts.length;
      board.evaluate('load()');
      await bridge.waitForCommands(2);
      await waitForPattern(board, LED.off);
      // The station was still connected: connect() only called back, and that was enough.
      expect(board.wifi.attempts).toHaveLength(attempts + 1);
      const availability = watcher.on(boardTopics(board.serial).availability).map((m) => m.payload);
      expect(availability).toEqual(['online', 'offline', 'online']);
    }));
});

describe('config', () => {
  // No network in these: the fake clock makes the LED timing exact.
  const bootWith = (config: unknown): Promise<Board> => startBoard({ clock: 'fake', config });

  test('missing config: config pattern and a console message', async () => {
    const board = await bootWith(undefined);
    await waitForPattern(board, LED.config, { segments: 6 });
    const message = 'tuya-button: config missing: no tuya-button.json (npm run firmware:provision)';
    expect(board.console).toEqual([message]);
    expect(board.wifi.attempts).toHaveLength(0);
    await board.stop();
  });

  test('broken JSON: config pattern and a console message', async () => {
    const board = await bootWith('{"device": "demo-plug", ');
    await waitForPattern(board, LED.config, { segments: 6 });
    expect(board.console).toEqual(['tuya-button: config broken: tuya-button.json is not JSON']);
    await board.stop();
  });

  test.each([
    ['no device', { device: '' }, 'device must name the plug'],
    ['no broker host', { mqtt: { host: '' } }, 'mqtt.host is missing'],
    ['keepalive too short to ping', { mqtt: { keepAlive: 5 } }, 'mqtt.keepAlive must be 6..65535 (s)'],
    ['http mode without a URL', { mode: 'http' as const }, 'http.url must look like http://host:port'],
    ['button on GPIO34-39', { pins: { button: 'D34' } }, 'pins.button has no internal pull-up (GPIO34-39)'],
    ['LED on a flash pin', { pins: { led: 'D7' } }, 'pins.led must be a usable pin like D21'],
    ['a timing as text', { timing: { debounceMs: '50' as unknown as number } }, 'timing.debounceMs must be ms'],
  ])('%s: config pattern and the reason on the console', async (_name, overrides, reason) => {
    const board = await bootWith(testConfig(overrides));
    await waitForPattern(board, LED.config, { segments: 6 });
    expect(board.console).toEqual([`tuya-button: config invalid: ${reason}`]);
    await board.stop();
  });
});
