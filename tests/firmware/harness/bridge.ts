// Stand-ins for tuya-mqtt-bridge, following its MQTT and HTTP contract, until tests run the
// real daemon: commands on <base>/command get exactly one reply on <base>/status, and
// GET /api/status / POST /api/control answer with the same JSON shape.

import http from 'node:http';
import type net from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';

import type { Reply } from '../../../src/commands/reply.js';

/** The bridge's own reply type: the stand-in answers exactly what the daemon would. */
export type StatusReply = Reply;
export type Failure = NonNullable<Reply['error']>;

export interface PlugState {
  id: string;
  on: boolean;
  online: boolean;
}

export interface BridgeBehaviour {
  /** Never answer: a hung bridge. */
  silent?: boolean;
  /** Answer every command with this error. */
  failWith?: Failure;
  /** Answer after this many ms. */
  delayMs?: number;
}

const ACTIONS = new Set(['on', 'off', 'toggle', 'status']);

/** The bridge's view of its plugs, and how it answers one command. */
export class PlugBook {
  private readonly plugs = new Map<string, PlugState>();

  constructor(plugs: Record<string, Partial<PlugState>>) {
    for (const [name, p] of Object.entries(plugs)) {
      this.plugs.set(name, { id: p.id ?? `id-${name}`, on: p.on ?? false, online: p.online ?? true });
    }
  }

  get(name: string): PlugState {
    const plug = this.plugs.get(name);
    if (!plug) throw new Error(`no plug ${name}`);
    return plug;
  }

  status(name: string, source: StatusReply['source']): StatusReply {
    const p = this.get(name);
    return {
      status: 'ok', device: name, device_id: p.id, state: p.on ? 'ON' : 'OFF', online: p.online,
      time: new Date().toISOString(), last_seen: new Date().toISOString(), source, stale: false,
    };
  }

  handle(command: unknown, failWith?: Failure): StatusReply {
    const c = (typeof command === 'object' && command !== null ? command : {}) as Record<string, unknown>;
    const withId = (r: StatusReply): StatusReply => (typeof c.id === 'string' ? { ...r, id: c.id } : r);
    const name = typeof c.device === 'string' ? c.device : '';
    const plug = this.plugs.get(name);
    const fail = (error: Failure): StatusReply =>
      withId({
        status: 'error', device: plug ? name : null, device_id: plug?.id ?? null,
        state: plug ? (plug.on ? 'ON' : 'OFF') : null, online: plug ? plug.online : null,
        time: new Date().toISOString(), last_seen: null, source: 'cache', stale: true, error,
      });
    if (!ACTIONS.has(String(c.action))) {
      return fail({ code: 'unknown_action', message: `unknown action ${String(c.action)}` });
    }
    if (!plug) return fail({ code: 'unknown_device', message: `no plug named ${name}` });
    if (failWith) return fail(failWith);
    if (!plug.online) return fail({ code: 'device_offline', message: 'device is offline', tuya_code: 2001 });
    if (c.action === 'on' || c.action === 'off') plug.on = c.action === 'on';
    if (c.action === 'toggle') plug.on = !plug.on;
    return withId(this.status(name, 'command'));
  }
}

export interface FakeBridge {
  readonly book: PlugBook;
  readonly commands: Array<Record<string, unknown>>;
  /** Replies already handed to the broker, in order. */
  readonly replies: StatusReply[];
  behaviour: BridgeBehaviour;
  waitForCommands(count: number, timeoutMs?: number): Promise<Array<Record<string, unknown>>>;
  /** Resolves once `count` replies went out: later publishes then reach subscribers after them. */
  waitForReplies(count: number, timeoutMs?: number): Promise<StatusReply[]>;
  /** Changes a plug as the cloud would and publishes the unsolicited status. */
  setPlug(name: string, change: Partial<PlugState>): Promise<void>;
  publishStatus(status: object): Promise<void>;
  close(): Promise<void>;
}

/** The first `count` items of a growing list, once it has them. */
async function firstOf<T>(list: T[], count: number, timeoutMs: number, what: string): Promise<T[]> {
  const deadline = Date.now() + timeoutMs;
  while (list.length < count) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} ${what}, have ${list.length}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return list.slice(0, count);
}

/** The bridge on MQTT: retained `online` on <base>/bridge/state with `offline` as its will. */
export async function startFakeBridge(
  url: string,
  options: { baseTopic?: string; plugs?: Record<string, Partial<PlugState>> } = {},
): Promise<FakeBridge> {
  const base = options.baseTopic ?? 'tuya';
  const book = new PlugBook(options.plugs ?? { 'demo-plug': {} });
  const commands: Array<Record<string, unknown>> = [];
  const replies: StatusReply[] = [];
  let closed = false;
  const client: MqttClient = await mqtt.connectAsync(url, {
    clientId: `fake-bridge-${Math.random().toString(16).slice(2)}`,
    reconnectPeriod: 200,
    will: { topic: `${base}/bridge/state`, payload: Buffer.from('offline'), retain: true, qos: 1 },
  });
  const stateTopic = `${base}/bridge/state`;
  const announce = (): void => void client.publish(stateTopic, 'online', { retain: true, qos: 1 });
  client.on('connect', announce);
  announce();
  const bridge: FakeBridge = {
    book,
    commands,
    replies,
    behaviour: {},
    waitForCommands: (count, timeoutMs = 5000) => firstOf(commands, count, timeoutMs, 'commands'),
    waitForReplies: (count, timeoutMs = 5000) => firstOf(replies, count, timeoutMs, 'replies'),
    async setPlug(name, change) {
      Object.assign(book.get(name), change);
      await bridge.publishStatus(book.status(name, 'cloud'));
    },
    async publishStatus(status) {
      await client.publishAsync(`${base}/status`, JSON.stringify(status), { qos: 0 });
    },
    async close() {
      if (closed) return;
      closed = true;
      if (client.connected) await client.publishAsync(stateTopic, 'offline', { retain: true, qos: 1 });
      await client.endAsync(true);
    },
  };
  client.on('message', (_topic, payload) => {
    let command: Record<string, unknown>;
    try {
      command = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
    } catch {
      command = { raw: payload.toString('utf8') };
    }
    commands.push(command);
    const { silent, failWith, delayMs } = bridge.behaviour;
    if (silent) return;
    const reply = book.handle(command, failWith);
    setTimeout(() => void bridge.publishStatus(reply).then(() => replies.push(reply)), delayMs ?? 0);
  });
  await client.subscribeAsync(`${base}/command`, { qos: 0 });
  return bridge;
}

export interface HttpRequestSeen {
  method: string;
  path: string;
  body: string;
}

export interface FakeHttpBridge {
  readonly url: string;
  readonly book: PlugBook;
  readonly requests: HttpRequestSeen[];
  behaviour: BridgeBehaviour;
  /** Outage: refuse connections until start(). */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

const HTTP_STATUS: Record<string, number> = { unknown_action: 400, unknown_device: 404, device_offline: 503 };

/** The bridge's HTTP API: POST /api/control, GET /api/status?device=, GET /health. */
export async function startFakeHttpBridge(
  options: { plugs?: Record<string, Partial<PlugState>> } = {},
): Promise<FakeHttpBridge> {
  const book = new PlugBook(options.plugs ?? { 'demo-plug': {} });
  const requests: HttpRequestSeen[] = [];
  const sockets = new Set<net.Socket>();
  const bridge = { behaviour: {} as BridgeBehaviour };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://bridge');
      requests.push({ method: req.method ?? '', path: u.pathname + u.search, body });
      const { silent, failWith, delayMs } = bridge.behaviour;
      if (silent) return;
      const reply = answer(book, req.method ?? '', u, body, failWith);
      const errorCode = (reply as StatusReply).error?.code ?? '';
      const code = reply.status === 'ok' ? 200 : (HTTP_STATUS[errorCode] ?? 502);
      setTimeout(() => {
        res.writeHead(code, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(reply));
      }, delayMs ?? 0);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const listen = (port: number): Promise<number> =>
    new Promise((resolve) => {
      server.listen(port, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
    });
  const port = await listen(0);
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
  return Object.assign(bridge, {
    url: `http://127.0.0.1:${port}`, book, requests, stop,
    start: async () => {
      if (!server.listening) await listen(port);
    },
    close: stop,
  });
}

type Answer = StatusReply | { status: 'ok' };

function answer(book: PlugBook, method: string, u: URL, body: string, failWith?: Failure): Answer {
  if (u.pathname === '/health') return { status: 'ok' };
  if (method === 'POST' && u.pathname === '/api/control') return book.handle(parse(body), failWith);
  if (u.pathname === '/api/status') return statusOf(book, u.searchParams.get('device') ?? '');
  return book.handle({ action: 'none' });
}

function statusOf(book: PlugBook, name: string): StatusReply {
  try {
    return book.status(name, 'cache');
  } catch {
    return book.handle({ action: 'status', device: name });
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
