/**
 * The store's per-host cache of series ids by report shape (collector/store/sqlite/reportShapes.ts):
 * hosts of one role share the text after their first line, yet each host gets only its own ids, and
 * a host whose first line (its name) changed gets none.
 */
import { describe, expect, it } from 'vitest';
import { createReportShapes } from '../../collector/store/sqlite/reportShapes.js';
import { shapeOfText } from '../support/shapeOfText.js';

const body = '{"group":"web"}\ncpu{}\nfs{"mount":"/"}';

describe('report shapes', () => {
  it('keeps each host its own ids for a body other hosts share, and none across a changed first line', () => {
    const shapes = createReportShapes();
    shapes.remember(1, shapeOfText(`"web-1"\n${body}`), [10, 11, 12]);
    shapes.remember(2, shapeOfText(`"web-2"\n${body}`), [20, 21, 22]);
    expect(Array.from(shapes.idsOf(1, shapeOfText(`"web-1"\n${body}`))!)).toEqual([10, 11, 12]);
    expect(Array.from(shapes.idsOf(2, shapeOfText(`"web-2"\n${body}`))!)).toEqual([20, 21, 22]);
    expect(shapes.idsOf(1, shapeOfText(`"web-2"\n${body}`))).toBeUndefined(); // renamed: other series
    expect(shapes.idsOf(1, shapeOfText(`"web-1"\n${body}\nextra{}`))).toBeUndefined();
    expect(shapes.idsOf(1, shapeOfText(`"web-1"`))).toBeUndefined();
    expect(shapes.idsOf(3, shapeOfText(`"web-1"\n${body}`))).toBeUndefined();
  });

  it('remembers two shapes per host, the newest first, and ids beyond 32 bits exactly', () => {
    const shapes = createReportShapes();
    const [a, b, c] = ['"h"\nA', '"h"\nB', '"h"\nC'];
    shapes.remember(1, shapeOfText(a), [1]);
    shapes.remember(1, shapeOfText(b), [2 ** 40 + 1]);
    expect(Array.from(shapes.idsOf(1, shapeOfText(a))!)).toEqual([1]);
    expect(Array.from(shapes.idsOf(1, shapeOfText(b))!)).toEqual([2 ** 40 + 1]);
    shapes.remember(1, shapeOfText(c), [3]); // b was used last, so a is dropped
    expect(shapes.idsOf(1, shapeOfText(a))).toBeUndefined();
    expect(Array.from(shapes.idsOf(1, shapeOfText(b))!)).toEqual([2 ** 40 + 1]);
    shapes.clear();
    expect(shapes.idsOf(1, shapeOfText(c))).toBeUndefined();
  });

  it('takes a shape remembered again as the newest with its new ids, keeping the other', () => {
    const shapes = createReportShapes();
    const [a, b, c] = ['"h"\nA', '"h"\nB', '"h"\nC'];
    shapes.remember(1, shapeOfText(a), [1]);
    shapes.remember(1, shapeOfText(b), [2]);
    shapes.remember(1, shapeOfText(b), [3]); // the newest again: a stays the other
    expect(Array.from(shapes.idsOf(1, shapeOfText(b))!)).toEqual([3]);
    expect(Array.from(shapes.idsOf(1, shapeOfText(a))!)).toEqual([1]);
    shapes.remember(1, shapeOfText(b), [4]); // the older again (a was used last): a stays the other
    expect(Array.from(shapes.idsOf(1, shapeOfText(a))!)).toEqual([1]);
    expect(Array.from(shapes.idsOf(1, shapeOfText(b))!)).toEqual([4]);
    shapes.remember(1, shapeOfText(c), [5]); // b was used last, so a is dropped
    expect(shapes.idsOf(1, shapeOfText(a))).toBeUndefined();
    expect(Array.from(shapes.idsOf(1, shapeOfText(b))!)).toEqual([4]);
    expect(Array.from(shapes.idsOf(1, shapeOfText(c))!)).toEqual([5]);
  });

  // Kept as runs of consecutive ids where that is smaller, else one by one: every form gives back the ids as remembered.
  it.each<[string, number[]]>([
    ['one run (a host whose series were minted together)', Array.from({ length: 60 }, (_, i) => 1000 + i)],
    ['a few runs (series added later, one twice)', [...Array.from({ length: 40 }, (_, i) => 7 + i), 9000, 9001, 47, 48, 48, 5]],
    ['a run beyond 32 bits', [2 ** 40, 2 ** 40 + 1, 2 ** 40 + 2, 3]],
    ['no runs at all (every id its own)', Array.from({ length: 60 }, (_, i) => 10 * i + 3)],
    ['no runs, beyond 32 bits', Array.from({ length: 20 }, (_, i) => 2 ** 33 + 10 * i)],
    ['descending', [9, 8, 7, 6, 5]],
    ['ids near the top of a safe integer', [Number.MAX_SAFE_INTEGER - 2, Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER]],
    ['one id', [0]],
    // Past 2^53 an id plus one may round to the next id but one: never taken for a run.
    ['ids past a safe integer', [2 ** 53 + 2, 2 ** 53 + 4, 2 ** 53 + 8]],
  ])('gives back %s exactly, in a new array each time for runs', (_, ids) => {
    const shapes = createReportShapes();
    const shape = shapeOfText(`"h"\n${body}`);
    shapes.remember(1, shape, [...ids]);
    const first = shapes.idsOf(1, shape)!;
    expect(Array.from(first)).toEqual(ids);
    // What the caller does with what it was given changes nothing kept.
    if (Array.isArray(first)) (first as number[]).fill(-1);
    expect(Array.from(shapes.idsOf(1, shape)!)).toEqual(ids);
    // The host's other shape as well.
    shapes.remember(1, shapeOfText('"h"\nother'), [1, 2]);
    expect(Array.from(shapes.idsOf(1, shape)!)).toEqual(ids);
  });
});
