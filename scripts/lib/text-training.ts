/**
 * The text model's training pipeline, shared by `train:text` (the shipped model) and
 * `ablate:text` (the source ablation table): read and map the corpora, normalise every
 * sentence as the detector will, build the WordPiece vocabulary, weight rows by source
 * and class, hand token ids to the PyTorch trainer (scripts/python/train_text_cnn.py),
 * and read its weights back in the layout the ONNX exporter takes.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { normaliseForMood } from '../../src/core/agents/mood/text-normalise.js';
import { embeddingTable, loadPretrainedVectors, PRETRAINED_DIM, type PretrainedVectors } from './text-embeddings.js';
import type { CnnWeights } from './text-onnx.js';
import { accuracy, macroF1 } from './text-metrics.js';
import { CLASSES, MOOD_NAMES, parseSourceList, readSemicolonFile, SOURCE_NAMES, readSource, TEXT_LABELS, type SourceName, type SourceRow } from './text-sources.js';
import { buildVocabulary, encode, type Vocabulary } from './text-tokenizer.js';

/** Common English endings kept as ## pieces so unseen inflections map to a known stem. */
const SUFFIXES = ['s', 'es', 'ed', 'd', 'ing', 'ly', 'ness', 'ful', 'less', 'er', 'est', 'y', 'ment', 'ive', 'ous', 'al'];

export interface NetConfig {
  readonly dim: number;
  readonly filters: number;
  readonly widths: readonly number[];
  readonly dropout: number;
  readonly wordDropout: number;
  readonly learningRate: number;
  readonly batchSize: number;
  readonly maxEpochs: number;
  readonly patience: number;
  readonly labelSmoothing: number;
  readonly seed: number;
  readonly members: number;
  /** Torch threads; part of the seed contract (float sums depend on it). */
  readonly threads: number;
  /**
   * Word embeddings: `random` (learnt from the corpora alone), `glove` (start from the
   * pre-trained vectors, then learn) or `glove-static` (pre-trained vectors kept fixed,
   * so words the corpora never show keep their meaning; one table serves every member).
   */
  readonly embeddings: EmbeddingMode;
}

export const EMBEDDING_MODES = ['random', 'glove', 'glove-static'] as const;
export type EmbeddingMode = (typeof EMBEDDING_MODES)[number];

export const DEFAULT_NET: NetConfig = {
  dim: PRETRAINED_DIM,
  filters: 128,
  widths: [1, 2, 3],
  dropout: 0.5,
  wordDropout: 0.1,
  learningRate: 1e-3,
  batchSize: 64,
  maxEpochs: 5,
  patience: 2,
  labelSmoothing: 0.05,
  seed: 42,
  members: 3,
  threads: 1,
  embeddings: 'glove',
};

/**
 * Per-source weights of the shipped model. dair-ai counts twice: it is the largest
 * source of clear first-person feelings ("i feel ..."), the way users write to the bot
 * (weight 2.5 against 1, one member, 3 epochs: dair-ai val 0.910 against 0.896, chat-dev
 * 0.743 against 0.733). CrowdFlower's single-annotator labels are noisy: half weight.
 */
export const DEFAULT_SOURCE_WEIGHTS: Readonly<Record<SourceName, number>> = {
  'dair-ai': 2,
  goemotions: 1,
  meld: 1,
  crowdflower: 0.5,
  isear: 1,
  dailydialog: 1,
  requests: 1,
};

/**
 * With pre-trained vectors, the vocabulary also takes this many of their most frequent
 * words that training never shows, so a chat line's rarer words still have a meaning.
 */
export const DEFAULT_PRETRAINED_EXTRA = 20_000;

/** How far class totals are pulled towards their mean (see buildCorpus). */
export const DEFAULT_CLASS_BALANCE = 0.5;

/** Command-line options shared by train:text and ablate:text (parseArgs spec). */
export const TRAINING_OPTIONS = {
  seed: { type: 'string', default: String(DEFAULT_NET.seed) },
  members: { type: 'string', default: String(DEFAULT_NET.members) },
  dim: { type: 'string', default: String(DEFAULT_NET.dim) },
  filters: { type: 'string', default: String(DEFAULT_NET.filters) },
  widths: { type: 'string', default: DEFAULT_NET.widths.join(',') },
  epochs: { type: 'string', default: String(DEFAULT_NET.maxEpochs) },
  patience: { type: 'string', default: String(DEFAULT_NET.patience) },
  lr: { type: 'string', default: String(DEFAULT_NET.learningRate) },
  batch: { type: 'string', default: String(DEFAULT_NET.batchSize) },
  'word-dropout': { type: 'string', default: String(DEFAULT_NET.wordDropout) },
  'label-smoothing': { type: 'string', default: String(DEFAULT_NET.labelSmoothing) },
  'class-balance': { type: 'string', default: String(DEFAULT_CLASS_BALANCE) },
  'source-weights': { type: 'string', default: '' },
  threads: { type: 'string', default: String(DEFAULT_NET.threads) },
  embeddings: { type: 'string', default: DEFAULT_NET.embeddings },
  'pretrained-extra': { type: 'string', default: String(DEFAULT_PRETRAINED_EXTRA) },
  'min-count': { type: 'string', default: '2' },
  'max-tokens': { type: 'string', default: '128' },
  python: { type: 'string' },
} as const;

type TrainingArgs = { readonly [K in keyof typeof TRAINING_OPTIONS]?: string | undefined };

function numberArg(values: TrainingArgs, name: keyof typeof TRAINING_OPTIONS): number {
  const v = Number(values[name]);
  if (values[name] === undefined || !Number.isFinite(v)) throw new Error(`--${name} must be a number (got ${String(values[name])})`);
  return v;
}

/** The network settings from parsed TRAINING_OPTIONS. */
export function netFromArgs(values: TrainingArgs): NetConfig {
  const embeddings = String(values.embeddings) as EmbeddingMode;
  if (!EMBEDDING_MODES.includes(embeddings)) throw new Error(`--embeddings must be one of ${EMBEDDING_MODES.join(', ')} (got ${String(values.embeddings)})`);
  const dim = numberArg(values, 'dim');
  if (embeddings !== 'random' && dim !== PRETRAINED_DIM) throw new Error(`--embeddings ${embeddings} needs --dim ${PRETRAINED_DIM}, the pre-trained vectors' size (got ${dim})`);
  return {
    ...DEFAULT_NET,
    embeddings,
    seed: numberArg(values, 'seed'),
    members: numberArg(values, 'members'),
    dim,
    filters: numberArg(values, 'filters'),
    widths: String(values.widths).split(',').map(Number),
    maxEpochs: numberArg(values, 'epochs'),
    patience: numberArg(values, 'patience'),
    learningRate: numberArg(values, 'lr'),
    batchSize: numberArg(values, 'batch'),
    wordDropout: numberArg(values, 'word-dropout'),
    labelSmoothing: numberArg(values, 'label-smoothing'),
    threads: numberArg(values, 'threads'),
  };
}

/** Corpus settings (all but the data folder and the sources) from parsed TRAINING_OPTIONS. */
export function corpusFromArgs(values: TrainingArgs): Omit<CorpusOptions, 'dataDir' | 'sources' | 'normalise' | 'pretrained'> {
  const sourceWeights: Record<SourceName, number> = { ...DEFAULT_SOURCE_WEIGHTS };
  for (const pair of String(values['source-weights'] ?? '').split(',').filter(Boolean)) {
    const [name, weight] = pair.split('=');
    const [source] = parseSourceList(name ?? '');
    if (!source || !Number.isFinite(Number(weight))) throw new Error(`--source-weights: expected name=weight pairs, got "${pair}"`);
    sourceWeights[source] = Number(weight);
  }
  return {
    sourceWeights,
    classBalance: numberArg(values, 'class-balance'),
    seed: numberArg(values, 'seed'),
    minCount: numberArg(values, 'min-count'),
    maxTokens: numberArg(values, 'max-tokens'),
    pretrainedExtra: numberArg(values, 'pretrained-extra'),
  };
}

/** The pre-trained vectors a network needs (undefined for random embeddings). */
export function pretrainedFor(net: NetConfig): PretrainedVectors | undefined {
  if (net.embeddings === 'random') return undefined;
  const started = Date.now();
  const pre = loadPretrainedVectors();
  console.log(`pre-trained vectors: ${pre.words.length} words, ${pre.dim}-d (${((Date.now() - started) / 1000).toFixed(1)} s to read)`);
  return pre;
}

export interface CorpusOptions {
  /** Folder laid out like ../shared/data/text-emotion. */
  readonly dataDir: string;
  readonly sources: readonly SourceName[];
  readonly sourceWeights: Readonly<Record<SourceName, number>>;
  /** 0 = no class balancing, 1 = every class the same total weight. */
  readonly classBalance: number;
  readonly seed: number;
  readonly minCount: number;
  readonly maxTokens: number;
  /** Apply the detector's normaliser to training text (as served). */
  readonly normalise: boolean;
  /** Pre-trained word vectors: they shape the vocabulary and give the initial embeddings. */
  readonly pretrained?: PretrainedVectors;
  /** How many of the vectors' most frequent unseen words join the vocabulary. */
  readonly pretrainedExtra: number;
}

export interface EvalSet {
  readonly name: string;
  /** Normalised texts, as the model sees them. */
  readonly texts: readonly string[];
  readonly rawTexts: readonly string[];
  /** Token ids of `texts`, cut to the corpus's maxTokens as the pipeline cuts them. */
  readonly ids: readonly (readonly number[])[];
  /** Single-label rows only: index in TEXT_LABELS. */
  readonly labels: readonly number[];
}

export interface Corpus {
  readonly vocab: Vocabulary;
  readonly train: { readonly texts: string[]; readonly ids: number[][]; readonly targets: (readonly number[])[]; readonly weights: number[] };
  /** Each source's dev split (all six sources, for comparisons) and chat-dev. */
  readonly evals: readonly EvalSet[];
  readonly summary: { source: SourceName; train: number; dev: number; dropped: number }[];
  /** Total training weight per class after source and class weights. */
  readonly classWeight: readonly number[];
  /** Initial embedding table [vocabulary, dim] from the pre-trained vectors, when given. */
  readonly embeddingInit?: { readonly table: Float32Array; readonly found: number; readonly known: Uint8Array };
}


export function chatDevPath(dataDir: string): string {
  return path.join(dataDir, 'chat-dev.txt');
}

function toEvalSet(name: string, rows: readonly SourceRow[], norm: (t: string) => string, encodeText: (t: string) => number[]): EvalSet {
  const single = rows.filter((r) => r.label !== undefined);
  const texts = single.map((r) => norm(r.text));
  return { name, rawTexts: single.map((r) => r.text), texts, ids: texts.map(encodeText), labels: single.map((r) => r.label!) };
}

/** Reads, maps, normalises, tokenises and weights the training corpus. */
export function buildCorpus(options: CorpusOptions): Corpus {
  const norm = (t: string): string => (options.normalise ? normaliseForMood(t) : t);
  const read = SOURCE_NAMES.map((name) => readSource(name, options.dataDir, options.seed));
  const used = read.filter((s) => options.sources.includes(s.name));
  const texts: string[] = [];
  const targets: (readonly number[])[] = [];
  const sourceOf: SourceName[] = [];
  for (const s of used) {
    for (const r of s.train) {
      const t = norm(r.text);
      if (!t) continue;
      texts.push(t);
      targets.push(r.target);
      sourceOf.push(s.name);
    }
  }
  const pre = options.pretrained;
  const vocab = buildVocabulary(texts, {
    minCount: options.minCount,
    suffixes: SUFFIXES,
    known: pre ? (w) => pre.index.has(w) : undefined,
    extra: pre ? pre.words.filter((w) => /^[a-z]+$/.test(w)).slice(0, options.pretrainedExtra) : undefined,
  });
  const encodeText = (t: string): number[] => encode(t, vocab, options.maxTokens);
  const ids = texts.map(encodeText);
  // Class balance: each class's total (after source weights) is pulled towards the mean by (mean / total)^classBalance.
  const totals = new Array<number>(CLASSES).fill(0);
  targets.forEach((t, i) => t.forEach((p, c) => (totals[c]! += p * options.sourceWeights[sourceOf[i]!])));
  const present = totals.filter((v) => v > 0);
  const mean = present.reduce((a, v) => a + v, 0) / Math.max(1, present.length);
  const perClass = totals.map((v) => (v > 0 ? (mean / v) ** options.classBalance : 0));
  const weights = targets.map((t, i) => options.sourceWeights[sourceOf[i]!] * t.reduce((a, p, c) => a + p * perClass[c]!, 0));
  const classWeight = totals.map((v, c) => v * perClass[c]!);
  const evals = [
    ...read.map((s) => toEvalSet(s.name, s.dev, norm, encodeText)),
    toEvalSet('chat-dev', readSemicolonFile(chatDevPath(options.dataDir), MOOD_NAMES), norm, encodeText),
  ];
  const summary = read.map((s) => ({ source: s.name, train: s.train.length, dev: s.dev.length, dropped: s.dropped }));
  const embeddingInit = pre ? embeddingTable(vocab.tokens, pre, options.seed) : undefined;
  return { vocab, train: { texts, ids, targets, weights }, evals, summary, classWeight, embeddingInit };
}

// ---- the PyTorch side ----------------------------------------------------------------

const TRAINER = path.resolve('scripts/python/train_text_cnn.py');

export interface TrainerResult {
  readonly weights: CnnWeights[];
  readonly members: { bestEpoch: number; bestScore: number; history: unknown[]; seed: number }[];
  /** Ensemble probabilities per eval set name, rows in the set's order. */
  readonly evalProbs: Readonly<Record<string, number[][]>>;
  readonly seconds: number;
}

function readWeights(file: string, vocabSize: number, net: NetConfig): CnnWeights {
  const buf = readFileSync(file);
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  let at = 0;
  const take = (n: number): Float32Array => {
    const out = all.slice(at, at + n);
    if (out.length !== n) throw new Error(`${file}: weights file is shorter than the network`);
    at += n;
    return out;
  };
  const embedding = take(vocabSize * net.dim);
  const convs = net.widths.map((width) => ({ width, kernel: take(width * net.dim * net.filters), bias: take(net.filters) }));
  const outKernel = take(net.widths.length * net.filters * CLASSES);
  const outBias = take(CLASSES);
  if (at !== all.length) throw new Error(`${file}: ${all.length - at} floats left over: the layout disagrees with the network`);
  return { vocabSize, dim: net.dim, filters: net.filters, classes: CLASSES, embedding, convs, outKernel, outBias };
}

/**
 * Runs the PyTorch trainer on the corpus. Selection (each member's best epoch) uses
 * chat-dev and the dev splits of the sources trained on, half each; `evaluate` names
 * the sets whose ensemble probabilities come back.
 */
export async function trainWithTorch(corpus: Corpus, sources: readonly SourceName[], net: NetConfig, workDir: string, python: string): Promise<TrainerResult> {
  mkdirSync(workDir, { recursive: true });
  const byName = new Map(corpus.evals.map((e) => [e.name, e]));
  const selection = [
    { name: 'chat-dev', weight: 0.5 },
    ...sources.map((s) => ({ name: s, weight: 0.5 / sources.length })),
  ].map((s) => ({ ...s, ids: byName.get(s.name)!.ids, labels: byName.get(s.name)!.labels }));
  if (net.embeddings !== 'random' && !corpus.embeddingInit) throw new Error(`--embeddings ${net.embeddings}: the corpus was built without pre-trained vectors`);
  let embeddingInit: string | undefined;
  if (net.embeddings !== 'random') {
    embeddingInit = path.join(workDir, 'embedding-init.bin');
    const t = corpus.embeddingInit!.table;
    writeFileSync(embeddingInit, Buffer.from(t.buffer, t.byteOffset, t.byteLength));
  }
  const job = {
    config: net,
    embeddingInit,
    pretrainedRows: net.embeddings === 'glove' ? [...corpus.embeddingInit!.known.keys()].filter((r) => corpus.embeddingInit!.known[r]) : undefined,
    vocabSize: corpus.vocab.tokens.length,
    train: { ids: corpus.train.ids, targets: corpus.train.targets, weights: corpus.train.weights },
    selection,
    evals: corpus.evals.map((e) => ({ name: e.name, ids: e.ids })),
  };
  const jobFile = path.join(workDir, 'job.json');
  writeFileSync(jobFile, JSON.stringify(job));
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(python, [TRAINER, jobFile, workDir], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`the PyTorch trainer exited with ${code}`))));
  });
  return { ...readTrainerOutput(workDir, corpus, net), seconds: (Date.now() - started) / 1000 };
}

/** The trainer's output in `workDir` (result.json, member<i>.bin) for this corpus and network. */
export function readTrainerOutput(workDir: string, corpus: Corpus, net: NetConfig): TrainerResult {
  const result = JSON.parse(readFileSync(path.join(workDir, 'result.json'), 'utf8')) as Omit<TrainerResult, 'weights' | 'seconds'>;
  const weights = Array.from({ length: net.members }, (_, m) => readWeights(path.join(workDir, `member${m}.bin`), corpus.vocab.tokens.length, net));
  return { ...result, weights, seconds: 0 };
}

// ---- figures -------------------------------------------------------------------------

const JOY = TEXT_LABELS.indexOf('joy');
const LOVE = TEXT_LABELS.indexOf('love');
const NEUTRAL = TEXT_LABELS.indexOf('neutral');

export interface SetFigures {
  readonly n: number;
  readonly accuracy: number;
  readonly macroF1: number;
}

/** Accuracy and macro-F1 (over the classes present in the truth) of arg-max predictions. */
export function figures(labels: readonly number[], predicted: readonly number[]): SetFigures {
  return { n: labels.length, accuracy: accuracy(labels, predicted), macroF1: macroF1(labels, predicted, CLASSES) };
}

/** GoEmotions the way its Ekman evaluation counts: love as joy, emotional lines only. */
export function ekmanFigures(labels: readonly number[], predicted: readonly number[]): SetFigures {
  const fold = (c: number): number => (c === LOVE ? JOY : c);
  const keep = labels.map((l, i) => i).filter((i) => labels[i] !== NEUTRAL);
  return figures(keep.map((i) => fold(labels[i]!)), keep.map((i) => fold(predicted[i]!)));
}
