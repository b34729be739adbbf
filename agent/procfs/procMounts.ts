/** Parser of `/proc/self/mounts` (fstab(5) format). */
import { ProcParseError } from './procParseError.js';

/** One mounted filesystem. */
export interface MountEntry {
  device: string;
  mount: string;
  fstype: string;
  options: string;
}

/**
 * Parses mount lines, decoding the octal escapes the kernel writes for space (`\040`), tab
 * (`\011`), newline (`\012`) and backslash (`\134`) in device and mount paths.
 */
export function parseProcMounts(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const [device, mount, fstype, options] = line.trim().split(/\s+/);
    if (device === undefined || mount === undefined || fstype === undefined) {
      throw new ProcParseError('self/mounts', `expected "device mount fstype options" in "${line.trim()}"`);
    }
    entries.push({ device: decodeMountField(device), mount: decodeMountField(mount), fstype, options: options ?? '' });
  }
  return entries;
}

/** Decodes the kernel's `\ooo` octal escapes. */
export function decodeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}
