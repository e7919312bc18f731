import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.js';
import { toDistribution, type MoodLabel, type MoodReading } from '../../../src/core/mood/mood-space.js';
import { DEFAULT_PREFERENCES, type MoodStrategy } from '../../../src/core/ports.js';
import type { PreferenceStore } from '../../../src/core/stores.js';
import type { Button, Reply } from '../../../src/core/conversation/turn.js';
import { InMemoryMusicStore } from '../../../src/core/music/in-memory-music.store.js';
import { MusicPickerService, resolveStrategy, type MusicPickerOptions } from '../../../src/core/music/music-picker.js';
import { encodeTrackAction } from '../../../src/core/music/music-buttons.js';
import type { TrackChoice, TrackRecord } from '../../../src/core/music/ports.js';
import { catalogue, testCalibration, trackId } from './music-fixtures.js';

const calibration = testCalibration();
const reading = (label: MoodLabel): MoodReading => ({ label, distribution: toDistribution({ [label]: 1 }), confidence: 0.9, source: 'text' });

function setup(options: { tracks?: TrackRecord[]; strategy?: MoodStrategy | null; picker?: Partial<MusicPickerOptions> } = {}) {
  const store = new InMemoryMusicStore(options.tracks ?? catalogue(900));
  const preferences: PreferenceStore = { get: async () => ({ ...DEFAULT_PREFERENCES, strategy: options.strategy ?? null }), set: async () => {} };
  const picker = new MusicPickerService({ tracks: store, preferences, calibration, clock: { now: () => new Date('2024-05-01T10:00:00Z') }, options: options.picker });
  return { store, picker };
}

const rate = (picker: MusicPickerService, userId: number, id: string, choice: TrackChoice, mood: MoodLabel | null = 'sadness') =>
  picker.rate(userId, encodeTrackAction({ trackId: id, choice, mood }));

const actionButtons = (reply: Reply | null): Extract<Button, { action: string }>[][] =>
  reply && (reply.kind === 'text' || reply.kind === 'ack') && reply.buttons
    ? reply.buttons.map((row) => row.filter((b): b is Extract<Button, { action: string }> => 'action' in b))
    : [];

describe('music picker', () => {
  it('given a sad user who wants to match, keeps every pick in the sad region', async () => {
    const { picker } = setup({ strategy: 'match' });
    const list = await picker.recommend(1, reading('sadness'));
    expect(list.strategy).toBe('match');
    expect(list.picks).toHaveLength(5);
    for (const p of list.picks) {
      expect(p.target).toEqual(calibration.regions.sadness);
      expect(p.distance2).toBeLessThan(1);
    }
  });

  it('given a sad user who wants a lift, starts in the sad region and climbs toward joy', async () => {
    const { picker: matcher } = setup({ strategy: 'match' });
    const { picker: lifter } = setup({ strategy: 'lift' });
    const match = await matcher.recommend(1, reading('sadness'));
    const lift = await lifter.recommend(1, reading('sadness'));
    expect(lift.strategy).toBe('lift');
    expect(lift.picks[0]!.target).toEqual(calibration.regions.sadness);
    expect(lift.picks[4]!.target).toEqual(calibration.regions.joy);
    const targets = lift.picks.map((p) => p.target.centre.valence);
    expect([...targets].sort((a, b) => a - b)).toEqual(targets);
    expect(lift.picks[4]!.valence - lift.picks[0]!.valence).toBeGreaterThan(0.5);
    const meanValence = (ps: readonly { valence: number }[]) => ps.reduce((s, p) => s + p.valence, 0) / ps.length;
    expect(meanValence(lift.picks)).toBeGreaterThan(meanValence(match.picks) + 0.3);
  });

  it('given no strategy setting, lifts sadness, fear and anger and matches the other moods', async () => {
    expect(resolveStrategy(null, 'sadness')).toBe('lift');
    expect(resolveStrategy(null, 'anger')).toBe('lift');
    expect(resolveStrategy(null, 'love')).toBe('match');
    expect(resolveStrategy('match', 'fear')).toBe('match');
    const { picker } = setup();
    expect((await picker.recommend(1, reading('fear'))).strategy).toBe('lift');
    expect((await picker.recommend(2, reading('surprise'))).strategy).toBe('match');
  });

  it('proposes five songs by five different artists, deterministic for the same state', async () => {
    const a = await setup().picker.recommend(1, reading('joy'));
    const b = await setup().picker.recommend(1, reading('joy'));
    expect(new Set(a.picks.map((p) => p.track.artist)).size).toBe(5);
    expect(b.picks.map((p) => p.track.id)).toEqual(a.picks.map((p) => p.track.id));
  });

  it('given songs the user rated, never proposes them again', async () => {
    const { picker } = setup({ picker: { recentLists: 0 } });
    const first = await picker.recommend(1, reading('love'));
    for (const p of first.picks) await rate(picker, 1, p.track.id, 3, 'love');
    const again = await picker.recommend(1, reading('love'));
    const rated = new Set(first.picks.map((p) => p.track.id));
    expect(again.picks.some((p) => rated.has(p.track.id))).toBe(false);
    expect(again.ratingsUsed).toBe(5);
  });

  it('given consecutive requests without ratings, varies the songs', async () => {
    const { picker } = setup();
    const a = await picker.recommend(1, reading('neutral'));
    const b = await picker.recommend(1, reading('neutral'));
    expect(b.picks.filter((p) => a.picks.some((q) => q.track.id === p.track.id))).toHaveLength(0);
  });

  it('given 5★ for rock songs and 👎 for the rest, shifts the next picks toward rock', async () => {
    const tracks = catalogue(900);
    const { picker } = setup({ tracks, strategy: 'match', picker: { recentLists: 0 } });
    const before = await setup({ tracks, strategy: 'match' }).picker.recommend(1, reading('joy'));
    // Rate a spread of songs across the catalogue, as a user would over time.
    for (let k = 0; k < 60; k += 2) await rate(picker, 1, tracks[k]!.id, tracks[k]!.genre === 'rock' ? 5 : 'no', 'joy');
    const after = await picker.recommend(1, reading('joy'));
    const rock = (ps: readonly { track: TrackRecord }[]) => ps.filter((p) => p.track.genre === 'rock').length;
    expect(rock(after.picks)).toBeGreaterThan(rock(before.picks));
    expect(rock(after.picks)).toBeGreaterThanOrEqual(3);
  });

  it('given enough listeners who liked song A and song B, proposes B to a new fan of A', async () => {
    const tracks = catalogue(900);
    // A and B: songs that fit joy, but not well enough for a first list (the second list of a fresh user).
    const { picker: probe } = setup({ tracks, strategy: 'match' });
    await probe.recommend(99, reading('joy'));
    const second = (await probe.recommend(99, reading('joy'))).picks;
    const [a, b] = [second[0]!.track, second[4]!.track];
    const listFor20 = async (minCollaborativeUsers: number) => {
      const { picker } = setup({ tracks, strategy: 'match', picker: { minCollaborativeUsers } });
      for (const user of [11, 12, 13, 14]) {
        await rate(picker, user, a.id, 5, 'joy');
        await rate(picker, user, b.id, 5, 'joy');
      }
      await rate(picker, 20, a.id, 5, 'joy');
      return picker.recommend(20, reading('joy'));
    };
    const withCf = await listFor20(3);
    expect(withCf.collaborative).toBe(true);
    expect(withCf.picks.map((p) => p.track.id)).toContain(b.id);
    const withoutCf = await listFor20(100);
    expect(withoutCf.collaborative).toBe(false);
    expect(withoutCf.picks.map((p) => p.track.id)).not.toContain(b.id);
  });

  it('formats the list as text with Spotify links and one row of five rating buttons per song', async () => {
    const { picker } = setup();
    const reply = await picker.picks(1, reading('sadness'));
    expect(reply.kind).toBe('text');
    if (reply.kind !== 'text') return;
    expect(reply.text).toMatch(/lift it step by step/);
    expect(reply.text.match(/https:\/\/open\.spotify\.com\/track\/[0-9A-Za-z]{22}/g)).toHaveLength(5);
    const rows = actionButtons(reply);
    expect(rows).toHaveLength(5);
    for (const row of rows) {
      expect(row).toHaveLength(5);
      for (const b of row) expect(Buffer.byteLength(b.action)).toBeLessThanOrEqual(64);
    }
    expect(rows[1]!.map((b) => b.key)).toEqual(['t2-n', 't2-2', 't2-3', 't2-4', 't2-5']);
  });

  it('given no known mood, proposes calm songs and says how to tell the mood', async () => {
    const reply = await setup().picker.picks(1, null);
    expect(reply.kind === 'text' && reply.text).toMatch(/don't know your mood/);
  });

  it('given a press on a rating button, stores it with the mood and redraws the buttons with the choice marked', async () => {
    const { picker, store } = setup();
    const reply = await picker.picks(7, reading('anger'));
    const pressed = actionButtons(reply)[2]![3]!; // third song, 4★
    const ack = await picker.rate(7, pressed.action);
    expect(ack).toMatchObject({ kind: 'ack', toast: expect.stringMatching(/Saved 4★/) });
    const rows = actionButtons(ack);
    expect(rows).toHaveLength(5);
    expect(rows[2]![3]!.label).toBe('✅ 4★');
    expect(rows.flat().filter((b) => b.label.startsWith('✅'))).toHaveLength(1);
    const stored = await store.ratingsOf(7);
    expect(stored).toEqual([expect.objectContaining({ value: 4, kind: 'stars', moodLabel: 'anger', at: new Date('2024-05-01T10:00:00Z') })]);
    // Pressing 👎 on the same song replaces the rating.
    await picker.rate(7, actionButtons(ack)[2]![0]!.action);
    expect(await store.ratingsOf(7)).toEqual([expect.objectContaining({ value: null, kind: 'not_for_me' })]);
  });

  it('given a press after a restart (list no longer in memory), stores it and answers with a toast only', async () => {
    const tracks = catalogue(200);
    const { picker: first } = setup({ tracks });
    const action = actionButtons(await first.picks(1, reading('joy')))[0]![4]!.action;
    const { picker: restarted, store } = setup({ tracks });
    const ack = await restarted.rate(1, action);
    expect(ack).toEqual({ kind: 'ack', toast: expect.stringMatching(/5★/) });
    expect(await store.ratingsOf(1)).toHaveLength(1);
  });

  it('given a foreign or forged payload, returns null so the movie side can refuse it', async () => {
    const { picker } = setup();
    for (const raw of ['r:1:5', 'pv:abcdef:3', 't:nope:5:s', `t:${trackId(1)}:9:s`]) expect(await picker.rate(1, raw)).toBeNull();
  });

  it('given a well-formed payload for a song not in the catalogue, answers stale_button', async () => {
    const { picker } = setup();
    const error = await rate(picker, 1, 'ZZZZZZZZZZZZZZZZZZZZZZ', 5).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe('stale_button');
  });

  it('given an empty catalogue, explains that music is not set up', async () => {
    const error = await setup({ tracks: [] }).picker.picks(1, reading('joy')).catch((e: unknown) => e);
    expect((error as UserError).code).toBe('unavailable');
  });

  it('given a watch party, lists warm-up songs for the group mood', async () => {
    const text = await setup().picker.warmupPlaylist([reading('sadness'), reading('joy'), null], 4);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/1 happy, 1 calm, 1 low/);
    expect(lines.slice(1)).toHaveLength(4);
    for (const l of lines.slice(1)) expect(l).toMatch(/^• .+ — .+ · https:\/\/open\.spotify\.com\/track\//);
  });
});
