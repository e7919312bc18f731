/**
 * What /proc says about a child: CPU time used (all its threads, workers
 * included) and which processes are still in a process group. Linux only,
 * like the rest of the harness.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { sleep } from './rng.js';

let ticks: number | null = null;
const clockTicks = (): number => (ticks ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100);

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces): state, ppid, pgrp, ... */
const statFields = (pid: number): string[] | null => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
};

/** User + system CPU seconds the process has used so far (null once it is gone). */
export function cpuSeconds(pid: number): number | null {
  const f = statFields(pid);
  return f ? (Number(f[11]) + Number(f[12])) / clockTicks() : null;
}

/**
 * CPU seconds of the process's main thread alone (its event loop: timers,
 * retries, logging). The rest of `cpuSeconds` is other threads: worker threads,
 * and V8's background threads, which mostly collect garbage. A process that
 * has just gone idle after work spends a few tenths of a second there (V8's
 * memory reducer), whatever it is waiting for.
 */
export function mainThreadSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / clockTicks();
  } catch {
    return null;
  }
}

/** Processes (pid and command line) whose process group is `pgid`, zombies excluded. */
export function groupMembers(pgid: number): { pid: number; cmd: string }[] {
  const members: { pid: number; cmd: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const f = statFields(Number(entry));
    if (!f || f[0] === 'Z' || Number(f[2]) !== pgid) continue;
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim().slice(0, 120);
    } catch {
      continue;
    }
    members.push({ pid: Number(entry), cmd });
  }
  return members;
}

/**
 * Waits until the process has been nearly idle for a while (start-up work such
 * as loading the face models in their worker is over), so a measurement that
 * follows is about the situation under test.
 */
export async function waitQuiet(pid: number, options: { windowMs?: number; maxCpuSeconds?: number; timeoutMs?: number } = {}): Promise<boolean> {
  const windowMs = options.windowMs ?? 2_000;
  const started = Date.now();
  while (Date.now() - started < (options.timeoutMs ?? 90_000)) {
    const before = cpuSeconds(pid);
    await sleep(windowMs);
    const after = cpuSeconds(pid);
    if (before === null || after === null) return false;
    if (after - before <= (options.maxCpuSeconds ?? 0.05)) return true;
  }
  return false;
}
