import { stateReply } from '../commands/reply.js';
import type { MqttConnection } from '../mqtt/connection.js';
import type { Topics } from '../mqtt/topics.js';
import type { PlugRegistry, StateChange } from '../plugs/registry.js';

/**
 * Publishes on the status topic the switch and online changes nobody has been
 * told of: those learned by polling (the plug's own button, the Tuya app). A
 * command's change is not repeated here; its reply already says it. Energy
 * readings go to the per-plug state topic only, or this topic would chatter.
 */
export class StatusPublisher {
  private readonly listener = (change: StateChange): void => this.onChange(change);

  constructor(
    private readonly registry: PlugRegistry,
    private readonly connection: MqttConnection,
    private readonly topics: Topics,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.registry.on('change', this.listener);
  }

  stop(): void {
    this.registry.off('change', this.listener);
  }

  private onChange(change: StateChange): void {
    if (change.source !== 'poll' || !change.switched) return;
    const reply = stateReply(change.plug, { now: this.now() });
    void this.connection.publish(this.topics.status, JSON.stringify(reply));
  }
}
