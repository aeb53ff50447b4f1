import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import { startSimulatedCloud } from '../src/tuya/simulator/cloud.js';
import type { SimulatedCloud } from '../src/tuya/simulator/cloud.js';
import { startDaemon } from './daemon.js';
import type { Daemon } from './daemon.js';
import { summarize } from './stats.js';

/**
 * `npm run soak`: the built daemon as its own process against a simulated
 * cloud with many plugs, and many real MQTT.js clients sending commands with
 * ids (mixed on/off/toggle/status on tuya/command, <plug>/set and <plug>/get,
 * about 5% invalid). One more client collects every reply on tuya/status and
 * matches it to its command by id (by plug and order for the few commands that
 * cannot carry one). Prints what was sent, answered and refused, latency, and
 * the daemon's RSS before and after.
 *
 * Sizes: SOAK_CLIENTS (1000), SOAK_COMMANDS (10000), SOAK_PLUGS (50),
 * SOAK_IN_FLIGHT (200 commands outstanding at once), SOAK_SEED.
 */

export interface SoakOptions {
  clients: number;
  commands: number;
  plugs: number;
  /** Commands outstanding at once, over all clients. Default 200. */
  inFlight?: number;
  /** Share of invalid payloads. Default 0.05. */
  invalidShare?: number;
  /** For the choice of plugs, actions and invalid payloads. Default random. */
  seed?: number;
  /** Gets progress lines. Default: none. */
  log?: (line: string) => void;
}

export interface SoakResult {
  clients: number;
  plugs: number;
  sent: number;
  /** Of `sent`, the deliberately invalid payloads. */
  invalidSent: number;
  answered: number;
  unanswered: number;
  /** Replies with status "error", by code. */
  errors: Record<string, number>;
  /** Replies whose outcome was not the one expected for their command, by "expected -> got". */
  unexpected: Record<string, number>;
  /** Replies for a command that already had one, or for no command sent. */
  duplicates: number;
  strays: number;
  latencyMs: { p50: number; p99: number };
  rssStartMiB: number;
  rssEndMiB: number;
  connectSeconds: number;
  durationSeconds: number;
  commandsPerSecond: number;
  /** A status command after the run was answered ok. */
  finalCommandOk: boolean;
}

const PER_COMMAND_TIMEOUT_MS = 20_000; // the daemon's COMMAND_TIMEOUT_MS is 10 s
const CONNECT_TIMEOUT_MS = 10_000;
const CONNECT_PARALLEL = 50;
const QUIET_MS = 500;
const BASE = 'tuya';

/** The package root: where package.json is, from bench/ (ts-jest) or dist/bench/ (built). */
function packageRoot(): string {
  let dir = import.meta.dirname;
  for (let i = 0; i < 5; i += 1) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  throw new Error(`no package.json above ${import.meta.dirname}`);
}

/** Small deterministic PRNG (mulberry32), so a seed replays the same mix. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Connects one client; rejects (and closes it) when the broker refuses or does not answer. */
function connectClient(url: string, clientId: string): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { clientId, reconnectPeriod: 0, connectTimeout: CONNECT_TIMEOUT_MS, keepalive: 120 });
    const timer = setTimeout(() => fail(new Error('no CONNACK in time')), CONNECT_TIMEOUT_MS + 1000);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      client.removeAllListeners('connect');
      client.end(true);
      reject(err);
    };
    client.once('connect', () => {
      clearTimeout(timer);
      client.removeAllListeners('close');
      client.on('error', () => undefined); // counted as unanswered commands, never a crash here
      resolve(client);
    });
    client.once('error', (err) => fail(err));
    client.once('close', () => fail(new Error('connection closed before CONNACK')));
  });
}

interface Pending {
  index: number;
  expected: string; // 'ok' or an error code
  sentAt: number;
  /** Matched by id; or, when the payload cannot carry one, by plug name (null: no plug) in order. */
  id?: string;
  device?: string | null;
  timer?: NodeJS.Timeout;
  done: boolean;
  release: () => void;
}

interface Planned {
  topic: string;
  payload: string;
  expected: string;
  id?: string;
  device?: string | null;
  invalid: boolean;
}

interface ReplyJson {
  status?: string;
  device?: string | null;
  id?: unknown;
  error?: { code?: string };
}

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const { clients: clientCount, commands, plugs: plugCount } = options;
  const inFlight = Math.max(1, options.inFlight ?? 200);
  const invalidShare = options.invalidShare ?? 0.05;
  const log = options.log ?? (() => undefined);
  const rand = random(options.seed ?? randomBytes(4).readUInt32LE(0));
  const root = packageRoot();
  if (!existsSync(join(root, 'dist', 'src', 'main.js'))) throw new Error('dist/src/main.js is missing: run `npm run build` first');

  const plugs = Array.from({ length: plugCount }, (_, i) => ({ name: `soak-${i}`, id: `bf00soak${String(i).padStart(8, '0')}` }));
  const accessId = `soak${randomBytes(6).toString('hex')}`;
  const accessKey = randomBytes(16).toString('hex');
  let cloud: SimulatedCloud | undefined;
  let daemon: Daemon | undefined;
  const clients: MqttClient[] = [];
  let collector: MqttClient | undefined;
  const daemonLog: string[] = [];

  try {
    cloud = await startSimulatedCloud({ host: '127.0.0.1', port: 0, accessId, accessKey, plugs: plugs.map((p) => ({ ...p, energy: true })) });
    daemon = await startDaemon(root, {
      TUYA_ACCESS_ID: accessId,
      TUYA_ACCESS_KEY: accessKey,
      TUYA_BASE_URL: cloud.url,
      PLUGS: JSON.stringify(plugs),
      POLL_INTERVAL_SECONDS: '0',
      // The embedded broker allows 100 connections by default; the soak needs one per client.
      BROKER_MAX_CONNECTIONS: String(Math.max(2000, clientCount + 50)),
    });
    const keepLog = (chunk: Buffer): void => {
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') daemonLog.push(line);
      if (daemonLog.length > 200) daemonLog.splice(0, daemonLog.length - 100);
    };
    daemon.process.stdout?.on('data', keepLog);
    daemon.process.stderr?.on('data', keepLog);
    const url = daemon.brokerUrl;
    const tail = (): string => daemonLog.slice(-8).join('\n');

    // The collector: every reply, matched to its command.
    collector = await connectClient(url, `soak-collector-${process.pid}`);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the daemon never said online:\n${tail()}`)), 15_000);
      (collector as MqttClient).on('message', (topic, payload) => {
        if (topic === `${BASE}/bridge/state` && payload.toString() === 'online') {
          clearTimeout(timer);
          resolve();
        }
      });
      void (collector as MqttClient).subscribeAsync(`${BASE}/bridge/state`);
    });
    const rssStartMiB = daemon.rssMiB();
    log(`daemon up: pid ${daemon.process.pid}, ${plugCount} plugs, RSS ${rssStartMiB.toFixed(1)} MiB`);

    const byId = new Map<string, Pending>();
    const byDevice = new Map<string, Pending[]>(); // key: plug name, or '' for none
    const latencies: number[] = [];
    const errors: Record<string, number> = {};
    const unexpected: Record<string, number> = {};
    let answered = 0;
    let duplicates = 0;
    let strays = 0;
    const answeredIds = new Set<string>();
    const count = (table: Record<string, number>, key: string): void => {
      table[key] = (table[key] ?? 0) + 1;
    };

    const settle = (pending: Pending, reply: ReplyJson, at: number): void => {
      pending.done = true;
      clearTimeout(pending.timer);
      answered += 1;
      latencies.push(at - pending.sentAt);
      const got = reply.status === 'ok' ? 'ok' : (reply.error?.code ?? `status ${String(reply.status)}`);
      // rate_limited is a fair answer to any valid command under load.
      if (got !== pending.expected && !(pending.expected === 'ok' && got === 'rate_limited')) count(unexpected, `${pending.expected} -> ${got}`);
      pending.release();
    };

    collector.on('message', (topic, payload) => {
      if (topic !== `${BASE}/status`) return;
      const at = performance.now();
      let reply: ReplyJson;
      try {
        reply = JSON.parse(payload.toString()) as ReplyJson;
      } catch {
        strays += 1;
        return;
      }
      if (typeof reply.id === 'string' && reply.id.startsWith('final-')) return; // the check after the run
      if (reply.status === 'error') count(errors, reply.error?.code ?? '?');
      if (typeof reply.id === 'string') {
        const pending = byId.get(reply.id);
        if (pending && !pending.done) {
          byId.delete(reply.id);
          answeredIds.add(reply.id);
          settle(pending, reply, at);
        } else if (answeredIds.has(reply.id)) duplicates += 1;
        else strays += 1;
        return;
      }
      const queue = byDevice.get(reply.device ?? '');
      let pending = queue?.shift();
      while (pending?.done) pending = queue?.shift(); // timed out already
      if (pending) settle(pending, reply, at);
      else strays += 1;
    });
    await collector.subscribeAsync(`${BASE}/status`, { qos: 0 });

    // The clients.
    const connectStarted = performance.now();
    const refused: string[] = [];
    for (let from = 0; from < clientCount; from += CONNECT_PARALLEL) {
      const ids = Array.from({ length: Math.min(CONNECT_PARALLEL, clientCount - from) }, (_, k) => from + k);
      const results = await Promise.allSettled(ids.map((i) => connectClient(url, `soak-${process.pid}-${i}`)));
      for (const result of results) {
        if (result.status === 'fulfilled') clients.push(result.value);
        else refused.push(result.reason instanceof Error ? result.reason.message : String(result.reason));
      }
      if (refused.length > 0) break;
    }
    if (refused.length > 0) {
      throw new Error(
        `only ${clients.length} of ${clientCount} clients could connect (${refused[0]}); ` +
          `does the daemon read BROKER_MAX_CONNECTIONS? Its log ends:\n${tail()}`,
      );
    }
    const connectSeconds = (performance.now() - connectStarted) / 1000;
    log(`${clients.length} clients connected in ${connectSeconds.toFixed(1)} s`);

    // What to send: spread over clients (round robin) and plugs (at random).
    const plan = (i: number): Planned => {
      const plug = plugs[Math.floor(rand() * plugs.length)] as (typeof plugs)[number];
      const id = `s${i}`;
      const command = `${BASE}/command`;
      if (rand() < invalidShare) {
        switch (Math.floor(rand() * 5)) {
          case 0:
            return { topic: command, payload: JSON.stringify({ action: 'explode', device: plug.name, id }), expected: 'unknown_action', id, invalid: true };
          case 1:
            return { topic: command, payload: JSON.stringify({ action: 'on', device: `no-such-plug-${i}`, id }), expected: 'unknown_device', id, invalid: true };
          case 2:
            return { topic: command, payload: JSON.stringify({ action: 'on', device: 42, id }), expected: 'invalid_command', id, invalid: true };
          case 3:
            return { topic: `${BASE}/${plug.name}/set`, payload: JSON.stringify({ state: 'ON', action: 'off', id }), expected: 'invalid_command', id, invalid: true };
          default:
            // Broken JSON carries no id the bridge can read: matched by order among replies with no plug.
            return { topic: command, payload: `{"action":"on","device":"${plug.name}","id":"${id}"`, expected: 'invalid_json', device: null, invalid: true };
        }
      }
      const action = (['on', 'off', 'toggle', 'status'] as const)[Math.floor(rand() * 4)] as string;
      const where = rand();
      if (where < 0.03) return { topic: `${BASE}/${plug.name}/get`, payload: '', expected: 'ok', device: plug.name, invalid: false };
      if (where < 0.25) return { topic: `${BASE}/${plug.name}/set`, payload: JSON.stringify({ state: action.toUpperCase(), id }), expected: 'ok', id, invalid: false };
      const device = rand() < 0.2 ? plug.id : plug.name;
      return { topic: command, payload: JSON.stringify({ action, device, id }), expected: 'ok', id, invalid: false };
    };

    let invalidSent = 0;
    let sent = 0;
    let outstanding = 0;
    let wakeSender: (() => void) | undefined;
    const started = performance.now();
    for (let i = 0; i < commands; i += 1) {
      while (outstanding >= inFlight) {
        await new Promise<void>((resolve) => (wakeSender = resolve));
      }
      const planned = plan(i);
      const client = clients[i % clients.length] as MqttClient;
      outstanding += 1;
      const pending: Pending = {
        index: i,
        expected: planned.expected,
        sentAt: performance.now(),
        done: false,
        release: () => {
          outstanding -= 1;
          const wake = wakeSender;
          wakeSender = undefined;
          wake?.();
        },
      };
      pending.timer = setTimeout(() => {
        // Unanswered: free the slot; it stays counted as not answered.
        pending.done = true;
        if (planned.id !== undefined) byId.delete(planned.id);
        pending.release();
      }, PER_COMMAND_TIMEOUT_MS);
      if (planned.id !== undefined) {
        pending.id = planned.id;
        byId.set(planned.id, pending);
      } else {
        pending.device = planned.device ?? null;
        const key = planned.device ?? '';
        byDevice.set(key, [...(byDevice.get(key) ?? []), pending]);
      }
      client.publish(planned.topic, planned.payload, { qos: 0 });
      sent += 1;
      if (planned.invalid) invalidSent += 1;
      if (sent % Math.max(1, Math.floor(commands / 10)) === 0) log(`sent ${sent}, answered ${answered}`);
    }
    // Every command answered or timed out (each has its own timer, so this ends).
    while (outstanding > 0) await new Promise<void>((resolve) => (wakeSender = resolve));
    const durationSeconds = (performance.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS)); // late duplicates show up here

    // Still working afterwards?
    const finalId = `final-${randomBytes(4).toString('hex')}`;
    const finalCommandOk = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 10_000);
      const onMessage = (topic: string, payload: Buffer): void => {
        if (topic !== `${BASE}/status` || !payload.toString().includes(`"id":"${finalId}"`)) return;
        clearTimeout(timer);
        (collector as MqttClient).off('message', onMessage);
        resolve((JSON.parse(payload.toString()) as ReplyJson).status === 'ok');
      };
      (collector as MqttClient).on('message', onMessage);
      (collector as MqttClient).publish(`${BASE}/command`, JSON.stringify({ action: 'status', device: plugs[0]?.name, id: finalId }));
    });
    const rssEndMiB = daemon.rssMiB();

    const { p50, p99 } = summarize(latencies);
    return {
      clients: clients.length,
      plugs: plugCount,
      sent,
      invalidSent,
      answered,
      unanswered: sent - answered,
      errors,
      unexpected,
      duplicates,
      strays,
      latencyMs: { p50, p99 },
      rssStartMiB,
      rssEndMiB,
      connectSeconds,
      durationSeconds,
      commandsPerSecond: sent / durationSeconds,
      finalCommandOk,
    };
  } finally {
    const closing = [...clients, ...(collector ? [collector] : [])];
    for (let from = 0; from < closing.length; from += 100) {
      await Promise.all(closing.slice(from, from + 100).map((client) => client.endAsync(true).catch(() => undefined)));
    }
    await daemon?.stop();
    await cloud?.stop();
  }
}

function table(record: Record<string, number>): string {
  const entries = Object.entries(record).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? 'none' : entries.map(([key, value]) => `${key} ${value}`).join(', ');
}

export function formatSoak(result: SoakResult, options: { clients: number; commands: number; inFlight: number }): string {
  const mib = (value: number): string => `${value.toFixed(1)} MiB`;
  return [
    `tuya-mqtt-bridge soak: node ${process.version}, ${result.clients} clients, ${result.plugs} plugs, ${options.commands} commands, ${options.inFlight} in flight`,
    `clients connected    ${result.clients} in ${result.connectSeconds.toFixed(1)} s`,
    `commands sent        ${result.sent} (${result.invalidSent} invalid on purpose)`,
    `answered             ${result.answered}`,
    `unanswered           ${result.unanswered}`,
    `errors by code       ${table(result.errors)}`,
    `unexpected outcomes  ${table(result.unexpected)}`,
    `duplicate replies    ${result.duplicates}; replies to nothing sent ${result.strays}`,
    `latency              p50 ${result.latencyMs.p50.toFixed(1)} ms  p99 ${result.latencyMs.p99.toFixed(1)} ms`,
    `daemon RSS           start ${mib(result.rssStartMiB)}  end ${mib(result.rssEndMiB)}`,
    `duration             ${result.durationSeconds.toFixed(1)} s (${result.commandsPerSecond.toFixed(0)} commands/s)`,
    `status afterwards    ${result.finalCommandOk ? 'ok' : 'NOT ANSWERED OK'}`,
  ].join('\n');
}

async function main(): Promise<void> {
  const number = (name: string, fallback: number): number => {
    const raw = process.env[name];
    const value = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number of at least 1, not ${raw}`);
    return value;
  };
  const clients = number('SOAK_CLIENTS', 1000);
  const commands = number('SOAK_COMMANDS', 10_000);
  const plugs = number('SOAK_PLUGS', 50);
  const inFlight = number('SOAK_IN_FLIGHT', 200);
  const seed = process.env['SOAK_SEED'] === undefined ? undefined : number('SOAK_SEED', 1);
  const version = (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  console.log(`tuya-mqtt-bridge ${version}: soak with ${clients} clients, ${commands} commands, ${plugs} plugs`);
  const result = await runSoak({ clients, commands, plugs, inFlight, ...(seed === undefined ? {} : { seed }), log: (line) => console.log(`  ${line}`) });
  console.log(formatSoak(result, { clients, commands, inFlight }));
  const healthy = result.unanswered === 0 && Object.keys(result.unexpected).length === 0 && result.duplicates === 0 && result.finalCommandOk;
  process.exitCode = healthy ? 0 : 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
