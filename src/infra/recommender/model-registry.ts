/**
 * Versioned CF models on disk, promoted and rolled back by an atomic pointer
 * swap:
 *
 *   <modelsDir>/cf/<version>/params.json    ScorerParams (typed arrays as base64)
 *   <modelsDir>/cf/<version>/manifest.json  what, when, on what data, metrics
 *   <modelsDir>/cf/current.json             { version, history: [previous, ...] }
 *
 * `promote` writes current.json.tmp then renames it over current.json (rename
 * is atomic on one filesystem), so a reader sees the old or the new pointer,
 * never half of one. The previous version stays on disk for `rollback`.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Interaction } from '../../core/recommender/dataset.js';
import { evaluateRatings } from '../../core/recommender/evaluation/evaluate.js';
import type { Logger } from '../../core/ports.js';
import type { Scorer, ScorerParams } from '../../core/recommender/scorer.js';
import { UserError } from '../../core/errors.js';
import { scorerFromParams } from './scorer-factory.js';

export interface ModelManifest {
  readonly version: string;
  /** ScorerParams.kind of params.json. */
  readonly kind: string;
  readonly createdAt: string;
  /** Ratings, users and items the version was trained on. */
  readonly trainedOn?: { readonly ratings: number; readonly users: number; readonly items: number };
  /** Metrics recorded at save time and after evaluation (holdoutRmse, trainSeconds...). */
  readonly metrics: Record<string, number>;
  readonly notes?: Record<string, unknown>;
}

interface Pointer {
  readonly version: string;
  /** Earlier current versions, newest first. */
  readonly history: readonly string[];
  readonly promotedAt: string;
}

export interface RegistryOptions {
  readonly logger?: Logger;
  /** Versions kept on disk besides current and previous (newest first); older ones are pruned on save. */
  readonly keepExtra?: number;
  readonly now?: () => Date;
}

export interface PromotionDecision {
  readonly promoted: boolean;
  readonly version: string;
  readonly candidateRmse: number;
  /** RMSE of the version serving before; null when there was none. */
  readonly currentRmse: number | null;
  readonly currentVersion: string | null;
  readonly reason: 'first_model' | 'not_worse' | 'worse';
}

/** The hold-out used to compare versions: history to fold in, and the newest ratings to predict. */
export interface RecentHoldout {
  readonly history: readonly Interaction[];
  readonly test: readonly Interaction[];
}

export class ModelRegistry {
  readonly dir: string;
  private readonly logger: Logger | undefined;
  private readonly keepExtra: number;
  private readonly now: () => Date;
  private counter = 0;

  constructor(modelsDir: string, options: RegistryOptions = {}) {
    this.dir = path.join(modelsDir, 'cf');
    this.logger = options.logger?.child({ module: 'model-registry' });
    this.keepExtra = options.keepExtra ?? 1;
    this.now = options.now ?? (() => new Date());
  }

  private pointerPath(): string {
    return path.join(this.dir, 'current.json');
  }

  private versionDir(version: string): string {
    if (!/^[\w.-]+$/.test(version)) throw new Error(`bad model version name ${JSON.stringify(version)}`);
    return path.join(this.dir, version);
  }

  /** A sortable, unique version name: v<UTC time>-<counter>. */
  private newVersion(): string {
    const stamp = this.now().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    return `v${stamp}-${String(++this.counter).padStart(3, '0')}`;
  }

  /** Writes a new version (params + manifest); does not promote it. */
  async save(params: ScorerParams, info: Omit<ModelManifest, 'version' | 'kind' | 'createdAt'>): Promise<ModelManifest> {
    await mkdir(this.dir, { recursive: true });
    // mkdir without `recursive` fails on an existing folder, so two writers never share a version.
    let version = this.newVersion();
    for (;;) {
      try {
        await mkdir(this.versionDir(version));
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        version = this.newVersion();
      }
    }
    const dir = this.versionDir(version);
    const manifest: ModelManifest = { version, kind: params.kind, createdAt: this.now().toISOString(), ...info };
    await writeFile(path.join(dir, 'params.json'), JSON.stringify(params));
    await writeFile(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    this.logger?.info({ version, kind: params.kind }, 'model version saved');
    return manifest;
  }

  async manifest(version: string): Promise<ModelManifest> {
    return JSON.parse(await readFile(path.join(this.versionDir(version), 'manifest.json'), 'utf8')) as ModelManifest;
  }

  private async updateManifest(version: string, metrics: Record<string, number>, notes?: Record<string, unknown>): Promise<void> {
    const m = await this.manifest(version);
    const next: ModelManifest = { ...m, metrics: { ...m.metrics, ...metrics }, notes: { ...m.notes, ...notes } };
    const file = path.join(this.versionDir(version), 'manifest.json');
    await writeFile(`${file}.tmp`, `${JSON.stringify(next, null, 2)}\n`);
    await rename(`${file}.tmp`, file);
  }

  /** Loads a version's scorer. Throws UserError('model_missing') when it is not on disk. */
  async load(version: string): Promise<Scorer> {
    let text: string;
    try {
      text = await readFile(path.join(this.versionDir(version), 'params.json'), 'utf8');
    } catch {
      throw new UserError('model_missing', `Model version ${version} is not available.`, { version });
    }
    return scorerFromParams(JSON.parse(text) as ScorerParams);
  }

  /** All saved versions, oldest first. */
  async versions(): Promise<string[]> {
    try {
      const entries = await readdir(this.dir, { withFileTypes: true });
      return entries
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort();
    } catch {
      return [];
    }
  }

  private async pointer(): Promise<Pointer | null> {
    try {
      return JSON.parse(await readFile(this.pointerPath(), 'utf8')) as Pointer;
    } catch {
      return null;
    }
  }

  /** The version now serving, or null before the first promotion. */
  async currentVersion(): Promise<string | null> {
    return (await this.pointer())?.version ?? null;
  }

  /** The serving scorer and its manifest, or null before the first promotion. */
  async loadCurrent(): Promise<{ scorer: Scorer; manifest: ModelManifest } | null> {
    const version = await this.currentVersion();
    if (version === null) return null;
    return { scorer: await this.load(version), manifest: await this.manifest(version) };
  }

  private async writePointer(pointer: Pointer): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const tmp = `${this.pointerPath()}.tmp`;
    await writeFile(tmp, `${JSON.stringify(pointer, null, 2)}\n`);
    await rename(tmp, this.pointerPath());
  }

  /** Makes `version` current (atomic swap); the old current becomes the rollback target. */
  async promote(version: string): Promise<void> {
    await this.manifest(version); // must exist
    const old = await this.pointer();
    const history = old === null ? [] : [old.version, ...old.history.filter((v) => v !== version)].slice(0, 10);
    await this.writePointer({ version, history, promotedAt: this.now().toISOString() });
    this.logger?.info({ version, previous: old?.version ?? null }, 'model version promoted');
  }

  /** Goes back to the previous version. Throws UserError('not_found') when there is none. */
  async rollback(): Promise<string> {
    const old = await this.pointer();
    const target = old?.history[0];
    if (old === null || target === undefined) throw new UserError('not_found', 'There is no previous model version to roll back to.');
    await this.writePointer({ version: target, history: old.history.slice(1), promotedAt: this.now().toISOString() });
    this.logger?.warn({ from: old.version, to: target }, 'model version rolled back');
    return target;
  }

  /** Deletes versions that are neither current, nor in the rollback history head, nor among the newest `keepExtra`. */
  async prune(): Promise<string[]> {
    const pointer = await this.pointer();
    const keep = new Set<string>();
    if (pointer !== null) {
      keep.add(pointer.version);
      for (const v of pointer.history.slice(0, 1)) keep.add(v);
    }
    const all = await this.versions();
    for (const v of all.slice(-this.keepExtra)) keep.add(v);
    const removed = all.filter((v) => !keep.has(v));
    for (const v of removed) await rm(this.versionDir(v), { recursive: true, force: true });
    if (removed.length > 0) this.logger?.info({ removed }, 'old model versions pruned');
    return removed;
  }

  /**
   * Compares a saved candidate with the serving version on the same recent
   * hold-out (ratings newer than anything the candidate trained on) and
   * promotes it only if its RMSE is not worse. Both get each user's older
   * ratings as the query history, as in production.
   */
  async evaluateAndMaybePromote(candidate: { version: string; scorer: Scorer }, holdoutRecent: RecentHoldout): Promise<PromotionDecision> {
    const rmseOf = (scorer: Scorer) => evaluateRatings(scorer.score.bind(scorer), holdoutRecent.history, holdoutRecent.test).rmse;
    const candidateRmse = rmseOf(candidate.scorer);
    const currentVersion = await this.currentVersion();
    let currentRmse: number | null = null;
    if (currentVersion !== null && currentVersion !== candidate.version) {
      try {
        currentRmse = rmseOf(await this.load(currentVersion));
      } catch (error) {
        this.logger?.error({ version: currentVersion, err: error }, 'current model failed to load for comparison; treating the candidate as first');
      }
    }
    const reason: PromotionDecision['reason'] = currentRmse === null ? 'first_model' : candidateRmse <= currentRmse ? 'not_worse' : 'worse';
    const promoted = reason !== 'worse';
    await this.updateManifest(
      candidate.version,
      { holdoutRmse: candidateRmse, ...(currentRmse === null ? {} : { currentHoldoutRmse: currentRmse }) },
      { comparedWith: currentVersion, holdoutRatings: holdoutRecent.test.length, promoted },
    );
    if (promoted) await this.promote(candidate.version);
    else this.logger?.warn({ version: candidate.version, candidateRmse, currentVersion, currentRmse }, 'candidate model is worse on the recent hold-out; not promoted');
    return { promoted, version: candidate.version, candidateRmse, currentRmse, currentVersion, reason };
  }
}
