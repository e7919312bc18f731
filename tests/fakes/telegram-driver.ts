/**
 * Plays the users' side of a Telegram conversation against the fake Bot API,
 * and knows when the bot has finished answering. Written for adapter tests and
 * for end-to-end tests with the real core (onboarding, moods, ratings, a watch
 * party with three members):
 *
 *   const fake = await FakeTelegramApi.start();
 *   const driver = new TelegramDriver(fake);
 *   const bot = createTelegramBot({ ..., apiRoot: fake.apiRoot, token: fake.token, onUpdateDone: driver.onUpdateDone });
 *   await bot.start();
 *   const ann = driver.user('Ann');
 *   const chat = driver.privateChat(ann);
 *   driver.userSays(chat, ann, '/start');            // returns { updateId, messageId, done }
 *   const replies = await driver.repliesTo(chat);   // waits, then everything the bot did in that chat since the last call
 *   await driver.userPressesButton(chat, ann, /agree/i).done;
 *
 * "Finished" comes from the adapter's onUpdateDone hook: with the per-chat queue,
 * every API call of a turn happened before its hook fired. A turn's `outputs` are
 * the chat's outputs between the previous turn's end and its own end, so a
 * Notifier message sent meanwhile is counted in. Without the hook
 * (`settle: 'quiet'`), the driver waits until the update was fetched and the chat
 * stayed silent for `quietMs`.
 */
import type { BotOutput, FakeChat, FakeMessage, FakeTelegramApi, FakeUser, OutputButton } from './telegram-api.fake.js';

/** Shape of the adapter's UpdateDoneEvent (kept structural so the driver does not import src/). */
export interface DoneEvent {
  readonly updateId: number;
  readonly chatId: string | null;
  readonly outcome: string;
  readonly ms: number;
}

export interface TurnResult {
  readonly updateId: number;
  readonly outcome: string;
  /** What the bot did in the chat during this turn. */
  readonly outputs: readonly BotOutput[];
  /** From the update being available at the fake to the turn's last output (or its end, when silent). */
  readonly latencyMs: number;
}

export interface PendingTurn {
  readonly updateId: number;
  /** The user's message id (not set for button presses). */
  readonly messageId?: number;
  /** Resolves when the bot has finished with this update. */
  readonly done: Promise<TurnResult>;
}

export interface DriverOptions {
  readonly settle?: 'hook' | 'quiet';
  readonly quietMs?: number;
  readonly timeoutMs?: number;
}

interface Tracked {
  readonly updateId: number;
  readonly chatId: number;
  readonly injectedSeq: number;
  resolve: (result: TurnResult) => void;
  reject: (error: Error) => void;
  readonly done: Promise<TurnResult>;
}

export class TelegramDriver {
  private readonly tracked = new Map<number, Tracked>();
  private readonly pendingByChat = new Map<number, Set<Tracked>>();
  /** Per chat: the fake's seq when the previous turn ended (outputs after it belong to the next turn). */
  private readonly lastDoneSeq = new Map<number, number>();
  /** Per chat: outputs already returned by repliesTo(). */
  private readonly readUpTo = new Map<number, number>();
  private readonly settle: 'hook' | 'quiet';
  private readonly quietMs: number;
  private readonly timeoutMs: number;

  constructor(
    readonly fake: FakeTelegramApi,
    options: DriverOptions = {},
  ) {
    this.settle = options.settle ?? 'hook';
    this.quietMs = options.quietMs ?? 300;
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  /** Give this to createTelegramBot({ onUpdateDone }). */
  readonly onUpdateDone = (event: DoneEvent): void => {
    const item = this.tracked.get(event.updateId);
    if (!item) return;
    this.finish(item, event.outcome);
  };

  // ---------------------------------------------------------------- people and places

  user(firstName = 'Alex', extra: Partial<Omit<FakeUser, 'id' | 'is_bot'>> = {}): FakeUser {
    return this.fake.createUser(firstName, extra);
  }

  privateChat(user: FakeUser): FakeChat {
    return this.fake.privateChat(user);
  }

  group(title = 'Movie night', options: { supergroup?: boolean } = {}): FakeChat {
    return this.fake.createGroup(title, options);
  }

  // ---------------------------------------------------------------- the users' side

  userSays(chat: FakeChat, user: FakeUser, text: string, options: { replyTo?: number } = {}): PendingTurn {
    const { message, updateId } = this.fake.userText(chat, user, text, options);
    return this.track(chat, updateId, message);
  }

  userSendsPhoto(
    chat: FakeChat,
    user: FakeUser,
    bytes: Uint8Array,
    options: { caption?: string; announceSize?: boolean; declaredSize?: number; replyTo?: number; width?: number; height?: number } = {},
  ): PendingTurn {
    const { message, updateId } = this.fake.userPhoto(chat, user, bytes, options);
    return this.track(chat, updateId, message);
  }

  userSendsDocument(
    chat: FakeChat,
    user: FakeUser,
    bytes: Uint8Array,
    options: { fileName: string; mimeType: string; caption?: string; announceSize?: boolean; replyTo?: number },
  ): PendingTurn {
    const { message, updateId } = this.fake.userDocument(chat, user, bytes, options);
    return this.track(chat, updateId, message);
  }

  userSendsMedia(
    chat: FakeChat,
    user: FakeUser,
    kind: Parameters<FakeTelegramApi['userMedia']>[2],
    options: { replyTo?: number } = {},
  ): PendingTurn {
    const { message, updateId } = this.fake.userMedia(chat, user, kind, options);
    return this.track(chat, updateId, message);
  }

  /** Presses the button carrying `action` (callback_data) on the bot's message `messageId`. */
  userPresses(chat: FakeChat, user: FakeUser, messageId: number, action: string, options: { force?: boolean } = {}): PendingTurn {
    const { updateId } = this.fake.userPress(chat, user, messageId, action, options);
    return this.track(chat, updateId);
  }

  /**
   * Finds the newest bot message in the chat with a callback button whose label
   * or action matches, and presses it. Handy when the test does not know the
   * core's payload format.
   */
  userPressesButton(chat: FakeChat, user: FakeUser, match: string | RegExp | ((button: OutputButton) => boolean)): PendingTurn {
    const found = this.findButton(chat, match);
    if (!found) throw new Error(`driver: no button matching ${String(match)} in chat ${chat.id}`);
    return this.userPresses(chat, user, found.messageId, found.action);
  }

  findButton(
    chat: FakeChat,
    match: string | RegExp | ((button: OutputButton) => boolean),
  ): { messageId: number; action: string; label: string } | undefined {
    const test = (b: OutputButton) =>
      typeof match === 'function'
        ? match(b)
        : typeof match === 'string'
          ? b.label === match || ('action' in b && b.action === match)
          : match.test(b.label) || ('action' in b && match.test(b.action));
    const messages = this.fake.messages(chat.id).filter((m) => m.from?.id === this.fake.botUser.id).reverse();
    for (const message of messages) {
      for (const button of buttonsOf(message).flat()) {
        if ('action' in button && test(button)) return { messageId: message.message_id, action: button.action, label: button.label };
      }
    }
    return undefined;
  }

  // ---------------------------------------------------------------- the bot's side

  /**
   * Waits until every update injected so far for this chat is finished, then
   * returns what the bot did in the chat since the previous repliesTo(chat).
   */
  async repliesTo(chat: FakeChat, options: { timeoutMs?: number } = {}): Promise<BotOutput[]> {
    const pending = [...(this.pendingByChat.get(chat.id) ?? [])];
    await withTimeout(
      Promise.all(pending.map((p) => p.done)),
      options.timeoutMs ?? this.timeoutMs,
      `replies in chat ${chat.id}`,
    );
    const from = this.readUpTo.get(chat.id) ?? 0;
    const outputs = this.fake.outputs(chat.id).filter((o) => o.seq > from);
    const last = outputs.at(-1);
    if (last) this.readUpTo.set(chat.id, last.seq);
    return outputs;
  }

  /** Waits for the bot to do something matching in the chat (watch-party announcements from the Notifier). */
  waitForOutput(chat: FakeChat, predicate: (output: BotOutput) => boolean, timeoutMs = this.timeoutMs): Promise<BotOutput> {
    const from = this.readUpTo.get(chat.id) ?? 0;
    return this.fake.waitFor(
      () => this.fake.outputs(chat.id).find((o) => o.seq > from && predicate(o)),
      timeoutMs,
      `an output in chat ${chat.id}`,
    );
  }

  /** Text of a message output (text or caption), for assertions. */
  static textOf(output: BotOutput): string {
    return ('text' in output && output.text) || ('caption' in output && output.caption) || '';
  }

  // ---------------------------------------------------------------- internals

  private track(chat: FakeChat, updateId: number, message?: FakeMessage): PendingTurn {
    let resolve!: (result: TurnResult) => void;
    let reject!: (error: Error) => void;
    const done = new Promise<TurnResult>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    done.catch(() => undefined);
    const item: Tracked = { updateId, chatId: chat.id, injectedSeq: this.fake.seq, resolve, reject, done };
    this.tracked.set(updateId, item);
    const set = this.pendingByChat.get(chat.id) ?? new Set<Tracked>();
    set.add(item);
    this.pendingByChat.set(chat.id, set);
    const timer = setTimeout(() => {
      if (this.tracked.has(updateId)) {
        this.forget(item);
        reject(new Error(`driver: update ${updateId} in chat ${chat.id} not finished after ${this.timeoutMs} ms`));
      }
    }, this.timeoutMs);
    void done.finally(() => clearTimeout(timer)).catch(() => undefined);
    if (this.settle === 'quiet') void this.settleQuietly(item);
    return { updateId, ...(message ? { messageId: message.message_id } : {}), done };
  }

  private finish(item: Tracked, outcome: string) {
    if (!this.tracked.has(item.updateId)) return;
    this.forget(item);
    const doneSeq = this.fake.seq;
    const from = Math.max(item.injectedSeq, this.lastDoneSeq.get(item.chatId) ?? 0);
    // Ignored updates skip the chat queue and finish at once: they must not cut a running turn's outputs short.
    const ignored = outcome === 'ignored';
    if (!ignored) this.lastDoneSeq.set(item.chatId, Math.max(doneSeq, this.lastDoneSeq.get(item.chatId) ?? 0));
    const outputs = ignored ? [] : this.fake.outputs(item.chatId).filter((o) => o.seq > from && o.seq <= doneSeq);
    const availableAt = this.fake.availableAt.get(item.updateId) ?? performance.now();
    const endAt = outputs.length > 0 ? Math.max(...outputs.map((o) => o.at)) : performance.now();
    item.resolve({ updateId: item.updateId, outcome, outputs, latencyMs: endAt - availableAt });
  }

  private forget(item: Tracked) {
    this.tracked.delete(item.updateId);
    this.pendingByChat.get(item.chatId)?.delete(item);
  }

  /** Without the hook: fetched by the bot, then no new output in the chat for quietMs. */
  private async settleQuietly(item: Tracked) {
    const fetched = () => !this.fake.isPending(item.updateId);
    await this.fake.waitFor(fetched, this.timeoutMs, `update ${item.updateId} fetched`).catch(() => undefined);
    let lastCount = -1;
    for (;;) {
      const count = this.fake.outputs(item.chatId).length;
      if (count === lastCount) break;
      lastCount = count;
      await new Promise((resolve) => setTimeout(resolve, this.quietMs));
    }
    this.finish(item, 'settled');
  }
}

const buttonsOf = (message: FakeMessage): OutputButton[][] =>
  (message.reply_markup?.inline_keyboard ?? []).map((row) =>
    row.map((b) => (b.url !== undefined ? { label: b.text, url: b.url } : { label: b.text, action: b.callback_data ?? '' })),
  );

const withTimeout = <T>(work: Promise<T>, ms: number, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`driver: timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
};
