import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import rateLimit from '@fastify/rate-limit';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { Dispatcher } from '../commands/dispatcher.js';
import { parseCommand } from '../commands/parse.js';
import { errorReply, stateReply } from '../commands/reply.js';
import type { Reply } from '../commands/reply.js';
import { BridgeError, quote } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import { ConfigError } from '../config/load.js';
import type { CloudHealth } from '../features/cloud-health.js';
import type { Logger } from '../log/logger.js';
import { PAGE } from './page.js';
import type { PlugRegistry } from '../plugs/registry.js';

export interface HttpApiOptions {
  host: string;
  port: number;
  dispatcher: Dispatcher;
  registry: PlugRegistry;
  cloud: CloudHealth;
  mqttConnected: () => boolean;
  /** Called with each successful control reply, so MQTT listeners see HTTP-made changes. */
  onControl: (reply: Reply) => void;
  maxPayloadBytes: number;
  /** Bearer token required on /api/*; empty for none (loopback only, checked at startup). */
  token: string;
  /** Serve HTTPS with these PEM files. */
  tls: { certFile: string; keyFile: string } | undefined;
  /** Requests per minute per client address; 0 for no limit. */
  rateLimitPerMinute: number;
  logger: Logger;
  now?: () => number;
}

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  invalid_json: 400,
  invalid_utf8: 400,
  invalid_command: 400,
  unknown_action: 400,
  unknown_device: 404,
  payload_too_large: 413,
  rate_limited: 429,
  unauthorized: 401,
  device_offline: 503,
  shutting_down: 503,
  device_error: 502,
  cloud_auth: 502,
  cloud_quota: 502,
  cloud_unreachable: 502,
  cloud_error: 502,
  timeout: 504,
};

export function httpStatusFor(reply: Reply): number {
  if (reply.status === 'ok' || !reply.error) return 200;
  return HTTP_STATUS[reply.error.code] ?? 500;
}

/** The seed's HTTP API: /health, /api/status and /api/control, same JSON as MQTT. */
export async function startHttpApi(options: HttpApiOptions): Promise<{ app: FastifyInstance; port: number }> {
  const now = options.now ?? Date.now;
  const startedAt = now();
  const https = options.tls ? readTlsFiles(options.tls) : undefined;
  // requestTimeout: a client that stops sending mid-body is cut off instead of holding a socket.
  const app = Fastify({
    logger: false,
    bodyLimit: options.maxPayloadBytes,
    requestTimeout: 10_000,
    ...(https ? { https } : {}),
  });
  const fail = (code: ErrorCode, message: string): Reply => errorReply(new BridgeError(code, message), undefined, { now: now() });

  if (options.rateLimitPerMinute > 0) {
    await app.register(rateLimit, {
      max: options.rateLimitPerMinute,
      timeWindow: 60_000,
      errorResponseBuilder: (_request, context) => {
        options.logger.warn('HTTP client over its rate limit', { client: _request.ip });
        return { ...fail('rate_limited', `more than ${context.max} requests a minute from this address`), statusCode: 429 };
      },
    });
  }

  if (options.token !== '') {
    const expected = digest(options.token);
    app.addHook('onRequest', async (request, reply) => {
      if (!request.url.startsWith('/api/')) return; // /health stays open for probes
      // The scheme name is case-insensitive (RFC 7235); the token is not.
      const match = /^bearer +(.+)$/i.exec(request.headers.authorization ?? '');
      const given = match?.[1]?.trim() ?? '';
      // Digests have one length whatever was sent, so the comparison takes one time.
      if (given !== '' && timingSafeEqual(digest(given), expected)) return;
      options.logger.warn('HTTP request without a valid token', { client: request.ip, path: request.url.split('?')[0] });
      return reply.status(401).header('www-authenticate', 'Bearer').send(fail('unauthorized', 'missing or wrong bearer token'));
    });
  }

  // Bodies are parsed by the same parser as MQTT payloads: same rules, same codes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, _request, reply) => {
    const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    let failure: BridgeError;
    if (status === 429) {
      failure = new BridgeError('rate_limited', 'too many requests from this address; wait a minute');
    } else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      failure = new BridgeError('payload_too_large', `payload is larger than the limit of ${options.maxPayloadBytes} bytes`);
    } else if (status === 500) {
      options.logger.error(`HTTP handler failed: ${error.stack ?? error.message}`);
      failure = new BridgeError('internal', 'internal error; see the bridge log');
    } else {
      failure = new BridgeError('invalid_command', error.message);
    }
    if (status !== 500) options.logger.warn(`Rejected HTTP request: ${failure.message}`, { code: failure.code });
    void reply.status(status).send(errorReply(failure, undefined, { now: now() }));
  });

  app.setNotFoundHandler((request, reply) => {
    const error = new BridgeError('invalid_command', `no such endpoint: ${request.method} ${quote(request.url.split('?')[0] ?? '')}`);
    void reply.status(404).send(errorReply(error, undefined, { now: now() }));
  });

  // The page itself holds no data: everything it shows comes from /api/*, behind the token.
  app.get('/', async (_request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'")
      .send(PAGE),
  );

  app.get('/health', async (_request, reply) => {
    const mqtt = options.mqttConnected();
    const healthy = mqtt && options.cloud.healthy;
    const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
    return reply.status(healthy ? 200 : 503).send({
      status: healthy ? 'ok' : 'unhealthy',
      mqtt: { connected: mqtt },
      cloud: {
        healthy: options.cloud.healthy,
        last_success: iso(options.cloud.lastSuccessAt),
        last_failure: iso(options.cloud.lastFailureAt),
        last_error: options.cloud.lastFailureCode,
      },
      plugs: options.registry.all().length,
      uptime_s: Math.round((now() - startedAt) / 1000),
    });
  });

  app.get<{ Querystring: { device?: string | string[] } }>('/api/status', async (request, reply) => {
    const device = request.query.device;
    if (Array.isArray(device)) {
      const error = new BridgeError('invalid_command', 'give "device" once');
      return reply.status(400).send(errorReply(error, undefined, { now: now() }));
    }
    if (device === undefined) {
      return { plugs: options.registry.all().map((plug) => stateReply(plug, { now: now() })) };
    }
    const plug = options.registry.find(device);
    if (!plug) {
      const error = new BridgeError('unknown_device', `no plug is called ${quote(device)}`);
      return reply.status(404).send(errorReply(error, undefined, { now: now() }));
    }
    return stateReply(plug, { now: now() });
  });

  app.post('/api/control', async (request, reply) => {
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const parsed = parseCommand(body, { maxPayloadBytes: options.maxPayloadBytes });
    let answer: Reply;
    if (parsed.ok) {
      answer = await options.dispatcher.execute(parsed.command);
      if (answer.status === 'ok' && parsed.command.action !== 'status') options.onControl(answer);
    } else {
      options.logger.warn(`Rejected HTTP command: ${parsed.error.message}`, { code: parsed.error.code });
      const plug = parsed.device !== undefined ? options.registry.find(parsed.device) : undefined;
      answer = errorReply(parsed.error, plug, { id: parsed.id, now: now() });
    }
    return reply.status(httpStatusFor(answer)).send(answer);
  });

  app.get('/api/control', async (_request, reply) => {
    const error = new BridgeError('invalid_command', 'use POST for /api/control');
    return reply.status(405).header('allow', 'POST').send(errorReply(error, undefined, { now: now() }));
  });

  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  options.logger.info(`HTTP API listening on ${https ? 'https' : 'http'}://${options.host}:${port}`, {
    authentication: options.token !== '' ? 'bearer token' : 'none (loopback only)',
  });
  return { app, port };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Reads and checks the HTTPS files now, so a wrong path or a swapped pair names the file. */
function readTlsFiles(files: { certFile: string; keyFile: string }): { cert: Buffer; key: Buffer } {
  const read = (path: string, what: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new ConfigError(`invalid configuration: cannot read the HTTPS ${what} ${path}: ${(err as Error).message}`);
    }
  };
  const cert = read(files.certFile, 'certificate (HTTP_TLS_CERT)');
  const key = read(files.keyFile, 'key (HTTP_TLS_KEY)');
  try {
    createSecureContext({ cert, key });
  } catch (err) {
    throw new ConfigError(
      `invalid configuration: HTTP_TLS_CERT ${files.certFile} and HTTP_TLS_KEY ${files.keyFile} do not make a ` +
        `certificate and its key (swapped?): ${(err as Error).message}`,
    );
  }
  return { cert, key };
}
