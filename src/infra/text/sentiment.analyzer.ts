/**
 * Review polarity for /review, in TextBlob's -1..1 range so the seed papers'
 * thresholds (> 0.1 positive, < -0.1 negative) apply. AFINN (the `sentiment`
 * package) gives a per-word comparative score; tanh squashes it into -1..1.
 */
import Sentiment from 'sentiment';
import type { SentimentAnalyzer } from '../../core/ports.js';

export function createSentimentAnalyzer(): SentimentAnalyzer {
  const afinn = new Sentiment();
  return {
    polarity(text: string): number {
      const { comparative } = afinn.analyze(text.slice(0, 5000));
      return Number.isFinite(comparative) ? Math.tanh(comparative) : 0;
    },
  };
}
