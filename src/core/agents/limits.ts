/**
 * Keeps heavy work (photo and text inference) from starving the process: a
 * bounded queue with a fixed number of workers, and a per-user cooldown on
 * photos. Both answer with a clear "busy, try again in N s" (UserError).
 */
import { UserError } from '../errors.js';
import type { Clock } from '../ports.js';

export class InferenceGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly lastPhoto = new Map<number, number>();

  constructor(
    private readonly options: { concurrency: number; queueLimit: number; photoCooldownMs: number; clock: Clock; avgJobMs?: number },
  ) {}

  /** Throws UserError('cooldown') when the user sent a photo too recently. */
  checkPhotoCooldown(userId: number): void {
    const now = this.options.clock.now().getTime();
    const last = this.lastPhoto.get(userId);
    if (last !== undefined && now - last < this.options.photoCooldownMs) {
      const wait = Math.ceil((this.options.photoCooldownMs - (now - last)) / 1000);
      throw new UserError('cooldown', `One photo at a time, please: try again in ${wait} s.`, { retryAfterS: wait });
    }
    this.lastPhoto.set(userId, now);
    if (this.lastPhoto.size > 10_000) this.lastPhoto.clear();
  }

  /** Runs `job` when a worker is free; refuses at once when the queue is full. */
  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running >= this.options.concurrency) {
      if (this.waiting.length >= this.options.queueLimit) {
        const wait = Math.max(1, Math.ceil(((this.waiting.length + 1) * (this.options.avgJobMs ?? 300)) / this.options.concurrency / 1000));
        throw new UserError('busy', `I'm busy with other requests right now. Try again in ${wait} s.`, { retryAfterS: wait });
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await job();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  get queued(): number {
    return this.waiting.length;
  }
}
