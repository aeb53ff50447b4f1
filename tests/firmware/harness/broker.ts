// A real Aedes broker on 127.0.0.1, port 0, that a test can take down and bring back on the
// same port (an outage), plus a small recording MQTT client for assertions.

import net from 'node:net';
import { Aedes, type AedesOptions } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { attachBoardPresence } from '../../../broker/board-presence.js';

export interface TestBroker {
  readonly broker: Aedes;
  readonly port: number;
  readonly url: string;
  /** performance.now() of every TCP connection accepted, to count connection attempts. */
  readonly connections: readonly number[];
  /** Outage: stop listening and cut every connection. Retained messages survive. */
  stop(): Promise<void>;
  /** Listen again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface TestBrokerOptions {
  authenticate?: AedesOptions['authenticate'];
  /** Attach broker/board-presence.ts with this base topic (default "tuya"); false to leave it out. */
  boardPresence?: string | false;
}

export async function startTestBroker(options: TestBrokerOptions = {}): Promise<TestBroker> {
  const broker = await Aedes.createBroker(options.authenticate ? { authenticate: options.authenticate } : {});
  if (options.boardPresence !== false) {
    attachBoardPresence(broker, { baseTopic: options.boardPresence ?? 'tuya' });
  }
  const connections: number[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections.push(performance.now());
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  const listen = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  const port = await listen(0);
  let listening = true;

  const stop = async (): Promise<void> => {
    if (!listening) return;
    listening = false;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  return {
    broker, port, url: `mqtt://127.0.0.1:${port}`, connections, stop,
    async start() {
      if (listening) return;
      await listen(port);
      listening = true;
    },
    async close() {
      await stop();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
}

export interface Received {
  topic: string;
  payload: string;
  retain: boolean;
  /** performance.now() on arrival. */
  at: number;
}

export interface Observer {
  readonly client: MqttClient;
  readonly messages: readonly Received[];
  /** Messages received on one topic, oldest first. */
  on(topic: string): Received[];
  waitFor(predicate: (m: Received) => boolean, timeoutMs?: number): Promise<Received>;
  publish(topic: string, payload: string, retain?: boolean): Promise<void>;
  close(): Promise<void>;
}

/** A plain MQTT client that records everything on the given topic filters. */
export async function observe(url: string, topics: string[], clientId?: string): Promise<Observer> {
  const id = clientId ?? `observer-${Math.random().toString(16).slice(2)}`;
  const client = await mqtt.connectAsync(url, { clientId: id, reconnectPeriod: 0 });
  const messages: Received[] = [];
  client.on('message', (topic, payload, packet) => {
    messages.push({ topic, payload: payload.toString('utf8'), retain: packet.retain, at: performance.now() });
  });
  await client.subscribeAsync(topics, { qos: 1 });
  return {
    client,
    messages,
    on: (topic) => messages.filter((m) => m.topic === topic),
    async waitFor(predicate, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.find(predicate);
        if (found) return found;
        if (Date.now() > deadline) {
          const recent = messages.slice(-10).map((m) => [m.topic, m.payload]);
          throw new Error(`no matching message; last ones: ${JSON.stringify(recent)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async publish(topic, payload, retain = false) {
      await client.publishAsync(topic, payload, { qos: 1, retain });
    },
    async close() {
      await client.endAsync(true);
    },
  };
}
