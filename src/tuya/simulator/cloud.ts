import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger, type Logger } from '../../log/logger.js';
import { TokenStore, checkRequest, type GateOptions } from './auth.js';
import { Envelopes, UNKNOWN_ENDPOINT, matchRoute, readBody, sendJson } from './http.js';
import type { MatchedRoute } from './http.js';
import { SimulatedPlug, type SimulatedPlugOptions } from './plug.js';
import { handleRoute, type CloudState } from './routes.js';

export type { DataPointScale, EnergyScales, SimulatedPlugOptions } from './plug.js';

/**
 * A simulated Tuya cloud on loopback HTTP, faithful where the bridge depends on
 * it: signatures, tokens, envelopes, error codes, quota, plug behaviour. Used by
 * the tests, the benchmark and demo mode, and controlled from outside the way
 * the real world would change things (a button pressed, a plug unplugged).
 */

export interface SimulatedCloudOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port; read the address from `url`. */
  port?: number;
  accessId: string;
  accessKey: string;
  plugs: SimulatedPlugOptions[];
  /** Lifetime of an access token in seconds. Default 7200, like Tuya. */
  tokenTtlSeconds?: number;
  /** How far a request's `t` may be from this cloud's clock before 1013. Default 5 minutes. */
  maxClockSkewMs?: number;
  /** Calls allowed before every call answers 28841004. Default unlimited. */
  quota?: number;
  /** Delay before each answer, in ms. Default 0. */
  latencyMs?: number;
  /** The linked app user's id, returned with tokens. */
  uid?: string;
  /** Clock in epoch ms, for `t` checks, token expiry and energy. Default Date.now. */
  now?: () => number;
  /** Gets one debug line per request. */
  logger?: Logger;
}

export interface SimulatedCloud {
  /** Base URL to give the client, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly uid: string;
  stop(): Promise<void>;
  setOnline(id: string, online: boolean): void;
  setLatency(ms: number): void;
  /** Calls allowed from now on before 28841004; undefined for no limit. */
  setQuota(calls: number | undefined): void;
  /** Toggles the relay with the plug's own button. */
  pressButton(id: string): void;
  /** Sets the relay from elsewhere, e.g. the Tuya app. */
  setSwitch(id: string, on: boolean): void;
  /** Every issued token stops working: the next business call answers 1010. */
  expireTokens(): void;
  isOn(id: string): boolean;
  /** Requests received per endpoint, e.g. `{'GET /v1.0/token': 1}`; rejected ones included. */
  callCounts(): Record<string, number>;
  totalCalls(): number;
  resetCounts(): void;
  addPlug(options: SimulatedPlugOptions): void;
}

const QUOTA_USED_UP = 28841004;
const URI_PATH_INVALID = 1108;
const PARAM_ILLEGAL = 1109;
const SYSTEM_ERROR = 500;
const MAX_BODY_BYTES = 64 * 1024;

/** An answer's JSON, and Tuya's error code when it is a refusal (for the debug line). */
interface Answer {
  json: string;
  code?: number;
}

class Simulator implements SimulatedCloud {
  url = '';
  readonly uid: string;
  private readonly server: Server;
  private readonly gate: GateOptions;
  private readonly state: CloudState;
  private readonly plugs = new Map<string, SimulatedPlug>();
  private readonly tokens: TokenStore;
  private readonly envelopes: Envelopes;
  private readonly now: () => number;
  private readonly logger: Logger;
  private readonly counts = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private total = 0;
  private latencyMs: number;
  private quotaLeft: number | undefined;
  private stopped: Promise<void> | undefined;

  constructor(options: SimulatedCloudOptions) {
    this.now = options.now ?? Date.now;
    this.uid = options.uid ?? 'simuser0000000001';
    this.logger = options.logger ?? silentLogger;
    this.latencyMs = options.latencyMs ?? 0;
    this.quotaLeft = options.quota;
    this.gate = {
      accessId: options.accessId,
      accessKey: options.accessKey,
      maxClockSkewMs: options.maxClockSkewMs ?? 300_000,
      now: this.now,
    };
    this.tokens = new TokenStore(options.tokenTtlSeconds ?? 7200, this.uid, this.now);
    this.envelopes = new Envelopes(this.now);
    this.state = { plugs: this.plugs, tokens: this.tokens, uid: this.uid };
    for (const plug of options.plugs) this.addPlug(plug);
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  async listen(host: string, port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    const address = this.server.address() as AddressInfo;
    const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.url = `http://${shownHost}:${address.port}`;
  }

  stop(): Promise<void> {
    this.stopped ??= new Promise<void>((resolve) => {
      for (const timer of this.timers) clearTimeout(timer);
      this.timers.clear();
      this.server.close(() => resolve());
      // Keep-alive sockets would otherwise hold close() open until they time out.
      this.server.closeAllConnections();
    });
    return this.stopped;
  }

  setOnline(id: string, online: boolean): void {
    this.plug(id).setOnline(online);
  }
  setLatency(ms: number): void {
    this.latencyMs = ms;
  }
  setQuota(calls: number | undefined): void {
    this.quotaLeft = calls;
  }
  pressButton(id: string): void {
    const plug = this.plug(id);
    plug.setSwitch(!plug.isOn);
  }
  setSwitch(id: string, on: boolean): void {
    this.plug(id).setSwitch(on);
  }
  expireTokens(): void {
    this.tokens.expireAll();
  }
  isOn(id: string): boolean {
    return this.plug(id).isOn;
  }
  callCounts(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
  totalCalls(): number {
    return this.total;
  }
  resetCounts(): void {
    this.counts.clear();
    this.total = 0;
  }

  addPlug(options: SimulatedPlugOptions): void {
    if (this.plugs.has(options.id)) throw new Error(`Simulated plug "${options.id}" already exists`);
    this.plugs.set(options.id, new SimulatedPlug(options, this.now));
  }

  private plug(id: string): SimulatedPlug {
    const plug = this.plugs.get(id);
    if (!plug) throw new Error(`No simulated plug "${id}"`);
    return plug;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const target = req.url ?? '/';
    const route = matchRoute(method, target);
    const endpoint = route?.endpoint ?? UNKNOWN_ENDPOINT;
    this.counts.set(endpoint, (this.counts.get(endpoint) ?? 0) + 1);
    this.total += 1;

    try {
      const body = await readBody(req, MAX_BODY_BYTES);
      if (this.latencyMs > 0) await this.delay(this.latencyMs);
      const answer = this.answer(req, method, target, route, body);
      this.logger.debug(`${method} ${endpoint}`, { tuyaCode: answer.code });
      sendJson(res, answer.json);
    } catch (err) {
      // A client that went away mid-body, or a bug here: either way the caller sees Tuya's 500.
      this.logger.debug('Simulated cloud failed to answer', { error: String(err) });
      if (!res.headersSent && !res.destroyed) sendJson(res, this.envelopes.fail(SYSTEM_ERROR));
    }
  }

  /** The gate first (headers, signature, token), then the quota, then the endpoint itself. */
  private answer(
    req: IncomingMessage,
    method: string,
    target: string,
    route: MatchedRoute | undefined,
    body: Buffer | undefined,
  ): Answer {
    const fail = (code: number): Answer => ({ json: this.envelopes.fail(code), code });
    if (body === undefined) return fail(PARAM_ILLEGAL);

    const isTokenCall = route?.endpoint.startsWith('GET /v1.0/token') ?? false;
    const received = { method, target, headers: req.headers, body };
    const refused = checkRequest(received, isTokenCall, this.gate, this.tokens);
    if (refused !== undefined) return fail(refused);

    if (this.quotaLeft !== undefined) {
      if (this.quotaLeft <= 0) return fail(QUOTA_USED_UP);
      this.quotaLeft -= 1;
    }
    if (!route) return fail(URI_PATH_INVALID);

    const outcome = handleRoute(route, body, this.state);
    return 'result' in outcome ? { json: this.envelopes.ok(outcome.result) } : fail(outcome.code);
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }
}

export async function startSimulatedCloud(options: SimulatedCloudOptions): Promise<SimulatedCloud> {
  const cloud = new Simulator(options);
  await cloud.listen(options.host ?? '127.0.0.1', options.port ?? 0);
  return cloud;
}
