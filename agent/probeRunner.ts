/**
 * Runs a set of probes concurrently and isolated from each other: a probe that throws or outlives
 * its timeout becomes check `probe:<name>` with status `unknown` and never delays or spoils the
 * others. A probe still running from an earlier cycle is not started again (a stuck probe must not
 * pile up calls); it is reported unknown until it settles.
 */
import type { Logger } from 'pino';
import type { CheckResult, Observation } from '../contract/report.js';
import type { Probe, ProbeResult } from './probe.js';

/** Everything one run of all probes produced. */
export interface ProbeRunOutcome {
  observations: Observation[];
  checks: CheckResult[];
}

/** Runs its probes once per call. */
export interface ProbeRunner {
  run(now: Date): Promise<ProbeRunOutcome>;
}

/** Dependencies of a probe runner. */
export interface ProbeRunnerOptions {
  probes: readonly Probe[];
  /** Timeout of probes that do not declare their own. */
  defaultTimeoutSeconds: number;
  log: Logger;
}

type Settled = { status: 'ok'; result: ProbeResult } | { status: 'failed'; output: string };

/** The check name that carries a probe's own health. */
export function probeCheckName(probe: Pick<Probe, 'name'>): string {
  return `probe:${probe.name}`;
}

/** Creates a runner over a fixed set of probes. */
export function createProbeRunner({ probes, defaultTimeoutSeconds, log }: ProbeRunnerOptions): ProbeRunner {
  const inFlight = new Set<Probe>();

  /**
   * One timer per distinct timeout per run, shared by the probes that have it (usually all of
   * them), instead of one timer and one promise per probe.
   */
  function deadlines(): { expired(timeoutSeconds: number): Promise<void>; clear(): void } {
    const timers: NodeJS.Timeout[] = [];
    const bySeconds = new Map<number, Promise<void>>();
    return {
      expired(timeoutSeconds) {
        let expiry = bySeconds.get(timeoutSeconds);
        if (expiry === undefined) {
          expiry = new Promise<void>((resolve) => timers.push(setTimeout(resolve, timeoutSeconds * 1000)));
          bySeconds.set(timeoutSeconds, expiry);
        }
        return expiry;
      },
      clear() {
        for (const timer of timers) clearTimeout(timer);
      },
    };
  }

  async function runOne(probe: Probe, now: Date, expired: (timeoutSeconds: number) => Promise<void>): Promise<Settled> {
    if (inFlight.has(probe)) {
      log.warn({ probe: probe.name }, 'probe skipped: previous run still in progress');
      return { status: 'failed', output: 'the previous run has not finished yet' };
    }
    const timeoutSeconds = probe.timeoutSeconds ?? defaultTimeoutSeconds;
    inFlight.add(probe);
    const settled = Promise.resolve()
      .then(() => probe.collect(now))
      .then(
        (result): Settled => ({ status: 'ok', result }),
        (error: unknown): Settled => {
          log.warn({ probe: probe.name, err: error }, 'probe failed');
          return { status: 'failed', output: `failed: ${error instanceof Error ? error.message : String(error)}` };
        },
      )
      .finally(() => inFlight.delete(probe));
    const timedOut = expired(timeoutSeconds).then((): Settled => {
      log.warn({ probe: probe.name, timeoutSeconds }, 'probe timed out');
      return { status: 'failed', output: `did not finish within ${timeoutSeconds}s` };
    });
    return Promise.race([settled, timedOut]);
  }

  async function runTimed(probe: Probe, now: Date, at: string, expired: (timeoutSeconds: number) => Promise<void>): Promise<ProbeRunOutcome> {
    const started = performance.now();
    const outcome = await runOne(probe, now, expired);
    const durationSeconds = (performance.now() - started) / 1000;
    if (outcome.status === 'failed') {
      return { observations: [], checks: [{ name: probeCheckName(probe), status: 'unknown', output: outcome.output, at, durationSeconds }] };
    }
    const { observations, checks = [] } = outcome.result;
    const health: CheckResult = { name: probeCheckName(probe), status: 'ok', output: `${observations.length} observation${observations.length === 1 ? '' : 's'}`, at, durationSeconds };
    return { observations, checks: [...checks, health] };
  }

  return {
    async run(now) {
      const at = now.toISOString();
      const timers = deadlines();
      let outcomes: ProbeRunOutcome[];
      try {
        outcomes = await Promise.all(probes.map((probe) => runTimed(probe, now, at, timers.expired)));
      } finally {
        timers.clear();
      }
      return { observations: outcomes.flatMap((o) => o.observations), checks: outcomes.flatMap((o) => o.checks) };
    },
  };
}
