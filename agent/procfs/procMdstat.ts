/**
 * Parser of `/proc/mdstat`: each md array's level, state and member health. An array is degraded
 * when fewer members are up than it needs (`[2/1]`), which the status map also shows (`[U_]`).
 */

/** One software RAID array. */
export interface MdArray {
  device: string;
  /** `active`, `inactive`, or e.g. `active (auto-read-only)` reduced to its first word. */
  state: string;
  /** `raid1`, `raid5`, ...; empty for an inactive array that lists none. */
  level: string;
  disksRequired: number;
  disksActive: number;
  degraded: boolean;
}

const HEADER = /^(md\S*)\s*:\s*(\S+)(?:\s+\([^)]*\))?\s*(raid\d+|linear|multipath|faulty)?/;
const STATUS = /\[(\d+)\/(\d+)\]\s*\[([U_]+)\]/;

export function parseProcMdstat(text: string): MdArray[] {
  const arrays: MdArray[] = [];
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    const header = HEADER.exec(line);
    if (header === null) return;
    const status = STATUS.exec(lines[index + 1] ?? '');
    const members = (line.match(/\S+\[\d+\](?:\([A-Z]\))?/g) ?? []).filter((m) => !m.endsWith('(S)'));
    const required = status ? Number(status[1]) : members.length;
    const active = status ? Number(status[2]) : members.filter((m) => !/\(F\)/.test(m)).length;
    arrays.push({
      device: header[1]!,
      state: header[2]!,
      level: header[3] ?? '',
      disksRequired: required,
      disksActive: active,
      degraded: header[2] === 'active' && (active < required || (status?.[3]?.includes('_') ?? false)),
    });
  });
  return arrays;
}
