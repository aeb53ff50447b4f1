import { PacketSizeCheck, PacketTooLargeError, TokenBucket } from '../../broker/limits.js';
import { LogThrottle } from '../../broker/log-throttle.js';

function clock(): { now: () => number; advance: (ms: number) => void } {
  let time = 1_000_000;
  return { now: () => time, advance: (ms) => (time += ms) };
}

describe('TokenBucket', () => {
  it('allows the burst at once, then the rate', () => {
    const time = clock();
    const bucket = new TokenBucket(10, 3, time.now);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
    time.advance(100); // one token at 10/s
    expect([bucket.take(), bucket.take()]).toEqual([true, false]);
  });

  it('never saves up more than the burst', () => {
    const time = clock();
    const bucket = new TokenBucket(10, 2, time.now);
    time.advance(60_000);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, false]);
  });
});

/** Feeds `chunks` to a check; returns the first error and how many chunks came before it. */
function pass(limit: number, chunks: Buffer[]): { passed: number; error?: Error } {
  const check = new PacketSizeCheck(limit);
  for (const [index, chunk] of chunks.entries()) {
    const error = check.feed(chunk);
    if (error) return { passed: index, error };
  }
  return { passed: chunks.length };
}

// PINGREQ (2 bytes) and a PUBLISH whose Remaining Length is `length`.
const PINGREQ = Buffer.from([0xc0, 0x00]);
function publishHeader(length: number): Buffer {
  const bytes = [0x30];
  let rest = length;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    bytes.push(byte);
  } while (rest > 0);
  return Buffer.from(bytes);
}

describe('PacketSizeCheck', () => {
  it('passes packets up to the limit, however they are split', () => {
    const packet = Buffer.concat([publishHeader(200), Buffer.alloc(200, 7)]); // 203 bytes
    const stream = Buffer.concat([PINGREQ, packet, PINGREQ, packet]);
    const pieces = [stream.subarray(0, 1), stream.subarray(1, 4), stream.subarray(4, 150), stream.subarray(150)];
    expect(pass(203, pieces)).toEqual({ passed: 4 });
  });

  it('fails as soon as a header announces a packet above the limit, before its body arrives', () => {
    const { passed, error } = pass(203, [PINGREQ, publishHeader(201)]);
    expect(passed).toBe(1);
    expect(error).toBeInstanceOf(PacketTooLargeError);
    expect(error?.message).toBe('sent a packet of 204 bytes, above the limit of 203: connection closed');
  });

  it('reads a four-byte Remaining Length', () => {
    const { error } = pass(1024, [publishHeader(268_435_455)]);
    expect(error).toMatchObject({ size: 268_435_460, limit: 1024 });
  });

  it('fails on a Remaining Length longer than four bytes', () => {
    const { error } = pass(1024, [Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])]);
    expect(error?.message).toBe('sent a malformed Remaining Length: connection closed');
  });
});

describe('LogThrottle', () => {
  it('writes the first line of a key, counts the rest of the window, and reports the count next time', () => {
    const time = clock();
    const lines: string[] = [];
    const throttle = new LogThrottle((line) => lines.push(line), 60_000, time.now);
    for (let i = 0; i < 5; i += 1) throttle.log('a', () => `a ${i}`);
    throttle.log('b', () => 'b 0');
    expect(lines).toEqual(['a 0', 'b 0']);

    time.advance(60_000);
    throttle.log('a', () => 'a 5');
    expect(lines).toEqual(['a 0', 'b 0', 'a 5 (4 more since the last line like this)']);
  });

  it('forgets the oldest keys beyond its bound', () => {
    const lines: string[] = [];
    const throttle = new LogThrottle((line) => lines.push(line), 60_000, Date.now, 2);
    for (const key of ['a', 'b', 'c', 'a']) throttle.log(key, () => key);
    expect(lines).toEqual(['a', 'b', 'c', 'a']);
  });
});
