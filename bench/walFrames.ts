/**
 * The frames of a SQLite WAL's current generation (bench/walPages.ts): those whose salt matches the
 * log's header, that is the commits since the last checkpoint restarted the log. Format: a 32-byte
 * header (page size at 8, salts at 16 and 20), then frames of a 24-byte header (page number at 0,
 * the database's size after the commit at 4, non-zero on a commit's last frame only; salts at 8 and
 * 12) and a page (https://www.sqlite.org/fileformat2.html#walformat).
 */
const WAL_HEADER_BYTES = 32;
const FRAME_HEADER_BYTES = 24;

/** The page numbers of the current generation's frames, in order, and how many of them end a commit. */
export function walFrames(wal: Buffer): { pageSize: number; pages: number[]; commits: number; bytes: number } {
  if (wal.length < WAL_HEADER_BYTES) return { pageSize: 0, pages: [], commits: 0, bytes: wal.length };
  const pageSize = wal.readUInt32BE(8);
  const salt1 = wal.readUInt32BE(16);
  const salt2 = wal.readUInt32BE(20);
  const pages: number[] = [];
  let commits = 0;
  let end = WAL_HEADER_BYTES;
  for (let at = WAL_HEADER_BYTES; at + FRAME_HEADER_BYTES + pageSize <= wal.length; at += FRAME_HEADER_BYTES + pageSize) {
    // A frame of an earlier generation (the log restarted over it) has the old salt: the current one ends there.
    if (wal.readUInt32BE(at + 8) !== salt1 || wal.readUInt32BE(at + 12) !== salt2) break;
    pages.push(wal.readUInt32BE(at));
    // The database size after the commit: non-zero on a commit's last frame only.
    if (wal.readUInt32BE(at + 4) !== 0) commits++;
    end = at + FRAME_HEADER_BYTES + pageSize;
  }
  return { pageSize, pages, commits, bytes: end };
}
