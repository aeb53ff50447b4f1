import { BridgeError, type ErrorCode } from '../../errors.js';

/**
 * Everything that can go wrong in a cloud call ends here as a BridgeError with
 * a stable code, Tuya's own number kept in `tuyaCode`, and a message that says
 * what to fix. Codes and their meanings: facts sheet §4 (tuya-cloud.md).
 */

export interface TuyaErrorRule {
  code: ErrorCode;
  message: string;
}

const CREDENTIALS = 'check TUYA_ACCESS_ID and TUYA_ACCESS_KEY';
const SHARED_ID = 'another program using the same Access ID may have replaced it';
const SUBSCRIBE = 'subscribe the project to IoT Core in the Tuya console';
const SLOW_DOWN = 'poll less often';

const auth = (message: string): TuyaErrorRule => ({ code: 'cloud_auth', message });
const offline = (message: string): TuyaErrorRule => ({ code: 'device_offline', message });
const device = (message: string): TuyaErrorRule => ({ code: 'device_error', message });
const quota = (message: string): TuyaErrorRule => ({ code: 'cloud_quota', message });

/** One line per Tuya code the bridge knows; any other code becomes `cloud_error`. */
export const TUYA_ERROR_RULES: ReadonlyMap<number, TuyaErrorRule> = new Map([
  // Credentials, signature and tokens.
  [1003, auth(`Tuya cloud refused the token grant (1003): ${CREDENTIALS}`)],
  [1004, auth('Tuya cloud rejected the signature (1004): check TUYA_ACCESS_KEY and TUYA_REGION')],
  [1010, auth(`Tuya cloud says the access token expired (1010): ${SHARED_ID}`)],
  [1011, auth(`Tuya cloud says the access token is invalid (1011): ${SHARED_ID}`)],
  [1012, auth(`Tuya cloud says the token status is invalid (1012): ${SHARED_ID}`)],
  [1013, auth("Tuya cloud rejected the request time (1013): set this machine's clock (NTP)")],
  [1105, auth('Tuya cloud says a signing header is missing (1105): a proxy may strip headers')],
  [1106, auth('Tuya cloud denied permission (1106): link the app account to the project')],
  [1107, auth(`Tuya cloud rejected the authorization (1107): ${CREDENTIALS}`)],
  // Documented as "device token expired"; in practice it means the wrong data center.
  [2007, auth("Tuya cloud refused cross-region access (2007): set TUYA_REGION to your project's")],

  // The plug itself.
  [2001, offline('The plug is offline in the Tuya cloud (2001): check its power and Wi-Fi')],
  [2003, device('The plug does not support this function (2003)')],
  [2008, device('The plug does not support this command or value (2008): check the switch code')],
  [2009, device('The Tuya cloud declares no data points for this device (2009): is it a plug?')],
  [2010, device('The Tuya cloud does not know this device (2010): check the device id')],
  [1104, device('Tuya cloud rejected the value type (1104): the plug expects another type')],
  [1109, device('Tuya cloud rejected a parameter (1109): check the device ids (at most 20 a call)')],

  // The project's plan: nothing the bridge can retry its way out of.
  [28841004, quota("Tuya project's trial quota is used up (28841004): wait for its reset or extend it")],
  [28841002, quota("Tuya project's cloud plan expired (28841002): renew the IoT Core subscription")],
  [28841101, quota(`Tuya project is not subscribed to this API (28841101): ${SUBSCRIBE}`)],
  [28841106, quota(`Tuya project is not subscribed to this API (28841106): ${SUBSCRIBE}`)],
  [28841105, quota('Tuya project may not call this API (28841105): authorize it in the Tuya console')],
  [1113, quota('Tuya project has too many trial users (1113): upgrade the plan')],
  [1110, quota(`Tuya cloud: too many concurrent requests (1110): ${SLOW_DOWN}`)],
  [1111, quota(`Tuya cloud is busy (1111): ${SLOW_DOWN}`)],
  [1199, quota(`Tuya cloud: requests too frequent (1199): ${SLOW_DOWN}`)],
]);

/** Codes after which a fresh token and one retry may succeed. */
export const TOKEN_INVALID_CODES: ReadonlySet<number> = new Set([1010, 1011, 1012]);

export function isTokenInvalid(err: unknown): boolean {
  if (!(err instanceof BridgeError) || err.tuyaCode === undefined) return false;
  return TOKEN_INVALID_CODES.has(err.tuyaCode);
}

const MAX_MSG_LENGTH = 120;

function toTuyaCode(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return undefined;
}

/** Maps a failed envelope `{success:false, code, msg}` to a BridgeError. */
export function fromTuyaError(envelope: { code?: unknown; msg?: unknown }): BridgeError {
  const tuyaCode = toTuyaCode(envelope.code);
  if (tuyaCode === undefined) {
    return new BridgeError('cloud_error', 'Tuya cloud answered with an error but no code');
  }

  const rule = TUYA_ERROR_RULES.get(tuyaCode);
  if (rule) return new BridgeError(rule.code, rule.message, tuyaCode);

  // Unknown codes keep Tuya's own text, cut short because it ends up in MQTT replies.
  const msg = typeof envelope.msg === 'string' ? envelope.msg.slice(0, MAX_MSG_LENGTH) : 'no message';
  return new BridgeError('cloud_error', `Tuya cloud error ${tuyaCode}: ${msg}`, tuyaCode);
}

/** Maps what `fetch` (or reading its body) threw: a timeout, or the network. */
export function fromFetchError(err: unknown, timeoutMs: number): BridgeError {
  if (err instanceof BridgeError) return err;

  // Duck-typed: fetch's errors may come from another realm (DOMException, a test VM), where
  // `instanceof Error` is false.
  const { name, message: text, cause } = (typeof err === 'object' && err !== null ? err : {}) as {
    name?: unknown;
    message?: unknown;
    cause?: { code?: unknown };
  };
  // AbortSignal.timeout() rejects with TimeoutError; a plain AbortController with AbortError.
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new BridgeError('timeout', `Tuya cloud did not answer within ${timeoutMs} ms`);
  }

  const fallback = typeof text === 'string' ? text : String(err);
  const detail = typeof cause?.code === 'string' ? cause.code : fallback;
  const message = `Cannot reach the Tuya cloud (${detail}): check the network and TUYA_REGION`;
  return new BridgeError('cloud_unreachable', message);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads one answer: returns `result` of a successful envelope, throws a
 * BridgeError otherwise. Tuya answers errors with HTTP 200 and a JSON body, so
 * a body that is not JSON means something else (a proxy, an outage) answered.
 */
export function readEnvelope(httpStatus: number, text: string): unknown {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    const message = `Tuya cloud gave a non-JSON answer (HTTP ${httpStatus}): a proxy or outage replied`;
    throw new BridgeError('cloud_unreachable', message);
  }

  if (!isRecord(body) || typeof body['success'] !== 'boolean') {
    const message = `Tuya cloud gave an answer without a success flag (HTTP ${httpStatus})`;
    throw new BridgeError('cloud_error', message);
  }
  if (body['success'] !== true) throw fromTuyaError(body);
  return body['result'];
}
