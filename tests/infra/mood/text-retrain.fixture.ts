/**
 * A tiny text model folder and data folder for the retraining tests, built with the
 * real exporter (buildOnnxModel) and tokenizer writer. The model is readable by hand:
 * one-hot embeddings, one width-1 filter per word (so a pooled feature says "this word
 * is in the sentence"), and an output layer that maps each emotion word to its mood.
 * "zorp" reads as joy; the donated sentences say it means fear.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MOODS, type MoodLabel } from '../../../src/core/mood/mood-space.js';
import { buildOnnxModel, type CnnWeights } from '../../../scripts/lib/text-onnx.js';
import { makeVocabulary, SPECIAL_TOKENS, writeTokenizerFiles } from '../../../scripts/lib/text-tokenizer.js';

const EMOTION_WORDS: Readonly<Record<string, MoodLabel>> = {
  happy: 'joy', glad: 'joy', adore: 'love', love: 'love', sad: 'sadness', gloomy: 'sadness',
  angry: 'anger', mad: 'anger', scared: 'fear', afraid: 'fear', wow: 'surprise', shocked: 'surprise',
};
const FILLER = ['the', 'and', 'you', 'feel', 'i', 'am', 'so', 'today', 'movie', 'very', 'really', 'a', 'my', 'day', 'cat', 'dog', 'tonight', 'again', 'now', 'still'];
const WORDS = [...FILLER, ...Object.keys(EMOTION_WORDS), 'zorp'];

function member(scale: number): CnnWeights {
  const tokens = [...SPECIAL_TOKENS, ...WORDS];
  const v = tokens.length;
  const embedding = new Float32Array(v * v);
  for (let i = SPECIAL_TOKENS.length; i < v; i++) embedding[i * v + i] = 1;
  const kernel = new Float32Array(v * v); // [1 * dim, filters], identity
  for (let i = 0; i < v; i++) kernel[i * v + i] = 1;
  const outKernel = new Float32Array(v * MOODS.length);
  tokens.forEach((t, i) => {
    const mood = EMOTION_WORDS[t];
    if (mood) outKernel[i * MOODS.length + MOODS.indexOf(mood)] = 4 * scale;
    if (t === 'zorp') outKernel[i * MOODS.length + MOODS.indexOf('joy')] = 2.5 * scale;
  });
  const outBias = new Float32Array(MOODS.length);
  outBias[MOODS.indexOf('neutral')] = 1.5;
  return { vocabSize: v, dim: v, filters: v, classes: MOODS.length, embedding, convs: [{ width: 1, kernel, bias: new Float32Array(v) }], outKernel, outBias };
}

/** Writes the model folder (two members sharing one embedding table through an Identity node). */
export function writeTinyModel(dir: string): string {
  mkdirSync(path.join(dir, 'onnx'), { recursive: true });
  writeFileSync(path.join(dir, 'onnx', 'model.onnx'), buildOnnxModel([member(1), member(0.9)], { float16Embeddings: false }));
  writeTokenizerFiles(dir, makeVocabulary([...SPECIAL_TOKENS, ...WORDS]), 128);
  const id2label = Object.fromEntries(MOODS.map((m, i) => [String(i), m]));
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'bert', id2label, label2id: Object.fromEntries(MOODS.map((m, i) => [m, i])) }));
  writeFileSync(path.join(dir, 'moodreel.json'), JSON.stringify({ neutralThreshold: 0.3, trainedOn: ['dair-ai'], sourceWeights: { 'dair-ai': 1 } }));
  return dir;
}

const pick = <T>(items: readonly T[], i: number): T => items[i % items.length]!;

function emotionLines(offset: number, count: number): string[] {
  const words = Object.entries(EMOTION_WORDS);
  return Array.from({ length: count }, (_, i) => {
    const [word, mood] = pick(words, i);
    return `${pick(FILLER, i + offset)} ${word} ${pick(FILLER, i * 3 + offset + 1)};${mood}`;
  });
}

/**
 * Writes <dir>/text-emotion with dair-ai train/val and chat-dev. `chatDevZorpJoy` adds chat-dev
 * lines where "zorp" means joy, as the shipped model reads it: learning "zorp = fear" loses them.
 */
export function writeTinyData(dir: string, options: { chatDevZorpJoy?: boolean } = {}): string {
  const base = path.join(dir, 'text-emotion');
  mkdirSync(path.join(base, 'dair-ai'), { recursive: true });
  writeFileSync(path.join(base, 'dair-ai', 'train.txt'), `${emotionLines(0, 72).join('\n')}\n`);
  writeFileSync(path.join(base, 'dair-ai', 'val.txt'), `${emotionLines(7, 36).join('\n')}\n`);
  const chat = [...emotionLines(3, 12), 'the movie tonight;neutral', 'my cat and my dog;neutral'];
  if (options.chatDevZorpJoy) chat.push(...Array.from({ length: 8 }, (_, i) => `${pick(FILLER, i)} zorp ${pick(FILLER, i + 5)};joy`));
  writeFileSync(path.join(base, 'chat-dev.txt'), `${chat.join('\n')}\n`);
  return base;
}

/** Filler of the donated sentences: none of the words of chat-dev's neutral lines. */
const DONATED_FILLER = ['you', 'feel', 'i', 'am', 'so', 'today', 'very', 'really', 'a', 'day', 'still'];

/** Donated sentences (already normalised, as stored) where "zorp" means fear; all distinct. */
export function zorpDonations(count: number): { text: string; label: MoodLabel }[] {
  const n = DONATED_FILLER.length;
  return Array.from({ length: count }, (_, i) => ({ text: `${pick(DONATED_FILLER, i)} zorp ${pick(DONATED_FILLER, Math.floor(i / n) + i + 1)} ${i % 2 ? 'again' : 'now'}`, label: 'fear' as MoodLabel }));
}
