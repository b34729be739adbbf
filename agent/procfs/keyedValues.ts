/**
 * Lookup by key in the `/proc` files made of one `key value` line per counter: `/proc/vmstat`
 * (`pswpin 1234`) and `/proc/meminfo` (`MemTotal:  16318828 kB`). A probe wants a handful of the
 * 50 to 200 keys, so each is found with indexOf in the text when asked for, instead of splitting
 * and matching every line into a map each cycle.
 */
import { ProcParseError } from './procParseError.js';

/** The counters of one file by name. */
export interface KeyedValues {
  /** The value of `key`, or undefined when the file has no such line (or no number on it). */
  get(key: string): number | undefined;
}

/** How the lines of a file look. */
export interface KeyedFormat {
  /** The file, relative to /proc, for errors. */
  file: string;
  /** What follows the key: `:` in meminfo, a space in vmstat. */
  separator: string;
  /** The first line must match, or the file is not what it should be. */
  firstLine: RegExp;
  /** A trailing ` kB` means KiB: the value is returned in bytes. */
  kilobytes: boolean;
}

const SPACE = 32;
const TAB = 9;
const ZERO = 48;
const NINE = 57;

/** The value at `index` (after the separator and blanks), or undefined when no digit is there. */
function numberAt(text: string, index: number, kilobytes: boolean): number | undefined {
  let i = index;
  while (i < text.length && (text.charCodeAt(i) === SPACE || text.charCodeAt(i) === TAB)) i += 1;
  const start = i;
  while (i < text.length && text.charCodeAt(i) >= ZERO && text.charCodeAt(i) <= NINE) i += 1;
  if (i === start) return undefined;
  const value = Number(text.slice(start, i));
  return kilobytes && text.startsWith(' kB', i) ? value * 1024 : value;
}

export function keyedValues(text: string, format: KeyedFormat): KeyedValues {
  const firstLineEnd = text.indexOf('\n');
  if (!format.firstLine.test(firstLineEnd < 0 ? text : text.slice(0, firstLineEnd))) {
    throw new ProcParseError(format.file, `the first line is not "name${format.separator} value"`);
  }
  return {
    get(key) {
      const needle = `${key}${format.separator}`;
      // The key starts the text or a line: "Cached:" must not match the end of "SwapCached:".
      let at = 0;
      if (!text.startsWith(needle)) {
        const newline = text.indexOf(`\n${needle}`);
        if (newline < 0) return undefined;
        at = newline + 1;
      }
      return numberAt(text, at + needle.length, format.kilobytes);
    },
  };
}
