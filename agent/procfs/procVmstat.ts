/** Parser of `/proc/vmstat` (one `name value` counter per line). */
import { keyedValues, type KeyedValues } from './keyedValues.js';

/** The counters of `/proc/vmstat` by name. */
export type Vmstat = KeyedValues;

/** The counters, looked up on demand; throws ProcParseError when the text does not look like vmstat. */
export function parseProcVmstat(text: string): Vmstat {
  return keyedValues(text, { file: 'vmstat', separator: ' ', firstLine: /^[a-z0-9_]+\s+\d+\s*$/, kilobytes: false });
}
