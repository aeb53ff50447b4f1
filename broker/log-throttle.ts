/**
 * Keeps a misbehaving client from flooding the log: the first event of a kind
 * for a key (a client, an address) is written at once, later ones within the
 * window are only counted, and the count rides along on the next line written
 * for that key.
 */
export class LogThrottle {
  private readonly seen = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly write: (message: string) => void,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
    // Keys come from the wire (client ids); bound them so an id-cycling client cannot grow the map.
    private readonly maxKeys = 1000,
  ) {}

  /** Writes `message()` unless `key` was written less than a window ago. */
  log(key: string, message: () => string): void {
    const now = this.now();
    const entry = this.seen.get(key);
    if (entry !== undefined && now - entry.at < this.windowMs) {
      entry.suppressed += 1;
      return;
    }

    const suppressed = entry?.suppressed ?? 0;
    this.seen.delete(key); // re-inserted last, so the map's first keys are the oldest
    this.seen.set(key, { at: now, suppressed: 0 });
    this.evict();
    this.write(suppressed > 0 ? `${message()} (${suppressed} more since the last line like this)` : message());
  }

  private evict(): void {
    for (const key of this.seen.keys()) {
      if (this.seen.size <= this.maxKeys) return;
      this.seen.delete(key);
    }
  }
}
