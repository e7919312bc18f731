/**
 * Turns a chat message into the kind of text the mood model was trained on: the
 * dair-ai tweets are lower-case words only ("im", "cant", no punctuation, no emojis).
 * Chat is not, and its strongest mood cues are often emojis, emoticons and slang,
 * so these become plain emotion words here instead of being dropped as unknown tokens
 * ("ugh what a day 😩" -> "ugh frustrated what a day weary exhausted").
 *
 * Pure code (no ML imports) so the same rules can be tested and reused by any detector.
 * Each replacement word was checked against the training data: it is a word the
 * data set itself labels with the intended emotion (e.g. "exhausted": 72 of 77 tweets
 * are sadness, "amused": 34 of 34 are joy).
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

/**
 * Chat slang and idioms -> plain words the training data knows. Matched on whole words
 * after lower-casing and apostrophe removal; longer phrases first.
 */
export const SLANG_PHRASES: Readonly<Record<string, string>> = {
  'feel rough': 'feel awful',
  'feeling rough': 'feeling awful',
  'rough day': 'awful day',
  'rough week': 'awful week',
  'under the weather': 'sick',
  'over the moon': 'thrilled',
  'on cloud nine': 'thrilled',
  'on top of the world': 'thrilled',
  'down in the dumps': 'depressed',
  'fed up': 'frustrated',
  'sick of': 'frustrated with',
  'sick and tired': 'frustrated',
  'freaking out': 'scared anxious',
  'freaked out': 'scared',
  'cant stop smiling': 'cant stop smiling happy',
  'cant stop crying': 'cant stop crying sad',
  'blown away': 'amazed',
  lol: 'laughing',
  lmao: 'laughing amused',
  lmfao: 'laughing amused',
  rofl: 'laughing amused',
  haha: 'laughing',
  hahaha: 'laughing amused',
  omg: 'shocked',
  wtf: 'shocked',
  ugh: 'ugh frustrated',
  argh: 'frustrated',
  grr: 'angry',
  grrr: 'angry',
  meh: 'bored',
  yay: 'happy excited',
  woohoo: 'happy excited',
  gutted: 'devastated',
  bummed: 'disappointed',
  stoked: 'excited',
  pumped: 'excited',
  psyched: 'excited',
  chuffed: 'pleased',
  knackered: 'exhausted',
  shattered: 'exhausted',
  skint: 'broke',
  fml: 'miserable',
  smh: 'disappointed',
  idk: 'i dont know',
  tbh: 'to be honest',
  rn: 'right now',
  u: 'you',
  ur: 'your',
  pls: 'please',
  plz: 'please',
  ty: 'thanks',
  thx: 'thanks',
  luv: 'love',
  gr8: 'great',
};

/**
 * Positive words and what their negation means, in words the training data labels
 * reliably ("unhappy": 57 of 68 tweets are sadness). The data set labels tweets by their
 * emotion word even when negated ("i dont feel good" is mostly joy), so the model cannot
 * learn negation from it; this rewrite is where "not happy at all" stops being joy.
 */
export const NEGATED_WORDS: Readonly<Record<string, string>> = {
  happy: 'unhappy', glad: 'unhappy', good: 'unhappy', great: 'unhappy', fine: 'unhappy', ok: 'unhappy',
  okay: 'unhappy', well: 'unhappy', joyful: 'unhappy', cheerful: 'unhappy', pleased: 'unhappy',
  excited: 'unhappy', thrilled: 'unhappy', amazing: 'unhappy', awesome: 'unhappy', nice: 'unhappy',
  fun: 'unhappy', wonderful: 'unhappy', fantastic: 'unhappy', lucky: 'unhappy', blessed: 'unhappy',
  smiling: 'unhappy', satisfied: 'dissatisfied', content: 'dissatisfied', loved: 'unloved', wanted: 'unloved',
  appreciated: 'unloved', accepted: 'unloved', welcome: 'unloved', welcomed: 'unloved', confident: 'insecure',
  sure: 'unsure', safe: 'insecure', secure: 'insecure', comfortable: 'uncomfortable', calm: 'restless',
  relaxed: 'restless', hopeful: 'hopeless', optimistic: 'hopeless',
};
const NEGATORS = new Set(['not', 'never', 'isnt', 'arent', 'wasnt', 'werent', 'dont', 'didnt', 'doesnt', 'cant', 'couldnt', 'wont', 'hardly', 'aint', 'havent', 'hasnt']);
/** Words that may stand between a negator and the word it negates; verbs are kept. */
const NEGATION_GAP_VERBS = new Set(['feel', 'feeling', 'felt', 'feels', 'be', 'being', 'been', 'am', 'is', 'was', 'are', 'look', 'looking', 'seem']);
const NEGATION_GAP_FILLERS = new Set(['so', 'very', 'really', 'too', 'that', 'all', 'particularly', 'exactly', 'super', 'quite', 'even', 'at']);

/**
 * "not happy at all" -> "unhappy at all", "i dont feel good" -> "i feel unhappy",
 * "im not very excited" -> "im unhappy": a negator, up to three verbs or intensifiers,
 * then a positive word from NEGATED_WORDS. Anything else is left as written.
 */
export function rewriteNegations(words: readonly string[]): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < words.length) {
    const w = words[i]!;
    if (NEGATORS.has(w)) {
      let j = i + 1;
      const kept: string[] = [];
      while (j < words.length && j - i <= 3 && (NEGATION_GAP_VERBS.has(words[j]!) || NEGATION_GAP_FILLERS.has(words[j]!))) {
        if (NEGATION_GAP_VERBS.has(words[j]!)) kept.push(words[j]!);
        j++;
      }
      const target = words[j];
      const negated = target !== undefined ? NEGATED_WORDS[target] : undefined;
      if (negated) {
        out.push(...kept, negated);
        i = j + 1;
        continue;
      }
    }
    out.push(w);
    i++;
  }
  return out;
}

const VARIATION_SELECTOR = /[\uFE0E\uFE0F\u200D]/gu;
const SKIN_TONE = /[\u{1F3FB}-\u{1F3FF}]/gu;
const EXTENDED_PICTOGRAPHIC = /\p{Extended_Pictographic}/u;

const phraseKeys = Object.keys(SLANG_PHRASES).sort((a, b) => b.split(' ').length - a.split(' ').length || b.length - a.length);

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

function replacePhrases(words: string[]): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < words.length) {
    let matched = false;
    for (const key of phraseKeys) {
      const parts = key.split(' ');
      if (parts.every((p, j) => words[i + j] === p)) {
        out.push(...SLANG_PHRASES[key]!.split(' '));
        i += parts.length;
        matched = true;
        break;
      }
    }
    if (!matched) out.push(words[i++]!);
  }
  return out;
}

/**
 * The full normalisation: emojis and emoticons to words, lower-case, apostrophes
 * dropped inside words ("can't" -> "cant", as in the training data), other
 * punctuation to spaces, elongations shortened, slang and idioms expanded, negated
 * positive words rewritten ("not happy" -> "unhappy").
 * Returns words joined by single spaces ('' when nothing is left).
 */
export function normaliseForMood(text: string, options: NormaliseOptions = {}): string {
  let t = text.normalize('NFKC');
  t = replaceEmojis(t);
  t = replaceEmoticons(t);
  t = t
    .toLowerCase()
    .replace(/[\u2019\u2018\u02bc`´]/gu, "'")
    .replace(/(\p{L})'(\p{L})/gu, '$1$2')
    .replace(/https?:\/\/\S+/gu, ' ')
    .replace(/[@#](\p{L}[\p{L}\p{N}_]*)/gu, ' $1 ')
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .replace(VARIATION_SELECTOR, '');
  const words = t
    .split(/\s+/u)
    .filter(Boolean)
    .map((w) => shortenElongations(w, options.isKnownWord));
  return rewriteNegations(replacePhrases(words)).join(' ');
}
