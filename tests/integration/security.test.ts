import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { makeSelfSignedCertificate } from '../../broker/certificate.js';
import { hashPassword } from '../../broker/password-hash.js';
import { exampleAcl } from '../../broker/acl.js';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { startApp } from '../../src/app.js';
import { silentLogger } from '../../src/log/logger.js';
import { MqttProbe, startBridge } from '../helpers/bridge.js';
import type { TestBridge } from '../helpers/bridge.js';

describe('HTTP API with a bearer token, HTTPS and a rate limit', () => {
  let bridge: TestBridge;
  let certFile: string;
  let certPem: string;
  const token = 'a-long-random-api-token-123';

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bridge-tls-'));
    const { cert, key } = await makeSelfSignedCertificate();
    certFile = join(dir, 'api.crt');
    writeFileSync(certFile, cert);
    certPem = cert;
    writeFileSync(join(dir, 'api.key'), key);
    bridge = await startBridge({
      env: { HTTP_TOKEN: token, HTTP_TLS_CERT: certFile, HTTP_TLS_KEY: join(dir, 'api.key'), HTTP_RATE_LIMIT: '20' },
      captureLogs: true,
      logLevel: 'debug',
    });
  });

  afterAll(async () => {
    await bridge.stop();
  });

  function call(path: string, options: { method?: string; auth?: string; body?: string } = {}): Promise<{ status: number; json: any }> {
    const port = bridge.app.httpPort!;
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path,
          method: options.method ?? 'GET',
          ca: certPem, // the self-signed certificate is its own CA
          headers: { 'content-type': 'application/json', ...(options.auth ? { authorization: options.auth } : {}) },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
        },
      );
      req.on('error', reject);
      req.end(options.body);
    });
  }

  it('serves HTTPS with the configured certificate, /health without a token', async () => {
    const health = await call('/health');
    expect(health.status).toBe(200);
    expect(health.json).toMatchObject({ status: 'ok' });
  });

  it.each([
    ['no header', undefined],
    ['a wrong token', `Bearer ${token}x`],
    ['a token of another length', 'Bearer short'],
    ['the token without the scheme', token],
  ])('answers /api/* with %s: 401 unauthorized', async (_name, auth) => {
    const result = await call('/api/status', { auth });
    expect(result.status).toBe(401);
    expect(result.json).toMatchObject({ status: 'error', error: { code: 'unauthorized' } });
  });

  it('accepts the right token', async () => {
    const result = await call('/api/control', { method: 'POST', auth: `Bearer ${token}`, body: '{"action":"on"}' });
    expect(result).toMatchObject({ status: 200, json: { status: 'ok', state: 'ON' } });
  });

  it('takes the scheme name in any case (RFC 7235)', async () => {
    expect((await call('/api/status', { auth: `bearer ${token}` })).status).toBe(200);
  });

  it('never writes the token to the log', () => {
    expect(bridge.logs.join('')).not.toContain(token);
  });

  it('answers 429 rate_limited past the per-address limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 25; i += 1) statuses.push((await call('/health')).status);
    expect(statuses).toContain(429);
    const limited = await call('/health');
    expect(limited.json).toMatchObject({ error: { code: 'rate_limited' } });
  });
});

describe('secure defaults at startup', () => {
  it.each([
    [{ BROKER_HOST: '0.0.0.0' }, /BROKER_HOST.*anonymous/],
    [{ HTTP_HOST: '0.0.0.0' }, /HTTP_HOST.*HTTP_TOKEN/],
    [{ BROKER_ANONYMOUS: 'false' }, /broker\.users is empty/],
    [{ BROKER_ANONYMOUS: 'false', BROKER_HOST: '0.0.0.0' }, /broker\.users is empty/],
    [{ HTTP_HOST: '0.0.0.0', HTTP_TOKEN: 'short' }, /at least 16 characters/],
    [{ HTTP_TLS_CERT: '/no/such.crt', HTTP_TLS_KEY: '/no/such.key' }, /cannot read the HTTPS certificate/],
  ])('refuses %j with a configuration error', async (env, message) => {
    const config = loadConfig({ env: { BROKER_PORT: '0', HTTP_PORT: '0', ...env } });
    await expect(startApp(config, silentLogger)).rejects.toThrow(ConfigError);
    await expect(startApp(config, silentLogger)).rejects.toThrow(message);
  });
});

describe('HTTPS files given the wrong way round', () => {
  it('is a configuration error naming both files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bridge-tls-'));
    const { cert, key } = await makeSelfSignedCertificate();
    writeFileSync(join(dir, 'a.crt'), cert);
    writeFileSync(join(dir, 'a.key'), key);
    const config = loadConfig({
      env: { BROKER_PORT: '0', HTTP_PORT: '0', HTTP_TLS_CERT: join(dir, 'a.key'), HTTP_TLS_KEY: join(dir, 'a.crt') },
    });
    await expect(startApp(config, silentLogger)).rejects.toThrow(/HTTP_TLS_CERT .*a\.key and HTTP_TLS_KEY .*a\.crt .*swapped/);
  });
});

describe('embedded broker with users and ACLs', () => {
  it('refuses to start when the bridge\'s own password does not match its account', async () => {
    const acl = exampleAcl('tuya');
    const users = [{ username: 'bridge', passwordHash: await hashPassword('right-pass-1'), ...acl.bridge }];
    const config = loadConfig({
      env: { BROKER_PORT: '0', HTTP_PORT: '0', BROKER_USERS: JSON.stringify(users), BROKER_ANONYMOUS: 'false', MQTT_USERNAME: 'bridge', MQTT_PASSWORD: 'wrong-pass-1' },
    });
    await expect(startApp(config, silentLogger)).rejects.toThrow(/MQTT_PASSWORD does not match .*"bridge"/);
  });

  it('lets the bridge use its own account and holds an ESP32 account to its ACL', async () => {
    const acl = exampleAcl('tuya');
    const users = [
      { username: 'bridge', passwordHash: await hashPassword('bridge-pass-1'), ...acl.bridge },
      { username: 'esp32', passwordHash: await hashPassword('esp32-pass-1'), ...acl.esp32 },
    ];
    const bridge = await startBridge({
      env: { BROKER_USERS: JSON.stringify(users), BROKER_ANONYMOUS: 'false', MQTT_USERNAME: 'bridge', MQTT_PASSWORD: 'bridge-pass-1' },
    });
    try {
      await expect(mqtt.connectAsync(bridge.mqttUrl, { reconnectPeriod: 0 })).rejects.toThrow();
      const board = await MqttProbe.connect(bridge.mqttUrl.replace('mqtt://', 'mqtt://esp32:esp32-pass-1@'));
      expect(await board.command({ action: 'toggle' })).toMatchObject({ status: 'ok' });
      await board.close();
    } finally {
      await bridge.stop();
    }
  });
});
