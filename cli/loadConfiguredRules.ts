/** The rules a collector runs: the configured files, or the built-in pack when none are named. */
import type { Config } from '../config/configSchema.js';
import { DEFAULT_RULES_DIR, loadRuleFiles, type Rule } from '../rules/index.js';

export function loadConfiguredRules(config: Config): Rule[] {
  return loadRuleFiles(config.collector.rules.length > 0 ? config.collector.rules : [DEFAULT_RULES_DIR]);
}
