/**
 * The real telegraf client against the local fake Bot API, with a scripted core.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createTelegramBot,
  TelegramApiError,
  type TelegramBot,
  type TelegramBotOptions,
} from '../../../src/bots/telegram/telegram.adapter.js';
import { COMMANDS } from '../../../src/core/conversation/commands.js';
import type { Reply } from '../../../src/core/conversation/turn.js';
import { UserError } from '../../../src/core/errors.js';
import type { Logger } from '../../../src/core/ports.js';
import { demoCards, demoScript, ScriptedHandler, type Script } from '../../fakes/scripted-handler.js';
import type { PickCard } from '../../../src/core/conversation/turn.js';
import { FakeTelegramApi, type BotOutput } from '../../fakes/telegram-api.fake.js';
import { TelegramDriver } from '../../fakes/telegram-driver.js';
import { DATA_DIR } from '../../helpers/data.js';

interface LogEntry {
  level: string;
  fields: Record<string, unknown>;
  message: string;
}

const captureLogger = (entries: LogEntry[], bindings: Record<string, unknown> = {}): Logger => {
  const at = (level: string) => (fields: Record<string, unknown>, message: string) =>
    void entries.push({ level, fields: { ...bindings, ...fields }, message });
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => captureLogger(entries, { ...bindings, ...more }),
  };
};

const JPEG = new Uint8Array(await readFile(path.join(DATA_DIR, 'faces', 'samples', 'happy.jpg')));

interface Harness {
  fake: FakeTelegramApi;
  driver: TelegramDriver;
  handler: ScriptedHandler;
  bot: TelegramBot;
  logs: LogEntry[];
}

const running: Harness[] = [];

afterEach(async () => {
  for (const h of running.splice(0)) {
    await h.bot.stop();
    await h.fake.close();
  }
});

const setup = async (
  script?: Script,
  overrides: Partial<TelegramBotOptions> = {},
  fakeOptions: Parameters<typeof FakeTelegramApi.start>[0] = {},
): Promise<Harness> => {
  const fake = await FakeTelegramApi.start(fakeOptions);
  const driver = new TelegramDriver(fake, { timeoutMs: 10_000 });
  const handler = new ScriptedHandler(script);
  const logs: LogEntry[] = [];
  const bot = createTelegramBot({
    token: fake.token,
    apiRoot: fake.apiRoot,
    handler,
    commands: COMMANDS,
    logger: captureLogger(logs),
    handlerTimeoutMs: 2_000,
    maxImageBytes: 5 * 1024 * 1024,
    retry: { baseBackoffMs: 20 },
    onUpdateDone: driver.onUpdateDone,
    ...overrides,
  });
  await bot.start();
  const harness = { fake, driver, handler, bot, logs };
  running.push(harness);
  return harness;
};

const echo: Script = (turn) => [{ kind: 'text', text: `got ${turn.text ?? turn.action ?? turn.unsupportedMedia ?? 'image'}` }];

/** Every card with a poster (demoCards leaves every third without one). */
const withPosters = (cards: PickCard[]): PickCard[] =>
  cards.map((c) => ({ ...c, posterUrl: c.posterUrl ?? `https://image.tmdb.org/t/p/w500/extra${c.movieId}.jpg` }));

const messagesOf = (outputs: readonly BotOutput[]) =>
  outputs.filter((o): o is Extract<BotOutput, { kind: 'message' }> => o.kind === 'message');

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

describe('telegram adapter: updates to turns', () => {
  it('given a private text message, the core gets a telegram turn with who, where and the text', async () => {
    const { driver, handler } = await setup(echo);
    const ann = driver.user('Ann');
    const chat = driver.privateChat(ann);
    await driver.userSays(chat, ann, 'I feel a bit low today').done;
    const turn = handler.lastTurn();
    expect(turn).toMatchObject({
      platform: 'telegram',
      user: { id: String(ann.id), name: 'Ann' },
      chat: { id: String(chat.id), kind: 'private' },
      text: 'I feel a bit low today',
    });
    expect(turn.receivedAt).toBeInstanceOf(Date);
    expect(turn.action).toBeUndefined();
    const replies = await driver.repliesTo(chat);
    expect(messagesOf(replies).map((m) => m.text)).toEqual(['got I feel a bit low today']);
  });

  it('given /cmd@thisbot in a group, the core gets /cmd without the bot name; /cmd@otherbot is ignored', async () => {
    const { driver, handler, fake } = await setup(echo);
    const ann = driver.user('Ann');
    const group = driver.group('Film club', { supergroup: true });
    await driver.userSays(group, ann, `/mood@${fake.botUser.username} happy and restless`).done;
    expect(handler.lastTurn()).toMatchObject({ text: '/mood happy and restless', chat: { kind: 'group', id: String(group.id) } });
    const other = await driver.userSays(group, ann, '/mood@SomeOtherBot sad').done;
    expect(other.outcome).toBe('ignored');
    expect(handler.turns).toHaveLength(1);
  });

  it('given a photo, image.load downloads exactly the largest size', async () => {
    const { driver, handler, fake } = await setup(async (turn) => {
      const bytes = await turn.image!.load(5 * 1024 * 1024);
      return [{ kind: 'text', text: `loaded ${bytes.length} bytes` }];
    });
    const ann = driver.user('Ann');
    const chat = driver.privateChat(ann);
    await driver.userSendsPhoto(chat, ann, JPEG, { caption: '/selfie' }).done;
    const turn = handler.lastTurn();
    expect(turn.text).toBe('/selfie');
    expect(turn.image).toMatchObject({ sizeBytes: JPEG.length, mimeType: 'image/jpeg' });
    expect(messagesOf(await driver.repliesTo(chat))[0]?.text).toBe(`loaded ${JPEG.length} bytes`);
    expect(fake.downloads).toHaveLength(1);
    const loaded = await turn.image!.load(5 * 1024 * 1024);
    expect(Buffer.from(loaded).equals(Buffer.from(JPEG))).toBe(true);
  });

  it('given a photo announced over the limit, load refuses with image_too_large before any getFile or download', async () => {
    let refusal: unknown;
    const { driver, fake } = await setup(async (turn) => {
      refusal = await turn.image!.load(1024).catch((error: unknown) => error);
      return [{ kind: 'error', code: 'image_too_large', text: 'too large' }];
    });
    const ann = driver.user('Ann');
    const chat = driver.privateChat(ann);
    await driver.userSendsPhoto(chat, ann, JPEG).done;
    expect(refusal).toBeInstanceOf(UserError);
    expect((refusal as UserError).code).toBe('image_too_large');
    expect(fake.calls('getFile')).toHaveLength(0);
    expect(fake.downloads).toHaveLength(0);
  });

  it('given a photo without a declared size, the download stops at the byte cap', async () => {
    let refusal: unknown;
    // Bigger than loopback socket buffers, so an early stop is visible at the server.
    const big = new Uint8Array(16 * 1024 * 1024).fill(7);
    const { driver, fake } = await setup(async (turn) => {
      refusal = await turn.image!.load(100 * 1024).catch((error: unknown) => error);
      return [{ kind: 'text', text: 'ok' }];
    });
    const ann = driver.user('Ann');
    await driver.userSendsPhoto(driver.privateChat(ann), ann, big, { announceSize: false }).done;
    expect((refusal as UserError).code).toBe('image_too_large');
    expect(fake.downloads).toHaveLength(1);
    expect(fake.downloads[0]!.bytesServed).toBeLessThan(big.length);
  });

  it('given a photo Telegram will not hand over (getFile failing for good), load asks the user to send it again', async () => {
    let refusal: unknown;
    const { driver, fake } = await setup(async (turn) => {
      refusal = await turn.image!.load(5 * 1024 * 1024).catch((error: unknown) => error);
      return [{ kind: 'text', text: 'ok' }];
    });
    fake.failNext('getFile', 4, { code: 500 });
    const ann = driver.user('Ann');
    await driver.userSendsPhoto(driver.privateChat(ann), ann, JPEG).done;
    expect(refusal).toBeInstanceOf(UserError);
    expect((refusal as UserError).code).toBe('unavailable');
    expect((refusal as UserError).message).toMatch(/send it again/);
    expect(fake.downloads).toHaveLength(0);
  });

  it('given an image sent as a file, the core gets an image with its mime type and name', async () => {
    const { driver, handler } = await setup(async (turn) => {
      const bytes = await turn.image!.load(5 * 1024 * 1024);
      return [{ kind: 'text', text: `${bytes.length}` }];
    });
    const ann = driver.user('Ann');
    const chat = driver.privateChat(ann);
    await driver.userSendsDocument(chat, ann, JPEG, { fileName: 'me.jpg', mimeType: 'image/jpeg' }).done;
    expect(handler.lastTurn().image).toMatchObject({ mimeType: 'image/jpeg', fileName: 'me.jpg', sizeBytes: JPEG.length });
    expect(messagesOf(await driver.repliesTo(chat))[0]?.text).toBe(String(JPEG.length));
  });

  it('given a sticker, an animation, a voice note or a PDF, the core gets unsupportedMedia named for it', async () => {
    const { driver, handler } = await setup(echo);
    const ann = driver.user('Ann');
    const chat = driver.privateChat(ann);
    driver.userSendsMedia(chat, ann, 'sticker');
    driver.userSendsMedia(chat, ann, 'animation');
    driver.userSendsMedia(chat, ann, 'voice');
    driver.userSendsDocument(chat, ann, new Uint8Array([37, 80, 68, 70]), { fileName: 'cv.pdf', mimeType: 'application/pdf' });
    const replies = await driver.repliesTo(chat);
    expect(handler.turns.map((t) => t.unsupportedMedia)).toEqual(['sticker', 'animation', 'voice', 'document']);
    expect(handler.turns.every((t) => t.image === undefined)).toBe(true);
    expect(messagesOf(replies).map((m) => m.text)).toEqual(['got sticker', 'got animation', 'got voice', 'got document']);
  });

  it('in a group, chatter is ignored while commands, replies to the bot and button presses reach the core', async () => {
    const { driver, handler } = await setup(
      (turn) => (turn.action ? [{ kind: 'ack', toast: 'ok' }] : [{ kind: 'text', text: 'pick one', buttons: [[{ label: 'Join', action: 'join' }]] }]),
    );
    const ann = driver.user('Ann');
    const bob = driver.user('Bob');
    const group = driver.group('Film club');
    const chatter = await driver.userSays(group, bob, 'anyone up for pizza?').done;
    expect(chatter.outcome).toBe('ignored');
    const photoChatter = await driver.userSendsPhoto(group, bob, JPEG).done;
    expect(photoChatter.outcome).toBe('ignored');
    expect(handler.turns).toHaveLength(0);

    await driver.userSays(group, ann, '/watchparty').done;
    const [botMessage] = messagesOf(await driver.repliesTo(group));
    expect(botMessage?.replyToMessageId).toBeDefined();
    await driver.userSays(group, bob, 'count me in', { replyTo: botMessage!.messageId }).done;
    await driver.userPresses(group, bob, botMessage!.messageId, 'join').done;
    expect(handler.turns.map((t) => [t.text ?? t.action, t.isReplyToBot ?? false, t.chat.kind])).toEqual([
      ['/watchparty', false, 'group'],
      ['count me in', true, 'group'],
      ['join', false, 'group'],
    ]);
  });
});

describe('telegram adapter: replies to calls', () => {
  it('given picks, sends one photo message: mood line, first card, footer, its rating buttons, the pager and links', async () => {
    const cards = withPosters(demoCards(0, 5));
    const { driver } = await setup(() => [{ kind: 'picks', header: 'You seem upbeat. Five picks:', cards, footer: 'Want songs too? Send /music' }]);
    const ann = driver.user('Ann');
    const chat = driver.privateChat(ann);
    await driver.userSays(chat, ann, 'happy').done;
    const sent = messagesOf(await driver.repliesTo(chat));
    expect(sent.map((m) => m.method)).toEqual(['sendPhoto']);
    const [card] = sent;
    expect(card!.photo).toBe(cards[0]!.posterUrl);
    expect(card!.caption).toBe(
      `You seem upbeat. Five picks:\n\n1/5 · ${cards[0]!.title} (${cards[0]!.year})\n${cards[0]!.genres.join(', ')} · ${cards[0]!.runtime} min\n\n${cards[0]!.reason}\n\nWant songs too? Send /music`,
    );
    expect(card!.buttons).toEqual([
      ...cards[0]!.buttons,
      [
        { label: '◀', action: 'tp:4' },
        { label: '1/5', action: 'tp:0' },
        { label: '▶', action: 'tp:1' },
      ],
      [{ label: 'IMDb', url: cards[0]!.links[0]!.url }],
    ]);
  });

  it('given ▶ and ◀ presses, pages the same message in place with editMessageMedia, wrapping around, no new message', async () => {
    const cards = withPosters(demoCards(0, 5));
    const { driver, fake, handler } = await setup(() => [{ kind: 'picks', header: 'Picks:', cards }]);
    const ann = driver.user('Ann');
    const chat = driver.privateChat(ann);
    await driver.userSays(chat, ann, 'happy').done;
    const [card] = messagesOf(await driver.repliesTo(chat));
    await driver.userPresses(chat, ann, card!.messageId, 'tp:1').done;
    let outputs = await driver.repliesTo(chat);
    expect(outputs.map((o) => o.method)).toEqual(['answerCallbackQuery', 'editMessageMedia']);
    expect(outputs[1]).toMatchObject({ messageId: card!.messageId, photo: cards[1]!.posterUrl });
    expect(fake.message(chat.id, card!.messageId)!.caption).toContain(`2/5 · ${cards[1]!.title}`);
    expect(fake.message(chat.id, card!.messageId)!.reply_markup!.inline_keyboard[0]![0]!.callback_data).toBe(
      (cards[1]!.buttons[0]![0] as { action: string }).action,
    );
    await driver.userPresses(chat, ann, card!.messageId, 'tp:0').done;
    await driver.userPresses(chat, ann, card!.messageId, 'tp:4').done;
    outputs = await driver.repliesTo(chat);
    expect(outputs.filter((o) => o.kind === 'message')).toEqual([]);
    expect(fake.message(chat.id, card!.messageId)!.caption).toContain(`5/5 · ${cards[4]!.title}`);
    expect(fake.message(chat.id, card!.messageId)!.reply_markup!.inline_keyboard[2]!.map((b) => b.callback_data)).toEqual(['tp:3', 'tp:4', 'tp:0']);
    // Paging never reaches the core.
    expect(handler.turns.filter((t) => t.action !== undefined)).toEqual([]);
  });

  it('given a rating press on a paged card, the core gets it, the card shows "★4 saved" and keeps its pager, and still does after paging away and back', async () => {
    const cards = withPosters(demoCards(0, 3));
    const { driver, fake, handler } = await setup();
    handler.setScript((turn, h) => (turn.action ? demoScript(turn, h) : [{ kind: 'picks', header: 'Picks:', cards }]));
    const ann = driver.user('Ann');
    const chat = driver.privateChat(ann);
    await driver.userSays(chat, ann, 'happy').done;
    const [card] = messagesOf(await driver.repliesTo(chat));
    await driver.userPresses(chat, ann, card!.messageId, 'tp:2').done;
    await driver.repliesTo(chat);
    const four = (cards[2]!.buttons[0]![3] as { action: string }).action;
    await driver.userPresses(chat, ann, card!.messageId, four).done;
    expect(handler.lastTurn().action).toBe(four);
    const outputs = await driver.repliesTo(chat);
    expect(outputs.map((o) => o.method)).toEqual(['answerCallbackQuery', 'editMessageCaption']);
    const now = () => fake.message(chat.id, card!.messageId)!;
    expect(now().caption).toContain(`3/3 · ${cards[2]!.title} (${cards[2]!.year})`);
    expect(now().caption).toContain('✅ ★4 saved');
    expect(now().reply_markup!.inline_keyboard[0]![3]!.text).toBe('✅ 4★');
    expect(now().reply_markup!.inline_keyboard[2]!.map((b) => b.text)).toEqual(['◀', '3/3', '▶']);
    await driver.userPresses(chat, ann, card!.messageId, 'tp:0').done;
    expect(now().caption).not.toContain('saved');
    await driver.userPresses(chat, ann, card!.messageId, 'tp:2').done;
    expect(now().caption).toContain('✅ ★4 saved');
    expect(fake.messages(chat.id).filter((m) => m.from?.id === fake.botUser.id)).toHaveLength(1);
  });

  it('given a pick without a poster, the answer is one text card with the same keyboard, paged with editMessageText', async () => {
    const cards = demoCards(0, 3);
    expect(cards[2]!.posterUrl).toBeNull();
    const { driver, fake } = await setup(() => [{ kind: 'picks', header: 'Three picks:', cards, footer: 'Rate them!' }]);
    const ann = driver.user('Ann');
    const chat = driver.privateChat(ann);
    await driver.userSays(chat, ann, 'happy').done;
    const sent = messagesOf(await driver.repliesTo(chat));
    expect(sent.map((m) => m.method)).toEqual(['sendMessage']);
    expect(sent[0]!.text).toContain(`Three picks:\n\n1/3 · ${cards[0]!.title}`);
    expect(sent[0]!.text!.endsWith('Rate them!')).toBe(true);
    expect(sent[0]!.buttons?.[0]).toEqual(cards[0]!.buttons[0]);
    expect(sent[0]!.buttons?.[2]?.map((b) => b.label)).toEqual(['◀', '1/3', '▶']);
    await driver.userPresses(chat, ann, sent[0]!.messageId, 'tp:2').done;
    const outputs = await driver.repliesTo(chat);
    expect(outputs.map((o) => o.method)).toEqual(['answerCallbackQuery', 'editMessageText']);
    expect(fake.message(chat.id, sent[0]!.messageId)!.text).toContain(`3/3 · ${cards[2]!.title}`);
  });

  it('given a poster Telegram cannot fetch, the answer goes out as a text card with the pager', async () => {
    const cards = withPosters(demoCards(0, 2));
    const { driver, fake } = await setup(() => [{ kind: 'picks', header: '', cards }]);
    fake.refusePhotoUrls(() => true);
    const ann = driver.user('Ann');
    const chat = driver.privateChat(ann);
    await driver.userSays(chat, ann, 'happy').done;
    const sent = messagesOf(await driver.repliesTo(chat));
    expect(sent.map((m) => m.method)).toEqual(['sendMessage']);
    expect(sent[0]!.text).toContain(cards[0]!.title);
    expect(sent[0]!.buttons?.[2]?.map((b) => b.label)).toEqual(['◀', '1/2', '▶']);
    expect(fake.calls('sendPhoto').map((c) => c.errorCode)).toEqual([400]);
  });

  it('given a group and a poster Telegram cannot fetch, the text card sent instead still quotes the asking member', async () => {
    const cards = withPosters(demoCards(0, 2));
    const { driver, fake } = await setup(() => [{ kind: 'picks', header: 'Picks:', cards }]);
    fake.refusePhotoUrls(() => true);
    const ann = driver.user('Ann');
    const group = driver.group('Film club');
    const asked = driver.userSays(group, ann, '/mood happy');
    await asked.done;
    const sent = messagesOf(await driver.repliesTo(group));
    expect(sent.map((m) => m.method)).toEqual(['sendMessage']);
    expect(sent[0]!.replyToMessageId).toBe(asked.messageId);
  });

  it('given a poster Telegram cannot fetch while paging, the caption changes with a note and the keyboard follows', async () => {
    const cards = withPosters(demoCards(0, 2));
    const { driver, fake } = await setup(() => [{ kind: 'picks', header: '', cards }]);
    fake.refusePhotoUrls((url) => url === cards[1]!.posterUrl);
    const ann = driver.user('Ann');
    const chat = driver.privateChat(ann);
    await driver.userSays(chat, ann, 'happy').done;
    const [card] = messagesOf(await driver.repliesTo(chat));
    await driver.userPresses(chat, ann, card!.messageId, 'tp:1').done;
    const outputs = await driver.repliesTo(chat);
    expect(outputs.map((o) => o.method)).toEqual(['answerCallbackQuery', 'editMessageCaption']);
    expect(fake.calls('editMessageMedia').map((c) => c.errorCode)).toEqual([400]);
    const now = fake.message(chat.id, card!.messageId)!;
    expect(now.caption).toContain(`2/2 · ${cards[1]!.title}`);
    expect(now.caption).toContain('(poster not available)');
    expect(now.reply_markup!.inline_keyboard[0]![0]!.callback_data).toBe((cards[1]!.buttons[0]![0] as { action: string }).action);
  });

  it('given a restart, an old page button is refused with an alert, and an old rating button still works, replacing only the rating rows', async () => {
    const cards = withPosters(demoCards(0, 3));
    const first = await setup();
    first.handler.setScript((turn, h) => (turn.action ? demoScript(turn, h) : [{ kind: 'picks', header: 'Picks:', cards }]));
    const ann = first.driver.user('Ann');
    const chat = first.driver.privateChat(ann);
    await first.driver.userSays(chat, ann, 'happy').done;
    const [card] = messagesOf(await first.driver.repliesTo(chat));
    await first.bot.stop();
    running.splice(running.indexOf(first), 1);
    // The same Bot API (same chat and message), a new process.
    const driver = new TelegramDriver(first.fake, { timeoutMs: 10_000 });
    const handler = new ScriptedHandler(demoScript);
    const bot = createTelegramBot({
      token: first.fake.token, apiRoot: first.fake.apiRoot, handler, commands: COMMANDS, logger: captureLogger([]),
      handlerTimeoutMs: 2_000, maxImageBytes: 1024, retry: { baseBackoffMs: 20 }, onUpdateDone: driver.onUpdateDone,
    });
    await bot.start();
    running.push({ ...first, driver, handler, bot });
    await driver.repliesTo(chat); // what the first process sent
    await driver.userPresses(chat, ann, card!.messageId, 'tp:1').done;
    let outputs = await driver.repliesTo(chat);
    expect(outputs.map((o) => o.method)).toEqual(['answerCallbackQuery']);
    expect(outputs[0]).toMatchObject({ showAlert: true, text: expect.stringMatching(/no longer kept.*\/mood/) });
    const five = (cards[0]!.buttons[0]![4] as { action: string }).action;
    await driver.userPresses(chat, ann, card!.messageId, five).done;
    expect(handler.lastTurn().action).toBe(five);
    outputs = await driver.repliesTo(chat);
    expect(outputs.map((o) => o.method)).toEqual(['answerCallbackQuery', 'editMessageReplyMarkup']);
    const rows = first.fake.message(chat.id, card!.messageId)!.reply_markup!.inline_keyboard;
    expect(rows[0]![4]!.text).toBe('✅ 5★');
    expect(rows[2]!.map((b) => b.text)).toEqual(['◀', '1/3', '▶']);
    expect(rows[3]!.map((b) => b.url)).toEqual([cards[0]!.links[0]!.url]);
  });

  it('given a forged page payload, refuses it with an alert and edits nothing', async () => {
    const cards = withPosters(demoCards(0, 2));
    const { driver, fake } = await setup(() => [{ kind: 'picks', header: '', cards }]);
    const ann = driver.user('Ann');
    const chat = driver.privateChat(ann);
    await driver.userSays(chat, ann, 'happy').done;
    const [card] = messagesOf(await driver.repliesTo(chat));
    for (const data of ['tp:7', 'tp:x', 'tp:1:2']) await driver.userPresses(chat, ann, card!.messageId, data, { force: true }).done;
    const outputs = await driver.repliesTo(chat);
    expect(outputs.map((o) => o.kind)).toEqual(['callback_answer', 'callback_answer', 'callback_answer']);
    expect(outputs.every((o) => o.kind === 'callback_answer' && o.showAlert)).toBe(true);
    expect(fake.calls().filter((c) => c.method.startsWith('edit'))).toEqual([]);
  });

  it('given a text over 4096 characters, splits it into messages within the limit, buttons on the last', async () => {
    const paragraph = `${'word '.repeat(199)}end.`;
    const long = Array.from({ length: 10 }, () => paragraph).join('\n\n');
    const { driver } = await setup(() => [{ kind: 'text', text: long, buttons: [[{ label: 'More', action: 'more' }]] }]);
    const ann = driver.user('Ann');
    const chat = driver.privateChat(ann);
    await driver.userSays(chat, ann, '/help').done;
    const sent = messagesOf(await driver.repliesTo(chat));
    expect(sent.length).toBe(3);
    expect(sent.every((m) => m.text!.length <= 4096)).toBe(true);
    expect(sent.map((m) => m.text).join('\n\n')).toBe(long);
    expect(sent.slice(0, -1).every((m) => m.buttons === undefined)).toBe(true);
    expect(sent.at(-1)!.buttons).toEqual([[{ label: 'More', action: 'more' }]]);
  });

  it('given a file reply, sends a document with the exact bytes and name', async () => {
    const data = new TextEncoder().encode(JSON.stringify({ ratings: [1, 2, 3] }));
    const { driver } = await setup(() => [
      { kind: 'file', fileName: 'moodreel-export.json', mimeType: 'application/json', data, caption: 'Your data' },
    ]);
    const ann = driver.user('Ann');
    const chat = driver.privateChat(ann);
    await driver.userSays(chat, ann, '/export').done;
    const [doc] = messagesOf(await driver.repliesTo(chat));
    expect(doc?.method).toBe('sendDocument');
    expect(doc?.caption).toBe('Your data');
    const file = doc?.document as { fileName: string; bytes: Uint8Array };
    expect(file.fileName).toBe('moodreel-export.json');
    expect(Buffer.from(file.bytes).equals(Buffer.from(data))).toBe(true);
  });

  it('given an ack with buttons and no mark, the press is answered with a toast and the keyboard is replaced in place', async () => {
    const { driver, fake, handler } = await setup((turn) =>
      turn.action
        ? [{ kind: 'ack', toast: 'Saved', buttons: [[{ label: 'Done', action: 'noop' }]] }]
        : [{ kind: 'text', text: 'Pick one', buttons: [[{ label: 'Choose', action: 'choose' }]] }],
    );
    const ann = driver.user('Ann');
    const chat = driver.privateChat(ann);
    await driver.userSays(chat, ann, 'happy').done;
    const [message] = messagesOf(await driver.repliesTo(chat));
    await driver.userPresses(chat, ann, message!.messageId, 'choose').done;
    expect(handler.lastTurn()).toMatchObject({ action: 'choose', chat: { id: String(chat.id) } });
    const outputs = await driver.repliesTo(chat);
    expect(outputs.map((o) => o.kind)).toEqual(['callback_answer', 'edit']);
    expect(outputs[0]).toMatchObject({ text: 'Saved', showAlert: false });
    expect(outputs[1]).toMatchObject({ method: 'editMessageReplyMarkup', messageId: message!.messageId });
    expect(fake.message(chat.id, message!.messageId)?.reply_markup?.inline_keyboard).toEqual([[{ text: 'Done', callback_data: 'noop' }]]);
    expect(fake.message(chat.id, message!.messageId)?.text).toBe('Pick one');
  });

  it('given an ack with new text on a photo card, edits the caption and keeps the keyboard', async () => {
    const cards = demoCards(0, 1);
    const { driver, fake } = await setup((turn) =>
      turn.action ? [{ kind: 'ack', toast: 'Seen', text: 'Marked as seen' }] : [{ kind: 'picks', header: '', cards }],
    );
    const ann = driver.user('Ann');
    const chat = driver.privateChat(ann);
    await driver.userSays(chat, ann, 'x').done;
    const card = messagesOf(await driver.repliesTo(chat))[0]!;
    await driver.userPressesButton(chat, ann, 'Seen it').done;
    const outputs = await driver.repliesTo(chat);
    expect(outputs.map((o) => o.method)).toEqual(['answerCallbackQuery', 'editMessageCaption']);
    const now = fake.message(chat.id, card.messageId)!;
    expect(now.caption).toBe('Marked as seen');
    expect(now.reply_markup).toEqual(fake.messages(chat.id)[1]?.reply_markup);
    expect(now.reply_markup?.inline_keyboard.length).toBeGreaterThan(0);
  });

  it('given an update reply naming an earlier message, edits that message in place; an unknown name sends nothing', async () => {
    const { driver, bot, fake } = await setup(echo);
    const group = driver.group('Film club');
    await bot.notifier.send(String(group.id), [{ kind: 'text', text: 'Vote now', ref: 'party:abc123', buttons: [[{ label: 'Vote 1', action: 'pv:abc123:1' }]] }]);
    const [proposal] = messagesOf(await driver.repliesTo(group));
    await bot.notifier.send(String(group.id), [
      { kind: 'update', ref: 'party:abc123', text: 'Voting closed: 1 vote', buttons: null },
      { kind: 'update', ref: 'party:unknown1', text: 'never shown', buttons: null },
      { kind: 'text', text: 'Winner!' },
    ]);
    const outputs = await driver.repliesTo(group);
    expect(outputs.map((o) => o.method)).toEqual(['editMessageText', 'sendMessage']);
    expect(fake.message(group.id, proposal!.messageId)).toMatchObject({ text: 'Voting closed: 1 vote' });
    expect(fake.message(group.id, proposal!.messageId)!.reply_markup).toBeUndefined();
  });

  it('given a group flood limit, the per-chat budget queues new messages under it: no 429, all delivered in order', async () => {
    const limit = { groupMessagesPerMinute: 4, groupWindowMs: 400 };
    const { driver, bot, fake } = await setup(echo, { chatBudget: { groupMax: 4, groupWindowMs: 400 } }, limit);
    const group = driver.group('Film club');
    const started = performance.now();
    await Promise.all(Array.from({ length: 10 }, (_, i) => bot.notifier.send(String(group.id), [{ kind: 'text', text: `note ${i}` }])));
    expect(performance.now() - started).toBeGreaterThanOrEqual(800);
    expect(fake.floodRefusals(group.id)).toBe(0);
    expect(messagesOf(await driver.repliesTo(group)).map((m) => m.text)).toEqual(Array.from({ length: 10 }, (_, i) => `note ${i}`));
  });

  it('given the same flood limit and no budget to speak of, the fake answers 429 (the budget is what avoids them)', async () => {
    const limit = { groupMessagesPerMinute: 4, groupWindowMs: 400 };
    const { driver, bot, fake } = await setup(echo, { chatBudget: { groupMax: 1000 } }, limit);
    const group = driver.group('Film club');
    await Promise.all(Array.from({ length: 6 }, (_, i) => bot.notifier.send(String(group.id), [{ kind: 'text', text: `note ${i}` }]).catch(() => undefined)));
    expect(fake.floodRefusals(group.id)).toBeGreaterThan(0);
    void driver;
  });

  it('the notifier speaks first into a chat (watch-party announcement)', async () => {
    const { driver, bot } = await setup(echo);
    const group = driver.group('Film club');
    await bot.notifier.send(String(group.id), [{ kind: 'text', text: 'Voting closes in 1 minute!' }]);
    expect(messagesOf(await driver.repliesTo(group)).map((m) => m.text)).toEqual(['Voting closes in 1 minute!']);
  });
});

describe('telegram adapter: limits and failures', () => {
  it('given a 429 with retry_after, waits that long and sends the message exactly once', async () => {
    const { driver, fake } = await setup(echo);
    fake.failNext('sendMessage', 1, { code: 429, retryAfter: 1 });
    const ann = driver.user('Ann');
    const chat = driver.privateChat(ann);
    await driver.userSays(chat, ann, 'hello').done;
    const attempts = fake.calls('sendMessage');
    expect(attempts.map((c) => c.errorCode ?? 200)).toEqual([429, 200]);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(950);
    expect(messagesOf(await driver.repliesTo(chat)).map((m) => m.text)).toEqual(['got hello']);
  });

  it('given two 5xx answers, backs off and delivers once', async () => {
    const { driver, fake, logs } = await setup(echo);
    fake.failNext('sendMessage', 2, { code: 502 });
    const ann = driver.user('Ann');
    const chat = driver.privateChat(ann);
    await driver.userSays(chat, ann, 'hello').done;
    expect(fake.calls('sendMessage').map((c) => c.errorCode ?? 200)).toEqual([502, 502, 200]);
    expect(messagesOf(await driver.repliesTo(chat))).toHaveLength(1);
    expect(logs.filter((l) => l.fields.event === 'telegram_api_retry')).toHaveLength(2);
  });

  it('given a core that throws, the user gets an apology, the press is answered and the next turn works', async () => {
    const { driver, handler } = await setup((turn) => {
      if (turn.text === 'boom' || turn.action === 'boom') throw new Error('core bug');
      return [{ kind: 'text', text: 'fine', buttons: [[{ label: 'Boom', action: 'boom' }]] }];
    });
    const ann = driver.user('Ann');
    const chat = driver.privateChat(ann);
    const failed = await driver.userSays(chat, ann, 'boom').done;
    expect(failed.outcome).toBe('failed');
    expect(messagesOf(failed.outputs)[0]?.text).toMatch(/sorry/i);
    const ok = await driver.userSays(chat, ann, 'hello').done;
    const button = messagesOf(ok.outputs)[0]!;
    const press = await driver.userPresses(chat, ann, button.messageId, 'boom').done;
    expect(press.outputs.map((o) => o.kind).sort()).toEqual(['callback_answer', 'message']);
    expect(handler.turns).toHaveLength(3);
  });

  it('given a core that hangs, the user gets a timeout apology and other chats are not held up', async () => {
    const { driver } = await setup(
      (turn) => (turn.text === 'hang' ? new Promise<Reply[]>(() => undefined) : [{ kind: 'text', text: 'quick' }]),
      { handlerTimeoutMs: 1_500 },
    );
    const ann = driver.user('Ann');
    const bob = driver.user('Bob');
    const hung = driver.userSays(driver.privateChat(ann), ann, 'hang');
    const quick = await driver.userSays(driver.privateChat(bob), bob, 'hi').done;
    expect(messagesOf(quick.outputs)[0]?.text).toBe('quick');
    expect(quick.latencyMs).toBeLessThan(1_000);
    const result = await hung.done;
    expect(result.outcome).toBe('timeout');
    expect(messagesOf(result.outputs)[0]?.text).toMatch(/too long/i);
  });

  it('answers a slow first message before a quick second one in the same chat', async () => {
    const { driver } = await setup(async (turn) => {
      if (turn.text === 'slow') await new Promise((resolve) => setTimeout(resolve, 300));
      return [{ kind: 'text', text: `re ${turn.text}` }];
    });
    const ann = driver.user('Ann');
    const chat = driver.privateChat(ann);
    driver.userSays(chat, ann, 'slow');
    driver.userSays(chat, ann, 'fast');
    expect(messagesOf(await driver.repliesTo(chat)).map((m) => m.text)).toEqual(['re slow', 're fast']);
  });

  it('never logs the token or what users wrote', async () => {
    const { driver, fake, logs } = await setup(() => {
      throw new Error('core bug');
    });
    fake.failNext('sendMessage', 1, { code: 500 });
    const ann = driver.user('Ann');
    await driver.userSays(driver.privateChat(ann), ann, 'my secret feelings').done;
    const dump = JSON.stringify(logs);
    expect(dump).not.toContain(fake.token);
    expect(dump).not.toContain(fake.token.split(':')[1]);
    expect(dump).not.toContain('my secret feelings');
  });
});

describe('telegram adapter: polling conflicts and stale presses', () => {
  it('given a second instance polling with the same token, the first is told through onFatal (409)', async () => {
    const fatal: { method: string; code: number | null }[] = [];
    const first = await setup(echo, { onFatal: (error) => fatal.push({ method: error.method, code: error.code }) });
    await first.fake.waitFor(() => first.fake.isLongPolling, 5_000, 'first poll');
    const second = createTelegramBot({
      token: first.fake.token,
      apiRoot: first.fake.apiRoot,
      handler: new ScriptedHandler(echo),
      commands: COMMANDS,
      logger: captureLogger([]),
      handlerTimeoutMs: 1_000,
      maxImageBytes: 1024,
    });
    await second.start();
    try {
      await first.fake.waitFor(() => fatal.length > 0, 5_000, 'onFatal');
      expect(fatal[0]).toEqual({ method: 'getUpdates', code: 409 });
    } finally {
      await second.stop();
    }
  });

  it('given a press whose query Telegram already expired, the turn still completes and later turns work', async () => {
    const { driver, fake } = await setup((turn) =>
      turn.action ? [{ kind: 'ack', toast: 'late' }] : [{ kind: 'text', text: 'menu', buttons: [[{ label: 'Go', action: 'go' }]] }],
    );
    const ann = driver.user('Ann');
    const chat = driver.privateChat(ann);
    const menu = messagesOf((await driver.userSays(chat, ann, 'hi').done).outputs)[0]!;
    fake.failNext('answerCallbackQuery', 1, { code: 400, description: 'Bad Request: query is too old and response timeout expired or query ID is invalid' });
    const press = await driver.userPresses(chat, ann, menu.messageId, 'go').done;
    expect(press.outcome).toBe('handled');
    expect((await driver.userSays(chat, ann, 'again').done).outcome).toBe('handled');
  });

  it('given a button action longer than 64 bytes, the press brings the full action back to the core', async () => {
    const long = `party:vote:${'m'.repeat(80)}`;
    const { driver, handler } = await setup((turn) =>
      turn.action ? [{ kind: 'ack', toast: 'voted' }] : [{ kind: 'text', text: 'vote', buttons: [[{ label: 'Vote', action: long }]] }],
    );
    const ann = driver.user('Ann');
    const chat = driver.privateChat(ann);
    await driver.userSays(chat, ann, 'hi').done;
    await driver.userPressesButton(chat, ann, 'Vote').done;
    expect(handler.lastTurn().action).toBe(long);
  });
});

describe('telegram adapter: registration and webhook', () => {
  it('given a wrong token, start() rejects with a getMe TelegramApiError that does not contain the token', async () => {
    const fake = await FakeTelegramApi.start();
    const wrongToken = '123456789:AAwrongwrongwrongwrongwrongwrongwro';
    const bot = createTelegramBot({
      token: wrongToken,
      apiRoot: fake.apiRoot,
      handler: new ScriptedHandler(echo),
      commands: COMMANDS,
      logger: captureLogger([]),
      handlerTimeoutMs: 1_000,
      maxImageBytes: 1024,
    });
    try {
      const error = await bot.start().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TelegramApiError);
      expect(error).toMatchObject({ method: 'getMe', code: 401 });
      expect(String((error as Error).message)).not.toContain(wrongToken.split(':')[1]);
    } finally {
      await bot.stop();
      await fake.close();
    }
  });

  it('registers every command for private chats and the group ones for groups', async () => {
    const { fake } = await setup(echo);
    expect(fake.commands('all_private_chats')?.map((c) => c.command)).toEqual(COMMANDS.map((c) => c.name));
    expect(fake.commands('all_group_chats')?.map((c) => c.command)).toEqual(COMMANDS.filter((c) => c.group).map((c) => c.name));
  });

  it('in webhook mode, sets the webhook with the secret, refuses wrong or missing secrets with 403 and handles the right one', async () => {
    const port = await freePort();
    const secret = 'test_secret-123';
    const path = '/telegram/hook';
    const { fake, driver, handler } = await setup(echo, {
      webhook: { url: `http://127.0.0.1:${port}${path}`, secret, port, host: '127.0.0.1' },
    });
    expect(fake.webhookInfo()).toMatchObject({ url: `http://127.0.0.1:${port}${path}`, hasSecret: true });
    const update = { update_id: 1, message: { message_id: 1, date: 0, chat: { id: 1, type: 'private' }, from: { id: 1, is_bot: false, first_name: 'X' }, text: 'forged' } };
    const post = (headers: Record<string, string>) =>
      fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(update) });
    expect((await post({})).status).toBe(403);
    expect((await post({ 'x-telegram-bot-api-secret-token': 'wrong' })).status).toBe(403);
    expect(handler.turns).toHaveLength(0);

    // The fake delivers real updates to the webhook with the secret.
    const ann = driver.user('Ann');
    const chat = driver.privateChat(ann);
    await driver.userSays(chat, ann, 'via webhook').done;
    expect(handler.lastTurn().text).toBe('via webhook');
    expect(messagesOf(await driver.repliesTo(chat)).map((m) => m.text)).toEqual(['got via webhook']);
    expect(fake.calls('getUpdates')).toHaveLength(0);
  });

  it('given the Bot API refusing connections while polling, logs one warning and one info line and answers once it is back', async () => {
    const { fake, driver, logs } = await setup(echo, { backoff: { baseMs: 50, factor: 1.5, maxMs: 200, jitter: 0.2 } });
    const before = logs.length;
    await fake.goDown();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await fake.comeBack();
    const ann = driver.user('Ann');
    const chat = driver.privateChat(ann);
    await driver.userSays(chat, ann, 'back again').done;
    expect(messagesOf(await driver.repliesTo(chat)).map((m) => m.text)).toEqual(['got back again']);
    const events = logs.slice(before).filter((l) => l.level !== 'debug').map((l) => l.fields.event);
    expect(events.filter((e) => e === 'api_unreachable' || e === 'api_reachable')).toEqual(['api_unreachable', 'api_reachable']);
    expect(logs.slice(before).filter((l) => l.level === 'warn' || l.level === 'error')).toHaveLength(1);
  });

  it('in webhook mode with the Bot API unreachable, keeps serving its endpoint and answers again once the API is back', async () => {
    const port = await freePort();
    const secret = 'outage_secret';
    const path = '/telegram/hook';
    const { fake, driver, handler } = await setup(echo, {
      webhook: { url: `http://127.0.0.1:${port}${path}`, secret, port, host: '127.0.0.1' },
    });
    await fake.goDown();
    const update = { update_id: 77, message: { message_id: 1, date: 0, chat: { id: 5, type: 'private' }, from: { id: 5, is_bot: false, first_name: 'Y' }, text: 'during the outage' } };
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
      body: JSON.stringify(update),
    });
    expect(response.status).toBe(200);
    expect(handler.lastTurn().text).toBe('during the outage');
    await fake.comeBack();
    const ann = driver.user('Ann');
    const chat = driver.privateChat(ann);
    await driver.userSays(chat, ann, 'after the outage').done;
    expect(messagesOf(await driver.repliesTo(chat)).map((m) => m.text)).toEqual(['got after the outage']);
  });
});
