/**
 * Asks the recommender for picks, logs what was proposed (with the mood and
 * model version, so it can be evaluated later) and lays the picks out as cards
 * whose rating buttons point at the logged rows.
 */
import { randomUUID } from 'node:crypto';
import type { MoodReading } from '../mood/mood-space.js';
import type { Recommender } from '../ports.js';
import type { Stores } from '../stores.js';
import type { Platform, Reply } from '../conversation/turn.js';
import { pickCard } from '../conversation/cards.js';
import type { CatalogIndex } from './catalog-index.js';

export interface PickContext {
  readonly userId: number;
  readonly platform: Platform;
  readonly chatId: string;
}

export class RecommendationAgent {
  constructor(
    private readonly deps: { stores: Stores; recommender: Recommender; catalog: CatalogIndex; picks: number },
  ) {}

  /** `observationId`: the stored reading the picks are for (a correction re-labels them). */
  async picks(ctx: PickContext, mood: MoodReading | null, header: string, footer?: string, observationId?: number): Promise<Reply> {
    const { stores, recommender, catalog } = this.deps;
    // Rated, seen and "not for me" movies are excluded by the recommender, which keeps every
    // user's ratings in memory; here we only vary consecutive answers by skipping the last one's.
    const [preferences, recent] = await Promise.all([stores.preferences.get(ctx.userId), stores.recommendations.recentMovieIds(ctx.userId, this.deps.picks)]);
    const exclude = new Set(recent);
    const picks = await recommender.recommend({ userId: ctx.userId, mood, preferences, n: this.deps.picks, exclude });
    if (picks.length === 0) {
      return { kind: 'text', text: 'I have nothing left that fits your settings. Loosen them in /settings and ask again.' };
    }
    const batchId = randomUUID();
    const saved = await stores.recommendations.saveBatch(
      picks.map((p, k) => ({
        batchId,
        userId: ctx.userId,
        movieId: p.movieId,
        platform: ctx.platform,
        chatId: ctx.chatId,
        rank: k + 1,
        score: p.score,
        reason: p.reason,
        mood,
        moodObservationId: observationId ?? null,
        modelVersion: recommender.modelVersion,
      })),
    );
    const cards = saved.flatMap((r) => {
      const movie = catalog.get(r.movieId);
      return movie ? [pickCard(movie, r.rank, r.reason, { recommendationId: r.id })] : [];
    });
    return { kind: 'picks', header, cards, ...(footer ? { footer } : {}) };
  }
}
