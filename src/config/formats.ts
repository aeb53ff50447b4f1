import convict from 'convict';
import { TUYA_REGIONS } from '../tuya/cloud/regions.js';
import type { PlugConfig } from './schema.js';

/**
 * The formats the schema's keys use, registered with convict once. Each
 * rejects with a message saying what the key accepts.
 */
export const REGIONS: string[] = [...TUYA_REGIONS];

function assertPlugList(value: unknown): void {
  if (!Array.isArray(value)) throw new Error('must be a list of {"name","id"} objects');
  value.forEach((plug: unknown, index) => {
    const entry = plug as Partial<PlugConfig> | null;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new Error(`entry ${index} must be an object like {"name":"desk lamp","id":"bf..."}`);
    }
    if (typeof entry.name !== 'string' || entry.name.trim() === '') {
      throw new Error(`entry ${index} needs a non-empty "name"`);
    }
    if (typeof entry.id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(entry.id)) {
      throw new Error(`entry ${index} ("${entry.name}") needs an "id" of letters, digits, _ or -`);
    }
    const extra = Object.keys(entry).filter((key) => key !== 'name' && key !== 'id');
    if (extra.length > 0) throw new Error(`entry ${index} ("${entry.name}") has unknown keys: ${extra.join(', ')}`);
  });
}

/**
 * Whole numbers within a range. convict's own 'nat' and 'port' parse loosely
 * ("1e4" is 1, "8080abc" is 8080), so environment strings are accepted here
 * only when they are plain digits; anything else fails validation by name.
 */
export function wholeNumber(name: string, min: number, max: number, zeroAllowed = false): string {
  convict.addFormat({
    name,
    coerce: (value: unknown) => (typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value),
    validate(value: unknown) {
      const ok = typeof value === 'number' && Number.isInteger(value) && ((value >= min && value <= max) || (zeroAllowed && value === 0));
      if (!ok) {
        const range = `a whole number from ${min} to ${max}`;
        throw new Error(`must be ${zeroAllowed ? `0 or ${range}` : range}, not ${JSON.stringify(value)}`);
      }
    },
  });
  return name;
}

export const PORT = wholeNumber('port-number', 0, 65535);
export const MILLISECONDS = wholeNumber('milliseconds', 100, 3_600_000);
export const POLL_SECONDS = wholeNumber('poll-seconds', 10, 86_400, true);
export const COUNT = wholeNumber('count', 1, 1_000_000, true);
export const PAYLOAD_BYTES = wholeNumber('payload-bytes', 64, 268_435_455);

const BOOLEAN_WORDS: Record<string, boolean> = { true: true, false: false, yes: true, no: false, on: true, off: false, '1': true, '0': false };

convict.addFormat({
  name: 'switch',
  coerce: (value: unknown) => (typeof value === 'string' ? (BOOLEAN_WORDS[value.trim().toLowerCase()] ?? value) : value),
  validate(value: unknown) {
    if (typeof value !== 'boolean') throw new Error(`must be true or false, not ${JSON.stringify(value)}`);
  },
});

convict.addFormat({
  name: 'broker-users',
  coerce(value: unknown) {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  },
  // Hashes and filters are checked in depth by the broker at startup; this catches the shape.
  validate(value: unknown) {
    if (!Array.isArray(value)) throw new Error('must be a list of {"username","passwordHash","publish","subscribe"}');
    value.forEach((user: unknown, index) => {
      const entry = user as Record<string, unknown> | null;
      if (typeof entry !== 'object' || entry === null || typeof entry['username'] !== 'string' || entry['username'] === '') {
        throw new Error(`entry ${index} needs a "username"`);
      }
      if (typeof entry['passwordHash'] !== 'string' || !entry['passwordHash'].startsWith('scrypt$')) {
        throw new Error(`user "${entry['username']}" needs a "passwordHash" from npm run hash-password`);
      }
      for (const key of ['publish', 'subscribe']) {
        const list = entry[key];
        if (!Array.isArray(list) || list.some((filter) => typeof filter !== 'string')) {
          throw new Error(`user "${entry['username']}" needs "${key}": a list of topic filters`);
        }
      }
      const extra = Object.keys(entry).filter((key) => !['username', 'passwordHash', 'publish', 'subscribe'].includes(key));
      if (extra.length > 0) throw new Error(`user "${entry['username']}" has unknown keys: ${extra.join(', ')}`);
    });
  },
});

convict.addFormat({
  name: 'plug-list',
  validate: assertPlugList,
  coerce(value: unknown) {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value; // left as text so that validate() reports it with the key's name
    }
  },
});

convict.addFormat({
  name: 'base-topic',
  validate(value: unknown) {
    if (typeof value !== 'string' || value === '') throw new Error('must be a non-empty topic');
    const levels = value.split('/');
    if (levels.some((level) => level === '')) throw new Error('must not start or end with "/" or contain "//"');
    if (/[#+\u0000]/.test(value)) throw new Error('must not contain the wildcards "#", "+" or NUL');
  },
});

convict.addFormat({
  name: 'optional-url',
  validate(value: unknown) {
    if (value === '') return;
    if (typeof value !== 'string') throw new Error('must be a URL');
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      // Not echoed: a mistyped URL may still carry a password.
      throw new Error('is not a URL (expected e.g. mqtt://host:1883)');
    }
    if (!['mqtt:', 'mqtts:', 'ws:', 'wss:', 'http:', 'https:', 'tcp:'].includes(url.protocol)) {
      throw new Error(`unsupported scheme ${url.protocol}`);
    }
  },
});
