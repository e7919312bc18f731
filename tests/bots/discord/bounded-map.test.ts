import { describe, expect, it } from 'vitest';
import { BoundedMap, perApplication } from '../../../src/bots/discord/bounded-map.js';

describe('BoundedMap', () => {
  it('given more entries than its capacity, forgets the least recently set first', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1);
    map.set('b', 2);
    map.set('a', 3); // a is now the newest
    map.set('c', 4);
    expect([map.get('a'), map.get('b'), map.get('c'), map.size]).toEqual([3, undefined, 4, 2]);
  });
});

describe('perApplication', () => {
  it('given one application id twice, hands out the same store; another id or a clear gets a new one', () => {
    const stores = perApplication(() => new BoundedMap<string, number>());
    const first = stores.of('app1');
    expect(stores.of('app1')).toBe(first);
    expect(stores.of('app2')).not.toBe(first);
    stores.clear();
    expect(stores.of('app1')).not.toBe(first);
  });
});
