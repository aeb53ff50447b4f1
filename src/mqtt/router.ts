import type { Dispatcher } from '../commands/dispatcher.js';
import { parseCommand } from '../commands/parse.js';
import type { ParseResult } from '../commands/parse.js';
import { errorReply } from '../commands/reply.js';
import type { Reply } from '../commands/reply.js';
import { BridgeError, quote } from '../errors.js';
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
 * Takes commands off the broker, from <base>/command and every plug's /set
 * and /get, and turns each into exactly one reply on the status topic.
 * Nothing a sender puts in a payload or topic can make it throw.
 */
export class CommandRouter {
  private readonly now: () => number;

  constructor(private readonly options: RouterOptions) {
    this.now = options.now ?? Date.now;
  }

  async start(): Promise<void> {
    const { connection, topics } = this.options;
    await connection.subscribe(topics.command, (_topic, payload, retained) => {
      this.handle(retained, payload.length, () => this.parse(payload));
    });
    await connection.subscribe(topics.setFilter, (topic, payload, retained) => {
      // An empty level (tuya//set) names no plug; it must not fall back to the default plug.
      const segment = topics.levelOf(topic, 'set') ?? '';
      this.handle(retained, payload.length, () => this.parse(payload, segment));
    });
    await connection.subscribe(topics.getFilter, (topic, payload, retained) => {
      // Any payload asks for a fresh read, as zigbee2mqtt's /get does.
      this.handle(retained, payload.length, () => this.forPlug(topics.levelOf(topic, 'get') ?? '', (device) => ({
        ok: true,
        command: { action: 'status', device },
      })));
    });
  }

  private parse(payload: Buffer, segment?: string): ParseResult {
    if (segment === undefined) return parseCommand(payload, { maxPayloadBytes: this.options.maxPayloadBytes });
    return this.forPlug(segment, (device) =>
      parseCommand(payload, { maxPayloadBytes: this.options.maxPayloadBytes, device }),
    );
  }

  /** Resolves <base>/<segment>/... to the plug's name, or an unknown_device failure naming it. */
  private forPlug(segment: string, then: (device: string) => ParseResult): ParseResult {
    const plug = this.options.registry.bySegment(segment);
    if (!plug) {
      return { ok: false, error: new BridgeError('unknown_device', `no plug has the topic level ${quote(segment)}`) };
    }
    return then(plug.name);
  }

  private handle(retained: boolean, bytes: number, parse: () => ParseResult): void {
    // A retained command would switch the plug again at every (re)connect.
    if (retained) {
      this.options.logger.warn('Ignored a retained command; clear it with an empty retained message', { bytes });
      return;
    }
    const parsed = parse();
    if (!parsed.ok) {
      const { error } = parsed;
      this.options.logger.warn(`Rejected command: ${error.message}`, { code: error.code, bytes });
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
