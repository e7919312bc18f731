/**
 * Lexicon baselines the text model is compared with in `eval-text.ts`.
 *
 * - afinn: the AFINN-165 word valences (the `sentiment` package), summed with its
 *   negation handling, mapped onto the labels as far as a valence lexicon allows:
 *   positive -> joy (love when the strongest positive word is a love word),
 *   negative -> sadness, zero -> neutral. AFINN has no fear/anger/surprise axis.
 * - polarity: the seed papers' TextBlob rule (polarity > 0.1 -> joy, < -0.1 -> sadness,
 *   else neutral). TextBlob itself is Python; its polarity is approximated here as the
 *   mean AFINN valence of the sentiment-bearing words divided by 5 (range -1..1, like
 *   TextBlob's average over words that carry polarity).
 */
import Sentiment from 'sentiment';

const analyzer = new Sentiment();
const LOVE_WORDS = new Set(['love', 'loved', 'loves', 'loving', 'lovely', 'adore', 'adored', 'adores', 'beloved', 'passionate', 'affection', 'romantic', 'sweet', 'tender', 'caring']);

export type BaselineLabel = 'joy' | 'love' | 'sadness' | 'neutral';

export function afinnLabel(text: string): BaselineLabel {
  const result = analyzer.analyze(text);
  if (result.score > 0) {
    let best = '';
    let bestScore = 0;
    for (const entry of result.calculation) {
      for (const [word, score] of Object.entries(entry)) {
        if (score > bestScore) {
          best = word;
          bestScore = score;
        }
      }
    }
    return LOVE_WORDS.has(best) ? 'love' : 'joy';
  }
  if (result.score < 0) return 'sadness';
  return 'neutral';
}

/** TextBlob-like polarity in -1..1: mean valence of the words that carry one, over 5. */
export function approximatePolarity(text: string): number {
  const result = analyzer.analyze(text);
  const scores = result.calculation.flatMap((entry) => Object.values(entry));
  if (scores.length === 0) return 0;
  return scores.reduce((a, b) => a + b, 0) / scores.length / 5;
}

export function polarityLabel(text: string): BaselineLabel {
  const p = approximatePolarity(text);
  if (p > 0.1) return 'joy';
  if (p < -0.1) return 'sadness';
  return 'neutral';
}
