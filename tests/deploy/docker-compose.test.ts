import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describeKeys } from '../../src/config/describe.js';

const root = join(import.meta.dirname, '..', '..');

interface Service {
  build?: string;
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: string[];
}

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as {
    services: Record<string, Service>;
  };
  const known = new Set(describeKeys().map((key) => key.env));

  it('defines the embedded-broker bridge and the external-broker pair', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['bridge', 'bridge-external', 'mosquitto']);
  });

  it('names only configuration variables the bridge knows', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (name === 'mosquitto') continue;
      for (const variable of Object.keys(service.environment ?? {})) {
        expect(known).toContain(variable);
      }
    }
  });

  it('points the external bridge at the mosquitto service with the embedded broker off', () => {
    const external = compose.services['bridge-external'];
    expect(external?.environment?.['BROKER_ENABLED']).toBe('false');
    expect(external?.environment?.['MQTT_URL']).toBe('mqtt://mosquitto:1883');
    expect(external?.depends_on).toContain('mosquitto');
  });

  it('mounts and builds from paths that exist', () => {
    for (const service of Object.values(compose.services)) {
      if (service.build) expect(existsSync(join(root, service.build, 'Dockerfile'))).toBe(true);
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0] ?? '';
        expect(existsSync(join(root, source))).toBe(true);
      }
    }
  });

  it('copies into the image only paths that exist', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => (m[1] ?? '').split(' '));
    expect(sources.length).toBeGreaterThan(3);
    for (const source of sources) expect(existsSync(join(root, source))).toBe(true);
    expect(dockerfile).toMatch(/CMD \["node", "dist\/src\/main\.js"\]/);
  });
});
