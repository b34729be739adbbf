/**
 * Columns for decoded chunks cut out of larger buffers (issue 15). A replay decodes each hour of
 * 100 hosts into 1,200 chunks of 240 times and 240 values; a Float64Array of its own costs an
 * allocation outside the heap each (about a microsecond, and as much again for the collector to
 * free it), a view of a shared buffer a fraction of that. The buffers start small and double, so a
 * block of a few series does not hold (or copy to a replay thread) a large one; a view keeps its whole
 * buffer alive, so an arena serves the columns of one block of history, which are dropped together.
 */

/** Makes the column of `length` numbers (zeros) that a decoded chunk's times or values go into. */
export type ColumnAllocator = (length: number) => Float64Array;

const FIRST_BUFFER_LENGTH = 4_096;
const LARGEST_BUFFER_LENGTH = 65_536;

/** An allocator of zeroed columns that cuts them out of buffers it makes as they fill. */
export function createColumnArena(): ColumnAllocator {
  let buffer = new Float64Array(0);
  let used = 0;
  return (length) => {
    // A column as long as a buffer's quarter gets its own: it gains little, and would waste the rest.
    if (length > LARGEST_BUFFER_LENGTH / 4) return new Float64Array(length);
    if (used + length > buffer.length) {
      buffer = new Float64Array(Math.min(LARGEST_BUFFER_LENGTH, Math.max(FIRST_BUFFER_LENGTH, buffer.length * 2)));
      used = 0;
    }
    used += length;
    return buffer.subarray(used - length, used);
  };
}
