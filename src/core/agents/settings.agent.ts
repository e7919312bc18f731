/**
 * /settings: shows the user's preferences and changes them from text
 * ("strategy lift", "avoid horror, romance", "years 1990-2020") or buttons.
 */
import { UserError } from '../errors.js';
import { DEFAULT_PREFERENCES, type Preferences } from '../ports.js';
import type { PreferenceStore } from '../stores.js';
import type { Button, Reply } from '../conversation/turn.js';
import { encodeAction, type SettingName } from '../conversation/actions.js';

/** What /settings shows about "help MoodReel read moods better" (kept on the user, not the preferences). */
export const DONATION_LINE = (on: boolean) =>
  `• help MoodReel read moods better: ${on ? 'on — sentences whose mood you correct are kept (normalised) with the mood you chose, to train the mood reader' : 'off'}`;

const USAGE = [
  'Change a setting with /settings <what> <value>:',
  '• strategy match | lift | auto — match my mood, or lift it (auto learns from your ratings)',
  '• languages en, fr | any',
  '• avoid horror, romance | none',
  '• like comedy, drama | none — genres you enjoy (helps before you have rated much)',
  '• actors Tom Hanks, Meryl Streep | none',
  '• minrating 7 | none — minimum TMDB rating (0-10)',
  '• minvotes 100 | none',
  '• years 1990-2020 | any',
  '• donate on | off — help MoodReel read moods better (off by default; off erases what you gave)',
  '• reset',
].join('\n');

const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);
const isNone = (v: string) => /^(none|any|off|-)$/i.test(v.trim());

export class SettingsAgent {
  constructor(private readonly deps: { preferences: PreferenceStore; genres: readonly string[] }) {}

  describe(p: Preferences, donating?: boolean): string {
    const or = (xs: readonly string[], none: string) => (xs.length ? xs.join(', ') : none);
    return [
      'Your settings:',
      `• mood strategy: ${p.strategy === 'match' ? 'match my mood' : p.strategy === 'lift' ? 'lift my mood' : 'auto (learned from your ratings)'}`,
      `• languages: ${or(p.languages, 'any')}`,
      `• genres to avoid: ${or(p.avoidGenres, 'none')}`,
      `• genres you like: ${or(p.likedGenres, 'none')}`,
      `• actors you like: ${or(p.likedActors, 'none')}`,
      `• minimum TMDB rating: ${p.minRating ?? 'none'}; minimum votes: ${p.minVotes ?? 'none'}`,
      `• years: ${p.yearFrom ?? 'any'}–${p.yearTo ?? 'any'}`,
      ...(donating === undefined ? [] : [DONATION_LINE(donating)]),
    ].join('\n');
  }

  private buttons(donating?: boolean): Button[][] {
    const b = (label: string, name: SettingName, value: string, key: string): Button => ({
      label, key, action: encodeAction({ type: 'setting', name, value }),
    });
    return [
      [b('Match my mood', 'strategy', 'match', 'match'), b('Lift my mood', 'strategy', 'lift', 'lift'), b('Auto', 'strategy', 'auto', 'auto')],
      [b('English only', 'language', 'en', 'en'), b('Any language', 'language', 'any', 'anylang')],
      [b('Rated 7+', 'minrating', '7', '7plus'), b('Any rating', 'minrating', 'none', 'anyrating')],
      ...(donating === undefined
        ? []
        : [[donating
          ? b('✅ Helping read moods — turn off', 'donate', 'off', 'donateoff')
          : b('Help MoodReel read moods better', 'donate', 'on', 'donateon')]]),
    ];
  }

  /** `donating`: the user's "help MoodReel read moods better" setting, shown with its toggle when given. */
  async show(userId: number, donating?: boolean): Promise<Reply> {
    const p = await this.deps.preferences.get(userId);
    return { kind: 'text', text: `${this.describe(p, donating)}\n\n${USAGE}`, buttons: this.buttons(donating), ephemeral: true };
  }

  async change(userId: number, args: string, donating?: boolean): Promise<Reply> {
    const current = await this.deps.preferences.get(userId);
    const next = this.apply(current, args);
    await this.deps.preferences.set(userId, next);
    return { kind: 'text', text: `Saved.\n${this.describe(next, donating)}`, ephemeral: true };
  }

  /** The settings message after a press: `toast` says what changed. Preference buttons are applied here. */
  async button(userId: number, name: SettingName, value: string, donating?: boolean, toast = 'Saved.'): Promise<Reply> {
    const current = await this.deps.preferences.get(userId);
    let next = current;
    if (name !== 'donate') {
      next = this.apply(current, name === 'language' ? `languages ${value}` : `${name} ${value}`);
      await this.deps.preferences.set(userId, next);
    }
    return { kind: 'ack', toast, text: `${this.describe(next, donating)}\n\n${USAGE}`, buttons: this.buttons(donating) };
  }

  /** Pure: applies one "<what> <value>" change. Throws UserError('bad_arguments') with the usage. */
  apply(p: Preferences, args: string): Preferences {
    const [what = '', ...rest] = args.trim().split(/\s+/);
    const value = rest.join(' ').trim();
    const bad = (why: string) => new UserError('bad_arguments', `${why}\n\n${USAGE}`);
    switch (what.toLowerCase()) {
      case 'reset':
        return DEFAULT_PREFERENCES;
      case 'strategy': {
        const v = value.toLowerCase();
        if (v !== 'match' && v !== 'lift' && v !== 'auto') throw bad('Strategy is match, lift or auto.');
        return { ...p, strategy: v === 'auto' ? null : v };
      }
      case 'languages':
      case 'language': {
        if (isNone(value)) return { ...p, languages: [] };
        const codes = list(value.toLowerCase());
        if (!codes.length || codes.some((c) => !/^[a-z]{2}$/.test(c))) throw bad('Languages are two-letter codes such as en, fr, ja.');
        return { ...p, languages: codes };
      }
      case 'avoid':
      case 'like': {
        const key = what.toLowerCase() === 'avoid' ? 'avoidGenres' : 'likedGenres';
        if (isNone(value)) return { ...p, [key]: [] };
        const genres = list(value).map((g) => this.genre(g));
        const unknown = list(value).filter((_, k) => genres[k] === null);
        if (unknown.length) throw bad(`I don't know the genre(s) ${unknown.join(', ')}. Genres: ${this.deps.genres.join(', ')}.`);
        return { ...p, [key]: genres as string[] };
      }
      case 'actors':
        return { ...p, likedActors: isNone(value) ? [] : list(value).slice(0, 20) };
      case 'minrating': {
        if (isNone(value)) return { ...p, minRating: null };
        const n = Number(value);
        if (!Number.isFinite(n) || n < 0 || n > 10) throw bad('The minimum rating is a number from 0 to 10.');
        return { ...p, minRating: n };
      }
      case 'minvotes': {
        if (isNone(value)) return { ...p, minVotes: null };
        const n = Number(value);
        if (!Number.isInteger(n) || n < 0) throw bad('The minimum vote count is a whole number.');
        return { ...p, minVotes: n };
      }
      case 'years': {
        if (isNone(value)) return { ...p, yearFrom: null, yearTo: null };
        const m = /^(\d{4})?\s*[-–]\s*(\d{4})?$|^(\d{4})$/.exec(value);
        if (!m) throw bad('Years look like 1990-2020, 1990-, -1980 or 2001.');
        const from = m[3] ? Number(m[3]) : m[1] ? Number(m[1]) : null;
        const to = m[3] ? Number(m[3]) : m[2] ? Number(m[2]) : null;
        if (from !== null && to !== null && from > to) throw bad('The first year must not be after the second.');
        return { ...p, yearFrom: from, yearTo: to };
      }
      default:
        throw bad(what ? `I don't know the setting "${what.slice(0, 30)}".` : 'Which setting?');
    }
  }

  private genre(name: string): string | null {
    const n = name.toLowerCase().replace(/[^a-z]/g, '');
    return this.deps.genres.find((g) => g.toLowerCase().replace(/[^a-z]/g, '') === n) ?? null;
  }
}
