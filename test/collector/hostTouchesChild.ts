/**
 * The process the host touches crash test kills: opens the SQLite file given as its first argument
 * and stores, for as many rounds as its third, one report a transaction for each of hosts h0..h4
 * (sequences from 1, receive times 15 s apart from the time given as its second), then says "idle"
 * and waits to be killed. What the reports write to their hosts' rows is held in memory
 * (hostTouches.ts) for a few seconds, so a SIGKILL now leaves the rows behind the reports.
 */
import { openSqliteStore } from '../../collector/store/sqlite/sqliteStore.js';

const store = openSqliteStore({ file: process.argv[2]! });
const t0 = Number(process.argv[3]);
const rounds = Number(process.argv[4]);
for (let sequence = 1; sequence <= rounds; sequence++) {
  for (let host = 0; host < 5; host++) {
    const hostname = `h${host}`;
    const receivedAtMs = t0 + sequence * 15_000 + host;
    store.transaction((tx) =>
      tx.insertReport({
        agentId: `agent-${hostname}`, hostname, labels: {}, version: 'test', intervalSeconds: 15, sequence, receivedAtMs, checks: [],
        samples: [{ metric: 'cpu_usage_ratio', labels: { host: hostname }, value: sequence / 1000, atMs: receivedAtMs }],
      }),
    );
  }
}
process.stdout.write('idle\n');
setInterval(() => {}, 60_000);
