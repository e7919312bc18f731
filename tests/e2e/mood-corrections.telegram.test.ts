/**
 * Mood corrections, the "help MoodReel read moods better" setting and /moodlog
 * on Telegram: the real core behind the real telegraf client, against the local
 * fake Bot API. The correction buttons live on the picks message itself, and a
 * press re-picks on that same message.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeTelegramApi, BotOutput, UploadedFile } from '../fakes/telegram-api.fake.js';
import type { TelegramDriver } from '../fakes/telegram-driver.js';
import { startTelegramRig, type TelegramRig } from '../fakes/telegram-rig.js';
import { DATA_DIR, startTestApp, type TestApp } from '../helpers/app.js';

type Message = Extract<BotOutput, { kind: 'message' }>;
const messages = (outputs: readonly BotOutput[]) => outputs.filter((o): o is Message => o.kind === 'message');
const answers = (outputs: readonly BotOutput[]) => outputs.filter((o) => o.kind === 'callback_answer').map((o) => (o as { text?: string }).text ?? '');
const alerts = (outputs: readonly BotOutput[]) => outputs.filter((o) => o.kind === 'callback_answer' && o.showAlert).map((o) => (o as { text?: string }).text ?? '');
const edits = (outputs: readonly BotOutput[]) => outputs.filter((o): o is Extract<BotOutput, { kind: 'edit' }> => o.kind === 'edit');
const textOf = (m: { text?: string; caption?: string }) => m.text ?? m.caption ?? '';
const labels = (m: Message) => (m.buttons ?? []).flat().map((b) => b.label);

const MISREAD = 'I am so nervous about my wedding tomorrow, I could cry';
const MOOD_BUTTONS = ['😊 happy', '🥰 loving', '😔 low', '😠 angry', '😟 anxious', '😮 surprised', '😐 calm'];

describe('Telegram: mood corrections, donation setting and /moodlog', () => {
  let t: TestApp;
  let fake: FakeTelegramApi;
  let driver: TelegramDriver;
  let rig: TelegramRig;
  const db = () => t.app.database.db;
  const userIdOf = async (telegramId: number) =>
    (await db().identity.findUniqueOrThrow({ where: { platform_externalId: { platform: 'telegram', externalId: String(telegramId) } } })).userId;

  beforeAll(async () => {
    t = await startTestApp();
    rig = await startTelegramRig({ handler: t.app.handler });
    ({ fake, driver } = rig);
  }, 240_000);

  afterAll(async () => {
    await rig?.stop();
    await t?.dispose();
  });

  it('given picks from a sentence, a mood button re-picks on the same message and stores the correction', async () => {
    const user = driver.user('Ana');
    const chat = driver.privateChat(user);
    const [answer] = messages((await driver.userSays(chat, user, MISREAD).done).outputs);
    expect(textOf(answer!)).toMatch(/Not quite\? I feel…/);
    expect(labels(answer!)).toEqual(expect.arrayContaining(MOOD_BUTTONS));
    const press = await driver.userPressesButton(chat, user, '😊 happy').done;
    expect(answers(press.outputs).join()).toMatch(/Got it: you feel happy/);
    expect(messages(press.outputs)).toEqual([]);
    expect(edits(press.outputs).map((e) => e.messageId)).toEqual([answer!.messageId]);
    const now = fake.message(chat.id, answer!.messageId)!;
    expect(textOf(now)).toMatch(/^Thanks for telling me: you feel happy 😊\. Here are picks for a happy mood:/);
    expect(now.reply_markup!.inline_keyboard.flat().map((b) => b.text)).toContain('✅ happy');
    const id = await userIdOf(user.id);
    expect(await db().moodCorrection.findFirstOrThrow({ where: { userId: id } })).toMatchObject({ chosenLabel: 'joy', inputKind: 'text' });
    expect(await db().donatedSentence.count({ where: { userId: id } })).toBe(0);
    // The same choice again changes nothing; another one re-picks again.
    expect(answers((await driver.userPressesButton(chat, user, '✅ happy').done).outputs).join()).toMatch(/Already noted/);
    await driver.userPressesButton(chat, user, '🥰 loving').done;
    expect(textOf(fake.message(chat.id, answer!.messageId)!)).toMatch(/you feel loving/);
    expect((await db().moodCorrection.findFirstOrThrow({ where: { userId: id } })).chosenLabel).toBe('love');
  });

  it('given a group, only the asker can correct their reading; a stranger and a forged press get an alert', async () => {
    const asker = driver.user('Ben');
    const stranger = driver.user('Cat');
    const group = driver.group('Movie night');
    const [answer] = messages((await driver.userSays(group, asker, `/mood ${MISREAD}`).done).outputs);
    expect(labels(answer!)).toEqual(expect.arrayContaining(MOOD_BUTTONS));
    const refused = await driver.userPressesButton(group, stranger, '😊 happy').done;
    expect(alerts(refused.outputs).join()).toMatch(/belongs to someone else/);
    expect(edits(refused.outputs)).toEqual([]);
    const forged = await driver.userPresses(group, asker, answer!.messageId, 'k:99999999:0', { force: true }).done;
    expect(alerts(forged.outputs).join()).toMatch(/no longer kept/);
    const garbage = await driver.userPresses(group, asker, answer!.messageId, 'k:1:9', { force: true }).done;
    expect(alerts(garbage.outputs).join()).toMatch(/not valid/);
    const own = await driver.userPressesButton(group, asker, '😮 surprised').done;
    expect(edits(own.outputs).map((e) => e.messageId)).toEqual([answer!.messageId]);
    expect(await db().moodCorrection.count({ where: { userId: await userIdOf(stranger.id) } })).toBe(0);
  });

  it('given the setting turned on by its button, a corrected sentence is donated; the off button erases it', async () => {
    const user = driver.user('Dee');
    const chat = driver.privateChat(user);
    const shown = messages((await driver.userSays(chat, user, '/settings').done).outputs);
    expect(shown.map(textOf).join()).toMatch(/help MoodReel read moods better: off/);
    const on = await driver.userPressesButton(chat, user, 'Help MoodReel read moods better').done;
    expect(answers(on.outputs).join()).toMatch(/Thanks!/);
    await driver.userSays(chat, user, MISREAD).done;
    await driver.userPressesButton(chat, user, '😊 happy').done;
    const id = await userIdOf(user.id);
    expect((await db().donatedSentence.findMany({ where: { userId: id } })).map((d) => [d.text, d.label])).toEqual([
      ['i am so nervous about my wedding tomorrow i could cry', 'joy'],
    ]);
    await driver.userSays(chat, user, '/settings').done;
    const off = await driver.userPressesButton(chat, user, /turn off/).done;
    expect(answers(off.outputs).join()).toMatch(/erased the sentences/);
    expect(await db().donatedSentence.count({ where: { userId: id } })).toBe(0);
  });

  it('given a photo, the correction stores input kind photo and never a sentence, even opted in', async () => {
    const user = driver.user('Eli');
    const chat = driver.privateChat(user);
    await driver.userSays(chat, user, '/settings donate on').done;
    const happy = new Uint8Array(await readFile(path.join(DATA_DIR, 'faces', 'samples', 'happy.jpg')));
    await driver.userSendsPhoto(chat, user, happy).done;
    await driver.userPressesButton(chat, user, /Yes, analyse/).done;
    const [answer] = messages((await driver.userSendsPhoto(chat, user, happy, { caption: 'what a day' }).done).outputs);
    expect(labels(answer!)).toEqual(expect.arrayContaining(MOOD_BUTTONS));
    await driver.userPressesButton(chat, user, '😔 low').done;
    const id = await userIdOf(user.id);
    expect(await db().moodCorrection.findFirstOrThrow({ where: { userId: id } })).toMatchObject({ inputKind: 'photo', chosenLabel: 'sadness' });
    expect(await db().moodObservation.count({ where: { userId: id } })).toBe(1);
    expect(await db().donatedSentence.count({ where: { userId: id } })).toBe(0);
  });

  it('given /moodlog, sends the chart as a photo with the summary; without readings, explains; in a group, asks for a private chat', async () => {
    const user = driver.user('Fay');
    const chat = driver.privateChat(user);
    const empty = messages((await driver.userSays(chat, user, '/moodlog').done).outputs);
    expect(empty.map(textOf).join()).toMatch(/mood log is empty/);
    expect(empty.every((m) => m.photo === undefined)).toBe(true);
    await driver.userSays(chat, user, 'I feel wonderful today').done;
    const [chart] = messages((await driver.userSays(chat, user, '/moodlog').done).outputs);
    expect(chart!.method).toBe('sendPhoto');
    expect(textOf(chart!)).toMatch(/1 reading in the last 30 days/);
    const meta = await sharp((chart!.photo as UploadedFile).bytes).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 800, 400]);
    const group = driver.group('Friends');
    expect(messages((await driver.userSays(group, user, '/moodlog').done).outputs).map(textOf).join()).toMatch(/private chat/);
  });

  it('given /forget, a scan finds no correction, donated sentence or reading of the user', async () => {
    const user = driver.user('Gus');
    const chat = driver.privateChat(user);
    await driver.userSays(chat, user, '/settings donate on').done;
    await driver.userSays(chat, user, MISREAD).done;
    await driver.userPressesButton(chat, user, '😊 happy').done;
    const id = await userIdOf(user.id);
    expect(await db().donatedSentence.count({ where: { userId: id } })).toBe(1);
    await driver.userSays(chat, user, '/forget').done;
    await driver.userPressesButton(chat, user, /Yes, erase/).done;
    for (const table of ['moodCorrection', 'donatedSentence', 'moodObservation', 'recommendation'] as const) {
      expect(await (db()[table] as unknown as { count(a: unknown): Promise<number> }).count({ where: { userId: id } }), table).toBe(0);
    }
    expect(await db().user.count({ where: { id } })).toBe(0);
  });
});
