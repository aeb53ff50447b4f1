import { BridgeError } from '../../src/errors.js';
import { StatusPoller } from '../../src/features/poller.js';
import { silentLogger } from '../../src/log/logger.js';
import type { Logger } from '../../src/log/logger.js';
import { PlugRegistry } from '../../src/plugs/registry.js';
import type { StateChange } from '../../src/plugs/registry.js';
import { FakeTransport } from '../helpers/fake-transport.js';

function plugs(count: number) {
  return Array.from({ length: count }, (_, i) => ({ name: `plug ${i}`, id: `bf${String(i).padStart(4, '0')}` }));
}

function setup(count: number, options: { onlineEvery?: number; now?: () => number; logger?: Logger } = {}) {
  const registry = new PlugRegistry(plugs(count));
  const transport = new FakeTransport();
  const poller = new StatusPoller({
    registry,
    transport,
    logger: options.logger ?? silentLogger,
    switchCode: 'switch_1',
    intervalMs: 60_000,
    onlineEvery: options.onlineEvery ?? 0,
    settleMs: 5_000,
    now: options.now,
  });
  return { registry, transport, poller };
}

describe('StatusPoller', () => {
  it.each([
    [1, 1],
    [20, 1],
    [21, 2],
    [100, 5],
  ])('reads %i plugs with %i batch call(s) a poll', async (count, calls) => {
    const { transport, poller } = setup(count);
    await poller.pollNow();
    // The first poll also reads each plug's specification, once.
    expect(transport.calls.filter((call) => call.startsWith('spec'))).toHaveLength(count);
    transport.calls.length = 0;
    await poller.pollNow();
    expect(transport.calls.filter((call) => call.startsWith('batch'))).toHaveLength(calls);
    expect(transport.calls.every((call) => call.startsWith('batch'))).toBe(true);
  });

  it('announces a change made elsewhere as a poll change', async () => {
    const { registry, transport, poller } = setup(2);
    await poller.pollNow();
    const changes: StateChange[] = [];
    registry.on('change', (change) => changes.push(change));
    transport.switches.set('bf0001', true);
    await poller.pollNow();
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ source: 'poll', plug: { name: 'plug 1', state: { on: true } } });
  });

  it('does not flip back a command the cloud accepted a moment ago', async () => {
    let clock = 1_000_000;
    const { registry, poller } = setup(1, { now: () => clock });
    const plug = registry.all()[0]!;
    // The bridge switched it on; the cloud still reports off for a moment.
    plug.commandedAt = clock;
    registry.update(plug, { on: true }, 'command', clock);
    clock += 2_000;
    await poller.pollNow();
    expect(plug.state.on).toBe(true);
    clock += 10_000;
    await poller.pollNow();
    expect(plug.state.on).toBe(false);
  });

  it('reads the online flag only every Nth poll', async () => {
    const { transport, poller } = setup(2, { onlineEvery: 3 });
    for (let i = 0; i < 4; i += 1) await poller.pollNow();
    expect(transport.calls.filter((call) => call.startsWith('details'))).toHaveLength(4);
  });

  it('logs one line per outage, not one per poll', async () => {
    const lines: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (m) => lines.push(m), info: (m) => lines.push(m) };
    const { transport, poller } = setup(1, { logger });
    transport.failWith = new BridgeError('cloud_unreachable', 'network down');
    for (let i = 0; i < 3; i += 1) await poller.pollNow();
    transport.failWith = undefined;
    await poller.pollNow();
    expect(lines).toEqual(['Polling failed: network down', 'Polling the cloud works again']);
  });
});
