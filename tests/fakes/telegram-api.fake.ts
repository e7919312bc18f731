/**
 * A local Bot API server on 127.0.0.1 for tests and benchmarks, following the
 * official docs (https://core.telegram.org/bots/api) for every method MoodReel
 * uses: the real telegraf client talks to it over HTTP exactly as it would to
 * api.telegram.org. Tests inject user updates, read what the bot sent per chat,
 * and make the next calls of a method fail with 429 or 5xx.
 *
 * Not modelled: inline mode, payments, message threads, chat permissions, the
 * private-chat flood limit (use failNext to simulate a 429). The group limit
 * (new messages per minute per group) is enforced when `groupMessagesPerMinute` is set.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { listenAgain, stopListening } from './server-outage.js';

// ------------------------------------------------------------------ public shapes

export interface FakeUser {
  readonly id: number;
  readonly is_bot: boolean;
  readonly first_name: string;
  readonly last_name?: string;
  readonly username?: string;
  readonly language_code?: string;
}

export interface FakeChat {
  readonly id: number;
  readonly type: 'private' | 'group' | 'supergroup';
  readonly title?: string;
  readonly first_name?: string;
  readonly last_name?: string;
  readonly username?: string;
  readonly is_forum?: boolean;
}

/** A Telegram Message object as the fake stores it (bot and user messages alike). */
export type FakeMessage = {
  message_id: number;
  date: number;
  chat: FakeChat;
  from?: FakeUser;
  edit_date?: number;
  text?: string;
  caption?: string;
  reply_markup?: InlineKeyboard;
  reply_to_message?: FakeMessage;
} & Record<string, unknown>;

export interface InlineKeyboard {
  inline_keyboard: { text: string; callback_data?: string; url?: string }[][];
}

/** A button as the core would describe it: action (callback_data) or url. */
export type OutputButton = { readonly label: string; readonly action: string } | { readonly label: string; readonly url: string };

export interface UploadedFile {
  readonly fileName: string;
  readonly mimeType: string;
  readonly bytes: Uint8Array;
}

interface OutputBase {
  /** Order among all API calls the fake answered (shared counter). */
  readonly seq: number;
  /** performance.now() when the fake received the call. */
  readonly at: number;
  readonly method: string;
}

/** Everything the bot did that a user could see, per chat, in order. */
export type BotOutput =
  | (OutputBase & {
      readonly kind: 'message';
      readonly chatId: number;
      readonly messageId: number;
      readonly text?: string;
      readonly caption?: string;
      /** sendPhoto: the URL or file_id given, or the uploaded file. */
      readonly photo?: string | UploadedFile;
      readonly document?: string | UploadedFile;
      readonly poll?: { readonly question: string; readonly options: readonly string[] };
      readonly buttons?: readonly (readonly OutputButton[])[];
      readonly replyToMessageId?: number;
      readonly parseMode?: string;
    })
  | (OutputBase & {
      readonly kind: 'edit';
      readonly chatId: number;
      readonly messageId: number;
      readonly text?: string;
      readonly caption?: string;
      /** editMessageMedia: the new photo's URL or file_id. */
      readonly photo?: string;
      /** The keyboard after the edit; null when it was removed. */
      readonly buttons: readonly (readonly OutputButton[])[] | null;
    })
  | (OutputBase & {
      readonly kind: 'callback_answer';
      readonly chatId: number | null;
      readonly queryId: string;
      readonly text?: string;
      readonly showAlert: boolean;
    });

export interface ApiCallRecord {
  readonly seq: number;
  readonly at: number;
  readonly method: string;
  readonly params: Record<string, unknown>;
  readonly ok: boolean;
  readonly errorCode?: number;
  readonly description?: string;
}

export interface FailureSpec {
  /** 429 (with retry_after), or a 5xx status. Other 4xx work too. */
  readonly code: number;
  /** Seconds, for 429. Defaults to 1. */
  readonly retryAfter?: number;
  readonly description?: string;
}

export interface FakeTelegramOptions {
  readonly token?: string;
  readonly botUsername?: string;
  readonly botFirstName?: string;
  /** Real Telegram requires HTTPS webhooks; the fake accepts http://127.0.0.1 unless this is false. */
  readonly allowHttpWebhook?: boolean;
  /**
   * Telegram's group flood limit: new messages (send*) to one group or supergroup
   * beyond this many in a sliding minute are answered 429 with retry_after.
   * Unset: not enforced.
   */
  readonly groupMessagesPerMinute?: number;
  /** The flood limit's window; 60 s unless a test shortens it. */
  readonly groupWindowMs?: number;
}

interface StoredFile {
  readonly file_id: string;
  readonly file_unique_id: string;
  readonly bytes: Uint8Array;
  readonly file_path: string;
  readonly mimeType: string;
  /** When false, getFile omits file_size and the download is chunked (no Content-Length). */
  readonly announceSize: boolean;
}

interface PendingUpdate {
  readonly update: Record<string, unknown> & { update_id: number };
  readonly availableAt: number;
}

interface PollWaiter {
  readonly wake: () => void;
  readonly conflict: () => void;
}

interface CallbackQueryState {
  readonly id: string;
  readonly chatId: number | null;
  answered: boolean;
}

class ApiFailure extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly parameters?: Record<string, unknown>,
  ) {
    super(description);
  }
}

const badRequest = (what: string) => new ApiFailure(400, `Bad Request: ${what}`);

/** Fields that arrive JSON-encoded in form and multipart bodies. */
const JSON_FIELDS = new Set([
  'reply_markup',
  'reply_parameters',
  'allowed_updates',
  'commands',
  'scope',
  'link_preview_options',
  'options',
  'entities',
  'caption_entities',
  'media',
]);

/** Methods that post a new message (what the group flood limit counts). */
const SEND_METHODS = new Set(['sendMessage', 'sendPhoto', 'sendDocument', 'sendPoll']);

const MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024;
const unixNow = () => Math.floor(Date.now() / 1000);

// ------------------------------------------------------------------ the server

export class FakeTelegramApi {
  readonly token: string;
  readonly botUser: FakeUser;
  private server!: Server;
  private port = 0;

  private seqCounter = 0;
  private currentSeq = 0;
  private updateCounter = 700_000_000 + Math.floor(Math.random() * 1_000_000);
  private userCounter = 1_000_000_001;
  private groupCounter = 4_000_000_001;
  private supergroupCounter = 1_001_000_000_001;
  private fileCounter = 0;
  private queryCounter = 4_000_000_000_000_000;

  private readonly chats = new Map<number, FakeChat>();
  private readonly messagesByChat = new Map<number, Map<number, FakeMessage>>();
  private readonly nextMessageId = new Map<number, number>();
  private readonly files = new Map<string, StoredFile>();
  private readonly filesByPath = new Map<string, StoredFile>();
  private readonly queries = new Map<string, CallbackQueryState>();
  private readonly pending: PendingUpdate[] = [];
  private readonly outputList: BotOutput[] = [];
  private readonly outputsByChat = new Map<number | null, BotOutput[]>();
  private readonly callList: ApiCallRecord[] = [];
  private readonly failures = new Map<string, FailureSpec[]>();
  private readonly listeners = new Set<() => void>();
  private readonly commandsByScope = new Map<string, { command: string; description: string }[]>();
  /** Accepted sends per group (performance.now()), for the group flood limit. */
  private readonly groupSends = new Map<number, number[]>();
  private pollWaiter: PollWaiter | null = null;
  private allowedUpdates: string[] | null = null;
  private photoUrlRefused: (url: string) => boolean = (url) => !/^https?:\/\//.test(url);
  private webhook: { url: string; secret: string | null; maxConnections: number } | null = null;
  private webhookInFlight = 0;
  private webhookDelivered = new Set<number>();
  private closed = false;

  /** Every file download: which path, when, how many bytes went out. */
  readonly downloads: { readonly filePath: string; readonly at: number; bytesServed: number }[] = [];
  /** update_id -> when the fake made it available (for latency measurements). */
  readonly availableAt = new Map<number, number>();

  private constructor(private readonly options: FakeTelegramOptions) {
    this.token = options.token ?? `${7_000_000_000 + Math.floor(Math.random() * 99_999_999)}:AA${randomBytes(24).toString('base64url').slice(0, 33)}`;
    const botId = Number(this.token.split(':')[0]);
    this.botUser = {
      id: botId,
      is_bot: true,
      first_name: options.botFirstName ?? 'MoodReel',
      username: options.botUsername ?? 'MoodReelTestBot',
    };
  }

  static async start(options: FakeTelegramOptions = {}): Promise<FakeTelegramApi> {
    const fake = new FakeTelegramApi(options);
    fake.server = createServer((req, res) => void fake.route(req, res));
    fake.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.port = (fake.server.address() as AddressInfo).port;
    return fake;
  }

  /** Pass as telegraf's apiRoot (TELEGRAM_API_ROOT). */
  get apiRoot(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Counter of answered API calls; outputs carry the value at their call. */
  get seq(): number {
    return this.seqCounter;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.pollWaiter?.wake();
    this.pollWaiter = null;
    await stopListening(this.server);
  }

  /** An outage: the port refuses connections (the open long poll is cut) until comeBack(); chats, updates and files are kept. */
  async goDown(): Promise<void> {
    await stopListening(this.server);
  }

  /** Listens again on the same port after goDown(). */
  async comeBack(): Promise<void> {
    await listenAgain(this.server, this.port);
  }

  // ---------------------------------------------------------------- identities

  createUser(firstName = 'Alex', extra: Partial<Omit<FakeUser, 'id' | 'is_bot'>> = {}): FakeUser {
    const id = this.userCounter++;
    return { id, is_bot: false, first_name: firstName, language_code: 'en', ...extra };
  }

  /** The private chat between `user` and the bot (chat id = user id, as in Telegram). */
  privateChat(user: FakeUser): FakeChat {
    const existing = this.chats.get(user.id);
    if (existing) return existing;
    const chat: FakeChat = {
      id: user.id,
      type: 'private',
      first_name: user.first_name,
      ...(user.last_name ? { last_name: user.last_name } : {}),
      ...(user.username ? { username: user.username } : {}),
    };
    this.chats.set(chat.id, chat);
    return chat;
  }

  /** A basic group (-4000000001...) or a supergroup (-1001000000001...). */
  createGroup(title = 'Movie night', options: { supergroup?: boolean } = {}): FakeChat {
    const chat: FakeChat = options.supergroup
      ? { id: -this.supergroupCounter++, type: 'supergroup', title }
      : { id: -this.groupCounter++, type: 'group', title };
    this.chats.set(chat.id, chat);
    return chat;
  }

  // ---------------------------------------------------------------- files

  /** Stores bytes as a Telegram file, downloadable through getFile + /file/bot<token>/<path>. */
  addFile(bytes: Uint8Array, options: { folder?: string; extension?: string; mimeType?: string; announceSize?: boolean } = {}): StoredFile {
    const n = ++this.fileCounter;
    const file: StoredFile = {
      file_id: `AgACAgIAAxkBAAI${n.toString(36).padStart(4, '0')}${randomBytes(30).toString('base64url')}`,
      file_unique_id: `AQAD${randomBytes(9).toString('base64url')}`,
      bytes,
      file_path: `${options.folder ?? 'photos'}/file_${n}.${options.extension ?? 'jpg'}`,
      mimeType: options.mimeType ?? 'image/jpeg',
      announceSize: options.announceSize ?? true,
    };
    this.files.set(file.file_id, file);
    this.filesByPath.set(file.file_path, file);
    return file;
  }

  // ---------------------------------------------------------------- injecting updates

  /** Makes an update available to getUpdates (or the webhook); returns its update_id. */
  pushUpdate(body: Record<string, unknown>): number {
    const update_id = ++this.updateCounter;
    const availableAt = performance.now();
    this.pending.push({ update: { update_id, ...body }, availableAt });
    this.availableAt.set(update_id, availableAt);
    this.pollWaiter?.wake();
    this.pumpWebhook();
    return update_id;
  }

  /** A message from a user, stored in the chat and delivered as an update. */
  userMessage(chat: FakeChat, from: FakeUser, fields: Record<string, unknown>, replyTo?: number): { message: FakeMessage; updateId: number } {
    this.requireChat(chat.id);
    const message: FakeMessage = {
      message_id: this.allocMessageId(chat.id),
      from,
      chat,
      date: unixNow(),
      ...fields,
    };
    if (replyTo !== undefined) {
      const original = this.message(chat.id, replyTo);
      if (!original) throw new Error(`fake: no message ${replyTo} in chat ${chat.id} to reply to`);
      message.reply_to_message = stripReply(original);
    }
    this.store(message);
    return { message, updateId: this.pushUpdate({ message }) };
  }

  /** Text; a leading /command gets its bot_command entity like real clients produce. */
  userText(chat: FakeChat, from: FakeUser, text: string, options: { replyTo?: number } = {}) {
    const command = /^\/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?/.exec(text);
    const entities = command ? [{ type: 'bot_command', offset: 0, length: command[0].length }] : undefined;
    return this.userMessage(chat, from, { text, ...(entities ? { entities } : {}) }, options.replyTo);
  }

  /**
   * A photo: Telegram stores several sizes; the largest holds exactly `bytes`,
   * the smaller ones hold stand-in thumbnails.
   */
  userPhoto(
    chat: FakeChat,
    from: FakeUser,
    bytes: Uint8Array,
    options: { caption?: string; width?: number; height?: number; announceSize?: boolean; replyTo?: number; declaredSize?: number } = {},
  ) {
    const width = options.width ?? 1280;
    const height = options.height ?? 960;
    const announce = options.announceSize ?? true;
    const sizes = [90, 320, 800]
      .filter((w) => w < width)
      .map((w) => {
        const thumb = this.addFile(bytes.subarray(0, Math.min(bytes.length, w * 20)));
        return { file_id: thumb.file_id, file_unique_id: thumb.file_unique_id, file_size: thumb.bytes.length, width: w, height: Math.round((height * w) / width) };
      });
    const original = this.addFile(bytes, { announceSize: announce });
    sizes.push({
      file_id: original.file_id,
      file_unique_id: original.file_unique_id,
      width,
      height,
      ...(announce ? { file_size: options.declaredSize ?? bytes.length } : {}),
    } as (typeof sizes)[number]);
    return this.userMessage(chat, from, { photo: sizes, ...captionFields(options.caption) }, options.replyTo);
  }

  /** A file sent "as a file" (no compression): images arrive as documents with an image/* mime type. */
  userDocument(
    chat: FakeChat,
    from: FakeUser,
    bytes: Uint8Array,
    options: { fileName: string; mimeType: string; caption?: string; announceSize?: boolean; replyTo?: number },
  ) {
    const extension = options.fileName.includes('.') ? options.fileName.split('.').pop()! : 'bin';
    const file = this.addFile(bytes, { folder: 'documents', extension, mimeType: options.mimeType, announceSize: options.announceSize ?? true });
    const document = {
      file_name: options.fileName,
      mime_type: options.mimeType,
      file_id: file.file_id,
      file_unique_id: file.file_unique_id,
      ...(file.announceSize ? { file_size: bytes.length } : {}),
    };
    return this.userMessage(chat, from, { document, ...captionFields(options.caption) }, options.replyTo);
  }

  /** Media MoodReel does not handle, shaped like Telegram's (an animation also carries `document`). */
  userMedia(
    chat: FakeChat,
    from: FakeUser,
    kind: 'sticker' | 'animation' | 'video' | 'voice' | 'audio' | 'video_note' | 'location' | 'contact',
    options: { replyTo?: number } = {},
  ) {
    const file = this.addFile(new Uint8Array([1, 2, 3, 4]), { folder: `${kind}s`, extension: 'bin', mimeType: 'application/octet-stream' });
    const ref = { file_id: file.file_id, file_unique_id: file.file_unique_id, file_size: 4 };
    const fields: Record<string, Record<string, unknown>> = {
      sticker: { sticker: { ...ref, type: 'regular', width: 512, height: 512, is_animated: false, is_video: false, emoji: '😀', set_name: 'HotCherry' } },
      animation: {
        animation: { ...ref, width: 320, height: 240, duration: 3, file_name: 'funny.mp4', mime_type: 'video/mp4' },
        document: { ...ref, file_name: 'funny.mp4', mime_type: 'video/mp4' },
      },
      video: { video: { ...ref, width: 640, height: 360, duration: 12, mime_type: 'video/mp4' } },
      voice: { voice: { ...ref, duration: 4, mime_type: 'audio/ogg' } },
      audio: { audio: { ...ref, duration: 180, performer: 'Someone', title: 'A song', mime_type: 'audio/mpeg' } },
      video_note: { video_note: { ...ref, length: 240, duration: 5 } },
      location: { location: { latitude: 48.8566, longitude: 2.3522 } },
      contact: { contact: { phone_number: '+15550100', first_name: 'Sam' } },
    };
    return this.userMessage(chat, from, fields[kind]!, options.replyTo);
  }

  /**
   * A press on an inline button of one of the bot's messages. Refuses (throws)
   * when the message has no button with that callback_data, as a real client could
   * not press it; pass `force` to deliver a stale or forged payload anyway.
   */
  userPress(chat: FakeChat, from: FakeUser, messageId: number, data: string, options: { force?: boolean } = {}): { queryId: string; updateId: number } {
    const message = this.message(chat.id, messageId);
    if (!message) throw new Error(`fake: no message ${messageId} in chat ${chat.id}`);
    const hasButton = message.reply_markup?.inline_keyboard.some((row) => row.some((b) => b.callback_data === data));
    if (!hasButton && !options.force) throw new Error(`fake: message ${messageId} has no button with data "${data}"`);
    const id = String(++this.queryCounter);
    this.queries.set(id, { id, chatId: chat.id, answered: false });
    const callback_query = {
      id,
      from,
      message: structuredClone(message),
      chat_instance: String(-Math.abs(chat.id * 7919) % 9_000_000_000_000_000_000),
      data,
    };
    return { queryId: id, updateId: this.pushUpdate({ callback_query }) };
  }

  // ---------------------------------------------------------------- inspecting

  /** What the bot did, in order: all chats, or one. */
  outputs(chatId?: number): BotOutput[] {
    return chatId === undefined ? [...this.outputList] : [...(this.outputsByChat.get(chatId) ?? [])];
  }

  /** The API calls the fake answered (failed ones included), optionally of one method. */
  calls(method?: string): ApiCallRecord[] {
    return method === undefined ? [...this.callList] : this.callList.filter((c) => c.method === method);
  }

  /** A message as it is now (after edits). */
  message(chatId: number, messageId: number): FakeMessage | undefined {
    return this.messagesByChat.get(chatId)?.get(messageId);
  }

  messages(chatId: number): FakeMessage[] {
    return [...(this.messagesByChat.get(chatId)?.values() ?? [])];
  }

  /** Commands set with setMyCommands for a scope type ('default', 'all_private_chats', 'all_group_chats'...). */
  commands(scopeType = 'default'): { command: string; description: string }[] | undefined {
    return this.commandsByScope.get(scopeType);
  }

  webhookInfo(): { url: string; hasSecret: boolean; pendingUpdateCount: number } {
    return { url: this.webhook?.url ?? '', hasSecret: Boolean(this.webhook?.secret), pendingUpdateCount: this.pending.length };
  }

  /** True while the update is neither confirmed (getUpdates offset) nor delivered to the webhook. */
  isPending(updateId: number): boolean {
    return this.pending.some((u) => u.update.update_id === updateId);
  }

  /** True while a getUpdates long poll is waiting for updates. */
  get isLongPolling(): boolean {
    return this.pollWaiter !== null;
  }

  /** Updates not yet confirmed by the bot. */
  get pendingUpdates(): number {
    return this.pending.length;
  }

  // ---------------------------------------------------------------- faults

  /** The next `count` calls of `method` fail with `spec` (429 with retry_after, 5xx...). */
  failNext(method: string, count: number, spec: FailureSpec): void {
    const queue = this.failures.get(method) ?? [];
    for (let i = 0; i < count; i++) queue.push(spec);
    this.failures.set(method, queue);
  }

  /** Photo URLs Telegram "cannot fetch" (sendPhoto answers 400). Default: anything not http(s). */
  refusePhotoUrls(predicate: (url: string) => boolean): void {
    this.photoUrlRefused = predicate;
  }

  // ---------------------------------------------------------------- waiting

  /** Resolves when `predicate` holds, re-checked after every API call and every 25 ms. */
  waitFor<T>(predicate: () => T | undefined | false | null, timeoutMs = 10_000, what = 'condition'): Promise<T> {
    const first = predicate();
    if (first) return Promise.resolve(first);
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        const value = predicate();
        if (value) {
          cleanup();
          resolve(value);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`fake telegram: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      // Also re-check on a short tick, for predicates on state outside the fake.
      const tick = setInterval(check, 25);
      const cleanup = () => {
        clearTimeout(timer);
        clearInterval(tick);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
    });
  }

  // ---------------------------------------------------------------- HTTP

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const fileMatch = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (fileMatch) return this.serveFile(fileMatch[1]!, decodeURIComponent(fileMatch[2]!), req, res);
    const apiMatch = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!apiMatch) return send(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    if (apiMatch[1] !== this.token) return send(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const method = apiMatch[2]!;
    let params: Record<string, unknown>;
    try {
      params = { ...Object.fromEntries(url.searchParams), ...(await readParams(req)) };
      for (const key of Object.keys(params)) {
        if (JSON_FIELDS.has(key) && typeof params[key] === 'string') params[key] = JSON.parse(params[key] as string);
      }
    } catch {
      return send(res, 400, { ok: false, error_code: 400, description: "Bad Request: can't parse request body" });
    }
    const at = performance.now();
    const seq = ++this.seqCounter;
    this.currentSeq = seq;
    const injected = this.failures.get(method)?.shift();
    if (injected) return this.fail(res, seq, method, params, at, injectedFailure(injected));
    const flood = this.groupFlood(method, params, at);
    if (flood) return this.fail(res, seq, method, params, at, flood);
    try {
      // Outputs are recorded synchronously at the start of dispatch, under currentSeq.
      const result = await this.dispatch(method, params, at, req);
      this.record({ seq, at, method, params, ok: true });
      send(res, 200, { ok: true, result });
    } catch (error) {
      if (error instanceof ApiFailure) return this.fail(res, seq, method, params, at, error);
      this.fail(res, seq, method, params, at, new ApiFailure(500, `Internal Server Error: ${String(error)}`));
    } finally {
      this.notify();
    }
  }

  /** 429 when a send would be the (N+1)th message to a group within a minute; otherwise counts it. */
  private groupFlood(method: string, p: Record<string, unknown>, at: number): ApiFailure | null {
    const limit = this.options.groupMessagesPerMinute;
    if (limit === undefined || !SEND_METHODS.has(method)) return null;
    const chat = this.chats.get(Number(p.chat_id));
    if (!chat || chat.type === 'private') return null;
    const windowMs = this.options.groupWindowMs ?? 60_000;
    const recent = (this.groupSends.get(chat.id) ?? []).filter((t) => t > at - windowMs);
    this.groupSends.set(chat.id, recent);
    if (recent.length >= limit) {
      const retryAfter = Math.max(1, Math.ceil((recent[recent.length - limit]! + windowMs - at) / 1000));
      return new ApiFailure(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter });
    }
    recent.push(at);
    return null;
  }

  /** 429 answers to sends, per chat (the flood limit's and injected ones). */
  floodRefusals(chatId?: number): number {
    return this.callList.filter((c) => c.errorCode === 429 && SEND_METHODS.has(c.method) && (chatId === undefined || Number(c.params.chat_id) === chatId)).length;
  }

  private fail(res: ServerResponse, seq: number, method: string, params: Record<string, unknown>, at: number, failure: ApiFailure) {
    this.record({ seq, at, method, params, ok: false, errorCode: failure.code, description: failure.description });
    send(res, failure.code, {
      ok: false,
      error_code: failure.code,
      description: failure.description,
      ...(failure.parameters ? { parameters: failure.parameters } : {}),
    });
    this.notify();
  }

  private record(call: ApiCallRecord) {
    this.callList.push(call);
  }

  private notify() {
    for (const listener of [...this.listeners]) listener();
  }

  private async serveFile(token: string, filePath: string, req: IncomingMessage, res: ServerResponse) {
    if (token !== this.token) return send(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const file = this.filesByPath.get(filePath);
    if (!file) return send(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    const download = { filePath, at: performance.now(), bytesServed: 0 };
    this.downloads.push(download);
    res.writeHead(200, {
      'content-type': file.mimeType,
      ...(file.announceSize ? { 'content-length': String(file.bytes.length) } : {}),
    });
    // Chunks of 16 KiB, waiting for drain, so a client's byte cap can stop the transfer midway.
    let closed = false;
    let wake: () => void = () => undefined;
    res.once('close', () => {
      closed = true;
      wake();
    });
    for (let offset = 0; offset < file.bytes.length && !closed; offset += 16 * 1024) {
      const chunk = file.bytes.subarray(offset, offset + 16 * 1024);
      download.bytesServed += chunk.length;
      if (!res.write(chunk) && !closed) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          res.once('drain', resolve);
        });
        res.removeAllListeners('drain');
      }
    }
    if (!closed) res.end();
    void req;
    this.notify();
  }

  // ---------------------------------------------------------------- methods

  private async dispatch(method: string, p: Record<string, unknown>, at: number, req: IncomingMessage): Promise<unknown> {
    switch (method) {
      case 'getMe':
        return { ...this.botUser, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false };
      case 'getUpdates':
        return this.getUpdates(p, req);
      case 'sendMessage':
        return this.sendMessage(p, at);
      case 'sendPhoto':
        return this.sendPhoto(p, at);
      case 'sendDocument':
        return this.sendDocument(p, at);
      case 'sendPoll':
        return this.sendPoll(p, at);
      case 'getFile':
        return this.getFile(p);
      case 'answerCallbackQuery':
        return this.answerCallbackQuery(p, at);
      case 'editMessageText':
      case 'editMessageCaption':
      case 'editMessageReplyMarkup':
      case 'editMessageMedia':
        return this.editMessage(method, p, at);
      case 'setMyCommands':
        return this.setMyCommands(p);
      case 'getMyCommands':
        return this.commandsByScope.get(scopeKey(p.scope)) ?? [];
      case 'deleteMyCommands':
        this.commandsByScope.delete(scopeKey(p.scope));
        return true;
      case 'setWebhook':
        return this.setWebhook(p);
      case 'deleteWebhook':
        if (truthy(p.drop_pending_updates)) this.pending.splice(0);
        this.webhook = null;
        return true;
      case 'getWebhookInfo':
        return {
          url: this.webhook?.url ?? '',
          has_custom_certificate: false,
          pending_update_count: this.pending.length,
          max_connections: this.webhook?.maxConnections,
          allowed_updates: this.allowedUpdates ?? undefined,
        };
      default:
        throw new ApiFailure(404, 'Not Found');
    }
  }

  /** Long polling per the docs: offset confirms, timeout waits, a second poller gets 409. */
  private async getUpdates(p: Record<string, unknown>, req: IncomingMessage): Promise<unknown[]> {
    if (this.webhook) {
      throw new ApiFailure(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
    }
    const offset = p.offset === undefined ? 0 : Number(p.offset);
    const limit = Math.min(100, Math.max(1, p.limit === undefined ? 100 : Number(p.limit)));
    const timeoutS = Math.max(0, p.timeout === undefined ? 0 : Number(p.timeout));
    if (Array.isArray(p.allowed_updates)) this.allowedUpdates = p.allowed_updates.length > 0 ? (p.allowed_updates as string[]) : null;
    if (offset > 0) this.confirmBelow(offset);
    else if (offset < 0) this.pending.splice(0, Math.max(0, this.pending.length + offset));
    const take = () => {
      this.dropDisallowed();
      return this.pending.slice(0, limit).map((u) => u.update);
    };
    const ready = take();
    if (ready.length > 0 || timeoutS === 0 || this.closed) return ready;

    this.pollWaiter?.conflict();
    return new Promise<unknown[]>((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        req.off('close', onClose);
        if (this.pollWaiter === waiter) this.pollWaiter = null;
      };
      const waiter: PollWaiter = {
        wake: () => {
          finish();
          resolve(take());
        },
        conflict: () => {
          finish();
          reject(new ApiFailure(409, 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running'));
        },
      };
      const onClose = () => {
        if (!req.complete || req.destroyed) {
          finish();
          resolve([]);
        }
      };
      const timer = setTimeout(() => waiter.wake(), timeoutS * 1000);
      req.on('close', onClose);
      this.pollWaiter = waiter;
      this.notify();
    });
  }

  private confirmBelow(offset: number) {
    while (this.pending.length > 0 && this.pending[0]!.update.update_id < offset) this.pending.shift();
  }

  private dropDisallowed() {
    if (!this.allowedUpdates) return;
    const allowed = this.allowedUpdates;
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const type = Object.keys(this.pending[i]!.update).find((k) => k !== 'update_id');
      if (type && !allowed.includes(type)) this.pending.splice(i, 1);
    }
  }

  private sendMessage(p: Record<string, unknown>, at: number) {
    const chat = this.requireChat(p.chat_id);
    const text = typeof p.text === 'string' ? p.text : '';
    if (text.trim().length === 0) throw badRequest('message text is empty');
    if (text.length > 4096) throw badRequest('message is too long');
    return this.botMessage(chat, 'sendMessage', p, at, { text }, {});
  }

  private sendPhoto(p: Record<string, unknown>, at: number) {
    const chat = this.requireChat(p.chat_id);
    const caption = this.checkCaption(p.caption);
    let photo: string | UploadedFile;
    if (typeof p.photo === 'string') {
      const known = this.files.get(p.photo);
      if (!known && this.photoUrlRefused(p.photo)) throw badRequest('wrong file identifier/HTTP URL specified');
      photo = p.photo;
    } else if (isUpload(p.photo)) {
      photo = p.photo;
    } else {
      throw badRequest('there is no photo in the request');
    }
    const stored = this.addFile(typeof photo === 'string' ? new Uint8Array(0) : photo.bytes);
    const sizes = [{ file_id: stored.file_id, file_unique_id: stored.file_unique_id, file_size: stored.bytes.length, width: 500, height: 750 }];
    return this.botMessage(chat, 'sendPhoto', p, at, { photo: sizes, ...(caption ? { caption } : {}) }, { photo, caption });
  }

  private sendDocument(p: Record<string, unknown>, at: number) {
    const chat = this.requireChat(p.chat_id);
    const caption = this.checkCaption(p.caption);
    if (!isUpload(p.document) && typeof p.document !== 'string') throw badRequest('there is no document in the request');
    const document = p.document;
    const bytes = isUpload(document) ? document.bytes : new Uint8Array(0);
    const stored = this.addFile(bytes, { folder: 'documents', extension: 'bin', mimeType: isUpload(document) ? document.mimeType : 'application/octet-stream' });
    const doc = {
      file_id: stored.file_id,
      file_unique_id: stored.file_unique_id,
      file_size: bytes.length,
      ...(isUpload(document) ? { file_name: document.fileName, mime_type: document.mimeType } : {}),
    };
    return this.botMessage(chat, 'sendDocument', p, at, { document: doc, ...(caption ? { caption } : {}) }, { document, caption });
  }

  private sendPoll(p: Record<string, unknown>, at: number) {
    const chat = this.requireChat(p.chat_id);
    const question = typeof p.question === 'string' ? p.question : '';
    if (question.length < 1 || question.length > 300) throw badRequest('poll question length must be 1-300');
    const raw = Array.isArray(p.options) ? p.options : [];
    const options = raw.map((o) => (typeof o === 'string' ? o : String((o as { text?: unknown }).text ?? '')));
    if (options.length < 2 || options.length > 10) throw badRequest('poll must have 2-10 options');
    const poll = {
      id: String(++this.queryCounter),
      question,
      options: options.map((text) => ({ text, voter_count: 0 })),
      total_voter_count: 0,
      is_closed: false,
      is_anonymous: p.is_anonymous === undefined ? true : truthy(p.is_anonymous),
      type: p.type ?? 'regular',
      allows_multiple_answers: truthy(p.allows_multiple_answers),
    };
    return this.botMessage(chat, 'sendPoll', p, at, { poll }, { poll: { question, options } });
  }

  private getFile(p: Record<string, unknown>) {
    const file = typeof p.file_id === 'string' ? this.files.get(p.file_id) : undefined;
    if (!file) throw badRequest('invalid file_id');
    if (file.bytes.length > MAX_DOWNLOAD_BYTES) throw badRequest('file is too big');
    return {
      file_id: file.file_id,
      file_unique_id: file.file_unique_id,
      ...(file.announceSize ? { file_size: file.bytes.length } : {}),
      file_path: file.file_path,
    };
  }

  private answerCallbackQuery(p: Record<string, unknown>, at: number) {
    const query = typeof p.callback_query_id === 'string' ? this.queries.get(p.callback_query_id) : undefined;
    if (!query || query.answered) throw badRequest('query is too old and response timeout expired or query ID is invalid');
    const text = typeof p.text === 'string' ? p.text : undefined;
    if (text !== undefined && text.length > 200) throw badRequest('MESSAGE_TOO_LONG');
    query.answered = true;
    this.pushOutput({
      kind: 'callback_answer',
      seq: this.currentSeq,
      at,
      method: 'answerCallbackQuery',
      chatId: query.chatId,
      queryId: query.id,
      ...(text !== undefined ? { text } : {}),
      showAlert: truthy(p.show_alert),
    });
    return true;
  }

  private editMessage(method: string, p: Record<string, unknown>, at: number) {
    if (p.inline_message_id !== undefined) throw badRequest('inline messages are not supported by the fake');
    const chat = this.requireChat(p.chat_id);
    const message = this.message(chat.id, Number(p.message_id));
    if (!message) throw badRequest('message to edit not found');
    if (message.from?.id !== this.botUser.id) throw badRequest("message can't be edited");
    const markup = this.checkMarkup(p.reply_markup);
    const next: FakeMessage = { ...message };
    if (method === 'editMessageText') {
      if (message.text === undefined) throw badRequest('there is no text in the message to edit');
      const text = typeof p.text === 'string' ? p.text : '';
      if (text.trim().length === 0) throw badRequest('message text is empty');
      if (text.length > 4096) throw badRequest('MESSAGE_TOO_LONG');
      next.text = text;
    } else if (method === 'editMessageCaption') {
      if (!('photo' in message) && !('document' in message)) throw badRequest('there is no caption in the message to edit');
      const caption = this.checkCaption(p.caption);
      if (caption) next.caption = caption;
      else delete next.caption;
    } else if (method === 'editMessageMedia') {
      // A text message cannot get media; a photo can be swapped for another photo (by URL or file_id).
      if (!('photo' in message)) throw badRequest('there is no media in the message to edit');
      const media = p.media as { type?: unknown; media?: unknown; caption?: unknown } | undefined;
      if (media?.type !== 'photo' || typeof media.media !== 'string') throw badRequest('wrong media type or no media given');
      if (!this.files.get(media.media) && this.photoUrlRefused(media.media)) throw badRequest('wrong file identifier/HTTP URL specified');
      const stored = this.addFile(new Uint8Array(0));
      next.photo = [{ file_id: stored.file_id, file_unique_id: stored.file_unique_id, file_size: 0, width: 500, height: 750 }];
      next.photo_source = media.media;
      const caption = this.checkCaption(media.caption);
      if (caption) next.caption = caption;
      else delete next.caption;
    }
    // Leaving reply_markup out of an edit removes the inline keyboard.
    if (markup) next.reply_markup = markup;
    else delete next.reply_markup;
    if (
      method !== 'editMessageMedia' &&
      next.text === message.text &&
      next.caption === message.caption &&
      JSON.stringify(next.reply_markup ?? null) === JSON.stringify(message.reply_markup ?? null)
    ) {
      throw badRequest(
        'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
      );
    }
    next.edit_date = unixNow();
    this.store(next);
    this.pushOutput({
      kind: 'edit',
      seq: this.currentSeq,
      at,
      method,
      chatId: chat.id,
      messageId: message.message_id,
      ...(method === 'editMessageText' ? { text: next.text } : {}),
      ...((method === 'editMessageCaption' || method === 'editMessageMedia') && next.caption !== undefined ? { caption: next.caption } : {}),
      ...(method === 'editMessageMedia' ? { photo: next.photo_source as string } : {}),
      buttons: markup ? toOutputButtons(markup) : null,
    });
    return next;
  }

  private setMyCommands(p: Record<string, unknown>) {
    if (!Array.isArray(p.commands)) throw badRequest('commands must be an array');
    if (p.commands.length > 100) throw badRequest('too many commands');
    const commands = p.commands.map((c) => {
      const { command, description } = c as { command?: unknown; description?: unknown };
      if (typeof command !== 'string' || !/^[a-z0-9_]{1,32}$/.test(command)) throw badRequest('BOT_COMMAND_INVALID');
      if (typeof description !== 'string' || description.length < 1 || description.length > 256) {
        throw badRequest('command description must be 1-256 characters');
      }
      return { command, description };
    });
    this.commandsByScope.set(scopeKey(p.scope), commands);
    return true;
  }

  private setWebhook(p: Record<string, unknown>) {
    const url = typeof p.url === 'string' ? p.url : '';
    if (url === '') {
      this.webhook = null;
      return true;
    }
    if (!/^https:\/\//.test(url) && !(this.options.allowHttpWebhook !== false && /^http:\/\/127\.0\.0\.1[:/]/.test(url))) {
      throw badRequest('bad webhook: An HTTPS URL must be provided for webhook');
    }
    const secret = typeof p.secret_token === 'string' ? p.secret_token : null;
    if (secret !== null && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) throw badRequest('secret token contains unallowed characters');
    if (Array.isArray(p.allowed_updates)) this.allowedUpdates = p.allowed_updates.length > 0 ? (p.allowed_updates as string[]) : null;
    if (truthy(p.drop_pending_updates)) this.pending.splice(0);
    const maxConnections = p.max_connections === undefined ? 40 : Number(p.max_connections);
    this.webhook = { url, secret, maxConnections };
    // An active long poll is ended, as Telegram does when a webhook is set.
    this.pollWaiter?.conflict();
    setImmediate(() => this.pumpWebhook());
    return true;
  }

  /** Delivers pending updates to the webhook in order, up to max_connections at once; failures are retried. */
  private pumpWebhook() {
    const hook = this.webhook;
    if (!hook || this.closed) return;
    this.dropDisallowed();
    for (const item of this.pending) {
      if (this.webhookInFlight >= hook.maxConnections) return;
      const id = item.update.update_id;
      if (this.webhookDelivered.has(id)) continue;
      this.webhookDelivered.add(id);
      this.webhookInFlight++;
      void fetch(hook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(hook.secret ? { 'x-telegram-bot-api-secret-token': hook.secret } : {}) },
        body: JSON.stringify(item.update),
      })
        .then(async (response) => {
          await response.arrayBuffer().catch(() => undefined);
          return response.ok;
        })
        .catch(() => false)
        .then((ok) => {
          this.webhookInFlight--;
          if (ok) {
            const index = this.pending.findIndex((u) => u.update.update_id === id);
            if (index >= 0) this.pending.splice(index, 1);
            this.webhookDelivered.delete(id);
            this.pumpWebhook();
          } else {
            setTimeout(() => {
              this.webhookDelivered.delete(id);
              this.pumpWebhook();
            }, 200);
          }
          this.notify();
        });
    }
  }

  // ---------------------------------------------------------------- helpers

  private requireChat(chatId: unknown): FakeChat {
    const id = typeof chatId === 'number' ? chatId : typeof chatId === 'string' && /^-?\d+$/.test(chatId) ? Number(chatId) : NaN;
    const chat = this.chats.get(id);
    if (!chat) throw badRequest('chat not found');
    return chat;
  }

  private checkCaption(caption: unknown): string | undefined {
    if (caption === undefined || caption === null || caption === '') return undefined;
    const text = String(caption);
    if (text.length > 1024) throw badRequest('message caption is too long');
    return text;
  }

  private checkMarkup(markup: unknown): InlineKeyboard | undefined {
    if (markup === undefined || markup === null) return undefined;
    const rows = (markup as { inline_keyboard?: unknown }).inline_keyboard;
    if (!Array.isArray(rows)) throw badRequest('field "inline_keyboard" must be an Array');
    for (const row of rows) {
      if (!Array.isArray(row)) throw badRequest("can't parse inline keyboard button: InlineKeyboardButton must be an Object");
      for (const button of row as Record<string, unknown>[]) {
        if (typeof button.text !== 'string' || button.text.length === 0) throw badRequest('text buttons are unallowed in the inline keyboard');
        const data = button.callback_data;
        const url = button.url;
        if ((data === undefined) === (url === undefined)) throw badRequest("can't parse inline keyboard button: exactly one optional field must be used");
        if (data !== undefined && (typeof data !== 'string' || Buffer.byteLength(data) < 1 || Buffer.byteLength(data) > 64)) {
          throw badRequest('BUTTON_DATA_INVALID');
        }
        if (url !== undefined && (typeof url !== 'string' || !/^(https?|tg):\/\/\S+$/.test(url))) throw badRequest('BUTTON_URL_INVALID');
      }
    }
    const cleaned = rows.filter((row: unknown[]) => row.length > 0);
    return cleaned.length > 0 ? { inline_keyboard: cleaned as InlineKeyboard['inline_keyboard'] } : undefined;
  }

  private botMessage(
    chat: FakeChat,
    method: string,
    p: Record<string, unknown>,
    at: number,
    fields: Record<string, unknown>,
    output: Partial<Pick<Extract<BotOutput, { kind: 'message' }>, 'photo' | 'document' | 'poll' | 'caption'>>,
  ): FakeMessage {
    const markup = this.checkMarkup(p.reply_markup);
    const replyParams = p.reply_parameters as { message_id?: number; allow_sending_without_reply?: boolean } | undefined;
    let replyTo: FakeMessage | undefined;
    if (replyParams?.message_id !== undefined) {
      replyTo = this.message(chat.id, replyParams.message_id);
      if (!replyTo && !replyParams.allow_sending_without_reply) throw badRequest('message to be replied not found');
    }
    const message: FakeMessage = {
      message_id: this.allocMessageId(chat.id),
      from: { ...this.botUser },
      chat,
      date: unixNow(),
      ...fields,
      ...(markup ? { reply_markup: markup } : {}),
      ...(replyTo ? { reply_to_message: stripReply(replyTo) } : {}),
    };
    this.store(message);
    const text = typeof fields.text === 'string' ? fields.text : undefined;
    this.pushOutput({
      kind: 'message',
      seq: this.currentSeq,
      at,
      method,
      chatId: chat.id,
      messageId: message.message_id,
      ...(text !== undefined ? { text } : {}),
      ...(output.caption !== undefined ? { caption: output.caption } : {}),
      ...(output.photo !== undefined ? { photo: output.photo } : {}),
      ...(output.document !== undefined ? { document: output.document } : {}),
      ...(output.poll !== undefined ? { poll: output.poll } : {}),
      ...(markup ? { buttons: toOutputButtons(markup) } : {}),
      ...(replyTo ? { replyToMessageId: replyTo.message_id } : {}),
      ...(typeof p.parse_mode === 'string' ? { parseMode: p.parse_mode } : {}),
    });
    return message;
  }

  private pushOutput(output: BotOutput) {
    this.outputList.push(output);
    const list = this.outputsByChat.get(output.chatId) ?? [];
    list.push(output);
    this.outputsByChat.set(output.chatId, list);
  }

  private allocMessageId(chatId: number): number {
    const next = this.nextMessageId.get(chatId) ?? 1;
    this.nextMessageId.set(chatId, next + 1);
    return next;
  }

  private store(message: FakeMessage) {
    const chatMessages = this.messagesByChat.get(message.chat.id) ?? new Map<number, FakeMessage>();
    chatMessages.set(message.message_id, message);
    this.messagesByChat.set(message.chat.id, chatMessages);
  }
}

// ------------------------------------------------------------------ module helpers

const send = (res: ServerResponse, status: number, body: unknown) => {
  if (res.headersSent || res.destroyed) return;
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  res.end(json);
};

const injectedFailure = (spec: FailureSpec): ApiFailure => {
  if (spec.code === 429) {
    const retryAfter = spec.retryAfter ?? 1;
    return new ApiFailure(429, spec.description ?? `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter });
  }
  const names: Record<number, string> = { 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' };
  return new ApiFailure(spec.code, spec.description ?? names[spec.code] ?? `Error ${spec.code}`);
};

const truthy = (value: unknown) => value === true || value === 'true' || value === 1 || value === '1';

const scopeKey = (scope: unknown): string => {
  if (!scope || typeof scope !== 'object') return 'default';
  const s = scope as { type?: string; chat_id?: unknown; user_id?: unknown };
  return [s.type ?? 'default', s.chat_id, s.user_id].filter((x) => x !== undefined).join(':');
};

const captionFields = (caption: string | undefined) => {
  if (caption === undefined) return {};
  const command = /^\/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?/.exec(caption);
  return { caption, ...(command ? { caption_entities: [{ type: 'bot_command', offset: 0, length: command[0].length }] } : {}) };
};

/** Telegram does not nest replies more than one level deep. */
const stripReply = (message: FakeMessage): FakeMessage => {
  const { reply_to_message: _nested, ...rest } = message;
  return structuredClone(rest) as FakeMessage;
};

const isUpload = (value: unknown): value is UploadedFile =>
  typeof value === 'object' && value !== null && (value as UploadedFile).bytes instanceof Uint8Array;

const toOutputButtons = (markup: InlineKeyboard): OutputButton[][] =>
  markup.inline_keyboard.map((row) =>
    row.map((b) => (b.url !== undefined ? { label: b.text, url: b.url } : { label: b.text, action: b.callback_data ?? '' })),
  );

/** JSON, urlencoded and multipart bodies (the Bot API accepts all three). Files become UploadedFile. */
const readParams = async (req: IncomingMessage): Promise<Record<string, unknown>> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  if (body.length === 0) return {};
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('application/json')) return JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  if (type.startsWith('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
  if (type.startsWith('multipart/form-data')) {
    const form = await new Request('http://127.0.0.1/', { method: 'POST', headers: { 'content-type': type }, body }).formData();
    const params: Record<string, unknown> = {};
    for (const [key, value] of form.entries()) {
      if (typeof value === 'string') params[key] = value;
      else {
        const file = value as File;
        params[key] = {
          fileName: file.name,
          mimeType: file.type || 'application/octet-stream',
          bytes: new Uint8Array(await file.arrayBuffer()),
        } satisfies UploadedFile;
      }
    }
    return params;
  }
  return {};
};
