/**
 * Fault (a): kill -9 during a stream of ratings. MoodReel runs as a child
 * process on a copy of the app database (SQLite, WAL) with its Telegram
 * adapter pointed at the fake in this process. One user presses rating
 * buttons every 20 ms; the child is SIGKILLed mid-stream, presses keep coming
 * while it is down, then it is restarted on the same file. Holds when every
 * rating the user saw confirmed (the "Saved"/"Noted" toast) is in the database
 * with the confirmed value, and the file passes PRAGMA integrity_check.
 */
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite from 'better-sqlite3';
import { FakeTelegramApi } from '../../../tests/fakes/telegram-api.fake.js';
import { DATA_DIR } from '../../../tests/helpers/app.js';
import { distinctiveToken, scratchDir, type Context } from '../context.js';
import { spawnMoodReel, waitUntilReady, type ChildApp } from '../lib/child.js';
import { cardsIn, expectedRating, isRatingConfirmation, withChoice } from '../lib/outputs.js';
import { sleep } from '../lib/rng.js';

const SECTION = 'fault: kill -9';

interface Press {
  readonly queryId: string;
  readonly data: string;
  readonly at: number;
}

export async function killDuringRatings(ctx: Context): Promise<void> {
  const rng = ctx.rng.fork();
  const dir = scratchDir(ctx, 'kill');
  const dbFile = path.join(dir, 'app.db');
  copyFileSync(ctx.pristineDb, dbFile);
  const fake = await FakeTelegramApi.start({ token: distinctiveToken() });
  ctx.tokens.push(fake.token);
  const env = {
    DATABASE_URL: `file:${dbFile}`,
    MOODREEL_ADAPTERS: 'telegram',
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_API_ROOT: fake.apiRoot,
    MOODREEL_DATA_DIR: DATA_DIR,
    MOODREEL_MODELS_DIR: path.join(dir, 'models'),
    MOODREEL_RETRAIN_CRON: 'off',
    MOODREEL_TRAIN_ON_START: 'false',
    MOODREEL_PHOTO_COOLDOWN_S: '0',
    LOG_LEVEL: 'info',
  };
  const children: ChildApp[] = [];
  const start = async (name: string) => {
    const child = spawnMoodReel(name, env);
    children.push(child);
    ctx.logTexts.push(() => child.log.text());
    const t0 = performance.now();
    await waitUntilReady(child, () => fake.isLongPolling, 180_000);
    return (performance.now() - t0) / 1000;
  };
  try {
    const firstStart = await start('moodreel (before kill)');
    const user = fake.createUser('Stream');
    ctx.report.counters.users++;
    const chat = fake.privateChat(user);
    const messagesBefore = fake.outputs(chat.id).length;
    fake.userText(chat, user, 'I feel great today');
    await fake.waitFor(() => cardsIn(fake.outputs(chat.id).slice(messagesBefore)).length > 0, 60_000, 'picks');
    await sleep(500);
    const cards = cardsIn(fake.outputs(chat.id));
    const header = fake.messages(chat.id).find((m) => m.from?.id === fake.botUser.id)!;
    const movies = (await ctx.sqlite.app.stores.catalog.allMovies()).map((m) => m.id);
    rng.shuffle(movies);
    const choices = ['1', '2', '3', '4', '5', 's', 'n'];
    const payloads = [
      ...cards.map((c) => ({ messageId: c.messageId, data: withChoice(c.action, rng.pick(choices)) })),
      ...movies.slice(0, 600).map((id) => ({ messageId: header.message_id, data: `m:${id}:${rng.pick(choices)}` })),
    ];
    const presses: Press[] = [];
    const acked = () => new Set(fake.outputs(chat.id).flatMap((o) => (o.kind === 'callback_answer' && isRatingConfirmation(o.text) ? [o.queryId] : [])));
    const killAfterMs = 1_500 + rng.int(2_000);
    const streamStart = performance.now();
    let killedAt = -1;
    let ackedBeforeKill = 0;
    let next = 0;
    // Press every 20 ms; kill after killAfterMs (once some presses were confirmed); press 600 ms more while it is down.
    while (next < payloads.length) {
      const p = payloads[next++]!;
      const { queryId } = fake.userPress(chat, user, p.messageId, p.data, { force: true });
      presses.push({ queryId, data: p.data, at: performance.now() - streamStart });
      const elapsed = performance.now() - streamStart;
      if (killedAt < 0 && elapsed >= killAfterMs && acked().size >= 5) {
        await children.at(-1)!.kill9();
        killedAt = elapsed;
        ackedBeforeKill = acked().size;
      }
      if (killedAt >= 0 && elapsed > killedAt + 600) break;
      await sleep(20);
    }
    if (killedAt < 0) {
      await children.at(-1)!.kill9();
      killedAt = performance.now() - streamStart;
      ackedBeforeKill = acked().size;
    }
    const pendingAtRestart = fake.pendingUpdates;
    const secondStart = await start('moodreel (after restart)');
    await fake.waitFor(() => fake.pendingUpdates === 0, 60_000, 'queued presses to be fetched').catch(() => undefined);
    // Quiet for 1.5 s: the restarted process has answered what it will answer.
    for (let count = -1; count !== fake.outputs(chat.id).length; ) {
      count = fake.outputs(chat.id).length;
      await sleep(1_500);
    }
    if (!children.at(-1)!.isRunning()) {
      ctx.report.counters.crashes++;
      ctx.report.finding(SECTION, `the restarted MoodReel exited on its own: ${children.at(-1)!.log.text().split('\n').slice(-3).join(' / ').slice(0, 300)}`);
    }
    await children.at(-1)!.stop();
    const confirmed = acked();

    // The database, read directly.
    const db = new BetterSqlite(dbFile, { readonly: true });
    let integrity = 'unknown';
    const lostExamples: string[] = [];
    let lost = 0;
    try {
      integrity = String((db.prepare('PRAGMA integrity_check').get() as Record<string, unknown>)['integrity_check']);
      const identity = db.prepare('SELECT userId FROM Identity WHERE platform = ? AND externalId = ?').get('telegram', String(user.id)) as { userId: number } | undefined;
      const rows = identity ? (db.prepare("SELECT movieId, value, kind FROM Rating WHERE userId = ? AND source = 'button'").all(identity.userId) as { movieId: number; value: number | null; kind: string }[]) : [];
      const byMovie = new Map(rows.map((r) => [r.movieId, r]));
      const recMovie = db.prepare('SELECT movieId FROM Recommendation WHERE id = ?');
      for (const press of presses) {
        if (!confirmed.has(press.queryId)) continue;
        const [kind, idText, choice] = press.data.split(':') as [string, string, string];
        const movieId = kind === 'r' ? (recMovie.get(Number(idText)) as { movieId: number } | undefined)?.movieId : Number(idText);
        const row = movieId === undefined ? undefined : byMovie.get(movieId);
        const expected = expectedRating(choice);
        if (!row || row.value !== expected.value || row.kind !== expected.kind) {
          lost++;
          if (lostExamples.length < 3) lostExamples.push(`${press.data} confirmed, stored ${row ? `${row.kind} ${row.value}` : 'nothing'}`);
        }
      }
    } finally {
      db.close();
    }
    ctx.report.counters.ratingsLost += lost;
    const unanswered = presses.filter((p) => !fake.outputs(chat.id).some((o) => o.kind === 'callback_answer' && o.queryId === p.queryId)).length;
    const held = lost === 0 && integrity === 'ok';
    ctx.report.fault(held);
    ctx.report.check(SECTION, 'every confirmed rating is stored', `SIGKILL after ${(killedAt / 1000).toFixed(1)} s of ${presses.length} presses (20 ms apart)`, held,
      `${confirmed.size} confirmed (${ackedBeforeKill} before the kill, ${confirmed.size - ackedBeforeKill} after restart), ${lost} lost${lostExamples.length ? ` (${lostExamples.join('; ')})` : ''}; integrity_check ${integrity}`);
    ctx.report.check(SECTION, 'restart resumes the queue', `${pendingAtRestart} presses queued while down`, true,
      `start ${firstStart.toFixed(1)} s, restart ${secondStart.toFixed(1)} s; presses never answered: ${unanswered}${unanswered ? ' (fetched and confirmed to Telegram by the killed process, or answered too late)' : ''}`);
    if (unanswered > 0) {
      ctx.report.finding(SECTION, `${unanswered} of ${presses.length} presses were never answered across the kill: the Telegram adapter returns from telegraf's middleware before a turn is done (src/bots/telegram/telegram.adapter.ts, bot.use: \`return undefined\` unless the queue is long), so telegraf confirms the update offset on its next getUpdates and a SIGKILL drops fetched-but-unfinished updates. No confirmed rating is lost (the toast follows the commit); the user just sees a spinner. Fix if wanted: keep the offset behind unfinished updates (e.g. own polling loop that confirms only finished update ids) or accept and document.`);
    }
  } finally {
    for (const child of children) await child.kill9().catch(() => undefined);
    await fake.close();
  }
}
