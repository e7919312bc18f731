/**
 * A picks answer on Telegram: one message showing one pick at a time (poster,
 * title, year, genres, runtime, reason, its rating buttons), `◀ 2/5 ▶` to page
 * and a row of links. Paging and rating edit that message in place.
 *
 * What the message shows lives here, in memory, keyed by chat and message
 * (bounded, oldest forgotten first). Paging is a Telegram rendering matter the
 * core never sees; after a restart the page buttons of old messages are refused
 * politely, while their rating buttons keep working (they carry the core's own
 * payload).
 */
import type { InlineKeyboardMarkup } from 'telegraf/types';
import type { Button, PickCard, Reply } from '../../core/conversation/turn.js';
import { MAX_CAPTION_CHARS, MAX_MESSAGE_CHARS, truncate } from './text-limits.js';

type Picks = Extract<Reply, { kind: 'picks' }>;

/** Callback data of the page buttons: `tp:<index>`. The core never makes payloads starting with `tp:`. */
export const PAGE_PREFIX = 'tp:';
export const pageAction = (index: number) => `${PAGE_PREFIX}${index}`;

/** The page a press asks for, or null when the data is not a page press. */
export const parsePageAction = (data: string): number | 'invalid' | null => {
  if (!data.startsWith(PAGE_PREFIX)) return null;
  const m = /^tp:(\d{1,2})$/.exec(data);
  return m ? Number(m[1]) : 'invalid';
};

export interface CarouselState {
  readonly header: string;
  readonly footer?: string;
  readonly footerButtons?: readonly (readonly Button[])[];
  /** Cards as shown: a rating press replaces a card's buttons and mark. */
  readonly cards: PickCard[];
  current: number;
  /** A photo message (paged with editMessageMedia) or a text card (editMessageText). */
  readonly media: 'photo' | 'text';
}

export const carouselFrom = (reply: Picks, media: CarouselState['media']): CarouselState => ({
  header: reply.header,
  ...(reply.footer !== undefined ? { footer: reply.footer } : {}),
  ...(reply.footerButtons ? { footerButtons: reply.footerButtons } : {}),
  cards: [...reply.cards],
  current: 0,
  media,
});

/** Title, facts, mark and reason of one card; the reason is shortened first when room is short. */
export const cardBody = (card: PickCard, position: string, limit: number): string => {
  const title = `${position}${card.title}${card.year !== null ? ` (${card.year})` : ''}`;
  const meta = [card.genres.join(', '), card.runtime !== null ? `${card.runtime} min` : ''].filter(Boolean).join(' · ');
  const head = [title, meta, card.mark ? `✅ ${card.mark}` : ''].filter(Boolean).join('\n');
  if (!card.reason) return truncate(head, limit);
  const room = limit - head.length - 2;
  return room >= 20 ? `${head}\n\n${truncate(card.reason, room)}` : truncate(head, limit);
};

/**
 * The caption (or text) of the current page: mood line, the card, the /music
 * hint. The card gets the room it needs first; the header and footer share what
 * is left, so a long face description never pushes the reason out.
 */
export const pageText = (state: CarouselState, limit = state.media === 'photo' ? MAX_CAPTION_CHARS : MAX_MESSAGE_CHARS): string => {
  const card = state.cards[state.current]!;
  const position = state.cards.length > 1 ? `${state.current + 1}/${state.cards.length} · ` : '';
  const header = state.header.trim();
  const footer = state.footer?.trim() ?? '';
  const headerPart = header ? truncate(header, Math.min(300, Math.floor(limit / 3))) : '';
  const footerPart = footer ? truncate(footer, 120) : '';
  const room = limit - (headerPart ? headerPart.length + 2 : 0) - (footerPart ? footerPart.length + 2 : 0);
  const body = cardBody(card, position, room);
  return [headerPart, body, footerPart].filter(Boolean).join('\n\n');
};

/** The current card's rating rows, the pager, its links, then the answer's own buttons. */
export const pageButtons = (state: CarouselState): Button[][] => {
  const card = state.cards[state.current]!;
  const rows: Button[][] = card.buttons.map((row) => [...row]);
  const n = state.cards.length;
  if (n > 1) {
    const prev = (state.current - 1 + n) % n;
    const next = (state.current + 1) % n;
    rows.push([
      { label: '◀', action: pageAction(prev) },
      { label: `${state.current + 1}/${n}`, action: pageAction(state.current) },
      { label: '▶', action: pageAction(next) },
    ]);
  }
  for (let i = 0; i < card.links.length; i += 3) rows.push(card.links.slice(i, i + 3).map((l) => ({ label: l.label, url: l.url })));
  for (const row of state.footerButtons ?? []) rows.push([...row]);
  return rows;
};

/**
 * After a restart the carousel is gone but its rating buttons still work: the
 * ack's marked rows replace the rows holding the same payloads, and the pager
 * and links stay as they were.
 */
export const replaceRatingRows = (
  markup: InlineKeyboardMarkup | undefined,
  marked: readonly (readonly Button[])[],
  encode: (action: string) => string,
): Button[][] | null => {
  if (!markup) return null;
  const byData = new Map<string, readonly Button[]>();
  for (const row of marked) for (const b of row) if ('action' in b) byData.set(encode(b.action), row);
  let replaced = false;
  const rows = markup.inline_keyboard.map((row): Button[] => {
    const first = row.find((b): b is typeof b & { callback_data: string } => 'callback_data' in b && typeof b.callback_data === 'string');
    const match = first ? byData.get(first.callback_data) : undefined;
    if (match && row.every((b) => 'callback_data' in b && byData.get(b.callback_data as string) === match)) {
      replaced = true;
      return [...match];
    }
    return row.map((b): Button =>
      'url' in b && typeof b.url === 'string'
        ? { label: b.text, url: b.url }
        : { label: b.text, action: 'callback_data' in b && typeof b.callback_data === 'string' ? b.callback_data : '' },
    );
  });
  return replaced ? rows : null;
};

/** Carousels by `chatId:messageId`, the oldest forgotten first past `capacity`. */
export class CarouselStore {
  private readonly byMessage = new Map<string, CarouselState>();
  constructor(private readonly capacity = 5_000) {}

  private key(chatId: number | string, messageId: number) {
    return `${chatId}:${messageId}`;
  }

  get(chatId: number | string, messageId: number): CarouselState | undefined {
    return this.byMessage.get(this.key(chatId, messageId));
  }

  set(chatId: number | string, messageId: number, state: CarouselState): void {
    const key = this.key(chatId, messageId);
    this.byMessage.delete(key);
    this.byMessage.set(key, state);
    if (this.byMessage.size > this.capacity) {
      const oldest = this.byMessage.keys().next().value;
      if (oldest !== undefined) this.byMessage.delete(oldest);
    }
  }

  get size(): number {
    return this.byMessage.size;
  }
}
