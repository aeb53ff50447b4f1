import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import type { Logger } from '../log/logger.js';
import { topicMatches } from './topic-match.js';

export interface ConnectionOptions {
  url: string;
  username: string;
  password: string;
  clientId: string;
  reconnectMs: number;
  /** Retained topic that says `online` while connected and `offline` as the last will. */
  availabilityTopic: string;
  logger: Logger;
}

const FIRST_CONNECT_WAIT_MS = 5000;
// A session shorter than this counts towards suspecting a client id takeover.
const SHORT_SESSION_MS = 2000;
const TAKEOVER_SUSPICION = 3;

/** The URL as it may be logged: without user and password. */
export function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '(unparsable URL)';
  }
}

export type MessageHandler = (topic: string, payload: Buffer, retained: boolean) => void;

/**
 * The bridge's one connection to a broker, embedded or external alike.
 * It reconnects forever, restores its subscriptions and `online` after each
 * reconnect, and its publish() never throws: a failure is a log line.
 */
export class MqttConnection {
  private client: MqttClient | undefined;
  private readonly subscriptions = new Map<string, MessageHandler>();
  private readonly connectHandlers: Array<() => void> = [];
  private wasConnected = false;
  private connects = 0;
  private stopping = false;
  private connectedAt = 0;
  private shortSessions = 0;

  constructor(private readonly options: ConnectionOptions) {}

  get connected(): boolean {
    return this.client?.connected === true;
  }

  /** Called after every (re)connect, once subscriptions are restored. */
  onConnect(handler: () => void): void {
    this.connectHandlers.push(handler);
  }

  /** Connects; resolves on the first CONNACK, or after a few seconds of trying (it keeps trying). */
  async start(): Promise<void> {
    const { url, username, password, reconnectMs, availabilityTopic, logger } = this.options;
    const clientId = this.options.clientId || `tuya-mqtt-bridge-${randomBytes(4).toString('hex')}`;
    logger.info(`Connecting to ${withoutCredentials(url)}`, { clientId, username: username || undefined });

    const client = mqtt.connect(url, {
      clientId,
      username: username || undefined,
      password: password || undefined,
      reconnectPeriod: reconnectMs,
      connectTimeout: 10_000,
      clean: true,
      will: { topic: availabilityTopic, payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    this.client = client;

    client.on('message', (topic, payload, packet) => this.deliver(topic, payload, packet.retain));
    client.on('connect', () => {
      // Same reason as the embedded broker's noDelay: replies must not wait ~40 ms
      // behind the retained state publish for a delayed ACK (external brokers too).
      const socket = client.stream as { setNoDelay?: (noDelay: boolean) => void };
      socket.setNoDelay?.(true);
      void this.afterConnect();
    });
    client.on('close', () => {
      if (this.wasConnected && !this.stopping) this.noteDrop(clientId);
      this.wasConnected = false;
    });
    // One line per outage: MQTT.js reports every failed reconnect attempt.
    let reported = false;
    client.on('error', (err) => {
      if (!reported) logger.error(`MQTT error: ${err.message}; retrying every ${reconnectMs} ms`);
      reported = true;
    });
    client.on('connect', () => (reported = false));

    // Wait a little for the first connection, but a broker that is not up yet
    // (started by the same compose file, rebooting) is retried, not fatal.
    const connected = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), FIRST_CONNECT_WAIT_MS);
      client.once('connect', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!connected) logger.warn(`Broker ${withoutCredentials(url)} not reachable yet; still trying`);
  }

  /** Subscribes to a filter; its handler gets every message that matches it, now and after reconnects. */
  async subscribe(filter: string, handler: MessageHandler): Promise<void> {
    this.subscriptions.set(filter, handler);
    if (this.client?.connected) await this.client.subscribeAsync(filter, { qos: 1 });
  }

  private deliver(topic: string, payload: Buffer, retained: boolean): void {
    for (const [filter, handler] of this.subscriptions) {
      if (!topicMatches(filter, topic)) continue;
      try {
        handler(topic, payload, retained);
      } catch (err) {
        // A handler bug must not take the connection down with it.
        this.options.logger.error(`Handler for ${filter} failed: ${(err as Error).stack ?? String(err)}`);
      }
    }
  }

  publish(topic: string, payload: string, options: { retain?: boolean; qos?: 0 | 1 } = {}): Promise<void> {
    const client = this.client;
    // After stop() has begun only its own `offline` may go out; late publishes are dropped quietly.
    if (!client || (this.stopping && topic !== this.options.availabilityTopic)) return Promise.resolve();
    return client.publishAsync(topic, payload, { qos: options.qos ?? 0, retain: options.retain ?? false }).then(
      () => undefined,
      (err: Error) => this.options.logger.warn(`Publish to ${topic} failed: ${err.message}`),
    );
  }

  /** Publishes `offline`, then disconnects cleanly (so the broker does not send the will). */
  async stop(): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.stopping = true;
    if (client.connected) {
      await this.publish(this.options.availabilityTopic, 'offline', { retain: true, qos: 1 });
    }
    await client.endAsync();
    this.client = undefined;
  }

  /**
   * Connections that drop right after they were made, again and again, are
   * almost always another client taking over our client id (a second bridge
   * with the same MQTT_CLIENT_ID). Say so once, and slow the reconnects down
   * so the two do not knock each other off in a tight loop.
   */
  private noteDrop(clientId: string): void {
    const { logger, reconnectMs } = this.options;
    const short = Date.now() - this.connectedAt < SHORT_SESSION_MS;
    this.shortSessions = short ? this.shortSessions + 1 : 0;
    if (this.shortSessions === TAKEOVER_SUSPICION) {
      logger.error(`The broker keeps dropping this connection: is another client using the client id "${clientId}"?`);
    }
    if (this.shortSessions >= TAKEOVER_SUSPICION && this.client) {
      this.client.options.reconnectPeriod = Math.min(reconnectMs * 2 ** (this.shortSessions - 1), 60_000);
      return;
    }
    if (this.client) this.client.options.reconnectPeriod = reconnectMs;
    if (this.shortSessions === 0) logger.warn('Disconnected from the broker; reconnecting');
  }

  private async afterConnect(): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.connects += 1;
    this.wasConnected = true;
    this.connectedAt = Date.now();
    this.options.logger.info(this.connects > 1 ? 'Reconnected to the broker' : 'Connected to the broker');
    try {
      if (this.subscriptions.size > 0) await client.subscribeAsync([...this.subscriptions.keys()], { qos: 1 });
    } catch (err) {
      this.options.logger.error(`Subscribe failed: ${(err as Error).message}`);
    }
    await this.publish(this.options.availabilityTopic, 'online', { retain: true, qos: 1 });
    for (const handler of this.connectHandlers) handler();
  }
}
