import { Dispatcher } from '../../src/commands/dispatcher.js';
import { BridgeError } from '../../src/errors.js';
import { silentLogger } from '../../src/log/logger.js';
import { PlugRegistry } from '../../src/plugs/registry.js';
import { FakeTransport } from '../helpers/fake-transport.js';

function setup(timeoutMs = 1000) {
  const registry = new PlugRegistry([
    { name: 'Desk Lamp', id: 'bf01' },
    { name: 'kettle', id: 'bf02' },
  ]);
  const transport = new FakeTransport();
  const dispatcher = new Dispatcher({ registry, transport, logger: silentLogger, switchCode: 'switch_1', timeoutMs });
  return { registry, transport, dispatcher };
}

describe('Dispatcher', () => {
  it('switches on with exactly one cloud call and answers with the commanded state', async () => {
    const { transport, dispatcher } = setup();
    const reply = await dispatcher.execute({ action: 'on', device: 'desk lamp', id: '42' });
    expect(transport.calls).toEqual(['switch bf01 true']);
    expect(reply).toMatchObject({ status: 'ok', device: 'Desk Lamp', device_id: 'bf01', state: 'ON', online: true, id: '42', stale: false, source: 'command' });
  });

  it('finds plugs by Tuya id as well as by name', async () => {
    const { dispatcher } = setup();
    expect(await dispatcher.execute({ action: 'off', device: 'bf02' })).toMatchObject({ device: 'kettle', state: 'OFF' });
  });

  it('resolves toggle against the known state: one call, absolute value', async () => {
    const { transport, dispatcher } = setup();
    await dispatcher.execute({ action: 'on', device: 'kettle' });
    transport.calls.length = 0;
    const reply = await dispatcher.execute({ action: 'toggle', device: 'kettle' });
    expect(transport.calls).toEqual(['switch bf02 false']);
    expect(reply.state).toBe('OFF');
  });

  it('reads the state first when toggling a plug it knows nothing about', async () => {
    const { transport, dispatcher } = setup();
    transport.switches.set('bf02', true);
    const reply = await dispatcher.execute({ action: 'toggle', device: 'kettle' });
    expect(transport.calls).toEqual(['status bf02', 'switch bf02 false']);
    expect(reply.state).toBe('OFF');
  });

  it('switches twice for two toggles in flight at once', async () => {
    const { transport, dispatcher } = setup();
    await dispatcher.execute({ action: 'off', device: 'kettle' });
    let open!: () => void;
    transport.gate = new Promise((resolve) => (open = resolve));
    const first = dispatcher.execute({ action: 'toggle', device: 'kettle' });
    const second = dispatcher.execute({ action: 'toggle', device: 'kettle' });
    open();
    expect((await first).state).toBe('ON');
    expect((await second).state).toBe('OFF');
    expect(transport.switches.get('bf02')).toBe(false);
  });

  it('answers unknown_device naming the plug, without calling the cloud', async () => {
    const { transport, dispatcher } = setup();
    const reply = await dispatcher.execute({ action: 'on', device: 'no-such-plug', id: 'x' });
    expect(reply).toMatchObject({ status: 'error', device: null, id: 'x', error: { code: 'unknown_device' } });
    expect(reply.error?.message).toContain('"no-such-plug"');
    expect(transport.calls).toEqual([]);
  });

  it('asks for a device when several plugs exist and none is the default', async () => {
    const { dispatcher } = setup();
    const reply = await dispatcher.execute({ action: 'on' });
    expect(reply.error).toMatchObject({ code: 'unknown_device', message: expect.stringContaining('DEFAULT_PLUG') });
  });

  it('keeps the last known state, marked stale, when the cloud fails', async () => {
    const { transport, dispatcher } = setup();
    await dispatcher.execute({ action: 'on', device: 'kettle' });
    transport.failWith = new BridgeError('cloud_unreachable', 'network down');
    const reply = await dispatcher.execute({ action: 'off', device: 'kettle', id: '7' });
    expect(reply).toMatchObject({ status: 'error', state: 'ON', stale: true, source: 'cache', id: '7', error: { code: 'cloud_unreachable' } });
  });

  it('marks the plug offline when Tuya says so, and carries Tuya\'s code', async () => {
    const { transport, dispatcher } = setup();
    transport.online.set('bf01', false);
    const reply = await dispatcher.execute({ action: 'on', device: 'Desk Lamp' });
    expect(reply).toMatchObject({ online: false, error: { code: 'device_offline', tuya_code: 2001 } });
  });

  it('answers timeout when the cloud does not answer in time', async () => {
    const { transport, dispatcher } = setup(50);
    transport.gate = new Promise(() => undefined);
    const reply = await dispatcher.execute({ action: 'on', device: 'kettle' });
    expect(reply.error).toMatchObject({ code: 'timeout' });
  });

  it('refuses new commands once draining, and waits for those in flight', async () => {
    const { transport, dispatcher } = setup();
    let open!: () => void;
    transport.gate = new Promise((resolve) => (open = resolve));
    const inFlight = dispatcher.execute({ action: 'on', device: 'kettle' });
    const drained = dispatcher.drain();
    const late = await dispatcher.execute({ action: 'off', device: 'kettle' });
    expect(late.error?.code).toBe('shutting_down');
    open();
    await drained;
    expect((await inFlight).status).toBe('ok');
  });
});
