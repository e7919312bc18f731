/**
 * Rating buttons: checks the press belongs to the presser, stores the rating
 * (committed before the confirmation is shown), folds it into the recommender
 * at once, and redraws the buttons with the choice marked.
 */
import { UserError } from '../errors.js';
import type { MoodReading } from '../mood/mood-space.js';
import type { RatingEvent, RatingKind, Recommender } from '../ports.js';
import type { Stores } from '../stores.js';
import type { Reply } from '../conversation/turn.js';
import type { RatingChoice } from '../conversation/actions.js';
import { ratingButtons, titleWithYear } from '../conversation/cards.js';
import type { CatalogIndex } from './catalog-index.js';
import type { Logger } from '../ports.js';

/** 'not for me' is stored without stars; the recommender reads it as a low implicit rating. */
function toRating(choice: RatingChoice): { value: number | null; kind: RatingKind } {
  if (choice === 'seen') return { value: null, kind: 'seen' };
  if (choice === 'no') return { value: null, kind: 'not_for_me' };
  return { value: choice, kind: 'stars' };
}

/** The note on a rated card: short enough for a caption line. */
export const ratingMark = (choice: RatingChoice) =>
  choice === 'seen' ? '👁 seen it, saved' : choice === 'no' ? '🙅 not for me, saved' : `★${choice} saved`;

const confirmation = (choice: RatingChoice, title: string) =>
  choice === 'seen' ? `Noted: you have seen ${title}. I won't propose it again.`
  : choice === 'no' ? `Noted: ${title} is not for you. I won't propose it again.`
  : `Saved: ${choice}★ for ${title}. Your next picks take it into account.`;

export class FeedbackAgent {
  constructor(private readonly deps: { stores: Stores; recommender: Recommender; catalog: CatalogIndex; logger: Logger }) {}

  async rateRecommendation(userId: number, recommendationId: number, choice: RatingChoice): Promise<Reply> {
    const rec = await this.deps.stores.recommendations.get(recommendationId);
    if (!rec) throw new UserError('stale_button', 'Those buttons have expired. Ask me for new picks with /mood.');
    if (rec.userId !== userId) throw new UserError('forbidden', 'Those picks belong to someone else. Send /mood to get your own.');
    return this.rate(userId, rec.movieId, choice, rec.mood, 'button', { recommendationId });
  }

  async rateMovie(userId: number, movieId: number, choice: RatingChoice, mood: MoodReading | null): Promise<Reply> {
    return this.rate(userId, movieId, choice, mood, 'button', { movieId });
  }

  private async rate(
    userId: number,
    movieId: number,
    choice: RatingChoice,
    mood: MoodReading | null,
    source: 'button' | 'review',
    target: { recommendationId: number } | { movieId: number },
  ): Promise<Reply> {
    const movie = this.deps.catalog.get(movieId);
    if (!movie) throw new UserError('stale_button', 'That movie is no longer in the catalogue.');
    const { value, kind } = toRating(choice);
    const at = new Date();
    await this.deps.stores.ratings.upsert({
      userId, movieId, value, kind, source, at,
      moodLabel: mood?.label ?? null,
      moodDistribution: mood?.distribution ?? null,
    });
    await this.foldIn({ userId, movieId, value, kind, source, at }, mood);
    return { kind: 'ack', toast: confirmation(choice, titleWithYear(movie)), buttons: ratingButtons(target, choice), mark: ratingMark(choice) };
  }

  /** The rating is stored; a fold-in failure must not undo that, only be logged. */
  async foldIn(event: RatingEvent, mood: MoodReading | null): Promise<void> {
    try {
      await this.deps.recommender.observe(event, mood);
    } catch (error) {
      this.deps.logger.error({ err: error, userId: event.userId }, 'fold-in failed; the rating is stored and retraining will pick it up');
    }
  }
}
