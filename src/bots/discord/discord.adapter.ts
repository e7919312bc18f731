/**
 * The Discord adapter: discord.js events -> Turn, Reply[] -> Discord calls.
 * It only translates; every decision about what to say is the core's.
 *
 * - Gateway intent: Guilds only. No privileged intent (no message content, no
 *   members), so text and images arrive through slash commands and button
 *   presses, never by reading channel messages.
 * - Slash commands come from the core's COMMANDS and are registered per guild
 *   when a guild id is configured (instant, for development) or globally.
 * - One error boundary: a failing handler, a slow one (per-interaction time
 *   limit) or a failing Discord call is logged and answered with an apology
 *   when possible; nothing here throws into discord.js or the process.
 */
import { once } from 'node:events';
import { Client, Events, GatewayIntentBits, MessageFlags, Routes, type Interaction, type RESTPostAPIChannelMessageJSONBody } from 'discord.js';
import type { CommandSpec, ConversationHandler, Notifier, Reply, Turn } from '../../core/conversation/turn.js';
import type { Clock, Logger } from '../../core/ports.js';
import { ALWAYS_DEFER, privateCommands, toSlashCommands } from './discord.commands.js';
import { callDiscord, DiscordApiError } from './discord.errors.js';
import { renderReply, type Outgoing, type OutgoingMessage } from './discord.render.js';
import { InteractionResponder } from './discord.responder.js';
import { buttonTurn, commandTurn, type TurnContext } from './discord.turn.js';
import { parkShardsWhen } from './discord.gateway.js';
import { editByRef } from './discord.refs.js';
import { ownsCommandRegistration } from './shard.js';
import { DEFAULT_BACKOFF, Reachability, sleep, type BackoffPolicy } from '../shared/backoff.js';

export interface DiscordBotOptions {
  /** Bot token (DISCORD_TOKEN). Never logged. */
  readonly token: string;
  /** Application id (DISCORD_APPLICATION_ID); defaults to the one READY reports. */
  readonly applicationId?: string;
  /** Register commands in this guild only (DISCORD_GUILD_ID): instant updates while developing. */
  readonly guildId?: string;
  /** REST base URL override (DISCORD_API_URL), e.g. a local Discord-compatible server; the gateway is discovered through it. */
  readonly apiUrl?: string;
  readonly handler: ConversationHandler;
  readonly commands: readonly CommandSpec[];
  readonly logger: Logger;
  /** Cap on selfie downloads, checked on the declared size first. */
  readonly maxImageBytes: number;
  /** Budget for the core to answer one interaction; past it the user gets an apology. */
  readonly interactionTimeoutMs: number;
  /** When a non-deferred interaction is still unanswered after this, it is deferred (Discord allows 3 s). */
  readonly deferAfterMs?: number;
  readonly downloadTimeoutMs?: number;
  readonly clock?: Clock;
  /** Waiting for an unreachable Discord (gateway or REST); DEFAULT_BACKOFF by default. */
  readonly backoff?: BackoffPolicy;
  /** A connection attempt that is neither ready nor failed after this is abandoned (default 30 s). */
  readonly connectTimeoutMs?: number;
}

export interface DiscordBot {
  /** Logs in through the gateway, waits for READY and the guilds, registers the slash commands. */
  start(): Promise<void>;
  /** Takes no new interaction, waits (at most `drainMs`, default 10 s) for those in flight, closes the gateway connection. Safe to call twice. */
  stop(drainMs?: number): Promise<void>;
  /** Lets the core post to a channel by id (watch-party announcements). */
  readonly notifier: Notifier;
}

const DEFAULTS = {
  deferAfterMs: 2000,
  downloadTimeoutMs: 15_000,
  connectTimeoutMs: 30_000,
} as const satisfies Partial<DiscordBotOptions>;

const STOP_DRAIN_MS = 10_000;
/**
 * discord.js reconnects a dropped gateway by itself every 500 ms, for ever.
 * Once its first attempt has failed too (this many reconnects without READY or
 * RESUMED), the adapter takes over: it retires the client (its shard makes no
 * further attempt, see discord.gateway.ts) and logs in afresh with back-off
 * (src/bots/shared/backoff.ts).
 */
const RECONNECTS_BEFORE_BACKOFF = 2;

const APOLOGY = 'Sorry, something went wrong on my side. Please try again in a moment.';
const TOO_SLOW = 'Sorry, that took too long. Please try again in a moment.';

type Outcome = { readonly kind: 'replies'; readonly replies: Reply[] } | { readonly kind: 'timeout' } | { readonly kind: 'failed'; readonly error: unknown };

export function createDiscordBot(options: DiscordBotOptions): DiscordBot {
  const log = options.logger.child({ module: 'discord' });
  const clock = options.clock ?? { now: () => new Date() };
  const deferAfterMs = options.deferAfterMs ?? DEFAULTS.deferAfterMs;
  const privateSet = privateCommands(options.commands);
  const slashCommands = toSlashCommands(options.commands); // fails fast on a spec Discord would refuse
  const turnContext: TurnContext = {
    commands: options.commands,
    maxImageBytes: options.maxImageBytes,
    downloadTimeoutMs: options.downloadTimeoutMs ?? DEFAULTS.downloadTimeoutMs,
    now: () => clock.now(),
  };
  let client: Client | null = null;
  const reach = new Reachability('Discord', log, options.backoff ?? DEFAULT_BACKOFF);
  const stopping = new AbortController();
  let reconnecting: Promise<void> | null = null;
  const inFlight = new Set<Promise<void>>();
  /** Clients given up on: their shards make no new connection attempt (see discord.gateway.ts). */
  const retired = new WeakSet<Client>();

  /** Destroys a client for good: retired first, so a reconnect discord.js has already scheduled cannot follow. */
  async function retire(c: Client): Promise<void> {
    retired.add(c);
    await c.destroy();
  }

  /** `onLost`: the gateway did not come back after discord.js's own reconnect attempt. */
  function newClient(onLost: (reason: string) => void): Client {
    const c: Client = new Client({
      intents: [GatewayIntentBits.Guilds],
      rest: options.apiUrl ? { api: options.apiUrl } : {},
      allowedMentions: { parse: [] },
      ws: { buildStrategy: parkShardsWhen(() => retired.has(c)) },
    });
    c.on(Events.InteractionCreate, (interaction) => {
      if (stopping.signal.aborted) return;
      const work = onInteraction(interaction).catch((error: unknown) => logFailure('interaction boundary', error, {}));
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
    });
    let reconnects = 0;
    c.on(Events.ShardReady, () => void (reconnects = 0));
    c.on(Events.ShardResume, () => void (reconnects = 0));
    c.on(Events.ShardReconnecting, () => {
      if (++reconnects >= RECONNECTS_BEFORE_BACKOFF) onLost('gateway reconnect failed');
    });
    c.on(Events.Error, (error) => log.error({ err: error.name, detail: error.message }, 'discord client error'));
    c.on(Events.ShardError, (error, shardId) => log.warn({ shardId, err: error.name, detail: error.message }, 'discord shard error'));
    c.on(Events.Warn, (message) => log.warn({ detail: message }, 'discord warning'));
    c.on(Events.ShardDisconnect, (event, shardId) => log.warn({ shardId, code: event.code }, 'discord shard disconnected'));
    c.on(Events.ShardResume, (shardId, replayed) => log.info({ shardId, replayed }, 'discord shard resumed'));
    c.rest.on('rateLimited', (info) =>
      log.warn({ route: info.route, method: info.method, retryAfterMs: info.retryAfter, global: info.global, scope: info.scope }, 'discord rate limited'),
    );
    return c;
  }

  async function onInteraction(interaction: Interaction): Promise<void> {
    if (interaction.isChatInputCommand()) {
      const forceEphemeral = interaction.inGuild() && privateSet.has(interaction.commandName);
      const responder = new InteractionResponder(interaction);
      const fields = { interactionId: interaction.id, kind: 'command', command: interaction.commandName, inGuild: interaction.inGuild() };
      if (ALWAYS_DEFER.has(interaction.commandName)) {
        // Defer before anything else: the 3 s clock started when the user pressed enter.
        const deferred = await responder.deferReply(forceEphemeral).then(
          () => true,
          (error: unknown) => (logFailure('defer failed', error, fields), false),
        );
        if (!deferred) return;
      }
      await run(() => commandTurn(interaction, turnContext), responder, forceEphemeral, fields);
    } else if (interaction.isButton()) {
      const responder = new InteractionResponder(interaction);
      const ephemeralMessage = isEphemeral(interaction.message as unknown);
      const fields = { interactionId: interaction.id, kind: 'button', action: interaction.customId.split(':')[0], inGuild: interaction.inGuild() };
      await run(() => buttonTurn(interaction, turnContext), responder, ephemeralMessage, fields);
    } else {
      log.debug({ interactionId: interaction.id, type: interaction.type }, 'interaction ignored');
    }
  }

  /**
   * Asks the core, within the time limit, deferring if the answer is slow to
   * come, then sends what it said. Any failure ends in an apology (ephemeral)
   * if Discord still accepts one, and always in a log line.
   */
  async function run(
    makeTurn: () => Turn,
    responder: InteractionResponder,
    forceEphemeral: boolean,
    fields: Record<string, unknown>,
  ): Promise<void> {
    const started = Date.now();
    let deferring: Promise<void> | null = null;
    const deferTimer = setTimeout(() => {
      if (!responder.acknowledged) {
        deferring = responder.defer(forceEphemeral).catch((error: unknown) => logFailure('defer failed', error, fields));
      }
    }, deferAfterMs);
    let outcome: Outcome;
    try {
      outcome = await askCore(makeTurn);
    } finally {
      clearTimeout(deferTimer);
      if (deferring) await deferring;
    }
    try {
      if (outcome.kind === 'replies') {
        for (const reply of outcome.replies) {
          for (const out of renderReply(reply, { forceEphemeral, onDrop: (what, details) => log.warn({ ...fields, ...details, what }, 'reply trimmed to fit Discord') })) {
            await deliver(responder, out);
          }
        }
        log.info({ ...fields, replies: outcome.replies.map((r) => r.kind), ms: Date.now() - started }, 'interaction answered');
      } else {
        if (outcome.kind === 'timeout') log.warn({ ...fields, ms: Date.now() - started }, 'handler timed out');
        else logFailure('handler threw', outcome.error, fields);
        await deliver(responder, apology(outcome.kind === 'timeout' ? TOO_SLOW : APOLOGY));
      }
      await responder.finish();
    } catch (error) {
      logFailure('reply failed', error, fields);
      // One last try so the user is not left with "The application did not respond".
      await deliver(responder, apology(APOLOGY))
        .then(() => responder.finish())
        .catch((second: unknown) => logFailure('apology failed', second, fields));
    }
  }

  async function askCore(makeTurn: () => Turn): Promise<Outcome> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<Outcome>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'timeout' }), options.interactionTimeoutMs);
    });
    const work = (async (): Promise<Outcome> => ({ kind: 'replies', replies: await options.handler.handle(makeTurn()) }))().catch(
      (error: unknown): Outcome => ({ kind: 'failed', error }),
    );
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function deliver(responder: InteractionResponder, out: Outgoing): Promise<void> {
    if (out.kind === 'ack') await responder.ack(out);
    else await responder.send(out);
  }

  function logFailure(message: string, error: unknown, fields: Record<string, unknown>): void {
    // Only names, codes and routes: a raw discord.js error carries the request body and the token-bearing URL.
    log.error(
      error instanceof DiscordApiError
        ? { ...fields, ...error.toLogFields() }
        : { ...fields, err: error instanceof Error ? error.name : typeof error, detail: error instanceof Error ? error.message.slice(0, 200) : undefined },
      `discord ${message}`,
    );
  }

  async function registerCommands(c: Client): Promise<void> {
    const applicationId = options.applicationId ?? c.application?.id;
    if (!applicationId) throw new Error('Discord application id unknown: set DISCORD_APPLICATION_ID');
    const route = options.guildId ? Routes.applicationGuildCommands(applicationId, options.guildId) : Routes.applicationCommands(applicationId);
    await callDiscord('commands.register', () => c.rest.put(route, { body: slashCommands }));
    log.info({ scope: options.guildId ? 'guild' : 'global', count: slashCommands.length }, 'discord commands registered');
  }

  const notifier: Notifier = {
    platform: 'discord',
    async send(chatId: string, replies: readonly Reply[]): Promise<void> {
      const c = client;
      if (!c) throw new Error('Discord bot not started');
      for (const reply of replies) {
        if (reply.kind === 'update') {
          // A party's one message, edited when it closes; skipped when this process never saw it (restart) or it is gone.
          const applicationId = options.applicationId ?? c.application?.id;
          if (applicationId && !(await editByRef(c.rest, applicationId, reply))) log.info({ channelId: chatId }, 'party message not editable here; the announcement still goes out');
          continue;
        }
        for (const out of renderReply(reply, { onDrop: (what, details) => log.warn({ ...details, what }, 'notification trimmed to fit Discord') })) {
          if (out.kind === 'ack' || out.ephemeral) {
            // No button press to answer, and a channel post cannot be private: never leak a private reply.
            log.warn({ channelId: chatId, kind: out.kind }, 'notification part not sendable to a channel, skipped');
            continue;
          }
          await callDiscord('notifier.send', () => c.rest.post(Routes.channelMessages(chatId), channelPost(out)));
        }
      }
    },
  };

  /** A fresh client, logged in and ready; rejects (client destroyed) when the gateway or REST cannot be reached. */
  async function connect(): Promise<Client> {
    let lost: (reason: string) => void = () => undefined;
    const c = newClient((reason) => lost(reason));
    let timer: NodeJS.Timeout | undefined;
    let onStop = () => undefined as void;
    try {
      const failed = new Promise<never>((_, reject) => {
        lost = (reason) => reject(new Error(reason));
        timer = setTimeout(() => reject(new Error('gateway not ready in time')), options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs);
        // stop() must not wait for a login that is still trying.
        onStop = () => reject(new Error('stopping'));
        stopping.signal.addEventListener('abort', onStop, { once: true });
      });
      const ready = once(c, Events.ClientReady);
      const loggedIn = callDiscord('login', () => c.login(options.token)).then(() => ready);
      // Whichever loses the race must not become an unhandled rejection.
      for (const p of [failed, ready, loggedIn]) p.catch(() => undefined);
      await Promise.race([loggedIn, failed]);
    } catch (error) {
      await retire(c).catch(() => undefined);
      throw error;
    } finally {
      clearTimeout(timer);
      stopping.signal.removeEventListener('abort', onStop);
    }
    lost = (reason) => onLost(c, reason);
    log.info({ guilds: c.guilds.cache.size, shards: c.ws.shards.size }, 'discord gateway ready');
    return c;
  }

  /** The connection is gone: drop the client, log in again with back-off until Discord answers or stop(). */
  function onLost(c: Client, reason: string): void {
    if (client !== c || stopping.signal.aborted) return;
    client = null;
    reconnecting = (async () => {
      await retire(c).catch(() => undefined);
      let waitMs = reach.failed(reason);
      while (!stopping.signal.aborted) {
        await sleep(waitMs, stopping.signal);
        if (stopping.signal.aborted) return;
        try {
          const fresh = await connect();
          if (stopping.signal.aborted) {
            await retire(fresh).catch(() => undefined);
            return;
          }
          client = fresh;
          reach.succeeded();
          return;
        } catch (error) {
          waitMs = reach.failed(describeFailure(error));
        }
      }
    })().finally(() => {
      reconnecting = null;
    });
  }

  return {
    notifier,
    async start() {
      if (client) return;
      const c = await connect();
      client = c;
      try {
        if (ownsCommandRegistration(c)) await registerCommands(c);
      } catch (error) {
        client = null;
        await retire(c).catch(() => undefined);
        throw error;
      }
    },
    async stop(drainMs = STOP_DRAIN_MS) {
      stopping.abort();
      await reconnecting;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(inFlight), new Promise((resolve) => (timer = setTimeout(resolve, drainMs)))]);
      clearTimeout(timer);
      const c = client;
      client = null;
      if (c) await retire(c);
    },
  };
}

/** A short reason for the one warning: a network code, an HTTP status, or the message. */
function describeFailure(error: unknown): string {
  const e = error as { code?: unknown; status?: unknown; cause?: { code?: unknown; cause?: { code?: unknown } }; message?: unknown } | null;
  const code = e?.cause?.code ?? e?.cause?.cause?.code ?? e?.code;
  if (typeof code === 'string') return code;
  if (error instanceof DiscordApiError && error.status) return `HTTP ${error.status}`;
  return String(e?.message ?? error).slice(0, 120);
}

/**
 * Whether the pressed message was ephemeral (then every answer stays so). In
 * DMs the channel is not cached (no Partials.Channel), so discord.js hands the
 * raw API message instead of a Message: read both shapes.
 */
function isEphemeral(message: unknown): boolean {
  const flags = (message as { flags?: unknown } | null)?.flags;
  if (typeof flags === 'number') return (flags & MessageFlags.Ephemeral) !== 0;
  if (flags && typeof (flags as { has?: unknown }).has === 'function') return (flags as { has(flag: number): boolean }).has(MessageFlags.Ephemeral);
  return false;
}

function apology(text: string): OutgoingMessage {
  return { kind: 'message', content: text, embeds: [], components: [], files: [], ephemeral: true };
}

/** A message for POST channels/{id}/messages: JSON body plus multipart files, as the REST docs describe. */
function channelPost(message: OutgoingMessage): { body: RESTPostAPIChannelMessageJSONBody; files?: { name: string; data: Buffer; contentType: string }[] } {
  const body: RESTPostAPIChannelMessageJSONBody = {
    ...(message.content ? { content: message.content } : {}),
    embeds: [...message.embeds],
    components: [...message.components],
    allowed_mentions: { parse: [] },
    ...(message.files.length > 0 ? { attachments: message.files.map((file, id) => ({ id, filename: file.name })) } : {}),
  };
  if (message.files.length === 0) return { body };
  return { body, files: message.files.map((file) => ({ name: file.name, data: file.data, contentType: file.contentType })) };
}
