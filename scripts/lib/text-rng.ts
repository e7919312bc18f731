/**
 * A small seeded PRNG (mulberry32) so that weight init, shuffling and dropout masks
 * are the same on every run and every backend.
 */
export type Rng = () => number;

/** The recommender's generator, shared so every seeded step in MoodReel uses one implementation. */
export { mulberry32 } from '../../src/core/recommender/scorers/random.js';

/** Standard normal sample (Box-Muller). */
export function gaussian(rng: Rng): number {
  const u = Math.max(rng(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** Fisher-Yates shuffle in place. */
export function shuffleInPlace<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}
