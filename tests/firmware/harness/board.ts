// One simulated Feather HUZZAH32 running the firmware file itself, unmodified, in a node:vm
// context that offers only what Espruino on ESP32 offers: no Node globals (process, Buffer,
// setImmediate, require of Node modules) and none of the ES builtins Espruino lacks.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { FakeClock, RealClock, type BoardClock, type ClockKind, type Invoke } from './clock.js';
import type { Enqueue } from './emitter.js';
import { createHttpModule, espruinoEncodeURIComponent, espruinoUrlParse, type HttpExchange } from './http.js';
import { createMqttModule, type MqttRecord } from './mqtt.js';
import { BoardNetwork } from './network.js';
import { PinBank, type Level, type LevelChange } from './pins.js';
import { StorageDouble } from './storage.js';
import { WifiRadio, type WifiControl, type WifiOptions } from './wifi.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export const FIRMWARE_PATH = join(HERE, '..', '..', '..', 'firmware', 'tuya-button.js');
export const CONFIG_FILE = 'tuya-button.json';

export interface BoardOptions {
  firmwarePath?: string;
  /** Written to Storage as CONFIG_FILE before boot: an object as JSON, a string as it is. */
  config?: unknown;
  /** Other Storage files before boot. */
  storage?: Record<string, string>;
  /** What getSerial() returns; on ESP32 the station MAC. */
  serial?: string;
  clock?: ClockKind;
  wifi?: WifiOptions;
  /** analogRead() results (0..1) by pin name, e.g. { D35: 0.58 }. */
  adc?: Record<string, number>;
  /** E.getTemperature(): classic ESP32 gives a raw Fahrenheit byte, 128 when the sensor is dead. */
  chipTemperatureF?: number;
  /** The MQTT module's CONNECT_TIMEOUT (10 s on the board). */
  mqttConnectTimeoutMs?: number;
  /** Run onInit() as the board does at power-up (default true). */
  boot?: boolean;
}

export interface PinProbe {
  readonly name: string;
  level(): Level;
  /** Every level change since boot, with board time in ms; the first entry is the boot level. */
  history(): readonly LevelChange[];
  /** Drives the pin from outside (0 or 1), or releases it to its pull resistor (null). */
  drive(level: Level | null): void;
}

export interface ButtonProbe extends PinProbe {
  down(): void;
  up(): void;
  /** Press, hold `holdMs` (default 100), release, then wait `settleMs` (default 100). */
  press(options?: { holdMs?: number; settleMs?: number }): Promise<void>;
  /** Applies [offsetMs, level] steps on the board clock and waits until the last one. */
  bounce(steps: ReadonlyArray<readonly [number, Level]>): Promise<void>;
}

export interface Board {
  readonly serial: string;
  readonly clock: BoardClock;
  /** Lines the firmware printed, and "Uncaught ..." lines for exceptions. */
  readonly console: readonly string[];
  /** Exceptions thrown by firmware callbacks (the board prints them and carries on). */
  readonly errors: readonly string[];
  readonly wifi: WifiControl;
  readonly storage: StorageDouble;
  readonly mqtt: MqttRecord;
  readonly http: readonly HttpExchange[];
  /** The LED pin (D13) and the button pin (D21) of the reference wiring. */
  readonly led: PinProbe;
  readonly button: ButtonProbe;
  pin(name: string): PinProbe;
  /** Runs code inside the board (as typed at the REPL). */
  evaluate(code: string): unknown;
  /** Board-clock wait: real time, or fake time advanced. */
  sleep(ms: number): Promise<void>;
  /** Polls in real time until the predicate holds. */
  waitFor(predicate: () => boolean, options?: { timeoutMs?: number; what?: string }): Promise<void>;
  /** load(): restart the saved firmware with Storage kept; its sockets close, Wi-Fi stays up.
   *  After powerOff() this powers the board back on. */
  reboot(): void;
  /** The board loses power: it stops, and its connections go silent. */
  powerOff(): void;
  /** Test teardown: stop everything and close every socket. */
  stop(): Promise<void>;
}

// Builtins Espruino lacks (fact sheet A5) and host objects it has no counterpart for.
const REMOVE_BUILTINS = `
  for (const name of ['Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'FinalizationRegistry', 'Symbol',
    'Proxy', 'Reflect', 'BigInt', 'Intl', 'WebAssembly', 'SharedArrayBuffer', 'Atomics']) {
    delete globalThis[name];
  }
  delete Array.from; delete Number.isInteger; delete Math.trunc; delete Array.prototype.flat;
  delete Array.prototype.flatMap; delete Promise.allSettled; delete Promise.any;
  delete Promise.prototype.finally; delete String.prototype.replaceAll;
`;

type Callback = (...args: unknown[]) => void;

export async function startBoard(options: BoardOptions = {}): Promise<Board> {
  const serial = options.serial ?? '24:0a:c4:12:34:56';
  const consoleLines: string[] = [];
  const errors: string[] = [];
  let powered = true;

  const invoke: Invoke = (fn) => {
    if (!powered) return;
    try {
      fn();
    } catch (err) {
      const text = String((err as { stack?: string })?.stack ?? err);
      errors.push(text);
      consoleLines.push(`Uncaught ${text.split('\n')[0]}`);
    }
  };
  const enqueue: Enqueue = (fn) => setImmediate(() => invoke(fn));
  const clock: BoardClock = options.clock === 'fake' ? new FakeClock(invoke) : new RealClock(invoke);
  const pins = new PinBank(clock, invoke);
  for (const [name, value] of Object.entries(options.adc ?? {})) pins.setAnalog(name, value);

  const network: BoardNetwork = new BoardNetwork(() => radio.connected);
  const radio: WifiRadio = new WifiRadio(options.wifi ?? {}, serial, clock, enqueue, network);
  const mqtt: MqttRecord = { attempts: [], sent: [] };
  const exchanges: HttpExchange[] = [];
  const modules: Record<string, unknown> = {
    Wifi: radio.module,
    MQTT: createMqttModule({
      network, enqueue, clock, connectTimeoutMs: options.mqttConnectTimeoutMs ?? 10000, record: mqtt,
    }),
    http: createHttpModule({ network, enqueue, exchanges }),
  };

  const sandbox: Record<string, unknown> = {};
  const context = vm.createContext(sandbox, { name: 'espruino-esp32' });
  vm.runInContext(REMOVE_BUILTINS, context);
  const sandboxJSON = vm.runInContext('JSON', context) as JSON;
  const storage = new StorageDouble({}, (text) => sandboxJSON.parse(text));
  for (const [name, data] of Object.entries(options.storage ?? {})) storage.write(name, data);
  if (options.config !== undefined && options.config !== null) {
    const text = typeof options.config === 'string' ? options.config : JSON.stringify(options.config);
    storage.write(CONFIG_FILE, Buffer.from(text, 'utf8').toString('latin1'));
  }
  modules.Storage = storage;

  const print = (...args: unknown[]): void => {
    consoleLines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
  };
  const clearAllTimers = (): void => {
    clock.clearAll();
    pins.forgetDebounceTimers();
  };
  const boot = (): void => {
    const onInit = sandbox.onInit;
    if (typeof onInit === 'function') invoke(() => onInit());
  };
  // load() resets the interpreter: timers, watches and listeners go, its sockets are closed,
  // but the radio stays associated. After powerOff() the radio is already off.
  const reboot = (): void => {
    powered = true;
    clearAllTimers();
    pins.clearWatch();
    network.destroyAll();
    radio.module.removeAllListeners();
    enqueue(boot);
  };

  const PinConstructor = function Pin(value?: unknown) {
    return pins.resolve(value);
  };
  PinConstructor.prototype = pins.pinPrototype;
  Object.assign(sandbox, pins.globals(), {
    Pin: PinConstructor,
    pinMode: (pin: unknown, mode: string, automatic?: boolean) => pins.pinMode(pin, mode, automatic),
    getPinMode: (pin: unknown) => pins.state(pin).mode,
    digitalWrite: (pin: unknown, value: unknown) => pins.digitalWrite(pin, value),
    digitalRead: (pin: unknown) => pins.digitalRead(pin),
    analogRead: (pin: unknown) => pins.analogRead(pin),
    setWatch: (fn: unknown, pin: unknown, opts: unknown) => pins.setWatch(fn, pin, opts),
    clearWatch: (id?: unknown) => pins.clearWatch(id),
    setTimeout: (fn: Callback, ms?: number, ...args: unknown[]) => clock.setTimer(() => fn(...args), ms ?? 0),
    setInterval: (fn: Callback, ms?: number, ...args: unknown[]) =>
      clock.setTimer(() => fn(...args), ms ?? 0, ms ?? 0),
    // Without an argument both stop every timer and interval, as on the board.
    clearTimeout: (id?: number) => (id === undefined ? clearAllTimers() : clock.clearTimer(id)),
    clearInterval: (id?: number) => (id === undefined ? clearAllTimers() : clock.clearTimer(id)),
    changeInterval: (id: number, ms: number) => clock.changeInterval(id, ms),
    getTime: () => clock.now() / 1000,
    getSerial: () => serial,
    E: {
      getTemperature: () => options.chipTemperatureF ?? 128,
      hwRand: () => (Math.random() * 0x100000000) | 0,
      srand: () => undefined,
    },
    process: {
      version: '2v29',
      env: { BOARD: 'ESP32', VERSION: '2v29' },
      memory: () => ({ free: 11200, usage: 3183, total: 14383, history: 0, gc: 0, gctime: 0, blocksize: 14 }),
    },
    console: { log: print },
    print,
    require: (name: string) => {
      if (!(name in modules)) throw new Error(`Module ${name} not found`);
      return modules[name];
    },
    url: { parse: (text: string) => espruinoUrlParse(text) },
    encodeURIComponent: espruinoEncodeURIComponent,
    atob: (text: string) => Buffer.from(text, 'base64').toString('latin1'),
    btoa: (text: string) => Buffer.from(text, 'latin1').toString('base64'),
    load: () => reboot(),
    save: () => undefined,
  });
  sandbox.global = vm.runInContext('globalThis', context);

  const firmwarePath = options.firmwarePath ?? FIRMWARE_PATH;
  vm.runInContext(readFileSync(firmwarePath, 'utf8'), context, { filename: firmwarePath });
  if (options.boot !== false) boot();

  const probe = (name: string): PinProbe => ({
    name,
    level: () => pins.byName(name).level,
    history: () => pins.byName(name).history,
    drive: (level) => pins.drive(name, level),
  });
  const sleep = (ms: number): Promise<void> => clock.advance(ms);
  const buttonPin = probe('D21');
  const button: ButtonProbe = {
    ...buttonPin,
    down: () => buttonPin.drive(0),
    up: () => buttonPin.drive(null),
    async press(o = {}) {
      buttonPin.drive(0);
      await sleep(o.holdMs ?? 100);
      buttonPin.drive(null);
      await sleep(o.settleMs ?? 100);
    },
    async bounce(steps) {
      let last = 0;
      for (const [at, level] of steps) {
        last = Math.max(last, at);
        clock.setTimer(() => buttonPin.drive(level === 1 ? null : 0), at);
      }
      await sleep(last + 1);
    },
  };

  return {
    serial, clock, console: consoleLines, errors, wifi: radio, storage, mqtt, http: exchanges,
    led: probe('D13'),
    button,
    pin: probe,
    evaluate: (code) => vm.runInContext(code, context),
    sleep,
    async waitFor(predicate, o = {}) {
      const deadline = Date.now() + (o.timeoutMs ?? 5000);
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${o.what ?? 'a condition'}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    reboot,
    powerOff() {
      powered = false;
      clock.clearAll();
      pins.clearWatch();
      radio.powerCycle();
    },
    async stop() {
      powered = false;
      clock.clearAll();
      network.destroyAll();
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

/**
 * A board that stops when the test ends, and fails the test if any firmware
 * callback threw meanwhile (the board itself would only print it).
 */
export async function startBoardFor(defer: (cleanup: () => unknown) => void, options: BoardOptions): Promise<Board> {
  const board = await startBoard(options);
  defer(async () => {
    await board.stop();
    if (board.errors.length > 0) throw new Error(`firmware errors: ${board.errors.join('; ')}`);
  });
  return board;
}
