import { MqttProbe, startBridge } from '../helpers/bridge.js';
import type { TestBridge } from '../helpers/bridge.js';

describe('HTTP API', () => {
  let bridge: TestBridge;

  beforeAll(async () => {
    bridge = await startBridge();
  });

  afterAll(async () => {
    await bridge.stop();
  });

  async function post(body: string | Buffer, type = 'application/json'): Promise<{ status: number; json: Record<string, any> }> {
    const response = await fetch(`${bridge.httpUrl}/api/control`, { method: 'POST', headers: { 'content-type': type }, body });
    return { status: response.status, json: (await response.json()) as Record<string, any> };
  }

  it('GET /health reports the broker, the cloud and the uptime', async () => {
    const response = await fetch(`${bridge.httpUrl}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', mqtt: { connected: true }, cloud: { healthy: true }, plugs: 1 });
  });

  it('POST /api/control switches the plug and answers the same JSON as MQTT', async () => {
    const { status, json } = await post('{"action":"on","device":"demo-plug","id":"h1"}');
    expect(status).toBe(200);
    expect(json).toMatchObject({ status: 'ok', device: 'demo-plug', state: 'ON', id: 'h1', stale: false });
  });

  it('tells MQTT listeners about a change made over HTTP', async () => {
    const probe = await MqttProbe.connect(bridge.mqttUrl);
    try {
      await post('{"action":"off","id":"h2"}');
      const message = await probe.reply('h2');
      expect(message).toMatchObject({ state: 'OFF', device: 'demo-plug' });
    } finally {
      await probe.close();
    }
  });

  it('GET /api/status answers every plug, or one with ?device=', async () => {
    const all = await (await fetch(`${bridge.httpUrl}/api/status`)).json();
    expect(all).toMatchObject({ plugs: [{ device: 'demo-plug', state: 'OFF' }] });
    const one = await fetch(`${bridge.httpUrl}/api/status?device=demo-plug`);
    expect(await one.json()).toMatchObject({ device: 'demo-plug', state: 'OFF' });
    const missing = await fetch(`${bridge.httpUrl}/api/status?device=nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'unknown_device' } });
  });

  it.each([
    ['{"action":', 400, 'invalid_json'],
    ['{"action":"onn"}', 400, 'unknown_action'],
    ['[]', 400, 'invalid_command'],
    ['{"action":"on","device":"nope"}', 404, 'unknown_device'],
    ['', 400, 'invalid_command'],
  ])('answers %j with HTTP %i and code %s', async (body, status, code) => {
    const result = await post(body);
    expect(result.status).toBe(status);
    expect(result.json).toMatchObject({ status: 'error', error: { code } });
  });

  it('accepts a bare word as text/plain', async () => {
    expect((await post('toggle', 'text/plain')).json).toMatchObject({ status: 'ok', state: 'ON' });
  });

  it.each([
    ['/api/status?device=demo-plug&device=x', 'GET', 400],
    ['/api/control', 'GET', 405],
    ['/no/such/route', 'GET', 404],
    ['/api/status', 'DELETE', 404],
  ])('answers %s (%s) with %i and the error shape', async (path, method, status) => {
    const response = await fetch(`${bridge.httpUrl}${path}`, { method });
    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject({ status: 'error', error: { code: 'invalid_command' } });
  });

  it('refuses a body over the limit with 413 payload_too_large', async () => {
    const result = await post(Buffer.alloc(300_000, 0x61));
    expect(result.status).toBe(413);
    expect(result.json).toMatchObject({ error: { code: 'payload_too_large' } });
  });
});
