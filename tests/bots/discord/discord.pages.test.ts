/**
 * A picks answer on Discord is one paged message: the real discord.js client,
 * through the adapter, against the local Discord fake, with a scripted core.
 * Paging and rating edit the message in place; pages of a message sent before
 * a restart (or forged) are refused privately while its rating buttons still
 * work; a card without a poster is a text card with the same rows; a mood
 * correction replaces the pressed picks when it may.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDiscordBot, type DiscordBot } from '../../../src/bots/discord/discord.adapter.js';
import { forgetAllPages } from '../../../src/bots/discord/discord.pages.js';
import { COMMANDS } from '../../../src/core/conversation/commands.js';
import type { Button, PickCard, Reply } from '../../../src/core/conversation/turn.js';
import type { Logger } from '../../../src/core/ports.js';
import type { BotMessage, InteractionHandle } from '../../fakes/discord-driver.js';
import { startDiscordRig, type DiscordRig } from '../../fakes/discord-rig.js';
import { ScriptedHandler } from '../../fakes/discord-scripted-handler.js';

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

const rating = (id: number, chosen?: number): Button[][] => [
  [1, 2, 3, 4, 5].map((stars) => ({ label: `${stars === chosen ? '✅ ' : ''}${stars}★`, action: `r:${id}:${stars}` })),
  [
    { label: '👁 Seen it', action: `r:${id}:seen` },
    { label: '🙅 Not for me', action: `r:${id}:no` },
  ],
];

function card(rank: number, overrides: Partial<PickCard> = {}): PickCard {
  return {
    movieId: 100 + rank,
    rank,
    title: `Movie ${rank}`,
    year: 1999 + rank,
    genres: ['Drama'],
    runtime: 95,
    posterUrl: `https://image.tmdb.org/t/p/w342/poster${rank}.jpg`,
    links: [{ label: 'TMDB', url: `https://www.themoviedb.org/movie/${rank}` }],
    reason: `Reason ${rank}`,
    buttons: rating(rank),
    ...overrides,
  };
}

const MOODS: Button[][] = [
  ['😊 happy', '🥰 loving', '😔 low', '😠 angry'].map((label, i) => ({ label, action: `k:7:${i}` })),
  ['😟 anxious', '😮 surprised', '😐 calm'].map((label, i) => ({ label, action: `k:7:${i + 4}` })),
];

const picks = (header: string, cards: PickCard[], extra: Partial<Extract<Reply, { kind: 'picks' }>> = {}): Reply => ({
  kind: 'picks',
  header,
  cards,
  footer: 'Want songs for this mood too? Send /music\nNot quite? I feel…',
  footerButtons: MOODS,
  ...extra,
});

/** A rating press as the core answers it: that card's rows with the choice marked, and the mark. */
const rated = (turn: { action?: string }): Reply[] => {
  const [, id, stars] = turn.action!.split(':');
  return [{ kind: 'ack', toast: `Saved: ${stars}★`, buttons: rating(Number(id), Number(stars)), mark: `★${stars} saved` }];
};

const labels = (m: BotMessage) => m.buttons.map((row) => row.map((b) => b.label));

describe('Discord: one paged message per picks answer', () => {
  let rig: DiscordRig;
  const handler = new ScriptedHandler();

  /** The bot serving the fake: the rig's, until a test logs in a new one. */
  let live: DiscordBot;

  beforeAll(async () => {
    rig = await startDiscordRig({ handler, interactionTimeoutMs: 5_000 });
    live = rig.bot;
  });

  afterAll(async () => {
    await live?.stop();
    await rig?.stop();
  });

  beforeEach(() => {
    handler.reset();
    handler.on('/mood', () => [picks('You seem low. Here are picks to lift your mood:', [1, 2, 3, 4, 5].map((k) => card(k)))]);
    handler.on('r:', rated);
  });

  const ask = async (user = rig.driver.user('Ana'), channel = rig.driver.channel()) => {
    const h = await rig.driver.userRuns(channel, user, 'mood', { text: 'rough day' });
    return { h, answer: await rig.driver.repliesTo(h) };
  };
  const press = async (user: ReturnType<DiscordRig['driver']['user']>, message: BotMessage, label: string) =>
    rig.driver.repliesTo(await rig.driver.press(user, message, label));
  /** Bot API calls made for one interaction (callback and webhook calls). */
  const callsFor = (h: InteractionHandle) => rig.fake.requests.filter((r) => r.at >= h.interaction.createdAt && /^\/(interactions|webhooks)\//.test(r.path)).length;

  it('given picks, answers with one message: the mood line, the first card, its ratings, the pager and the moods (5 rows), in 2 API calls', async () => {
    const { h, answer } = await ask();
    expect(answer.messages).toHaveLength(1);
    const [message] = answer.messages;
    expect(message!.content).toBe('You seem low. Here are picks to lift your mood:');
    expect(message!.embeds).toHaveLength(1);
    expect(message!.embeds[0]).toMatchObject({
      title: 'Movie 1 (2000)',
      description: 'Reason 1',
      image: { url: 'https://image.tmdb.org/t/p/w342/poster1.jpg' },
      footer: { text: 'Pick 1 of 5\nWant songs for this mood too? Send /music\nNot quite? I feel…' },
    });
    expect(labels(message!)).toEqual([
      ['1★', '2★', '3★', '4★', '5★'],
      ['👁 Seen it', '🙅 Not for me'],
      ['◀', '1/5', '▶'],
      ['😊 happy', '🥰 loving', '😔 low', '😠 angry'],
      ['😟 anxious', '😮 surprised', '😐 calm'],
    ]);
    expect(callsFor(h)).toBe(2); // deferred reply + the edit into the answer
  });

  it('given ▶ and ◀, shows the next and previous card on the same message (wrapping round) and sends nothing new', async () => {
    const user = rig.driver.user('Ben');
    const { answer } = await ask(user);
    const message = answer.messages[0]!;
    const next = await press(user, message, '▶');
    expect(next.callbacks).toEqual([7]);
    expect(next.messages).toEqual([]);
    expect(next.updated).toMatchObject({ id: message.id, content: message.content });
    expect(next.updated!.embeds[0]).toMatchObject({ title: 'Movie 2 (2001)', description: 'Reason 2' });
    expect(labels(next.updated!)[2]).toEqual(['◀', '2/5', '▶']);
    expect(next.updated!.buttons[0]!.map((b) => b.customId)).toEqual(['r:2:1', 'r:2:2', 'r:2:3', 'r:2:4', 'r:2:5']);
    const back = await press(user, next.updated!, '◀');
    const wrapped = await press(user, back.updated!, '◀');
    expect(wrapped.updated!.embeds[0]?.title).toBe('Movie 5 (2004)');
    expect(labels(wrapped.updated!)[2]).toEqual(['◀', '5/5', '▶']);
    expect(rig.driver.messagesIn(rig.driver.channel()).filter((m) => m.id === message.id)).toHaveLength(1);
  });

  it('given a rating on page 2, marks that card "★4 saved" in place, keeps the pager and moods, and the mark stays when paging back', async () => {
    const user = rig.driver.user('Cleo');
    const { answer } = await ask(user);
    const page2 = (await press(user, answer.messages[0]!, '▶')).updated!;
    const pressed = await press(user, page2, '4★');
    expect(handler.lastTurn().action).toBe('r:2:4');
    expect(pressed.callbacks).toEqual([7]);
    expect(pressed.messages).toEqual([]); // the card says it: no extra message
    expect(pressed.updated!.embeds[0]).toMatchObject({ title: 'Movie 2 (2001)', description: '✅ **★4 saved**\n\nReason 2' });
    expect(labels(pressed.updated!)).toEqual([
      ['1★', '2★', '3★', '✅ 4★', '5★'],
      ['👁 Seen it', '🙅 Not for me'],
      ['◀', '2/5', '▶'],
      ['😊 happy', '🥰 loving', '😔 low', '😠 angry'],
      ['😟 anxious', '😮 surprised', '😐 calm'],
    ]);
    const page3 = (await press(user, pressed.updated!, '▶')).updated!;
    expect(page3.embeds[0]?.description).toBe('Reason 3');
    const again = (await press(user, page3, '◀')).updated!;
    expect(again.embeds[0]?.description).toBe('✅ **★4 saved**\n\nReason 2');
    expect(labels(again)[0]).toContain('✅ 4★');
  });

  it('given a refused rating (someone else\'s picks), says so privately and leaves the card alone', async () => {
    const owner = rig.driver.user('Dan');
    const stranger = rig.driver.user('Eli');
    const { answer } = await ask(owner);
    handler.on('r:', () => [{ kind: 'ack', toast: 'Those picks belong to someone else. Send /mood to get your own.', alert: true }]);
    const refused = await press(stranger, answer.messages[0]!, '5★');
    expect(refused.updated).toBeNull();
    expect(refused.messages).toEqual([expect.objectContaining({ content: expect.stringMatching(/belong to someone else/), ephemeral: true, visibleTo: stranger.id })]);
  });

  it('given a forged page press (a page the answer does not have), refuses it privately and leaves the message alone', async () => {
    const user = rig.driver.user('Fay');
    const { answer } = await ask(user);
    const message = rig.fake.messages.get(answer.messages[0]!.id)!;
    const channel = rig.driver.channel();
    for (const customId of ['dp:9:n', 'dp:x']) {
      const forged = rig.fake.newInteraction({ type: 3, user, channel, message, customId, data: { custom_id: customId, component_type: 2 } });
      rig.fake.dispatchInteraction(forged);
      const refused = await rig.driver.repliesTo({ interaction: forged, channel, user });
      expect(refused.updated).toBeNull();
      expect(refused.messages).toEqual([expect.objectContaining({ content: expect.stringMatching(/no longer kept/), ephemeral: true })]);
    }
    expect(rig.driver.messagesIn(channel).find((m) => m.id === message.id)?.embeds[0]?.title).toBe('Movie 1 (2000)');
  });

  it('given cards without a poster, shows a text card with the same rows; a poster URL Discord cannot load is still sent as the image', async () => {
    handler.on('/mood', () => [picks('Picks:', [card(1, { posterUrl: null }), card(2, { posterUrl: `${rig.fake.cdnUrl}/missing/poster.jpg` }), card(3, { posterUrl: 'poster.jpg' })])]);
    const user = rig.driver.user('Gus');
    const { answer } = await ask(user);
    const first = answer.messages[0]!;
    expect(first.embeds[0]).toMatchObject({ title: 'Movie 1 (2000)', description: 'Reason 1', fields: expect.any(Array) });
    expect(first.embeds[0]?.image).toBeUndefined();
    expect(labels(first)[2]).toEqual(['◀', '1/3', '▶']);
    // Discord fetches embed images itself and shows the embed's text when it cannot: no error reaches the bot.
    const second = (await press(user, first, '▶')).updated!;
    expect(second.embeds[0]?.image?.url).toBe(`${rig.fake.cdnUrl}/missing/poster.jpg`);
    const third = (await press(user, second, '▶')).updated!;
    expect(third.embeds[0]?.image).toBeUndefined();
    expect(third.embeds[0]?.title).toBe('Movie 3 (2002)');
    expect(labels(third)).toHaveLength(5);
  });

  it('given a single pick, shows no pager', async () => {
    handler.on('/mood', () => [picks('One pick:', [card(1)], { footer: undefined, footerButtons: undefined })]);
    const { answer } = await ask(rig.driver.user('Hal'));
    expect(labels(answer.messages[0]!)).toEqual([
      ['1★', '2★', '3★', '4★', '5★'],
      ['👁 Seen it', '🙅 Not for me'],
    ]);
    expect(answer.messages[0]!.embeds[0]?.footer).toBeUndefined();
  });

  it('given a mood correction in a DM, shows the new picks on the pressed message (no new message); in a server, the presser gets them privately', async () => {
    const correction = (): Reply[] => [
      { kind: 'ack', toast: 'Got it: you feel happy. New picks for that mood.' },
      picks('Thanks for telling me: you feel happy 😊.', [6, 7, 8].map((k) => card(k)), { replacesPressed: true }),
    ];
    handler.on('k:', correction);
    const user = rig.driver.user('Ivy');
    const dm = rig.driver.dm(user);
    const { answer } = await ask(user, dm);
    const page2 = (await press(user, answer.messages[0]!, '▶')).updated!;
    const replaced = await press(user, page2, '😊 happy');
    expect(replaced.messages).toEqual([]);
    expect(replaced.updated).toMatchObject({ id: answer.messages[0]!.id, content: 'Thanks for telling me: you feel happy 😊.' });
    expect(replaced.updated!.embeds[0]?.title).toBe('Movie 6 (2005)');
    expect(labels(replaced.updated!)[2]).toEqual(['◀', '1/3', '▶']);
    const paged = await press(user, replaced.updated!, '▶');
    expect(paged.updated!.embeds[0]?.title).toBe('Movie 7 (2006)');

    handler.on('k:', () => {
      const [ack, answerPicks] = correction();
      return [ack!, { ...(answerPicks as Extract<Reply, { kind: 'picks' }>), ephemeral: true }];
    });
    const server = await ask(user);
    const privately = await press(user, server.answer.messages[0]!, '😊 happy');
    expect(privately.updated).toBeNull();
    expect(privately.messages.map((m) => [m.content, m.ephemeral, m.visibleTo])).toEqual([
      ['Got it: you feel happy. New picks for that mood.', true, user.id],
      ['Thanks for telling me: you feel happy 😊.', true, user.id],
    ]);
    const ephemeralPicks = privately.messages[1]!;
    const pagedPrivately = await press(user, ephemeralPicks, '▶');
    expect(pagedPrivately.updated).toMatchObject({ id: ephemeralPicks.id, ephemeral: true });
    expect(pagedPrivately.updated!.embeds[0]?.title).toBe('Movie 7 (2006)');
  });

  /** Stops the bot serving the fake and logs in a new one against it (stopping twice is harmless). */
  const newClient = async () => {
    await live.stop();
    live = createDiscordBot({ handler, commands: COMMANDS, logger: silent, maxImageBytes: 1_000_000, interactionTimeoutMs: 5_000, token: rig.fake.token, apiUrl: rig.fake.apiUrl });
    await live.start();
  };

  it('given a fresh client in the same process (a login after an outage), the earlier answers still page', async () => {
    const user = rig.driver.user('Kim');
    const { answer } = await ask(user);
    await newClient();
    const paged = await press(user, answer.messages[0]!, '▶');
    expect(paged.messages).toEqual([]);
    expect(paged.updated!.embeds[0]?.title).toBe('Movie 2 (2001)');
  });

  it('given a restart, a page press on an old answer is refused privately while its rating buttons still mark the card', async () => {
    const user = rig.driver.user('Jo');
    const { answer } = await ask(user);
    const page2 = (await press(user, answer.messages[0]!, '▶')).updated!;
    await newClient();
    forgetAllPages(); // what a new process starts with
    const refused = await press(user, page2, '▶');
    expect(refused.updated).toBeNull();
    expect(refused.messages).toEqual([
      expect.objectContaining({ content: 'These picks are no longer kept (MoodReel restarted). Send /mood for fresh ones; the rating buttons still work.', ephemeral: true }),
    ]);
    const ratedAfter = await press(user, page2, '3★');
    expect(ratedAfter.messages).toEqual([]);
    expect(ratedAfter.updated!.embeds[0]).toMatchObject({ title: 'Movie 2 (2001)', description: '✅ **★3 saved**\n\nReason 2' });
    expect(labels(ratedAfter.updated!)).toEqual([
      ['1★', '2★', '✅ 3★', '4★', '5★'],
      ['👁 Seen it', '🙅 Not for me'],
      ['◀', '2/5', '▶'],
      ['😊 happy', '🥰 loving', '😔 low', '😠 angry'],
      ['😟 anxious', '😮 surprised', '😐 calm'],
    ]);
    const fresh = await ask(user);
    const paged = await press(user, fresh.answer.messages[0]!, '▶');
    expect(paged.updated!.embeds[0]?.title).toBe('Movie 2 (2001)');
  });

  it('given a restart, a rating in a DM (where discord.js hands the raw message) still marks the card and keeps the other rows', async () => {
    const user = rig.driver.user('Lu');
    const { answer } = await ask(user, rig.driver.dm(user));
    forgetAllPages();
    const ratedAfter = await press(user, answer.messages[0]!, '5★');
    expect(ratedAfter.messages).toEqual([]);
    expect(ratedAfter.updated!.embeds[0]).toMatchObject({ title: 'Movie 1 (2000)', description: '✅ **★5 saved**\n\nReason 1' });
    expect(labels(ratedAfter.updated!).map((row) => row.length)).toEqual([5, 2, 3, 4, 3]);
    expect(labels(ratedAfter.updated!)[0]).toContain('✅ 5★');
  });
});
