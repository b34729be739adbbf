/** `tripline rules check FILE...`: validates rule files and prints every problem as file:line:column. */
import { YamlValidationError } from '../../config/yamlSchemaLoader.js';
import { loadRuleFiles } from '../../rules/index.js';

export function rulesCheckCommand(files: string[]): number {
  try {
    const rules = loadRuleFiles(files);
    process.stdout.write(`ok: ${rules.length} rule(s) in ${files.join(', ')}\n`);
    return 0;
  } catch (error) {
    if (error instanceof YamlValidationError) {
      process.stderr.write(`${error.message}\n${error.issues.length} problem(s) found\n`);
      return 1;
    }
    throw error;
  }
}
