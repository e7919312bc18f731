/**
 * Runs tasks one at a time per key (a chat), in arrival order, while different
 * chats run side by side. Without it, two quick messages in one chat could be
 * answered interleaved, and a watch-party announcement could land in the middle
 * of a pick list.
 */
export class KeyedSerialQueue {
  private readonly tails = new Map<string, Promise<void>>();
  private running = 0;
  private readonly idleWaiters: (() => void)[] = [];

  /** Tasks accepted but not yet finished, all keys together. */
  get size(): number {
    return this.running;
  }

  /** Queues `task` behind the earlier tasks of `key`; settles with the task's own outcome. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    this.running++;
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
      this.running--;
      if (this.running === 0) this.idleWaiters.splice(0).forEach((wake) => wake());
    });
    return result;
  }

  /** Resolves when no task is queued or running (used on shutdown). */
  onIdle(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
