import type { Update } from 'telegraf/types';
import { describe, expect, it } from 'vitest';
import { startLongPolling } from '../../../src/bots/telegram/long-polling.js';
import type { Logger } from '../../../src/core/ports.js';

const refused = () => Object.assign(new Error('request to http://127.0.0.1/bot123:abc/getUpdates failed, reason: connect ECONNREFUSED'), { name: 'FetchError', code: 'ECONNREFUSED' });

const recorder = () => {
  const lines: string[] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: (fields) => void lines.push(`info ${String(fields.event)}`),
    warn: (fields) => void lines.push(`warn ${String(fields.event)}`),
    error: (fields) => void lines.push(`error ${String(fields.event)}`),
    child: () => logger,
  };
  return { logger, lines };
};

const fastBackoff = { baseMs: 5, factor: 2, maxMs: 40, jitter: 0 };

describe('long polling', () => {
  it('given a refused Bot API for a while, backs off, logs once when lost and once when back, and delivers the next updates', async () => {
    const { logger, lines } = recorder();
    const calls: number[] = [];
    const handled: number[] = [];
    let failuresLeft = 6;
    const polling = startLongPolling({
      getUpdates: async (params, signal) => {
        calls.push(performance.now());
        if (failuresLeft-- > 0) throw refused();
        if (params.offset === 0) return [{ update_id: 10 } as Update, { update_id: 11 } as Update];
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        throw Object.assign(new Error('aborted'), { name: 'AbortError' });
      },
      handle: async (update) => void handled.push(update.update_id),
      allowedUpdates: ['message'],
      logger,
      backoff: fastBackoff,
    });
    while (handled.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    polling.stop();
    await polling.done;
    expect(handled).toEqual([10, 11]);
    expect(lines).toEqual(['warn api_unreachable', 'info api_reachable']);
    const gaps = calls.slice(1, 7).map((t, i) => t - calls[i]!);
    // 5, 10, 20, 40, 40, 40 ms (timers may fire a millisecond early).
    expect(gaps[0]!).toBeGreaterThanOrEqual(4);
    expect(gaps[3]!).toBeGreaterThanOrEqual(39);
  });

  it('given 401, stops for good with the error', async () => {
    const { logger } = recorder();
    const polling = startLongPolling({
      getUpdates: async () => {
        const { TelegramError } = await import('telegraf');
        throw new TelegramError({ error_code: 401, description: 'Unauthorized' });
      },
      handle: async () => undefined,
      allowedUpdates: [],
      logger,
      backoff: fastBackoff,
    });
    await expect(polling.done).rejects.toMatchObject({ code: 401, method: 'getUpdates' });
  });

  it('given stop() during a back-off wait, ends at once', async () => {
    const { logger } = recorder();
    const polling = startLongPolling({
      getUpdates: async () => {
        throw refused();
      },
      handle: async () => undefined,
      allowedUpdates: [],
      logger,
      backoff: { baseMs: 60_000, factor: 1, maxMs: 60_000, jitter: 0 },
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const started = performance.now();
    polling.stop();
    await polling.done;
    expect(performance.now() - started).toBeLessThan(100);
  });
});
