/**
 * `tripline rules test FILE...`: runs rule unit tests (format in rules/loadRuleTests.ts) and prints
 * one line per test, with what differs under each failure. Exit 1 on any failure or invalid file.
 */
import { YamlValidationError } from '../../config/yamlSchemaLoader.js';
import { loadRuleSet, loadRuleTestFile, runRuleTest, type RuleSet } from '../../rules/index.js';

export function rulesTestCommand(files: string[], out: NodeJS.WritableStream = process.stdout): number {
  let passed = 0;
  let failed = 0;
  let invalid = 0;
  for (const file of files) {
    const suite = orInvalid(() => loadRuleTestFile(file), out);
    const ruleSet: RuleSet | undefined = suite && orInvalid(() => loadRuleSet(suite.ruleFiles), out);
    if (!suite || !ruleSet) {
      invalid++;
      continue;
    }
    for (const test of suite.tests) {
      const result = runRuleTest(ruleSet.rules, test, ruleSet.catalogue);
      if (result.failures.length === 0) {
        passed++;
        out.write(`ok    ${result.name}\n`);
      } else {
        failed++;
        out.write(`FAIL  ${result.name} (${result.where})\n${result.failures.map((f) => `    ${f}\n`).join('')}`);
      }
    }
  }
  const invalidText = invalid > 0 ? `, ${invalid} invalid file(s)` : '';
  out.write(`${passed} passed, ${failed} failed${invalidText}\n`);
  return failed > 0 || invalid > 0 ? 1 : 0;
}

function orInvalid<T>(load: () => T, out: NodeJS.WritableStream): T | undefined {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof YamlValidationError)) throw error;
    out.write(`${error.message}\n`);
    return undefined;
  }
}
