import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describeWithMosquitto, freePort } from '../helpers/mosquitto.js';

const root = join(import.meta.dirname, '..', '..');
const main = join(root, 'dist', 'src', 'main.js');

/**
 * The README's first minutes, for real: the built daemon as its own process
 * (npm test builds it first), driven by Debian's mosquitto_pub and mosquitto_sub.
 */
describeWithMosquitto('the built daemon driven by mosquitto_pub and mosquitto_sub', () => {
  let daemon: ChildProcess;
  let brokerPort: number;
  let httpPort: number;
  let output = '';

  beforeAll(async () => {
    expect(existsSync(main)).toBe(true);
    brokerPort = await freePort();
    httpPort = await freePort();
    daemon = spawn(process.execPath, [main], {
      env: { PATH: process.env['PATH'], BROKER_PORT: String(brokerPort), HTTP_PORT: String(httpPort), LOG_FORMAT: 'json' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    daemon.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    daemon.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 15_000;
    while (!output.includes('Bridge running')) {
      if (Date.now() > deadline || daemon.exitCode !== null) throw new Error(`daemon did not start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });

  afterAll(() => {
    if (daemon.exitCode === null) daemon.kill('SIGKILL');
  });

  it('warns at startup that it runs the simulated cloud', () => {
    expect(output).toMatch(/demo mode with a simulated cloud/);
  });

  it('answers a toggle from mosquitto_pub on tuya/status with the id echoed', async () => {
    const sub = await subscribe(['-v', '-t', 'tuya/#']);
    const started = Date.now();
    publish(['-t', 'tuya/command', '-m', '{"action":"toggle","device":"demo-plug","id":"42"}']);
    const line = await sub.waitFor((l) => l.startsWith('tuya/status ') && l.includes('"id":"42"'));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(JSON.parse(line.slice('tuya/status '.length))).toMatchObject({ status: 'ok', device: 'demo-plug', state: 'ON', id: '42' });
    expect(sub.lines).toContain('tuya/bridge/state online');
    sub.stop();
  });

  it('takes a line from mosquitto_pub -l, trailing newline and all', async () => {
    const sub = await subscribe(['-t', 'tuya/status']);
    publish(['-t', 'tuya/command', '-l'], 'off\n');
    const line = await sub.waitFor((l) => l.includes('"state":"OFF"'));
    expect(JSON.parse(line)).toMatchObject({ status: 'ok', device: 'demo-plug' });
    sub.stop();
  });

  it('serves /health over HTTP', async () => {
    const response = await fetch(`http://127.0.0.1:${httpPort}/health`);
    expect(response.status).toBe(200);
  });

  it('publishes offline and exits 0 on SIGTERM', async () => {
    const sub = await subscribe(['-t', 'tuya/bridge/state']);
    await sub.waitFor((l) => l === 'online');
    const exited = new Promise<number | null>((resolve) => daemon.once('exit', (code) => resolve(code)));
    daemon.kill('SIGTERM');
    await sub.waitFor((l) => l === 'offline');
    expect(await exited).toBe(0);
    sub.stop();
  });

  function publish(args: string[], input?: string): void {
    const result = spawnSync('mosquitto_pub', ['-p', String(brokerPort), ...args], { input });
    expect(result.status).toBe(0);
  }

  /** A mosquitto_sub whose output lines can be awaited; subscribed once it returns. */
  async function subscribe(args: string[]) {
    const child = spawn('mosquitto_sub', ['-p', String(brokerPort), '-d', ...args]);
    const lines: string[] = [];
    let buffer = '';
    let suback = false;
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      for (const part of parts) {
        // -d prints the protocol exchange; keep only the messages.
        if (part.startsWith('Client ')) {
          if (part.includes('received SUBACK')) suback = true;
          continue;
        }
        if (part !== '') lines.push(part);
      }
    });
    const waitFor = async (match: (line: string) => boolean): Promise<string> => {
      const deadline = Date.now() + 5000;
      for (;;) {
        const found = lines.find(match);
        if (found !== undefined) return found;
        if (Date.now() > deadline) throw new Error(`no matching line; got ${JSON.stringify(lines)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const deadline = Date.now() + 5000;
    while (!suback && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    return { lines, waitFor, stop: () => child.kill() };
  }
});
