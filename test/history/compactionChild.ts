/**
 * The process the compaction crash test kills: opens the database given as its argument and
 * compacts every due block as the collector's maintenance does (hot rows read, encoded in slices
 * with the event loop given back between them, written in one transaction; a block's compacted
 * rows swept after it in steps of the rows given as its third argument), saying "compacted" after
 * each commit and "swept" after each step of a sweep, until nothing is due.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { compactOldestInSteps } from '../../collector/history/historyMaintenance.js';
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';

const store = openSqliteStore({ file: process.argv[2]! });
const beforeMs = Number(process.argv[3]);
for (;;) {
  const result = await compactOldestInSteps(store, beforeMs, {
    pause: () => nextTurn(),
    sweepStepRows: Number(process.argv[4]),
    onStep: (step) => step === 'sweep' && process.stdout.write('swept\n'),
  });
  if (result === undefined) {
    process.stdout.write('done\n');
    break;
  }
  process.stdout.write(`compacted ${result.hostId} ${result.blockStartMs}\n`);
}
store.close();
