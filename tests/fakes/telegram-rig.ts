/**
 * One call to get a Telegram bot running against the fake Bot API, with a driver to
 * play the users: what an end-to-end test with the real core needs (the Telegram
 * twin of discord-rig.ts).
 *
 *   const rig = await startTelegramRig({ handler: realConversationCore });
 *   const chat = rig.driver.privateChat(rig.driver.user('Ana'));
 *   ...
 *   await rig.stop();
 */
import { createTelegramBot, type TelegramBot } from '../../src/bots/telegram/telegram.adapter.js';
import type { ConversationHandler } from '../../src/core/conversation/turn.js';
import { COMMANDS } from '../../src/core/conversation/commands.js';
import { createLogger } from '../../src/infra/logging/logger.js';
import { FakeTelegramApi } from './telegram-api.fake.js';
import { TelegramDriver } from './telegram-driver.js';

export interface TelegramRig {
  readonly fake: FakeTelegramApi;
  readonly driver: TelegramDriver;
  readonly bot: TelegramBot;
  stop(): Promise<void>;
}

/** The bot on the fake with the real commands, silent logs, 30 s turn and reply limits and a 10 MB image cap. */
export async function startTelegramRig(options: { readonly handler: ConversationHandler }): Promise<TelegramRig> {
  const fake = await FakeTelegramApi.start();
  const driver = new TelegramDriver(fake, { timeoutMs: 30_000 });
  const bot = createTelegramBot({
    token: fake.token,
    apiRoot: fake.apiRoot,
    handler: options.handler,
    commands: COMMANDS,
    logger: createLogger('silent'),
    handlerTimeoutMs: 30_000,
    maxImageBytes: 10_000_000,
    onUpdateDone: driver.onUpdateDone,
  });
  await bot.start();
  return {
    fake,
    driver,
    bot,
    async stop() {
      await bot.stop();
      await fake.close();
    },
  };
}
