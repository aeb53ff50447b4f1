import { MqttProbe, startBridge } from '../helpers/bridge.js';
import type { TestBridge } from '../helpers/bridge.js';

describe('tuya/command over the embedded broker, with the simulated cloud', () => {
  let bridge: TestBridge;
  let probe: MqttProbe;

  beforeAll(async () => {
    bridge = await startBridge();
    probe = await MqttProbe.connect(bridge.mqttUrl, ['tuya/status', 'tuya/bridge/state']);
  });

  afterAll(async () => {
    await probe.close();
    await bridge.stop();
  });

  it('publishes a retained online on tuya/bridge/state', async () => {
    const state = await probe.waitFor((m) => m.topic === 'tuya/bridge/state');
    expect(state).toMatchObject({ payload: 'online', retain: true });
  });

  it.each([
    ['on', 'ON'],
    ['off', 'OFF'],
  ])('%s switches the demo plug and replies %s with the id echoed', async (action, state) => {
    const reply = await probe.command({ action, device: 'demo-plug' });
    expect(reply).toMatchObject({ status: 'ok', device: 'demo-plug', state, online: true, stale: false });
    expect(bridge.app.simulator?.isOn(bridge.app.registry.all()[0]!.id)).toBe(state === 'ON');
  });

  it('toggles, as in the README: the reply arrives with "id":"42"', async () => {
    const before = bridge.app.simulator!.isOn(bridge.app.registry.all()[0]!.id);
    await probe.send('{"action":"toggle","device":"demo-plug","id":"42"}');
    const reply = await probe.reply('42', 1000);
    expect(reply).toMatchObject({ status: 'ok', state: before ? 'OFF' : 'ON', id: '42' });
    expect(typeof reply['time']).toBe('string');
  });

  it('answers status with the state read from the cloud', async () => {
    const id = bridge.app.registry.all()[0]!.id;
    bridge.app.simulator!.setSwitch(id, true);
    const reply = await probe.command({ action: 'status' });
    expect(reply).toMatchObject({ status: 'ok', state: 'ON', source: 'cloud', stale: false });
  });

  it('accepts a bare word for the default plug', async () => {
    await probe.send('OFF\n');
    const reply = await probe.waitFor((m) => m.topic === 'tuya/status' && m.payload.includes('"state":"OFF"') && !m.payload.includes('"id"'));
    expect(JSON.parse(reply.payload)).toMatchObject({ status: 'ok', device: 'demo-plug' });
  });

  it('publishes a change made elsewhere when the poll sees it', async () => {
    const id = bridge.app.registry.all()[0]!.id;
    const on = !bridge.app.simulator!.isOn(id);
    bridge.app.simulator!.setSwitch(id, on);
    bridge.app.registry.all()[0]!.commandedAt = 0;
    const seen = probe.received.length;
    await bridge.app.poller.pollNow();
    const message = await probe.waitFor(
      (m) => probe.received.indexOf(m) >= seen && m.payload.includes(`"source":"poll"`),
    );
    expect(JSON.parse(message.payload)).toMatchObject({ state: on ? 'ON' : 'OFF', device: 'demo-plug' });
  });
});
