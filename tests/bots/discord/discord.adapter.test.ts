/**
 * The real discord.js client, through the Discord adapter, against a local
 * fake of Discord's REST API and gateway (tests/fakes/discord-api.fake.ts),
 * with a scripted core. No network beyond 127.0.0.1.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDiscordBot, type DiscordBot } from '../../../src/bots/discord/discord.adapter.js';
import { COMMANDS } from '../../../src/core/conversation/commands.js';
import type { PickCard, Reply } from '../../../src/core/conversation/turn.js';
import { UserError } from '../../../src/core/errors.js';
import type { Logger } from '../../../src/core/ports.js';
import { FakeDiscord, type FakeGuild } from '../../fakes/discord-api.fake.js';
import { DiscordDriver } from '../../fakes/discord-driver.js';
import { startDiscordRig, type DiscordRig } from '../../fakes/discord-rig.js';
import { ScriptedHandler } from '../../fakes/discord-scripted-handler.js';

// ------------------------------------------------------------------ helpers

interface LogEntry {
  level: string;
  message: string;
  fields: Record<string, unknown>;
}

function memoryLogger(entries: LogEntry[] = [], bindings: Record<string, unknown> = {}): Logger & { entries: LogEntry[] } {
  const at = (level: string) => (fields: Record<string, unknown>, message: string) => entries.push({ level, message, fields: { ...bindings, ...fields } });
  return {
    entries,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => memoryLogger(entries, { ...bindings, ...more }),
  };
}

const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A tiny but real PNG (1x1), then padded so the size is distinctive. */
function pngBytes(extra = 2048): Uint8Array {
  const header = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
  return Buffer.concat([header, Buffer.alloc(extra, 7)]);
}

function card(rank: number, overrides: Partial<PickCard> = {}): PickCard {
  return {
    movieId: 100 + rank,
    rank,
    title: `Movie ${rank}`,
    year: 1999 + rank,
    genres: ['Drama', 'Comedy'],
    runtime: 112,
    posterUrl: `https://image.tmdb.org/t/p/w500/poster${rank}.jpg`,
    links: [{ label: 'TMDB', url: `https://www.themoviedb.org/movie/${rank}` }],
    reason: `Because you feel low and loved Amélie (${rank})`,
    buttons: [
      [1, 2, 3, 4, 5].map((stars) => ({ label: '★'.repeat(stars), action: `rate:${100 + rank}:${stars}` })),
      [
        { label: 'Seen it', action: `seen:${100 + rank}` },
        { label: 'Not for me', action: `nope:${100 + rank}` },
      ],
    ],
    ...overrides,
  };
}

const MAX_IMAGE_BYTES = 64 * 1024;
const TIMEOUT_MS = 2500;
const DEFER_AFTER_MS = 500;

// ------------------------------------------------------------------ the main bot (global commands: usable in servers and DMs)

describe('Discord adapter against the fake Discord', () => {
  let fake: FakeDiscord;
  let guild: FakeGuild;
  let driver: DiscordDriver;
  let bot: DiscordBot;
  let rig: DiscordRig | undefined;
  const handler = new ScriptedHandler();
  const logs: LogEntry[] = [];

  beforeAll(async () => {
    rig = await startDiscordRig({
      handler,
      fake: { heartbeatIntervalMs: 300 },
      logger: memoryLogger(logs),
      maxImageBytes: MAX_IMAGE_BYTES,
      interactionTimeoutMs: TIMEOUT_MS,
      deferAfterMs: DEFER_AFTER_MS,
    });
    ({ fake, guild, driver, bot } = rig);
  });

  afterAll(async () => {
    await rig?.stop();
  });

  beforeEach(() => {
    handler.reset();
  });

  describe('start-up', () => {
    it('given DISCORD_API_URL, discovers the gateway through that REST URL and identifies with the Guilds intent only', () => {
      expect(fake.requests.some((r) => r.method === 'GET' && r.path === '/gateway/bot' && r.status === 200)).toBe(true);
      expect(fake.identifies).toHaveLength(1);
      expect(fake.identifies[0]).toMatchObject({ tokenValid: true, intents: 1 }); // GatewayIntentBits.Guilds = 1 << 0
    });

    it('given no guild id, registers every core command globally, usable in servers and DMs', () => {
      const registered = fake.commandsFor();
      expect(registered.map((c) => c.name)).toEqual(COMMANDS.map((c) => c.name));
      expect(fake.commandsFor(guild.id)).toEqual([]);
      expect(registered.find((c) => c.name === 'mood')?.options).toEqual([{ type: 3, name: 'text', description: 'How do you feel?', required: true }]);
      expect(registered.find((c) => c.name === 'selfie')?.options[0]).toMatchObject({ type: 11, name: 'image', required: true });
      expect(registered.find((c) => c.name === 'watchparty')?.options[0]).toMatchObject({ type: 4, name: 'minutes', required: false });
      expect(registered.every((c) => c.contexts?.includes(0) && c.contexts.includes(1))).toBe(true);
    });

    it('given the gateway heartbeat interval, heartbeats and gets acknowledged', async () => {
      await fake.waitFor(() => fake.heartbeatCount >= 1, 5000, () => 'a heartbeat');
      expect(fake.heartbeatCount).toBeGreaterThanOrEqual(1);
    });
  });

  describe('slash commands', () => {
    it('given /mood in a server channel, defers at once then edits the reply with the core text', async () => {
      handler.on('/mood', () => [{ kind: 'text', text: 'Rough day. Here is something gentle.' }]);
      const alice = driver.user('Alice');
      const h = await driver.userRuns(driver.channel(), alice, 'mood', { text: 'I feel rough today' });
      const answer = await driver.repliesTo(h);

      expect(answer.callbacks).toEqual([5]);
      expect(answer.messages).toHaveLength(1);
      expect(answer.messages[0]).toMatchObject({ content: 'Rough day. Here is something gentle.', ephemeral: false, loading: false, edits: 1 });
      const turn = handler.lastTurn();
      expect(turn).toMatchObject({
        platform: 'discord',
        text: '/mood I feel rough today',
        user: { id: alice.id, name: 'Alice' },
        chat: { id: driver.channel().id, kind: 'group' },
      });
      expect(turn.action).toBeUndefined();
      expect(turn.image).toBeUndefined();
    });

    it('given /mood in a DM with the bot, the turn is a private chat on the DM channel', async () => {
      const bob = driver.user('Bob');
      const dm = driver.dm(bob);
      const answer = await driver.repliesTo(await driver.userRuns(dm, bob, 'mood', { text: 'happy' }));
      expect(answer.text).toBe('ok');
      expect(handler.lastTurn().chat).toEqual({ id: dm.id, kind: 'private' });
    });

    it('given /watchparty with minutes, passes the integer as command text', async () => {
      const answer = await driver.repliesTo(await driver.userRuns(driver.channel(), driver.user('Alice'), 'watchparty', { minutes: 15 }));
      expect(answer.callbacks).toEqual([5]);
      expect(handler.lastTurn().text).toBe('/watchparty 15');
    });

    it('given a fast command like /help, replies directly without deferring', async () => {
      handler.on('/help', () => [{ kind: 'text', text: 'I pick movies for your mood.', buttons: [[{ label: 'Try /mood', action: 'help:mood' }, { label: 'Docs', url: 'https://example.org/moodreel' }]] }]);
      const answer = await driver.repliesTo(await driver.userRuns(driver.channel(), driver.user('Alice'), 'help'));
      expect(answer.callbacks).toEqual([4]);
      expect(answer.messages[0]?.content).toBe('I pick movies for your mood.');
      expect(answer.messages[0]?.buttons).toEqual([
        [
          { label: 'Try /mood', customId: 'help:mood', style: 2 },
          { label: 'Docs', url: 'https://example.org/moodreel', style: 5 },
        ],
      ]);
    });

    it('given a slow core on a command that is not deferred up front, defers before the 3 s limit and still answers', async () => {
      handler.on('/help', async () => {
        await sleep(DEFER_AFTER_MS + 700);
        return [{ kind: 'text', text: 'slow but here' }];
      });
      const answer = await driver.repliesTo(await driver.userRuns(driver.channel(), driver.user('Alice'), 'help'));
      expect(answer.callbacks).toEqual([5]);
      expect(answer.text).toBe('slow but here');
    });

    it('given a long text, splits it into messages of at most 2000 characters', async () => {
      const long = Array.from({ length: 60 }, (_, i) => `Line ${i} ${'x'.repeat(60)}`).join('\n');
      handler.on('/privacy', () => [{ kind: 'text', text: long }]);
      const answer = await driver.repliesTo(await driver.userRuns(driver.channel(), driver.user('Alice'), 'privacy'));
      expect(answer.messages.length).toBeGreaterThan(1);
      expect(answer.messages.every((m) => m.content.length <= 2000)).toBe(true);
      expect(answer.messages.map((m) => m.content).join('\n')).toBe(long);
    });
  });

  describe('selfies', () => {
    it('given /selfie with an image attachment, the core loads exactly the uploaded bytes', async () => {
      const bytes = pngBytes(4096);
      handler.on('/selfie', async (turn) => {
        const loaded = await turn.image!.load(1024 * 1024);
        return [{ kind: 'text', text: `got ${loaded.length} bytes ${sha(loaded)}` }];
      });
      const h = await driver.userRuns(driver.dm(driver.user('Carol')), driver.user('Carol'), 'selfie', {
        image: { file: { name: 'me.png', contentType: 'image/png', data: bytes } },
      });
      const answer = await driver.repliesTo(h);
      expect(answer.text).toBe(`got ${bytes.length} bytes ${sha(bytes)}`);
      const turn = handler.lastTurn();
      expect(turn.text).toBe('/selfie');
      expect(turn.image).toMatchObject({ sizeBytes: bytes.length, mimeType: 'image/png', fileName: 'me.png' });
      expect(turn.unsupportedMedia).toBeUndefined();
    });

    it('given an image whose declared size passes the cap, refuses with image_too_large before downloading', async () => {
      let error: unknown;
      handler.on('/selfie', async (turn) => {
        error = await turn.image!.load(10 * 1024 * 1024).catch((e: unknown) => e);
        return [{ kind: 'error', code: 'image_too_large', text: (error as Error).message }];
      });
      const downloadsBefore = fake.downloads.length;
      const carol = driver.user('Carol');
      const answer = await driver.repliesTo(
        await driver.userRuns(driver.dm(carol), carol, 'selfie', { image: { file: { name: 'big.jpg', contentType: 'image/jpeg', data: pngBytes(10), declaredSize: MAX_IMAGE_BYTES + 1 } } }),
      );
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).code).toBe('image_too_large');
      expect(fake.downloads.length).toBe(downloadsBefore);
      expect(answer.text).toMatch(/too large/);
    });

    it('given an image that is larger than declared, stops the download at the cap', async () => {
      let error: unknown;
      handler.on('/selfie', async (turn) => {
        error = await turn.image!.load(10 * 1024 * 1024).catch((e: unknown) => e);
        return [{ kind: 'text', text: 'checked' }];
      });
      const carol = driver.user('Carol');
      await driver.repliesTo(
        await driver.userRuns(driver.dm(carol), carol, 'selfie', { image: { file: { name: 'liar.png', contentType: 'image/png', data: pngBytes(MAX_IMAGE_BYTES * 2), declaredSize: 1000 } } }),
      );
      expect((error as UserError).code).toBe('image_too_large');
    });

    it('given a non-image attachment, passes it as unsupported media and no image', async () => {
      handler.on('/selfie', (turn) => [{ kind: 'error', code: 'unsupported_media', text: `I can't read a ${turn.unsupportedMedia}.` }]);
      const carol = driver.user('Carol');
      const answer = await driver.repliesTo(
        await driver.userRuns(driver.dm(carol), carol, 'selfie', { image: { file: { name: 'clip.mp4', contentType: 'video/mp4', data: Buffer.from('not really a video') } } }),
      );
      const turn = handler.lastTurn();
      expect(turn.image).toBeUndefined();
      expect(turn.unsupportedMedia).toBe('video');
      expect(answer.text).toBe("I can't read a video.");
    });

    it('given /selfie in a server channel, answers ephemerally (a face reading is personal)', async () => {
      handler.on('/selfie', () => [{ kind: 'text', text: 'You look calm.' }]);
      const dave = driver.user('Dave');
      const answer = await driver.repliesTo(
        await driver.userRuns(driver.channel(), dave, 'selfie', { image: { file: { name: 'me.png', contentType: 'image/png', data: pngBytes() } } }),
      );
      expect(answer.messages).toHaveLength(1);
      expect(answer.messages[0]).toMatchObject({ content: 'You look calm.', ephemeral: true, visibleTo: dave.id });
      expect(driver.messagesIn(driver.channel(), driver.user('Alice')).some((m) => m.content === 'You look calm.')).toBe(false);
    });
  });

  describe('picks and files', () => {
    it('given picks, sends one message: the mood line, the first card with poster and details, its rating rows, the pager and the answer\'s rows', async () => {
      handler.on('/mood', () => [
        {
          kind: 'picks',
          header: 'Three picks for a low day',
          cards: [card(1), card(2), card(3, { posterUrl: null, year: null, runtime: null })],
          footer: 'Want different ones?',
          footerButtons: [[{ label: 'More picks', action: 'more:abc' }]],
        },
      ]);
      const answer = await driver.repliesTo(await driver.userRuns(driver.channel(), driver.user('Alice'), 'mood', { text: 'low' }));

      expect(answer.callbacks).toEqual([5]);
      expect(answer.messages).toHaveLength(1);
      const [first] = answer.messages;
      expect(first?.content).toBe('Three picks for a low day');
      expect(first?.embeds).toHaveLength(1);
      expect(first?.embeds[0]).toMatchObject({
        title: 'Movie 1 (2000)',
        url: 'https://www.themoviedb.org/movie/1',
        description: 'Because you feel low and loved Amélie (1)',
        image: { url: 'https://image.tmdb.org/t/p/w500/poster1.jpg' },
        footer: { text: 'Pick 1 of 3\nWant different ones?' },
      });
      expect(first?.embeds[0]?.fields).toEqual([
        { name: 'Genres', value: 'Drama, Comedy', inline: true },
        { name: 'Runtime', value: '1h 52m', inline: true },
        { name: 'Links', value: '[TMDB](https://www.themoviedb.org/movie/1)' },
      ]);
      expect(first?.buttons.map((row) => row.map((b) => b.customId))).toEqual([
        ['rate:101:1', 'rate:101:2', 'rate:101:3', 'rate:101:4', 'rate:101:5'],
        ['seen:101', 'nope:101'],
        ['dp:2:p', 'dp:0:c', 'dp:1:n'],
        ['more:abc'],
      ]);
      expect(first?.buttons[2]?.map((b) => b.label)).toEqual(['◀', '1/3', '▶']);
    });

    it('given /export, sends the file as an ephemeral attachment with the same bytes', async () => {
      const data = Buffer.from(JSON.stringify({ user: 'alice', ratings: [{ movie: 1, stars: 5 }] }));
      handler.on('/export', () => [{ kind: 'file', fileName: 'moodreel-export.json', mimeType: 'application/json', data, caption: 'All your data.' }]);
      const answer = await driver.repliesTo(await driver.userRuns(driver.channel(), driver.user('Alice'), 'export'));
      expect(answer.messages).toHaveLength(1);
      const message = answer.messages[0]!;
      expect(message).toMatchObject({ content: 'All your data.', ephemeral: true });
      expect(message.files).toHaveLength(1);
      expect(message.files[0]?.name).toBe('moodreel-export.json');
      expect(sha(message.files[0]!.data)).toBe(sha(data));
    });

    it('given /settings in a server, forces the answer ephemeral even when the core did not ask', async () => {
      handler.on('/settings', () => [{ kind: 'text', text: 'Your settings', buttons: [[{ label: 'Languages', action: 'set:lang' }]] }]);
      const answer = await driver.repliesTo(await driver.userRuns(driver.channel(), driver.user('Alice'), 'settings'));
      expect(answer.callbacks).toEqual([4]);
      expect(answer.messages[0]).toMatchObject({ content: 'Your settings', ephemeral: true });
    });

    it('given a reply marked ephemeral by the core on a public command, only that message is ephemeral', async () => {
      handler.on('/start', () => [
        { kind: 'text', text: 'Welcome everyone!' },
        { kind: 'text', text: 'Psst, your data stays yours.', ephemeral: true },
      ]);
      const answer = await driver.repliesTo(await driver.userRuns(driver.channel(), driver.user('Alice'), 'start'));
      expect(answer.messages.map((m) => [m.content, m.ephemeral])).toEqual([
        ['Welcome everyone!', false],
        ['Psst, your data stays yours.', true],
      ]);
    });

    it('given a deferred public command whose only reply is ephemeral, removes the public placeholder', async () => {
      handler.on('/search', () => [{ kind: 'error', code: 'not_found', text: 'No movie called that.', ephemeral: true }]);
      const answer = await driver.repliesTo(await driver.userRuns(driver.channel(), driver.user('Alice'), 'search', { title: 'zzzz' }));
      expect(answer.callbacks).toEqual([5]);
      expect(answer.messages).toEqual([expect.objectContaining({ content: 'No movie called that.', ephemeral: true })]);
    });
  });

  describe('buttons', () => {
    async function cardMessage() {
      handler.on('/mood', () => [{ kind: 'picks', header: 'One pick', cards: [card(1)] }]);
      const answer = await driver.repliesTo(await driver.userRuns(driver.channel(), driver.user('Alice'), 'mood', { text: 'ok' }));
      return answer.messages[0]!;
    }

    it('given a rating press, passes the custom_id as the action and edits the buttons in place with a toast', async () => {
      const message = await cardMessage();
      handler.on('rate:', (turn) => [
        { kind: 'ack', toast: 'Rated 4 stars', buttons: [[{ label: '★★★★ rated', action: `undo:${turn.action}` }]] },
      ]);
      const bob = driver.user('Bob');
      const press = await driver.press(bob, message, '★★★★');
      const answer = await driver.repliesTo(press);

      expect(handler.lastTurn()).toMatchObject({ action: 'rate:101:4', user: { id: bob.id }, chat: { kind: 'group' } });
      expect(handler.lastTurn().text).toBeUndefined();
      expect(answer.callbacks).toEqual([7]);
      expect(answer.updated?.id).toBe(message.id);
      expect(answer.updated?.buttons).toEqual([[{ label: '★★★★ rated', customId: 'undo:rate:101:4', style: 2 }]]);
      expect(answer.updated?.embeds[0]?.title).toBe('Movie 1 (2000)'); // the card itself is untouched
      expect(answer.messages).toEqual([expect.objectContaining({ content: 'Rated 4 stars', ephemeral: true, visibleTo: bob.id })]);
    });

    it('given an ack that removes the buttons and replaces the text, edits the message in place', async () => {
      handler.on('/help', () => [{ kind: 'text', text: 'Pick one', buttons: [[{ label: 'A', action: 'pick:a' }]] }]);
      const alice = driver.user('Alice');
      const message = (await driver.repliesTo(await driver.userRuns(driver.channel(), alice, 'help'))).messages[0]!;
      handler.on('pick:', () => [{ kind: 'ack', toast: '', buttons: null, text: 'You picked A' }]);
      const answer = await driver.repliesTo(await driver.press(alice, message, 'A'));
      expect(answer.callbacks).toEqual([7]);
      expect(answer.updated).toMatchObject({ content: 'You picked A', buttons: [] });
      expect(answer.messages).toEqual([]);
    });

    it('given an ack with only a toast, answers with an ephemeral message and leaves the card alone', async () => {
      const message = await cardMessage();
      handler.on('seen:', () => [{ kind: 'ack', toast: 'Marked as seen' }]);
      const answer = await driver.repliesTo(await driver.press(driver.user('Bob'), message, 'Seen it'));
      expect(answer.callbacks).toEqual([4]);
      expect(answer.updated).toBeNull();
      expect(answer.messages).toEqual([expect.objectContaining({ content: 'Marked as seen', ephemeral: true })]);
    });

    it('given a press whose answer is slow, defers the update and then edits the pressed message', async () => {
      const message = await cardMessage();
      handler.on('nope:', async () => {
        await sleep(DEFER_AFTER_MS + 500);
        return [{ kind: 'ack', toast: 'Noted', buttons: null }];
      });
      const answer = await driver.repliesTo(await driver.press(driver.user('Bob'), message, 'Not for me'));
      expect(answer.callbacks).toEqual([6]);
      expect(answer.updated?.buttons).toEqual([]);
      expect(answer.messages).toEqual([expect.objectContaining({ content: 'Noted', ephemeral: true })]);
    });

    it('given a press that produces new picks, sends them as new messages', async () => {
      const message = await cardMessage();
      handler.on('nope:', () => [
        { kind: 'ack', toast: 'Got it' },
        { kind: 'picks', header: 'Another one', cards: [card(2)] },
      ]);
      const answer = await driver.repliesTo(await driver.press(driver.user('Alice'), message, 'Not for me'), { minMessages: 2 });
      expect(answer.messages.map((m) => [m.content, m.ephemeral])).toEqual([
        ['Got it', true],
        ['Another one', false],
      ]);
      expect(answer.messages[1]?.embeds[0]?.title).toBe('Movie 2 (2001)');
    });

    it('given a press in a DM, answers it as a private chat and updates the message in place', async () => {
      const erin = driver.user('Erin');
      const dm = driver.dm(erin);
      handler.on('/help', () => [{ kind: 'text', text: 'Pick one', buttons: [[{ label: 'A', action: 'pick:a' }]] }]);
      const message = (await driver.repliesTo(await driver.userRuns(dm, erin, 'help'))).messages[0]!;
      handler.on('pick:', () => [{ kind: 'ack', toast: 'Saved', buttons: null }]);
      const answer = await driver.repliesTo(await driver.press(erin, message, 'A'));
      expect(handler.lastTurn()).toMatchObject({ action: 'pick:a', chat: { id: dm.id, kind: 'private' } });
      expect(answer.callbacks).toEqual([7]);
      expect(answer.updated?.buttons).toEqual([]);
      expect(answer.messages).toEqual([expect.objectContaining({ content: 'Saved', ephemeral: true })]);
    });

    it('given a press on an ephemeral settings message, keeps every answer ephemeral', async () => {
      handler.on('/settings', () => [{ kind: 'text', text: 'Settings', buttons: [[{ label: 'Lift my mood', action: 'set:lift' }]] }]);
      const alice = driver.user('Alice');
      const settings = (await driver.repliesTo(await driver.userRuns(driver.channel(), alice, 'settings'))).messages[0]!;
      handler.on('set:', () => [{ kind: 'text', text: 'Strategy: lift' }]);
      const answer = await driver.repliesTo(await driver.press(alice, settings, 'Lift my mood'));
      expect(answer.messages).toEqual([expect.objectContaining({ content: 'Strategy: lift', ephemeral: true })]);
    });
  });

  describe('error boundary', () => {
    it('given a core that throws, apologises ephemerally and keeps serving', async () => {
      handler.on('/help', () => {
        throw new Error('boom');
      });
      const answer = await driver.repliesTo(await driver.userRuns(driver.channel(), driver.user('Alice'), 'help'));
      expect(answer.messages).toEqual([expect.objectContaining({ content: expect.stringMatching(/^Sorry, something went wrong/), ephemeral: true })]);
      expect(logs.some((l) => l.level === 'error' && l.message === 'discord handler threw')).toBe(true);

      handler.reset();
      const next = await driver.repliesTo(await driver.userRuns(driver.channel(), driver.user('Alice'), 'help'));
      expect(next.text).toBe('ok');
    });

    it('given a core that hangs on a deferred command, apologises after the time limit and drops the placeholder', async () => {
      handler.on('/mood', () => new Promise<Reply[]>(() => undefined));
      const started = Date.now();
      const answer = await driver.repliesTo(await driver.userRuns(driver.channel(), driver.user('Alice'), 'mood', { text: 'meh' }), { timeoutMs: TIMEOUT_MS + 5000 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 100);
      expect(answer.callbacks).toEqual([5]);
      expect(answer.messages).toEqual([expect.objectContaining({ content: expect.stringMatching(/took too long/), ephemeral: true })]);
      expect(logs.some((l) => l.level === 'warn' && l.message === 'handler timed out')).toBe(true);
    });

    it('given a reply Discord refuses, logs the failed route without the token and still tells the user', async () => {
      fake.failNext(1, { status: 500, match: /^POST \/interactions/ });
      fake.failNext(3, { status: 500, match: /^POST \/interactions/ }); // initial try + 3 retries all fail
      handler.on('/help', () => [{ kind: 'text', text: 'never seen' }]);
      const h = await driver.userRuns(driver.channel(), driver.user('Alice'), 'help');
      await fake.waitFor(() => logs.some((l) => l.message === 'discord reply failed'), 10_000, () => 'the reply failure to be logged');
      const failure = logs.find((l) => l.message === 'discord reply failed')!;
      expect(failure.fields).toMatchObject({ method: 'interaction.reply', route: `POST /interactions/${h.interaction.id}/:token/callback`, status: 500 });
      expect(JSON.stringify(logs)).not.toContain(h.interaction.token);
      const answer = await driver.repliesTo(h);
      expect(answer.messages).toEqual([expect.objectContaining({ content: expect.stringMatching(/^Sorry, something went wrong/), ephemeral: true })]);
    });

    it('never logs the bot token, interaction tokens or what users typed', () => {
      const text = JSON.stringify(logs);
      expect(text).not.toContain(fake.token);
      expect(text).not.toContain('I feel rough today');
      for (const interaction of fake.interactions.values()) expect(text).not.toContain(interaction.token);
    });
  });

  describe('rate limits', () => {
    it('given a 429 on the reply edit, waits retry_after and sends the answer exactly once', async () => {
      handler.on('/mood', () => [{ kind: 'text', text: 'after the rate limit' }]);
      fake.failNext(1, { status: 429, retryAfterSec: 0.4, match: /^PATCH \/webhooks/ });
      const h = await driver.userRuns(driver.channel(), driver.user('Alice'), 'mood', { text: 'fine' });
      const answer = await driver.repliesTo(h);
      expect(answer.messages).toEqual([expect.objectContaining({ content: 'after the rate limit', edits: 1 })]);
      const patches = fake.requests.filter((r) => r.method === 'PATCH' && r.path === `/webhooks/${fake.applicationId}/:token/messages/@original` && r.at >= h.interaction.createdAt);
      expect(patches.map((p) => p.status)).toEqual([429, 200]);
      expect(patches[1]!.at - patches[0]!.at).toBeGreaterThanOrEqual(380);
    });

    it('given a 429 on follow-ups, delivers every message once and in order', async () => {
      handler.on('/mood', () => [
        { kind: 'picks', header: 'Picks', cards: [card(1), card(2), card(3)] },
        { kind: 'text', text: 'after 1' },
        { kind: 'text', text: 'after 2' },
      ]);
      fake.failNext(1, { status: 429, retryAfterSec: 0.3, match: /^POST \/webhooks/ });
      const answer = await driver.repliesTo(await driver.userRuns(driver.channel(), driver.user('Alice'), 'mood', { text: 'fine' }), { minMessages: 3, settleMs: 500 });
      expect(answer.messages.map((m) => m.embeds[0]?.title ?? m.content)).toEqual(['Movie 1 (2000)', 'after 1', 'after 2']);
    });
  });

  describe('notifier', () => {
    it('given announcements for a channel, posts them there (picks as cards, private parts skipped)', async () => {
      const films = driver.channel('films');
      await bot.notifier.send(films.id, [
        { kind: 'text', text: 'Watch party: voting closes in 5 minutes!', buttons: [[{ label: 'Join', action: 'party:join:1' }]] },
        { kind: 'text', text: 'secret', ephemeral: true },
        { kind: 'picks', header: 'The winner', cards: [card(1)] },
      ]);
      const messages = driver.messagesIn(films);
      expect(messages.map((m) => m.content)).toEqual(['Watch party: voting closes in 5 minutes!', 'The winner']);
      expect(messages[0]?.buttons[0]?.[0]?.customId).toBe('party:join:1');
      expect(messages[1]?.embeds[0]?.image?.url).toBe('https://image.tmdb.org/t/p/w500/poster1.jpg');
    });

    it('given a 429 then a 502 on the channel, retries and posts once', async () => {
      const films = driver.channel('films');
      const before = driver.messagesIn(films).length;
      fake.failNext(1, { status: 429, retryAfterSec: 0.2, match: /^POST \/channels/ });
      fake.failNext(1, { status: 502, match: /^POST \/channels/ });
      await bot.notifier.send(films.id, [{ kind: 'file', fileName: 'party.txt', mimeType: 'text/plain', data: Buffer.from('results'), caption: 'Results' }]);
      const messages = driver.messagesIn(films);
      expect(messages).toHaveLength(before + 1);
      expect(messages.at(-1)?.files[0]?.data.toString()).toBe('results');
    });

    it('given an unknown channel, fails with the route that failed', async () => {
      await expect(bot.notifier.send('123456789012345678', [{ kind: 'text', text: 'hi' }])).rejects.toMatchObject({
        name: 'DiscordApiError',
        method: 'notifier.send',
        route: 'POST /channels/123456789012345678/messages',
        status: 404,
        code: 10003,
      });
    });
  });

  describe('a watch party, end to end through the driver', () => {
    it('given three members join and vote on one message, each press edits it in place and the result is announced', async () => {
      const members: string[] = [];
      const votes = new Map<string, string>();
      const partyText = () => `Watch party! Members: ${members.join(', ') || 'none yet'}`;
      const partyButtons = [[{ label: 'Join', action: 'party:join' }, { label: 'Vote Movie 1', action: 'party:vote:1' }, { label: 'Vote Movie 2', action: 'party:vote:2' }]];
      handler.on('/watchparty', () => [{ kind: 'text', text: partyText(), buttons: partyButtons }]);
      handler.on('party:join', (turn) => {
        if (!members.includes(turn.user.name!)) members.push(turn.user.name!);
        return [{ kind: 'ack', toast: 'You joined', text: partyText(), buttons: partyButtons }];
      });
      handler.on('party:vote:', (turn) => {
        votes.set(turn.user.id, turn.action!.split(':')[2]!);
        return [{ kind: 'ack', toast: 'Vote counted' }];
      });
      const films = driver.channel('films');
      const [ann, ben, cat] = [driver.user('Ann'), driver.user('Ben'), driver.user('Cat')];
      const party = (await driver.repliesTo(await driver.userRuns(films, ann, 'watchparty', { minutes: 5 }))).messages[0]!;

      for (const member of [ann, ben, cat]) {
        const joined = await driver.repliesTo(await driver.press(member, party, 'Join'));
        expect(joined.updated?.id).toBe(party.id);
        expect(joined.messages).toEqual([expect.objectContaining({ content: 'You joined', visibleTo: member.id })]);
      }
      expect(driver.messagesIn(films).find((m) => m.id === party.id)?.content).toBe('Watch party! Members: Ann, Ben, Cat');

      await Promise.all(
        [ann, ben, cat].map(async (member, i) => driver.repliesTo(await driver.press(member, party, i === 2 ? 'Vote Movie 2' : 'Vote Movie 1'))),
      );
      expect([...votes.values()].sort()).toEqual(['1', '1', '2']);

      await bot.notifier.send(films.id, [{ kind: 'picks', header: 'Tonight: Movie 1 (2 votes)', cards: [card(1, { buttons: [] })] }]);
      const everyone = driver.messagesIn(films, driver.user('Zed'));
      expect(everyone.at(-1)).toMatchObject({ content: 'Tonight: Movie 1 (2 votes)', buttons: [] });
      expect(everyone.some((m) => m.content === 'You joined')).toBe(false); // toasts are private
    });
  });

  describe('gateway', () => {
    it('given the gateway connection drops, resumes the session and keeps answering', async () => {
      fake.dropGateway(4000);
      await fake.waitFor(() => fake.resumes === 1 && fake.identifiedSessions().length === 1, 15_000, () => 'the bot to resume');
      const answer = await driver.repliesTo(await driver.userRuns(driver.channel(), driver.user('Alice'), 'help'), { timeoutMs: 10_000 });
      expect(answer.text).toBe('ok');
      expect(fake.identifies).toHaveLength(1); // resumed, not re-identified
    });
  });
});

// ------------------------------------------------------------------ global registration, bad token

describe('Discord adapter start-up variants', () => {
  it('given a guild id, registers the commands in that guild only (instant for development; not in DMs)', async () => {
    const fake = await FakeDiscord.start();
    const guild = fake.addGuild('Dev server');
    const bot = createDiscordBot({
      token: fake.token,
      guildId: guild.id,
      apiUrl: fake.apiUrl,
      handler: new ScriptedHandler(),
      commands: COMMANDS,
      logger: memoryLogger(),
      maxImageBytes: MAX_IMAGE_BYTES,
      interactionTimeoutMs: TIMEOUT_MS,
    });
    try {
      await bot.start();
      expect(fake.commandsFor(guild.id).map((c) => c.name)).toEqual(COMMANDS.map((c) => c.name));
      expect(fake.commandsFor()).toEqual([]);
      expect(fake.requests.filter((r) => r.method === 'PUT').map((r) => r.path)).toEqual([`/applications/${fake.applicationId}/guilds/${guild.id}/commands`]);
      const driver = new DiscordDriver(fake, guild);
      const eve = driver.user('Eve');
      const answer = await driver.repliesTo(await driver.userRuns(driver.channel(), eve, 'help'));
      expect(answer.text).toBe('ok');
      await expect(driver.userRuns(driver.dm(eve), eve, 'help')).rejects.toThrow(/not registered globally/);
    } finally {
      await bot.stop();
      await fake.close();
    }
  });

  it('given a wrong token, start fails clearly and nothing is left running', async () => {
    const fake = await FakeDiscord.start();
    const bot = createDiscordBot({
      token: 'not-the-token',
      apiUrl: fake.apiUrl,
      handler: new ScriptedHandler(),
      commands: COMMANDS,
      logger: memoryLogger(),
      maxImageBytes: MAX_IMAGE_BYTES,
      interactionTimeoutMs: TIMEOUT_MS,
    });
    try {
      await expect(bot.start()).rejects.toMatchObject({ name: 'DiscordApiError', method: 'login' });
      expect(fake.identifiedSessions()).toHaveLength(0);
    } finally {
      await bot.stop();
      await fake.close();
    }
  });
});

// ------------------------------------------------------------------ Discord unreachable

describe('Discord adapter when Discord is unreachable', () => {
  it('given the gateway and REST refusing connections for a while, backs off quietly, then connects again and answers', async () => {
    const logs: LogEntry[] = [];
    const rig = await startDiscordRig({
      handler: new ScriptedHandler(),
      logger: memoryLogger(logs),
      maxImageBytes: MAX_IMAGE_BYTES,
      interactionTimeoutMs: TIMEOUT_MS,
      backoff: { baseMs: 100, factor: 1.5, maxMs: 400, jitter: 0.2 },
    });
    try {
      const identifiesBefore = rig.fake.identifies.length;
      const logsBefore = logs.length;
      await rig.fake.goDown();
      await sleep(2_500);
      const downLines = logs.slice(logsBefore);
      // One warning that it is lost; no line per attempt.
      expect(downLines.filter((l) => l.level === 'warn' || l.level === 'error').map((l) => l.fields.event ?? l.message)).toEqual(['api_unreachable']);
      await rig.fake.comeBack();
      const back = Date.now();
      while (rig.fake.identifiedSessions().length !== 1 && Date.now() - back < 5_000) await sleep(25);
      expect(rig.fake.identifiedSessions()).toHaveLength(1);
      expect(rig.fake.identifies.length).toBe(identifiesBefore + 1);
      const answer = await rig.driver.repliesTo(await rig.driver.userRuns(rig.driver.channel(), rig.driver.user('Back'), 'help'), { timeoutMs: 10_000 });
      expect(answer.text).toBe('ok');
      expect(logs.slice(logsBefore).filter((l) => l.fields.event === 'api_reachable')).toHaveLength(1);
    } finally {
      await rig.stop();
    }
  }, 30_000);
});
