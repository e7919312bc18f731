/**
 * Mood corrections, the "help MoodReel read moods better" setting and /moodlog
 * on Discord: the real core behind the real discord.js client, against the
 * local fake of Discord's REST API and gateway. The mood buttons ride on the
 * picks answer's one message; a press answers with new picks (only the presser
 * sees them in a server, in place of the pressed picks in a DM).
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordRig, type DiscordRig } from '../fakes/discord-rig.js';
import type { BotMessage } from '../fakes/discord-driver.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

const MISREAD = 'I am so nervous about my wedding tomorrow, I could cry';
const MOOD_BUTTONS = ['😊 happy', '🥰 loving', '😔 low', '😠 angry', '😟 anxious', '😮 surprised', '😐 calm'];
const cardsOf = (messages: readonly BotMessage[]) => messages.filter((m) => m.buttons.flat().some((b) => b.label === '4★'));
const pagerOf = (message: BotMessage) => message.buttons.find((row) => row[0]?.label === '◀')?.map((b) => b.label);
const controlOf = (messages: readonly BotMessage[]) => messages.find((m) => m.buttons.flat().some((b) => b.label === '😊 happy' || b.label === '✅ happy'))!;

describe('Discord: mood corrections, donation setting and /moodlog', () => {
  let t: TestApp;
  let rig: DiscordRig;
  const db = () => t.app.database.db;
  const userIdOf = async (discordId: string) =>
    (await db().identity.findUniqueOrThrow({ where: { platform_externalId: { platform: 'discord', externalId: discordId } } })).userId;

  beforeAll(async () => {
    t = await startTestApp();
    rig = await startDiscordRig({ handler: t.app.handler, interactionTimeoutMs: 30_000, maxImageBytes: 10_000_000 });
  }, 240_000);

  afterAll(async () => {
    await rig?.stop();
    await t?.dispose();
  });

  const run = async (user: ReturnType<DiscordRig['driver']['user']>, command: string, options: Parameters<DiscordRig['driver']['userRuns']>[3] = {}, channel = rig.driver.channel()) =>
    rig.driver.repliesTo(await rig.driver.userRuns(channel, user, command, options), { timeoutMs: 30_000 });
  const press = async (user: ReturnType<DiscordRig['driver']['user']>, message: BotMessage, label: string) =>
    rig.driver.repliesTo(await rig.driver.press(user, message, label), { timeoutMs: 30_000 });

  it('given picks in a server, the asker\'s mood button answers with new picks only they see; a stranger is refused', async () => {
    const asker = rig.driver.user('Ana');
    const stranger = rig.driver.user('Bo');
    const answer = await run(asker, 'mood', { text: MISREAD });
    expect(answer.messages).toHaveLength(1);
    const control = controlOf(answer.messages);
    expect(control.embeds[0]?.footer?.text).toMatch(/Not quite\? I feel…$/);
    expect(control.buttons.slice(3).flat().map((b) => b.label)).toEqual(MOOD_BUTTONS);
    expect(cardsOf(answer.messages)).toEqual([control]);
    const refused = await press(stranger, control, '😊 happy');
    expect(refused.text).toMatch(/belongs to someone else/);
    expect(refused.messages.every((m) => m.ephemeral)).toBe(true);
    const corrected = await press(asker, control, '😊 happy');
    expect(corrected.text).toMatch(/Got it: you feel happy/);
    expect(corrected.text).toMatch(/Thanks for telling me: you feel happy 😊/);
    expect(corrected.updated).toBeNull(); // the public answer stays as it was
    expect(cardsOf(corrected.messages)).toHaveLength(1);
    expect(pagerOf(cardsOf(corrected.messages)[0]!)).toEqual(['◀', '1/5', '▶']);
    expect(corrected.messages.every((m) => m.ephemeral && m.visibleTo === asker.id)).toBe(true);
    expect(controlOf(corrected.messages).buttons.flat().map((b) => b.label)).toContain('✅ happy');
    const paged = await press(asker, cardsOf(corrected.messages)[0]!, '▶');
    expect(pagerOf(paged.updated!)).toEqual(['◀', '2/5', '▶']);
    const id = await userIdOf(asker.id);
    expect(await db().moodCorrection.findFirstOrThrow({ where: { userId: id } })).toMatchObject({ chosenLabel: 'joy', inputKind: 'text' });
    expect(await db().moodCorrection.count({ where: { userId: await userIdOf(stranger.id).catch(() => -1) } })).toBe(0);
  });

  it('given picks in a DM, a mood button shows new picks in place of the pressed ones; a forged or forgotten reading is refused', async () => {
    const user = rig.driver.user('Cy');
    const dm = rig.driver.dm(user);
    const answer = await run(user, 'mood', { text: MISREAD }, dm);
    const control = controlOf(answer.messages);
    const corrected = await press(user, control, '😮 surprised');
    expect(corrected.messages).toEqual([]);
    expect(corrected.updated).toMatchObject({ id: control.id, ephemeral: false });
    expect(corrected.updated?.content).toMatch(/you feel surprised/);
    expect(pagerOf(corrected.updated!)).toEqual(['◀', '1/5', '▶']);
    expect(corrected.updated?.buttons.flat().map((b) => b.label)).toContain('✅ surprised');
    const forged = rig.fake.newInteraction({ type: 3, user, channel: dm, message: rig.fake.messages.get(control.id)!, customId: 'k:99999999:0', data: { custom_id: 'k:99999999:0', component_type: 2 } });
    rig.fake.dispatchInteraction(forged);
    expect((await rig.driver.repliesTo({ interaction: forged, channel: dm, user }, { timeoutMs: 30_000 })).text).toMatch(/no longer kept/);
    const garbage = rig.fake.newInteraction({ type: 3, user, channel: dm, message: rig.fake.messages.get(control.id)!, customId: 'k:1:9', data: { custom_id: 'k:1:9', component_type: 2 } });
    rig.fake.dispatchInteraction(garbage);
    expect((await rig.driver.repliesTo({ interaction: garbage, channel: dm, user }, { timeoutMs: 30_000 })).text).toMatch(/not valid/);
  });

  it('given the setting turned on by its button, a corrected sentence is donated; the off button erases it', async () => {
    const user = rig.driver.user('Di');
    const shown = await run(user, 'settings');
    expect(shown.text).toMatch(/help MoodReel read moods better: off/);
    const settings = shown.messages.find((m) => m.buttons.flat().some((b) => b.label === 'Help MoodReel read moods better'))!;
    const on = await press(user, settings, 'Help MoodReel read moods better');
    expect(on.text + (on.updated?.content ?? '')).toMatch(/Thanks!|read moods better: on/);
    const answer = await run(user, 'mood', { text: MISREAD });
    await press(user, controlOf(answer.messages), '😊 happy');
    const id = await userIdOf(user.id);
    expect((await db().donatedSentence.findMany({ where: { userId: id } })).map((d) => d.label)).toEqual(['joy']);
    const again = await run(user, 'settings');
    const toggle = again.messages.find((m) => m.buttons.flat().some((b) => /turn off/.test(b.label)))!;
    await press(user, toggle, toggle.buttons.flat().find((b) => /turn off/.test(b.label))!.label);
    expect(await db().donatedSentence.count({ where: { userId: id } })).toBe(0);
  });

  it('given /moodlog in a server, attaches the chart privately; without readings, explains', async () => {
    const user = rig.driver.user('Ed');
    const empty = await run(user, 'moodlog');
    expect(empty.text).toMatch(/mood log is empty/);
    expect(empty.messages.flatMap((m) => m.files)).toEqual([]);
    await run(user, 'mood', { text: 'I feel wonderful today' });
    const chart = await run(user, 'moodlog');
    const [file] = chart.messages.flatMap((m) => m.files);
    expect(file?.name).toBe('moodlog.png');
    expect(chart.messages.every((m) => m.ephemeral)).toBe(true);
    const meta = await sharp(file!.data).metadata();
    expect([meta.format, meta.width]).toEqual(['png', 800]);
    expect(chart.text).toMatch(/1 reading in the last 30 days/);
  });

  it('given /forget, a scan finds no correction, donated sentence or reading of the user', async () => {
    const user = rig.driver.user('Flo');
    await run(user, 'settings', { change: 'donate on' });
    const answer = await run(user, 'mood', { text: MISREAD });
    await press(user, controlOf(answer.messages), '😊 happy');
    const id = await userIdOf(user.id);
    expect(await db().donatedSentence.count({ where: { userId: id } })).toBe(1);
    const ask = await run(user, 'forget');
    const confirm = ask.messages.find((m) => m.buttons.flat().some((b) => /Yes, erase/.test(b.label)))!;
    await press(user, confirm, '🗑 Yes, erase it all');
    for (const table of ['moodCorrection', 'donatedSentence', 'moodObservation'] as const) {
      expect(await (db()[table] as unknown as { count(a: unknown): Promise<number> }).count({ where: { userId: id } }), table).toBe(0);
    }
  });
});
