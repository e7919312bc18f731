import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestRows } from '../../scripts/lib/text-requests.js';
import { inDev, MOOD_NAMES, readDailyDialog, readGoEmotions, readSemicolonFile, readSource, TEXT_LABELS } from '../../scripts/lib/text-sources.js';

const id = (label: string): number => TEXT_LABELS.indexOf(label as (typeof TEXT_LABELS)[number]);
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'moodreel-text-sources-'));
  const te = path.join(dir, 'text-emotion');
  for (const sub of ['dair-ai', 'goemotions', 'meld', 'crowdflower', 'isear', 'dailydialog/validation']) mkdirSync(path.join(te, sub), { recursive: true });
  writeFileSync(path.join(te, 'dair-ai', 'train.txt'), 'i feel so alone tonight;sadness\ni am thrilled;joy\n');
  writeFileSync(path.join(te, 'dair-ai', 'val.txt'), 'i feel brave;fear\n');
  writeFileSync(path.join(te, 'goemotions', 'emotions.txt'), 'admiration\namusement\nanger\nlove\nneutral\n');
  // Quotes inside the text: the format has no CSV quoting.
  writeFileSync(path.join(te, 'goemotions', 'dev.tsv'), 'He said "wow" and left\t4\tabc\nThis is "great" lol\t1,3\tdef\n');
  writeFileSync(path.join(te, 'isear', 'isear.csv'), `${'H|'.repeat(42)}\n${Array.from({ length: 36 }, () => '1').join('|')}|shame|4|3|k1|x|1|\n${Array.from({ length: 36 }, () => '1').join('|')}|disgust|4|3|k2|When I saw | the mess á there.|1|\n`);
  mkdirSync(path.join(dir, 'movielens', 'ml-latest-small'), { recursive: true });
  writeFileSync(path.join(dir, 'movielens', 'ml-latest-small', 'movies.csv'), 'movieId,title,genres\n1,"Godfather, The (1972)",Crime|Drama\n2,Happy Gilmore (1996),Comedy\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readSemicolonFile', () => {
  it('given text;label lines, reads each as a one-hot row', () => {
    const rows = readSemicolonFile(path.join(dir, 'text-emotion', 'dair-ai', 'train.txt'), MOOD_NAMES);
    expect(rows.map((r) => [r.text, r.label])).toEqual([
      ['i feel so alone tonight', id('sadness')],
      ['i am thrilled', id('joy')],
    ]);
    expect(rows[0]!.target.reduce((a, b) => a + b, 0)).toBeCloseTo(1);
  });

  it('given a label outside the seven moods, fails naming the line', () => {
    const file = path.join(dir, 'bad.txt');
    writeFileSync(file, 'fine;neutral\nugh;disgust\n');
    expect(() => readSemicolonFile(file, MOOD_NAMES)).toThrow(/bad\.txt:2: expected "text;label" with a label in joy, love, sadness, anger, fear, surprise, neutral/);
  });

  it('given a missing file, says where to get the data', () => {
    expect(() => readSemicolonFile(path.join(dir, 'nope.txt'), MOOD_NAMES)).toThrow(/not found.*official source/);
  });
});

describe('readGoEmotions', () => {
  const emotions = ['admiration', 'amusement', 'anger', 'love', 'neutral'];

  it('given a multi-label row, splits its target between the moods', () => {
    const rows = readGoEmotions(path.join(dir, 'text-emotion', 'goemotions', 'dev.tsv'), emotions);
    expect(rows[0]).toMatchObject({ text: 'He said "wow" and left', label: id('neutral') });
    expect(rows[1]!.label).toBeUndefined();
    expect(rows[1]!.target[id('joy')]).toBeCloseTo(0.5);
    expect(rows[1]!.target[id('love')]).toBeCloseTo(0.5);
  });

  it('given an unknown label id, fails naming the line', () => {
    const file = path.join(dir, 'go-bad.tsv');
    writeFileSync(file, 'ok\t4\ta\nhm\t9\tb\n');
    expect(() => readGoEmotions(file, emotions)).toThrow(/go-bad\.tsv:2: unknown label id 9/);
  });
});

describe('readDailyDialog', () => {
  it('given dialogues and labels, reads one row per utterance with punctuation re-attached', () => {
    const base = path.join(dir, 'text-emotion', 'dailydialog', 'validation');
    writeFileSync(path.join(base, 'd.txt'), "Good morning , sir . __eou__ I can't believe it ! __eou__\n");
    writeFileSync(path.join(base, 'e.txt'), '0 6\n');
    const [dialogue] = readDailyDialog(path.join(base, 'd.txt'), path.join(base, 'e.txt'));
    expect(dialogue!.map((r) => [r.text, TEXT_LABELS[r.label!]])).toEqual([
      ['Good morning, sir.', 'neutral'],
      ["I can't believe it!", 'surprise'],
    ]);
  });

  it('given more labels than utterances, fails instead of shifting labels', () => {
    const base = path.join(dir, 'text-emotion', 'dailydialog', 'validation');
    writeFileSync(path.join(base, 'd2.txt'), 'Hello . __eou__\n');
    writeFileSync(path.join(base, 'e2.txt'), '0 4\n');
    expect(() => readDailyDialog(path.join(base, 'd2.txt'), path.join(base, 'e2.txt'))).toThrow(/1 utterances but 2 labels/);
  });
});

describe('ISEAR', () => {
  it('given texts that contain the separator, keeps the whole text; shame is left out and disgust is anger', () => {
    const s = readSource('isear', path.join(dir, 'text-emotion'), 1);
    const rows = [...s.train, ...s.dev];
    expect(s.dropped).toBe(1);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ text: 'When I saw   the mess   there.', label: id('anger') });
  });
});

describe('inDev', () => {
  it('given the same key and seed, always lands on the same side, near the asked share', () => {
    const keys = Array.from({ length: 4000 }, (_, i) => `k${i}`);
    const a = keys.map((k) => inDev(k, 0.1, 42));
    expect(keys.map((k) => inDev(k, 0.1, 42))).toEqual(a);
    const share = a.filter(Boolean).length / keys.length;
    expect(share).toBeGreaterThan(0.08);
    expect(share).toBeLessThan(0.12);
    expect(keys.map((k) => inDev(k, 0.1, 7))).not.toEqual(a);
  });
});

describe('requestRows', () => {
  const emotional = (): ReturnType<typeof readSemicolonFile> => readSemicolonFile(path.join(dir, 'text-emotion', 'dair-ai', 'train.txt'), MOOD_NAMES);

  it('given a seed, generates the same neutral requests and emotional composites every time', () => {
    const a = requestRows(path.join(dir, 'text-emotion'), emotional(), { count: 50, seed: 3 });
    const b = requestRows(path.join(dir, 'text-emotion'), emotional(), { count: 50, seed: 3 });
    expect(a).toEqual(b);
    expect(a).toHaveLength(100);
    expect(a.slice(0, 50).every((r) => r.label === id('neutral'))).toBe(true);
    for (const r of a.slice(50)) {
      expect([id('sadness'), id('joy')]).toContain(r.label);
      expect(r.text.includes('i feel so alone tonight') || r.text.includes('i am thrilled')).toBe(true);
    }
  });

  it('writes catalogue titles the way people type them', () => {
    const texts = requestRows(path.join(dir, 'text-emotion'), [], { count: 400, seed: 1 }).map((r) => r.text);
    expect(texts.some((t) => t.includes('the godfather') || t.includes('happy gilmore'))).toBe(true);
    expect(texts.every((t) => !/\{\w+\}/.test(t))).toBe(true);
  });
});
