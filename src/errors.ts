/**
 * Error codes the bridge answers with, on MQTT and HTTP alike. They are part of
 * the public contract (README, "Error codes"): add new ones, never rename.
 */
export const ERROR_CODES = [
  'invalid_json', // payload is not valid JSON (and not a bare word)
  'invalid_utf8', // payload bytes are not valid UTF-8
  'invalid_command', // JSON, but not an object of the expected shape
  'payload_too_large', // over the configured maximum size
  'unknown_action', // action is not on/off/toggle/status
  'unknown_device', // device matches no configured plug
  'device_offline', // Tuya says the plug is not connected (2001)
  'device_error', // Tuya rejected the command for this device (2008, 1104, 2010, ...)
  'cloud_auth', // credentials, signature or token problem (1004, 1010, 1011, 1106, ...)
  'cloud_quota', // the Tuya project's quota or subscription is used up (28841004, 28841002, ...)
  'cloud_unreachable', // network error or non-JSON answer from the cloud
  'cloud_error', // any other error answer from the cloud
  'timeout', // no answer within the configured time
  'rate_limited', // too many commands queued, or too many requests
  'unauthorized', // HTTP API token missing or wrong
  'shutting_down', // the bridge is stopping and takes no new commands
  'internal', // a bug: logged with its stack
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** An error that crosses a boundary: it has a stable code and a message for people. */
export class BridgeError extends Error {
  readonly code: ErrorCode;
  /** Tuya's own numeric code, when the cloud gave one. */
  readonly tuyaCode: number | undefined;

  constructor(code: ErrorCode, message: string, tuyaCode?: number) {
    super(message);
    this.name = 'BridgeError';
    this.code = code;
    this.tuyaCode = tuyaCode;
  }
}

/** Turns anything thrown into a BridgeError, keeping the code when it already has one. */
export function toBridgeError(err: unknown): BridgeError {
  if (err instanceof BridgeError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new BridgeError('internal', message);
}

// Text from a sender is quoted in error messages (and so in logs) at most this long.
const MAX_QUOTED = 40;

/**
 * Sender text as it may appear in a message: quoted, control characters
 * escaped, and cut after escaping so that escapes cannot make it long.
 */
export function quote(text: string): string {
  const escaped = JSON.stringify(text).slice(1, -1).replace(/[\u007f-\u009f\u2028\u2029]/g, escapeChar);
  if (escaped.length <= MAX_QUOTED) return `"${escaped}"`;
  // Never cut inside an escape such as \u0001.
  const cut = escaped.slice(0, MAX_QUOTED).replace(/\\(u[0-9a-fA-F]{0,3}|)$/, '');
  return `"${cut}..."`;
}

/** Any text for a message or log line, with control characters escaped. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, escapeChar);
}

function escapeChar(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}
