/**
 * Starts the chat-platform adapters named in the configuration over the app's
 * conversation core, and registers their notifiers for watch-party results.
 * Returns one named stop step per adapter, for the shutdown (src/lifecycle).
 */
import type { AdapterName, Config } from './config.js';
import type { Logger } from './core/ports.js';
import { COMMANDS } from './core/conversation/commands.js';
import { createTelegramBot } from './bots/telegram/telegram.adapter.js';
import { createDiscordBot } from './bots/discord/discord.adapter.js';
import type { App } from './app.js';
import type { StopStep } from './lifecycle/shutdown.js';

const HANDLER_TIMEOUT_MS = 60_000;
/** Kept back from a stop budget for what follows the drain (ending the poll, confirming the offset). */
const AFTER_DRAIN_MS = 3_000;

export async function startBots(names: readonly Exclude<AdapterName, 'terminal'>[], config: Config, app: App, logger: Logger): Promise<StopStep[]> {
  const maxImageBytes = Math.round(config.MOODREEL_MAX_IMAGE_MB * 1e6);
  const stops: StopStep[] = [];
  for (const name of names) {
    if (name === 'telegram') {
      const bot = createTelegramBot({
        token: config.TELEGRAM_BOT_TOKEN!,
        handler: app.handler,
        commands: COMMANDS,
        logger,
        handlerTimeoutMs: HANDLER_TIMEOUT_MS,
        maxImageBytes,
        ...(config.TELEGRAM_API_ROOT ? { apiRoot: config.TELEGRAM_API_ROOT } : {}),
        ...(config.TELEGRAM_WEBHOOK_URL
          ? { webhook: { url: config.TELEGRAM_WEBHOOK_URL, secret: config.TELEGRAM_WEBHOOK_SECRET!, port: config.TELEGRAM_WEBHOOK_PORT, host: config.TELEGRAM_WEBHOOK_HOST } }
          : {}),
        onFatal: (error) => logger.error({ err: error }, 'telegram stopped for good (bad token or another instance polling)'),
      });
      await bot.start();
      app.parties.registerNotifier(bot.notifier);
      stops.push({ name: 'telegram', stop: (budgetMs) => bot.stop(Math.max(0, budgetMs - AFTER_DRAIN_MS)) });
      logger.info({ adapter: 'telegram', mode: config.TELEGRAM_WEBHOOK_URL ? 'webhook' : 'polling' }, 'adapter started');
    } else {
      const bot = createDiscordBot({
        token: config.DISCORD_TOKEN!,
        handler: app.handler,
        commands: COMMANDS,
        logger,
        maxImageBytes,
        interactionTimeoutMs: HANDLER_TIMEOUT_MS,
        ...(config.DISCORD_APPLICATION_ID ? { applicationId: config.DISCORD_APPLICATION_ID } : {}),
        ...(config.DISCORD_GUILD_ID ? { guildId: config.DISCORD_GUILD_ID } : {}),
        ...(config.DISCORD_API_URL ? { apiUrl: config.DISCORD_API_URL } : {}),
      });
      await bot.start();
      app.parties.registerNotifier(bot.notifier);
      stops.push({ name: 'discord', stop: (budgetMs) => bot.stop(Math.max(0, budgetMs - AFTER_DRAIN_MS)) });
      logger.info({ adapter: 'discord' }, 'adapter started');
    }
  }
  return stops;
}
