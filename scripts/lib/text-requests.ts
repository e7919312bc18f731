/**
 * Chat-bot requests, generated: what MoodReel's users type that carries no mood ("any
 * comedies from the 90s?", "tell me about Love Actually", "next one"). None of the
 * corpora holds this register, so without it a model reads a title such as "Happy
 * Gilmore" or a bare question as an emotion. Templates written for MoodReel, filled
 * with genres, titles and actors from the MovieLens catalogue; seeded.
 *
 * Two kinds of rows:
 * - a request alone: neutral;
 * - an emotional sentence from a training corpus with a request before or after it
 *   ("i feel so lonely tonight, any comedies?"): keeps the sentence's emotion, so the
 *   request words are learnt as carrying no mood rather than as neutral evidence.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { mulberry32 } from './text-rng.js';
import { CLASSES, TEXT_LABELS, type SourceRow } from './text-sources.js';

const GENRES = [
  'action', 'adventure', 'animated', 'animation', 'kids', 'comedy', 'comedies', 'crime', 'documentary', 'documentaries',
  'drama', 'dramas', 'fantasy', 'film noir', 'horror', 'musical', 'musicals', 'mystery', 'romance', 'romantic',
  'sci-fi', 'science fiction', 'thriller', 'thrillers', 'war', 'western', 'westerns', 'indie', 'foreign', 'anime',
];
const PEOPLE = ['my sister', 'my brother', 'my mom', 'my dad', 'my friend', 'my roommate', 'my partner', 'my kids', 'my wife', 'my husband', 'my girlfriend', 'my boyfriend', 'my coworker', 'we', 'they'];
const TIMES = ['tonight', 'this evening', 'right now', 'later', 'this weekend', 'on friday', 'after dinner', 'tomorrow', 'on sunday'];
const PLACES = ['at work', 'at home', 'on the train', 'on the bus', 'in the kitchen', 'at my desk', 'at the office', 'in bed', 'at a cafe'];
const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const CHORES = ['doing laundry', 'making tea', 'eating lunch', 'waiting for the bus', 'cleaning up', 'on my break', 'folding clothes', 'making pasta', 'walking the dog'];

/** {slot} placeholders: genre, title, actor, year, decade, n, people, time, place, day, chore. */
const TEMPLATES = [
  'any {genre} movies?', 'show me {genre} films', 'recommend a {genre} movie', 'something {genre} please',
  'what {genre} films do you have', 'got any good {genre}?', 'i want a {genre} from the {decade}', 'a {genre} from {year}?',
  'movies from {year}', 'anything from the {decade}?', 'what came out in {year}', 'best films of {year}',
  'tell me about {title}', 'is {title} any good?', 'what is {title} about', 'have you got {title}?', 'info on {title}',
  'i watched {title} last night', 'i already saw {title}', 'seen {title} already', 'something like {title}',
  'more like {title} please', 'who directed {title}?', 'is {title} on your list', 'rate {title}', '{title}',
  'anything with {actor}?', 'movies with {actor}', 'show me {actor} films', 'what has {actor} been in', '{actor} movies',
  'what should we watch {time}', 'what should i watch {time}?', 'what movie {time}', 'pick something for {time}',
  '{people} likes {genre} movies', '{people} wants a {genre}', 'watching with {people} {time}', 'we are {n} people watching {time}',
  "there's {n} of us", 'for {n} people', 'something for {people} and me', 'movie night with {people}',
  "i'm {place}", 'i am {place} right now', "i'm {chore}", 'just {chore}', "it's {day}", 'today is {day}',
  'next', 'next please', 'another one', 'more', 'show more', 'something else', 'other options?', 'skip', 'not this one',
  'ok', 'okay thanks', 'thanks', 'thank you', 'cool', 'got it', 'sure', 'yes', 'no', 'maybe later', 'hmm',
  'hi', 'hello', 'hey', 'good morning', 'good evening', 'hey there', 'yo', 'hi bot', 'help', 'what can you do?',
  'how does this work', 'settings', 'what are my ratings', 'export my data', 'start a watch party', 'how long is it?',
  'what year is it from', 'is it in english', 'is it subtitled?', 'how long does {title} run', 'where can i stream it',
  'under two hours please', 'nothing too long', 'only english ones', 'newer ones please', 'older ones', 'no horror',
  'not {genre}', 'without {genre}', 'i prefer {genre}', 'usually i watch {genre}', 'i mostly watch {genre}',
];

export interface RequestOptions {
  /** Rows of each kind. */
  readonly count: number;
  readonly seed: number;
}

interface Catalogue {
  readonly titles: readonly string[];
  /** The titles holding an emotion word ("happy gilmore", "primal fear", "love actually"). */
  readonly moodyTitles: readonly string[];
  readonly actors: readonly string[];
}

/**
 * Emotion words that titles carry. A request naming such a title is still a request:
 * half the {title} slots draw from these titles, so the model learns that "tell me about
 * happy gilmore" carries no mood (with pre-trained vectors, "happy" alone reads joy).
 */
const TITLE_MOOD_WORDS = new Set([
  'happy', 'happiness', 'joy', 'fun', 'funny', 'laugh', 'smile', 'glory', 'wonder', 'wonderful', 'beautiful', 'sweet', 'great', 'best', 'good',
  'love', 'loving', 'lovers', 'kiss', 'heart', 'dear', 'darling', 'romance', 'sad', 'lonely', 'lost', 'broken', 'cry', 'tears', 'blue', 'sorrow',
  'angry', 'anger', 'hate', 'rage', 'fury', 'mad', 'kill', 'revenge', 'fear', 'scared', 'scream', 'terror', 'horror', 'panic', 'dead', 'death',
  'afraid', 'crazy', 'shock', 'surprise', 'wow',
]);

/** Titles and actors from the MovieLens folders next to the text-emotion folder. */
export function readCatalogue(dataDir: string): Catalogue {
  const movies = path.join(dataDir, '..', 'movielens', 'ml-latest-small', 'movies.csv');
  const cast = path.join(dataDir, '..', 'movies-extra', 'cast-director-by-movieId.csv');
  if (!existsSync(movies)) throw new Error(`The request templates need the MovieLens titles: ${movies} not found (see ../shared/data/README.md)`);
  const titleRows = parse(readFileSync(movies, 'utf8'), { columns: true }) as { title: string }[];
  // "Godfather, The (1972)" -> "the godfather".
  const titles = titleRows.map((r) => r.title.replace(/\s*\(\d{4}\)\s*$/, '').replace(/^(.*), (The|A|An)$/i, '$2 $1').toLowerCase());
  const actors = existsSync(cast)
    ? [...new Set((parse(readFileSync(cast, 'utf8'), { columns: true }) as { actors: string }[]).flatMap((r) => (r.actors ?? '').split('|').map((a) => a.trim().toLowerCase()).filter(Boolean)))]
    : [];
  const moodyTitles = titles.filter((t) => t.split(/[^a-z']+/).some((w) => TITLE_MOOD_WORDS.has(w)));
  return { titles, moodyTitles, actors: actors.length ? actors : ['tom hanks', 'meryl streep', 'keanu reeves'] };
}

function fill(template: string, cat: Catalogue, rng: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
  return template.replace(/\{(\w+)\}/g, (_, slot: string) => {
    switch (slot) {
      case 'genre':
        return pick(GENRES);
      case 'title':
        return pick(rng() < 0.5 && cat.moodyTitles.length ? cat.moodyTitles : cat.titles);
      case 'actor':
        return pick(cat.actors);
      case 'year':
        return String(1950 + Math.floor(rng() * 75));
      case 'decade':
        return `${pick(['50', '60', '70', '80', '90', '2000', '2010'])}s`;
      case 'n':
        return pick(['two', 'three', 'four', 'five', '2', '3', '4', '6']);
      case 'people':
        return pick(PEOPLE);
      case 'time':
        return pick(TIMES);
      case 'place':
        return pick(PLACES);
      case 'day':
        return pick(DAYS);
      case 'chore':
        return pick(CHORES);
      default:
        throw new Error(`unknown template slot {${slot}}`);
    }
  });
}

/**
 * `count` neutral requests and `count` emotional sentences (drawn from `emotional`:
 * single-label, non-neutral, at most 20 words) with a request attached.
 */
export function requestRows(dataDir: string, emotional: readonly SourceRow[], options: RequestOptions): SourceRow[] {
  const cat = readCatalogue(dataDir);
  const rng = mulberry32(options.seed);
  const neutral = new Array<number>(CLASSES).fill(0);
  neutral[TEXT_LABELS.indexOf('neutral')] = 1;
  const rows: SourceRow[] = [];
  for (let i = 0; i < options.count; i++) {
    const text = fill(TEMPLATES[Math.floor(rng() * TEMPLATES.length)]!, cat, rng);
    rows.push({ text, target: neutral, label: TEXT_LABELS.indexOf('neutral') });
  }
  const pool = emotional.filter((r) => r.label !== undefined && TEXT_LABELS[r.label] !== 'neutral' && r.text.split(/\s+/).length <= 20);
  if (!pool.length) return rows;
  for (let i = 0; i < options.count; i++) {
    const base = pool[Math.floor(rng() * pool.length)]!;
    const request = fill(TEMPLATES[Math.floor(rng() * TEMPLATES.length)]!, cat, rng);
    const text = rng() < 0.7 ? `${base.text}, ${request}` : `${request} ${base.text}`;
    rows.push({ text, target: base.target, label: base.label });
  }
  return rows;
}
