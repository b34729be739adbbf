/**
 * systemd unit state through one `systemctl show` per cycle for all configured units (execFile, no
 * shell, `--` before the names). It spawns a process, so it runs only when `agent.systemd.units` is
 * configured. Unit names were checked with the config: systemd's own alphabet, and none may start
 * with `-`.
 */
import type { CheckResult, Observation } from '../../contract/report.js';
import { observation, type Probe } from './probe.js';

/** State of one unit as `systemctl show` prints it. */
export interface UnitState {
  unit: string;
  loadState: string;
  activeState: string;
  subState: string;
}

/** Parses `systemctl show -p Id,LoadState,ActiveState,SubState` output: blank-line separated blocks. */
export function parseSystemctlShow(text: string): UnitState[] {
  return text
    .split(/\n\s*\n/)
    .map((block) => Object.fromEntries(block.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])))
    .filter((fields) => fields.Id !== undefined)
    .map((fields) => ({ unit: fields.Id!, loadState: fields.LoadState ?? '', activeState: fields.ActiveState ?? '', subState: fields.SubState ?? '' }));
}

/** Runs systemctl; a fake in tests. */
export type SystemctlRunner = (args: string[]) => Promise<string>;

/** node:child_process is imported on the first run: an agent without systemd units never loads it. */
const runSystemctl: SystemctlRunner = async (args) => {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    execFile('systemctl', args, { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' }, timeout: 5000, maxBuffer: 256 * 1024 }, (error, stdout) => (error && stdout === '' ? reject(error) : resolve(stdout)));
  });
};

/** Creates the systemd probe for units checked when the config was loaded (config/checkAgentTargets.ts). */
export function createSystemdProbe({ units, run = runSystemctl }: { units: readonly string[]; run?: SystemctlRunner }): Probe {
  return {
    name: 'systemd',
    async collect(now) {
      const states = new Map(parseSystemctlShow(await run(['show', '--no-pager', '-p', 'Id,LoadState,ActiveState,SubState', '--', ...units])).map((s) => [s.unit, s]));
      const observations: Observation[] = [];
      const checks: CheckResult[] = [];
      for (const unit of units) {
        const state = states.get(unit);
        const active = state?.activeState === 'active';
        observations.push(observation('systemd_unit_active', active ? 1 : 0, { unit }, now));
        const output = state === undefined ? `${unit}: not reported by systemctl` : `${unit}: ${state.loadState} ${state.activeState} (${state.subState})`;
        checks.push({ name: `systemd:${unit}`, status: active ? 'ok' : state?.loadState === 'not-found' ? 'unknown' : 'critical', output, at: now.toISOString(), durationSeconds: 0 });
      }
      return { observations, checks };
    },
  };
}
