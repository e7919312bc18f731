/**
 * Waiting for a chat API that cannot be reached (connection refused, DNS, TLS,
 * reset, timeout): exponential back-off with jitter, capped at about a minute,
 * and one log line when the API is lost and one when it is back.
 *
 * The growth is gentle on purpose (x1.2 per attempt, from 1.25 s): a wait
 * stays short while an outage is short, so picks resume within seconds of the
 * API's return (after 30 s down the next try is at most ~8 s away), and a long
 * outage still settles at one attempt a minute. Jitter only shortens a wait,
 * so `baseMs` is also the shortest pause after a failure.
 */
import type { Logger } from '../../core/ports.js';

export interface BackoffPolicy {
  /** Nominal first wait. */
  readonly baseMs: number;
  /** Growth per failed attempt. */
  readonly factor: number;
  /** Longest wait. */
  readonly maxMs: number;
  /** Share of a wait taken off at random (0.2: between 80 % and 100 % of it). */
  readonly jitter: number;
}

export const DEFAULT_BACKOFF = { baseMs: 1_250, factor: 1.2, maxMs: 60_000, jitter: 0.2 } as const satisfies BackoffPolicy;

/** The wait before attempt `failures + 1`, after `failures` (>= 1) failures in a row. */
export function backoffDelay(failures: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const nominal = Math.min(policy.maxMs, policy.baseMs * policy.factor ** Math.max(0, failures - 1));
  return Math.round(Math.max(policy.baseMs * (1 - policy.jitter), nominal * (1 - policy.jitter * random())));
}

/** Resolves after `ms`, or at once when `signal` aborts. Holds no CPU meanwhile. */
export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * Tracks one API's reachability: `failed()` returns how long to wait and logs a
 * warning the first time only; `succeeded()` logs one info line if the API
 * was lost. Everything in between is silent.
 */
export class Reachability {
  private failures = 0;
  private lostAt: number | null = null;

  constructor(
    private readonly api: string,
    private readonly logger: Logger,
    private readonly policy: BackoffPolicy = DEFAULT_BACKOFF,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {}

  get lost(): boolean {
    return this.lostAt !== null;
  }

  /** A failed attempt: the wait before the next one. */
  failed(reason: string): number {
    this.failures++;
    const waitMs = backoffDelay(this.failures, this.policy, this.random);
    if (this.lostAt === null) {
      this.lostAt = this.now();
      this.logger.warn({ event: 'api_unreachable', api: this.api, reason, retryInMs: waitMs, maxWaitMs: this.policy.maxMs }, `${this.api} unreachable; retrying with back-off`);
    }
    return waitMs;
  }

  /** An attempt got through. */
  succeeded(): void {
    if (this.lostAt !== null) {
      this.logger.info({ event: 'api_reachable', api: this.api, downSeconds: Math.round((this.now() - this.lostAt) / 100) / 10, attempts: this.failures }, `${this.api} reachable again`);
    }
    this.lostAt = null;
    this.failures = 0;
  }
}
