import { EventEmitter } from 'node:events';
import { BridgeError } from '../errors.js';
import type { PlugConfig } from '../config/schema.js';
import { unknownState } from './state.js';
import type { PlugState, StateSource } from './state.js';

export interface StateChange {
  plug: Plug;
  previous: PlugState;
  /** Who caused it: a command's own reply already tells its sender, a poll tells nobody yet. */
  source: StateSource;
}

export interface Plug {
  readonly name: string;
  readonly id: string;
  state: PlugState;
  /** The state a command in flight is setting; polls meanwhile are not trusted. */
  intended: boolean | null;
  /** Epoch ms when the cloud last accepted a command; polls just after it are not trusted. */
  commandedAt: number;
}

/**
 * The configured plugs, found by name (any case) or Tuya id, and the one place
 * their state changes: every change goes through update() and is announced
 * as a 'change' event for whoever publishes it.
 */
export class PlugRegistry extends EventEmitter<{ change: [StateChange] }> {
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

  add(config: PlugConfig): Plug {
    const name = config.name.trim();
    for (const key of [name.toLowerCase(), config.id]) {
      if (this.byKey.has(key)) throw new BridgeError('invalid_command', `two plugs are called "${key}"`);
    }
    const plug: Plug = { name, id: config.id, state: unknownState(), intended: null, commandedAt: 0 };
    this.plugs.push(plug);
    this.byKey.set(config.id, plug);
    this.byKey.set(name.toLowerCase(), plug);
    return plug;
  }

  all(): readonly Plug[] {
    return this.plugs;
  }

  find(nameOrId: string): Plug | undefined {
    return this.byKey.get(nameOrId) ?? this.byKey.get(nameOrId.trim().toLowerCase());
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
    if (!plug) throw new BridgeError('unknown_device', `no plug is called "${device}"`);
    return plug;
  }

  /** Records what was learned; emits 'change' only when the switch or online flag moved. */
  update(plug: Plug, learned: { on?: boolean; online?: boolean }, source: StateSource, at: number): void {
    const previous = plug.state;
    plug.state = {
      on: learned.on ?? previous.on,
      online: learned.online ?? previous.online,
      updatedAt: at,
      source,
    };
    if (plug.state.on !== previous.on || plug.state.online !== previous.online) {
      this.emit('change', { plug, previous, source });
    }
  }
}
