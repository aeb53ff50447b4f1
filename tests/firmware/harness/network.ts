// The board's IP stack: real TCP sockets to the test's broker and HTTP server, gated by Wi-Fi.
// When the radio goes away (Wi-Fi drop, power-off) the sockets are severed: nothing more is
// sent or delivered and no event reaches the board, while the peer keeps a silent connection,
// as it would with a board that vanished, until its own timeout (MQTT keepalive) closes it.

import net from 'node:net';
import { Duplex } from 'node:stream';

/** Anything holding a connection the radio loss must cut. */
export interface Link {
  sever(): void;
}

/** Espruino's message when the network is not up (jswrap_net.c networkGetFromVarIfOnline). */
export const OFFLINE_MESSAGE = 'Not connected to the internet';

export class BoardNetwork {
  private readonly links = new Set<Link>();
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly online: () => boolean) {}

  isOnline(): boolean {
    return this.online();
  }

  /** A TCP connection as a stream the MQTT client can use; throws when Wi-Fi is down. */
  openTcp(host: string, port: number): GatedSocket {
    if (!this.online()) throw new Error(OFFLINE_MESSAGE);
    const socket = net.connect({ host, port });
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    const gated = new GatedSocket(socket);
    this.track(gated);
    return gated;
  }

  /** Registers a link; returns a function that unregisters it once it has ended by itself. */
  track(link: Link): () => void {
    this.links.add(link);
    return () => this.links.delete(link);
  }

  /** The radio is gone: every open link falls silent. */
  severAll(): void {
    for (const link of [...this.links]) link.sever();
    this.links.clear();
  }

  /** Close everything, severed sockets included: an interpreter reset, or test teardown. */
  destroyAll(): void {
    this.severAll();
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }
}

/** A socket wrapper whose traffic can be cut without the socket closing. */
export class GatedSocket extends Duplex implements Link {
  private severed = false;
  private connected = false;

  constructor(private readonly raw: net.Socket) {
    super();
    raw.on('connect', () => {
      this.connected = true;
      if (!this.severed) this.emit('connect');
    });
    raw.on('data', (chunk: Buffer) => {
      if (!this.severed) this.push(chunk);
    });
    raw.on('end', () => {
      if (!this.severed) this.push(null);
    });
    raw.on('error', (err) => {
      if (!this.severed) this.destroy(err);
    });
    raw.on('close', () => {
      if (!this.severed) this.destroy();
    });
  }

  /** True once TCP connected, so a failure before that is a refused/unreachable connect. */
  get isConnected(): boolean {
    return this.connected;
  }

  sever(): void {
    if (this.severed) return;
    this.severed = true;
    // Keep reading and discarding so the peer sees a live but silent TCP connection.
    this.raw.on('data', () => undefined);
    this.raw.on('error', () => undefined);
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (!this.severed && !this.raw.destroyed) this.raw.write(chunk);
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (!this.severed) this.raw.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.severed) this.raw.destroy();
    callback(error);
  }
}
