/**
 * The default rule pack as a whole: its rule tests pass, every rule has a test that fires it and one
 * that does not, it leaves filesystem selection to the agent's one list of exclusions, its
 * inhibitions hold, and it covers the metric catalogue: every catalogued series is watched by a
 * default rule or is listed below with why not. The README states the resulting figure and lists
 * every rule, so this test keeps both in step.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rulesTestCommand } from '../../cli/commands/rulesTestCommand.js';
import { COLLECTOR_SERIES } from '../../contract/collectorSeries.js';
import { METRIC_CATALOGUE } from '../../contract/metricCatalogue.js';
import { DEFAULT_RULES_DIR, loadRuleFiles, loadRuleTestFile } from '../../rules/index.js';

const rules = loadRuleFiles([DEFAULT_RULES_DIR]);
const testDir = join(DEFAULT_RULES_DIR, 'tests');
const testFiles = readdirSync(testDir)
  .filter((name) => name.endsWith('.yaml'))
  .map((name) => join(testDir, name));
const readme = readFileSync(join(DEFAULT_RULES_DIR, '..', '..', 'README.md'), 'utf8');

/**
 * Catalogue series no default rule watches, and why. `through` names the series whose rule watches
 * their problem (a ratio made of them, the rate of a counter); without it, no threshold fits every
 * host.
 */
const WITHOUT_RULE: ReadonlyArray<{ metrics: readonly string[]; through?: string; why: string }> = [
  // the parts of a ratio a rule watches
  { metrics: ['memory_total_bytes', 'memory_available_bytes', 'memory_used_bytes'], through: 'memory_used_ratio', why: 'memory_usage_high watches the ratio they make' },
  { metrics: ['swap_total_bytes', 'swap_used_bytes'], through: 'swap_used_ratio', why: 'swap_usage_high watches the ratio they make' },
  { metrics: ['file_descriptors_allocated', 'file_descriptors_maximum'], through: 'file_descriptors_used_ratio', why: 'file_handles_low watches the ratio they make' },
  { metrics: ['filesystem_size_bytes', 'filesystem_used_bytes', 'filesystem_avail_bytes'], through: 'filesystem_used_ratio', why: 'the space and prediction rules watch the ratio they make, as df computes it' },
  { metrics: ['filesystem_inodes', 'filesystem_inodes_used'], through: 'filesystem_inodes_used_ratio', why: 'filesystem_inodes_low watches the ratio they make' },
  { metrics: ['md_disks_required', 'md_disks_active'], through: 'md_degraded', why: 'md_raid_degraded watches md_degraded: fewer active than required' },
  // the same fact, watched in a better form
  { metrics: ['load1', 'load5', 'load15'], through: 'load1_per_core', why: 'raw load does not compare across hosts of different sizes; load_high watches it per core' },
  { metrics: ['uptime_seconds', 'boot_time_seconds'], through: 'reboot_detected', why: 'host_rebooted watches the kernel boot id, which is exact; boot time moves when the clock is stepped' },
  { metrics: ['temperature_celsius'], through: 'temperature_headroom_celsius', why: "a temperature means nothing without the sensor's own mark; temperature_critical watches the headroom below it" },
  { metrics: ['http_status_code'], through: 'http_up', why: "http_down watches http_up, which applies the check's expected statuses" },
  // counters: the rules watch the per-second rate beside each
  {
    metrics: ['network_receive_errors_total', 'network_transmit_errors_total', 'network_receive_drops_total', 'network_transmit_drops_total'],
    through: 'network_receive_errors_per_second',
    why: 'counters; the error and drop rules watch the per-second rates beside them',
  },
  // no fault of its own
  {
    metrics: ['network_receive_bytes_total', 'network_transmit_bytes_total', 'network_receive_packets_total', 'network_transmit_packets_total'],
    why: 'traffic counters: workload, not a fault',
  },
  {
    metrics: ['network_receive_bytes_per_second', 'network_transmit_bytes_per_second', 'network_receive_packets_per_second', 'network_transmit_packets_per_second'],
    why: "traffic is workload; without the link's capacity a number says nothing about saturation",
  },
  {
    metrics: ['disk_reads_per_second', 'disk_writes_per_second', 'disk_read_bytes_per_second', 'disk_written_bytes_per_second', 'disk_read_bytes_total', 'disk_written_bytes_total', 'disk_io_time_seconds_total'],
    why: 'disk workload; what hurts shows as latency and utilisation, which rules watch',
  },
  { metrics: ['cpu_iowait_ratio'], why: 'idle time while I/O is outstanding: it falls as CPUs get busier and names no disk; the disk latency and utilisation rules watch the cause' },
  { metrics: ['swap_out_pages_per_second'], why: 'pushing idle pages out is the kernel doing its job; reading them back is what hurts (swap_in_storm)' },
  { metrics: ['ping_rtt_seconds', 'ping_jitter_seconds', 'tcp_connect_seconds', 'dns_lookup_seconds'], why: 'round trips depend on the path (loopback or another continent): no default fits every target; write one per target' },
  { metrics: ['plugin_perfdata_value'], why: 'the plugin judges its perfdata against its own -w/-c thresholds; nagios_plugin_* watch its verdict' },
  {
    metrics: ['agent_event_loop_delay_max_seconds', 'agent_cpu_seconds_total', 'agent_resident_memory_bytes'],
    why: "the agent's own footprint, for dashboards and bench:agent; a host in trouble shows in its own rules",
  },
];

const catalogueLabels: Record<string, readonly string[]> = Object.fromEntries(
  Object.entries({ ...METRIC_CATALOGUE, ...COLLECTOR_SERIES }).map(([name, definition]) => [name, definition.labels]),
);
const catalogue = Object.keys(catalogueLabels);
const watched = new Set(rules.map((rule) => rule.metric));
const listed = WITHOUT_RULE.flatMap((entry) => entry.metrics);

describe('the default rule pack', () => {
  it('passes its rule tests', () => {
    let text = '';
    const out = { write: (chunk: string) => ((text += chunk), true) } as unknown as NodeJS.WritableStream;
    expect(rulesTestCommand(testFiles, out), text).toBe(0);
    expect(text).toMatch(/^\d+ passed, 0 failed$/m);
  });

  it('has, for every rule, a test where it fires and one where it sees its series and does not', () => {
    const fires = new Set<string>();
    const quiet = new Set<string>();
    for (const file of testFiles) {
      for (const test of loadRuleTestFile(file).tests) {
        const metrics = new Set(test.series.map((series) => series.metric));
        for (const expectation of test.expect) {
          for (const alert of expectation.firing) fires.add(alert.rule);
          for (const rule of rules) {
            const inScope = expectation.rule === undefined || expectation.rule === rule.name;
            if (inScope && metrics.has(rule.metric) && !expectation.firing.some((alert) => alert.rule === rule.name)) quiet.add(rule.name);
          }
        }
      }
    }
    expect(rules.filter((rule) => !fires.has(rule.name)).map((rule) => rule.name)).toEqual([]);
    expect(rules.filter((rule) => !quiet.has(rule.name)).map((rule) => rule.name)).toEqual([]);
  });

  it('leaves the choice of filesystems to the agent: no rule on a filesystem series narrows it by type or mount', () => {
    const narrowing = rules.filter((rule) => rule.metric.startsWith('filesystem_') && rule.matchers.some((m) => m.label === 'fstype' || m.label === 'mount'));
    expect(narrowing.map((rule) => rule.name)).toEqual([]);
  });

  it('inhibits only on the same host, on labels the series of both rules carry', () => {
    const byName = new Map(rules.map((rule) => [rule.name, rule] as const));
    const labelsOf = (metric: string): readonly string[] => ['host', ...(catalogueLabels[metric] ?? [])];
    for (const rule of rules) {
      for (const inhibition of rule.inhibits ?? []) {
        expect(inhibition.equal, rule.name).toContain('host');
        for (const target of inhibition.rules) {
          for (const label of inhibition.equal) {
            expect(labelsOf(rule.metric), `${rule.name}: ${label}`).toContain(label);
            expect(labelsOf(byName.get(target)!.metric), `${target}: ${label}`).toContain(label);
          }
        }
      }
    }
  });

  it('watches every catalogued series, or says why not', () => {
    expect(catalogue.filter((metric) => !watched.has(metric) && !listed.includes(metric))).toEqual([]);
    expect(listed.filter((metric) => watched.has(metric) || !catalogue.includes(metric))).toEqual([]);
    expect(new Set(listed).size).toBe(listed.length);
    for (const entry of WITHOUT_RULE) if (entry.through !== undefined) expect(watched.has(entry.through), entry.through).toBe(true);
  });

  it('is stated in the README: the coverage figure, every series without a rule, and every rule', () => {
    const through = WITHOUT_RULE.filter((entry) => entry.through !== undefined).flatMap((entry) => entry.metrics).length;
    const figure = `${watched.size} of the ${catalogue.length} catalogued series have a default rule; ${through} of the other ${listed.length} are watched through a rule on another (the parts of a ratio, the counter beside a rate), and ${listed.length - through} have no fault of their own`;
    expect(readme).toContain(figure);
    for (const metric of listed) expect(readme).toContain(`\`${metric}\``);
    for (const rule of rules) expect(readme).toMatch(new RegExp(`^\\| \`${rule.name}\` \\|`, 'm'));
  });
});
