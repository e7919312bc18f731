import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recommendedShardCount, startDiscordShards, type DiscordShards } from '../../../src/bots/discord/shard.js';
import type { Logger } from '../../../src/core/ports.js';
import { FakeDiscord, type FakeGuild } from '../../fakes/discord-api.fake.js';
import { DiscordDriver } from '../../fakes/discord-driver.js';

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };
const shardOf = (guild: FakeGuild, count: number) => Number((BigInt(guild.id) >> 22n) % BigInt(count));

describe('recommendedShardCount', () => {
  let fake: FakeDiscord;
  beforeAll(async () => {
    fake = await FakeDiscord.start({ shards: 3 });
  });
  afterAll(async () => {
    await fake.close();
  });

  it('given DISCORD_API_URL, asks that server (not discord.com) for the count', async () => {
    await expect(recommendedShardCount(fake.token, fake.apiUrl)).resolves.toBe(3);
  });

  it('given a wrong token, fails with the route that failed', async () => {
    await expect(recommendedShardCount('nope', fake.apiUrl)).rejects.toMatchObject({ name: 'DiscordApiError', status: 401, route: 'GET /gateway/bot' });
  });
});

describe('startDiscordShards against the fake Discord', () => {
  let fake: FakeDiscord;
  let shards: DiscordShards | undefined;
  const guilds: FakeGuild[] = [];

  beforeAll(async () => {
    fake = await FakeDiscord.start({ shards: 2 });
    // Snowflakes made in the same millisecond share a shard: spread the guilds over time until both shards have one.
    while (new Set(guilds.map((g) => shardOf(g, 2))).size < 2) {
      guilds.push(fake.addGuild(`Server ${guilds.length}`));
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    shards = await startDiscordShards({
      entry: fileURLToPath(new URL('../../fakes/discord-shard-child.ts', import.meta.url)),
      token: fake.token,
      shards: 'auto',
      apiUrl: fake.apiUrl,
      logger: silent,
      execArgv: ['--import', 'tsx'],
      shardArgs: ['--api-url', fake.apiUrl],
      spawnDelayMs: 0,
      readyTimeoutMs: 60_000,
      respawn: false,
    });
  }, 120_000);

  afterAll(async () => {
    await shards?.stop();
    await fake?.close();
  });

  it("given 'auto', runs Discord's recommended number of shards, each identifying as its own shard", () => {
    expect(shards?.count).toBe(2);
    expect(fake.identifies.map((i) => i.shard).sort()).toEqual([
      [0, 2],
      [1, 2],
    ]);
    expect(fake.identifies.every((i) => i.tokenValid && i.intents === 1)).toBe(true);
  });

  it('registers the commands once (from shard 0), not once per shard', async () => {
    await fake.waitFor(() => fake.commandsFor().length > 0, 10_000, () => 'command registration');
    expect(fake.requests.filter((r) => r.method === 'PUT')).toHaveLength(1);
  });

  it("given a command in a server, the shard that owns the server answers it", async () => {
    for (const guild of [guilds.find((g) => shardOf(g, 2) === 0)!, guilds.find((g) => shardOf(g, 2) === 1)!]) {
      const driver = new DiscordDriver(fake, guild);
      const answer = await driver.repliesTo(await driver.userRuns(driver.channel(), driver.user('Sam'), 'help'));
      expect(answer.text).toBe(`answered by shard ${shardOf(guild, 2)}`);
    }
  });
});
