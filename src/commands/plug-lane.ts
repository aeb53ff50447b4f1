import { BridgeError } from '../errors.js';
import type { Command } from './command.js';

/** What a batch of queued commands asks the plug to do, worked out before anything is sent. */
export interface Plan {
  /** Read the plug first: a toggle of a plug whose state is unknown. */
  readFirst: boolean;
  /** The absolute state to send, or undefined when the batch only asks for status. */
  target: ((current: boolean) => boolean) | undefined;
}

/**
 * Folds commands, in arrival order, into one absolute target. on/off replace
 * it, toggle flips it; so "toggle, toggle" sends the current state once
 * instead of switching the relay twice.
 */
export function planBatch(commands: readonly Command[], known: boolean | null): Plan {
  let target: ((current: boolean) => boolean) | undefined;
  let readFirst = false;
  for (const command of commands) {
    const before = target;
    switch (command.action) {
      case 'on':
        target = () => true;
        break;
      case 'off':
        target = () => false;
        break;
      case 'toggle':
        if (!before && known === null) readFirst = true;
        target = (current) => !(before ? before(current) : current);
        break;
      case 'status':
        break;
    }
  }
  return { readFirst, target };
}

interface Waiting {
  command: Command;
  resolve: (on: boolean | undefined) => void;
  reject: (error: BridgeError) => void;
  timer: NodeJS.Timeout;
}

export interface LaneWork {
  /** Runs one batch against the plug; resolves with the state it set, if it set one. */
  (commands: readonly Command[]): Promise<boolean | undefined>;
}

/**
 * The queue in front of one plug. One batch is at the plug at a time; what
 * arrives meanwhile waits and goes as the next batch, so a burst of commands
 * costs one cloud call, and answers can never come back out of order.
 */
export class PlugLane {
  private queue: Waiting[] = [];
  private busy = false;

  constructor(
    private readonly work: LaneWork,
    private readonly limits: { maxQueue: number; timeoutMs: number },
  ) {}

  get idle(): boolean {
    return !this.busy && this.queue.length === 0;
  }

  submit(command: Command): Promise<boolean | undefined> {
    if (this.queue.length >= this.limits.maxQueue) {
      return Promise.reject(new BridgeError('rate_limited', `more than ${this.limits.maxQueue} commands are waiting for this plug`));
    }
    return new Promise((resolve, reject) => {
      const waiting: Waiting = {
        command,
        resolve,
        reject,
        // A command still queued when its time runs out is dropped, never sent late.
        timer: setTimeout(() => {
          this.queue = this.queue.filter((entry) => entry !== waiting);
          reject(new BridgeError('timeout', `no answer from the plug within ${this.limits.timeoutMs} ms`));
        }, this.limits.timeoutMs),
      };
      this.queue.push(waiting);
      if (!this.busy) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.busy = true;
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        const on = await this.work(batch.map((entry) => entry.command));
        for (const entry of batch) settle(entry, () => entry.resolve(on));
      } catch (err) {
        const error = err instanceof BridgeError ? err : new BridgeError('internal', String(err));
        for (const entry of batch) settle(entry, () => entry.reject(error));
      }
    }
    this.busy = false;
  }
}

function settle(entry: Waiting, answer: () => void): void {
  clearTimeout(entry.timer);
  answer();
}
