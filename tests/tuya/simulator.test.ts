import { startSimulatedCloud, type SimulatedCloud } from '../../src/tuya/simulator/cloud.js';
import { grantToken, rawCall, type Credentials } from './signed-request.js';

const creds: Credentials = {
  accessId: 'simtestaccessid0001',
  accessKey: 'simtest-secret-0123456789abcdef',
};
const TOKEN_GRANT = '/v1.0/token?grant_type=1';
const LAMP = 'bf00lamp00000001';
const METER = 'bf00meter0000002';
const DEVICES = '/v1.0/iot-03/devices';

/** A clock the test moves by hand, starting at the real time so signed `t` values stay fresh. */
function fakeClock(): { now: () => number; advance: (ms: number) => void } {
  let time = Date.now();
  return { now: () => time, advance: (ms) => (time += ms) };
}

function valueOf(status: unknown, code: string): unknown {
  return (status as { code: string; value: unknown }[]).find((point) => point.code === code)?.value;
}

describe('the simulated Tuya cloud', () => {
  let cloud: SimulatedCloud;
  let token: string;
  const clock = fakeClock();

  beforeAll(async () => {
    cloud = await startSimulatedCloud({
      ...creds,
      now: clock.now,
      plugs: [
        { id: LAMP, name: 'Lamp', on: true },
        { id: METER, name: 'Meter', energy: true, loadWatts: 2000 },
      ],
    });
    token = (await grantToken(cloud.url, creds, String(clock.now()))).access_token;
  });

  afterAll(() => cloud.stop());

  const call = (target: string, extra: Partial<Parameters<typeof rawCall>[2]> = {}) =>
    rawCall(cloud.url, creds, { target, accessToken: token, t: String(clock.now()), ...extra });
  const command = (id: string, commands: unknown) =>
    call(`${DEVICES}/${id}/commands`, { method: 'POST', body: JSON.stringify({ commands }) });

  it('answers in Tuya envelopes with t and tid', async () => {
    const answer = await call(`${DEVICES}/${LAMP}/status`);
    expect(answer).toMatchObject({ success: true, t: clock.now() });
    expect(answer.tid).toMatch(/^[0-9a-f]{32}$/);
    expect(answer.result).toEqual([
      { code: 'switch_1', value: true },
      { code: 'countdown_1', value: 0 },
    ]);
  });

  it('issues tokens with a lifetime in seconds and the user id', async () => {
    const grant = await grantToken(cloud.url, creds, String(clock.now()));
    expect(grant).toMatchObject({ expire_time: 7200, uid: cloud.uid });
    expect(grant.access_token).toMatch(/^[0-9a-f]{32}$/);
  });

  it('rejects a tampered signature with 1004', async () => {
    const flip = (sign: string) => sign.slice(0, -1) + (sign.endsWith('A') ? 'B' : 'A');
    expect(await call(`${DEVICES}/${LAMP}/status`, { alterSign: flip })).toMatchObject({
      success: false,
      code: 1004,
      msg: 'sign invalid',
    });
  });

  it('rejects a lower-case sign, a wrong client id and a wrong secret with 1004', async () => {
    const target = `${DEVICES}/${LAMP}/status`;
    expect((await call(target, { alterSign: (s) => s.toLowerCase() })).code).toBe(1004);
    expect((await call(target, { headers: { client_id: 'someoneelse' } })).code).toBe(1004);
    const wrongKey = await rawCall(cloud.url, { ...creds, accessKey: 'wrong' }, { target: TOKEN_GRANT });
    expect(wrongKey.code).toBe(1004);
  });

  it('checks the body it received, not the one that was signed', async () => {
    const signed = JSON.stringify({ commands: [{ code: 'switch_1', value: false }] });
    const answer = await call(`${DEVICES}/${LAMP}/commands`, {
      method: 'POST',
      body: signed,
      alterSign: () => 'X'.repeat(64),
    });
    expect(answer.code).toBe(1004);
    expect(cloud.isOn(LAMP)).toBe(true);
  });

  it('rejects a stale or future t with 1013', async () => {
    const target = `${DEVICES}/${LAMP}/status`;
    expect((await call(target, { t: String(clock.now() - 300_001) })).code).toBe(1013);
    expect((await call(target, { t: String(clock.now() + 300_001) })).code).toBe(1013);
    expect((await call(target, { t: 'yesterday' })).code).toBe(1013);
    expect((await call(target, { t: String(clock.now() - 299_000) })).success).toBe(true);
  });

  const SIGNING_HEADERS = ['client_id', 't', 'sign', 'sign_method', 'access_token'];

  it.each(SIGNING_HEADERS)('answers 1105 without %s', async (name) => {
    const answer = await call(`${DEVICES}/${LAMP}/status`, { headers: { [name]: undefined } });
    expect(answer.code).toBe(1105);
  });

  it('answers 1010 to an unknown token', async () => {
    expect((await call(`${DEVICES}/${LAMP}/status`, { accessToken: 'f'.repeat(32) })).code).toBe(1010);
  });

  it('honours signed headers and a nonce', async () => {
    const t = String(clock.now());
    const { computeSign } = await import('../../src/tuya/cloud/sign.js');
    const target = `${DEVICES}/${LAMP}/status`;
    const sign = computeSign({
      clientId: creds.accessId,
      secret: creds.accessKey,
      t,
      accessToken: token,
      nonce: 'n0nce',
      method: 'GET',
      target,
      signedHeaders: [['area_id', 'zone9']],
    });
    const headers = { 'Signature-Headers': 'area_id', area_id: 'zone9', nonce: 'n0nce' };
    expect((await call(target, { t, alterSign: () => sign, headers })).success).toBe(true);
    const changed = { ...headers, area_id: 'zone8' };
    expect((await call(target, { t, alterSign: () => sign, headers: changed })).code).toBe(1004);
  });

  it('makes a refresh token single-use and retires the old pair', async () => {
    const first = await grantToken(cloud.url, creds, String(clock.now()));
    const refresh = (rt: string) =>
      rawCall(cloud.url, creds, { target: `/v1.0/token/${rt}`, t: String(clock.now()) });
    const second = await refresh(first.refresh_token);
    expect(second.success).toBe(true);
    expect((await refresh(first.refresh_token)).code).toBe(1012);
    const retired = await call(`${DEVICES}/${LAMP}/status`, { accessToken: first.access_token });
    expect(retired.code).toBe(1010);
    const renewed = (second.result as { access_token: string }).access_token;
    expect((await call(`${DEVICES}/${LAMP}/status`, { accessToken: renewed })).success).toBe(true);
  });

  it('switches a plug and answers true', async () => {
    const answer = await command(LAMP, [{ code: 'switch_1', value: false }]);
    expect(answer).toMatchObject({ success: true, result: true });
    expect(cloud.isOn(LAMP)).toBe(false);
  });

  it('rejects a non-boolean switch value with 1104', async () => {
    expect((await command(LAMP, [{ code: 'switch_1', value: 'true' }])).code).toBe(1104);
    expect((await command(LAMP, [{ code: 'switch_1', value: 1 }])).code).toBe(1104);
  });

  it('rejects an unknown code with 2008 and applies none of the commands', async () => {
    const answer = await command(LAMP, [
      { code: 'switch_1', value: true },
      { code: 'switch_2', value: true },
    ]);
    expect(answer).toMatchObject({ success: false, code: 2008, msg: 'command or value not support' });
    expect(cloud.isOn(LAMP)).toBe(false);
  });

  it('rejects a body that is not a command list with 1109', async () => {
    const target = `${DEVICES}/${LAMP}/commands`;
    for (const body of ['switch on', '{"commands":[]}', '{"commands":[{"value":true}]}']) {
      expect((await call(target, { method: 'POST', body })).code).toBe(1109);
    }
  });

  it('answers 2001 for a command to an offline plug and 2010 for an unknown device', async () => {
    cloud.setOnline(LAMP, false);
    expect((await command(LAMP, [{ code: 'switch_1', value: true }])).code).toBe(2001);
    cloud.setOnline(LAMP, true);
    expect((await command('nosuchdevice', [{ code: 'switch_1', value: true }])).code).toBe(2010);
    expect((await call(`${DEVICES}/nosuchdevice/status`)).code).toBe(2010);
  });

  it('serves up to 20 ids in a batch and rejects more with 1109', async () => {
    const ids = [LAMP, METER, ...Array.from({ length: 18 }, (_, i) => `ghost${i}`)];
    const answer = await call(`${DEVICES}/status?device_ids=${ids.join(',')}`);
    expect((answer.result as { id: string }[]).map((entry) => entry.id)).toEqual([LAMP, METER]);
    const tooMany = [...ids, 'one-more'].join(',');
    expect((await call(`${DEVICES}/status?device_ids=${tooMany}`)).code).toBe(1109);
    expect((await call(`${DEVICES}/status?device_ids=`)).code).toBe(1109);
  });

  it('reports details like the real API, local_key included', async () => {
    const answer = await call(`${DEVICES}/${METER}`);
    expect(answer.result).toMatchObject({ id: METER, name: 'Meter', category: 'cz', online: true });
    expect(Object.keys(answer.result as object)).toEqual(
      expect.arrayContaining(['product_id', 'product_name', 'model', 'local_key']),
    );
  });

  it('lists the devices of its user only', async () => {
    const answer = await call(`/v1.0/users/${cloud.uid}/devices`);
    expect((answer.result as { id: string }[]).map((device) => device.id)).toEqual([LAMP, METER]);
    expect((await call('/v1.0/users/someoneelse/devices')).code).toBe(1106);
  });

  it('answers 1108 for a path it does not serve', async () => {
    expect((await call('/v1.0/iot-03/devices/x/freeze')).code).toBe(1108);
  });

  it('declares energy data points with units and scales as JSON strings', async () => {
    const spec = (await call(`${DEVICES}/${METER}/specification`)).result as {
      category: string;
      status: { code: string; type: string; values: unknown }[];
    };
    expect(spec.category).toBe('cz');
    for (const point of spec.status) expect(typeof point.values).toBe('string');
    const values = (code: string): unknown =>
      JSON.parse(spec.status.find((point) => point.code === code)?.values as string);
    expect(values('cur_power')).toMatchObject({ unit: 'W', scale: 1 });
    expect(values('cur_voltage')).toMatchObject({ unit: 'V', scale: 1, max: 5000 });
    expect(values('cur_current')).toMatchObject({ unit: 'mA', scale: 0, max: 30000 });
    expect(values('add_ele')).toMatchObject({ unit: 'kWh', scale: 3, max: 50000, step: 100 });
  });

  it('moves energy readings while on and reports zero power while off', async () => {
    const status = async () => (await call(`${DEVICES}/${METER}/status`)).result;
    await command(METER, [{ code: 'switch_1', value: true }]);
    const before = await status();
    clock.advance(1_800_000); // half an hour at 2000 W: 1 kWh
    const after = await status();

    expect(valueOf(after, 'cur_power')).toBeGreaterThan(19_000); // 1900 W at scale 1
    expect(valueOf(after, 'cur_power')).toBeLessThan(21_000);
    expect(valueOf(after, 'cur_current')).toBeGreaterThan(8000); // mA
    expect(valueOf(after, 'cur_voltage')).toBeGreaterThan(2250); // 225 V at scale 1
    expect((valueOf(after, 'add_ele') as number) - (valueOf(before, 'add_ele') as number)).toBe(1000);

    // The meter wobbles: five reads in a row are not all the same.
    const powers = new Set<unknown>();
    for (let i = 0; i < 5; i++) powers.add(valueOf(await status(), 'cur_power'));
    expect(powers.size).toBeGreaterThan(1);

    await command(METER, [{ code: 'switch_1', value: false }]);
    clock.advance(1_800_000);
    const off = await status();
    expect(valueOf(off, 'cur_power')).toBe(0);
    expect(valueOf(off, 'cur_current')).toBe(0);
    expect(valueOf(off, 'add_ele')).toBe(valueOf(after, 'add_ele'));
  });

  it('reads a plug with other units and scales the way it declares them', async () => {
    cloud.addPlug({
      id: 'bf00kw',
      name: 'kW plug',
      on: true,
      loadWatts: 2000,
      energy: { cur_power: { unit: 'kW', scale: 3 }, cur_current: { unit: 'A', scale: 3 } },
    });
    const status = (await call(`${DEVICES}/bf00kw/status`)).result;
    expect(valueOf(status, 'cur_power')).toBeGreaterThan(1900); // 2.0 kW at scale 3
    expect(valueOf(status, 'cur_power')).toBeLessThan(2100);
    expect(valueOf(status, 'cur_current')).toBeGreaterThan(8000); // ~8.7 A at scale 3
  });

  it('runs a countdown to the end and flips the relay', async () => {
    cloud.setSwitch(LAMP, true);
    await command(LAMP, [{ code: 'countdown_1', value: 60 }]);
    clock.advance(30_000);
    expect(valueOf((await call(`${DEVICES}/${LAMP}/status`)).result, 'countdown_1')).toBe(30);
    clock.advance(30_000);
    expect(cloud.isOn(LAMP)).toBe(false);
  });

  it('serves the last report of a plug that went offline', async () => {
    cloud.setSwitch(LAMP, true);
    cloud.setOnline(LAMP, false);
    cloud.pressButton(LAMP);
    expect(cloud.isOn(LAMP)).toBe(false);
    expect(valueOf((await call(`${DEVICES}/${LAMP}/status`)).result, 'switch_1')).toBe(true);
    expect((await call(`${DEVICES}/${LAMP}`)).result).toMatchObject({ online: false });
    cloud.setOnline(LAMP, true);
    expect(valueOf((await call(`${DEVICES}/${LAMP}/status`)).result, 'switch_1')).toBe(false);
  });

  it('answers 28841004 to every call once the quota is used up', async () => {
    cloud.setQuota(2);
    expect((await call(`${DEVICES}/${LAMP}/status`)).success).toBe(true);
    expect((await call(`${DEVICES}/${LAMP}/status`)).success).toBe(true);
    expect(await call(`${DEVICES}/${LAMP}/status`)).toMatchObject({ success: false, code: 28841004 });
    const grant = await rawCall(cloud.url, creds, { target: TOKEN_GRANT, t: String(clock.now()) });
    expect(grant.code).toBe(28841004);
    cloud.setQuota(undefined);
  });

  it('counts calls per endpoint, rejected ones included', async () => {
    cloud.resetCounts();
    await call(`${DEVICES}/${LAMP}/status`);
    await call(`${DEVICES}/${LAMP}/status`, { alterSign: () => 'bad' });
    await command(LAMP, [{ code: 'switch_1', value: true }]);
    await call('/nowhere');
    expect(cloud.callCounts()).toEqual({
      'GET /v1.0/iot-03/devices/{id}/status': 2,
      'POST /v1.0/iot-03/devices/{id}/commands': 1,
      unknown: 1,
    });
    expect(cloud.totalCalls()).toBe(4);
  });

  it('invalidates every token on expireTokens()', async () => {
    cloud.expireTokens();
    expect((await call(`${DEVICES}/${LAMP}/status`)).code).toBe(1010);
    token = (await grantToken(cloud.url, creds, String(clock.now()))).access_token;
  });

  it('refuses a duplicate plug and an unknown one', () => {
    expect(() => cloud.addPlug({ id: LAMP, name: 'again' })).toThrow(/already exists/);
    expect(() => cloud.isOn('nope')).toThrow(/No simulated plug/);
  });
});
