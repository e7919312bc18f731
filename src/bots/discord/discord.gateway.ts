/**
 * A gateway connection that stays down once its client is retired.
 *
 * Why: `Client.destroy()` does not stop a shard that is between two reconnect
 * attempts. On a lost connection, @discordjs/ws (1.2.3, discord.js 14.28) closes
 * the shard, marks it idle, waits 500 ms and connects again, for ever. A
 * `destroy()` that lands in those 500 ms finds the shard idle and does nothing
 * ("Tried to destroy a shard that was idle"), and the reconnect follows anyway.
 * The adapter gives up on a client exactly then (after discord.js's own
 * reconnect failed), so the old client went on trying every 500 ms for the
 * whole outage and logged in again (a second IDENTIFY, a second session) as
 * soon as Discord was back, next to the adapter's fresh client.
 *
 * How: every (re)connection attempt of a shard starts by asking for its session
 * (`retrieveSessionInfo`, to choose between RESUME and IDENTIFY). Once the
 * client is retired, that question is never answered: the attempt waits on a
 * promise that never settles, opens no socket, holds no timer, and is collected
 * with the client. Everything else is discord.js's `SimpleShardingStrategy`.
 */
import { SimpleShardingStrategy, type ClientOptions } from 'discord.js';

type BuildStrategy = NonNullable<NonNullable<ClientOptions['ws']>['buildStrategy']>;
type GatewayManager = Parameters<BuildStrategy>[0];
type SessionLookup = GatewayManager['options']['retrieveSessionInfo'];

/** The `ws.buildStrategy` client option: shards that make no new connection attempt once `retired()` holds. */
export function parkShardsWhen(retired: () => boolean): BuildStrategy {
  return (manager) => {
    const options = manager.options as { retrieveSessionInfo: SessionLookup };
    const lookup = options.retrieveSessionInfo;
    options.retrieveSessionInfo = (shardId) => (retired() ? new Promise<never>(() => undefined) : lookup(shardId));
    return new SimpleShardingStrategy(manager);
  };
}
