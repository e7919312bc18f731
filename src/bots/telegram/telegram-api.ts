/**
 * Every Bot API call the adapter makes goes through one function, so rate
 * limits, retries and error wrapping live in one place (grammY's auto-retry
 * plugin and GrammyError{method, error_code} are the model).
 */
import { TelegramError } from 'telegraf';
import type { Opts, Telegram as TelegramMethods } from 'telegraf/types';
import type { Logger } from '../../core/ports.js';
import { sleep } from '../shared/backoff.js';

/** A failed Bot API call, named by the method that failed. Never carries the token. */
export class TelegramApiError extends Error {
  override readonly name = 'TelegramApiError';
  constructor(
    readonly method: string,
    /** The Bot API error_code (HTTP-like), or null when no answer came (network, timeout). */
    readonly code: number | null,
    readonly description: string,
    readonly retryAfterSeconds: number | null = null,
    options?: { cause?: unknown },
  ) {
    super(`Telegram ${method} failed: ${code ?? 'no response'} ${description}`, options);
  }

  /** Telegram answers 400 "message is not modified" to an edit that changes nothing; that is success. */
  get isNotModified(): boolean {
    return this.code === 400 && /message is not modified/i.test(this.description);
  }

  /** The user blocked the bot or removed it from the group: retrying or falling back cannot help. */
  get isForbidden(): boolean {
    return this.code === 403;
  }
}

export interface RetryPolicy {
  /** Attempts in total, the first included. */
  readonly maxAttempts: number;
  /** Telegram asking to wait longer than this is treated as a failure, not waited out. */
  readonly maxRetryAfterSeconds: number;
  /** First back-off after a 5xx or a refused connection; doubled each time. */
  readonly baseBackoffMs: number;
  /** Upper bound for one HTTP call (telegraf's own default is 500 s). */
  readonly callTimeoutMs: number;
}

export const DEFAULT_RETRY_POLICY = {
  maxAttempts: 4,
  maxRetryAfterSeconds: 60,
  baseBackoffMs: 300,
  callTimeoutMs: 30_000,
} as const satisfies RetryPolicy;

/** The raw transport: telegraf's `telegram.callApi`. */
export interface RawApi {
  callApi<M extends keyof TelegramMethods>(
    method: M,
    payload: Opts<M>,
    options?: { signal?: unknown },
  ): Promise<ReturnType<TelegramMethods[M]>>;
}

export type CallApi = <M extends keyof TelegramMethods>(
  method: M,
  payload: Opts<M>,
) => Promise<ReturnType<TelegramMethods[M]>>;

/**
 * Methods whose repetition cannot duplicate anything a user sees. Sends are not
 * in the list: after a timeout or a reset connection we cannot know whether the
 * message went out, so they are only retried when Telegram said for sure that it
 * did not (429) or when the connection was refused.
 */
const IDEMPOTENT = new Set<string>([
  'getMe',
  'getFile',
  'setMyCommands',
  'setWebhook',
  'deleteWebhook',
  'answerCallbackQuery',
  'editMessageText',
  'editMessageCaption',
  'editMessageReplyMarkup',
]);

/** A short, token-free name for a transport failure (node-fetch puts it on the error, undici on its cause). */
const networkCode = (error: unknown): string | undefined => {
  const e = error as { code?: unknown; errno?: unknown; name?: unknown; cause?: unknown } | undefined;
  if (typeof e?.code === 'string') return e.code;
  if (typeof e?.errno === 'string') return e.errno;
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError') return 'ABORTED';
  return e?.cause !== undefined && e.cause !== error ? networkCode(e.cause) : undefined;
};

/** Turns whatever telegraf threw into a TelegramApiError, keeping the token out of the message. */
export const wrapApiError = (method: string, error: unknown): TelegramApiError => {
  if (error instanceof TelegramApiError) return error;
  if (error instanceof TelegramError) {
    // No `cause`: telegraf's error carries the request payload (message texts), which must not reach logs.
    return new TelegramApiError(method, error.code, String(error.description ?? 'error'), error.parameters?.retry_after ?? null);
  }
  const code = networkCode(error) ?? 'network error';
  return new TelegramApiError(method, null, code, null, { cause: redacted(error) });
};

/** Network errors from node-fetch carry the URL, and the URL carries the token. */
const redacted = (error: unknown): Error => {
  const message = error instanceof Error ? error.message : String(error);
  return new Error(message.replace(/bot\d+:[A-Za-z0-9_-]+/g, 'bot<redacted>'));
};

/**
 * Builds the one function every Bot API call goes through: honours 429
 * `retry_after`, backs off on 5xx, bounds each call in time, and wraps the final
 * failure with the method name.
 */
export const createCallApi = (
  raw: RawApi,
  logger: Logger,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  stopSignal?: AbortSignal,
): CallApi => {
  const call: CallApi = async (method, payload) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await raw.callApi(method, payload, { signal: AbortSignal.timeout(policy.callTimeoutMs) });
      } catch (thrown) {
        const error = wrapApiError(method, thrown);
        const wait = retryDelayMs(error, method, attempt, policy);
        if (wait === null || attempt >= policy.maxAttempts || stopSignal?.aborted) throw error;
        logger.warn(
          { event: 'telegram_api_retry', method, code: error.code, attempt, waitMs: wait },
          'Bot API call failed, retrying',
        );
        await sleep(wait, stopSignal);
      }
    }
  };
  return call;
};

/** How long to wait before the next attempt, or null when retrying is wrong. */
const retryDelayMs = (error: TelegramApiError, method: string, attempt: number, policy: RetryPolicy): number | null => {
  if (error.code === 429) {
    const seconds = error.retryAfterSeconds ?? 1;
    return seconds > policy.maxRetryAfterSeconds ? null : seconds * 1000;
  }
  const backoff = policy.baseBackoffMs * 2 ** (attempt - 1);
  if (error.code !== null && error.code >= 500) return backoff;
  if (error.code === null) {
    if (error.description === 'ECONNREFUSED' || IDEMPOTENT.has(method)) return backoff;
  }
  return null;
};
