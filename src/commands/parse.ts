import { BridgeError, printable, quote } from '../errors.js';
import { ACTIONS } from './command.js';
import type { Action, Command, CorrelationId } from './command.js';

/**
 * Turns a payload into a Command, or a BridgeError saying exactly what is wrong.
 * Pure: bytes in, a value out, nothing thrown, so it can be tested by table.
 */
export type ParseResult =
  | { ok: true; command: Command }
  | { ok: false; error: BridgeError; id?: CorrelationId; device?: string };

export interface ParseOptions {
  maxPayloadBytes: number;
  /** Values for fields the topic already implies, e.g. the device of tuya/<name>/set. */
  device?: string;
}

const MAX_ID_LENGTH = 128;
const MAX_DEVICE_LENGTH = 256;

function length(text: string): number {
  return [...text].length; // characters, not UTF-16 units: an emoji is one
}

// Bare words accepted for the default plug (mosquitto_pub -m on, Home Assistant's ON/OFF).
// A Map, not an object literal: "constructor" or "__proto__" must not look like words.
const WORDS = new Map<string, Action>([
  ['on', 'on'],
  ['off', 'off'],
  ['toggle', 'toggle'],
  ['status', 'status'],
  ['get', 'status'],
  ['true', 'on'],
  ['false', 'off'],
  ['1', 'on'],
  ['0', 'off'],
]);

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function parseCommand(payload: Buffer | string, options: ParseOptions): ParseResult {
  const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  if (size > options.maxPayloadBytes) {
    return fail('payload_too_large', `payload is ${size} bytes; the limit is ${options.maxPayloadBytes}`);
  }

  let text: string;
  if (typeof payload === 'string') {
    text = payload;
  } else {
    try {
      text = utf8.decode(payload);
    } catch {
      return fail('invalid_utf8', 'payload is not valid UTF-8');
    }
  }

  // mosquitto_pub -l and -f leave line ends; some C clients send the string's NUL.
  text = text.replace(/[\0\s]+$/u, '').replace(/^\s+/u, '');
  if (text === '') return fail('invalid_command', 'payload is empty; send on, off, toggle, status or JSON');

  const word = WORDS.get(text.toLowerCase());
  if (word) return withDevice({ action: word }, options);
  const failHere = (code: BridgeError['code'], message: string): ParseResult =>
    failWith(undefined, options.device, code, message);

  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    // A lone word is more likely a misspelt action than broken JSON.
    if (/^[A-Za-z_-]+$/.test(text)) {
      return failHere('unknown_action', `unknown action ${quote(text)}; use on, off, toggle or status`);
    }
    // V8's message quotes the input raw; escaped and cut, it still says where it broke.
    return failHere('invalid_json', `payload is not valid JSON: ${printable((err as Error).message).slice(0, 120)}`);
  }
  return fromJson(value, options);
}

function fromJson(value: unknown, options: ParseOptions): ParseResult {
  const failHere = (code: BridgeError['code'], message: string): ParseResult =>
    failWith(undefined, options.device, code, message);
  if (typeof value === 'string') {
    const word = WORDS.get(value.trim().toLowerCase());
    if (word) return withDevice({ action: word }, options);
    return failHere('unknown_action', `unknown action ${quote(value)}; use on, off, toggle or status`);
  }
  if (typeof value === 'boolean') return withDevice({ action: value ? 'on' : 'off' }, options);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    return failHere('invalid_command', `payload is ${kind}; expected an object like {"action":"on"}`);
  }

  const fields = value as Record<string, unknown>;
  const id = readId(fields['id']);
  if (id instanceof BridgeError) return failWith(undefined, options.device, id.code, id.message);

  // On a plug's own /set topic the topic decides which plug; elsewhere the payload does.
  const device = options.device ?? fields['device'];
  if (device !== undefined && typeof device !== 'string') {
    return failWith(id, undefined, 'invalid_command', '"device" must be a plug name or Tuya id (a string)');
  }
  if (device !== undefined && length(device) > MAX_DEVICE_LENGTH) {
    return failWith(id, undefined, 'invalid_command', `"device" is longer than ${MAX_DEVICE_LENGTH} characters`);
  }

  // "state" is the zigbee2mqtt/Home Assistant spelling: {"state":"ON"}.
  const action = readAction(fields['action']);
  const state = readAction(fields['state']);
  if (fields['action'] === undefined && fields['state'] === undefined) {
    return failWith(id, device, 'invalid_command', 'missing "action" (on, off, toggle or status)');
  }
  const chosen = fields['action'] !== undefined ? action : state;
  if (!chosen) {
    const raw = fields['action'] ?? fields['state'];
    const shown = quote(typeof raw === 'string' ? raw : JSON.stringify(raw) ?? '');
    return failWith(id, device, 'unknown_action', `unknown action ${shown}; use on, off, toggle or status`);
  }
  if (fields['action'] !== undefined && fields['state'] !== undefined && action !== state) {
    return failWith(id, device, 'invalid_command', '"action" and "state" disagree; send one of them');
  }

  const command: Command = { action: chosen };
  if (device !== undefined && device !== '') command.device = device;
  if (id !== undefined) command.id = id;
  return { ok: true, command };
}

function readAction(raw: unknown): Action | undefined {
  if (typeof raw === 'boolean') return raw ? 'on' : 'off';
  if (typeof raw !== 'string') return undefined;
  const action = raw.trim().toLowerCase();
  return (ACTIONS as readonly string[]).includes(action) ? (action as Action) : undefined;
}

function readId(raw: unknown): CorrelationId | undefined | BridgeError {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'number' && Number.isFinite(raw)) return raw;
  if (typeof raw === 'string' && length(raw) <= MAX_ID_LENGTH) return raw;
  return new BridgeError('invalid_command', `"id" must be a string of at most ${MAX_ID_LENGTH} characters or a number`);
}

function withDevice(command: Command, options: ParseOptions): ParseResult {
  if (options.device !== undefined) command.device = options.device;
  return { ok: true, command };
}

function fail(code: BridgeError['code'], message: string): ParseResult {
  return { ok: false, error: new BridgeError(code, message) };
}

function failWith(id: CorrelationId | undefined, device: unknown, code: BridgeError['code'], message: string): ParseResult {
  const result: ParseResult = { ok: false, error: new BridgeError(code, message) };
  if (id !== undefined) result.id = id;
  if (typeof device === 'string') result.device = device;
  return result;
}
