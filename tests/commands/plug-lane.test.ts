import type { Command } from '../../src/commands/command.js';
import { PlugLane, planBatch } from '../../src/commands/plug-lane.js';
import { Dispatcher } from '../../src/commands/dispatcher.js';
import { silentLogger } from '../../src/log/logger.js';
import { PlugRegistry } from '../../src/plugs/registry.js';
import { FakeTransport } from '../helpers/fake-transport.js';

const cmd = (action: Command['action']): Command => ({ action });

describe('planBatch', () => {
  it.each([
    [['on'], false, true],
    [['off'], true, false],
    [['toggle'], false, true],
    [['toggle', 'toggle'], false, false],
    [['toggle', 'toggle', 'toggle'], true, false],
    [['on', 'toggle'], false, false],
    [['toggle', 'on'], true, true],
    [['off', 'status', 'toggle'], false, true],
  ] as Array<[Command['action'][], boolean, boolean]>)('%j from %s ends %s', (actions, current, expected) => {
    const plan = planBatch(actions.map(cmd), current);
    expect(plan.target?.(current)).toBe(expected);
    expect(plan.readFirst).toBe(false);
  });

  it('asks for a read only when a toggle comes before any absolute state and nothing is known', () => {
    expect(planBatch([cmd('toggle')], null).readFirst).toBe(true);
    expect(planBatch([cmd('on'), cmd('toggle')], null).readFirst).toBe(false);
    expect(planBatch([cmd('status')], null).target).toBeUndefined();
  });
});

describe('PlugLane', () => {
  it('sends one batch for everything that arrived while the plug was busy', async () => {
    const batches: string[][] = [];
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const lane = new PlugLane(
      async (commands) => {
        batches.push(commands.map((c) => c.action));
        await gate;
        return true;
      },
      { maxQueue: 10, timeoutMs: 1000 },
    );
    const answers = [lane.submit(cmd('on')), ...Array.from({ length: 5 }, () => lane.submit(cmd('toggle')))];
    open();
    await Promise.all(answers);
    expect(batches).toEqual([['on'], ['toggle', 'toggle', 'toggle', 'toggle', 'toggle']]);
    expect(lane.idle).toBe(true);
  });

  it('answers rate_limited past the queue bound', async () => {
    const lane = new PlugLane(() => new Promise(() => undefined), { maxQueue: 2, timeoutMs: 1000 });
    void lane.submit(cmd('on')).catch(() => undefined);
    void lane.submit(cmd('on')).catch(() => undefined);
    void lane.submit(cmd('on')).catch(() => undefined);
    await expect(lane.submit(cmd('on'))).rejects.toMatchObject({ code: 'rate_limited' });
  });

  it('drops a command whose time ran out while it waited, so it is never sent late', async () => {
    const sent: string[] = [];
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const lane = new PlugLane(
      async (commands) => {
        sent.push(...commands.map((c) => c.action));
        await gate;
        return false;
      },
      { maxQueue: 10, timeoutMs: 50 },
    );
    const first = lane.submit(cmd('off'));
    const queued = lane.submit(cmd('on'));
    await expect(queued).rejects.toMatchObject({ code: 'timeout' });
    await expect(first).rejects.toMatchObject({ code: 'timeout' });
    open();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sent).toEqual(['off']);
  });
});

describe('Dispatcher bursts', () => {
  it('turns a bouncing button (five toggles at once) into at most two cloud calls and the right end state', async () => {
    const registry = new PlugRegistry([{ name: 'lamp', id: 'bf01' }]);
    const transport = new FakeTransport();
    const dispatcher = new Dispatcher({ registry, transport, logger: silentLogger, switchCode: 'switch_1', timeoutMs: 1000 });
    await dispatcher.execute({ action: 'off' });
    transport.calls.length = 0;
    const replies = await Promise.all(Array.from({ length: 5 }, () => dispatcher.execute({ action: 'toggle' })));
    expect(transport.calls.length).toBeLessThanOrEqual(2);
    expect(transport.switches.get('bf01')).toBe(true);
    expect(replies.every((reply) => reply.status === 'ok')).toBe(true);
    expect(replies.at(-1)?.state).toBe('ON');
  });
});
