/**
 * Parser of `/proc/mdstat`: each md array's level, state and member health. An array is degraded
 * when fewer members are up than it needs (`[2/1]`), which the status map also shows (`[U_]`).
 * A progress line below it (`recovery = 8.3% ...`, `resync=DELAYED`) names what the array is doing.
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
  /**
   * What the kernel is doing to the array's data: `recovery` (rebuilding onto a replacement or
   * spare), `resync` (after an unclean stop, or at creation), `reshape`, or the scheduled `check` /
   * `repair`; absent when none.
   */
  syncAction?: MdSyncAction;
}

/** The sync actions of /proc/mdstat's progress line. */
export type MdSyncAction = 'recovery' | 'resync' | 'reshape' | 'check' | 'repair';

const HEADER = /^(md\S*)\s*:\s*(\S+)(?:\s+\([^)]*\))?\s*(raid\d+|linear|multipath|faulty)?/;
const STATUS = /\[(\d+)\/(\d+)\]\s*\[([U_]+)\]/;
const SYNC = /\b(recovery|resync|reshape|check|repair)\s*=/;

export function parseProcMdstat(text: string): MdArray[] {
  const arrays: MdArray[] = [];
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    const header = HEADER.exec(line);
    if (header === null) return;
    const syncAction = syncActionAfter(lines, index);
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
      ...(syncAction === undefined ? {} : { syncAction }),
    });
  });
  return arrays;
}

/** The sync action on the lines that belong to the array whose header is at `index`, up to the next blank line or header. */
function syncActionAfter(lines: readonly string[], index: number): MdSyncAction | undefined {
  for (let i = index + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '' || HEADER.test(line)) break;
    const match = SYNC.exec(line);
    if (match) return match[1] as MdSyncAction;
  }
  return undefined;
}
