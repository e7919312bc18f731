/**
 * At most one line per key and interval: a storm of the same error (every
 * getUpdates failing, a handler throwing in a loop) becomes one line per
 * interval that says how many were left out since the last one.
 */

export interface StormLimiterOptions {
  readonly intervalMs: number;
  readonly now?: () => number;
  /** Keys remembered at most; the oldest is forgotten first. */
  readonly maxKeys?: number;
}

interface Seen {
  loggedAt: number;
  suppressed: number;
}

export class StormLimiter {
  private readonly seen = new Map<string, Seen>();
  private readonly now: () => number;
  private readonly maxKeys: number;

  constructor(private readonly options: StormLimiterOptions) {
    this.now = options.now ?? Date.now;
    this.maxKeys = options.maxKeys ?? 1000;
  }

  /**
   * null: leave this one out. A number: log it, and say that this many of the
   * same were left out since the last line (0 for the first of a storm).
   */
  admit(key: string): number | null {
    const now = this.now();
    const entry = this.seen.get(key);
    if (entry && now - entry.loggedAt < this.options.intervalMs) {
      entry.suppressed++;
      return null;
    }
    const suppressed = entry?.suppressed ?? 0;
    this.seen.delete(key);
    this.seen.set(key, { loggedAt: now, suppressed: 0 });
    if (this.seen.size > this.maxKeys) this.seen.delete(this.seen.keys().next().value!);
    return suppressed;
  }
}
