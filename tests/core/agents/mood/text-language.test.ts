import { describe, expect, it } from 'vitest';
import { assessLanguage } from '../../../../src/core/agents/mood/text-language.js';

const VOCAB = new Set('i am so happy today what a day we are going to cinema tonight'.split(' '));
const known = (w: string): boolean => VOCAB.has(w);

describe('assessLanguage', () => {
  it('given English words the vocabulary knows, says English', () => {
    const a = assessLanguage('we are going to the cinema tonight', (w) => known(w) || w === 'the');
    expect(a.isEnglish).toBe(true);
    expect(a.knownShare).toBeGreaterThan(0.8);
  });

  it('given non-Latin script, says not English', () => {
    expect(assessLanguage('Сегодня я очень устал', known).isEnglish).toBe(false);
    expect(assessLanguage('今日はとても疲れた', known).isEnglish).toBe(false);
  });

  it('given Latin-script text with mostly unknown words, says not English', () => {
    const a = assessLanguage('estoy muy cansado hoy amigo', known);
    expect(a.isEnglish).toBe(false);
    expect(a.knownShare).toBe(0);
  });

  it('given chat spellings, still says English', () => {
    expect(assessLanguage('i am sooooo happy today', known).isEnglish).toBe(true);
  });

  it('given too few words to judge, does not call it foreign', () => {
    expect(assessLanguage('ugh', known).isEnglish).toBe(true);
    expect(assessLanguage('😩😩', known).isEnglish).toBe(true);
  });
});
