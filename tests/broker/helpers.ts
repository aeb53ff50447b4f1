import mqtt from 'mqtt';
import type { IClientOptions, MqttClient } from 'mqtt';
import { EXAMPLE_ACL } from '../../broker/acl.js';
import { startEmbeddedBroker } from '../../broker/embedded-broker.js';
import type { EmbeddedBroker, EmbeddedBrokerOptions } from '../../broker/embedded-broker.js';
import { hashPassword } from '../../broker/password-hash.js';
import type { BrokerUser } from '../../broker/users.js';

/** Cheap scrypt for tests: the format and the code path are the real ones. */
const TEST_SCRYPT = { N: 1024, r: 8, p: 1 };

export const PASSWORDS = { esp32: 'esp32-secret', homeassistant: 'ha-secret', bridge: 'bridge-secret' } as const;
export type ExampleUser = keyof typeof PASSWORDS;

let users: Promise<BrokerUser[]> | undefined;

/** The three example users of EXAMPLE_ACL, hashed once per test file. */
export function exampleUsers(): Promise<BrokerUser[]> {
  users ??= Promise.all(
    (Object.keys(PASSWORDS) as ExampleUser[]).map(async (username) => ({
      username,
      passwordHash: await hashPassword(PASSWORDS[username], TEST_SCRYPT),
      publish: [...EXAMPLE_ACL[username].publish],
      subscribe: [...EXAMPLE_ACL[username].subscribe],
    })),
  );
  return users;
}

export interface TestBroker {
  broker: EmbeddedBroker;
  /** Every warning and info line the broker wrote. */
  logs: string[];
  close(): Promise<void>;
}

/** A broker on 127.0.0.1:0 with the example users and no anonymous access. */
export async function startTestBroker(options: Partial<EmbeddedBrokerOptions> = {}): Promise<TestBroker> {
  const logs: string[] = [];
  const broker = await startEmbeddedBroker({
    host: '127.0.0.1',
    port: 0,
    allowAnonymous: false,
    users: await exampleUsers(),
    logger: { info: (line) => logs.push(line), warn: (line) => logs.push(line) },
    ...options,
  });
  return { broker, logs, close: () => broker.close() };
}

const open = new Set<MqttClient>();

/** A real MQTT.js client that does not reconnect, logged in as `user` unless anonymous. */
export async function connectAs(
  url: string,
  user: ExampleUser | undefined,
  options: IClientOptions = {},
): Promise<MqttClient> {
  const client = await mqtt.connectAsync(
    url,
    {
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...(user === undefined ? {} : { username: user, password: PASSWORDS[user] }),
      ...options,
    },
    false,
  );
  open.add(client);
  return client;
}

/** Ends every client connectAs made; for afterEach. */
export async function endClients(): Promise<void> {
  await Promise.all([...open].map((client) => client.endAsync(true)));
  open.clear();
}

/** Collects every message a client receives. */
export function collect(client: MqttClient): Array<{ topic: string; payload: string }> {
  const seen: Array<{ topic: string; payload: string }> = [];
  client.on('message', (topic, payload) => seen.push({ topic, payload: payload.toString() }));
  return seen;
}

/** Resolves once `check` holds, polling; fails after `ms`. */
export async function until(check: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
