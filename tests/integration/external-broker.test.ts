import { MqttProbe, startBridge } from '../helpers/bridge.js';
import type { TestBridge } from '../helpers/bridge.js';
import { describeWithMosquitto, startMosquitto } from '../helpers/mosquitto.js';
import type { Mosquitto } from '../helpers/mosquitto.js';

describeWithMosquitto('the bridge on an external mosquitto, embedded broker off', () => {
  let mosquitto: Mosquitto;
  let bridge: TestBridge;
  let probe: MqttProbe;

  beforeAll(async () => {
    mosquitto = await startMosquitto();
    bridge = await startBridge({ env: { BROKER_ENABLED: 'false', MQTT_URL: mosquitto.url, MQTT_RECONNECT_MS: '200' } });
    probe = await MqttProbe.connect(mosquitto.url, ['tuya/status', 'tuya/bridge/state']);
  });

  afterAll(async () => {
    await probe.close();
    await bridge.stop();
    await mosquitto.stop();
  });

  it('runs no broker of its own and answers commands through mosquitto', async () => {
    expect(bridge.app.broker).toBeUndefined();
    expect(await probe.command({ action: 'on' })).toMatchObject({ status: 'ok', state: 'ON' });
  });

  it('reconnects after mosquitto restarts, resubscribes and says online again', async () => {
    const port = mosquitto.port;
    await mosquitto.stop();
    mosquitto = await startMosquitto(port);
    // A fresh subscriber: mosquitto ran without persistence, so only a re-publish can be seen.
    const fresh = await MqttProbe.connect(mosquitto.url, ['tuya/status', 'tuya/bridge/state']);
    try {
      // The bridge resubscribes before it says online, so a command after it is heard.
      const state = await fresh.waitFor((m) => m.topic === 'tuya/bridge/state', 8000);
      expect(state.payload).toBe('online');
      expect(await fresh.command({ action: 'off' })).toMatchObject({ status: 'ok', state: 'OFF' });
      const late = await MqttProbe.connect(mosquitto.url, ['tuya/bridge/state']);
      expect(await late.waitFor(() => true)).toMatchObject({ payload: 'online', retain: true });
      await late.close();
    } finally {
      await fresh.close();
    }
  });

  it('publishes offline, retained, when it stops', async () => {
    const watcher = await MqttProbe.connect(mosquitto.url, ['tuya/bridge/state']);
    await watcher.waitFor((m) => m.payload === 'online');
    await bridge.stop();
    const offline = await watcher.waitFor((m) => m.payload === 'offline');
    expect(offline.retain).toBe(false); // delivered live; the retained copy is checked next
    const late = await MqttProbe.connect(mosquitto.url, ['tuya/bridge/state']);
    expect(await late.waitFor((m) => m.topic === 'tuya/bridge/state')).toMatchObject({ payload: 'offline', retain: true });
    await late.close();
    await watcher.close();
    bridge = await startBridge({ env: { BROKER_ENABLED: 'false', MQTT_URL: mosquitto.url } });
  });
});
