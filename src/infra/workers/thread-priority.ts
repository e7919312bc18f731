/**
 * Lowers the calling thread's CPU priority, for background workers (photo
 * analysis, retraining) that share two cores with the event loop answering chats.
 * On Linux each thread has its own nice value: this thread's id is read from
 * /proc/thread-self and given to setpriority, so the main thread keeps its
 * priority and wins when both want a core. Elsewhere (no /proc) nothing changes.
 * Returns the nice value now in effect, or null when it could not be set.
 */
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

export function lowerThreadPriority(nice = 10): number | null {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return null;
    setPriority(tid, Math.max(getPriority(tid), nice));
    return getPriority(tid);
  } catch {
    return null;
  }
}
