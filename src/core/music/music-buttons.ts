/**
 * Song rating buttons and their payloads: `t:<spotify id>:<1-5|n>:<mood>`
 * (28 bytes, within Telegram's 64 and Discord's 100). The mood letter carries
 * the mood the list was made for, so a press stores it even after a restart.
 * Decoding is strict: anything else is not a music button.
 *
 * Layout: one row per song, 👎 (not for me) then 2★..5★. Discord allows five
 * buttons per row and five rows per message, so five songs with six buttons
 * each would not fit; a 1-star song and a not-for-me song teach the profile
 * the same thing, so 👎 takes 1★'s place. A `1` payload still decodes.
 */
import type { Button } from '../conversation/turn.js';
import type { MoodLabel } from '../mood/mood-space.js';
import type { TrackChoice } from './ports.js';

export interface TrackAction {
  readonly trackId: string;
  readonly choice: TrackChoice;
  readonly mood: MoodLabel | null;
}

const MOOD_CODES: Readonly<Record<MoodLabel, string>> = {
  joy: 'j',
  love: 'l',
  sadness: 's',
  anger: 'a',
  fear: 'f',
  surprise: 'u',
  neutral: 'n',
};
const MOOD_OF = new Map(Object.entries(MOOD_CODES).map(([m, c]) => [c, m as MoodLabel]));

const PAYLOAD = /^t:([0-9A-Za-z]{22}):([1-5n]):([a-z-])$/;

/** Spotify track ids: 22 base-62 characters. */
export const isTrackId = (s: string): boolean => /^[0-9A-Za-z]{22}$/.test(s);

export function encodeTrackAction(a: TrackAction): string {
  if (!isTrackId(a.trackId)) throw new Error(`not a Spotify track id: ${a.trackId}`);
  return `t:${a.trackId}:${a.choice === 'no' ? 'n' : a.choice}:${a.mood ? MOOD_CODES[a.mood] : '-'}`;
}

/** The action behind a payload, or null when it is not a MoodReel music button. */
export function decodeTrackAction(raw: string): TrackAction | null {
  const m = PAYLOAD.exec(raw);
  if (!m) return null;
  const [, trackId, c, moodCode] = m;
  const mood = moodCode === '-' ? null : (MOOD_OF.get(moodCode!) ?? undefined);
  if (mood === undefined) return null;
  return { trackId: trackId!, choice: c === 'n' ? 'no' : (Number(c) as TrackChoice), mood };
}

const CHOICES: readonly { choice: TrackChoice; label: string; key: string }[] = [
  { choice: 'no', label: '👎', key: 'n' },
  { choice: 2, label: '2★', key: '2' },
  { choice: 3, label: '3★', key: '3' },
  { choice: 4, label: '4★', key: '4' },
  { choice: 5, label: '5★', key: '5' },
];

/**
 * The row of buttons for the song at `rank` (1-based, shown on the first
 * button so rows can be told apart under one message). `selected` marks the
 * stored choice; a 1-star rating shows on 👎.
 */
export function trackButtonRow(rank: number, trackId: string, mood: MoodLabel | null, selected?: TrackChoice): Button[] {
  const marked = selected === 1 ? 'no' : selected;
  return CHOICES.map((c, k) => {
    const label = `${k === 0 ? `#${rank} ` : ''}${c.label}`;
    return {
      label: c.choice === marked ? `✅ ${label}` : label,
      key: `t${rank}-${c.key}`,
      action: encodeTrackAction({ trackId, choice: c.choice, mood }),
    };
  });
}
