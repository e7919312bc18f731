/**
 * Telegram update -> Turn. Pure translation: no API calls (the image loader is
 * lazy), so every rule here (privacy mode in groups, /cmd@bot, which media count
 * as images) is tested without a network.
 */
import type { CallbackQuery, InlineKeyboardMarkup, Message, Update, User } from 'telegraf/types';
import type { Turn } from '../../core/conversation/turn.js';
import { createImageInput, type FileAccess } from './image-loader.js';
import type { LongActionStore } from './keyboard.js';

export interface BotIdentity {
  readonly id: number;
  readonly username: string;
}

export interface TranslateContext {
  readonly bot: BotIdentity;
  readonly files: FileAccess;
  readonly maxImageBytes: number;
  readonly actions: LongActionStore;
  readonly now: () => Date;
}

/** The button press a turn answers: needed to answer the query and edit the message in place. */
export interface PressContext {
  readonly queryId: string;
  readonly message?: {
    readonly chatId: number;
    readonly messageId: number;
    /** Photo/document messages are edited with editMessageCaption, text ones with editMessageText. */
    readonly hasMedia: boolean;
    readonly replyMarkup?: InlineKeyboardMarkup;
  };
}

export type Incoming =
  | {
      readonly kind: 'turn';
      readonly turn: Turn;
      /** Where replies go (the chat of the message, or of the pressed button). */
      readonly chatId: number;
      /** In groups, the user's message our first reply quotes. */
      readonly replyToMessageId?: number;
      readonly press?: PressContext;
    }
  | {
      readonly kind: 'ignored';
      readonly reason: string;
      readonly chatId: number | null;
      /** A callback query we do not route still has to be answered. */
      readonly press?: PressContext;
    };

type AnyMessage = Message & Record<string, unknown>;

/** Media the core does not handle, in the order Telegram nests them (an animation also carries `document`). */
const UNSUPPORTED = [
  'animation',
  'sticker',
  'video',
  'video_note',
  'voice',
  'audio',
  'venue',
  'location',
  'contact',
  'poll',
  'dice',
  'game',
  'story',
] as const;

const COMMAND = /^\/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]+))?(?=$|\s)/;

/**
 * `/mood@MoodReelBot I feel low` -> `/mood I feel low`. Returns null when the
 * command is addressed to another bot (groups with several bots).
 */
export const normaliseCommand = (text: string, botUsername: string): { text: string; isCommand: boolean } | null => {
  const match = COMMAND.exec(text);
  if (!match) return { text, isCommand: false };
  const target = match[2];
  if (target !== undefined && target.toLowerCase() !== botUsername.toLowerCase()) return null;
  return { text: `/${match[1]}${text.slice(match[0].length)}`, isCommand: true };
};

const userOf = (from: User): Turn['user'] => ({ id: String(from.id), name: from.first_name });

export const updateToIncoming = (update: Update, ctx: TranslateContext): Incoming => {
  if ('callback_query' in update) return fromCallback(update.callback_query, ctx);
  if ('message' in update) return fromMessage(update.message as AnyMessage, ctx);
  return { kind: 'ignored', reason: 'update_type', chatId: null };
};

const fromCallback = (query: CallbackQuery, ctx: TranslateContext): Incoming => {
  const message = query.message as AnyMessage | undefined;
  const press: PressContext = {
    queryId: query.id,
    ...(message
      ? {
          message: {
            chatId: message.chat.id,
            messageId: message.message_id,
            hasMedia: 'photo' in message || 'document' in message,
            ...(message.reply_markup ? { replyMarkup: message.reply_markup as InlineKeyboardMarkup } : {}),
          },
        }
      : {}),
  };
  const chatId = message?.chat.id ?? query.from.id;
  if (!('data' in query) || typeof query.data !== 'string') {
    return { kind: 'ignored', reason: 'callback_without_data', chatId, press };
  }
  const chatType = message?.chat.type ?? 'private';
  if (chatType === 'channel') return { kind: 'ignored', reason: 'channel', chatId, press };
  return {
    kind: 'turn',
    chatId,
    press,
    turn: {
      platform: 'telegram',
      user: userOf(query.from),
      chat: { id: String(chatId), kind: chatType === 'private' ? 'private' : 'group' },
      action: ctx.actions.decode(query.data),
      receivedAt: ctx.now(),
    },
  };
};

const fromMessage = (message: AnyMessage, ctx: TranslateContext): Incoming => {
  const chatId = message.chat.id;
  if (message.chat.type === 'channel' || !message.from) return { kind: 'ignored', reason: 'channel', chatId };
  if (message.from.is_bot) return { kind: 'ignored', reason: 'from_bot', chatId };
  const isGroup = message.chat.type !== 'private';
  const rawText = typeof message.text === 'string' ? message.text : typeof message.caption === 'string' ? message.caption : undefined;
  const command = rawText === undefined ? { text: undefined, isCommand: false } : normaliseCommand(rawText, ctx.bot.username);
  if (command === null) return { kind: 'ignored', reason: 'other_bot_command', chatId };
  const reply = message.reply_to_message as AnyMessage | undefined;
  const isReplyToBot = reply?.from?.id === ctx.bot.id;
  // Privacy mode: in groups only commands and replies to the bot reach the core,
  // even when BotFather's privacy mode is off and Telegram delivers everything.
  if (isGroup && !command.isCommand && !isReplyToBot) return { kind: 'ignored', reason: 'group_chatter', chatId };

  const content = messageContent(message, ctx);
  if (content === null) return { kind: 'ignored', reason: 'service_message', chatId };
  const turn: Turn = {
    platform: 'telegram',
    user: userOf(message.from),
    chat: { id: String(chatId), kind: isGroup ? 'group' : 'private' },
    ...(command.text !== undefined ? { text: command.text } : {}),
    ...content,
    ...(isReplyToBot ? { isReplyToBot: true } : {}),
    receivedAt: ctx.now(),
  };
  return { kind: 'turn', turn, chatId, ...(isGroup ? { replyToMessageId: message.message_id } : {}) };
};

/** The non-text part of a message as Turn fields; null for service messages (joins, pins, ...). */
const messageContent = (message: AnyMessage, ctx: TranslateContext): Pick<Turn, 'image' | 'unsupportedMedia'> | null => {
  if (Array.isArray(message.photo) && message.photo.length > 0) {
    const largest = message.photo.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
    return {
      image: createImageInput(
        ctx.files,
        { fileId: largest.file_id, sizeBytes: largest.file_size ?? null, mimeType: 'image/jpeg' },
        ctx.maxImageBytes,
      ),
    };
  }
  for (const kind of UNSUPPORTED) if (kind in message) return { unsupportedMedia: kind };
  if ('document' in message && message.document) {
    const doc = message.document as { file_id: string; file_size?: number; mime_type?: string; file_name?: string };
    if (doc.mime_type?.startsWith('image/')) {
      return {
        image: createImageInput(
          ctx.files,
          {
            fileId: doc.file_id,
            sizeBytes: doc.file_size ?? null,
            mimeType: doc.mime_type,
            ...(doc.file_name !== undefined ? { fileName: doc.file_name } : {}),
          },
          ctx.maxImageBytes,
        ),
      };
    }
    return { unsupportedMedia: 'document' };
  }
  if (typeof message.text === 'string') return {};
  return null;
};
