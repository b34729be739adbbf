/** Parser of `/proc/sys/fs/file-nr`: allocated handles, allocated-but-unused (0 since 2.6), maximum. */
import { ProcParseError } from './procParseError.js';

/** System-wide file handles. */
export interface FileHandles {
  allocated: number;
  maximum: number;
}

export function parseFileNr(text: string): FileHandles {
  const values = text.trim().split(/\s+/).map(Number);
  if (values.length !== 3 || !values.every(Number.isFinite)) throw new ProcParseError('sys/fs/file-nr', 'expected three numbers');
  return { allocated: values[0]! - values[1]!, maximum: values[2]! };
}
