import { describe, expect, it } from 'vitest';
import { decodeAction, encodeAction } from '../../../src/core/conversation/actions.js';
import { MoodCorrectionAgent, PendingSentences, correctionButtons } from '../../../src/core/agents/mood-correction.agent.js';
import type { FeedbackAgent } from '../../../src/core/agents/feedback.agent.js';
import { MOODS, toDistribution, type MoodReading } from '../../../src/core/mood/mood-space.js';
import type { MoodCorrectionRecord, Stores, StoredMood, UserRecord } from '../../../src/core/stores.js';

class Clock {
  t = Date.parse('2026-12-04T12:00:00Z');
  now = () => new Date(this.t);
}

const user = (id: number, opted = false): UserRecord => ({ id, photoConsentAt: null, onboardedAt: null, moodDonationAt: opted ? new Date(0) : null });
const sad: MoodReading = { label: 'sadness', distribution: toDistribution({ sadness: 0.8, fear: 0.2 }), confidence: 0.8, source: 'text' };

function fakeStores(clock: Clock) {
  const moods = new Map<number, StoredMood>();
  const corrections = new Map<number, MoodCorrectionRecord>();
  const applied: { record: MoodCorrectionRecord; donation: { text: string } | null }[] = [];
  const stores = {
    moods: { get: async (id: number) => moods.get(id) ?? null },
    corrections: {
      forObservation: async (id: number) => corrections.get(id) ?? null,
      async apply(record: MoodCorrectionRecord, corrected: MoodReading, donation: { text: string } | null) {
        corrections.set(record.observationId, record);
        const m = moods.get(record.observationId)!;
        moods.set(record.observationId, { ...m, reading: corrected });
        applied.push({ record, donation });
        return [];
      },
      donatedSentences: async () => [],
    },
  } as unknown as Stores;
  const add = (id: number, userId: number, input: 'text' | 'photo' = 'text') =>
    moods.set(id, { id, userId, reading: sad, input, modelVersion: 'text:t', at: clock.now() });
  return { stores, add, applied };
}

const feedback = { foldIn: async () => undefined } as unknown as FeedbackAgent;

describe('correction buttons and payloads', () => {
  it('round-trips every mood, and refuses anything else', () => {
    for (const mood of MOODS) expect(decodeAction(encodeAction({ type: 'correct_mood', observationId: 42, mood }))).toEqual({ type: 'correct_mood', observationId: 42, mood });
    for (const forged of ['k:42:7', 'k:42:-1', 'k:x:1', 'k:42', 'k:42:1:2', 'k::1', `k:${'9'.repeat(13)}:1`]) expect(decodeAction(forged)).toBeNull();
  });

  it('shows seven buttons in two rows, mood names as terminal keys, the chosen one marked', () => {
    const rows = correctionButtons(7, 'fear');
    expect(rows.map((r) => r.length)).toEqual([4, 3]);
    expect(rows.flat().map((b) => ('key' in b ? b.key : ''))).toEqual([...MOODS]);
    expect(rows.flat().map((b) => b.label)).toContain('✅ anxious');
    expect(rows.flat().every((b) => 'action' in b && Buffer.byteLength(b.action) <= 64)).toBe(true);
  });
});

describe('MoodCorrectionAgent', () => {
  it('given a reading older than the correction window, refuses the press as stale', async () => {
    const clock = new Clock();
    const { stores, add, applied } = fakeStores(clock);
    add(1, 10);
    clock.t += 25 * 3_600_000;
    const agent = new MoodCorrectionAgent({ stores, feedback, clock });
    await expect(agent.correct(user(10), 1, 'joy')).rejects.toMatchObject({ code: 'stale_button' });
    expect(applied).toEqual([]);
  });

  it('given a second press, keeps the model reading of the first and changes the choice', async () => {
    const clock = new Clock();
    const { stores, add, applied } = fakeStores(clock);
    add(1, 10);
    const agent = new MoodCorrectionAgent({ stores, feedback, clock });
    await agent.correct(user(10), 1, 'joy');
    const second = await agent.correct(user(10), 1, 'love');
    expect(second.changed).toBe(true);
    expect(applied.map((a) => [a.record.modelLabel, a.record.chosenLabel])).toEqual([['sadness', 'joy'], ['sadness', 'love']]);
    expect((await agent.correct(user(10), 1, 'love')).changed).toBe(false);
  });

  it('given an opted-in user, donates the remembered sentence of a text reading; never for photos or users not opted in', async () => {
    const clock = new Clock();
    const { stores, add, applied } = fakeStores(clock);
    const agent = new MoodCorrectionAgent({ stores, feedback, clock });
    add(1, 10);
    add(2, 10, 'photo');
    add(3, 11);
    agent.rememberSentence(user(10, true), 1, 'so nervous i could cry');
    agent.rememberSentence(user(10, true), 2, 'a caption');
    agent.rememberSentence(user(11), 3, 'not opted in');
    await agent.correct(user(10, true), 1, 'joy');
    await agent.correct(user(10, true), 2, 'joy');
    await agent.correct(user(11), 3, 'joy');
    expect(applied.map((a) => a.donation)).toEqual([{ text: 'so nervous i could cry' }, null, null]);
    expect(agent.pending.get(3, 11)).toBeNull();
  });
});

describe('PendingSentences', () => {
  it('forgets a sentence after its time, for another user, and on forgetUser', () => {
    const clock = new Clock();
    const pending = new PendingSentences(clock, 10, 1000);
    pending.keep(1, 10, 'a');
    pending.keep(2, 10, 'b');
    expect(pending.get(1, 11)).toBeNull();
    expect(pending.get(1, 10)).toBe('a');
    pending.forgetUser(10);
    expect(pending.get(2, 10)).toBeNull();
    pending.keep(3, 10, 'c');
    clock.t += 1001;
    expect(pending.get(3, 10)).toBeNull();
  });
});
