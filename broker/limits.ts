import { Duplex } from 'node:stream';

type Done = (error?: Error | null) => void;

/** What the broker allows one client, and all of them together. */
export interface BrokerLimits {
  /** Open connections across all listeners, the bridge's own included; 0: no limit. */
  maxConnections: number;
  /** Largest MQTT packet a client may send, fixed header included, in bytes. */
  maxPacketSize: number;
  /** Sustained publishes a second per authenticated client; 0: no limit. */
  publishRatePerSecond: number;
  /** Publishes a client may send at once before the rate applies. */
  publishBurst: number;
}

/**
 * Room for a home: the bridge, Home Assistant and a few dozen boards; a packet
 * limit far above any real message (the bridge itself answers commands above
 * a few KiB with payload_too_large, so it must still receive them) that bounds
 * memory at about 100 MiB for a full house of connections; and a burst that
 * covers the bridge's status for 64 plugs at once.
 */
export const DEFAULT_LIMITS: BrokerLimits = {
  maxConnections: 100,
  maxPacketSize: 1024 * 1024,
  publishRatePerSecond: 50,
  publishBurst: 200,
};

/** Token bucket: `burst` tokens, refilled at `ratePerSecond`, one per message. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Takes a token if there is one. */
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export class PacketTooLargeError extends Error {
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`sent a packet of ${size} bytes, above the limit of ${limit}: connection closed`);
  }
}

/**
 * Follows MQTT framing in the bytes as they arrive and reports a packet whose
 * fixed header announces more than the limit, before its body is buffered.
 * Aedes 1.2 has no such limit and mqtt-packet buffers a whole packet before
 * parsing it, so without this one client could make the broker hold 256 MiB.
 */
export class PacketSizeCheck {
  private state: 'type' | 'length' | 'body' = 'type';
  private length = 0;
  private lengthBytes = 0;
  private remaining = 0;

  constructor(private readonly limit: number) {}

  /** The error that should close the connection, if `chunk` brings one. */
  feed(chunk: Buffer): Error | undefined {
    let at = 0;
    while (at < chunk.length) {
      if (this.state === 'body') {
        const skip = Math.min(this.remaining, chunk.length - at);
        at += skip;
        this.remaining -= skip;
        if (this.remaining === 0) this.state = 'type';
        continue;
      }
      const byte = chunk[at] as number;
      at += 1;
      if (this.state === 'type') {
        this.state = 'length';
        this.length = 0;
        this.lengthBytes = 0;
        continue;
      }
      // Remaining Length: 7 bits a byte, least significant first, at most 4 bytes [MQTT-2.2.3]
      this.length += (byte & 0x7f) * 128 ** this.lengthBytes;
      this.lengthBytes += 1;
      if (byte & 0x80) {
        if (this.lengthBytes === 4) return new Error('sent a malformed Remaining Length: connection closed');
        continue;
      }
      const size = 1 + this.lengthBytes + this.length;
      if (size > this.limit) return new PacketTooLargeError(size, this.limit);
      this.remaining = this.length;
      this.state = this.remaining > 0 ? 'body' : 'type';
    }
    return undefined;
  }
}

/**
 * The connection as aedes sees it: what arrives passes a PacketSizeCheck, what
 * aedes writes goes to the connection in the batches aedes corks, so a packet
 * still leaves in one write, and closing either side closes both.
 */
export class GuardedConnection extends Duplex {
  private readonly check: PacketSizeCheck;

  constructor(
    private readonly inner: Duplex,
    limit: number,
  ) {
    super({ allowHalfOpen: false });
    this.check = new PacketSizeCheck(limit);
    inner.on('data', (chunk: Buffer) => {
      const error = this.check.feed(chunk);
      if (error) this.destroy(error);
      else if (!this.push(chunk)) inner.pause();
    });
    inner.on('end', () => this.push(null));
    inner.on('error', (error) => this.destroy(error));
    inner.on('close', () => this.destroy());
  }

  override _read(): void {
    this.inner.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, done: Done): void {
    this.inner.write(chunk, encoding, done);
  }

  override _writev(chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>, done: Done): void {
    this.inner.cork();
    chunks.forEach(({ chunk, encoding }, index) => {
      this.inner.write(chunk, encoding, index === chunks.length - 1 ? done : undefined);
    });
    this.inner.uncork();
  }

  override _final(done: Done): void {
    this.inner.end(done);
  }

  override _destroy(error: Error | null, done: Done): void {
    this.inner.destroy();
    done(error);
  }
}
