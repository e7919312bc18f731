/**
 * Stopping within a deadline. Systemd, Docker and Kubernetes stop a service
 * with SIGTERM and expect an exit: MoodReel stops its parts in order (adapters
 * first, so no new update is taken and the turns in flight finish; then
 * schedules, workers, storage) and exits 0. Past the deadline it logs one line
 * naming what did not stop and exits 1; a second signal exits at once.
 *
 * "Second" means a signal at least DUPLICATE_WINDOW_MS after the first: when the
 * process group of `npm start` is signalled (Ctrl+C in a terminal, `kill -TERM
 * -<pgid>`), node gets the signal itself and then again from npm and tsx,
 * which pass it on to their child; those copies are the same request.
 */
import type { Logger } from '../core/ports.js';

/** One part to stop, named for the line that says it did not. */
export interface StopStep {
  readonly name: string;
  /** `budgetMs`: what is left of the deadline (adapters bound their drain with it). */
  stop(budgetMs: number): Promise<void>;
}

export interface StopResult {
  /** Steps that did not finish before the deadline (the one running and those after it). */
  readonly notStopped: readonly string[];
  /** Steps that threw; the next ones still ran. */
  readonly failed: readonly { readonly name: string; readonly error: unknown }[];
  readonly ms: number;
}

const TIMED_OUT = Symbol('timed out');

/** Runs the steps in order until all are done or `deadlineMs` has passed; never rejects. */
export async function stopWithin(steps: readonly StopStep[], deadlineMs: number, now: () => number = () => performance.now()): Promise<StopResult> {
  const started = now();
  const failed: { name: string; error: unknown }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), deadlineMs);
  });
  try {
    for (let k = 0; k < steps.length; k++) {
      const step = steps[k]!;
      const budgetMs = Math.max(0, deadlineMs - (now() - started));
      const outcome = await Promise.race([
        Promise.resolve()
          .then(() => step.stop(budgetMs))
          .catch((error: unknown) => void failed.push({ name: step.name, error })),
        deadline,
      ]);
      if (outcome === TIMED_OUT) return { notStopped: steps.slice(k).map((s) => s.name), failed, ms: now() - started };
    }
    return { notStopped: [], failed, ms: now() - started };
  } finally {
    clearTimeout(timer);
  }
}

export interface ShutdownOptions {
  /** What to stop, in order; read when the shutdown starts (parts started later are included). */
  readonly steps: () => readonly StopStep[];
  readonly deadlineMs: number;
  readonly logger: Logger;
  /** process.exit in production. */
  readonly exit: (code: number) => void;
  readonly now?: () => number;
}

/** Copies of the first signal passed on by npm and tsx arrive within this time. */
export const DUPLICATE_WINDOW_MS = 1_000;

export interface Shutdown {
  /** A signal arrived: the first starts the shutdown, a second exits at once. */
  onSignal(signal: NodeJS.Signals): void;
  /** Stops everything and exits with `code` (the terminal chat's input ended); the same deadline applies. */
  run(code: number, reason: string): Promise<void>;
  readonly started: boolean;
}

/** 128 + the signal's number, as shells report a process ended by a signal. */
const signalExitCode = (signal: NodeJS.Signals): number => (signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : signal === 'SIGHUP' ? 129 : 1);

export function createShutdown(options: ShutdownOptions): Shutdown {
  let running: Promise<void> | null = null;
  let firstSignalAt: number | null = null;
  const { logger } = options;
  const now = options.now ?? (() => performance.now());
  const run = (code: number, reason: string): Promise<void> =>
    (running ??= (async () => {
      logger.info({ event: 'shutdown_started', reason, deadlineMs: options.deadlineMs }, 'Shutting down');
      const result = await stopWithin(options.steps(), options.deadlineMs);
      for (const f of result.failed) logger.error({ event: 'shutdown_step_failed', step: f.name, err: f.error }, 'A part failed to stop');
      if (result.notStopped.length > 0) {
        logger.error({ event: 'shutdown_deadline', deadlineMs: options.deadlineMs, notStopped: result.notStopped }, `Shutdown deadline passed; not stopped: ${result.notStopped.join(', ')}`);
        options.exit(1);
        return;
      }
      logger.info({ event: 'shutdown_done', ms: Math.round(result.ms) }, 'Stopped');
      options.exit(result.failed.length > 0 ? 1 : code);
    })());
  return {
    onSignal(signal) {
      if (firstSignalAt !== null && now() - firstSignalAt < DUPLICATE_WINDOW_MS) return;
      if (running) {
        logger.warn({ event: 'shutdown_forced', signal }, 'Second signal: exiting now');
        options.exit(signalExitCode(signal));
        return;
      }
      firstSignalAt = now();
      void run(0, signal);
    },
    run,
    get started() {
      return running !== null;
    },
  };
}
