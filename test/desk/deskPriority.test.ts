/**
 * The incident's priority in each desk's own fields, and the facts a desk can act on in the ticket
 * text: asserted on what the fakes (faithful to the documented APIs) stored.
 */
import { describe, expect, it } from 'vitest';
import type { DeskIncident } from '../../collector/desk/deskAdapter.js';
import { createJiraDesk } from '../../collector/desk/jiraDesk.js';
import { createPagerDutyDesk } from '../../collector/desk/pagerDutyDesk.js';
import { createServiceNowDesk } from '../../collector/desk/serviceNowDesk.js';
import { ticketText } from '../../collector/desk/ticketText.js';
import { createZendeskDesk } from '../../collector/desk/zendeskDesk.js';
import { parseDurationMs } from '../../config/duration.js';
import { startJiraFake } from '../support/fakes/jiraFake.js';
import { startPagerDutyFake } from '../support/fakes/pagerDutyFake.js';
import { startServiceNowFake } from '../support/fakes/serviceNowFake.js';
import { startZendeskFake } from '../support/fakes/zendeskFake.js';
import { contractIncident } from './deskContract.js';

const clock = { nowMs: () => Date.now() };
const context = { deliveryId: 'd-1', attempt: 1 };
const timeout = parseDurationMs('2s');
const SECRET = 'desk-priority-secret-0123456789';

const p1: Partial<DeskIncident> = { priority: 'P1', impact: 'high', urgency: 'high' };
const p4: Partial<DeskIncident> = { priority: 'P4', impact: 'low', urgency: 'medium' };

describe('priority in the desks\' own fields', () => {
  it('ServiceNow: impact and urgency, 1 high .. 3 low', async () => {
    const fake = await startServiceNowFake('tripline', SECRET);
    try {
      const desk = createServiceNowDesk({ type: 'servicenow', name: 'sn', url: fake.url, user: 'tripline', secret: SECRET, timeout, rateLimitPerMinute: 300, mode: 'table', closeCode: 'Solved (Permanently)', closeNotes: 'cleared', eventSource: 'Tripline' }, clock);
      const first = await desk.open(contractIncident(p1), context);
      const second = await desk.open(contractIncident(p4), context);
      expect([fake.incidents.get(first.externalId), fake.incidents.get(second.externalId)].map((i) => [i?.impact, i?.urgency])).toEqual([['1', '1'], ['3', '2']]);
    } finally {
      await fake.close();
    }
  });

  it('Jira: priority by the names of the default scheme', async () => {
    const fake = await startJiraFake('bot@example.com', SECRET);
    try {
      const desk = createJiraDesk({ type: 'jira', name: 'jira', url: fake.url, user: 'bot@example.com', secret: SECRET, timeout, rateLimitPerMinute: 300, project: 'OPS', issueType: 'Incident' }, clock);
      const first = await desk.open(contractIncident(p1), context);
      const second = await desk.open(contractIncident(p4), context);
      expect([fake.issues.get(first.externalId)?.priority, fake.issues.get(second.externalId)?.priority]).toEqual(['Highest', 'Low']);
    } finally {
      await fake.close();
    }
  });

  it('Zendesk: urgent, high, normal, low', async () => {
    const fake = await startZendeskFake('bot@example.com', SECRET);
    try {
      const desk = createZendeskDesk({ type: 'zendesk', name: 'zd', url: fake.url, user: 'bot@example.com', secret: SECRET, timeout, rateLimitPerMinute: 300, tags: [] }, clock);
      const first = await desk.open(contractIncident(p1), context);
      const second = await desk.open(contractIncident(p4), { deliveryId: 'd-2', attempt: 1 });
      expect([fake.tickets.get(Number(first.externalId))?.priority, fake.tickets.get(Number(second.externalId))?.priority]).toEqual(['urgent', 'low']);
    } finally {
      await fake.close();
    }
  });

  it('PagerDuty: severity from the priority, which the service turns into urgency', async () => {
    const fake = await startPagerDutyFake(SECRET);
    try {
      const desk = createPagerDutyDesk({ type: 'pagerduty', name: 'pd', url: fake.url, secret: SECRET, timeout, rateLimitPerMinute: 120 }, clock);
      await desk.open(contractIncident(p1), context);
      await desk.open(contractIncident(p4), context);
      expect(fake.alerts.map((a) => a.severity)).toEqual(['critical', 'info']);
    } finally {
      await fake.close();
    }
  });
});

describe('ticket text', () => {
  it('carries the measured value against the threshold, the breach start, the addresses, the runbook, a link and who acted', () => {
    const incident = contractIncident({
      summary: 'ssh is not accepting connections',
      host: 'web-01',
      facts: {
        ...contractIncident().facts,
        occurrences: 3,
        acknowledged: { by: 'alice', comment: 'on it', at: '2026-11-24T06:05:00.000Z' },
      },
    });
    const text = ticketText(incident);
    for (const line of [
      'Priority: P2 (impact high, urgency medium)',
      'Services: payments',
      'Host: web-01 (10.0.0.5)',
      'Check: tcp:ssh - cannot connect to 10.0.0.5:22: ECONNREFUSED',
      'Measured: 0 boolean (tcp_up, below the threshold 1 boolean)',
      'Breach began: 2026-11-24T05:59:30.000Z',
      'Occurrences: 3',
      'Acknowledged by: alice at 2026-11-24T06:05:00.000Z - on it',
      'Runbook: https://wiki.example.com/runbooks/port-down',
      'In Tripline: https://tripline.example.com/api/v1/incidents/1',
    ]) {
      expect(text.split('\n')).toContain(line);
    }
  });
});
