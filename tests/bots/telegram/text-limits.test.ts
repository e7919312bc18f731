import { describe, expect, it } from 'vitest';
import { carouselFrom, pageText } from '../../../src/bots/telegram/carousel.js';
import { splitText, truncate } from '../../../src/bots/telegram/text-limits.js';
import { demoCards } from '../../fakes/scripted-handler.js';

describe('telegram text limits', () => {
  it('given a short text, splitText returns it whole', () => {
    expect(splitText('hello', 4096)).toEqual(['hello']);
  });

  it('given one unbroken run longer than the limit, cuts it hard without losing characters', () => {
    const run = 'x'.repeat(25);
    const parts = splitText(run, 10);
    expect(parts).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
  });

  it('given lines, prefers breaking between them', () => {
    expect(splitText('aaaa bbbb\ncccc dddd', 12)).toEqual(['aaaa bbbb', 'cccc dddd']);
  });

  it('never splits an emoji (surrogate pair) in half', () => {
    const text = `${'a'.repeat(9)}😀${'b'.repeat(5)}`;
    const parts = splitText(text, 10);
    expect(parts.join('')).toBe(text);
    expect(parts.every((p) => !/[\uD800-\uDBFF]$/.test(p))).toBe(true);
  });

  it('truncate keeps short text and ends long text with an ellipsis within the limit', () => {
    expect(truncate('short', 10)).toBe('short');
    const cut = truncate('a long sentence that goes on', 10);
    expect(cut.length).toBeLessThanOrEqual(10);
    expect(cut.endsWith('…')).toBe(true);
  });

  it('given a very long reason, header and footer, the card caption stays within 1024 characters and keeps the mood line, title and /music hint', () => {
    const cards = demoCards(0, 2, 'because '.repeat(400));
    const state = carouselFrom({ kind: 'picks', header: 'You seem low. '.repeat(60), cards, footer: 'Want songs for this mood too? Send /music' }, 'photo');
    const caption = pageText(state);
    expect(caption.length).toBeLessThanOrEqual(1024);
    expect(caption.startsWith('You seem low.')).toBe(true);
    expect(caption).toContain(`1/2 · ${cards[0]!.title} (${cards[0]!.year})`);
    expect(caption.endsWith('Send /music')).toBe(true);
  });
});
