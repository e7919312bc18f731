/**
 * The real core behind the real telegraf client, against the local fake Bot
 * API: onboarding, text mood, selfie mood, rating, settings, forget and a whole
 * watch party with three members.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TelegramBot } from '../../src/bots/telegram/telegram.adapter.js';
import type { FakeTelegramApi, BotOutput } from '../fakes/telegram-api.fake.js';
import type { TelegramDriver } from '../fakes/telegram-driver.js';
import { startTelegramRig, type TelegramRig } from '../fakes/telegram-rig.js';
import { DATA_DIR, startTestApp, TestClock, type TestApp } from '../helpers/app.js';

type Message = Extract<BotOutput, { kind: 'message' }>;
const messages = (outputs: readonly BotOutput[]) => outputs.filter((o): o is Message => o.kind === 'message');
const answers = (outputs: readonly BotOutput[]) => outputs.filter((o) => o.kind === 'callback_answer').map((o) => (o as { text?: string }).text ?? '');
const edits = (outputs: readonly BotOutput[]) => outputs.filter((o): o is Extract<BotOutput, { kind: 'edit' }> => o.kind === 'edit');
const textOf = (m: Message) => m.text ?? m.caption ?? '';

describe('Telegram end to end with the real core', () => {
  let t: TestApp;
  let fake: FakeTelegramApi;
  let driver: TelegramDriver;
  let bot: TelegramBot;
  let rig: TelegramRig;
  const clock = new TestClock();
  let happy: Uint8Array;

  beforeAll(async () => {
    happy = new Uint8Array(await readFile(path.join(DATA_DIR, 'faces', 'samples', 'happy.jpg')));
    t = await startTestApp({}, clock);
    rig = await startTelegramRig({ handler: t.app.handler });
    ({ fake, driver, bot } = rig);
    t.app.parties.registerNotifier(bot.notifier);
  }, 240_000);

  afterAll(async () => {
    await rig?.stop();
    await t?.dispose();
  });

  it('given /start, greets and says what MoodReel keeps and never keeps', async () => {
    const user = driver.user('Ana');
    const chat = driver.privateChat(user);
    const out = messages((await driver.userSays(chat, user, '/start').done).outputs);
    expect(out.map(textOf).join('\n')).toMatch(/never keeps/);
  });

  it('given a sentence, answers with one picks message (mood line, poster card, rating buttons, pager); paging and rating edit it in place', async () => {
    const user = driver.user('Ben');
    const chat = driver.privateChat(user);
    const out = messages((await driver.userSays(chat, user, 'I feel rough today').done).outputs);
    expect(out).toHaveLength(1);
    const [answer] = out;
    expect(textOf(answer!)).toMatch(/^You seem /);
    expect(answer!.buttons!.flat().filter((b) => /^[1-5]★$/.test(b.label))).toHaveLength(5);
    expect(answer!.buttons!.flat().map((b) => b.label)).toEqual(expect.arrayContaining(['◀', '1/5', '▶']));
    expect(typeof answer!.photo === 'string' && answer!.photo.startsWith('https://image.tmdb.org/')).toBe(true);
    const paged = await driver.userPressesButton(chat, user, '▶').done;
    expect(messages(paged.outputs)).toEqual([]);
    expect(edits(paged.outputs).map((e) => e.messageId)).toEqual([answer!.messageId]);
    expect(fake.message(chat.id, answer!.messageId)!.caption).toMatch(/^You seem [\s\S]*\n2\/5 · /);
    const current = () => fake.message(chat.id, answer!.messageId)!.reply_markup!.inline_keyboard.flat();
    const actionOf = (label: string) => current().find((b) => b.text === label)!.callback_data!;
    const press = await driver.userPresses(chat, user, answer!.messageId, actionOf('4★')).done;
    expect(answers(press.outputs).join()).toMatch(/Saved: 4★/);
    expect(messages(press.outputs)).toEqual([]);
    expect(fake.message(chat.id, answer!.messageId)!.caption).toContain('★4 saved');
    expect(current().some((b) => b.text === '✅ 4★')).toBe(true);
    await driver.userPresses(chat, user, answer!.messageId, actionOf('2★')).done;
    expect(fake.message(chat.id, answer!.messageId)!.caption).toContain('★2 saved');
    const stored = await t.app.database.db.rating.findMany({ where: { source: 'button', user: { identities: { some: { platform: 'telegram', externalId: String(user.id) } } } } });
    expect(stored.map((r) => r.value)).toEqual([2]);
    // Last, as it depends on the text model rather than on the layout.
    expect(textOf(answer!)).toMatch(/You seem (low|anxious)/);
  });

  it('given a selfie, asks for consent first, then reads the face and answers with picks', async () => {
    const user = driver.user('Cleo');
    const chat = driver.privateChat(user);
    const ask = messages((await driver.userSendsPhoto(chat, user, happy).done).outputs);
    expect(ask.map(textOf).join()).toMatch(/Is that OK\?/);
    await driver.userPressesButton(chat, user, /Yes, analyse/).done;
    const out = messages((await driver.userSendsPhoto(chat, user, happy).done).outputs);
    expect(out.map(textOf).join('\n')).toMatch(/You seem happy/);
    expect(out).toHaveLength(1);
    expect(out[0]!.buttons!.flat().filter((b) => /^[1-5]★$/.test(b.label))).toHaveLength(5);
  });

  it('given /settings, shows them and a button changes the strategy', async () => {
    const user = driver.user('Dev');
    const chat = driver.privateChat(user);
    const shown = messages((await driver.userSays(chat, user, '/settings').done).outputs);
    expect(shown.map(textOf).join()).toMatch(/Your settings/);
    const press = await driver.userPressesButton(chat, user, /Lift my mood/).done;
    expect(answers(press.outputs).join()).toMatch(/Saved/);
    const u = await t.app.stores.users.resolve('telegram', String(user.id));
    expect((await t.app.stores.preferences.get(u.id)).strategy).toBe('lift');
  });

  it('given /forget and a confirm, erases the user and says what was erased', async () => {
    const user = driver.user('Eve');
    const chat = driver.privateChat(user);
    await driver.userSays(chat, user, 'so happy today').done;
    await driver.userPressesButton(chat, user, '5★').done;
    await driver.userSays(chat, user, '/forget').done;
    const press = await driver.userPressesButton(chat, user, /Yes, erase/).done;
    expect(edits(press.outputs).map((e) => e.text ?? '').join()).toMatch(/Erased everything about you/);
    expect(await t.app.database.db.identity.count({ where: { platform: 'telegram', externalId: String(user.id) } })).toBe(0);
  });

  it('given a group with three members, runs a watch party on one message from join to winner, then one announcement; outsiders and late votes are refused', async () => {
    const [a, b, c, outsider] = [driver.user('Ann'), driver.user('Bob'), driver.user('Cat'), driver.user('Olly')];
    const group = driver.group('Movie night');
    const callsBefore = fake.calls().length;
    const start = messages((await driver.userSays(group, a, '/watchparty 5').done).outputs);
    const proposalId = start[0]!.messageId;
    expect(start.map(textOf).join()).toMatch(/Watch party!/);
    await driver.userPressesButton(group, b, /Join/).done;
    await driver.userPressesButton(group, c, /Join/).done;
    const second = messages((await driver.userSays(group, b, '/watchparty').done).outputs);
    expect(second.map(textOf).join()).toMatch(/already running/);
    const proposed = await driver.userPressesButton(group, a, /Propose picks/).done;
    const voteButtons = edits(proposed.outputs)[0]!.buttons!.flat();
    expect(voteButtons.length).toBeGreaterThanOrEqual(3);
    await driver.userPressesButton(group, a, voteButtons[1]!.label).done;
    await driver.userPressesButton(group, b, voteButtons[1]!.label).done;
    await driver.userPressesButton(group, c, voteButtons[0]!.label).done;
    const changed = await driver.userPressesButton(group, c, voteButtons[1]!.label).done;
    expect(answers(changed.outputs).join()).toMatch(/Vote changed/);
    const refused = await driver.userPressesButton(group, outsider, voteButtons[0]!.label).done;
    expect(answers(refused.outputs).join()).toMatch(/Only members/);
    clock.advance(6 * 60_000);
    const announced = driver.waitForOutput(group, (o) => o.kind === 'message' && /Watch party result/.test(o.text ?? ''));
    await t.app.parties.sweep();
    const result = (await announced) as Message;
    expect(result.text).toMatch(/3 of 3 member vote\(s\)/);
    const winner = voteButtons[1]!.label.replace(/^🗳 \d+\. /, '').replace(/…$/, '').slice(0, 20);
    expect(result.text).toContain(winner);
    // The proposal itself now shows the count and has no buttons left.
    const closed = fake.message(group.id, proposalId)!;
    expect(closed.text).toMatch(/Voting closed \(3 members\)/);
    expect(closed.text).toMatch(new RegExp(`🏆 ${winner.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^\n]* — 3 votes`));
    expect(closed.reply_markup).toBeUndefined();
    // Every message of the party: the proposal (edited in place since) and the announcement.
    const partyCalls = fake.calls().slice(callsBefore).filter((call) => Number(call.params.chat_id) === group.id || call.method === 'answerCallbackQuery');
    expect(partyCalls.filter((call) => call.method.startsWith('send') && call.ok).length).toBe(3); // lobby, "already running" refusal, result
    const late = await driver.userPresses(group, a, proposalId, (voteButtons[0] as { action: string }).action, { force: true }).done;
    expect(answers(late.outputs).join()).toMatch(/party is over/);
  });
});
