import { describe, expect, it } from 'vitest';
import {
  EMOJI_WORDS,
  normaliseForMood,
  replaceEmojis,
  replaceEmoticons,
  shortenElongations,
} from '../../../../src/core/agents/mood/text-normalise.js';

const VOCAB = new Set(
  'i am so happy today what a day the movie was good tired feel sad im cant stop smiling not at all this is great we are going to cinema tonight love you cool'.split(' '),
);
const known = (w: string): boolean => VOCAB.has(w);

describe('normaliseForMood', () => {
  it('given an emoji, replaces it with its emotion words', () => {
    expect(normaliseForMood('ugh what a day 😩')).toBe('ugh what a day weary exhausted');
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

  it('given apostrophes and punctuation, joins contractions and keeps only ! and ? as tokens', () => {
    expect(normaliseForMood("I can't stop smiling!!!")).toBe('i cant stop smiling ! !');
    expect(normaliseForMood('I’m NOT sure, at all.')).toBe('im not sure at all');
    expect(normaliseForMood("wait, you're moving to japan?!")).toBe('wait youre moving to japan ? !');
  });

  it('given slang, idioms and negation, leaves them for the model to read', () => {
    expect(normaliseForMood('I feel rough today')).toBe('i feel rough today');
    expect(normaliseForMood('lol not happy at all')).toBe('lol not happy at all');
  });

  it('given @mentions, drops them: a name carries no mood', () => {
    expect(normaliseForMood('@tiffanylue i know')).toBe('i know');
    expect(normaliseForMood('mail me at a@b.com')).toBe('mail me at a b com');
  });

  it('given links and hashtags, drops the link and keeps the hashtag word', () => {
    expect(normaliseForMood('so #blessed https://example.com/x')).toBe('so blessed');
  });

  it('given only symbols, returns an empty string', () => {
    expect(normaliseForMood('... --- ***')).toBe('');
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
