/**
 * What the collector warns about at start, as a pure function of its config so a test can read
 * the list: an API reachable beyond this machine without TLS (tokens and credentials would cross
 * the network in clear text), and a webhook desk without a secret (its requests go unsigned, so the
 * receiver cannot tell them from anyone else's).
 */
import type { Config } from '../config/configSchema.js';

/** One warning: a stable event name for the log and its text for people. */
export interface StartupWarning {
  event: 'listening-without-tls' | 'webhook-desk-unsigned';
  text: string;
}

/** Host names and addresses that only this machine can reach. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare) || bare === '::ffff:127.0.0.1';
}

export function startupWarnings(config: Pick<Config, 'collector' | 'desks'>): StartupWarning[] {
  const warnings: StartupWarning[] = [];
  const { host } = config.collector.listen;
  if (!isLoopback(host) && config.collector.tls === undefined) {
    warnings.push({
      event: 'listening-without-tls',
      text: `the collector listens on ${host}, beyond this machine, without TLS: API tokens, agent credentials and enrollment tokens cross the network in clear text; set collector.tls (certFile, keyFile) or listen on 127.0.0.1 behind a TLS proxy`,
    });
  }
  for (const desk of config.desks) {
    if (desk.type === 'webhook' && (desk.secret === undefined || desk.secret === '')) {
      warnings.push({
        event: 'webhook-desk-unsigned',
        text: `webhook desk ${desk.name} has no secret: its requests carry no X-Tripline-Signature, so the receiver cannot tell them from anyone else's; set its secret (env TRIPLINE_DESK_${desk.name.toUpperCase().replace(/-/g, '_')}_SECRET)`,
      });
    }
  }
  return warnings;
}
