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
});
