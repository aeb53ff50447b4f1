import { Writable } from 'node:stream';
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import { startApp } from '../../src/app.js';
import type { App } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import { createLogger, silentLogger } from '../../src/log/logger.js';
import type { Logger } from '../../src/log/logger.js';

export interface TestBridge {
  app: App;
  mqttUrl: string;
  httpUrl: string;
  /** Every log line written so far (only when started with captureLogs). */
  logs: string[];
  stop(): Promise<void>;
}

/**
 * Starts the whole bridge in-process the way main.ts does, on free ports:
 * embedded broker, HTTP API, and (without credentials) the simulated cloud.
 */
export async function startBridge(
  options: { env?: Record<string, string>; captureLogs?: boolean; logLevel?: string } = {},
): Promise<TestBridge> {
  const config = loadConfig({
    env: { BROKER_PORT: '0', HTTP_PORT: '0', POLL_INTERVAL_SECONDS: '0', ...options.env },
  });
  const logs: string[] = [];
  let logger: Logger = silentLogger;
  if (options.captureLogs) {
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(chunk.toString());
        done();
      },
    });
    logger = createLogger({ level: options.logLevel ?? 'debug', format: 'json', stream });
  }
  const app = await startApp(config, logger);
  return {
    app,
    mqttUrl: app.broker?.url ?? config.mqtt.url,
    httpUrl: `http://127.0.0.1:${app.httpPort ?? 0}`,
    logs,
    stop: () => app.stop(),
  };
}

/** A real MQTT.js client that sends commands and collects what arrives on status topics. */
export class MqttProbe {
  readonly received: Array<{ topic: string; payload: string; retain: boolean }> = [];
  private waiters: Array<() => void> = [];

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      this.received.push({ topic, payload: payload.toString(), retain: packet.retain });
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static async connect(url: string, subscribe: string[] = ['tuya/status']): Promise<MqttProbe> {
    const client = await mqtt.connectAsync(url, { reconnectPeriod: 200 });
    const probe = new MqttProbe(client);
    if (subscribe.length > 0) await client.subscribeAsync(subscribe, { qos: 1 });
    return probe;
  }

  async send(payload: string | Buffer, topic = 'tuya/command'): Promise<void> {
    await this.client.publishAsync(topic, payload, { qos: 1 });
  }

  /** Resolves with the first message (already received or still to come) that matches. */
  async waitFor(
    match: (message: { topic: string; payload: string; retain: boolean }) => boolean,
    timeoutMs = 5000,
  ): Promise<{ topic: string; payload: string; retain: boolean }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.received.slice(-5))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The reply carrying this correlation id, parsed. */
  async reply(id: string, timeoutMs = 5000): Promise<Record<string, unknown>> {
    const message = await this.waitFor((m) => m.topic.endsWith('/status') && m.payload.includes(`"id":${JSON.stringify(id)}`), timeoutMs);
    return JSON.parse(message.payload) as Record<string, unknown>;
  }

  /** Sends a command with a fresh id and returns its reply. */
  async command(fields: Record<string, unknown>, topic = 'tuya/command'): Promise<Record<string, unknown>> {
    const id = `t${Math.random().toString(36).slice(2)}`;
    await this.send(JSON.stringify({ ...fields, id }), topic);
    return this.reply(id);
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}
