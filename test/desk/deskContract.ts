/**
 * The one contract every desk adapter runs (as Hono runs one suite per implementation): create,
 * update, resolve, re-open, comment; a retryable error on 429 (with the desk's Retry-After), 5xx,
 * refused connections; no retry on other 4xx or bad credentials; an open whose answer was lost
 * replayed without a second ticket; a resolve replayed without an error; no credential in any
 * error. Request Tracker runs it against the real RT 5; SaaS desks against faithful fakes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeskError, type DeliveryContext, type DeskAdapter, type DeskIncident, type DeskTicketStatus } from '../../collector/desk/deskAdapter.js';
import { openOrRecover } from '../../collector/desk/openOrRecover.js';

/** A failure the harness makes the desk (or the path to it) produce on the next call. */
export type ContractFault = 'rate-limited' | 'server-error' | 'rejected' | 'lose-response';

export interface DeskHarness {
  /** The adapter under test, configured with working credentials. */
  desk: DeskAdapter;
  /** The same adapter with a wrong credential. */
  wrongCredentialDesk: DeskAdapter;
  /** The same adapter pointed at a port where nothing listens. */
  unreachableDesk: DeskAdapter;
  /** Every credential the adapters were given (good and wrong): none may appear in an error. */
  secrets: string[];
  /** Makes the next call fail this way; `retryAfterSeconds` applies to rate-limited. */
  inject(fault: ContractFault, retryAfterSeconds?: number): void;
  /** Ground truth at the desk: the tickets it holds for an incident key, with their state. */
  ticketsForKey(key: string): Promise<Array<{ externalId: string; status: DeskTicketStatus }>>;
  /** Whether the desk reports Retry-After on 429 (SMTP has no such thing). */
  retryAfter: boolean;
  /** The notes (comments, work notes, messages) the desk holds for an incident key; absent where the test cannot see them. */
  notesForKey?(key: string): Promise<string[]>;
  /** A person resolves the ticket at the desk (for fetchTicket); absent where the desk cannot be read. */
  resolveAsPerson?(externalId: string): Promise<void>;
  close(): Promise<void>;
}

let sequence = 0;

/** A fresh incident with a unique key. */
export function contractIncident(overrides: Partial<DeskIncident> = {}): DeskIncident {
  sequence++;
  const key = `tripline-contract${Date.now().toString(36)}-${sequence}`;
  return {
    id: sequence,
    key,
    ruleName: 'port_down',
    severity: 'critical',
    status: 'open',
    summary: `Port ssh on web-0${sequence} is down`,
    description: 'tcp_up stayed below 1 for 1m',
    host: `web-0${sequence}`,
    labels: { host: `web-0${sequence}`, target: 'ssh', alertname: 'port_down' },
    openedAt: '2026-11-24T06:00:00.000Z',
    resolvedAt: null,
    priority: 'P2',
    impact: 'high',
    urgency: 'medium',
    services: ['payments'],
    facts: {
      metric: 'tcp_up', value: 0, comparison: 'below', threshold: 1, unit: 'boolean', breachStartedAt: '2026-11-24T05:59:30.000Z', hostAddresses: ['10.0.0.5'],
      checkTarget: 'tcp:ssh', checkOutput: 'cannot connect to 10.0.0.5:22: ECONNREFUSED', runbookUrl: 'https://wiki.example.com/runbooks/port-down',
      link: 'https://tripline.example.com/api/v1/incidents/1', occurrences: 1, acknowledged: null, resolved: null,
    },
    ...overrides,
  };
}

export function runDeskContract(name: string, makeHarness: () => Promise<DeskHarness>, options: { skip?: string } = {}): void {
  const suite = options.skip ? describe.skip : describe;
  suite(`desk contract: ${name}${options.skip ? ` (skipped: ${options.skip})` : ''}`, () => {
    let h: DeskHarness;
    const errors: unknown[] = [];
    /** Runs `call`, expecting a DeskError, and keeps it for the secrets check. */
    const failure = async (call: () => Promise<unknown>): Promise<DeskError> => {
      try {
        await call();
      } catch (error) {
        errors.push(error);
        expect(error).toBeInstanceOf(DeskError);
        return error as DeskError;
      }
      throw new Error('expected the call to fail');
    };
    const context = (deliveryId: string, attempt = 1): DeliveryContext => ({ deliveryId, attempt });

    beforeAll(async () => {
      h = await makeHarness();
    }, 120_000);
    afterAll(async () => {
      await h?.close();
    });

    it('opens one ticket, updates it, resolves it', async () => {
      const incident = contractIncident();
      const ticket = await h.desk.open(incident, context(`${incident.key}-1`));
      expect(ticket.externalId).not.toBe('');
      expect(await h.ticketsForKey(incident.key)).toEqual([{ externalId: ticket.externalId, status: 'open' }]);
      await h.desk.update({ ...incident, severity: 'warning' }, ticket, context(`${incident.key}-2`));
      await h.desk.comment(incident, ticket, 'a note from the contract suite', context(`${incident.key}-3`));
      if (h.notesForKey) {
        const notes = (await h.notesForKey(incident.key)).join('\n');
        expect(notes).toContain('Severity: warning'); // the update carried the new state
        expect(notes).toContain('a note from the contract suite');
      }
      const resolved = { ...incident, status: 'resolved', resolvedAt: '2026-11-24T06:10:00.000Z' };
      await h.desk.resolve(resolved, ticket, context(`${incident.key}-4`));
      expect(await h.ticketsForKey(incident.key)).toEqual([{ externalId: ticket.externalId, status: 'resolved' }]);
      // A resolve replayed (its answer was lost) is not an error and changes nothing.
      await h.desk.resolve(resolved, ticket, context(`${incident.key}-4`, 2));
      expect(await h.ticketsForKey(incident.key)).toEqual([{ externalId: ticket.externalId, status: 'resolved' }]);
    });

    it('re-opens a resolved ticket when the problem returns', async () => {
      const incident = contractIncident();
      const ticket = await h.desk.open(incident, context(`${incident.key}-1`));
      await h.desk.resolve({ ...incident, status: 'resolved' }, ticket, context(`${incident.key}-2`));
      await h.desk.reopen(incident, ticket, context(`${incident.key}-3`));
      expect(await h.ticketsForKey(incident.key)).toEqual([{ externalId: ticket.externalId, status: 'open' }]);
    });

    it('reads back a ticket a person resolved at the desk', async (test) => {
      if (!h.resolveAsPerson) return test.skip();
      const incident = contractIncident();
      const ticket = await h.desk.open(incident, context(`${incident.key}-1`));
      expect(await h.desk.fetchTicket(ticket)).toMatchObject({ status: 'open' });
      await h.resolveAsPerson(ticket.externalId);
      expect(await h.desk.fetchTicket(ticket)).toMatchObject({ status: 'resolved' });
      expect(await h.desk.findByKey(incident.key)).toMatchObject({ externalId: ticket.externalId });
    });

    it('429 is retryable and carries Retry-After; the retry makes one ticket', async () => {
      const incident = contractIncident();
      h.inject('rate-limited', 7);
      const error = await failure(() => h.desk.open(incident, context(`${incident.key}-1`)));
      expect(error).toMatchObject({ code: 'TRIPLINE_DESK_RATE_LIMITED', retryable: true });
      if (h.retryAfter) expect(error.details.retryAfterSeconds).toBe(7);
      const { ticket } = await openOrRecover(h.desk, incident, context(`${incident.key}-1`, 2));
      expect(await h.ticketsForKey(incident.key)).toEqual([{ externalId: ticket.externalId, status: 'open' }]);
    });

    it('5xx is retryable; the retry makes one ticket', async () => {
      const incident = contractIncident();
      h.inject('server-error');
      const error = await failure(() => h.desk.open(incident, context(`${incident.key}-1`)));
      expect(error).toMatchObject({ code: 'TRIPLINE_DESK_SERVER_ERROR', retryable: true });
      await openOrRecover(h.desk, incident, context(`${incident.key}-1`, 2));
      expect(await h.ticketsForKey(incident.key)).toHaveLength(1);
    });

    it('a 5xx on resolve is retryable and the retry resolves', async () => {
      const incident = contractIncident();
      const ticket = await h.desk.open(incident, context(`${incident.key}-1`));
      h.inject('server-error');
      const error = await failure(() => h.desk.resolve({ ...incident, status: 'resolved' }, ticket, context(`${incident.key}-2`)));
      expect(error.retryable).toBe(true);
      await h.desk.resolve({ ...incident, status: 'resolved' }, ticket, context(`${incident.key}-2`, 2));
      expect(await h.ticketsForKey(incident.key)).toEqual([{ externalId: ticket.externalId, status: 'resolved' }]);
    });

    it('another 4xx is not retryable', async () => {
      const incident = contractIncident();
      h.inject('rejected');
      const error = await failure(() => h.desk.open(incident, context(`${incident.key}-1`)));
      expect(error).toMatchObject({ retryable: false });
      expect(await h.ticketsForKey(incident.key)).toEqual([]);
    });

    it('a wrong credential is not retryable', async () => {
      const incident = contractIncident();
      const error = await failure(() => h.wrongCredentialDesk.open(incident, context(`${incident.key}-1`)));
      expect(error).toMatchObject({ code: 'TRIPLINE_DESK_AUTH_FAILED', retryable: false });
    });

    it('a refused connection is retryable', async () => {
      const incident = contractIncident();
      const error = await failure(() => h.unreachableDesk.open(incident, context(`${incident.key}-1`)));
      expect(error).toMatchObject({ code: 'TRIPLINE_DESK_UNREACHABLE', retryable: true });
    });

    it('an open whose answer was lost is replayed without a second ticket', async () => {
      const incident = contractIncident();
      h.inject('lose-response');
      const error = await failure(() => h.desk.open(incident, context(`${incident.key}-1`)));
      expect(error.retryable).toBe(true);
      const { ticket } = await openOrRecover(h.desk, incident, context(`${incident.key}-1`, 2));
      expect(await h.ticketsForKey(incident.key)).toEqual([{ externalId: ticket.externalId, status: 'open' }]);
    });

    it('no credential appears in any error', () => {
      expect(errors.length).toBeGreaterThanOrEqual(6);
      for (const error of errors) {
        const text = `${(error as Error).message}\n${(error as Error).stack ?? ''}\n${JSON.stringify(error)}`;
        for (const secret of h.secrets) {
          expect(text).not.toContain(secret);
          expect(text).not.toContain(Buffer.from(secret).toString('base64'));
        }
      }
    });
  });
}
