/**
 * A Map that forgets its oldest entry past `capacity` (a set moves an entry to
 * the newest place), and one such map per Discord application for the life of
 * the process: what the picks pages and the party refs keep in memory.
 */
export class BoundedMap<K, V> {
  private readonly entries = new Map<K, V>();
  constructor(private readonly capacity = 5_000) {}

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as K;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * One store per application id, created on first use. A client the adapter
 * logs in afresh after an outage finds the one before's; a new process starts
 * empty (`clear` plays that in tests).
 */
export function perApplication<S>(create: () => S): { of(applicationId: string): S; clear(): void } {
  const stores = new Map<string, S>();
  return {
    of(applicationId) {
      let store = stores.get(applicationId);
      if (!store) {
        store = create();
        stores.set(applicationId, store);
      }
      return store;
    },
    clear: () => stores.clear(),
  };
}
