/**
 * Bots benchmark: simulated Telegram users against the real Telegram adapter,
 * through the local fake Bot API (127.0.0.1), with the real conversation core.
 *
 *   npm run bench:bots                          # real core: src/app.ts createHandlerForBench()
 *   npm run bench:bots -- --handler scripted    # development only: scripted stand-in core
 *   npm run bench:bots -- --background-load 1   # the same while one other process keeps a core busy
 *   options: --users 100 --turns 10 --think-ms 1000-3000 --saturation-users 20 --warmup-users 5
 *            --seed 42 --faces ../shared/data/faces/samples --background-load 0
 *
 * `--background-load N` starts N child processes at normal priority that spin on the CPU
 * for the whole run (each ends by itself after 30 min at the latest, and all are killed
 * when the run ends): the outside load of a shared machine, which a background thread
 * priority must not turn into starved photos.
 *
 * Each user chats privately: /start, then, drawn from the user's seeded generator,
 * a bare photo (a face sample; the first one is answered with the consent
 * question and a yes) in about one turn in five, a rating button pressed on the
 * picks they last got in about three in ten, and a text mood (plain or /mood) otherwise.
 *
 * After an unmeasured warm-up (`--warmup-users`, no pause), two phases, each with its own users:
 * 1. Latency: all `--users` chat at once, each pausing a seeded random 1-3 s
 *    between a reply and their next message (people read the picks and type;
 *    1-3 s is faster than they do). Latency targets are read here: a latency
 *    only means something at a stated load, and with no pause at all a closed
 *    loop's latency is just (users in flight) / throughput.
 * 2. Saturation: `--saturation-users` users with no pause at all, which keeps
 *    the process at full load; its turns per second is the throughput.
 * The fake Bot API and the users run in a worker thread (scripts/bench-bots.users.ts),
 * beside the bot's event loop as Telegram's servers would be, on the same two cores.
 * Turn latency = from the update being made available by the fake to the last
 * reply of that turn arriving at the fake. Prints a table per phase and, last,
 * one JSON line: {"textP95Ms","photoP95Ms","turnsPerSecond","ratingsSent","ratingsStored",
 * "apiCallsPerTextTurn":{"mean","p95"},"party429s"} (latencies and API calls from phase 1,
 * throughput from phase 2, ratings over both).
 *
 * Bot API calls per turn are the calls the bot made in the user's chat for that turn
 * (messages, edits, callback answers), counted by the fake. Last, with the real core,
 * a watch party of `--party-members` (6) in one group: the host starts it with one
 * minute of voting, the others join, each asks for picks in the group at once, pages
 * and rates them, picks are proposed, everyone votes (two change their vote), and the
 * deadline closes it, against a fake that answers 429 past 20 new messages a minute
 * in a group (Telegram's limit). `party429s` counts those answers; the target is 0.
 *
 * The adapter keeps Telegram's per-chat pace (about one new message a second in a
 * private chat), so saturation users, who send again the moment they are answered,
 * are paced by it: their throughput is that pace, not the bot's capacity.
 * `--chat-budget off` lifts the pace to measure the capacity (Telegram itself would
 * answer 429 to such a chat).
 *
 * The real app comes from src/app.ts createHandlerForBench(): a temporary SQLite
 * database over the catalogue in MOODREEL_DATA_DIR, face models loaded, no schedules.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { createTelegramBot } from '../src/bots/telegram/telegram.adapter.js';
import { COMMANDS } from '../src/core/conversation/commands.js';
import type { ConversationHandler } from '../src/core/conversation/turn.js';
import type { Logger } from '../src/core/ports.js';
import { workerEntry } from '../src/infra/workers/worker-entry.js';
import { RATE_PREFIX, ScriptedHandler } from '../tests/fakes/scripted-handler.js';
import { percentile } from './hardening/lib/rng.js';
import type { PhaseResult, RunOptions, Sample, ToBot, ToUsers, TurnKind } from './bench-bots.users.js';

interface BenchHandle {
  readonly handler: ConversationHandler;
  countStoredRatings(): Promise<number> | number;
  /** Which button payloads are ratings. */
  readonly ratingAction: RegExp;
  /** Watch parties announce through the bot under test (the real core only). */
  registerNotifier?(notifier: ReturnType<typeof createTelegramBot>['notifier']): void;
  close?(): Promise<void>;
}

const { values: args } = parseArgs({
  options: {
    handler: { type: 'string', default: 'real' },
    users: { type: 'string', default: '100' },
    turns: { type: 'string', default: '10' },
    'think-ms': { type: 'string', default: '1000-3000' },
    'saturation-users': { type: 'string', default: '20' },
    'warmup-users': { type: 'string', default: '5' },
    seed: { type: 'string', default: '42' },
    faces: { type: 'string', default: path.join(process.env.MOODREEL_DATA_DIR ?? path.resolve('..', 'shared', 'data'), 'faces', 'samples') },
    'timeout-ms': { type: 'string', default: '30000' },
    'background-load': { type: 'string', default: '0' },
    'party-members': { type: 'string', default: '6' },
    'chat-budget': { type: 'string', default: 'on' },
  },
});

const BACKGROUND_MAX_MS = 30 * 60_000;

/** N processes spinning on a core each, at the priority they inherit; bounded in time, killed by stopBackgroundLoad. */
const startBackgroundLoad = (processes: number): ChildProcess[] =>
  Array.from({ length: processes }, () => {
    // Also stops when the benchmark is gone (its parent changes), however the benchmark ended.
    const spin = `const end = Date.now() + ${BACKGROUND_MAX_MS}; let x = 0;
      while (Date.now() < end && process.ppid === ${process.pid}) for (let i = 0; i < 1e6; i++) x = (x * 1103515245 + 12345) % 2147483648;`;
    const child = spawn(process.execPath, ['-e', spin], { stdio: 'ignore' });
    child.unref();
    return child;
  });

const stopBackgroundLoad = (children: readonly ChildProcess[]) => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
};

const thinkMs = ((): [number, number] => {
  const m = /^(\d+)(?:-(\d+))?$/.exec(args['think-ms']!);
  if (!m) throw new Error(`--think-ms must be N or MIN-MAX milliseconds, got "${args['think-ms']}"`);
  return [Number(m[1]), Number(m[2] ?? m[1])];
})();

/** Null logger that only counts, so logging cost stays out of the numbers. */
const countingLogger = (counts: Record<string, number>): Logger => {
  const at = (level: string) => () => void (counts[level] = (counts[level] ?? 0) + 1);
  const logger: Logger = { debug: () => undefined, info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
};

const loadHandler = async (): Promise<{ handle: BenchHandle; label: string }> => {
  if (args.handler === 'scripted') {
    const handler = new ScriptedHandler();
    return {
      handle: { handler, countStoredRatings: () => handler.ratingsStored, ratingAction: new RegExp(`^${RATE_PREFIX.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) },
      label: 'SCRIPTED stand-in core (development only, not the real MoodReel core)',
    };
  }
  if (args.handler !== 'real') throw new Error(`--handler must be "real" or "scripted", got "${args.handler}"`);
  const { createHandlerForBench } = await import('../src/app.js');
  return { handle: await createHandlerForBench({ platform: 'telegram' }), label: 'real core (src/app.ts createHandlerForBench)' };
};

const main = async () => {
  const backgroundLoad = Number(args['background-load']);
  if (!Number.isInteger(backgroundLoad) || backgroundLoad < 0) throw new Error(`--background-load must be a whole number of processes, got "${args['background-load']}"`);
  const background = startBackgroundLoad(backgroundLoad);
  const stopOnExit = () => stopBackgroundLoad(background);
  const stopOnSignal = (signal: NodeJS.Signals) => {
    stopBackgroundLoad(background);
    process.kill(process.pid, signal);
  };
  process.once('exit', stopOnExit);
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    await run(backgroundLoad);
  } finally {
    stopBackgroundLoad(background);
    process.off('exit', stopOnExit);
    process.off('SIGINT', stopOnSignal);
    process.off('SIGTERM', stopOnSignal);
  }
};

const run = async (backgroundLoad: number) => {
  const { handle, label } = await loadHandler();
  const entry = workerEntry(import.meta.url, 'bench-bots.users');
  const users = new Worker(entry.target, { eval: entry.eval });
  const send = (message: ToUsers) => users.postMessage(message);
  const inbox: ToBot[] = [];
  let wake: (() => void) | null = null;
  users.on('message', (message: ToBot) => {
    inbox.push(message);
    wake?.();
  });
  const failed = new Promise<never>((_, reject) => {
    users.on('error', reject);
    users.on('exit', (code) => reject(new Error(`the simulated users' worker exited with code ${code}`)));
  });
  failed.catch(() => undefined); // awaited only while a message is due; the thread also exits at the end
  const next = async <T extends ToBot['type']>(type: T): Promise<Extract<ToBot, { type: T }>> => {
    for (;;) {
      const k = inbox.findIndex((m) => m.type === type || m.type === 'failed');
      if (k >= 0) {
        const [message] = inbox.splice(k, 1);
        if (message!.type === 'failed') throw new Error(`simulated users failed: ${message!.message}`);
        return message as Extract<ToBot, { type: T }>;
      }
      await Promise.race([new Promise<void>((done) => (wake = done)), failed]);
    }
  };

  const options: RunOptions = {
    users: Number(args.users),
    turns: Number(args.turns),
    thinkMs,
    saturationUsers: Number(args['saturation-users']),
    warmupUsers: Number(args['warmup-users']),
    seed: Number(args.seed),
    faces: args.faces!,
    timeoutMs: Number(args['timeout-ms']),
    ratingAction: handle.ratingAction,
    // The scripted stand-in has no watch parties.
    partyMembers: handle.registerNotifier ? Number(args['party-members']) : 0,
  };
  if (args['chat-budget'] !== 'on' && args['chat-budget'] !== 'off') throw new Error(`--chat-budget must be on or off, got "${args['chat-budget']}"`);
  const chatBudgetOff = args['chat-budget'] === 'off';
  const logCounts: Record<string, number> = {};
  let bot: ReturnType<typeof createTelegramBot> | undefined;
  /** Starts the bot on the fake, plays the warm-up and both phases, counts the ratings stored. */
  const measure = async () => {
    const { apiRoot, token } = await next('ready');
    bot = createTelegramBot({
      token,
      apiRoot,
      handler: handle.handler,
      commands: COMMANDS,
      logger: countingLogger(logCounts),
      handlerTimeoutMs: Number(args['timeout-ms']),
      maxImageBytes: 10 * 1024 * 1024,
      maxConcurrentTurns: 256,
      ...(chatBudgetOff ? { chatBudget: { privateMax: 1_000_000, groupMax: 1_000_000 } } : {}),
      onUpdateDone: (event) => send({ type: 'update-done', event }),
    });
    await bot.start();
    handle.registerNotifier?.(bot.notifier);
    send({ type: 'run', options });
    await next('warmed');
    const ratingsBefore = await handle.countStoredRatings();
    send({ type: 'go' });
    const result = await next('result');
    return { ...result, ratingsStored: (await handle.countStoredRatings()) - ratingsBefore };
  };
  let measured: Awaited<ReturnType<typeof measure>>;
  try {
    measured = await measure();
  } finally {
    // Whatever happened, the bot, the users' thread (and its fake) and the app stop, so the process can exit.
    await bot?.stop().catch(() => undefined);
    await users.terminate();
    await handle.close?.();
  }
  const { latency, saturation, party, ratingsSent, faces, ratingsStored } = measured;

  const pick = (from: readonly Sample[], kind?: TurnKind) => from.filter((s) => kind === undefined || s.kind === kind).map((s) => s.ms);
  const row = (name: string, values: number[]) =>
    `${name.padEnd(8)}${String(values.length).padStart(7)}${percentile(values, 50).toFixed(1).padStart(10)}${percentile(values, 95)
      .toFixed(1)
      .padStart(10)}${(values.length ? Math.max(...values) : 0).toFixed(1).padStart(10)}`;
  /** Bot API calls per turn of a kind: mean and p95 (phase 1). */
  function apiCalls(from: readonly Sample[], kind: TurnKind) {
    const calls = from.filter((s) => s.kind === kind).map((s) => s.apiCalls);
    const mean = calls.length ? calls.reduce((a, b) => a + b, 0) / calls.length : 0;
    return { mean: Math.round(mean * 100) / 100, p95: percentile(calls, 95) };
  }
  const rate = (run: PhaseResult) => Math.round((run.samples.length / run.seconds) * 10) / 10;
  const result = {
    textP95Ms: Math.round(percentile(pick(latency.samples, 'text'), 95) * 10) / 10,
    photoP95Ms: Math.round(percentile(pick(latency.samples, 'photo'), 95) * 10) / 10,
    turnsPerSecond: rate(saturation ?? latency),
    ratingsSent,
    ratingsStored,
    apiCallsPerTextTurn: apiCalls(latency.samples, 'text'),
    party429s: party ? party.refusals429 : null,
  };
  console.log(`MoodReel bots benchmark - Telegram adapter over the fake Bot API (127.0.0.1)`);
  console.log(`handler: ${label}`);
  console.log(`seed ${args.seed}, ${options.turns} turns per user, ${faces} face samples, ${options.warmupUsers} warm-up users not measured`);
  console.log('(the fake Bot API and the simulated users run in a worker thread of this process, on the same two cores)');
  console.log(chatBudgetOff ? "per-chat send budget: OFF (capacity run; Telegram would answer 429 to such chats)" : 'per-chat send budget: on (about 1 new message/s per private chat, 20/min per group)');
  console.log(
    backgroundLoad > 0
      ? `background load: ${backgroundLoad} other process${backgroundLoad > 1 ? 'es' : ''} spinning at normal priority for the whole run`
      : 'background load: none started by the benchmark',
  );
  const table = (title: string, run: PhaseResult) => {
    console.log(`\n${title}`);
    console.log(`${'kind'.padEnd(8)}${'turns'.padStart(7)}${'p50 ms'.padStart(10)}${'p95 ms'.padStart(10)}${'max ms'.padStart(10)}`);
    for (const kind of ['text', 'photo', 'rating', 'button'] as const) if (pick(run.samples, kind).length) console.log(row(kind, pick(run.samples, kind)));
    console.log(row('all', pick(run.samples)));
    const failures = run.samples.filter((s) => s.outcome !== 'handled');
    console.log(
      `${rate(run)} turns/s (${run.samples.length} turns in ${run.seconds.toFixed(1)} s); not handled cleanly: ${failures.length} (${['failed', 'timeout']
        .map((o) => `${o} ${failures.filter((f) => f.outcome === o).length}`)
        .join(', ')})`,
    );
  };
  table(`latency: ${options.users} users at once, ${thinkMs[0]}-${thinkMs[1]} ms pause between turns`, latency);
  if (saturation) table(`saturation: ${options.saturationUsers} users at once, no pause (throughput)`, saturation);
  console.log('\nBot API calls per turn (latency phase): mean / p95');
  for (const kind of ['text', 'photo', 'rating', 'button'] as const) {
    const calls = apiCalls(latency.samples, kind);
    if (pick(latency.samples, kind).length) console.log(`${kind.padEnd(8)}${calls.mean.toFixed(2).padStart(7)} / ${calls.p95}`);
  }
  if (party) {
    console.log(
      `\nwatch party: ${party.members} members in one group under 20 messages/min: ${party.apiCalls} Bot API calls ` +
        `(${party.messages} messages, ${party.edits} edits, ${party.callbackAnswers} button answers), ` +
        `429 answers ${party.refusals429}, result ${party.winnerAnnounced ? 'announced' : 'NOT announced'} after ${party.seconds.toFixed(1)} s`,
    );
  }
  console.log(`\nratings: sent ${ratingsSent}, stored ${ratingsStored}; adapter log warnings ${logCounts.warn ?? 0}, errors ${logCounts.error ?? 0}`);
  console.log(JSON.stringify(result));
};

main().catch((error: unknown) => {
  console.error(`bench:bots failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
