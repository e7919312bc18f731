/**
 * The conversation core: one Turn in, Replies out, for every platform. It
 * routes commands, free text, photos and button presses to the agents, and is
 * the error boundary: a UserError becomes its message, anything else is logged
 * and answered with a short apology. It never throws.
 */
import { UserError, isUserError } from '../errors.js';
import type { Clock, Logger, MoodChartRenderer, Recommender, SentimentAnalyzer } from '../ports.js';
import type { Stores, UserRecord } from '../stores.js';
import type { MoodAgent } from '../agents/mood/mood.agent.js';
import { CORRECTION_PROMPT, MoodCorrectionAgent, correctionButtons } from '../agents/mood-correction.agent.js';
import { buildMoodLog, MOOD_LOG_DAYS } from '../mood/mood-log.js';
import type { RecommendationAgent } from '../agents/recommendation.agent.js';
import type { FeedbackAgent } from '../agents/feedback.agent.js';
import type { SettingsAgent } from '../agents/settings.agent.js';
import type { WatchPartyAgent } from '../agents/watch-party.agent.js';
import type { CatalogIndex } from '../agents/catalog-index.js';
import { decodeAction, encodeAction, type Action } from './actions.js';
import { pickCard, titleWithYear } from './cards.js';
import { commandNames } from './commands.js';
import { APOLOGY, CONSENT_QUESTION, HELP_TEXT, PRIVACY_TEXT, WELCOME_TEXT, describeMood, moodWord } from './texts.js';
import type { ConversationHandler, Reply, Turn } from './turn.js';
import type { MoodLabel, MoodReading } from '../mood/mood-space.js';

export interface MusicPicker {
  picks(userId: number, mood: MoodReading | null): Promise<Reply>;
  rate(userId: number, action: string): Promise<Reply | null>;
}

export interface ConversationDeps {
  readonly stores: Stores;
  readonly recommender: Recommender;
  readonly catalog: CatalogIndex;
  readonly mood: MoodAgent;
  readonly recommendations: RecommendationAgent;
  readonly feedback: FeedbackAgent;
  readonly settings: SettingsAgent;
  readonly parties: WatchPartyAgent;
  readonly sentiment: SentimentAnalyzer;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly partyMinutes: number;
  readonly maxTextChars: number;
  readonly music?: MusicPicker;
  /** Draws /moodlog's chart; without it /moodlog says it is not set up. */
  readonly moodChart?: MoodChartRenderer;
  /** Recognises "storage unreachable" errors (infra knows their shapes): answered as temporarily unavailable. */
  readonly isUnavailable?: (error: unknown) => boolean;
}

interface Ctx {
  readonly turn: Turn;
  readonly user: UserRecord;
}

const UNSUPPORTED: Record<string, string> = {
  sticker: 'Stickers are fun, but I read moods from words or a selfie. Tell me how you feel!',
  animation: 'I can\'t read moods from GIFs. Send a photo or tell me how you feel.',
  video: 'I can\'t watch videos. Send a still photo or tell me how you feel.',
  video_note: 'I can\'t watch video notes. Send a still photo or tell me how you feel.',
  voice: 'I can\'t listen to voice notes yet. Type how you feel instead.',
  audio: 'I can\'t listen to audio. Type how you feel instead.',
};

/** Commands that show or change personal data: private chats only, or ephemeral replies where the platform has them (Discord). */
const PERSONAL = new Set(['settings', 'export', 'forget', 'review', 'selfie', 'moodlog']);

export class Conversation implements ConversationHandler {
  private readonly corrections: MoodCorrectionAgent;

  constructor(private readonly d: ConversationDeps) {
    this.corrections = new MoodCorrectionAgent({ stores: d.stores, feedback: d.feedback, clock: d.clock });
  }

  async handle(turn: Turn): Promise<Reply[]> {
    const log = this.d.logger.child({ platform: turn.platform, chat: turn.chat.kind });
    try {
      const user = await this.d.stores.users.resolve(turn.platform, turn.user.id, { fresh: turn.image !== undefined });
      return await this.route({ turn, user });
    } catch (error) {
      if (isUserError(error)) {
        log.info({ code: error.code }, 'user error');
        // A refused button press is answered on the button itself (a toast), so the callback is answered.
        if (turn.action !== undefined) return [{ kind: 'ack', toast: error.message, alert: true }];
        return [{ kind: 'error', code: error.code, text: error.message }];
      }
      if (this.d.isUnavailable?.(error)) {
        log.warn({ err: error }, 'storage unavailable');
        const text = 'MoodReel is temporarily unavailable. Nothing you saw confirmed is lost; please try again in a minute.';
        if (turn.action !== undefined) return [{ kind: 'ack', toast: text, alert: true }];
        return [{ kind: 'error', code: 'unavailable', text }];
      }
      log.error({ err: error }, 'turn failed');
      if (turn.action !== undefined) return [{ kind: 'ack', toast: APOLOGY, alert: true }];
      return [{ kind: 'error', code: 'internal', text: APOLOGY }];
    }
  }

  private async route(ctx: Ctx): Promise<Reply[]> {
    const { turn } = ctx;
    if (turn.action !== undefined) return [await this.press(ctx, turn.action)].flat();
    if (turn.image) return this.photo(ctx, turn.text);
    if (turn.unsupportedMedia) {
      const text = UNSUPPORTED[turn.unsupportedMedia] ?? 'I can only read text and photos (JPEG, PNG or WebP). Tell me how you feel or send a selfie.';
      throw new UserError('unsupported_media', text);
    }
    const text = (turn.text ?? '').slice(0, this.d.maxTextChars * 2);
    const command = /^\/([A-Za-z_]+)(?:@\S+)?(?:\s+([\s\S]*))?$/.exec(text.trim());
    if (command) return this.command(ctx, command[1]!.toLowerCase(), (command[2] ?? '').trim());
    if (turn.chat.kind === 'group' && !turn.isReplyToBot) return [];
    return this.textMood(ctx, text);
  }

  private async command(ctx: Ctx, name: string, args: string): Promise<Reply[]> {
    const { turn, user } = ctx;
    const { stores } = this.d;
    if (!commandNames.has(name)) {
      throw new UserError('unknown_command', `I don't know /${name.slice(0, 32)}. Send /help to see what I can do.`);
    }
    if (PERSONAL.has(name) && turn.chat.kind === 'group' && turn.platform !== 'discord') {
      // Telegram groups have no private replies: personal data stays in private chats.
      throw new UserError('bad_arguments', `For your privacy, send /${name} to me in a private chat.`);
    }
    switch (name) {
      case 'start':
        if (!user.onboardedAt) await stores.users.markOnboarded(user.id);
        return [{ kind: 'text', text: WELCOME_TEXT }];
      case 'help':
        return [{ kind: 'text', text: HELP_TEXT }];
      case 'privacy':
        return [{ kind: 'text', text: PRIVACY_TEXT }];
      case 'mood':
        return this.textMood(ctx, args);
      case 'selfie':
        throw new UserError('bad_arguments', turn.platform === 'terminal' ? 'Usage: /selfie <path to a photo>' : 'Attach a photo of your face to /selfie (or just send the photo).');
      case 'settings': {
        const donate = /^donate\s+(on|off)$/i.exec(args);
        if (donate) return [await this.setDonation(user, donate[1]!.toLowerCase() === 'on', false)];
        if (/^donate\b/i.test(args)) throw new UserError('bad_arguments', 'Usage: /settings donate on|off');
        const donating = user.moodDonationAt !== null;
        return [args ? await this.d.settings.change(user.id, args, donating) : await this.d.settings.show(user.id, donating)];
      }
      case 'moodlog':
        return [await this.moodLog(ctx)];
      case 'search':
        return [this.search(args)];
      case 'review':
        return [await this.review(user.id, args)];
      case 'music': {
        if (!this.d.music) throw new UserError('unavailable', 'Music picks are not set up on this server.');
        const mood = args ? await this.d.mood.fromText(user.id, args) : await stores.moods.latest(user.id);
        return [await this.d.music.picks(user.id, mood)];
      }
      case 'watchparty': {
        if (turn.chat.kind !== 'group') throw new UserError('bad_arguments', 'Watch parties happen in group chats: add me to a group and send /watchparty there.');
        const minutes = args ? Number(args) : this.d.partyMinutes;
        if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440) throw new UserError('bad_arguments', 'Usage: /watchparty [minutes from 1 to 1440]');
        return [await this.d.parties.start(turn.platform, turn.chat.id, user.id, minutes)];
      }
      case 'export': {
        const data = await stores.privacy.export(user.id);
        const json = JSON.stringify({ exportedAt: this.d.clock.now().toISOString(), ...data }, null, 2);
        return [{ kind: 'file', fileName: 'moodreel-export.json', mimeType: 'application/json', data: new TextEncoder().encode(json), caption: 'All the data MoodReel keeps about you.', ephemeral: true }];
      }
      case 'forget':
        return [{
          kind: 'text',
          ephemeral: true,
          text: 'This erases everything MoodReel keeps about you: ratings, moods and mood corrections, donated sentences, settings, reviews, recommendations, party votes. It cannot be undone. Sure?',
          buttons: [[
            { label: '🗑 Yes, erase it all', key: 'yes', action: encodeAction({ type: 'forget', confirm: true }) },
            { label: 'Cancel', key: 'cancel', action: encodeAction({ type: 'forget', confirm: false }) },
          ]],
        }];
      default:
        throw new UserError('unknown_command', `I don't know /${name}. Send /help to see what I can do.`);
    }
  }

  private async textMood(ctx: Ctx, text: string): Promise<Reply[]> {
    const reading = await this.d.mood.fromText(ctx.user.id, text);
    // Opted-in users only: the tidied sentence waits in memory for a correction press.
    if (ctx.user.moodDonationAt) this.corrections.rememberSentence(ctx.user, reading.observationId, this.d.mood.normalised(text));
    const note =
      reading.lowConfidenceReason === 'not_english' ? ' I read English best, so I am not sure about this one.'
      : reading.truncated ? ' (I read the first part of a long message.)'
      : '';
    return [await this.picksFor(ctx, reading, `${describeMood(reading)}.${note}`, reading.observationId)];
  }

  /**
   * Picks for a mood. With `observationId` (the picks come from a stored
   * reading) the answer carries the "Not quite? I feel…" control, `chosen`
   * marked once the user corrected it.
   */
  private async picksFor(ctx: Ctx, mood: MoodReading, intro: string, observationId?: number, chosen?: MoodLabel): Promise<Reply> {
    const prefs = await this.d.stores.preferences.get(ctx.user.id);
    const lift = prefs.strategy === 'lift' || (prefs.strategy === null && ['sadness', 'fear', 'anger'].includes(mood.label));
    const header = `${intro} ${lift && mood.label !== 'neutral' && mood.label !== 'joy' ? 'Here are picks to lift your mood:' : `Here are picks for a ${moodWord(mood.label).split(' ')[0]} mood:`}`;
    const music = this.d.music ? 'Want songs for this mood too? Send /music' : undefined;
    const footer = observationId === undefined ? music : [music, CORRECTION_PROMPT].filter(Boolean).join('\n');
    const reply = await this.d.recommendations.picks({ userId: ctx.user.id, platform: ctx.turn.platform, chatId: ctx.turn.chat.id }, mood, header, footer, observationId);
    if (reply.kind !== 'picks' || observationId === undefined) return reply;
    return { ...reply, footerButtons: [...(reply.footerButtons ?? []), ...correctionButtons(observationId, chosen)] };
  }

  /** A "Not quite? I feel…" press: the reading becomes the chosen mood and the picks are made again for it. */
  private async correctMood(ctx: Ctx, observationId: number, mood: MoodLabel): Promise<Reply[]> {
    const { corrected, changed } = await this.corrections.correct(ctx.user, observationId, mood);
    const word = moodWord(mood).split(' ')[0];
    if (!changed) return [{ kind: 'ack', toast: `Already noted: you feel ${word}.` }];
    const picks = await this.picksFor(ctx, corrected, `Thanks for telling me: you feel ${moodWord(mood)}.`, observationId, mood);
    const ack: Reply = { kind: 'ack', toast: `Got it: you feel ${word}. New picks for that mood.` };
    if (picks.kind !== 'picks') return [ack, picks];
    return [ack, { ...picks, replacesPressed: true, ...(ctx.turn.chat.kind === 'group' ? { ephemeral: true } : {}) }];
  }

  /** Turns "help MoodReel read moods better" on or off (off erases the donated sentences). */
  private async setDonation(user: UserRecord, on: boolean, pressed: boolean): Promise<Reply> {
    await this.d.stores.users.setMoodDonation(user.id, on);
    if (!on) this.corrections.pending.forgetUser(user.id);
    const toast = on
      ? 'Thanks! From now on, a sentence whose mood you correct is kept (tidied, without your name) to teach me. Photos never.'
      : 'Off: I erased the sentences you gave and keep none from now on.';
    if (pressed) return this.d.settings.button(user.id, 'donate', on ? 'on' : 'off', on, toast);
    const shown = await this.d.settings.show(user.id, on);
    return shown.kind === 'text' ? { ...shown, text: `${toast}\n\n${shown.text}` } : shown;
  }

  /** /moodlog: the stored readings of the last 30 days as a chart, corrected moods as corrected. Stores nothing. */
  private async moodLog(ctx: Ctx): Promise<Reply> {
    if (!this.d.moodChart) throw new UserError('unavailable', 'Mood charts are not set up on this server.');
    const now = this.d.clock.now();
    const stored = await this.d.stores.moods.since(ctx.user.id, new Date(now.getTime() - MOOD_LOG_DAYS * 86_400_000));
    if (stored.length === 0) {
      return {
        kind: 'text',
        ephemeral: true,
        text: 'Your mood log is empty: I have no mood readings from you in the last 30 days. Tell me how you feel (or send a selfie) and your moods will show up here as a chart.',
      };
    }
    const log = buildMoodLog(stored.map((m) => ({ at: m.at, label: m.reading.label, confidence: m.reading.confidence, corrected: m.reading.source === 'user' })), now);
    const png = await this.d.moodChart.render(log);
    return { kind: 'file', fileName: 'moodlog.png', mimeType: 'image/png', data: png, caption: `${log.summary}. (${stored.length} reading${stored.length === 1 ? '' : 's'} in the last 30 days)`, ephemeral: true };
  }

  private async photo(ctx: Ctx, caption: string | undefined): Promise<Reply[]> {
    const { user } = ctx;
    if (!user.photoConsentAt) {
      return [{
        kind: 'text',
        text: `${CONSENT_QUESTION}\n(Your photo was not analysed; send it again after you answer.)`,
        buttons: [[
          { label: '✅ Yes, analyse my photos', key: 'yes', action: encodeAction({ type: 'consent', yes: true }) },
          { label: '❌ No', key: 'no', action: encodeAction({ type: 'consent', yes: false }) },
        ]],
      }];
    }
    const text = caption?.replace(/^\/\w+(@\S+)?/, '').trim();
    const { result, mood } = await this.d.mood.fromImage(user.id, ctx.turn.image!, text || undefined);
    const faceLines = result.faces.length > 1
      ? `I see ${result.faces.length} faces: ${result.faces.map((f, k) => `#${k + 1} ${moodWord(f.mood.label)}`).join(', ')}. Together: ${moodWord(result.group!.label)}.\n`
      : '';
    return [await this.picksFor(ctx, mood, `${faceLines}${describeMood(mood)}.`, mood.observationId)];
  }

  private search(query: string): Reply {
    if (!query) throw new UserError('bad_arguments', 'Usage: /search <title>, for example /search heat 1995');
    const found = this.d.catalog.search(query.slice(0, 200), 5);
    if (found.length === 0) throw new UserError('not_found', `I found no movie like "${query.slice(0, 60)}". Check the spelling or try fewer words.`);
    return {
      kind: 'picks',
      header: `Movies matching "${query.slice(0, 60)}" — rate the ones you have seen:`,
      cards: found.map((m, k) => pickCard(m, k + 1, [m.genres.join(', '), m.directors.length ? `by ${m.directors.join(' & ')}` : ''].filter(Boolean).join(' · ') || 'from the catalogue', { movieId: m.id })),
    };
  }

  private async review(userId: number, args: string): Promise<Reply> {
    const sep = args.indexOf('|');
    const [title, text] = sep >= 0 ? [args.slice(0, sep).trim(), args.slice(sep + 1).trim()] : [args, ''];
    if (!title || !text) throw new UserError('bad_arguments', 'Usage: /review <title> | <your review>, for example /review Heat | tense and brilliant');
    const movie = this.d.catalog.search(title, 1)[0];
    if (!movie) throw new UserError('not_found', `I found no movie like "${title.slice(0, 60)}".`);
    const review = text.slice(0, 2000);
    const polarity = this.d.sentiment.polarity(review);
    // TextBlob-style thresholds (seed papers): > 0.1 positive, < -0.1 negative.
    const tone = polarity > 0.1 ? 'positive' : polarity < -0.1 ? 'negative' : 'neutral';
    const stars = Math.min(5, Math.max(0.5, Math.round((3 + 2 * polarity) * 2) / 2));
    const { movieMean, movieCount } = await this.d.stores.reviews.upsert(userId, movie.id, review, polarity);
    const existing = (await this.d.stores.ratings.forUser(userId)).find((r) => r.movieId === movie.id && r.source !== 'review');
    if (!existing) {
      const at = this.d.clock.now();
      await this.d.stores.ratings.upsert({ userId, movieId: movie.id, value: stars, kind: 'stars', source: 'review', moodLabel: null, moodDistribution: null, at });
      await this.d.feedback.foldIn({ userId, movieId: movie.id, value: stars, kind: 'stars', source: 'review', at }, null);
    }
    return {
      kind: 'text',
      text: `Review saved for ${titleWithYear(movie)}: it reads ${tone} (${polarity.toFixed(2)}).` +
        (existing ? ' Your own star rating stays as it is.' : ` I counted it as ${stars}★.`) +
        ` Reviews of this movie so far: ${movieCount}, mean tone ${movieMean.toFixed(2)}.`,
    };
  }

  private async press(ctx: Ctx, raw: string): Promise<Reply | Reply[]> {
    const { turn, user } = ctx;
    const action: Action | null = decodeAction(raw);
    if (!action) {
      const music = this.d.music ? await this.d.music.rate(user.id, raw) : null;
      if (music) return music;
      throw new UserError('stale_button', 'That button is not valid (any more). Send /help to start again.');
    }
    const chat = { platform: turn.platform, chatId: turn.chat.id };
    switch (action.type) {
      case 'rate':
        return this.d.feedback.rateRecommendation(user.id, action.recommendationId, action.choice);
      case 'rate_movie':
        return this.d.feedback.rateMovie(user.id, action.movieId, action.choice, await this.d.stores.moods.latest(user.id));
      case 'consent':
        await this.d.stores.users.setPhotoConsent(user.id, action.yes);
        return {
          kind: 'ack',
          toast: action.yes ? 'Thanks! Send your selfie again.' : 'OK, I will not analyse photos.',
          text: action.yes ? 'Photo analysis is on. Send your selfie again and I will read the mood (the photo is never stored).' : 'Photo analysis stays off. You can always tell me in words how you feel.',
          buttons: null,
        };
      case 'forget': {
        if (!action.confirm) return { kind: 'ack', toast: 'Nothing was erased.', text: 'Cancelled: nothing was erased.', buttons: null };
        const counts = await this.d.stores.privacy.erase(user.id);
        this.corrections.pending.forgetUser(user.id);
        await this.d.recommender.forgetUser(user.id);
        const summary = Object.entries(counts).filter(([, n]) => n > 0).map(([t, n]) => `${t}: ${n}`).join(', ');
        return { kind: 'ack', toast: 'Erased.', text: `Erased everything about you (${summary || 'nothing was stored'}). If you write again, you start fresh.`, buttons: null };
      }
      case 'party_join':
        return this.d.parties.join(action.partyId, chat, user.id);
      case 'party_propose':
        return this.d.parties.propose(action.partyId, chat, user.id);
      case 'party_vote':
        return this.d.parties.vote(action.partyId, action.movieId, chat, user.id);
      case 'setting':
        if (action.name === 'donate') {
          if (action.value !== 'on' && action.value !== 'off') throw new UserError('stale_button', 'That button is not valid (any more). Send /settings to start again.');
          return this.setDonation(user, action.value === 'on', true);
        }
        return this.d.settings.button(user.id, action.name, action.value, user.moodDonationAt !== null);
      case 'correct_mood':
        return this.correctMood(ctx, action.observationId, action.mood);
    }
  }
}
