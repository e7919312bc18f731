/**
 * A local stand-in for Discord: the REST API (under /api/v10), the gateway
 * (WebSocket at /gateway, discovered through GET /gateway/bot) and a CDN path
 * for attachments, on 127.0.0.1. It follows the official API docs for the
 * parts MoodReel uses, so the REAL discord.js client can log in and answer
 * interactions against it:
 *
 * - Gateway: HELLO (op 10) -> IDENTIFY (op 2) -> READY + GUILD_CREATE
 *   dispatches (op 0, increasing `s`), HEARTBEAT (op 1) -> ACK (op 11),
 *   RESUME (op 6) -> RESUMED, INTERACTION_CREATE dispatches.
 * - REST: GET /gateway/bot, GET /users/@me, GET /applications/@me,
 *   PUT/GET application (guild) commands, POST interaction callbacks (types
 *   4, 5, 6, 7; JSON or multipart with files), GET/PATCH/DELETE webhook
 *   messages (@original and follow-ups), POST webhook follow-ups, POST/GET
 *   channel messages, PATCH a channel message of the bot's, GET /channels/{id}.
 * - Discord's rules the adapter must respect: one callback per interaction
 *   (40060), callback within the ack deadline (10062), no edit of a message
 *   that does not exist (10008), bot token on authenticated routes (401),
 *   and rate limits injected on demand (429 with Retry-After and the
 *   X-RateLimit-* headers @discordjs/rest reads) or server errors (5xx).
 *
 * Tests drive it through DiscordDriver (discord-driver.ts); this file is the
 * server and its bookkeeping.
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import { listenAgain, stopListening } from './server-outage.js';

// ------------------------------------------------------------------ public types

export interface FakeUser {
  readonly id: string;
  readonly username: string;
  readonly global_name: string | null;
  readonly discriminator: string;
  readonly avatar: null;
  readonly bot?: boolean;
}

export interface FakeChannel {
  readonly id: string;
  /** 0 GUILD_TEXT, 1 DM. */
  readonly type: 0 | 1;
  readonly name?: string;
  readonly guildId?: string;
  /** The other side of a DM. */
  readonly recipient?: FakeUser;
}

export interface FakeGuild {
  readonly id: string;
  readonly name: string;
  readonly ownerId: string;
  readonly channels: FakeChannel[];
  readonly members: FakeUser[];
}

export interface FakeFile {
  readonly id: string;
  readonly name: string;
  readonly contentType: string;
  readonly data: Buffer;
  readonly url: string;
}

/** A message as the fake stores it (the bot's and, for attachments, the users'). */
export interface FakeMessage {
  readonly id: string;
  readonly channelId: string;
  readonly guildId?: string;
  readonly author: FakeUser;
  content: string;
  embeds: unknown[];
  components: unknown[];
  attachments: FakeFile[];
  flags: number;
  /** 0 DEFAULT, 19 REPLY, 20 CHAT_INPUT_COMMAND. */
  readonly type: number;
  /** The interaction that produced it, if any. */
  readonly interactionId?: string;
  /** For ephemeral messages: the only user who sees it. */
  readonly visibleTo?: string;
  readonly createdAt: number;
  editedAt: number | null;
  edits: number;
  deleted: boolean;
}

export interface FakeCommand {
  readonly id: string;
  readonly application_id: string;
  readonly guild_id?: string;
  readonly name: string;
  readonly description: string;
  readonly type: number;
  readonly options: readonly { type: number; name: string; description: string; required?: boolean }[];
  readonly contexts?: readonly number[];
  readonly integration_types?: readonly number[];
  readonly version: string;
}

export interface FakeCallback {
  readonly type: number;
  readonly at: number;
  readonly ephemeral: boolean;
}

/** One interaction the fake dispatched and everything the bot did about it. */
export interface FakeInteraction {
  readonly id: string;
  readonly token: string;
  /** 2 APPLICATION_COMMAND, 3 MESSAGE_COMPONENT. */
  readonly type: 2 | 3;
  readonly commandName?: string;
  readonly customId?: string;
  readonly user: FakeUser;
  readonly channelId: string;
  readonly guildId?: string;
  /** The message carrying the pressed button (components). */
  readonly messageId?: string;
  readonly payload: Record<string, unknown>;
  readonly createdAt: number;
  readonly callbacks: FakeCallback[];
  /** Message created by callback 4/5 (the "original response"). */
  originalId?: string;
  readonly followUpIds: string[];
  /** Times the pressed message was edited through this interaction (type 7, or 6 + PATCH @original). */
  updates: number;
  lastActivity: number;
}

export interface RecordedRequest {
  readonly method: string;
  /** Path without /api/vN, tokens replaced by ':token'. */
  readonly path: string;
  readonly status: number;
  readonly at: number;
  readonly injected: boolean;
}

export interface FailureRule {
  /** 429 (rate limit) or a 5xx. */
  readonly status: number;
  /** For 429: seconds to wait (Retry-After header and retry_after body field). */
  readonly retryAfterSec?: number;
  /** For 429: a global rate limit (X-RateLimit-Global). */
  readonly global?: boolean;
  /** Only requests whose METHOD and redacted path match, e.g. /^PATCH \/webhooks/. */
  readonly match?: RegExp;
}

export interface FakeDiscordOptions {
  readonly token?: string;
  readonly applicationId?: string;
  readonly botName?: string;
  /** HELLO's heartbeat_interval (Discord sends ~41250). */
  readonly heartbeatIntervalMs?: number;
  /** Recommended shard count from GET /gateway/bot. */
  readonly shards?: number;
  /** Callbacks later than this after the dispatch get 10062 Unknown interaction (Discord: 3 s). */
  readonly ackDeadlineMs?: number;
  /** Declared attachment size limit in interactions. */
  readonly attachmentSizeLimit?: number;
}

// ------------------------------------------------------------------ constants

const DISCORD_EPOCH = 1420070400000n;
const EPHEMERAL = 1 << 6;
const LOADING = 1 << 7;
/** Send Messages | Embed Links | Attach Files | Read Message History | Use Application Commands | View Channel. */
const APP_PERMISSIONS = ((1n << 11n) | (1n << 14n) | (1n << 15n) | (1n << 16n) | (1n << 31n) | (1n << 10n)).toString();
const MEMBER_PERMISSIONS = APP_PERMISSIONS;

const Op = { Dispatch: 0, Heartbeat: 1, Identify: 2, PresenceUpdate: 3, Resume: 6, Reconnect: 7, InvalidSession: 9, Hello: 10, HeartbeatAck: 11 } as const;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

interface GatewaySession {
  readonly ws: WebSocket;
  sessionId: string | null;
  seq: number;
  shard: [number, number];
  identified: boolean;
  intents: number | null;
  heartbeats: number;
}

interface ParsedBody {
  json: Record<string, unknown>;
  files: { name: string; contentType: string; data: Buffer }[];
}

// ------------------------------------------------------------------ the fake

export class FakeDiscord extends EventEmitter {
  readonly token: string;
  readonly applicationId: string;
  readonly bot: FakeUser;
  readonly guilds: FakeGuild[] = [];
  readonly dms = new Map<string, FakeChannel>();
  readonly users = new Map<string, FakeUser>();
  readonly messages = new Map<string, FakeMessage>();
  readonly interactions = new Map<string, FakeInteraction>();
  readonly requests: RecordedRequest[] = [];
  readonly globalCommands: FakeCommand[] = [];
  readonly guildCommands = new Map<string, FakeCommand[]>();
  /** Every IDENTIFY payload received (token replaced by a boolean). */
  readonly identifies: { tokenValid: boolean; intents: number; shard: [number, number] | null }[] = [];
  readonly files = new Map<string, FakeFile>();
  /** Sessions resumed with op 6 (a dropped connection picked up where it left off). */
  resumes = 0;
  /** Ids of files fetched from the fake CDN, in order (proves a download did or did not happen). */
  readonly downloads: string[] = [];

  private readonly heartbeatIntervalMs: number;
  private readonly recommendedShards: number;
  private readonly ackDeadlineMs: number;
  private readonly attachmentSizeLimit: number;
  private readonly sessions = new Set<GatewaySession>();
  private readonly knownSessions = new Map<string, GatewaySession>();
  private readonly failures: (FailureRule & { remaining: number })[] = [];
  private readonly wss = new WebSocketServer({ noServer: true });
  private snowflakeIncrement = 0n;
  private commandVersion = 1;
  private port = 0;

  private constructor(
    private readonly server: Server,
    options: FakeDiscordOptions,
  ) {
    super();
    this.setMaxListeners(100);
    this.token = options.token ?? `${Buffer.from('1').toString('base64')}.fake.${randomBytes(16).toString('hex')}`;
    this.applicationId = options.applicationId ?? this.snowflake();
    this.bot = { id: this.applicationId, username: options.botName ?? 'MoodReel', global_name: null, discriminator: '0', avatar: null, bot: true };
    this.users.set(this.bot.id, this.bot);
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 41_250;
    this.recommendedShards = options.shards ?? 1;
    this.ackDeadlineMs = options.ackDeadlineMs ?? 3000;
    this.attachmentSizeLimit = options.attachmentSizeLimit ?? 10 * 1024 * 1024;
  }

  /** Starts the fake on a free 127.0.0.1 port. */
  static async start(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
    const server = createServer();
    const fake = new FakeDiscord(server, options);
    server.on('request', (req, res) => void fake.onRequest(req, res));
    server.on('upgrade', (req, socket, head) => {
      if (!req.url?.startsWith('/gateway')) return socket.destroy();
      fake.wss.handleUpgrade(req, socket, head, (ws) => fake.onGatewayConnection(ws));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.port = (server.address() as AddressInfo).port;
    return fake;
  }

  /** What DISCORD_API_URL should be set to (discord.js appends /v10). */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.port}/gateway`;
  }

  get cdnUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    for (const session of this.sessions) session.ws.terminate();
    this.wss.close();
    await stopListening(this.server);
  }

  /** An outage: gateway connections are cut and the port refuses connections until comeBack(); the world is kept. */
  async goDown(): Promise<void> {
    for (const session of this.sessions) session.ws.terminate();
    await stopListening(this.server);
  }

  /** Listens again on the same port after goDown(). */
  async comeBack(): Promise<void> {
    await listenAgain(this.server, this.port);
  }

  // ---------------------------------------------------------------- world set-up

  /** A realistic snowflake: ms since the Discord epoch << 22 | worker | process | increment. */
  snowflake(at = Date.now()): string {
    this.snowflakeIncrement = (this.snowflakeIncrement + 1n) & 0xfffn;
    return (((BigInt(at) - DISCORD_EPOCH) << 22n) | (1n << 17n) | (1n << 12n) | this.snowflakeIncrement).toString();
  }

  addUser(username: string): FakeUser {
    const user: FakeUser = { id: this.snowflake(), username: username.toLowerCase(), global_name: username, discriminator: '0', avatar: null };
    this.users.set(user.id, user);
    return user;
  }

  /** Adds a guild (with the bot in it and a #general channel). Call before the bot starts, or it gets a GUILD_CREATE. */
  addGuild(name: string, channelNames: readonly string[] = ['general']): FakeGuild {
    const id = this.snowflake();
    const guild: FakeGuild = { id, name, ownerId: this.bot.id, channels: [], members: [this.bot] };
    for (const channelName of channelNames) guild.channels.push({ id: this.snowflake(), type: 0, name: channelName, guildId: id });
    this.guilds.push(guild);
    for (const session of this.sessions) if (session.identified) this.dispatch(session, 'GUILD_CREATE', this.guildJson(guild));
    return guild;
  }

  addMember(guild: FakeGuild, user: FakeUser): void {
    if (!guild.members.some((m) => m.id === user.id)) guild.members.push(user);
  }

  /** The DM channel between the bot and a user (created on first use, as Create DM does). */
  dmWith(user: FakeUser): FakeChannel {
    let channel = this.dms.get(user.id);
    if (!channel) {
      channel = { id: this.snowflake(), type: 1, recipient: user };
      this.dms.set(user.id, channel);
    }
    return channel;
  }

  channel(id: string): FakeChannel | undefined {
    for (const guild of this.guilds) {
      const found = guild.channels.find((c) => c.id === id);
      if (found) return found;
    }
    return [...this.dms.values()].find((c) => c.id === id);
  }

  /** Puts a file on the fake CDN (as if a user uploaded it) and returns its attachment object. */
  upload(channelId: string, name: string, contentType: string, data: Uint8Array, declaredSize?: number): Record<string, unknown> {
    const file = this.storeFile(channelId, name, contentType, Buffer.from(data));
    return {
      id: file.id,
      filename: name,
      size: declaredSize ?? file.data.length,
      url: file.url,
      proxy_url: file.url,
      content_type: contentType,
      ephemeral: true,
    };
  }

  // ---------------------------------------------------------------- test hooks

  /** The next `count` matching requests fail with the rule's status (then requests pass again). */
  failNext(count: number, rule: FailureRule): void {
    this.failures.push({ ...rule, remaining: count });
  }

  /** Commands as the bot registered them: for a guild, or global. */
  commandsFor(guildId?: string): FakeCommand[] {
    return guildId ? (this.guildCommands.get(guildId) ?? []) : this.globalCommands;
  }

  /** Dispatches INTERACTION_CREATE to the shard that owns the guild (DMs: shard 0). */
  dispatchInteraction(interaction: FakeInteraction): void {
    this.interactions.set(interaction.id, interaction);
    const shardCount = this.identifiedSessions()[0]?.shard[1] ?? 1;
    const shardId = interaction.guildId ? Number((BigInt(interaction.guildId) >> 22n) % BigInt(shardCount)) : 0;
    const session = this.identifiedSessions().find((s) => s.shard[0] === shardId);
    if (!session) throw new Error('No bot is connected to the fake gateway');
    this.dispatch(session, 'INTERACTION_CREATE', interaction.payload);
    this.touch(interaction);
  }

  /** Resolves when the predicate holds (checked on every change), rejects with `describe()` after the timeout. */
  async waitFor(predicate: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
    if (predicate()) return;
    await new Promise<void>((resolve, reject) => {
      const onChange = (): void => {
        if (predicate()) {
          cleanup();
          resolve();
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${describe()}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.off('change', onChange);
      };
      this.on('change', onChange);
    });
  }

  identifiedSessions(): GatewaySession[] {
    return [...this.sessions].filter((s) => s.identified);
  }

  /** Number of heartbeats acknowledged (proves op 1 / op 11 work). */
  get heartbeatCount(): number {
    return [...this.sessions].reduce((sum, s) => sum + s.heartbeats, 0);
  }

  /** Closes every gateway connection with a code (4000 = unknown error: the client should resume). */
  dropGateway(code = 4000): void {
    for (const session of this.sessions) session.ws.close(code, 'fake drop');
  }

  /** Messages in a channel, oldest first; pass a user id to see what that user sees (ephemerals). */
  channelMessages(channelId: string, visibleTo?: string): FakeMessage[] {
    return [...this.messages.values()].filter(
      (m) => m.channelId === channelId && !m.deleted && (m.visibleTo === undefined || m.visibleTo === visibleTo),
    );
  }

  messageJson(message: FakeMessage): Record<string, unknown> {
    const interaction = message.interactionId ? this.interactions.get(message.interactionId) : undefined;
    return {
      id: message.id,
      channel_id: message.channelId,
      ...(message.guildId ? { guild_id: message.guildId } : {}),
      author: message.author,
      content: message.content,
      timestamp: new Date(message.createdAt).toISOString(),
      edited_timestamp: message.editedAt ? new Date(message.editedAt).toISOString() : null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: message.attachments.map((f) => ({ id: f.id, filename: f.name, size: f.data.length, url: f.url, proxy_url: f.url, content_type: f.contentType })),
      embeds: message.embeds,
      pinned: false,
      type: message.type,
      flags: message.flags,
      components: message.components,
      ...(message.author.id === this.bot.id && interaction ? { webhook_id: this.applicationId, application_id: this.applicationId } : {}),
      ...(interaction
        ? {
            interaction_metadata: {
              id: interaction.id,
              type: interaction.type,
              user: interaction.user,
              authorizing_integration_owners: interaction.payload['authorizing_integration_owners'],
              ...(interaction.type === 3 ? { interacted_message_id: interaction.messageId } : {}),
            },
          }
        : {}),
    };
  }

  guildJson(guild: FakeGuild): Record<string, unknown> {
    const now = new Date().toISOString();
    return {
      id: guild.id,
      name: guild.name,
      icon: null,
      splash: null,
      discovery_splash: null,
      owner_id: guild.ownerId,
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      roles: [{ id: guild.id, name: '@everyone', permissions: MEMBER_PERMISSIONS, position: 0, color: 0, hoist: false, managed: false, mentionable: false, flags: 0 }],
      emojis: [],
      features: [],
      mfa_level: 0,
      application_id: null,
      system_channel_id: guild.channels[0]?.id ?? null,
      system_channel_flags: 0,
      rules_channel_id: null,
      vanity_url_code: null,
      description: null,
      banner: null,
      premium_tier: 0,
      preferred_locale: 'en-US',
      public_updates_channel_id: null,
      nsfw_level: 0,
      stickers: [],
      premium_progress_bar_enabled: false,
      joined_at: now,
      large: false,
      unavailable: false,
      member_count: guild.members.length,
      voice_states: [],
      members: [this.memberJson(this.bot, now)],
      channels: guild.channels.map((c) => this.channelJson(c)),
      threads: [],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    };
  }

  channelJson(channel: FakeChannel): Record<string, unknown> {
    if (channel.type === 1) return { id: channel.id, type: 1, last_message_id: null, flags: 0, recipients: channel.recipient ? [channel.recipient] : [] };
    return {
      id: channel.id,
      type: 0,
      guild_id: channel.guildId,
      name: channel.name,
      position: 0,
      permission_overwrites: [],
      nsfw: false,
      topic: null,
      last_message_id: null,
      rate_limit_per_user: 0,
      parent_id: null,
      flags: 0,
    };
  }

  memberJson(user: FakeUser, joinedAt = new Date().toISOString()): Record<string, unknown> {
    return {
      user,
      nick: null,
      avatar: null,
      roles: [],
      joined_at: joinedAt,
      premium_since: null,
      deaf: false,
      mute: false,
      flags: 0,
      pending: false,
      permissions: MEMBER_PERMISSIONS,
      communication_disabled_until: null,
    };
  }

  /** Builds a realistic interaction payload (the driver's job is to pick the fields). */
  newInteraction(fields: {
    type: 2 | 3;
    user: FakeUser;
    channel: FakeChannel;
    data: Record<string, unknown>;
    message?: FakeMessage;
    commandName?: string;
    customId?: string;
  }): FakeInteraction {
    const id = this.snowflake();
    const token = Buffer.from(`interaction:${id}:${randomBytes(48).toString('hex')}`).toString('base64url');
    const guildId = fields.channel.guildId;
    const payload: Record<string, unknown> = {
      id,
      application_id: this.applicationId,
      type: fields.type,
      token,
      version: 1,
      data: fields.data,
      channel_id: fields.channel.id,
      channel: this.channelJson(fields.channel),
      app_permissions: APP_PERMISSIONS,
      locale: 'en-US',
      entitlements: [],
      // Guild-installed app: "0" is the guild id in a server, "0" in the bot's DMs.
      authorizing_integration_owners: { '0': guildId ?? '0' },
      context: guildId ? 0 : 1,
      attachment_size_limit: this.attachmentSizeLimit,
      ...(guildId
        ? { guild_id: guildId, guild: { id: guildId, locale: 'en-US', features: [] }, guild_locale: 'en-US', member: this.memberJson(fields.user) }
        : { user: fields.user }),
      ...(fields.message ? { message: this.messageJson(fields.message) } : {}),
    };
    return {
      id,
      token,
      type: fields.type,
      ...(fields.commandName ? { commandName: fields.commandName } : {}),
      ...(fields.customId ? { customId: fields.customId } : {}),
      user: fields.user,
      channelId: fields.channel.id,
      ...(guildId ? { guildId } : {}),
      ...(fields.message ? { messageId: fields.message.id } : {}),
      payload,
      createdAt: Date.now(),
      callbacks: [],
      followUpIds: [],
      updates: 0,
      lastActivity: Date.now(),
    };
  }

  // ---------------------------------------------------------------- gateway

  private onGatewayConnection(ws: WebSocket): void {
    const session: GatewaySession = { ws, sessionId: null, seq: 0, shard: [0, 1], identified: false, intents: null, heartbeats: 0 };
    this.sessions.add(session);
    ws.on('close', () => {
      this.sessions.delete(session);
      this.changed();
    });
    ws.on('error', () => undefined);
    ws.on('message', (raw) => this.onGatewayMessage(session, raw.toString()));
    this.send(session, { op: Op.Hello, d: { heartbeat_interval: this.heartbeatIntervalMs }, s: null, t: null });
  }

  private onGatewayMessage(session: GatewaySession, raw: string): void {
    let packet: { op: number; d: unknown };
    try {
      packet = JSON.parse(raw) as { op: number; d: unknown };
    } catch {
      session.ws.close(4002, 'Decode error');
      return;
    }
    switch (packet.op) {
      case Op.Heartbeat:
        session.heartbeats += 1;
        this.send(session, { op: Op.HeartbeatAck, d: null, s: null, t: null });
        this.changed();
        return;
      case Op.Identify:
        return this.onIdentify(session, packet.d as { token: string; intents: number; shard?: [number, number] });
      case Op.Resume:
        return this.onResume(session, packet.d as { token: string; session_id: string; seq: number });
      case Op.PresenceUpdate:
        return;
      default:
        if (!session.identified) session.ws.close(4003, 'Not authenticated');
    }
  }

  private onIdentify(session: GatewaySession, d: { token: string; intents: number; shard?: [number, number] }): void {
    const tokenValid = d.token === this.token;
    this.identifies.push({ tokenValid, intents: d.intents, shard: d.shard ?? null });
    if (!tokenValid) {
      session.ws.close(4004, 'Authentication failed.');
      return;
    }
    if (session.identified) {
      session.ws.close(4005, 'Already authenticated.');
      return;
    }
    session.identified = true;
    session.intents = d.intents;
    session.shard = d.shard ?? [0, 1];
    session.sessionId = randomBytes(16).toString('hex');
    this.knownSessions.set(session.sessionId, session);
    const [shardId, shardCount] = session.shard;
    const guilds = this.guilds.filter((g) => Number((BigInt(g.id) >> 22n) % BigInt(shardCount)) === shardId);
    this.dispatch(session, 'READY', {
      v: 10,
      user_settings: {},
      user: { ...this.bot, verified: true, mfa_enabled: false, flags: 0 },
      guilds: guilds.map((g) => ({ id: g.id, unavailable: true })),
      session_id: session.sessionId,
      resume_gateway_url: this.gatewayUrl,
      shard: session.shard,
      application: { id: this.applicationId, flags: 0 },
    });
    // GUILDS intent (1 << 0): the guilds then arrive as GUILD_CREATE, as on Discord.
    for (const guild of guilds) this.dispatch(session, 'GUILD_CREATE', this.guildJson(guild));
  }

  private onResume(session: GatewaySession, d: { token: string; session_id: string; seq: number }): void {
    const previous = this.knownSessions.get(d.session_id);
    if (d.token !== this.token || !previous) {
      this.send(session, { op: Op.InvalidSession, d: false, s: null, t: null });
      return;
    }
    session.identified = true;
    session.sessionId = d.session_id;
    session.seq = Math.max(previous.seq, d.seq);
    session.shard = previous.shard;
    session.intents = previous.intents;
    this.knownSessions.set(d.session_id, session);
    this.resumes += 1;
    this.dispatch(session, 'RESUMED', {});
    this.changed();
  }

  private dispatch(session: GatewaySession, t: string, d: unknown): void {
    session.seq += 1;
    this.send(session, { op: Op.Dispatch, d, s: session.seq, t });
  }

  private send(session: GatewaySession, packet: unknown): void {
    if (session.ws.readyState === session.ws.OPEN) session.ws.send(JSON.stringify(packet));
  }

  // ---------------------------------------------------------------- REST

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${this.port}`);
    const method = (req.method ?? 'GET').toUpperCase();
    const raw = await readAll(req);
    if (method === 'GET' && url.pathname.startsWith('/attachments/')) return this.serveFile(url.pathname, res);
    const match = /^\/api(?:\/v(\d+))?(\/.*)$/.exec(url.pathname);
    const path = match?.[2] ?? url.pathname;
    const redacted = `${method} ${decodeURIComponent(path).replace(/\/(webhooks|interactions)\/(\d+)\/[^/]+/, '/$1/$2/:token')}`;
    const record = (status: number, injected = false): void => {
      this.requests.push({ method, path: redacted.slice(method.length + 1), status, at: Date.now(), injected });
      this.changed();
    };
    const failure = this.failures.find((f) => f.remaining > 0 && (!f.match || f.match.test(redacted)));
    if (failure) {
      failure.remaining -= 1;
      record(failure.status, true);
      return this.sendFailure(res, failure);
    }
    try {
      const body = await parseBody(req.headers['content-type'], raw);
      const { status, json } = await this.route(method, path, url.searchParams, body, req.headers.authorization);
      record(status);
      if (status === 204) {
        res.writeHead(204).end();
      } else {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      }
    } catch (error) {
      const e = error instanceof HttpError ? error : new HttpError(500, 0, error instanceof Error ? error.message : 'error');
      record(e.status);
      res.writeHead(e.status, { 'content-type': 'application/json' }).end(JSON.stringify({ message: e.message, code: e.code }));
    }
  }

  private sendFailure(res: ServerResponse, failure: FailureRule): void {
    if (failure.status === 429) {
      const retryAfter = failure.retryAfterSec ?? 0.25;
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'retry-after': String(retryAfter),
        'x-ratelimit-limit': '5',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(Date.now() / 1000 + retryAfter),
        'x-ratelimit-reset-after': String(retryAfter),
        'x-ratelimit-bucket': 'fakebucket',
        'x-ratelimit-scope': failure.global ? 'global' : 'user',
        ...(failure.global ? { 'x-ratelimit-global': 'true' } : {}),
      };
      res.writeHead(429, headers).end(JSON.stringify({ message: 'You are being rate limited.', retry_after: retryAfter, global: failure.global ?? false }));
      return;
    }
    res.writeHead(failure.status, { 'content-type': 'application/json' }).end(JSON.stringify({ message: `${failure.status}: Server Error`, code: 0 }));
  }

  private requireAuth(authorization: string | undefined): void {
    if (authorization !== `Bot ${this.token}`) throw new HttpError(401, 0, '401: Unauthorized');
  }

  private async route(
    method: string,
    path: string,
    query: URLSearchParams,
    body: ParsedBody,
    authorization: string | undefined,
  ): Promise<{ status: number; json?: unknown }> {
    const parts = path.split('/').filter(Boolean).map((part) => decodeURIComponent(part));
    const at = (i: number): string => parts[i] ?? '';
    // -- gateway, users, applications
    if (method === 'GET' && path === '/gateway') return { status: 200, json: { url: this.gatewayUrl } };
    if (method === 'GET' && path === '/gateway/bot') {
      this.requireAuth(authorization);
      return {
        status: 200,
        json: {
          url: this.gatewayUrl,
          shards: this.recommendedShards,
          session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
        },
      };
    }
    if (method === 'GET' && path === '/users/@me') {
      this.requireAuth(authorization);
      return { status: 200, json: { ...this.bot, verified: true, mfa_enabled: false, flags: 0 } };
    }
    if (method === 'GET' && path === '/applications/@me') {
      this.requireAuth(authorization);
      return { status: 200, json: { id: this.applicationId, name: this.bot.username, description: '', bot_public: false, bot_require_code_grant: false, flags: 0, bot: this.bot } };
    }
    if (at(0) === 'applications' && at(2) === 'commands' && parts.length === 3) {
      this.requireAuth(authorization);
      this.checkApplication(at(1));
      if (method === 'PUT') return { status: 200, json: this.replaceCommands(undefined, body.json) };
      if (method === 'GET') return { status: 200, json: this.globalCommands };
    }
    if (at(0) === 'applications' && at(2) === 'guilds' && at(4) === 'commands' && parts.length === 5) {
      this.requireAuth(authorization);
      this.checkApplication(at(1));
      if (!this.guilds.some((g) => g.id === at(3))) throw new HttpError(403, 50001, 'Missing Access');
      if (method === 'PUT') return { status: 200, json: this.replaceCommands(at(3), body.json) };
      if (method === 'GET') return { status: 200, json: this.guildCommands.get(at(3)) ?? [] };
    }
    // -- interactions
    if (method === 'POST' && at(0) === 'interactions' && at(3) === 'callback') {
      return this.onCallback(at(1), at(2), body, query.get('with_response') === 'true');
    }
    if (at(0) === 'webhooks' && parts.length >= 3) {
      if (at(1) !== this.applicationId) throw new HttpError(404, 10015, 'Unknown Webhook');
      const interaction = [...this.interactions.values()].find((i) => i.token === at(2));
      if (!interaction) throw new HttpError(404, 10015, 'Unknown Webhook');
      if (parts.length === 3 && method === 'POST') return this.onFollowUp(interaction, body);
      if (at(3) === 'messages' && parts.length === 5) return this.onWebhookMessage(method, interaction, at(4), body);
    }
    // -- channels
    if (at(0) === 'channels' && parts.length === 2 && method === 'GET') {
      this.requireAuth(authorization);
      const channel = this.channel(at(1));
      if (!channel) throw new HttpError(404, 10003, 'Unknown Channel');
      return { status: 200, json: this.channelJson(channel) };
    }
    if (at(0) === 'channels' && at(2) === 'messages' && parts.length === 3) {
      this.requireAuth(authorization);
      const channel = this.channel(at(1));
      if (!channel) throw new HttpError(404, 10003, 'Unknown Channel');
      if (method === 'GET') return { status: 200, json: this.channelMessages(channel.id).reverse().map((m) => this.messageJson(m)) };
      if (method === 'POST') {
        const message = this.createMessage(channel, body, { type: 0 });
        return { status: 200, json: this.messageJson(message) };
      }
    }
    if (at(0) === 'channels' && at(2) === 'messages' && parts.length === 4 && method === 'PATCH') {
      // The bot edits one of its own messages (an interaction response too); ephemeral ones only through their interaction.
      this.requireAuth(authorization);
      const message = this.messages.get(at(3));
      if (!message || message.deleted || message.channelId !== at(1) || message.visibleTo !== undefined) throw new HttpError(404, 10008, 'Unknown Message');
      if (message.author.id !== this.bot.id) throw new HttpError(403, 50005, 'Cannot edit a message authored by another user');
      this.editMessage(message, body);
      return { status: 200, json: this.messageJson(message) };
    }
    throw new HttpError(404, 0, `404: Not Found (${method} ${path.replace(/\/(webhooks|interactions)\/(\d+)\/[^/]+/, '/$1/$2/:token')})`);
  }

  private checkApplication(id: string): void {
    if (id !== this.applicationId) throw new HttpError(403, 50001, 'Missing Access');
  }

  /** PUT commands: validates what Discord validates and replaces the whole set (bulk overwrite). */
  private replaceCommands(guildId: string | undefined, json: unknown): FakeCommand[] {
    if (!Array.isArray(json)) throw new HttpError(400, 50035, 'Invalid Form Body');
    const previous = this.commandsFor(guildId);
    const commands = (json as Record<string, unknown>[]).map((raw): FakeCommand => {
      const name = String(raw['name'] ?? '');
      const description = String(raw['description'] ?? '');
      if (!/^[-_\p{Ll}\p{N}]{1,32}$/u.test(name) || description.length < 1 || description.length > 100) {
        throw new HttpError(400, 50035, 'Invalid Form Body');
      }
      const options = (raw['options'] as FakeCommand['options'] | undefined) ?? [];
      let optional = false;
      for (const option of options) {
        if (optional && option.required) throw new HttpError(400, 50035, 'Invalid Form Body: required options must be placed before non-required options');
        optional ||= !option.required;
      }
      return {
        id: previous.find((c) => c.name === name)?.id ?? this.snowflake(),
        application_id: this.applicationId,
        ...(guildId ? { guild_id: guildId } : {}),
        name,
        description,
        type: Number(raw['type'] ?? 1),
        options,
        ...(raw['contexts'] ? { contexts: raw['contexts'] as number[] } : {}),
        ...(raw['integration_types'] ? { integration_types: raw['integration_types'] as number[] } : {}),
        version: String(this.commandVersion++),
      };
    });
    if (guildId) this.guildCommands.set(guildId, commands);
    else this.globalCommands.splice(0, this.globalCommands.length, ...commands);
    this.changed();
    return commands;
  }

  private onCallback(id: string, token: string, body: ParsedBody, withResponse: boolean): { status: number; json?: unknown } {
    const interaction = this.interactions.get(id);
    if (!interaction || interaction.token !== token) throw new HttpError(404, 10062, 'Unknown interaction');
    if (Date.now() - interaction.createdAt > this.ackDeadlineMs) throw new HttpError(404, 10062, 'Unknown interaction');
    if (interaction.callbacks.length > 0) throw new HttpError(400, 40060, 'Interaction has already been acknowledged.');
    const type = Number(body.json['type']);
    const data = (body.json['data'] as Record<string, unknown> | undefined) ?? {};
    const ephemeral = (Number(data['flags'] ?? 0) & EPHEMERAL) !== 0;
    const channel = this.channel(interaction.channelId);
    if (!channel) throw new HttpError(404, 10003, 'Unknown Channel');
    let message: FakeMessage | undefined;
    switch (type) {
      case 4: // CHANNEL_MESSAGE_WITH_SOURCE
        message = this.createMessage(channel, { json: data, files: body.files }, { type: interaction.type === 2 ? 20 : 19, interaction });
        interaction.originalId = message.id;
        break;
      case 5: // DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE: a "thinking..." original
        message = this.createMessage(channel, { json: { content: '', flags: (ephemeral ? EPHEMERAL : 0) | LOADING }, files: [] }, { type: interaction.type === 2 ? 20 : 19, interaction });
        interaction.originalId = message.id;
        break;
      case 6: // DEFERRED_UPDATE_MESSAGE
      case 7: {
        // UPDATE_MESSAGE
        if (interaction.type !== 3 || !interaction.messageId) throw new HttpError(400, 50035, 'Invalid Form Body: interaction has no message to update');
        message = this.messages.get(interaction.messageId);
        if (!message || message.deleted) throw new HttpError(404, 10008, 'Unknown Message');
        if (type === 7) {
          this.editMessage(message, { json: data, files: body.files });
          interaction.updates += 1;
        }
        break;
      }
      default:
        throw new HttpError(400, 50035, `Invalid Form Body: callback type ${type} not supported by the fake`);
    }
    interaction.callbacks.push({ type, at: Date.now(), ephemeral });
    this.touch(interaction);
    if (!withResponse) return { status: 204 };
    return {
      status: 200,
      json: {
        interaction: { id: interaction.id, type: interaction.type, response_message_id: message?.id, response_message_loading: type === 5, response_message_ephemeral: ephemeral },
        resource: { type, ...(message && type !== 6 ? { message: this.messageJson(message) } : {}) },
      },
    };
  }

  private onFollowUp(interaction: FakeInteraction, body: ParsedBody): { status: number; json?: unknown } {
    if (interaction.callbacks.length === 0) throw new HttpError(404, 10015, 'Unknown Webhook');
    const channel = this.channel(interaction.channelId);
    if (!channel) throw new HttpError(404, 10003, 'Unknown Channel');
    const message = this.createMessage(channel, body, { type: interaction.type === 2 ? 20 : 19, interaction });
    interaction.followUpIds.push(message.id);
    this.touch(interaction);
    return { status: 200, json: this.messageJson(message) };
  }

  /** GET/PATCH/DELETE /webhooks/{app}/{token}/messages/{@original|id}. */
  private onWebhookMessage(method: string, interaction: FakeInteraction, which: string, body: ParsedBody): { status: number; json?: unknown } {
    let messageId: string | undefined;
    if (which === '@original') {
      // After a component's type 6/7 the "original" is the message the button is on.
      const deferredUpdate = interaction.callbacks.some((c) => c.type === 6 || c.type === 7);
      messageId = interaction.originalId ?? (deferredUpdate ? interaction.messageId : undefined);
    } else if (interaction.followUpIds.includes(which) || interaction.originalId === which) {
      messageId = which;
    }
    const message = messageId ? this.messages.get(messageId) : undefined;
    if (!message || message.deleted) throw new HttpError(404, 10008, 'Unknown Message');
    if (method === 'GET') return { status: 200, json: this.messageJson(message) };
    if (method === 'DELETE') {
      message.deleted = true;
      this.touch(interaction);
      return { status: 204 };
    }
    if (method === 'PATCH') {
      this.editMessage(message, body);
      if (message.id === interaction.messageId) interaction.updates += 1;
      this.touch(interaction);
      return { status: 200, json: this.messageJson(message) };
    }
    throw new HttpError(405, 0, '405: Method Not Allowed');
  }

  private createMessage(channel: FakeChannel, body: ParsedBody, how: { type: number; interaction?: FakeInteraction }): FakeMessage {
    const json = body.json;
    const flags = Number(json['flags'] ?? 0);
    const embeds = (json['embeds'] as unknown[] | undefined) ?? [];
    const components = (json['components'] as unknown[] | undefined) ?? [];
    const content = typeof json['content'] === 'string' ? json['content'] : '';
    const files = body.files.map((f) => this.storeFile(channel.id, f.name, f.contentType, f.data));
    if (!content && embeds.length === 0 && components.length === 0 && files.length === 0 && !(flags & LOADING)) {
      throw new HttpError(400, 50006, 'Cannot send an empty message');
    }
    validateMessage(content, embeds, components);
    const message: FakeMessage = {
      id: this.snowflake(),
      channelId: channel.id,
      ...(channel.guildId ? { guildId: channel.guildId } : {}),
      author: this.bot,
      content,
      embeds,
      components,
      attachments: files,
      flags,
      type: how.interaction ? how.type : 0,
      ...(how.interaction ? { interactionId: how.interaction.id } : {}),
      ...(flags & EPHEMERAL && how.interaction ? { visibleTo: how.interaction.user.id } : {}),
      createdAt: Date.now(),
      editedAt: null,
      edits: 0,
      deleted: false,
    };
    this.messages.set(message.id, message);
    this.changed();
    return message;
  }

  /** PATCH semantics: fields present replace, absent ones stay; new files are added to the kept attachments. */
  private editMessage(message: FakeMessage, body: ParsedBody): void {
    const json = body.json;
    if ('content' in json) message.content = typeof json['content'] === 'string' ? json['content'] : '';
    if ('embeds' in json) message.embeds = (json['embeds'] as unknown[] | null) ?? [];
    if ('components' in json) message.components = (json['components'] as unknown[] | null) ?? [];
    const newFiles = body.files.map((f) => this.storeFile(message.channelId, f.name, f.contentType, f.data));
    if ('attachments' in json || newFiles.length > 0) {
      const keep = new Set(((json['attachments'] as { id: string | number }[] | undefined) ?? []).map((a) => String(a.id)));
      message.attachments = [...message.attachments.filter((a) => keep.has(a.id)), ...newFiles];
    }
    validateMessage(message.content, message.embeds, message.components);
    message.flags &= ~LOADING;
    message.editedAt = Date.now();
    message.edits += 1;
    this.changed();
  }

  private storeFile(channelId: string, name: string, contentType: string, data: Buffer): FakeFile {
    const id = this.snowflake();
    const file: FakeFile = { id, name, contentType, data, url: `${this.cdnUrl}/attachments/${channelId}/${id}/${encodeURIComponent(name)}` };
    this.files.set(id, file);
    return file;
  }

  private serveFile(pathname: string, res: ServerResponse): void {
    const id = pathname.split('/')[3] ?? '';
    const file = this.files.get(id);
    this.downloads.push(id);
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': file.contentType, 'content-length': String(file.data.length) }).end(file.data);
  }

  private touch(interaction: FakeInteraction): void {
    interaction.lastActivity = Date.now();
    this.changed();
  }

  private changed(): void {
    this.emit('change');
  }
}

// ------------------------------------------------------------------ helpers

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** JSON, or multipart/form-data with payload_json and files[n] as the REST docs describe for uploads. */
async function parseBody(contentType: string | undefined, raw: Buffer): Promise<ParsedBody> {
  if (raw.length === 0) return { json: {}, files: [] };
  if (!contentType?.startsWith('multipart/form-data')) return { json: JSON.parse(raw.toString('utf8')) as Record<string, unknown>, files: [] };
  // Node's own (undici) multipart parser keeps the fake honest about the wire format.
  const form = await new Request('http://fake.invalid/', { method: 'POST', headers: { 'content-type': contentType }, body: raw }).formData();
  const payload = form.get('payload_json');
  const json = typeof payload === 'string' ? (JSON.parse(payload) as Record<string, unknown>) : {};
  const files: ParsedBody['files'] = [];
  for (const [key, value] of form.entries()) {
    if (!/^files\[\d+\]$/.test(key) || typeof value === 'string') continue;
    files.push({ name: value.name, contentType: value.type || 'application/octet-stream', data: Buffer.from(await value.arrayBuffer()) });
  }
  return { json, files };
}

/** Enforces the message limits Discord enforces (content 2000, 10 embeds, 5 rows of 5 buttons, custom_id 100). */
function validateMessage(content: string, embeds: unknown[], components: unknown[]): void {
  const invalid = (why: string): never => {
    throw new HttpError(400, 50035, `Invalid Form Body: ${why}`);
  };
  if (content.length > 2000) invalid('content longer than 2000');
  if (embeds.length > 10) invalid('more than 10 embeds');
  if (components.length > 5) invalid('more than 5 action rows');
  for (const row of components as { type: number; components?: { type: number; custom_id?: string; url?: string; label?: string; style?: number }[] }[]) {
    if (row.type !== 1) invalid('top-level component must be an action row');
    const buttons = row.components ?? [];
    if (buttons.length < 1 || buttons.length > 5) invalid('an action row holds 1..5 buttons');
    for (const button of buttons) {
      if (button.type !== 2) continue;
      if (button.style === 5) {
        if (!button.url || button.custom_id) invalid('link buttons need a url and no custom_id');
      } else if (!button.custom_id || button.custom_id.length > 100) {
        invalid('custom_id must be 1..100 chars');
      }
      if (button.label && button.label.length > 80) invalid('button label longer than 80');
    }
  }
}
