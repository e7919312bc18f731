/**
 * The real core behind the real discord.js client, against the local fake of
 * Discord's REST API and gateway: onboarding, text mood, selfie mood, rating,
 * settings, forget and a whole watch party with three members.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordRig, type DiscordRig } from '../fakes/discord-rig.js';
import type { BotMessage } from '../fakes/discord-driver.js';
import { DATA_DIR, startTestApp, TestClock, type TestApp } from '../helpers/app.js';

const cardsOf = (messages: readonly BotMessage[]) => messages.filter((m) => m.buttons.flat().some((b) => b.label === '4★'));
const pagerOf = (message: BotMessage) => message.buttons.find((row) => row[0]?.label === '◀')?.map((b) => b.label);

describe('Discord end to end with the real core', () => {
  let t: TestApp;
  let rig: DiscordRig;
  const clock = new TestClock();
  let happy: Uint8Array;

  beforeAll(async () => {
    happy = new Uint8Array(await readFile(path.join(DATA_DIR, 'faces', 'samples', 'happy.jpg')));
    t = await startTestApp({}, clock);
    rig = await startDiscordRig({ handler: t.app.handler, interactionTimeoutMs: 30_000, maxImageBytes: 10_000_000 });
    t.app.parties.registerNotifier(rig.bot.notifier);
  }, 240_000);

  afterAll(async () => {
    await rig?.stop();
    await t?.dispose();
  });

  const run = async (user: ReturnType<DiscordRig['driver']['user']>, command: string, options: Parameters<DiscordRig['driver']['userRuns']>[3] = {}, channel = rig.driver.channel()) =>
    rig.driver.repliesTo(await rig.driver.userRuns(channel, user, command, options), { timeoutMs: 30_000 });

  it('given /start, greets and says what MoodReel keeps and never keeps', async () => {
    expect((await run(rig.driver.user('Ana'), 'start')).text).toMatch(/never keeps/);
  });

  it('given /mood, answers with one paged picks message; ▶ pages it in place and a rating marks the card', async () => {
    const user = rig.driver.user('Ben');
    const answer = await run(user, 'mood', { text: 'I feel rough today' });
    expect(answer.text).toMatch(/You seem (low|anxious)/);
    expect(answer.messages).toHaveLength(1);
    const [message] = cardsOf(answer.messages);
    expect(pagerOf(message!)).toEqual(['◀', '1/5', '▶']);
    let page = message!;
    const titles: string[] = [];
    const posters: string[] = [];
    for (let k = 0; k < 5; k++) {
      titles.push(page.embeds[0]!.title!);
      if (page.embeds[0]?.image?.url) posters.push(page.embeds[0].image.url);
      const next = await rig.driver.repliesTo(await rig.driver.press(user, page, '▶'), { timeoutMs: 30_000 });
      expect(next.messages).toEqual([]);
      page = next.updated!;
    }
    expect(new Set(titles).size).toBe(5);
    expect(page.embeds[0]?.title).toBe(titles[0]); // round the end back to the first
    expect(posters[0]).toMatch(/^https:\/\/image\.tmdb\.org\//);
    const pressed = await rig.driver.repliesTo(await rig.driver.press(user, page, '4★'), { timeoutMs: 30_000 });
    expect(pressed.messages).toEqual([]);
    expect(pressed.updated?.buttons.flat().map((b) => b.label)).toContain('✅ 4★');
    expect(pressed.updated?.embeds[0]?.description).toMatch(/^✅ \*\*★4 saved\*\*/);
    expect(pagerOf(pressed.updated!)).toEqual(['◀', '1/5', '▶']);
    const u = await t.app.stores.users.resolve('discord', user.id);
    expect((await t.app.stores.ratings.forUser(u.id)).map((r) => r.value)).toEqual([4]);
  });

  it('given /selfie, asks for consent, then reads the face and answers with picks', async () => {
    const user = rig.driver.user('Cleo');
    const file = { file: { name: 'me.jpg', contentType: 'image/jpeg', data: happy } };
    const ask = await run(user, 'selfie', { image: file });
    expect(ask.text).toMatch(/Is that OK\?/);
    const consentMessage = ask.messages.find((m) => m.buttons.flat().some((b) => /Yes, analyse/.test(b.label)))!;
    await rig.driver.repliesTo(await rig.driver.press(user, consentMessage, '✅ Yes, analyse my photos'), { timeoutMs: 30_000 });
    const answer = await run(user, 'selfie', { image: file });
    expect(answer.text).toMatch(/You seem happy/);
    expect(cardsOf(answer.messages)).toHaveLength(1);
    expect(pagerOf(cardsOf(answer.messages)[0]!)).toEqual(['◀', '1/5', '▶']);
  });

  it('given /settings, answers privately and applies a change', async () => {
    const user = rig.driver.user('Dev');
    const shown = await run(user, 'settings');
    expect(shown.messages.every((m) => m.ephemeral)).toBe(true);
    expect(shown.text).toMatch(/Your settings/);
    expect((await run(user, 'settings', { change: 'strategy lift' })).text).toMatch(/lift my mood/);
  });

  it('given /forget and a confirm, erases the user', async () => {
    const user = rig.driver.user('Eve');
    await run(user, 'mood', { text: 'so happy today' });
    const ask = await run(user, 'forget');
    const confirm = ask.messages.find((m) => m.buttons.flat().some((b) => /Yes, erase/.test(b.label)))!;
    const done = await rig.driver.repliesTo(await rig.driver.press(user, confirm, '🗑 Yes, erase it all'), { timeoutMs: 30_000 });
    expect(done.text + (done.updated?.content ?? '')).toMatch(/Erased everything about you/);
    expect(await t.app.database.db.identity.count({ where: { platform: 'discord', externalId: user.id } })).toBe(0);
  });

  it('given three members in a channel, runs a watch party from join to winner', async () => {
    const channel = rig.driver.channel('films');
    const [a, b, c] = [rig.driver.user('Ann'), rig.driver.user('Bob'), rig.driver.user('Cat')];
    const publicBefore = rig.driver.messagesIn(channel).length;
    const callsBefore = rig.fake.requests.length;
    const started = await run(a, 'watchparty', { minutes: 5 }, channel);
    const lobby = started.messages.find((m) => m.buttons.flat().some((x) => /Join/.test(x.label)))!;
    await rig.driver.repliesTo(await rig.driver.press(b, lobby, '🙋 Join'), { timeoutMs: 30_000 });
    await rig.driver.repliesTo(await rig.driver.press(c, lobby, '🙋 Join'), { timeoutMs: 30_000 });
    const proposed = await rig.driver.repliesTo(await rig.driver.press(a, lobby, '🍿 Propose picks'), { timeoutMs: 30_000 });
    const ballot = proposed.updated!;
    expect(ballot.id).toBe(lobby.id); // the proposal is the lobby message, edited
    const votes = ballot.buttons.flat().map((x) => x.label);
    expect(votes.length).toBeGreaterThanOrEqual(3);
    for (const [user, k] of [[a, 0], [b, 0], [c, 1]] as const) {
      await rig.driver.repliesTo(await rig.driver.press(user, ballot, votes[k]!), { timeoutMs: 30_000 });
    }
    clock.advance(6 * 60_000);
    await t.app.parties.sweep();
    const result = rig.driver.messagesIn(channel).map((m) => m.content).find((text) => /Watch party result/.test(text));
    expect(result).toMatch(/2 of 3 member vote\(s\)/);
    // One public message for the party (lobby, then proposal with the votes on it) and one announcement.
    expect(rig.driver.messagesIn(channel).length - publicBefore).toBe(2);
    // Everything else answered the interactions; the channel calls are the closing edit and the announcement.
    expect(rig.fake.requests.slice(callsBefore).filter((r) => r.path.startsWith('/channels/')).map((r) => r.method)).toEqual(['PATCH', 'POST']);
    // The closed proposal shows the tally and takes no more votes.
    const closed = rig.driver.messagesIn(channel).find((m) => m.id === lobby.id)!;
    expect(closed.buttons.flat()).toHaveLength(0);
  });
});
