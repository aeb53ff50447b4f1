import { randomBytes } from 'node:crypto';
import type { DataPoint } from '../transport.js';

/**
 * One simulated plug as the Tuya cloud sees it: relay, countdown and (for
 * energy plugs) power readings, with the data point codes and specification of
 * a typical `cz` plug (facts sheet §8). Time comes from the injected clock, so
 * energy and countdowns advance with a fake clock in tests.
 */

/** How one energy data point is reported: its unit and power-of-ten scale. */
export interface DataPointScale {
  unit: string;
  scale: number;
}

/** Per-plug overrides of the energy data points' units and scales. */
export interface EnergyScales {
  cur_power?: DataPointScale;
  cur_voltage?: DataPointScale;
  cur_current?: DataPointScale;
  add_ele?: DataPointScale;
}

export interface SimulatedPlugOptions {
  id: string;
  name: string;
  /** Relay state at start. Default off. */
  on?: boolean;
  /** Whether the plug is connected to the cloud. Default true. */
  online?: boolean;
  /** true for the usual energy data points, an object to change their units/scales. Default none. */
  energy?: boolean | EnergyScales;
  productId?: string;
  productName?: string;
  model?: string;
  /** What the appliance behind the plug draws when on, in watts. Default 60 to 1500 W by id. */
  loadWatts?: number;
}

export const SWITCH_CODE = 'switch_1';
export const COUNTDOWN_CODE = 'countdown_1';
const COUNTDOWN_MAX_S = 86_400;

/** Tuya's defaults for a metering plug: W ×10, V ×10, mA, kWh ×1000. */
export const DEFAULT_ENERGY_SCALES: Required<EnergyScales> = {
  cur_power: { unit: 'W', scale: 1 },
  cur_voltage: { unit: 'V', scale: 1 },
  cur_current: { unit: 'mA', scale: 0 },
  add_ele: { unit: 'kWh', scale: 3 },
};

/** Size of one unit in the base unit the model computes in (W, V, A, kWh). */
const UNIT_FACTORS: Readonly<Record<string, number>> = { kW: 1000, mV: 1e-3, mA: 1e-3, Wh: 1e-3 };
/** Largest reading of each code in base units; the declared `max` follows from unit and scale. */
const MAX_BASE = { cur_power: 8000, cur_voltage: 500, cur_current: 30, add_ele: 50 } as const;
const MAINS_VOLTS = 230;

/** Tuya's codes for a refused command. */
const TYPE_INCORRECT = 1104;
const NOT_SUPPORTED = 2008;

function toRaw(base: number, { unit, scale }: DataPointScale): number {
  return Math.round((base / (UNIT_FACTORS[unit] ?? 1)) * 10 ** scale);
}

function integerValues(unit: string, max: number, scale: number, step: number): string {
  return JSON.stringify({ unit, min: 0, max, scale, step });
}

export class SimulatedPlug {
  readonly id: string;
  readonly name: string;
  readonly productId: string;
  readonly productName: string;
  readonly model: string;
  /** Present in details like the real API, so a client that logs it would leak a key. */
  readonly localKey = randomBytes(8).toString('hex');
  private readonly scales: Required<EnergyScales> | undefined;
  private readonly loadWatts: number;
  private readonly createdAt: number;

  private on: boolean;
  private online: boolean;
  private energyKWh = 0;
  private settledAt: number;
  private countdownEndsAt: number | undefined;
  /** What the cloud last heard before the plug dropped off; served while offline. */
  private lastReport: DataPoint[] | undefined;

  constructor(
    options: SimulatedPlugOptions,
    private readonly now: () => number,
  ) {
    this.id = options.id;
    this.name = options.name;
    this.on = options.on ?? false;
    this.online = options.online ?? true;
    this.productId = options.productId ?? 'simplugcz0000001';
    this.productName = options.productName ?? 'Simulated smart plug';
    this.model = options.model ?? 'SIM-PLUG';
    const energy = options.energy ?? false;
    if (energy !== false) this.scales = { ...DEFAULT_ENERGY_SCALES, ...(energy === true ? {} : energy) };
    this.loadWatts = options.loadWatts ?? 60 + (hash(options.id) % 1441);
    this.settledAt = this.createdAt = now();
  }

  get isOn(): boolean {
    this.settle();
    return this.on;
  }

  get isOnline(): boolean {
    return this.online;
  }

  /** A change of the relay from anywhere: the cloud, the button, the app. */
  setSwitch(on: boolean): void {
    this.settle();
    this.on = on;
    this.countdownEndsAt = undefined;
  }

  setOnline(online: boolean): void {
    if (this.online && !online) this.lastReport = this.status();
    this.online = online;
    if (online) this.lastReport = undefined;
  }

  /** Tuya's code for a command this plug would refuse, or undefined when it is acceptable. */
  checkCommand(code: string, value: unknown): number | undefined {
    if (code === SWITCH_CODE) return typeof value === 'boolean' ? undefined : TYPE_INCORRECT;
    if (code !== COUNTDOWN_CODE) return NOT_SUPPORTED;
    if (typeof value !== 'number' || !Number.isInteger(value)) return TYPE_INCORRECT;
    return value < 0 || value > COUNTDOWN_MAX_S ? NOT_SUPPORTED : undefined;
  }

  /** Applies a command that checkCommand() accepted. */
  applyCommand(code: string, value: unknown): void {
    if (code === SWITCH_CODE) {
      this.setSwitch(value === true);
      return;
    }
    this.settle();
    const seconds = typeof value === 'number' ? value : 0;
    this.countdownEndsAt = seconds === 0 ? undefined : this.now() + seconds * 1000;
  }

  /** The data points the status endpoints report, in the order a real plug lists them. */
  status(): DataPoint[] {
    if (this.lastReport) return this.lastReport;
    this.settle();
    const ends = this.countdownEndsAt;
    const remaining = ends === undefined ? 0 : Math.ceil((ends - this.now()) / 1000);
    const points: DataPoint[] = [
      { code: SWITCH_CODE, value: this.on },
      { code: COUNTDOWN_CODE, value: remaining },
    ];
    if (!this.scales) return points;

    // Readings wobble like a real meter: ±2 % on the load, ±1 % on the mains.
    const volts = MAINS_VOLTS * (1 + (Math.random() - 0.5) * 0.02);
    const watts = this.on ? this.loadWatts * (1 + (Math.random() - 0.5) * 0.04) : 0;
    points.push(
      { code: 'add_ele', value: toRaw(this.energyKWh, this.scales.add_ele) },
      { code: 'cur_current', value: toRaw(watts / volts, this.scales.cur_current) },
      { code: 'cur_power', value: toRaw(watts, this.scales.cur_power) },
      { code: 'cur_voltage', value: toRaw(volts, this.scales.cur_voltage) },
    );
    return points;
  }

  /** The body of GET /v1.0/iot-03/devices/{id}, with the fields the real API returns. */
  details(): Record<string, unknown> {
    const created = Math.floor(this.createdAt / 1000);
    return {
      id: this.id,
      uuid: this.id,
      name: this.name,
      category: 'cz',
      product_id: this.productId,
      product_name: this.productName,
      model: this.model,
      local_key: this.localKey,
      online: this.online,
      sub: false,
      asset_id: '',
      ip: '203.0.113.10', // the cloud's view: a public address, never the LAN one
      lon: '',
      lat: '',
      time_zone: '+00:00',
      active_time: created,
      create_time: created,
      update_time: created,
    };
  }

  /** The body of GET …/specification: `values` are JSON strings, as on the wire. */
  specification(): Record<string, unknown> {
    const functions = [
      { code: SWITCH_CODE, type: 'Boolean', values: '{}' },
      { code: COUNTDOWN_CODE, type: 'Integer', values: integerValues('s', COUNTDOWN_MAX_S, 0, 1) },
    ];
    const status = [...functions];
    if (this.scales) {
      for (const code of ['add_ele', 'cur_current', 'cur_power', 'cur_voltage'] as const) {
        const scale = this.scales[code];
        const step = code === 'add_ele' ? 100 : 1;
        const values = integerValues(scale.unit, toRaw(MAX_BASE[code], scale), scale.scale, step);
        status.push({ code, type: 'Integer', values });
      }
    }
    return { category: 'cz', functions, status };
  }

  /** Brings energy and the countdown up to now; every read and change goes through here. */
  private settle(): void {
    const now = this.now();
    if (this.countdownEndsAt !== undefined && now >= this.countdownEndsAt) {
      this.accrue(this.countdownEndsAt);
      this.on = !this.on; // a Tuya countdown flips the relay when it runs out
      this.countdownEndsAt = undefined;
    }
    this.accrue(now);
  }

  private accrue(until: number): void {
    if (until <= this.settledAt) return;
    if (this.on) this.energyKWh += (this.loadWatts * (until - this.settledAt)) / 3_600_000_000;
    this.settledAt = until;
  }
}

/** A small stable number from an id, so each plug gets its own load without configuration. */
function hash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) >>> 0;
  return h;
}
