/** Parser of `/proc/<pid>/statm` (proc(5)): a process's memory in pages. */
import { ProcParseError } from './procParseError.js';

/**
 * The resident set in pages: the second of statm's seven fields ("size resident shared text lib
 * data dt"). The fields are whole numbers separated by single spaces.
 */
export function parseProcStatmResidentPages(text: string, file = 'self/statm'): number {
  const parts = text.trim().split(' ', 3);
  const resident = parts.length >= 2 && /^\d+$/.test(parts[0]!) && /^\d+$/.test(parts[1]!) ? Number(parts[1]) : NaN;
  if (!Number.isSafeInteger(resident)) throw new ProcParseError(file, 'expected "size resident ..." in pages');
  return resident;
}
