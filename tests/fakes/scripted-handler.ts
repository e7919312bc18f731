/**
 * A stand-in for the conversation core: records every Turn it gets and answers
 * from a script. Adapter tests set a script per test (including ones that throw
 * or hang, to exercise the adapter's boundary); the default "demo" script acts
 * like a tiny MoodReel (text or selfie -> picks with rating buttons, rating ->
 * ack) for benchmarks and smoke runs.
 */
import { isUserError } from '../../src/core/errors.js';
import type { Button, ConversationHandler, PickCard, Reply, Turn } from '../../src/core/conversation/turn.js';

export type Script = (turn: Turn, handler: ScriptedHandler) => Reply[] | Promise<Reply[]>;

export const RATE_PREFIX = 'rate:';

/** Rating row as the demo core lays it out: 1-5 stars, then seen / not for me. */
export const ratingButtons = (movieId: number): Button[][] => [
  [1, 2, 3, 4, 5].map((stars) => ({ label: `${stars}★`, action: `${RATE_PREFIX}${movieId}:${stars}` })),
  [
    { label: 'Seen it', action: `seen:${movieId}` },
    { label: 'Not for me', action: `nope:${movieId}` },
  ],
];

const MOVIES = [
  { title: 'Amélie', year: 2001, genres: ['Comedy', 'Romance'], runtime: 122 },
  { title: 'Paddington 2', year: 2017, genres: ['Adventure', 'Comedy', 'Family'], runtime: 103 },
  { title: 'The Grand Budapest Hotel', year: 2014, genres: ['Comedy', 'Drama'], runtime: 99 },
  { title: 'Spirited Away', year: 2001, genres: ['Animation', 'Fantasy'], runtime: 125 },
  { title: 'Mad Max: Fury Road', year: 2015, genres: ['Action', 'Adventure'], runtime: 120 },
  { title: 'Little Miss Sunshine', year: 2006, genres: ['Comedy', 'Drama'], runtime: 101 },
] as const;

/** Deterministic cards; every third one has no poster, to exercise the text fallback. */
export const demoCards = (seed: number, count = 3, reason = 'because you feel upbeat'): PickCard[] =>
  Array.from({ length: count }, (_, i) => {
    const movie = MOVIES[(seed + i) % MOVIES.length]!;
    const movieId = 1000 + ((seed + i) % MOVIES.length);
    return {
      movieId,
      rank: i + 1,
      title: movie.title,
      year: movie.year,
      genres: [...movie.genres],
      runtime: movie.runtime,
      posterUrl: (seed + i) % 3 === 2 ? null : `https://image.tmdb.org/t/p/w500/poster${movieId}.jpg`,
      links: [{ label: 'IMDb', url: `https://www.imdb.com/title/tt${String(movieId).padStart(7, '0')}/` }],
      reason,
      buttons: ratingButtons(movieId),
    };
  });

export class ScriptedHandler implements ConversationHandler {
  readonly turns: Turn[] = [];
  /** Ratings the demo script "stored" (for the benchmark's sent-vs-stored check). */
  ratingsStored = 0;
  /** Bytes the demo script loaded from images, in order. */
  readonly imagesLoaded: Uint8Array[] = [];
  private script: Script;
  private readonly waiters: (() => void)[] = [];

  constructor(script?: Script) {
    this.script = script ?? demoScript;
  }

  /** Replaces the script (per test). */
  setScript(script: Script): void {
    this.script = script;
  }

  /**
   * Deliberately does NOT catch: a script that throws reaches the adapter as a
   * broken core would, which is what the boundary tests need.
   */
  async handle(turn: Turn): Promise<Reply[]> {
    this.turns.push(turn);
    this.waiters.splice(0).forEach((wake) => wake());
    return this.script(turn, this);
  }

  lastTurn(): Turn {
    const turn = this.turns.at(-1);
    if (!turn) throw new Error('scripted handler: no turn yet');
    return turn;
  }

  /** Resolves once at least `count` turns arrived. */
  async waitForTurns(count: number, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.turns.length < count) {
      if (Date.now() > deadline) throw new Error(`scripted handler: ${this.turns.length}/${count} turns after ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }
}

const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
let pickSeed = 0;

/** A tiny MoodReel: enough behaviour for smoke runs and the bots benchmark. */
export const demoScript: Script = async (turn, handler) => {
  if (turn.action !== undefined) {
    if (turn.action.startsWith(RATE_PREFIX)) {
      const stars = Number(turn.action.split(':')[2]);
      handler.ratingsStored++;
      const movieId = Number(turn.action.split(':')[1]);
      // As the real core does: the card's rating rows with the choice marked, and a note for the card.
      const buttons = ratingButtons(movieId).map((row) => row.map((b) => ('action' in b && b.action === turn.action ? { ...b, label: `✅ ${b.label}` } : b)));
      return [{ kind: 'ack', toast: `Rated ${'★'.repeat(stars)} - thanks!`, buttons, mark: `★${stars} saved` }];
    }
    return [{ kind: 'ack', toast: 'Noted.' }];
  }
  if (turn.unsupportedMedia) {
    return [{ kind: 'error', code: 'unsupported_media', text: `I can't use a ${turn.unsupportedMedia}: send me text or a selfie.` }];
  }
  if (turn.image) {
    try {
      const bytes = await turn.image.load(MAX_IMAGE_BYTES);
      handler.imagesLoaded.push(bytes);
    } catch (error) {
      if (isUserError(error)) return [{ kind: 'error', code: error.code, text: error.message }];
      throw error;
    }
    return [picks('You look cheerful - here is what fits:', 'matches your smile')];
  }
  const text = turn.text ?? '';
  if (text === '/start' || text === '/help') {
    return [{ kind: 'text', text: 'Hi! Tell me how you feel, or send a selfie.', buttons: [[{ label: 'Privacy', action: 'privacy' }]] }];
  }
  if (text.trim() === '') return [{ kind: 'error', code: 'empty_text', text: 'Tell me how you feel in a few words.' }];
  return [picks('Three picks for your mood:', 'because you feel upbeat')];
};

const picks = (header: string, reason: string): Reply => ({
  kind: 'picks',
  header,
  cards: demoCards(pickSeed++, 3, reason),
  footer: 'Rate what you have seen - it sharpens the next picks.',
});
