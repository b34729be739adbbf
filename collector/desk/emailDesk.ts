/**
 * E-mail over SMTP (nodemailer), for desks that open tickets from mail (RT, Jira SM, Zendesk,
 * Freshdesk) and for team lists. Each operation is one message; all messages of an incident
 * share a thread (`References` the open's Message-ID) and carry the incident key in a header and
 * the subject, so desks thread them onto one ticket. The Message-ID is derived from the delivery
 * id, so a re-sent message is recognisably the same. SMTP cannot be searched or read back.
 *
 * Failures: 4xx replies are retryable (4.7.x and "rate"/"too many" wording as rate limiting),
 * 5xx are final (535 as a credential problem), connection problems are retryable.
 */
import nodemailer from 'nodemailer';
import { createSecretRedactor } from '../../contract/secretRedactor.js';
import type { EmailDeskConfig } from '../../config/deskConfigSchema.js';
import { DeskError, type DeliveryContext, type DeskAdapter, type DeskIncident } from './deskAdapter.js';
import { ticketText } from './ticketText.js';

type MailOperation = 'open' | 'update' | 'resolve' | 'reopen' | 'comment';

const SUBJECT_TAG: Record<MailOperation, string> = { open: 'OPEN', update: 'UPDATE', resolve: 'RESOLVED', reopen: 'REOPENED', comment: 'NOTE' };

/** Classifies an SMTP failure (nodemailer's error code and the server's reply code). */
export function smtpDeskError(desk: string, error: { code?: string; responseCode?: number; response?: string }, redact: (text: string) => string): DeskError {
  const reply = error.responseCode;
  const said = redact(String(error.response ?? '')).slice(0, 200);
  if (reply !== undefined && reply >= 400 && reply < 500) {
    const rateLimited = /\b4\.7\.\d+\b|rate|too many/i.test(said);
    return new DeskError(rateLimited ? 'TRIPLINE_DESK_RATE_LIMITED' : 'TRIPLINE_DESK_SERVER_ERROR', `${desk}: SMTP server answered ${reply}: ${said}`, true, { status: reply });
  }
  if (reply !== undefined && reply >= 500) {
    return new DeskError(reply === 535 || error.code === 'EAUTH' ? 'TRIPLINE_DESK_AUTH_FAILED' : 'TRIPLINE_DESK_REJECTED', `${desk}: SMTP server answered ${reply}: ${said}`, false, { status: reply });
  }
  if (error.code === 'EAUTH') return new DeskError('TRIPLINE_DESK_AUTH_FAILED', `${desk}: SMTP authentication failed`, false);
  if (error.code === 'ETIMEDOUT') return new DeskError('TRIPLINE_DESK_TIMEOUT', `${desk}: no answer from the SMTP server in time`, true);
  return new DeskError('TRIPLINE_DESK_UNREACHABLE', `${desk}: cannot reach the SMTP server (${error.code ?? 'error'})`, true);
}

export function createEmailDesk(config: EmailDeskConfig): DeskAdapter {
  const timeoutMs = config.timeout;
  const transport = nodemailer.createTransport({
    host: config.host,
    port: config.port,
    secure: config.tls === 'implicit',
    requireTLS: config.tls === 'starttls',
    ignoreTLS: config.tls === 'none',
    ...(config.user ? { auth: { user: config.user, pass: config.secret ?? '' } } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  // AUTH PLAIN sends base64 of "\0user\0password", which holds no spelling of the password alone.
  const redact = createSecretRedactor(config.secret ? [config.secret, `\0${config.user ?? ''}\0${config.secret}`] : []);
  const domain = config.from.split('@')[1]?.replace(/[>\s]/g, '') || 'tripline.invalid';
  const threadId = (incident: DeskIncident) => `<${incident.key}@${domain}>`;

  const send = async (operation: MailOperation, incident: DeskIncident, context: DeliveryContext, note?: string) => {
    const body = note ?? (operation === 'open' ? ticketText(incident) : `Tripline ${operation} (${incident.status}):\n\n${ticketText(incident)}`);
    try {
      await transport.sendMail({
        from: config.from,
        to: config.to,
        subject: `${config.subjectPrefix} [${SUBJECT_TAG[operation]}] ${incident.summary} (${incident.key})`,
        text: body,
        messageId: operation === 'open' ? threadId(incident) : `<${context.deliveryId}@${domain}>`,
        ...(operation === 'open' ? {} : { inReplyTo: threadId(incident), references: [threadId(incident)] }),
        headers: { 'X-Tripline-Incident-Key': incident.key, 'X-Tripline-Operation': operation, 'X-Tripline-Severity': incident.severity },
      });
    } catch (error) {
      throw smtpDeskError(config.name, error as { code?: string; responseCode?: number; response?: string }, redact);
    }
  };

  return {
    name: config.name,
    type: 'email',
    async open(incident, context) {
      await send('open', incident, context);
      return { externalId: incident.key, url: null };
    },
    update: (incident, _ticket, context) => send('update', incident, context),
    resolve: (incident, _ticket, context) => send('resolve', incident, context),
    reopen: (incident, _ticket, context) => send('reopen', incident, context),
    comment: (incident, _ticket, text, context) => send('comment', incident, context, text),
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
