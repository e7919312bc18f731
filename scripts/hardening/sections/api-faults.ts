/**
 * Fault (c): the Bot API answers 429 (with retry_after) and 5xx (the fake's
 * failNext). Holds when the adapter waits at least retry_after before trying
 * again, backs off on 5xx, never sends a message twice, answers every press
 * exactly once, keeps polling after getUpdates fails, and when retries run
 * out, still tells the user something clear (once).
 */
import type { ApiCallRecord, BotOutput, FailureSpec } from '../../../tests/fakes/telegram-api.fake.js';
import type { Context } from '../context.js';
import { withChoice } from '../lib/outputs.js';
import { checkTelegramOutputs } from '../lib/reply-check.js';
import { startTelegramRig, type TelegramTurn } from '../lib/telegram-rig.js';

const SECTION = 'fault: Bot API 429/5xx';
/** Timers may fire a millisecond early against performance.now(). */
const SLACK_MS = 20;

const duplicates = (outputs: readonly BotOutput[]): number => {
  const seen = new Set<string>();
  let dup = 0;
  for (const o of outputs) {
    if (o.kind !== 'message') continue;
    const key = `${o.method}|${o.text ?? ''}|${o.caption ?? ''}|${typeof o.photo === 'string' ? o.photo : ''}`;
    if (seen.has(key)) dup++;
    seen.add(key);
  }
  return dup;
};

/** Gaps (ms) between consecutive calls of a method from seq onwards. */
const gaps = (calls: readonly ApiCallRecord[], fromSeq: number): number[] => {
  const list = calls.filter((c) => c.seq > fromSeq);
  return list.slice(1).map((c, i) => c.at - list[i]!.at);
};

export async function apiFaults(ctx: Context): Promise<void> {
  const rig = await startTelegramRig(ctx.sqlite.app.handler, { logLevel: 'info' });
  ctx.logTexts.push(() => rig.log.text());
  ctx.tokens.push(rig.fake.token);
  const { fake } = rig;
  const user = fake.createUser('Faults');
  const chat = fake.privateChat(user);
  ctx.report.counters.users++;
  const say = (text: string) => rig.run(chat.id, () => fake.userText(chat, user, text).updateId);
  const pressFirstRating = async (choice: string): Promise<{ turn: TelegramTurn; queryId: string }> => {
    const button = rig.driver.findButton(chat, (b) => 'action' in b && b.action.startsWith('r:'));
    let queryId = '';
    const turn = await rig.run(chat.id, () => {
      const p = fake.userPress(chat, user, button!.messageId, withChoice(button!.action, choice), { force: true });
      queryId = p.queryId;
      return p.updateId;
    });
    return { turn, queryId };
  };

  const scenario = async (
    name: string,
    method: string,
    failures: number,
    spec: FailureSpec,
    act: () => Promise<{ turn: TelegramTurn; queryId?: string }>,
    judge: (r: { turn: TelegramTurn; gaps: number[]; queryId?: string }) => { held: boolean; detail: string },
  ) => {
    const fromSeq = fake.seq;
    fake.failNext(method, failures, spec);
    const { turn, queryId } = await act();
    const g = gaps(fake.calls(method), fromSeq);
    const verdict = checkTelegramOutputs(turn.outputs, { expectOutput: true, ...(queryId ? { queryId } : {}) });
    const dup = duplicates(turn.outputs);
    const judged = judge({ turn, gaps: g, ...(queryId ? { queryId } : {}) });
    const held = judged.held && dup === 0 && verdict.problems.length === 0;
    ctx.report.fault(held, failures);
    ctx.report.check(SECTION, name, `${failures} x ${spec.code}${spec.retryAfter !== undefined ? ` retry_after ${spec.retryAfter}` : ''} on ${method}`, held,
      `${judged.detail}; duplicates ${dup}${verdict.problems.length ? `; ${verdict.problems.slice(0, 2).join(' | ')}` : ''}`);
  };

  try {
    await say('/start');
    await say('I feel rough today');

    await scenario('honours retry_after', 'sendMessage', 1, { code: 429, retryAfter: 2 }, async () => ({ turn: await say('/help') }), ({ turn, gaps: g }) => ({
      held: turn.outcome === 'handled' && (g[0] ?? 0) >= 2_000 - SLACK_MS && turn.outputs.filter((o) => o.kind === 'message').length === 1,
      detail: `retried after ${((g[0] ?? 0) / 1000).toFixed(2)} s, ${turn.outputs.filter((o) => o.kind === 'message').length} message(s)`,
    }));
    await scenario('backs off on 5xx', 'sendPhoto', 2, { code: 502 }, async () => ({ turn: await say('so happy today!') }), ({ turn, gaps: g }) => {
      // One answer, one message: the picks arrive as one photo message paging through 5 cards.
      const picks = turn.outputs.filter((o) => o.kind === 'message' && (o.method === 'sendPhoto' || (o.method === 'sendMessage' && o.buttons?.length)));
      const pages = picks.flatMap((o) => (o.kind === 'message' ? (o.buttons ?? []).flat() : [])).find((b) => /^1\/\d+$/.test(b.label))?.label ?? 'no pager';
      return { held: turn.outcome === 'handled' && (g[0] ?? 0) >= 250 && (g[1] ?? 0) >= 500 && picks.length === 1 && pages === '1/5', detail: `waits ${g.slice(0, 2).map((x) => `${Math.round(x)} ms`).join(', ')}, ${picks.length} picks message(s), pager ${pages}` };
    });
    await scenario('a press is answered once after a 500', 'answerCallbackQuery', 1, { code: 500 }, async () => pressFirstRating('4'), ({ turn }) => {
      const answers = turn.outputs.filter((o) => o.kind === 'callback_answer');
      return { held: answers.length === 1 && /^Saved:/.test(answers[0]?.kind === 'callback_answer' ? (answers[0].text ?? '') : ''), detail: `${answers.length} answer(s)` };
    });
    // A rating marks the card of the picks photo message in place: its caption and keyboard in one edit.
    await scenario('an edit after 429 happens once', 'editMessageCaption', 1, { code: 429, retryAfter: 1 }, async () => pressFirstRating('2'), ({ turn, gaps: g }) => {
      const edits = turn.outputs.filter((o) => o.kind === 'edit');
      return { held: edits.length === 1 && (g[0] ?? 0) >= 1_000 - SLACK_MS, detail: `${edits.length} edit(s), retried after ${((g[0] ?? 0) / 1000).toFixed(2)} s` };
    });
    // The long poll in progress is not affected: the failure hits the next getUpdates, so the second message waits it out.
    await scenario('polling survives getUpdates 502', 'getUpdates', 1, { code: 502 }, async () => {
      await say('/privacy');
      return { turn: await say('/help') };
    }, ({ turn, gaps: g }) => ({ held: turn.outcome === 'handled' && (g[0] ?? 0) >= 1_000 - SLACK_MS && turn.outputs.filter((o) => o.kind === 'message').length === 1, detail: `polled again after ${((g[0] ?? 0) / 1000).toFixed(1)} s; next message answered once` }));
    await scenario('polling honours getUpdates 429', 'getUpdates', 1, { code: 429, retryAfter: 1 }, async () => {
      await say('/privacy');
      return { turn: await say('/help') };
    }, ({ turn, gaps: g }) => ({ held: turn.outcome === 'handled' && (g[0] ?? 0) >= 1_000 - SLACK_MS && turn.outputs.filter((o) => o.kind === 'message').length === 1, detail: `polled again after ${((g[0] ?? 0) / 1000).toFixed(1)} s; next message answered once` }));
    await scenario('retries run out: one clear apology', 'sendMessage', 4, { code: 503 }, async () => ({ turn: await say('/help') }), ({ turn }) => {
      const messages = turn.outputs.filter((o) => o.kind === 'message');
      return { held: messages.length === 1, detail: `outcome ${turn.outcome}, user saw ${messages.length} message(s): ${JSON.stringify((messages[0]?.kind === 'message' ? messages[0].text : '')?.slice(0, 60))}` };
    });
    await scenario('retry_after too long: no wait, one clear apology', 'sendMessage', 1, { code: 429, retryAfter: 120 }, async () => ({ turn: await say('/help') }), ({ turn }) => {
      const messages = turn.outputs.filter((o) => o.kind === 'message');
      return { held: messages.length <= 1 && turn.ms < 10_000, detail: `outcome ${turn.outcome} in ${(turn.ms / 1000).toFixed(1)} s, user saw ${messages.length} message(s)` };
    });
  } finally {
    await rig.stop();
  }
}
