import { startEmbeddedBroker } from '../../broker/embedded-broker.js';
import { MqttProbe, startBridge } from '../helpers/bridge.js';
import type { TestBridge } from '../helpers/bridge.js';
import { startTestCloud } from '../helpers/cloud.js';
import type { TestCloud } from '../helpers/cloud.js';

const LAMP = { name: 'Desk Lamp', id: 'bf00lamp00000001', energy: true, model: 'SP22', productName: 'Teckin SP22' };
const KETTLE = { name: 'Küche #2', id: 'bf00kettle000002', energy: false };
const NODE = 'tuya_mqtt_bridge_tuya';

type Config = Record<string, any>;

describe('Home Assistant discovery on the embedded broker', () => {
  let sim: TestCloud;
  let bridge: TestBridge;
  let probe: MqttProbe;

  const configOf = async (topic: string, containing = ''): Promise<Config> => {
    const message = await probe.waitFor((m) => m.topic === topic && m.payload !== '' && m.payload.includes(containing));
    return JSON.parse(message.payload) as Config;
  };

  beforeAll(async () => {
    sim = await startTestCloud([LAMP, KETTLE]);
    bridge = await startBridge({ env: { ...sim.env, POLL_INTERVAL_SECONDS: '3600', HA_BIRTH_DELAY_MAX_MS: '50' } });
    probe = await MqttProbe.connect(bridge.mqttUrl, ['homeassistant/#', 'tuya/#']);
  });

  afterAll(async () => {
    await probe.close();
    await bridge.stop();
    await sim.cloud.stop();
  });

  it('announces an energy plug as an outlet switch with power, voltage, current and energy sensors', async () => {
    // The model is known once the first poll has read the plug's details.
    const sw = await configOf(`homeassistant/switch/${NODE}/${LAMP.id}_switch/config`, '"model"');
    expect(sw).toEqual({
      device: {
        identifiers: [`tuya_${LAMP.id}`],
        name: 'Desk Lamp',
        manufacturer: 'Tuya',
        model: 'SP22',
        model_id: expect.any(String),
        via_device: `${NODE}_bridge`,
      },
      origin: { name: 'tuya-mqtt-bridge', sw_version: expect.stringMatching(/^\d+\.\d+\.\d+/) },
      availability: [{ topic: 'tuya/bridge/state' }, { topic: 'tuya/desk_lamp/availability' }],
      availability_mode: 'all',
      state_topic: 'tuya/desk_lamp',
      name: null,
      unique_id: `${NODE}_${LAMP.id}_switch`,
      device_class: 'outlet',
      command_topic: 'tuya/desk_lamp/set',
      payload_on: 'ON',
      payload_off: 'OFF',
      value_template: '{{ value_json.state }}',
    });

    const expected = {
      power: ['power', 'measurement', 'W'],
      voltage: ['voltage', 'measurement', 'V'],
      current: ['current', 'measurement', 'A'],
      energy: ['energy', 'total_increasing', 'kWh'],
    };
    for (const [reading, [deviceClass, stateClass, unit]] of Object.entries(expected)) {
      const sensor = await configOf(`homeassistant/sensor/${NODE}/${LAMP.id}_${reading}/config`);
      expect(sensor).toMatchObject({
        unique_id: `${NODE}_${LAMP.id}_${reading}`,
        device_class: deviceClass,
        state_class: stateClass,
        unit_of_measurement: unit,
        state_topic: 'tuya/desk_lamp',
        value_template: `{{ value_json.${reading} }}`,
        availability_mode: 'all',
        device: { identifiers: [`tuya_${LAMP.id}`] },
      });
    }
  });

  it('gives a plug without energy data points a switch and no sensors', async () => {
    const sw = await configOf(`homeassistant/switch/${NODE}/${KETTLE.id}_switch/config`);
    expect(sw).toMatchObject({ command_topic: 'tuya/küche_2/set', state_topic: 'tuya/küche_2' });
    await probe.waitFor((m) => m.topic === 'tuya/küche_2' && m.retain !== undefined);
    const kettleSensors = probe.received.filter((m) => m.topic.startsWith(`homeassistant/sensor/${NODE}/${KETTLE.id}`));
    expect(kettleSensors).toEqual([]);
  });

  it('uses only [a-zA-Z0-9_-] in node and object ids, and unique ids from Tuya ids', () => {
    const configs = probe.received.filter((m) => m.topic.startsWith('homeassistant/') && m.topic.endsWith('/config'));
    expect(configs.length).toBeGreaterThanOrEqual(7);
    for (const { topic, payload } of configs) {
      const [, , node, object] = topic.split('/');
      expect(node).toMatch(/^[a-zA-Z0-9_-]+$/);
      expect(object).toMatch(/^[a-zA-Z0-9_-]+$/);
      const uniqueId = (JSON.parse(payload) as Config)['unique_id'] as string;
      expect(uniqueId).not.toMatch(/lamp_|desk|küche/i);
    }
  });

  it('announces the bridge itself as a device', async () => {
    const bridgeConfig = await configOf(`homeassistant/binary_sensor/${NODE}/bridge_connection/config`);
    expect(bridgeConfig).toMatchObject({
      device_class: 'connectivity',
      state_topic: 'tuya/bridge/state',
      device: { identifiers: [`${NODE}_bridge`] },
    });
  });

  it('publishes the whole plug state, retained, with scaled readings, and availability', async () => {
    await probe.command({ action: 'on', device: 'Desk Lamp' });
    await bridge.app.poller.pollNow();
    const late = await MqttProbe.connect(bridge.mqttUrl, ['tuya/desk_lamp', 'tuya/desk_lamp/availability']);
    const state = await late.waitFor((m) => m.topic === 'tuya/desk_lamp');
    expect(state.retain).toBe(true);
    const payload = JSON.parse(state.payload) as Config;
    expect(payload).toMatchObject({ state: 'ON', online: true });
    expect(payload['power']).toBeGreaterThan(0);
    expect(payload['voltage']).toBeGreaterThan(100);
    expect(payload['current']).toBeGreaterThan(0);
    expect(typeof payload['energy']).toBe('number');
    expect(await late.waitFor((m) => m.topic === 'tuya/desk_lamp/availability')).toMatchObject({ payload: 'online', retain: true });
    await late.close();
  });

  it('switches through <name>/set with ON/OFF/TOGGLE or JSON, and reads through <name>/get', async () => {
    for (const [payload, state] of [['OFF', 'OFF'], ['toggle', 'ON'], ['{"state":"OFF"}', 'OFF']] as const) {
      const before = probe.received.length;
      await probe.send(payload, 'tuya/desk_lamp/set');
      await probe.waitFor((m) => probe.received.indexOf(m) >= before && m.topic === 'tuya/status' && m.payload.includes(`"state":"${state}"`));
      expect(sim.cloud.isOn(LAMP.id)).toBe(state === 'ON');
    }
    const before = probe.received.length;
    await probe.send('', 'tuya/desk_lamp/get');
    const reply = await probe.waitFor((m) => probe.received.indexOf(m) >= before && m.topic === 'tuya/status');
    expect(JSON.parse(reply.payload)).toMatchObject({ status: 'ok', device: 'Desk Lamp', source: 'cloud' });
  });

  it.each([
    ['tuya/no_such_plug/set', 'no_such_plug'],
    // An empty level must not fall back to the default plug (found by fuzzing).
    ['tuya//set', '""'],
  ])('answers %s with unknown_device naming the level', async (topic, named) => {
    const before = probe.received.length;
    await probe.send('ON', topic);
    const reply = await probe.waitFor((m) => probe.received.indexOf(m) >= before && m.topic === 'tuya/status');
    expect(JSON.parse(reply.payload)).toMatchObject({ status: 'error', error: { code: 'unknown_device', message: expect.stringContaining(named) } });
  });

  it('republishes discovery, online and states after a Home Assistant birth, creating no new entities', async () => {
    const topicsBefore = new Set(probe.received.filter((m) => m.topic.endsWith('/config')).map((m) => m.topic));
    const before = probe.received.length;
    await probe.send('ONLINE', 'homeassistant/status');
    await probe.waitFor((m) => probe.received.indexOf(m) > before && m.topic === 'tuya/desk_lamp');
    const after = probe.received.slice(before);
    const republished = new Set(after.filter((m) => m.topic.endsWith('/config')).map((m) => m.topic));
    expect(republished).toEqual(topicsBefore);
    expect(after.some((m) => m.topic === 'tuya/bridge/state' && m.payload === 'online')).toBe(true);
    const uniqueIds = after.filter((m) => m.topic.endsWith('/config')).map((m) => (JSON.parse(m.payload) as Config)['unique_id']);
    expect(new Set(uniqueIds).size).toBe(uniqueIds.length);
  });

  it('ignores a birth topic payload other than online', async () => {
    const before = probe.received.length;
    await probe.send('offline', 'homeassistant/status');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(probe.received.slice(before).filter((m) => m.topic.endsWith('/config'))).toEqual([]);
  });

  it('does not announce a board that only the broker spoke for (offline on its behalf)', async () => {
    await probe.send('offline', 'tuya/esp32/esp32-0000000000aa/availability');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(probe.received.some((m) => m.topic.includes('esp32-0000000000aa') && m.topic.endsWith('/config'))).toBe(false);
  });

  it('keeps board ids with unsafe characters apart', async () => {
    await probe.send('online', 'tuya/esp32/esp32-Ünï/availability');
    await probe.send('online', 'tuya/esp32/esp32-_n_/availability');
    const a = await probe.waitFor((m) => m.topic.includes('esp32-_n__') && m.topic.endsWith('_online/config'));
    const b = await probe.waitFor((m) => m.topic.includes('esp32-_n_') && m.topic.endsWith('_online/config') && m.topic !== a.topic);
    expect(JSON.parse(a.payload).unique_id).not.toBe(JSON.parse(b.payload).unique_id);
  });

  it('zeroes power and current as soon as a command switches the plug off', async () => {
    await probe.command({ action: 'on', device: 'Desk Lamp' });
    await bridge.app.poller.pollNow();
    const on = bridge.app.registry.find('Desk Lamp')!.state.readings;
    expect(on.power).toBeGreaterThan(0);
    await probe.command({ action: 'off', device: 'Desk Lamp' });
    const off = await probe.waitFor((m) => m.topic === 'tuya/desk_lamp' && m.payload.includes('"state":"OFF"') && m.payload.includes('"power":0'));
    expect(JSON.parse(off.payload)).toMatchObject({ power: 0, current: 0, voltage: expect.any(Number) });
  });

  it('announces an ESP32 board with diagnostic sensors for what its telemetry carries', async () => {
    await probe.send('online', 'tuya/esp32/esp32-a0b1c2d3e4f5/availability');
    await probe.send(JSON.stringify({ rssi: -61, mem_free: 1200, mem_total: 4000, uptime_s: 42, chip_temp_c: 48.5 }), 'tuya/esp32/esp32-a0b1c2d3e4f5/telemetry');
    const rssi = await configOf(`homeassistant/sensor/${NODE}/esp32-a0b1c2d3e4f5_rssi/config`);
    expect(rssi).toMatchObject({
      entity_category: 'diagnostic',
      device_class: 'signal_strength',
      unit_of_measurement: 'dBm',
      state_topic: 'tuya/esp32/esp32-a0b1c2d3e4f5/telemetry',
      availability: [{ topic: 'tuya/bridge/state' }, { topic: 'tuya/esp32/esp32-a0b1c2d3e4f5/availability' }],
      device: { via_device: `${NODE}_bridge` },
    });
    await configOf(`homeassistant/sensor/${NODE}/esp32-a0b1c2d3e4f5_chip_temp_c/config`);
    expect(probe.received.some((m) => m.topic.includes('esp32-a0b1c2d3e4f5_battery_v'))).toBe(false);
  });
});

describe('plugs leaving the configuration', () => {
  it('have their discovery configs cleared with empty retained messages', async () => {
    const gone = { name: 'old heater', id: 'bf00heater000003', energy: true };
    const sim = await startTestCloud([LAMP, gone]);
    // One broker outlives both runs of the bridge, as a user's broker would.
    const broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0, allowAnonymous: true });
    const external = { BROKER_ENABLED: 'false', MQTT_URL: broker.url, POLL_INTERVAL_SECONDS: '3600' };
    const first = await startBridge({ env: { ...sim.env, ...external } });
    const probe = await MqttProbe.connect(broker.url, ['homeassistant/#']);
    await probe.waitFor((m) => m.topic.includes(`${gone.id}_power`));
    await first.stop();
    const second = await startBridge({ env: { ...sim.env, ...external, PLUGS: JSON.stringify([{ name: LAMP.name, id: LAMP.id }]) } });
    try {
      for (const object of ['switch', 'power', 'voltage', 'current', 'energy']) {
        const component = object === 'switch' ? 'switch' : 'sensor';
        const topic = `homeassistant/${component}/${NODE}/${gone.id}_${object}/config`;
        await probe.waitFor((m) => m.topic === topic && m.payload === '');
      }
      expect(probe.received.some((m) => m.topic.includes(LAMP.id) && m.payload === '')).toBe(false);
      // Its retained state and availability go too; the remaining plug's stay.
      const state = await MqttProbe.connect(broker.url, ['tuya/#']);
      await state.waitFor((m) => m.topic === 'tuya/desk_lamp');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(state.received.filter((m) => m.topic.startsWith('tuya/old_heater'))).toEqual([]);
      await state.close();
    } finally {
      await probe.close();
      await second.stop();
      await broker.close();
      await sim.cloud.stop();
    }
  });
});
