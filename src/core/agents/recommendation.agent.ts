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

  /** Movies never to propose again: rated, seen or "not for me". */
  async excluded(userId: number): Promise<Set<number>> {
    const rated = await this.deps.stores.ratings.forUser(userId);
    return new Set(rated.map((r) => r.movieId));
  }

  async picks(ctx: PickContext, mood: MoodReading | null, header: string, footer?: string): Promise<Reply> {
    const { stores, recommender, catalog } = this.deps;
    const [preferences, exclude] = await Promise.all([stores.preferences.get(ctx.userId), this.excluded(ctx.userId)]);
    // Vary consecutive answers: skip what the last answer showed.
    for (const id of await stores.recommendations.recentMovieIds(ctx.userId, this.deps.picks)) exclude.add(id);
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
