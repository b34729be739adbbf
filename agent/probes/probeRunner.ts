/**
 * Runs a set of probes isolated from each other: a probe that throws or outlives its timeout
 * becomes check `probe:<name>` with status `unknown` and never delays or spoils the others. A probe
 * still running from an earlier cycle is not started again (a stuck probe must not pile up calls);
 * it is reported unknown until it settles.
 *
 * Probes that read only `/proc` and `/sys` answer synchronously and cost no promise and no timer;
 * those that wait (statfs, sockets, processes) run concurrently, bounded by one timer per distinct
 * timeout.
 */
import type { Logger } from 'pino';
import type { CheckResult, Observation } from '../../contract/report.js';
import { isoTimestamp, type Probe, type ProbeResult } from './probe.js';

/** Everything one run of all probes produced. */
export interface ProbeRunOutcome {
  observations: Observation[];
  checks: CheckResult[];
}

/** Runs its probes once per call. */
export interface ProbeRunner {
  run(now: Date): Promise<ProbeRunOutcome>;
  /**
   * `run`, answering synchronously when every probe did (the default set on a host with local
   * filesystems): the report cycle then builds its report without a promise.
   */
  start(now: Date): ProbeRunOutcome | Promise<ProbeRunOutcome>;
}

/** Dependencies of a probe runner. */
export interface ProbeRunnerOptions {
  probes: readonly Probe[];
  /** Timeout of probes that do not declare their own. */
  defaultTimeoutSeconds: number;
  log: Logger;
}

type Settled = { status: 'ok'; result: ProbeResult } | { status: 'failed'; output: string };

/** Whether a probe (or a run) answered with a promise rather than synchronously. */
export function isPromiseLike<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** The check name that carries a probe's own health. */
export function probeCheckName(probe: Pick<Probe, 'name'>): string {
  return `probe:${probe.name}`;
}

/** Creates a runner over a fixed set of probes. */
export function createProbeRunner({ probes, defaultTimeoutSeconds, log }: ProbeRunnerOptions): ProbeRunner {
  const inFlight = new Set<Probe>();
  /** Each probe's check name, made once rather than per cycle. */
  const checkNames = new Map<Probe, string>();
  for (let i = 0; i < probes.length; i++) checkNames.set(probes[i]!, probeCheckName(probes[i]!));
  /** "n observations", by n: the same few texts every cycle. */
  const healthOutputs = new Map<number, string>();
  function healthOutput(count: number): string {
    let text = healthOutputs.get(count);
    if (text === undefined) {
      text = `${count} observation${count === 1 ? '' : 's'}`;
      // Bounded: a probe whose count changes all the time must not grow this without end.
      if (healthOutputs.size >= 256) healthOutputs.clear();
      healthOutputs.set(count, text);
    }
    return text;
  }

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

  function failed(output: string): Settled {
    return { status: 'failed', output };
  }

  function failure(probe: Probe, error: unknown): Settled {
    log.warn({ probe: probe.name, err: error }, 'probe failed');
    return failed(`failed: ${error instanceof Error ? error.message : String(error)}`);
  }

  /** Waits for a probe's promise, bounded by its timeout; the probe counts as running until it settles. */
  function settleAsync(probe: Probe, pending: Promise<ProbeResult>, expired: (timeoutSeconds: number) => Promise<void>): Promise<Settled> {
    const timeoutSeconds = probe.timeoutSeconds ?? defaultTimeoutSeconds;
    inFlight.add(probe);
    const settled = pending
      .then(
        (result): Settled => ({ status: 'ok', result }),
        (error: unknown) => failure(probe, error),
      )
      .finally(() => inFlight.delete(probe));
    const timedOut = expired(timeoutSeconds).then((): Settled => {
      log.warn({ probe: probe.name, timeoutSeconds }, 'probe timed out');
      return failed(`did not finish within ${timeoutSeconds}s`);
    });
    return Promise.race([settled, timedOut]);
  }

  function outcomeOf(probe: Probe, settled: Settled, at: string, durationSeconds: number): ProbeRunOutcome {
    const name = checkNames.get(probe) ?? probeCheckName(probe);
    if (settled.status === 'failed') {
      return { observations: [], checks: [{ name, status: 'unknown', output: settled.output, at, durationSeconds }] };
    }
    const { observations, checks } = settled.result;
    const health: CheckResult = { name, status: 'ok', output: healthOutput(observations.length), at, durationSeconds };
    return { observations, checks: checks === undefined || checks.length === 0 ? [health] : checks.concat(health) };
  }

  /**
   * Starts one probe. A synchronous answer (or throw) is settled on the spot, with no promise and
   * no timer: a read of `/proc` cannot be interrupted anyway. A promise is raced with the deadline.
   */
  /**
   * performance.now() when the last probe started by `start` returned: the next one's start, so that
   * a run of probes reads the clock once per probe rather than twice.
   */
  let returnedAt = 0;

  /** Starts `probe` at `started` (performance.now()); sets `returnedAt`. */
  function start(probe: Probe, now: Date, at: string, expired: (timeoutSeconds: number) => Promise<void>, started: number): ProbeRunOutcome | Promise<ProbeRunOutcome> {
    returnedAt = started;
    if (inFlight.has(probe)) {
      log.warn({ probe: probe.name }, 'probe skipped: previous run still in progress');
      return outcomeOf(probe, failed('the previous run has not finished yet'), at, 0);
    }
    let answer: ProbeResult | Promise<ProbeResult>;
    try {
      answer = probe.collect(now);
    } catch (error) {
      const settled = failure(probe, error);
      returnedAt = performance.now();
      return outcomeOf(probe, settled, at, (returnedAt - started) / 1000);
    }
    returnedAt = performance.now();
    if (!isPromiseLike(answer)) return outcomeOf(probe, { status: 'ok', result: answer }, at, (returnedAt - started) / 1000);
    return settleAsync(probe, Promise.resolve(answer), expired).then((settled) => outcomeOf(probe, settled, at, (performance.now() - started) / 1000));
  }

  /** Every probe's observations and checks, in probe order. */
  function merged(outcomes: readonly ProbeRunOutcome[]): ProbeRunOutcome {
    // Indexed loops: the interpreter-only agent (cli/agentMain.ts) allocates an iterator result
    // per element of a for-of, a hundred garbage objects per cycle here.
    // Sized first and filled by index: pushing a hundred elements grows (and copies) the array four times.
    let observationCount = 0;
    let checkCount = 0;
    for (let i = 0; i < outcomes.length; i++) {
      observationCount += outcomes[i]!.observations.length;
      checkCount += outcomes[i]!.checks.length;
    }
    const observations = new Array<Observation>(observationCount);
    const checks = new Array<CheckResult>(checkCount);
    let o = 0;
    let c = 0;
    for (let i = 0; i < outcomes.length; i++) {
      const outcome = outcomes[i]!;
      for (let j = 0; j < outcome.observations.length; j++) observations[o++] = outcome.observations[j]!;
      for (let j = 0; j < outcome.checks.length; j++) checks[c++] = outcome.checks[j]!;
    }
    return { observations, checks };
  }

  function startAll(now: Date): ProbeRunOutcome | Promise<ProbeRunOutcome> {
    const at = isoTimestamp(now);
    // Made on the first probe that waits: a run of synchronous probes sets no timer.
    let timers: ReturnType<typeof deadlines> | undefined;
    const expired = (timeoutSeconds: number) => (timers ??= deadlines()).expired(timeoutSeconds);
    const outcomes = new Array<ProbeRunOutcome | Promise<ProbeRunOutcome>>(probes.length);
    let waits = false;
    try {
      let started = performance.now();
      for (let i = 0; i < probes.length; i++) {
        const outcome = start(probes[i]!, now, at, expired, started);
        started = returnedAt;
        outcomes[i] = outcome;
        if (!waits && isPromiseLike(outcome)) waits = true;
      }
    } catch (error) {
      timers?.clear();
      throw error;
    }
    if (!waits) return merged(outcomes as ProbeRunOutcome[]);
    // Only the asynchronous probes are waited for (filesystems on network mounts, sockets, processes).
    return Promise.all(outcomes)
      .finally(() => timers?.clear())
      .then(merged);
  }

  return {
    async run(now) {
      return startAll(now);
    },
    start: startAll,
  };
}
