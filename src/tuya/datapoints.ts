import type { DataPoint, DataPointSpec, DeviceSpecification } from './transport.js';

/**
 * The one place that turns Tuya data points into plug readings. Units and
 * scales are never assumed: the same code is W ×10 on one product and W ×1 on
 * another, so each plug's specification decides (facts sheet §3.5, §8).
 */

export type Reading = 'power' | 'voltage' | 'current' | 'energy';

/** Tuya's code for each reading, and the unit the bridge publishes it in. */
export const READINGS: Readonly<Record<Reading, { code: string; unit: string }>> = {
  power: { code: 'cur_power', unit: 'W' },
  voltage: { code: 'cur_voltage', unit: 'V' },
  current: { code: 'cur_current', unit: 'A' },
  energy: { code: 'add_ele', unit: 'kWh' },
};

// How many of the published unit one declared unit is. A unit not listed here
// (or blank, as some products declare) is taken to be the published unit.
const TO_PUBLISHED: Readonly<Record<Reading, Readonly<Record<string, number>>>> = {
  power: { mW: 1e-3, W: 1, kW: 1e3 },
  voltage: { mV: 1e-3, V: 1, kV: 1e3 },
  current: { mA: 1e-3, A: 1 },
  energy: { Wh: 1e-3, kWh: 1, MWh: 1e3 },
};

export interface Scaling {
  code: string;
  /** Power-of-ten exponent: published = raw / 10^scale × factor. */
  scale: number;
  factor: number;
}

/** Which readings a plug has, and how to scale each; empty for a plug without metering. */
export type EnergyProfile = Partial<Record<Reading, Scaling>>;

/** Readings by name; null means not known right now (e.g. just after switching on). */
export type Readings = Partial<Record<Reading, number | null>>;

/**
 * What a switch command tells about the readings before the next poll: off
 * draws nothing; on draws something not yet measured. Voltage and the energy
 * total are not affected.
 */
export function readingsAfterSwitch(profile: EnergyProfile | undefined, on: boolean): Readings {
  const out: Readings = {};
  if (profile?.power) out.power = on ? null : 0;
  if (profile?.current) out.current = on ? null : 0;
  return out;
}

function parseScaling(reading: Reading, spec: DataPointSpec): Scaling | undefined {
  const scale = Number(spec.values['scale'] ?? 0);
  if (!Number.isInteger(scale) || scale < 0 || scale > 9) return undefined;
  const unit = typeof spec.values['unit'] === 'string' ? spec.values['unit'].trim() : '';
  const factor = TO_PUBLISHED[reading][unit] ?? 1;
  return { code: spec.code, scale, factor };
}

/** Reads the plug's specification into an energy profile. */
export function energyProfile(specification: DeviceSpecification): EnergyProfile {
  const profile: EnergyProfile = {};
  const specs = [...specification.status, ...specification.functions];
  for (const reading of Object.keys(READINGS) as Reading[]) {
    const spec = specs.find((candidate) => candidate.code === READINGS[reading].code);
    const scaling = spec ? parseScaling(reading, spec) : undefined;
    if (scaling) profile[reading] = scaling;
  }
  return profile;
}

export function hasEnergy(profile: EnergyProfile | undefined): boolean {
  return profile !== undefined && Object.keys(profile).length > 0;
}

// Rounded so that float noise (0.1 × 3) never shows in a published value.
function round(value: number): number {
  return Number(value.toPrecision(12));
}

/** The switch state and scaled readings in a status list; absent fields were not reported. */
export function readPoints(
  points: readonly DataPoint[],
  switchCode: string,
  profile: EnergyProfile | undefined,
): { on?: boolean } & Readings {
  const out: { on?: boolean } & Readings = {};
  for (const point of points) {
    if (point.code === switchCode && typeof point.value === 'boolean') out.on = point.value;
  }
  for (const [reading, scaling] of Object.entries(profile ?? {}) as Array<[Reading, Scaling]>) {
    const point = points.find((candidate) => candidate.code === scaling.code);
    if (typeof point?.value !== 'number' || !Number.isFinite(point.value)) continue;
    out[reading] = round((point.value / 10 ** scaling.scale) * scaling.factor);
  }
  return out;
}
