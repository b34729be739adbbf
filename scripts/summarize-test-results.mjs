// Prints the plain "N passed, N failed" line CI reads, from vitest's JSON report. A test file
// that failed before running any test (an import error, a crashed hook) counts as one failure.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.vitest-results.json';
try {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const brokenFiles = report.testResults.filter((r) => r.status === 'failed' && !r.assertionResults.some((a) => a.status === 'failed')).length;
  const skipped = report.numPendingTests + report.numTodoTests;
  console.log(`${report.numPassedTests} passed, ${report.numFailedTests + brokenFiles} failed${skipped ? `, ${skipped} skipped` : ''}`);
} catch (error) {
  console.error(`could not read ${file}: ${error.message}`);
  console.log('0 passed, 1 failed');
}
