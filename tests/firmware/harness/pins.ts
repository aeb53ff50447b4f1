// ESP32 GPIO as Espruino shows it: Pin objects D0..D39, pinMode/digitalRead/digitalWrite/
// analogRead and setWatch with Espruino's own debounce algorithm (src/jsinteractive.c):
// every edge (re)arms one timeout per watch at edge time + debounce; when it fires, the watch
// reports only if the settled level differs from the last reported one and matches `edge`.

import type { BoardClock, Invoke } from './clock.js';

export type Level = 0 | 1;

export interface LevelChange {
  /** Board time in ms. */
  t: number;
  level: Level;
}

export interface WatchEvent {
  state: boolean;
  time: number;
  lastTime: number | undefined;
  pin: object;
}

interface PinState {
  gpio: number;
  name: string;
  object: object;
  mode: string;
  explicitMode: boolean;
  pull: 'up' | 'down' | 'none';
  out: Level;
  drive: Level | null;
  analog: number;
  level: Level;
  history: LevelChange[];
}

interface Watch {
  id: number;
  pin: PinState;
  fn: (e: WatchEvent) => void;
  repeat: boolean;
  edge: -1 | 0 | 1;
  debounceMs: number;
  state: boolean;
  lastTime: number | undefined;
  pendingState: boolean | undefined;
  timer: number | undefined;
}

const GPIO_COUNT = 40;
// Espruino turns pull-ups on at boot for these (targets/esp32/jshardware.c jshPinDefaultPullup);
// it also lists 34-39, but those pins have no pull-up hardware.
const PULLUP_AT_BOOT = new Set([0, 12, 13, 14, 15, 18, 19, 21, 22, 25, 26, 27]);
const isInputOnly = (gpio: number): boolean => gpio >= 34 && gpio <= 39;
const isFlash = (gpio: number): boolean => gpio >= 6 && gpio <= 11;
const isAdc1 = (gpio: number): boolean => gpio >= 32 && gpio <= 39;

export class PinBank {
  readonly pinPrototype: Record<string, unknown>;
  private readonly pins: PinState[] = [];
  private readonly byObject = new WeakMap<object, PinState>();
  private readonly watches = new Map<number, Watch>();
  private nextWatchId = 1;

  constructor(
    private readonly clock: BoardClock,
    private readonly invoke: Invoke,
  ) {
    const bank = this;
    this.pinPrototype = {
      read(this: object) { return bank.digitalRead(this); },
      write(this: object, v: unknown) { bank.digitalWrite(this, v); },
      set(this: object) { bank.digitalWrite(this, 1); },
      reset(this: object) { bank.digitalWrite(this, 0); },
      toggle(this: object) { bank.digitalWrite(this, bank.digitalRead(this) ? 0 : 1); },
      mode(this: object, mode: string) { bank.pinMode(this, mode); },
      getMode(this: object) { return bank.state(this).mode; },
      toString(this: object) { return bank.state(this).name; },
    };
    for (let gpio = 0; gpio < GPIO_COUNT; gpio++) {
      const object = Object.create(this.pinPrototype) as object;
      const pull = PULLUP_AT_BOOT.has(gpio) ? 'up' : 'none';
      const level: Level = pull === 'up' ? 1 : 0;
      const pin: PinState = {
        gpio, name: `D${gpio}`, object, mode: 'auto', explicitMode: false, pull, out: 0,
        drive: null, analog: 0, level, history: [{ t: 0, level }],
      };
      this.pins.push(pin);
      this.byObject.set(object, pin);
    }
  }

  /** Pin objects by global name, D0..D39. */
  globals(): Record<string, object> {
    return Object.fromEntries(this.pins.map((p) => [p.name, p.object]));
  }

  /** What `new Pin(x)` gives: a Pin for a Pin, a GPIO number or a "Dn" name. */
  resolve(value: unknown): object | undefined {
    if (typeof value === 'object' && value !== null && this.byObject.has(value)) return value;
    const match = typeof value === 'string' ? /^D(\d+)$/.exec(value) : null;
    const gpio = typeof value === 'number' ? value : match ? Number(match[1]) : NaN;
    return this.pins[gpio]?.object;
  }

  state(pin: unknown): PinState {
    const found = typeof pin === 'object' && pin !== null ? this.byObject.get(pin) : undefined;
    if (!found) throw new Error(`Invalid pin: ${String(pin)}`);
    return found;
  }

  byName(name: string): PinState {
    return this.state(this.resolve(name));
  }

  pinMode(pin: unknown, mode: string, automatic?: boolean): void {
    const p = this.state(pin);
    p.mode = mode;
    p.explicitMode = mode !== 'auto' && automatic !== true;
    if (mode.startsWith('input') || mode === 'analog') {
      p.pull = mode === 'input_pullup' ? 'up' : mode === 'input_pulldown' ? 'down' : 'none';
    }
    if (isInputOnly(p.gpio)) p.pull = 'none';
    this.update(p);
  }

  digitalWrite(pin: unknown, value: unknown): void {
    if (typeof pin === 'object' && pin !== null && !this.byObject.has(pin) && 'write' in pin) {
      (pin as { write(v: unknown): void }).write(value);
      return;
    }
    const p = this.state(pin);
    if (!p.explicitMode) p.mode = 'output';
    p.out = value ? 1 : 0;
    this.update(p);
  }

  digitalRead(pin: unknown): Level {
    if (typeof pin === 'object' && pin !== null && !this.byObject.has(pin) && 'read' in pin) {
      return (pin as { read(): unknown }).read() ? 1 : 0;
    }
    const p = this.state(pin);
    if (!p.explicitMode && p.mode === 'output') p.mode = 'input';
    this.update(p);
    return p.level;
  }

  analogRead(pin: unknown): number {
    const p = this.state(pin);
    // Only ADC1 works next to Wi-Fi (fact sheet A7); Espruino raises an error for others.
    if (!isAdc1(p.gpio)) throw new Error(`${p.name} is not an ADC1 pin`);
    if (!p.explicitMode) p.mode = 'analog';
    return p.analog;
  }

  /** Outside world: a button closing to GND drives 0; null lets the pin float to its pull. */
  drive(name: string, level: Level | null): void {
    const p = this.byName(name);
    p.drive = level;
    this.update(p);
  }

  setAnalog(name: string, value: number): void {
    this.byName(name).analog = value;
  }

  setWatch(fn: unknown, pin: unknown, options: unknown): number {
    if (typeof fn !== 'function') throw new Error('Function or String not supplied!');
    const p = this.state(pin);
    if (isFlash(p.gpio)) throw new Error(`${p.name} cannot be watched (SPI flash)`);
    const o = typeof options === 'object' && options !== null ? (options as Record<string, unknown>) : {};
    const edge = o.edge === 'rising' ? 1 : o.edge === 'falling' ? -1 : 0;
    if (o.edge !== undefined && !['rising', 'falling', 'both'].includes(String(o.edge))) {
      throw new TypeError("'edge' in setWatch should be a string - either 'rising', 'falling' or 'both'");
    }
    // Starting a watch on ESP32 makes the pin an input with the pull-up on (jshPinWatch).
    p.mode = 'input_pullup';
    p.explicitMode = true;
    p.pull = isInputOnly(p.gpio) ? 'none' : 'up';
    this.update(p);
    const id = this.nextWatchId++;
    this.watches.set(id, {
      id, pin: p, fn: fn as (e: WatchEvent) => void, edge,
      repeat: typeof options === 'boolean' ? options : o.repeat === true,
      debounceMs: typeof o.debounce === 'number' && o.debounce > 0 ? o.debounce : 0,
      state: p.level === 1, lastTime: undefined, pendingState: undefined, timer: undefined,
    });
    return id;
  }

  clearWatch(id?: unknown): void {
    if (id === undefined) {
      for (const w of this.watches.values()) this.dropDebounce(w);
      this.watches.clear();
      return;
    }
    const w = this.watches.get(Number(id));
    if (!w) throw new Error(`Unknown Watch ${String(id)}`);
    this.dropDebounce(w);
    this.watches.delete(w.id);
  }

  /** clearTimeout()/clearInterval() without arguments also drop pending debounce timeouts. */
  forgetDebounceTimers(): void {
    for (const w of this.watches.values()) {
      w.timer = undefined;
      w.pendingState = undefined;
    }
  }

  watchCount(): number {
    return this.watches.size;
  }

  private dropDebounce(w: Watch): void {
    if (w.timer !== undefined) this.clock.clearTimer(w.timer);
    w.timer = undefined;
  }

  private update(p: PinState): void {
    const output = p.mode === 'output' || p.mode.startsWith('opendrain');
    const input: Level = p.drive ?? (p.pull === 'up' ? 1 : 0);
    const level: Level = output ? (p.mode.startsWith('opendrain') && p.out === 1 ? input : p.out) : input;
    if (level === p.level) return;
    p.level = level;
    const t = this.clock.now();
    p.history.push({ t, level });
    if (!output) for (const w of [...this.watches.values()]) if (w.pin === p) this.edge(w, level === 1, t);
  }

  private edge(w: Watch, high: boolean, t: number): void {
    if (w.debounceMs <= 0) {
      this.report(w, high, t);
      return;
    }
    if (w.timer !== undefined) {
      this.clock.clearTimer(w.timer);
    } else if (high === w.state) {
      return;
    }
    w.pendingState = high;
    w.timer = this.clock.setTimer(() => this.settle(w, t), w.debounceMs);
  }

  private settle(w: Watch, edgeTime: number): void {
    const settled = w.pendingState === true;
    w.timer = undefined;
    w.pendingState = undefined;
    if (settled === w.state) return;
    w.state = settled;
    this.report(w, settled, edgeTime);
  }

  private report(w: Watch, high: boolean, t: number): void {
    const time = t / 1000;
    const matches = w.edge === 0 || (w.edge === 1) === high;
    if (matches) {
      const event: WatchEvent = { state: high, time, lastTime: w.lastTime, pin: w.pin.object };
      if (!w.repeat) this.watches.delete(w.id);
      this.invoke(() => w.fn(event));
    }
    w.lastTime = time;
  }
}
