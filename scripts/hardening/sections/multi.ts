/**
 * Past one machine: two MoodReel instances on one PostgreSQL database. One is
 * the app in this process (Telegram fake A), the other a child process
 * (`src/main.ts`, Telegram fake B). The two fakes hand out the same user and
 * chat ids, so they play one Telegram whose updates are split between two
 * webhooks. Three watch parties run at once: members join and vote through
 * both instances at the same moment, one user presses the same rating on both,
 * and at each deadline the parent's own timer, two extra party agents with
 * their own owners and connections, and the child's sweeper may all try to
 * close it. Holds when every answer is clear, votes and members are never
 * counted twice, every rating is one row, and each party is announced
 * exactly once (the lease in PartyStore.claim).
 */
import path from 'node:path';
import type { App } from '../../../src/app.js';
import { CatalogIndex } from '../../../src/core/agents/catalog-index.js';
import { WatchPartyAgent } from '../../../src/core/agents/watch-party.agent.js';
import type { Notifier, Reply } from '../../../src/core/conversation/turn.js';
import type { Logger } from '../../../src/core/ports.js';
import { openDatabase, type Database } from '../../../src/infra/db/database.js';
import { createPrismaStores } from '../../../src/infra/db/prisma-stores.js';
import { FakeTelegramApi, type FakeChat, type FakeUser } from '../../../tests/fakes/telegram-api.fake.js';
import { TelegramDriver, type TurnResult } from '../../../tests/fakes/telegram-driver.js';
import { DATA_DIR } from '../../../tests/helpers/app.js';
import { scratchDir, type Context } from '../context.js';
import { spawnMoodReel, waitUntilReady, type ChildApp } from '../lib/child.js';
import { LEVEL, describeLogLine, type MemoryLog } from '../lib/logs.js';
import type { SeededPostgres } from '../lib/pg.js';
import { buttonsIn, cardsIn } from '../lib/outputs.js';
import { checkTelegramOutputs } from '../lib/reply-check.js';
import { sleep } from '../lib/rng.js';
import { startTelegramRig, type TelegramRig } from '../lib/telegram-rig.js';

const SECTION = 'two instances (PostgreSQL)';
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
const RESULT = /^(🏆 Watch party result|The watch party ended)/;

interface Side {
  readonly name: 'A' | 'B';
  readonly fake: FakeTelegramApi;
  readonly driver: TelegramDriver;
}

export async function multiInstance(ctx: Context, pgdb: SeededPostgres, parent: { app: App; log: MemoryLog }): Promise<void> {
  const dir = scratchDir(ctx, 'multi');
  const rigA: TelegramRig = await startTelegramRig(parent.app.handler, { logLevel: 'info' });
  ctx.logTexts.push(() => rigA.log.text());
  ctx.tokens.push(rigA.fake.token);
  parent.app.parties.registerNotifier(rigA.bot.notifier);
  parent.app.startSchedules();
  const fakeB = await FakeTelegramApi.start();
  ctx.tokens.push(fakeB.token);
  const A: Side = { name: 'A', fake: rigA.fake, driver: rigA.driver };
  const B: Side = { name: 'B', fake: fakeB, driver: new TelegramDriver(fakeB, { settle: 'quiet', quietMs: 500, timeoutMs: 60_000 }) };
  const extras: { database: Database; agent: WatchPartyAgent }[] = [];
  const extraSends: { chatId: string; text: string; owner: string }[] = [];
  const problems: string[] = [];
  let child: ChildApp | null = null;
  const parentLogFrom = parent.log.length;
  try {
    child = spawnMoodReel('moodreel B', {
      DATABASE_URL: pgdb.url,
      MOODREEL_ADAPTERS: 'telegram',
      TELEGRAM_BOT_TOKEN: fakeB.token,
      TELEGRAM_API_ROOT: fakeB.apiRoot,
      MOODREEL_DATA_DIR: DATA_DIR,
      MOODREEL_MODELS_DIR: path.join(dir, 'models'),
      MOODREEL_RETRAIN_CRON: 'off',
      MOODREEL_TRAIN_ON_START: 'false',
      LOG_LEVEL: 'info',
    });
    const childRef = child;
    ctx.logTexts.push(() => childRef.log.text());
    const t0 = performance.now();
    await waitUntilReady(child, () => fakeB.isLongPolling, 180_000);
    const childStart = (performance.now() - t0) / 1000;

    // The same people and groups on both sides.
    const users: { A: FakeUser; B: FakeUser }[] = Array.from({ length: 6 }, (_, k) => ({ A: A.fake.createUser(`M${k}`), B: B.fake.createUser(`M${k}`) }));
    const groups: { A: FakeChat; B: FakeChat }[] = Array.from({ length: 3 }, (_, g) => ({ A: A.fake.createGroup(`Party ${g}`), B: B.fake.createGroup(`Party ${g}`) }));
    if (users.some((u) => u.A.id !== u.B.id) || groups.some((g) => g.A.id !== g.B.id)) throw new Error('the two fakes gave different ids');
    ctx.report.counters.users += users.length;

    const judge = (what: string, result: TurnResult | null, queryId?: string) => {
      if (!result) return problems.push(`${what}: no answer`);
      const verdict = checkTelegramOutputs(result.outputs, { expectOutput: true, ...(queryId ? { queryId } : {}) });
      if (verdict.internal) problems.push(`${what}: generic apology`);
      for (const p of verdict.problems) problems.push(`${what}: ${p}`);
    };
    const say = async (side: Side, chat: 'group' | 'private', g: number, k: number, text: string) => {
      const where = chat === 'group' ? groups[g]![side.name] : side.fake.privateChat(users[k]![side.name]);
      const result = await side.driver.userSays(where, users[k]![side.name], text).done.catch(() => null);
      judge(`${side.name} ${text}`, result);
      return result;
    };
    /** Presses `data` on a bot message of that chat on that side (forced: the other side drew the button). */
    const press = async (side: Side, where: FakeChat, k: number, messageId: number, data: string) => {
      const { queryId } = side.fake.userPress(where, users[k]![side.name], messageId, data, { force: true });
      const result = await waitAnswer(side, where, queryId);
      judge(`${side.name} press ${data}`, result, queryId);
      const answer = result?.outputs.find((o) => o.kind === 'callback_answer' && o.queryId === queryId);
      return answer?.kind === 'callback_answer' ? (answer.text ?? '') : '';
    };
    const botMessageIn = (side: Side, where: FakeChat) => side.fake.messages(where.id).filter((m) => m.from?.id === side.fake.botUser.id).at(-1)?.message_id;

    // Parties: 0 and 1 start on A, 2 on B; each side gets a bot message in every group to press on.
    const partyIds: string[] = [];
    for (let g = 0; g < 3; g++) {
      const side = g < 2 ? A : B;
      const lobby = await say(side, 'group', g, 0, '/watchparty 1');
      const id = buttonsIn(lobby?.outputs ?? [], 'pj:')[0]?.action.slice(3);
      if (!id) throw new Error(`no party started in group ${g}: ${JSON.stringify(lobby?.outputs.map((o) => ('text' in o ? o.text : '')))}`);
      partyIds.push(id);
      await say(side === A ? B : A, 'group', g, 0, '/help');
    }
    // Joins: users 1 and 2 press Join on both instances at the same moment; 3-5 on one side each.
    await Promise.all(partyIds.flatMap((id, g) =>
      users.slice(1).map(async (_, i) => {
        const k = i + 1;
        const sides = k <= 2 ? [A, B] : [[A, B][k % 2]!];
        await Promise.all(sides.map((side) => press(side, groups[g]![side.name], k, botMessageIn(side, groups[g]![side.name])!, `pj:${id}`)));
      }),
    ));
    // Propose on the side that started the party, then everybody votes on both sides at once, twice.
    const picks: number[][] = [];
    for (const [g, id] of partyIds.entries()) {
      const side = g < 2 ? A : B;
      await press(side, groups[g]![side.name], 0, botMessageIn(side, groups[g]![side.name])!, `pp:${id}`);
      const party = await parent.app.stores.parties.get(id);
      picks.push(party?.picks.map((p) => p.movieId) ?? []);
    }
    const voteToasts: string[] = [];
    await Promise.all(partyIds.flatMap((id, g) =>
      users.map(async (_, k) => {
        const movies = picks[g]!;
        if (movies.length === 0) return;
        const first = await Promise.all([A, B].map((side, s) => press(side, groups[g]![side.name], k, botMessageIn(side, groups[g]![side.name])!, `pv:${id}:${movies[(k + s) % movies.length]}`)));
        const side = [A, B][k % 2]!;
        const second = await press(side, groups[g]![side.name], k, botMessageIn(side, groups[g]![side.name])!, `pv:${id}:${movies[(k * 7) % movies.length]}`);
        voteToasts.push(...first, second);
      }),
    ));

    // One user presses the same rating buttons on both instances at the same moment (4 on A, 2 on B).
    const rater = 1;
    const picksA = await say(A, 'private', 0, rater, 'I feel fine today');
    await say(B, 'private', 0, rater, '/help');
    const recs = cardsIn(picksA?.outputs ?? []);
    const rateToasts: { A: string; B: string; rec: number }[] = [];
    for (const rec of recs) {
      const recId = Number(rec.action.split(':')[1]);
      const [a, b] = await Promise.all([
        press(A, A.fake.privateChat(users[rater]!.A), rater, rec.messageId, `r:${recId}:4`),
        press(B, B.fake.privateChat(users[rater]!.B), rater, botMessageIn(B, B.fake.privateChat(users[rater]!.B))!, `r:${recId}:2`),
      ]);
      rateToasts.push({ A: a, B: b, rec: recId });
    }

    // Deadlines: two extra agents with their own owners and connections fire at the deadline, with the parent's timer and the child's sweeper.
    const movies = await parent.app.stores.catalog.allMovies();
    for (let x = 1; x <= 2; x++) {
      const database = await openDatabase(pgdb.url);
      const owner = `hardening-extra-${x}`;
      const agent = new WatchPartyAgent({
        stores: createPrismaStores(database),
        recommender: parent.app.recommendation.service,
        catalog: new CatalogIndex(movies),
        clock: { now: () => new Date() },
        logger: quiet,
        picks: 5,
        owner,
      });
      const notifier: Notifier = { platform: 'telegram', send: async (chatId: string, replies: readonly Reply[]) => void extraSends.push({ chatId, owner, text: replies.map((r) => (r.kind === 'text' ? r.text : '')).join(' ') }) };
      agent.registerNotifier(notifier);
      extras.push({ database, agent });
    }
    const deadlines = await Promise.all(partyIds.map(async (id) => (await parent.app.stores.parties.get(id))!.deadline.getTime()));
    await Promise.all(partyIds.map(async (id, g) => {
      await sleep(Math.max(0, deadlines[g]! - Date.now() + 5));
      await Promise.all(extras.map((e) => e.agent.fire(id)));
    }));
    const closedBy = Date.now() + 45_000;
    while (Date.now() < closedBy) {
      const open = (await Promise.all(partyIds.map((id) => parent.app.stores.parties.get(id)))).filter((p) => p && (p.status === 'joining' || p.status === 'voting'));
      if (open.length === 0) break;
      await sleep(500);
    }
    // Announcements per party, across both fakes and the extra agents. A group's messages are paced
    // (20 a minute per group), so an announcement may wait in its chat's queue: wait until every party
    // has one (at most a budget window), then 2 s more for any duplicate.
    const db = pgdb.test.database.db;
    const countAnnouncements = () => partyIds.map((id, g) => {
      const onA = A.fake.outputs(groups[g]!.A.id).filter((o) => o.kind === 'message' && RESULT.test(o.text ?? '')).length;
      const onB = B.fake.outputs(groups[g]!.B.id).filter((o) => o.kind === 'message' && RESULT.test(o.text ?? '')).length;
      const byExtras = extraSends.filter((s) => s.chatId === String(groups[g]!.A.id) && RESULT.test(s.text)).length;
      return { id, onA, onB, byExtras, total: onA + onB + byExtras };
    });
    const announcedBy = Date.now() + 65_000;
    while (Date.now() < announcedBy && countAnnouncements().some((a) => a.total === 0)) await sleep(500);
    await sleep(2_000);
    const announcements = countAnnouncements();
    const duplicateVotes = await db.$queryRawUnsafe<{ n: bigint }[]>('SELECT count(*) AS n FROM (SELECT "partyId", "userId" FROM "PartyVote" GROUP BY "partyId", "userId" HAVING count(*) > 1) d');
    const voteRows = await db.$queryRawUnsafe<{ partyId: string; n: bigint }[]>('SELECT "partyId", count(*) AS n FROM "PartyVote" GROUP BY "partyId"');
    const memberRows = await db.$queryRawUnsafe<{ partyId: string; n: bigint }[]>('SELECT "partyId", count(*) AS n FROM "PartyMember" GROUP BY "partyId"');
    const parties = await Promise.all(partyIds.map((id) => parent.app.stores.parties.get(id)));
    const raterId = (await parent.app.stores.users.resolve('telegram', String(users[rater]!.A.id))).id;
    const ratingRows = (await parent.app.stores.ratings.forUser(raterId)).filter((r) => r.source === 'button');

    // Verdicts.
    const everyOnce = announcements.every((a) => a.total === 1);
    ctx.report.check(SECTION, 'each deadline announced exactly once', `${partyIds.length} parties, up to 4 closers per deadline`, everyOnce,
      announcements.map((a) => `${a.id}: A ${a.onA}, B ${a.onB}, extras ${a.byExtras}`).join('; '));
    const votesPerParty = new Map(voteRows.map((r) => [r.partyId, Number(r.n)]));
    const membersPerParty = new Map(memberRows.map((r) => [r.partyId, Number(r.n)]));
    const consistent = Number(duplicateVotes[0]?.n ?? 0) === 0 && partyIds.every((id) => votesPerParty.get(id) === users.length && membersPerParty.get(id) === users.length);
    const winnerVotesOk = parties.every((p) => {
      if (!p || p.winnerId === null) return false;
      const inDb = [...p.votes.values()].filter((m) => m === p.winnerId).length;
      const announced = A.fake.outputs().concat(B.fake.outputs()).map((o) => ('text' in o ? (o.text ?? '') : '')).concat(extraSends.map((s) => s.text)).find((t) => RESULT.test(t) && t.includes(` ${inDb} of ${p.memberIds.length} member`));
      return announced !== undefined;
    });
    ctx.report.check(SECTION, 'votes and members counted once', `${voteToasts.length} concurrent votes, ${users.length * 2 - 1} joins per party`, consistent && winnerVotesOk,
      `votes per party ${partyIds.map((id) => votesPerParty.get(id) ?? 0).join('/')}, members ${partyIds.map((id) => membersPerParty.get(id) ?? 0).join('/')} (expected ${users.length}); duplicate (party, user) votes ${Number(duplicateVotes[0]?.n ?? 0)}; announced winner counts match the table: ${winnerVotesOk}`);
    const ratedMovies = new Map<number, number>();
    for (const r of ratingRows) ratedMovies.set(r.movieId, (ratedMovies.get(r.movieId) ?? 0) + 1);
    const savedBoth = rateToasts.filter((t) => /^Saved:/.test(t.A) && /^Saved:/.test(t.B)).length;
    const ratingsOk = recs.length > 0 && ratingRows.length === recs.length && [...ratedMovies.values()].every((n) => n === 1) && ratingRows.every((r) => r.value === 4 || r.value === 2);
    const lostHere = rateToasts.filter((t) => /^Saved:/.test(t.A) || /^Saved:/.test(t.B)).length - ratingRows.length;
    if (lostHere > 0) ctx.report.counters.ratingsLost += lostHere;
    ctx.report.check(SECTION, 'one rating, pressed on both at once', `${recs.length} recommendations x 2 instances`, ratingsOk,
      `${ratingRows.length} rows for ${recs.length} movies, values ${ratingRows.map((r) => r.value).join(',')}; both presses confirmed ${savedBoth}/${rateToasts.length}`);
    const parentErrors = parent.log.atLeast(LEVEL.error, parentLogFrom);
    const childErrors = child.log.atLeast(LEVEL.error);
    ctx.report.check(SECTION, 'every answer clear, no errors', `both instances, child started in ${childStart.toFixed(1)} s`, problems.length === 0 && parentErrors.length === 0 && childErrors.length === 0,
      `${problems.length} unclear answer(s)${problems.length ? `: ${problems.slice(0, 3).join(' | ')}` : ''}; errors logged: parent ${parentErrors.length}, child ${childErrors.length}${[...parentErrors, ...childErrors].slice(0, 2).map((l) => `: ${describeLogLine(l)}`).join('')}`);
  } finally {
    if (child && !child.isRunning() && child.process.signalCode !== 'SIGKILL') {
      ctx.report.counters.crashes++;
      ctx.report.finding(SECTION, `the second MoodReel process exited on its own: ${child.log.text().split('\n').slice(-3).join(' / ').slice(0, 300)}`);
    }
    await child?.stop();
    parent.app.parties.registerNotifier({ platform: 'telegram', send: async () => undefined });
    for (const e of extras) {
      e.agent.stop();
      await e.database.close();
    }
    await rigA.stop();
    await fakeB.close();
  }
}

/** Waits until the fake has answered the query (or 30 s), and returns what the chat got meanwhile. */
async function waitAnswer(side: Side, where: FakeChat, queryId: string): Promise<TurnResult | null> {
  const from = side.fake.outputs(where.id).length;
  const started = performance.now();
  try {
    await side.fake.waitFor(() => side.fake.outputs(where.id).some((o) => o.kind === 'callback_answer' && o.queryId === queryId), 30_000, `answer to ${queryId}`);
  } catch {
    return null;
  }
  await sleep(150);
  const outputs = side.fake.outputs(where.id).slice(from).filter((o) => o.kind !== 'callback_answer' || o.queryId === queryId);
  return { updateId: -1, outcome: 'handled', outputs, latencyMs: performance.now() - started };
}
