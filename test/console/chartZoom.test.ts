/**
 * A chart's zoom by keys (console/chartZoom.ts): what each key makes of a range, the bounds (a
 * minute, the history API's 31 days, never past now) and the keys it leaves alone. One row a case.
 */
import { describe, expect, it } from 'vitest';
import { keyZoom } from '../../console/chartZoom.js';

const NOW = 1_800_000_000;
const HOUR = 3600;

describe('zoom by keys', () => {
  it.each([
    // + halves the range around its middle.
    ['+', [NOW - 2 * HOUR, NOW - HOUR], [NOW - 1.75 * HOUR, NOW - 1.25 * HOUR]],
    // = is + without Shift on most keyboards.
    ['=', [NOW - 2 * HOUR, NOW - HOUR], [NOW - 1.75 * HOUR, NOW - 1.25 * HOUR]],
    // - doubles it around its middle.
    ['-', [NOW - 3 * HOUR, NOW - 2 * HOUR], [NOW - 3.5 * HOUR, NOW - 1.5 * HOUR]],
    // ...but not past now: the doubled range ends now.
    ['-', [NOW - HOUR, NOW], [NOW - 2 * HOUR, NOW]],
    // The arrows move a quarter of the range.
    ['ArrowLeft', [NOW - 2 * HOUR, NOW - HOUR], [NOW - 2.25 * HOUR, NOW - 1.25 * HOUR]],
    ['ArrowRight', [NOW - 3 * HOUR, NOW - 2 * HOUR], [NOW - 2.75 * HOUR, NOW - 1.75 * HOUR]],
    // Moving on stops at now, keeping the span.
    ['ArrowRight', [NOW - HOUR, NOW - 600], [NOW - HOUR + 600, NOW]],
    // Zooming in stops at a minute.
    ['+', [NOW - 600, NOW - 540], [NOW - 600, NOW - 540]],
    ['+', [NOW - 700, NOW - 600], [NOW - 680, NOW - 620]],
    // Zooming out stops at 31 days, the history API's span.
    ['-', [NOW - 20 * 24 * HOUR, NOW], [NOW - 31 * 24 * HOUR, NOW]],
  ] as const)('%s on %j gives %j', (key, [min, max], expected) => {
    expect(keyZoom(key, min, max, NOW)).toEqual(expected);
  });

  it('leaves other keys to the browser', () => {
    for (const key of ['Tab', 'Enter', 'a', 'ArrowUp', ' ']) expect(keyZoom(key, NOW - HOUR, NOW, NOW)).toBeUndefined();
  });
});
