/**
 * Reply[] -> Bot API calls, in order. Plain text only (no parse_mode), so a
 * movie called "Kiss Kiss *Bang* Bang" can never break a message.
 */
import { Input } from 'telegraf';
import type { InlineKeyboardMarkup, ReplyParameters } from 'telegraf/types';
import type { Button, PickCard, Reply } from '../../core/conversation/turn.js';
import type { Logger } from '../../core/ports.js';
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

/** Caption (or fallback text) of a pick card; the reason is shortened first when it does not fit. */
export const cardCaption = (card: PickCard, limit = MAX_CAPTION_CHARS): string => {
  const title = `${card.rank}. ${card.title}${card.year !== null ? ` (${card.year})` : ''}`;
  const meta = [card.genres.join(', '), card.runtime !== null ? `${card.runtime} min` : ''].filter(Boolean).join(' · ');
  const head = [title, meta].filter(Boolean).join('\n');
  if (!card.reason) return truncate(head, limit);
  const room = limit - head.length - 2;
  return room >= 20 ? `${head}\n\n${truncate(card.reason, room)}` : truncate(head, limit);
};

/** Rating rows from the core, then the card's links as URL buttons (three per row). */
const cardButtons = (card: PickCard): Button[][] => {
  const rows: Button[][] = card.buttons.map((row) => [...row]);
  for (let i = 0; i < card.links.length; i += 3) {
    rows.push(card.links.slice(i, i + 3).map((link) => ({ label: link.label, url: link.url })));
  }
  return rows;
};

export class ReplySender {
  constructor(
    private readonly call: CallApi,
    private readonly actions: LongActionStore,
    private readonly logger: Logger,
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
        case 'text':
          await this.sendText(target.chatId, reply.text, reply.buttons, quoteOnce);
          break;
        case 'error':
          await this.sendText(target.chatId, reply.text, undefined, quoteOnce);
          break;
        case 'picks':
          await this.sendPicks(target.chatId, reply, quoteOnce);
          break;
        case 'file':
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
  ): Promise<void> {
    if (text.trim().length === 0) {
      this.logger.warn({ event: 'telegram_empty_text' }, 'Skipped an empty text reply');
      return;
    }
    const parts = splitText(text, MAX_MESSAGE_CHARS);
    const keyboard = buttons ? toInlineKeyboard(buttons, this.actions) : undefined;
    for (const [i, part] of parts.entries()) {
      const last = i === parts.length - 1;
      await this.call('sendMessage', {
        chat_id: chatId,
        text: part,
        ...quoteOnce(),
        ...(last && keyboard ? { reply_markup: keyboard } : {}),
      });
    }
  }

  private async sendPicks(
    chatId: number | string,
    reply: Extract<Reply, { kind: 'picks' }>,
    quoteOnce: () => { reply_parameters?: ReplyParameters },
  ): Promise<void> {
    if (reply.header.trim()) await this.sendText(chatId, reply.header, undefined, quoteOnce);
    for (const card of reply.cards) {
      const caption = cardCaption(card);
      const keyboard = toInlineKeyboard(cardButtons(card), this.actions);
      const markup = keyboard ? { reply_markup: keyboard } : {};
      if (card.posterUrl) {
        try {
          await this.call('sendPhoto', { chat_id: chatId, photo: card.posterUrl, caption, ...markup, ...quoteOnce() });
          continue;
        } catch (error) {
          // A blocked bot or an exhausted rate limit will not get better with a text message.
          if (!(error instanceof TelegramApiError) || error.isForbidden || error.code === 429) throw error;
          this.logger.info(
            { event: 'telegram_poster_failed', code: error.code, movieId: card.movieId },
            'Poster refused, sending the card as text',
          );
        }
      }
      await this.call('sendMessage', { chat_id: chatId, text: caption, ...markup, ...quoteOnce() });
    }
    const footerText = reply.footer?.trim() ? reply.footer : reply.footerButtons?.length ? '…' : '';
    if (footerText) await this.sendText(chatId, footerText, reply.footerButtons, quoteOnce);
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
