import { connect as connectTcp } from 'node:net';
import mqtt from 'mqtt';
import { startEmbeddedBroker } from '../../broker/embedded-broker.js';
import { collect, connectAs, delay, endClients, exampleUsers, startTestBroker, until } from './helpers.js';
import type { TestBroker } from './helpers.js';

let test: TestBroker | undefined;

afterEach(async () => {
  await endClients();
  await test?.close();
  test = undefined;
});

describe('secure defaults', () => {
  it('still starts as before: anonymous on loopback, given only host, port and allowAnonymous', async () => {
    const broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0, allowAnonymous: true });
    try {
      expect(broker.url).toBe(`mqtt://127.0.0.1:${broker.port}`);
      expect(broker.listeners).toEqual([{ protocol: 'mqtt', host: '127.0.0.1', port: broker.port, url: broker.url }]);
      const client = await connectAs(broker.url, undefined);
      await client.subscribeAsync('#');
      await client.publishAsync('anything/at/all', 'x');
      // With no users to check them against, credentials are ignored, as before.
      await expect(connectAs(broker.url, 'bridge')).resolves.toBeDefined();
      await endClients();
    } finally {
      await broker.close();
    }
  });

  it.each([
    [{ host: '0.0.0.0' }, /refusing to listen beyond this machine \(mqtt on 0\.0\.0\.0\) without broker users/],
    [{ host: '127.0.0.1', websocket: { port: 0, host: '::' } }, /\(ws on ::\) without broker users/],
  ])('refuses to listen on the network without users: %j', async (where, message) => {
    await expect(startEmbeddedBroker({ port: 0, allowAnonymous: false, ...where })).rejects.toThrow(message);
  });

  it('refuses anonymous clients on a listener beyond loopback, even with users', async () => {
    const users = await exampleUsers();
    await expect(startEmbeddedBroker({ host: '0.0.0.0', port: 0, allowAnonymous: true, users })).rejects.toThrow(
      /refusing to run an open broker \(mqtt on 0\.0\.0\.0\): anonymous clients could switch your plugs/,
    );
  });

  it('starts on the network with users and no anonymous access', async () => {
    test = await startTestBroker({ host: '0.0.0.0' });
    const client = await connectAs(test.broker.url, 'bridge');
    expect(client.connected).toBe(true);
  });

  it('refuses a configuration in which nobody could log in', async () => {
    await expect(startEmbeddedBroker({ host: '127.0.0.1', port: 0, allowAnonymous: false })).rejects.toThrow(
      'no client could log in',
    );
  });

  it('names the user whose password hash is unusable', async () => {
    const users = [{ username: 'esp32', passwordHash: 'hunter2', publish: [], subscribe: [] }];
    await expect(startEmbeddedBroker({ host: '127.0.0.1', port: 0, allowAnonymous: false, users })).rejects.toThrow(
      'password hash of broker user "esp32" is not of the form scrypt$N$r$p$salt$hash',
    );
  });

  it('names a missing TLS file', async () => {
    const tls = { port: 0, certFile: '/nonexistent/broker.crt', keyFile: '/nonexistent/broker.key' };
    await expect(startEmbeddedBroker({ host: '127.0.0.1', port: 0, allowAnonymous: true, tls })).rejects.toThrow(
      /cannot read the TLS certificate file \/nonexistent\/broker\.crt: .*ENOENT.*npm run make-cert/,
    );
  });
});

describe('limits', () => {
  it('refuses connections beyond maxConnections, with one log line', async () => {
    test = await startTestBroker({ maxConnections: 2 });
    await connectAs(test.broker.url, 'bridge');
    await connectAs(test.broker.url, 'homeassistant');
    await expect(connectAs(test.broker.url, 'esp32')).rejects.toThrow();
    await expect(connectAs(test.broker.url, 'esp32')).rejects.toThrow();

    const lines = test.logs.filter((line) => line.includes('Connection limit of 2 reached'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/refused 127\.0\.0\.1:\d+/);
    await endClients();
    await until(() => test?.broker.aedes.connectedClients === 0, 3000, 'the clients to go');
    await expect(connectAs(test.broker.url, 'esp32')).resolves.toBeDefined();
  });

  it('closes a client that sends a packet above maxPacketSize, naming it in the log', async () => {
    test = await startTestBroker({ maxPacketSize: 1024 });
    const client = await connectAs(test.broker.url, 'bridge', { clientId: 'big-sender' });
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.publish('tuya/status', Buffer.alloc(2000, 120));
    await closed;

    await until(() => test?.logs.some((line) => line.includes('above the limit')) ?? false, 3000, 'the log line');
    expect(test.logs).toContainEqual(
      expect.stringMatching(
        /^Client "big-sender" \(127\.0\.0\.1:\d+, user "bridge"\) sent a packet of 20\d\d bytes, above the limit of 1024/,
      ),
    );
    // A packet right at the limit is fine.
    const other = await connectAs(test.broker.url, 'bridge');
    await other.publishAsync('tuya/status', Buffer.alloc(1000, 120), { qos: 1 });
    expect(other.connected).toBe(true);
  });

  it('drops publishes above the rate and logs one line for the client', async () => {
    test = await startTestBroker({ publishRatePerSecond: 1, publishBurst: 5 });
    const observer = await connectAs(test.broker.url, 'bridge');
    await observer.subscribeAsync('tuya/command', { qos: 1 });
    const seen = collect(observer);
    const flooder = await connectAs(test.broker.url, 'homeassistant', { clientId: 'flooder' });

    for (let i = 0; i < 20; i += 1) await flooder.publishAsync('tuya/command', `${i}`, { qos: 1 });
    await until(() => seen.length >= 5, 3000, 'the burst');
    await delay(100);

    expect(seen.map((message) => message.payload)).toEqual(['0', '1', '2', '3', '4']);
    expect(flooder.connected).toBe(true);
    const lines = test.logs.filter((line) => line.includes('publishes faster than'));
    expect(lines).toEqual([
      expect.stringMatching(/^Client "flooder" .*user "homeassistant"\) publishes faster than 1\/s \(burst 5\)/),
    ]);
  });
});

describe('client ids', () => {
  it('logs a takeover loop between two clients sharing an id once', async () => {
    test = await startTestBroker();
    const options = { clientId: 'esp32-twin', username: 'esp32', password: 'esp32-secret', reconnectPeriod: 20 };
    const first = mqtt.connect(test.broker.url, options);
    const second = mqtt.connect(test.broker.url, options);
    let connects = 0;
    first.on('connect', () => (connects += 1));
    second.on('connect', () => (connects += 1));
    try {
      await until(() => connects >= 6, 5000, 'several takeovers');
    } finally {
      await Promise.all([first.endAsync(true), second.endAsync(true)]);
    }
    const lines = test.logs.filter((line) => line.includes('with the same client id'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^Client "esp32-twin" \(127\.0\.0\.1:\d+, user "esp32"\) replaces the connection 127\.0\.0\.1:\d+/,
    );
  });

  it("refuses another user's client id instead of knocking that user off", async () => {
    test = await startTestBroker();
    const bridge = await connectAs(test.broker.url, 'bridge', { clientId: 'tuya-mqtt-bridge' });
    const intruder = connectAs(test.broker.url, 'homeassistant', { clientId: 'tuya-mqtt-bridge' });
    await expect(intruder).rejects.toMatchObject({ code: 2 }); // identifier rejected
    expect(bridge.connected).toBe(true);
    expect(test.logs).toContainEqual(
      expect.stringContaining('of user "homeassistant" asked for the client id of a connection of user "bridge": refused'),
    );
  });
});

describe('close', () => {
  it('does not wait for connections that never sent CONNECT', async () => {
    test = await startTestBroker();
    const socket = connectTcp(test.broker.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const started = Date.now();
    await test.close();
    test = undefined;
    expect(Date.now() - started).toBeLessThan(2000);
    socket.destroy();
  });
});
