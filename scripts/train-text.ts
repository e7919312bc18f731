/**
 * Trains MoodReel's text emotion model and writes it as a transformers.js model folder.
 *
 *   npm run train:text -- --data ../shared/data/text-emotion --out models/text-emotion
 *
 * 1. Reads the six corpora (scripts/lib/text-sources.ts: each in its published format,
 *    mapped onto the seven moods, neutral included), normalises every sentence as the
 *    detector does, and builds a WordPiece tokenizer from the training words; checks
 *    that transformers.js encodes every sentence to the same ids.
 * 2. Trains an ensemble of word CNNs with PyTorch on the CPU (scripts/python/, in the
 *    project's own virtual environment `.venv-train`, created on first use). Each
 *    member's epoch is chosen on chat-dev and the sources' dev splits.
 * 3. Exports one ONNX graph with MoodReel's own exporter, reloads the folder through the
 *    `text-classification` pipeline, checks it agrees with PyTorch, chooses the neutral
 *    safety-net threshold on the dev sets, and prints every dev figure.
 * Deterministic for a given --seed. The folder is replaced only when all of that worked.
 */
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { applyNeutralThreshold, loadTextClassifier, toMoodScores } from '../src/infra/mood/text-mood.detector.js';
import { argmax, balancedAccuracy } from './lib/text-metrics.js';
import { buildOnnxModel } from './lib/text-onnx.js';
import { defaultTextDataDir } from './lib/text-paths.js';
import { parseSourceList, SOURCE_NAMES, TEXT_LABELS } from './lib/text-sources.js';
import { buildCorpus, corpusFromArgs, ekmanFigures, figures, netFromArgs, pretrainedFor, readTrainerOutput, trainWithTorch, TRAINING_OPTIONS } from './lib/text-training.js';
import { ensureTrainingPython } from './lib/training-python.js';
import { writeTokenizerFiles } from './lib/text-tokenizer.js';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: defaultTextDataDir() },
    out: { type: 'string', default: 'models/text-emotion' },
    sources: { type: 'string', default: SOURCE_NAMES.join(',') },
    ...TRAINING_OPTIONS,
    /** Re-export from a previous trainer output (its result.json and member*.bin) instead of training. */
    'weights-from': { type: 'string' },
    /** Keep the trainer's output here (default: a temporary folder, removed at exit). */
    work: { type: 'string' },
  },
});

const EMBEDDING_TEXT = { random: 'learnt from the corpora', glove: 'started from GloVe 6B', 'glove-static': 'GloVe 6B, fixed and shared' } as const;

const started = Date.now();
const dataDir = path.resolve(String(args.data));
const outDir = path.resolve(String(args.out));
const sources = parseSourceList(String(args.sources));
const net = netFromArgs(args);
const corpusOptions = corpusFromArgs(args);
const maxTokens = corpusOptions.maxTokens;
const python = ensureTrainingPython(args.python);

// 1. Corpus and tokenizer, written to a staging folder next to the output.
const corpus = buildCorpus({ ...corpusOptions, dataDir, sources, normalise: true, pretrained: pretrainedFor(net) });
console.log(`data: ${corpus.train.ids.length} training sentences from ${sources.join(', ')}; vocabulary ${corpus.vocab.tokens.length}`);
for (const s of corpus.summary) console.log(`  ${s.source.padEnd(12)} train ${String(s.train).padStart(6)}  dev ${String(s.dev).padStart(5)}  left out by the mapping ${s.dropped}`);
console.log(`  class weight after balancing: ${TEXT_LABELS.map((l, c) => `${l} ${Math.round(corpus.classWeight[c]!)}`).join(', ')}`);

const staging = `${outDir}.staging-${process.pid}`;
const work = args.work ? path.resolve(args.work) : mkdtempSync(path.join(os.tmpdir(), 'moodreel-train-text-'));
rmSync(staging, { recursive: true, force: true });
mkdirSync(path.join(staging, 'onnx'), { recursive: true });
// A failed run leaves the old model in place and no half-written folder behind.
process.on('exit', () => {
  rmSync(staging, { recursive: true, force: true });
  if (!args.work) rmSync(work, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));
writeTokenizerFiles(staging, corpus.vocab, maxTokens);

// The ids we train on must be the ids transformers.js will produce.
env.allowLocalModels = true;
env.allowRemoteModels = false;
const hfTokenizer = await AutoTokenizer.from_pretrained(staging);
let mismatches = 0;
const checkParity = (texts: readonly string[], ours: readonly (readonly number[])[]): void => {
  texts.forEach((t, i) => {
    // encode() does not truncate; the pipeline cuts to maxTokens keeping [SEP], as ours does.
    const full = hfTokenizer.encode(t);
    const theirs = full.length > maxTokens ? [...full.slice(0, maxTokens - 1), full.at(-1)!] : full;
    if (theirs.length !== ours[i]!.length || theirs.some((id, k) => id !== ours[i]![k])) mismatches++;
  });
};
checkParity(corpus.train.texts, corpus.train.ids);
for (const e of corpus.evals) checkParity(e.texts, e.ids);
if (mismatches > 0) throw new Error(`tokenizer parity: ${mismatches} sentences encode differently in transformers.js`);
console.log('tokenizer parity with transformers.js: ok on every training and dev sentence');

// 2. Train.
const trained = args['weights-from'] ? readTrainerOutput(path.resolve(args['weights-from']), corpus, net) : await trainWithTorch(corpus, sources, net, work, python);
console.log(`trained ${net.members} member(s) in ${trained.seconds.toFixed(0)} s; best epochs ${trained.members.map((m) => m.bestEpoch).join(', ')}`);

/**
 * The neutral bias: one number added to the neutral logit, chosen like the threshold
 * below (half chat-dev, half the trained sources' dev splits, by balanced accuracy). It corrects the prior that
 * the mix of corpora gives neutral (dialogue corpora are mostly neutral, chat is not),
 * and is folded into each member's output bias, so the graph is unchanged.
 */
const selectionScore = (predict: (p: readonly number[]) => number, probsOf: (name: string) => readonly (readonly number[])[]): number => {
  // Balanced accuracy (mean recall over the moods present): every mood counts the same, so the
  // dialogue corpora, where most lines are neutral, do not pull emotional chat lines to neutral.
  const recall = (name: string): number => {
    const e = corpus.evals.find((x) => x.name === name)!;
    return balancedAccuracy(e.labels, probsOf(name).map(predict));
  };
  return 0.5 * recall('chat-dev') + (0.5 * sources.reduce((a, s) => a + recall(s), 0)) / sources.length;
};
const NEUTRAL = TEXT_LABELS.indexOf('neutral');
const withBias = (p: readonly number[], bias: number): number[] => {
  const w = p.map((v, c) => v * (c === NEUTRAL ? Math.exp(bias) : 1));
  const z = w.reduce((a, v) => a + v, 0);
  return w.map((v) => v / z);
};
let neutralBias = 0;
let bestBiasScore = selectionScore((p) => argmax(p), (n) => trained.evalProbs[n]!);
for (let b = -1.5; b <= 1.001; b += 0.1) {
  const score = selectionScore((p) => argmax(withBias(p, b)), (n) => trained.evalProbs[n]!);
  if (score > bestBiasScore + 1e-9) [neutralBias, bestBiasScore] = [Math.round(b * 10) / 10, score];
}
const result = {
  ...trained,
  weights: trained.weights.map((w) => ({ ...w, outBias: w.outBias.map((v, c) => (c === NEUTRAL ? v + neutralBias : v)) })),
  evalProbs: Object.fromEntries(Object.entries(trained.evalProbs).map(([k, rows]) => [k, rows.map((p) => withBias(p, neutralBias))])),
};
console.log(`neutral bias ${neutralBias} (selection score ${bestBiasScore.toFixed(4)})`);

// 3. Export and reload through the real pipeline.
const onnxBytes = buildOnnxModel(result.weights, { float16Embeddings: true });
writeFileSync(path.join(staging, 'onnx', 'model.onnx'), onnxBytes);
writeFileSync(
  path.join(staging, 'config.json'),
  `${JSON.stringify(
    {
      model_type: 'bert',
      architectures: ['MoodReelTextCnn'],
      problem_type: 'single_label_classification',
      id2label: Object.fromEntries(TEXT_LABELS.map((l, i) => [String(i), l])),
      label2id: Object.fromEntries(TEXT_LABELS.map((l, i) => [l, i])),
      vocab_size: corpus.vocab.tokens.length,
      max_position_embeddings: maxTokens,
      pad_token_id: 0,
    },
    null,
    2,
  )}\n`,
);
const classifier = await loadTextClassifier(staging);
type Scores = { label: string; score: number }[];
async function distributions(texts: readonly string[]): Promise<number[][]> {
  const out: number[][] = [];
  for (let i = 0; i < texts.length; i += 256) {
    const batch = (await classifier(texts.slice(i, i + 256) as string[], { top_k: null as unknown as number })) as unknown as Scores[];
    const rows = texts.length - i === 1 ? [batch as unknown as Scores] : batch;
    for (const scores of rows) {
      const byLabel = new Map(scores.map((s) => [s.label, s.score]));
      out.push(TEXT_LABELS.map((l) => byLabel.get(l) ?? 0));
    }
  }
  return out;
}
const served = new Map<string, number[][]>();
let parityDiff = 0;
for (const e of corpus.evals) {
  const probs = await distributions(e.texts);
  served.set(e.name, probs);
  probs.forEach((p, i) => p.forEach((v, c) => (parityDiff = Math.max(parityDiff, Math.abs(v - result.evalProbs[e.name]![i]![c]!)))));
}
if (parityDiff > 0.01) throw new Error(`the exported graph disagrees with PyTorch by ${parityDiff.toFixed(4)} in probability`);

/** What the detector answers for a distribution (a class index): neutral below the threshold. */
const detectorLabel = (p: readonly number[], threshold: number): number => {
  const scores = toMoodScores(TEXT_LABELS.map((label, c) => ({ label, score: p[c]! })));
  return TEXT_LABELS.indexOf(applyNeutralThreshold(scores, threshold).label);
};

/**
 * The neutral safety net: a reading whose top probability is below this is neutral.
 * Chosen to maximise the detector's balanced accuracy over chat-dev and the trained sources'
 * dev splits (half each); 0 when the learned neutral class alone is best.
 */
const detectorScore = (threshold: number): number =>
  selectionScore((p) => detectorLabel(p, threshold), (n) => served.get(n)!);
let threshold = 0;
let bestScore = detectorScore(0);
for (let t = 0.2; t <= 0.701; t += 0.02) {
  const s = detectorScore(t);
  if (s > bestScore + 1e-9) [threshold, bestScore] = [Math.round(t * 100) / 100, s];
}

// Figures of the exported model on every dev set.
interface DevRow {
  readonly set: string;
  readonly n: number;
  readonly model: { accuracy: number; macroF1: number };
  readonly detector: { accuracy: number; macroF1: number; neutral: number };
}
const devRows: DevRow[] = corpus.evals.map((e) => {
  const probs = served.get(e.name)!;
  const modelPred = probs.map((p) => argmax(p));
  const det = probs.map((p) => detectorLabel(p, threshold));
  const m = figures(e.labels, modelPred);
  const d = figures(e.labels, det);
  return {
    set: e.name,
    n: e.labels.length,
    model: { accuracy: m.accuracy, macroF1: m.macroF1 },
    detector: { accuracy: d.accuracy, macroF1: d.macroF1, neutral: det.filter((c) => c === NEUTRAL).length },
  };
});
const go = corpus.evals.find((e) => e.name === 'goemotions')!;
const goEkman = ekmanFigures(go.labels, served.get('goemotions')!.map((p) => argmax(p)));

const card = {
  name: 'moodreel-text-emotion',
  architecture: `ensemble of ${net.members} word CNNs (embeddings ${net.dim}-d ${EMBEDDING_TEXT[net.embeddings]}, filters ${net.filters} x widths ${net.widths.join('/')}, max-pool, linear) over 7 moods`,
  labels: TEXT_LABELS,
  neutralThreshold: threshold,
  neutralBias,
  neutralThresholdNote: 'neutral is a learned class; below this top probability a reading is also neutral (chosen on chat-dev and the dev splits)',
  trainedOn: sources,
  sourceWeights: corpusOptions.sourceWeights,
  licences: 'inherits the terms of its sources: DailyDialog CC BY-NC-SA 4.0 (non-commercial), MELD GPL-3.0, GoEmotions Apache-2.0, dair-ai and ISEAR research use; see docs/text-model.md',
  dev: Object.fromEntries(devRows.map((r) => [r.set, { n: r.n, model: r.model, detector: r.detector }])),
  goemotionsEkman: goEkman,
  training: { ...net, classBalance: corpusOptions.classBalance, minCount: corpusOptions.minCount, pretrainedExtra: net.embeddings === 'random' ? 0 : corpusOptions.pretrainedExtra, vocabulary: corpus.vocab.tokens.length, maxTokens, bestEpochs: result.members.map((m) => m.bestEpoch) },
};
writeFileSync(path.join(staging, 'moodreel.json'), `${JSON.stringify(card, null, 2)}\n`);

// 4. Swap the folder in.
if (existsSync(outDir)) rmSync(outDir, { recursive: true });
mkdirSync(path.dirname(outDir), { recursive: true });
renameSync(staging, outDir);

console.log('\nexported model through the transformers.js pipeline (model = arg-max of 7; detector = with the neutral threshold)');
console.log('dev set        n      model acc  model F1  detector acc  detector F1  neutral');
for (const r of devRows) {
  console.log(
    `${r.set.padEnd(12)} ${String(r.n).padStart(5)}  ${r.model.accuracy.toFixed(4).padStart(9)}  ${r.model.macroF1.toFixed(4).padStart(8)}  ${r.detector.accuracy.toFixed(4).padStart(12)}  ${r.detector.macroF1.toFixed(4).padStart(11)}  ${String(r.detector.neutral).padStart(7)}`,
  );
}
const chat = corpus.evals.find((e) => e.name === 'chat-dev')!;
const chatProbs = served.get('chat-dev')!;
console.log('\nchat-dev lines the detector gets wrong (truth -> answer):');
chat.labels.forEach((l, i) => {
  const answer = TEXT_LABELS[detectorLabel(chatProbs[i]!, threshold)]!;
  if (answer !== TEXT_LABELS[l]) console.log(`  ${TEXT_LABELS[l]} -> ${answer}: ${chat.rawTexts[i]}`);
});
console.log(`goemotions, Ekman lines (love as joy, no neutral): accuracy ${goEkman.accuracy.toFixed(4)}, macro-F1 ${goEkman.macroF1.toFixed(4)}`);
console.log(`neutral threshold ${threshold}; max |p_onnx - p_torch| ${parityDiff.toExponential(2)}; onnx ${(onnxBytes.length / 1e6).toFixed(2)} MB; written to ${outDir}`);
console.log(
  JSON.stringify({
    dev: card.dev,
    goemotionsEkman: goEkman,
    neutralThreshold: threshold,
    neutralBias,
    members: net.members,
    vocabulary: corpus.vocab.tokens.length,
    onnxBytes: onnxBytes.length,
    parityMaxDiff: parityDiff,
    seconds: Math.round((Date.now() - started) / 1000),
  }),
);
