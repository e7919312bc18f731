/** Turns movies into pick cards with rating buttons: the one place a card is laid out. */
import type { Movie } from '../ports.js';
import { encodeAction, type RatingChoice } from './actions.js';
import type { Button, PickCard } from './turn.js';

export const POSTER_BASE = 'https://image.tmdb.org/t/p/w342';

export function movieLinks(movie: Movie): { label: string; url: string }[] {
  const links: { label: string; url: string }[] = [];
  if (movie.imdbId) links.push({ label: 'IMDb', url: `https://www.imdb.com/title/tt${movie.imdbId.padStart(7, '0')}/` });
  if (movie.tmdbId) links.push({ label: 'TMDB', url: `https://www.themoviedb.org/movie/${movie.tmdbId}` });
  return links;
}

const CHOICES: readonly { choice: RatingChoice; label: string; key: string }[] = [
  { choice: 1, label: '1★', key: '1' },
  { choice: 2, label: '2★', key: '2' },
  { choice: 3, label: '3★', key: '3' },
  { choice: 4, label: '4★', key: '4' },
  { choice: 5, label: '5★', key: '5' },
  { choice: 'seen', label: '👁 Seen it', key: 'seen' },
  { choice: 'no', label: '🙅 Not for me', key: 'no' },
];

/**
 * Rating buttons for one movie. `target` says what the press refers to: a stored
 * recommendation (ties the button to its user) or a movie found by /search.
 * `selected` marks the current choice so a confirmed rating shows in place.
 */
export function ratingButtons(target: { recommendationId: number } | { movieId: number }, selected?: RatingChoice): Button[][] {
  const button = (c: (typeof CHOICES)[number]): Button => ({
    label: c.choice === selected ? `✅ ${c.label}` : c.label,
    key: c.key,
    action: encodeAction(
      'recommendationId' in target
        ? { type: 'rate', recommendationId: target.recommendationId, choice: c.choice }
        : { type: 'rate_movie', movieId: target.movieId, choice: c.choice },
    ),
  });
  return [CHOICES.slice(0, 5).map(button), CHOICES.slice(5).map(button)];
}

export function pickCard(
  movie: Movie,
  rank: number,
  reason: string,
  target: { recommendationId: number } | { movieId: number },
): PickCard {
  return {
    movieId: movie.id,
    rank,
    title: movie.title,
    year: movie.year,
    genres: movie.genres,
    runtime: movie.runtime,
    posterUrl: movie.posterPath ? `${POSTER_BASE}${movie.posterPath}` : null,
    links: movieLinks(movie),
    reason,
    buttons: ratingButtons(target),
  };
}

export const titleWithYear = (m: Movie) => (m.year ? `${m.title} (${m.year})` : m.title);
