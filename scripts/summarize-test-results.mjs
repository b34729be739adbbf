// Prints the plain "N passed, N failed" line CI reads, from vitest's JSON report.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.vitest-results.json';
try {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const skipped = report.numPendingTests + report.numTodoTests;
  console.log(`${report.numPassedTests} passed, ${report.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`);
} catch (error) {
  console.log(`0 passed, 1 failed`);
  console.error(`could not read ${file}: ${error.message}`);
}
