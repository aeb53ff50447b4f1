import { randomBytes } from 'node:crypto';
import { startSimulatedCloud } from '../../src/tuya/simulator/cloud.js';
import type { SimulatedCloud } from '../../src/tuya/simulator/cloud.js';
import { MqttProbe, startBridge } from '../helpers/bridge.js';
import type { TestBridge } from '../helpers/bridge.js';

const accessId = `it${randomBytes(6).toString('hex')}`;
const accessKey = randomBytes(16).toString('hex');
const PLUGS = [
  { name: 'lamp', id: 'bf00lamp00000001' },
  { name: 'kettle', id: 'bf00kettle000002' },
];

async function startCloud(port = 0): Promise<SimulatedCloud> {
  return startSimulatedCloud({ host: '127.0.0.1', port, accessId, accessKey, plugs: PLUGS.map((p) => ({ ...p, energy: true })) });
}

describe('the bridge against a failing Tuya cloud', () => {
  let cloud: SimulatedCloud;
  let bridge: TestBridge;
  let probe: MqttProbe;

  beforeAll(async () => {
    cloud = await startCloud();
    bridge = await startBridge({
      env: {
        TUYA_ACCESS_ID: accessId,
        TUYA_ACCESS_KEY: accessKey,
        TUYA_BASE_URL: cloud.url,
        TUYA_TIMEOUT_MS: '500',
        COMMAND_TIMEOUT_MS: '1500',
        TUYA_RETRY_DELAY_MS: '100',
        TUYA_ACCOUNT_PAUSE_MS: '300',
        PLUGS: JSON.stringify(PLUGS),
      },
    });
    probe = await MqttProbe.connect(bridge.mqttUrl);
  });

  afterAll(async () => {
    await probe.close();
    await bridge.stop();
    await cloud.stop();
  });

  it('sends exactly one cloud call for on and for off once it has a token', async () => {
    await probe.command({ action: 'on', device: 'lamp' });
    cloud.resetCounts();
    await probe.command({ action: 'off', device: 'lamp' });
    expect(cloud.totalCalls()).toBe(1);
    expect(cloud.callCounts()).toEqual({ 'POST /v1.0/iot-03/devices/{id}/commands': 1 });
  });

  it('gets one new token and retries once when the token expires mid-run', async () => {
    await probe.command({ action: 'on', device: 'lamp' });
    cloud.expireTokens();
    cloud.resetCounts();
    const reply = await probe.command({ action: 'off', device: 'lamp' });
    expect(reply).toMatchObject({ status: 'ok', state: 'OFF' });
    const counts = cloud.callCounts();
    expect(counts['POST /v1.0/iot-03/devices/{id}/commands']).toBe(2);
    const tokenCalls = Object.entries(counts)
      .filter(([key]) => key.includes('/token'))
      .reduce((sum, [, n]) => sum + n, 0);
    expect(tokenCalls).toBe(1);
    expect(cloud.isOn('bf00lamp00000001')).toBe(false);
  });

  it('survives a 1010 storm: every command still lands, with one new token each', async () => {
    for (let i = 0; i < 10; i += 1) {
      cloud.expireTokens();
      cloud.resetCounts();
      const on = i % 2 === 0;
      const reply = await probe.command({ action: on ? 'on' : 'off', device: 'lamp' });
      expect(reply).toMatchObject({ status: 'ok', state: on ? 'ON' : 'OFF' });
      // No acknowledged command is lost: the cloud's plug is where the reply says.
      expect(cloud.isOn('bf00lamp00000001')).toBe(on);
      const tokenCalls = Object.entries(cloud.callCounts()).filter(([key]) => key.includes('/token')).reduce((n, [, c]) => n + c, 0);
      expect(tokenCalls).toBe(1);
    }
  });

  it('answers device_offline with Tuya code 2001 and the last known state', async () => {
    await probe.command({ action: 'on', device: 'kettle' });
    cloud.setOnline('bf00kettle000002', false);
    const reply = await probe.command({ action: 'off', device: 'kettle' });
    expect(reply).toMatchObject({
      status: 'error',
      state: 'ON',
      online: false,
      stale: true,
      error: { code: 'device_offline', tuya_code: 2001 },
    });
    cloud.setOnline('bf00kettle000002', true);
    expect(await probe.command({ action: 'off', device: 'kettle' })).toMatchObject({ status: 'ok', online: true });
  });

  it('answers cloud_quota with 28841004 when the trial quota is used up, pauses calls, then recovers', async () => {
    cloud.setQuota(0);
    const reply = await probe.command({ action: 'on', device: 'lamp' });
    expect(reply).toMatchObject({ status: 'error', error: { code: 'cloud_quota', tuya_code: 28841004 } });
    // While paused, commands are answered at once without calling the cloud: no storm.
    cloud.resetCounts();
    const paused = await probe.command({ action: 'on', device: 'kettle' });
    expect(paused).toMatchObject({ status: 'error', error: { code: 'cloud_quota', message: expect.stringContaining('paused until') } });
    expect(cloud.totalCalls()).toBe(0);
    cloud.setQuota(undefined);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await probe.command({ action: 'on', device: 'lamp' })).toMatchObject({ status: 'ok', state: 'ON' });
  });

  it('answers timeout when the cloud is slower than the timeout', async () => {
    cloud.setLatency(1000);
    const reply = await probe.command({ action: 'off', device: 'lamp' });
    cloud.setLatency(0);
    expect(reply).toMatchObject({ status: 'error', state: 'ON', stale: true, error: { code: 'timeout' } });
  });

  it('answers within the timeout while the cloud is down, and recovers when it is back', async () => {
    const port = Number(new URL(cloud.url).port);
    await cloud.stop();
    const started = Date.now();
    const reply = await probe.command({ action: 'off', device: 'lamp' });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(reply).toMatchObject({ status: 'error', stale: true, error: { code: 'cloud_unreachable' } });
    const health = await fetch(`${bridge.httpUrl}/health`);
    expect(health.status).toBe(503);

    // The cloud comes back on the same address with no memory of old tokens.
    cloud = await startCloud(port);
    expect(await probe.command({ action: 'off', device: 'lamp' })).toMatchObject({ status: 'ok', state: 'OFF' });
    expect((await fetch(`${bridge.httpUrl}/health`)).status).toBe(200);
  });
});
