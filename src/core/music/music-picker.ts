/**
 * Mood-matched songs beside the movies (/music): five Spotify tracks whose
 * place in the valence-arousal plane fits the user's mood, tuned by the
 * user's own song ratings and, once enough people rated, by what people with
 * a similar taste liked.
 *
 * Strategy, as for movies: "match" keeps every pick in the mood's region;
 * "lift" follows the iso principle of music therapy (meet the listener where
 * they are, then move): pick k of n targets the region a fraction k/(n−1) of
 * the way from the mood's region to joy's. The user's setting decides; with
 * none, sadness, fear and anger are lifted and every other mood is matched.
 *
 * State kept in memory (single process): the placed catalogue (loaded once),
 * the co-like index (rebuilt from the store every few minutes, updated on every
 * press) and each user's last few lists (to redraw buttons with the choice
 * marked and to vary consecutive answers). A user's own ratings are read from
 * the store on every request, so /forget takes effect at once.
 */
import { UserError } from '../errors.js';
import type { Clock, Logger, MoodStrategy } from '../ports.js';
import type { PreferenceStore } from '../stores.js';
import type { MoodLabel, MoodReading } from '../mood/mood-space.js';
import type { MusicPicker } from '../conversation/conversation.js';
import type { Button, Reply } from '../conversation/turn.js';
import { moodWord } from '../conversation/texts.js';
import type { MusicStore, TrackChoice, TrackRatingRecord, TrackRecord } from './ports.js';
import { lerpRegion, meanRegion, type MusicCalibration, type Region } from './mood-regions.js';
import { TrackIndex } from './track-index.js';
import { buildProfile, CoLikeIndex } from './taste-profile.js';
import { BaseScores, MUSIC_WEIGHTS, rankAlongPath, type MusicWeights } from './music-ranking.js';
import { decodeTrackAction, trackButtonRow } from './music-buttons.js';

export interface MusicPickerOptions {
  /** Songs per list (at most 5: one button row each, and Discord allows five rows). */
  readonly picks: number;
  readonly weights: MusicWeights;
  /** The collaborative signal stays off until this many users have liked a song. */
  readonly minCollaborativeUsers: number;
  /** How often the co-like index is rebuilt from the store (drops erased users). */
  readonly collaborativeRefreshMs: number;
  /** Songs of the user's last this-many lists are not proposed again right away. */
  readonly recentLists: number;
}

export const DEFAULT_MUSIC_OPTIONS = {
  picks: 5,
  weights: MUSIC_WEIGHTS,
  minCollaborativeUsers: 5,
  collaborativeRefreshMs: 10 * 60_000,
  recentLists: 2,
} as const satisfies MusicPickerOptions;

export interface MusicPickerDeps {
  readonly tracks: MusicStore;
  readonly preferences: PreferenceStore;
  /** models/music/regions.json, through src/infra/music/music-calibration.loader.ts. */
  readonly calibration: MusicCalibration;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly options?: Partial<MusicPickerOptions>;
}

export interface MusicPick {
  readonly track: TrackRecord;
  /** 1-based. */
  readonly rank: number;
  readonly target: Region;
  /** Where the song sits in the plane. */
  readonly valence: number;
  readonly arousal: number;
  /** Squared Mahalanobis distance to its target region's centre. */
  readonly distance2: number;
  readonly score: number;
}

export interface MusicList {
  /** The mood the list was made for (null: none known, the neutral region was used). */
  readonly mood: MoodLabel | null;
  readonly strategy: MoodStrategy;
  readonly picks: readonly MusicPick[];
  /** How many of the user's song ratings shaped the list. */
  readonly ratingsUsed: number;
  readonly collaborative: boolean;
}

/** The user's setting, or by default: lift the heavy moods, match the rest (as the movie picks do). */
export function resolveStrategy(setting: MoodStrategy | null, mood: MoodLabel): MoodStrategy {
  return setting ?? (mood === 'sadness' || mood === 'fear' || mood === 'anger' ? 'lift' : 'match');
}

/** One target region per pick: all the mood's region, or a path from it to joy's (lift). */
export function targetPath(regions: MusicCalibration['regions'], mood: MoodLabel, strategy: MoodStrategy, n: number): Region[] {
  const from = regions[mood];
  if (strategy === 'match' || mood === 'joy') return Array.from({ length: n }, () => from);
  return Array.from({ length: n }, (_, k) => lerpRegion(from, regions.joy, n === 1 ? 0.5 : k / (n - 1)));
}

export const spotifyUrl = (trackId: string): string => `https://open.spotify.com/track/${trackId}`;

const cut = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

interface ShownList {
  readonly tracks: readonly number[];
  readonly mood: MoodLabel | null;
  readonly marks: Map<number, TrackChoice>;
}

/** Each user's last few lists, bounded (oldest users forgotten first). */
class ShownLists {
  private readonly byUser = new Map<number, ShownList[]>();
  constructor(private readonly perUser: number, private readonly maxUsers = 10_000) {}

  add(userId: number, list: ShownList): void {
    const lists = [list, ...(this.byUser.get(userId) ?? [])].slice(0, Math.max(1, this.perUser));
    this.byUser.delete(userId);
    this.byUser.set(userId, lists);
    if (this.byUser.size > this.maxUsers) this.byUser.delete(this.byUser.keys().next().value!);
  }

  recent(userId: number, lists: number): number[] {
    return (this.byUser.get(userId) ?? []).slice(0, lists).flatMap((l) => l.tracks);
  }

  /** The newest list of the user that shows the song. */
  find(userId: number, track: number): ShownList | undefined {
    return this.byUser.get(userId)?.find((l) => l.tracks.includes(track));
  }
}

const SYSTEM_CLOCK: Clock = { now: () => new Date() };

export class MusicPickerService implements MusicPicker {
  private readonly options: MusicPickerOptions;
  private readonly clock: Clock;
  private indexPromise: Promise<TrackIndex> | null = null;
  private coLikes: { index: CoLikeIndex; builtAt: number } | null = null;
  private coLikesPromise: Promise<CoLikeIndex> | null = null;
  private readonly shown: ShownLists;

  constructor(private readonly d: MusicPickerDeps) {
    this.options = { ...DEFAULT_MUSIC_OPTIONS, ...d.options };
    if (this.options.picks < 1 || this.options.picks > 5) throw new Error('music picks must be between 1 and 5');
    this.clock = d.clock ?? SYSTEM_CLOCK;
    this.shown = new ShownLists(Math.max(this.options.recentLists, 3));
  }

  /** Loads and places the catalogue now (otherwise the first /music does it). Resolves to the track count. */
  async warmup(): Promise<number> {
    return (await this.index()).size;
  }

  /** The list behind /music, as data (the evaluation and tests read it; `picks` formats it). */
  async recommend(userId: number, mood: MoodReading | null): Promise<MusicList> {
    const index = await this.index();
    const [ratings, prefs] = await Promise.all([this.d.tracks.ratingsOf(userId), this.d.preferences.get(userId)]);
    const label = mood?.label ?? 'neutral';
    const strategy = resolveStrategy(prefs.strategy, label);
    const profile = buildProfile(ratings, index);
    const coLikes = await this.coLikeIndex(index);
    const collaborative = coLikes.scores(userId, profile.liked);
    const base = new BaseScores(index, profile.ratings > 0 ? profile : null, collaborative.size ? collaborative : null, this.options.weights);
    const exclude = new Set([...profile.rated, ...this.shown.recent(userId, this.options.recentLists)]);
    const path = targetPath(this.d.calibration.regions, label, strategy, this.options.picks);
    const ranked = rankAlongPath(index, path, base, exclude, this.options.weights);
    this.shown.add(userId, { tracks: ranked.map((r) => r.index), mood: mood?.label ?? null, marks: new Map() });
    return {
      mood: mood?.label ?? null,
      strategy,
      ratingsUsed: profile.ratings,
      collaborative: collaborative.size > 0,
      picks: ranked.map((r, k) => ({
        track: index.tracks[r.index]!,
        rank: k + 1,
        target: r.target,
        valence: index.valence[r.index]!,
        arousal: index.arousal[r.index]!,
        distance2: r.distance2,
        score: r.score,
      })),
    };
  }

  async picks(userId: number, mood: MoodReading | null): Promise<Reply> {
    const list = await this.recommend(userId, mood);
    if (list.picks.length === 0) {
      return { kind: 'text', text: 'You have rated every song I could propose for this mood. Impressive! Try another mood with /music <how you feel>.' };
    }
    const word = list.mood ? moodWord(list.mood) : null;
    const header = !word
      ? "🎧 I don't know your mood yet (tell me with /music <how you feel>), so here are calm songs:"
      : list.strategy === 'lift' && list.mood !== 'joy'
        ? `🎧 Songs that meet your ${word} mood, then lift it step by step:`
        : `🎧 Songs for your ${word} mood:`;
    const lines = list.picks.map((p) => `${p.rank}. ${cut(p.track.name, 80)} — ${cut(p.track.artist, 60)} · ${p.track.genre} · ${spotifyUrl(p.track.id)}`);
    const tuned = list.ratingsUsed > 0
      ? ` Tuned to your ${list.ratingsUsed} song rating${list.ratingsUsed === 1 ? '' : 's'}${list.collaborative ? ' and to listeners with a similar taste' : ''}.`
      : '';
    const footer = `Rate them below (👎 not for me, 2★–5★): I learn from every press.${tuned}`;
    return {
      kind: 'text',
      text: [header, ...lines, footer].join('\n'),
      buttons: list.picks.map((p) => trackButtonRow(p.rank, p.track.id, list.mood)),
    };
  }

  async rate(userId: number, action: string): Promise<Reply | null> {
    const decoded = decodeTrackAction(action);
    if (!decoded) return null;
    const index = await this.index();
    const i = index.indexOf(decoded.trackId);
    if (i === undefined) throw new UserError('stale_button', 'That song is not in my music catalogue any more. Send /music for fresh songs.');
    const track = index.tracks[i]!;
    const rating: TrackRatingRecord = {
      userId,
      trackId: track.id,
      value: decoded.choice === 'no' ? null : decoded.choice,
      kind: decoded.choice === 'no' ? 'not_for_me' : 'stars',
      moodLabel: decoded.mood,
      at: this.clock.now(),
    };
    await this.d.tracks.upsertRating(rating);
    this.coLikes?.index.record(rating, index);
    const name = `"${cut(track.name, 60)}"`;
    const toast =
      decoded.choice === 'no' ? `Got it: not for you. I will steer away from songs like ${name}.`
      : decoded.choice >= 4 ? `Saved ${decoded.choice}★ for ${name}. More like this next time.`
      : `Saved ${decoded.choice}★ for ${name}.`;
    const list = this.shown.find(userId, i);
    if (!list) return { kind: 'ack', toast }; // after a restart: the rating is stored, the keyboard stays as it was
    list.marks.set(i, decoded.choice);
    const buttons: Button[][] = list.tracks.map((t, k) => trackButtonRow(k + 1, index.tracks[t]!.id, list.mood, list.marks.get(t)));
    return { kind: 'ack', toast, buttons };
  }

  /**
   * A few songs for a watch party while people join: the group's mood is the
   * mean of the members' mood regions (members with no known mood count as
   * neutral), matched, not lifted, and not personalised. A short text list.
   */
  async warmupPlaylist(moods: readonly (MoodReading | null)[], n: number): Promise<string> {
    const index = await this.index();
    const labels = moods.map((m) => m?.label ?? 'neutral');
    if (labels.length === 0) labels.push('neutral');
    const region = meanRegion(labels.map((l) => this.d.calibration.regions[l]));
    const count = Math.max(1, Math.min(10, Math.floor(n)));
    const ranked = rankAlongPath(index, Array.from({ length: count }, () => region), new BaseScores(index, null, null, this.options.weights), new Set(), this.options.weights);
    const tally = new Map<MoodLabel, number>();
    for (const l of labels) tally.set(l, (tally.get(l) ?? 0) + 1);
    const mix = [...tally].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([l, c]) => `${c} ${moodWord(l).split(' ')[0]}`).join(', ');
    const lines = ranked.map((r) => {
      const t = index.tracks[r.index]!;
      return `• ${cut(t.name, 80)} — ${cut(t.artist, 60)} · ${spotifyUrl(t.id)}`;
    });
    return [`🎶 Warm-up songs for the group's mood (${mix}):`, ...lines].join('\n');
  }

  private index(): Promise<TrackIndex> {
    if (!this.indexPromise) {
      const started = Date.now();
      this.indexPromise = this.d.tracks.allTracks().then((tracks) => {
        if (tracks.length === 0) {
          this.indexPromise = null; // an import may come later: look again next time
          throw new UserError('unavailable', 'Music picks are not ready: the song catalogue is empty. An admin loads it with the setup (it needs music/spotify_songs.csv.gz).');
        }
        const index = TrackIndex.build(tracks, this.d.calibration.plane);
        this.d.logger?.info({ tracks: index.size, ms: Date.now() - started }, 'music catalogue placed');
        return index;
      });
      this.indexPromise.catch(() => {
        this.indexPromise = null;
      });
    }
    return this.indexPromise;
  }

  private async coLikeIndex(index: TrackIndex): Promise<CoLikeIndex> {
    const now = this.clock.now().getTime();
    if (this.coLikes && now - this.coLikes.builtAt < this.options.collaborativeRefreshMs) return this.coLikes.index;
    if (!this.coLikesPromise) {
      this.coLikesPromise = this.d.tracks
        .allRatings()
        .then((ratings) => {
          const built = CoLikeIndex.from(ratings, index, this.options.minCollaborativeUsers);
          this.coLikes = { index: built, builtAt: now };
          return built;
        })
        .finally(() => {
          this.coLikesPromise = null;
        });
    }
    return this.coLikesPromise;
  }
}
