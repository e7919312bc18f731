/**
 * Reply[] -> Bot API calls, in order. Plain text only (no parse_mode), so a
 * movie called "Kiss Kiss *Bang* Bang" can never break a message.
 */
import { Input } from 'telegraf';
import type { InlineKeyboardMarkup, ReplyParameters } from 'telegraf/types';
import type { Button, Reply } from '../../core/conversation/turn.js';
import type { Logger } from '../../core/ports.js';
import { CarouselStore, carouselFrom, pageButtons, pageText, replaceRatingRows, type CarouselState } from './carousel.js';
import { toInlineKeyboard, type LongActionStore } from './keyboard.js';
import { TelegramApiError, type CallApi } from './telegram-api.js';
import { MAX_CALLBACK_ANSWER_CHARS, MAX_CAPTION_CHARS, MAX_MESSAGE_CHARS, splitText, truncate } from './text-limits.js';
import type { PressContext } from './update-to-turn.js';

export interface SendTarget {
  readonly chatId: number | string;
  /** Quoted by the first message sent (groups), so it is clear whom the bot answers. */
  readonly replyToMessageId?: number;
  /** Set when the turn was a button press: acks answer it and edit its message. */
  readonly press?: PressState;
}

/** A press being answered: Telegram accepts exactly one answer per callback query. */
export interface PressState extends PressContext {
  answered: boolean;
  /** The pressed message's keyboard as last set by us (edits keep it unless told otherwise). */
  currentMarkup?: InlineKeyboardMarkup;
}

export const pressState = (press: PressContext): PressState => ({
  ...press,
  answered: false,
  ...(press.message?.replyMarkup ? { currentMarkup: press.message.replyMarkup } : {}),
});

/** Where a message named by a reply's `ref` went (watch-party proposals), bounded, oldest forgotten first. */
class RefStore {
  private readonly byRef = new Map<string, { chatId: number | string; messageId: number }>();
  constructor(private readonly capacity = 5_000) {}
  get(ref: string) {
    return this.byRef.get(ref);
  }
  set(ref: string, where: { chatId: number | string; messageId: number }) {
    this.byRef.delete(ref);
    this.byRef.set(ref, where);
    if (this.byRef.size > this.capacity) {
      const oldest = this.byRef.keys().next().value;
      if (oldest !== undefined) this.byRef.delete(oldest);
    }
  }
}

/** A poster Telegram could not fetch: other failures (blocked, rate limit, outage) will not get better with text. */
const isPosterRefused = (error: unknown): error is TelegramApiError =>
  error instanceof TelegramApiError && error.code !== null && error.code >= 400 && error.code < 500 && !error.isForbidden && error.code !== 429 && !error.isNotModified;

export class ReplySender {
  private readonly refs = new RefStore();

  constructor(
    private readonly call: CallApi,
    private readonly actions: LongActionStore,
    private readonly logger: Logger,
    /** What each picks message shows, for paging and rating in place. */
    readonly carousels: CarouselStore = new CarouselStore(),
  ) {}

  /**
   * Sends replies in order; the first ack is answered first so the button's
   * spinner stops before a long pick list goes out. Stops at the first failed
   * reply (the caller decides whether an apology can still be sent).
   */
  async send(target: SendTarget, replies: readonly Reply[]): Promise<void> {
    const firstAck = replies.findIndex((r) => r.kind === 'ack');
    const ordered = firstAck > 0 ? [replies[firstAck]!, ...replies.filter((_, i) => i !== firstAck)] : replies;
    let quote = target.replyToMessageId;
    const quoteOnce = (): { reply_parameters?: ReplyParameters } => {
      if (quote === undefined) return {};
      const reply_parameters = { message_id: quote, allow_sending_without_reply: true };
      quote = undefined;
      return { reply_parameters };
    };
    for (const reply of ordered) {
      switch (reply.kind) {
        case 'text': {
          const sent = await this.sendText(target.chatId, reply.text, reply.buttons, quoteOnce);
          if (reply.ref !== undefined && sent !== null) this.refs.set(reply.ref, { chatId: target.chatId, messageId: sent });
          break;
        }
        case 'update':
          await this.update(reply);
          break;
        case 'error':
          await this.sendText(target.chatId, reply.text, undefined, quoteOnce);
          break;
        case 'picks':
          if (reply.replacesPressed && target.press?.message && (await this.replacePicks(target.press.message, reply))) break;
          await this.sendPicks(target.chatId, reply, quoteOnce);
          break;
        case 'file':
          if (/^image\/(png|jpeg|webp)$/.test(reply.mimeType)) {
            // A picture (the /moodlog chart) shows inline as a photo.
            await this.call('sendPhoto', {
              chat_id: target.chatId,
              photo: Input.fromBuffer(Buffer.from(reply.data), reply.fileName),
              ...(reply.caption ? { caption: truncate(reply.caption, MAX_CAPTION_CHARS) } : {}),
            });
            break;
          }
          await this.call('sendDocument', {
            chat_id: target.chatId,
            document: Input.fromBuffer(Buffer.from(reply.data), reply.fileName),
            // No reply_parameters here: telegraf's multipart encoder drops object fields it does not know.
            ...(reply.caption ? { caption: truncate(reply.caption, MAX_CAPTION_CHARS) } : {}),
          });
          break;
        case 'ack':
          await this.ack(target, reply, quoteOnce);
          break;
      }
    }
  }

  /** Answers a press with no toast; every callback query must be answered, even after failures. */
  async answerPress(press: PressState, toast?: string, alert = false): Promise<void> {
    if (press.answered) return;
    press.answered = true;
    try {
      await this.call('answerCallbackQuery', {
        callback_query_id: press.queryId,
        ...(toast ? { text: truncate(toast, MAX_CALLBACK_ANSWER_CHARS) } : {}),
        ...(alert ? { show_alert: true } : {}),
      });
    } catch (error) {
      // Queries expire after a while ("query is too old"); the user already moved on.
      this.logger.info(
        { event: 'telegram_callback_answer_failed', code: error instanceof TelegramApiError ? error.code : null },
        'Could not answer a button press',
      );
    }
  }

  private async sendText(
    chatId: number | string,
    text: string,
    buttons: readonly (readonly Button[])[] | undefined,
    quoteOnce: () => { reply_parameters?: ReplyParameters },
  ): Promise<number | null> {
    if (text.trim().length === 0) {
      this.logger.warn({ event: 'telegram_empty_text' }, 'Skipped an empty text reply');
      return null;
    }
    const parts = splitText(text, MAX_MESSAGE_CHARS);
    const keyboard = buttons ? toInlineKeyboard(buttons, this.actions) : undefined;
    let lastId: number | null = null;
    for (const [i, part] of parts.entries()) {
      const last = i === parts.length - 1;
      const sent = await this.call('sendMessage', {
        chat_id: chatId,
        text: part,
        ...quoteOnce(),
        ...(last && keyboard ? { reply_markup: keyboard } : {}),
      });
      lastId = sent.message_id;
    }
    return lastId;
  }

  /**
   * One message per picks answer: the first card as a photo with its caption and
   * keyboard (pager included), or a text card when a card has no poster or
   * Telegram cannot fetch the first one. Paging and rating edit it later.
   */
  private async sendPicks(
    chatId: number | string,
    reply: Extract<Reply, { kind: 'picks' }>,
    quoteOnce: () => { reply_parameters?: ReplyParameters },
  ): Promise<void> {
    if (reply.cards.length === 0) {
      const text = [reply.header, reply.footer ?? ''].map((t) => t.trim()).filter(Boolean).join('\n\n');
      await this.sendText(chatId, text || '…', reply.footerButtons, quoteOnce);
      return;
    }
    // Taken once: a refused poster must not use up the quote of the text card sent instead.
    const quote = quoteOnce();
    // A photo message cannot become a text one: one card without a poster makes the whole answer text cards.
    if (reply.cards.every((card) => card.posterUrl)) {
      const state = carouselFrom(reply, 'photo');
      try {
        const sent = await this.call('sendPhoto', {
          chat_id: chatId,
          photo: state.cards[0]!.posterUrl!,
          caption: pageText(state),
          ...this.markup(state),
          ...quote,
        });
        this.carousels.set(chatId, sent.message_id, state);
        return;
      } catch (error) {
        if (!isPosterRefused(error)) throw error;
        this.logger.info(
          { event: 'telegram_poster_failed', code: error.code, movieId: state.cards[0]!.movieId },
          'Poster refused, sending the picks as a text card',
        );
      }
    }
    const state = carouselFrom(reply, 'text');
    const sent = await this.call('sendMessage', { chat_id: chatId, text: pageText(state), ...this.markup(state), ...quote });
    this.carousels.set(chatId, sent.message_id, state);
  }

  /**
   * New picks shown on the pressed picks message (a mood correction), from card
   * 1. A photo message stays a photo message and a text card a text card; when
   * that cannot be (a new card has no poster), returns false and the caller
   * sends a new answer.
   */
  private async replacePicks(message: NonNullable<PressState['message']>, reply: Extract<Reply, { kind: 'picks' }>): Promise<boolean> {
    const known = this.carousels.get(message.chatId, message.messageId);
    const media = known?.media ?? (message.hasMedia ? 'photo' : 'text');
    if (reply.cards.length === 0 || (media === 'photo' && !reply.cards.every((card) => card.posterUrl))) return false;
    const state = carouselFrom(reply, media);
    await this.showPage(message, state);
    this.carousels.set(message.chatId, message.messageId, state);
    return true;
  }

  private markup(state: CarouselState): { reply_markup?: InlineKeyboardMarkup } {
    const keyboard = toInlineKeyboard(pageButtons(state), this.actions);
    return keyboard ? { reply_markup: keyboard } : {};
  }

  /**
   * A press on `◀ 2/5 ▶`: shows card `index` on the same message (editMessageMedia
   * for a photo, editMessageText for a text card). A page of a message this
   * process does not know (before a restart, forged) is refused with an alert.
   */
  async page(press: PressState, index: number | 'invalid'): Promise<void> {
    const message = press.message;
    const state = message ? this.carousels.get(message.chatId, message.messageId) : undefined;
    if (!message || !state || index === 'invalid' || index >= state.cards.length) {
      await this.answerPress(press, 'These picks are no longer kept (MoodReel restarted). Send /mood for fresh ones; the rating buttons still work.', true);
      return;
    }
    await this.answerPress(press);
    if (index === state.current) return;
    const previous = state.current;
    state.current = index;
    try {
      await this.showPage(message, state);
    } catch (error) {
      state.current = previous;
      throw error;
    }
  }

  /** Redraws the current page; a poster Telegram cannot fetch keeps the old picture with a note in the caption. */
  private async showPage(message: { chatId: number; messageId: number }, state: CarouselState, mediaChanged = true): Promise<void> {
    const where = { chat_id: message.chatId, message_id: message.messageId };
    const markup = this.markup(state);
    try {
      if (state.media === 'text') {
        await this.call('editMessageText', { ...where, text: pageText(state), ...markup });
      } else if (!mediaChanged) {
        await this.call('editMessageCaption', { ...where, caption: pageText(state), ...markup });
      } else {
        const card = state.cards[state.current]!;
        try {
          await this.call('editMessageMedia', { ...where, media: { type: 'photo', media: card.posterUrl!, caption: pageText(state) }, ...markup });
        } catch (error) {
          if (!isPosterRefused(error)) throw error;
          this.logger.info({ event: 'telegram_poster_failed', code: error.code, movieId: card.movieId }, 'Poster refused while paging');
          const note = '(poster not available)';
          await this.call('editMessageCaption', { ...where, caption: `${pageText(state, MAX_CAPTION_CHARS - note.length - 2)}\n\n${note}`, ...markup });
        }
      }
    } catch (error) {
      if (error instanceof TelegramApiError && error.isNotModified) return;
      throw error;
    }
  }

  /** Edits the message a reply named with `ref`; one this process never sent (restart) is skipped. */
  private async update(reply: Extract<Reply, { kind: 'update' }>): Promise<void> {
    const where = this.refs.get(reply.ref);
    if (!where) {
      this.logger.info({ event: 'telegram_update_unknown_ref' }, 'No message to edit for this ref (sent before a restart)');
      return;
    }
    const keyboard = reply.buttons ? toInlineKeyboard(reply.buttons, this.actions) : undefined;
    try {
      await this.call('editMessageText', {
        chat_id: where.chatId,
        message_id: where.messageId,
        text: truncate(reply.text, MAX_MESSAGE_CHARS),
        ...(keyboard ? { reply_markup: keyboard } : {}),
      });
    } catch (error) {
      // Deleted by a member, or already showing this: what must be seen follows as its own reply.
      if (error instanceof TelegramApiError && error.code === 400) {
        this.logger.info({ event: 'telegram_update_failed', description: error.description }, 'Could not edit the named message');
        return;
      }
      throw error;
    }
  }

  /**
   * A rating press on a picks message: the rated card shows the mark and the
   * marked buttons. Without the carousel (restart) only the rating rows of the
   * keyboard are replaced, so the pager and links stay. False when neither
   * applies (the caller edits the keyboard as for any ack).
   */
  private async markRated(
    message: NonNullable<PressState['message']>,
    press: PressState,
    mark: string,
    buttons: readonly (readonly Button[])[],
  ): Promise<boolean> {
    const state = this.carousels.get(message.chatId, message.messageId);
    const actions = new Set(buttons.flat().flatMap((b) => ('action' in b ? [b.action] : [])));
    const index = state?.cards.findIndex((card) => card.buttons.flat().some((b) => 'action' in b && actions.has(b.action))) ?? -1;
    if (state && index >= 0) {
      state.cards[index] = { ...state.cards[index]!, buttons, mark };
      if (index === state.current) await this.showPage(message, state, false);
      return true;
    }
    const rows = replaceRatingRows(press.currentMarkup, buttons, (action) => this.actions.encode(action));
    if (!rows) return false;
    const markup = toInlineKeyboard(rows, this.actions);
    try {
      await this.call('editMessageReplyMarkup', { chat_id: message.chatId, message_id: message.messageId, ...(markup ? { reply_markup: markup } : {}) });
      press.currentMarkup = markup;
    } catch (error) {
      if (!(error instanceof TelegramApiError && error.isNotModified)) throw error;
    }
    return true;
  }

  private async ack(
    target: SendTarget,
    reply: Extract<Reply, { kind: 'ack' }>,
    quoteOnce: () => { reply_parameters?: ReplyParameters },
  ): Promise<void> {
    const press = target.press;
    if (!press) {
      // An ack outside a button press (core bug or notifier): say it as a message instead of losing it.
      this.logger.warn({ event: 'telegram_ack_without_press' }, 'Ack reply outside a button press');
      await this.sendText(target.chatId, reply.text ?? reply.toast, undefined, quoteOnce);
      return;
    }
    await this.answerPress(press, reply.toast, reply.alert ?? false);
    const message = press.message;
    if (message && reply.mark !== undefined && reply.buttons) {
      if (await this.markRated(message, press, reply.mark, reply.buttons)) return;
    }
    if (!message || (reply.text === undefined && reply.buttons === undefined)) return;
    const markup =
      reply.buttons === undefined
        ? press.currentMarkup
        : reply.buttons === null
          ? undefined
          : toInlineKeyboard(reply.buttons, this.actions);
    const where = { chat_id: message.chatId, message_id: message.messageId };
    try {
      if (reply.text !== undefined && message.hasMedia) {
        await this.call('editMessageCaption', {
          ...where,
          caption: truncate(reply.text, MAX_CAPTION_CHARS),
          ...(markup ? { reply_markup: markup } : {}),
        });
      } else if (reply.text !== undefined) {
        await this.call('editMessageText', {
          ...where,
          text: truncate(reply.text, MAX_MESSAGE_CHARS),
          ...(markup ? { reply_markup: markup } : {}),
        });
      } else {
        await this.call('editMessageReplyMarkup', { ...where, ...(markup ? { reply_markup: markup } : {}) });
      }
      press.currentMarkup = markup;
    } catch (error) {
      if (error instanceof TelegramApiError && error.isNotModified) return;
      throw error;
    }
  }
}
