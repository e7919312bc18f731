/**
 * A picks answer on Discord is one message showing one pick at a time: the
 * current pick's embed, its rating rows, `◀ 2/5 ▶`, then the answer's own rows
 * (the "Not quite? I feel…" moods). Paging and rating edit that message in
 * place (interaction.update).
 *
 * What each message shows lives here, in memory, by message id (bounded, oldest
 * forgotten first), one store per application. Paging is a Discord
 * rendering matter the core never sees. After a restart the page buttons of
 * old messages are refused with an ephemeral notice, while their rating and
 * mood buttons keep working: they carry the core's own payloads.
 */
import type { Button, PickCard, Reply } from '../../core/conversation/turn.js';
import { BoundedMap, perApplication } from './bounded-map.js';

type Picks = Extract<Reply, { kind: 'picks' }>;

/** custom_id of the page buttons: `dp:<index>:<slot>`. The core never makes payloads starting with `dp:`. */
export const PAGE_PREFIX = 'dp:';

/**
 * Discord refuses two components with one custom_id on a message, and with two
 * picks ◀ and ▶ lead to the same page: the slot (p, c, n) keeps them apart.
 */
export const pageAction = (index: number, slot: 'p' | 'c' | 'n') => `${PAGE_PREFIX}${index}:${slot}`;

/** The page a press asks for, 'invalid' for a malformed page id, null when it is not a page press. */
export function parsePageAction(customId: string): number | 'invalid' | null {
  if (!customId.startsWith(PAGE_PREFIX)) return null;
  const m = /^dp:(\d{1,2}):[pcn]$/.exec(customId);
  return m ? Number(m[1]) : 'invalid';
}

/** Shown (ephemerally) for a page press on a message this process does not know. */
export const STALE_PAGE_NOTICE = 'These picks are no longer kept (MoodReel restarted). Send /mood for fresh ones; the rating buttons still work.';

/** One picks answer as shown on its message. */
export interface PagedPicks {
  readonly header: string;
  readonly footer?: string;
  readonly footerButtons?: readonly (readonly Button[])[];
  /** Cards as shown: a rating press replaces a card's buttons and mark. */
  readonly cards: PickCard[];
  current: number;
}

export const pagedPicks = (reply: Picks): PagedPicks => ({
  header: reply.header,
  ...(reply.footer !== undefined ? { footer: reply.footer } : {}),
  ...(reply.footerButtons ? { footerButtons: reply.footerButtons } : {}),
  cards: [...reply.cards],
  current: 0,
});

/**
 * Records a rating on the card whose buttons carry the marked rows' payloads.
 * Returns the card's index, or -1 when no card of this answer has them.
 */
export function markCard(state: PagedPicks, mark: string, marked: readonly (readonly Button[])[]): number {
  const actions = new Set(marked.flat().flatMap((b) => ('action' in b ? [b.action] : [])));
  const index = state.cards.findIndex((card) => card.buttons.flat().some((b) => 'action' in b && actions.has(b.action)));
  if (index >= 0) state.cards[index] = { ...state.cards[index]!, buttons: marked, mark };
  return index;
}

/** Paged answers by message id, the oldest forgotten first past 5,000. */
export type PageStore = BoundedMap<string, PagedPicks>;

const stores = perApplication<PageStore>(() => new BoundedMap());

/**
 * The store of one application (discord.js `interaction.applicationId`). It
 * lives as long as the process: a client the adapter logs in afresh after an
 * outage still pages the answers of the one before, and a restart (a new
 * process) starts empty.
 */
export const pagesFor = (applicationId: string): PageStore => stores.of(applicationId);

/** Forgets every answer's pages, as a new process would: how tests play a restart. */
export const forgetAllPages = (): void => stores.clear();
