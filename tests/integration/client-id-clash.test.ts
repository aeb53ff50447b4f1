import { startEmbeddedBroker } from '../../broker/embedded-broker.js';
import { startBridge } from '../helpers/bridge.js';

describe('two bridges configured with the same MQTT client id', () => {
  it('each says so once and backs off, instead of knocking the other off in a loop', async () => {
    const broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0, allowAnonymous: true });
    let connects = 0;
    broker.aedes.on('client', (client) => {
      if (client.id === 'same-id') connects += 1;
    });
    const env = { BROKER_ENABLED: 'false', MQTT_URL: broker.url, MQTT_CLIENT_ID: 'same-id', MQTT_RECONNECT_MS: '100', HA_DISCOVERY: 'false' };
    const first = await startBridge({ env, captureLogs: true, logLevel: 'info' });
    const second = await startBridge({ env, captureLogs: true, logLevel: 'info' });
    try {
      await new Promise((resolve) => setTimeout(resolve, 5000));
      for (const bridge of [first, second]) {
        const suspicions = bridge.logs.filter((line) => line.includes('another client using the client id'));
        expect(suspicions.length).toBeLessThanOrEqual(1);
      }
      const total = [...first.logs, ...second.logs].filter((line) => line.includes('another client using the client id'));
      expect(total.length).toBeGreaterThanOrEqual(1);
      // At a fixed 100 ms the two would reconnect about 100 times in 5 s.
      expect(connects).toBeLessThan(30);
    } finally {
      await first.stop();
      await second.stop();
      await broker.close();
    }
  }, 20_000);
});
