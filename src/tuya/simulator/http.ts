import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The HTTP side of the simulated cloud: which endpoint a request is for, its
 * body, and Tuya's answer envelope (facts §4). Tuya answers errors with HTTP
 * 200 and `success:false`, so every answer here is a 200.
 */

/** The endpoints served, named the way callCounts() reports them. */
export const ENDPOINTS = [
  'GET /v1.0/token',
  'GET /v1.0/token/{refresh_token}',
  'POST /v1.0/iot-03/devices/{id}/commands',
  'GET /v1.0/iot-03/devices/status',
  'GET /v1.0/iot-03/devices/{id}/status',
  'GET /v1.0/iot-03/devices/{id}/specification',
  'GET /v1.0/iot-03/devices/{id}',
  'GET /v1.0/users/{uid}/devices',
] as const;

export type Endpoint = (typeof ENDPOINTS)[number];

/** Counted under this name: a path no endpoint matches (Tuya answers 1108). */
export const UNKNOWN_ENDPOINT = 'unknown';

export interface MatchedRoute {
  endpoint: Endpoint;
  /** The `{…}` segments of the path, decoded, in order. */
  params: string[];
  query: URLSearchParams;
}

interface Route {
  method: string;
  segments: string[];
  endpoint: Endpoint;
}

// Listed in ENDPOINTS order, so the literal `devices/status` wins over `devices/{id}`.
const ROUTES: Route[] = ENDPOINTS.map((endpoint) => {
  const [method = '', path = ''] = endpoint.split(' ');
  return { method, segments: path.split('/').slice(1), endpoint };
});

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function matchRoute(method: string, target: string): MatchedRoute | undefined {
  const mark = target.indexOf('?');
  const path = mark < 0 ? target : target.slice(0, mark);
  const query = new URLSearchParams(mark < 0 ? '' : target.slice(mark + 1));
  const segments = path.split('/').slice(1);

  for (const route of ROUTES) {
    if (route.method !== method || route.segments.length !== segments.length) continue;
    const params: string[] = [];
    const matches = route.segments.every((expected, i) => {
      const actual = segments[i] ?? '';
      if (!expected.startsWith('{')) return expected === actual;
      params.push(decodeSegment(actual));
      return actual !== '';
    });
    if (matches) return { endpoint: route.endpoint, params, query };
  }
  return undefined;
}

/** The whole body, or undefined when it is larger than `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Keep draining past the limit so that the answer can still be sent on this socket.
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > limit ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Tuya's `msg` texts for the codes the simulator answers with. */
export const TUYA_MESSAGES: Readonly<Record<number, string>> = {
  500: 'system error',
  1003: 'invalid grant type',
  1004: 'sign invalid',
  1010: 'token invalid',
  1012: 'token status is invalid',
  1013: 'request time is invalid',
  1104: 'type is incorrect',
  1105: 'missing the header',
  1106: 'permission deny',
  1108: 'uri path invalid',
  1109: 'param is illegal',
  2001: 'device is offline',
  2008: 'command or value not support',
  2010: 'device not exist',
  28841004: 'No permissions. Your quota of Trial Edition is used up.',
};

/** Builds envelopes with Tuya's `t` (server time) and a unique `tid` per answer. */
export class Envelopes {
  // The random prefix keeps tids unique across instances; a counter is cheaper than randomness.
  private readonly prefix = randomBytes(4).toString('hex');
  private sequence = 0;

  constructor(private readonly now: () => number) {}

  ok(result: unknown): string {
    return JSON.stringify({ success: true, result, t: this.now(), tid: this.nextTid() });
  }

  fail(code: number): string {
    const msg = TUYA_MESSAGES[code] ?? 'system error';
    return JSON.stringify({ success: false, code, msg, t: this.now(), tid: this.nextTid() });
  }

  private nextTid(): string {
    this.sequence += 1;
    return this.prefix + this.sequence.toString(16).padStart(24, '0');
  }
}

export function sendJson(res: ServerResponse, json: string): void {
  res.writeHead(200, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(json),
  });
  res.end(json);
}
