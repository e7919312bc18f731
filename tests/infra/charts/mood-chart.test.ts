import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { buildMoodLog } from '../../../src/core/mood/mood-log.js';
import { createMoodChartRenderer, MOOD_COLORS, moodChartSvg } from '../../../src/infra/charts/mood-chart.js';

const NOW = new Date('2026-12-04T20:00:00Z');
const log = buildMoodLog(
  [
    { at: new Date('2026-12-01T10:00:00Z'), label: 'joy', confidence: 0.9, corrected: false },
    { at: new Date('2026-12-02T10:00:00Z'), label: 'sadness', confidence: 1, corrected: true },
    { at: new Date('2026-12-03T10:00:00Z'), label: 'joy', confidence: 0.5, corrected: false },
  ],
  NOW,
);

describe('mood chart', () => {
  it('renders an 800x400 PNG in-process, the same bytes for the same log', async () => {
    const renderer = createMoodChartRenderer();
    const [a, b] = [await renderer.render(log), await renderer.render(log)];
    const meta = await sharp(a).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 800, 400]);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it('draws each reading in its mood colour, a ring on corrected ones, the daily strip and the shares, with the summary', () => {
    const svg = moodChartSvg(log);
    expect(svg.match(/<circle /g)).toHaveLength(3);
    expect(svg.match(/<circle [^>]*stroke="#111"/g)).toHaveLength(1);
    expect(svg).toContain(`fill="${MOOD_COLORS.joy}"`);
    expect(svg).toContain(`fill="${MOOD_COLORS.sadness}"`);
    expect(svg).toContain('67%');
    expect(svg).toContain(log.summary);
    // 30 day cells: 3 coloured, 27 grey.
    expect(svg.match(/height="18" rx="2" fill="#eeeeee"/g)).toHaveLength(27);
  });

  it('escapes text it did not write itself', () => {
    expect(moodChartSvg({ ...log, summary: 'a <b> & "c"' })).toContain('a &lt;b&gt; &amp; &quot;c&quot;');
  });
});
