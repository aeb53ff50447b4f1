import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Broker passwords are stored as `scrypt$N$r$p$salt$hash` (salt and hash in
 * unpadded base64, as in the PHC string format), so that the cost parameters
 * travel with each hash and can be raised later without breaking old ones.
 */

export interface ScryptParams {
  /** CPU and memory cost, a power of two. */
  N: number;
  /** Block size. */
  r: number;
  /** Parallelism. */
  p: number;
}

/**
 * 2^14 with r=8 is scrypt's interactive-login setting: about 16 MiB and some
 * tens of milliseconds a check, paid once per MQTT connection.
 */
export const DEFAULT_SCRYPT: ScryptParams = { N: 16384, r: 8, p: 1 };

const SALT_BYTES = 16;
const HASH_BYTES = 32;
// A configured hash is input too: bound its cost so a typo cannot ask for gigabytes.
const MAX_N = 2 ** 20;
const MAX_RP = 64;

interface ParsedHash extends ScryptParams {
  salt: Buffer;
  hash: Buffer;
}

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  if (password === '') throw new Error('the password is empty');
  checkParams(params);
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(Buffer.from(password, 'utf8'), salt, HASH_BYTES, params);
  return ['scrypt', params.N, params.r, params.p, b64(salt), b64(hash)].join('$');
}

/** Whether `password` matches `stored`; the final comparison takes constant time. */
export async function verifyPassword(password: string | Buffer, stored: string): Promise<boolean> {
  const parsed = parsePasswordHash(stored);
  const candidate = typeof password === 'string' ? Buffer.from(password, 'utf8') : password;
  const derived = await derive(candidate, parsed.salt, parsed.hash.length, parsed);
  return timingSafeEqual(derived, parsed.hash);
}

/** Throws, naming what is wrong, when `stored` is not a hash this module wrote. */
export function parsePasswordHash(stored: string): ParsedHash {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') {
    throw new Error('is not of the form scrypt$N$r$p$salt$hash (make one with "npm run hash-password")');
  }
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  checkParams(params);
  const saltBytes = unb64(salt);
  const hashBytes = unb64(hash);
  if (saltBytes.length < 8) throw new Error('has a salt shorter than 8 bytes');
  if (hashBytes.length < 16) throw new Error('has a hash shorter than 16 bytes');
  return { ...params, salt: saltBytes, hash: hashBytes };
}

function checkParams({ N, r, p }: ScryptParams): void {
  if (!Number.isInteger(N) || N < 2 || N > MAX_N || (N & (N - 1)) !== 0) {
    throw new Error(`has N=${N}; it must be a power of two from 2 to ${MAX_N}`);
  }
  if (!Number.isInteger(r) || r < 1 || r > MAX_RP) throw new Error(`has r=${r}; it must be 1 to ${MAX_RP}`);
  if (!Number.isInteger(p) || p < 1 || p > MAX_RP) throw new Error(`has p=${p}; it must be 1 to ${MAX_RP}`);
}

function derive(password: Buffer, salt: Buffer, length: number, { N, r, p }: ScryptParams): Promise<Buffer> {
  // scrypt needs 128 * N * r bytes; Node refuses anything above maxmem (32 MiB by default).
  const maxmem = 128 * N * r * 2 + 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(password, salt, length, { N, r, p, maxmem }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

function b64(bytes: Buffer): string {
  return bytes.toString('base64').replace(/=+$/, '');
}

function unb64(text: string): Buffer {
  if (!/^[A-Za-z0-9+/]+$/.test(text)) throw new Error('has a salt or hash that is not base64');
  return Buffer.from(text, 'base64');
}
