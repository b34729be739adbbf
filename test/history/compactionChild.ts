/**
 * The process the compaction crash test kills: opens the database given as its argument and
 * compacts every due block, one transaction each, saying "compacted" after each commit, forever.
 */
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';

const store = openSqliteStore({ file: process.argv[2]! });
const beforeMs = Number(process.argv[3]);
for (;;) {
  const result = store.compactHistory(beforeMs);
  if (result === undefined) {
    process.stdout.write('done\n');
    break;
  }
  process.stdout.write(`compacted ${result.hostId} ${result.blockStartMs}\n`);
}
store.close();
