/**
 * One call to get a Discord bot running against the fake, with a driver to
 * play the users: what an end-to-end test with the real core needs.
 *
 *   const rig = await startDiscordRig({ handler: realConversationCore });
 *   const alice = rig.driver.user('Alice');
 *   const answer = await rig.driver.repliesTo(await rig.driver.userRuns(rig.driver.channel(), alice, 'mood', { text: 'tired' }));
 *   ...
 *   await rig.stop();
 */
import { createDiscordBot, type DiscordBot, type DiscordBotOptions } from '../../src/bots/discord/discord.adapter.js';
import { COMMANDS } from '../../src/core/conversation/commands.js';
import type { Logger } from '../../src/core/ports.js';
import { FakeDiscord, type FakeDiscordOptions, type FakeGuild } from './discord-api.fake.js';
import { DiscordDriver } from './discord-driver.js';

export interface DiscordRigOptions extends Partial<Omit<DiscordBotOptions, 'token' | 'apiUrl' | 'handler'>> {
  readonly handler: DiscordBotOptions['handler'];
  readonly fake?: FakeDiscordOptions;
  /** Channels of the test server (default #general and #films). */
  readonly channels?: readonly string[];
  /** Register commands in the test server instead of globally (then DMs have no commands, as on Discord). */
  readonly guildScoped?: boolean;
}

export interface DiscordRig {
  readonly fake: FakeDiscord;
  readonly guild: FakeGuild;
  readonly driver: DiscordDriver;
  readonly bot: DiscordBot;
  stop(): Promise<void>;
}

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

export async function startDiscordRig(options: DiscordRigOptions): Promise<DiscordRig> {
  const fake = await FakeDiscord.start(options.fake);
  const guild = fake.addGuild('Movie Night', options.channels ?? ['general', 'films']);
  const bot = createDiscordBot({
    commands: COMMANDS,
    logger: silent,
    maxImageBytes: 5 * 1024 * 1024,
    interactionTimeoutMs: 10_000,
    ...options,
    ...(options.guildScoped ? { guildId: guild.id } : {}),
    token: fake.token,
    apiUrl: fake.apiUrl,
  });
  const driver = new DiscordDriver(fake, guild);
  try {
    await bot.start();
    await driver.botReady();
  } catch (error) {
    await bot.stop().catch(() => undefined);
    await fake.close();
    throw error;
  }
  return {
    fake,
    guild,
    driver,
    bot,
    async stop() {
      await bot.stop();
      await fake.close();
    },
  };
}
