/** `tripline rules check FILE...`: validates rule files and prints every problem as file:line:column. */
import { YamlValidationError } from '../../config/yamlSchemaLoader.js';
import { loadRuleFiles } from '../../rules/index.js';

export function rulesCheckCommand(files: string[]): number {
  return yamlCheck(() => `ok: ${loadRuleFiles(files).length} rule(s) in ${files.join(', ')}`);
}

/**
 * Runs a check that loads YAML: prints its one-line verdict and exits 0, or every problem found
 * (file:line:column each) and their count on stderr and exits 1. `config check` uses it too.
 */
export function yamlCheck(check: () => string): number {
  try {
    process.stdout.write(`${check()}\n`);
    return 0;
  } catch (error) {
    if (error instanceof YamlValidationError) {
      process.stderr.write(`${error.message}\n${error.issues.length} problem(s) found\n`);
      return 1;
    }
    throw error;
  }
}
