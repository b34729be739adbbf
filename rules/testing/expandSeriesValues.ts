/**
 * The compact notation for input series in rule test files, as promtool writes it:
 *
 *   '1 2 3'        three values, one per interval
 *   '0.5x3'        0.5 four times (the start, then 3 more)
 *   '1+2x3'        1 3 5 7        '10-1x2'  10 9 8
 *   '_'            no sample at that step; '_x3' four steps without samples
 */
import type { ErrorCodeOf } from '../../contract/errorCatalogue.js';

/** A value notation that cannot be read; says which term and why. */
export class SeriesValuesError extends Error {
  readonly code: ErrorCodeOf<'SeriesValuesError'> = 'TRIPLINE_SERIES_VALUES';
  constructor(message: string) {
    super(message);
    this.name = 'SeriesValuesError';
  }
}

const NUMBER = '[-+]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][-+]?\\d+)?';
const TERM = new RegExp(`^(${NUMBER}|_)(?:([-+])(${NUMBER}))?(?:x(\\d+))?$`);

/** One value per step; undefined where the step has no sample. */
export function expandSeriesValues(text: string): Array<number | undefined> {
  const values: Array<number | undefined> = [];
  for (const term of text.trim().split(/\s+/).filter((t) => t !== '')) {
    const match = TERM.exec(term);
    if (!match) throw new SeriesValuesError(`cannot read "${term}"; expected a number, "_", "AxN", "A+BxN" or "A-BxN"`);
    const [, startText, sign, stepText, timesText] = match;
    if (stepText !== undefined && timesText === undefined) throw new SeriesValuesError(`"${term}" has a step but no count; write e.g. "${term}x3"`);
    const times = timesText === undefined ? 0 : Number(timesText);
    if (startText === '_') {
      if (stepText !== undefined) throw new SeriesValuesError(`"${term}": "_" (no sample) takes no step`);
      for (let i = 0; i <= times; i++) values.push(undefined);
      continue;
    }
    const start = Number(startText);
    const step = stepText === undefined ? 0 : (sign === '-' ? -1 : 1) * Number(stepText);
    for (let i = 0; i <= times; i++) values.push(start + step * i);
  }
  return values;
}
