/**
 * /moodlog's chart: a hand-built SVG (800x400) turned into a PNG by sharp,
 * in-process and offline. Three parts: each reading over time on its mood's row,
 * coloured by mood (a ring marks moods the user corrected); a strip of the
 * daily dominant moods; and the share of each mood as bars.
 *
 * Why hand-built SVG rather than vega-lite: the chart is three fixed panels, and
 * ~150 lines of SVG draw them exactly, deterministically (same data, same bytes)
 * with no new dependency; vega + vega-lite would add several MB of packages and a
 * spec compiler for no gain here, and sharp (already a dependency, bundled
 * librsvg) renders SVG text with the system's fonts.
 */
import sharp from 'sharp';
import { MOODS, type MoodLabel } from '../../core/mood/mood-space.js';
import { utcDay, type MoodLog } from '../../core/mood/mood-log.js';
import type { MoodChartRenderer } from '../../core/ports.js';

export const CHART_WIDTH = 800;
export const CHART_HEIGHT = 400;

/** One colour per mood, distinguishable for common colour-vision deficiencies by lightness too. */
export const MOOD_COLORS: Readonly<Record<MoodLabel, string>> = {
  joy: '#f2b705',
  love: '#e0609e',
  sadness: '#2f6fce',
  anger: '#d1382b',
  fear: '#7a4cc0',
  surprise: '#f08a24',
  neutral: '#8e959c',
};

const NAMES: Record<MoodLabel, string> = {
  joy: 'joy', love: 'love', sadness: 'sadness', anger: 'anger', fear: 'fear', surprise: 'surprise', neutral: 'calm',
};

const DAY_MS = 86_400_000;

const escapeXml = (s: string) => s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
const fmt = (n: number) => Number(n.toFixed(1));

/** The chart as SVG text (exported for tests and the docs sample). */
export function moodChartSvg(log: MoodLog): string {
  const W = CHART_WIDTH;
  const H = CHART_HEIGHT;
  // Timeline panel
  const tx0 = 80;
  const tx1 = 560;
  const ty0 = 78;
  const rowH = 30;
  const ty1 = ty0 + rowH * MOODS.length;
  const span = Math.max(1, log.to.getTime() - log.from.getTime());
  const xOf = (d: Date) => tx0 + ((d.getTime() - log.from.getTime()) / span) * (tx1 - tx0);
  const yOf = (m: MoodLabel) => ty0 + rowH * MOODS.indexOf(m) + rowH / 2;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Arial, sans-serif">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="24" y="32" font-size="19" font-weight="bold" fill="#222">Your moods, last 30 days</text>`);
  out.push(`<text x="24" y="56" font-size="14" fill="#444">${escapeXml(log.summary)}</text>`);

  // Rows and labels
  MOODS.forEach((m, k) => {
    const y = ty0 + rowH * k;
    if (k % 2 === 0) out.push(`<rect x="${tx0}" y="${y}" width="${tx1 - tx0}" height="${rowH}" fill="#f6f6f8"/>`);
    out.push(`<text x="${tx0 - 8}" y="${y + rowH / 2 + 4}" font-size="12" text-anchor="end" fill="#333">${NAMES[m]}</text>`);
  });
  // Week ticks
  for (let t = log.from.getTime(); t <= log.to.getTime() + 1; t += 7 * DAY_MS) {
    const x = fmt(xOf(new Date(t)));
    out.push(`<line x1="${x}" y1="${ty0}" x2="${x}" y2="${ty1}" stroke="#dddde2" stroke-width="1"/>`);
    out.push(`<text x="${x}" y="${ty1 + 14}" font-size="10" text-anchor="middle" fill="#666">${utcDay(new Date(t)).slice(5)}</text>`);
  }
  // Readings
  for (const p of log.points) {
    const x = fmt(xOf(p.at));
    const y = fmt(yOf(p.label));
    const r = fmt(3.5 + 3 * Math.min(1, Math.max(0, p.confidence)));
    out.push(`<circle cx="${x}" cy="${y}" r="${r}" fill="${MOOD_COLORS[p.label]}" fill-opacity="0.85"${p.corrected ? ' stroke="#111" stroke-width="1.6"' : ''}/>`);
  }

  // Daily dominant strip
  const sy = ty1 + 34;
  const days = Math.round(span / DAY_MS);
  const cell = (tx1 - tx0) / Math.max(1, days);
  const byDay = new Map(log.days.map((d) => [d.day, d]));
  out.push(`<text x="${tx0 - 8}" y="${sy + 13}" font-size="11" text-anchor="end" fill="#333">each day</text>`);
  for (let k = 0; k < days; k += 1) {
    const day = utcDay(new Date(log.from.getTime() + (k + 1) * DAY_MS - 1));
    const d = byDay.get(day);
    out.push(`<rect x="${fmt(tx0 + k * cell + 1)}" y="${sy}" width="${fmt(cell - 2)}" height="18" rx="2" fill="${d ? MOOD_COLORS[d.dominant] : '#eeeeee'}"/>`);
  }
  out.push(`<text x="${tx0}" y="${sy + 34}" font-size="10" fill="#666">Dominant mood of each day (grey: no reading). A ring marks a mood you corrected.</text>`);

  // Shares
  const bx = 610;
  const bw = 150;
  out.push(`<text x="${bx - 10}" y="${ty0 - 8}" font-size="13" font-weight="bold" fill="#222">Share of each mood</text>`);
  MOODS.forEach((m, k) => {
    const y = ty0 + rowH * k + 5;
    const share = log.shares[m];
    out.push(`<text x="${bx - 8}" y="${y + 12}" font-size="12" text-anchor="end" fill="#333">${NAMES[m]}</text>`);
    out.push(`<rect x="${bx}" y="${y}" width="${bw}" height="16" fill="#f0f0f3"/>`);
    if (share > 0) out.push(`<rect x="${bx}" y="${y}" width="${fmt(Math.max(2, bw * share))}" height="16" fill="${MOOD_COLORS[m]}"/>`);
    out.push(`<text x="${bx + bw + 6}" y="${y + 12}" font-size="11" fill="#333">${Math.round(share * 100)}%</text>`);
  });
  out.push(`<text x="${bx - 10}" y="${ty1 + 34}" font-size="11" fill="#666">${log.points.length} reading${log.points.length === 1 ? '' : 's'}</text>`);
  out.push('</svg>');
  return out.join('\n');
}

/** The renderer the app gives the core. */
export function createMoodChartRenderer(): MoodChartRenderer {
  return {
    async render(log) {
      const png = await sharp(Buffer.from(moodChartSvg(log))).png({ compressionLevel: 9 }).toBuffer();
      return new Uint8Array(png);
    },
  };
}
