import { MqttProbe, startBridge } from '../helpers/bridge.js';
import { startEmbeddedBroker } from '../../broker/embedded-broker.js';

describe('stopping the bridge', () => {
  it('answers the commands in flight before it says offline, and refuses none silently', async () => {
    // An external broker, so the probe can still listen after the bridge has gone.
    const broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0, allowAnonymous: true });
    const bridge = await startBridge({ env: { BROKER_ENABLED: 'false', MQTT_URL: broker.url, HA_DISCOVERY: 'false' } });
    const probe = await MqttProbe.connect(broker.url, ['tuya/status', 'tuya/bridge/state']);
    try {
      bridge.app.simulator?.setLatency(400);
      await probe.send('{"action":"on","id":"in-flight"}');
      await new Promise((resolve) => setTimeout(resolve, 100));
      await bridge.stop();
      const reply = await probe.reply('in-flight', 1000);
      expect(reply).toMatchObject({ status: 'ok', state: 'ON' });
      const replyIndex = probe.received.findIndex((m) => m.payload.includes('"in-flight"'));
      const offlineIndex = probe.received.findIndex((m) => m.topic === 'tuya/bridge/state' && m.payload === 'offline');
      expect(offlineIndex).toBeGreaterThan(replyIndex);
    } finally {
      await probe.close();
      await broker.close();
    }
  });
});
