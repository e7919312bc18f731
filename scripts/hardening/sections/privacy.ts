/**
 * Privacy audit. After photo and text conversations (here and in the fuzz and
 * soak sections), searches the SQLite file, its -wal and -shm, the app's
 * folders, this run's scratch folders and files in the temp folder changed
 * during the run for image bytes and for marker sentences planted in users'
 * messages; reviews the user asked to store may appear in the Review table
 * only, and reviews erased with /forget nowhere. Mood corrections: sentences of
 * users who did not opt in to "help MoodReel read moods better" appear nowhere
 * (corrected or not, text or photo caption); an opted-in user's corrected
 * sentence appears in DonatedSentence only, and is gone after turning the
 * setting off or /forget. Then: webhook calls without
 * the right secret get 403 and never reach the core, and no log line of the
 * whole run carries a bot token, the webhook secret or a user's text.
 */
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { ConversationHandler, Turn } from '../../../src/core/conversation/turn.js';
import { createTelegramBot } from '../../../src/bots/telegram/telegram.adapter.js';
import { COMMANDS } from '../../../src/core/conversation/commands.js';
import { createLogger } from '../../../src/infra/logging/logger.js';
import { sqlitePath } from '../../../src/infra/db/database.js';
import { normaliseForMood } from '../../../src/core/agents/mood/text-normalise.js';
import { DATA_DIR } from '../../../tests/helpers/app.js';
import { distinctiveToken, type Context } from '../context.js';
import { markedFace } from '../fixtures/images.js';
import { markerSentence } from '../fixtures/texts.js';
import { REPO_ROOT } from '../lib/child.js';
import { LEVEL, MemoryLog, describeLogLine } from '../lib/logs.js';
import { isApology } from '../lib/reply-check.js';
import { filesUnder, imageFingerprint, imageSignatures, needles, readSafely, type ScanHit } from '../lib/scan.js';
import { startTelegramRig } from '../lib/telegram-rig.js';

const SECTION = 'privacy';

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** Correction buttons carry `k:<reading>:<mood index>`; presses the newest one for `mood` (0 joy ... 6 neutral). */
const CORRECTION = (mood: number) => new RegExp(`^k:\\d+:${mood}$`);

/**
 * Conversations that plant markers: texts, captions, a marked photo, a kept
 * review and a forgotten one; mood corrections by users who did not opt in, and
 * donated sentences of users who did (kept, turned off, forgotten).
 */
async function plantMarkers(ctx: Context): Promise<void> {
  const rig = await startTelegramRig(ctx.sqlite.app.handler, { logLevel: 'debug' });
  ctx.logTexts.push(() => rig.log.text());
  ctx.tokens.push(rig.fake.token);
  const { fake } = rig;
  try {
    const ann = fake.createUser('Ann');
    const chat = fake.privateChat(ann);
    ctx.report.counters.users += 3; // Ann, Bob, and a terminal user
    const say = (text: string) => rig.run(chat.id, () => fake.userText(chat, ann, text).updateId);
    const photo = async (bytes: Uint8Array, caption?: string) => rig.run(chat.id, () => fake.userPhoto(chat, ann, bytes, caption ? { caption } : {}).updateId);
    const correct = async (mood: number) => {
      const button = rig.driver.findButton(chat, CORRECTION(mood));
      if (button) await rig.run(chat.id, () => fake.userPress(chat, ann, button.messageId, button.action).updateId);
    };
    await say('/start');
    await say(markerSentence(ctx.markers.text()));
    // Ann never opted in: a correction keeps the labels, never her sentence.
    await correct(0);
    await correct(3);
    await say(`/mood ${markerSentence(ctx.markers.text())}`);
    await say(`/search ${ctx.markers.text()}`);
    await say(`/settings avoid ${ctx.markers.text()}`);
    const face = await markedFace(ctx.faces.find((f) => f.name === 'happy.jpg') ?? ctx.faces[0]!, ctx.markers.text(), ctx.rng.fork());
    ctx.sentImages.push(face);
    await photo(face, markerSentence(ctx.markers.text()));
    const yes = rig.driver.findButton(chat, /Yes/);
    if (yes) await rig.run(chat.id, () => fake.userPress(chat, ann, yes.messageId, yes.action).updateId);
    await photo(face, `/mood ${markerSentence(ctx.markers.text())}`);
    await correct(2);
    await say('/moodlog');
    const png = await markedFace(ctx.faces.at(-1)!, ctx.markers.text(), ctx.rng.fork());
    ctx.sentImages.push(png);
    await rig.run(chat.id, () => fake.userDocument(chat, ann, png, { fileName: 'me.jpg', mimeType: 'image/jpeg', caption: markerSentence(ctx.markers.text()) }).updateId);
    // A photo whose download fails (getFile 500): the error path must not log the text or the token either.
    fake.failNext('getFile', 4, { code: 500 });
    const failedDownload = await photo(face, markerSentence(ctx.markers.text()));
    if (failedDownload.outputs.some((o) => o.kind === 'message' && isApology(o.text))) {
      ctx.report.finding(SECTION, 'A photo whose download fails for good (getFile answering 500 four times) gets the generic apology and is logged as a bug ("turn failed", src/core/conversation/conversation.ts catch branch) although nothing is wrong with MoodReel. Proposed fix: in src/bots/telegram/image-loader.ts load(), after the retries, turn a TelegramApiError (5xx, network) into UserError(\'unavailable\', "I could not fetch your photo from Telegram just now. Please send it again in a moment.").');
    }
    await say(`/review Heat | ${ctx.markers.review()} tense and brilliant`);

    const bob = fake.createUser('Bob');
    const bobChat = fake.privateChat(bob);
    await rig.run(bobChat.id, () => fake.userText(bobChat, bob, `/review The Matrix | ${ctx.markers.forgottenReview()} mind-bending`).updateId);
    await rig.run(bobChat.id, () => fake.userText(bobChat, bob, `I feel ${ctx.markers.text()} great`).updateId);
    await rig.run(bobChat.id, () => fake.userText(bobChat, bob, '/forget').updateId);
    const erase = rig.driver.findButton(bobChat, /Yes, erase/);
    if (erase) await rig.run(bobChat.id, () => fake.userPress(bobChat, bob, erase.messageId, erase.action).updateId);
    await donors(ctx, rig, face);
  } finally {
    await rig.stop();
  }
  // The terminal platform too, straight through the core.
  const turn: Turn = { platform: 'terminal', user: { id: `hz-privacy-${ctx.markers.nonce}` }, chat: { id: 'local', kind: 'private' }, text: markerSentence(ctx.markers.text()), receivedAt: new Date() };
  await ctx.sqlite.app.handler.handle(turn);
}

/**
 * Opted-in users: Dora keeps a donated sentence (her uncorrected sentence and
 * her corrected photo caption are never stored); Finn turns the setting off
 * and Gus uses /forget, both after donating.
 */
async function donors(ctx: Context, rig: Awaited<ReturnType<typeof startTelegramRig>>, face: Uint8Array): Promise<void> {
  const { fake } = rig;
  ctx.report.counters.users += 3;
  const person = (name: string) => {
    const user = fake.createUser(name);
    const chat = fake.privateChat(user);
    const say = (text: string) => rig.run(chat.id, () => fake.userText(chat, user, text).updateId);
    const press = async (match: RegExp) => {
      const button = rig.driver.findButton(chat, match);
      if (button) await rig.run(chat.id, () => fake.userPress(chat, user, button.messageId, button.action).updateId);
    };
    const photo = (caption: string) => rig.run(chat.id, () => fake.userPhoto(chat, user, face, { caption }).updateId);
    return { say, press, photo };
  };
  const dora = person('Dora');
  await dora.say('/settings donate on');
  await dora.say(markerSentence(ctx.markers.donation()));
  await dora.press(CORRECTION(0));
  await dora.say(markerSentence(ctx.markers.text()));
  await dora.photo(markerSentence(ctx.markers.text()));
  await dora.press(/Yes, analyse/);
  await dora.photo(markerSentence(ctx.markers.text()));
  await dora.press(CORRECTION(1));
  const finn = person('Finn');
  await finn.say('/settings donate on');
  await finn.say(markerSentence(ctx.markers.erasedDonation()));
  await finn.press(CORRECTION(4));
  await finn.say('/settings');
  await finn.press(/turn off/);
  const gus = person('Gus');
  await gus.say('/settings donate on');
  await gus.say(markerSentence(ctx.markers.erasedDonation()));
  await gus.press(CORRECTION(5));
  await gus.say('/forget');
  await gus.press(/Yes, erase/);
}

/** A marker as stored (raw) and as a donated sentence would hold it (normalised): the audit looks for both. */
const forms = (marker: string) => [...new Set([marker, normaliseForMood(marker)])];

/** Rows in each table whose text columns contain `needle` (SQLite). */
async function tablesContaining(ctx: Context, needle: string): Promise<Map<string, number>> {
  const db = ctx.sqlite.app.database.db;
  const tables = (await db.$queryRawUnsafe<{ name: string }[]>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")).map((t) => t.name);
  const found = new Map<string, number>();
  for (const table of tables) {
    const columns = (await db.$queryRawUnsafe<{ name: string; type: string }[]>(`PRAGMA table_info("${table}")`)).filter((c) => /TEXT|CHAR|CLOB|^$/i.test(c.type));
    for (const column of columns) {
      const [row] = await db.$queryRawUnsafe<{ n: bigint | number }[]>(`SELECT count(*) AS n FROM "${table}" WHERE CAST("${column.name}" AS TEXT) LIKE ?`, `%${needle}%`);
      const n = Number(row?.n ?? 0);
      if (n > 0) found.set(`${table}.${column.name}`, (found.get(`${table}.${column.name}`) ?? 0) + n);
    }
  }
  return found;
}

const describeHits = (hits: readonly ScanHit[]) => hits.slice(0, 3).map((h) => `${h.what} in ${path.basename(path.dirname(h.file))}/${path.basename(h.file)}@${h.offset}`).join(', ');

export async function privacyAudit(ctx: Context, runStartedAt: number): Promise<void> {
  await plantMarkers(ctx);
  const { app, dir } = ctx.sqlite;
  const never = Buffer.from(`hzt${ctx.markers.nonce}`);
  const forgotten = Buffer.from(`hzf${ctx.markers.nonce}`);
  const reviewPrefix = `hzr${ctx.markers.nonce}`;

  // Logical: what the database holds, table by table.
  const neverRows = new Map<string, number>();
  for (const form of forms(never.toString())) for (const [k, n] of await tablesContaining(ctx, form)) neverRows.set(k, (neverRows.get(k) ?? 0) + n);
  const reviewRows = await tablesContaining(ctx, reviewPrefix);
  const forgottenRows = await tablesContaining(ctx, forgotten.toString());
  const reviewElsewhere = [...reviewRows.keys()].filter((k) => k !== 'Review.text');
  ctx.report.check(SECTION, 'no message text in any table', `${ctx.markers.never.length} marker sentences`, neverRows.size === 0, neverRows.size === 0 ? 'found in no column' : `found in ${[...neverRows].map(([k, n]) => `${k} (${n})`).join(', ')}`);
  ctx.report.check(SECTION, 'reviews only in Review', `${ctx.markers.reviews.length} stored review(s)`, reviewRows.get('Review.text') !== undefined && reviewElsewhere.length === 0,
    `Review.text ${reviewRows.get('Review.text') ?? 0}${reviewElsewhere.length ? `, also in ${reviewElsewhere.join(', ')}` : ''}`);
  await donationChecks(ctx);
  ctx.report.check(SECTION, '/forget erases the review rows', `${ctx.markers.forgotten.length} forgotten review(s)`, forgottenRows.size === 0, forgottenRows.size === 0 ? 'no row left' : `still in ${[...forgottenRows.keys()].join(', ')}`);

  // Physical: the bytes on disk.
  const dbFile = sqlitePath(`file:${path.join(dir, 'app.db')}`);
  const fingerprints = ctx.sentImages.map((bytes, k) => ({ what: `bytes of sent photo #${k + 1}`, bytes: imageFingerprint(bytes) }));
  const ownFiles = [...new Set([...filesUnder(dir), ...ctx.scratchDirs.flatMap((d) => filesUnder(d))])];
  const scanOwn = () => {
    const hits: ScanHit[] = [];
    for (const file of ownFiles) {
      const buffer = readSafely(file);
      if (!buffer) continue;
      hits.push(...imageSignatures(buffer, file), ...needles(buffer, file, [...forms(never.toString()).map((f) => ({ what: 'a message marker', bytes: Buffer.from(f) })), ...fingerprints]));
    }
    return hits;
  };
  const hits = scanOwn();
  const totalMb = ownFiles.reduce((sum, f) => sum + (readSafely(f)?.length ?? 0), 0) / 2 ** 20;
  ctx.report.check(SECTION, 'no image bytes or message text on disk', `${ownFiles.length} files, ${totalMb.toFixed(0)} MB (db, -wal, -shm, scratch)`, hits.length === 0, hits.length === 0 ? 'no JPEG/PNG/GIF/WebP signature, no photo slice, no marker' : describeHits(hits));

  // Erased text must not linger in free pages once the WAL is checkpointed.
  const erased = [{ what: 'forgotten review text', bytes: forgotten }, ...forms(`hze${ctx.markers.nonce}`).map((f) => ({ what: 'erased donated sentence', bytes: Buffer.from(f) }))];
  const beforeCheckpoint = [dbFile, `${dbFile}-wal`].flatMap((f) => needles(readSafely(f) ?? Buffer.alloc(0), f, erased));
  await app.database.db.$queryRawUnsafe('PRAGMA wal_checkpoint(TRUNCATE)');
  const afterCheckpoint = [dbFile, `${dbFile}-wal`].flatMap((f) => needles(readSafely(f) ?? Buffer.alloc(0), f, erased));
  ctx.report.check(SECTION, 'forgotten text gone from the file', '/forget, then a WAL checkpoint', afterCheckpoint.length === 0,
    afterCheckpoint.length === 0 ? `gone (before the checkpoint: ${beforeCheckpoint.length ? 'still in the WAL/free pages' : 'already gone'})` : `still in ${describeHits(afterCheckpoint)} after the checkpoint`);
  if (afterCheckpoint.length > 0) {
    ctx.report.finding(SECTION, `/forget deletes the rows but the review text stays readable in the SQLite file's free pages (and in WAL frames until a checkpoint). Input: "/review The Matrix | <text>" then /forget + "Yes, erase". Fix: in src/infra/db/database.ts openDatabase (SQLite branch) add \`PRAGMA secure_delete = ON\` next to busy_timeout (zeroes deleted content), and after PrismaPrivacyStore.erase run \`PRAGMA wal_checkpoint(TRUNCATE)\` on SQLite so old WAL frames go too. On PostgreSQL dead tuples stay until VACUUM: autovacuum covers it; mention it in the privacy text.`);
  }

  // Nothing new elsewhere: the temp folder, the repo's data/ folder, the shared data folder.
  const tmpFiles = filesUnder(os.tmpdir(), { maxDepth: 3, since: runStartedAt, skip: (p) => ctx.scratchDirs.some((d) => p.startsWith(d)) || p.startsWith(dir) });
  const tmpHits: ScanHit[] = [];
  for (const file of tmpFiles) {
    const buffer = readSafely(file);
    if (buffer) tmpHits.push(...needles(buffer, file, [{ what: 'a message marker', bytes: never }, ...fingerprints]));
  }
  const repoData = filesUnder(path.join(REPO_ROOT, 'data'), { since: runStartedAt });
  const sharedData = filesUnder(DATA_DIR, { since: runStartedAt, maxDepth: 4 });
  ctx.report.check(SECTION, 'nothing written elsewhere', `${tmpFiles.length} temp files changed, data/, shared data`, tmpHits.length === 0 && sharedData.length === 0,
    `${tmpHits.length ? describeHits(tmpHits) : 'no marker or photo bytes in temp files'}; new files in data/: ${repoData.length}, in the shared data folder: ${sharedData.length}`);

  await webhookSecret(ctx);
  await tokenNeverLogged(ctx);
}

/**
 * Donated sentences: only opted-in users' corrected texts, only in
 * DonatedSentence, normalised; none left after turning the setting off or /forget.
 */
async function donationChecks(ctx: Context): Promise<void> {
  const db = ctx.sqlite.app.database.db;
  const donatedRows = new Map<string, number>();
  for (const form of forms(`hzd${ctx.markers.nonce}`)) for (const [k, n] of await tablesContaining(ctx, form)) donatedRows.set(k, (donatedRows.get(k) ?? 0) + n);
  const elsewhere = [...donatedRows.keys()].filter((k) => k !== 'DonatedSentence.text');
  ctx.report.check(SECTION, 'donated sentences only in DonatedSentence', `${ctx.markers.donated.length} opted-in corrected sentence(s)`,
    donatedRows.get('DonatedSentence.text') === ctx.markers.donated.length && elsewhere.length === 0,
    `DonatedSentence.text ${donatedRows.get('DonatedSentence.text') ?? 0}${elsewhere.length ? `, also in ${elsewhere.join(', ')}` : ''}`);
  const [orphans] = await db.$queryRawUnsafe<{ n: bigint | number }[]>(
    'SELECT count(*) AS n FROM "DonatedSentence" d LEFT JOIN "User" u ON u."id" = d."userId" WHERE u."moodDonationAt" IS NULL',
  );
  const corrections = await db.moodCorrection.count();
  ctx.report.check(SECTION, 'no sentence of users who did not opt in', `${corrections} corrections in the run`, Number(orphans?.n ?? 0) === 0,
    `${Number(orphans?.n ?? 0)} donated sentence(s) of users not opted in; ${await db.donatedSentence.count()} donated in all`);
  const erasedRows = new Map<string, number>();
  for (const form of forms(`hze${ctx.markers.nonce}`)) for (const [k, n] of await tablesContaining(ctx, form)) erasedRows.set(k, n);
  ctx.report.check(SECTION, 'opt-out and /forget erase donations', `${ctx.markers.erasedDonations.length} donated, then erased`, erasedRows.size === 0,
    erasedRows.size === 0 ? 'no row left' : `still in ${[...erasedRows.keys()].join(', ')}`);
}

/** Webhook mode against the fake: calls without the right secret get 403 and never reach the core. */
async function webhookSecret(ctx: Context): Promise<void> {
  const port = await freePort();
  const secret = `hzsecret${ctx.markers.nonce}`;
  ctx.tokens.push(secret);
  const forgedMarker = `hzforged${ctx.markers.nonce}`;
  let forgedSeen = 0;
  let handled = 0;
  const inner = ctx.sqlite.app.handler;
  const handler: ConversationHandler = {
    async handle(turn) {
      handled++;
      if (turn.text?.includes(forgedMarker)) forgedSeen++;
      return inner.handle(turn);
    },
  };
  const url = `http://127.0.0.1:${port}/tg/hook`;
  const rig = await startTelegramRig(handler, { webhook: { url, secret, port, host: '127.0.0.1' }, logLevel: 'debug' });
  ctx.logTexts.push(() => rig.log.text());
  ctx.tokens.push(rig.fake.token);
  try {
    const user = rig.fake.createUser('Hook');
    const chat = rig.fake.privateChat(user);
    const legit = await rig.run(chat.id, () => rig.fake.userText(chat, user, '/help').updateId, 20_000);
    const body = (id: number) => JSON.stringify({ update_id: id, message: { message_id: 1, date: 1, chat: { id: chat.id, type: 'private', first_name: 'Hook' }, from: { id: user.id, is_bot: false, first_name: 'Hook' }, text: `/mood ${forgedMarker}` } });
    const post = (headers: Record<string, string>, target = url, method = 'POST') =>
      fetch(target, { method, headers: { 'content-type': 'application/json', ...headers }, ...(method === 'POST' ? { body: body(900_000_000 + Math.floor(Math.random() * 1e6)) } : {}) }).then((r) => r.status);
    const results = {
      'no secret': await post({}),
      'wrong secret': await post({ 'x-telegram-bot-api-secret-token': `${secret}x` }),
      'secret with another case': await post({ 'x-telegram-bot-api-secret-token': secret.toUpperCase() }),
      'empty secret': await post({ 'x-telegram-bot-api-secret-token': '' }),
      'right secret, wrong path': await post({ 'x-telegram-bot-api-secret-token': secret }, `http://127.0.0.1:${port}/other`),
      'GET with the secret': await post({ 'x-telegram-bot-api-secret-token': secret }, url, 'GET'),
    };
    const refused = Object.entries(results).filter(([k]) => k.includes('secret') && !k.startsWith('right') && !k.startsWith('GET')).every(([, status]) => status === 403);
    const held = refused && results['right secret, wrong path'] === 404 && forgedSeen === 0 && legit.outputs.length > 0;
    ctx.report.fault(held, Object.keys(results).length);
    ctx.report.check(SECTION, 'webhook needs the secret', `${Object.keys(results).length} forged calls`, held,
      `${Object.entries(results).map(([k, v]) => `${k} ${v}`).join(', ')}; forged updates that reached the core: ${forgedSeen}; real update via the fake answered: ${legit.outputs.length > 0} (${handled} turns)`);
  } finally {
    await rig.stop();
  }
}

/** No log of the run (adapters, app, children) carries a token, the webhook secret or a planted text. */
async function tokenNeverLogged(ctx: Context): Promise<void> {
  // One more chance to leak: an adapter that cannot reach the API at all (the URL carries the token).
  const log = new MemoryLog();
  const token = distinctiveToken();
  ctx.tokens.push(token);
  const logger = createLogger('debug', log);
  const bot = createTelegramBot({
    token,
    apiRoot: `http://127.0.0.1:${await freePort()}`,
    handler: ctx.sqlite.app.handler,
    commands: COMMANDS,
    logger,
    handlerTimeoutMs: 5_000,
    maxImageBytes: 1_000_000,
    retry: { maxAttempts: 2, baseBackoffMs: 10 },
  });
  await bot.start().catch((error: unknown) => logger.error({ err: error }, 'telegram could not start'));
  await bot.stop().catch(() => undefined);
  ctx.logTexts.push(() => log.text());
  const all = [ctx.appLog.text(), ...ctx.logTexts.map((t) => t())];
  const bytes = all.reduce((n, t) => n + t.length, 0);
  const secrets = ctx.tokens.flatMap((t) => [t, t.includes(':') ? t.split(':')[1]! : t]);
  const leakedSecrets = secrets.filter((s) => all.some((text) => text.includes(s)));
  const texts = [...ctx.markers.never, ...ctx.markers.reviews, ...ctx.markers.forgotten, ...ctx.markers.donated, ...ctx.markers.erasedDonations].flatMap(forms);
  const leakedTexts = texts.filter((m) => all.some((text) => text.includes(m)));
  const unreachable = log.lines.find((l) => l.level >= LEVEL.error);
  ctx.report.check(SECTION, 'tokens never in logs', `${ctx.tokens.length} tokens/secrets, ${(bytes / 2 ** 20).toFixed(1)} MB of logs`, leakedSecrets.length === 0,
    `${leakedSecrets.length === 0 ? 'not found' : `found ${leakedSecrets.length} (e.g. …${leakedSecrets[0]!.slice(-6)})`}; an adapter that could not connect logged: ${unreachable ? describeLogLine(unreachable) : 'nothing'}`);
  ctx.report.check(SECTION, 'message texts never in logs', `${texts.length} markers`, leakedTexts.length === 0, leakedTexts.length === 0 ? 'not found' : `found ${leakedTexts.length}: ${leakedTexts.slice(0, 2).join(', ')}`);
}
