/**
 * Watch parties: members join, the recommender proposes picks that suit every
 * member (group strategies), members vote (one vote each, changeable), and at
 * the deadline exactly one process announces the winner. Deadlines live in the
 * database, so a restart resumes them.
 */
import { randomBytes } from 'node:crypto';
import { UserError } from '../errors.js';
import type { Clock, Logger, Recommender } from '../ports.js';
import type { PartyPick, PartyRecord, Stores } from '../stores.js';
import { encodeAction } from '../conversation/actions.js';
import { titleWithYear } from '../conversation/cards.js';
import type { Button, Notifier, Platform, Reply } from '../conversation/turn.js';
import type { CatalogIndex } from './catalog-index.js';

export interface WatchPartyOptions {
  readonly stores: Stores;
  readonly recommender: Recommender;
  readonly catalog: CatalogIndex;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly picks: number;
  /** Identifies this process for the deadline lease. */
  readonly owner: string;
}

const LEASE_MS = 60_000;
/** The `ref` of a party's one message (lobby, then proposal, then result): edited in place where the platform can. */
export const partyRef = (partyId: string) => `party:${partyId}`;
const newPartyId = () => randomBytes(6).toString('hex');

export class WatchPartyAgent {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly notifiers = new Map<Platform, Notifier>();
  private sweeper: NodeJS.Timeout | null = null;

  constructor(private readonly o: WatchPartyOptions) {}

  registerNotifier(notifier: Notifier): void {
    this.notifiers.set(notifier.platform, notifier);
  }

  async start(platform: Platform, chatId: string, userId: number, minutes: number): Promise<Reply> {
    const deadline = new Date(this.o.clock.now().getTime() + minutes * 60_000);
    const party = await this.o.stores.parties.create({ id: newPartyId(), platform, chatId, createdById: userId, deadline });
    if (!party) throw new UserError('party_exists', 'A watch party is already running in this chat: join it with the buttons above.');
    this.schedule(party);
    return {
      kind: 'text',
      text: `🎉 Watch party! Press Join; when everyone is in, press "Propose picks". Voting closes in ${minutes} min. (1 member so far)`,
      buttons: [this.lobbyButtons(party.id)],
      ref: partyRef(party.id),
    };
  }

  private lobbyButtons(partyId: string): Button[] {
    return [
      { label: '🙋 Join', key: 'join', action: encodeAction({ type: 'party_join', partyId }) },
      { label: '🍿 Propose picks', key: 'propose', action: encodeAction({ type: 'party_propose', partyId }) },
    ];
  }

  private async openParty(partyId: string, chat: { platform: Platform; chatId: string }): Promise<PartyRecord> {
    const party = await this.o.stores.parties.get(partyId);
    if (!party || party.platform !== chat.platform || party.chatId !== chat.chatId) {
      throw new UserError('stale_button', 'That watch party does not exist here (any more).');
    }
    if (party.status === 'closed' || party.status === 'cancelled' || party.deadline <= this.o.clock.now()) {
      if (party.status === 'joining' || party.status === 'voting') void this.fire(party.id);
      throw new UserError('party_closed', 'That watch party is over. Start a new one with /watchparty.');
    }
    return party;
  }

  async join(partyId: string, chat: { platform: Platform; chatId: string }, userId: number): Promise<Reply> {
    const party = await this.openParty(partyId, chat);
    if (party.status !== 'joining') throw new UserError('party_closed', 'Voting has started, so the picks are set. Catch the next party!');
    const added = await this.o.stores.parties.join(partyId, userId);
    const count = party.memberIds.length + (added ? 1 : 0);
    return {
      kind: 'ack',
      toast: added ? `You're in! ${count} member(s).` : 'You are already in this party.',
      text: `🎉 Watch party! Press Join; when everyone is in, press "Propose picks". (${count} member${count === 1 ? '' : 's'} so far)`,
      buttons: [this.lobbyButtons(partyId)],
    };
  }

  /** Group picks for the members, via the recommender's group strategy (average without misery by default). */
  private async groupPicks(party: PartyRecord): Promise<PartyPick[]> {
    const { stores, recommender } = this.o;
    const members = party.memberIds;
    const [moods, prefs] = await Promise.all([
      Promise.all(members.map((id) => stores.moods.latest(id))),
      Promise.all(members.map((id) => stores.preferences.get(id))),
    ]);
    const picks = await recommender.recommendGroup({ memberIds: members, moods, n: this.o.picks }, prefs);
    return picks.map((p) => ({ movieId: p.movieId, score: p.score, reason: p.reason }));
  }

  async propose(partyId: string, chat: { platform: Platform; chatId: string }, userId: number): Promise<Reply> {
    const party = await this.openParty(partyId, chat);
    if (!party.memberIds.includes(userId)) throw new UserError('not_member', 'Only members can do that: press Join first.');
    if (party.status !== 'joining') return { kind: 'ack', toast: 'The picks are already proposed: vote below.' };
    const picks = await this.groupPicks(party);
    if (picks.length === 0) throw new UserError('not_found', 'I found nothing that suits everyone. Loosen /settings and try again.');
    if (!(await this.o.stores.parties.startVoting(partyId, picks))) return { kind: 'ack', toast: 'The picks are already proposed: vote below.' };
    const lines = picks.map((p, k) => `${k + 1}. ${this.title(p.movieId)} — ${p.reason}`);
    const buttons = picks.map((p, k) => [{ label: `🗳 ${k + 1}. ${this.title(p.movieId)}`.slice(0, 60), key: `v${k + 1}`, action: encodeAction({ type: 'party_vote', partyId, movieId: p.movieId }) }]);
    const minutes = Math.max(1, Math.round((party.deadline.getTime() - this.o.clock.now().getTime()) / 60_000));
    return {
      kind: 'ack',
      toast: 'Picks proposed!',
      text: `🍿 Picks for ${party.memberIds.length} member(s) — vote within ${minutes} min (one vote each; you can change it):\n${lines.join('\n')}`,
      buttons,
    };
  }

  async vote(partyId: string, movieId: number, chat: { platform: Platform; chatId: string }, userId: number): Promise<Reply> {
    const party = await this.openParty(partyId, chat);
    if (party.status !== 'voting') throw new UserError('stale_button', 'Voting has not started yet.');
    if (!party.memberIds.includes(userId)) throw new UserError('not_member', 'Only members of this party can vote.');
    if (!party.picks.some((p) => p.movieId === movieId)) throw new UserError('stale_button', 'That is not one of the picks of this party.');
    const { previous } = await this.o.stores.parties.vote(partyId, userId, movieId);
    const toast =
      previous === movieId ? `You already voted for ${this.title(movieId)}.`
      : previous !== null ? `Vote changed to ${this.title(movieId)}.`
      : `Vote counted: ${this.title(movieId)}.`;
    return { kind: 'ack', toast };
  }

  /** Decides the winner: most votes, ties broken by group score; no votes → best group score. */
  static winner(party: PartyRecord): { movieId: number; votes: number } | null {
    if (party.picks.length === 0) return null;
    const counts = new Map<number, number>();
    for (const [userId, movieId] of party.votes) if (party.memberIds.includes(userId)) counts.set(movieId, (counts.get(movieId) ?? 0) + 1);
    const ranked = [...party.picks].sort((a, b) => (counts.get(b.movieId) ?? 0) - (counts.get(a.movieId) ?? 0) || b.score - a.score);
    const best = ranked[0]!;
    return { movieId: best.movieId, votes: counts.get(best.movieId) ?? 0 };
  }

  /** Closes a due party once, across processes (lease), and announces the result. */
  async fire(partyId: string): Promise<void> {
    this.timers.delete(partyId);
    try {
      if (!(await this.o.stores.parties.claim(partyId, this.o.owner, LEASE_MS))) return;
      let party = await this.o.stores.parties.get(partyId);
      if (!party || (party.status !== 'joining' && party.status !== 'voting')) return;
      if (party.status === 'joining' && party.memberIds.length > 0) {
        const picks = await this.groupPicks(party);
        await this.o.stores.parties.startVoting(partyId, picks);
        party = { ...party, picks, status: 'voting' };
      }
      const win = WatchPartyAgent.winner(party);
      const summary = win
        ? `🏆 Watch party result: ${this.title(win.movieId)} — ${win.votes} of ${party.memberIds.length} member vote(s)` +
          (party.votes.size === 0 ? ' (no votes, so the best pick for the group wins)' : '') + '. Enjoy the movie!'
        : 'The watch party ended without picks.';
      await this.o.stores.parties.close(partyId, { status: win ? 'closed' : 'cancelled', winnerId: win?.movieId ?? null, summary });
      const notifier = this.notifiers.get(party.platform);
      // The proposal shows the final count and loses its buttons; one announcement says the winner.
      const closed: Reply = { kind: 'update', ref: partyRef(partyId), text: this.finalTally(party, win?.movieId ?? null), buttons: null };
      if (notifier) await notifier.send(party.chatId, [closed, { kind: 'text', text: summary }]);
      else this.o.logger.warn({ partyId, platform: party.platform }, 'no notifier for party platform; result stored only');
    } catch (error) {
      this.o.logger.error({ err: error, partyId }, 'closing a watch party failed; the sweeper retries');
    }
  }

  /** The proposal as it reads once voting is closed: every pick with its votes, the winner marked. */
  private finalTally(party: PartyRecord, winnerId: number | null): string {
    if (party.picks.length === 0) return '🍿 Watch party closed: no picks.';
    const counts = new Map<number, number>();
    for (const [userId, movieId] of party.votes) if (party.memberIds.includes(userId)) counts.set(movieId, (counts.get(movieId) ?? 0) + 1);
    const lines = party.picks.map((p, k) => {
      const n = counts.get(p.movieId) ?? 0;
      return `${p.movieId === winnerId ? '🏆' : `${k + 1}.`} ${this.title(p.movieId)} — ${n} vote${n === 1 ? '' : 's'}`;
    });
    return `🍿 Voting closed (${party.memberIds.length} member${party.memberIds.length === 1 ? '' : 's'}):\n${lines.join('\n')}`;
  }

  private schedule(party: Pick<PartyRecord, 'id' | 'deadline'>): void {
    if (this.timers.has(party.id)) return;
    const delay = Math.max(0, party.deadline.getTime() - this.o.clock.now().getTime());
    const timer = setTimeout(() => void this.fire(party.id), Math.min(delay, 2_147_000_000));
    timer.unref();
    this.timers.set(party.id, timer);
  }

  /** Resumes deadlines after a restart and sweeps every `intervalMs` for parties another process left. */
  async resume(intervalMs = 30_000): Promise<void> {
    for (const party of await this.o.stores.parties.listOpen()) this.schedule(party);
    this.sweeper ??= setInterval(() => void this.sweep(), intervalMs);
    this.sweeper.unref();
  }

  async sweep(): Promise<void> {
    const now = this.o.clock.now();
    for (const party of await this.o.stores.parties.listOpen()) {
      if (party.deadline <= now) await this.fire(party.id);
      else this.schedule(party);
    }
  }

  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
  }

  private title(movieId: number): string {
    const m = this.o.catalog.get(movieId);
    return m ? titleWithYear(m) : `movie #${movieId}`;
  }
}
