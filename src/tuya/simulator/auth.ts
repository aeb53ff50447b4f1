import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SIGN_METHOD, computeSign, signsEqual } from '../cloud/sign.js';

/**
 * The simulated cloud's gate: request signatures (facts §1) and tokens (§2).
 * The signature is recomputed from what arrived (method, raw target, body
 * bytes, headers) with the same functions the client signs with.
 */

export interface TokenGrant {
  access_token: string;
  refresh_token: string;
  /** Lifetime in seconds, as Tuya names it. */
  expire_time: number;
  uid: string;
}

/**
 * Issued tokens. An access token lives `ttlSeconds`; a refresh token has no
 * time limit but works once, and using it retires the old pair.
 */
export class TokenStore {
  /** access token → when it stops working (epoch ms) */
  private readonly access = new Map<string, number>();
  /** refresh token → the access token issued with it */
  private readonly refresh = new Map<string, string>();

  constructor(
    private readonly ttlSeconds: number,
    private readonly uid: string,
    private readonly now: () => number,
  ) {}

  grant(): TokenGrant {
    this.prune();
    const accessToken = randomBytes(16).toString('hex');
    const refreshToken = randomBytes(16).toString('hex');
    this.access.set(accessToken, this.now() + this.ttlSeconds * 1000);
    this.refresh.set(refreshToken, accessToken);
    return {
      access_token: accessToken,
      refresh_token: refreshToken,
      expire_time: this.ttlSeconds,
      uid: this.uid,
    };
  }

  /** A new pair for a known refresh token, or undefined when it is unknown or used. */
  refreshWith(refreshToken: string): TokenGrant | undefined {
    const oldAccess = this.refresh.get(refreshToken);
    if (oldAccess === undefined) return undefined;
    this.refresh.delete(refreshToken);
    this.access.delete(oldAccess);
    return this.grant();
  }

  isValid(accessToken: string): boolean {
    const expiresAt = this.access.get(accessToken);
    return expiresAt !== undefined && this.now() < expiresAt;
  }

  /** Every token issued so far stops working, refresh tokens included. */
  expireAll(): void {
    this.access.clear();
    this.refresh.clear();
  }

  /** Forgets expired access tokens; their refresh tokens stay usable, having no time limit. */
  private prune(): void {
    const now = this.now();
    for (const [token, expiresAt] of this.access) if (now >= expiresAt) this.access.delete(token);
  }
}

export interface ReceivedRequest {
  method: string;
  /** The request target exactly as received (`req.url`). */
  target: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface GateOptions {
  accessId: string;
  accessKey: string;
  maxClockSkewMs: number;
  now: () => number;
}

/** Tuya's codes for a request the gate turns away. */
export const SIGN_INVALID = 1004;
export const TOKEN_INVALID = 1010;
export const TIME_INVALID = 1013;
export const MISSING_HEADER = 1105;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Checks one request; returns Tuya's error code, or undefined when it may pass.
 * Token calls are signed without an access token; every other call needs one
 * that is still valid.
 */
export function checkRequest(
  req: ReceivedRequest,
  isTokenCall: boolean,
  options: GateOptions,
  tokens: TokenStore,
): number | undefined {
  const clientId = header(req.headers, 'client_id');
  const t = header(req.headers, 't');
  const sign = header(req.headers, 'sign');
  const signMethod = header(req.headers, 'sign_method');
  const accessToken = header(req.headers, 'access_token');
  if (!clientId || !t || !sign || !signMethod) return MISSING_HEADER;
  if (!isTokenCall && !accessToken) return MISSING_HEADER;

  // An unknown project and an unknown method both mean a signature this cloud cannot check.
  if (clientId !== options.accessId || signMethod !== SIGN_METHOD) return SIGN_INVALID;
  const sentAt = /^\d{13}$/.test(t) ? Number(t) : NaN;
  if (!(Math.abs(options.now() - sentAt) <= options.maxClockSkewMs)) return TIME_INVALID;

  const names = header(req.headers, 'signature-headers');
  const signedHeaders = names?.split(':').map((name): [string, string] => {
    return [name, header(req.headers, name.toLowerCase()) ?? ''];
  });
  const expected = computeSign({
    clientId,
    secret: options.accessKey,
    t,
    accessToken: isTokenCall ? undefined : accessToken,
    nonce: header(req.headers, 'nonce'),
    method: req.method,
    target: req.target,
    body: req.body,
    signedHeaders,
  });
  if (!signsEqual(sign, expected)) return SIGN_INVALID;

  if (!isTokenCall && (!accessToken || !tokens.isValid(accessToken))) return TOKEN_INVALID;
  return undefined;
}
