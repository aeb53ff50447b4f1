import type { Logger } from '../log/logger.js';
import type { MqttConnection } from '../mqtt/connection.js';
import type { Topics } from '../mqtt/topics.js';
import type { Plug, PlugRegistry } from '../plugs/registry.js';
import { boardDiscovery, bridgeDiscovery, plugDiscovery, plugObjectIds } from '../homeassistant/payloads.js';
import type { DiscoveryContext, DiscoveryMessage } from '../homeassistant/payloads.js';

export interface HomeAssistantOptions {
  registry: PlugRegistry;
  connection: MqttConnection;
  topics: Topics;
  context: DiscoveryContext;
  /** Home Assistant's birth topic (payload `online`). */
  statusTopic: string;
  /** A birth is answered after a random delay up to this long, so many bridges do not answer at once. */
  birthDelayMaxMs: number;
  /** Publishes every plug's state and availability again (the device-topics feature). */
  republishStates: () => Promise<void>;
  logger: Logger;
  random?: () => number;
}

/**
 * Home Assistant MQTT discovery: retained configs for every plug, the bridge
 * and each ESP32 board that reports; answers Home Assistant's birth message
 * by republishing discovery and states; clears configs of plugs that are no
 * longer configured (they are found in the broker's retained messages).
 */
export class HomeAssistantDiscovery {
  /** Last config published per topic, so unchanged ones are not re-sent on every event. */
  private readonly published = new Map<string, string>();
  private readonly boards = new Map<string, Set<string>>();
  private readonly infoListener = (plug: Plug): void => void this.publishPlug(plug, false);
  private birthTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: HomeAssistantOptions) {}

  async start(): Promise<void> {
    const { connection, topics, context, statusTopic } = this.options;
    this.options.registry.on('info', this.infoListener);
    connection.onConnect(() => void this.publishAll());
    await connection.subscribe(statusTopic, (_topic, payload) => this.onBirth(payload));
    await connection.subscribe(`${context.prefix}/+/${context.nodeId}/+/config`, (topic, payload, retained) => {
      if (retained && payload.length > 0) void this.clearIfStale(topic, payload);
    });
    // Only a board saying online counts as reporting: the broker's `offline` on its behalf does not.
    await connection.subscribe(topics.boardAvailabilityFilter, (topic, payload) => {
      if (payload.toString() === 'online') void this.noteBoard(boardOf(topic), []);
    });
    await connection.subscribe(topics.boardTelemetryFilter, (topic, payload) => {
      void this.noteBoard(boardOf(topic), telemetryFields(payload));
    });
    await this.publishAll();
  }

  stop(): void {
    this.options.registry.off('info', this.infoListener);
    clearTimeout(this.birthTimer);
  }

  /** Every config, forced: after a (re)connect or a birth, the broker or Home Assistant may have lost them. */
  async publishAll(): Promise<void> {
    const messages = [bridgeDiscovery(this.options.context)];
    for (const plug of this.options.registry.all()) messages.push(...plugDiscovery(plug, this.options.context));
    for (const [board, fields] of this.boards) messages.push(...boardDiscovery(board, fields, this.options.context));
    await Promise.all(messages.map((message) => this.publish(message, true)));
  }

  private async publishPlug(plug: Plug, force: boolean): Promise<void> {
    await Promise.all(plugDiscovery(plug, this.options.context).map((message) => this.publish(message, force)));
  }

  private async publish(message: DiscoveryMessage, force: boolean): Promise<void> {
    const payload = JSON.stringify(message.config);
    if (!force && this.published.get(message.topic) === payload) return;
    this.published.set(message.topic, payload);
    await this.options.connection.publish(message.topic, payload, { retain: true, qos: 1 });
  }

  private onBirth(payload: Buffer): void {
    if (payload.toString().trim().toLowerCase() !== 'online') return;
    clearTimeout(this.birthTimer);
    const delay = Math.round((this.options.random ?? Math.random)() * this.options.birthDelayMaxMs);
    this.options.logger.info(`Home Assistant started; republishing discovery in ${delay} ms`);
    this.birthTimer = setTimeout(() => {
      void (async () => {
        await this.publishAll();
        await this.options.connection.publish(this.options.topics.bridgeState, 'online', { retain: true, qos: 1 });
        await this.options.republishStates();
      })();
    }, delay);
  }

  /**
   * A retained config of ours that no configured plug or known board owns is
   * cleared, and so are the retained state and availability it pointed at, so
   * that a removed plug leaves nothing behind on the broker.
   */
  private async clearIfStale(topic: string, payload: Buffer): Promise<void> {
    const objectId = topic.split('/').at(-2) ?? '';
    if (objectId.startsWith('bridge_') || this.published.has(topic)) return;
    const plugs = this.options.registry.all();
    const owner = plugs.find((plug) => objectId.startsWith(`${plug.id}_`));
    if (owner && (owner.energy === undefined || plugObjectIds(owner).includes(objectId))) return;
    if (!owner && [...this.boards.keys()].some((board) => objectId.startsWith(board))) return;
    if (!owner && /^esp32-/.test(objectId)) return; // boards come and go; their configs stay
    this.options.logger.info(`Removing Home Assistant entity of a plug no longer configured`, { topic });
    const clearing = [topic, ...this.plugTopicsIn(payload)];
    await Promise.all(clearing.map((stale) => this.options.connection.publish(stale, '', { retain: true, qos: 1 })));
  }

  /** The plug's own retained topics named in a config of ours: its state and availability. */
  private plugTopicsIn(payload: Buffer): string[] {
    const { topics, registry } = this.options;
    let config: { state_topic?: unknown; availability?: unknown };
    try {
      config = JSON.parse(payload.toString()) as typeof config;
    } catch {
      return [];
    }
    const named = [config.state_topic, ...(Array.isArray(config.availability) ? config.availability.map((a: { topic?: unknown }) => a?.topic) : [])];
    const live = new Set(registry.all().flatMap((plug) => [topics.plug(plug.segment), topics.plugAvailability(plug.segment)]));
    // Only topics of a plug under our base topic: never bridge/state, never anyone else's.
    return named.filter(
      (candidate): candidate is string =>
        typeof candidate === 'string' &&
        !live.has(candidate) &&
        (topics.levelOf(candidate, 'availability') !== undefined ||
          (candidate.startsWith(`${topics.base}/`) && !candidate.slice(topics.base.length + 1).includes('/'))) &&
        !['command', 'status', 'bridge', 'esp32'].includes(candidate.slice(topics.base.length + 1).split('/')[0] ?? ''),
    );
  }

  private async noteBoard(board: string | undefined, fields: string[]): Promise<void> {
    if (board === undefined) return;
    const known = this.boards.get(board);
    const merged = new Set([...(known ?? []), ...fields]);
    if (known && merged.size === known.size) return;
    this.boards.set(board, merged);
    if (!known) this.options.logger.info(`ESP32 board ${board} reported; announcing it to Home Assistant`);
    await Promise.all(boardDiscovery(board, merged, this.options.context).map((message) => this.publish(message, false)));
  }
}

function boardOf(topic: string): string | undefined {
  const levels = topic.split('/');
  const board = levels.at(-2);
  return board && board !== '' ? board : undefined;
}

function telemetryFields(payload: Buffer): string[] {
  try {
    const value = JSON.parse(payload.toString()) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
    return Object.entries(value)
      .filter(([, field]) => typeof field === 'number' && Number.isFinite(field))
      .map(([key]) => key);
  } catch {
    return [];
  }
}
