/**
 * One text-model retraining cycle from donated sentences (issue #13 part 3), for node-cron
 * or `npm run retrain:text`:
 *
 *   1. read the donated sentences (text + corrected label, no user ids);
 *   2. skip when there are too few, or none on one side of the held-out split;
 *   3. build a candidate in a child process with a time limit (text-retrain.candidate.ts):
 *      the shipped model's output layers fine-tuned on a seeded sample of its training
 *      data plus the donated sentences, weighted;
 *   4. promote it only when it is not worse than the serving model on chat-dev and dair-ai
 *      val beyond the stated noise margin AND better on the held-out donated sentences;
 *   5. record before/after in <version>/retrain.json and last-run.json; prune old versions.
 *
 * It never throws: a failed, timed-out or stopped run is logged, its folder removed, and the
 * serving model stays (the pointer is only written by a promotion, atomically).
 */
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../../core/ports.js';
import type { TextModelRegistry, TextRetrainRecord } from './text-model.registry.js';
import type { CandidateInput, CandidateResult } from './text-retrain.candidate.js';
import { DEFAULT_RETRAIN, isHeldOut, PROMOTION_RULE, type DonatedRow, type RetrainSettings } from './text-retrain.settings.js';

export type CandidateChildMessage =
  | { type: 'done'; result: CandidateResult }
  | { type: 'error'; message: string; stack: string };

export class TextRetrainTimeoutError extends Error {
  override readonly name = 'TextRetrainTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`text retraining did not finish within ${timeoutMs} ms`);
  }
}

export class TextRetrainStoppedError extends Error {
  override readonly name = 'TextRetrainStoppedError';
  constructor() {
    super('text retraining stopped: shutting down');
  }
}

export type BuildCandidateFn = (input: CandidateInput, limits: { timeoutMs: number; signal?: AbortSignal }) => Promise<CandidateResult>;

/**
 * How to start text-retrain.child: the compiled .js beside this file, or the .ts under
 * tsx's loader (how MoodReel runs), found from this package's node_modules.
 */
function childEntry(): { file: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  const typescript = here.endsWith('.ts');
  const file = path.join(path.dirname(here), `text-retrain.child.${typescript ? 'ts' : 'js'}`);
  if (!typescript) return { file, execArgv: [] };
  const tsxDir = path.dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  return { file, execArgv: ['--import', pathToFileURL(path.join(tsxDir, 'dist', 'loader.mjs')).href] };
}

/** Builds the candidate in a child process; killed on timeout or abort. */
export const buildCandidateInChild: BuildCandidateFn = (input, limits) => {
  const entry = childEntry();
  return new Promise<CandidateResult>((resolve, reject) => {
    const child = fork(entry.file, [], { execArgv: entry.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
    let settled = false;
    const onAbort = () => finish(() => reject(new TextRetrainStoppedError()));
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      limits.signal?.removeEventListener('abort', onAbort);
      fn();
      if (child.exitCode === null) child.kill('SIGKILL');
    };
    const timer = setTimeout(() => finish(() => reject(new TextRetrainTimeoutError(limits.timeoutMs))), limits.timeoutMs);
    if (limits.signal?.aborted) onAbort();
    else limits.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('message', (m: CandidateChildMessage) => {
      if (m.type === 'done') finish(() => resolve(m.result));
      else finish(() => reject(Object.assign(new Error(`text retraining failed: ${m.message}`), { childStack: m.stack })));
    });
    child.on('error', (error) => finish(() => reject(error)));
    child.on('exit', (code, signal) => finish(() => reject(new Error(`text retraining process exited early (code ${code}, signal ${signal})`))));
    child.send(input);
  });
};

export interface TextRetrainOptions {
  /** The shipped model folder (MOODREEL_TEXT_MODEL): what versions are fine-tuned from. */
  readonly shippedModel: string;
  readonly registry: TextModelRegistry;
  /** Folder laid out like ../shared/data/text-emotion (training sources, chat-dev.txt). */
  readonly dataDir: string;
  readonly loadDonated: () => Promise<readonly DonatedRow[]>;
  readonly logger: Logger;
  readonly timeoutMs: number;
  readonly seed?: number;
  readonly settings?: Partial<RetrainSettings>;
  /** Default buildCandidateInChild; tests may build in-thread. */
  readonly build?: BuildCandidateFn;
  readonly signal?: AbortSignal;
  readonly now?: () => Date;
}

export type TextRetrainResult =
  | { readonly status: 'skipped'; readonly reason: string }
  | { readonly status: 'failed' | 'timeout'; readonly error: string }
  | { readonly status: 'promoted' | 'rejected'; readonly record: TextRetrainRecord };

export async function retrainText(options: TextRetrainOptions): Promise<TextRetrainResult> {
  const log = options.logger.child({ job: 'text-retrain' });
  const settings: RetrainSettings = { ...DEFAULT_RETRAIN, ...options.settings };
  const seed = options.seed ?? 42;
  const started = performance.now();
  let version: string | null = null;
  // Once its record is written a version is complete (promoted or kept for inspection); prune removes it later.
  let complete = false;
  let release: (() => Promise<void>) | null = null;
  try {
    const donated = await options.loadDonated();
    if (donated.length < settings.minDonated) {
      log.info({ donated: donated.length, minDonated: settings.minDonated }, 'text retrain skipped: too few donated sentences');
      return { status: 'skipped', reason: `only ${donated.length} donated sentences (need ${settings.minDonated})` };
    }
    const held = donated.filter((d) => isHeldOut(d.text, settings, seed)).length;
    if (held === 0 || held === donated.length) return { status: 'skipped', reason: 'no donated sentence on one side of the held-out split' };
    release = await options.registry.lock(options.timeoutMs + 60_000);
    if (release === null) {
      log.info({}, 'text retrain skipped: another run holds the lock');
      return { status: 'skipped', reason: 'another run is in progress' };
    }
    const shippedModel = path.resolve(options.shippedModel);
    const serving = await options.registry.servingFolder(shippedModel);
    const created = await options.registry.createVersion();
    version = created.version;
    log.info({ donated: donated.length, heldOut: held, serving: serving.version ?? 'shipped', version }, 'text retrain started');
    const build = options.build ?? buildCandidateInChild;
    const result = await build(
      { shippedModel, servingModel: serving.folder, outDir: created.dir, dataDir: path.resolve(options.dataDir), donated: donated.map((d) => ({ text: d.text, label: d.label })), seed, settings },
      { timeoutMs: options.timeoutMs, ...(options.signal ? { signal: options.signal } : {}) },
    );
    const record: TextRetrainRecord = {
      format: 'moodreel-text-retrain/1',
      version,
      createdAt: (options.now ?? (() => new Date()))().toISOString(),
      servingBefore: serving.version ?? 'shipped',
      base: { folder: shippedModel, sha256: result.baseSha256 },
      before: result.before,
      after: result.after,
      heldOut: { n: result.heldOut, donatedTotal: donated.length, share: settings.heldOutShare },
      train: { ...result.train, donatedWeight: settings.donatedWeight },
      margins: { rule: PROMOTION_RULE, ...result.changes },
      promoted: result.promote,
      reason: result.reason,
      seconds: Math.round((performance.now() - started) / 100) / 10,
      settings: { ...settings },
    };
    await options.registry.writeRecord(record);
    complete = true;
    if (result.promote) await options.registry.promote(version);
    await options.registry.prune();
    log.info({ version, promoted: record.promoted, reason: record.reason, before: record.before, after: record.after, seconds: record.seconds }, record.promoted ? 'text retrain promoted a new model' : 'text retrain kept the serving model');
    return { status: result.promote ? 'promoted' : 'rejected', record };
  } catch (error) {
    if (version !== null && !complete) await options.registry.remove(version).catch(() => undefined);
    const serving = await options.registry.currentVersion().catch(() => null);
    if (error instanceof TextRetrainStoppedError) {
      log.info({}, 'text retrain stopped by shutdown; the serving model is unchanged');
      return { status: 'skipped', reason: 'stopped by shutdown' };
    }
    if (error instanceof TextRetrainTimeoutError) {
      log.error({ timeoutMs: error.timeoutMs, serving: serving ?? 'shipped' }, 'text retrain timed out; the serving model is unchanged');
      return { status: 'timeout', error: error.message };
    }
    log.error({ err: error, serving: serving ?? 'shipped' }, 'text retrain failed; the serving model is unchanged');
    return { status: 'failed', error: error instanceof Error ? error.message : String(error) };
  } finally {
    await release?.().catch(() => undefined);
  }
}

export interface TextRetrainRuntime {
  /** Runs once now (or joins the run in progress). */
  retrain(): Promise<TextRetrainResult>;
  startSchedule(): void;
  /** Stops the schedule and kills a run in progress (its child process). */
  stop(): Promise<void>;
}

/** The scheduled job as the app runs it: `cron` 'off' disables the schedule (retrain() still works). */
export function createTextRetrainRuntime(options: Omit<TextRetrainOptions, 'signal'> & { readonly cron: string }): TextRetrainRuntime {
  const stopping = new AbortController();
  let running: Promise<TextRetrainResult> | null = null;
  let task: ScheduledTask | null = null;
  const log = options.logger.child({ job: 'text-retrain' });
  const retrain = (): Promise<TextRetrainResult> =>
    (running ??= retrainText({ ...options, signal: stopping.signal }).finally(() => {
      running = null;
    }));
  return {
    retrain,
    startSchedule() {
      if (options.cron === 'off') return;
      task = cron.schedule(options.cron, () => {
        void retrain().then((r) => log.info({ status: r.status }, 'scheduled text retraining finished'));
      });
    },
    async stop() {
      await task?.stop();
      stopping.abort();
      await running?.catch(() => undefined);
    },
  };
}
