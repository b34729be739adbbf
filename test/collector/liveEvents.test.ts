/**
 * The live event stream (GET /api/v1/events) against a real collector over loopback HTTP with its
 * SQLite file: who may listen, incidents opened (by an Alertmanager notification) and acknowledged
 * arriving as events once committed, a reconnect with Last-Event-ID getting what it missed and a
 * too-old id getting `resync`, the caps per token and per collector answering 429 in the API's
 * error shape, sign-out ending a session's stream, and shutdown ending an open stream promptly.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../../collector/collector.js';
import { parseDurationMs } from '../../config/duration.js';
import { loadConfig } from '../../config/loadConfig.js';
import { openEventStream, type EventStream } from '../support/eventStream.js';

const AGENT_TOKEN = 'live-agent-token-0123456789';
const OPERATOR_TOKEN = 'live-operator-token-0123456789';
const VIEWER_TOKENS = ['live-viewer-token-a-0123456789', 'live-viewer-token-b-0123456789', 'live-viewer-token-c-0123456789'];
const EVENTS = '/api/v1/events';

const alert = (name: string) => ({
  status: 'firing',
  labels: { alertname: name, job: 'live', instance: `${name}:80`, severity: 'warning' },
  annotations: { summary: `${name} fired` },
  startsAt: new Date(Date.now() - 60_000).toISOString(),
  endsAt: '0001-01-01T00:00:00Z',
  generatorURL: 'http://prometheus.example.com/graph',
  fingerprint: createHash('sha256').update(name).digest('hex').slice(0, 16),
});

async function startLiveCollector(tag: string): Promise<RunningCollector> {
  const { config } = loadConfig(undefined, {});
  config.dataDir = mkdtempSync(join(tmpdir(), `tripline-live-${tag}-`));
  config.collector.listen.port = 0;
  config.collector.agentTokens = [AGENT_TOKEN];
  config.collector.viewerTokens = VIEWER_TOKENS;
  config.incidents.operatorTokens = [OPERATOR_TOKEN];
  config.incidents.reachability.enabled = false;
  config.collector.console.live = { maxStreams: 3, maxStreamsPerSession: 2, heartbeat: parseDurationMs('1s') };
  return startCollector({ config, rules: [], log: pino({ level: 'silent' }) });
}

describe('live event stream', () => {
  let collector: RunningCollector;
  const streams: EventStream[] = [];
  const listen = async (headers: Record<string, string>, query = '') => {
    const stream = await openEventStream(`${collector.url}${EVENTS}${query}`, headers);
    streams.push(stream);
    return stream;
  };
  const asViewer = (index = 0) => ({ authorization: `Bearer ${VIEWER_TOKENS[index]}` });
  const operate = async (path: string, body: unknown) => {
    const response = await fetch(`${collector.url}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_TOKEN}` } });
    expect(response.status, await response.clone().text()).toBe(200);
    return (await response.json()) as Record<string, any>;
  };
  const fire = (name: string) => operate('/api/v1/intake/alertmanager', { version: '4', status: 'firing', receiver: 'tripline', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am', alerts: [alert(name)] });
  const incidentOf = async (name: string): Promise<number> => {
    const response = await fetch(`${collector.url}/api/v1/incidents?rule=${name}`, { headers: asViewer() });
    return ((await response.json()) as { incidents: Array<{ id: number }> }).incidents[0]!.id;
  };
  const closeAll = async () => {
    for (const stream of streams.splice(0)) stream.close();
    // The server sees each close on its socket: wait until a new stream of that token is admitted again.
    for (let tries = 0; tries < 100; tries++) {
      const probe = await openEventStream(`${collector.url}${EVENTS}`, asViewer(2));
      probe.close();
      if (probe.status === 200) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  beforeAll(async () => {
    collector = await startLiveCollector('api');
  });
  afterAll(async () => {
    for (const stream of streams) stream.close();
    await collector?.stop();
  });

  it('refuses a caller without a role: no token 401, an agent token 401, in the error shape', async () => {
    const none = await listen({});
    expect(none.status).toBe(401);
    expect(none.error?.error.code).toBe('TRIPLINE_UNAUTHORIZED');
    const agent = await listen({ authorization: `Bearer ${AGENT_TOKEN}` });
    expect(agent.status).toBe(401);
  });

  it('is in the OpenAPI document with its refusals', async () => {
    const document = (await (await fetch(`${collector.url}/api/v1/openapi.json`, { headers: asViewer() })).json()) as { paths: Record<string, any> };
    const route = document.paths[EVENTS]?.get;
    expect(route?.summary).toMatch(/server-sent events/);
    expect(Object.keys(route?.responses ?? {}).sort()).toEqual(['200', '401', '403', '429']);
    expect(Object.keys(route.responses['200'].content)).toEqual(['text/event-stream']);
  });

  it('streams an incident opened and then acknowledged, after each commit, with the facts of its row', async () => {
    const stream = await listen(asViewer());
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const hello = await stream.waitFor((e) => e.type === 'hello');
    expect(hello.id).toMatch(/^[\w-]+\.\d+$/);

    await fire('LiveOpened');
    const opened = await stream.waitFor((e) => e.type === 'incident.opened' && e.data.incident.ruleName === 'LiveOpened');
    const id = await incidentOf('LiveOpened');
    expect(opened.data.incident).toMatchObject({ id, status: 'open', severity: 'warning', summary: 'LiveOpened fired', resolvedAt: null });
    // The small facts of a row only: no description, labels or why-record.
    expect(Object.keys(opened.data.incident).sort()).toEqual(['host', 'id', 'openedAt', 'resolvedAt', 'ruleName', 'severity', 'status', 'summary', 'updatedAt']);

    await operate(`/api/v1/incidents/${id}/acknowledge`, { comment: 'looking' });
    const acknowledged = await stream.waitFor((e) => e.type === 'incident.acknowledged');
    expect(acknowledged.data.incident).toMatchObject({ id, status: 'acknowledged' });
    expect(Number(acknowledged.id!.split('.')[1])).toBeGreaterThan(Number(opened.id!.split('.')[1]));
  });

  it('sends a reconnect with Last-Event-ID the events it missed, and resync for an id it no longer holds', async () => {
    await closeAll();
    const first = await listen(asViewer());
    const seen = (await first.waitFor((e) => e.type === 'hello')).id!;
    first.close();
    await closeAll();

    await fire('LiveMissed');
    const again = await listen({ ...asViewer(), 'last-event-id': seen });
    const missed = await again.waitFor((e) => e.type === 'incident.opened');
    expect(missed.data.incident.ruleName).toBe('LiveMissed');
    // Only what came after the id: the earlier incident is not sent again.
    expect(again.events.filter((e) => e.type.startsWith('incident.')).map((e) => e.data.incident.ruleName)).toEqual(['LiveMissed']);

    // The query parameter works as the header does.
    const byQuery = await listen(asViewer(1), `?lastEventId=${encodeURIComponent(seen)}`);
    expect((await byQuery.waitFor((e) => e.type === 'incident.opened')).data.incident.ruleName).toBe('LiveMissed');
    await closeAll();

    const stale = await listen({ ...asViewer(), 'last-event-id': 'another-process.7' });
    const resync = await stale.waitFor((e) => e.type === 'resync');
    expect(resync.data.reason).toMatch(/older than the events kept; refetch/);
    expect(resync.id).toBe((await stale.waitFor((e) => e.type === 'hello')).id);
  });

  it('caps streams per token and per collector with 429 in the error shape', async () => {
    await closeAll();
    const a1 = await listen(asViewer(0));
    const a2 = await listen(asViewer(0));
    expect([a1.status, a2.status]).toEqual([200, 200]);
    const a3 = await listen(asViewer(0));
    expect(a3.status).toBe(429);
    expect(a3.error?.error).toMatchObject({ code: 'TRIPLINE_RATE_LIMITED' });
    expect(a3.error?.error.message).toMatch(/maxStreamsPerSession/);
    expect(a3.headers.get('retry-after')).toBeTruthy();

    const b1 = await listen(asViewer(1));
    expect(b1.status).toBe(200);
    const b2 = await listen(asViewer(1));
    expect(b2.status).toBe(429);
    expect(b2.error?.error.message).toMatch(/maxStreams\b/);
  });

  it('sends heartbeat comments on an idle stream', async () => {
    await closeAll();
    const stream = await listen(asViewer());
    expect(await stream.waitForComment(/heartbeat/)).toBe('heartbeat');
  });

  it("ends a console session's stream when it signs out", async () => {
    await closeAll();
    const signIn = await fetch(`${collector.url}/api/v1/session`, { method: 'POST', body: JSON.stringify({ token: VIEWER_TOKENS[0] }), headers: { 'content-type': 'application/json' } });
    const cookie = /tripline_session=[^;]+/.exec(signIn.headers.get('set-cookie') ?? '')![0];
    const stream = await listen({ cookie });
    expect(stream.status).toBe(200);
    await stream.waitFor((e) => e.type === 'hello');
    await fetch(`${collector.url}/api/v1/session`, { method: 'DELETE', headers: { cookie } });
    const end = await stream.waitFor((e) => e.type === 'end');
    expect(end.data.reason).toBe('signed out');
    await stream.ended;
    // The cookie opens no stream any more.
    expect((await listen({ cookie })).status).toBe(401);
  });

  it('shuts down promptly with a stream open, telling the stream why it ends', async () => {
    const own = await startLiveCollector('shutdown');
    const stream = await openEventStream(`${own.url}${EVENTS}`, asViewer());
    streams.push(stream);
    await stream.waitFor((e) => e.type === 'hello');
    // Not a timing assertion: a stop that waits on the open stream never finishes, and the test's own timeout fails it.
    await own.stop();
    const end = await stream.waitFor((e) => e.type === 'end');
    expect(end.data.reason).toMatch(/shutting down/);
    await stream.ended;
  });
});
