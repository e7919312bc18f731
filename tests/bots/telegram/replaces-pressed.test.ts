/**
 * A picks answer to a press on a picks message (`replacesPressed`, a mood
 * correction): the real telegraf client against the fake Bot API, with a
 * scripted core. A photo card stays a photo card, a text card a text card; when
 * that cannot be, the picks come as a new message. Pictures go out as photos.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createTelegramBot, type TelegramBot } from '../../../src/bots/telegram/telegram.adapter.js';
import { COMMANDS } from '../../../src/core/conversation/commands.js';
import type { PickCard, Reply } from '../../../src/core/conversation/turn.js';
import { createLogger } from '../../../src/infra/logging/logger.js';
import { demoCards, ScriptedHandler, type Script } from '../../fakes/scripted-handler.js';
import { FakeTelegramApi, type BotOutput, type UploadedFile } from '../../fakes/telegram-api.fake.js';
import { TelegramDriver } from '../../fakes/telegram-driver.js';

const running: { bot: TelegramBot; fake: FakeTelegramApi }[] = [];
afterEach(async () => {
  for (const h of running.splice(0)) {
    await h.bot.stop();
    await h.fake.close();
  }
});

const setup = async (script: Script) => {
  const fake = await FakeTelegramApi.start();
  const driver = new TelegramDriver(fake, { timeoutMs: 10_000 });
  const bot = createTelegramBot({
    token: fake.token, apiRoot: fake.apiRoot, handler: new ScriptedHandler(script), commands: COMMANDS,
    logger: createLogger('silent'), handlerTimeoutMs: 2_000, maxImageBytes: 1_000_000, onUpdateDone: driver.onUpdateDone,
  });
  await bot.start();
  running.push({ bot, fake });
  return { fake, driver };
};

const posters = (cards: PickCard[]) => cards.map((c) => ({ ...c, posterUrl: `https://image.tmdb.org/t/p/w500/p${c.movieId}.jpg` }));
const noPosters = (cards: PickCard[]) => cards.map((c) => ({ ...c, posterUrl: null }));
const control = [[{ label: '😊 happy', key: 'joy', action: 'k:1:0' }]];
const messages = (outputs: readonly BotOutput[]) => outputs.filter((o): o is Extract<BotOutput, { kind: 'message' }> => o.kind === 'message');
const edits = (outputs: readonly BotOutput[]) => outputs.filter((o): o is Extract<BotOutput, { kind: 'edit' }> => o.kind === 'edit');

/** First answer: `first` cards; a press answers with an ack and `next` cards replacing the pressed message. */
const script = (first: PickCard[], next: PickCard[]): Script => (turn) => {
  if (turn.action === undefined) return [{ kind: 'picks', header: 'You seem low.', cards: first, footer: 'Not quite? I feel…', footerButtons: control }];
  const picks: Reply = { kind: 'picks', header: 'You feel happy.', cards: next, footer: 'Not quite? I feel…', footerButtons: control, replacesPressed: true };
  return [{ kind: 'ack', toast: 'Got it' }, picks];
};

describe('Telegram: picks that replace the pressed message', () => {
  it('given a photo card and new cards with posters, edits the same message (new poster, new caption)', async () => {
    const { fake, driver } = await setup(script(posters(demoCards(0)), posters(demoCards(3))));
    const user = driver.user();
    const chat = driver.privateChat(user);
    const [first] = messages((await driver.userSays(chat, user, 'meh').done).outputs);
    const pressed = await driver.userPressesButton(chat, user, '😊 happy').done;
    expect(messages(pressed.outputs)).toEqual([]);
    expect(edits(pressed.outputs).map((e) => [e.messageId, e.method])).toEqual([[first!.messageId, 'editMessageMedia']]);
    expect(fake.message(chat.id, first!.messageId)!.caption).toMatch(/^You feel happy\./);
    // Paging still works on the replaced carousel.
    await driver.userPressesButton(chat, user, '▶').done;
    expect(fake.message(chat.id, first!.messageId)!.caption).toMatch(/2\/3 · /);
  });

  it('given a text card, edits its text', async () => {
    const { fake, driver } = await setup(script(noPosters(demoCards(0)), noPosters(demoCards(3))));
    const user = driver.user();
    const chat = driver.privateChat(user);
    const [first] = messages((await driver.userSays(chat, user, 'meh').done).outputs);
    const pressed = await driver.userPressesButton(chat, user, '😊 happy').done;
    expect(edits(pressed.outputs).map((e) => e.method)).toEqual(['editMessageText']);
    expect(fake.message(chat.id, first!.messageId)!.text).toMatch(/^You feel happy\./);
  });

  it('given a photo card and a new card without a poster, sends the new picks as a new message', async () => {
    const { driver } = await setup(script(posters(demoCards(0)), noPosters(demoCards(3))));
    const user = driver.user();
    const chat = driver.privateChat(user);
    await driver.userSays(chat, user, 'meh').done;
    const pressed = await driver.userPressesButton(chat, user, '😊 happy').done;
    expect(edits(pressed.outputs)).toEqual([]);
    expect(messages(pressed.outputs).map((m) => m.text ?? m.caption)).toEqual([expect.stringMatching(/^You feel happy\./)]);
  });

  it('given a PNG file reply, sends a photo with the caption; other files stay documents', async () => {
    const png = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10, 1, 2, 3]);
    const { driver } = await setup((turn) => [
      turn.text === 'chart'
        ? { kind: 'file', fileName: 'moodlog.png', mimeType: 'image/png', data: png, caption: 'Mostly joy' }
        : { kind: 'file', fileName: 'x.json', mimeType: 'application/json', data: new TextEncoder().encode('{}'), caption: 'data' },
    ]);
    const user = driver.user();
    const chat = driver.privateChat(user);
    const [photo] = messages((await driver.userSays(chat, user, 'chart').done).outputs);
    expect([photo!.method, photo!.caption, (photo!.photo as UploadedFile).bytes.length]).toEqual(['sendPhoto', 'Mostly joy', png.length]);
    const [doc] = messages((await driver.userSays(chat, user, 'export').done).outputs);
    expect(doc!.method).toBe('sendDocument');
  });
});
