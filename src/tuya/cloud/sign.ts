import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Tuya's current ("v2") request signature, as pure functions. The client signs
 * what it is about to send and the simulator recomputes the same value from the
 * bytes it received, so both sides must go through exactly this code.
 *
 *   stringToSign = METHOD \n sha256(body) \n signedHeaderLines \n url
 *   sign = HMAC-SHA256(secret, clientId + [accessToken] + t + [nonce] + stringToSign), upper hex
 */

export const SIGN_METHOD = 'HMAC-SHA256';

/** sha256 of an empty body: what every GET signs. */
export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export interface SignInput {
  clientId: string;
  /** The project's Access Secret (the HMAC key). */
  secret: string;
  /** 13-digit epoch milliseconds, exactly as sent in the `t` header. */
  t: string;
  /** Only for business requests; token requests are signed without one. */
  accessToken?: string;
  /** Optional; when sent as a header it must be signed too. */
  nonce?: string;
  method: string;
  /** Path plus query as it goes on the wire, e.g. `/v1.0/token?grant_type=1`. */
  target: string;
  /** The exact body bytes; empty or absent for a GET. */
  body?: string | Uint8Array;
  /** Header names listed in `Signature-Headers`, in that order, with their values. */
  signedHeaders?: ReadonlyArray<readonly [name: string, value: string]>;
}

export function sha256Hex(body: string | Uint8Array): string {
  if (body.length === 0) return EMPTY_BODY_SHA256;
  return createHash('sha256').update(body).digest('hex');
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // A malformed escape cannot have been produced by a client that signed the
    // decoded form, so signing the raw text simply makes the signature not match.
    return text;
  }
}

/**
 * The URL part of the string to sign: the decoded path, then the query
 * parameters sorted by key and joined without URL-encoding (Tuya signs before
 * encoding). The host is never part of it.
 */
export function signedUrl(target: string): string {
  const mark = target.indexOf('?');
  if (mark < 0) return safeDecode(target);

  const path = safeDecode(target.slice(0, mark));
  const params = [...new URLSearchParams(target.slice(mark + 1))];
  if (params.length === 0) return path;
  // Array.prototype.sort is stable, so repeated keys keep their order.
  params.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `${path}?${params.map(([key, value]) => `${key}=${value}`).join('&')}`;
}

/**
 * `name:value\n` per signed header. Each line brings its own newline, which is
 * why a request without signed headers has an empty line before the URL.
 */
export function signedHeaderLines(headers: SignInput['signedHeaders']): string {
  if (!headers || headers.length === 0) return '';
  return headers.map(([name, value]) => `${name}:${value}\n`).join('');
}

export type SignedRequest = Pick<SignInput, 'method' | 'target' | 'body' | 'signedHeaders'>;

export function stringToSign(input: SignedRequest): string {
  return [
    input.method.toUpperCase(),
    sha256Hex(input.body ?? ''),
    signedHeaderLines(input.signedHeaders),
    signedUrl(input.target),
  ].join('\n');
}

/** The `sign` header value: 64 upper-case hex characters. */
export function computeSign(input: SignInput): string {
  const prefix = input.clientId + (input.accessToken ?? '') + input.t + (input.nonce ?? '');
  return createHmac('sha256', input.secret)
    .update(prefix + stringToSign(input))
    .digest('hex')
    .toUpperCase();
}

/** Compares a received sign with the expected one without leaking where they differ. */
export function signsEqual(received: string, expected: string): boolean {
  const a = Buffer.from(received);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
