/**
 * Each movie's emotion profile: the text mood model read over its overview,
 * tagline-like tags and keywords. The mood scorer matches a user's mood
 * against it; movies with no text keep no profile (the genre prior covers them).
 */
import type { MoodDistribution } from '../../mood/mood-space.js';
import type { Movie, TextMoodDetector } from '../../ports.js';

export function movieMoodText(movie: Movie): string | null {
  const parts = [movie.overview ?? '', movie.tags.slice(0, 10).join(', '), movie.keywords.slice(0, 10).join(', ')].filter((p) => p.trim());
  return parts.length ? parts.join('. ') : null;
}

export async function computeEmotionProfiles(
  movies: readonly Movie[],
  detector: TextMoodDetector,
  onProgress: (done: number, total: number) => void = () => {},
  batchSize = 64,
): Promise<Map<number, MoodDistribution>> {
  const items = movies.flatMap((m) => {
    const text = movieMoodText(m);
    return text ? [{ id: m.id, text }] : [];
  });
  const out = new Map<number, MoodDistribution>();
  for (let k = 0; k < items.length; k += batchSize) {
    const batch = items.slice(k, k + batchSize);
    const readings = await detector.detectBatch(batch.map((b) => b.text));
    batch.forEach((b, j) => out.set(b.id, readings[j]!.distribution));
    onProgress(Math.min(k + batchSize, items.length), items.length);
  }
  return out;
}
