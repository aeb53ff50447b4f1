// require("Wifi") on ESP32 (libs/network/esp32/jswrap_esp32_network.c), fact sheet A1:
// connect(ssid, {password}, cb) calls back with null or a text reason; a failure also emits
// `disconnected`. After a failure or a drop the driver stops: nothing retries unless the
// firmware calls connect() again. Tests steer the access point through WifiControl.

import type { BoardClock } from './clock.js';
import { EspEmitter, type Enqueue } from './emitter.js';
import type { BoardNetwork } from './network.js';

export interface WifiOptions {
  /** The access point's SSID; default: whatever the firmware asks for. */
  ssid?: string;
  /** The access point's password; default: any password is accepted. */
  password?: string;
  /** Time to associate and get an address, in real ms (radio time, not a firmware timer). */
  connectDelayMs?: number;
  rssi?: number;
  ip?: string;
}

/** The test's side of the radio. */
export interface WifiControl {
  readonly connected: boolean;
  /** Board time (ms) of every connect() call. */
  readonly attempts: readonly number[];
  rssi: number;
  /** Take the access point away (connects fail with no_ap_found) or bring it back. */
  setAccessPoint(up: boolean): void;
  /** The next n connect() calls fail with this reason. */
  failNextConnects(n: number, reason?: string): void;
  /** Lose the link, as out of range: `disconnected` once, then the driver stays stopped. */
  drop(reason?: string): void;
}

// ESP-IDF wifi_err_reason_t values for the texts the firmware may see.
const REASONS: Record<string, number> = {
  assoc_leave: 8, beacon_timeout: 200, no_ap_found: 201, auth_fail: 202, handshake_timeout: 204,
};

export class WifiRadio implements WifiControl {
  readonly module: EspEmitter;
  readonly attempts: number[] = [];
  rssi: number;
  private state: 'off' | 'connecting' | 'connected' = 'off';
  private apUp = true;
  private readonly failures: string[] = [];
  private current: { ssid: string; password: string } | null = null;
  private token = 0;
  private readonly ip: string;

  constructor(
    private readonly options: WifiOptions,
    private readonly mac: string,
    private readonly clock: BoardClock,
    private readonly enqueue: Enqueue,
    private readonly network: BoardNetwork,
  ) {
    this.rssi = options.rssi ?? -58;
    this.ip = options.ip ?? '192.168.4.23';
    const radio = this;
    this.module = Object.assign(new EspEmitter(enqueue), {
      connect: (ssid: unknown, opts: unknown, cb?: unknown) => radio.connect(ssid, opts, cb),
      disconnect: (cb?: unknown) => radio.disconnect(cb),
      getDetails: (cb?: unknown) => radio.reply(cb, radio.details()),
      getIP: (cb?: unknown) => radio.reply(cb, radio.ipInfo(), true),
      getStatus: (cb?: unknown) => radio.reply(cb, radio.status()),
      setHostname: (_name: unknown, cb?: unknown) => radio.reply(cb, undefined),
      scan: (cb: unknown) => radio.reply(cb, [{ ssid: radio.options.ssid ?? 'test-ap', rssi: radio.rssi }]),
      save: () => undefined,
      restore: () => undefined,
      setSNTP: () => undefined,
    });
  }

  get connected(): boolean {
    return this.state === 'connected';
  }

  setAccessPoint(up: boolean): void {
    this.apUp = up;
    if (!up) this.drop('beacon_timeout');
  }

  failNextConnects(n: number, reason = 'no_ap_found'): void {
    for (let i = 0; i < n; i++) this.failures.push(reason);
  }

  drop(reason = 'beacon_timeout'): void {
    if (this.state !== 'connected') return;
    this.lose(reason);
  }

  /** The chip restarts: links go silent, the station is off, listeners are gone. No events. */
  powerCycle(): void {
    this.token++;
    this.state = 'off';
    this.current = null;
    this.network.severAll();
    this.module.removeAllListeners();
  }

  private connect(ssid: unknown, opts: unknown, cb: unknown): void {
    this.attempts.push(this.clock.now());
    const password = String((opts as { password?: unknown } | undefined)?.password ?? '');
    const wanted = { ssid: String(ssid), password };
    const same = this.current && this.current.ssid === wanted.ssid && this.current.password === password;
    if (this.state === 'connected' && same) {
      this.reply(cb, null);
      return;
    }
    if (this.state === 'connected') this.network.severAll();
    this.state = 'connecting';
    this.current = wanted;
    const token = ++this.token;
    const settle = (): void => {
      if (token === this.token) this.settle(wanted, cb);
    };
    const delay = this.options.connectDelayMs ?? 0;
    if (delay > 0) setTimeout(settle, delay);
    else this.enqueue(settle);
  }

  private settle(wanted: { ssid: string; password: string }, cb: unknown): void {
    const ap = this.options;
    const failure =
      this.failures.shift() ??
      (!this.apUp || (ap.ssid !== undefined && ap.ssid !== wanted.ssid)
        ? 'no_ap_found'
        : ap.password !== undefined && ap.password !== wanted.password
          ? 'auth_fail'
          : null);
    if (failure) {
      this.state = 'off';
      this.event('disconnected', failure);
      this.reply(cb, failure);
      return;
    }
    this.state = 'connected';
    this.module.emit('associated', { ssid: wanted.ssid, mac: this.mac, channel: 6 });
    this.module.emit('connected', { ip: this.ip, netmask: '255.255.255.0', gw: '192.168.4.1' });
    this.reply(cb, null);
  }

  private disconnect(cb: unknown): void {
    this.token++;
    if (this.state !== 'off') this.lose('assoc_leave');
    this.reply(cb, undefined);
  }

  private lose(reason: string): void {
    this.state = 'off';
    this.network.severAll();
    this.event('disconnected', reason);
  }

  private event(name: string, msg: string): void {
    const ssid = this.current?.ssid ?? '';
    this.module.emit(name, { ssid, mac: this.mac, reason: REASONS[msg] ?? 1, msg });
  }

  private details(): Record<string, unknown> {
    const rssi = this.connected ? this.rssi : 0;
    return { status: this.state, rssi, ssid: this.current?.ssid, savedSsid: null };
  }

  private ipInfo(): Record<string, unknown> {
    if (!this.connected) return { mac: this.mac };
    return { ip: this.ip, netmask: '255.255.255.0', gw: '192.168.4.1', mac: this.mac };
  }

  private status(): Record<string, unknown> {
    return {
      station: this.state, ap: 'disabled', mode: 'Station', phy: '11n', powersave: 'ps-none', savedMode: 'off',
    };
  }

  // Calls back later (Espruino queues callbacks) and also returns the value at once.
  private reply<T>(cb: unknown, value: T, errorFirst = false): T {
    if (typeof cb === 'function') {
      this.enqueue(() => (errorFirst ? cb(null, value) : cb(value)));
    }
    return value;
  }
}
