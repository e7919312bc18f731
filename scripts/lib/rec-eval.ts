/**
 * Shared pieces of scripts/eval-rec.ts and scripts/bench-rec.ts: argument
 * parsing, the model line-up, and table printing. Nothing here reads test
 * ratings except through the splits the caller passes in.
 */
import { Dataset, type Interaction } from '../../src/core/recommender/dataset.js';
import type { ScoreFn } from '../../src/core/recommender/evaluation/evaluate.js';
import type { Scorer } from '../../src/core/recommender/scorer.js';
import { BiasScorer } from '../../src/core/recommender/scorers/bias.scorer.js';
import { GlobalMeanScorer } from '../../src/core/recommender/scorers/global-mean.scorer.js';
import { ItemKnnScorer } from '../../src/core/recommender/scorers/item-knn.scorer.js';
import { PopularityScorer } from '../../src/core/recommender/scorers/popularity.scorer.js';
import { CfScorer, type CfOptions } from '../../src/infra/recommender/cf.scorer.js';

export const DEFAULT_DATA_DIR = '../shared/data/movielens/ml-latest-small';

/** `--name value` and `--flag` arguments; unknown ones are an error so typos do not pass silently. */
export function parseArgs(argv: readonly string[], spec: Record<string, 'string' | 'number' | 'flag'>): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (let k = 0; k < argv.length; k++) {
    const arg = argv[k]!;
    if (arg === '--') continue;
    const name = arg.replace(/^--/, '');
    const kind = spec[name];
    if (!arg.startsWith('--') || kind === undefined) {
      throw new Error(`unknown argument ${arg}; expected one of ${Object.keys(spec).map((s) => `--${s}`).join(', ')}`);
    }
    if (kind === 'flag') {
      out[name] = true;
      continue;
    }
    const value = argv[++k];
    if (value === undefined) throw new Error(`${arg} needs a value`);
    if (kind === 'number') {
      const num = Number(value);
      if (!Number.isFinite(num)) throw new Error(`${arg} needs a number, got ${value}`);
      out[name] = num;
    } else {
      out[name] = value;
    }
  }
  return out;
}

/** Keeps the ratings of the `n` users with the smallest ids (deterministic, for quick runs). */
export function limitUsers(rows: readonly Interaction[], n: number | undefined): Interaction[] {
  if (n === undefined) return [...rows];
  const keep = new Set([...new Set(rows.map((r) => r.user))].sort((a, b) => a - b).slice(0, n));
  return rows.filter((r) => keep.has(r.user));
}

export type ModelName = 'model' | 'globalMean' | 'bias' | 'popularity' | 'itemKnn';
export const MODEL_NAMES: readonly ModelName[] = ['model', 'globalMean', 'bias', 'popularity', 'itemKnn'];

/** A fresh, untrained scorer per name; "model" is the CF blend MoodReel serves (optionally with other options, for tuning). */
export function makeScorer(name: ModelName, cfOptions: Partial<CfOptions> = {}): Scorer {
  switch (name) {
    case 'model':
      return new CfScorer(cfOptions);
    case 'globalMean':
      return new GlobalMeanScorer();
    case 'bias':
      return new BiasScorer();
    case 'popularity':
      return new PopularityScorer();
    case 'itemKnn':
      return new ItemKnnScorer();
  }
}

/** The function a model is ranked by: `rank` when the scorer has one, else `score`. */
export function rankFn(scorer: Scorer): ScoreFn {
  return scorer.rank ? scorer.rank.bind(scorer) : scorer.score.bind(scorer);
}

export async function trainScorer(name: ModelName, train: readonly Interaction[], seed: number, cfOptions: Partial<CfOptions> = {}): Promise<{ scorer: Scorer; seconds: number }> {
  const scorer = makeScorer(name, cfOptions);
  const started = performance.now();
  await scorer.train(Dataset.from(train), { seed });
  return { scorer, seconds: (performance.now() - started) / 1000 };
}

/** Prints rows of equal keys as an aligned text table. */
export function printTable(rows: readonly Record<string, string | number>[]): void {
  if (rows.length === 0) return;
  const keys = Object.keys(rows[0]!);
  const cell = (v: string | number | undefined) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(4)) : (v ?? ''));
  const widths = keys.map((k) => Math.max(k.length, ...rows.map((r) => cell(r[k]).length)));
  const line = (vals: string[]) => vals.map((v, c) => v.padStart(widths[c]!)).join('  ');
  console.log(line(keys));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(keys.map((k) => cell(r[k]))));
}

/** Rounds for the JSON line: 4 decimals is beyond any run-to-run difference that matters. */
export const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;

export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}
