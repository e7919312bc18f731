/**
 * Memory readings for the soak. RSS alone says little over a minute (the V8
 * heap and the tfjs WebAssembly memory grow in steps and rarely give memory
 * back), so the heap is also read after a full garbage collection, which is
 * what keeps growing when something leaks.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

let gc: (() => void) | null | undefined;

/** Runs a full GC when the runtime lets us turn it on; false otherwise. */
export function fullGc(): boolean {
  if (gc === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      gc = vm.runInNewContext('gc') as () => void;
    } catch {
      gc = null;
    }
  }
  if (!gc) return false;
  gc();
  return true;
}

export const mb = (bytes: number) => bytes / 2 ** 20;

/** Heap used after a full GC, and RSS, in MB. */
export function settledMemory(): { heapMb: number; rssMb: number; gc: boolean } {
  const collected = fullGc();
  const usage = process.memoryUsage();
  return { heapMb: mb(usage.heapUsed), rssMb: mb(usage.rss), gc: collected };
}
