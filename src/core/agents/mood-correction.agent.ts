/**
 * "Not quite? I feel…": one press replaces a mood reading with the mood the
 * user chose. The press is checked like a rating press (the reading must exist
 * and belong to the presser), the correction is stored with what the model
 * read, the stored mood of the turn (its observation, the picks made for it and
 * the ratings given on them) becomes the chosen one, and the recommender folds
 * those ratings in again so its mood strategy learns from what the user said.
 *
 * Donated sentences: only for users who opted in ("help MoodReel read moods
 * better") when they wrote the sentence. Their normalised text waits in memory
 * (bounded, expiring) until a correction press, and is stored only then. For
 * everyone else the text is never kept, not even in memory past the turn.
 */
import { UserError } from '../errors.js';
import { MOODS, oneHot, type MoodLabel, type MoodReading } from '../mood/mood-space.js';
import type { Clock } from '../ports.js';
import type { MoodCorrectionRecord, Stores, UserRecord } from '../stores.js';
import type { Button } from '../conversation/turn.js';
import { encodeAction } from '../conversation/actions.js';
import { moodWord } from '../conversation/texts.js';
import type { FeedbackAgent } from './feedback.agent.js';

/** How long a reading can be corrected (and an opted-in sentence waits in memory). */
export const CORRECTION_WINDOW_MS = 24 * 3_600_000;

/** The control's line, shown above the mood buttons. */
export const CORRECTION_PROMPT = 'Not quite? I feel…';

/** The seven mood buttons, the chosen one marked. Keys are the mood names (`/press sadness` in the terminal). */
export function correctionButtons(observationId: number, chosen?: MoodLabel): Button[][] {
  const button = (mood: MoodLabel): Button => ({
    label: `${mood === chosen ? '✅' : moodWord(mood).split(' ')[1]} ${moodWord(mood).split(' ')[0]}`,
    key: mood,
    action: encodeAction({ type: 'correct_mood', observationId, mood }),
  });
  return [MOODS.slice(0, 4).map(button), MOODS.slice(4).map(button)];
}

/** Normalised sentences of opted-in users, by observation id, until corrected or expired. */
export class PendingSentences {
  private readonly byObservation = new Map<number, { text: string; userId: number; expires: number }>();
  constructor(private readonly clock: Clock, private readonly capacity = 5_000, private readonly ttlMs = CORRECTION_WINDOW_MS) {}

  keep(observationId: number, userId: number, text: string): void {
    this.byObservation.set(observationId, { text, userId, expires: this.clock.now().getTime() + this.ttlMs });
    if (this.byObservation.size > this.capacity) this.byObservation.delete(this.byObservation.keys().next().value as number);
  }

  get(observationId: number, userId: number): string | null {
    const hit = this.byObservation.get(observationId);
    if (!hit || hit.userId !== userId) return null;
    if (hit.expires < this.clock.now().getTime()) {
      this.byObservation.delete(observationId);
      return null;
    }
    return hit.text;
  }

  /** Drops a user's sentences (opt-out, /forget). */
  forgetUser(userId: number): void {
    for (const [id, hit] of this.byObservation) if (hit.userId === userId) this.byObservation.delete(id);
  }
}

export interface CorrectionOutcome {
  readonly corrected: MoodReading;
  /** False when the press repeated the choice already stored (nothing changed). */
  readonly changed: boolean;
}

export class MoodCorrectionAgent {
  readonly pending: PendingSentences;

  constructor(private readonly deps: { stores: Stores; feedback: FeedbackAgent; clock: Clock }) {
    this.pending = new PendingSentences(deps.clock);
  }

  /** Remembers an opted-in user's sentence for a later correction; does nothing for anyone else. */
  rememberSentence(user: UserRecord, observationId: number, normalised: string): void {
    if (user.moodDonationAt && normalised) this.pending.keep(observationId, user.id, normalised);
  }

  /** Applies a press. Throws UserError('stale_button' | 'forbidden') like a stale or foreign rating press. */
  async correct(user: UserRecord, observationId: number, mood: MoodLabel): Promise<CorrectionOutcome> {
    const { stores, clock } = this.deps;
    const observation = await stores.moods.get(observationId);
    if (!observation) throw new UserError('stale_button', 'That mood reading is no longer kept. Tell me how you feel again.');
    if (observation.userId !== user.id) throw new UserError('forbidden', 'That mood reading belongs to someone else. Tell me how you feel to get your own.');
    if (clock.now().getTime() - observation.at.getTime() > CORRECTION_WINDOW_MS) {
      throw new UserError('stale_button', 'That mood reading is too old to correct. Tell me how you feel now.');
    }
    const corrected: MoodReading = { label: mood, distribution: oneHot(mood), confidence: 1, source: 'user' };
    const previous = await stores.corrections.forObservation(observationId);
    if (previous?.chosenLabel === mood) return { corrected, changed: false };
    if (!previous && observation.reading.source === 'user') throw new UserError('stale_button', 'That mood reading was already changed. Tell me how you feel again.');
    const record: MoodCorrectionRecord = previous
      ? { ...previous, chosenLabel: mood, at: clock.now() }
      : {
          userId: user.id,
          observationId,
          modelLabel: observation.reading.label,
          modelDistribution: observation.reading.distribution,
          chosenLabel: mood,
          inputKind: observation.input,
          modelVersion: observation.modelVersion ?? 'unknown',
          at: clock.now(),
        };
    // Photos are never kept; a text only when its writer opted in before writing it and still is.
    const sentence = observation.input === 'text' && user.moodDonationAt ? this.pending.get(observationId, user.id) : null;
    const relabelled = await stores.corrections.apply(record, corrected, sentence ? { text: sentence } : null);
    for (const r of relabelled) {
      if (r.kind === 'seen') continue;
      await this.deps.feedback.foldIn({ userId: r.userId, movieId: r.movieId, value: r.value, kind: r.kind, source: r.source, at: r.at }, corrected);
    }
    return { corrected, changed: true };
  }
}
