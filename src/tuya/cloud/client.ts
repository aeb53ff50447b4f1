import { BridgeError } from '../../errors.js';
import { silentLogger, type Logger } from '../../log/logger.js';
import type { DataPoint, DataPointSpec, DeviceDetails, DeviceSpecification } from '../transport.js';
import type { DeviceStatus, PlugTransport } from '../transport.js';
import { fromFetchError, isTokenInvalid, readEnvelope } from './errors.js';
import { SIGN_METHOD, computeSign } from './sign.js';

/**
 * The Tuya OpenAPI client: signs every call (sign.ts), keeps one access token
 * alive, and turns answers into transport types or BridgeErrors (errors.ts).
 */

export interface TuyaCloudClientOptions {
  /** The cloud project's Access ID, sent as `client_id`. */
  accessId: string;
  /** The project's Access Secret: the signing key. Masked in logs from construction on. */
  accessKey: string;
  /** OpenAPI origin, e.g. regionBaseUrl('eu') or a simulator's `url`. */
  baseUrl: string;
  /** Longest wait for one HTTP call, answer body included, in milliseconds. */
  timeoutMs: number;
  logger?: Logger;
  /** Clock in epoch milliseconds, for the `t` header and token expiry. Default Date.now. */
  now?: () => number;
  /** The data point that switches the relay. Default `switch_1`. */
  switchCode?: string;
}

/** Tuya's limit of ids in one batch status call; the caller splits longer lists. */
export const MAX_BATCH_IDS = 20;

/** Renew this long before the token runs out, so no call leaves with a dying token. */
export const TOKEN_REFRESH_MARGIN_MS = 60_000;

interface Token {
  accessToken: string;
  refreshToken: string;
  /** Epoch ms, measured from when the token was asked for (errs on the early side). */
  expiresAt: number;
  /** The Tuya user the project is linked to, for listing its devices. */
  uid: string;
}

interface Call {
  method: 'GET' | 'POST';
  /** Path and query as sent, with ids already URL-encoded. */
  target: string;
  /** What debug lines show instead of the target, when the target holds a secret. */
  label?: string;
  body?: string;
}

const GRANT: Call = { method: 'GET', target: '/v1.0/token?grant_type=1' };
/** The abort reason: errors.ts reads its name as a timeout. */
const TIMED_OUT = new DOMException('Tuya cloud call timed out', 'TimeoutError');
const DEVICES = '/v1.0/iot-03/devices';
/** Failures where the cloud never answered: asking again at once would fail the same way. */
const NO_ANSWER: ReadonlySet<string> = new Set(['timeout', 'cloud_unreachable']);

export class TuyaCloudClient implements PlugTransport {
  private readonly accessId: string;
  private readonly accessKey: string;
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly switchCode: string;

  private token: Token | undefined;
  /** The one token request in flight; concurrent callers wait on it instead of starting their own. */
  private tokenRequest: Promise<Token> | undefined;
  private calls = 0;
  private lastSuccess: number | undefined;

  constructor(options: TuyaCloudClientOptions) {
    this.accessId = options.accessId;
    this.accessKey = options.accessKey;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs;
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? Date.now;
    this.switchCode = options.switchCode ?? 'switch_1';
    this.logger.addSecret(options.accessKey);
  }

  /** HTTP calls made so far, token calls and retries included (each one counts against the quota). */
  get callCount(): number {
    return this.calls;
  }

  /** When the cloud last answered with success, in epoch ms. */
  get lastSuccessAt(): number | undefined {
    return this.lastSuccess;
  }

  async sendSwitch(deviceId: string, on: boolean): Promise<void> {
    const body = JSON.stringify({ commands: [{ code: this.switchCode, value: on }] });
    const result = await this.call({ method: 'POST', target: `${devicePath(deviceId)}/commands`, body });
    if (result === false) {
      throw new BridgeError('device_error', 'Tuya cloud accepted the command but reported it failed');
    }
  }

  async readStatus(deviceId: string): Promise<DataPoint[]> {
    return parseDataPoints(await this.call({ method: 'GET', target: `${devicePath(deviceId)}/status` }));
  }

  async readStatusBatch(deviceIds: readonly string[]): Promise<DeviceStatus[]> {
    if (deviceIds.length > MAX_BATCH_IDS) {
      throw new Error(`readStatusBatch takes at most ${MAX_BATCH_IDS} ids, got ${deviceIds.length}`);
    }
    if (deviceIds.length === 0) return [];

    const ids = deviceIds.map((id) => encodeURIComponent(id)).join(',');
    const result = await this.call({ method: 'GET', target: `${DEVICES}/status?device_ids=${ids}` });
    return asArray(result, 'batch status').map((item) => {
      const entry = asRecord(item, 'batch status');
      return { id: text(entry['id']), status: parseDataPoints(entry['status']) };
    });
  }

  async readDetails(deviceId: string): Promise<DeviceDetails> {
    return parseDetails(await this.call({ method: 'GET', target: devicePath(deviceId) }));
  }

  async readSpecification(deviceId: string): Promise<DeviceSpecification> {
    const target = `${devicePath(deviceId)}/specification`;
    const result = asRecord(await this.call({ method: 'GET', target }), 'specification');
    return {
      category: text(result['category']),
      status: parseSpecs(result['status']),
      functions: parseSpecs(result['functions']),
    };
  }

  /** The devices of the app account linked to the project (the token's uid). */
  async listDevices(): Promise<DeviceDetails[]> {
    const { uid } = await this.validToken();
    if (uid === '') {
      throw new BridgeError('cloud_error', 'Tuya token has no user id: link an app account to it');
    }

    const target = `/v1.0/users/${encodeURIComponent(uid)}/devices`;
    const result = await this.call({ method: 'GET', target, label: '/v1.0/users/{uid}/devices' });
    return asArray(result, 'device list').map(parseDetails);
  }

  /** A business call: with a token, and on a token-invalid answer one new token and one retry. */
  private async call(call: Call): Promise<unknown> {
    const token = await this.validToken();
    try {
      return await this.send(call, token.accessToken);
    } catch (err) {
      if (!isTokenInvalid(err)) throw err;
      // A concurrent caller may already have replaced it; only our own stale token is dropped.
      if (this.token === token) this.token = undefined;
      const fresh = await this.validToken();
      return await this.send(call, fresh.accessToken);
    }
  }

  private validToken(): Promise<Token> {
    const token = this.token;
    if (token && this.now() < token.expiresAt - TOKEN_REFRESH_MARGIN_MS) return Promise.resolve(token);

    this.tokenRequest ??= this.renewToken(token).finally(() => {
      this.tokenRequest = undefined;
    });
    return this.tokenRequest;
  }

  /** Refreshes a token about to expire; a dropped one (or a refused refresh) gets a fresh grant. */
  private async renewToken(old: Token | undefined): Promise<Token> {
    const askedAt = this.now();
    let result: unknown;
    if (old) {
      const target = `/v1.0/token/${encodeURIComponent(old.refreshToken)}`;
      try {
        result = await this.send({ method: 'GET', target, label: '/v1.0/token/{refresh_token}' });
      } catch (err) {
        if (!(err instanceof BridgeError) || NO_ANSWER.has(err.code)) throw err;
        this.logger.debug('Token refresh refused, asking for a new token', { tuyaCode: err.tuyaCode });
      }
    }
    result ??= await this.send(GRANT);

    this.token = this.parseToken(result, askedAt);
    return this.token;
  }

  private parseToken(result: unknown, askedAt: number): Token {
    const fields = asRecord(result, 'token');
    const accessToken = fields['access_token'];
    const refreshToken = fields['refresh_token'];
    // Older pages name the lifetime `expire`; both are seconds.
    const seconds = fields['expire_time'] ?? fields['expire'];
    // Masked before anything else can happen with them.
    if (typeof accessToken === 'string') this.logger.addSecret(accessToken);
    if (typeof refreshToken === 'string') this.logger.addSecret(refreshToken);

    if (!accessToken || typeof accessToken !== 'string' || typeof refreshToken !== 'string') {
      throw new BridgeError('cloud_error', 'Tuya cloud gave a token answer without tokens');
    }
    if (typeof seconds !== 'number' || !(seconds > 0)) {
      throw new BridgeError('cloud_error', 'Tuya cloud gave a token answer without a lifetime');
    }
    return { accessToken, refreshToken, expiresAt: askedAt + seconds * 1000, uid: text(fields['uid']) };
  }

  /** One signed HTTP call. Token calls are the ones made without an access token. */
  private async send(call: Call, accessToken?: string): Promise<unknown> {
    const t = String(Math.floor(this.now()));
    const sign = computeSign({
      clientId: this.accessId,
      secret: this.accessKey,
      t,
      accessToken,
      method: call.method,
      target: call.target,
      body: call.body,
    });
    const headers: Record<string, string> = {
      client_id: this.accessId,
      t,
      sign_method: SIGN_METHOD,
      sign,
    };
    if (accessToken !== undefined) headers['access_token'] = accessToken;
    if (call.body !== undefined) headers['content-type'] = 'application/json';

    this.calls += 1;
    const started = performance.now();
    let outcome = 'ok';
    let tuyaCode: number | undefined;
    // A timer of our own rather than AbortSignal.timeout(): in Node 20 that signal is
    // transferable and costly to create, which shows at benchmark rates.
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(TIMED_OUT), this.timeoutMs);
    try {
      const response = await fetch(this.baseUrl + call.target, {
        method: call.method,
        headers,
        body: call.body,
        signal: abort.signal,
      });
      const result = readEnvelope(response.status, await response.text());
      this.lastSuccess = this.now();
      return result;
    } catch (err) {
      const error = fromFetchError(err, this.timeoutMs);
      outcome = error.code;
      tuyaCode = error.tuyaCode;
      throw error;
    } finally {
      clearTimeout(timer);
      // Method, path, outcome and time only: headers carry the token and the sign.
      const ms = Math.round(performance.now() - started);
      this.logger.debug(`${call.method} ${call.label ?? call.target}`, { outcome, tuyaCode, ms });
    }
  }
}

function devicePath(deviceId: string): string {
  return `${DEVICES}/${encodeURIComponent(deviceId)}`;
}

function unexpected(what: string): BridgeError {
  return new BridgeError('cloud_error', `Tuya cloud gave an unexpected ${what} answer`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asRecord(value: unknown, what: string): Record<string, unknown> {
  if (!isRecord(value)) throw unexpected(what);
  return value;
}

function asArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw unexpected(what);
  return value;
}

/** Strings stay, numbers become strings, anything else is empty. */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  return typeof value === 'number' ? String(value) : '';
}

function parseDataPoints(value: unknown): DataPoint[] {
  return asArray(value, 'status').flatMap((item) => {
    const point = asRecord(item, 'status');
    return typeof point['code'] === 'string' ? [{ code: point['code'], value: point['value'] }] : [];
  });
}

function parseDetails(value: unknown): DeviceDetails {
  const device = asRecord(value, 'device details');
  return {
    id: text(device['id']),
    name: text(device['name']),
    online: device['online'] === true,
    category: text(device['category']),
    productId: text(device['product_id']),
    productName: text(device['product_name']),
    model: text(device['model']),
  };
}

function parseSpecs(value: unknown): DataPointSpec[] {
  if (value === undefined) return [];
  return asArray(value, 'specification').flatMap((item) => {
    const spec = asRecord(item, 'specification');
    if (typeof spec['code'] !== 'string') return [];
    return [{ code: spec['code'], type: text(spec['type']), values: parseValues(spec['values']) }];
  });
}

/** `values` is a JSON string on the wire; garbage or a non-object is read as no values. */
function parseValues(value: unknown): Record<string, unknown> {
  try {
    const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
    return isRecord(parsed) ? parsed : {};
  } catch {
    return {};
  }
}
