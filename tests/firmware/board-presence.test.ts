// broker/board-presence.ts: the embedded broker publishes a board's retained `offline`, because
// Espruino's MQTT module cannot send a last will.

import net from 'node:net';
import mqtt from 'mqtt';
import { attachBoardPresence, availabilityTopic } from '../../broker/board-presence.js';
import {
  boardTopics, observe, startBoard, startTestBroker, testConfig, type Observer, type TestBroker,
} from './harness/index.js';

let broker: TestBroker;
let watcher: Observer;
let logged: Array<[string, Record<string, unknown> | undefined]>;
let detach: () => void;
const sockets: net.Socket[] = [];

beforeEach(async () => {
  broker = await startTestBroker({ boardPresence: false });
  logged = [];
  const logger = { info: (msg: string, meta?: Record<string, unknown>) => void logged.push([msg, meta]) };
  detach = attachBoardPresence(broker.broker, { baseTopic: 'tuya', logger });
  watcher = await observe(broker.url, ['tuya/esp32/+/availability']);
});

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await watcher.close();
  await broker.close();
});

/** An MQTT 3.1.1 CONNECT, written by hand so the connection can go silent afterwards. */
function connectPacket(clientId: string, keepaliveS: number): Buffer {
  const id = Buffer.from(clientId, 'utf8');
  const variable = Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x02, keepaliveS >> 8, keepaliveS & 255]);
  const rest = Buffer.concat([variable, Buffer.from([id.length >> 8, id.length & 255]), id]);
  return Buffer.concat([Buffer.from([0x10, rest.length]), rest]);
}

/** Connects and then never sends again, like a board that lost power. */
async function silentClient(clientId: string, keepaliveS: number): Promise<net.Socket> {
  const socket = net.connect(broker.port, '127.0.0.1');
  sockets.push(socket);
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(connectPacket(clientId, keepaliveS));
  await new Promise((resolve) => socket.once('data', resolve)); // CONNACK
  return socket;
}

const payloads = (topic: string): string[] => watcher.on(topic).map((m) => m.payload);

test('publishes a retained offline when a board connection closes', async () => {
  const topic = availabilityTopic('tuya', 'esp32-aa01');
  const client = await mqtt.connectAsync(broker.url, { clientId: 'esp32-aa01', reconnectPeriod: 0 });
  await client.endAsync(true);
  const m = await watcher.waitFor((x) => x.topic === topic);
  expect(m.payload).toBe('offline');
  await watcher.close();
  watcher = await observe(broker.url, [topic]);
  expect((await watcher.waitFor((x) => x.topic === topic)).retain).toBe(true);
});

test('publishes offline when a silent board outlives 1.5 x its keepalive', async () => {
  const topic = availabilityTopic('tuya', 'esp32-aa02');
  const started = performance.now();
  await silentClient('esp32-aa02', 1);
  const m = await watcher.waitFor((x) => x.topic === topic, 4000);
  expect(m.payload).toBe('offline');
  expect(m.at - started).toBeGreaterThanOrEqual(1400);
  expect(logged).toContainEqual(['Board offline', { board: 'esp32-aa02', reason: 'keepalive lapsed' }]);
});

test('stays quiet when the same board id reconnects and takes over the old session', async () => {
  const topic = availabilityTopic('tuya', 'esp32-aa03');
  await silentClient('esp32-aa03', 1);
  const again = await mqtt.connectAsync(broker.url, { clientId: 'esp32-aa03', reconnectPeriod: 0 });
  await again.publishAsync(topic, 'online', { retain: true, qos: 1 });
  await new Promise((resolve) => setTimeout(resolve, 2000)); // past the old session's keepalive
  expect(payloads(topic)).toEqual(['online']);
  await again.endAsync(true);
  await watcher.waitFor(() => payloads(topic).length === 2);
  expect(payloads(topic)).toEqual(['online', 'offline']);
});

test('publishes nothing once detached', async () => {
  detach();
  const client = await mqtt.connectAsync(broker.url, { clientId: 'esp32-aa05', reconnectPeriod: 0 });
  await client.endAsync(true);
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(watcher.messages).toEqual([]);
});

test('ignores clients that are not boards', async () => {
  const client = await mqtt.connectAsync(broker.url, { clientId: 'dashboard-1', reconnectPeriod: 0 });
  await client.endAsync(true);
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(watcher.messages).toEqual([]);
});

test('a real board: online on connect, offline when its connection ends, online once back', async () => {
  const config = testConfig({ mqtt: { port: broker.port } });
  const serial = '24:0a:c4:aa:bb:04';
  const { availability } = boardTopics(serial);
  const first = await startBoard({ config, serial });
  await watcher.waitFor((m) => m.topic === availability && m.payload === 'online');
  await first.stop(); // its sockets close: the broker sees the connection end
  await watcher.waitFor(() => payloads(availability).length === 2);
  const second = await startBoard({ config, serial });
  try {
    await watcher.waitFor(() => payloads(availability).length === 3);
    expect(payloads(availability)).toEqual(['online', 'offline', 'online']);
  } finally {
    await second.stop();
  }
});
