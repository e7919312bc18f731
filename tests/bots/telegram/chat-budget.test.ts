import { describe, expect, it } from 'vitest';
import { budgetedCall, ChatBudget } from '../../../src/bots/telegram/chat-budget.js';
import type { CallApi } from '../../../src/bots/telegram/telegram-api.js';

const policy = { privateMax: 2, privateWindowMs: 300, groupMax: 3, groupWindowMs: 400 };

describe('ChatBudget', () => {
  it('given more sends to one private chat than its window allows, the extra ones wait until the oldest leaves the window', async () => {
    const budget = new ChatBudget(policy);
    const ends: number[] = [];
    const starts: number[] = [];
    const send = () =>
      budget.run(42, async () => {
        starts.push(performance.now());
        await new Promise((r) => setTimeout(r, 5));
        ends.push(performance.now());
      });
    await Promise.all([send(), send(), send(), send()]);
    expect(starts[2]! - ends[0]!).toBeGreaterThanOrEqual(295);
    expect(starts[3]! - ends[1]!).toBeGreaterThanOrEqual(295);
    expect(starts[1]! - ends[0]!).toBeLessThan(100);
    expect(budget.stats.waits).toBeGreaterThanOrEqual(1);
  });

  it('given a busy chat, other chats do not wait for it, and groups get their own budget', async () => {
    const budget = new ChatBudget(policy);
    await Promise.all([budget.run(42, async () => 1), budget.run(42, async () => 2)]);
    const started = performance.now();
    await Promise.all([budget.run(43, async () => 1), budget.run(-100, async () => 1), budget.run(-100, async () => 2), budget.run(-100, async () => 3)]);
    expect(performance.now() - started).toBeLessThan(150);
    expect(budget.stats.waits).toBe(0);
  });

  it('only new messages pass through the budget; edits and button answers go straight', async () => {
    const budget = new ChatBudget({ ...policy, privateMax: 1, privateWindowMs: 10_000 });
    const methods: string[] = [];
    const raw = (async (method: string) => {
      methods.push(method);
      return { message_id: 1 };
    }) as unknown as CallApi;
    const call = budgetedCall(raw, budget);
    await call('sendMessage', { chat_id: 7, text: 'a' });
    const started = performance.now();
    await call('editMessageText', { chat_id: 7, message_id: 1, text: 'b' });
    await call('answerCallbackQuery', { callback_query_id: 'q' });
    expect(performance.now() - started).toBeLessThan(100);
    expect(methods).toEqual(['sendMessage', 'editMessageText', 'answerCallbackQuery']);
    expect(budget.stats.waits).toBe(0);
  });
});
