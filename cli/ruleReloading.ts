/**
 * Rule reloads for a running collector: on SIGHUP (`reload`) and when a configured rule file
 * changes (a watcher, only when rule paths are configured; the built-in pack does not change).
 * An invalid set is logged with every located problem and the rules in force keep running.
 */
import type { Logger } from 'pino';
import { watchRuleFiles } from '../collector/alerting/ruleFileWatcher.js';
import { createRuleReloader, type ReloadTrigger } from '../collector/alerting/ruleReloader.js';
import type { RunningCollector } from '../collector/collector.js';
import type { Config } from '../config/configSchema.js';
import { loadConfiguredRules } from './loadConfiguredRules.js';

export interface RuleReloading {
  reload(trigger: ReloadTrigger): void;
  close(): void;
}

export function startRuleReloading(config: Config, collector: RunningCollector, log: Logger): RuleReloading {
  const rulesLog = log.child({ component: 'rules' });
  const reload = createRuleReloader({ load: () => loadConfiguredRules(config), replace: (rules) => collector.replaceRules(rules), log: rulesLog });
  const watcher = config.collector.rules.length > 0 ? watchRuleFiles({ paths: config.collector.rules, onChange: () => reload('file change'), log: rulesLog }) : undefined;
  return {
    reload: (trigger) => {
      reload(trigger);
    },
    close: () => watcher?.close(),
  };
}
