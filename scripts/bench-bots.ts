/**
 * Bots benchmark: simulated Telegram users against the real Telegram adapter,
 * through the local fake Bot API (127.0.0.1), with the real conversation core.
 *
 *   npm run bench:bots                          # real core: src/app.ts createHandlerForBench()
 *   npm run bench:bots -- --handler scripted    # development only: scripted stand-in core
 *   options: --users 100 --turns 10 --concurrency 20 --seed 42 --faces ../shared/data/faces/samples
 *
 * Each user chats privately: /start, then text moods (plain or /mood), a bare
 * photo every fourth turn (a face sample), and a rating button pressed on the
 * picks they got every third turn.
 * Turn latency = from the update being made available by the fake to the last
 * reply of that turn arriving at the fake. Prints a table and, last, one JSON
 * line: {"textP95Ms","photoP95Ms","turnsPerSecond","ratingsSent","ratingsStored"}.
 *
 * The factory the real app provides (src/app.ts):
 *   export async function createHandlerForBench(options: { platform: 'telegram' }): Promise<{
 *     handler: ConversationHandler;
 *     countStoredRatings(): Promise<number> | number;   // ratings persisted so far
 *     isRatingAction?(action: string): boolean;          // which button payloads are ratings
 *     close?(): Promise<void>;
 *   }>
 */
import { readdir, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createTelegramBot } from '../src/bots/telegram/telegram.adapter.js';
import { COMMANDS } from '../src/core/conversation/commands.js';
import type { ConversationHandler } from '../src/core/conversation/turn.js';
import type { Logger } from '../src/core/ports.js';
import { RATE_PREFIX, ScriptedHandler } from '../tests/fakes/scripted-handler.js';
import { FakeTelegramApi, type BotOutput, type FakeChat, type FakeUser, type OutputButton } from '../tests/fakes/telegram-api.fake.js';
import { TelegramDriver, type PendingTurn, type TurnResult } from '../tests/fakes/telegram-driver.js';

interface BenchHandle {
  readonly handler: ConversationHandler;
  countStoredRatings(): Promise<number> | number;
  isRatingAction?(action: string): boolean;
  close?(): Promise<void>;
}

type TurnKind = 'text' | 'photo' | 'rating' | 'button';

interface Sample {
  readonly kind: TurnKind;
  readonly ms: number;
  readonly outcome: string;
}

const { values: args } = parseArgs({
  options: {
    handler: { type: 'string', default: 'real' },
    users: { type: 'string', default: '100' },
    turns: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '20' },
    seed: { type: 'string', default: '42' },
    faces: { type: 'string', default: fileURLToPath(new URL('../../shared/data/faces/samples', import.meta.url)) },
    'timeout-ms': { type: 'string', default: '30000' },
  },
});

const USERS = Number(args.users);
const TURNS = Number(args.turns);
const CONCURRENCY = Number(args.concurrency);

/** mulberry32: a small seeded generator, so every run plays the same conversations. */
const rng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const MOODS = [
  'I feel exhausted after a long week',
  'so happy today, just got good news!',
  'a bit anxious about tomorrow',
  'bored and restless, want something exciting',
  'feeling nostalgic and quiet tonight',
  'heartbroken, need something gentle',
  'angry at my boss, need to blow off steam',
  'calm and cosy, rainy sunday',
  'lonely tonight',
  'excited for the weekend with friends',
  'stressed out, my head is full',
  'in love and silly',
  'a little sad but hopeful',
  'curious, want to learn something',
  'grumpy and tired',
];

/** Null logger that only counts, so logging cost stays out of the numbers. */
const countingLogger = (counts: Record<string, number>): Logger => {
  const at = (level: string) => () => void (counts[level] = (counts[level] ?? 0) + 1);
  const logger: Logger = { debug: () => undefined, info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
};

const defaultIsRating = (action: string, label: string) =>
  /^(rate|rating|stars?)[:_|]/i.test(action) || action.startsWith(RATE_PREFIX) || /[★⭐]/.test(label);

const loadHandler = async (): Promise<{ handle: BenchHandle; label: string }> => {
  if (args.handler === 'scripted') {
    const handler = new ScriptedHandler();
    return {
      handle: { handler, countStoredRatings: () => handler.ratingsStored, isRatingAction: (a) => a.startsWith(RATE_PREFIX) },
      label: 'SCRIPTED stand-in core (development only, not the real MoodReel core)',
    };
  }
  if (args.handler !== 'real') throw new Error(`--handler must be "real" or "scripted", got "${args.handler}"`);
  // A variable specifier: src/app.ts is written by the lead; tsc must not require it to exist.
  const appModule = '../src/app.js';
  let mod: { createHandlerForBench?: (options: { platform: 'telegram' }) => Promise<BenchHandle> };
  try {
    mod = (await import(appModule)) as typeof mod;
  } catch (error) {
    throw new Error(`cannot load src/app.ts (${(error as Error).message}); use --handler scripted while it does not exist`);
  }
  if (typeof mod.createHandlerForBench !== 'function') {
    throw new Error('src/app.ts does not export createHandlerForBench() yet; use --handler scripted for development');
  }
  return { handle: await mod.createHandlerForBench({ platform: 'telegram' }), label: 'real core (src/app.ts createHandlerForBench)' };
};

const percentile = (values: readonly number[], p: number): number => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

const main = async () => {
  const { handle, label } = await loadHandler();
  const faceDir = args.faces;
  const faces = await Promise.all(
    (await readdir(faceDir)).filter((f) => /\.jpe?g$/i.test(f)).sort().map(async (f) => new Uint8Array(await readFile(resolve(faceDir, f)))),
  );
  if (faces.length === 0) throw new Error(`no face samples (*.jpg) in ${faceDir}`);

  const fake = await FakeTelegramApi.start();
  const driver = new TelegramDriver(fake, { timeoutMs: Number(args['timeout-ms']) * 3 });
  const logCounts: Record<string, number> = {};
  const bot = createTelegramBot({
    token: fake.token,
    apiRoot: fake.apiRoot,
    handler: handle.handler,
    commands: COMMANDS,
    logger: countingLogger(logCounts),
    handlerTimeoutMs: Number(args['timeout-ms']),
    maxImageBytes: 10 * 1024 * 1024,
    maxConcurrentTurns: 256,
    onUpdateDone: driver.onUpdateDone,
  });
  await bot.start();

  const isRating = (button: OutputButton): button is Extract<OutputButton, { action: string }> =>
    'action' in button && (handle.isRatingAction ? handle.isRatingAction(button.action) : defaultIsRating(button.action, button.label));
  const samples: Sample[] = [];
  let ratingsSent = 0;
  const random = rng(Number(args.seed));
  const plans = Array.from({ length: USERS }, (_, i) => ({ index: i, seed: Math.floor(random() * 2 ** 31) }));

  const record = async (kind: TurnKind, pending: PendingTurn): Promise<TurnResult> => {
    const result = await pending.done;
    samples.push({ kind, ms: result.latencyMs, outcome: result.outcome });
    return result;
  };

  const runUser = async (plan: (typeof plans)[number]) => {
    const r = rng(plan.seed);
    const user: FakeUser = driver.user(`User${plan.index + 1}`);
    const chat: FakeChat = driver.privateChat(user);
    let ratable: { messageId: number; action: string }[] = [];
    let consented = false;
    const collect = (outputs: readonly BotOutput[]) => {
      const fresh = outputs.flatMap((o) =>
        o.kind === 'message' && o.buttons ? o.buttons.flat().filter(isRating).map((b) => ({ messageId: o.messageId, action: b.action })) : [],
      );
      if (fresh.length > 0) ratable = fresh;
    };
    for (let turn = 0; turn < TURNS; turn++) {
      if (turn === 0) {
        const start = await record('text', driver.userSays(chat, user, '/start'));
        // Onboarding may ask for consent with a button; accept it like a user would.
        const consent = start.outputs
          .flatMap((o) => (o.kind === 'message' && o.buttons ? o.buttons.flat().map((b) => ({ b, messageId: o.messageId })) : []))
          .find(({ b }) => 'action' in b && /agree|accept|consent|got it|continue|let'?s go|^ok/i.test(b.label));
        if (consent && 'action' in consent.b) await record('button', driver.userPresses(chat, user, consent.messageId, consent.b.action));
        continue;
      }
      if (turn % 4 === 3) {
        const face = faces[(plan.index + turn) % faces.length]!;
        if (!consented) {
          // The first photo is answered with a consent question (photos are analysed only after a yes).
          const asked = await record('button', driver.userSendsPhoto(chat, user, face, { width: 640, height: 480 }));
          const yes = asked.outputs
            .flatMap((o) => (o.kind === 'message' && o.buttons ? o.buttons.flat().map((b) => ({ b, messageId: o.messageId })) : []))
            .find(({ b }) => 'action' in b && /^✅ yes|analyse my photos/i.test(b.label));
          if (yes && 'action' in yes.b) await record('button', driver.userPresses(chat, user, yes.messageId, yes.b.action));
          consented = true;
        }
        collect((await record('photo', driver.userSendsPhoto(chat, user, face, { width: 640, height: 480 }))).outputs);
        continue;
      }
      if (turn % 3 === 2 && ratable.length > 0) {
        const choice = ratable[Math.floor(r() * ratable.length)]!;
        ratable = ratable.filter((x) => x.messageId !== choice.messageId);
        ratingsSent++;
        await record('rating', driver.userPresses(chat, user, choice.messageId, choice.action));
        continue;
      }
      const mood = MOODS[Math.floor(r() * MOODS.length)]!;
      collect((await record('text', driver.userSays(chat, user, r() < 0.5 ? `/mood ${mood}` : mood))).outputs);
    }
  };

  const started = performance.now();
  const queue = [...plans];
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, queue.length) }, async () => {
      for (let plan = queue.shift(); plan; plan = queue.shift()) await runUser(plan);
    }),
  );
  const elapsedS = (performance.now() - started) / 1000;
  const ratingsStored = await handle.countStoredRatings();

  await bot.stop();
  await fake.close();
  await handle.close?.();

  const by = (kind?: TurnKind) => samples.filter((s) => kind === undefined || s.kind === kind).map((s) => s.ms);
  const row = (name: string, values: number[]) =>
    `${name.padEnd(8)}${String(values.length).padStart(7)}${percentile(values, 50).toFixed(1).padStart(10)}${percentile(values, 95)
      .toFixed(1)
      .padStart(10)}${(values.length ? Math.max(...values) : 0).toFixed(1).padStart(10)}`;
  const failures = samples.filter((s) => s.outcome !== 'handled');
  const result = {
    textP95Ms: Math.round(percentile(by('text'), 95) * 10) / 10,
    photoP95Ms: Math.round(percentile(by('photo'), 95) * 10) / 10,
    turnsPerSecond: Math.round((samples.length / elapsedS) * 10) / 10,
    ratingsSent,
    ratingsStored,
  };
  console.log(`MoodReel bots benchmark - Telegram adapter over the fake Bot API (127.0.0.1)`);
  console.log(`handler: ${label}`);
  console.log(`users ${USERS} x ${TURNS} turns, ${CONCURRENCY} users at once, seed ${args.seed}, ${faces.length} face samples`);
  console.log('(the fake Bot API and the simulated users share this process: their CPU cost is in the numbers)');
  console.log(`${'kind'.padEnd(8)}${'turns'.padStart(7)}${'p50 ms'.padStart(10)}${'p95 ms'.padStart(10)}${'max ms'.padStart(10)}`);
  for (const kind of ['text', 'photo', 'rating', 'button'] as const) if (by(kind).length) console.log(row(kind, by(kind)));
  console.log(row('all', by()));
  console.log(`throughput: ${result.turnsPerSecond} turns/s (${samples.length} turns in ${elapsedS.toFixed(1)} s)`);
  console.log(`ratings: sent ${ratingsSent}, stored ${ratingsStored}`);
  console.log(
    `turns not handled cleanly: ${failures.length} (${['failed', 'timeout'].map((o) => `${o} ${failures.filter((f) => f.outcome === o).length}`).join(', ')}); adapter log warnings ${logCounts.warn ?? 0}, errors ${logCounts.error ?? 0}`,
  );
  console.log(JSON.stringify(result));
};

main().catch((error: unknown) => {
  console.error(`bench:bots failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
