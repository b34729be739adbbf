/**
 * The Tripline agent: runs the probes every interval, turns what they observed into a Report with a
 * persisted sequence number, and hands it to the sender, which delivers it to the collector.
 *
 * Wiring only: what is observed lives in `probes/` (isolation in `probes/probeRunner.ts`), delivery
 * and retry in `transport/reportSender.ts`, identity and sequence in `lifecycle/agentState.ts`,
 * scheduling in `lifecycle/ticker.ts`, the agent's own health in `self/`.
 */
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { AgentIdentity, CheckResult, Observation, Report } from '../contract/report.js';
import type { AgentConfig } from '../config/configSchema.js';
import { collectorUrlsOf } from '../config/collectorUrls.js';
import { createAgentProbes } from './probes/agentProbes.js';
import { resolveAgentSettings } from './lifecycle/agentSettings.js';
import { openAgentState, type AgentState } from './lifecycle/agentState.js';
import { createDiskReportQueue } from './transport/diskReportQueue.js';
import { createProbeRunner, isPromiseLike, type ProbeRunOutcome } from './probes/probeRunner.js';
import type { Pinger } from './probes/pingProbe.js';
import type { SystemctlRunner } from './probes/systemdProbe.js';
import type { InventoryDocument } from './inventory/inventoryWorker.js';
import { createProcReader, type ProcReader } from './procfs/procReader.js';
import { AgentEnrollmentError } from './lifecycle/agentEnrollmentError.js';
import { cachedHostAddressing, type HostAddressing } from './report/hostAddressing.js';
import { createInventorySchedule } from './inventory/inventorySchedule.js';
import { createLoopDelaySampler } from './self/loopDelaySampler.js';
import { createSelfMeter } from './self/selfMeter.js';
import { createResidentMemory } from './self/residentMemory.js';
import { createPluginScheduler } from './plugins/pluginScheduler.js';
import { buildReport, seriesOf, type ReportSeries, type SeriesSet } from './report/reportBuilder.js';
import { createReportSender } from './transport/reportSender.js';
import { proxyRouteFor } from './transport/proxyRoute.js';
import { createTicker } from './lifecycle/ticker.js';
import type { TimerScheduler } from './lifecycle/timerScheduler.js';

/** Sequence numbers persisted at once: one state fsync per this many reports; a crash leaves a gap of at most this. */
const SEQUENCE_LEASE = 64;

const NO_INVENTORY: { observations: Observation[]; inventory?: Report['inventory'] } = { observations: [] };
/**
 * Series sets the agent holds at most: enough for the series of a few probes on their own schedules
 * taking turns (ping, plugins), few enough that a report that matches none is compared with little.
 */
const MAX_SERIES_SETS_HELD = 4;

/** An empty list to concatenate where a source gave nothing. */
const NONE: readonly never[] = [];

/** A report as collected, and its JSON when the builder serialised it already (`compact`: as values against the agent's series set). */
interface Collected {
  report: Report;
  json?: string;
  compact?: boolean;
}

/** What a report is assembled from. */
interface Gathered {
  cycle: ProbeRunOutcome;
  ping: ProbeRunOutcome | undefined;
  pluginResults: { observations: Observation[]; checks: CheckResult[] } | undefined;
  addressing: HostAddressing;
  slow: { observations: Observation[]; inventory?: Report['inventory'] };
}

/** What an agent is built from. */
export interface AgentOptions {
  config: AgentConfig;
  /** The Tripline data directory; the agent keeps its state and spool in `<dataDir>/agent/`. */
  dataDir: string;
  log: Logger;
  /** Tripline version, reported in the agent identity. */
  version: string;
  /** Where `/proc` is read from; the real `/proc` by default. */
  proc?: ProcReader;
  /** Where `/sys` is read from; the real `/sys` by default. */
  sys?: ProcReader;
  /** Runs the system ping; the `ping` package by default. */
  pinger?: Pinger;
  /** Runs systemctl; the real one by default. */
  systemctl?: SystemctlRunner;
  /** Collects inventory and SMART; the systeminformation child process by default. */
  inventory?: () => Promise<InventoryDocument>;
  /** Wall clock of observations and reports. */
  clock?: () => Date;
  /** The environment the collector's proxy is read from, as curl reads it (`proxyRoute.ts`); no proxy without it. */
  env?: NodeJS.ProcessEnv;
  /** Monotonic milliseconds of the report and ping tickers and the event-loop delay; performance.now by default. */
  monotonicMs?: () => number;
  /** Timers of the report and ping tickers; node's by default. */
  timers?: TimerScheduler;
  /**
   * Called once when the collector refused enrolment ENROLL_REFUSALS_BEFORE_GIVING_UP times in a row
   * (one attempt per report cycle), with the collector's reason. The programs stop the agent and
   * exit 78 (EX_CONFIG), so systemd shows the failure instead of a healthy agent that sends nothing.
   */
  onEnrollmentRefused?: (reason: string) => void;
}

/** Refusals of enrolment (a 4xx other than 429) tolerated, one per report cycle, before the agent gives up. */
export const ENROLL_REFUSALS_BEFORE_GIVING_UP = 3;

/** A running (or runnable) agent. */
export interface Agent {
  /** Loads state, then reports now and every interval, and pings on its own interval. */
  start(): Promise<void>;
  /**
   * Stops scheduling, waits (bounded) for a cycle and an upload in flight, closes connections and
   * persists state. Reports not yet acknowledged stay in the on-disk spool for the next start.
   */
  stop(): Promise<void>;
  /**
   * Builds the next report (reserving its sequence number) without queueing it. Before `start`,
   * ping targets are measured on the spot; once started, the latest ping results are included once.
   */
  collectOnce(): Promise<Report>;
}

/**
 * Creates an agent from a config that `loadConfig` checked (config/checkAgentConfig.ts refuses an
 * invalid target, an out-of-range duration or a non-http collector URL with its file and line).
 */
export function createAgent(options: AgentOptions): Agent {
  const { config, dataDir, version } = options;
  const log = options.log.child({ component: 'agent' });
  const clock = options.clock ?? (() => new Date());
  const settings = resolveAgentSettings(config);
  /** The readers the agent made itself, whose kept-open files it closes when it stops. */
  const ownReaders: { close(): void }[] = [];
  const own = <R extends ProcReader & { close(): void }>(reader: R): R => {
    ownReaders.push(reader);
    return reader;
  };
  const proc = options.proc ?? own(createProcReader());
  const probes = createAgentProbes({
    config,
    settings,
    proc,
    sys: options.sys ?? own(createProcReader({ root: '/sys' })),
    stateDir: join(dataDir, 'agent'),
    log,
    pinger: options.pinger,
    systemctl: options.systemctl,
  });
  const hostAddressing = cachedHostAddressing(proc);
  const cycleRunner = createProbeRunner({ probes: probes.cycle, defaultTimeoutSeconds: settings.probeTimeoutSeconds, log });
  const pingRunner = probes.ping.length > 0 ? createProbeRunner({ probes: probes.ping, defaultTimeoutSeconds: settings.probeTimeoutSeconds, log }) : undefined;
  const { monotonicMs, timers } = options;
  const loopDelay = createLoopDelaySampler({ nowMs: monotonicMs });
  const plugins =
    settings.plugins.length > 0
      ? createPluginScheduler({ plugins: settings.plugins, concurrency: config.pluginConcurrency, log: log.child({ component: 'plugins' }), clock })
      : undefined;
  const ca = settings.ca;
  const collectorUrls = collectorUrlsOf(config);
  const proxyFor = (url: URL) => proxyRouteFor(url, options.env ?? {});
  for (const url of collectorUrls) {
    const proxy = proxyFor(new URL(url));
    if (proxy) log.info({ proxy: proxy.display, variable: proxy.variable, collector: new URL(url).origin }, 'agent reaches the collector through a proxy');
  }
  const sender = createReportSender({
    collectorUrls,
    token: config.token,
    ...(ca ? { ca } : {}),
    timeoutSeconds: settings.sendTimeoutSeconds,
    gzipAboveBytes: config.gzipAboveBytes,
    proxyFor,
    queue: createDiskReportQueue({ directory: join(dataDir, 'agent', 'spool'), rejectedDirectory: join(dataDir, 'agent', 'rejected'), maxReports: settings.spoolMaxReports, maxBytes: settings.spoolMaxBytes }),
    log: options.log.child({ component: 'reportSender' }),
    onSeriesSet,
  });
  // The agent's own size through its kept-open /proc reader; with a reader given (a test's fixture), process.memoryUsage.
  const selfMeter = createSelfMeter({ loopDelay, dropped: () => sender.dropped(), rssBytes: createResidentMemory(options.proc === undefined ? proc : undefined) });
  const reportTicker = createTicker({ name: 'report', intervalSeconds: settings.intervalSeconds, onTick: reportCycle, log, monotonicMs, timers });
  const pingTicker =
    pingRunner &&
    createTicker({
      name: 'ping',
      intervalSeconds: settings.pingIntervalSeconds,
      onTick: async (lateMs) => {
        loopDelay.late(lateMs);
        latestPing = await pingRunner.run(clock());
      },
      log,
      monotonicMs,
      timers,
    });
  const inventory = config.inventory.enabled
    ? createInventorySchedule({ run: options.inventory ?? runInventoryWorker, intervalSeconds: settings.inventoryIntervalSeconds, cron: settings.inventoryCron, timeZone: settings.timeZone, log })
    : undefined;
  let statePromise: Promise<AgentState> | undefined;
  /** The state once loaded, for the cycle's synchronous path. */
  let loadedState: AgentState | undefined;
  /** Whether debug lines are logged: the cycle's debug line is not even built otherwise. */
  const debugging = log.isLevelEnabled('debug');
  const deliveryFailed = (error: unknown) => log.error({ err: error }, 'report delivery failed');
  /** False until a token is configured, or a credential is loaded or obtained by enrollment. */
  let authorized = config.token !== undefined;
  let enrollmentRefused = false;
  let refusals = 0;
  let latestPing: ProbeRunOutcome | undefined;
  let phase: 'idle' | 'running' | 'stopped' = 'idle';
  /**
   * The series sets the collector named, the most recent first, which reports of the same series are
   * written against (several: see ReportParts.seriesSets); kept in memory only, so a restarted agent
   * (a new config included) starts with full reports.
   */
  let seriesSets: readonly SeriesSet[] = [];
  /**
   * The last report that may be answered with a set: its observations when it asked, whose series
   * are worked out only when the answer names a set, or a compact report's series (the set's).
   */
  let askedSequence = -1;
  let askedObservations: readonly Observation[] | undefined;
  let askedSeries: ReportSeries | undefined;

  /**
   * The sender's news of a set: named for the report of `sequence` (adopted if it is the last one
   * that asked: an earlier one's series may have changed since), or to be forgotten, with every other
   * set held (the collector that does not keep one, restarted or another, keeps none of them).
   */
  function onSeriesSet(sequence: number, id: string | undefined): void {
    if (id === undefined) seriesSets = [];
    else if (sequence === askedSequence && seriesSets[0]?.id !== id) {
      const series = askedSeries ?? (askedObservations && seriesOf(askedObservations));
      if (series !== undefined) seriesSets = [{ id, series }, ...seriesSets.filter((held) => held.id !== id)].slice(0, MAX_SERIES_SETS_HELD);
    }
  }

  function state(): Promise<AgentState> {
    statePromise ??= openAgentState({ dataDir, leaseSize: SEQUENCE_LEASE }).then(
      (opened) => (loadedState = opened),
      (error: unknown) => {
        statePromise = undefined;
        throw error;
      },
    );
    return statePromise;
  }

  /** Saves the state if it was ever loaded (every reservation has persisted it already). */
  async function persistState(): Promise<void> {
    if (statePromise !== undefined) await (await statePromise).save();
  }

  /** The identity of the last report, reused while its parts are the same (the addressing is cached for a minute). */
  let lastIdentity: { id: string; hostname: string; addressing: HostAddressing; value: AgentIdentity } | undefined;

  /** The host's name as last read, and the addressing it was read with. */
  let hostnameRead: { addressing: HostAddressing; hostname: string } | undefined;

  /**
   * The configured hostname, else the system's, read again when the addressing is (once a minute,
   * cachedHostAddressing) rather than with a uname(2) and node:os's wrapper every cycle.
   */
  function hostnameNow(addressing: HostAddressing | undefined): string {
    if (config.hostname !== undefined) return config.hostname;
    if (addressing === undefined) return osHostname();
    if (hostnameRead?.addressing !== addressing) hostnameRead = { addressing, hostname: osHostname() };
    return hostnameRead.hostname;
  }

  function identity(agentState: AgentState, addressing?: HostAddressing): AgentIdentity {
    const id = config.id ?? agentState.agentId;
    const hostname = hostnameNow(addressing);
    if (addressing !== undefined && lastIdentity !== undefined && lastIdentity.addressing === addressing && lastIdentity.hostname === hostname && lastIdentity.id === id) {
      return lastIdentity.value;
    }
    const value = identityOf(id, hostname, addressing);
    if (addressing !== undefined) lastIdentity = { id, hostname, addressing, value };
    return value;
  }

  function identityOf(id: string, hostname: string, addressing: HostAddressing | undefined): AgentIdentity {
    const base: AgentIdentity = {
      id,
      hostname,
      version,
      intervalSeconds: settings.intervalSeconds,
      labels: { ...config.labels },
    };
    if (addressing === undefined) return base;
    return {
      ...base,
      ...(addressing.addresses.length > 0 ? { addresses: addressing.addresses } : {}),
      ...(addressing.defaultGateway === undefined ? {} : { defaultGateway: addressing.defaultGateway }),
    };
  }

  async function pingResults(now: Date): Promise<ProbeRunOutcome | undefined> {
    if (pingRunner === undefined) return undefined;
    if (phase !== 'running') return pingRunner.run(now);
    const taken = latestPing;
    latestPing = undefined;
    return taken;
  }

  async function collectOnce(): Promise<Report> {
    return (await collectSerialised()).report;
  }

  /** The next report, and its JSON when the builder serialised it already. */
  async function collectSerialised(): Promise<Collected> {
    const now = clock();
    const [agentState, cycle, ping, addressing, pluginResults, slow] = await Promise.all([
      state(),
      cycleRunner.run(now),
      pingResults(now),
      hostAddressing(),
      phase === 'running' ? plugins?.take() : plugins?.runAll(now),
      inventory?.take(now, phase !== 'running') ?? NO_INVENTORY,
    ]);
    return assemble(now, agentState, await agentState.reserveSequence(), { cycle, ping, pluginResults, addressing, slow });
  }

  /**
   * The report cycle's report: built synchronously when nothing it needs must be waited for (the
   * probes answered synchronously, the state is loaded and its lease covers the next number, no
   * inventory waits), which is the usual cycle; otherwise a promise, as `collectSerialised`.
   */
  function collectInCycle(): Collected | Promise<Collected> {
    const now = clock();
    const cycle = cycleRunner.start(now);
    const ping = latestPing;
    latestPing = undefined;
    const pluginResults = plugins?.take();
    const addressing = hostAddressing();
    if (loadedState !== undefined && !isPromiseLike(cycle) && !(inventory?.ready() ?? false)) {
      const sequence = loadedState.reserveSequenceNow();
      if (sequence !== undefined) return assemble(now, loadedState, sequence, { cycle, ping, pluginResults, addressing, slow: NO_INVENTORY });
    }
    return Promise.all([state(), cycle, inventory?.take(now, false) ?? NO_INVENTORY]).then(async ([agentState, ran, slow]) =>
      assemble(now, agentState, await agentState.reserveSequence(), { cycle: ran, ping, pluginResults, addressing, slow }),
    );
  }

  /** The report of `sequence` from what the cycle gathered. */
  function assemble(now: Date, agentState: AgentState, sequence: number, parts: Gathered): Collected {
    const { cycle, ping, pluginResults, addressing, slow } = parts;
    const built = buildReport({
      agent: identity(agentState, addressing),
      sequence,
      sentAt: clock(),
      // concat, not spreads: spreading iterates, and the interpreter allocates an object per element.
      observations: selfMeter.observe(now, phase === 'running').concat(cycle.observations, ping?.observations ?? NONE, pluginResults?.observations ?? NONE, slow.observations),
      checks: cycle.checks.concat(ping?.checks ?? NONE, pluginResults?.checks ?? NONE),
      seriesSets,
    });
    const { omittedObservations, invalidObservations, omittedChecks } = built;
    if (omittedObservations + invalidObservations + omittedChecks > 0) {
      log.warn({ sequence, omittedObservations, invalidObservations, omittedChecks }, 'report trimmed to fit the contract');
    }
    askedSequence = sequence;
    askedSeries = built.series;
    askedObservations = built.report.wantsSeriesSet === true ? built.report.observations : undefined;
    // The inventory goes in a full report (the compact JSON has none), which asks for the set as any other.
    if (slow.inventory !== undefined) return { report: { ...built.report, inventory: slow.inventory } };
    if (built.json === undefined) return { report: built.report };
    return built.compact ? { report: built.report, json: built.json, compact: true } : { report: built.report, json: built.json };
  }

  /** Loads the stored credential or enrols; reports wait in the spool until this succeeds. */
  async function ensureCredential(): Promise<void> {
    if (authorized || enrollmentRefused) return;
    // Only an agent without a configured token enrols: the others never load enrolment (node:https, node:tls).
    const { credentialFile, enrollAgent, loadCredential } = await import('./lifecycle/agentEnrollment.js');
    const file = credentialFile(dataDir);
    let credential = await loadCredential(file);
    if (credential === undefined && config.enrollmentToken !== undefined) {
      const agentState = await state();
      const { id, hostname } = identity(agentState);
      try {
        credential = await enrollAtAny(collectorUrls, (collectorUrl) => {
          const proxy = proxyFor(new URL(collectorUrl));
          return enrollAgent({ collectorUrl, enrollmentToken: config.enrollmentToken!, agentId: id, hostname, timeoutSeconds: settings.sendTimeoutSeconds, ...(ca ? { ca } : {}), ...(proxy ? { proxy } : {}) }, file);
        });
        log.info({ agentId: id }, 'agent enrolled; credential stored');
      } catch (error) {
        const refused = error instanceof AgentEnrollmentError && !error.retryable;
        refusals = refused ? refusals + 1 : 0;
        enrollmentRefused = refusals >= ENROLL_REFUSALS_BEFORE_GIVING_UP;
        const fields = { code: (error as AgentEnrollmentError).code, reason: (error as Error).message, refusals };
        if (enrollmentRefused) {
          log.error(fields, 'enrollment refused; giving up');
          options.onEnrollmentRefused?.((error as Error).message);
        } else log.warn(fields, refused ? 'enrollment refused; will retry' : 'enrollment failed; will retry');
        return;
      }
    }
    if (credential === undefined) return;
    sender.setToken(credential);
    authorized = true;
  }

  /**
   * Collects and delivers one report: straight to the collector when nothing waits in the spool,
   * and into the spool when the collector cannot take it (or the agent has no credential yet). The
   * event-loop delay is measured from this work and from how late it started (see
   * loopDelaySampler.ts). The usual cycle runs to the upload's write without a promise and returns
   * nothing; one that must wait (an asynchronous probe, a lease to persist, no credential yet)
   * returns a promise.
   */
  function reportCycle(lateMs: number): Promise<void> | void {
    loopDelay.late(lateMs);
    return loopDelay.busyWhile(runCycle);
  }

  function runCycle(): Promise<void> | void {
    const collected = collectInCycle();
    if (isPromiseLike(collected) || !authorized) return finishCycle(collected);
    deliver(collected);
  }

  async function finishCycle(collecting: Collected | Promise<Collected>): Promise<void> {
    const collected = await collecting;
    await ensureCredential();
    if (!authorized) {
      await sender.enqueue(collected.report);
      log.debug({ sequence: collected.report.sequence }, 'report spooled until the agent has a credential');
      return;
    }
    deliver(collected);
  }

  function deliver({ report, json, compact }: Collected): void {
    if (debugging) log.debug({ sequence: report.sequence, observations: report.observations.length, checks: report.checks.length, compact: compact === true }, 'report built');
    sender.deliver(report, json, compact).catch(deliveryFailed);
  }

  return {
    async start() {
      if (phase === 'stopped') throw new Error('this agent was stopped; create a new one to start again');
      if (phase === 'running') return;
      const agentState = await state();
      phase = 'running';
      pingTicker?.start();
      plugins?.start();
      inventory?.start();
      reportTicker.start();
      const { id, hostname } = identity(agentState);
      log.info({ agentId: id, hostname, intervalSeconds: settings.intervalSeconds, pingTargets: config.ping.targets.length, gatewayPing: config.ping.gateway, tcpTargets: settings.tcpTargets.length }, 'agent started');
    },
    async stop() {
      if (phase !== 'running') {
        phase = 'stopped';
        await sender.close();
        for (const reader of ownReaders) reader.close();
        await persistState();
        return;
      }
      phase = 'stopped';
      void pingTicker?.stop();
      void plugins?.stop();
      void inventory?.stop();
      const boundSeconds = settings.probeTimeoutSeconds + settings.sendTimeoutSeconds + 1;
      const drained = await settlesWithin(
        reportTicker.stop().then(() => sender.idle()),
        boundSeconds,
      );
      await sender.close();
      for (const reader of ownReaders) reader.close();
      await persistState();
      log.info({ drained, unsentReports: await sender.pending() }, 'agent stopped');
    },
    collectOnce,
  };
}

/** The inventory child process (systeminformation), loaded on the first inventory run. */
async function runInventoryWorker(): Promise<InventoryDocument> {
  return (await import('./inventory/collectInventory.js')).collectInventory();
}

/** True when `promise` settled within `seconds`; it is not cancelled otherwise. */
async function settlesWithin(promise: Promise<unknown>, seconds: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), seconds * 1000);
  });
  const settled = promise.then(
    () => true,
    () => true,
  );
  try {
    return await Promise.race([settled, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Enrols at the first collector that answers: one that cannot be reached (a retryable failure) passes to the next. */
async function enrollAtAny(collectorUrls: readonly string[], enrol: (collectorUrl: string) => Promise<string>): Promise<string> {
  for (const [index, collectorUrl] of collectorUrls.entries()) {
    try {
      return await enrol(collectorUrl);
    } catch (error) {
      const last = index === collectorUrls.length - 1;
      if (last || !(error instanceof AgentEnrollmentError) || !error.retryable) throw error;
    }
  }
  throw new Error('no collector URL to enrol at');
}
