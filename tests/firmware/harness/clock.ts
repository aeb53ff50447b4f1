// The board's time: every firmware timer, getTime() and watch timestamp goes through one clock.
// "real" follows the wall clock; "fake" only moves when a test calls advance(), while sockets
// keep running in real time (advance() yields to Node's event loop between timers).

export type ClockKind = 'real' | 'fake';

export interface BoardClock {
  readonly kind: ClockKind;
  /** Milliseconds since the board booted. */
  now(): number;
  /** Schedules fn; `repeatMs` makes it an interval. Returns an Espruino-style integer id. */
  setTimer(fn: () => void, ms: number, repeatMs?: number): number;
  clearTimer(id: number): boolean;
  changeInterval(id: number, ms: number): void;
  clearAll(): void;
  /** Fake: runs every timer due within ms, in order. Real: waits ms. */
  advance(ms: number): Promise<void>;
  /** Number of live timers (to check that firmware does not leak them). */
  pending(): number;
}

/** Runs a board callback; the board supplies one that records exceptions like Espruino does. */
export type Invoke = (fn: () => void) => void;

/** Lets sockets and immediates run; fake-clock steps call it between timers. */
export function yieldToNode(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

// Espruino runs setTimeout(f, 0) and negative delays on the next idle loop.
const clampMs = (ms: number): number => (Number.isFinite(ms) && ms > 0 ? ms : 0);

interface RealTimer {
  handle: NodeJS.Timeout;
  fn: () => void;
  repeatMs: number | undefined;
}

export class RealClock implements BoardClock {
  readonly kind = 'real';
  private readonly t0 = performance.now();
  private readonly timers = new Map<number, RealTimer>();
  private nextId = 1;

  constructor(private readonly invoke: Invoke) {}

  now(): number {
    return performance.now() - this.t0;
  }

  setTimer(fn: () => void, ms: number, repeatMs?: number): number {
    const id = this.nextId++;
    this.start(id, fn, clampMs(ms), repeatMs === undefined ? undefined : clampMs(repeatMs));
    return id;
  }

  clearTimer(id: number): boolean {
    const timer = this.timers.get(id);
    if (!timer) return false;
    clearTimeout(timer.handle);
    this.timers.delete(id);
    return true;
  }

  changeInterval(id: number, ms: number): void {
    const timer = this.timers.get(id);
    if (!timer || timer.repeatMs === undefined) return;
    this.clearTimer(id);
    this.start(id, timer.fn, clampMs(ms), clampMs(ms));
  }

  clearAll(): void {
    for (const id of [...this.timers.keys()]) this.clearTimer(id);
  }

  advance(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  pending(): number {
    return this.timers.size;
  }

  private start(id: number, fn: () => void, ms: number, repeatMs: number | undefined): void {
    const handle =
      repeatMs === undefined
        ? setTimeout(() => {
            this.timers.delete(id);
            this.invoke(fn);
          }, ms)
        : setInterval(() => this.invoke(fn), Math.max(repeatMs, 1));
    this.timers.set(id, { handle, fn, repeatMs });
  }
}

interface FakeTimer {
  id: number;
  at: number;
  fn: () => void;
  repeatMs: number | undefined;
}

export class FakeClock implements BoardClock {
  readonly kind = 'fake';
  private t = 0;
  private readonly timers = new Map<number, FakeTimer>();
  private nextId = 1;

  constructor(private readonly invoke: Invoke) {}

  now(): number {
    return this.t;
  }

  setTimer(fn: () => void, ms: number, repeatMs?: number): number {
    const id = this.nextId++;
    const repeat = repeatMs === undefined ? undefined : Math.max(clampMs(repeatMs), 1);
    this.timers.set(id, { id, at: this.t + clampMs(ms), fn, repeatMs: repeat });
    return id;
  }

  clearTimer(id: number): boolean {
    return this.timers.delete(id);
  }

  changeInterval(id: number, ms: number): void {
    const timer = this.timers.get(id);
    if (!timer || timer.repeatMs === undefined) return;
    timer.repeatMs = Math.max(clampMs(ms), 1);
    timer.at = this.t + timer.repeatMs;
  }

  clearAll(): void {
    this.timers.clear();
  }

  async advance(ms: number): Promise<void> {
    const end = this.t + clampMs(ms);
    for (;;) {
      const due = this.nextDue(end);
      if (!due) break;
      this.t = Math.max(this.t, due.at);
      if (due.repeatMs === undefined) this.timers.delete(due.id);
      else due.at += due.repeatMs;
      this.invoke(due.fn);
      await yieldToNode();
    }
    this.t = end;
    await yieldToNode();
  }

  pending(): number {
    return this.timers.size;
  }

  // Earliest first; equal times in creation order, as Espruino's timer list runs them.
  private nextDue(end: number): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const timer of this.timers.values()) {
      if (timer.at > end) continue;
      if (!best || timer.at < best.at || (timer.at === best.at && timer.id < best.id)) best = timer;
    }
    return best;
  }
}
