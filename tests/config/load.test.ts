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
    expect(config.broker).toEqual({ enabled: true, host: '127.0.0.1', port: 1883 });
    expect(config.http).toEqual({ enabled: true, host: '127.0.0.1', port: 8080 });
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
    [{ PLUGS: '[{"name":"a","id":"has space"}]' }, /plugs.*"id"/],
  ])('rejects %j naming the key', (env, message) => {
    expect(() => loadConfig({ env })).toThrow(ConfigError);
    expect(() => loadConfig({ env })).toThrow(message);
  });

  it('rejects unknown keys and broken JSON in the file', () => {
    expect(() => loadConfig({ file: fileWith('{"mqtt":{"bogus":1}}'), env: {} })).toThrow(/bogus/);
    expect(() => loadConfig({ file: fileWith('{"mqtt":'), env: {} })).toThrow(/not valid JSON/);
    expect(() => loadConfig({ file: '/no/such/file.json', env: {} })).toThrow(/cannot read/);
  });
});
