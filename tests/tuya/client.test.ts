import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jest } from '@jest/globals';
import { BridgeError } from '../../src/errors.js';
import type { Logger } from '../../src/log/logger.js';
import { TuyaCloudClient, type TuyaCloudClientOptions } from '../../src/tuya/cloud/client.js';
import { startSimulatedCloud, type SimulatedCloud } from '../../src/tuya/simulator/cloud.js';

const accessId = 'clienttestaccess01';
const accessKey = 'client-test-secret-0123456789abcd';
const LAMP = 'bf00lamp00000001';
const METER = 'bf00meter0000002';
const EXTRA = Array.from({ length: 18 }, (_, i) => `bf00extra${String(i).padStart(7, '0')}`);

const STATUS = 'GET /v1.0/iot-03/devices/{id}/status';
const GRANT = 'GET /v1.0/token';
const REFRESH = 'GET /v1.0/token/{refresh_token}';

/** One clock for the client and the simulator, moved by hand; starts at the real time. */
let time = Date.now();
const now = (): number => time;

/** A logger that keeps every line and every secret it is given, unmasked. */
function capturingLogger(): Logger & { lines: string[]; secrets: string[] } {
  const lines: string[] = [];
  const secrets: string[] = [];
  const write = (level: string) => (message: string, meta?: Record<string, unknown>) => {
    lines.push(`${level} ${message} ${JSON.stringify(meta ?? {})}`);
  };
  const logger = {
    lines,
    secrets,
    error: write('error'),
    warn: write('warn'),
    info: write('info'),
    debug: write('debug'),
    child: () => logger,
    addSecret: (value: string | undefined) => {
      if (value) secrets.push(value);
    },
  };
  return logger;
}

async function rejection(promise: Promise<unknown>): Promise<BridgeError> {
  const err = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(err).toBeInstanceOf(BridgeError);
  return err as BridgeError;
}

describe('TuyaCloudClient against the simulated cloud', () => {
  let cloud: SimulatedCloud;
  const clients: TuyaCloudClient[] = [];

  const newClient = (options: Partial<TuyaCloudClientOptions> = {}): TuyaCloudClient => {
    const base = { accessId, accessKey, baseUrl: cloud.url, timeoutMs: 2000, now };
    const client = new TuyaCloudClient({ ...base, ...options });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    cloud = await startSimulatedCloud({
      accessId,
      accessKey,
      now,
      plugs: [
        { id: LAMP, name: 'Lamp', productName: 'Teckin SP22', model: 'SP22' },
        { id: METER, name: 'Meter', energy: true, on: true },
        ...EXTRA.map((id) => ({ id, name: id })),
      ],
    });
  });

  afterAll(() => cloud.stop());

  beforeEach(() => {
    cloud.resetCounts();
    cloud.setLatency(0);
    cloud.setQuota(undefined);
  });

  it('switches a plug on and off and reads the state back', async () => {
    const client = newClient();
    await client.sendSwitch(LAMP, true);
    expect(cloud.isOn(LAMP)).toBe(true);
    expect(await client.readStatus(LAMP)).toContainEqual({ code: 'switch_1', value: true });

    await client.sendSwitch(LAMP, false);
    expect(cloud.isOn(LAMP)).toBe(false);
    expect(await client.readStatus(LAMP)).toContainEqual({ code: 'switch_1', value: false });

    cloud.pressButton(LAMP);
    expect(await client.readStatus(LAMP)).toContainEqual({ code: 'switch_1', value: true });
    expect(cloud.callCounts()).toEqual({
      [GRANT]: 1,
      'POST /v1.0/iot-03/devices/{id}/commands': 2,
      [STATUS]: 3,
    });
    expect(client.callCount).toBe(6);
    expect(client.lastSuccessAt).toBe(time);
  });

  it('reads 20 plugs in one batch call and refuses more than 20 without calling', async () => {
    const client = newClient();
    const ids = [LAMP, METER, ...EXTRA];
    const statuses = await client.readStatusBatch(ids);
    expect(statuses.map((entry) => entry.id)).toEqual(ids);
    expect(statuses[1]?.status).toContainEqual({ code: 'switch_1', value: true });
    expect(cloud.callCounts()).toEqual({ [GRANT]: 1, 'GET /v1.0/iot-03/devices/status': 1 });

    await expect(client.readStatusBatch([...ids, 'one-more'])).rejects.toThrow(/at most 20/);
    expect(await client.readStatusBatch([])).toEqual([]);
    expect(cloud.totalCalls()).toBe(2);
  });

  it('gets exactly one new token and retries once when the token expires mid-run', async () => {
    const client = newClient();
    await client.readStatus(LAMP);
    cloud.expireTokens();
    cloud.resetCounts();

    await client.readStatus(LAMP);
    expect(cloud.callCounts()).toEqual({ [GRANT]: 1, [STATUS]: 2 });
    await client.readStatus(LAMP);
    expect(cloud.callCounts()).toEqual({ [GRANT]: 1, [STATUS]: 3 });
  });

  it('shares one token request among concurrent first calls', async () => {
    const client = newClient();
    await Promise.all([LAMP, METER, ...EXTRA].map((id) => client.readStatus(id)));
    expect(cloud.callCounts()).toEqual({ [GRANT]: 1, [STATUS]: 20 });
  });

  it('shares one new token among concurrent calls that all meet an expired one', async () => {
    const client = newClient();
    await client.readStatus(LAMP);
    cloud.expireTokens();
    cloud.resetCounts();
    await Promise.all(EXTRA.slice(0, 5).map((id) => client.readStatus(id)));
    expect(cloud.callCounts()).toEqual({ [GRANT]: 1, [STATUS]: 10 });
  });

  it('refreshes the token a minute before expiry, falling back to a grant if refused', async () => {
    const client = newClient();
    await client.readStatus(LAMP);
    time += 7_200_000 - 61_000;
    await client.readStatus(LAMP);
    expect(cloud.callCounts()).toEqual({ [GRANT]: 1, [STATUS]: 2 });

    time += 2_000; // now inside the last minute
    await client.readStatus(LAMP);
    expect(cloud.callCounts()).toEqual({ [GRANT]: 1, [REFRESH]: 1, [STATUS]: 3 });

    // A refresh token the cloud no longer knows: one refused refresh, then a fresh grant.
    time += 7_200_000 - 60_000;
    cloud.expireTokens();
    await client.readStatus(LAMP);
    expect(cloud.callCounts()).toEqual({ [GRANT]: 2, [REFRESH]: 2, [STATUS]: 4 });
  });

  it('answers cloud_quota with 28841004 once the quota is used up', async () => {
    const client = newClient();
    cloud.setQuota(1);
    await client.readStatus(LAMP).catch(() => undefined);
    const err = await rejection(client.sendSwitch(LAMP, true));
    expect(err).toMatchObject({ code: 'cloud_quota', tuyaCode: 28841004 });
  });

  it('answers device_offline with 2001 for an offline plug', async () => {
    const client = newClient();
    cloud.setOnline(METER, false);
    try {
      expect(await rejection(client.sendSwitch(METER, false))).toMatchObject({
        code: 'device_offline',
        tuyaCode: 2001,
      });
      expect(await client.readDetails(METER)).toMatchObject({ online: false });
    } finally {
      cloud.setOnline(METER, true);
    }
  });

  it('answers device_error for an unknown device or a switch code the plug lacks', async () => {
    expect(await rejection(newClient().readStatus('no/such device'))).toMatchObject({
      code: 'device_error',
      tuyaCode: 2010,
    });
    const wrongCode = newClient({ switchCode: 'switch' });
    expect(await rejection(wrongCode.sendSwitch(LAMP, true))).toMatchObject({
      code: 'device_error',
      tuyaCode: 2008,
    });
  });

  it('answers timeout when the cloud is slower than timeoutMs', async () => {
    const client = newClient({ timeoutMs: 150 });
    await client.readStatus(LAMP);
    cloud.setLatency(1000);
    const started = Date.now();
    expect(await rejection(client.readStatus(LAMP))).toMatchObject({ code: 'timeout' });
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('answers cloud_auth with 1004 for a wrong access key', async () => {
    const client = newClient({ accessKey: 'not-the-right-secret-000000000000' });
    const err = await rejection(client.readStatus(LAMP));
    expect(err).toMatchObject({ code: 'cloud_auth', tuyaCode: 1004 });
    expect(client.lastSuccessAt).toBeUndefined();
  });

  it('maps device details and the specification, parsing values', async () => {
    const client = newClient();
    expect(await client.readDetails(LAMP)).toEqual({
      id: LAMP,
      name: 'Lamp',
      online: true,
      category: 'cz',
      productId: 'simplugcz0000001',
      productName: 'Teckin SP22',
      model: 'SP22',
    });
    const spec = await client.readSpecification(METER);
    expect(spec.category).toBe('cz');
    expect(spec.functions.map((point) => point.code)).toEqual(['switch_1', 'countdown_1']);
    expect(spec.status.find((point) => point.code === 'cur_power')).toEqual({
      code: 'cur_power',
      type: 'Integer',
      values: { unit: 'W', min: 0, max: 80000, scale: 1, step: 1 },
    });
  });

  it("lists the devices of the token's user", async () => {
    const devices = await newClient().listDevices();
    expect(devices).toHaveLength(20);
    expect(devices[1]).toMatchObject({ id: METER, name: 'Meter', category: 'cz' });
    expect(cloud.callCounts()).toEqual({ [GRANT]: 1, 'GET /v1.0/users/{uid}/devices': 1 });
  });

  it('never logs the access key, a token or a sign, and masks them all', async () => {
    const logger = capturingLogger();
    const sent: string[] = [];
    const realFetch = globalThis.fetch;
    const spy = jest.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const headers = (init?.headers ?? {}) as Record<string, string>;
      if (headers['sign']) sent.push(headers['sign']);
      const response = await realFetch(input, init);
      const body = (await response.clone().json()) as { result?: Record<string, unknown> };
      for (const key of ['access_token', 'refresh_token']) {
        if (typeof body.result?.[key] === 'string') sent.push(body.result[key] as string);
      }
      return response;
    });

    try {
      const client = newClient({ logger });
      await client.sendSwitch(LAMP, true);
      await client.readStatusBatch([LAMP, METER]);
      cloud.expireTokens();
      await client.readStatus(LAMP);
      time += 7_200_000 - 30_000;
      await client.readSpecification(METER);
      await client.listDevices();
      cloud.setOnline(LAMP, false);
      await client.sendSwitch(LAMP, false).catch(() => undefined);
      cloud.setOnline(LAMP, true);
    } finally {
      spy.mockRestore();
    }

    const log = logger.lines.join('\n');
    expect(log).toContain('GET /v1.0/token/{refresh_token}');
    expect(log).toContain(`POST /v1.0/iot-03/devices/${LAMP}/commands`);
    expect(sent.length).toBeGreaterThan(10);
    for (const secret of [accessKey, ...sent]) expect(log).not.toContain(secret);
    const tokens = sent.filter((value) => /^[0-9a-f]{32}$/.test(value));
    expect(tokens).toHaveLength(6); // three pairs: grant, re-grant after expiry, refresh
    expect(logger.secrets).toEqual(expect.arrayContaining([accessKey, ...tokens]));
  });
});

const STUB_TOKEN = JSON.stringify({
  success: true,
  result: { access_token: 'stubaccess0001', refresh_token: 'stubrefresh0001', expire_time: 7200 },
});

describe('TuyaCloudClient when the cloud misbehaves', () => {
  let stub: Server;
  let baseUrl: string;
  /** What the stub answers to anything that is not a token request. */
  let answer = '';

  beforeAll(async () => {
    stub = createServer((req, res) => {
      res.end(req.url?.startsWith('/v1.0/token') ? STUB_TOKEN : answer);
    });
    await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    stub.closeAllConnections();
    await new Promise((resolve) => stub.close(resolve));
  });

  const client = () => new TuyaCloudClient({ accessId, accessKey, baseUrl, timeoutMs: 1000 });

  it('reads garbage specification values as empty', async () => {
    answer = JSON.stringify({
      success: true,
      result: {
        category: 'cz',
        status: [
          { code: 'cur_power', type: 'Integer', values: '{not json' },
          { code: 'switch_1', type: 'Boolean', values: '"a string"' },
          { code: 'cur_voltage', type: 'Integer', values: { unit: 'V', scale: 1 } },
          { type: 'Integer', values: '{}' },
        ],
      },
    });
    expect(await client().readSpecification('x')).toEqual({
      category: 'cz',
      functions: [],
      status: [
        { code: 'cur_power', type: 'Integer', values: {} },
        { code: 'switch_1', type: 'Boolean', values: {} },
        { code: 'cur_voltage', type: 'Integer', values: { unit: 'V', scale: 1 } },
      ],
    });
  });

  it('answers cloud_unreachable for a non-JSON answer', async () => {
    answer = '<html>502 Bad Gateway</html>';
    expect(await rejection(client().readStatus('x'))).toMatchObject({ code: 'cloud_unreachable' });
  });

  it('answers cloud_error for a result of the wrong shape', async () => {
    answer = JSON.stringify({ success: true, result: { not: 'a list' } });
    expect(await rejection(client().readStatus('x'))).toMatchObject({ code: 'cloud_error' });
  });

  it('answers cloud_error when the token has no user id to list devices for', async () => {
    expect(await rejection(client().listDevices())).toMatchObject({ code: 'cloud_error' });
  });
});

describe('TuyaCloudClient when the cloud is gone', () => {
  it('answers cloud_unreachable quickly once the simulator has stopped', async () => {
    const plugs = [{ id: LAMP, name: 'Lamp' }];
    const cloud = await startSimulatedCloud({ accessId, accessKey, plugs });
    const client = new TuyaCloudClient({ accessId, accessKey, baseUrl: cloud.url, timeoutMs: 5000 });
    await client.readStatus(LAMP);
    await cloud.stop();

    const started = Date.now();
    expect(await rejection(client.readStatus(LAMP))).toMatchObject({ code: 'cloud_unreachable' });
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
