/**
 * The Telegram adapter: telegraf for transport (long polling or a webhook),
 * `updateToIncoming` for Update -> Turn, `ReplySender` for Reply[] -> calls.
 * Everything between is the error boundary: each update is handled inside a
 * per-chat queue, bounded in time, and always ends with the user told something
 * and every button press answered. Nothing here throws into telegraf's loop.
 */
import { setMaxListeners } from 'node:events';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Telegraf } from 'telegraf';
import type { BotCommand, Update } from 'telegraf/types';
import type { CommandSpec, ConversationHandler, Notifier, Reply } from '../../core/conversation/turn.js';
import { isUserError } from '../../core/errors.js';
import type { Logger } from '../../core/ports.js';
import { parsePageAction } from './carousel.js';
import { budgetedCall, ChatBudget, DEFAULT_CHAT_BUDGET, type ChatBudgetPolicy } from './chat-budget.js';
import { KeyedSerialQueue } from './chat-queue.js';
import type { FileAccess } from './image-loader.js';
import { LongActionStore } from './keyboard.js';
import { pressState, ReplySender, type PressState } from './reply-sender.js';
import {
  createCallApi,
  DEFAULT_RETRY_POLICY,
  TelegramApiError,
  wrapApiError,
  type RawApi,
  type RetryPolicy,
} from './telegram-api.js';
import { updateToIncoming, type BotIdentity, type Incoming, type TranslateContext } from './update-to-turn.js';
import { startWebhookServer, type WebhookServer } from './webhook-server.js';
import { startLongPolling, type LongPolling } from './long-polling.js';
import type { BackoffPolicy } from '../shared/backoff.js';

export { TelegramApiError } from './telegram-api.js';

export const DEFAULT_API_ROOT = 'https://api.telegram.org';

/** The updates MoodReel acts on; everything else is not even fetched. */
const ALLOWED_UPDATES = ['message', 'callback_query'] as const;

export const APOLOGY = 'Sorry, something went wrong on my side. Please try again in a moment.';
export const TIMEOUT_APOLOGY = 'Sorry, that took me too long. Please try again in a moment.';

export interface TelegramWebhookOptions {
  /** Public HTTPS URL registered with setWebhook (TELEGRAM_WEBHOOK_URL). */
  readonly url: string;
  /** Sent back by Telegram in X-Telegram-Bot-Api-Secret-Token; 1-256 of A-Z a-z 0-9 _ -. */
  readonly secret: string;
  /** Where the local HTTP server listens (behind a TLS proxy). */
  readonly port: number;
  readonly host?: string;
  /** Path the server answers on; defaults to the URL's path. */
  readonly path?: string;
}

export interface UpdateDoneEvent {
  readonly updateId: number;
  readonly chatId: string | null;
  readonly outcome: 'handled' | 'ignored' | 'failed' | 'timeout';
  readonly ms: number;
}

export interface TelegramBotOptions {
  readonly token: string;
  readonly handler: ConversationHandler;
  readonly commands: readonly CommandSpec[];
  readonly logger: Logger;
  /** A self-hosted Bot API server (TELEGRAM_API_ROOT); the official one by default. */
  readonly apiRoot?: string;
  /** Webhook mode when given; long polling otherwise. */
  readonly webhook?: TelegramWebhookOptions;
  /** Upper bound for the core's handle() on one update. */
  readonly handlerTimeoutMs: number;
  /** Images past this size are refused before (and while) downloading. */
  readonly maxImageBytes: number;
  readonly retry?: Partial<RetryPolicy>;
  /** Per-chat flood budget for new messages (DEFAULT_CHAT_BUDGET: about 1/s private, 20/min groups). */
  readonly chatBudget?: Partial<ChatBudgetPolicy>;
  /** Waiting for an unreachable Bot API while polling; DEFAULT_BACKOFF by default. */
  readonly backoff?: BackoffPolicy;
  /** Turns in flight at once across chats before polling waits (back-pressure). */
  readonly maxConcurrentTurns?: number;
  /** Called after every update, once its replies are out (metrics, tests, benchmarks). */
  readonly onUpdateDone?: (event: UpdateDoneEvent) => void;
  /** Polling stopped for good (401 bad token, 409 another instance): the process should probably exit. */
  readonly onFatal?: (error: TelegramApiError) => void;
  readonly now?: () => Date;
}

export interface TelegramBot {
  /** Resolves once the bot is registered and receiving (polling started, or webhook set and listening). */
  start(): Promise<void>;
  /** Stops receiving, waits (at most `drainMs`, default 10 s) for turns in flight, closes the webhook server. */
  stop(drainMs?: number): Promise<void>;
  readonly notifier: Notifier;
  /** The bot's own identity, known after start(). */
  readonly identity: BotIdentity | null;
  /** The webhook server's port after start() (useful when port 0 was asked for). */
  readonly webhookPort: number | null;
}

const STOP_DRAIN_MS = 10_000;
const TIMED_OUT = Symbol('timed out');

const withTimeout = <T>(work: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
};

const errorFields = (error: unknown) =>
  error instanceof TelegramApiError
    ? { name: error.name, method: error.method, code: error.code, description: error.description }
    : error instanceof Error
      ? { name: error.name, message: error.message }
      : { message: String(error) };

/** Telegram's command rules: 1-32 of a-z 0-9 _, description 1-256 characters. */
const toBotCommand = (spec: CommandSpec): BotCommand | null =>
  /^[a-z0-9_]{1,32}$/.test(spec.name) && spec.description.length >= 1
    ? { command: spec.name, description: spec.description.slice(0, 256) }
    : null;

const chatIdParam = (chatId: string): number | string => (/^-?\d+$/.test(chatId) ? Number(chatId) : chatId);

export const createTelegramBot = (options: TelegramBotOptions): TelegramBot => {
  const logger = options.logger.child({ module: 'telegram' });
  const apiRoot = (options.apiRoot ?? DEFAULT_API_ROOT).replace(/\/+$/, '');
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const maxConcurrent = options.maxConcurrentTurns ?? 64;
  const now = options.now ?? (() => new Date());
  const stopping = new AbortController();
  // Every send waiting for its chat's budget or a retry listens for stop: one per waiting chat, not a leak.
  setMaxListeners(0, stopping.signal);

  const bot = new Telegraf(options.token, {
    // The outer net only: our own limit (handlerTimeoutMs) applies to the core, sending is bounded by the retry policy.
    handlerTimeout: options.handlerTimeoutMs + policy.maxAttempts * (policy.callTimeoutMs + policy.maxRetryAfterSeconds * 1000),
    telegram: { apiRoot, webhookReply: false },
  });
  const call = createCallApi(bot.telegram as unknown as RawApi, logger, policy, stopping.signal);
  const actions = new LongActionStore();
  const budget = new ChatBudget({ ...DEFAULT_CHAT_BUDGET, ...options.chatBudget }, undefined, stopping.signal);
  const sender = new ReplySender(budgetedCall(call, budget), actions, logger);
  const queue = new KeyedSerialQueue();
  let identity: BotIdentity | null = null;
  let webhookServer: WebhookServer | null = null;
  let polling: LongPolling | null = null;

  const files: FileAccess = {
    getFile: (fileId) => call('getFile', { file_id: fileId }),
    fileUrl: (filePath) =>
      isAbsolute(filePath)
        ? pathToFileURL(filePath)
        : new URL(`${apiRoot}/file/bot${options.token}/${filePath}`),
    downloadTimeoutMs: policy.callTimeoutMs,
  };

  const done = (event: UpdateDoneEvent) => {
    try {
      options.onUpdateDone?.(event);
    } catch (error) {
      logger.warn({ event: 'telegram_update_done_hook_failed', err: errorFields(error) }, 'onUpdateDone threw');
    }
  };

  /** One turn, inside its chat's queue: handle (bounded), send, and always answer the press. */
  const runTurn = async (incoming: Extract<Incoming, { kind: 'turn' }>, updateId: number, startedAt: number) => {
    const press: PressState | undefined = incoming.press ? pressState(incoming.press) : undefined;
    const target = {
      chatId: incoming.chatId,
      ...(incoming.replyToMessageId !== undefined ? { replyToMessageId: incoming.replyToMessageId } : {}),
      ...(press ? { press } : {}),
    };
    const turnLog = { updateId, chatKind: incoming.turn.chat.kind, input: inputKind(incoming) };
    let outcome: UpdateDoneEvent['outcome'] = 'handled';
    try {
      // `◀ 2/5 ▶` is Telegram's own rendering of one answer: paged here, the core never sees it.
      const page = press && incoming.turn.action !== undefined ? parsePageAction(incoming.turn.action) : null;
      if (press && page !== null) {
        await sender.page(press, page);
        return;
      }
      const handling = Promise.resolve().then(() => options.handler.handle(incoming.turn));
      const replies = await withTimeout(handling, options.handlerTimeoutMs);
      if (replies === TIMED_OUT) {
        outcome = 'timeout';
        logger.error({ event: 'telegram_turn_timeout', ...turnLog, timeoutMs: options.handlerTimeoutMs }, 'Turn timed out');
        handling.then(
          () => logger.warn({ event: 'telegram_late_replies_dropped', updateId }, 'Replies after the time limit dropped'),
          () => undefined,
        );
        await sendApology(target, TIMEOUT_APOLOGY);
        return;
      }
      await sender.send(target, replies);
      logger.info(
        { event: 'telegram_turn', ...turnLog, replies: replies.length, ms: Math.round(performance.now() - startedAt) },
        'Turn answered',
      );
    } catch (error) {
      outcome = 'failed';
      if (isUserError(error)) {
        // The core should have turned it into an error reply; show its message anyway.
        logger.info({ event: 'telegram_user_error', ...turnLog, code: error.code }, 'User error escaped the core');
        await sendApology(target, error.message);
      } else if (error instanceof TelegramApiError && error.isForbidden) {
        // Blocked by the user or removed from the group: nobody to apologise to.
        logger.info({ event: 'telegram_forbidden', ...turnLog, method: error.method }, 'Chat no longer reachable');
      } else {
        logger.error({ event: 'telegram_turn_failed', ...turnLog, err: errorFields(error) }, 'Turn failed');
        await sendApology(target, APOLOGY);
      }
    } finally {
      if (press) await sender.answerPress(press);
      done({ updateId, chatId: String(incoming.chatId), outcome, ms: performance.now() - startedAt });
    }
  };

  const sendApology = async (target: Parameters<ReplySender['send']>[0], text: string) => {
    try {
      await sender.send(target, [{ kind: 'error', code: 'internal', text }]);
    } catch (error) {
      logger.warn({ event: 'telegram_apology_failed', err: errorFields(error) }, 'Could not even apologise');
    }
  };

  /** Never rejects: the error boundary for one update. */
  const processUpdate = async (update: Update): Promise<void> => {
    const startedAt = performance.now();
    let incoming: Incoming;
    try {
      if (!identity) throw new Error('update before start()');
      const ctx: TranslateContext = { bot: identity, files, maxImageBytes: options.maxImageBytes, actions, now };
      incoming = updateToIncoming(update, ctx);
    } catch (error) {
      logger.error({ event: 'telegram_update_unreadable', updateId: update.update_id, err: errorFields(error) }, 'Bad update');
      done({ updateId: update.update_id, chatId: null, outcome: 'failed', ms: performance.now() - startedAt });
      return;
    }
    if (incoming.kind === 'ignored') {
      logger.debug({ event: 'telegram_update_ignored', updateId: update.update_id, reason: incoming.reason }, 'Ignored');
      if (incoming.press) await sender.answerPress(pressState(incoming.press));
      done({
        updateId: update.update_id,
        chatId: incoming.chatId === null ? null : String(incoming.chatId),
        outcome: 'ignored',
        ms: performance.now() - startedAt,
      });
      return;
    }
    await queue.run(String(incoming.chatId), () => runTurn(incoming, update.update_id, startedAt)).catch((error) =>
      logger.error({ event: 'telegram_turn_crashed', err: errorFields(error) }, 'Turn crashed'),
    );
  };

  // Long polling would otherwise wait for a whole batch (one slow selfie holds
  // every chat); we only make it wait when too many turns are in flight.
  bot.use((ctx) => {
    const work = processUpdate(ctx.update);
    if (webhookServer !== null || queue.size > maxConcurrent) return work;
    return undefined;
  });
  bot.catch((error, ctx) => {
    logger.error(
      { event: 'telegram_boundary', updateId: ctx.update.update_id, err: errorFields(error) },
      'Error reached the bot boundary',
    );
  });

  const registerCommands = async () => {
    const all = options.commands.map(toBotCommand).filter((c): c is BotCommand => c !== null);
    const group = options.commands.filter((c) => c.group).map(toBotCommand).filter((c): c is BotCommand => c !== null);
    try {
      await call('setMyCommands', { commands: all, scope: { type: 'all_private_chats' } });
      await call('setMyCommands', { commands: group, scope: { type: 'all_group_chats' } });
    } catch (error) {
      // The menu is a convenience; the bot works without it.
      logger.warn({ event: 'telegram_commands_not_set', err: errorFields(error) }, 'setMyCommands failed');
    }
  };

  const start = async () => {
    let me;
    try {
      me = await call('getMe', {});
    } catch (error) {
      throw wrapApiError('getMe', error);
    }
    bot.botInfo = me;
    identity = { id: me.id, username: me.username };
    await registerCommands();
    if (options.webhook) {
      const hook = options.webhook;
      webhookServer = await startWebhookServer({
        host: hook.host ?? '0.0.0.0',
        port: hook.port,
        path: hook.path ?? (new URL(hook.url).pathname || '/'),
        secret: hook.secret,
        logger,
        onUpdate: (update) => bot.handleUpdate(update),
      });
      await call('setWebhook', { url: hook.url, secret_token: hook.secret, allowed_updates: [...ALLOWED_UPDATES] });
      logger.info({ event: 'telegram_started', mode: 'webhook', port: webhookServer.port }, 'Telegram bot started');
      return;
    }
    await call('deleteWebhook', { drop_pending_updates: false });
    polling = startLongPolling({
      getUpdates: (params, signal) =>
        (bot.telegram as unknown as RawApi).callApi('getUpdates', params as never, { signal }) as unknown as Promise<Update[]>,
      handle: (update) => bot.handleUpdate(update),
      allowedUpdates: ALLOWED_UPDATES,
      logger,
      maxRetryAfterSeconds: policy.maxRetryAfterSeconds,
      ...(options.backoff ? { backoff: options.backoff } : {}),
    });
    polling.done.catch((error: unknown) => {
      const wrapped = wrapApiError('getUpdates', error);
      logger.error({ event: 'telegram_polling_stopped', err: errorFields(wrapped) }, 'Long polling stopped');
      options.onFatal?.(wrapped);
    });
    logger.info({ event: 'telegram_started', mode: 'polling' }, 'Telegram bot started');
  };

  const stop = async (drainMs: number = STOP_DRAIN_MS) => {
    polling?.stop();
    if (webhookServer) await webhookServer.close();
    await withTimeout(queue.onIdle(), drainMs);
    stopping.abort();
    if (polling) {
      await withTimeout(polling.done.catch(() => undefined), 2_000);
      await polling.confirm(2_000);
    }
    logger.info({ event: 'telegram_stopped' }, 'Telegram bot stopped');
  };

  const notifier: Notifier = {
    platform: 'telegram',
    send: (chatId: string, replies: readonly Reply[]) =>
      queue.run(chatId, () => sender.send({ chatId: chatIdParam(chatId) }, replies)),
  };

  return {
    start,
    stop,
    notifier,
    get identity() {
      return identity;
    },
    get webhookPort() {
      return webhookServer?.port ?? null;
    },
  };
};

const inputKind = (incoming: Extract<Incoming, { kind: 'turn' }>): string => {
  const { turn } = incoming;
  if (turn.action !== undefined) return 'button';
  if (turn.image) return 'image';
  if (turn.unsupportedMedia) return `unsupported:${turn.unsupportedMedia}`;
  return turn.text?.startsWith('/') ? 'command' : 'text';
};
