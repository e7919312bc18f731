/**
 * A small hand-made catalogue and synthetic ratings shared by the content, mood,
 * hybrid, explanation and service tests: comedies and feel-good movies, sad
 * dramas, action (with a sequel pair by one director), horror, sci-fi (another
 * sequel pair) and one documentary, rated by three taste groups.
 */
import { Dataset, type Interaction } from '../../../src/core/recommender/dataset.js';
import { toDistribution, type MoodLabel, type MoodReading } from '../../../src/core/mood/mood-space.js';
import type { Movie } from '../../../src/core/ports.js';
import { mulberry32 } from '../../../src/core/recommender/scorers/random.js';

export function movie(id: number, title: string, genres: string[], extra: Partial<Movie> = {}): Movie {
  return {
    id,
    title,
    year: 2000,
    genres,
    imdbId: null,
    tmdbId: null,
    overview: null,
    posterPath: null,
    language: 'en',
    runtime: 100,
    voteAverage: 7,
    voteCount: 1000,
    keywords: [],
    tags: [],
    actors: [],
    directors: [],
    ...extra,
  };
}

export const CATALOGUE: readonly Movie[] = [
  movie(1, 'Sunny Days', ['Comedy'], {
    actors: ['Tom Hanks', 'Meg Ryan'],
    keywords: ['friendship', 'feel-good'],
    overview: 'Two friends open a bakery and laugh their way through a sunny summer.',
  }),
  movie(2, 'Laugh Riot', ['Comedy', 'Romance'], { keywords: ['feel-good', 'wedding'], overview: 'A wedding planner laughs at love until love laughs back.' }),
  movie(3, 'Happy Paws', ['Animation', 'Children', 'Comedy'], { keywords: ['dog', 'friendship'], overview: 'A cheerful dog helps a lonely girl make friends.' }),
  movie(4, 'Amélie', ['Comedy', 'Romance'], { language: 'fr', year: 2001, keywords: ['paris', 'feel-good'], overview: 'A shy waitress in Paris decides to change the lives of those around her.' }),
  movie(5, 'Grey Rain', ['Drama'], { keywords: ['grief', 'loss'], overview: 'A widower faces grief and loss after the funeral.' }),
  movie(6, 'The Long Goodbye', ['Drama', 'War'], { keywords: ['grief', 'war'], overview: 'A soldier writes letters home about loss and grief.', year: 1975 }),
  movie(7, 'Broken Letters', ['Drama', 'Romance'], { keywords: ['loss', 'letters'], overview: 'Letters from a lost love reopen old grief.' }),
  movie(8, 'Quiet Mourning', ['Drama'], { keywords: ['grief', 'family'], overview: 'A family in mourning after a loss learns to speak again.' }),
  movie(9, 'Steel Fist', ['Action', 'Thriller'], {
    directors: ['Jon Hard'],
    actors: ['Max Power'],
    keywords: ['revenge', 'martial arts'],
    overview: 'A fighter seeks revenge with martial arts.',
  }),
  movie(10, 'Steel Fist 2', ['Action', 'Thriller'], {
    directors: ['Jon Hard'],
    actors: ['Max Power'],
    keywords: ['revenge', 'martial arts'],
    overview: 'The fighter returns for more revenge and martial arts.',
  }),
  movie(11, 'Night Chase', ['Action', 'Crime'], { keywords: ['car chase', 'revenge'], overview: 'A getaway driver races through the night.' }),
  movie(12, 'The Hollow', ['Horror'], { keywords: ['ghost', 'haunted house'], overview: 'A family moves into a haunted house with a ghost.' }),
  movie(13, 'Scream House', ['Horror', 'Thriller'], { keywords: ['haunted house', 'slasher'], overview: 'Teenagers spend a night in a haunted house.' }),
  movie(14, 'Star Voyage', ['Sci-Fi', 'Adventure'], { keywords: ['space', 'robots'], overview: 'Explorers travel through space with their robots.' }),
  movie(15, 'Star Voyage II', ['Sci-Fi', 'Adventure'], { keywords: ['space', 'robots'], overview: 'The explorers travel deeper into space.' }),
  movie(16, 'Jungle Quest', ['Adventure', 'Fantasy'], { keywords: ['jungle', 'treasure'], overview: 'Treasure hunters brave the jungle.' }),
  movie(17, 'Ocean Deep', ['Documentary'], { keywords: ['ocean', 'nature'], overview: 'A documentary about the deep ocean and its nature.' }),
];

export const COMEDIES = new Set([1, 2, 3, 4]);
export const DRAMAS = new Set([5, 6, 7, 8]);
export const ACTION = new Set([9, 10, 11]);

/**
 * Each taste block (comedies, dramas, action and sci-fi) is liked by one group,
 * disliked by another and neutral to the third, so no block is better on average:
 * tests about mood and taste are then not decided by one genre's overall rating.
 */
const GROUPS: Readonly<Record<'comedy' | 'drama' | 'action', { likes: ReadonlySet<number>; dislikes: ReadonlySet<number> }>> = {
  comedy: { likes: COMEDIES, dislikes: DRAMAS },
  drama: { likes: DRAMAS, dislikes: new Set([...ACTION, 14, 15]) },
  action: { likes: new Set([...ACTION, 14, 15]), dislikes: COMEDIES },
};

/**
 * Users 1-20 like comedies, 21-40 dramas, 41-60 action and sci-fi (see GROUPS);
 * each rates about 12 of the 17 movies, liked ones around 4.5, disliked ones
 * around 1.5, others around 3, plus a small per-movie quality offset. Seeded, so
 * always the same.
 */
export function syntheticRatings(seed = 7): Interaction[] {
  const rand = mulberry32(seed);
  const rows: Interaction[] = [];
  for (let user = 1; user <= 60; user++) {
    const group = GROUPS[user <= 20 ? 'comedy' : user <= 40 ? 'drama' : 'action'];
    for (const m of CATALOGUE) {
      if (rand() < 0.3) continue;
      const base = group.likes.has(m.id) ? 4.5 : group.dislikes.has(m.id) ? 1.5 : 3;
      const quality = ((m.id * 7) % 5) * 0.1 - 0.2;
      const rating = Math.min(5, Math.max(0.5, Math.round((base + quality + (rand() - 0.5)) * 2) / 2));
      rows.push({ user, item: m.id, rating, timestamp: 1_000_000 + user * 100 + m.id });
    }
  }
  return rows;
}

export const syntheticDataset = (): Dataset =>
  Dataset.from(
    syntheticRatings(),
    CATALOGUE.map((m) => m.id),
  );

/** A mood reading concentrated on one label. */
export function feeling(label: MoodLabel, confidence = 0.9, strength = 0.8): MoodReading {
  const rest = (1 - strength) / 6;
  const weights: Partial<Record<MoodLabel, number>> = {};
  for (const m of ['joy', 'love', 'sadness', 'anger', 'fear', 'surprise', 'neutral'] as const) weights[m] = m === label ? strength : rest;
  return { label, distribution: toDistribution(weights), confidence, source: 'text' };
}

export const title = (id: number): string => CATALOGUE.find((m) => m.id === id)?.title ?? `#${id}`;
