import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { Dispatcher } from '../commands/dispatcher.js';
import { parseCommand } from '../commands/parse.js';
import { errorReply, stateReply } from '../commands/reply.js';
import type { Reply } from '../commands/reply.js';
import { BridgeError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import type { CloudHealth } from '../features/cloud-health.js';
import type { Logger } from '../log/logger.js';
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
  const app = Fastify({ logger: false, bodyLimit: options.maxPayloadBytes });

  // Bodies are parsed by the same parser as MQTT payloads: same rules, same codes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, _request, reply) => {
    const code: ErrorCode = error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'payload_too_large' : 'invalid_command';
    const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) options.logger.error(`HTTP handler failed: ${error.stack ?? error.message}`);
    void reply.status(status).send(errorReply(new BridgeError(status === 500 ? 'internal' : code, error.message), undefined, { now: now() }));
  });

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

  app.get<{ Querystring: { device?: string } }>('/api/status', async (request, reply) => {
    const device = request.query.device;
    if (device === undefined) {
      return { plugs: options.registry.all().map((plug) => stateReply(plug, { now: now() })) };
    }
    const plug = options.registry.find(device);
    if (!plug) {
      const error = new BridgeError('unknown_device', `no plug is called "${device}"`);
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

  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  options.logger.info(`HTTP API listening on http://${options.host}:${port}`);
  return { app, port };
}
