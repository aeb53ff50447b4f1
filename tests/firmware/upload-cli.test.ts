import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const tool = join(import.meta.dirname, '..', '..', 'firmware', 'tools', 'upload.mjs');

describe('npm run firmware:flash / firmware:provision without a board', () => {
  it('prints the usage and exits 2 without a port', () => {
    const result = spawnSync(process.execPath, [tool, 'flash'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/usage: upload\.mjs flash <port>/);
  });

  it.each(['flash', 'provision'])('%s names the missing serial port and exits 1', (command) => {
    const result = spawnSync(process.execPath, [tool, command, '/dev/ttyUSB-none'], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('serial port /dev/ttyUSB-none not found: is the board plugged in?');
  });
});
