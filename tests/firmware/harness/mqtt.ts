// require("MQTT"): the API and events of Espruino's modules/MQTT.js (EspruinoDocs cd578ac6),
// carried by a real MQTT.js connection so a real broker sees the board. The module's known
// behaviour is kept on purpose (fact sheet A2):
// - any CONNACK counts as accepted, so a refused login is `connected` then `disconnected`;
// - publish/subscribe without a connection return silently and the message is lost;
// - clean session always, no will, a fixed-seed default client id shared by every board;
// - a refused TCP connect gives `error` (a string) then `disconnected`, without `close`;
// - a socket that dies before CONNACK says nothing until the 10 s CONNECT_TIMEOUT;
// - events are queued (asynchronous), never delivered during the call that caused them.
// Not modelled: MQTT over a caller-supplied stream, and ping(), which MQTT.js does by itself.

import { MqttClient } from 'mqtt';
import type { BoardClock } from './clock.js';
import { EspEmitter, type Enqueue } from './emitter.js';
import type { BoardNetwork, GatedSocket } from './network.js';

export interface MqttAttempt {
  /** Board time in ms when connect() was called. */
  t: number;
  clientId: string;
  host: string;
  port: number;
}

export interface MqttSent {
  t: number;
  topic: string;
  message: string;
  qos: number;
  retain: boolean;
}

/** What the tests can see of the board's MQTT use, besides what the broker sees. */
export interface MqttRecord {
  attempts: MqttAttempt[];
  sent: MqttSent[];
}

interface Deps {
  network: BoardNetwork;
  enqueue: Enqueue;
  clock: BoardClock;
  connectTimeoutMs: number;
  record: MqttRecord;
}

type Options = Record<string, unknown>;

interface PublishOptions {
  qos?: number;
  retain?: boolean;
  dup?: boolean;
}

export function createMqttModule(deps: Deps): { create: unknown; connect: unknown } {
  // The module's mqttUid() uses Math.random, which starts from the same seed on every board.
  let seed = 0x2545f491;
  const uid = (): string => {
    let out = '';
    for (let i = 0; i < 3; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      out += (0x10000 + (seed >>> 16)).toString(16).slice(1);
    }
    return out;
  };
  return {
    create: (server: unknown, options?: Options) => new EspMqtt(deps, String(server), options ?? {}, uid),
    connect: (options: Options) => {
      const client = new EspMqtt(deps, String(options.host), options, uid);
      client.connect();
      return client;
    },
  };
}

class EspMqtt extends EspEmitter {
  readonly C = { DEF_QOS: 0, CONNECT_TIMEOUT: 10000, PING_INTERVAL: 40 };
  readonly port: number;
  readonly client_id: string;
  readonly keep_alive: number;
  readonly clean_session = true;
  readonly username: unknown;
  readonly password: unknown;
  readonly protocol_name: string;
  readonly protocol_level: number;
  /** The module keeps the socket here: truthy from TCP connect until it knows it is gone. */
  client = false;
  connected = false;
  readonly #deps: Deps;
  #live: MqttClient | null = null;
  #ctimo: number | undefined;

  constructor(deps: Deps, readonly server: string, options: Options, uid: () => string) {
    super(deps.enqueue);
    this.#deps = deps;
    this.C.CONNECT_TIMEOUT = deps.connectTimeoutMs;
    this.port = Number(options.port) || 1883;
    this.client_id = typeof options.client_id === 'string' && options.client_id ? options.client_id : uid();
    this.keep_alive = Number(options.keep_alive) || 60;
    this.username = options.username;
    this.password = options.password;
    this.protocol_name = typeof options.protocol_name === 'string' ? options.protocol_name : 'MQTT';
    this.protocol_level = Number(options.protocol_level) || 4;
  }

  connect(stream?: unknown): void {
    if (stream !== undefined) throw new Error('harness: MQTT over a custom stream is not modelled');
    const deps = this.#deps;
    const attempt = { t: deps.clock.now(), clientId: this.client_id, host: this.server, port: this.port };
    deps.record.attempts.push(attempt);
    let socket: GatedSocket;
    try {
      socket = deps.network.openTcp(this.server, this.port);
    } catch (err) {
      this.#refused(err);
      return;
    }
    const user = this.username ? String(this.username) : undefined;
    const live = new MqttClient(() => socket, {
      clientId: this.client_id,
      username: user,
      // The module sends a password only together with a user name; strings are 8-bit.
      password: user && this.password ? Buffer.from(String(this.password), 'latin1') : undefined,
      keepalive: this.keep_alive,
      clean: true,
      protocolId: this.protocol_name as 'MQTT',
      protocolVersion: this.protocol_level as 4,
      reconnectPeriod: 0,
      connectTimeout: this.C.CONNECT_TIMEOUT + 60000,
      queueQoSZero: false,
      resubscribe: false,
    });
    this.#live = live;
    const untrack = deps.network.track({ sever: () => this.#sever(live) });
    socket.once('connect', () => this.#tcpConnected(live));
    socket.on('error', (err) => {
      if (!socket.isConnected && this.#live === live) this.#refused(err);
    });
    live.on('error', () => undefined); // refused CONNACKs are not errors to the module
    live.on('packetreceive', (packet) => {
      if (this.#live === live) this.#packet(packet as { cmd: string; messageId?: number });
    });
    live.on('message', (topic, payload, packet) => {
      if (this.#live !== live) return;
      const message = payload.toString('latin1');
      const flags = { dup: packet.dup ? 1 : 0, qos: packet.qos, retain: packet.retain ? 1 : 0 };
      this.emit('publish', { topic, message, ...flags });
      this.emit('message', topic, message);
    });
    live.on('close', () => {
      untrack();
      if (this.#live === live) this.#socketClosed();
    });
  }

  disconnect(): void {
    if (!this.client) return;
    this.client = false;
    this.#live?.end();
  }

  publish(topic: string, message: { toString(): string }, opts?: PublishOptions): void {
    if (!this.client) return;
    const o = opts ?? {};
    const text = message.toString();
    const qos = (o.qos || this.C.DEF_QOS) as 0 | 1 | 2;
    this.#deps.record.sent.push({ t: this.#deps.clock.now(), topic, message: text, qos, retain: !!o.retain });
    this.#live?.publish(topic, Buffer.from(text, 'latin1'), { qos, retain: !!o.retain, dup: !!o.dup });
  }

  subscribe(topics: string | string[] | Record<string, number>, opts?: { qos?: number }): void {
    if (!this.client) return;
    const qos = (opts?.qos || this.C.DEF_QOS) as 0 | 1 | 2;
    const list = typeof topics === 'string' ? [topics] : topics;
    const subs = Array.isArray(list)
      ? list.map((topic) => ({ topic, qos }))
      : Object.keys(list).map((topic) => ({ topic, qos: list[topic] as 0 | 1 | 2 }));
    // One SUBSCRIBE packet per topic, as the module sends them.
    for (const sub of subs) this.#live?.subscribe(sub.topic, { qos: sub.qos });
  }

  unsubscribe(topic: string): void {
    if (!this.client) return;
    this.#live?.unsubscribe(topic);
  }

  ping(): void {}

  #tcpConnected(live: MqttClient): void {
    if (this.#live !== live) return;
    this.client = true;
    this.#ctimo = this.#deps.clock.setTimer(() => {
      this.#ctimo = undefined;
      this.emit('disconnected');
      this.client = false;
      live.end(true);
    }, this.C.CONNECT_TIMEOUT);
  }

  #packet(packet: { cmd: string; messageId?: number }): void {
    switch (packet.cmd) {
      case 'connack':
        // The module reads the return code from a byte that is not there: every CONNACK "accepts".
        this.#clearConnectTimeout();
        this.connected = true;
        this.emit('connected');
        this.emit('connect');
        return;
      case 'pingresp':
        return this.emit('ping_reply');
      case 'suback':
        return this.emit('subscribed'); // subscribed_fail never fires (fact sheet A2)
      case 'unsuback':
        return this.emit('unsubscribed');
      case 'puback':
        return this.emit('puback', packet.messageId);
      case 'pubcomp':
        return this.emit('pubcomp', packet.messageId);
      default:
        return;
    }
  }

  // net.connect threw on the board (no network, refused, unknown host).
  #refused(err: unknown): void {
    const code = (err as NodeJS.ErrnoException).code;
    let text = code === 'ENOTFOUND' ? 'Unable to locate host' : 'Unable to create socket';
    if (err instanceof Error && !code) text = err.message; // the board's own "not connected" error
    this.#live = null;
    this.client = false;
    this.emit('error', text);
    this.emit('disconnected');
  }

  // The module's _scktClosed: only a connected client reports the loss.
  #socketClosed(): void {
    if (!this.connected) return;
    this.connected = false;
    this.client = false;
    this.#clearConnectTimeout();
    this.#live = null;
    this.emit('disconnected');
    this.emit('close');
  }

  // The radio is gone: the module never hears about it, and the broker hears nothing either.
  #sever(live: MqttClient): void {
    if (this.#live !== live) return;
    this.#live = null;
    this.#clearConnectTimeout();
    live.end(true);
  }

  #clearConnectTimeout(): void {
    if (this.#ctimo !== undefined) this.#deps.clock.clearTimer(this.#ctimo);
    this.#ctimo = undefined;
  }
}
