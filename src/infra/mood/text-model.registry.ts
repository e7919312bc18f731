/**
 * Versions of the text mood model retrained from corrections, in the recommender
 * registry's style (src/infra/recommender/model-registry.ts): one folder per version,
 * a `current.json` pointer swapped atomically (write .tmp, rename), promote and rollback.
 *
 *   <modelsDir>/text-emotion/<version>/            a whole transformers.js model folder
 *   <modelsDir>/text-emotion/<version>/retrain.json what the run measured and decided (TextRetrainRecord)
 *   <modelsDir>/text-emotion/current.json          { version, history: [previous, ...], promotedAt }
 *   <modelsDir>/text-emotion/last-run.json         the latest completed run's retrain.json, with its version
 *
 * The shipped model (models/text-emotion) stays where it is and is what serves before
 * any promotion. A version names the shipped model it was fine-tuned from (sha256 of its
 * onnx/model.onnx); when a new shipped model is deployed, versions built on the old one
 * stop serving (the shipped model serves until a retrain builds on it).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../core/ports.js';
import { UserError } from '../../core/errors.js';

/** Accuracy of one model on the comparison sets (detector decisions: the neutral threshold applied). */
export interface TextEvalScores {
  readonly heldOut: number;
  readonly chatDev: number;
  readonly dairAiVal: number;
}

/** One comparison: sentences the candidate lost (serving right, candidate wrong) and won. */
export interface PairedChange {
  readonly n: number;
  readonly lost: number;
  readonly won: number;
  /** Net sentences lost the rule tolerates (not-worse sets) or 0 (the held-out set must gain). */
  readonly margin: number;
  readonly pass: boolean;
}

/**
 * retrain.json: what `npm run eval:corrections` reads for "before / after the latest retrain".
 * `before` is the model serving when the run started, `after` the candidate; both on the same
 * held-out donated sentences and evaluation sets. Contains no sentence.
 */
export interface TextRetrainRecord {
  readonly format: 'moodreel-text-retrain/1';
  readonly version: string;
  readonly createdAt: string;
  /** The serving model compared against: a version name, or 'shipped'. */
  readonly servingBefore: string;
  readonly base: { readonly folder: string; readonly sha256: string };
  readonly before: TextEvalScores;
  readonly after: TextEvalScores;
  readonly heldOut: { readonly n: number; readonly donatedTotal: number; readonly share: number };
  readonly train: { readonly shippedRows: number; readonly donatedRows: number; readonly donatedWeight: number };
  readonly margins: { readonly rule: string; readonly chatDev: PairedChange; readonly dairAiVal: PairedChange; readonly heldOut: PairedChange };
  readonly promoted: boolean;
  readonly reason: 'better' | 'worse_on_eval' | 'not_better_on_held_out';
  readonly seconds: number;
  readonly settings: Record<string, number>;
}

interface Pointer {
  readonly version: string;
  readonly history: readonly string[];
  readonly promotedAt: string;
}

/** sha256 of a model folder's onnx/model.onnx (what a version was fine-tuned from). */
export async function modelHash(folder: string): Promise<string> {
  return createHash('sha256').update(await readFile(path.join(folder, 'onnx', 'model.onnx'))).digest('hex');
}

export class TextModelRegistry {
  readonly dir: string;
  private readonly logger: Logger | undefined;
  private readonly now: () => Date;
  /** Versions kept besides current and the rollback target. */
  private readonly keepExtra: number;
  private counter = 0;

  constructor(modelsDir: string, options: { logger?: Logger; now?: () => Date; keepExtra?: number } = {}) {
    this.dir = path.join(modelsDir, 'text-emotion');
    this.logger = options.logger?.child({ module: 'text-model-registry' });
    this.now = options.now ?? (() => new Date());
    this.keepExtra = options.keepExtra ?? 1;
  }

  /** The file serving processes watch: it changes exactly when the serving version does. */
  get pointerPath(): string {
    return path.join(this.dir, 'current.json');
  }

  get lastRunPath(): string {
    return path.join(this.dir, 'last-run.json');
  }

  versionDir(version: string): string {
    if (!/^[\w.-]+$/.test(version) || version === 'current.json') throw new Error(`bad text model version name ${JSON.stringify(version)}`);
    return path.join(this.dir, version);
  }

  /**
   * Takes the run lock (several bot processes on one database each schedule the job): an
   * exclusive-create file, taken over when older than `staleMs` (a run killed mid-way).
   * Returns a release function, or null when another run holds it.
   */
  async lock(staleMs: number): Promise<(() => Promise<void>) | null> {
    await mkdir(this.dir, { recursive: true });
    const file = path.join(this.dir, 'retrain.lock');
    const take = async (): Promise<boolean> => {
      try {
        await writeFile(file, JSON.stringify({ pid: process.pid, at: this.now().toISOString() }), { flag: 'wx' });
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        return false;
      }
    };
    if (!(await take())) {
      const held = await stat(file).catch(() => null);
      if (held && Date.now() - held.mtimeMs < staleMs) return null;
      await rm(file, { force: true });
      if (!(await take())) return null;
    }
    return () => rm(file, { force: true });
  }

  /** Creates an empty folder for a new version (never shared by two writers). */
  async createVersion(): Promise<{ version: string; dir: string }> {
    await mkdir(this.dir, { recursive: true });
    for (;;) {
      const stamp = this.now().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
      const version = `v${stamp}-${String(++this.counter).padStart(3, '0')}`;
      try {
        await mkdir(this.versionDir(version));
        return { version, dir: this.versionDir(version) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
  }

  async remove(version: string): Promise<void> {
    await rm(this.versionDir(version), { recursive: true, force: true });
  }

  /** All version folders, oldest first. */
  async versions(): Promise<string[]> {
    try {
      return (await readdir(this.dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    } catch {
      return [];
    }
  }

  private async pointer(): Promise<Pointer | null> {
    try {
      return JSON.parse(await readFile(this.pointerPath, 'utf8')) as Pointer;
    } catch {
      return null;
    }
  }

  /** The promoted version, or null when the shipped model serves. */
  async currentVersion(): Promise<string | null> {
    return (await this.pointer())?.version ?? null;
  }

  async record(version: string): Promise<TextRetrainRecord> {
    return JSON.parse(await readFile(path.join(this.versionDir(version), 'retrain.json'), 'utf8')) as TextRetrainRecord;
  }

  /** Writes a version's retrain.json (atomically) and, for a completed run, last-run.json. */
  async writeRecord(record: TextRetrainRecord): Promise<void> {
    const body = `${JSON.stringify(record, null, 2)}\n`;
    for (const file of [path.join(this.versionDir(record.version), 'retrain.json'), this.lastRunPath]) {
      await writeFile(`${file}.tmp`, body);
      await rename(`${file}.tmp`, file);
    }
  }

  private async writePointer(pointer: Pointer): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const tmp = `${this.pointerPath}.tmp`;
    await writeFile(tmp, `${JSON.stringify(pointer, null, 2)}\n`);
    await rename(tmp, this.pointerPath);
  }

  /** Makes `version` current (atomic swap); the old current becomes the rollback target. */
  async promote(version: string): Promise<void> {
    if (!existsSync(path.join(this.versionDir(version), 'onnx', 'model.onnx'))) throw new UserError('model_missing', `Text model version ${version} is not available.`, { version });
    const old = await this.pointer();
    const history = old === null ? [] : [old.version, ...old.history.filter((v) => v !== version)].slice(0, 10);
    await this.writePointer({ version, history, promotedAt: this.now().toISOString() });
    this.logger?.info({ version, previous: old?.version ?? null }, 'text model version promoted');
  }

  /**
   * Goes back one version; from the first promoted version, back to the shipped model
   * (the pointer is removed). Returns the version now serving, or null for the shipped one.
   * Throws UserError('not_found') when the shipped model already serves.
   */
  async rollback(): Promise<string | null> {
    const old = await this.pointer();
    if (old === null) throw new UserError('not_found', 'The shipped text model is already serving; there is nothing to roll back.');
    const target = old.history[0];
    if (target === undefined) {
      await rm(this.pointerPath, { force: true });
      this.logger?.warn({ from: old.version, to: 'shipped' }, 'text model rolled back');
      return null;
    }
    await this.writePointer({ version: target, history: old.history.slice(1), promotedAt: this.now().toISOString() });
    this.logger?.warn({ from: old.version, to: target }, 'text model rolled back');
    return target;
  }

  /** Deletes versions that are neither current, nor the rollback target, nor among the newest `keepExtra`. */
  async prune(): Promise<string[]> {
    const pointer = await this.pointer();
    const keep = new Set<string>();
    if (pointer) [pointer.version, ...pointer.history.slice(0, 1)].forEach((v) => keep.add(v));
    const all = await this.versions();
    all.slice(-this.keepExtra).forEach((v) => keep.add(v));
    const removed = all.filter((v) => !keep.has(v));
    for (const v of removed) await this.remove(v);
    return removed;
  }

  /**
   * The folder to serve: the current version when it was built on this shipped model and
   * its files are there, else the shipped folder. Never throws for a bad version (logs it).
   */
  async servingFolder(shipped: string): Promise<{ folder: string; version: string | null }> {
    const version = await this.currentVersion();
    if (version === null) return { folder: shipped, version: null };
    try {
      const record = await this.record(version);
      const folder = this.versionDir(version);
      if (!existsSync(path.join(folder, 'onnx', 'model.onnx'))) throw new Error('onnx/model.onnx missing');
      if (record.base.sha256 !== (await modelHash(shipped))) {
        this.logger?.warn({ version }, 'current text model version was built on another shipped model; serving the shipped model');
        return { folder: shipped, version: null };
      }
      return { folder, version };
    } catch (error) {
      this.logger?.error({ version, err: error }, 'current text model version is unreadable; serving the shipped model');
      return { folder: shipped, version: null };
    }
  }
}

/**
 * The latest completed text retrain (promoted or not), or null before the first: what
 * `npm run eval:corrections` shows as the detector's accuracy on held-out donated sentences
 * before (`before.heldOut`) and after (`after.heldOut`) the latest retrain.
 */
export async function latestTextRetrain(modelsDir: string): Promise<TextRetrainRecord | null> {
  try {
    const record = JSON.parse(await readFile(new TextModelRegistry(modelsDir).lastRunPath, 'utf8')) as TextRetrainRecord;
    return record.format === 'moodreel-text-retrain/1' ? record : null;
  } catch {
    return null;
  }
}
