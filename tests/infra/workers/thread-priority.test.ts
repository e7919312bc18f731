import { existsSync } from 'node:fs';
import { getPriority } from 'node:os';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { workerEntry } from '../../../src/infra/workers/worker-entry.js';

describe('lowerThreadPriority', () => {
  it.runIf(existsSync('/proc/thread-self'))('given a worker thread, lowers that thread only and leaves the main thread as it was', async () => {
    const before = getPriority(process.pid);
    const entry = workerEntry(import.meta.url, 'thread-priority.fixture');
    const nice = await new Promise<number | null>((resolve, reject) => {
      const worker = new Worker(entry.target, { eval: entry.eval });
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    expect(nice).toBeGreaterThanOrEqual(10);
    expect(getPriority(process.pid)).toBe(before);
  });
});
