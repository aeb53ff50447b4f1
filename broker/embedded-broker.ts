import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Aedes } from 'aedes';
import type { Client } from 'aedes';
import { BrokerAccess, ConnectionRefused } from './access.js';
import { DEFAULT_LIMITS, GuardedConnection, PacketTooLargeError } from './limits.js';
import type { BrokerLimits } from './limits.js';
import { listenTcp, listenTls, listenWebSocket } from './listeners.js';
import type { ConnectionHandler, Listener, ListenerProtocol } from './listeners.js';
import { LogThrottle } from './log-throttle.js';
import { UserDirectory } from './users.js';
import type { BrokerUser } from './users.js';

/** The smallest logger the broker needs, so it can run without the bridge. */
export interface BrokerLogger {
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
}

export interface TlsListenerOptions {
  /** Port of MQTT over TLS (mqtts; 8883 is usual; 0: any free port). */
  port: number;
  /** PEM certificate (chain) file. */
  certFile: string;
  /** PEM private key file. */
  keyFile: string;
  /** Defaults to the TCP listener's host. */
  host?: string;
}

export interface WebSocketListenerOptions {
  /** Port of MQTT over WebSockets (ws; 0: any free port). */
  port: number;
  /** Defaults to the TCP listener's host. */
  host?: string;
}

export interface EmbeddedBrokerOptions extends Partial<BrokerLimits> {
  /** Address of the plain MQTT listener; the bridge itself connects here. */
  host: string;
  /** Port of the plain MQTT listener (0: any free port). */
  port: number;
  /**
   * Whether clients may connect without a username, with full access and no
   * rate limit. Allowed only while every listener is on loopback. With no
   * users configured, any credentials are accepted as anonymous (as mosquitto).
   */
  allowAnonymous: boolean;
  /** Accounts with hashed passwords and access lists. Default: none. */
  users?: readonly BrokerUser[];
  tls?: TlsListenerOptions;
  websocket?: WebSocketListenerOptions;
  logger?: BrokerLogger;
}

export interface ListenerAddress {
  readonly protocol: ListenerProtocol;
  readonly host: string;
  readonly port: number;
  readonly url: string;
}

export interface EmbeddedBroker {
  readonly aedes: Aedes;
  /** Host and port of the plain MQTT listener. */
  readonly host: string;
  readonly port: number;
  /** mqtt://host:port a client on this machine can use. */
  readonly url: string;
  /** Every listener: plain MQTT first, then TLS and WebSockets when configured. */
  readonly listeners: readonly ListenerAddress[];
  close(): Promise<void>;
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/i;

export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}

/**
 * Starts Aedes behind a plain MQTT listener and, when configured, TLS and
 * WebSocket ones, all with the same users, access lists and limits. The bridge
 * reaches it as any other MQTT client over a socket, so the embedded broker can
 * be swapped for mosquitto.
 */
export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const limits = resolveLimits(options);
  const users = new UserDirectory(options.users ?? []);
  checkExposure(options, users.size);

  const logger = options.logger;
  const throttle = new LogThrottle((message) => logger?.warn(message));
  const warn = (key: string, message: () => string): void => throttle.log(key, message);
  const peers = new WeakMap<object, string>();
  const peerOf = (client: Client): string => peers.get(client.conn) ?? 'unknown address';
  const access = new BrokerAccess({ users, allowAnonymous: options.allowAnonymous, limits, warn, peerOf });

  const aedes = await Aedes.createBroker({
    authenticate: access.authenticate,
    authorizePublish: access.authorizePublish,
    authorizeSubscribe: access.authorizeSubscribe,
  });
  aedes.on('client', (client) => access.registered(client));
  aedes.on('clientDisconnect', (client) => access.disconnected(client));
  const onError = (client: Client, err: Error): void => {
    if (err instanceof ConnectionRefused) return;
    const separator = err instanceof PacketTooLargeError ? ' ' : ': ';
    warn(`error:${peerOf(client)}`, () => `${access.name(client)}${separator}${err.message}`);
  };
  aedes.on('clientError', onError);
  aedes.on('connectionError', onError);

  // Counted here rather than per server, so the limit spans all listeners and
  // also covers connections that have not sent CONNECT yet.
  const open = new Set<Duplex>();
  const accept: ConnectionHandler = (stream: Duplex, peer: string, request?: IncomingMessage) => {
    if (limits.maxConnections > 0 && open.size >= limits.maxConnections) {
      warn('connections', () => `Connection limit of ${limits.maxConnections} reached: refused ${peer}`);
      stream.destroy();
      return;
    }
    const guarded = new GuardedConnection(stream, limits.maxPacketSize);
    open.add(guarded);
    guarded.once('close', () => open.delete(guarded));
    peers.set(guarded, peer);
    aedes.handle(guarded, request);
  };

  const listeners: Listener[] = [];
  const closeAll = async (): Promise<void> => {
    const stopping = listeners.map((listener) => listener.close());
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    // Connections that never sent CONNECT are not aedes clients; they would hold the servers open.
    for (const stream of open) stream.destroy();
    await Promise.all(stopping);
  };

  try {
    listeners.push(await listenTcp(options.host, options.port, accept));
    if (options.tls) {
      const { host = options.host, port, certFile, keyFile } = options.tls;
      const onHandshakeError = (peer: string, err: Error): void =>
        warn(`tls:${peer.replace(/:\d+$/, '')}`, () => `TLS handshake with ${peer} failed: ${err.message}`);
      listeners.push(await listenTls(host, port, { certFile, keyFile }, accept, onHandshakeError));
    }
    if (options.websocket) {
      const { host = options.host, port } = options.websocket;
      // Twice the packet limit: room for a client that sends two packets in one message.
      listeners.push(await listenWebSocket(host, port, limits.maxPacketSize * 2, accept));
    }
  } catch (err) {
    await closeAll();
    throw err;
  }

  const tcp = listeners[0] as Listener;
  for (const { protocol, host, port } of listeners) {
    logger?.info(`Embedded broker listening on ${protocol}://${host}:${port}`);
  }
  return {
    aedes,
    host: tcp.host,
    port: tcp.port,
    url: tcp.url,
    listeners: listeners.map(({ protocol, host, port, url }) => ({ protocol, host, port, url })),
    close: closeAll,
  };
}

/**
 * Secure defaults: a listener reachable from the network needs users, and
 * anonymous full access is for loopback only. Throws with what to change.
 */
function checkExposure(options: EmbeddedBrokerOptions, userCount: number): void {
  const hosts = [
    { what: 'mqtt', host: options.host },
    ...(options.tls ? [{ what: 'mqtts', host: options.tls.host ?? options.host }] : []),
    ...(options.websocket ? [{ what: 'ws', host: options.websocket.host ?? options.host }] : []),
  ];
  const exposed = hosts.filter(({ host }) => !isLoopback(host)).map(({ what, host }) => `${what} on ${host}`);
  if (exposed.length > 0 && options.allowAnonymous) {
    throw new Error(
      `refusing to run an open broker (${exposed.join(', ')}): anonymous clients could switch your plugs. ` +
        'Listen on 127.0.0.1 only, or turn anonymous access off and configure broker users.',
    );
  }
  if (exposed.length > 0 && userCount === 0) {
    throw new Error(
      `refusing to listen beyond this machine (${exposed.join(', ')}) without broker users: ` +
        'configure users with password hashes from "npm run hash-password", or listen on 127.0.0.1 only.',
    );
  }
  if (userCount === 0 && !options.allowAnonymous) {
    throw new Error(
      'no client could log in to the embedded broker: configure broker users, or allow anonymous clients on loopback',
    );
  }
}

function resolveLimits(options: Partial<BrokerLimits>): BrokerLimits {
  const limits = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(DEFAULT_LIMITS) as Array<keyof BrokerLimits>) {
    const value = options[key];
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < 0) {
      throw new Error(`broker ${key} must be a number of at least 0, not ${value}`);
    }
    limits[key] = value;
  }
  // CONNECT alone takes a few dozen bytes with a username and password.
  if (limits.maxPacketSize < 128) {
    throw new Error(`broker maxPacketSize must be at least 128 bytes, not ${limits.maxPacketSize}`);
  }
  return limits;
}
