import fc from 'fast-check';
import { ACTIONS } from '../../src/commands/command.js';
import type { Action, Command, CorrelationId } from '../../src/commands/command.js';
import { parseCommand } from '../../src/commands/parse.js';
import type { ParseOptions, ParseResult } from '../../src/commands/parse.js';
import { ERROR_CODES } from '../../src/errors.js';
import type { ErrorCode } from '../../src/errors.js';

/**
 * Property-based fuzzing of parseCommand, the one function every MQTT payload
 * and HTTP body goes through. The properties are those of the README ("Commands
 * on tuya/command", "Error codes"): it never throws, it answers with a known
 * action or a known error code and a short, printable message, whitespace and
 * trailing NULs around a command change nothing, oversized payloads are
 * refused by size, and a valid id comes back as it was sent.
 *
 * FUZZ_SEED=<n> replays a run; FUZZ_RUNS_SCALE=<k> multiplies every run count.
 */

const OPTIONS: ParseOptions = { maxPayloadBytes: 4096 };
const SCALE = Number(process.env['FUZZ_RUNS_SCALE'] ?? 1) || 1;
const SEED = process.env['FUZZ_SEED'] === undefined ? undefined : Number(process.env['FUZZ_SEED']);
const runs = (n: number) => ({
  numRuns: Math.ceil(n * SCALE),
  ...(SEED === undefined ? {} : { seed: SEED }),
  // Every loop bounded in time too: stop generating (and fail) rather than hang.
  interruptAfterTimeLimit: 60_000,
  markInterruptAsFailure: true,
});

let parsed = 0;
const started = Date.now();
function parse(payload: Buffer | string, options: ParseOptions = OPTIONS): ParseResult {
  parsed += 1;
  return parseCommand(payload, options);
}

afterAll(() => {
  console.log(`parse fuzz: ${parsed} payloads parsed in ${Date.now() - started} ms`);
});

// ---------------------------------------------------------------- generators

const codePoints = (text: string): number => [...text].length;
// C0, DEL and C1: what must never reach a log line or a reply raw.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Sometimes a Buffer, sometimes a string: the router passes bytes, tests and HTTP may pass text. */
const asPayload = (text: fc.Arbitrary<string>): fc.Arbitrary<Buffer | string> =>
  fc.tuple(text, fc.boolean()).map(([t, bytes]) => (bytes ? Buffer.from(t) : t));

const WORD = fc.constantFrom('on', 'off', 'toggle', 'status');
const validActionText = fc
  .tuple(fc.mixedCase(WORD), fc.constantFrom('', ' ', '\t'), fc.constantFrom('', ' ', '\n'))
  .map(([w, before, after]) => `${before}${w}${after}`);
const validActionValue: fc.Arbitrary<string | boolean> = fc.oneof({ weight: 4, arbitrary: validActionText }, { weight: 1, arbitrary: fc.boolean() });

// Words a sender might plausibly send, and names that live on Object.prototype.
const NEAR_WORDS = [
  'onn', 'of', 'toggel', 'stat', 'get', 'set', 'ON!', 'o n', 'true ', 'yes', 'no', 'enable', 'null', 'undefined', 'NaN',
  'constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', 'propertyIsEnumerable',
  'toLocaleString', '__defineGetter__', '__lookupSetter__', 'prototype', 'length', 'Constructor', '__PROTO__',
];
const invalidActionValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...NEAR_WORDS),
  fc.string({ unit: 'binary', maxLength: 60 }).filter((s) => !(ACTIONS as readonly string[]).includes(s.trim().toLowerCase())),
  fc.string({ unit: 'binary-ascii', minLength: 41, maxLength: 90 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constant(null),
  fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
);

const validDevice = fc.oneof(
  fc.constantFrom('demo-plug', 'DEMO-PLUG', ' demo-plug ', 'bf0demo0plug0sim0001', 'desk lamp', 'Küche #2', 'no-such-plug', ''),
  fc.string({ unit: 'binary', maxLength: 256 }),
  fc.string({ unit: fc.constant('\u{1F600}'), minLength: 256, maxLength: 256 }),
);
const invalidDevice: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ unit: 'grapheme-composite', minLength: 257, maxLength: 300 }),
  fc.string({ unit: fc.constant('\u{1F600}'), minLength: 257, maxLength: 260 }),
  fc.integer(),
  fc.boolean(),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 2 }),
);

const validId: fc.Arbitrary<CorrelationId> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 128 }),
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 20 }),
  fc.string({ unit: fc.constant('\u{1F600}'), minLength: 128, maxLength: 128 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -1, 1.5, Number.MAX_SAFE_INTEGER, Number.MAX_VALUE, Number.MIN_VALUE),
);
const invalidId: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ unit: 'grapheme-ascii', minLength: 129, maxLength: 200 }),
  fc.string({ unit: fc.constant('\u{1F600}'), minLength: 129, maxLength: 130 }),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }),
);

type Broken = 'none' | 'id' | 'device' | 'action' | 'missing';

interface Structured {
  broken: Broken;
  fields: Record<string, unknown>;
  /** What the README says must come out. */
  expected: { ok: true; command: Command } | { ok: false; code: ErrorCode; id?: CorrelationId };
}

const actionOf = (value: unknown): Action => {
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  return String(value).trim().toLowerCase() as Action;
};

/** JSON round trip: what the parser can possibly see of a value (-0 becomes 0, and so on). */
const viaJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/**
 * Command objects with at most one field wrong (so the expected outcome follows
 * from the README alone, whatever order the parser checks in), plus extra keys.
 */
const structured: fc.Arbitrary<Structured> = fc
  .record({
    broken: fc.constantFrom<Broken>('none', 'none', 'id', 'device', 'action', 'missing'),
    spelling: fc.constantFrom('action', 'state', 'both'),
    action: validActionValue,
    badAction: invalidActionValue,
    device: fc.option(validDevice, { nil: undefined, freq: 3 }),
    badDevice: invalidDevice,
    id: fc.option(validId, { nil: undefined, freq: 4 }),
    badId: invalidId,
    extra: fc.dictionary(
      fc.string({ maxLength: 8 }).filter((k) => !['action', 'state', 'device', 'id'].includes(k)),
      fc.jsonValue({ maxDepth: 2 }),
      { maxKeys: 3 },
    ),
  })
  .map((r) => {
    const fields: Record<string, unknown> = { ...r.extra };
    const action = r.broken === 'action' ? r.badAction : r.action;
    if (r.broken !== 'missing') {
      if (r.spelling !== 'state') fields['action'] = action;
      // "both" spells the same action twice, as {"action":"on","state":"ON"}.
      if (r.spelling !== 'action') fields['state'] = r.spelling === 'both' && typeof action === 'string' ? action.toUpperCase() : action;
    }
    const device = r.broken === 'device' ? r.badDevice : r.device;
    if (device !== undefined) fields['device'] = device;
    const id = r.broken === 'id' ? r.badId : r.id;
    if (id !== undefined) fields['id'] = id;

    const echoed = r.broken === 'id' || r.id === undefined ? undefined : viaJson(r.id);
    let expected: Structured['expected'];
    if (r.broken === 'none') {
      const command: Command = { action: actionOf(r.action) };
      if (r.device !== undefined && r.device !== '') command.device = r.device;
      if (echoed !== undefined) command.id = echoed;
      expected = { ok: true, command };
    } else {
      const code: ErrorCode = r.broken === 'action' ? 'unknown_action' : 'invalid_command';
      expected = echoed === undefined ? { ok: false, code } : { ok: false, code, id: echoed };
    }
    return { broken: r.broken, fields, expected };
  });

/** A valid command as a sender would write it: a bare word, a JSON string, or an object. */
const validCommandText: fc.Arbitrary<string> = fc.oneof(
  fc.mixedCase(fc.constantFrom('on', 'off', 'toggle', 'status', 'true', 'false', '1', '0')),
  validActionText.map((w) => JSON.stringify(w)),
  structured.filter((s) => s.broken === 'none').map((s) => JSON.stringify(s.fields)),
);

/** A valid command broken by one edit: truncated, or a character put in, replaced or dropped. */
const mutatedCommand: fc.Arbitrary<string> = fc
  .tuple(validCommandText, fc.nat(), fc.constantFrom('truncate', 'insert', 'replace', 'drop'), fc.string({ unit: 'binary', minLength: 1, maxLength: 2 }))
  .map(([text, at, edit, ch]) => {
    const i = text.length === 0 ? 0 : at % text.length;
    switch (edit) {
      case 'truncate':
        return text.slice(0, i);
      case 'insert':
        return text.slice(0, i) + ch + text.slice(i);
      case 'replace':
        return text.slice(0, i) + ch + text.slice(i + 1);
      default:
        return text.slice(0, i) + text.slice(i + 1);
    }
  });

/** Bytes drawn mostly from JSON's alphabet, with bytes that are not UTF-8 on their own. */
const JSONISH = Buffer.from('{}[]":,.-+0123456789eEtruefalsnonofftogglestatusactiondeviceid \t\r\n\0\\u');
const jsonishBytes = fc
  .array(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...JSONISH) }, { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }) }), { maxLength: 80 })
  .map((bytes) => Buffer.from(bytes));

const anyPayload: fc.Arbitrary<Buffer | string> = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
  jsonishBytes,
  asPayload(fc.string({ unit: 'binary', maxLength: 100 })),
  asPayload(fc.string({ unit: 'grapheme', maxLength: 40 })),
  asPayload(fc.string({ unit: 'binary-ascii', maxLength: 60 })),
  asPayload(fc.jsonValue().map((v) => JSON.stringify(v))),
  asPayload(fc.constantFrom(...NEAR_WORDS).chain((w) => fc.mixedCase(fc.constant(w)))),
  asPayload(fc.constantFrom(...NEAR_WORDS).map((w) => JSON.stringify(w))),
  asPayload(structured.map((s) => JSON.stringify(s.fields))),
  asPayload(validCommandText),
  asPayload(mutatedCommand),
);

const padding = (chars: string[], maxLength: number): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...chars), { maxLength }).map((c) => c.join(''));
const LEADING = [' ', '\t', '\r', '\n'];
const TRAILING = [' ', '\t', '\r', '\n', '\0'];

function describeResult(result: ParseResult): string {
  return result.ok ? JSON.stringify(result.command) : JSON.stringify({ code: result.error.code, message: result.error.message, id: result.id });
}

// ---------------------------------------------------------------- properties

describe('parseCommand under fuzzing', () => {
  it('never throws and answers a known action or a known error code', () => {
    fc.assert(
      fc.property(anyPayload, (payload) => {
        const result = parse(payload);
        if (result.ok) {
          expect(ACTIONS).toContain(result.command.action);
        } else {
          expect(ERROR_CODES).toContain(result.error.code);
          expect(typeof result.error.message).toBe('string');
        }
      }),
      runs(5000),
    );
  });

  it('gives error messages under 200 characters with no raw control characters', () => {
    fc.assert(
      fc.property(anyPayload, (payload) => {
        const result = parse(payload);
        if (result.ok) return;
        const { message } = result.error;
        if (message.length >= 200 || CONTROL.test(message)) {
          throw new Error(`${result.error.code} message of ${message.length} chars: ${JSON.stringify(message)}`);
        }
      }),
      runs(3000),
    );
  });

  it('answers command objects as the README says, echoing a valid id with its type', () => {
    fc.assert(
      fc.property(structured, fc.boolean(), ({ fields, expected }, bytes) => {
        const text = JSON.stringify(fields);
        const result = parse(bytes ? Buffer.from(text) : text);
        if (expected.ok) {
          expect(result).toEqual({ ok: true, command: expected.command });
          if (result.ok && expected.command.id !== undefined) {
            expect(typeof result.command.id).toBe(typeof expected.command.id);
            expect(Object.is(result.command.id, expected.command.id)).toBe(true);
          }
        } else {
          if (result.ok) throw new Error(`expected ${expected.code}, got ${describeResult(result)}`);
          expect(result.error.code).toBe(expected.code);
          if (expected.id !== undefined) {
            expect(typeof result.id).toBe(typeof expected.id);
            expect(Object.is(result.id, expected.id)).toBe(true);
          }
        }
      }),
      runs(4000),
    );
  });

  it('ignores spaces, tabs, CR and LF around a command and NULs after it', () => {
    fc.assert(
      fc.property(validCommandText, padding(LEADING, 8), padding(TRAILING, 8), fc.boolean(), (text, before, after, bytes) => {
        const plain = parse(text);
        expect(plain.ok).toBe(true);
        const padded = `${before}${text}${after}`;
        expect(parse(bytes ? Buffer.from(padded) : padded)).toEqual(plain);
      }),
      runs(3000),
    );
  });

  it('ignores the same padding on a plug /set topic, where the topic names the plug', () => {
    fc.assert(
      fc.property(validCommandText, padding(LEADING, 4), padding(TRAILING, 4), (text, before, after) => {
        const options = { ...OPTIONS, device: 'demo-plug' };
        const plain = parse(Buffer.from(text), options);
        expect(plain).toMatchObject({ ok: true, command: { device: 'demo-plug' } });
        expect(parse(Buffer.from(`${before}${text}${after}`), options)).toEqual(plain);
      }),
      runs(1000),
    );
  });

  it('refuses any payload over maxPayloadBytes as payload_too_large, whatever it holds', () => {
    const oversized = fc
      .record({
        limit: fc.oneof(fc.integer({ min: 64, max: 600 }), fc.constant(4096)),
        over: fc.integer({ min: 1, max: 700 }),
        body: fc.oneof(validCommandText, fc.string({ unit: 'binary', maxLength: 30 }), structured.map((s) => JSON.stringify(s.fields))),
        filler: fc.constantFrom(' ', '\0', '\u00e9', '\u{1F600}', 'a'),
        bytes: fc.boolean(),
      })
      .map(({ limit, over, body, filler, bytes }) => {
        let text = body;
        // Pad with whitespace, NULs or text until the UTF-8 size is past the limit.
        const target = limit + over;
        const unit = Buffer.byteLength(filler);
        const missing = Math.max(0, target - Buffer.byteLength(text));
        text += filler.repeat(Math.ceil(missing / unit));
        return { limit, payload: bytes ? Buffer.from(text) : text };
      });
    fc.assert(
      fc.property(oversized, ({ limit, payload }) => {
        const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
        expect(size).toBeGreaterThan(limit);
        const result = parse(payload, { maxPayloadBytes: limit });
        if (result.ok) throw new Error(`a ${size}-byte payload over a ${limit}-byte limit was accepted: ${describeResult(result)}`);
        expect(result.error.code).toBe('payload_too_large');
      }),
      runs(1500),
    );
  });

  it('accepts a payload of exactly maxPayloadBytes by size', () => {
    fc.assert(
      fc.property(validCommandText, fc.integer({ min: 64, max: 300 }), (text, slack) => {
        const limit = Buffer.byteLength(text) + slack;
        const payload = Buffer.from(text + ' '.repeat(slack));
        expect(payload.length).toBe(limit);
        expect(parse(payload, { maxPayloadBytes: limit }).ok).toBe(true);
      }),
      runs(500),
    );
  });
});

// Defects the fuzzing found, kept as plain examples so each has its own red line.
describe('parseCommand regressions found by fuzzing', () => {
  it.each(['constructor', '__proto__', '"constructor"', '" __proto__ "', 'CONSTRUCTOR'])(
    'does not take the Object.prototype member %s for an action',
    (payload) => {
      const result = parse(Buffer.from(payload));
      if (result.ok) expect(ACTIONS).toContain(result.command.action);
      else expect(result.error.code).toBe('unknown_action');
    },
  );

  it.each([
    ['a bell inside broken JSON', 'x\u0007y'],
    ['a NUL before broken JSON', '\u0000{'],
    ['ESC in broken JSON', '{"action":\u001b}'],
    ['C1 control in broken JSON', '\u0085abc'],
    ['control characters in an unknown action', JSON.stringify({ action: '\u0001'.repeat(40) })],
    ['control characters in a JSON string', JSON.stringify('\u0002'.repeat(40))],
  ])('keeps the message short and printable for %s', (_name, payload) => {
    const result = parse(Buffer.from(payload));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.message.length).toBeLessThan(200);
    expect(result.error.message).not.toMatch(CONTROL);
  });
});
