import { describe, expect, it } from 'vitest';
import { MOODS } from '../../../src/core/mood/mood-space.js';
import { decodeTrackAction, encodeTrackAction, trackButtonRow } from '../../../src/core/music/music-buttons.js';
import { decodeAction } from '../../../src/core/conversation/actions.js';
import type { TrackChoice } from '../../../src/core/music/ports.js';

const ID = '6f807x0ima9a1j3VPbc7VN';

describe('music buttons', () => {
  it('given every choice and mood, encodes a short payload that decodes to the same action', () => {
    for (const choice of [1, 2, 3, 4, 5, 'no'] as TrackChoice[]) {
      for (const mood of [...MOODS, null]) {
        const raw = encodeTrackAction({ trackId: ID, choice, mood });
        expect(Buffer.byteLength(raw)).toBeLessThanOrEqual(64);
        expect(decodeTrackAction(raw)).toEqual({ trackId: ID, choice, mood });
      }
    }
  });

  it('given payloads of other features or forged ones, decodes nothing', () => {
    for (const raw of ['r:12:5', 'm:3:n', 'hello', '', `t:${ID}:6:s`, `t:${ID}:5:x`, `t:${ID.slice(1)}:5:s`, `t:${ID}:5:s:extra`, `t:${ID}!:5:s`, `t:${ID}:5`]) {
      expect(decodeTrackAction(raw)).toBeNull();
    }
  });

  it('uses a namespace the movie decoder does not claim', () => {
    expect(decodeAction(encodeTrackAction({ trackId: ID, choice: 4, mood: 'joy' }))).toBeNull();
  });

  it('given a row with a stored choice, marks it, numbers the row and fits a Discord row (5 buttons)', () => {
    const row = trackButtonRow(3, ID, 'sadness', 4);
    expect(row).toHaveLength(5);
    expect(row.map((b) => b.label)).toEqual(['#3 👎', '2★', '3★', '✅ 4★', '5★']);
    expect(row.map((b) => ('key' in b ? b.key : ''))).toEqual(['t3-n', 't3-2', 't3-3', 't3-4', 't3-5']);
    expect(trackButtonRow(1, ID, null, 1)[0]!.label).toBe('✅ #1 👎');
  });
});
