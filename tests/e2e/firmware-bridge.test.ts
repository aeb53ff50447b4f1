// The firmware file itself, in the ESP32 harness, against the real bridge (in-process,
// embedded broker or mosquitto) and the simulated Tuya cloud: the product end to end.

import { spawnSync } from 'node:child_process';
import { exampleAcl } from '../../broker/acl.js';
import { hashPassword } from '../../broker/password-hash.js';
import { MqttProbe, startBridge } from '../helpers/bridge.js';
import type { TestBridge } from '../helpers/bridge.js';
import { describeWithMosquitto, startMosquitto } from '../helpers/mosquitto.js';
import { LED, startBoardFor, testConfig, waitForPattern, withTeardown } from '../firmware/harness/index.js';
import type { Board, Defer } from '../firmware/harness/index.js';

const DEMO_ID = 'bf0demo0plug0sim0001';

async function bridgeFor(defer: Defer, env: Record<string, string> = {}): Promise<TestBridge> {
  const bridge = await startBridge({ env });
  defer(() => bridge.stop());
  return bridge;
}

const boardFor = startBoardFor;

const portOf = (url: string): number => Number(new URL(url).port);
const commandsSent = (board: Board): string[] =>
  board.mqtt.sent.filter((m) => m.topic === 'tuya/command').map((m) => (JSON.parse(m.message) as { action: string }).action);

describe('ESP32 firmware with the real bridge', () => {
  test('a press switches the plug through the cloud and the LED follows', () =>
    withTeardown(async (defer) => {
      const bridge = await bridgeFor(defer);
      const board = await boardFor(defer, { config: testConfig({ mqtt: { port: portOf(bridge.mqttUrl) } }) });
      await waitForPattern(board, LED.off);
      await board.button.press();
      await waitForPattern(board, LED.on);
      expect(bridge.app.simulator?.isOn(DEMO_ID)).toBe(true);
      await board.button.press();
      await waitForPattern(board, LED.off);
      expect(bridge.app.simulator?.isOn(DEMO_ID)).toBe(false);
    }));

  test('a change made with mosquitto_pub or in the cloud reaches the LED', () =>
    withTeardown(async (defer) => {
      const bridge = await bridgeFor(defer);
      const board = await boardFor(defer, {
        config: testConfig({ mqtt: { port: portOf(bridge.mqttUrl) }, timing: { statusPollMs: 500 } }),
      });
      await waitForPattern(board, LED.off);
      const probe = await MqttProbe.connect(bridge.mqttUrl);
      defer(() => probe.close());
      // Another client switches the plug: the reply on tuya/status is the board's news too.
      await probe.command({ action: 'on', device: 'demo-plug' });
      await waitForPattern(board, LED.on);
      // The plug's own button: the board's periodic status request catches it.
      bridge.app.simulator?.setSwitch(DEMO_ID, false);
      await waitForPattern(board, LED.off);
    }));

  test('a contact bouncing five times within 30 ms sends one command', () =>
    withTeardown(async (defer) => {
      const bridge = await bridgeFor(defer);
      const board = await boardFor(defer, { config: testConfig({ mqtt: { port: portOf(bridge.mqttUrl) }, timing: { debounceMs: 50 } }) });
      await waitForPattern(board, LED.off);
      const before = commandsSent(board).length;
      await board.button.bounce([
        [0, 0], [4, 1], [9, 0], [13, 1], [18, 0], [22, 1], [26, 0], [28, 1], [30, 0], [230, 1],
      ]);
      await waitForPattern(board, LED.on);
      await board.sleep(300);
      expect(commandsSent(board).slice(before)).toEqual(['toggle']);
      expect(bridge.app.simulator?.isOn(DEMO_ID)).toBe(true);
    }));

  test('wrong broker credentials lead to backoff, not a storm; the right ones work', () =>
    withTeardown(async (defer) => {
      const acl = exampleAcl('tuya');
      const users = [
        { username: 'bridge', passwordHash: await hashPassword('bridge-pass-1'), ...acl.bridge },
        { username: 'esp32', passwordHash: await hashPassword('esp32-pass-1'), ...acl.esp32 },
      ];
      const bridge = await bridgeFor(defer, {
        BROKER_USERS: JSON.stringify(users),
        BROKER_ANONYMOUS: 'false',
        MQTT_USERNAME: 'bridge',
        MQTT_PASSWORD: 'bridge-pass-1',
      });
      const port = portOf(bridge.mqttUrl);
      const wrong = await boardFor(defer, { serial: '24:0a:c4:00:00:01', config: testConfig({ mqtt: { port, username: 'esp32', password: 'nope' } }) });
      await wrong.sleep(2000);
      // Without backoff it would try every 100 ms: about 20 times in 2 s.
      expect(wrong.mqtt.attempts.length).toBeGreaterThanOrEqual(1);
      expect(wrong.mqtt.attempts.length).toBeLessThanOrEqual(5);
      await waitForPattern(wrong, LED.link);

      const right = await boardFor(defer, { serial: '24:0a:c4:00:00:02', config: testConfig({ mqtt: { port, username: 'esp32', password: 'esp32-pass-1' } }) });
      await waitForPattern(right, LED.off);
      await right.button.press();
      await waitForPattern(right, LED.on);
    }));

  test('the bridge announces the board, and says offline within 1.5 keepalives after it vanishes', () =>
    withTeardown(async (defer) => {
      const bridge = await bridgeFor(defer);
      const watcher = await MqttProbe.connect(bridge.mqttUrl, ['tuya/esp32/#', 'homeassistant/#']);
      defer(() => watcher.close());
      const board = await boardFor(defer, {
        serial: '24:0a:c4:12:34:56',
        config: testConfig({ mqtt: { port: portOf(bridge.mqttUrl), keepAlive: 6 }, timing: { telemetryMs: 300 } }),
      });
      const availability = 'tuya/esp32/esp32-240ac4123456/availability';
      await watcher.waitFor((m) => m.topic === availability && m.payload === 'online');
      await watcher.waitFor((m) => m.topic.includes('esp32-240ac4123456_rssi/config'));
      board.powerOff();
      const lostAt = Date.now();
      // The firmware's lowest keepalive is 6 s: the broker gives up after 1.5 x 6 = 9 s.
      await watcher.waitFor((m) => m.topic === availability && m.payload === 'offline', 12_000);
      expect(Date.now() - lostAt).toBeLessThan(10_500);
    }), 30_000);

  test('a missing configuration shows its pattern and says so', () =>
    withTeardown(async (defer) => {
      // No config file in Storage at all, as on a freshly flashed board.
      const board = await boardFor(defer, {});
      await waitForPattern(board, LED.config);
      expect(board.console).toContain('tuya-button: config missing: no tuya-button.json (npm run firmware:provision)');
    }));

  test('HTTP mode does the same round trip through /api/control and /api/status', () =>
    withTeardown(async (defer) => {
      const bridge = await bridgeFor(defer);
      const board = await boardFor(defer, { config: testConfig({ mode: 'http', http: { url: bridge.httpUrl } }) });
      await waitForPattern(board, LED.off);
      await board.button.press();
      await waitForPattern(board, LED.on);
      expect(bridge.app.simulator?.isOn(DEMO_ID)).toBe(true);
      // A change made elsewhere reaches the LED through the status polling.
      const probe = await MqttProbe.connect(bridge.mqttUrl);
      defer(() => probe.close());
      await probe.command({ action: 'off' });
      await waitForPattern(board, LED.off);
    }));
});

describeWithMosquitto('ESP32 firmware through mosquitto', () => {
  test('a broker restart shows the outage on the LED, and both recover by themselves', () =>
    withTeardown(async (defer) => {
      let mosquitto = await startMosquitto();
      defer(() => mosquitto.stop());
      const bridge = await bridgeFor(defer, { BROKER_ENABLED: 'false', MQTT_URL: mosquitto.url, MQTT_RECONNECT_MS: '200' });
      const board = await boardFor(defer, {
        config: testConfig({ mqtt: { port: mosquitto.port }, timing: { authFailWindowMs: 200 } }),
      });
      await waitForPattern(board, LED.off);
      await mosquitto.stop();
      await waitForPattern(board, LED.link);
      mosquitto = await startMosquitto(mosquitto.port);
      await waitForPattern(board, LED.off);
      // Both reconnected: a press goes through the bridge again.
      await board.waitFor(() => bridge.app.connection.connected, { what: 'bridge reconnected' });
      await board.sleep(500);
      await board.button.press();
      await waitForPattern(board, LED.on);
      // And a command from the mosquitto CLI reaches the LED.
      const pub = spawnSync('mosquitto_pub', ['-p', String(mosquitto.port), '-t', 'tuya/command', '-m', 'off']);
      expect(pub.status).toBe(0);
      await waitForPattern(board, LED.off);
    }));
});
