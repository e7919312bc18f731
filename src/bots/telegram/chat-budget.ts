/**
 * Telegram's flood limits, respected rather than survived: at most about one
 * message a second in a private chat and 20 a minute in a group
 * (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this).
 * New messages to a chat wait for room in that chat's window instead of
 * running into 429s; edits and callback answers do not count (they are how
 * MoodReel pages and rates in place).
 */
import type { Opts, Telegram as TelegramMethods } from 'telegraf/types';
import { sleep } from '../shared/backoff.js';
import type { CallApi } from './telegram-api.js';

export interface ChatBudgetPolicy {
  /** Messages at most per window in a private chat (a small burst, about one a second on average). */
  readonly privateMax: number;
  readonly privateWindowMs: number;
  /** Messages at most per window in a group, supergroup or channel. */
  readonly groupMax: number;
  readonly groupWindowMs: number;
}

export const DEFAULT_CHAT_BUDGET = {
  privateMax: 3,
  privateWindowMs: 3_000,
  groupMax: 20,
  groupWindowMs: 60_000,
} as const satisfies ChatBudgetPolicy;

/** The methods that post a new message to a chat. */
const SENDS = new Set<string>(['sendMessage', 'sendPhoto', 'sendDocument', 'sendPoll', 'sendMediaGroup', 'sendAnimation', 'sendVideo', 'sendAudio', 'sendVoice']);

/** Private chats have positive ids; groups and channels negative ones, or an @username. */
const isGroup = (chatId: unknown) => !(typeof chatId === 'number' && chatId > 0) && !(typeof chatId === 'string' && /^\d+$/.test(chatId));

/**
 * A sliding window of sent messages per chat. A send is counted when Telegram
 * has answered it, so the window measured here never runs ahead of the one
 * Telegram measures. Sends to one chat pass one at a time.
 */
export class ChatBudget {
  private readonly sentAt = new Map<string, number[]>();
  private readonly tails = new Map<string, Promise<void>>();
  private waits = 0;
  private waitedMs = 0;

  constructor(
    private readonly policy: ChatBudgetPolicy = DEFAULT_CHAT_BUDGET,
    private readonly now: () => number = () => performance.now(),
    private readonly stopSignal?: AbortSignal,
  ) {}

  /** How often a send waited for room, and for how long in total (logs, benchmarks). */
  get stats(): { waits: number; waitedMs: number } {
    return { waits: this.waits, waitedMs: Math.round(this.waitedMs) };
  }

  async run<T>(chatId: number | string, task: () => Promise<T>): Promise<T> {
    const key = String(chatId);
    const [max, windowMs] = isGroup(chatId) ? [this.policy.groupMax, this.policy.groupWindowMs] : [this.policy.privateMax, this.policy.privateWindowMs];
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const tail = previous.then(() => new Promise<void>((resolve) => (release = resolve)));
    this.tails.set(key, tail);
    await previous;
    try {
      const recent = (this.sentAt.get(key) ?? []).filter((t) => t > this.now() - windowMs);
      if (recent.length >= max) {
        const wait = recent[recent.length - max]! + windowMs - this.now();
        if (wait > 0 && !this.stopSignal?.aborted) {
          this.waits++;
          this.waitedMs += wait;
          await sleep(wait, this.stopSignal);
        }
      }
      try {
        return await task();
      } finally {
        recent.push(this.now());
        this.sentAt.set(key, recent.slice(-max));
        if (this.sentAt.size > 10_000) this.forgetQuiet();
      }
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Drops chats with nothing in any window (bounded memory). */
  private forgetQuiet() {
    const horizon = this.now() - Math.max(this.policy.privateWindowMs, this.policy.groupWindowMs);
    for (const [key, times] of this.sentAt) if ((times.at(-1) ?? 0) <= horizon) this.sentAt.delete(key);
  }
}

/** Puts every new message through the chat's budget; everything else passes straight. */
export const budgetedCall = (call: CallApi, budget: ChatBudget): CallApi => {
  const wrapped: CallApi = <M extends keyof TelegramMethods>(method: M, payload: Opts<M>) => {
    const chatId = (payload as { chat_id?: number | string }).chat_id;
    if (!SENDS.has(method) || chatId === undefined) return call(method, payload);
    return budget.run(chatId, () => call(method, payload));
  };
  return wrapped;
};
