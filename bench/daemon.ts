import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, waitForPort } from './ports.js';

export interface Daemon {
  process: ChildProcess;
  brokerUrl: string;
  /** Resident set size of the daemon process, in MiB, read from /proc. */
  rssMiB(): number;
  stop(): Promise<void>;
}


/** Starts the built daemon as its own process, as `npm start` does, and waits until it serves. */
export async function startDaemon(root: string, env: Record<string, string>): Promise<Daemon> {
  const brokerPort = await freePort();
  const child = spawn(process.execPath, [join(root, 'dist', 'src', 'main.js')], {
    env: { PATH: process.env['PATH'] ?? '', BROKER_PORT: String(brokerPort), HTTP_ENABLED: 'false', LOG_LEVEL: 'warn', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // At warn level the daemon prints nothing when ready; wait for its broker port instead.
  await waitForPort(brokerPort, 15_000, () => (child.exitCode !== null ? `daemon did not start:\n${output}` : undefined));
  return {
    process: child,
    brokerUrl: `mqtt://127.0.0.1:${brokerPort}`,
    rssMiB() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
      return kb / 1024;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
