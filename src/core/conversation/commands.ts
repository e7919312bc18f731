/**
 * Every command MoodReel understands, declared once as data. Adapters register
 * them with their platform (Telegram setMyCommands, Discord slash commands) and
 * the conversation core routes on the same names, so the lists cannot drift.
 */
import type { CommandSpec } from './turn.js';

const text = (name: string, description: string, required = true) =>
  ({ name, description, type: 'string', required }) as const;

export const COMMANDS = [
  { name: 'start', description: 'Meet MoodReel and what it keeps', options: [], group: true },
  { name: 'help', description: 'What MoodReel can do', options: [], group: true },
  { name: 'privacy', description: 'What MoodReel keeps and never keeps', options: [], group: true },
  { name: 'mood', description: 'Tell me how you feel, get movie picks', options: [text('text', 'How do you feel?')], group: true },
  {
    name: 'selfie',
    description: 'Send a selfie, get picks for your mood',
    options: [{ name: 'image', description: 'A photo of your face', type: 'attachment', required: true }],
    group: false,
  },
  { name: 'search', description: 'Find a movie to rate', options: [text('title', 'Movie title')], group: true },
  {
    name: 'review',
    description: 'Review a movie you watched',
    options: [text('title', 'Movie title'), text('text', 'Your review')],
    group: false,
  },
  {
    name: 'settings',
    description: 'Languages, genres, mood strategy, ratings, years',
    options: [text('change', 'e.g. "strategy lift", "avoid horror", "years 1990-2020"', false)],
    group: false,
  },
  { name: 'music', description: 'Music picks for your mood', options: [text('text', 'How do you feel? (optional)', false)], group: true },
  {
    name: 'watchparty',
    description: 'Start a watch party: join, vote, watch',
    options: [{ name: 'minutes', description: 'Voting time in minutes (default 10)', type: 'integer', required: false }],
    group: true,
  },
  { name: 'moodlog', description: 'Your moods of the last 30 days as a chart', options: [], group: false },
  { name: 'export', description: 'Get all your data as a JSON file', options: [], group: false },
  { name: 'forget', description: 'Erase everything MoodReel knows about you', options: [], group: false },
] as const satisfies readonly CommandSpec[];

export type CommandName = (typeof COMMANDS)[number]['name'];

export const commandNames: ReadonlySet<string> = new Set(COMMANDS.map((c) => c.name));
