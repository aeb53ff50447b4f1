import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { freePort, waitForPort } from '../../bench/ports.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** True when Debian's mosquitto and its CLI clients are installed. */
export function haveMosquitto(): boolean {
  return ['mosquitto', 'mosquitto_pub', 'mosquitto_sub'].every(
    (command) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0,
  );
}

/**
 * Tests that need mosquitto skip on a developer machine without it, but
 * fail under CI, where .ci/run installs it: a skip there would hide a gap.
 */
export function describeWithMosquitto(name: string, body: () => void): void {
  if (haveMosquitto()) describe(name, body);
  else if (process.env['CI']) {
    describe(name, () => it('needs mosquitto, which .ci/run installs', () => expect(haveMosquitto()).toBe(true)));
  } else describe.skip(`${name} (mosquitto not installed)`, body);
}

export { freePort };

export interface Mosquitto {
  port: number;
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts a real mosquitto on a free loopback port with persistence off. */
export async function startMosquitto(port?: number): Promise<Mosquitto> {
  const chosen = port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'mosquitto-'));
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, `listener ${chosen} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  const child = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await waitForPort(chosen, 5000, () => (child.exitCode !== null ? `mosquitto exited: ${stderr}` : undefined));
  return {
    port: chosen,
    url: `mqtt://127.0.0.1:${chosen}`,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
