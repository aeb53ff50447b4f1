import { EventEmitter } from 'node:events';
import { BridgeError, quote } from '../errors.js';
import type { PlugConfig } from '../config/schema.js';
import type { EnergyProfile, Readings } from '../tuya/datapoints.js';
import type { DeviceDetails } from '../tuya/transport.js';
import { segmentProblem, topicSegment } from './naming.js';
import { unknownState } from './state.js';
import type { PlugState, StateSource } from './state.js';

export interface Plug {
  readonly name: string;
  readonly id: string;
  /** The plug's topic level: tuya/<segment>. */
  readonly segment: string;
  state: PlugState;
  /** The state a command in flight is setting; polls meanwhile are not trusted. */
  intended: boolean | null;
  /** Epoch ms when the cloud last accepted a command; polls just after it are not trusted. */
  commandedAt: number;
  /** Read once from the plug's specification; undefined until then. */
  energy: EnergyProfile | undefined;
  /** Product facts from the cloud (model, product name); undefined until read. */
  details: DeviceDetails | undefined;
}

export interface StateChange {
  plug: Plug;
  previous: PlugState;
  /** Who caused it: a command's own reply already tells its sender, a poll tells nobody yet. */
  source: StateSource;
  /** Whether the switch or the online flag moved (not only a reading). */
  switched: boolean;
}

interface RegistryEvents {
  change: [StateChange];
  /** A plug's specification or details were learned. */
  info: [Plug];
}

export type Learned = { on?: boolean; online?: boolean } & Readings;

/**
 * The configured plugs, found by name (any case), topic segment or Tuya id,
 * and the one place their state changes: every change goes through update()
 * and is announced as a 'change' event for whoever publishes it.
 */
export class PlugRegistry extends EventEmitter<RegistryEvents> {
  private readonly plugs: Plug[] = [];
  private readonly byKey = new Map<string, Plug>();
  private readonly defaultName: string;

  constructor(configs: readonly PlugConfig[], defaultPlug = '') {
    super();
    for (const config of configs) this.add(config);
    if (defaultPlug !== '' && !this.find(defaultPlug)) {
      throw new BridgeError('unknown_device', `default plug "${defaultPlug}" is not in the plug list`);
    }
    this.defaultName = defaultPlug;
  }

  /** Adds a plug; throws when its name is unusable or clashes with another plug's. */
  add(config: PlugConfig): Plug {
    const name = config.name.trim();
    const segment = topicSegment(name);
    const problem = segmentProblem(name, segment);
    if (problem) throw new BridgeError('invalid_command', problem);
    for (const existing of this.plugs) {
      if (existing.id === config.id) throw new BridgeError('invalid_command', `plug id ${config.id} is listed twice`);
      if (existing.segment === segment || existing.name.toLowerCase() === name.toLowerCase()) {
        throw new BridgeError(
          'invalid_command',
          `plugs "${existing.name}" and "${name}" would share the topic .../${segment}; rename one`,
        );
      }
    }
    const plug: Plug = {
      name,
      id: config.id,
      segment,
      state: unknownState(),
      intended: null,
      commandedAt: 0,
      energy: undefined,
      details: undefined,
    };
    this.plugs.push(plug);
    for (const key of [config.id, name.toLowerCase(), segment]) {
      if (!this.byKey.has(key)) this.byKey.set(key, plug);
    }
    return plug;
  }

  all(): readonly Plug[] {
    return this.plugs;
  }

  find(nameOrId: string): Plug | undefined {
    return this.byKey.get(nameOrId) ?? this.byKey.get(nameOrId.trim().toLowerCase());
  }

  bySegment(segment: string): Plug | undefined {
    const plug = this.byKey.get(segment);
    return plug?.segment === segment ? plug : undefined;
  }

  /** The plug a command means: the one it names, or the default when it names none. */
  resolve(device: string | undefined): Plug {
    if (device === undefined) {
      const fallback = this.defaultName !== '' ? this.find(this.defaultName) : undefined;
      if (fallback) return fallback;
      const only = this.plugs.length === 1 ? this.plugs[0] : undefined;
      if (only) return only;
      throw new BridgeError(
        'unknown_device',
        this.plugs.length === 0
          ? 'no plugs are configured'
          : 'the command names no "device" and no default plug is set (DEFAULT_PLUG)',
      );
    }
    const plug = this.find(device);
    if (!plug) throw new BridgeError('unknown_device', `no plug is called ${quote(device)}`);
    return plug;
  }

  /** Records what was learned; emits 'change' when anything published moved. */
  update(plug: Plug, learned: Learned, source: StateSource, at: number): void {
    const previous = plug.state;
    const { on, online, ...readings } = learned;
    plug.state = {
      on: on ?? previous.on,
      online: online ?? previous.online,
      readings: { ...previous.readings, ...readings },
      updatedAt: at,
      source,
    };
    const switched = plug.state.on !== previous.on || plug.state.online !== previous.online;
    const readingsMoved = Object.entries(readings).some(
      ([key, value]) => previous.readings[key as keyof Readings] !== value,
    );
    if (switched || readingsMoved) this.emit('change', { plug, previous, source, switched });
  }

  /** Records the plug's specification-derived energy profile and product details. */
  describe(plug: Plug, info: { energy?: EnergyProfile; details?: DeviceDetails }): void {
    if (info.energy) plug.energy = info.energy;
    if (info.details) plug.details = info.details;
    this.emit('info', plug);
  }
}
