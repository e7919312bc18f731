/**
 * The text model's tokenizer, built from the training vocabulary and written in the
 * Hugging Face `tokenizer.json` layout (BERT normaliser, BertPreTokenizer, WordPiece,
 * [CLS] x [SEP] post-processor) so transformers.js loads it like any BERT tokenizer.
 *
 * Training encodes with the mirror implementation below; `train-text.ts` checks it
 * against transformers.js' own tokenizer on the training data, so the ids the model
 * learnt from are the ids it is served.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const PAD = '[PAD]';
export const UNK = '[UNK]';
export const CLS = '[CLS]';
export const SEP = '[SEP]';
export const SPECIAL_TOKENS = [PAD, UNK, CLS, SEP] as const;
export const PAD_ID = 0;
export const UNK_ID = 1;
export const CLS_ID = 2;
export const SEP_ID = 3;

/** Punctuation as BertPreTokenizer sees it: Unicode P plus the ASCII symbol ranges. */
const PUNCT = /[\p{P}!-/:-@[-`{-~]/u;

/** CJK ideographs, which BERT's normaliser (handle_chinese_chars) makes tokens of their own. */
const CJK = /([\u{4E00}-\u{9FFF}\u{3400}-\u{4DBF}\u{20000}-\u{2A6DF}\u{2A700}-\u{2B73F}\u{2B740}-\u{2B81F}\u{2B820}-\u{2CEAF}\u{F900}-\u{FAFF}\u{2F800}-\u{2FA1F}])/gu;

/** BERT normaliser + pre-tokeniser: clean, CJK apart, lowercase, strip accents, split on spaces and punctuation. */
export function basicTokenize(text: string): string[] {
  const cleaned = text
    .replace(/[\u0000\ufffd]|[\p{Cc}\p{Cf}]/gu, (c) => (c === '\t' || c === '\n' || c === '\r' ? ' ' : ''))
    .replace(CJK, ' $1 ')
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{Mn}/gu, '');
  const out: string[] = [];
  for (const chunk of cleaned.split(/\s+/u)) {
    let word = '';
    for (const ch of chunk) {
      if (PUNCT.test(ch)) {
        if (word) out.push(word);
        out.push(ch);
        word = '';
      } else word += ch;
    }
    if (word) out.push(word);
  }
  return out;
}

/** Greedy longest-match-first WordPiece, as in BERT (continuations carry `##`). */
export function wordPiece(word: string, vocab: ReadonlyMap<string, number>, maxChars = 100): number[] {
  const chars = [...word];
  if (chars.length > maxChars) return [UNK_ID];
  const ids: number[] = [];
  let start = 0;
  while (start < chars.length) {
    let end = chars.length;
    let found: number | undefined;
    while (start < end) {
      const piece = (start > 0 ? '##' : '') + chars.slice(start, end).join('');
      found = vocab.get(piece);
      if (found !== undefined) break;
      end--;
    }
    if (found === undefined) return [UNK_ID];
    ids.push(found);
    start = end;
  }
  return ids;
}

/** A vocabulary: token strings in id order, and the reverse map. */
export interface Vocabulary {
  readonly tokens: readonly string[];
  readonly ids: ReadonlyMap<string, number>;
}

export function makeVocabulary(tokens: readonly string[]): Vocabulary {
  return { tokens, ids: new Map(tokens.map((t, i) => [t, i])) };
}

export interface VocabularyOptions {
  readonly minCount: number;
  readonly suffixes?: readonly string[];
  /** Words with pre-trained vectors: kept from their first occurrence in training. */
  readonly known?: (word: string) => boolean;
  /** More whole words (with pre-trained vectors), appended after the training words. */
  readonly extra?: readonly string[];
}

/**
 * Whole words seen at least `minCount` times in training (once, for `known` words),
 * most frequent first, after the special tokens; then `extra` words not seen in
 * training; then `##` suffix pieces (common endings such as ##ing, ##ed) so that an
 * unseen inflection still maps to its stem instead of [UNK].
 */
export function buildVocabulary(texts: readonly string[], options: VocabularyOptions): Vocabulary {
  const counts = new Map<string, number>();
  for (const text of texts) for (const w of basicTokenize(text)) counts.set(w, (counts.get(w) ?? 0) + 1);
  const words = [...counts.entries()]
    .filter(([w, c]) => c >= options.minCount || options.known?.(w))
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([w]) => w);
  const seen = new Set(words);
  const extra = (options.extra ?? []).filter((w) => !seen.has(w) && (seen.add(w), true));
  const suffixes = (options.suffixes ?? []).map((s) => `##${s}`).filter((s) => !seen.has(s));
  return makeVocabulary([...SPECIAL_TOKENS, ...words, ...extra, ...suffixes]);
}

/** Token ids of one text with [CLS] and [SEP], cut to `maxTokens` in all (as transformers.js truncates). */
export function encode(text: string, vocab: Vocabulary, maxTokens = 128): number[] {
  const ids: number[] = [];
  for (const w of basicTokenize(text)) ids.push(...wordPiece(w, vocab.ids));
  return [CLS_ID, ...ids.slice(0, Math.max(0, maxTokens - 2)), SEP_ID];
}

/** The `tokenizer.json` object (Hugging Face tokenizers format) for a vocabulary. */
export function tokenizerJson(vocab: Vocabulary, maxTokens: number): object {
  return {
    version: '1.0',
    truncation: { direction: 'Right', max_length: maxTokens, strategy: 'LongestFirst', stride: 0 },
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: CLS, type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: SEP, type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: CLS, type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: SEP, type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: SEP, type_id: 1 } },
      ],
      special_tokens: Object.fromEntries(
        [CLS, SEP].map((t) => [t, { id: t, ids: [t === CLS ? CLS_ID : SEP_ID], tokens: [t] }]),
      ),
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: UNK,
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.tokens.map((t, i) => [t, i])),
    },
  };
}

/** Writes tokenizer.json, tokenizer_config.json and vocab.txt into `dir`. */
export function writeTokenizerFiles(dir: string, vocab: Vocabulary, maxTokens: number): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson(vocab, maxTokens)));
  writeFileSync(
    path.join(dir, 'tokenizer_config.json'),
    `${JSON.stringify(
      {
        tokenizer_class: 'BertTokenizer',
        do_lower_case: true,
        model_max_length: maxTokens,
        pad_token: PAD,
        unk_token: UNK,
        cls_token: CLS,
        sep_token: SEP,
        clean_up_tokenization_spaces: true,
      },
      null,
      2,
    )}\n`,
  );
  writeFileSync(path.join(dir, 'vocab.txt'), `${vocab.tokens.join('\n')}\n`);
}
