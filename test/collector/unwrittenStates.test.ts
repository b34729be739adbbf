/**
 * The alert pipeline's unwritten states, held by host (collector/alerting/unwrittenStates.ts): due
 * oldest group first across hosts and states without a host, a state written with its host's group
 * (never later than its own first change allows), at most as many as asked, and nothing left behind;
 * states of different waits (their rules' checkpoint intervals) in lanes of their own, due by their
 * own wait, and moved to a new lane with their time kept when the rules change.
 */
import { describe, expect, it } from 'vitest';
import { UnwrittenStates } from '../../collector/alerting/unwrittenStates.js';

describe('UnwrittenStates', () => {
  it('makes states due by their group, oldest group first, hosts and hostless states interleaved by time', () => {
    const unwritten = new UnwrittenStates();
    unwritten.add('a', 'h1', 0, 0);
    unwritten.add('c', 'h2', 5, 0);
    unwritten.add('d', undefined, 3, 0);
    unwritten.add('b', 'h1', 10, 0); // joins h1's group, begun at 0
    unwritten.add('e', undefined, 7, 0);
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
    for (const fingerprint of ['a', 'b', 'c']) unwritten.add(fingerprint, 'h1', 0, 0);
    unwritten.add('d', 'h2', 1, 0);
    expect(unwritten.due(10, 2)).toEqual(['a', 'b']);
    unwritten.delete('a', 'h1', 0);
    unwritten.delete('b', 'h1', 0);
    expect(unwritten.due(10, 2)).toEqual(['c', 'd']);
    expect(unwritten.due(0, 2)).toEqual(['c']);
  });

  it('keeps a state once, with the earlier time, and lets a group go when its last state is written', () => {
    const unwritten = new UnwrittenStates();
    unwritten.add('a', 'h1', 0, 0);
    unwritten.add('a', 'h1', 50, 0);
    expect(unwritten.all()).toEqual(['a']);
    // A state is found under its own host only.
    unwritten.delete('a', 'h2', 0);
    unwritten.delete('a', undefined, 0);
    expect(unwritten.all()).toEqual(['a']);
    unwritten.add('b', 'h2', 20, 0);
    unwritten.delete('a', 'h1', 0);
    unwritten.delete('a', 'h1', 0); // not in: nothing
    unwritten.delete('zz', 'h9', 0);
    expect(unwritten.all()).toEqual(['b']);
    // h1 comes back later: a new group, after h2's, with its own time.
    unwritten.add('a', 'h1', 60, 0);
    expect(unwritten.due(30, 10)).toEqual(['b']);
    expect(unwritten.due(60, 10)).toEqual(['b', 'a']);
  });

  it('tells a hostless state from a host of the same name', () => {
    const unwritten = new UnwrittenStates();
    unwritten.add('sweep:r', undefined, 0, 0);
    unwritten.add('x', 'sweep:r', 1, 0);
    expect(unwritten.all().sort()).toEqual(['sweep:r', 'x']);
    unwritten.delete('sweep:r', undefined, 0);
    expect(unwritten.all()).toEqual(['x']);
  });

  it('ends empty after every state added is deleted, in any order', () => {
    const unwritten = new UnwrittenStates();
    const added: Array<[string, string | undefined]> = [];
    for (let i = 0; i < 200; i++) {
      const entry: [string, string | undefined] = [`f${i}`, i % 7 === 0 ? undefined : `h${i % 13}`];
      added.push(entry);
      unwritten.add(entry[0], entry[1], i, 0);
    }
    expect(unwritten.all()).toHaveLength(200);
    expect(new Set(unwritten.due(1_000, 1_000)).size).toBe(200);
    for (const [fingerprint, host] of added.reverse()) unwritten.delete(fingerprint, host, 0);
    expect(unwritten.all()).toEqual([]);
    expect(unwritten.due(1_000, 1_000)).toEqual([]);
  });

  it("makes each state due after its own wait: a host's long-wait states are not dragged along by its short ones", () => {
    const unwritten = new UnwrittenStates();
    unwritten.add('fast', 'h1', 0, 60);
    unwritten.add('slow', 'h1', 0, 600);
    unwritten.add('other', 'h2', 30, 60);
    unwritten.add('slow2', 'h2', 100, 600);
    unwritten.add('sweep', undefined, 10, 600);
    expect(unwritten.due(59, 10)).toEqual([]);
    expect(unwritten.due(60, 10)).toEqual(['fast']);
    // Across lanes in the order they come due: h2's 60 s group (due 90) before every 600 s one.
    expect(unwritten.due(599, 10)).toEqual(['fast', 'other']);
    expect(unwritten.due(610, 10)).toEqual(['fast', 'other', 'slow', 'sweep']);
    expect(unwritten.due(10_000, 10)).toEqual(['fast', 'other', 'slow', 'sweep', 'slow2']);
    // A state is deleted from its own lane only.
    unwritten.delete('slow', 'h1', 60);
    expect(unwritten.all()).toContain('slow');
    unwritten.delete('slow', 'h1', 600);
    unwritten.delete('fast', 'h1', 60);
    expect(unwritten.due(10_000, 2)).toEqual(['other', 'sweep']);
  });

  it('moves states to the lanes their rules give them now, each keeping its group time, and drops emptied lanes', () => {
    const unwritten = new UnwrittenStates();
    unwritten.add('a', 'h1', 0, 60);
    unwritten.add('b', 'h1', 50, 600);
    unwritten.add('c', 'h2', 20, 600);
    unwritten.add('d', undefined, 5, 60);
    // The rule of b and c now waits 60 s, a's rule 900 s.
    const waits: Record<string, number> = { a: 900, b: 60, c: 60, d: 60 };
    unwritten.relane((fingerprint) => waits[fingerprint]!);
    expect(unwritten.due(64, 10)).toEqual([]);
    expect(unwritten.due(65, 10)).toEqual(['d']);
    expect(unwritten.due(110, 10)).toEqual(['d', 'c', 'b']);
    expect(unwritten.due(899, 10)).toEqual(['d', 'c', 'b']);
    expect(unwritten.due(900, 10)).toEqual(['d', 'c', 'b', 'a']);
    // Deleted from the new lanes: nothing stays behind in the old ones.
    for (const fingerprint of ['a', 'b', 'c']) unwritten.delete(fingerprint, fingerprint === 'c' ? 'h2' : 'h1', waits[fingerprint]!);
    unwritten.delete('d', undefined, 60);
    expect(unwritten.all()).toEqual([]);
    expect(unwritten.due(10_000, 10)).toEqual([]);
    // Two groups of a host meeting in one lane: the state joins the older group and is due with it.
    unwritten.add('x', 'h1', 0, 60);
    unwritten.add('y', 'h1', 500, 600);
    unwritten.relane(() => 60);
    expect(unwritten.due(60, 10)).toEqual(['x', 'y']);
  });
});
