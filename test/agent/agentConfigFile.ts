/**
 * Agent config as an operator writes it: the defaults' `agent:` section changed by a patch, written
 * to a YAML file and loaded back, so that what the config checks refuse arrives located.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { stringify } from 'yaml';
import { AgentSchema } from '../../config/agentConfigSchema.js';
import type { AgentSection } from '../../config/configSchema.js';
import { loadConfig, type LoadedConfig } from '../../config/loadConfig.js';
import { YamlValidationError, type YamlIssue } from '../../config/yamlSchemaLoader.js';

/** Writes `tripline.yaml` with the default agent section (as written: durations as text) changed by `patch`; returns its path. */
export function agentConfigFile(patch: (agent: AgentSection) => void): string {
  const { config } = loadConfig(undefined, {});
  // timeZone is a top-level key that loading copies into the agent section; write it where it belongs.
  const { timeZone, ...loaded } = config.agent;
  const agent = Value.Encode(AgentSchema, loaded);
  patch(agent);
  const file = join(mkdtempSync(join(tmpdir(), 'tripline-agent-config-')), 'tripline.yaml');
  writeFileSync(file, stringify({ timeZone, agent }));
  return file;
}

/** Loads the config `agentConfigFile(patch)` writes (throwing what loading throws). */
export function loadPatchedAgentConfig(patch: (agent: AgentSection) => void): LoadedConfig {
  return loadConfig(agentConfigFile(patch), {});
}

/** The located issues loading that config reports; empty when it loads. */
export function agentConfigIssues(patch: (agent: AgentSection) => void): YamlIssue[] {
  try {
    loadPatchedAgentConfig(patch);
    return [];
  } catch (error) {
    if (error instanceof YamlValidationError) return error.issues;
    throw error;
  }
}
