/**
 * Where an agent reports: beside the agent section's schema (agentConfigSchema.ts) in a module of
 * their own, so that the agent reads them without loading TypeBox, which builds the schema.
 */

/** Where an agent reports when its config names no collector: one on this host. */
export const DEFAULT_COLLECTOR_URL = 'http://127.0.0.1:9470';

/** The collectors an agent reports to, in order: `collectorUrls` when given, else `collectorUrl`. */
export function collectorUrlsOf(agent: { collectorUrl: string; collectorUrls: readonly string[] }): string[] {
  return agent.collectorUrls.length > 0 ? [...agent.collectorUrls] : [agent.collectorUrl];
}
