/**
 * Core Replies as Discord message payloads (raw API JSON, so the same payload
 * goes through an interaction response, a follow-up or a plain channel POST).
 * Pure functions: no client, no network, easy to test on their own.
 */
import {
  ButtonStyle,
  ComponentType,
  type APIActionRowComponent,
  type APIButtonComponent,
  type APIEmbed,
  type APIEmbedField,
} from 'discord.js';
import type { Button, PickCard, Reply } from '../../core/conversation/turn.js';
import { pageAction, pagedPicks, type PagedPicks } from './discord.pages.js';

/** Discord's message limits (https://discord.com/developers/docs/resources/message). */
export const LIMITS = {
  content: 2000,
  customId: 100,
  buttonLabel: 80,
  buttonsPerRow: 5,
  rowsPerMessage: 5,
  embedTitle: 256,
  embedDescription: 4096,
  fieldValue: 1024,
  footerText: 2048,
} as const;

/** MoodReel's accent colour on pick cards. */
const CARD_COLOR = 0x7c5cff;

export type ButtonRow = APIActionRowComponent<APIButtonComponent>;

export interface OutgoingFile {
  readonly name: string;
  readonly data: Buffer;
  readonly contentType: string;
}

/** One message to send: new (reply, follow-up, channel post). */
export interface OutgoingMessage {
  readonly kind: 'message';
  readonly content?: string;
  readonly embeds: readonly APIEmbed[];
  readonly components: readonly ButtonRow[];
  readonly files: readonly OutgoingFile[];
  readonly ephemeral: boolean;
  /** A picks answer: what the message shows, kept by message id once sent so its pages and ratings edit it. */
  readonly pages?: PagedPicks;
  /** Shown in place of the pressed picks message when both have the same visibility (a mood correction). */
  readonly replacesPressed?: boolean;
  /** The reply's name for later 'update' replies (a watch party's message): where it went is remembered. */
  readonly ref?: string;
}

/** The answer to a button press: a toast, and optionally the pressed message edited in place. */
export interface OutgoingAck {
  readonly kind: 'ack';
  /** Discord has no toast: shown as a short ephemeral message. Empty = none. */
  readonly toast: string;
  /** New text of the pressed message, when it changes. */
  readonly content?: string;
  /** New rows of the pressed message; [] removes them; undefined leaves them. */
  readonly components?: readonly ButtonRow[];
  /** A refusal or warning: always shown, never dropped in favour of an edit. */
  readonly alert?: boolean;
  /**
   * A rating press: the note for the rated card ('★4 saved'). `components` are
   * then that card's rating rows only (from `marked`), to replace on a picks
   * message without touching its pager and mood rows.
   */
  readonly mark?: string;
  readonly marked?: readonly (readonly Button[])[];
}

export type Outgoing = OutgoingMessage | OutgoingAck;

export interface RenderOptions {
  /** Every message ephemeral, whatever the reply says (private commands in a server). */
  readonly forceEphemeral?: boolean;
  /** Told when something had to be dropped to fit Discord (too many buttons, custom_id too long). */
  readonly onDrop?: (what: string, details: Record<string, unknown>) => void;
}

/** Renders one Reply as the messages (or ack) Discord should receive, in order. */
export function renderReply(reply: Reply, options: RenderOptions = {}): Outgoing[] {
  const force = options.forceEphemeral ?? false;
  switch (reply.kind) {
    case 'text': {
      const messages = textMessages(reply.text, buttonRows(reply.buttons, options), force || (reply.ephemeral ?? false));
      const last = messages.at(-1);
      // The buttons live on the last part: that is the message a later update edits.
      if (reply.ref !== undefined && last && !last.ephemeral) messages[messages.length - 1] = { ...last, ref: reply.ref };
      return messages;
    }
    case 'error':
      return textMessages(reply.text, [], force || (reply.ephemeral ?? false));
    case 'file':
      return [
        message({
          content: truncate(reply.caption, LIMITS.content) || undefined,
          files: [{ name: reply.fileName, data: Buffer.from(reply.data), contentType: reply.mimeType }],
          ephemeral: force || (reply.ephemeral ?? false),
        }),
      ];
    case 'picks':
      // A correction's new picks in a server are for the presser only; the pressed message stays as it was.
      return pickMessages(reply, options, force || (reply.ephemeral ?? false));
    case 'update':
      // Not a message: the channel notifier edits the named message (editByRef in discord.refs.ts).
      return [];
    case 'ack':
      return [
        {
          kind: 'ack',
          toast: reply.toast,
          ...(reply.alert ? { alert: true } : {}),
          ...(reply.text !== undefined ? { content: truncate(reply.text, LIMITS.content) } : {}),
          ...(reply.buttons === null ? { components: [] } : {}),
          ...(reply.buttons ? { components: buttonRows(reply.buttons, options) } : {}),
          ...(reply.mark !== undefined && reply.buttons ? { mark: reply.mark, marked: reply.buttons } : {}),
        },
      ];
  }
}

/** The new text and rows of a message named by an 'update' reply (null buttons remove the rows). */
export function renderUpdate(reply: Extract<Reply, { kind: 'update' }>, options: RenderOptions = {}): { content: string; components: ButtonRow[] } {
  return { content: truncate(reply.text, LIMITS.content), components: reply.buttons === null ? [] : buttonRows(reply.buttons, options) };
}

/**
 * One message per picks answer: the mood line as content, the current pick as
 * an embed, its rating rows, `◀ 2/5 ▶`, then the answer's own rows (moods).
 * A picks answer without cards is plain text with the answer's rows.
 */
function pickMessages(reply: Extract<Reply, { kind: 'picks' }>, options: RenderOptions, ephemeral: boolean): OutgoingMessage[] {
  if (reply.cards.length === 0) {
    const text = [reply.header, reply.footer ?? ''].map((t) => t.trim()).filter(Boolean).join('\n\n');
    return textMessages(text, buttonRows(reply.footerButtons, options), ephemeral);
  }
  return [{ ...pageMessage(pagedPicks(reply), options, ephemeral), ...(reply.replacesPressed ? { replacesPressed: true } : {}) }];
}

/**
 * The message for the current page of a picks answer. Rows, most needed first:
 * the card's ratings (2), the pager (1), the answer's rows (the 7 moods: 2);
 * past Discord's 5 rows the last are dropped and reported.
 */
export function pageMessage(state: PagedPicks, options: RenderOptions = {}, ephemeral = false): OutgoingMessage {
  const n = state.cards.length;
  const card = state.cards[state.current]!;
  const rows: ButtonRow[] = [...buttonRows(card.buttons, options)];
  if (n > 1) rows.push(pagerRow(state.current, n));
  rows.push(...buttonRows(state.footerButtons, options));
  if (rows.length > LIMITS.rowsPerMessage) options.onDrop?.('button_rows', { rows: rows.length });
  const header = state.header.trim();
  return {
    ...message({
      content: header ? truncate(header, LIMITS.content) : undefined,
      embeds: [cardEmbed(card, { position: n > 1 ? `Pick ${state.current + 1} of ${n}` : undefined, note: state.footer })],
      components: rows.slice(0, LIMITS.rowsPerMessage),
      ephemeral,
    }),
    pages: state,
  };
}

/** `◀ 2/5 ▶`: wraps around at both ends; the middle button only shows where you are. */
function pagerRow(current: number, n: number): ButtonRow {
  const button = (label: string, customId: string, disabled = false): APIButtonComponent => ({
    type: ComponentType.Button,
    style: ButtonStyle.Secondary,
    label,
    custom_id: customId,
    ...(disabled ? { disabled: true } : {}),
  });
  return {
    type: ComponentType.ActionRow,
    components: [
      button('◀', pageAction((current - 1 + n) % n, 'p')),
      button(`${current + 1}/${n}`, pageAction(current, 'c'), true),
      button('▶', pageAction((current + 1) % n, 'n')),
    ],
  };
}

/**
 * A pick card as an embed: title (linked), the rating mark and reason, genres,
 * runtime, links, the poster as the big image. Without a usable poster it is a
 * text card with the same fields. `position` and `note` (the answer's footer:
 * /music hint, "Not quite? I feel…") go in the embed footer, just above the rows.
 */
export function cardEmbed(card: PickCard, extra: { readonly position?: string | undefined; readonly note?: string | undefined } = {}): APIEmbed {
  const fields: APIEmbedField[] = [];
  if (card.genres.length > 0) fields.push({ name: 'Genres', value: truncate(card.genres.join(', '), LIMITS.fieldValue), inline: true });
  if (card.runtime !== null && card.runtime > 0) fields.push({ name: 'Runtime', value: formatRuntime(card.runtime), inline: true });
  const links = card.links.filter((link) => isWebUrl(link.url));
  if (links.length > 0) {
    fields.push({ name: 'Links', value: truncate(links.map((l) => `[${escapeMarkdown(l.label)}](${l.url})`).join(' · '), LIMITS.fieldValue) });
  }
  const embed: APIEmbed = {
    title: truncate(card.year !== null ? `${card.title} (${card.year})` : card.title, LIMITS.embedTitle),
    color: CARD_COLOR,
  };
  const description = [card.mark ? `✅ **${escapeMarkdown(card.mark)}**` : '', card.reason.trim()].filter(Boolean).join('\n\n');
  if (description) embed.description = truncate(description, LIMITS.embedDescription);
  if (links[0]) embed.url = links[0].url;
  if (fields.length > 0) embed.fields = fields;
  if (card.posterUrl && isWebUrl(card.posterUrl)) embed.image = { url: card.posterUrl };
  const footer = [extra.position ?? '', extra.note?.trim() ?? ''].filter(Boolean).join('\n');
  if (footer) embed.footer = { text: truncate(footer, LIMITS.footerText) };
  return embed;
}

/**
 * Button rows as Discord action rows: action buttons carry the core's payload
 * as custom_id, URL buttons are link buttons. Rows longer than 5 are wrapped;
 * past 5 rows, and custom_ids over 100 chars, are dropped and reported.
 */
export function buttonRows(rows: readonly (readonly Button[])[] | undefined, options: RenderOptions = {}): ButtonRow[] {
  if (!rows) return [];
  const out: ButtonRow[] = [];
  for (const row of rows) {
    const buttons: APIButtonComponent[] = [];
    for (const button of row) {
      const label = truncate(button.label, LIMITS.buttonLabel) || '·';
      if ('url' in button) {
        if (!isWebUrl(button.url)) {
          options.onDrop?.('button_bad_url', { label });
          continue;
        }
        buttons.push({ type: ComponentType.Button, style: ButtonStyle.Link, label, url: button.url });
      } else {
        if (button.action.length === 0 || button.action.length > LIMITS.customId) {
          options.onDrop?.('button_custom_id_length', { length: button.action.length });
          continue;
        }
        buttons.push({ type: ComponentType.Button, style: ButtonStyle.Secondary, label, custom_id: button.action });
      }
    }
    for (let i = 0; i < buttons.length; i += LIMITS.buttonsPerRow) {
      out.push({ type: ComponentType.ActionRow, components: buttons.slice(i, i + LIMITS.buttonsPerRow) });
    }
  }
  if (out.length > LIMITS.rowsPerMessage) {
    options.onDrop?.('button_rows', { rows: out.length });
    return out.slice(0, LIMITS.rowsPerMessage);
  }
  return out;
}

/** Text over 2000 chars becomes several messages; the buttons go on the last one. */
function textMessages(text: string, components: readonly ButtonRow[], ephemeral: boolean): OutgoingMessage[] {
  const parts = splitText(text, LIMITS.content);
  if (parts.length === 0) {
    if (components.length === 0) return []; // Discord refuses an empty message (50006)
    parts.push('');
  }
  return parts.map((part, index) =>
    message({ content: part || undefined, components: index === parts.length - 1 ? components : [], ephemeral }),
  );
}

function message(fields: Partial<Omit<OutgoingMessage, 'kind'>>): OutgoingMessage {
  return {
    kind: 'message',
    ...(fields.content !== undefined ? { content: fields.content } : {}),
    embeds: fields.embeds ?? [],
    components: fields.components ?? [],
    files: fields.files ?? [],
    ephemeral: fields.ephemeral ?? false,
  };
}

/** Splits at line breaks (then spaces) so no part exceeds `max` characters. */
export function splitText(text: string, max: number): string[] {
  const parts: string[] = [];
  let rest = text.trim();
  while (rest.length > max) {
    let cut = rest.lastIndexOf('\n', max);
    if (cut < max / 2) cut = rest.lastIndexOf(' ', max);
    if (cut < max / 2) cut = max;
    parts.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest) parts.push(rest);
  return parts;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function formatRuntime(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h > 0 ? `${h}h ${String(m).padStart(2, '0')}m` : `${m}m`;
}

function escapeMarkdown(text: string): string {
  return text.replace(/[[\]()*_~`|\\]/g, '\\$&');
}

function isWebUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
