/**
 * Checks of the targets the agent's probes reach: ping and TCP hosts, HTTP URLs, DNS queries and
 * servers, systemd unit names. Ping hands its host to the system `ping` binary and systemd its units
 * to `systemctl`, so only plain hostnames, IP literals and unit names pass, and nothing may start
 * with `-`. Each probe's `target` labels must be unique.
 */
import { isIP } from 'node:net';
import type { AgentConfig } from './agentConfigSchema.js';
import type { AgentConfigIssue } from './agentConfigIssue.js';
import { explainInvalidTargetHost } from './targetHost.js';

const UNIT_NAME = /^(?!-)[A-Za-z0-9:_.@\\-]{1,255}\.(service|socket|timer|mount|automount|target|path|swap|slice|scope|device)$/;

/** An IP literal, `ipv4:port` or `[ipv6]:port`, as c-ares' setServers takes them. */
function isServerAddress(server: string): boolean {
  if (isIP(server) !== 0) return true;
  const v4 = /^([0-9.]+):(\d{1,5})$/.exec(server);
  if (v4 !== null) return isIP(v4[1]!) === 4 && Number(v4[2]) <= 65535;
  const v6 = /^\[([0-9A-Fa-f:.]+)\]:(\d{1,5})$/.exec(server);
  return v6 !== null && isIP(v6[1]!) === 6 && Number(v6[2]) <= 65535;
}

/** Problems of the agent's ping, TCP, HTTP, DNS and systemd targets, in config order. */
export function checkAgentTargets(agent: AgentConfig): AgentConfigIssue[] {
  return [
    ...checkHostTargets(agent.ping.targets, 'ping', (target) => target.name ?? target.host),
    ...checkHostTargets(agent.tcp.targets, 'tcp', (target) => target.name ?? `${target.host}:${target.port}`),
    ...checkHttpTargets(agent.http.targets),
    ...checkDnsTargets(agent.dns.targets),
    ...agent.systemd.units.flatMap((unit, index): AgentConfigIssue[] =>
      UNIT_NAME.test(unit)
        ? []
        : [{ code: 'TRIPLINE_AGENT_INVALID_TARGET', path: ['agent', 'systemd', 'units', index], message: `${JSON.stringify(unit)} is not a systemd unit name (e.g. nginx.service)` }],
    ),
  ];
}

/** Every host must pass `explainInvalidTargetHost`, and every target's label (`labelOf`) must be unique. */
function checkHostTargets<T extends { host: string }>(targets: readonly T[], kind: 'ping' | 'tcp', labelOf: (target: T) => string): AgentConfigIssue[] {
  const labels = new Set<string>();
  return targets.flatMap((target, index): AgentConfigIssue[] => {
    const path = ['agent', kind, 'targets', index];
    const reason = explainInvalidTargetHost(target.host);
    if (reason !== undefined) return [{ code: 'TRIPLINE_AGENT_INVALID_TARGET', path: [...path, 'host'], message: `${kind} target ${JSON.stringify(target.host)} ${reason}` }];
    const label = labelOf(target);
    if (labels.has(label)) return [{ code: 'TRIPLINE_AGENT_DUPLICATE_TARGET', path, message: `${kind} target "${label}" is configured twice; give one a distinct name` }];
    labels.add(label);
    return [];
  });
}

function checkHttpTargets(targets: AgentConfig['http']['targets']): AgentConfigIssue[] {
  const names = new Set<string>();
  return targets.flatMap((target, index): AgentConfigIssue[] => {
    const path = ['agent', 'http', 'targets', index];
    const urlProblem = explainUnusableUrl(target.url);
    const issues: AgentConfigIssue[] = urlProblem === undefined ? [] : [{ code: 'TRIPLINE_AGENT_INVALID_TARGET', path: [...path, 'url'], message: urlProblem }];
    if (names.has(target.name)) issues.push({ code: 'TRIPLINE_AGENT_DUPLICATE_TARGET', path, message: `http target "${target.name}" is configured twice` });
    names.add(target.name);
    return issues;
  });
}

/** Why the HTTP probe must not fetch `text`: not http(s), credentials in it, or a host that is not one. */
function explainUnusableUrl(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not a URL'; // not quoted: it may hold credentials, which cannot be told apart in what does not parse
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be http:// or https://';
  if (url.username !== '' || url.password !== '') return 'must not hold credentials';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const reason = explainInvalidTargetHost(host);
  return reason === undefined ? undefined : `host ${JSON.stringify(host)} ${reason}`;
}

function checkDnsTargets(targets: AgentConfig['dns']['targets']): AgentConfigIssue[] {
  return targets.flatMap((target, index): AgentConfigIssue[] => {
    const path = ['agent', 'dns', 'targets', index];
    const issues: AgentConfigIssue[] = [];
    const reason = explainInvalidTargetHost(target.query);
    if (reason !== undefined || isIP(target.query) !== 0) {
      issues.push({ code: 'TRIPLINE_AGENT_INVALID_TARGET', path: [...path, 'query'], message: `${JSON.stringify(target.query)} ${reason ?? 'is an address, not a name'}` });
    }
    if (target.server !== undefined && !isServerAddress(target.server)) {
      issues.push({ code: 'TRIPLINE_AGENT_INVALID_TARGET', path: [...path, 'server'], message: `${JSON.stringify(target.server)} is not an IP address (optionally ip:port or [ipv6]:port)` });
    }
    return issues;
  });
}
