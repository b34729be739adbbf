/** System-wide open file handles against the kernel limit, from `/proc/sys/fs/file-nr`. */
import { parseFileNr } from '../procfs/procFileNr.js';
import type { ProcReader } from '../procfs/procReader.js';
import { NO_LABELS, observation, type Probe } from './probe.js';

export function createFileDescriptorProbe({ proc }: { proc: ProcReader }): Probe {
  return {
    name: 'filedescriptors',
    collect(now) {
      const { allocated, maximum } = parseFileNr(proc.read('sys/fs/file-nr'));
      return {
        observations: [
          observation('file_descriptors_allocated', allocated, NO_LABELS, now),
          observation('file_descriptors_maximum', maximum, NO_LABELS, now),
          observation('file_descriptors_used_ratio', maximum > 0 ? allocated / maximum : 0, NO_LABELS, now),
        ],
      };
    },
  };
}
