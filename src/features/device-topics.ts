import type { MqttConnection } from '../mqtt/connection.js';
import type { Topics } from '../mqtt/topics.js';
import type { Plug, PlugRegistry, StateChange } from '../plugs/registry.js';

/** The retained whole-state JSON on <base>/<segment>, zigbee2mqtt style. */
export function plugStatePayload(plug: Plug): Record<string, unknown> {
  const { state } = plug;
  return {
    state: state.on === null ? null : state.on ? 'ON' : 'OFF',
    online: state.online,
    ...state.readings,
    last_seen: state.updatedAt === null ? null : new Date(state.updatedAt).toISOString(),
  };
}

/**
 * Publishes each plug's state (retained, on every change) and availability
 * (retained online/offline), and replays both after every (re)connect, so a
 * broker that restarted without persistence is refilled.
 */
export class DeviceTopics {
  private readonly listener = (change: StateChange): void => void this.publishPlug(change.plug, change.switched);

  constructor(
    private readonly registry: PlugRegistry,
    private readonly connection: MqttConnection,
    private readonly topics: Topics,
  ) {}

  start(): void {
    this.registry.on('change', this.listener);
  }

  stop(): void {
    this.registry.off('change', this.listener);
  }

  /** Publishes every plug's state and availability. */
  async publishAll(): Promise<void> {
    await Promise.all(this.registry.all().map((plug) => this.publishPlug(plug, true)));
  }

  private async publishPlug(plug: Plug, availabilityToo: boolean): Promise<void> {
    // A state never learned would overwrite the broker's last good retained one with nulls.
    if (plug.state.updatedAt === null) return;
    const publishing = [
      this.connection.publish(this.topics.plug(plug.segment), JSON.stringify(plugStatePayload(plug)), {
        retain: true,
        qos: 1,
      }),
    ];
    if (availabilityToo && plug.state.online !== null) {
      const word = plug.state.online ? 'online' : 'offline';
      publishing.push(this.connection.publish(this.topics.plugAvailability(plug.segment), word, { retain: true, qos: 1 }));
    }
    await Promise.all(publishing);
  }
}
