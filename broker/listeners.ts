import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer } from 'node:tls';
import { WebSocketServer, createWebSocketStream } from 'ws';

/**
 * The three ways in: MQTT over TCP, over TLS, and over WebSockets. A listener
 * only turns what arrives into a byte stream with a name for the logs; what
 * happens to the stream (limits, aedes) is the broker's business.
 */

export type ListenerProtocol = 'mqtt' | 'mqtts' | 'ws';

/** Called for each new connection; `peer` is "address:port" for log lines. */
export type ConnectionHandler = (stream: Duplex, peer: string, request?: IncomingMessage) => void;

export interface Listener {
  readonly protocol: ListenerProtocol;
  readonly host: string;
  readonly port: number;
  /** A URL a client on this machine can use. */
  readonly url: string;
  /** Stops accepting; connections already open are the broker's to close. */
  close(): Promise<void>;
}

export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

export async function listenTcp(
  host: string,
  port: number,
  onConnection: ConnectionHandler,
): Promise<Listener> {
  // Small MQTT packets must not wait for Nagle's algorithm: a reply queued behind
  // an unacknowledged write otherwise waits for the peer's delayed ACK (~40 ms).
  const server = createNetServer({ noDelay: true }, (socket) => onConnection(socket, peerOf(socket)));
  return started('mqtt', server, host, port, () => closeServer(server));
}

export async function listenTls(
  host: string,
  port: number,
  files: TlsFiles,
  onConnection: ConnectionHandler,
  onHandshakeError: (peer: string, error: Error) => void,
): Promise<Listener> {
  const server = createTlsServer(
    { cert: readPem(files.certFile, 'certificate'), key: readPem(files.keyFile, 'key'), minVersion: 'TLSv1.2', noDelay: true },
    (socket) => onConnection(socket, peerOf(socket)),
  );
  server.on('tlsClientError', (error, socket) => onHandshakeError(peerOf(socket), error));
  return started('mqtts', server, host, port, () => closeServer(server));
}

/**
 * MQTT over WebSockets on a port of its own. `maxPayload` bounds what ws buffers
 * for one message before the broker's packet-size check ever sees it.
 */
export async function listenWebSocket(
  host: string,
  port: number,
  maxPayload: number,
  onConnection: ConnectionHandler,
): Promise<Listener> {
  const http = createHttpServer((_request, response) => {
    response.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' });
    response.end('MQTT over WebSockets: connect with a WebSocket client\n');
  });
  const wss = new WebSocketServer({ server: http, maxPayload, perMessageDeflate: false });
  wss.on('connection', (socket, request) => {
    onConnection(createWebSocketStream(socket), peerOf(request.socket), request);
  });
  return started('ws', http, host, port, async () => {
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    http.closeAllConnections();
    await closeServer(http);
  });
}

async function started(
  protocol: ListenerProtocol,
  server: Server,
  host: string,
  port: number,
  close: () => Promise<void>,
): Promise<Listener> {
  await new Promise<void>((resolve, reject) => {
    const fail = (err: Error): void => {
      reject(new Error(`cannot listen for ${protocol} on ${host}:${port}: ${err.message}`));
    };
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const url = `${protocol}://${urlHost.includes(':') ? `[${urlHost}]` : urlHost}:${bound}`;
  return { protocol, host, port: bound, url, close };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function readPem(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    const reason = (err as Error).message;
    throw new Error(`cannot read the TLS ${what} file ${file}: ${reason} (for a local one: npm run make-cert)`);
  }
}

function peerOf(socket: Socket): string {
  const address = socket.remoteAddress ?? 'unknown';
  return `${address.includes(':') ? `[${address}]` : address}:${socket.remotePort ?? 0}`;
}
