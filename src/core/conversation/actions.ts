/**
 * Button payloads, encoded short (Telegram allows 64 bytes of callback data,
 * Discord 100 characters of custom_id) and decoded strictly: anything else is
 * a forged or stale payload and gets a polite refusal.
 */
import { MOODS, type MoodLabel } from '../mood/mood-space.js';

export type RatingChoice = 1 | 2 | 3 | 4 | 5 | 'seen' | 'no';

export type Action =
  | { readonly type: 'rate'; readonly recommendationId: number; readonly choice: RatingChoice }
  | { readonly type: 'rate_movie'; readonly movieId: number; readonly choice: RatingChoice }
  | { readonly type: 'consent'; readonly yes: boolean }
  | { readonly type: 'forget'; readonly confirm: boolean }
  | { readonly type: 'party_join'; readonly partyId: string }
  | { readonly type: 'party_propose'; readonly partyId: string }
  | { readonly type: 'party_vote'; readonly partyId: string; readonly movieId: number }
  | { readonly type: 'setting'; readonly name: SettingName; readonly value: string }
  /** "Not quite? I feel…": the stored reading it corrects (checked against the presser, like a rating's recommendation). */
  | { readonly type: 'correct_mood'; readonly observationId: number; readonly mood: MoodLabel };

export type SettingName = 'strategy' | 'language' | 'minrating' | 'donate';
const SETTING_NAMES: readonly string[] = ['strategy', 'language', 'minrating', 'donate'] satisfies SettingName[];

const choiceCode = (c: RatingChoice) => (c === 'seen' ? 's' : c === 'no' ? 'n' : String(c));
const parseChoice = (s: string): RatingChoice | null =>
  s === 's' ? 'seen' : s === 'n' ? 'no' : /^[1-5]$/.test(s) ? (Number(s) as RatingChoice) : null;
const id = (s: string | undefined): number | null => (s && /^\d{1,12}$/.test(s) ? Number(s) : null);
const partyId = (s: string | undefined): string | null => (s && /^[a-z0-9]{6,16}$/.test(s) ? s : null);

export function encodeAction(a: Action): string {
  switch (a.type) {
    case 'rate':
      return `r:${a.recommendationId}:${choiceCode(a.choice)}`;
    case 'rate_movie':
      return `m:${a.movieId}:${choiceCode(a.choice)}`;
    case 'consent':
      return `c:${a.yes ? 'y' : 'n'}`;
    case 'forget':
      return `f:${a.confirm ? 'y' : 'n'}`;
    case 'party_join':
      return `pj:${a.partyId}`;
    case 'party_propose':
      return `pp:${a.partyId}`;
    case 'party_vote':
      return `pv:${a.partyId}:${a.movieId}`;
    case 'setting':
      return `s:${a.name}:${a.value}`;
    case 'correct_mood':
      return `k:${a.observationId}:${MOODS.indexOf(a.mood)}`;
  }
}

/** Returns null for anything that is not a payload MoodReel made. */
export function decodeAction(raw: string): Action | null {
  if (raw.length > 64) return null;
  const [kind, a, b, extra] = raw.split(':');
  if (extra !== undefined) return null;
  switch (kind) {
    case 'r':
    case 'm': {
      const n = id(a);
      const choice = parseChoice(b ?? '');
      if (n === null || choice === null) return null;
      return kind === 'r' ? { type: 'rate', recommendationId: n, choice } : { type: 'rate_movie', movieId: n, choice };
    }
    case 'c':
      return (a === 'y' || a === 'n') && b === undefined ? { type: 'consent', yes: a === 'y' } : null;
    case 'f':
      return (a === 'y' || a === 'n') && b === undefined ? { type: 'forget', confirm: a === 'y' } : null;
    case 'pj':
    case 'pp': {
      const p = partyId(a);
      if (!p || b !== undefined) return null;
      return kind === 'pj' ? { type: 'party_join', partyId: p } : { type: 'party_propose', partyId: p };
    }
    case 'pv': {
      const p = partyId(a);
      const m = id(b);
      return p && m !== null ? { type: 'party_vote', partyId: p, movieId: m } : null;
    }
    case 's':
      if (a && SETTING_NAMES.includes(a) && b && /^[a-z0-9.]{1,8}$/.test(b)) return { type: 'setting', name: a as SettingName, value: b };
      return null;
    case 'k': {
      const n = id(a);
      const mood = b && /^[0-6]$/.test(b) ? MOODS[Number(b)] : undefined;
      return n !== null && mood ? { type: 'correct_mood', observationId: n, mood } : null;
    }
    default:
      return null;
  }
}
