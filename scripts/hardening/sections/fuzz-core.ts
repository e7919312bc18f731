/**
 * Fuzz through the core turn handler (`app.handler.handle(turn)`): generated
 * texts, the image corpus, unsupported media and forged button payloads, from
 * a dozen users in private chats and groups on every platform. Holds when the
 * handler never throws, every private turn gets a clear answer, image refusals
 * carry a fitting code, forged presses store nothing, and no turn ends in the
 * generic apology (an unexpected error inside).
 */
import { decodeAction } from '../../../src/core/conversation/actions.js';
import type { ImageInput, Platform, Reply, Turn } from '../../../src/core/conversation/turn.js';
import { UserError } from '../../../src/core/errors.js';
import type { Context } from '../context.js';
import type { ImageCase } from '../fixtures/images.js';
import { forgedPayloads, generateTexts } from '../fixtures/texts.js';
import { LEVEL, describeLogLine } from '../lib/logs.js';
import { withChoice } from '../lib/outputs.js';
import { checkReplies } from '../lib/reply-check.js';
import { sleep } from '../lib/rng.js';

const SECTION = 'fuzz core';
const HANDLE_TIMEOUT_MS = 60_000;

interface Person {
  readonly platform: Platform;
  readonly externalId: string;
  internalId: number;
}

interface Tally {
  tried: number;
  problems: string[];
  internal: number;
  /** How the turns were answered (first reply's kind or error code), for the report. */
  answers: Map<string, number>;
}

/** "picks 9, no_face 1" */
export const histogram = (answers: ReadonlyMap<string, number>) =>
  [...answers].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ');

/** An ImageInput over bytes in memory, honouring the port's contract (UserError past maxBytes). */
export const memoryImage = (bytes: Uint8Array, mimeType: string | null, announce: boolean): ImageInput => ({
  sizeBytes: announce ? bytes.byteLength : null,
  mimeType,
  async load(maxBytes: number) {
    if (bytes.byteLength > maxBytes) throw new UserError('image_too_large', 'That image is too large for me.');
    return bytes;
  },
});

export const turnOf = (person: Person, chat: { id: string; kind: 'private' | 'group' }, fields: Partial<Turn>): Turn => ({
  platform: person.platform,
  user: { id: person.externalId, name: 'Fuzz' },
  chat,
  receivedAt: new Date(),
  ...fields,
});

const privateChat = (p: Person) => ({ id: `dm-${p.externalId}`, kind: 'private' as const });

/** Never throws: a throw or a hang is itself the finding. */
async function handle(ctx: Context, turn: Turn): Promise<{ replies: Reply[] | null; error: string | null }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const replies = await Promise.race([
      ctx.sqlite.app.handler.handle(turn),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${HANDLE_TIMEOUT_MS / 1000} s`)), HANDLE_TIMEOUT_MS);
      }),
    ]);
    return { replies, error: null };
  } catch (error) {
    return { replies: null, error: `handle() threw: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    clearTimeout(timer);
  }
}

const actionsIn = (replies: readonly Reply[]): string[] =>
  replies.flatMap((r) => {
    const rows = r.kind === 'picks' ? r.cards.flatMap((c) => c.buttons) : r.kind === 'text' || r.kind === 'ack' ? (r.buttons ?? []) : [];
    return rows.flat().flatMap((b) => ('action' in b ? [b.action] : []));
  });

export async function fuzzCore(ctx: Context, count: number): Promise<void> {
  const { app } = ctx.sqlite;
  const rng = ctx.rng.fork();
  const started = performance.now();
  const logFrom = ctx.appLog.length;
  const platforms: Platform[] = ['telegram', 'discord', 'terminal'];
  const people: Person[] = Array.from({ length: 12 }, (_, k) => ({ platform: platforms[k % 3]!, externalId: `hz-core-${ctx.markers.nonce}-${k}`, internalId: 0 }));
  for (const p of people) p.internalId = (await app.stores.users.resolve(p.platform, p.externalId)).id;
  ctx.report.counters.users += people.length;
  const tallies = new Map<string, Tally>();
  const tally = (category: string) => tallies.get(category) ?? tallies.set(category, { tried: 0, problems: [], internal: 0, answers: new Map() }).get(category)!;
  const allowedRatings = new Set<string>();

  const run = async (category: string, turn: Turn, accept?: readonly string[], label?: string) => {
    const t = tally(category);
    t.tried++;
    ctx.report.counters.inputsTried++;
    const { replies, error } = await handle(ctx, turn);
    if (!replies) {
      t.problems.push(error!);
      return [];
    }
    const verdict = checkReplies(replies, turn.chat.kind === 'group');
    const answer = verdict.codes[0] ?? 'nothing';
    t.answers.set(answer, (t.answers.get(answer) ?? 0) + 1);
    if (verdict.internal) {
      t.internal++;
      t.problems.push(`generic apology for ${describeTurn(turn)}`);
    }
    for (const problem of verdict.problems) t.problems.push(`${problem} (input: ${describeTurn(turn)})`);
    if (accept && !verdict.internal && replies.length > 0) {
      const got = verdict.codes;
      const fits = got.some((c) => accept.includes(c) || c === 'text' || c === 'busy' || c === 'cooldown');
      if (!fits) t.problems.push(`answered ${got.join('+')} where ${accept.join('|')} was expected (input: ${label ?? describeTurn(turn)})`);
    }
    return replies;
  };

  // Setup: consent for most, picks for two people, a lobby party and a party that will close.
  for (const p of people.slice(0, 9)) await run('setup', turnOf(p, privateChat(p), { action: 'c:y' }));
  const recs = new Map<number, string[]>();
  for (const p of people.slice(0, 2)) {
    const replies = await run('setup', turnOf(p, privateChat(p), { text: 'I feel rough today' }));
    recs.set(p.internalId, actionsIn(replies).filter((a) => a.startsWith('r:')));
  }
  const groupA = { id: `grp-a-${ctx.markers.nonce}`, kind: 'group' as const };
  const groupB = { id: `grp-b-${ctx.markers.nonce}`, kind: 'group' as const };
  const host = people[3]!; // telegram
  const lobby = await run('setup', turnOf(host, groupA, { text: '/watchparty 30' }));
  const lobbyParty = actionsIn(lobby).find((a) => a.startsWith('pj:'))?.slice(3) ?? null;
  // A party closing in 12 s (room for a slow machine), to replay a vote after its deadline.
  const closing = await app.parties.start('telegram', groupB.id, host.internalId, 0.2);
  const closingParty = (closing.kind === 'text' ? (closing.buttons ?? []).flat() : []).flatMap((b) => ('action' in b ? [b.action] : [])).find((a) => a.startsWith('pj:'))?.slice(3) ?? null;
  const member = people[6]!; // telegram
  let closingVote: string | null = null;
  if (closingParty) {
    await run('setup', turnOf(member, groupB, { action: `pj:${closingParty}` }));
    const proposed = await run('setup', turnOf(host, groupB, { action: `pp:${closingParty}` }));
    closingVote = actionsIn(proposed).find((a) => a.startsWith('pv:')) ?? null;
    if (closingVote) await run('setup', turnOf(member, groupB, { action: closingVote }));
  }
  const ratingsBefore = await ratingsOf(ctx, people);

  // Targeted forgeries: each must be refused on the button, and store nothing.
  const forged: { name: string; person: Person; chat: Turn['chat']; action: string; expect: RegExp }[] = [];
  const aRec = recs.get(people[0]!.internalId)?.[0];
  if (aRec) forged.push({ name: "another user's recommendation id", person: people[1]!, chat: privateChat(people[1]!), action: withChoice(aRec, '5'), expect: /belong to someone else/ });
  if (lobbyParty) {
    forged.push({ name: "another chat's party id (join)", person: people[0]!, chat: groupB, action: `pj:${lobbyParty}`, expect: /does not exist here/ });
    forged.push({ name: "another chat's party id (propose)", person: host, chat: { id: `dm-${host.externalId}`, kind: 'private' }, action: `pp:${lobbyParty}`, expect: /does not exist here/ });
    forged.push({ name: 'a vote before voting started', person: host, chat: groupA, action: `pv:${lobbyParty}:1`, expect: /not started/ });
  }
  if (closingVote) {
    forged.push({ name: 'a vote from a non-member', person: people[9]!, chat: groupB, action: closingVote, expect: /Only members/ });
  }

  for (const f of forged) {
    const replies = await run('forged (targeted)', turnOf(f.person, f.chat, { action: f.action }));
    const ack = replies[0];
    const ok = replies.length === 1 && ack?.kind === 'ack' && ack.alert === true && f.expect.test(ack.toast);
    ctx.report.check(SECTION, `forged: ${f.name}`, f.action, ok, ok ? `refused: "${ack.kind === 'ack' ? ack.toast : ''}"` : `got ${JSON.stringify(replies).slice(0, 200)}`);
  }

  // The generated inputs.
  const images: ImageCase[] = await ctx.images();
  const texts = generateTexts(rng.fork(), Math.ceil(count * 0.55), () => ctx.markers.text());
  const payloads = forgedPayloads(rng.fork(), Math.ceil(count * 0.2));
  const imageCount = Math.max(images.length, Math.ceil(count * 0.2));
  const plan: (() => Promise<unknown>)[] = [];
  for (const text of texts) {
    const p = rng.pick(people);
    const group = rng.chance(0.2);
    const chat = group ? rng.pick([groupA, groupB]) : privateChat(p);
    plan.push(() => run(`text: ${text.category}`, turnOf(p, chat, { text: text.text, ...(group && rng.chance(0.5) ? { isReplyToBot: true } : {}) })));
  }
  for (let k = 0; k < imageCount; k++) {
    const c = images[k % images.length]!;
    const p = rng.pick(people.slice(0, 9));
    const mime = rng.chance(0.85) ? c.mimeType : rng.pick(['image/jpeg', 'application/octet-stream', null]);
    const caption = rng.chance(0.25) ? rng.pick(['/mood so tired', '/selfie', 'me today', '']) : undefined;
    const accept = mime !== null && !mime.startsWith('image/') ? [...c.accept, 'image_unsupported'] : c.accept;
    plan.push(() =>
      run(`image: ${c.group}`, turnOf(p, privateChat(p), { image: memoryImage(c.bytes, mime, rng.chance(0.5)), ...(caption !== undefined ? { text: caption } : {}) }), accept, c.name),
    );
  }
  for (const payload of payloads) {
    const p = rng.pick(people);
    const action = decodeAction(payload);
    if (action?.type === 'rate_movie') allowedRatings.add(`${p.internalId}:${action.movieId}`);
    plan.push(() => run('forged (random payload)', turnOf(p, rng.chance(0.7) ? privateChat(p) : groupA, { action: payload })));
  }
  for (const media of ['sticker', 'voice', 'video_note', 'animation', 'dice', 'unheard-of']) {
    const p = rng.pick(people);
    plan.push(() => run('unsupported media', turnOf(p, privateChat(p), { unsupportedMedia: media })));
  }
  // Shuffled (seeded) so categories interleave, as real traffic does.
  rng.shuffle(plan);
  for (const step of plan) await step();

  // The replayed vote after the deadline (the party closed meanwhile).
  if (closingVote && closingParty) {
    const party = await app.stores.parties.get(closingParty);
    const wait = party ? party.deadline.getTime() - Date.now() + 300 : 0;
    if (wait > 0) await sleep(wait);
    await app.parties.sweep();
    const replies = await run('forged (targeted)', turnOf(member, groupB, { action: closingVote }));
    const ack = replies[0];
    const ok = ack?.kind === 'ack' && /over/.test(ack.toast);
    ctx.report.check(SECTION, 'forged: a vote replayed after the deadline', closingVote, ok, ok ? `refused: "${ack.kind === 'ack' ? ack.toast : ''}"` : `got ${JSON.stringify(replies).slice(0, 200)}`);
  } else {
    ctx.report.check(SECTION, 'forged: a vote replayed after the deadline', '-', false, 'could not set up a closed party with picks');
  }

  // Nothing stored that should not be: fuzz users' ratings come only from payloads that decode as ratings.
  const after = await ratingsOf(ctx, people);
  const unexpected = after.filter((key) => !ratingsBefore.includes(key) && !allowedRatings.has(key));
  ctx.report.check(SECTION, 'forged presses store nothing else', `${payloads.length + forged.length} forged payloads`, unexpected.length === 0, unexpected.length === 0 ? `ratings only from payloads that are ratings (${after.length - ratingsBefore.length} new)` : `unexpected ratings stored: ${unexpected.slice(0, 5).join(', ')}`);

  const errors = ctx.appLog.atLeast(LEVEL.error, logFrom);
  ctx.report.check(SECTION, 'the core logged no error', `${ctx.appLog.length - logFrom} log lines`, errors.length === 0, errors.length === 0 ? 'no error-level line (bugs are logged at error)' : [...new Set(errors.map(describeLogLine))].slice(0, 3).join(' | '));

  // The table rows, one per category.
  let total = 0;
  for (const [category, t] of [...tallies].sort(([a], [b]) => a.localeCompare(b))) {
    if (category === 'setup' && t.problems.length === 0) continue;
    total += t.tried;
    ctx.report.check(SECTION, category, `${t.tried} inputs`, t.problems.length === 0, t.problems.length === 0 ? `clear answers: ${histogram(t.answers)}` : `${t.problems.length} problem(s): ${t.problems.slice(0, 3).join(' | ')}`);
  }
  ctx.options.progress(`fuzz core: ${total} inputs in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

async function ratingsOf(ctx: Context, people: readonly Person[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of people) for (const r of await ctx.sqlite.app.stores.ratings.forUser(p.internalId)) out.push(`${p.internalId}:${r.movieId}`);
  return out;
}

/** A short, printable description of a turn for the report. */
export function describeTurn(turn: Turn): string {
  const what =
    turn.action !== undefined ? `press ${JSON.stringify(turn.action.slice(0, 40))}`
    : turn.image ? `image (${turn.image.mimeType ?? 'no type'}${turn.text ? ` + caption ${JSON.stringify(turn.text.slice(0, 20))}` : ''})`
    : turn.unsupportedMedia ? `media ${turn.unsupportedMedia}`
    : `text ${JSON.stringify((turn.text ?? '').slice(0, 40))}${(turn.text?.length ?? 0) > 40 ? `…(${turn.text!.length} chars)` : ''}`;
  return `${turn.platform} ${turn.chat.kind}: ${what}`;
}
