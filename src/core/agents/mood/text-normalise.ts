/**
 * Turns a chat message into the text the mood model reads, the same way in training
 * and serving. Emojis and emoticons are often a chat message's strongest mood cue and
 * are rare in the training corpora, so they become emotion words ("ugh what a day 😩"
 * -> "ugh what a day weary exhausted"). Everything else the model learns from chat-like
 * corpora (tweets, Reddit, TV and everyday dialogue): slang, idioms and negation are
 * left as written, and "!" and "?" stay as tokens.
 *
 * Pure code (no ML imports) so the same rules can be tested and reused by any detector.
 * Each emoji word is one the training data itself labels with the intended emotion
 * (e.g. "exhausted": 72 of 77 dair-ai tweets are sadness, "amused": 34 of 34 are joy).
 */

/** Emoji -> emotion words. Keys are matched with or without the variation selector U+FE0F. */
export const EMOJI_WORDS: Readonly<Record<string, string>> = {
  // joy
  '😀': 'happy', '😃': 'happy', '😄': 'happy', '😁': 'happy', '😆': 'laughing amused', '😊': 'happy',
  '☺': 'happy', '🙂': 'pleased', '😂': 'laughing amused', '🤣': 'laughing amused', '😹': 'laughing amused',
  '😸': 'happy', '😺': 'happy', '🥳': 'celebrating excited', '🎉': 'celebrating excited', '🎊': 'celebrating excited',
  '🤩': 'excited', '😎': 'cool confident', '😌': 'relieved calm', '😇': 'blessed', '👍': 'good', '🙌': 'excited',
  '💪': 'strong confident', '✨': 'happy', '🌞': 'cheerful', '😋': 'happy', '😜': 'playful', '😛': 'playful',
  '😝': 'playful', '🤗': 'warm caring', '🥹': 'grateful touched',
  // love
  '❤': 'loving', '🧡': 'loving', '💛': 'loving', '💚': 'loving', '💙': 'loving', '💜': 'loving', '🤍': 'loving',
  '💕': 'loving', '💖': 'loving', '💗': 'loving', '💓': 'loving', '💞': 'loving', '💘': 'loving', '💝': 'loving',
  '😍': 'loving adoring', '🥰': 'loving adoring', '😘': 'loving', '😻': 'loving adoring', '💋': 'loving',
  '♥': 'loving',
  // sadness
  '😢': 'sad', '😭': 'sad crying', '😞': 'sad disappointed', '😔': 'sad', '☹': 'sad', '🙁': 'sad',
  '😿': 'sad', '💔': 'heartbroken', '😩': 'weary exhausted', '😫': 'weary exhausted', '😪': 'exhausted',
  '😓': 'miserable', '😥': 'sad', '🥺': 'sad hurt', '😕': 'disappointed', '😴': 'tired exhausted',
  '🥀': 'sad', '🤒': 'sick miserable', '🤕': 'hurt', '😟': 'worried',
  // anger
  '😡': 'angry', '😠': 'angry', '🤬': 'furious', '👿': 'angry', '💢': 'angry', '😤': 'frustrated',
  '🙄': 'annoyed', '😒': 'annoyed', '🤢': 'disgusted', '🤮': 'disgusted', '🖕': 'pissed',
  // fear
  '😨': 'scared', '😰': 'anxious', '😱': 'terrified', '😧': 'scared', '😬': 'nervous', '🫣': 'scared',
  '😖': 'anxious', '👻': 'scared',
  // surprise
  '😮': 'surprised', '😲': 'shocked', '😯': 'surprised', '🤯': 'amazed', '😳': 'shocked', '🙀': 'shocked',
  '‼': 'surprised', '⁉': 'surprised',
};

/**
 * ASCII emoticons -> words. Matched only as whole space-separated tokens so that
 * "re:(" or URLs are not misread.
 */
export const EMOTICON_WORDS: Readonly<Record<string, string>> = {
  ':)': 'happy', ':-)': 'happy', '(:': 'happy', '=)': 'happy', ':]': 'happy', ':d': 'laughing amused',
  ':-d': 'laughing amused', 'xd': 'laughing amused', ';)': 'playful', ';-)': 'playful', ':p': 'playful',
  ':-p': 'playful', '^^': 'happy', '^_^': 'happy',
  ':(': 'sad', ':-(': 'sad', '):': 'sad', '=(': 'sad', ':[': 'sad', ":'(": 'sad crying', ':,(': 'sad crying',
  't_t': 'sad crying',
  '>:(': 'angry', '>:-(': 'angry', '>:[': 'angry', '-_-': 'annoyed', ':/': 'annoyed', ':-/': 'annoyed', ':\\': 'annoyed',
  ':o': 'surprised', ':-o': 'surprised', 'o_o': 'shocked', 'o.o': 'shocked', 'd:': 'scared',
  '<3': 'loving', '<33': 'loving', '<333': 'loving', '</3': 'heartbroken',
};

const VARIATION_SELECTOR = /[\uFE0E\uFE0F\u200D]/gu;
const SKIN_TONE = /[\u{1F3FB}-\u{1F3FF}]/gu;
const EXTENDED_PICTOGRAPHIC = /\p{Extended_Pictographic}/u;

export interface NormaliseOptions {
  /**
   * Whether a word is in the model's vocabulary. When given, elongated words
   * ("soooo", "happyyyy") are shortened to the first spelling the model knows.
   */
  readonly isKnownWord?: (word: string) => boolean;
}

/** Replaces emojis (any skin tone or variation) with their words; unknown pictographs become spaces. */
export function replaceEmojis(text: string): string {
  const out: string[] = [];
  for (const ch of text.replace(SKIN_TONE, '')) {
    if (ch === '\uFE0F' || ch === '\uFE0E' || ch === '\u200D') continue;
    const word = EMOJI_WORDS[ch];
    if (word) out.push(` ${word} `);
    else if (EXTENDED_PICTOGRAPHIC.test(ch) && !/[#*0-9©®]/u.test(ch)) out.push(' ');
    else out.push(ch);
  }
  return out.join('');
}

/** Replaces whole-token ASCII emoticons with words (case-insensitive). */
export function replaceEmoticons(text: string): string {
  return text
    .split(/(\s+)/u)
    .map((token) => {
      const word = EMOTICON_WORDS[token.toLowerCase()];
      if (word) return word;
      // An emoticon glued to the end of a word: "tired :(".
      for (const [emoticon, replacement] of Object.entries(EMOTICON_WORDS)) {
        if (emoticon.length >= 2 && /^[^a-z0-9]/u.test(emoticon) && token.toLowerCase().endsWith(emoticon) && token.length > emoticon.length) {
          const head = token.slice(0, token.length - emoticon.length);
          if (/[a-z0-9]$/iu.test(head)) return `${head} ${replacement}`;
        }
      }
      return token;
    })
    .join('');
}

/** Shortens runs of 3+ repeated letters to the first form the model knows (2 letters, then 1). */
export function shortenElongations(word: string, isKnownWord?: (word: string) => boolean): string {
  if (!/(\p{L})\1\1/u.test(word)) return word;
  const two = word.replace(/(\p{L})\1{2,}/gu, '$1$1');
  const one = word.replace(/(\p{L})\1{2,}/gu, '$1');
  if (!isKnownWord) return two;
  if (isKnownWord(two)) return two;
  if (isKnownWord(one)) return one;
  return two;
}

/**
 * The full normalisation: emojis and emoticons to words, lower-case, apostrophes
 * dropped inside words ("can't" -> "cant"), links and @mentions dropped (a name carries
 * no mood), "!" and "?" kept as tokens (surprise is often only punctuation: "you're
 * here?!"), runs of them cut to two, other punctuation to spaces, elongations shortened.
 * Slang, idioms and negation are left to the model, which learns them from chat-like
 * corpora. Returns tokens joined by single spaces ('' when nothing is left).
 */
export function normaliseForMood(text: string, options: NormaliseOptions = {}): string {
  let t = text.normalize('NFKC');
  t = replaceEmojis(t);
  t = replaceEmoticons(t);
  t = t
    .toLowerCase()
    .replace(/[\u2019\u2018\u02bc`´]/gu, "'")
    .replace(/(\p{L})'(\p{L})/gu, '$1$2')
    .replace(/https?:\/\/\S+|www\.\S+/gu, ' ')
    .replace(/(^|\s)@\w+/gu, ' ')
    .replace(/#(\p{L}[\p{L}\p{N}_]*)/gu, ' $1 ')
    .replace(VARIATION_SELECTOR, '')
    .replace(/[^\p{L}\p{N}\s!?]/gu, ' ')
    .replace(/([!?])\1{2,}/gu, '$1$1')
    .replace(/([!?])/gu, ' $1 ');
  const words = t
    .split(/\s+/u)
    .filter(Boolean)
    .map((w) => shortenElongations(w, options.isKnownWord));
  return words.join(' ');
}
