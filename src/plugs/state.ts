import type { Readings } from '../tuya/datapoints.js';

/** Where the bridge learned a plug's state. */
export type StateSource = 'command' | 'cloud' | 'poll' | 'cache';

/** What the bridge last knew of a plug. `null` means never learned. */
export interface PlugState {
  on: boolean | null;
  online: boolean | null;
  /** Energy readings in W, V, A and kWh; only those the plug has and has reported. */
  readings: Readings;
  /** Epoch ms of the last time the cloud confirmed anything about this plug. */
  updatedAt: number | null;
  source: StateSource;
}

export function unknownState(): PlugState {
  return { on: null, online: null, readings: {}, updatedAt: null, source: 'cache' };
}
