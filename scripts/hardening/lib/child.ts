/**
 * MoodReel as a separate process, the way `npm start` runs it (`node --import
 * tsx src/main.ts`, so the pid is MoodReel itself and SIGKILL hits it, not an
 * npm or npx wrapper). Settings come only from the env given here: nothing of
 * the parent's MoodReel, Telegram, Discord or database settings leaks in.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemoryLog } from './logs.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface ChildApp {
  readonly name: string;
  readonly process: ChildProcess;
  /** Everything the child wrote to stderr (pino JSON lines and anything else). */
  readonly log: MemoryLog;
  readonly stdout: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly isRunning: () => boolean;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** kill -9. */
  kill9(): Promise<void>;
}

const OWN_SETTINGS = /^(MOODREEL_|TELEGRAM_|DISCORD_|DATABASE_URL$|LOG_LEVEL$)/;

export interface SpawnOptions {
  /** Through `npm start` (npm -> tsx -> node) in a process group of its own, as a service manager would. */
  readonly viaNpm?: boolean;
}

/** The parent's environment without any MoodReel, Telegram, Discord or database setting. */
export const cleanEnv = (): Record<string, string> =>
  Object.fromEntries(Object.entries(process.env).filter(([k, v]) => v !== undefined && !OWN_SETTINGS.test(k))) as Record<string, string>;

export function spawnMoodReel(name: string, env: Record<string, string>, options: SpawnOptions = {}): ChildApp {
  const [command, args] = options.viaNpm ? ['npm', ['start']] : [process.execPath, ['--import', 'tsx', 'src/main.ts']];
  const child = spawn(command, args as string[], {
    cwd: REPO_ROOT,
    env: { ...cleanEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.viaNpm === true,
  });
  const log = new MemoryLog();
  let out = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => log.take(chunk));
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  let running = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      running = false;
      resolve({ code, signal });
    }),
  );
  return {
    name,
    process: child,
    log,
    stdout: () => out,
    exited,
    isRunning: () => running,
    async stop(graceMs = 15_000) {
      if (!running) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => running && child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    async kill9() {
      if (!running) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Resolves when `ready()` holds; rejects when the child exits first or after `timeoutMs`. */
export async function waitUntilReady(child: ChildApp, ready: () => boolean, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while (!ready()) {
    if (!child.isRunning()) {
      throw new Error(`${child.name} exited before it was ready: ${child.log.text().split('\n').slice(-5).join(' / ').slice(0, 600)}`);
    }
    if (Date.now() - started > timeoutMs) throw new Error(`${child.name} not ready after ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
