/** The desk contract for e-mail, against a real SMTP server (smtp-server) acting as a desk's mail gateway. */
import { describe, expect, it } from 'vitest';
import { createEmailDesk, smtpDeskError } from '../../collector/desk/emailDesk.js';
import { startSmtpDeskFake } from '../support/fakes/smtpDeskFake.js';
import { freePort } from '../support/processes.js';
import { runDeskContract } from './deskContract.js';
import { parseDurationMs } from '../../config/duration.js';

const USER = 'tripline';
const PASSWORD = 'smtp-password-do-not-leak-0001';
const WRONG = 'smtp-wrong-password-0000000002';

runDeskContract('e-mail over SMTP (smtp-server)', async () => {
  const smtp = await startSmtpDeskFake(USER, PASSWORD);
  const deadPort = await freePort();
  const make = (port: number, secret: string) =>
    createEmailDesk({ type: 'email', name: 'mail', host: '127.0.0.1', port, tls: 'none', user: USER, secret, from: 'tripline@example.com', to: ['helpdesk@example.com'], subjectPrefix: '[Tripline]', timeout: parseDurationMs('3s'), rateLimitPerMinute: 60 });
  return {
    desk: make(smtp.port, PASSWORD),
    wrongCredentialDesk: make(smtp.port, WRONG),
    unreachableDesk: make(deadPort, PASSWORD),
    secrets: [PASSWORD, WRONG],
    retryAfter: false,
    inject(fault) {
      switch (fault) {
        case 'rate-limited':
          return smtp.inject(450, '4.7.0 Too many messages, slow down');
        case 'server-error':
          return smtp.inject(451, `4.3.0 Local error in processing (${PASSWORD})`);
        case 'rejected':
          return smtp.inject(550, '5.7.1 Message rejected');
        case 'lose-response':
          return smtp.inject(451, '4.4.2 Connection dropped', true);
      }
    },
    // One thread per incident key; its state is that of the latest operation mailed.
    async ticketsForKey(key) {
      const thread = smtp.messages.filter((m) => m.incidentKey === key && m.operation !== 'comment' && m.operation !== 'update');
      const opens = thread.filter((m) => m.operation === 'open');
      if (opens.length === 0) return [];
      return opens.map(() => ({ externalId: key, status: thread.at(-1)!.operation === 'resolve' ? ('resolved' as const) : ('open' as const) }));
    },
    close: () => smtp.close(),
  };
});

describe('SMTP failure classification', () => {
  const redact = (t: string) => t.replace(PASSWORD, '[redacted]');
  it.each([
    [{ responseCode: 450, response: '450 4.7.0 Too many messages' }, 'TRIPLINE_DESK_RATE_LIMITED', true], // greylisting / rate limit: retry later
    [{ responseCode: 421, response: '421 4.3.2 Service shutting down' }, 'TRIPLINE_DESK_SERVER_ERROR', true], // server going away: retry
    [{ responseCode: 550, response: '550 5.1.1 No such user' }, 'TRIPLINE_DESK_REJECTED', false], // a final refusal
    [{ responseCode: 535, code: 'EAUTH', response: '535 5.7.8 Authentication failed' }, 'TRIPLINE_DESK_AUTH_FAILED', false], // wrong password
    [{ code: 'ECONNREFUSED' }, 'TRIPLINE_DESK_UNREACHABLE', true], // nothing listens
    [{ code: 'ETIMEDOUT' }, 'TRIPLINE_DESK_TIMEOUT', true], // no greeting in time
  ])('%j -> %s', (error, code, retryable) => {
    expect(smtpDeskError('mail', error, redact)).toMatchObject({ code, retryable });
  });
});
