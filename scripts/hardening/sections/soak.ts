/**
 * Load and soak: N simulated users at once through the Telegram fake for a
 * fixed time, each mixing text moods, face photos, rating presses and (in
 * groups of five) watch parties: start, join, propose, vote. Holds when no
 * turn fails or times out, no error is logged and nothing reaches the process
 * handlers, every rating the fake saw acknowledged ("Saved"/"Noted") is a
 * Rating row with source 'button' and the acknowledged value, and the heap
 * after a full GC does not grow by more than max(64 MB, 25 %) over the run
 * (RSS in the first and last window is reported beside it).
 */
import type { BotOutput, FakeChat, FakeUser } from '../../../tests/fakes/telegram-api.fake.js';
import type { PendingTurn, TurnResult } from '../../../tests/fakes/telegram-driver.js';
import type { Context } from '../context.js';
import { LEVEL, describeLogLine } from '../lib/logs.js';
import { settledMemory } from '../lib/memory.js';
import { cardsIn, expectedRating, isRatingConfirmation, withChoice } from '../lib/outputs.js';
import { isApology } from '../lib/reply-check.js';
import { percentile, sleep } from '../lib/rng.js';
import { startTelegramRig } from '../lib/telegram-rig.js';

const SECTION = 'soak';

type Kind = 'text' | 'photo' | 'rating' | 'party' | 'button';

interface Sample {
  readonly kind: Kind;
  readonly ms: number;
}

interface Ack {
  readonly tgUser: number;
  readonly recId: number;
  readonly choice: string;
}

const MOODS = [
  'I feel exhausted after a long week', 'so happy today, just got good news!', 'a bit anxious about tomorrow',
  'bored and restless, want something exciting', 'feeling nostalgic and quiet tonight', 'heartbroken, need something gentle',
  'angry at my boss', 'calm and cosy, rainy sunday', 'lonely tonight', 'excited for the weekend', 'stressed out', 'in love and silly',
];

export interface SoakOptions {
  readonly users: number;
  readonly seconds: number;
  /** Pause between one user's actions, ms (a person reads and types). */
  readonly thinkMs?: readonly [number, number];
}

export async function soak(ctx: Context, options: SoakOptions): Promise<void> {
  const { app } = ctx.sqlite;
  const rng = ctx.rng.fork();
  const [thinkMin, thinkMax] = options.thinkMs ?? [2_000, 8_000];
  const rig = await startTelegramRig(app.handler, { logLevel: 'warn', maxConcurrentTurns: 256 });
  ctx.logTexts.push(() => rig.log.text());
  ctx.tokens.push(rig.fake.token);
  app.parties.registerNotifier(rig.bot.notifier);
  const { fake, driver } = rig;
  const unhandledSince = ctx.guard.mark();
  const appLogFrom = ctx.appLog.length;
  const samples: Sample[] = [];
  const acks: Ack[] = [];
  const outcomes = new Map<string, number>();
  let pressed = 0;
  let busy = 0;
  let lostTurns = 0;
  const rss: { t: number; mb: number }[] = [];

  const users = Array.from({ length: options.users }, (_, k) => ({ user: driver.user(`Soak${k}`), index: k }));
  const groups: { chat: FakeChat; members: FakeUser[] }[] = [];
  for (let g = 0; g + 5 <= users.length; g += 5) groups.push({ chat: driver.group(`Soak party ${g / 5}`), members: users.slice(g, g + 5).map((u) => u.user) });
  ctx.report.counters.users += options.users;

  const record = async (kind: Kind, pending: PendingTurn): Promise<TurnResult | null> => {
    try {
      const result = await pending.done;
      samples.push({ kind, ms: result.latencyMs });
      outcomes.set(result.outcome, (outcomes.get(result.outcome) ?? 0) + 1);
      if (result.outputs.some((o) => o.kind !== 'edit' && /busy/i.test(o.text ?? ''))) busy++;
      return result;
    } catch {
      lostTurns++;
      return null;
    }
  };
  const waitHint = (outputs: readonly BotOutput[]) => {
    const text = outputs.map((o) => ('text' in o ? (o.text ?? '') : '')).join(' ');
    const m = /try again in (\d+) s/i.exec(text);
    return m ? Number(m[1]) * 1000 : 0;
  };

  // Warm-up (face model load, first inference) outside the measured window.
  {
    const w = users[0]!.user;
    const chat = driver.privateChat(w);
    await record('text', driver.userSays(chat, w, 'I feel fine'));
    await record('photo', driver.userSendsPhoto(chat, w, ctx.faces[0]!.bytes));
    const yes = driver.findButton(chat, /Yes/);
    if (yes) await record('button', driver.userPresses(chat, w, yes.messageId, yes.action));
    await record('photo', driver.userSendsPhoto(chat, w, ctx.faces[0]!.bytes));
    samples.length = 0;
  }

  const memoryStart = settledMemory();
  const started = performance.now();
  const until = started + options.seconds * 1000;
  const sampler = setInterval(() => rss.push({ t: (performance.now() - started) / 1000, mb: process.memoryUsage().rss / 2 ** 20 }), 1000);

  const partyAction = async (group: (typeof groups)[number], user: FakeUser, leader: boolean) => {
    const botMessages = fake.messages(group.chat.id).filter((m) => m.from?.id === fake.botUser.id);
    const last = botMessages.at(-1);
    const buttons = (last?.reply_markup?.inline_keyboard ?? []).flat().flatMap((b) => (b.callback_data ? [b.callback_data] : []));
    if (!last || buttons.length === 0) {
      if (leader) await record('party', driver.userSays(group.chat, user, '/watchparty 1'));
      return;
    }
    const join = buttons.find((b) => b.startsWith('pj:'));
    const propose = buttons.find((b) => b.startsWith('pp:'));
    const votes = buttons.filter((b) => b.startsWith('pv:'));
    const choice = votes.length > 0 ? rng.pick(votes) : leader && propose && rng.chance(0.5) ? propose : join;
    if (choice) await record('party', driver.userPresses(group.chat, user, last.message_id, choice));
  };

  const runUser = async ({ user, index }: (typeof users)[number]) => {
    const chat = driver.privateChat(user);
    const r = rng.fork();
    const group = groups[Math.floor(index / 5)];
    let ratable: { messageId: number; action: string }[] = [];
    let consented = index === 0;
    await sleep(Math.min(r.between(0, thinkMax), options.seconds * 1000));
    while (performance.now() < until) {
      const roll = r.next();
      let result: TurnResult | null = null;
      if (roll < 0.1) {
        result = await record('photo', driver.userSendsPhoto(chat, user, r.pick(ctx.faces).bytes, { width: 640, height: 480 }));
        if (!consented && result) {
          const yes = driver.findButton(chat, /Yes/);
          if (yes) {
            await record('button', driver.userPresses(chat, user, yes.messageId, yes.action));
            consented = true;
          }
        }
      } else if (roll < 0.4 && ratable.length > 0) {
        const target = ratable.splice(r.int(ratable.length), 1)[0]!;
        const choice = r.pick(['1', '2', '3', '4', '5', '5', '4', 's', 'n']);
        const action = withChoice(target.action, choice);
        pressed++;
        result = await record('rating', driver.userPresses(chat, user, target.messageId, action));
        const answer = result?.outputs.find((o) => o.kind === 'callback_answer');
        if (answer?.kind === 'callback_answer' && isRatingConfirmation(answer.text)) {
          acks.push({ tgUser: user.id, recId: Number(action.split(':')[1]), choice });
        }
      } else if (roll < 0.55 && group) {
        await partyAction(group, user, group.members[0] === user);
      } else {
        const mood = r.pick(MOODS);
        result = await record('text', driver.userSays(chat, user, r.chance(0.5) ? `/mood ${mood}` : mood));
      }
      if (result) {
        const fresh = cardsIn(result.outputs);
        if (fresh.length > 0) ratable = fresh;
      }
      const hint = result ? waitHint(result.outputs) : 0;
      await sleep(Math.min(Math.max(hint, r.between(thinkMin, thinkMax)), Math.max(0, until - performance.now())));
    }
  };

  await Promise.all(users.map(runUser));
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const memoryEnd = settledMemory();
  // Parties still open will close after the rig is gone: their results go nowhere from now on.
  app.parties.registerNotifier({ platform: 'telegram', send: async () => undefined });
  await rig.stop();

  // Ratings: every acknowledged (user, movie) is stored with the acknowledged value.
  const latest = new Map<string, Ack & { movieId: number; userId: number }>();
  const movieOf = new Map<number, number>();
  for (const ack of acks) {
    if (!movieOf.has(ack.recId)) movieOf.set(ack.recId, (await app.stores.recommendations.get(ack.recId))?.movieId ?? -1);
    const userId = (await app.stores.users.resolve('telegram', String(ack.tgUser))).id;
    latest.set(`${userId}:${movieOf.get(ack.recId)}`, { ...ack, movieId: movieOf.get(ack.recId)!, userId });
  }
  let stored = 0;
  let lost = 0;
  const lostExamples: string[] = [];
  const userIds = new Set([...latest.values()].map((a) => a.userId));
  const rows = new Map<string, { value: number | null; kind: string }>();
  for (const userId of userIds) {
    for (const row of await app.stores.ratings.forUser(userId)) if (row.source === 'button') rows.set(`${userId}:${row.movieId}`, row);
  }
  for (const [key, ack] of latest) {
    const row = rows.get(key);
    const expected = expectedRating(ack.choice);
    if (row && row.value === expected.value && row.kind === expected.kind) stored++;
    else {
      lost++;
      if (lostExamples.length < 3) lostExamples.push(`${key} acked ${ack.choice}, stored ${row ? `${row.kind} ${row.value}` : 'nothing'}`);
    }
  }
  ctx.report.counters.ratingsLost += lost;

  const by = (kind?: Kind) => samples.filter((s) => kind === undefined || s.kind === kind).map((s) => s.ms);
  const p95 = (kind?: Kind) => Math.round(percentile(by(kind), 95));
  const apologies = fake.outputs().filter((o) => (o.kind === 'message' || o.kind === 'callback_answer') && isApology(o.text)).length;
  const adapterErrors = rig.log.atLeast(LEVEL.error);
  const appErrors = ctx.appLog.atLeast(LEVEL.error, appLogFrom);
  const unhandled = unhandledSince();
  const failed = (outcomes.get('failed') ?? 0) + (outcomes.get('timeout') ?? 0);
  const window = Math.max(5, Math.min(60, seconds / 3));
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const first = mean(rss.filter((s) => s.t <= window).map((s) => s.mb));
  const lastW = mean(rss.filter((s) => s.t >= seconds - window).map((s) => s.mb));
  const growth = lastW - first;
  const turns = samples.length;

  ctx.report.check(SECTION, `${options.users} users for ${Math.round(seconds)} s`, `${turns} turns (${(turns / seconds).toFixed(1)}/s), ${busy} busy answers`,
    failed === 0 && lostTurns === 0 && apologies === 0,
    `outcomes ${[...outcomes].map(([k, v]) => `${k} ${v}`).join(', ')}; unfinished ${lostTurns}; apologies ${apologies}`);
  ctx.report.check(SECTION, 'latency p95 (ms)', 'per turn kind',
    true,
    `text ${p95('text')}, photo ${p95('photo')}, rating ${p95('rating')}, party ${p95('party')}, all ${p95()} (p50 all ${Math.round(percentile(by(), 50))})`);
  ctx.report.check(SECTION, 'unhandled errors', 'process handlers + error logs', unhandled === 0 && adapterErrors.length === 0 && appErrors.length === 0,
    `process ${unhandled}, adapter ${adapterErrors.length}, app ${appErrors.length}${[...adapterErrors, ...appErrors].slice(0, 2).map((l) => `: ${describeLogLine(l)}`).join('')}`);
  ctx.report.check(SECTION, 'ratings stored == acknowledged', `${pressed} presses, ${acks.length} acks`, lost === 0,
    `${latest.size} rated (user, movie) acknowledged, ${stored} stored with that value, ${lost} lost${lostExamples.length ? `: ${lostExamples.join('; ')}` : ''}`);
  const heapGrowth = memoryEnd.heapMb - memoryStart.heapMb;
  const sign = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(0)}`;
  ctx.report.check(SECTION, 'memory: heap after GC, RSS first vs last', `${Math.round(window)} s RSS windows`, memoryStart.gc ? heapGrowth < Math.max(64, memoryStart.heapMb * 0.25) : null,
    `heap after a full GC ${memoryStart.heapMb.toFixed(0)} -> ${memoryEnd.heapMb.toFixed(0)} MB (${sign(heapGrowth)} MB${memoryStart.gc ? '' : ', no GC available: not judged'}); RSS ${first.toFixed(0)} -> ${lastW.toFixed(0)} MB (${sign(growth)} MB), peak ${Math.max(...rss.map((s) => s.mb), 0).toFixed(0)} MB (the fake Bot API and its stored messages share this process)`);
  ctx.options.progress(`soak: ${turns} turns from ${options.users} users in ${seconds.toFixed(0)} s`);
}
