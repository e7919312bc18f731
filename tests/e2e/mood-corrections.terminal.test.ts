/**
 * Mood corrections, the opt-in donated sentences and /moodlog through the
 * terminal chat on the real app (real text model, real catalogue, SQLite), and
 * the database afterwards: what is stored, and what /forget leaves (nothing).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TerminalChat } from '../../src/bots/terminal/terminal.adapter.js';
import { encodeAction } from '../../src/core/conversation/actions.js';
import type { Turn } from '../../src/core/conversation/turn.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

/** A sentence the model reads as sadness or fear although the writer is fine. */
const MISREAD = 'I am so nervous about my wedding tomorrow, I could cry';

class Session {
  private out = '';
  readonly chat: TerminalChat;
  constructor(t: TestApp, readonly user: string, fileDir: string) {
    const output = new PassThrough();
    output.on('data', (chunk: Buffer) => (this.out += chunk.toString('utf8')));
    this.chat = new TerminalChat({ handler: t.app.handler, input: new PassThrough(), output, userId: user, fileDir });
  }
  async say(line: string): Promise<string> {
    const before = this.out.length;
    await this.chat.line(line);
    return this.out.slice(before);
  }
}

const titlesIn = (text: string) => [...text.matchAll(/^\s+\d+\. (.+?)(?: \(\d{4}\))? ·/gm)].map((m) => m[1]);

describe('mood corrections in the terminal, end to end', () => {
  let t: TestApp;
  let files: string;
  const db = () => t.app.database.db;
  const userId = async (name: string) => (await db().identity.findUniqueOrThrow({ where: { platform_externalId: { platform: 'terminal', externalId: name } } })).userId;
  const turn = (user: string, action: string): Turn => ({ platform: 'terminal', user: { id: user }, chat: { id: 'terminal', kind: 'private' }, action, receivedAt: new Date() });

  beforeAll(async () => {
    t = await startTestApp();
    files = mkdtempSync(path.join(os.tmpdir(), 'moodreel-files-'));
  }, 180_000);
  afterAll(async () => {
    await t?.dispose();
    rmSync(files, { recursive: true, force: true });
  });

  it('given a misread sentence, shows the correction keys; /press joy re-picks for joy and stores the correction, not the sentence', async () => {
    const s = new Session(t, 'corrector', files);
    const first = await s.say(MISREAD);
    expect(first).toMatch(/Not quite\? I feel…/);
    for (const key of ['joy', 'love', 'sadness', 'anger', 'fear', 'surprise', 'neutral']) expect(first).toContain(`[${key}]`);
    const model = (await db().moodObservation.findFirstOrThrow({ where: { userId: await userId('corrector') } })).label;
    const after = await s.say('/press joy');
    expect(after).toMatch(/✔ Got it: you feel happy/);
    expect(after).toMatch(/Thanks for telling me: you feel happy 😊\. Here are picks for a happy mood:/);
    expect(titlesIn(after)).toHaveLength(5);
    expect(after).toMatch(/\[joy\] ✅ happy/);
    const id = await userId('corrector');
    const [obs] = await db().moodObservation.findMany({ where: { userId: id } });
    expect(obs).toMatchObject({ label: 'joy', source: 'user', confidence: 1, input: 'text' });
    expect(obs!.modelVersion).toMatch(/^text:/);
    const correction = await db().moodCorrection.findFirstOrThrow({ where: { userId: id } });
    expect(correction).toMatchObject({ modelLabel: model, chosenLabel: 'joy', inputKind: 'text' });
    expect(JSON.parse(correction.modelDistribution)[model]).toBeGreaterThan(0);
    const picks = await db().recommendation.findMany({ where: { userId: id } });
    expect(picks.every((p) => p.moodLabel === 'joy')).toBe(true);
    // Not opted in: the sentence is nowhere.
    expect(await db().donatedSentence.count()).toBe(0);
    expect(await s.say('/press joy')).toMatch(/Already noted/);
  });

  it('given a rating on the misread picks, a correction re-labels that rating with the chosen mood', async () => {
    const s = new Session(t, 'rater', files);
    await s.say(MISREAD);
    expect(await s.say('/rate 1 4')).toMatch(/Saved: 4★/);
    expect(await s.say('/press love')).toMatch(/you feel loving/);
    const ratings = await db().rating.findMany({ where: { userId: await userId('rater') } });
    expect(ratings.map((r) => [r.value, r.moodLabel])).toEqual([[4, 'love']]);
  });

  it('given a forged, foreign or forgotten reading, the press is refused like a stale rating press', async () => {
    await new Session(t, 'owner', files).say(MISREAD);
    const theirs = await db().moodObservation.findFirstOrThrow({ where: { userId: await userId('owner') } });
    const foreign = await t.app.handler.handle(turn('intruder', encodeAction({ type: 'correct_mood', observationId: theirs.id, mood: 'joy' })));
    expect(foreign).toEqual([expect.objectContaining({ kind: 'ack', alert: true, toast: expect.stringMatching(/belongs to someone else/) })]);
    const missing = await t.app.handler.handle(turn('owner', encodeAction({ type: 'correct_mood', observationId: 99_999_999, mood: 'joy' })));
    expect(missing).toEqual([expect.objectContaining({ kind: 'ack', alert: true, toast: expect.stringMatching(/no longer kept/) })]);
    for (const forged of [`k:${theirs.id}:7`, `k:${theirs.id}:x`, `k:-1:0`, `k:${theirs.id}:0:1`]) {
      const refused = await t.app.handler.handle(turn('owner', forged));
      expect(refused).toEqual([expect.objectContaining({ kind: 'ack', alert: true, toast: expect.stringMatching(/not valid/) })]);
    }
    expect(await db().moodCorrection.count({ where: { observationId: theirs.id } })).toBe(0);
    expect((await db().moodObservation.findUniqueOrThrow({ where: { id: theirs.id } })).source).toBe('text');
  });

  it('given the opt-in, a corrected sentence is kept normalised with the chosen label, exported, and erased by turning it off', async () => {
    const s = new Session(t, 'donor', files);
    expect(await s.say('/settings')).toMatch(/help MoodReel read moods better: off/);
    expect(await s.say('/press donateon')).toMatch(/help MoodReel read moods better: on/);
    await s.say('I am so nervous about my wedding tomorrow 😭');
    await s.say('/press joy');
    const id = await userId('donor');
    const donated = await db().donatedSentence.findMany({ where: { userId: id } });
    expect(donated.map((d) => [d.text, d.label])).toEqual([['i am so nervous about my wedding tomorrow sad crying', 'joy']]);
    expect(await s.say('/export')).toMatch(/"donatedSentence": \[\s*\{[\s\S]*sad crying/);
    expect(await s.say('/settings donate off')).toMatch(/erased the sentences/);
    expect(await db().donatedSentence.count({ where: { userId: id } })).toBe(0);
    // Off again: the next correction keeps no sentence.
    await s.say('I am so nervous about my exam');
    await s.say('/press joy');
    expect(await db().donatedSentence.count({ where: { userId: id } })).toBe(0);
    expect(await db().moodCorrection.count({ where: { userId: id } })).toBe(2);
  });

  it('given readings and a correction, /moodlog prints the path of a PNG at least 600 px wide; with none, explains', async () => {
    const empty = new Session(t, 'nobody', files);
    const none = await empty.say('/moodlog');
    expect(none).toMatch(/mood log is empty/);
    expect(readdirSync(files).length).toBe(0);
    const s = new Session(t, 'logger', files);
    await s.say('I feel wonderful today');
    await s.say(MISREAD);
    await s.say('/press surprise');
    const out = await s.say('/moodlog');
    const file = /Saved the picture to (.+\.png)/.exec(out)?.[1];
    expect(file).toBeDefined();
    const meta = await sharp(readFileSync(file!)).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBeGreaterThanOrEqual(600);
    expect(out).toMatch(/2 readings in the last 30 days/);
  });

  it('given /forget, no MoodCorrection, donated sentence or mood reading of the user remains, and others keep theirs', async () => {
    const s = new Session(t, 'leaver', files);
    await s.say('/settings donate on');
    await s.say(MISREAD);
    await s.say('/press joy');
    const id = await userId('leaver');
    expect(await db().donatedSentence.count({ where: { userId: id } })).toBe(1);
    const others = await db().moodCorrection.count({ where: { userId: { not: id } } });
    await s.say('/forget');
    expect(await s.say('/press yes')).toMatch(/moodCorrection: 1.*donatedSentence: 1/);
    expect(await db().moodCorrection.count({ where: { userId: id } })).toBe(0);
    expect(await db().donatedSentence.count({ where: { userId: id } })).toBe(0);
    expect(await db().moodObservation.count({ where: { userId: id } })).toBe(0);
    expect(await db().donatedSentence.count({ where: { text: { contains: 'wedding' } } })).toBe(0);
    expect(await db().moodCorrection.count()).toBe(others);
  });
});
