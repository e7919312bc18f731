/**
 * Fault (b): the database goes away under a running bot. MoodReel runs on
 * PostgreSQL with its Telegram adapter; mid-conversation the database refuses
 * connections (ALTER DATABASE ... ALLOW_CONNECTIONS false) and every open
 * connection is ended (pg_terminate_backend). The user keeps writing and
 * pressing rating buttons; then the database comes back. Holds when every
 * answer that needs the database is a clear "temporarily unavailable" (not the
 * generic apology; /help, which needs none once the user is known, may simply
 * answer), no rating is confirmed without being stored, and the bot recovers on
 * its own.
 */
import type { App } from '../../../src/app.js';
import { APOLOGY } from '../../../src/core/conversation/texts.js';
import type { BotOutput, FakeChat, FakeUser } from '../../../tests/fakes/telegram-api.fake.js';
import type { Context } from '../context.js';
import { LEVEL, describeLogLine, type MemoryLog } from '../lib/logs.js';
import type { SeededPostgres } from '../lib/pg.js';
import { cardsIn, pageData, withChoice, type PressableButton } from '../lib/outputs.js';
import { checkTelegramOutputs } from '../lib/reply-check.js';
import { sleep } from '../lib/rng.js';
import { startTelegramRig, type TelegramRig } from '../lib/telegram-rig.js';

const SECTION = 'fault: database down';
const UNAVAILABLE = /temporarily unavailable|unavailable right now|try again in a (minute|moment|few)/i;

type AnswerClass = 'unavailable' | 'apology' | 'other' | 'none';

const classify = (outputs: readonly BotOutput[]): AnswerClass => {
  const texts = outputs.flatMap((o) => (o.kind === 'edit' ? [] : [o.text ?? ('caption' in o ? (o.caption ?? '') : '')]));
  if (texts.length === 0) return 'none';
  if (texts.some((t) => t === APOLOGY || t.startsWith('Sorry, that took me too long'))) return 'apology';
  if (texts.some((t) => UNAVAILABLE.test(t))) return 'unavailable';
  return 'other';
};

export async function databaseDown(ctx: Context, pgdb: SeededPostgres, app: App, appLog: MemoryLog): Promise<void> {
  const rig: TelegramRig = await startTelegramRig(app.handler, { logLevel: 'info' });
  ctx.logTexts.push(() => rig.log.text());
  ctx.tokens.push(rig.fake.token);
  const { fake } = rig;
  const user: FakeUser = fake.createUser('Outage');
  const chat: FakeChat = fake.privateChat(user);
  ctx.report.counters.users++;
  const logFrom = appLog.length;
  const say = (text: string) => rig.run(chat.id, () => fake.userText(chat, user, text).updateId);
  const press = async (messageId: number, data: string) => {
    let queryId = '';
    const turn = await rig.run(chat.id, () => {
      const p = fake.userPress(chat, user, messageId, data);
      queryId = p.queryId;
      return p.updateId;
    });
    return { turn, queryId };
  };
  try {
    const before = await say('I feel good today');
    const answer = cardsIn(before.outputs)[0];
    const pager = answer ? fake.message(chat.id, answer.messageId)?.reply_markup?.inline_keyboard.flat().find((b) => /^1\/\d+$/.test(b.text))?.text : undefined;
    if (!answer || !pager || Number(pager.split('/')[1]) < 4) {
      ctx.report.check(SECTION, 'setup', 'picks before the outage', false, `got ${answer ? `pager ${pager ?? 'none'}` : 'no picks'}`);
      return;
    }
    /** Pick k of the answer: paged to (the adapter's own rendering, no storage) and its rating payload read off the keyboard. */
    const cardAt = async (k: number): Promise<PressableButton> => {
      await rig.run(chat.id, () => fake.userPress(chat, user, answer.messageId, pageData(k), { force: true }).updateId);
      const data = fake.message(chat.id, answer.messageId)?.reply_markup?.inline_keyboard.flat().find((b) => b.callback_data?.startsWith('r:'))?.callback_data;
      return { messageId: answer.messageId, action: data ?? answer.action };
    };
    const first = await cardAt(0);
    const baseline = await press(first.messageId, withChoice(first.action, '5'));

    // Down.
    const ended = await pgdb.takeDown();
    const downAt = performance.now();
    const during: { what: string; cls: AnswerClass; problems: string[]; saved: boolean; storage: boolean; data?: string }[] = [];
    const steps: { what: string; text?: string; card?: number; choice?: string; storage: boolean }[] = [
      { what: 'a text mood', text: 'I feel anxious now', storage: true },
      { what: 'a rating press', card: 1, choice: '4', storage: true },
      { what: '/help', text: '/help', storage: false },
      { what: 'another rating press', card: 2, choice: '2', storage: true },
    ];
    for (const step of steps) {
      const card = step.card === undefined ? undefined : await cardAt(step.card);
      const { turn, queryId } = card ? await press(card.messageId, withChoice(card.action, step.choice!)) : { turn: await say(step.text!), queryId: undefined };
      const verdict = checkTelegramOutputs(turn.outputs, { expectOutput: true, ...(queryId ? { queryId } : {}) });
      const saved = turn.outputs.some((o) => o.kind === 'callback_answer' && /^Saved:/.test(o.text ?? ''));
      during.push({ what: step.what, cls: classify(turn.outputs), problems: verdict.problems, saved, storage: step.storage, ...(card ? { data: card.action } : {}) });
    }
    const outageMs = performance.now() - downAt;

    // Up again: the bot must recover without a restart.
    await pgdb.bringUp();
    const upAt = performance.now();
    let recoveredAfter = -1;
    for (let attempt = 0; attempt < 20; attempt++) {
      const t = await say('I feel better now');
      if (cardsIn(t.outputs).length > 0) {
        recoveredAfter = (performance.now() - upAt) / 1000;
        break;
      }
      await sleep(1_000);
    }
    const fourth = await cardAt(3);
    const after = await press(fourth.messageId, withChoice(fourth.action, '3'));
    const savedAfter = after.turn.outputs.some((o) => o.kind === 'callback_answer' && /^Saved:/.test(o.text ?? ''));

    // Ratings: confirmed ones are stored; the refused ones are not.
    const userId = (await app.stores.users.resolve('telegram', String(user.id))).id;
    const rows = await app.stores.ratings.forUser(userId);
    const movieOfRec = async (action: string) => (await app.stores.recommendations.get(Number(action.split(':')[1])))?.movieId;
    let lost = 0;
    for (const d of during.filter((x) => x.data)) {
      const movieId = await movieOfRec(d.data!);
      const stored = rows.some((r) => r.movieId === movieId);
      if (d.saved && !stored) lost++;
    }
    ctx.report.counters.ratingsLost += lost;
    const clear = during.every((d) => d.problems.length === 0);
    const unavailable = during.every((d) => d.cls === 'unavailable' || (!d.storage && d.cls === 'other'));
    const recovered = recoveredAfter >= 0 && savedAfter;
    ctx.report.fault(clear && lost === 0 && recovered);
    ctx.report.check(SECTION, 'answers during the outage are clear', `${during.length} turns in ${(outageMs / 1000).toFixed(1)} s down (${ended} connections ended)`, clear,
      clear ? during.map((d) => `${d.what}: ${d.cls}`).join(', ') : during.flatMap((d) => d.problems).slice(0, 3).join(' | '));
    const errorLines = appLog.atLeast(LEVEL.error, logFrom);
    ctx.report.check(SECTION, 'says "temporarily unavailable"', 'each answer during the outage', unavailable,
      unavailable ? `every answer that needs the database names the outage (${during.map((d) => `${d.what}: ${d.cls}`).join(', ')})` : `answers: ${during.map((d) => `${d.what} -> ${d.cls}`).join(', ')}; the core logged: ${errorLines.slice(0, 1).map(describeLogLine).join('') || 'nothing'}`);
    if (!unavailable) {
      const unrecognised = [...new Set(errorLines.map((l) => {
        const err = l.fields.err as { type?: string; message?: string; cause?: { code?: string; kind?: string } } | undefined;
        return `${err?.type ?? '?'}${err?.cause?.code ? ` (cause.code ${err.cause.code}${err.cause.kind ? `, kind ${err.cause.kind}` : ''})` : ''} "${(err?.message ?? '').split('\n')[0]!.slice(0, 120)}"`;
      }))];
      ctx.report.finding(SECTION, `With PostgreSQL refusing connections (ALTER DATABASE ... ALLOW_CONNECTIONS false after pg_terminate_backend), ${during.filter((d) => d.cls === 'apology').map((d) => d.what).join(', ')} got the generic apology ("${APOLOGY}") and were logged as bugs ("turn failed", src/core/conversation/conversation.ts handle()). Errors not recognised as "storage unavailable": ${unrecognised.join('; ') || 'none logged'}. Fix: make isStorageUnavailable (src/infra/db/database.ts) recognise them, e.g. add /not currently accepting connections/ to its message pattern (pg code 55000 is too broad to match on alone), so the answer is the "temporarily unavailable" text.`);
    }
    ctx.report.check(SECTION, 'no rating lost; refused ones said so', `${during.filter((d) => d.data).length} presses while down`, lost === 0 && during.filter((d) => d.data).every((d) => d.saved || d.cls !== 'none'),
      `${during.filter((d) => d.data && d.saved).length} confirmed (all stored: ${lost === 0}), ${during.filter((d) => d.data && !d.saved).length} refused with a toast; baseline press ${baseline.turn.outputs.some((o) => o.kind === 'callback_answer' && /^Saved:/.test(o.text ?? '')) ? 'saved' : 'NOT saved'}`);
    ctx.report.check(SECTION, 'recovers on its own', 'database allowed again', recovered,
      recovered ? `picks again ${recoveredAfter.toFixed(1)} s after the database came back; rating after recovery saved` : `no picks within 20 tries (saved after: ${savedAfter})`);
  } finally {
    await pgdb.bringUp().catch(() => undefined);
    await rig.stop();
    const errors = rig.log.atLeast(LEVEL.error);
    if (errors.length > 0) ctx.report.finding(SECTION, `adapter errors during the outage: ${errors.slice(0, 2).map(describeLogLine).join(' | ')}`);
  }
}
