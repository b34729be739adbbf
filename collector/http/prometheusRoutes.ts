/**
 * A Prometheus-compatible read API under /prometheus/api/v1/, so Grafana's Prometheus data source
 * can plot Tripline's history with no Prometheus server: `query_range`, `query`, `series`,
 * `labels` and `label/<name>/values`, GET or POST (form-encoded, as Grafana sends them), for plain
 * selectors (`metric{label="x"}`). Anything beyond a plain selector answers 400 in Prometheus's
 * error shape (`{status: "error", errorType: "bad_data", error}`); Grafana's connection test
 * (`1+1`) is answered as the constant it is. `/prometheus/federate` answers the newest sample of
 * every series in the text format, so an existing Prometheus can federate from Tripline.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { COLLECTOR_SERIES } from '../../contract/collectorSeries.js';
import { METRIC_CATALOGUE } from '../../contract/metricCatalogue.js';
import { parseDurationMs } from '../../config/duration.js';
import type { Clock } from '../clock.js';
import type { Operations } from '../operations/createOperations.js';
import { MAX_HISTORY_SPAN_MS } from '../operations/historyOperations.js';
import { parsePlainSelector, UnsupportedQueryError, type PlainSelector } from './prometheusSelector.js';

const PREFIX = '/prometheus/api/v1';
/** Prometheus's own cap on the points of one series in a range query. */
const MAX_POINTS = 11_000;
/** How far back an instant query looks for a sample, as Prometheus's default lookback delta. */
const LOOKBACK_MS = 300_000;

class BadData extends Error {}

type Params = Record<string, string | string[] | undefined>;

export function registerPrometheusRoutes(app: FastifyInstance, operations: Operations, clock: Clock): void {
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
      const params: Params = {};
      for (const [key, value] of new URLSearchParams(body as string)) {
        const before = params[key];
        params[key] = before === undefined ? value : [...(Array.isArray(before) ? before : [before]), value];
      }
      done(null, params);
    });
    const both = (path: string, handler: (params: Params, request: FastifyRequest) => unknown) => {
      const run = async (request: FastifyRequest, reply: FastifyReply) => {
        const params = { ...(request.query as Params), ...((request.body as Params | undefined) ?? {}) };
        try {
          return { status: 'success', data: handler(params, request) };
        } catch (error) {
          if (error instanceof BadData || error instanceof UnsupportedQueryError) return reply.code(400).send({ status: 'error', errorType: 'bad_data', error: error.message });
          throw error;
        }
      };
      scope.get(`${PREFIX}${path}`, { config: { access: 'viewer' }, schema: { hide: true } }, run);
      scope.post(`${PREFIX}${path}`, { config: { access: 'viewer' }, schema: { hide: true } }, run);
    };

    both('/query_range', (p) => {
      const query = one(p, 'query');
      const fromMs = time(one(p, 'start'), 'start');
      const toMs = time(one(p, 'end'), 'end');
      const stepMs = step(one(p, 'step'));
      if (toMs < fromMs) throw new BadData('invalid parameter "end": end timestamp must not be before start time');
      if (toMs - fromMs > MAX_HISTORY_SPAN_MS) throw new BadData(`invalid parameter "start": ranges longer than ${MAX_HISTORY_SPAN_MS / 86_400_000} days are not served`);
      if ((toMs - fromMs) / stepMs > MAX_POINTS) throw new BadData(`exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)`);
      const constant = constantOf(query);
      if (constant !== undefined) {
        const values: Array<[number, string]> = [];
        for (let t = fromMs; t <= toMs; t += stepMs) values.push([t / 1000, String(constant)]);
        return { resultType: 'matrix', result: [{ metric: {}, values }] };
      }
      const selector = parsePlainSelector(query);
      return {
        resultType: 'matrix',
        result: operations
          .readSeries({ ...selector, fromMs, toMs, stepMs })
          .filter((read) => read.points.length > 0)
          .map((read) => ({ metric: labelsOf(selector.metric, read.series.labels), values: read.points.map((point) => [point.atMs / 1000, String(point.value)]) })),
      };
    });

    both('/query', (p) => {
      const query = one(p, 'query');
      const atMs = p.time === undefined ? clock.nowMs() : time(one(p, 'time'), 'time');
      const constant = constantOf(query);
      if (constant !== undefined) return { resultType: 'scalar', result: [atMs / 1000, String(constant)] };
      const selector = parsePlainSelector(query);
      return {
        resultType: 'vector',
        result: operations.readSeries({ ...selector, fromMs: atMs - LOOKBACK_MS, toMs: atMs }).flatMap((read) => {
          const last = read.points.at(-1);
          return last === undefined ? [] : [{ metric: labelsOf(selector.metric, read.series.labels), value: [atMs / 1000, String(last.value)] }];
        }),
      };
    });

    both('/series', (p) => {
      const selectors = matches(p);
      if (selectors.length === 0) throw new BadData('no match[] parameter provided');
      return selectors.flatMap((s) => operations.findSeries(s).map((series) => labelsOf(s.metric, series.labels)));
    });

    both('/labels', (p) => {
      const selectors = matches(p);
      const names = new Set<string>(['__name__', 'host']);
      if (selectors.length === 0) for (const m of catalogueMetrics()) for (const label of m.labels) names.add(label);
      else for (const s of selectors) for (const series of operations.findSeries(s)) for (const label of Object.keys(series.labels)) names.add(label);
      return [...names].sort();
    });

    // Federation: the newest sample of every series (or of those of match[]), in the text format.
    scope.get('/prometheus/federate', { schema: { hide: true } }, async (request, reply) => {
      let selectors: PlainSelector[];
      try {
        selectors = matches(request.query as Params);
      } catch (error) {
        if (error instanceof UnsupportedQueryError) return reply.code(400).send({ status: 'error', errorType: 'bad_data', error: error.message });
        throw error;
      }
      const wanted = selectors.length > 0 ? selectors : catalogueMetrics().map((m) => ({ metric: m.name, matchers: [] }));
      const lines: string[] = [];
      for (const selector of wanted) {
        const latest = operations.latestSeriesValues(selector);
        if (latest.length === 0) continue;
        lines.push(`# TYPE ${selector.metric} untyped`);
        for (const value of latest) lines.push(`${selector.metric}${exposition(value.series.labels)} ${formatSample(value.value)} ${value.atMs}`);
      }
      return reply.type('text/plain; version=0.0.4; charset=utf-8').send(lines.length === 0 ? '' : `${lines.join('\n')}\n`);
    });

    scope.get<{ Params: { name: string } }>(`${PREFIX}/label/:name/values`, { schema: { hide: true } }, async (request, reply) => {
      try {
        const name = request.params.name;
        const selectors = matches(request.query as Params);
        if (name === '__name__') return { status: 'success', data: selectors.length > 0 ? [...new Set(selectors.map((s) => s.metric))].sort() : catalogueMetrics().map((m) => m.name).sort() };
        const scan = selectors.length > 0 ? selectors : catalogueMetrics().filter((m) => name === 'host' || m.labels.includes(name)).map((m) => ({ metric: m.name, matchers: [] }));
        const values = new Set<string>();
        if (name === 'host' && selectors.length === 0) for (const h of operations.listHosts()) values.add(h.hostname);
        else for (const s of scan) for (const series of operations.findSeries(s)) if (series.labels[name] !== undefined) values.add(series.labels[name]!);
        return { status: 'success', data: [...values].sort() };
      } catch (error) {
        if (error instanceof BadData || error instanceof UnsupportedQueryError) return reply.code(400).send({ status: 'error', errorType: 'bad_data', error: error.message });
        throw error;
      }
    });
  });
}

function one(params: Params, name: string): string {
  const value = params[name];
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text === '') throw new BadData(`invalid parameter "${name}": missing`);
  return text;
}

/** RFC 3339 or Unix seconds with a fraction, as Prometheus accepts. */
function time(text: string, name: string): number {
  const ms = /^-?[0-9]+(\.[0-9]+)?$/.test(text) ? Number(text) * 1000 : Date.parse(text);
  if (!Number.isFinite(ms)) throw new BadData(`invalid parameter "${name}": cannot parse "${text}" to a valid timestamp`);
  return Math.round(ms);
}

/** Seconds with a fraction, or a duration such as 15s or 1m. */
function step(text: string): number {
  let ms: number;
  if (/^[0-9]+(\.[0-9]+)?$/.test(text)) ms = Number(text) * 1000;
  else {
    try {
      ms = parseDurationMs(text);
    } catch {
      throw new BadData(`invalid parameter "step": cannot parse "${text}" to a valid duration`);
    }
  }
  if (!(ms > 0)) throw new BadData('zero or negative query resolution step widths are not accepted. Try a positive integer');
  return Math.max(1000, Math.round(ms));
}

/** The selectors of `match[]`. */
function matches(params: Params): PlainSelector[] {
  const value = params['match[]'];
  return (value === undefined ? [] : Array.isArray(value) ? value : [value]).map(parsePlainSelector);
}

/** `1`, `1+1`: a sum of numbers (Grafana's connection test), or undefined for anything else. */
function constantOf(query: string): number | undefined {
  if (!/^\s*[0-9]+(\.[0-9]+)?(\s*\+\s*[0-9]+(\.[0-9]+)?)*\s*$/.test(query)) return undefined;
  return query.split('+').reduce((sum, term) => sum + Number(term.trim()), 0);
}

/** `{a="x",b="y"}` with the text format's escapes; empty for no labels. */
function exposition(labels: Record<string, string>): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '';
  const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  return `{${keys.map((k) => `${k}="${escape(labels[k]!)}"`).join(',')}}`;
}

function formatSample(value: number): string {
  return Number.isNaN(value) ? 'NaN' : value === Infinity ? '+Inf' : value === -Infinity ? '-Inf' : String(value);
}

function labelsOf(metric: string, labels: Record<string, string>): Record<string, string> {
  return { __name__: metric, ...labels };
}

function catalogueMetrics(): Array<{ name: string; labels: readonly string[] }> {
  return [...Object.entries(METRIC_CATALOGUE), ...Object.entries(COLLECTOR_SERIES)].map(([name, m]) => ({ name, labels: m.labels }));
}
