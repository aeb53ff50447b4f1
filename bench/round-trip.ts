import { performance } from 'node:perf_hooks';
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';

/**
 * Request/reply over MQTT as the benchmark measures it: a requester publishes
 * a command carrying an id and waits for the message on the reply topic that
 * echoes it. The same code times the raw broker, the echo floor and the bridge.
 */
export class Requester {
  private readonly waiting = new Map<string, () => void>();
  private next = 0;

  private constructor(
    private readonly client: MqttClient,
    private readonly commandTopic: string,
  ) {
    client.on('message', (_topic, payload) => {
      const match = /"id":"(r\d+)"/.exec(payload.toString());
      const id = match?.[1];
      if (id === undefined) return;
      const wake = this.waiting.get(id);
      if (wake) {
        this.waiting.delete(id);
        wake();
      }
    });
  }

  static async connect(url: string, commandTopic: string, replyTopic: string): Promise<Requester> {
    const client = await mqtt.connectAsync(url, { clientId: `bench-${process.pid}-${Math.random().toString(36).slice(2)}` });
    await client.subscribeAsync(replyTopic, { qos: 0 });
    return new Requester(client, commandTopic);
  }

  /** Sends one request and resolves with its round-trip time in ms. */
  request(fields: Record<string, unknown>): Promise<number> {
    const id = `r${this.next++}`;
    const started = performance.now();
    return new Promise<number>((resolve) => {
      this.waiting.set(id, () => resolve(performance.now() - started));
      this.client.publish(this.commandTopic, JSON.stringify({ ...fields, id }), { qos: 0 });
    });
  }

  /** One request after another; returns every round-trip time. */
  async sequential(count: number, fields: (i: number) => Record<string, unknown>): Promise<number[]> {
    const samples: number[] = [];
    for (let i = 0; i < count; i += 1) samples.push(await this.request(fields(i)));
    return samples;
  }

  /** Keeps `inFlight` requests outstanding until `total` are answered; returns requests per second. */
  async sustained(total: number, inFlight: number, fields: (i: number) => Record<string, unknown>): Promise<number> {
    let sent = 0;
    const started = performance.now();
    const lane = async (): Promise<void> => {
      while (sent < total) {
        const i = sent++;
        await this.request(fields(i));
      }
    };
    await Promise.all(Array.from({ length: inFlight }, lane));
    return (total / (performance.now() - started)) * 1000;
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}

/** The floor for any bridge on this broker: parse the command, publish a reply. */
export async function startEchoResponder(url: string, commandTopic: string, replyTopic: string): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, { clientId: `bench-echo-${process.pid}` });
  client.on('message', (_topic, payload) => {
    const command = JSON.parse(payload.toString()) as { action?: string; device?: string; id?: string };
    const reply = { status: 'ok', device: command.device ?? null, state: command.action === 'on' ? 'ON' : 'OFF', id: command.id };
    client.publish(replyTopic, JSON.stringify(reply), { qos: 0 });
  });
  await client.subscribeAsync(commandTopic, { qos: 0 });
  return client;
}
