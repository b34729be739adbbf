/**
 * The alert pipeline's unwritten states, held by host (collector/alerting/unwrittenStates.ts): due
 * oldest group first across hosts and states without a host, a state written with its host's group
 * (never later than its own first change allows), at most as many as asked, and nothing left behind.
 */
import { describe, expect, it } from 'vitest';
import { UnwrittenStates } from '../../collector/alerting/unwrittenStates.js';

describe('UnwrittenStates', () => {
  it('makes states due by their group, oldest group first, hosts and hostless states interleaved by time', () => {
    const unwritten = new UnwrittenStates();
    unwritten.add('a', 'h1', 0);
    unwritten.add('c', 'h2', 5);
    unwritten.add('d', undefined, 3);
    unwritten.add('b', 'h1', 10); // joins h1's group, begun at 0
    unwritten.add('e', undefined, 7);
    expect(unwritten.all()).toHaveLength(5);
    expect(unwritten.due(-1, 10)).toEqual([]);
    expect(unwritten.due(0, 10)).toEqual(['a', 'b']);
    expect(unwritten.due(4, 10)).toEqual(['a', 'b', 'd']);
    expect(unwritten.due(6, 10)).toEqual(['a', 'b', 'd', 'c']);
    expect(unwritten.due(100, 10)).toEqual(['a', 'b', 'd', 'c', 'e']);
    expect(unwritten.all().sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('stops at the limit inside a group, whose rest stays due first', () => {
    const unwritten = new UnwrittenStates();
    for (const fingerprint of ['a', 'b', 'c']) unwritten.add(fingerprint, 'h1', 0);
    unwritten.add('d', 'h2', 1);
    expect(unwritten.due(10, 2)).toEqual(['a', 'b']);
    unwritten.delete('a', 'h1');
    unwritten.delete('b', 'h1');
    expect(unwritten.due(10, 2)).toEqual(['c', 'd']);
    expect(unwritten.due(0, 2)).toEqual(['c']);
  });

  it('keeps a state once, with the earlier time, and lets a group go when its last state is written', () => {
    const unwritten = new UnwrittenStates();
    unwritten.add('a', 'h1', 0);
    unwritten.add('a', 'h1', 50);
    expect(unwritten.all()).toEqual(['a']);
    // A state is found under its own host only.
    unwritten.delete('a', 'h2');
    unwritten.delete('a', undefined);
    expect(unwritten.all()).toEqual(['a']);
    unwritten.add('b', 'h2', 20);
    unwritten.delete('a', 'h1');
    unwritten.delete('a', 'h1'); // not in: nothing
    unwritten.delete('zz', 'h9');
    expect(unwritten.all()).toEqual(['b']);
    // h1 comes back later: a new group, after h2's, with its own time.
    unwritten.add('a', 'h1', 60);
    expect(unwritten.due(30, 10)).toEqual(['b']);
    expect(unwritten.due(60, 10)).toEqual(['b', 'a']);
  });

  it('tells a hostless state from a host of the same name', () => {
    const unwritten = new UnwrittenStates();
    unwritten.add('sweep:r', undefined, 0);
    unwritten.add('x', 'sweep:r', 1);
    expect(unwritten.all().sort()).toEqual(['sweep:r', 'x']);
    unwritten.delete('sweep:r', undefined);
    expect(unwritten.all()).toEqual(['x']);
  });

  it('ends empty after every state added is deleted, in any order', () => {
    const unwritten = new UnwrittenStates();
    const added: Array<[string, string | undefined]> = [];
    for (let i = 0; i < 200; i++) {
      const entry: [string, string | undefined] = [`f${i}`, i % 7 === 0 ? undefined : `h${i % 13}`];
      added.push(entry);
      unwritten.add(entry[0], entry[1], i);
    }
    expect(unwritten.all()).toHaveLength(200);
    expect(new Set(unwritten.due(1_000, 1_000)).size).toBe(200);
    for (const [fingerprint, host] of added.reverse()) unwritten.delete(fingerprint, host);
    expect(unwritten.all()).toEqual([]);
    expect(unwritten.due(1_000, 1_000)).toEqual([]);
  });
});
