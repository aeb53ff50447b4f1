import type { BridgeError, ErrorCode } from '../errors.js';
import type { Plug } from '../plugs/registry.js';
import type { StateSource } from '../plugs/state.js';
import type { CorrelationId } from './command.js';

/** The JSON published on <base>/status and answered by the HTTP API. */
export interface Reply {
  status: 'ok' | 'error';
  device: string | null;
  device_id: string | null;
  state: 'ON' | 'OFF' | null;
  online: boolean | null;
  /** When this reply was made (ISO 8601). */
  time: string;
  /** When the cloud last confirmed this state (ISO 8601), null if never. */
  last_seen: string | null;
  source: StateSource;
  /** True when the state is the last known one, not confirmed by this request. */
  stale: boolean;
  /** Energy readings (W, V, A, kWh) for plugs that meter, as last read. */
  power?: number | null;
  voltage?: number | null;
  current?: number | null;
  energy?: number | null;
  id?: CorrelationId;
  error?: { code: ErrorCode; message: string; tuya_code?: number };
}

export interface ReplyContext {
  id?: CorrelationId | undefined;
  now: number;
  /** The state a command set; undefined for a status read. */
  on?: boolean | undefined;
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function stateWord(on: boolean | null): 'ON' | 'OFF' | null {
  return on === null ? null : on ? 'ON' : 'OFF';
}

/** A plug's state as confirmed just now (a command accepted, a status read, a poll). */
export function stateReply(plug: Plug, context: ReplyContext): Reply {
  const reply: Reply = {
    status: 'ok',
    device: plug.name,
    device_id: plug.id,
    state: stateWord(context.on ?? plug.state.on),
    online: plug.state.online,
    time: new Date(context.now).toISOString(),
    last_seen: iso(plug.state.updatedAt),
    source: context.on === undefined ? plug.state.source : 'command',
    stale: false,
    ...plug.state.readings,
  };
  if (context.id !== undefined) reply.id = context.id;
  return reply;
}

/** A failure, carrying the plug's last known state marked stale when there is a plug. */
export function errorReply(error: BridgeError, plug: Plug | undefined, context: ReplyContext): Reply {
  const reply: Reply = {
    status: 'error',
    device: plug?.name ?? null,
    device_id: plug?.id ?? null,
    state: stateWord(plug?.state.on ?? null),
    online: plug?.state.online ?? null,
    time: new Date(context.now).toISOString(),
    last_seen: iso(plug?.state.updatedAt ?? null),
    source: 'cache',
    stale: true,
    error: { code: error.code, message: error.message },
  };
  if (error.tuyaCode !== undefined && reply.error) reply.error.tuya_code = error.tuyaCode;
  if (context.id !== undefined) reply.id = context.id;
  return reply;
}
