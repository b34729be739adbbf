/**
 * One reload of the rule set, shared by SIGHUP and the file watcher: load the configured rules and
 * swap them in, or, when any file is invalid, log every located problem and keep the rules in force.
 */
import type { Logger } from 'pino';
import { formatYamlIssue, YamlValidationError } from '../../config/yamlSchemaLoader.js';
import type { Rule } from '../../rules/index.js';

export type ReloadTrigger = 'SIGHUP' | 'file change';

export interface RuleReloaderOptions {
  /** Reads and validates the configured rule files; throws YamlValidationError when invalid. */
  load(): Rule[];
  /** Puts a valid rule set in force. */
  replace(rules: readonly Rule[]): void;
  log: Logger;
}

/** Returns the reload function; it reports whether the new set was put in force. */
export function createRuleReloader(options: RuleReloaderOptions): (trigger: ReloadTrigger) => boolean {
  return (trigger) => {
    let rules: Rule[];
    try {
      rules = options.load();
    } catch (error) {
      const issues = error instanceof YamlValidationError ? error.issues.map(formatYamlIssue) : [(error as Error).message];
      options.log.error({ trigger, issues }, 'rule reload failed; keeping the rules in force');
      return false;
    }
    options.replace(rules);
    options.log.info({ trigger, rules: rules.length }, 'rules reloaded');
    return true;
  };
}
