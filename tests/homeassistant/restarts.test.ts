import { MqttProbe, startBridge } from '../helpers/bridge.js';
import { startTestCloud } from '../helpers/cloud.js';
import { describeWithMosquitto, startMosquitto } from '../helpers/mosquitto.js';

const NODE = 'tuya_mqtt_bridge_home_tuya';

describeWithMosquitto('a mosquitto restart without persistence', () => {
  it('is followed by the full retained picture for a fresh subscriber, without restarting the bridge', async () => {
    const lamp = { name: 'Desk Lamp', id: 'bf00lamp00000001', energy: true };
    const sim = await startTestCloud([lamp]);
    let mosquitto = await startMosquitto();
    const bridge = await startBridge({
      env: {
        ...sim.env,
        BROKER_ENABLED: 'false',
        MQTT_URL: mosquitto.url,
        MQTT_RECONNECT_MS: '200',
        MQTT_BASE_TOPIC: 'home/tuya',
        POLL_INTERVAL_SECONDS: '3600',
      },
    });
    try {
      const first = await MqttProbe.connect(mosquitto.url, ['home/tuya/#']);
      expect(await first.command({ action: 'on' }, 'home/tuya/command')).toMatchObject({ status: 'ok', state: 'ON' });
      await first.close();

      const port = mosquitto.port;
      await mosquitto.stop();
      mosquitto = await startMosquitto(port);

      // A subscriber that arrives after the restart, once the bridge has had time to reconnect.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const fresh = await MqttProbe.connect(mosquitto.url, ['home/tuya/#', 'homeassistant/#']);
      const retained = async (topic: string) => fresh.waitFor((m) => m.topic === topic && m.retain, 5000);
      expect((await retained('home/tuya/bridge/state')).payload).toBe('online');
      expect((await retained('home/tuya/desk_lamp/availability')).payload).toBe('online');
      expect(JSON.parse((await retained('home/tuya/desk_lamp')).payload)).toMatchObject({ state: 'ON', online: true });
      const sw = JSON.parse((await retained(`homeassistant/switch/${NODE}/${lamp.id}_switch/config`)).payload);
      expect(sw).toMatchObject({ command_topic: 'home/tuya/desk_lamp/set', availability: [{ topic: 'home/tuya/bridge/state' }, { topic: 'home/tuya/desk_lamp/availability' }] });
      await retained(`homeassistant/sensor/${NODE}/${lamp.id}_power/config`);

      // And it still takes commands on the deeper base topic.
      expect(await fresh.command({ state: 'OFF' }, 'home/tuya/desk_lamp/set')).toMatchObject({ status: 'ok', state: 'OFF' });
      await fresh.close();
    } finally {
      await bridge.stop();
      await mosquitto.stop();
      await sim.cloud.stop();
    }
  });
});
