/** A command as the bridge understands it, whatever it arrived as (MQTT, HTTP). */
export const ACTIONS = ['on', 'off', 'toggle', 'status'] as const;

export type Action = (typeof ACTIONS)[number];

export interface Command {
  action: Action;
  /** Plug name or Tuya id as the sender wrote it; absent means the default plug. */
  device?: string;
  /** Correlation id, echoed in the reply as it came (a string or a number). */
  id?: CorrelationId;
}

export type CorrelationId = string | number;
