/**
 * `npm run train:face -- [train.csv.gz] [--kind cnn|mlp] [--limit N] [--out dir] [--epochs N] [--seed N] [--python path] [--allow-blurred]`
 *
 * Trains MoodReel's facial expression model on FER2013. 10% of the training file (seeded)
 * is held out for every choice (best epoch, comparisons); public-test is never read here.
 *
 * `--kind cnn` (not shipped yet, see docs/face-model.md): a VGG-style CNN on the 48x48 grey crops, trained with
 * PyTorch on the CPU (scripts/python/train_face_cnn.py, in .venv-train, set up once from
 * scripts/python/requirements.txt) with flips, shifts, rotations, scaling, gamma and erased
 * patches, label smoothing and a cosine schedule. The job and the per-epoch checkpoints live
 * under tmp/face-cnn/<key>/, so a stopped run resumes where it was. The exported weights are
 * then run through this project's TensorFlow.js forward pass on the holdout, which must give
 * PyTorch's probabilities (to 1e-4) before anything is written. With `--partner <folder>` (an
 * MLP folder from `--kind mlp`) the MLP's holdout probabilities are mixed in at the share
 * (0-0.6) that does best on the holdout, and its head ships beside the CNN's weights.
 *
 * `--kind mlp` (default, shipped; also the CNN's partner): face-api's expression backbone
 * stays frozen (the WASM backend has no gradients for its convolutions), each crop and its mirror image
 * become 384 pooled features (cached under tmp/face-features/), and a small MLP
 * (384 -> 256 ELU -> 7) is fitted with a seeded Adam loop, then blended with a share of
 * face-api's stock classifier chosen on the holdout.
 *
 * Writes manifest.json + the weights to --out (default data/models/face-expression/<version>);
 * point MOODREEL_FACE_MODEL_DIR (or eval:face --model-dir) at it, and copy it to
 * models/face-expression/ only when eval:face on public-test beats the shipped model.
 * Deterministic: the same train file and flags give the same bytes (the CNN: on the same
 * PyTorch build and thread count, which the manifest records), and the version is named
 * after them, so `npm run train:face -- --out models/face-expression` rebuilds the shipped
 * folder exactly (git diff shows nothing).
 *
 * Refuses training files whose crops are much blurrier than the published FER2013
 * (median Laplacian sharpness under 10; the published crops score about 30): a model
 * fitted on blurred faces learns the blur and fails on sharp selfies.
 * Prints a table, then one JSON line.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../src/core/errors.js';
import { initTfjs, type tf } from '../src/infra/ml/tfjs.js';
import { loadFaceApi } from '../src/infra/mood/face-api.loader.js';
import {
  CNN_INPUT_SIZE,
  EXPRESSION_FEATURE_SIZE,
  FER_EXPRESSIONS,
  MANIFEST_FILE,
  backboneFeatures,
  cnnLogits,
  loadFaceExpressionModel,
  mlpLogits,
  readCnnWeights,
  type FaceExpressionManifestInput,
  type MlpHeadWeights,
} from '../src/infra/mood/face-expression.model.js';
import { DEFAULT_CNN_CONFIG, trainCnn, writeCnnJob, type CnnTrainConfig } from './lib/face-cnn-job.js';
import { CNN_FRAMING } from './lib/face-framing.js';
import { ferCrops, ferSharpness, median, sampleRows } from './lib/face-data.js';
import { loadFer } from './lib/face-fer.js';
import { accuracy, argmax, confusionMatrix, macroF1 } from './lib/text-metrics.js';
import { ensureTrainingPython } from './lib/training-python.js';
import { gaussian, mulberry32, shuffleInPlace } from './lib/text-rng.js';

const args = process.argv.slice(2);
const VALUE_FLAGS = ['--limit', '--out', '--epochs', '--seed', '--hidden', '--lr', '--kind', '--python', '--partner'];
const flag = (name: string) => {
  const k = args.indexOf(name);
  return k >= 0 ? args[k + 1] : undefined;
};
const trainFile =
  args.find((a, k) => !a.startsWith('--') && !VALUE_FLAGS.includes(args[k - 1] ?? '')) ??
  path.join(process.env.MOODREEL_DATA_DIR ?? path.join('..', 'shared', 'data'), 'faces', 'fer2013', 'train.csv.gz');
const limit = Number(flag('--limit') ?? Infinity);
const seed = Number(flag('--seed') ?? 42);
const kind = flag('--kind') ?? 'mlp';
if (kind !== 'cnn' && kind !== 'mlp') throw new UserError('bad_arguments', `--kind must be cnn or mlp, not ${kind}`);
const epochs = Number(flag('--epochs') ?? (kind === 'cnn' ? DEFAULT_CNN_CONFIG.epochs : 40));
const hidden = Number(flag('--hidden') ?? 256);
const learningRate = Number(flag('--lr') ?? 1e-3);
const allowBlurred = args.includes('--allow-blurred');
const MIN_SHARPNESS = 10;
const K = FER_EXPRESSIONS.length;
const D = EXPRESSION_FEATURE_SIZE;

const t = await initTfjs();
const started = performance.now();
const rows = sampleRows(await loadFer(trainFile), limit, seed);
const sharpness = median(rows.map((r) => ferSharpness(r.pixels)));
console.log(`${trainFile}: ${rows.length} crops, median sharpness ${sharpness.toFixed(1)} (published FER2013 about 30)`);
if (sharpness < MIN_SHARPNESS && !allowBlurred) {
  throw new UserError(
    'data_missing',
    `The training crops in ${trainFile} are blurred (median sharpness ${sharpness.toFixed(1)}, published FER2013 about 30): a head trained on them would not transfer to real photos. Use the original Kaggle train file, or pass --allow-blurred for an experiment.`,
  );
}

// Cache keys use the file's content, not its path, so a fresh clone elsewhere finds the same cache and version.
const fileHash = createHash('sha256').update(readFileSync(trainFile)).digest('hex');
const order = shuffleInPlace([...rows.keys()], mulberry32(seed));
const holdCount = Math.round(rows.length * 0.1);
const hold = order.slice(0, holdCount);
const fit = order.slice(holdCount);
const holdTruth = hold.map((i) => rows[i]!.label);

if (kind === 'cnn') await trainCnnFolder();
else await trainMlpFolder();

/** The previous model: an MLP head on face-api's frozen backbone features, blended with its stock classifier. */
async function trainMlpFolder(): Promise<void> {
  // ---------------------------------------------------------------- features (cached)
  const cacheDir = path.join('tmp', 'face-features');
  const key = createHash('sha256').update(`${fileHash}|${rows.length}|${seed}|v1`).digest('hex').slice(0, 16);
  const cacheFile = path.join(cacheDir, `${key}.f32`);
  let features: Float32Array; // rows.length x 2 views x D
  if (existsSync(cacheFile)) {
    const bytes = readFileSync(cacheFile);
    features = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    console.log(`features from cache ${cacheFile}`);
  } else {
    const { backbone } = await loadFaceApi();
    features = new Float32Array(rows.length * 2 * D);
    const BATCH = 128;
    for (let s = 0; s < rows.length; s += BATCH) {
      const batch = rows.slice(s, s + BATCH);
      const values = t.tidy(() => {
        const crops = ferCrops(t, batch.map((r) => r.pixels));
        const both = t.concat([crops, t.reverse(crops, 2)], 0) as tf.Tensor4D;
        return backboneFeatures(t, backbone, both).dataSync();
      });
      batch.forEach((_, i) => {
        features.set(values.subarray(i * D, (i + 1) * D), (s + i) * 2 * D);
        features.set(values.subarray((batch.length + i) * D, (batch.length + i + 1) * D), ((s + i) * 2 + 1) * D);
      });
      if ((s / BATCH) % 20 === 0) console.log(`features ${s + batch.length}/${rows.length} ${((performance.now() - started) / 1000).toFixed(0)} s`);
    }
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(cacheFile, Buffer.from(features.buffer));
  }

  // ---------------------------------------------------------------- standardise
  const mean = new Float32Array(D);
  const std = new Float32Array(D);
  for (const i of fit) for (let v = 0; v < 2; v++) for (let d = 0; d < D; d++) mean[d]! += features[(i * 2 + v) * D + d]! / (2 * fit.length);
  for (const i of fit) for (let v = 0; v < 2; v++) for (let d = 0; d < D; d++) std[d]! += (features[(i * 2 + v) * D + d]! - mean[d]!) ** 2 / (2 * fit.length);
  for (let d = 0; d < D; d++) std[d] = Math.sqrt(std[d]!) + 1e-6;

  const viewMatrix = (ids: readonly number[], view: 0 | 1) => {
    const out = new Float32Array(ids.length * D);
    ids.forEach((i, k) => out.set(features.subarray((i * 2 + view) * D, (i * 2 + view + 1) * D), k * D));
    return t.tensor2d(out, [ids.length, D]);
  };
  const holdViews = [viewMatrix(hold, 0), viewMatrix(hold, 1)];

  // ---------------------------------------------------------------- model
  const rng = mulberry32(seed + 1);
  const glorot = (fanIn: number, fanOut: number) =>
    t.variable(t.tensor2d(Float32Array.from({ length: fanIn * fanOut }, () => gaussian(rng) * Math.sqrt(2 / (fanIn + fanOut))), [fanIn, fanOut]));
  const w1 = glorot(D, hidden);
  const b1 = t.variable(t.zeros([hidden]) as tf.Tensor1D);
  const w2 = glorot(hidden, K);
  const b2 = t.variable(t.zeros([K]) as tf.Tensor1D);
  const head = (): MlpHeadWeights => ({
    mean,
    std,
    layers: [
      { kernel: w1, bias: b1, activation: 'elu' },
      { kernel: w2, bias: b2, activation: 'linear' },
    ],
  });
  const predictHold = (): number[] =>
    t.tidy(() => {
      const p = t.add(t.softmax(mlpLogits(t, head(), holdViews[0]!)), t.softmax(mlpLogits(t, head(), holdViews[1]!)));
      return Array.from(t.argMax(p, 1).dataSync());
    });

  const optimizer = t.train.adam(learningRate);
  const BATCH = 256;
  const L2 = 1e-4;
  let best = { accuracy: -1, epoch: 0, weights: [] as Float32Array[] };
  const snapshot = () => [w1, b1, w2, b2].map((v) => v.dataSync().slice() as Float32Array);
  console.log('epoch  loss    holdout acc');
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const samples = shuffleInPlace(fit.flatMap((i) => [i * 2, i * 2 + 1]), rng); // both views, as augmentation
    let lossSum = 0;
    for (let s = 0; s < samples.length; s += BATCH) {
      const ids = samples.slice(s, s + BATCH);
      const x = new Float32Array(ids.length * D);
      ids.forEach((row, k) => x.set(features.subarray(row * D, (row + 1) * D), k * D));
      const xs = t.tensor2d(x, [ids.length, D]);
      const ys = t.oneHot(t.tensor1d(ids.map((row) => rows[row >> 1]!.label), 'int32'), K);
      const loss = optimizer.minimize(
        () => t.add(t.losses.softmaxCrossEntropy(ys, mlpLogits(t, head(), xs)), t.mul(L2, t.add(t.sum(t.square(w1)), t.sum(t.square(w2))))) as tf.Scalar,
        true,
        [w1, b1, w2, b2],
      );
      lossSum += (loss?.dataSync()[0] ?? 0) * ids.length;
      t.dispose([xs, ys, loss as tf.Tensor]);
    }
    const acc = accuracy(holdTruth, predictHold());
    if (acc > best.accuracy) best = { accuracy: acc, epoch, weights: snapshot() };
    if (epoch % 5 === 0 || epoch === epochs) console.log(`${String(epoch).padStart(5)}  ${(lossSum / samples.length).toFixed(4)}  ${acc.toFixed(4)}`);
    if (epoch - best.epoch >= 8) break; // early stop
  }
  ([w1, b1, w2, b2] as tf.Variable[]).forEach((v, i) => v.assign(t.tensor(best.weights[i]!, v.shape)));

  // ---------------------------------------------------------------- compare with the stock classifier on the holdout
  const { stockHead } = await loadFaceApi();
  const STOCK_TO_FER = [6, 3, 4, 0, 2, 1, 5];
  const stockPredicted = t.tidy(() => {
    const p = holdViews.map((v) => t.softmax(t.add(t.matMul(t.slice(v, [0, 0], [-1, 256]), stockHead.weights), stockHead.bias)));
    return Array.from(t.argMax(t.add(p[0]!, p[1]!), 1).dataSync()).map((s) => STOCK_TO_FER[s]!);
  });
  const trained = predictHold();
  // The head's and the stock classifier's probabilities blended, the share chosen on the holdout (ties: less stock).
  const holdProbabilities = (blend: number): tf.Tensor2D =>
    t.tidy(() => {
      const mine = t.add(t.softmax(mlpLogits(t, head(), holdViews[0]!)), t.softmax(mlpLogits(t, head(), holdViews[1]!)));
      const stock = holdViews.map((v) => t.softmax(t.add(t.matMul(t.slice(v, [0, 0], [-1, 256]), stockHead.weights), stockHead.bias)));
      const stockFer = t.gather(t.add(stock[0]!, stock[1]!), STOCK_TO_FER.map((_, fer) => STOCK_TO_FER.indexOf(fer)), 1);
      return t.add(t.mul(1 - blend, mine), t.mul(blend, stockFer)) as tf.Tensor2D;
    });
  const BLENDS = [0, 0.2, 0.4, 0.6];
  const blendScores = BLENDS.map((blend) => {
    const p = holdProbabilities(blend);
    const predicted = Array.from(t.argMax(p, 1).dataSync());
    p.dispose();
    return { blend, predicted, accuracy: accuracy(holdTruth, predicted) };
  });
  const chosen = blendScores.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
  console.log(`stock share   ${BLENDS.map((b) => b.toFixed(1).padStart(7)).join('')}`);
  console.log(`holdout acc   ${blendScores.map((b) => b.accuracy.toFixed(4).padStart(7)).join('')}   -> ${chosen.blend}`);
  const figures = {
    holdout: hold.length,
    headAccuracy: accuracy(holdTruth, trained),
    stockBlend: chosen.blend,
    trainedAccuracy: chosen.accuracy,
    trainedMacroF1: macroF1(holdTruth, chosen.predicted, K),
    stockAccuracy: accuracy(holdTruth, stockPredicted),
    stockMacroF1: macroF1(holdTruth, stockPredicted, K),
    bestEpoch: best.epoch,
  };

  // ---------------------------------------------------------------- write
  const parts = [mean, std, ...best.weights];
  const headBytes = Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
  // Named by what was learned: the same data, seed and settings give the same bytes and the same name.
  const version = `mlp-${createHash('sha256').update(headBytes).digest('hex').slice(0, 10)}`;
  const outDir = flag('--out') ?? path.join('data', 'models', 'face-expression', version);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'head.bin'), headBytes);
  const manifest: FaceExpressionManifestInput = {
    format: 'moodreel-face-expression',
    version,
    head: {
      kind: 'mlp',
      weights: 'head.bin',
      inputSize: EXPRESSION_FEATURE_SIZE,
      layers: [{ units: hidden, activation: 'elu' }, { units: K, activation: 'linear' }],
      stockBlend: chosen.blend,
    },
    tta: ['identity', 'flip'],
    cropScale: 1,
    metrics: { trainFile: path.basename(trainFile), trainSha256: fileHash, rows: rows.length, seed, epochs, hidden, learningRate, sharpness, ...figures },
    notes:
      'MLP head (384 -> hidden ELU -> 7) on the frozen features of face-api\'s expression backbone, trained by scripts/train-face.ts ' +
      '(npm run train:face) on FER2013 train with its mirror images; the best epoch on a seeded 10% holdout of train. ' +
      'public-test figures: docs/face-model.md.',
  };
  writeFileSync(path.join(outDir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');

  console.log(`\nholdout (${hold.length} crops, flip-averaged)   accuracy  macro-F1`);
  console.log(`face-api stock classifier               ${figures.stockAccuracy.toFixed(4)}    ${figures.stockMacroF1.toFixed(4)}`);
  console.log(`trained MLP head (epoch ${String(best.epoch).padStart(2)})            ${figures.headAccuracy.toFixed(4)}`);
  console.log(`head + ${chosen.blend} stock (shipped form)          ${figures.trainedAccuracy.toFixed(4)}    ${figures.trainedMacroF1.toFixed(4)}`);
  console.log(`written to ${outDir}; ${((performance.now() - started) / 1000).toFixed(0)} s`);
  console.log(JSON.stringify({ ...figures, outDir, seconds: Math.round((performance.now() - started) / 1000) }));
}

/** MoodReel's CNN on the 48x48 crops, trained with PyTorch; checked here against the TensorFlow.js forward pass. */
async function trainCnnFolder(): Promise<void> {
  const config: CnnTrainConfig = { ...DEFAULT_CNN_CONFIG, seed, epochs };
  const python = ensureTrainingPython(flag('--python'));
  const key = createHash('sha256').update(`${fileHash}|${rows.length}|${JSON.stringify(config)}|cnn-v1`).digest('hex').slice(0, 16);
  const jobDir = path.join('tmp', 'face-cnn', key, 'job');
  const runDir = path.join('tmp', 'face-cnn', key, 'run');
  if (!existsSync(path.join(jobDir, 'job.json'))) writeCnnJob(jobDir, rows, fit, hold, config);
  console.log(`PyTorch job ${jobDir}, checkpoints in ${runDir} (a stopped run resumes from there)`);
  const trained = await trainCnn(python, jobDir, runDir);

  // The weights as served: TensorFlow.js on the holdout must give PyTorch's probabilities.
  const K7 = FER_EXPRESSIONS.length;
  const holdProbabilities = (file: string, dtype: 'float32' | 'float16'): Float32Array => {
    const cnn = readCnnWeights(t, file, config.widths, config.convs, dtype);
    const out = new Float32Array(hold.length * K7);
    for (let s = 0; s < hold.length; s += 256) {
      const ids = hold.slice(s, s + 256);
      const values = t.tidy(() => {
        const crops = ferCrops(t, ids.map((i) => rows[i]!.pixels), CNN_INPUT_SIZE);
        const mirrored = t.reverse(crops, 2) as tf.Tensor4D;
        return t.div(t.add(t.softmax(cnnLogits(t, cnn, crops)), t.softmax(cnnLogits(t, cnn, mirrored))), 2).dataSync();
      });
      out.set(values, s * K7);
    }
    t.dispose([...cnn.convs.flatMap((c) => [c.kernel, c.bias]), cnn.kernel, cnn.bias]);
    return out;
  };
  const maxDifference = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
  const served = holdProbabilities(path.join(runDir, 'weights.bin'), 'float32');
  const maxDiff = maxDifference(served, trained.holdProbs);
  if (maxDiff > 1e-4) throw new Error(`the TensorFlow.js forward pass differs from PyTorch's by ${maxDiff} on the holdout: the weight layout or the preprocessing disagree`);
  const predictedOf = (p: Float32Array) => hold.map((_, i) => argmax(p.subarray(i * K7, (i + 1) * K7)));
  const predicted32 = predictedOf(served);
  // float16 halves the folder; it ships when the holdout does not lose more than one crop in a thousand.
  const served16 = holdProbabilities(path.join(runDir, 'weights.f16.bin'), 'float16');
  const predicted16 = predictedOf(served16);
  const dtype = accuracy(holdTruth, predicted16) >= accuracy(holdTruth, predicted32) - 0.001 ? 'float16' : 'float32';
  let predicted = dtype === 'float16' ? predicted16 : predicted32;
  const figures = {
    holdout: hold.length,
    bestEpoch: trained.bestEpoch,
    holdAccuracy: accuracy(holdTruth, dtype === 'float16' ? predicted16 : predicted32),
    holdAccuracyFloat32: accuracy(holdTruth, predicted32),
    torchParityMaxDiff: maxDiff,
    float16MaxDiff: maxDifference(served16, served),
  };
  const shippedWeights = dtype === 'float16' ? trained.weightsF16 : trained.weights;

  // A partner: the MLP head on face-api's features (a folder `--kind mlp` wrote), mixed in at the share that does best on the holdout.
  const partnerDir = flag('--partner');
  let partner: { share: number; weights: string; layers: { units: number; activation: 'elu' | 'linear' }[]; stockBlend: number } | undefined;
  const partnerFigures: Record<string, number> = {};
  if (partnerDir) {
    const other = await loadFaceExpressionModel({ modelDir: partnerDir });
    if (other.manifest.head.kind !== 'mlp') throw new UserError('bad_arguments', `--partner ${partnerDir} must hold an MLP head (train:face --kind mlp)`);
    const theirs = new Float32Array(hold.length * K7);
    for (let s = 0; s < hold.length; s += 64) {
      const crops = ferCrops(t, hold.slice(s, s + 64).map((i) => rows[i]!.pixels));
      (await other.classify(crops).finally(() => crops.dispose())).forEach((p, j) => theirs.set(p, (s + j) * K7));
    }
    const mine = dtype === 'float16' ? served16 : served;
    const SHARES = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
    const scores = SHARES.map((share) => accuracy(holdTruth, predictedOf(mine.map((v, i) => (1 - share) * v + share * theirs[i]!))));
    const best = SHARES.reduce((a, share, k) => (scores[k]! > scores[SHARES.indexOf(a)]! ? share : a), 0);
    console.log(`partner share ${SHARES.map((x) => x.toFixed(1).padStart(7)).join('')}`);
    console.log(`holdout acc   ${scores.map((x) => x.toFixed(4).padStart(7)).join('')}   -> ${best}`);
    partnerFigures.partnerAccuracy = accuracy(holdTruth, predictedOf(theirs));
    partnerFigures.partnerShare = best;
    const blended = predictedOf(mine.map((v, i) => (1 - best) * v + best * theirs[i]!));
    partnerFigures.blendAccuracy = accuracy(holdTruth, blended);
    partnerFigures.blendMacroF1 = macroF1(holdTruth, blended, K7);
    const head = other.manifest.head;
    partner = { share: best, weights: 'partner-head.bin', layers: head.layers, stockBlend: head.stockBlend };
    if (best > 0) predicted = blended;
  }

  const version = `cnn-${createHash('sha256').update(shippedWeights).update(JSON.stringify(partner ?? null)).digest('hex').slice(0, 10)}`;
  const outDir = flag('--out') ?? path.join('data', 'models', 'face-expression', version);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'weights.bin'), shippedWeights);
  if (partnerDir && partner) {
    const other = readFileSync(path.join(partnerDir, MANIFEST_FILE), 'utf8');
    copyFileSync(path.join(partnerDir, (JSON.parse(other) as { head: { weights: string } }).head.weights), path.join(outDir, partner.weights));
  }
  const manifest: FaceExpressionManifestInput = {
    format: 'moodreel-face-expression',
    version,
    head: { kind: 'cnn', weights: 'weights.bin', dtype, inputSize: CNN_INPUT_SIZE, widths: [...config.widths], convs: config.convs, ...(partner ? { partner } : {}) },
    tta: ['identity', 'flip'],
    cropScale: CNN_FRAMING.cropScale,
    cropShiftY: CNN_FRAMING.cropShiftY,
    metrics: {
      trainFile: path.basename(trainFile),
      trainSha256: fileHash,
      rows: rows.length,
      sharpness,
      config,
      ...figures,
      ...partnerFigures,
      shippedHoldAccuracy: accuracy(holdTruth, predicted),
      shippedHoldMacroF1: macroF1(holdTruth, predicted, K7),
      history: trained.history.map((h) => ({ epoch: h.epoch, loss: Number(h.loss.toFixed(4)), holdAccuracy: Number(h.holdAccuracy.toFixed(4)) })),
    },
    notes:
      'VGG-style CNN on 48x48 grey crops (each standardised on its own), trained by scripts/train-face.ts (npm run train:face) with ' +
      'scripts/python/train_face_cnn.py on FER2013 train, deterministic for the seed and thread count in metrics.config; the best ' +
      'epoch on a seeded 10% holdout of train. Crop framing measured on FER crops (scripts/lib/face-framing.ts). public-test figures: docs/face-model.md.',
  };
  writeFileSync(path.join(outDir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');

  const matrix = confusionMatrix(holdTruth, predicted, K7);
  console.log(`\nholdout (${hold.length} crops, flip-averaged), rows truth, columns predicted`);
  console.log(`${''.padEnd(9)}${FER_EXPRESSIONS.map((c) => c.slice(0, 7).padStart(8)).join('')}`);
  FER_EXPRESSIONS.forEach((c, i) => console.log(`${c.padEnd(9)}${matrix[i]!.map((v) => String(v).padStart(8)).join('')}`));
  console.log(`CNN (best epoch ${trained.bestEpoch} of ${config.epochs}): accuracy ${figures.holdAccuracy.toFixed(4)} (${dtype}; float32 ${figures.holdAccuracyFloat32.toFixed(4)}); TensorFlow.js vs PyTorch max difference ${maxDiff.toExponential(1)}`);
  if (partner) console.log(`with the partner at ${partner.share}: accuracy ${partnerFigures.blendAccuracy!.toFixed(4)}, macro-F1 ${partnerFigures.blendMacroF1!.toFixed(4)} (partner alone ${partnerFigures.partnerAccuracy!.toFixed(4)})`);
  console.log(`written to ${outDir}; ${((performance.now() - started) / 1000).toFixed(0)} s`);
  console.log(JSON.stringify({ ...figures, ...partnerFigures, outDir, seconds: Math.round((performance.now() - started) / 1000) }));
}
