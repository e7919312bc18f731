/** Everything MoodReel says in more than one place, written once. */
import type { MoodLabel, MoodReading } from '../mood/mood-space.js';

export const PRIVACY_TEXT = [
  'What MoodReel keeps:',
  '• your ratings (with the mood you were in), your settings and reviews you ask it to store;',
  '• detected moods as a label and a probability distribution, with the time and whether they came from text or a photo;',
  '• which movies it proposed to you, to learn what works;',
  '• watch parties you joined and your votes.',
  '',
  'What MoodReel never keeps:',
  '• your photos: they are analysed in memory and dropped at once, never written to disk or the database;',
  '• the text of your messages (only reviews you send with /review are stored, as you wrote them).',
  '',
  'Mood corrections: when you press "Not quite? I feel…", MoodReel keeps the mood it read and the one you chose (never the photo or the text). Only if you turn on "help MoodReel read moods better" in /settings does it also keep a corrected sentence (tidied, with the mood you chose) to train its mood reader; turning it off or /forget erases those sentences.',
  '',
  'Photos are only analysed after you say yes. /export sends you all your data, /forget erases it.',
].join('\n');

export const WELCOME_TEXT = [
  'Hi, I am MoodReel 🎬 Tell me how you feel ("I feel rough today", "can\'t stop smiling") or send a selfie,',
  'and I will pick movies for that mood. Rate the picks and I learn your taste at once.',
  '',
  PRIVACY_TEXT,
].join('\n');

export const HELP_TEXT = [
  'How to use MoodReel:',
  '• write how you feel (or /mood <text>) → mood + movie picks with rating buttons',
  '• send a selfie (/selfie) → the mood of each face + picks (after you agree to photo analysis)',
  '• /search <title> → find a movie and rate it',
  '• /review <title> | <text> → store a review; its tone counts as a rating',
  '• /settings → languages, genres to avoid, "match" or "lift" my mood, minimum rating, years',
  '• "Not quite? I feel…" under picks → tell me your real mood; I re-pick and learn from it',
  '• /moodlog → your moods of the last 30 days as a chart',
  '• /music [text] → songs for your mood',
  '• /watchparty [minutes] (in a group) → members join, I propose picks that suit everyone, you vote',
  '• /export → your data as a JSON file · /forget → erase everything · /privacy → what I keep',
].join('\n');

export const CONSENT_QUESTION =
  'Before I look at photos: I analyse a photo in memory to read facial expressions, keep only the detected mood, and never store the image. Is that OK?';

export const NO_FACE_HINT =
  'I could not find a face in that photo. Try a well-lit photo, facing the camera, with your face filling a good part of the frame.';

export const APOLOGY = 'Sorry, something went wrong on my side. Please try again in a moment.';

const MOOD_WORDS: Record<MoodLabel, string> = {
  joy: 'happy 😊',
  love: 'loving 🥰',
  sadness: 'low 😔',
  anger: 'angry 😠',
  fear: 'anxious 😟',
  surprise: 'surprised 😮',
  neutral: 'calm 😐',
};

export const moodWord = (label: MoodLabel) => MOOD_WORDS[label];

/** "You seem low 😔 (72%; also anxious 18%)". */
export function describeMood(reading: MoodReading): string {
  const ranked = Object.entries(reading.distribution).sort((a, b) => b[1] - a[1]) as [MoodLabel, number][];
  const [top, second] = ranked;
  const pct = (p: number) => `${Math.round(p * 100)}%`;
  let text = `You seem ${moodWord(reading.label)} (${pct(reading.distribution[reading.label])}`;
  if (second && second[0] !== reading.label && second[1] >= 0.15) text += `; also ${moodWord(second[0]).split(' ')[0]} ${pct(second[1])}`;
  else if (top && top[0] !== reading.label) text += `; most likely ${moodWord(top[0]).split(' ')[0]}`;
  return `${text})`;
}
