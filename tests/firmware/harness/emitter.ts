// Espruino's Object.prototype.on/emit for the module doubles. Unlike Node, emit() only queues:
// the handlers run after the current code, from the event queue, with at most 4 arguments
// (fact sheet A2, "emit() is asynchronous in Espruino").

/** Queues a board callback to run later; the board guards it and drops it after power-off. */
export type Enqueue = (fn: () => void) => void;

type Listener = (...args: unknown[]) => unknown;

const MAX_EMIT_ARGS = 4;

export class EspEmitter {
  readonly #listeners = new Map<string, Listener[]>();
  readonly #enqueue: Enqueue;

  constructor(enqueue: Enqueue) {
    this.#enqueue = enqueue;
  }

  // Espruino's on() returns undefined, so firmware cannot chain it; neither can it here.
  on(event: string, listener: Listener): void {
    this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), listener]);
  }

  addListener(event: string, listener: Listener): void {
    this.on(event, listener);
  }

  prependListener(event: string, listener: Listener): void {
    this.#listeners.set(event, [listener, ...(this.#listeners.get(event) ?? [])]);
  }

  removeListener(event: string, listener: Listener): void {
    const left = (this.#listeners.get(event) ?? []).filter((l) => l !== listener);
    this.#listeners.set(event, left);
  }

  removeAllListeners(event?: string): void {
    if (event === undefined) this.#listeners.clear();
    else this.#listeners.delete(event);
  }

  listenerCount(event: string): number {
    return this.#listeners.get(event)?.length ?? 0;
  }

  emit(event: string, ...args: unknown[]): void {
    if (args.length > MAX_EMIT_ARGS) throw new Error(`emit: at most ${MAX_EMIT_ARGS} arguments`);
    // The listeners are taken when the event is queued, as jsiQueueObjectCallbacks does.
    for (const listener of this.#listeners.get(event) ?? []) {
      this.#enqueue(() => {
        listener.apply(this, args);
      });
    }
  }
}
