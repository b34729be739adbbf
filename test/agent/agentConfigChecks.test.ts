/**
 * The agent section's checks beyond its schema run when the config is loaded: each problem comes
 * with its file, line and column like any other config error, every problem at once, with a stable
 * code; what passes is only converted by the agent (durations to seconds, CA files read).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveAgentSettings } from '../../agent/lifecycle/agentSettings.js';
import type { AgentSection } from '../../config/configSchema.js';
import { loadConfig } from '../../config/loadConfig.js';
import { agentConfigIssues, loadPatchedAgentConfig } from './agentConfigFile.js';

const MISSING = '/nonexistent/tripline-ca.pem';

describe('agent config checks', () => {
  // Each row: a change to the default agent section, and the issue loading it reports.
  it.each<[string, (agent: AgentSection) => void, { code: string; path: string; message: string | RegExp }]>([
    // The report interval must be at least a second.
    ['interval', (a) => void (a.interval = '500ms'), { code: 'TRIPLINE_AGENT_INVALID_DURATION', path: 'agent.interval', message: '"500ms" is outside 1s..86400s' }],
    // An upload may take at most ten minutes.
    ['sendTimeout', (a) => void (a.sendTimeout = '11m'), { code: 'TRIPLINE_AGENT_INVALID_DURATION', path: 'agent.sendTimeout', message: '"11m" is outside 0.001s..600s' }],
    // The ping timeout is per packet: at most a minute.
    ['ping.timeout', (a) => void (a.ping.timeout = '2m'), { code: 'TRIPLINE_AGENT_INVALID_DURATION', path: 'agent.ping.timeout', message: '"2m" is outside 0.001s..60s' }],
    // A TCP connect timeout too.
    ['tcp timeout', (a) => void (a.tcp.targets = [{ host: 'db', port: 5432, timeout: '90s' }]), { code: 'TRIPLINE_AGENT_INVALID_DURATION', path: 'agent.tcp.targets[0].timeout', message: '"90s" is outside 0.001s..60s' }],
    // Inventory runs at most every minute.
    ['inventory.interval', (a) => void (a.inventory.interval = '30s'), { code: 'TRIPLINE_AGENT_INVALID_DURATION', path: 'agent.inventory.interval', message: '"30s" is outside 60s..604800s' }],
    // A plugin's interval has the report interval's range.
    ['plugin interval', (a) => void (a.plugins = [{ name: 'p', command: '/bin/true', args: [], interval: '2d', timeout: '10s' }]), { code: 'TRIPLINE_AGENT_INVALID_DURATION', path: 'agent.plugins[0].interval', message: '"2d" is outside 1s..86400s' }],
    // The collector URL must parse.
    ['collectorUrl', (a) => void (a.collectorUrl = 'collector:9470'), { code: 'TRIPLINE_AGENT_INVALID_URL', path: 'agent.collectorUrl', message: 'must be http:// or https://, not collector:' }],
    // And be a URL at all.
    ['collectorUrl text', (a) => void (a.collectorUrl = 'not a url'), { code: 'TRIPLINE_AGENT_INVALID_URL', path: 'agent.collectorUrl', message: 'is not a URL' }],
    // The collector's CA bundle must be readable.
    ['caFile', (a) => void (a.caFile = MISSING), { code: 'TRIPLINE_AGENT_INVALID_CA', path: 'agent.caFile', message: `cannot read ${MISSING}: ENOENT` }],
    // So must an HTTP check's.
    ['http caFile', (a) => void (a.http.targets = [{ name: 'web', url: 'https://example.com/', timeout: '5s', expectStatus: [], caFile: MISSING }]), { code: 'TRIPLINE_AGENT_INVALID_CA', path: 'agent.http.targets[0].caFile', message: `cannot read ${MISSING}: ENOENT` }],
    // Two HTTP checks may not share a name (their series would collide).
    ['http duplicate', (a) => void (a.http.targets = [1, 2].map(() => ({ name: 'web', url: 'https://example.com/', timeout: '5s', expectStatus: [] }))), { code: 'TRIPLINE_AGENT_DUPLICATE_TARGET', path: 'agent.http.targets[1]', message: 'http target "web" is configured twice' }],
    // A DNS server is an address, optionally with a port.
    ['dns server', (a) => void (a.dns.targets = [{ name: 'x', query: 'ok.example', type: 'A', timeout: '1s', server: '192.0.2.1:99999' }]), { code: 'TRIPLINE_AGENT_INVALID_TARGET', path: 'agent.dns.targets[0].server', message: /not an IP address/ }],
    // The disk exclusion must be a regular expression.
    ['disks.excludeDevices', (a) => void (a.disks.excludeDevices = '(sd'), { code: 'TRIPLINE_AGENT_INVALID_PATTERN', path: 'agent.disks.excludeDevices', message: /Unterminated group/ }],
  ])('refuses %s', (_name, patch, expected) => {
    const issues = agentConfigIssues(patch);
    expect(issues).toHaveLength(1);
    const message = typeof expected.message === 'string' ? expected.message : expect.stringMatching(expected.message);
    expect(issues[0]).toMatchObject({ ...expected, message, file: expect.stringMatching(/tripline\.yaml$/), line: expect.any(Number), column: expect.any(Number) });
  });

  it('reports each problem at its line and column, every one at once', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tripline-agent-config-')), 'tripline.yaml');
    writeFileSync(
      file,
      ['agent:', '  interval: 0s', '  ping:', '    targets:', '      - host: gw.example', '      - host: "-f"', '  systemd:', '    units: [nginx.service, "x;reboot"]', ''].join('\n'),
    );
    expect(() => loadConfig(file, {})).toThrow(
      [
        `${file}:2:13: agent.interval: "0s" is outside 1s..86400s`,
        `${file}:6:15: agent.ping.targets[1].host: ping target "-f" starts with "-", which ping would read as an option`,
        `${file}:8:28: agent.systemd.units[1]: "x;reboot" is not a systemd unit name (e.g. nginx.service)`,
      ].join('\n'),
    );
  });

  it('accepts the defaults', () => {
    expect(agentConfigIssues(() => {})).toEqual([]);
  });
});

describe('resolveAgentSettings', () => {
  it('converts a checked section: durations to seconds, the device pattern compiled, CA files read', () => {
    const ca = join(mkdtempSync(join(tmpdir(), 'tripline-ca-')), 'ca.pem');
    writeFileSync(ca, 'PEM');
    const { config } = loadPatchedAgentConfig((a) => {
      a.interval = '30s';
      a.caFile = ca;
      a.tcp.targets = [{ name: 'db', host: 'db.example', port: 5432, timeout: '1500ms' }];
      a.http.targets = [{ name: 'web', url: 'https://example.com/', timeout: '5s', expectStatus: [200], caFile: ca }];
      a.dns.targets = [{ name: 'x', query: 'ok.example', type: 'AAAA', timeout: '2s' }];
      a.plugins = [{ name: 'p', command: '/bin/true', args: ['-w', '1'], interval: '2m', timeout: '20s' }];
      a.inventory.schedule = '17 3 * * *';
    });
    const settings = resolveAgentSettings(config.agent);
    expect(settings).toMatchObject({
      intervalSeconds: 30,
      sendTimeoutSeconds: 10,
      probeTimeoutSeconds: 10, // half the interval, at most 10 s
      pingIntervalSeconds: 30,
      pingTimeoutSeconds: 2,
      tcpTargets: [{ name: 'db', host: 'db.example', port: 5432, timeoutSeconds: 1.5 }],
      httpTargets: [{ name: 'web', url: 'https://example.com/', timeoutSeconds: 5, expectStatus: [200], ca: Buffer.from('PEM') }],
      dnsTargets: [{ name: 'x', query: 'ok.example', type: 'AAAA', timeoutSeconds: 2 }],
      ca: Buffer.from('PEM'),
      plugins: [{ name: 'p', command: '/bin/true', args: ['-w', '1'], intervalSeconds: 120, timeoutSeconds: 20 }],
      inventoryIntervalSeconds: 3600,
      inventoryCron: '17 3 * * *',
    });
    expect(settings.excludeDevices.test('sda1')).toBe(true);
    expect(settings.excludeDevices.test('sda')).toBe(false);
  });
});
