import type { Dispatcher } from '../commands/dispatcher.js';
import { parseCommand } from '../commands/parse.js';
import { errorReply } from '../commands/reply.js';
import type { Reply } from '../commands/reply.js';
import type { Logger } from '../log/logger.js';
import type { PlugRegistry } from '../plugs/registry.js';
import type { MqttConnection } from './connection.js';
import type { Topics } from './topics.js';

export interface RouterOptions {
  connection: MqttConnection;
  topics: Topics;
  dispatcher: Dispatcher;
  registry: PlugRegistry;
  logger: Logger;
  maxPayloadBytes: number;
  now?: () => number;
}

/**
 * Takes messages off the broker and turns each command into exactly one reply
 * on the status topic. Nothing a sender puts in a payload can make it throw.
 */
export class CommandRouter {
  private readonly now: () => number;

  constructor(private readonly options: RouterOptions) {
    this.now = options.now ?? Date.now;
  }

  async start(): Promise<void> {
    this.options.connection.onMessage((topic, payload) => this.onMessage(topic, payload));
    await this.options.connection.subscribe(this.options.topics.command);
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (topic !== this.options.topics.command) return;
    const parsed = parseCommand(payload, { maxPayloadBytes: this.options.maxPayloadBytes });
    if (!parsed.ok) {
      const { error } = parsed;
      this.options.logger.warn(`Rejected command: ${error.message}`, { code: error.code, bytes: payload.length });
      const plug = parsed.device !== undefined ? this.options.registry.find(parsed.device) : undefined;
      void this.reply(errorReply(error, plug, { id: parsed.id, now: this.now() }));
      return;
    }
    void this.options.dispatcher.execute(parsed.command).then((reply) => this.reply(reply));
  }

  private reply(reply: Reply): Promise<void> {
    return this.options.connection.publish(this.options.topics.status, JSON.stringify(reply));
  }
}
