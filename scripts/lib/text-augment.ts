/**
 * Negation augmentation for the dair-ai training set.
 *
 * The data set was labelled from the emotion word in each tweet, negation or not:
 * "i dont feel good" is mostly labelled joy. A model fit to it reads "not happy at all"
 * as joy, which no user would. So the trainer adds negated copies of some joy and love
 * sentences: "not" goes before the positive emotion word ("i feel not happy"), and the
 * copy is labelled sadness. The CNN's 2- and 3-word filters then learn that "not X"
 * flips X. Which words count as positive is read from the training data itself.
 */
import type { LabelledText } from './text-data.js';
import { shuffleInPlace, type Rng } from './text-rng.js';

/** Words that already negate the next word: no copy is made after these. */
const NEGATORS = new Set(['not', 'never', 'no', 'dont', 'didnt', 'doesnt', 'isnt', 'wasnt', 'arent', 'werent', 'cant', 'couldnt', 'wont', 'wouldnt', 'hardly', 'nor']);
/** A positive word right after one of these is the tweet's emotion word ("feel happy", "so glad"). */
const CUE_WORDS = new Set(['feel', 'feeling', 'feels', 'felt', 'am', 'im', 'so', 'very', 'really', 'was', 'be', 'is', 'are', 'quite', 'too']);

const INTENSIFIERS = new Set(['so', 'very', 'really', 'quite', 'too']);

export interface NegationOptions {
  /** A word is positive when at least this share of its training sentences are joy or love. */
  readonly minPositiveShare: number;
  /** ...and it occurs in at least this many training sentences. */
  readonly minCount: number;
  /** Share of eligible joy/love sentences that get a negated copy. */
  readonly rate: number;
}

export const DEFAULT_NEGATION_OPTIONS: NegationOptions = { minPositiveShare: 0.6, minCount: 8, rate: 0.25 };

/** Positive emotion words, read from the labels of the training sentences they occur in. */
export function positiveWords(rows: readonly LabelledText[], options: NegationOptions): Set<string> {
  const total = new Map<string, number>();
  const positive = new Map<string, number>();
  for (const row of rows) {
    const isPositive = row.label === 'joy' || row.label === 'love';
    for (const w of new Set(row.text.split(' '))) {
      total.set(w, (total.get(w) ?? 0) + 1);
      if (isPositive) positive.set(w, (positive.get(w) ?? 0) + 1);
    }
  }
  const out = new Set<string>();
  for (const [w, n] of total) {
    if (n >= options.minCount && (positive.get(w) ?? 0) / n >= options.minPositiveShare && !CUE_WORDS.has(w)) out.add(w);
  }
  return out;
}

/** Negated sadness copies of a seeded sample of joy/love sentences (the originals are not changed). */
export function negationCopies(rows: readonly LabelledText[], rng: Rng, options: NegationOptions = DEFAULT_NEGATION_OPTIONS): LabelledText[] {
  const positives = positiveWords(rows, options);
  const candidates: LabelledText[] = [];
  for (const row of rows) {
    if (row.label !== 'joy' && row.label !== 'love') continue;
    const words = row.text.split(' ');
    const at = words.findIndex(
      (w, i) => i > 0 && positives.has(w) && CUE_WORDS.has(words[i - 1]!) && !words.slice(Math.max(0, i - 4), i).some((x) => NEGATORS.has(x)),
    );
    if (at < 0) continue;
    // "so happy" -> "not so happy"; "feel happy" / "im happy" -> "feel not happy" / "im not happy".
    const cut = INTENSIFIERS.has(words[at - 1]!) ? at - 1 : at;
    candidates.push({ text: [...words.slice(0, cut), 'not', ...words.slice(cut)].join(' '), label: 'sadness' });
  }
  return shuffleInPlace(candidates, rng).slice(0, Math.round(candidates.length * options.rate));
}
