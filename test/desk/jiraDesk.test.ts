/** The desk contract for Jira against a fake with a real workflow and a lagging search index. */
import { describe, expect, it } from 'vitest';
import { createJiraDesk, jiraLabel, jiraStatus } from '../../collector/desk/jiraDesk.js';
import { startJiraFake } from '../support/fakes/jiraFake.js';
import { contractIncident, runDeskContract } from './deskContract.js';
import { proxiedHarness } from './proxiedHarness.js';
import { parseDurationMs } from '../../config/duration.js';

const EMAIL = 'ops-bot@example.com';
const TOKEN = 'jira-api-token-do-not-leak-0001';
const make = (url: string, secret = TOKEN, doneTransition?: string) =>
  createJiraDesk({ type: 'jira', name: 'jira', url, user: EMAIL, secret, timeout: parseDurationMs('2s'), rateLimitPerMinute: 300, project: 'OPS', issueType: 'Incident', ...(doneTransition ? { doneTransition } : {}) }, { nowMs: () => Date.now() });

runDeskContract('Jira (fake)', async () => {
  const fake = await startJiraFake(EMAIL, TOKEN);
  return proxiedHarness({
    target: fake.url,
    secret: TOKEN,
    wrongSecret: 'jira-wrong-token-0000000000002',
    makeDesk: (url, secret) => make(url, secret),
    async ticketsForKey(key) {
      return [...fake.issues.values()].filter((i) => i.labels.includes(jiraLabel(key))).map((i) => ({ externalId: i.key, status: jiraStatus(i.status, i.category).status }));
    },
    async resolveAsPerson(key) {
      fake.transition(key, '31');
    },
    async notesForKey(key) {
      return [...fake.issues.values()].filter((i) => i.labels.includes(jiraLabel(key))).flatMap((i) => i.comments);
    },
    close: () => fake.close(),
  });
});

describe('Jira specifics', () => {
  it('resolves by the configured transition name ("Won\'t Do" here), not only by category', async () => {
    const fake = await startJiraFake(EMAIL, TOKEN);
    try {
      const incident = contractIncident();
      const desk = make(fake.url, TOKEN, "Won't Do");
      const ticket = await desk.open(incident, { deliveryId: 'd', attempt: 1 });
      await desk.resolve(incident, ticket, { deliveryId: 'r', attempt: 1 });
      expect(fake.issues.get(ticket.externalId)?.status).toBe("Won't Do");
    } finally {
      await fake.close();
    }
  });

  it('a missing transition name is a non-retryable error that lists what exists', async () => {
    const fake = await startJiraFake(EMAIL, TOKEN);
    try {
      const incident = contractIncident();
      const desk = make(fake.url, TOKEN, 'Close Issue');
      const ticket = await desk.open(incident, { deliveryId: 'd', attempt: 1 });
      await expect(desk.resolve(incident, ticket, { deliveryId: 'r', attempt: 1 })).rejects.toMatchObject({ retryable: false, message: expect.stringContaining('available: In Progress, Done') });
    } finally {
      await fake.close();
    }
  });

  it('recovery asks the lagging search index twice before concluding there is no issue', async () => {
    const fake = await startJiraFake(EMAIL, TOKEN, { indexLagMs: 500 });
    try {
      const incident = contractIncident();
      const ticket = await make(fake.url).open(incident, { deliveryId: 'd', attempt: 1 });
      expect(await make(fake.url).findByKey(incident.key)).toMatchObject({ externalId: ticket.externalId });
    } finally {
      await fake.close();
    }
  });

  it.each([
    ['To Do', 'new', 'open'], // not started
    ['In Progress', 'indeterminate', 'open'], // being worked on
    ['Done', 'done', 'resolved'], // finished
    ["Won't Do", 'done', 'rejected'], // a person decided not to act
    ['Closed', 'done', 'closed'], // closed without a resolution word
  ])('%s (%s) -> %s', (name, category, tripline) => {
    expect(jiraStatus(name, category).status).toBe(tripline);
  });
});
