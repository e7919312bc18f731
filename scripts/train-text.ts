/**
 * Trains MoodReel's text emotion model and writes it as a transformers.js model folder.
 *
 *   npm run train:text -- --data ../shared/data/text-emotion/dair-ai --out models/text-emotion
 *
 * Reads train.txt for learning and val.txt for every choice (best epoch, neutral
 * threshold). Builds a WordPiece tokenizer from the training vocabulary, checks it
 * against transformers.js' own tokenizer, trains an ensemble of small word CNNs with
 * TensorFlow.js (WASM), exports one ONNX graph, reloads the folder through the
 * `text-classification` pipeline and prints the validation figures of what it wrote.
 * Deterministic for a given --seed. The folder is replaced only when all of that worked.
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { normaliseForMood } from '../src/core/agents/mood/text-normalise.js';
import { loadTextClassifier } from '../src/infra/mood/text-mood.detector.js';
import { DEFAULT_CNN_CONFIG, trainCnn, type CnnConfig, type CnnWeights, type Example } from './lib/text-cnn.js';
import { DEFAULT_NEGATION_OPTIONS, negationCopies } from './lib/text-augment.js';
import { EMOTION_LABELS, labelIndex, readLabelledTexts } from './lib/text-data.js';
import { accuracy, argmax, macroF1 } from './lib/text-metrics.js';
import { NEUTRAL_SENTENCES } from './lib/text-neutral-fixtures.js';
import { buildOnnxModel } from './lib/text-onnx.js';
import { mulberry32 } from './lib/text-rng.js';
import { buildVocabulary, encode, writeTokenizerFiles } from './lib/text-tokenizer.js';

/** Common English endings kept as ## pieces so unseen inflections map to a known stem. */
const SUFFIXES = ['s', 'es', 'ed', 'd', 'ing', 'ly', 'ness', 'ful', 'less', 'er', 'est', 'y', 'ment', 'ive', 'ous', 'al'];

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/data/text-emotion/dair-ai' },
    out: { type: 'string', default: 'models/text-emotion' },
    seed: { type: 'string', default: '42' },
    members: { type: 'string', default: '3' },
    'min-count': { type: 'string', default: '1' },
    dim: { type: 'string', default: String(DEFAULT_CNN_CONFIG.dim) },
    filters: { type: 'string', default: String(DEFAULT_CNN_CONFIG.filters) },
    epochs: { type: 'string', default: String(DEFAULT_CNN_CONFIG.maxEpochs) },
    patience: { type: 'string', default: String(DEFAULT_CNN_CONFIG.patience) },
    lr: { type: 'string', default: String(DEFAULT_CNN_CONFIG.learningRate) },
    batch: { type: 'string', default: String(DEFAULT_CNN_CONFIG.batchSize) },
    'word-dropout': { type: 'string', default: String(DEFAULT_CNN_CONFIG.wordDropout) },
    'label-smoothing': { type: 'string', default: String(DEFAULT_CNN_CONFIG.labelSmoothing) },
    'max-tokens': { type: 'string', default: '128' },
    augment: { type: 'string', default: '0' },
  },
});

const num = (name: keyof typeof args): number => {
  const v = Number(args[name]);
  if (!Number.isFinite(v)) throw new Error(`--${name} must be a number (got ${String(args[name])})`);
  return v;
};

const dataDir = path.resolve(String(args.data));
const outDir = path.resolve(String(args.out));
const seed = num('seed');
const members = num('members');
const maxTokens = num('max-tokens');
const cfgBase: CnnConfig = {
  ...DEFAULT_CNN_CONFIG,
  dim: num('dim'),
  filters: num('filters'),
  maxEpochs: num('epochs'),
  patience: num('patience'),
  learningRate: num('lr'),
  batchSize: num('batch'),
  wordDropout: num('word-dropout'),
  labelSmoothing: num('label-smoothing'),
};

const started = Date.now();
const train = readLabelledTexts(path.join(dataDir, 'train.txt'));
const val = readLabelledTexts(path.join(dataDir, 'val.txt'));
console.log(`data: ${train.length} train, ${val.length} val sentences from ${dataDir}`);

// 1. Vocabulary and tokenizer files, written to a staging folder next to the output.
const staging = `${outDir}.staging-${process.pid}`;
rmSync(staging, { recursive: true, force: true });
mkdirSync(path.join(staging, 'onnx'), { recursive: true });
// A failed run leaves the old model in place and no half-written folder behind.
process.on('exit', () => rmSync(staging, { recursive: true, force: true }));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));
const vocab = buildVocabulary(
  train.map((e) => e.text),
  { minCount: num('min-count'), suffixes: SUFFIXES },
);
writeTokenizerFiles(staging, vocab, maxTokens);
console.log(`vocabulary: ${vocab.tokens.length} tokens`);

// 2. The ids we train on must be the ids transformers.js will produce.
env.allowLocalModels = true;
env.allowRemoteModels = false;
const hfTokenizer = await AutoTokenizer.from_pretrained(staging);
const toExamples = (rows: typeof train): Example[] => rows.map((e) => ({ ids: encode(e.text, vocab, maxTokens), label: labelIndex(e.label) }));
const trainSet = toExamples(train);
const valSet = toExamples(val);
// Negated copies of some joy/love sentences, labelled sadness (see text-augment.ts).
const negated = negationCopies(train, mulberry32(seed), { ...DEFAULT_NEGATION_OPTIONS, rate: num('augment') });
console.log(`negation augmentation: ${negated.length} sentences added, e.g. "${negated[0]?.text ?? ''}"`);
const trainWithNegations = [...trainSet, ...toExamples(negated)];
let mismatches = 0;
for (const [rows, set] of [
  [train, trainSet],
  [val, valSet],
] as const) {
  rows.forEach((row, i) => {
    const theirs = hfTokenizer.encode(row.text);
    const ours = set[i]!.ids;
    if (theirs.length !== ours.length || theirs.some((id, k) => id !== ours[k])) mismatches++;
  });
}
if (mismatches > 0) throw new Error(`tokenizer parity: ${mismatches} sentences encode differently in transformers.js`);
console.log('tokenizer parity with transformers.js: ok on train + val');

// 3. Train the ensemble members (different seeds), choosing each one's epoch on val.
const truth = valSet.map((e) => e.label);
const classes = EMOTION_LABELS.length;
const selectionScore = (probs: Float32Array[]): number => {
  const pred = probs.map((p) => argmax(p));
  return (accuracy(truth, pred) + macroF1(truth, pred, classes)) / 2;
};
const weights: CnnWeights[] = [];
const memberProbs: Float32Array[][] = [];
for (let m = 0; m < members; m++) {
  const cfg = { ...cfgBase, seed: seed + 1000 * m };
  console.log(`\nmember ${m + 1}/${members} (seed ${cfg.seed})`);
  console.log('epoch  loss    val(acc+F1)/2  seconds');
  const result = await trainCnn(trainWithNegations, valSet, vocab.tokens.length, classes, cfg, selectionScore, (r) => {
    console.log(`${String(r.epoch).padStart(5)}  ${r.loss.toFixed(4)}  ${r.score.toFixed(4)}         ${r.seconds.toFixed(1)}`);
  });
  const pred = result.valProbs.map((p) => argmax(p));
  console.log(`best epoch ${result.bestEpoch}: accuracy ${accuracy(truth, pred).toFixed(4)}, macro-F1 ${macroF1(truth, pred, classes).toFixed(4)}`);
  weights.push(result.weights);
  memberProbs.push(result.valProbs);
}

// 4. Export one ONNX graph (members' logits averaged) and the config.
const onnxBytes = buildOnnxModel(weights, { float16Embeddings: true });
writeFileSync(path.join(staging, 'onnx', 'model.onnx'), onnxBytes);
writeFileSync(
  path.join(staging, 'config.json'),
  `${JSON.stringify(
    {
      model_type: 'bert',
      architectures: ['MoodReelTextCnn'],
      problem_type: 'single_label_classification',
      id2label: Object.fromEntries(EMOTION_LABELS.map((l, i) => [String(i), l])),
      label2id: Object.fromEntries(EMOTION_LABELS.map((l, i) => [l, i])),
      vocab_size: vocab.tokens.length,
      max_position_embeddings: maxTokens,
      pad_token_id: 0,
    },
    null,
    2,
  )}\n`,
);

// 5. Reload through the real pipeline: figures of the exported model, and the neutral threshold.
const classifier = await loadTextClassifier(staging);
async function topProbabilities(texts: readonly string[]): Promise<{ label: string; score: number }[]> {
  const out: { label: string; score: number }[] = [];
  for (let i = 0; i < texts.length; i += 256) {
    const batch = (await classifier(texts.slice(i, i + 256) as string[])) as { label: string; score: number }[];
    out.push(...batch);
  }
  return out;
}
const valTop = await topProbabilities(val.map((e) => e.text));
const valPred = valTop.map((t) => EMOTION_LABELS.indexOf(t.label as (typeof EMOTION_LABELS)[number]));
const exportedAccuracy = accuracy(truth, valPred);
const exportedF1 = macroF1(truth, valPred, classes);
// Parity with the trained networks: ensemble of log-probabilities == softmax of averaged logits.
let parityDiff = 0;
valSet.forEach((_, i) => {
  const logp = new Float64Array(classes);
  for (const probs of memberProbs) for (let c = 0; c < classes; c++) logp[c]! += Math.log(Math.max(probs[i]![c]!, 1e-30)) / members;
  const mx = Math.max(...logp);
  const z = logp.reduce((a, v) => a + Math.exp(v - mx), 0);
  const top = Math.exp(logp[argmax(logp)]! - mx) / z;
  parityDiff = Math.max(parityDiff, Math.abs(top - valTop[i]!.score));
});

const neutralTop = await topProbabilities(NEUTRAL_SENTENCES.map((s) => normaliseForMood(s)));
/**
 * Neutral threshold: the top probability below which a reading is "neutral". Chosen to
 * maximise the mean of (val sentences kept as emotional) and (neutral fixtures caught),
 * while keeping at least 97% of val sentences emotional.
 */
let bestThreshold = 0.5;
let bestObjective = -1;
for (let t = 0.3; t <= 0.951; t += 0.01) {
  const kept = valTop.filter((v) => v.score >= t).length / valTop.length;
  const caught = neutralTop.filter((v) => v.score < t).length / neutralTop.length;
  const objective = (kept + caught) / 2;
  if (kept >= 0.97 && objective > bestObjective + 1e-9) {
    bestObjective = objective;
    bestThreshold = Math.round(t * 100) / 100;
  }
}
const valKept = valTop.filter((v) => v.score >= bestThreshold).length / valTop.length;
const neutralCaught = neutralTop.filter((v) => v.score < bestThreshold).length / neutralTop.length;

const card = {
  name: 'moodreel-text-emotion',
  architecture: `ensemble of ${members} word CNNs (embeddings ${cfgBase.dim}-d, filters ${cfgBase.filters} x widths ${cfgBase.widths.join('/')}, max-pool, linear)`,
  labels: EMOTION_LABELS,
  neutralThreshold: bestThreshold,
  neutralThresholdNote: `chosen on val.txt (>= 97% kept emotional: ${valKept.toFixed(3)}) and ${NEUTRAL_SENTENCES.length} hand-written neutral sentences (caught: ${neutralCaught.toFixed(3)})`,
  trainedOn: 'dair-ai emotion train.txt (Saravia et al. 2018); choices on val.txt',
  validation: { accuracy: exportedAccuracy, macroF1: exportedF1 },
  training: { ...cfgBase, seed, members, minCount: num('min-count'), vocabulary: vocab.tokens.length, maxTokens, negationCopies: negated.length },
};
writeFileSync(path.join(staging, 'moodreel.json'), `${JSON.stringify(card, null, 2)}\n`);

// 6. Swap the folder in.
if (existsSync(outDir)) rmSync(outDir, { recursive: true });
mkdirSync(path.dirname(outDir), { recursive: true });
renameSync(staging, outDir);

console.log('\nexported model (through the transformers.js pipeline) on val.txt');
console.log(`  accuracy             ${exportedAccuracy.toFixed(4)}`);
console.log(`  macro-F1             ${exportedF1.toFixed(4)}`);
console.log(`  max |p_onnx - p_tf|  ${parityDiff.toExponential(2)}`);
console.log(`  neutral threshold    ${bestThreshold} (val kept ${valKept.toFixed(3)}, neutral fixtures caught ${neutralCaught.toFixed(3)})`);
console.log(`  onnx size            ${(onnxBytes.length / 1e6).toFixed(2)} MB`);
console.log(`  written to           ${outDir}`);
console.log(
  JSON.stringify({
    accuracy: exportedAccuracy,
    macroF1: exportedF1,
    neutralThreshold: bestThreshold,
    members,
    vocabulary: vocab.tokens.length,
    onnxBytes: onnxBytes.length,
    parityMaxDiff: parityDiff,
    seconds: Math.round((Date.now() - started) / 1000),
  }),
);
