/**
 * The heavy half of a text retrain, run in a worker thread (text-retrain.worker.ts) or
 * directly in tests: read a seeded sample of the shipped training data, compute pooled
 * features once with the shipped graph, fine-tune the output layers on that sample plus
 * the donated sentences (weighted), compare candidate and serving model on chat-dev,
 * dair-ai val and the held-out donated sentences, and write the candidate folder.
 * It promotes nothing: the job decides from what this returns.
 */
import { createHash } from 'node:crypto';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { normaliseForMood } from '../../core/agents/mood/text-normalise.js';
import { MOODS, type MoodLabel } from '../../core/mood/mood-space.js';
import {
  ensembleProbs,
  extractFeatures,
  fineTuneOutputLayers,
  readOutputLayers,
  selectRows,
  withOutputLayers,
  type FeatureMatrix,
  type OutputLayer,
} from '../../../scripts/lib/text-finetune.js';
import { MOOD_NAMES, readSemicolonFile, readSource, SOURCE_NAMES, type SourceName } from '../../../scripts/lib/text-sources.js';
import { mulberry32, shuffleInPlace } from '../../../scripts/lib/text-rng.js';
import { applyNeutralThreshold, DEFAULT_MAX_TOKENS, DEFAULT_NEUTRAL_THRESHOLD, toMoodScores } from './text-mood.detector.js';
import type { PairedChange, TextEvalScores, TextRetrainRecord } from './text-model.registry.js';
import { isHeldOut, NOISE_SE, type DonatedRow, type RetrainSettings } from './text-retrain.settings.js';

export { DEFAULT_RETRAIN, isHeldOut, NOISE_SE, PROMOTION_RULE, type DonatedRow, type RetrainSettings } from './text-retrain.settings.js';

export interface CandidateInput {
  /** The shipped model folder: features come from its graph, the candidate starts from its output layers. */
  readonly shippedModel: string;
  /** The folder serving now (the shipped one or a promoted version built on it). */
  readonly servingModel: string;
  /** Empty folder the candidate model is written into. */
  readonly outDir: string;
  /** Folder laid out like ../shared/data/text-emotion. */
  readonly dataDir: string;
  readonly donated: readonly DonatedRow[];
  readonly seed: number;
  readonly settings: RetrainSettings;
}

export interface CandidateResult {
  readonly before: TextEvalScores;
  readonly after: TextEvalScores;
  readonly changes: { readonly chatDev: PairedChange; readonly dairAiVal: PairedChange; readonly heldOut: PairedChange };
  readonly promote: boolean;
  readonly reason: TextRetrainRecord['reason'];
  readonly heldOut: number;
  readonly train: { readonly shippedRows: number; readonly donatedRows: number };
  readonly loss: { readonly before: number; readonly after: number };
  /** sha256 of the shipped onnx/model.onnx the candidate was built on (as read at the start of the run). */
  readonly baseSha256: string;
}

/** Paired comparison on one set: `tolerate` net losses (not-worse sets), or none and a net gain (held-out). */
export function pairedChange(truth: readonly number[], serving: readonly number[], candidate: readonly number[], mustGain: boolean): PairedChange {
  let lost = 0;
  let won = 0;
  truth.forEach((t, i) => {
    const s = serving[i] === t;
    const c = candidate[i] === t;
    if (s && !c) lost++;
    if (!s && c) won++;
  });
  const margin = mustGain ? 0 : Math.max(1, NOISE_SE * Math.sqrt(lost + won));
  const pass = mustGain ? won > lost : lost - won <= margin;
  return { n: truth.length, lost, won, margin: Math.round(margin * 1000) / 1000, pass };
}

interface ModelCard {
  readonly neutralThreshold?: number;
  readonly trainedOn?: readonly string[];
  readonly sourceWeights?: Readonly<Record<string, number>>;
  readonly [key: string]: unknown;
}

async function readJson<T>(file: string, fallback?: T): Promise<T> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (error) {
    if (fallback !== undefined && (error as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
    throw error;
  }
}

/** Detector decisions (neutral threshold applied) as class indices in the model's order. */
function decisions(probs: readonly Float64Array[], labels: readonly string[], threshold: number): number[] {
  return probs.map((p) => {
    const label = applyNeutralThreshold(toMoodScores(labels.map((l, c) => ({ label: l, score: p[c]! }))), threshold).label;
    return labels.indexOf(label);
  });
}

const accuracy = (truth: readonly number[], said: readonly number[]): number => (truth.length ? truth.filter((t, i) => said[i] === t).length / truth.length : 0);

export async function buildCandidate(input: CandidateInput): Promise<CandidateResult> {
  const { settings, seed } = input;
  // Data first: a missing or corrupt data folder fails before anything is computed or written.
  // Snapshot the shipped folder first: a new shipped model deployed mid-run must not mix into this one.
  await mkdir(input.outDir, { recursive: true });
  await cp(input.shippedModel, input.outDir, { recursive: true, filter: (src) => !src.endsWith(`${path.sep}retrain.json`) });
  const base = input.outDir;
  const card = await readJson<ModelCard>(path.join(base, 'moodreel.json'), {});
  const config = await readJson<{ id2label: Record<string, string>; vocab_size?: number }>(path.join(base, 'config.json'));
  const tokenizerVocab = Object.keys((await readJson<{ model?: { vocab?: object } }>(path.join(base, 'tokenizer.json'))).model?.vocab ?? {}).length;
  if (config.vocab_size !== undefined && config.vocab_size !== tokenizerVocab) {
    throw new Error(`the shipped model folder is inconsistent (config.json vocab_size ${config.vocab_size}, tokenizer ${tokenizerVocab} tokens): was it being replaced?`);
  }
  const labels = Object.keys(config.id2label).sort((a, b) => Number(a) - Number(b)).map((k) => config.id2label[k]!.toLowerCase());
  const classOf = new Map(labels.map((l, c) => [l, c]));
  if (!MOODS.every((m) => classOf.has(m))) throw new Error(`model labels ${labels.join(',')} are not MoodReel's seven moods`);
  const toModelOrder = (target: readonly number[]): number[] => labels.map((l) => target[MOODS.indexOf(l as MoodLabel)] ?? 0);
  const sources = (card.trainedOn ?? ['dair-ai']).filter((s): s is SourceName => (SOURCE_NAMES as readonly string[]).includes(s));
  const shipped: { text: string; target: number[]; weight: number }[] = [];
  let dairVal: { text: string; label: number }[] = [];
  for (const name of new Set<SourceName>([...sources, 'dair-ai'])) {
    const s = readSource(name, input.dataDir, seed);
    if (name === 'dair-ai') dairVal = s.dev.filter((r) => r.label !== undefined).map((r) => ({ text: normaliseForMood(r.text), label: classOf.get(MOODS[r.label!]!)! }));
    if (!sources.includes(name)) continue;
    const weight = card.sourceWeights?.[name] ?? 1;
    for (const r of s.train) {
      const text = normaliseForMood(r.text);
      if (text) shipped.push({ text, target: toModelOrder(r.target), weight });
    }
  }
  const chatDev = readSemicolonFile(path.join(input.dataDir, 'chat-dev.txt'), MOOD_NAMES)
    .filter((r) => r.label !== undefined)
    .map((r) => ({ text: normaliseForMood(r.text), label: classOf.get(MOODS[r.label!]!)! }));
  if (shipped.length === 0 || dairVal.length === 0 || chatDev.length === 0) throw new Error(`text data in ${input.dataDir} has no training rows, dair-ai val or chat-dev sentences`);
  const sample = shuffleInPlace([...shipped], mulberry32(seed)).slice(0, settings.shippedSample);

  const donatedTrain: DonatedRow[] = [];
  const donatedHeld: DonatedRow[] = [];
  for (const d of input.donated) (isHeldOut(d.text, settings, seed) ? donatedHeld : donatedTrain).push(d);
  if (donatedHeld.length === 0 || donatedTrain.length === 0) throw new Error('no donated sentence on one side of the held-out split');

  // One pass of the shipped graph over every sentence; everything after is arithmetic on features.
  const baseBytes = new Uint8Array(await readFile(path.join(base, 'onnx', 'model.onnx')));
  const baseSha256 = createHash('sha256').update(baseBytes).digest('hex');
  const baseLayers = readOutputLayers(baseBytes);
  const servingIsShipped = path.resolve(input.servingModel) === path.resolve(input.shippedModel);
  const servingCard = servingIsShipped ? card : await readJson<ModelCard>(path.join(input.servingModel, 'moodreel.json'), {});
  const servingLayers = servingIsShipped ? baseLayers : readOutputLayers(new Uint8Array(await readFile(path.join(input.servingModel, 'onnx', 'model.onnx'))));
  if (servingLayers.length !== baseLayers.length || servingLayers.some((l, m) => l.feature !== baseLayers[m]!.feature || l.features !== baseLayers[m]!.features)) {
    throw new Error('the serving model is not built on the shipped graph');
  }
  env.allowLocalModels = true;
  env.allowRemoteModels = false;
  const tokenizer = await AutoTokenizer.from_pretrained(path.resolve(base));
  tokenizer.model_max_length = DEFAULT_MAX_TOKENS;
  const encode = async (texts: string[]) => {
    const t = tokenizer(texts, { padding: true, truncation: true }) as unknown as { input_ids: { data: BigInt64Array; dims: number[] }; attention_mask: { data: BigInt64Array } };
    return { ids: t.input_ids.data, mask: t.attention_mask.data, dims: [t.input_ids.dims[0]!, t.input_ids.dims[1]!] as [number, number] };
  };
  const all = [...sample.map((r) => r.text), ...donatedTrain.map((d) => d.text), ...donatedHeld.map((d) => d.text), ...chatDev.map((r) => r.text), ...dairVal.map((r) => r.text)];
  const x = await extractFeatures(baseBytes, encode, all);
  const sizes = baseLayers.map((l) => l.features);
  let at = 0;
  const take = (n: number): FeatureMatrix => {
    const idx = Array.from({ length: n }, (_, k) => at + k);
    at += n;
    return selectRows(x, idx, sizes);
  };
  const trainX = take(sample.length + donatedTrain.length);
  const xHeld = take(donatedHeld.length);
  const xChat = take(chatDev.length);
  const xDair = take(dairVal.length);

  const oneHot = (c: number): number[] => labels.map((_, k) => (k === c ? 1 : 0));
  // Shipped rows teach what the shipped model already says (distillation, as in "Learning without
  // Forgetting"): the shipped layer is then the optimum for them, and only the donated sentences move it.
  // Their gold labels instead would also re-fit the class priors the trainer balanced (dair-ai val lost
  // 12-14 sentences net to that in the measurements, with or without more shipped rows).
  const shippedProbs = ensembleProbs(selectRows(trainX, sample.map((_, i) => i), sizes), baseLayers);
  const d = settings.distill;
  const targets = [
    ...sample.map((r, i) => r.target.map((g, c) => d * shippedProbs[i]![c]! + (1 - d) * g)),
    ...donatedTrain.map((row) => oneHot(classOf.get(row.label)!)),
  ];
  const weights = [...sample.map((r) => r.weight), ...donatedTrain.map(() => settings.donatedWeight)];
  const tuned = fineTuneOutputLayers(trainX, targets, weights, baseLayers, settings);

  const threshold = (c: ModelCard): number => c.neutralThreshold ?? DEFAULT_NEUTRAL_THRESHOLD;
  const said = (m: FeatureMatrix, layers: readonly OutputLayer[], c: ModelCard) => decisions(ensembleProbs(m, layers), labels, threshold(c));
  const heldTruth = donatedHeld.map((d) => classOf.get(d.label)!);
  const chatTruth = chatDev.map((r) => r.label);
  const dairTruth = dairVal.map((r) => r.label);
  const sets = [
    { key: 'heldOut' as const, x: xHeld, truth: heldTruth },
    { key: 'chatDev' as const, x: xChat, truth: chatTruth },
    { key: 'dairAiVal' as const, x: xDair, truth: dairTruth },
  ];
  const before = {} as Record<keyof TextEvalScores, number>;
  const after = {} as Record<keyof TextEvalScores, number>;
  const changes = {} as Record<keyof TextEvalScores, PairedChange>;
  for (const s of sets) {
    const a = said(s.x, servingLayers, servingCard);
    const b = said(s.x, tuned.layers, card);
    before[s.key] = accuracy(s.truth, a);
    after[s.key] = accuracy(s.truth, b);
    changes[s.key] = pairedChange(s.truth, a, b, s.key === 'heldOut');
  }
  const notWorse = changes.chatDev.pass && changes.dairAiVal.pass;
  const promote = notWorse && changes.heldOut.pass;
  const reason: TextRetrainRecord['reason'] = !notWorse ? 'worse_on_eval' : changes.heldOut.pass ? 'better' : 'not_better_on_held_out';

  // The candidate folder: the shipped folder's files with the new output layers.
  await writeFile(path.join(input.outDir, 'onnx', 'model.onnx'), withOutputLayers(baseBytes, tuned.layers));
  await writeFile(path.join(input.outDir, 'moodreel.json'), `${JSON.stringify({ ...card, retrainedFromCorrections: { donatedRows: donatedTrain.length, donatedWeight: settings.donatedWeight, shippedRows: sample.length } }, null, 2)}\n`);

  return {
    before,
    after,
    changes,
    promote,
    reason,
    heldOut: donatedHeld.length,
    train: { shippedRows: sample.length, donatedRows: donatedTrain.length },
    loss: { before: tuned.lossBefore, after: tuned.lossAfter },
    baseSha256,
  };
}
