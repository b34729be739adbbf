/**
 * The agent's resident memory, for `agent_resident_memory_bytes` in every report: read from
 * `/proc/self/statm` through the agent's proc reader, which keeps the file open (one pread per
 * report), rather than with `process.memoryUsage.rss()`, which opens, reads and closes
 * `/proc/self/stat` on every call (libuv's uv_resident_set_memory).
 *
 * statm counts pages. Node does not expose the page size, so it is found once by comparing the two
 * sources, which count the same kernel figure: rss() is the resident pages times getpagesize(). The
 * quotient is rounded to the nearest power of two (the resident size may move by a page or so
 * between the two reads). When statm cannot be read or the sizes do not agree on a page size
 * (4 KiB to 1 MiB), rss() is used from then on.
 */
import type { ProcReader } from '../procfs/procReader.js';
import { parseProcStatmResidentPages } from '../procfs/procStatm.js';

const MIN_PAGE_BYTES = 4096;
const MAX_PAGE_BYTES = 1024 * 1024;

/** Resident bytes of this process; `proc` reads the real `/proc` (a test's fixture gets rss() instead). */
export function createResidentMemory(proc: ProcReader | undefined, rss: () => number = () => process.memoryUsage.rss()): () => number {
  /** Bytes per page once known; null once statm is given up on. */
  let pageBytes: number | null | undefined = proc === undefined ? null : undefined;
  const residentPages = (): number => parseProcStatmResidentPages(proc!.read('self/statm'));
  return () => {
    if (pageBytes === null) return rss();
    try {
      if (pageBytes === undefined) {
        const pages = residentPages();
        const bytes = rss();
        const estimate = pages > 0 ? 2 ** Math.round(Math.log2(bytes / pages)) : NaN;
        pageBytes = estimate >= MIN_PAGE_BYTES && estimate <= MAX_PAGE_BYTES ? estimate : null;
        return bytes;
      }
      return residentPages() * pageBytes;
    } catch {
      pageBytes = null;
      return rss();
    }
  };
}
