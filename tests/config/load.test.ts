import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/load.js';

function fileWith(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'bridge-config-'));
  const file = join(dir, 'config.json');
  writeFileSync(file, content);
  return file;
}

describe('loadConfig', () => {
  it('gives documented defaults with an empty environment', () => {
    const config = loadConfig({ env: {} });
    expect(config.mqtt.baseTopic).toBe('tuya');
    expect(config.broker).toMatchObject({ enabled: true, host: '127.0.0.1', port: 1883, anonymous: true, users: [] });
    expect(config.http).toMatchObject({ enabled: true, host: '127.0.0.1', port: 8080, token: '' });
    expect(config.poll.intervalSeconds).toBe(150);
    expect(config.plugs).toEqual([]);
  });

  it('reads credentials, region and plugs from the environment', () => {
    const config = loadConfig({
      env: {
        TUYA_ACCESS_ID: 'abc',
        TUYA_ACCESS_KEY: 'secret-value',
        TUYA_REGION: 'us-e',
        PLUGS: '[{"name":"desk lamp","id":"bf123"}]',
        MQTT_BASE_TOPIC: 'home/tuya',
      },
    });
    expect(config.tuya.accessId).toBe('abc');
    expect(config.tuya.region).toBe('us-e');
    expect(config.plugs).toEqual([{ name: 'desk lamp', id: 'bf123' }]);
    expect(config.mqtt.baseTopic).toBe('home/tuya');
  });

  it('lets the environment win over the file', () => {
    const file = fileWith(JSON.stringify({ mqtt: { baseTopic: 'fromfile' }, http: { port: 9000 } }));
    const config = loadConfig({ file, env: { MQTT_BASE_TOPIC: 'fromenv' } });
    expect(config.mqtt.baseTopic).toBe('fromenv');
    expect(config.http.port).toBe(9000);
  });

  it.each([
    [{ TUYA_REGION: 'mars' }, /tuya\.region/],
    [{ BROKER_PORT: '70000' }, /broker\.port/],
    [{ LOG_LEVEL: 'loud' }, /log\.level/],
    [{ MQTT_BASE_TOPIC: 'tuya/#' }, /mqtt\.baseTopic.*wildcards/],
    [{ MQTT_BASE_TOPIC: 'tuya/' }, /mqtt\.baseTopic/],
    [{ PLUGS: '[{"name":"x"}]' }, /plugs.*"id"/],
    [{ PLUGS: '[{"name":"","id":"a"}]' }, /plugs.*"name"/],
    [{ MQTT_URL: 'not a url' }, /mqtt\.url/],
    [{ PLUGS: 'not json' }, /plugs.*list/],
    [{ MQTT_PASSWORD: 'secret-pass' }, /mqtt\.username/],
    [{ HTTP_PORT: '1e4' }, /http\.port.*whole number/],
    [{ HTTP_PORT: '18082abc' }, /http\.port/],
    [{ HTTP_PORT: '0x1F90' }, /http\.port/],
    [{ HTTP_PORT: '1.5' }, /http\.port/],
    [{ POLL_INTERVAL_SECONDS: '1e12' }, /poll\.intervalSeconds/],
    [{ POLL_INTERVAL_SECONDS: '0.001' }, /poll\.intervalSeconds/],
    [{ POLL_INTERVAL_SECONDS: '3' }, /poll\.intervalSeconds.*0 or a whole number from 10/],
    [{ MQTT_RECONNECT_MS: '0' }, /mqtt\.reconnectMs/],
    [{ COMMAND_TIMEOUT_MS: '0' }, /commands\.timeoutMs/],
    [{ COMMAND_MAX_PAYLOAD_BYTES: '0' }, /commands\.maxPayloadBytes/],
    [{ BROKER_ENABLED: 'maybe' }, /broker\.enabled.*true or false/],
    [{ HTTP_ENABLED: 'nope' }, /http\.enabled/],
    [{ TUYA_ACCESS_ID: 'only-the-id' }, /TUYA_ACCESS_KEY.*both/],
    [{ TUYA_ACCESS_KEY: 'only-the-key' }, /TUYA_ACCESS_ID.*both/],
    [{ PLUGS: '[{"name":"a","id":"b1","ip":"10.0.0.2"}]' }, /unknown keys: ip/],
    [{ PLUGS: '[{"name":"a","id":"has space"}]' }, /plugs.*"id"/],
  ])('rejects %j naming the key', (env, message) => {
    expect(() => loadConfig({ env })).toThrow(ConfigError);
    expect(() => loadConfig({ env })).toThrow(message);
  });

  it.each([
    ['no', false],
    ['0', false],
    ['FALSE', false],
    ['yes', true],
    ['On', true],
  ])('reads BROKER_ENABLED=%s as %s', (word, value) => {
    expect(loadConfig({ env: { BROKER_ENABLED: word } }).broker.enabled).toBe(value);
  });

  it('does not echo a malformed URL, which may hold a password', () => {
    expect(() => loadConfig({ env: { MQTT_URL: 'mqtt//alice:S3cretPw@host' } })).toThrow(/mqtt\.url/);
    expect(() => loadConfig({ env: { MQTT_URL: 'mqtt//alice:S3cretPw@host' } })).not.toThrow(/S3cretPw/);
  });

  it('rejects unknown keys and broken JSON in the file', () => {
    expect(() => loadConfig({ file: fileWith('{"mqtt":{"bogus":1}}'), env: {} })).toThrow(/bogus/);
    expect(() => loadConfig({ file: fileWith('{"mqtt":'), env: {} })).toThrow(/not valid JSON/);
    expect(() => loadConfig({ file: '/no/such/file.json', env: {} })).toThrow(/cannot read/);
  });
});
