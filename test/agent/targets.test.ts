/**
 * Target validation: ping hands the host to the system ping binary, so only plain hostnames and IP
 * literals pass, and an invalid target is refused when the config is loaded, with its file, line and
 * config path.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { AgentSection } from '../../config/configSchema.js';
import { loadConfig } from '../../config/loadConfig.js';
import { createAgent } from '../../agent/agent.js';
import { YamlValidationError } from '../../config/yamlSchemaLoader.js';
import { explainInvalidTargetHost } from '../../config/targetHost.js';
import { agentConfigIssues, loadPatchedAgentConfig } from './agentConfigFile.js';

describe('explainInvalidTargetHost', () => {
  it.each([
    ['-f', /starts with "-"/], // flood ping if passed through
    ['-c1000000', /starts with "-"/], // any option smuggled in
    ['--help', /starts with "-"/], // long option
    ['', /empty/], // nothing
    ['a b', /neither an IP/], // two arguments' worth
    ['$(x)', /neither an IP/], // shell substitution (no shell is used, but still refused)
    ['`id`', /neither an IP/], // backticks
    ['host;reboot', /neither an IP/], // command separator
    ['host\nother', /neither an IP/], // newline
    ['example.com/x', /neither an IP/], // a URL path
    ['host_name', /neither an IP/], // underscore is not a hostname character
    ['-host.example.com', /starts with "-"/], // leading dash in the first label
    ['host-.example.com', /neither an IP/], // label ending with "-"
    ['a..b', /neither an IP/], // empty label
    [`${'a'.repeat(64)}.com`, /neither an IP/], // label over 63 characters
    [`${'a.'.repeat(127)}ab`, /longer than 253/], // name over 253 characters
    ['256.1.1.1', /not a valid one/], // numeric but not an IPv4 address
    ['1.2.3', /not a valid one/], // inet_aton shorthand that ping would still accept
    ['12345', /not a valid one/], // a bare number is an IP to ping
  ])('refuses %j', (host, reason) => {
    expect(explainInvalidTargetHost(host)).toMatch(reason);
  });

  it.each([
    ['example.com'], // hostname
    ['db-1'], // single label
    ['example.com.'], // fully qualified with trailing dot
    ['xn--bcher-kva.example'], // punycode
    ['3com.net'], // label starting with a digit
    ['192.0.2.10'], // IPv4
    ['2001:db8::1'], // IPv6
    ['::1'], // IPv6 loopback
    ['fe80::1%eth0'], // IPv6 with zone
  ])('accepts %j', (host) => {
    expect(explainInvalidTargetHost(host)).toBeUndefined();
  });
});

describe('agent target validation when the config is loaded', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tripline-targets-'));
  const log = pino({ level: 'silent' });
  const agentWith = (patch: (agent: AgentSection) => void) => () => loadPatchedAgentConfig(patch);

  it('rejects an invalid ping target, naming it and its config path', () => {
    const create = agentWith((agent) => {
      agent.ping.targets = [{ host: 'gateway.example' }, { host: '-f' }];
    });
    expect(create).toThrow(YamlValidationError);
    expect(create).toThrow('agent.ping.targets[1].host: ping target "-f" starts with "-"');
  });

  it('rejects an invalid TCP target host', () => {
    const create = agentWith((agent) => {
      agent.tcp.targets = [{ host: 'db $(x)', port: 5432, timeout: '1s' }];
    });
    expect(create).toThrow('agent.tcp.targets[0].host: tcp target "db $(x)"');
  });

  it('rejects two targets with the same label', () => {
    const issues = agentConfigIssues((agent) => {
      agent.ping.targets = [{ name: 'gw', host: '192.0.2.1' }, { name: 'gw', host: '192.0.2.2' }];
    });
    expect(issues).toContainEqual(expect.objectContaining({ code: 'TRIPLINE_AGENT_DUPLICATE_TARGET' }));
  });

  it.each([
    ['interval', (agent: AgentSection) => void (agent.interval = '0s'), 'agent.interval'],
    ['ping interval', (agent: AgentSection) => void (agent.ping.interval = '0ms'), 'agent.ping.interval'],
    ['collector URL', (agent: AgentSection) => void (agent.collectorUrl = 'ftp://x'), 'agent.collectorUrl'],
  ])('rejects an unusable %s', (_name, patch, path) => {
    expect(agentConfigIssues(patch)).toContainEqual(expect.objectContaining({ path }));
  });

  it('accepts valid targets', () => {
    const create = agentWith((agent) => {
      agent.ping.targets = [{ name: 'gw', host: '192.0.2.1' }, { host: 'example.com' }];
      agent.tcp.targets = [{ host: 'localhost', port: 22, timeout: '1s' }];
    });
    expect(create).not.toThrow();
    expect(() => createAgent({ config: create().config.agent, dataDir, log, version: 'test' })).not.toThrow();
  });
});
