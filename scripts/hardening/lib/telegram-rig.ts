/**
 * The real Telegram adapter (telegraf) over a core handler, against the local
 * fake Bot API, with a way to inject any update and wait until the adapter has
 * finished it (the adapter's onUpdateDone hook), then read what the user saw.
 */
import { createTelegramBot, type TelegramBot, type TelegramBotOptions, type UpdateDoneEvent } from '../../../src/bots/telegram/telegram.adapter.js';
import { COMMANDS } from '../../../src/core/conversation/commands.js';
import type { ConversationHandler } from '../../../src/core/conversation/turn.js';
import { createLogger } from '../../../src/infra/logging/logger.js';
import { FakeTelegramApi, type BotOutput, type FakeTelegramOptions } from '../../../tests/fakes/telegram-api.fake.js';
import { TelegramDriver } from '../../../tests/fakes/telegram-driver.js';
import { MemoryLog } from './logs.js';

export interface TelegramTurn {
  readonly updateId: number;
  readonly outcome: UpdateDoneEvent['outcome'] | 'lost';
  /** What the bot did in the chat while this update was handled. */
  readonly outputs: BotOutput[];
  readonly ms: number;
}

export interface TelegramRig {
  readonly fake: FakeTelegramApi;
  readonly driver: TelegramDriver;
  readonly bot: TelegramBot;
  /** The adapter's log lines (pino, via createLogger). */
  readonly log: MemoryLog;
  /** Every finished update, in order. */
  readonly done: UpdateDoneEvent[];
  /**
   * Runs `inject` (which pushes one update into the fake and returns its id),
   * waits until the adapter is done with it, and returns the chat's outputs in
   * between. One update per chat at a time, or the outputs mix.
   */
  run(chatId: number | null, inject: () => number, timeoutMs?: number): Promise<TelegramTurn>;
  stop(): Promise<void>;
}

export interface RigOptions extends Partial<Omit<TelegramBotOptions, 'token' | 'apiRoot' | 'handler' | 'logger' | 'commands' | 'onUpdateDone'>> {
  readonly fake?: FakeTelegramOptions;
  readonly logLevel?: string;
  readonly driverTimeoutMs?: number;
}

export async function startTelegramRig(handler: ConversationHandler, options: RigOptions = {}): Promise<TelegramRig> {
  const fake = await FakeTelegramApi.start(options.fake ?? {});
  const driver = new TelegramDriver(fake, { timeoutMs: options.driverTimeoutMs ?? 90_000 });
  const log = new MemoryLog();
  const done: UpdateDoneEvent[] = [];
  const finished = new Map<number, { event: UpdateDoneEvent; seq: number }>();
  const waiters = new Map<number, (value: { event: UpdateDoneEvent; seq: number }) => void>();
  const { fake: _fakeOptions, logLevel, driverTimeoutMs: _t, ...botOptions } = options;
  const bot = createTelegramBot({
    handlerTimeoutMs: 60_000,
    maxImageBytes: 10 * 1000 * 1000,
    ...botOptions,
    token: fake.token,
    apiRoot: fake.apiRoot,
    handler,
    commands: COMMANDS,
    logger: createLogger(logLevel ?? 'info', log),
    onUpdateDone: (event) => {
      done.push(event);
      driver.onUpdateDone(event);
      const record = { event, seq: fake.seq };
      const waiter = waiters.get(event.updateId);
      if (waiter) {
        waiters.delete(event.updateId);
        waiter(record);
      } else {
        finished.set(event.updateId, record);
        if (finished.size > 5_000) finished.delete(finished.keys().next().value!);
      }
    },
  });
  await bot.start();
  await fake.waitFor(() => fake.isLongPolling || options.webhook !== undefined, 20_000, 'the bot to poll');

  const waitDone = (updateId: number, timeoutMs: number) =>
    new Promise<{ event: UpdateDoneEvent; seq: number } | null>((resolve) => {
      const already = finished.get(updateId);
      if (already) {
        finished.delete(updateId);
        return resolve(already);
      }
      const timer = setTimeout(() => {
        waiters.delete(updateId);
        resolve(null);
      }, timeoutMs);
      waiters.set(updateId, (value) => {
        clearTimeout(timer);
        resolve(value);
      });
    });

  return {
    fake,
    driver,
    bot,
    log,
    done,
    async run(chatId, inject, timeoutMs = 90_000) {
      const from = fake.seq;
      const started = performance.now();
      const updateId = inject();
      const record = await waitDone(updateId, timeoutMs);
      const until = record?.seq ?? fake.seq;
      const outputs = chatId === null ? [] : fake.outputs(chatId).filter((o) => o.seq > from && o.seq <= until);
      return { updateId, outcome: record?.event.outcome ?? 'lost', outputs, ms: performance.now() - started };
    },
    async stop() {
      await bot.stop();
      await fake.close();
    },
  };
}
