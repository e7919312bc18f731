/**
 * A cheap "is this English?" check for the text mood model. The model only knows
 * English words; on other languages it sees mostly [UNK] and would still output a
 * confident-looking guess. Rather than guess, detectors report neutral with
 * lowConfidenceReason 'not_english' when this check fails.
 *
 * Pure code: the caller passes the model's vocabulary as a predicate.
 */
import { shortenElongations } from './text-normalise.js';

/** Below this share of known words (among 3+ words), a text is taken as not English. */
export const MIN_KNOWN_WORD_SHARE = 0.5;
/** Below this share of Latin letters among all letters, a text is taken as not English. */
export const MIN_LATIN_LETTER_SHARE = 0.5;
/** Fewer words than this are too few to judge by vocabulary ("hola" alone passes as unsure instead). */
export const MIN_WORDS_FOR_VOCABULARY_CHECK = 3;

export interface LanguageAssessment {
  readonly isEnglish: boolean;
  /** Words (letters only) found in the text. */
  readonly words: number;
  /** Share of those words the vocabulary knows (1 when there are none). */
  readonly knownShare: number;
  /** Share of letters that are Latin script (1 when there are none). */
  readonly latinShare: number;
}

/**
 * Judges the raw message (before emoji expansion, so added words do not count).
 * Non-Latin script (Cyrillic, CJK, Arabic...) fails at once; Latin-script text fails
 * when fewer than half of its words (3 or more of them) are in the vocabulary.
 */
export function assessLanguage(text: string, isKnownWord: (word: string) => boolean): LanguageAssessment {
  const letters = [...text.normalize('NFKC')].filter((c) => /\p{L}/u.test(c));
  const latin = letters.filter((c) => /\p{Script=Latin}/u.test(c)).length;
  const latinShare = letters.length ? latin / letters.length : 1;
  const words = text
    .normalize('NFD')
    .replace(/\p{Mn}/gu, '')
    .toLowerCase()
    .replace(/[\u2019\u2018']/gu, '')
    .split(/[^\p{L}]+/u)
    .filter((w) => w.length > 0 && /^\p{Script=Latin}+$/u.test(w));
  // Chat spellings count as English: "sooo" is "so" (slang such as "idk" is in the vocabulary, learnt from chat corpora).
  const known = words.filter((w) => isKnownWord(shortenElongations(w, isKnownWord))).length;
  const knownShare = words.length ? known / words.length : 1;
  const isEnglish =
    latinShare >= MIN_LATIN_LETTER_SHARE && (words.length < MIN_WORDS_FOR_VOCABULARY_CHECK || knownShare >= MIN_KNOWN_WORD_SHARE);
  return { isEnglish, words: words.length, knownShare, latinShare };
}
