/**
 * Optional sharding (DISCORD_SHARDS=auto|N): discord.js's ShardingManager runs
 * the bot entry once per shard, each in its own process; inside, the Client
 * reads SHARDS/SHARD_COUNT from the environment, so createDiscordBot needs no
 * change. Only needed past ~2,500 servers (Discord then requires sharding).
 *
 * Two things discord.js does not do for us:
 * - `auto` asks discord.com for the recommended count whatever REST URL the
 *   bot uses, so the count is fetched here through DISCORD_API_URL;
 * - every shard would register the slash commands: the adapter does it from
 *   shard 0 only (see `ownsCommandRegistration`).
 *
 * The entry runs in several processes: anything process-wide in the core
 * (schedules, watch-party deadlines) must then run in one of them only.
 */
import { ShardingManager, type Client } from 'discord.js';
import type { Logger } from '../../core/ports.js';
import { callDiscord } from './discord.errors.js';

export interface DiscordShardingOptions {
  /** Absolute path of the script each shard process runs (the composition root that starts the Discord bot). */
  readonly entry: string;
  readonly token: string;
  /** 'auto' = Discord's recommendation (GET /gateway/bot), or a fixed count. */
  readonly shards: 'auto' | number;
  /** REST base URL override (DISCORD_API_URL), used for the 'auto' count too. */
  readonly apiUrl?: string;
  readonly logger: Logger;
  /** Node flags for the shard processes; defaults to this process's (keeps `tsx` working). */
  readonly execArgv?: readonly string[];
  /** Arguments passed to the entry script. */
  readonly shardArgs?: readonly string[];
  /** Pause between shard launches (Discord allows one IDENTIFY per 5 s per bucket). */
  readonly spawnDelayMs?: number;
  /** How long each shard may take to become ready. */
  readonly readyTimeoutMs?: number;
  /** Restart a shard process that dies. */
  readonly respawn?: boolean;
}

export interface DiscordShards {
  readonly count: number;
  /** Kills every shard process. */
  stop(): Promise<void>;
}

const DEFAULTS = {
  apiUrl: 'https://discord.com/api',
  spawnDelayMs: 5500,
  readyTimeoutMs: 30_000,
  respawn: true,
} as const;

/** Launches the shards and resolves once each has reported ready. */
export async function startDiscordShards(options: DiscordShardingOptions): Promise<DiscordShards> {
  const log = options.logger.child({ module: 'discord-shards' });
  const count = options.shards === 'auto' ? await recommendedShardCount(options.token, options.apiUrl) : options.shards;
  if (!Number.isInteger(count) || count < 1) throw new Error(`DISCORD_SHARDS must be 'auto' or a positive integer, got ${String(options.shards)}`);
  const manager = new ShardingManager(options.entry, {
    token: options.token,
    totalShards: count,
    mode: 'process',
    respawn: options.respawn ?? DEFAULTS.respawn,
    execArgv: [...(options.execArgv ?? process.execArgv)],
    shardArgs: [...(options.shardArgs ?? [])],
  });
  manager.on('shardCreate', (shard) => {
    log.info({ shardId: shard.id, count }, 'discord shard launched');
    shard.on('death', () => log.warn({ shardId: shard.id }, 'discord shard process exited'));
    shard.on('error', (error) => log.error({ shardId: shard.id, err: error.name, detail: error.message }, 'discord shard error'));
  });
  try {
    await manager.spawn({ amount: count, delay: options.spawnDelayMs ?? DEFAULTS.spawnDelayMs, timeout: options.readyTimeoutMs ?? DEFAULTS.readyTimeoutMs });
  } catch (error) {
    for (const shard of manager.shards.values()) shard.kill();
    throw error;
  }
  return {
    count,
    async stop() {
      for (const shard of manager.shards.values()) shard.kill();
    },
  };
}

/** Discord's recommended shard count, asked through the configured REST URL (not always discord.com). */
export async function recommendedShardCount(token: string, apiUrl: string = DEFAULTS.apiUrl): Promise<number> {
  const url = `${apiUrl.replace(/\/$/, '')}/v10/gateway/bot`;
  const body = await callDiscord('shards.recommendedCount', async () => {
    const response = await fetch(url, { headers: { Authorization: `Bot ${token}` }, signal: AbortSignal.timeout(15_000) });
    if (!response.ok) {
      await response.body?.cancel();
      throw Object.assign(new Error(`GET /gateway/bot ${response.status}`), { method: 'GET', url, status: response.status });
    }
    return (await response.json()) as { shards?: unknown };
  });
  const shards = Number(body.shards);
  return Number.isInteger(shards) && shards > 0 ? shards : 1;
}

/** True in an unsharded bot and in the process that runs shard 0: the one that registers commands. */
export function ownsCommandRegistration(client: Client): boolean {
  return client.shard === null || client.shard.ids.includes(0);
}
