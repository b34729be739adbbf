/**
 * PagerDuty Events API v2. The incident key is the `dedup_key`, so a replayed trigger merges
 * into the open alert instead of paging twice, and the dedup key is the ticket id. The Events
 * API can neither be searched nor read back, and has no notes: `findByKey` and `fetchTicket`
 * answer 'unsupported' (two-way sync skips this desk) and `comment` sends nothing.
 */
import { createHash } from 'node:crypto';
import type { PagerDutyDeskConfig } from '../../config/deskConfigSchema.js';
import { DeskError, type DeskAdapter, type DeskIncident } from './deskAdapter.js';
import { createDeskHttpClient } from './deskHttpClient.js';
import { pagerDutySeverity } from './deskPriority.js';

/** The dedup key for an incident key: itself, or a hash when longer than PagerDuty's 255 characters. */
export function pagerDutyDedupKey(incidentKey: string): string {
  return incidentKey.length <= 255 ? incidentKey : `tripline-${createHash('sha256').update(incidentKey).digest('hex')}`;
}

export function createPagerDutyDesk(config: PagerDutyDeskConfig, clock: { nowMs(): number }): DeskAdapter {
  const routingKey = config.secret;
  if (!routingKey) throw new Error(`desk "${config.name}": no routing key (set secret or the environment variable)`);
  const http = createDeskHttpClient({
    desk: config.name,
    baseUrl: config.url,
    timeoutMs: config.timeout,
    headers: {},
    secrets: [routingKey],
    clock,
  });
  const enqueue = async (action: 'trigger' | 'resolve', incident: DeskIncident) => {
    const dedupKey = pagerDutyDedupKey(incident.key);
    const body =
      action === 'trigger'
        ? {
            routing_key: routingKey,
            event_action: action,
            dedup_key: dedupKey,
            client: 'Tripline',
            payload: {
              summary: incident.summary.slice(0, 1024),
              source: incident.host || 'tripline',
              severity: pagerDutySeverity(incident),
              timestamp: incident.openedAt,
              component: incident.labels.target ?? incident.labels.mount ?? incident.labels.interface,
              group: incident.labels.group,
              class: incident.ruleName,
              custom_details: { description: incident.description, labels: incident.labels, incidentKey: incident.key, status: incident.status, priority: incident.priority, impact: incident.impact, urgency: incident.urgency, services: incident.services, ...incident.facts },
            },
          }
        : { routing_key: routingKey, event_action: action, dedup_key: dedupKey };
    const response = await http.send({ method: 'POST', path: '/v2/enqueue', body, accept: [400] });
    if (response.status === 400) {
      // PagerDuty answers 400 for a bad routing key too; that is a credential problem, not a bad event.
      const errors = http.redact(JSON.stringify((response.json as { errors?: unknown } | undefined)?.errors ?? []));
      const badKey = /routing.?key/i.test(errors);
      throw new DeskError(badKey ? 'TRIPLINE_DESK_AUTH_FAILED' : 'TRIPLINE_DESK_REJECTED', `${config.name} answered HTTP 400: ${badKey ? 'invalid routing key' : errors.slice(0, 200)}`, false, { status: 400 });
    }
    return dedupKey;
  };
  return {
    name: config.name,
    type: 'pagerduty',
    async open(incident) {
      return { externalId: await enqueue('trigger', incident), url: null };
    },
    async update(incident) {
      await enqueue('trigger', incident);
    },
    async resolve(incident) {
      await enqueue('resolve', incident);
    },
    async reopen(incident) {
      await enqueue('trigger', incident);
    },
    async comment() {
      // The Events API has no notes; the alert's details already carry the incident's state.
    },
    async link() {
      return 'unsupported' as const;
    },
    async findByKey() {
      return 'unsupported';
    },
    async fetchTicket() {
      return 'unsupported';
    },
  };
}
