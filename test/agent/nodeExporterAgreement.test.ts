/**
 * The agent's values agree with Debian's prometheus-node-exporter on the same machine at the same
 * moment: memory available, filesystem used bytes, load averages and interface byte counters.
 * node_exporter is spawned on loopback (never as a system service) and scraped once while the agent
 * collects. Tolerances are stated per row: the machine is shared and busy, so values that move
 * between two reads a few milliseconds apart (memory, disk usage, traffic) get a small allowance;
 * values both read from the same kernel field must otherwise be identical.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../../agent/agent.js';
import type { Report } from '../../contract/report.js';
import { loadConfig } from '../../config/loadConfig.js';
import { freePort, waitFor } from '../support/processes.js';

const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';
const MiB = 1024 * 1024;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format's sample lines (enough for node_exporter's output). */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (match === null) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!.replace(/\\(.)/g, '$1');
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

describe.skipIf(!existsSync(NODE_EXPORTER))('agreement with node_exporter', () => {
  let exporter: ChildProcess;
  let samples: Sample[];
  let report: Report;

  beforeAll(async () => {
    const port = await freePort();
    exporter = spawn(NODE_EXPORTER, [`--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
    const scrape = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    await waitFor('node_exporter to answer', async () => (await scrape()).length > 0, 15_000);
    const { config } = loadConfig(undefined, {});
    config.agent.ping.gateway = false;
    const agent = createAgent({ config: config.agent, dataDir: mkdtempSync(join(tmpdir(), 'tripline-agree-')), log: pino({ level: 'silent' }), version: 'test' });
    // Both read at the same moment.
    const [text, collected] = await Promise.all([scrape(), agent.collectOnce()]);
    await agent.stop();
    samples = parseExposition(text);
    report = collected;
  }, 30_000);

  afterAll(() => {
    exporter?.kill('SIGTERM');
  });

  const exporterValue = (name: string, labels: Record<string, string> = {}) =>
    samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
  const agentValue = (metric: string, labels: Record<string, string> = {}) =>
    report.observations.find((o) => o.metric === metric && Object.entries(labels).every(([k, v]) => o.labels[k] === v))?.value;

  it('memory available: within 2% of total memory or 64 MiB (it moves between the two reads)', () => {
    const total = exporterValue('node_memory_MemTotal_bytes')!;
    expect(agentValue('memory_total_bytes')).toBe(total);
    const tolerance = Math.max(64 * MiB, 0.02 * total);
    expect(Math.abs(agentValue('memory_available_bytes')! - exporterValue('node_memory_MemAvailable_bytes')!)).toBeLessThanOrEqual(tolerance);
  });

  it('load 1/5/15: equal unless the kernel updated them between the reads (every 5 s): within 0.5, 0.2, 0.1', () => {
    expect(Math.abs(agentValue('load1')! - exporterValue('node_load1')!)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(agentValue('load5')! - exporterValue('node_load5')!)).toBeLessThanOrEqual(0.2);
    expect(Math.abs(agentValue('load15')! - exporterValue('node_load15')!)).toBeLessThanOrEqual(0.1);
  });

  it('filesystem used bytes (size - free) per mount both report: within 1% of size or 64 MiB', () => {
    const mounts = report.observations.filter((o) => o.metric === 'filesystem_used_bytes').map((o) => o.labels.mount!);
    const compared = mounts.filter((mount) => exporterValue('node_filesystem_size_bytes', { mountpoint: mount }) !== undefined);
    expect(compared.length).toBeGreaterThan(0);
    for (const mount of compared) {
      const size = exporterValue('node_filesystem_size_bytes', { mountpoint: mount })!;
      const used = size - exporterValue('node_filesystem_free_bytes', { mountpoint: mount })!;
      expect(agentValue('filesystem_size_bytes', { mount }), `size of ${mount}`).toBe(size);
      expect(Math.abs(agentValue('filesystem_used_bytes', { mount })! - used), `used bytes of ${mount}`).toBeLessThanOrEqual(Math.max(64 * MiB, 0.01 * size));
    }
  });

  it('interface byte counters: within 1 MiB (traffic between the reads)', () => {
    const interfaces = report.observations.filter((o) => o.metric === 'network_receive_bytes_total').map((o) => o.labels.interface!);
    expect(interfaces.length).toBeGreaterThan(0);
    for (const device of interfaces) {
      for (const direction of ['receive', 'transmit'] as const) {
        const theirs = exporterValue(`node_network_${direction}_bytes_total`, { device });
        expect(theirs, `node_exporter reports ${device}`).toBeDefined();
        expect(Math.abs(agentValue(`network_${direction}_bytes_total`, { interface: device })! - theirs!), `${direction} bytes of ${device}`).toBeLessThanOrEqual(MiB);
      }
    }
  });
});
