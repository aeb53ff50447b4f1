import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IClientOptions } from 'mqtt';
import { writeSelfSignedCertificate } from '../../broker/certificate.js';
import type { ListenerProtocol } from '../../broker/listeners.js';
import { collect, connectAs, endClients, startTestBroker, until } from './helpers.js';
import type { ExampleUser, TestBroker } from './helpers.js';

/**
 * The example access lists, enforced the same way on each listener. An
 * anonymous observer subscribed to '#' sees whatever gets through.
 */

interface Case {
  user: ExampleUser;
  clientId: string;
  publishAllowed: string[];
  publishDenied: string[];
  subscribeAllowed: string[];
  subscribeDenied: string[];
}

const CASES: Case[] = [
  {
    user: 'esp32',
    clientId: 'esp32-kitchen',
    publishAllowed: [
      'tuya/command',
      'tuya/esp32/esp32-kitchen/availability',
      'tuya/esp32/esp32-kitchen/telemetry/rssi',
    ],
    publishDenied: ['tuya/esp32/esp32-hall/availability', 'tuya/desk/set', 'tuya/status', 'homeassistant/status'],
    subscribeAllowed: ['tuya/status'],
    subscribeDenied: ['tuya/#', 'tuya/+', '#', 'tuya/command'],
  },
  {
    user: 'homeassistant',
    clientId: 'home-assistant',
    publishAllowed: ['tuya/command', 'tuya/desk/set', 'tuya/desk/get', 'homeassistant/status'],
    publishDenied: ['tuya/desk/state', 'tuya/status', 'tuya/desk/lamp/set', 'homeassistant/switch/desk/config'],
    subscribeAllowed: ['tuya/#', 'tuya/+/state', 'homeassistant/#'],
    subscribeDenied: ['#', '+/status', 'other/#', '$SYS/#'],
  },
  {
    user: 'bridge',
    clientId: 'tuya-mqtt-bridge-1',
    publishAllowed: ['tuya/status', 'tuya/desk/state', 'homeassistant/switch/desk/config'],
    publishDenied: ['other/topic', 'esp32/command', '$SYS/broker/fake'],
    subscribeAllowed: ['tuya/command', 'tuya/#', 'homeassistant/status'],
    subscribeDenied: ['#', 'other/#'],
  },
];

let test: TestBroker;
let certDir: string;
let ca: Buffer;

beforeAll(async () => {
  certDir = await mkdtemp(join(tmpdir(), 'broker-cert-'));
  const files = await writeSelfSignedCertificate(certDir);
  ca = await readFile(files.certFile);
  test = await startTestBroker({
    allowAnonymous: true, // loopback only: the observer below
    tls: { port: 0, ...files },
    websocket: { port: 0 },
  });
});

afterEach(endClients);

afterAll(async () => {
  await test.close();
  await rm(certDir, { recursive: true, force: true });
});

function endpoint(protocol: ListenerProtocol): { url: string; options: IClientOptions } {
  const listener = test.broker.listeners.find((candidate) => candidate.protocol === protocol);
  if (listener === undefined) throw new Error(`no ${protocol} listener`);
  // The certificate is its own CA: verify against it rather than switching verification off.
  return { url: listener.url, options: protocol === 'mqtts' ? { ca } : {} };
}

describe.each<ListenerProtocol>(['mqtt', 'mqtts', 'ws'])('access lists over %s', (protocol) => {
  it.each(CASES)('lets $user publish only to its topics; refused publishes reach nobody', async (c) => {
    const { url, options } = endpoint(protocol);
    const observer = await connectAs(url, undefined, options);
    await observer.subscribeAsync(['#', '$SYS/broker/fake'], { qos: 1 });
    const seen = collect(observer);
    const client = await connectAs(url, c.user, { ...options, clientId: c.clientId });

    // Refused first: delivery keeps one publisher's order, so once the allowed
    // ones have arrived, a refused one that got through would have arrived too.
    for (const topic of c.publishDenied) await client.publishAsync(topic, 'refused', { qos: 1 });
    for (const topic of c.publishAllowed) await client.publishAsync(topic, 'allowed', { qos: 1 });
    await until(() => seen.length >= c.publishAllowed.length, 3000, 'the allowed publishes');

    expect(seen.map((message) => message.topic)).toEqual(c.publishAllowed);
    expect(seen.every((message) => message.payload === 'allowed')).toBe(true);
    // Refused publishes are acknowledged and dropped [MQTT-3.3.5-2]; the client stays connected.
    expect(client.connected).toBe(true);
    expect(test.logs).toContainEqual(expect.stringContaining(`"${c.clientId}"`));
  });

  it.each(CASES)('grants $user only subscriptions within its lists; others fail with 128', async (c) => {
    const { url, options } = endpoint(protocol);
    const client = await connectAs(url, c.user, { ...options, clientId: `${c.clientId}-sub` });
    const seen = collect(client);

    for (const filter of c.subscribeAllowed) {
      await expect(client.subscribeAsync(filter, { qos: 1 })).resolves.toEqual([{ topic: filter, qos: 1 }]);
    }
    for (const filter of c.subscribeDenied) {
      await expect(client.subscribeAsync(filter, { qos: 1 })).rejects.toMatchObject({ packet: { granted: [128] } });
    }

    // The granted subscription works: a message from the (full-access) observer arrives.
    const observer = await connectAs(url, undefined, options);
    const topic = (c.subscribeAllowed[0] as string).replace('#', 'x').replace('+', 'x');
    await observer.publishAsync(topic, 'hello', { qos: 1 });
    await until(() => seen.length > 0, 3000, 'delivery to the granted subscription');
    expect(seen[0]).toEqual({ topic, payload: 'hello' });
    expect(client.connected).toBe(true);
  });

  it('refuses a wrong password or an unknown user with return code 4, and logs no password', async () => {
    const { url, options } = endpoint(protocol);
    for (const username of ['esp32', 'nobody']) {
      const attempt = connectAs(url, undefined, { ...options, username, password: 'guess' });
      await expect(attempt).rejects.toMatchObject({ code: 4 });
    }
    expect(test.logs).toContainEqual(
      expect.stringMatching(/gave a wrong username or password \(user "(esp32|nobody)"\)/),
    );
    expect(test.logs.join('\n')).not.toContain('guess');
  });
});

describe('anonymous access', () => {
  it('is refused with return code 5 when not allowed', async () => {
    const closed = await startTestBroker({ allowAnonymous: false });
    try {
      await expect(connectAs(closed.broker.url, undefined)).rejects.toMatchObject({ code: 5 });
      expect(closed.logs).toContainEqual(expect.stringContaining('gave no username: refused'));
    } finally {
      await closed.close();
    }
  });
});
