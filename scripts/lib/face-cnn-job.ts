/**
 * The PyTorch side of `npm run train:face`: the job folder that
 * scripts/python/train_face_cnn.py reads (FER crops as raw bytes, their labels, the seeded
 * fit/holdout split, the settings), the trainer run itself, and reading back what it
 * learned. The Python side only learns weights; every data choice is made in TypeScript.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FER_SIZE, type FerRow } from './face-fer.js';

const TRAINER = path.resolve('scripts/python/train_face_cnn.py');

/** Training settings of the expression CNN (all of them go into job.json and the manifest). */
export interface CnnTrainConfig {
  readonly seed: number;
  /** torch.set_num_threads: part of the seed contract (another count sums floats in another order). */
  readonly threads: number;
  readonly widths: readonly number[];
  readonly convs: number;
  readonly dropout: number;
  readonly epochs: number;
  readonly warmupEpochs: number;
  readonly batch: number;
  readonly lr: number;
  readonly weightDecay: number;
  readonly labelSmoothing: number;
  /** Rotation (degrees), scale and shift (fractions of the side), gamma factor, share of crops with a patch erased. */
  readonly augment: { readonly rotate: number; readonly scale: number; readonly shift: number; readonly gamma: number; readonly erase: number };
}

/**
 * VGG-style, 4 stages of two 3x3 convolutions (1.17 M parameters): about 2.7 min an epoch on one
 * thread of this machine when it is quiet (3.5 CPU-minutes under load); 15 epochs fit the 60-90 minutes
 * of a shared 2-core machine.
 */
export const DEFAULT_CNN_CONFIG = {
  seed: 42,
  threads: 1,
  widths: [32, 64, 128, 256],
  convs: 2,
  dropout: 0.4,
  epochs: 15,
  warmupEpochs: 1,
  batch: 64,
  lr: 0.05,
  weightDecay: 5e-4,
  labelSmoothing: 0.1,
  augment: { rotate: 10, scale: 0.1, shift: 0.08, gamma: 1.4, erase: 0.5 },
} as const satisfies CnnTrainConfig;

/** Writes job.json, pixels.u8 and labels.u8 into `dir`. */
export function writeCnnJob(dir: string, rows: readonly FerRow[], fit: readonly number[], hold: readonly number[], config: CnnTrainConfig): void {
  mkdirSync(dir, { recursive: true });
  const pixels = Buffer.alloc(rows.length * FER_SIZE * FER_SIZE);
  rows.forEach((r, i) => pixels.set(r.pixels, i * FER_SIZE * FER_SIZE));
  writeFileSync(path.join(dir, 'pixels.u8'), pixels);
  writeFileSync(path.join(dir, 'labels.u8'), Uint8Array.from(rows, (r) => r.label));
  writeFileSync(path.join(dir, 'job.json'), JSON.stringify({ config, fit, hold }));
}

function runPython(python: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [TRAINER, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(TRAINER)} ${args.join(' ')} failed (exit ${code})`))));
  });
}

export interface CnnTrainerResult {
  /** The best epoch's weights with BatchNorm folded in (the manifest's layout), float32 and float16. */
  readonly weights: Buffer;
  readonly weightsF16: Buffer;
  readonly bestEpoch: number;
  /** The trainer's flip-averaged holdout accuracy at the best epoch (PyTorch's numbers). */
  readonly holdAccuracy: number;
  /** Flip-averaged holdout probabilities, hold order x 7 (PyTorch's numbers). */
  readonly holdProbs: Float32Array;
  readonly history: readonly { epoch: number; loss: number; holdAccuracy: number; seconds: number }[];
}

/**
 * Trains (resuming from `runDir`'s last checkpoint when a run was stopped) and exports.
 * A finished run is read back without training again.
 */
export async function trainCnn(python: string, jobDir: string, runDir: string): Promise<CnnTrainerResult> {
  if (!existsSync(path.join(runDir, 'result.json'))) await runPython(python, [jobDir, runDir]);
  await runPython(python, ['--export', jobDir, runDir]);
  const result = JSON.parse(readFileSync(path.join(runDir, 'result.json'), 'utf8')) as {
    bestEpoch: number;
    holdAccuracy: number;
    history: CnnTrainerResult['history'];
  };
  const probs = readFileSync(path.join(runDir, 'hold_probs.f32'));
  return {
    weights: readFileSync(path.join(runDir, 'weights.bin')),
    weightsF16: readFileSync(path.join(runDir, 'weights.f16.bin')),
    bestEpoch: result.bestEpoch,
    holdAccuracy: result.holdAccuracy,
    holdProbs: new Float32Array(probs.buffer.slice(probs.byteOffset, probs.byteOffset + probs.byteLength)),
    history: result.history,
  };
}
