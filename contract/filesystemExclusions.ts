/**
 * The one source of which filesystems are watched: built-in exclusions (pseudo, in-memory and
 * read-only image filesystems, whose space and inodes say nothing about a disk) and the additive
 * `agent.filesystems.include` / `exclude` settings on top of them.
 *
 * The agent applies the result before it reports, so filesystems left out never reach the
 * collector; the default rule pack therefore carries no filesystem matchers of its own, and
 * watching one tmpfs is one `include` line rather than a restated list and copied rules.
 */

/** Filesystem types the agent leaves out unless `include.fsTypes` takes them back. */
export const DEFAULT_EXCLUDED_FS_TYPES: readonly string[] = [
  // kernel pseudo filesystems
  'proc', 'sysfs', 'cgroup', 'cgroup2', 'nsfs', 'autofs', 'mqueue', 'debugfs', 'tracefs', 'securityfs', 'pstore', 'bpf', 'configfs',
  'fusectl', 'hugetlbfs', 'devpts', 'binfmt_misc', 'rpc_pipefs', 'efivarfs',
  // in memory: sized by RAM, emptied at boot
  'tmpfs', 'devtmpfs', 'ramfs',
  // container layers and read-only images, always full by design
  'overlay', 'squashfs', 'iso9660', 'fuse.squashfuse', 'fuse.snapfuse',
  // views of other filesystems
  'fuse.lxcfs', 'fuse.gvfsd-fuse', 'fuse.portal',
];

/** Mount points the agent leaves out unless `include.mounts` takes them back; `dir/*` means everything below dir. */
export const DEFAULT_EXCLUDED_MOUNTS: readonly string[] = ['/snap/*'];

/** Filesystem types and mount points (exact paths, or `dir/*` for everything below `dir`). */
export interface FilesystemSet {
  fsTypes: readonly string[];
  mounts: readonly string[];
}

/** The `agent.filesystems` settings: additions to and exceptions from the built-in exclusions. */
export interface FilesystemSelection {
  /** Built-in exclusions to take back: these types are reported; these mounts are reported whatever their type. */
  include: FilesystemSet;
  /** Left out on top of the built-in exclusions. */
  exclude: FilesystemSet;
}

/** Which mounts a filesystem probe leaves out, the selection applied to the built-in lists. */
export interface FilesystemFilter {
  excludeFsTypes: readonly string[];
  /** Mount points, exact or `dir/*`. */
  excludeMounts: readonly string[];
  /** Mount points reported even when their type is excluded (an exclusion by mount still wins). */
  includeMounts?: readonly string[];
}

/** The filter of a selection: built-ins minus `include`, plus `exclude`. */
export function filesystemFilter(selection: FilesystemSelection): FilesystemFilter {
  const includedTypes = new Set(selection.include.fsTypes);
  const includedMounts = new Set(selection.include.mounts);
  return {
    excludeFsTypes: [...new Set([...DEFAULT_EXCLUDED_FS_TYPES.filter((type) => !includedTypes.has(type)), ...selection.exclude.fsTypes])],
    excludeMounts: [...new Set([...DEFAULT_EXCLUDED_MOUNTS.filter((mount) => !includedMounts.has(mount)), ...selection.exclude.mounts])],
    includeMounts: [...includedMounts],
  };
}

/** Whether `mount` is `pattern`, or lies below it when the pattern ends in `/*`. */
export function mountMatches(pattern: string, mount: string): boolean {
  return pattern.endsWith('/*') ? mount.startsWith(pattern.slice(0, -1)) : mount === pattern;
}

/** Whether a filter reports the filesystem of type `fsType` mounted at `mount`. */
export function isWatchedFilesystem(filter: FilesystemFilter, fsType: string, mount: string): boolean {
  if (filter.excludeMounts.some((pattern) => mountMatches(pattern, mount))) return false;
  if (filter.includeMounts?.some((pattern) => mountMatches(pattern, mount))) return true;
  return !filter.excludeFsTypes.includes(fsType);
}
