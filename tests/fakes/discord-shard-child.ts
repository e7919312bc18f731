/**
 * The entry a ShardingManager runs per shard in tests/bots/discord/shard.test.ts:
 * a Discord bot on the fake, answering every command with the shard it runs in.
 * Token from DISCORD_TOKEN (set by the manager), REST URL from `--api-url`.
 */
import { createDiscordBot } from '../../src/bots/discord/discord.adapter.js';
import { COMMANDS } from '../../src/core/conversation/commands.js';
import type { Logger } from '../../src/core/ports.js';
import { ScriptedHandler } from './discord-scripted-handler.js';

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };
const apiUrl = process.argv[process.argv.indexOf('--api-url') + 1];
const shardIds = process.env['SHARDS'] ?? '?';

const bot = createDiscordBot({
  token: process.env['DISCORD_TOKEN'] ?? '',
  apiUrl,
  handler: new ScriptedHandler(() => [{ kind: 'text', text: `answered by shard ${shardIds}` }]),
  commands: COMMANDS,
  logger: silent,
  maxImageBytes: 1024,
  interactionTimeoutMs: 5000,
});
await bot.start();
