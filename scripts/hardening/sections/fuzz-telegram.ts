/**
 * Fuzz through the Telegram adapter and the fake Bot API with the real
 * telegraf client: the same texts and images as the core fuzz, but as real
 * updates (photos with honest, missing or lying sizes, images sent as files,
 * stickers and voice notes), Telegram entity edge cases (a bot_command entity
 * mid-text, /cmd@otherbot, empty text with entities, entities out of range),
 * presses with forged callback_data, and odd updates (a press without a
 * message, a message from a bot). Holds when every update ends handled or
 * deliberately ignored, the user sees a clear message for every private
 * message and every press is answered exactly once, and the adapter logs no
 * error.
 */
import type { Context } from '../context.js';
import { histogram } from './fuzz-core.js';
import { forgedPayloads, generateTexts } from '../fixtures/texts.js';
import { LEVEL, describeLogLine } from '../lib/logs.js';
import { hasPicks, withChoice } from '../lib/outputs.js';
import { checkTelegramOutputs } from '../lib/reply-check.js';
import { startTelegramRig, type TelegramTurn } from '../lib/telegram-rig.js';
import type { FakeChat, FakeUser } from '../../../tests/fakes/telegram-api.fake.js';

const SECTION = 'fuzz telegram';

interface Tally {
  tried: number;
  problems: string[];
  answers: Map<string, number>;
}

/** What the user saw, in one word: picks, a message, a toast, or nothing. */
const answerKind = (turn: TelegramTurn): string => {
  if (turn.outcome === 'ignored') return 'ignored';
  const messages = turn.outputs.filter((o) => o.kind === 'message');
  if (messages.some((o) => o.kind === 'message' && o.method === 'sendPhoto') || hasPicks(messages)) return 'picks';
  if (messages.length > 0) return 'message';
  if (turn.outputs.some((o) => o.kind === 'callback_answer')) return 'toast';
  return 'nothing';
};

export async function fuzzTelegram(ctx: Context, count: number): Promise<void> {
  const rng = ctx.rng.fork();
  const started = performance.now();
  const logFrom = ctx.appLog.length;
  const rig = await startTelegramRig(ctx.sqlite.app.handler, { logLevel: 'info' });
  ctx.logTexts.push(() => rig.log.text());
  ctx.tokens.push(rig.fake.token);
  const { fake, driver } = rig;
  const tallies = new Map<string, Tally>();
  const tally = (category: string) => tallies.get(category) ?? tallies.set(category, { tried: 0, problems: [], answers: new Map() }).get(category)!;
  try {
    const users = Array.from({ length: 8 }, (_, k) => driver.user(`Fuzz${k}`, rng.chance(0.5) ? { username: `fuzz_${k}` } : {}));
    const chats = users.map((u) => driver.privateChat(u));
    ctx.report.counters.users += users.length;
    const group = driver.group('Fuzz group');
    const supergroup = driver.group('Fuzz supergroup', { supergroup: true });
    const face = ctx.faces[0]!.bytes;

    /** Runs one update and checks what the user saw. */
    const run = async (
      category: string,
      chat: FakeChat | null,
      inject: () => number,
      expect: { output: boolean; queryId?: () => string | undefined; ignored?: boolean },
      label = category,
    ): Promise<TelegramTurn> => {
      const t = tally(category);
      t.tried++;
      ctx.report.counters.inputsTried++;
      let turn: TelegramTurn;
      try {
        turn = await rig.run(chat?.id ?? null, inject);
      } catch (error) {
        t.problems.push(`could not inject (${label}): ${(error as Error).message}`);
        return { updateId: -1, outcome: 'lost', outputs: [], ms: 0 };
      }
      t.answers.set(answerKind(turn), (t.answers.get(answerKind(turn)) ?? 0) + 1);
      const okOutcome = expect.ignored ? turn.outcome === 'ignored' : turn.outcome === 'handled' || turn.outcome === 'ignored';
      if (!okOutcome) t.problems.push(`update ${turn.outcome} (${label})`);
      const queryId = expect.queryId?.();
      const verdict = checkTelegramOutputs(turn.outputs, { expectOutput: expect.output && !expect.ignored, ...(queryId ? { queryId } : {}) });
      if (verdict.internal) t.problems.push(`generic apology (${label})`);
      for (const p of verdict.problems) t.problems.push(`${p} (${label})`);
      return turn;
    };

    /** The newest bot message in a chat (one is made with /help when there is none). */
    const botMessage = async (chat: FakeChat, user: FakeUser): Promise<number> => {
      const own = fake.messages(chat.id).filter((m) => m.from?.id === fake.botUser.id);
      if (own.length > 0) return own.at(-1)!.message_id;
      await rig.run(chat.id, () => fake.userText(chat, user, '/help').updateId);
      return fake.messages(chat.id).filter((m) => m.from?.id === fake.botUser.id).at(-1)?.message_id ?? -1;
    };

    /** Presses data on the chat's newest bot message; the query id is known after injection. */
    const press = async (category: string, chat: FakeChat, user: FakeUser, data: string) => {
      const messageId = await botMessage(chat, user);
      let queryId: string | undefined;
      return run(category, chat, () => {
        const pressed = fake.userPress(chat, user, messageId, data, { force: true });
        queryId = pressed.queryId;
        return pressed.updateId;
      }, { output: true, queryId: () => queryId });
    };

    // Setup: everyone starts; six agree to photo analysis by the consent button; one gets picks.
    for (const [k, user] of users.entries()) await run('setup', chats[k]!, () => fake.userText(chats[k]!, user, '/start').updateId, { output: true });
    for (const [k, user] of users.slice(0, 6).entries()) {
      await run('setup', chats[k]!, () => fake.userPhoto(chats[k]!, user, face).updateId, { output: true });
      const yes = driver.findButton(chats[k]!, /Yes/);
      if (yes) await press('setup', chats[k]!, user, yes.action);
    }
    await run('setup', chats[0]!, () => fake.userText(chats[0]!, users[0]!, 'I feel rough today').updateId, { output: true });
    const otherRec = driver.findButton(chats[0]!, (b) => 'action' in b && b.action.startsWith('r:'));
    const lobby = await run('setup', group, () => fake.userText(group, users[2]!, '/watchparty 30').updateId, { output: true });
    const partyId = lobby.outputs.flatMap((o) => (o.kind === 'message' ? (o.buttons ?? []).flat() : [])).flatMap((b) => ('action' in b ? [b.action] : [])).find((a) => a.startsWith('pj:'))?.slice(3);

    // Entity edge cases and odd updates, each once.
    const p = chats[1]!;
    const u = users[1]!;
    const edge: [string, FakeChat | null, () => number, { output: boolean; ignored?: boolean }][] = [
      ['entity: bot_command mid-text', p, () => fake.userMessage(p, u, { text: 'I feel /mood great', entities: [{ type: 'bot_command', offset: 7, length: 5 }] }).updateId, { output: true }],
      ['entity: /cmd@otherbot (private)', p, () => fake.userText(p, u, '/mood@OtherBot I feel sad').updateId, { output: false, ignored: true }],
      ['entity: /cmd@ourbot', p, () => fake.userText(p, u, `/mood@${fake.botUser.username} I feel sad`).updateId, { output: true }],
      ['entity: /cmd@OURBOT (case)', p, () => fake.userText(p, u, `/help@${fake.botUser.username!.toUpperCase()}`).updateId, { output: true }],
      ['entity: empty text with entities', p, () => fake.userMessage(p, u, { text: '', entities: [{ type: 'bot_command', offset: 0, length: 0 }] }).updateId, { output: true }],
      ['entity: offsets out of range', p, () => fake.userMessage(p, u, { text: 'hi there', entities: [{ type: 'bold', offset: 100, length: 50 }, { type: 'bot_command', offset: -3, length: 99 }] }).updateId, { output: true }],
      ['entity: text_mention and custom emoji', p, () => fake.userMessage(p, u, { text: 'Ann 😀 is sad', entities: [{ type: 'text_mention', offset: 0, length: 3, user: users[0] }, { type: 'custom_emoji', offset: 4, length: 2, custom_emoji_id: '1' }] }).updateId, { output: true }],
      ['entity: command only in caption', p, () => fake.userPhoto(p, u, face, { caption: '/mood@OtherBot' }).updateId, { output: false, ignored: true }],
      ['group: command mid-text (chatter)', group, () => fake.userMessage(group, u, { text: 'hey /mood sad', entities: [{ type: 'bot_command', offset: 4, length: 5 }] }).updateId, { output: false, ignored: true }],
      ['group: /watchparty@OtherBot', group, () => fake.userText(group, u, '/watchparty@OtherBot 5').updateId, { output: false, ignored: true }],
      ['group: /export (personal) in a group', supergroup, () => fake.userText(supergroup, u, '/export').updateId, { output: true }],
      ['group: reply to the bot without a command', group, () => fake.userText(group, u, 'I feel great', { replyTo: fake.messages(group.id).find((m) => m.from?.id === fake.botUser.id)!.message_id }).updateId, { output: true }],
      ['odd: message from a bot', p, () => fake.pushUpdate({ message: { message_id: 9_999_001, date: 1, chat: p, from: { id: 42, is_bot: true, first_name: 'Other' }, text: 'I feel sad' } }), { output: false, ignored: true }],
      ['odd: message without sender', group, () => fake.pushUpdate({ message: { message_id: 9_999_002, date: 1, chat: group, text: '/help' } }), { output: false, ignored: true }],
      ['odd: press without a message (inline)', null, () => fake.pushUpdate({ callback_query: { id: '77001', from: u, chat_instance: '1', data: 'r:1:5' } }), { output: false }],
      ['odd: press without data (game)', null, () => fake.pushUpdate({ callback_query: { id: '77002', from: u, chat_instance: '1', game_short_name: 'x' } }), { output: false, ignored: true }],
      ['odd: supergroup forum topic command', supergroup, () => fake.userMessage(supergroup, u, { text: '/help', entities: [{ type: 'bot_command', offset: 0, length: 5 }], message_thread_id: 7, is_topic_message: true }).updateId, { output: true }],
    ];
    for (const [category, chat, inject, expect] of edge) await run(category, chat, inject, expect);
    if (otherRec) await press('forged: another user\'s recommendation id', chats[1]!, users[1]!, withChoice(otherRec.action, '4'));
    if (partyId) {
      await run('setup', supergroup, () => fake.userText(supergroup, users[3]!, '/help').updateId, { output: true });
      await press("forged: another chat's party id", supergroup, users[3]!, `pj:${partyId}`);
    }

    // Generated inputs.
    const n = Math.max(0, count - edge.length - 2);
    const images = await ctx.images();
    const texts = generateTexts(rng.fork(), Math.ceil(n * 0.5), () => ctx.markers.text());
    const payloads = forgedPayloads(rng.fork(), Math.ceil(n * 0.2));
    const plan: (() => Promise<unknown>)[] = [];
    const someone = () => {
      const k = rng.int(users.length);
      return { user: users[k]!, chat: chats[k]! };
    };
    for (const text of texts) {
      const { user, chat } = someone();
      plan.push(() => run('text: the 15 kinds of the core fuzz', chat, () => fake.userText(chat, user, text.text).updateId, { output: true }, `${text.category}: ${JSON.stringify(text.text.slice(0, 40))}`));
    }
    for (let k = 0; k < Math.ceil(n * 0.25); k++) {
      const c = images[k % images.length]!;
      const k2 = rng.int(6);
      const user = users[k2]!;
      const chat = chats[k2]!;
      const how = rng.pick(['photo', 'photo unannounced', 'photo lying size', 'document']);
      plan.push(() =>
        run(`image (${how})`, chat, () => {
          if (how === 'document') return fake.userDocument(chat, user, c.bytes, { fileName: `x.${c.mimeType.split('/')[1] ?? 'bin'}`, mimeType: c.mimeType }).updateId;
          return fake.userPhoto(chat, user, c.bytes, { announceSize: how !== 'photo unannounced', ...(how === 'photo lying size' ? { declaredSize: 1234 } : {}) }).updateId;
        }, { output: true }, `${how}: ${c.name}`),
      );
    }
    for (const kind of ['sticker', 'animation', 'video', 'voice', 'audio', 'video_note', 'location', 'contact'] as const) {
      const { user, chat } = someone();
      plan.push(() => run('media: sticker, animation, video, voice...', chat, () => fake.userMedia(chat, user, kind).updateId, { output: true }, `media: ${kind}`));
    }
    for (const payload of payloads) {
      const { user, chat } = someone();
      if (Buffer.byteLength(payload) < 1 || Buffer.byteLength(payload) > 64) continue; // Telegram would not deliver it
      plan.push(() => press('forged: random callback_data', chat, user, payload));
    }
    rng.shuffle(plan);
    for (const step of plan) await step();
  } finally {
    await rig.stop();
  }
  const errors = [...rig.log.atLeast(LEVEL.error), ...ctx.appLog.atLeast(LEVEL.error, logFrom)];
  ctx.report.check(SECTION, 'adapter and core logged no error', `${rig.done.length} updates`, errors.length === 0, errors.length === 0 ? 'no error-level log line' : [...new Set(errors.map(describeLogLine))].slice(0, 3).join(' | '));
  let total = 0;
  for (const [category, t] of [...tallies].sort(([a], [b]) => a.localeCompare(b))) {
    if (category === 'setup' && t.problems.length === 0) continue;
    total += t.tried;
    ctx.report.check(SECTION, category, `${t.tried} updates`, t.problems.length === 0, t.problems.length === 0 ? `as expected: ${histogram(t.answers)}` : `${t.problems.length} problem(s): ${t.problems.slice(0, 3).join(' | ')}`);
  }
  ctx.options.progress(`fuzz telegram: ${total} updates in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
