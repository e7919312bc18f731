/**
 * MoodReel's own getUpdates loop (in place of telegraf's launch()): telegraf
 * retries a failed poll every 5 s without a word, and gives up for good on
 * any error it does not know. Here an unreachable or failing Bot API is waited
 * for with back-off (one warning when lost, one info line when back, nothing
 * in between), 429 honours retry_after, and only 401 (bad token) and 409
 * (another poller or a webhook) stop polling for good.
 */
import type { Update } from 'telegraf/types';
import type { Logger } from '../../core/ports.js';
import { DEFAULT_BACKOFF, Reachability, sleep, type BackoffPolicy } from '../shared/backoff.js';
import { wrapApiError, type TelegramApiError } from './telegram-api.js';

/** Seconds Telegram holds a getUpdates open when there is nothing to deliver. */
export const POLL_TIMEOUT_S = 50;

export interface LongPollingOptions {
  /** One getUpdates call (telegraf's callApi); must honour `signal`. */
  readonly getUpdates: (params: { offset: number; timeout: number; limit?: number; allowed_updates?: readonly string[] }, signal: AbortSignal) => Promise<Update[]>;
  /** Hands one update to the bot; resolves when the bot lets polling go on (back-pressure). */
  readonly handle: (update: Update) => Promise<void>;
  readonly allowedUpdates: readonly string[];
  readonly logger: Logger;
  readonly backoff?: BackoffPolicy;
  /** 429 asking for longer than this is waited as this (Telegram's answers are far shorter). */
  readonly maxRetryAfterSeconds?: number;
}

export interface LongPolling {
  /** Resolves when polling stopped; rejects with the TelegramApiError that ended it (401, 409). */
  readonly done: Promise<void>;
  /** Stops asking for updates; an open long poll is aborted. */
  stop(): void;
  /** Confirms what was fetched (so it is not delivered again), bounded by `timeoutMs`. Call after the turns finished. */
  confirm(timeoutMs: number): Promise<void>;
}

const FATAL = new Set([401, 409]);

export function startLongPolling(options: LongPollingOptions): LongPolling {
  const stopper = new AbortController();
  const reach = new Reachability('Telegram Bot API', options.logger, options.backoff ?? DEFAULT_BACKOFF);
  let offset = 0;
  let confirmed = 0;

  const loop = async () => {
    while (!stopper.signal.aborted) {
      let updates: Update[];
      const signal = AbortSignal.any([stopper.signal, AbortSignal.timeout((POLL_TIMEOUT_S + 15) * 1000)]);
      try {
        updates = await options.getUpdates({ offset, timeout: POLL_TIMEOUT_S, allowed_updates: options.allowedUpdates }, signal);
      } catch (thrown) {
        if (stopper.signal.aborted) return;
        const error = wrapApiError('getUpdates', thrown);
        if (error.code !== null && FATAL.has(error.code)) throw error;
        const waitMs = error.code === 429 ? Math.min(error.retryAfterSeconds ?? 1, options.maxRetryAfterSeconds ?? 60) * 1000 : reach.failed(reason(error));
        await sleep(waitMs, stopper.signal);
        continue;
      }
      reach.succeeded();
      confirmed = offset;
      const last = updates.at(-1);
      if (last) offset = last.update_id + 1;
      await Promise.all(updates.map((update) => options.handle(update)));
    }
  };

  const done = loop();
  done.catch(() => undefined);
  return {
    done,
    stop: () => stopper.abort(),
    async confirm(timeoutMs) {
      if (offset === confirmed || reach.lost) return;
      await options.getUpdates({ offset, timeout: 0, limit: 1 }, AbortSignal.timeout(timeoutMs)).catch(() => undefined);
    },
  };
}

const reason = (error: TelegramApiError): string => (error.code === null ? error.description : `${error.code} ${error.description}`.slice(0, 120));
