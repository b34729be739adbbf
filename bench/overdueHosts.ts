/**
 * `node dist/bench/overdueHosts.js [--hosts N]`: what one pass of the missed-report watcher costs the
 * collector's event loop in the SQLite store (Store.overdueHosts, every `collector.evaluationInterval`),
 * with N hosts (50,000 by default) that each reported once with an inventory, every 15 s, spread
 * over the last 15 s. Printed, each as the median and the longest of 20 passes: a healthy fleet (no
 * host due), a 150th and a 15th of the fleet due (the first slice of 500, as the watcher reads it),
 * from the writable store (which keeps each host's due time in memory and reads only the due hosts'
 * rows), and from a read-only store on the same file as the peer (which reads every host row, as
 * the writable one did before); then the first pass of a writable store just opened (it reads every
 * host's due time once). Figures only; nothing is asserted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openSqliteStore } from '../collector/store/sqlite/sqliteStore.js';
import type { ReportRecord, Store } from '../collector/store/store.js';

const { values } = parseArgs({ options: { hosts: { type: 'string', default: '50000' } } });
const HOSTS = Number(values.hosts);
const INTERVAL_S = 15;
const PASSES = 20;
const NOW = Date.UTC(2026, 11, 1, 12);

const inventory = { os: 'Debian GNU/Linux 12', kernel: '6.1.0-18-amd64', cpus: 8, memoryBytes: 16e9, disks: Array.from({ length: 6 }, (_, i) => ({ device: `sd${String.fromCharCode(97 + i)}`, bytes: 1e12 })) };

function hostReport(i: number): ReportRecord {
  const hostname = `host-${String(i).padStart(6, '0')}`;
  // Host i last reported (i mod 150) tenths of a second before NOW: at NOW + 0.1 s a 150th of the hosts is due, at NOW + 1 s a 15th.
  const receivedAtMs = NOW - (i % 150) * 100;
  return {
    agentId: `agent-${i}`, hostname, labels: { group: `g${i % 20}`, role: 'web' }, version: '1.0.0', intervalSeconds: INTERVAL_S,
    addresses: ['10.0.0.1', 'fe80::1'], inventory, sequence: 0, receivedAtMs,
    samples: [{ metric: 'memory_used_ratio', labels: { host: hostname, group: `g${i % 20}`, role: 'web' }, value: 0.5, atMs: receivedAtMs }], checks: [],
  };
}

function timed(store: Store, atMs: number): { medianMs: number; maxMs: number; hosts: number } {
  const times: number[] = [];
  let hosts = 0;
  for (let pass = 0; pass < PASSES; pass++) {
    const started = performance.now();
    hosts = store.overdueHosts(atMs, { limit: 500 }).length;
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[Math.floor(PASSES / 2)]!, maxMs: times.at(-1)!, hosts };
}

const directory = mkdtempSync(join(tmpdir(), 'tripline-bench-overdue-'));
try {
  const file = join(directory, 'tripline.db');
  const store = openSqliteStore({ file });
  for (let from = 0; from < HOSTS; from += 1000) {
    store.transaction((tx) => {
      for (let i = from; i < Math.min(HOSTS, from + 1000); i++) tx.insertReport(hostReport(i));
    });
  }
  const peer = openSqliteStore({ file, readOnly: true });
  console.log(`Tripline overdue-hosts benchmark: ${HOSTS} hosts with inventories, ${PASSES} passes each (median, longest)`);
  const line = (what: string, { medianMs, maxMs, hosts }: ReturnType<typeof timed>) =>
    console.log(`${what.padEnd(58)} ${medianMs.toFixed(1).padStart(7)} ms  ${maxMs.toFixed(1).padStart(7)} ms  (${hosts} hosts returned)`);
  const cases = [['healthy fleet (none due)', NOW], ['a 150th due (the first slice of 500)', NOW + 100], ['a 15th due (the first slice of 500)', NOW + 1000]] as const;
  for (const [what, atMs] of cases) {
    const kept = timed(store, atMs);
    const every = timed(peer, atMs);
    line(`${what}: due times kept`, kept);
    line(`${what}: every row (read-only peer)`, every);
    console.log(`  kept / every row: ${(kept.medianMs / every.medianMs).toFixed(2)}x`);
  }
  store.close();
  const reopened = openSqliteStore({ file });
  const started = performance.now();
  reopened.overdueHosts(NOW, { limit: 500 });
  console.log(`first pass after opening (reads every host's due time)     ${(performance.now() - started).toFixed(1).padStart(7)} ms`);
  reopened.close();
  peer.close();
} finally {
  rmSync(directory, { recursive: true, force: true });
}
