import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.js';
import { MOODS } from '../../../src/core/mood/mood-space.js';
import type { TextMoodDetector } from '../../../src/core/ports.js';
import {
  applyNeutralThreshold,
  createTextMoodDetector,
  resolveModelSource,
  toMoodScores,
} from '../../../src/infra/mood/text-mood.detector.js';

/** The committed model folder (written by `npm run train:text`). */
const MODEL = path.resolve('models/text-emotion');

let detector: TextMoodDetector;

beforeAll(async () => {
  detector = await createTextMoodDetector({ model: MODEL });
});

const sum = (d: Readonly<Record<string, number>>): number => Object.values(d).reduce((a, b) => a + b, 0);

describe('createTextMoodDetector with the committed model', () => {
  it('given "I feel rough today", reads sadness or fear', async () => {
    expect(['sadness', 'fear']).toContain((await detector.detect('I feel rough today')).label);
  });

  it('given "ugh what a day 😩", reads a low mood (sadness, anger or fear), not joy or neutral', async () => {
    const reading = await detector.detect('ugh what a day 😩');
    expect(['sadness', 'anger', 'fear']).toContain(reading.label);
    expect(reading.distribution.sadness + reading.distribution.anger + reading.distribution.fear).toBeGreaterThan(0.6);
  });

  it('given clear emotions, reads each one', async () => {
    expect((await detector.detect('I am so happy today')).label).toBe('joy');
    expect((await detector.detect('this makes me so angry 😡')).label).toBe('anger');
    expect((await detector.detect('im really scared of what the doctor will say')).label).toBe('fear');
  });

  it('given a message with no mood in it, answers neutral from the learned class', async () => {
    for (const text of ['any comedies from the 90s?', 'tell me about happy gilmore', 'next please']) {
      const reading = await detector.detect(text);
      expect(reading.label).toBe('neutral');
      // The learned class, not the safety net: neutral is the most probable mood and the reading is not 'unsure'.
      expect(reading.distribution.neutral).toBe(Math.max(...Object.values(reading.distribution)));
      expect(reading.lowConfidenceReason).toBeUndefined();
    }
  });

  it('given chat the old phrase rules used to rewrite, reads it from the model', async () => {
    expect((await detector.detect('I love you so much, you mean everything to me')).label).toBe('love');
    expect((await detector.detect('best weekend ever, feeling great')).label).toBe('joy');
    expect((await detector.detect("wait, you're moving to japan?!")).label).toBe('surprise');
  });

  it('given empty or whitespace text, throws UserError empty_text', async () => {
    for (const text of ['', '   \n\t']) {
      await expect(detector.detect(text)).rejects.toMatchObject({ name: 'UserError', code: 'empty_text' });
    }
    await expect(detector.detectBatch(['fine', ' '])).rejects.toBeInstanceOf(UserError);
  });

  it('given text longer than the token limit, reads it and flags it truncated', async () => {
    const long = `${'i went to the shop and bought some bread and milk '.repeat(20)} and i feel so happy`;
    const reading = await detector.detect(long);
    expect(detector.maxTokens).toBe(128);
    expect(reading.truncated).toBe(true);
    expect(reading.distribution.neutral + reading.distribution.joy).toBeGreaterThanOrEqual(0);
    expect((await detector.detect('a short happy message')).truncated).toBe(false);
  });

  it('given a smaller token limit, truncates at that limit', async () => {
    const small = await createTextMoodDetector({ model: MODEL, maxTokens: 8 });
    expect(small.maxTokens).toBe(8);
    expect((await small.detect('one two three four five six seven eight nine')).truncated).toBe(true);
    expect((await small.detect('one two three')).truncated).toBe(false);
  });

  it('given text that is not English, answers neutral with low confidence instead of guessing', async () => {
    for (const text of ['Сегодня я очень устал и грустный', 'estoy muy triste y cansado hoy', '今日はとても悲しいです']) {
      const reading = await detector.detect(text);
      expect(reading.label).toBe('neutral');
      expect(reading.lowConfidenceReason).toBe('not_english');
      expect(reading.confidence).toBeLessThan(0.2);
    }
  });

  it('returns a distribution over the whole mood space that sums to 1', async () => {
    for (const text of ['I am so happy today', 'what time is it', 'Сегодня я устал']) {
      const reading = await detector.detect(text);
      expect(Object.keys(reading.distribution).sort()).toEqual([...MOODS].sort());
      expect(sum(reading.distribution)).toBeCloseTo(1, 6);
      for (const p of Object.values(reading.distribution)) expect(p).toBeGreaterThanOrEqual(0);
      expect(reading.source).toBe('text');
    }
  });

  it('given a batch, returns the same readings as one-by-one calls', async () => {
    const texts = ['I feel rough today', 'not happy at all', 'what a lovely surprise 😍', 'Сегодня я устал', 'ok'];
    const batch = await detector.detectBatch(texts);
    for (const [i, text] of texts.entries()) {
      const single = await detector.detect(text);
      expect(batch[i]!.label).toBe(single.label);
      for (const m of MOODS) expect(batch[i]!.distribution[m]).toBeCloseTo(single.distribution[m], 5);
    }
  });
});

describe('createTextMoodDetector without a model', () => {
  it('given a missing model folder, throws model_missing naming the training command and the setting', async () => {
    const error = await createTextMoodDetector({ model: path.resolve('models/no-such-model') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe('model_missing');
    expect((error as UserError).message).toContain('npm run train:text');
    expect((error as UserError).message).toContain('MOODREEL_TEXT_MODEL');
  });
});

describe('resolveModelSource', () => {
  it('given a path or an existing folder, treats it as local', () => {
    expect(resolveModelSource('./models/text-emotion').local).toBe(true);
    expect(resolveModelSource('models/text-emotion').local).toBe(true);
    expect(resolveModelSource('/opt/models/x').local).toBe(true);
  });

  it('given an owner/name id whose owner is no local folder, treats it as a hub model', () => {
    expect(resolveModelSource('someone/emotion-model')).toEqual({ nameOrPath: 'someone/emotion-model', local: false });
  });
});

describe('neutral rule', () => {
  it('given a confident top mood, keeps the model distribution', () => {
    const scores = toMoodScores([
      { label: 'joy', score: 0.9 },
      { label: 'sadness', score: 0.1 },
    ]);
    const decided = applyNeutralThreshold(scores, 0.5);
    expect(decided.label).toBe('joy');
    expect(decided.unsure).toBe(false);
  });

  it('given no mood above the threshold, answers neutral and neutral is the arg-max', () => {
    const scores = toMoodScores([
      { label: 'joy', score: 0.4 },
      { label: 'sadness', score: 0.35 },
      { label: 'anger', score: 0.25 },
    ]);
    const decided = applyNeutralThreshold(scores, 0.5);
    expect(decided.label).toBe('neutral');
    expect(decided.unsure).toBe(true);
    for (const m of MOODS) expect(decided.distribution.neutral).toBeGreaterThanOrEqual(decided.distribution[m]);
    expect(sum(decided.distribution)).toBeCloseTo(1, 9);
  });

  it('given hub-style label names, maps them onto the mood space', () => {
    const scores = toMoodScores([
      { label: 'HAPPY', score: 0.5 },
      { label: 'disgust', score: 0.3 },
      { label: 'unknown', score: 0.2 },
    ]);
    expect(scores.joy).toBeCloseTo(0.625);
    expect(scores.anger).toBeCloseTo(0.375);
  });
});
