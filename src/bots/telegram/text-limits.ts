/**
 * Telegram's size limits, and the cutting that keeps us inside them. Lengths
 * are counted in UTF-16 code units (JavaScript string length), which is how the
 * Bot API counts characters; we never cut a surrogate pair in half.
 */
export const MAX_MESSAGE_CHARS = 4096;
export const MAX_CAPTION_CHARS = 1024;
export const MAX_CALLBACK_ANSWER_CHARS = 200;
export const MAX_CALLBACK_DATA_BYTES = 64;

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;

/** Cuts at `limit` without splitting a surrogate pair. */
const safeCut = (text: string, limit: number): number =>
  limit < text.length && limit > 0 && isHighSurrogate(text.charCodeAt(limit - 1)) ? limit - 1 : limit;

/** Shortens to at most `limit` characters, ending with an ellipsis when cut. */
export const truncate = (text: string, limit: number): string => {
  if (text.length <= limit) return text;
  return `${text.slice(0, safeCut(text, limit - 1)).trimEnd()}…`;
};

/**
 * Splits a long text into messages of at most `limit` characters, preferring to
 * break between paragraphs, then lines, then words; only a single unbroken run
 * longer than the limit is cut hard.
 */
export const splitText = (text: string, limit = MAX_MESSAGE_CHARS): string[] => {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const window = rest.slice(0, limit + 1);
    let cut = -1;
    for (const separator of ['\n\n', '\n', ' ']) {
      const at = window.lastIndexOf(separator);
      if (at > limit / 4) {
        cut = at;
        break;
      }
    }
    const end = cut > 0 ? cut : safeCut(rest, limit);
    parts.push(rest.slice(0, end).trimEnd());
    rest = rest.slice(end).replace(/^\s+/, '');
  }
  if (rest.length > 0 || parts.length === 0) parts.push(rest);
  return parts.filter((part, i) => part.length > 0 || i === 0);
};
