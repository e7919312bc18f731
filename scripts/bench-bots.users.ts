/**
 * The simulated side of `npm run bench:bots`, in its own worker thread: the fake
 * Telegram Bot API (127.0.0.1) and the users chatting with it. In production the
 * Bot API runs on Telegram's servers, not in the bot's event loop, so here it runs
 * beside the bot rather than inside it. It still shares the machine's two cores,
 * so its CPU cost stays in the numbers.
 *
 * Protocol with scripts/bench-bots.ts (the bot's side):
 *   worker -> bot: { type: 'ready', apiRoot, token }    the fake is listening
 *   bot -> worker: { type: 'update-done', event }        the adapter's onUpdateDone hook
 *   bot -> worker: { type: 'run', options }              play the warm-up and both phases
 *   worker -> bot: { type: 'warmed' } / { type: 'result', ... }
 * The bot's side ends the thread when it is done (or has failed).
 */
import { readdir, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { mulberry32 as rng } from '../src/core/recommender/scorers/random.js';
import { FakeTelegramApi, type BotOutput, type FakeChat, type FakeUser, type OutputButton } from '../tests/fakes/telegram-api.fake.js';
import { TelegramDriver, type DoneEvent, type PendingTurn, type TurnResult } from '../tests/fakes/telegram-driver.js';

export type TurnKind = 'text' | 'photo' | 'rating' | 'button';

export interface Sample {
  readonly kind: TurnKind;
  readonly ms: number;
  readonly outcome: string;
  /** Bot API calls the turn made in its chat (messages, edits, callback answers). */
  readonly apiCalls: number;
}

/** The watch party of `--party-members` in one group, against the fake's 20 messages/min/group limit. */
export interface PartyResult {
  readonly members: number;
  /** Every Bot API call of the party in its group (429 answers included). */
  readonly apiCalls: number;
  /** New messages the group received (sends that succeeded). */
  readonly messages: number;
  readonly edits: number;
  readonly callbackAnswers: number;
  /** 429 answers to sends in the group: the target is 0. */
  readonly refusals429: number;
  /** From /watchparty to the result announcement. */
  readonly seconds: number;
  readonly winnerAnnounced: boolean;
  /** Rating buttons the members pressed (counted with the users' ratings sent). */
  readonly ratings: number;
}

export interface PhaseResult {
  readonly samples: Sample[];
  readonly seconds: number;
}

export interface RunOptions {
  readonly users: number;
  readonly turns: number;
  readonly thinkMs: readonly [number, number];
  readonly saturationUsers: number;
  readonly warmupUsers: number;
  readonly seed: number;
  readonly faces: string;
  readonly timeoutMs: number;
  /** Which button payloads are ratings. */
  readonly ratingAction: RegExp;
  /** Members of the watch party played after both phases (0: none; needs the real core). */
  readonly partyMembers: number;
}

export type ToBot =
  | { type: 'ready'; apiRoot: string; token: string }
  | { type: 'warmed' }
  | { type: 'result'; latency: PhaseResult; saturation: PhaseResult | null; party: PartyResult | null; ratingsSent: number; faces: number }
  | { type: 'failed'; message: string };

export type ToUsers = { type: 'update-done'; event: DoneEvent } | { type: 'run'; options: RunOptions } | { type: 'go' };

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

interface Plan {
  readonly index: number;
  readonly seed: number;
  readonly thinkMs: readonly [number, number];
}

const port = parentPort;
if (port === null) throw new Error('bench-bots.users.ts runs in a worker thread started by scripts/bench-bots.ts');
const post = (message: ToBot) => port.postMessage(message);

async function run(driver: TelegramDriver, options: RunOptions, go: Promise<void>): Promise<void> {
  const faces = await Promise.all(
    (await readdir(options.faces)).filter((f) => /\.jpe?g$/i.test(f)).sort().map(async (f) => new Uint8Array(await readFile(resolve(options.faces, f)))),
  );
  if (faces.length === 0) throw new Error(`no face samples (*.jpg) in ${options.faces}`);
  const isRating = (button: OutputButton): button is Extract<OutputButton, { action: string }> => 'action' in button && options.ratingAction.test(button.action);
  let samples: Sample[] = [];
  let ratingsSent = 0;
  const random = rng(options.seed);

  const record = async (kind: TurnKind, pending: PendingTurn): Promise<TurnResult> => {
    const result = await pending.done;
    samples.push({ kind, ms: result.latencyMs, outcome: result.outcome, apiCalls: result.outputs.length });
    return result;
  };
  const buttonsOf = (outputs: readonly BotOutput[]) =>
    outputs.flatMap((o) => (o.kind === 'message' && o.buttons ? o.buttons.flat().map((b) => ({ b, messageId: o.messageId })) : []));

  const runUser = async (plan: Plan) => {
    const r = rng(plan.seed);
    const [thinkMin, thinkMax] = plan.thinkMs;
    const pause = () => (thinkMax > 0 ? new Promise((done) => setTimeout(done, thinkMin + r() * (thinkMax - thinkMin))) : undefined);
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
    // Users arrive spread over one pause, not all in the same millisecond.
    if (thinkMax > 0) await new Promise((done) => setTimeout(done, r() * thinkMax));
    for (let turn = 0; turn < options.turns; turn++) {
      if (turn > 0) await pause();
      if (turn === 0) {
        const start = await record('text', driver.userSays(chat, user, '/start'));
        // Onboarding may ask for consent with a button; accept it like a user would.
        const consent = buttonsOf(start.outputs).find(({ b }) => 'action' in b && /agree|accept|consent|got it|continue|let'?s go|^ok/i.test(b.label));
        if (consent && 'action' in consent.b) await record('button', driver.userPresses(chat, user, consent.messageId, consent.b.action));
        continue;
      }
      // Seeded per user: about one turn in five a photo, three in ten a rating where
      // there are picks to rate, else a sentence. Drawn, not fixed to turn numbers, so
      // a hundred users do not all send their photos in the same second.
      const draw = r();
      if (draw < 0.2) {
        const face = faces[(plan.index + turn) % faces.length]!;
        if (!consented) {
          // The first photo is answered with a consent question (photos are analysed only after a yes).
          const asked = await record('button', driver.userSendsPhoto(chat, user, face, { width: 640, height: 480 }));
          const yes = buttonsOf(asked.outputs).find(({ b }) => 'action' in b && /^✅ yes|analyse my photos/i.test(b.label));
          if (yes && 'action' in yes.b) await record('button', driver.userPresses(chat, user, yes.messageId, yes.b.action));
          consented = true;
        }
        collect((await record('photo', driver.userSendsPhoto(chat, user, face, { width: 640, height: 480 }))).outputs);
        continue;
      }
      if (draw < 0.5 && ratable.length > 0) {
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

  /** Runs `users` new users, all at once, and returns what they measured. */
  const phase = async (first: number, users: number, thinkMs: readonly [number, number]): Promise<PhaseResult> => {
    samples = [];
    const plans: Plan[] = Array.from({ length: users }, (_, i) => ({ index: first + i, seed: Math.floor(random() * 2 ** 31), thinkMs }));
    const started = performance.now();
    await Promise.all(plans.map(runUser));
    return { samples, seconds: (performance.now() - started) / 1000 };
  };

  // Warm-up, not measured: a few users so the JIT has compiled the scoring loops and
  // the text model has run once, as in a process that has been serving for a while.
  if (options.warmupUsers > 0) await phase(options.users + options.saturationUsers, options.warmupUsers, [0, 0]);
  post({ type: 'warmed' });
  await go;
  ratingsSent = 0;
  const latency = await phase(0, options.users, options.thinkMs);
  const saturation = options.saturationUsers > 0 ? await phase(options.users, options.saturationUsers, [0, 0]) : null;
  const party = options.partyMembers > 0 ? await watchParty(driver, options.partyMembers) : null;
  post({ type: 'result', latency, saturation, party, ratingsSent: ratingsSent + (party?.ratings ?? 0), faces: faces.length });
}

/**
 * A watch party in one group, as members would play it: one starts it (1 minute
 * of voting), the others join, each asks for their own picks in the group at
 * once and pages and rates them, picks are proposed, everyone votes (two change
 * their vote), and the deadline closes it. Counted: every Bot API call in the
 * group and the 429s of the fake's flood limit.
 */
async function watchParty(driver: TelegramDriver, size: number): Promise<PartyResult> {
  const members = Array.from({ length: size }, (_, i) => driver.user(`Member${i + 1}`));
  const [host] = members;
  const group = driver.group('Bench movie night');
  const started = performance.now();
  let ratings = 0;
  await driver.userSays(group, host!, '/watchparty 1').done;
  for (const member of members.slice(1)) await driver.userPressesButton(group, member, /Join/).done;
  const answers = await Promise.all(members.map((member, i) => driver.userSays(group, member, `/mood ${MOODS[i % MOODS.length]}`).done));
  for (const [i, answer] of answers.entries()) {
    const picks = answer.outputs.find((o) => o.kind === 'message' && o.buttons?.flat().some((b) => b.label === '▶'));
    if (!picks || picks.kind !== 'message') continue;
    const next = picks.buttons!.flat().find((b) => b.label === '▶');
    if (next && 'action' in next) await driver.userPresses(group, members[i]!, picks.messageId, next.action).done;
    const now = fake.message(group.id, picks.messageId);
    const star = now?.reply_markup?.inline_keyboard.flat().find((b) => b.text === `${1 + (i % 5)}★`);
    if (star?.callback_data) {
      await driver.userPresses(group, members[i]!, picks.messageId, star.callback_data).done;
      ratings++;
    }
  }
  const proposed = await driver.userPressesButton(group, host!, /Propose picks/).done;
  const edit = proposed.outputs.find((o) => o.kind === 'edit');
  const votes = (edit?.kind === 'edit' ? (edit.buttons ?? []) : []).flat().filter((b): b is Extract<OutputButton, { action: string }> => 'action' in b);
  if (votes.length > 0) {
    for (const [i, member] of members.entries()) await driver.userPressesButton(group, member, votes[i % Math.min(3, votes.length)]!.action).done;
    for (const member of members.slice(0, 2)) await driver.userPressesButton(group, member, votes[votes.length - 1]!.action).done;
  }
  let winnerAnnounced = true;
  await driver
    .waitForOutput(group, (o) => o.kind === 'message' && /Watch party result/.test(o.text ?? ''), 150_000)
    .catch(() => (winnerAnnounced = false));
  const outputs = fake.outputs(group.id);
  const refusals429 = fake.floodRefusals(group.id);
  return {
    members: size,
    apiCalls: outputs.length + fake.calls().filter((c) => !c.ok && Number(c.params.chat_id) === group.id).length,
    messages: outputs.filter((o) => o.kind === 'message').length,
    edits: outputs.filter((o) => o.kind === 'edit').length,
    callbackAnswers: outputs.filter((o) => o.kind === 'callback_answer').length,
    refusals429,
    seconds: (performance.now() - started) / 1000,
    winnerAnnounced,
    ratings,
  };
}

// Telegram's group flood limit, enforced: a watch party must stay under it, not run into it.
const fake = await FakeTelegramApi.start({ groupMessagesPerMinute: 20 });
let driver: TelegramDriver | null = null;
let release: () => void = () => undefined;
const go = new Promise<void>((done) => (release = done));
port.on('message', (message: ToUsers) => {
  switch (message.type) {
    case 'update-done':
      driver?.onUpdateDone(message.event);
      break;
    case 'run':
      driver = new TelegramDriver(fake, { timeoutMs: message.options.timeoutMs * 3 });
      run(driver, message.options, go).catch((error: unknown) => post({ type: 'failed', message: error instanceof Error ? error.message : String(error) }));
      break;
    case 'go':
      release();
      break;
  }
});
post({ type: 'ready', apiRoot: fake.apiRoot, token: fake.token });
