/**
 * A Nagios plugin as the agent runs it, from `agent.plugins` (checked when the config was loaded:
 * config/checkAgentPlugins.ts says what a plugin's command and arguments may be).
 */
export interface PluginDefinition {
  name: string;
  command: string;
  args: readonly string[];
  intervalSeconds: number;
  timeoutSeconds: number;
}
