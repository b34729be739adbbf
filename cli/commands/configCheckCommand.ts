/**
 * `tripline config check`: validates the config file and the rule files it names, as the collector
 * would at start, and prints every problem at once as file:line:column; exits 1 when there is any.
 */
import { loadConfig } from '../../config/loadConfig.js';
import { loadConfiguredRules } from '../loadConfiguredRules.js';
import { yamlCheck } from './rulesCheckCommand.js';

export function configCheckCommand(options: { config?: string }): number {
  return yamlCheck(() => {
    const { config, file } = loadConfig(options.config);
    return `ok: ${file ?? 'built-in defaults'}; ${loadConfiguredRules(config).length} rule(s)`;
  });
}
