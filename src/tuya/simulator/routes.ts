import type { TokenStore } from './auth.js';
import type { MatchedRoute } from './http.js';
import type { SimulatedPlug } from './plug.js';

/**
 * What each simulated endpoint does once a request has passed the gate
 * (auth.ts): a result, or Tuya's error code. Pure with respect to HTTP, so the
 * rules read as a list (facts §2, §3).
 */

export interface CloudState {
  plugs: ReadonlyMap<string, SimulatedPlug>;
  tokens: TokenStore;
  uid: string;
}

export type Outcome = { result: unknown } | { code: number };

/** Tuya's limit of ids in one batch status call. */
export const MAX_BATCH_IDS = 20;

const GRANT_TYPE_INVALID = 1003;
const TOKEN_STATUS_INVALID = 1012;
const PERMISSION_DENY = 1106;
const PARAM_ILLEGAL = 1109;
const DEVICE_OFFLINE = 2001;
const DEVICE_NOT_EXIST = 2010;

function fail(code: number): Outcome {
  return { code };
}

export function handleRoute(route: MatchedRoute, body: Buffer, state: CloudState): Outcome {
  const [param = ''] = route.params;
  switch (route.endpoint) {
    case 'GET /v1.0/token':
      if (route.query.get('grant_type') !== '1') return fail(GRANT_TYPE_INVALID);
      return { result: state.tokens.grant() };
    case 'GET /v1.0/token/{refresh_token}': {
      const grant = state.tokens.refreshWith(param);
      return grant ? { result: grant } : fail(TOKEN_STATUS_INVALID);
    }
    case 'POST /v1.0/iot-03/devices/{id}/commands':
      return sendCommands(state.plugs.get(param), body);
    case 'GET /v1.0/iot-03/devices/status':
      return batchStatus(route.query.get('device_ids'), state.plugs);
    case 'GET /v1.0/iot-03/devices/{id}/status':
      return withPlug(state.plugs.get(param), (plug) => plug.status());
    case 'GET /v1.0/iot-03/devices/{id}/specification':
      return withPlug(state.plugs.get(param), (plug) => plug.specification());
    case 'GET /v1.0/iot-03/devices/{id}':
      return withPlug(state.plugs.get(param), (plug) => plug.details());
    case 'GET /v1.0/users/{uid}/devices':
      if (param !== state.uid) return fail(PERMISSION_DENY);
      return { result: listDevices(state.plugs) };
  }
}

/** The user's devices, each with its status, as the v1.0 list returns them. */
function listDevices(plugs: ReadonlyMap<string, SimulatedPlug>): unknown[] {
  return [...plugs.values()].map((plug) => ({ ...plug.details(), status: plug.status() }));
}

function withPlug(plug: SimulatedPlug | undefined, read: (plug: SimulatedPlug) => unknown): Outcome {
  return plug ? { result: read(plug) } : fail(DEVICE_NOT_EXIST);
}

interface Command {
  code: string;
  value: unknown;
}

function parseCommands(body: Buffer): Command[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  const list = (parsed as { commands?: unknown } | null)?.commands;
  if (!Array.isArray(list) || list.length === 0) return undefined;

  const commands: Command[] = [];
  for (const item of list as unknown[]) {
    const code = (item as { code?: unknown } | null)?.code;
    if (typeof code !== 'string') return undefined;
    commands.push({ code, value: (item as { value?: unknown }).value });
  }
  return commands;
}

/**
 * Every command is checked before any is applied, and the plug must be online
 * for them to reach it: the checks come first because the cloud validates
 * against the product's schema without asking the device.
 */
function sendCommands(plug: SimulatedPlug | undefined, body: Buffer): Outcome {
  if (!plug) return fail(DEVICE_NOT_EXIST);
  const commands = parseCommands(body);
  if (!commands) return fail(PARAM_ILLEGAL);

  for (const { code, value } of commands) {
    const refused = plug.checkCommand(code, value);
    if (refused !== undefined) return fail(refused);
  }
  if (!plug.isOnline) return fail(DEVICE_OFFLINE);

  for (const { code, value } of commands) plug.applyCommand(code, value);
  return { result: true };
}

/** Unknown ids are left out of the answer rather than failing the whole batch. */
function batchStatus(deviceIds: string | null, plugs: ReadonlyMap<string, SimulatedPlug>): Outcome {
  const ids = (deviceIds ?? '').split(',').filter((id) => id !== '');
  if (ids.length === 0 || ids.length > MAX_BATCH_IDS) return fail(PARAM_ILLEGAL);

  const result: { id: string; status: unknown }[] = [];
  for (const id of ids) {
    const plug = plugs.get(id);
    if (plug) result.push({ id, status: plug.status() });
  }
  return { result };
}
