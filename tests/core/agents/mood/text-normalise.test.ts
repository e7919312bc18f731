import { describe, expect, it } from 'vitest';
import {
  EMOJI_WORDS,
  normaliseForMood,
  replaceEmojis,
  replaceEmoticons,
  rewriteNegations,
  shortenElongations,
} from '../../../../src/core/agents/mood/text-normalise.js';

const VOCAB = new Set(
  'i am so happy today what a day the movie was good tired feel sad im cant stop smiling not at all this is great we are going to cinema tonight love you cool'.split(' '),
);
const known = (w: string): boolean => VOCAB.has(w);

describe('normaliseForMood', () => {
  it('given an emoji, replaces it with its emotion words', () => {
    expect(normaliseForMood('ugh what a day 😩')).toBe('ugh frustrated what a day weary exhausted');
    expect(normaliseForMood('😂')).toBe('laughing amused');
    expect(normaliseForMood('😡')).toBe('angry');
  });

  it('given an emoji with a variation selector or skin tone, maps it like the bare emoji', () => {
    expect(normaliseForMood('love this ❤️')).toBe('love this loving');
    expect(normaliseForMood('great 👍🏽')).toBe('great good');
  });

  it('given an emoji it has no word for, drops it instead of leaving a stray symbol', () => {
    expect(normaliseForMood('pizza 🍕 tonight')).toBe('pizza tonight');
  });

  it('given ASCII emoticons, replaces whole-token ones, also glued to a word', () => {
    expect(normaliseForMood('nice :)')).toBe('nice happy');
    expect(normaliseForMood('tired :(')).toBe('tired sad');
    expect(normaliseForMood('tired:(')).toBe('tired sad');
    expect(normaliseForMood('<3 you')).toBe('loving you');
    expect(normaliseForMood('XD')).toBe('laughing amused');
  });

  it('given apostrophes and punctuation, writes words the way the training data does', () => {
    expect(normaliseForMood("I can't stop smiling!!!")).toBe('i cant stop smiling happy');
    expect(normaliseForMood('I’m NOT sure, at all.')).toBe('im unsure at all');
  });

  it('given slang and idioms, expands them to plain emotion words', () => {
    expect(normaliseForMood('I feel rough today')).toBe('i feel awful today');
    expect(normaliseForMood('lol that was fun')).toBe('laughing that was fun');
    expect(normaliseForMood('so fed up with this')).toBe('so frustrated with this');
  });

  it('given a word that only looks like slang inside another word, leaves it alone', () => {
    expect(normaliseForMood('rough sketch')).toBe('rough sketch');
    expect(normaliseForMood('ugly')).toBe('ugly');
  });

  it('given links and hashtags, drops the link and keeps the hashtag word', () => {
    expect(normaliseForMood('so #blessed https://example.com/x')).toBe('so blessed');
  });

  it('given only symbols, returns an empty string', () => {
    expect(normaliseForMood('!!! ...')).toBe('');
  });
});

describe('rewriteNegations', () => {
  it('given a negated positive word, writes its negative counterpart and drops the negator', () => {
    expect(normaliseForMood('not happy at all')).toBe('unhappy at all');
    expect(normaliseForMood("I don't feel good")).toBe('i feel unhappy');
    expect(normaliseForMood("I'm not very excited about it")).toBe('im unhappy about it');
    expect(normaliseForMood('never felt so loved')).toBe('felt unloved');
  });

  it('given a negator that does not negate a positive word, leaves the text as written', () => {
    expect(normaliseForMood("can't stop smiling")).toBe('cant stop smiling happy');
    expect(normaliseForMood('not bad')).toBe('not bad');
    expect(normaliseForMood('i never knew that movie')).toBe('i never knew that movie');
    expect(rewriteNegations(['not'])).toEqual(['not']);
  });
});

describe('shortenElongations', () => {
  it('given a known vocabulary, picks the spelling the model knows', () => {
    expect(shortenElongations('happyyyy', known)).toBe('happy');
    expect(shortenElongations('soooo', known)).toBe('so');
    expect(shortenElongations('cooool', known)).toBe('cool');
  });

  it('given no vocabulary, keeps two letters of a run', () => {
    expect(shortenElongations('soooo')).toBe('soo');
    expect(shortenElongations('fine')).toBe('fine');
  });
});

describe('replaceEmojis / replaceEmoticons', () => {
  it('every mapped emoji maps to at least one word', () => {
    for (const words of Object.values(EMOJI_WORDS)) expect(words.trim().length).toBeGreaterThan(0);
  });

  it('given text without emojis or emoticons, returns it unchanged', () => {
    expect(replaceEmojis('plain text')).toBe('plain text');
    expect(replaceEmoticons('re: the plan')).toBe('re: the plan');
  });
});
