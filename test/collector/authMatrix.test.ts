/**
 * The auth matrix: every route the collector serves (read from the running server, so a new route
 * cannot slip past) against every kind of credential, over loopback HTTP on a real collector with
 * its SQLite file. Two tables decide every expected status: ROUTES gives each route its access and
 * the status it answers a caller it admits (for the request made here), EXPECTED gives, per access,
 * what each credential gets. A served route missing from ROUTES, or a row for a route no longer
 * served, fails the test.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../collector/clock.js';
import { startCollector, type RunningCollector } from '../../collector/collector.js';
import { CSRF_HEADER, SESSION_COOKIE } from '../../collector/http/consoleSessions.js';
import { createTokenOperations } from '../../collector/operations/tokenOperations.js';
import { loadConfig } from '../../config/loadConfig.js';
import { REPORT_SCHEMA_VERSION, REPORTS_PATH, type Report } from '../../contract/report.js';

const AGENT_TOKEN = 'matrix-shared-agent-token-0123456789';
const ENROLLMENT_TOKEN = 'matrix-enrollment-token-0123456789';

/** Every kind of credential a caller can present. */
const KINDS = [
  'none',
  'wrong token',
  'shared agent token',
  'shared agent token claiming an enrolled id',
  'enrolled agent',
  'enrolled agent reporting another id',
  'enrolled agent reporting another hostname',
  'revoked agent',
  'enrollment token',
  'revoked API token',
  'viewer',
  'operator',
  'admin',
  'console session with CSRF header',
  'console session without CSRF header',
] as const;
type Kind = (typeof KINDS)[number];

/** Who may call a route: its declared access, the report and enroll routes' own credentials, or the session read. */
type Access = 'public' | 'report' | 'enroll' | 'session' | 'viewer' | 'operator' | 'admin';
/** `ok`: the route's admitted status; `ok-read`: admitted for GET and HEAD, 403 for a write (no CSRF header). */
type Expect = number | 'ok' | 'ok-read';

const bearerOutsiders = { none: 401, 'wrong token': 401, 'shared agent token': 401, 'shared agent token claiming an enrolled id': 401, 'enrolled agent': 401, 'enrolled agent reporting another id': 401, 'enrolled agent reporting another hostname': 401, 'revoked agent': 401, 'enrollment token': 401 } as const;
const role = (viewer: Expect, operator: Expect): Record<Kind, Expect> => ({
  ...bearerOutsiders,
  'revoked API token': 403,
  viewer,
  operator,
  admin: 'ok',
  // The console session signed in with the admin token.
  'console session with CSRF header': 'ok',
  'console session without CSRF header': 'ok-read',
});

const EXPECTED: Record<Access, Record<Kind, Expect>> = {
  public: Object.fromEntries(KINDS.map((k) => [k, 'ok'])) as Record<Kind, Expect>,
  report: {
    ...(Object.fromEntries(KINDS.map((k) => [k, 401])) as Record<Kind, Expect>),
    'shared agent token': 'ok',
    'shared agent token claiming an enrolled id': 403,
    'enrolled agent': 'ok',
    'enrolled agent reporting another id': 403,
    'enrolled agent reporting another hostname': 403,
    'revoked agent': 403,
  },
  enroll: { ...(Object.fromEntries(KINDS.map((k) => [k, 401])) as Record<Kind, Expect>), 'enrollment token': 'ok' },
  session: { ...(Object.fromEntries(KINDS.map((k) => [k, 401])) as Record<Kind, Expect>), 'console session with CSRF header': 'ok', 'console session without CSRF header': 'ok' },
  viewer: role('ok', 'ok'),
  operator: role(403, 'ok'),
  admin: role(403, 403),
};

let unique = 0;
const next = () => ++unique;

interface RouteRow {
  access: Access;
  /** The concrete path requested. */
  path: string;
  /** The JSON body sent, if any (made per request: some must be unique). */
  body?: (kind: Kind) => unknown;
  /** What an admitted caller gets for this request. */
  ok: number;
  /** The answer is a stream that stays open (server-sent events): its status and headers are read, then the request is aborted. */
  stream?: true;
  /** Puts the state the request needs in place before each call (as the admin, over the API). */
  prepare?: (asAdmin: (method: string, path: string, body: unknown) => Promise<void>) => Promise<void>;
}

const ids = { enrolled: 'agent-enrolled', enrolledHost: 'enrolled-host', revoked: 'agent-revoked', revokedHost: 'revoked-host' };

function report(id: string, hostname: string): Report {
  const at = new Date().toISOString();
  return { schemaVersion: REPORT_SCHEMA_VERSION, agent: { id, hostname, version: 'test', intervalSeconds: 15, labels: {} }, sequence: next(), sentAt: at, observations: [{ metric: 'memory_used_ratio', labels: {}, value: 0.4, at }], checks: [] };
}

/** The report each kind sends: its own identity, or the one it must not claim. */
function reportFor(kind: Kind): Report {
  switch (kind) {
    case 'shared agent token claiming an enrolled id':
      return report(ids.enrolled, ids.enrolledHost);
    case 'enrolled agent':
      return report(ids.enrolled, ids.enrolledHost);
    case 'enrolled agent reporting another id':
      return report('someone-else', ids.enrolledHost);
    case 'enrolled agent reporting another hostname':
      return report(ids.enrolled, 'victim-host');
    case 'revoked agent':
      return report(ids.revoked, ids.revokedHost);
    default:
      return report('shared-agent', 'shared-host');
  }
}

/** Every route, by `METHOD url` as the server registers it; HEAD routes use their GET row. */
const ROUTES: Record<string, RouteRow> = {
  'GET /healthz': { access: 'public', path: '/healthz', ok: 200 },
  'GET /readyz': { access: 'public', path: '/readyz', ok: 200 },
  'GET /metrics': { access: 'public', path: '/metrics', ok: 200 },
  'GET /': { access: 'public', path: '/', ok: 200 },
  'GET /*': { access: 'public', path: '/some/console/page', ok: 200 },
  'POST /api/v1/session': { access: 'public', path: '/api/v1/session', body: () => ({ token: 'not-a-token' }), ok: 401 },
  'GET /api/v1/session': { access: 'session', path: '/api/v1/session', ok: 200 },
  'DELETE /api/v1/session': { access: 'public', path: '/api/v1/session', ok: 200 },
  'POST /api/v1/reports': { access: 'report', path: REPORTS_PATH, body: reportFor, ok: 200 },
  'POST /api/v1/enroll': { access: 'enroll', path: '/api/v1/enroll', body: () => ({ agentId: `matrix-${next()}`, hostname: `matrix-${unique}` }), ok: 200 },
  'GET /api/v1/openapi.json': { access: 'viewer', path: '/api/v1/openapi.json', ok: 200 },
  'GET /api/v1/events': { access: 'viewer', path: '/api/v1/events', ok: 200, stream: true },
  'GET /api/v1/whoami': { access: 'viewer', path: '/api/v1/whoami', ok: 200 },
  'GET /api/v1/hosts': { access: 'viewer', path: '/api/v1/hosts', ok: 200 },
  'GET /api/v1/incidents': { access: 'viewer', path: '/api/v1/incidents', ok: 200 },
  'GET /api/v1/incidents/:id': { access: 'viewer', path: '/api/v1/incidents/999999', ok: 404 },
  'GET /api/v1/incidents/:id/explain': { access: 'viewer', path: '/api/v1/incidents/999999/explain', ok: 404 },
  'GET /api/v1/services': { access: 'viewer', path: '/api/v1/services', ok: 200 },
  'GET /api/v1/cluster': { access: 'viewer', path: '/api/v1/cluster', ok: 200 },
  'GET /api/v1/reports/services': { access: 'viewer', path: '/api/v1/reports/services?month=2026-01', ok: 200 },
  'GET /api/v1/services/:name': { access: 'viewer', path: '/api/v1/services/no-such-service', ok: 404 },
  'GET /api/v1/hosts/:host/series': { access: 'viewer', path: '/api/v1/hosts/shared-host/series?metric=memory_used_ratio', ok: 200 },
  'GET /api/v1/series': { access: 'viewer', path: '/api/v1/series?host=shared-host&metric=memory_used_ratio', ok: 200 },
  'GET /api/v1/hosts/:host/latest': { access: 'viewer', path: '/api/v1/hosts/shared-host/latest', ok: 200 },
  'GET /api/v1/fleet': { access: 'viewer', path: '/api/v1/fleet', ok: 200 },
  'GET /api/v1/fleet/trend': { access: 'viewer', path: '/api/v1/fleet/trend?hosts=shared-host&metric=memory_used_ratio', ok: 200 },
  'GET /api/v1/deliveries': { access: 'viewer', path: '/api/v1/deliveries', ok: 200 },
  'GET /api/v1/silences': { access: 'viewer', path: '/api/v1/silences', ok: 200 },
  'GET /api/v1/maintenance': { access: 'viewer', path: '/api/v1/maintenance', ok: 200 },
  'POST /api/v1/silences/preview': { access: 'viewer', path: '/api/v1/silences/preview', body: () => ({ matchers: ['host="x"'] }), ok: 200 },
  'GET /api/v1/rules': { access: 'viewer', path: '/api/v1/rules', ok: 200 },
  'POST /api/v1/rules/check': { access: 'viewer', path: '/api/v1/rules/check', body: () => ({ text: 'rules: []\n', since: '1h' }), ok: 200 },
  'GET /prometheus/api/v1/query_range': { access: 'viewer', path: '/prometheus/api/v1/query_range?query=memory_used_ratio&start=0&end=60&step=15', ok: 200 },
  'POST /prometheus/api/v1/query_range': { access: 'viewer', path: '/prometheus/api/v1/query_range?query=memory_used_ratio&start=0&end=60&step=15', ok: 200 },
  'GET /prometheus/api/v1/query': { access: 'viewer', path: '/prometheus/api/v1/query?query=memory_used_ratio', ok: 200 },
  'POST /prometheus/api/v1/query': { access: 'viewer', path: '/prometheus/api/v1/query?query=memory_used_ratio', ok: 200 },
  'GET /prometheus/api/v1/series': { access: 'viewer', path: '/prometheus/api/v1/series?match[]=memory_used_ratio', ok: 200 },
  'POST /prometheus/api/v1/series': { access: 'viewer', path: '/prometheus/api/v1/series?match[]=memory_used_ratio', ok: 200 },
  'GET /prometheus/api/v1/labels': { access: 'viewer', path: '/prometheus/api/v1/labels', ok: 200 },
  'POST /prometheus/api/v1/labels': { access: 'viewer', path: '/prometheus/api/v1/labels', ok: 200 },
  'GET /prometheus/api/v1/label/:name/values': { access: 'viewer', path: '/prometheus/api/v1/label/host/values', ok: 200 },
  'GET /prometheus/federate': { access: 'viewer', path: '/prometheus/federate', ok: 200 },
  'POST /api/v1/incidents/:id/acknowledge': { access: 'operator', path: '/api/v1/incidents/999999/acknowledge', body: () => ({}), ok: 404 },
  'POST /api/v1/incidents/:id/resolve': { access: 'operator', path: '/api/v1/incidents/999999/resolve', body: () => ({}), ok: 404 },
  'POST /api/v1/silences': { access: 'operator', path: '/api/v1/silences', body: () => ({ matchers: ['host="matrix"'], expiresAt: '2999-01-01T00:00:00Z' }), ok: 201 },
  'DELETE /api/v1/silences/:id': { access: 'operator', path: '/api/v1/silences/999999', ok: 404 },
  'POST /api/v1/maintenance': { access: 'operator', path: '/api/v1/maintenance', body: () => ({ cron: '0 2 * * 0', duration: '1h', host: 'matrix' }), ok: 201 },
  'DELETE /api/v1/maintenance/:id': { access: 'operator', path: '/api/v1/maintenance/999999', ok: 404 },
  'POST /api/v1/deliveries/:id/retry': { access: 'operator', path: '/api/v1/deliveries/999999/retry', ok: 404 },
  'POST /api/v1/intake/alertmanager': { access: 'operator', path: '/api/v1/intake/alertmanager', body: () => ({ version: '4', status: 'firing', alerts: [] }), ok: 200 },
  'GET /status': { access: 'public', path: '/status', ok: 200 },
  'GET /status.json': { access: 'public', path: '/status.json', ok: 200 },
  'GET /api/v1/status/notice': { access: 'viewer', path: '/api/v1/status/notice', ok: 200 },
  'PUT /api/v1/status/notice': { access: 'operator', path: '/api/v1/status/notice', body: () => ({ text: 'matrix notice' }), ok: 200 },
  // Clearing needs a notice to clear (409 without one): one is set before each call.
  'DELETE /api/v1/status/notice': { access: 'operator', path: '/api/v1/status/notice', ok: 200, prepare: (asAdmin) => asAdmin('PUT', '/api/v1/status/notice', { text: 'to clear' }) },
  'GET /api/v1/agents': { access: 'admin', path: '/api/v1/agents', ok: 200 },
  'POST /api/v1/agents/:id/revoke': { access: 'admin', path: '/api/v1/agents/no-such-agent/revoke', ok: 404 },
  'POST /api/v1/agents/:id/reset': { access: 'admin', path: '/api/v1/agents/no-such-agent/reset', ok: 404 },
  'POST /api/v1/hosts/:hostname/decommission': { access: 'admin', path: '/api/v1/hosts/no-such-host/decommission', ok: 404 },
  'GET /api/v1/tokens': { access: 'admin', path: '/api/v1/tokens', ok: 200 },
  'POST /api/v1/tokens': { access: 'admin', path: '/api/v1/tokens', body: () => ({ name: `matrix-${next()}`, role: 'viewer' }), ok: 201 },
  'POST /api/v1/tokens/:name/revoke': { access: 'admin', path: '/api/v1/tokens/no-such-token/revoke', ok: 404 },
  'GET /api/v1/audit': { access: 'admin', path: '/api/v1/audit', ok: 200 },
};

describe('auth matrix: every route x every credential', () => {
  let collector: RunningCollector;
  const secrets = { viewer: '', operator: '', admin: '', revoked: '', enrolled: '', revokedAgent: '' };

  const signIn = async (): Promise<{ cookie: string; csrf: string }> => {
    const response = await fetch(`${collector.url}/api/v1/session`, { method: 'POST', body: JSON.stringify({ token: secrets.admin }), headers: { 'content-type': 'application/json' } });
    const cookie = /tripline_session=[^;]+/.exec(response.headers.get('set-cookie') ?? '')?.[0];
    if (response.status !== 200 || cookie === undefined || !cookie.startsWith(`${SESSION_COOKIE}=`)) throw new Error(`sign-in failed: ${response.status}`);
    return { cookie, csrf: ((await response.json()) as { csrfToken: string }).csrfToken };
  };

  const asAdmin = async (method: string, path: string, body: unknown) => {
    const response = await fetch(`${collector.url}${path}`, { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json', authorization: `Bearer ${secrets.admin}` } });
    if (!response.ok) throw new Error(`${method} ${path} as admin: ${response.status} ${await response.text()}`);
  };

  const headersFor = async (kind: Kind): Promise<Record<string, string>> => {
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    switch (kind) {
      case 'none':
        return {};
      case 'wrong token':
        return bearer('tlk_wrong-wrong-wrong-wrong-wrong-wrong-wrong');
      case 'shared agent token':
      case 'shared agent token claiming an enrolled id':
        return bearer(AGENT_TOKEN);
      case 'enrolled agent':
      case 'enrolled agent reporting another id':
      case 'enrolled agent reporting another hostname':
        return bearer(secrets.enrolled);
      case 'revoked agent':
        return bearer(secrets.revokedAgent);
      case 'enrollment token':
        return bearer(ENROLLMENT_TOKEN);
      case 'revoked API token':
        return bearer(secrets.revoked);
      case 'viewer':
      case 'operator':
      case 'admin':
        return bearer(secrets[kind]);
      case 'console session with CSRF header': {
        const session = await signIn();
        return { cookie: session.cookie, [CSRF_HEADER]: session.csrf };
      }
      case 'console session without CSRF header':
        return { cookie: (await signIn()).cookie };
      default: {
        const unreachable: never = kind;
        throw new Error(`unknown kind ${String(unreachable)}`);
      }
    }
  };

  beforeAll(async () => {
    const { config } = loadConfig(undefined, {});
    config.dataDir = mkdtempSync(join(tmpdir(), 'tripline-matrix-'));
    config.collector.listen.port = 0;
    config.collector.agentTokens = [AGENT_TOKEN];
    config.collector.enrollmentTokens = [ENROLLMENT_TOKEN];
    config.collector.console.enabled = true;
    config.collector.statusPage.enabled = true;
    config.collector.limits.reportsPerMinute = 10_000;
    // every credential kind signs in too: a whole matrix of failed sign-ins from loopback, not an attack
    config.collector.console.signInFailuresPerMinute = 10_000;
    config.incidents.reachability.enabled = false;
    collector = await startCollector({ config, rules: [], log: pino({ level: 'silent' }) });
    const tokens = createTokenOperations({ store: collector.store, clock: systemClock });
    for (const name of ['viewer', 'operator', 'admin'] as const) secrets[name] = tokens.createToken({ name: `matrix-${name}`, role: name, createdBy: 'test' }).token;
    secrets.revoked = tokens.createToken({ name: 'matrix-revoked', role: 'admin', createdBy: 'test' }).token;
    tokens.revokeToken('matrix-revoked');
    const enroll = async (agentId: string, hostname: string) => {
      const response = await fetch(`${collector.url}/api/v1/enroll`, { method: 'POST', body: JSON.stringify({ agentId, hostname }), headers: { 'content-type': 'application/json', authorization: `Bearer ${ENROLLMENT_TOKEN}` } });
      return ((await response.json()) as { credential: string }).credential;
    };
    secrets.enrolled = await enroll(ids.enrolled, ids.enrolledHost);
    secrets.revokedAgent = await enroll(ids.revoked, ids.revokedHost);
    collector.store.revokeAgent(ids.revoked, Date.now());
    // A host with a series, so the history reads have something to read.
    const seeded = await fetch(`${collector.url}${REPORTS_PATH}`, { method: 'POST', body: JSON.stringify(report('shared-agent', 'shared-host')), headers: { 'content-type': 'application/json', authorization: `Bearer ${AGENT_TOKEN}` } });
    expect(seeded.status).toBe(200);
  });
  afterAll(async () => collector?.stop());

  it('has a row for every route the collector serves, and no row for a route it does not', () => {
    const served = [...new Set(collector.routes.filter((r) => r.method !== 'HEAD').map((r) => `${r.method} ${r.url}`))].sort();
    expect(served, 'a route the collector serves needs a row in ROUTES here (its access and what an admitted caller gets), and a row needs its route').toEqual(Object.keys(ROUTES).sort());
    // A HEAD route always comes with its GET.
    for (const r of collector.routes.filter((route) => route.method === 'HEAD')) expect(ROUTES[`GET ${r.url}`], `HEAD ${r.url}`).toBeDefined();
  });

  it('answers every route and credential as the tables say', async () => {
    const mismatches: string[] = [];
    let requests = 0;
    for (const route of collector.routes) {
      const row = ROUTES[`${route.method === 'HEAD' ? 'GET' : route.method} ${route.url}`];
      if (row === undefined) continue;
      for (const kind of KINDS) {
        const rule = EXPECTED[row.access][kind];
        const read = route.method === 'GET' || route.method === 'HEAD';
        const expected = rule === 'ok' ? row.ok : rule === 'ok-read' ? (read ? row.ok : 403) : rule;
        await row.prepare?.(asAdmin);
        const body = row.body?.(kind);
        const abort = new AbortController();
        const response = await fetch(`${collector.url}${row.path}`, {
          method: route.method,
          headers: { ...(await headersFor(kind)), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: abort.signal,
        });
        const streaming = row.stream === true && response.status === 200;
        if (streaming) expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
        const text = streaming ? '' : await response.text();
        abort.abort();
        requests += 1;
        if (response.status !== expected) mismatches.push(`${route.method} ${route.url} as ${kind}: ${response.status}, expected ${expected} ${text.slice(0, 200)}`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(requests).toBe(collector.routes.length * KINDS.length);
  }, 240_000);
});
