import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configTable, describeKeys } from '../../src/config/describe.js';
import { ERROR_CODES } from '../../src/errors.js';
import { loadConfig } from '../../src/config/load.js';

const root = join(import.meta.dirname, '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

describe('README.md', () => {
  it('carries the configuration table exactly as the schema prints it', () => {
    expect(readme).toContain(configTable());
  });

  it('documents every error code', () => {
    for (const code of ERROR_CODES) expect(readme).toContain(`| \`${code}\` |`);
  });

  it('names every environment variable', () => {
    for (const key of describeKeys()) expect(readme).toContain(`\`${key.env}\``);
  });

  it('shows the two commands of the front door', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm test');
  });

  it('has an example configuration file that loads', () => {
    const config = loadConfig({ file: join(root, 'config', 'example.json'), env: {} });
    expect(config.plugs).toHaveLength(2);
    expect(config.defaultPlug).toBe('desk lamp');
  });

  it('gives the example accounts the access lists the broker module recommends', async () => {
    const { exampleAcl } = await import('../../broker/acl.js');
    const config = loadConfig({ file: join(root, 'config', 'example.json'), env: {} });
    const acl = exampleAcl('tuya') as Record<string, { publish: readonly string[]; subscribe: readonly string[] }>;
    for (const user of config.broker.users) {
      expect({ publish: user.publish, subscribe: user.subscribe }).toEqual({
        publish: [...(acl[user.username]?.publish ?? [])],
        subscribe: [...(acl[user.username]?.subscribe ?? [])],
      });
    }
  });
});
