// Reading a blink pattern back from an LED pin's level history. Patterns use the firmware's
// notation, [level, ms, level, ms, ...] repeated; a single level means steady.

import type { Board, PinProbe } from './board.js';
import type { Level, LevelChange } from './pins.js';

export interface Segment {
  level: Level;
  ms: number;
}

/** Spans of one level that both started and ended inside [fromMs, toMs]. */
export function completeSegments(history: readonly LevelChange[], fromMs: number, toMs: number): Segment[] {
  const changes = history.filter((c) => c.t >= fromMs && c.t <= toMs);
  const out: Segment[] = [];
  for (let i = 0; i + 1 < changes.length; i++) {
    const a = changes[i] as LevelChange;
    const b = changes[i + 1] as LevelChange;
    out.push({ level: a.level, ms: b.t - a.t });
  }
  return out;
}

/** Whether the segments follow the blinking pattern from some phase, each within tolerance. */
export function followsPattern(
  observed: readonly Segment[],
  pattern: readonly number[],
  toleranceMs: number,
): boolean {
  const steps = pattern.length / 2;
  if (steps < 1 || observed.length === 0) return false;
  for (let phase = 0; phase < steps; phase++) {
    const fits = observed.every((seg, i) => {
      const k = ((phase + i) % steps) * 2;
      const ms = pattern[k + 1] as number;
      return seg.level === pattern[k] && Math.abs(seg.ms - ms) <= Math.max(toleranceMs, ms * 0.3);
    });
    if (fits) return true;
  }
  return false;
}

export interface PatternWait {
  /** Only changes after this board time count (default: when the wait starts). */
  sinceMs?: number;
  timeoutMs?: number;
  /** Complete segments that must match; default: one full cycle, at most 4. */
  segments?: number;
  /** For steady patterns: how long the level must hold (default 300 ms). */
  holdMs?: number;
}

/**
 * Waits until the LED shows the pattern: the latest complete segments follow it (blinking),
 * or the level has held for holdMs (steady). Tolerance is 1 ms on a fake clock; on the real
 * clock max(40 ms, 30%) absorbs timer lateness on a busy test machine.
 */
export async function waitForPattern(
  board: Board,
  pattern: readonly number[],
  o: PatternWait = {},
): Promise<void> {
  const led: PinProbe = board.led;
  const since = o.sinceMs ?? board.clock.now();
  const tolerance = board.clock.kind === 'fake' ? 1 : 40;
  const deadline = Date.now() + (o.timeoutMs ?? 4000);
  const need = o.segments ?? Math.min(pattern.length / 2, 4);
  for (;;) {
    const now = board.clock.now();
    if (pattern.length === 1) {
      const last = led.history().at(-1) as LevelChange;
      if (led.level() === pattern[0] && now - Math.max(last.t, since) >= (o.holdMs ?? 300)) return;
    } else {
      const segs = completeSegments(led.history(), since, now);
      if (segs.length >= need && followsPattern(segs.slice(-need), pattern, tolerance)) return;
    }
    if (Date.now() > deadline) {
      const recent = completeSegments(led.history(), since, now).slice(-8);
      throw new Error(`LED did not show [${pattern.join(',')}]; recent segments: ${JSON.stringify(recent)}`);
    }
    if (board.clock.kind === 'fake') await board.clock.advance(20);
    else await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
