import { BridgeError } from '../../src/errors.js';
import { silentLogger } from '../../src/log/logger.js';
import type { Logger } from '../../src/log/logger.js';
import { ResilientTransport } from '../../src/tuya/resilient-transport.js';
import { FakeTransport } from '../helpers/fake-transport.js';

function setup(overrides: Partial<ConstructorParameters<typeof ResilientTransport>[1]> = {}) {
  const inner = new FakeTransport();
  const lines: string[] = [];
  const logger: Logger = { ...silentLogger, warn: (m) => lines.push(m), error: (m) => lines.push(m), info: (m) => lines.push(m) };
  let clock = 1_000_000;
  const transport = new ResilientTransport(inner, {
    logger,
    retries: 2,
    retryDelayMs: 1,
    breakerThreshold: 3,
    breakerOpenMs: 60_000,
    concurrency: 4,
    accountPauseMs: 60_000,
    now: () => clock,
    ...overrides,
  });
  return { inner, transport, lines, advance: (ms: number) => (clock += ms) };
}

describe('ResilientTransport', () => {
  it('retries a transient failure twice, then reports it', async () => {
    const { inner, transport } = setup();
    inner.failWith = new BridgeError('cloud_unreachable', 'ECONNRESET');
    await expect(transport.readStatus('bf01')).rejects.toMatchObject({ code: 'cloud_unreachable' });
    expect(inner.calls).toEqual(['status bf01', 'status bf01', 'status bf01']);
  });

  it.each(['device_offline', 'cloud_auth', 'device_error', 'cloud_quota'] as const)('does not retry %s', async (code) => {
    const { inner, transport } = setup();
    inner.failWith = new BridgeError(code, 'no');
    await expect(transport.sendSwitch('bf01', true)).rejects.toMatchObject({ code });
    expect(inner.calls).toHaveLength(1);
  });

  it('opens the circuit after consecutive failures and then fails at once, without calling', async () => {
    const { inner, transport, lines } = setup({ retries: 0 });
    inner.failWith = new BridgeError('timeout', 'slow');
    for (let i = 0; i < 3; i += 1) await expect(transport.readStatus('bf01')).rejects.toMatchObject({ code: 'timeout' });
    inner.calls.length = 0;
    await expect(transport.readStatus('bf01')).rejects.toMatchObject({ code: 'cloud_unreachable' });
    expect(inner.calls).toEqual([]);
    expect(lines.filter((line) => line.includes('keeps failing'))).toHaveLength(1);
  });

  it.each([
    [28841004, /trial quota is used up/],
    [28841002, /subscription .* has expired/],
    [28841101, /not subscribed to this API/],
  ])('pauses every call after account error %i, with one line naming the fix', async (tuyaCode, cause) => {
    const { inner, transport, lines, advance } = setup();
    inner.failWith = new BridgeError('cloud_quota', `Tuya says no (${tuyaCode})`, tuyaCode);
    await expect(transport.sendSwitch('bf01', true)).rejects.toMatchObject({ code: 'cloud_quota', tuyaCode });
    inner.calls.length = 0;
    for (let i = 0; i < 5; i += 1) {
      await expect(transport.sendSwitch('bf02', true)).rejects.toMatchObject({ code: 'cloud_quota', message: expect.stringMatching(/paused until/) });
    }
    expect(inner.calls).toEqual([]);
    expect(lines.filter((line) => cause.test(line))).toHaveLength(1);
    inner.failWith = undefined;
    advance(60_001);
    await expect(transport.sendSwitch('bf02', true)).resolves.toBeUndefined();
  });

  it('doubles the pause while the account error persists', async () => {
    const { inner, transport, lines, advance } = setup();
    inner.failWith = new BridgeError('cloud_quota', 'used up', 28841004);
    await expect(transport.readStatus('bf01')).rejects.toBeDefined();
    advance(60_001);
    await expect(transport.readStatus('bf01')).rejects.toBeDefined();
    expect(lines).toEqual([expect.stringContaining('next try in 60 s'), expect.stringContaining('next try in 120 s')]);
  });
});
