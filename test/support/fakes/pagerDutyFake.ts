/**
 * A PagerDuty Events API v2 fake: `POST /v2/enqueue` with the documented validation (routing
 * key, event_action, dedup_key length, payload summary/source/severity), 202 answers, and alerts
 * by dedup key: a trigger merges into an open alert, a trigger after a resolve opens a new one.
 */
import { startFakeHttpServer, type FakeHttpServer } from './fakeHttpServer.js';

export interface PagerDutyFakeAlert {
  dedupKey: string;
  status: 'triggered' | 'acknowledged' | 'resolved';
  summary: string;
  severity: string;
  /** How many triggers were merged into this alert. */
  triggers: number;
}

export interface PagerDutyFake extends FakeHttpServer {
  /** Every alert ever opened, oldest first (several per dedup key after resolves). */
  alerts: PagerDutyFakeAlert[];
}

const SEVERITIES = new Set(['critical', 'error', 'warning', 'info']);

export async function startPagerDutyFake(routingKey: string): Promise<PagerDutyFake> {
  const alerts: PagerDutyFakeAlert[] = [];
  const invalid = (...errors: string[]) => ({ status: 400, body: { status: 'invalid event', message: 'Event object is invalid', errors } });
  const server = await startFakeHttpServer(
    [
      [
        'POST',
        /^\/v2\/enqueue$/,
        (request) => {
          const event = (request.body ?? {}) as { routing_key?: string; event_action?: string; dedup_key?: string; payload?: { summary?: string; source?: string; severity?: string } };
          if (event.routing_key !== routingKey) return invalid('Invalid routing key');
          if (event.dedup_key && event.dedup_key.length > 255) return invalid('dedup_key is longer than 255 characters');
          const open = alerts.find((a) => a.dedupKey === event.dedup_key && a.status !== 'resolved');
          switch (event.event_action) {
            case 'trigger': {
              const p = event.payload;
              if (!p?.summary || !p.source || !SEVERITIES.has(p.severity ?? '')) return invalid('payload.summary, payload.source and payload.severity are required');
              const dedupKey = event.dedup_key ?? `pd-${alerts.length + 1}`;
              if (open) {
                open.triggers++;
                open.summary = p.summary;
                open.severity = p.severity!;
              } else alerts.push({ dedupKey, status: 'triggered', summary: p.summary, severity: p.severity!, triggers: 1 });
              return { status: 202, body: { status: 'success', message: 'Event processed', dedup_key: dedupKey } };
            }
            case 'acknowledge':
            case 'resolve':
              if (!event.dedup_key) return invalid('dedup_key is required');
              if (open) open.status = event.event_action === 'resolve' ? 'resolved' : 'acknowledged';
              return { status: 202, body: { status: 'success', message: 'Event processed', dedup_key: event.dedup_key } };
            default:
              return invalid('event_action must be trigger, acknowledge or resolve');
          }
        },
      ],
    ],
    () => undefined,
  );
  return { ...server, alerts };
}
