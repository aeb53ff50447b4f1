import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { Aedes } from 'aedes';

/** The smallest logger the broker needs, so it can run without the bridge. */
export interface BrokerLogger {
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
}

export interface EmbeddedBrokerOptions {
  host: string;
  port: number;
  /** Whether clients may connect without a username (only allowed on loopback). */
  allowAnonymous: boolean;
  logger?: BrokerLogger;
}

export interface EmbeddedBroker {
  readonly aedes: Aedes;
  readonly host: string;
  readonly port: number;
  /** mqtt://host:port a client on this machine can use. */
  readonly url: string;
  close(): Promise<void>;
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/i;

export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}

/**
 * Starts Aedes on a TCP listener. The bridge reaches it as any other MQTT
 * client over a socket, so the embedded broker can be swapped for mosquitto.
 */
export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  if (options.allowAnonymous && !isLoopback(options.host)) {
    throw new Error(
      `refusing to run an open broker on ${options.host}: anonymous clients could switch your plugs. ` +
        'Listen on 127.0.0.1, or configure broker users.',
    );
  }

  const aedes = await Aedes.createBroker();
  const logger = options.logger;
  aedes.on('clientError', (client, err) => logger?.warn(`Client ${client.id} error: ${err.message}`));
  aedes.on('connectionError', (_client, err) => logger?.warn(`Connection error: ${err.message}`));

  const server: Server = createServer(aedes.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  logger?.info(`Embedded broker listening on ${options.host}:${port}`);

  return {
    aedes,
    host: options.host,
    port,
    url: `mqtt://${urlHost.includes(':') ? `[${urlHost}]` : urlHost}:${port}`,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // server.close waits for every client; the broker closes them.
        aedes.close(() => undefined);
      });
    },
  };
}
