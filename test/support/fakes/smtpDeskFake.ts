/**
 * A real SMTP server (the `smtp-server` package) standing in for a desk's mail gateway: it
 * requires AUTH, records each message's Tripline headers, drops a message whose Message-ID it
 * has seen (as mail gateways do), and answers the next message with an injected reply code.
 */
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  messageId: string;
  incidentKey: string;
  operation: string;
  subject: string;
}

export interface SmtpDeskFake {
  port: number;
  messages: ReceivedMail[];
  /** Answers the next message with this reply (e.g. 451, 550); `acceptFirst` records it anyway, like a reply lost after delivery. */
  inject(responseCode: number, text: string, acceptFirst?: boolean): void;
  close(): Promise<void>;
}

function header(raw: string, name: string): string {
  const match = new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(raw.split(/\r?\n\r?\n/)[0] ?? '');
  return match?.[1]?.trim() ?? '';
}

export async function startSmtpDeskFake(user: string, password: string): Promise<SmtpDeskFake> {
  const messages: ReceivedMail[] = [];
  const faults: Array<{ responseCode: number; text: string; acceptFirst: boolean }> = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === user && auth.password === password) return callback(null, { user });
      const error = Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 });
      return callback(error);
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const mail = { messageId: header(raw, 'Message-ID'), incidentKey: header(raw, 'X-Tripline-Incident-Key'), operation: header(raw, 'X-Tripline-Operation'), subject: header(raw, 'Subject') };
        const fault = faults.shift();
        const record = () => {
          if (!messages.some((m) => m.messageId === mail.messageId)) messages.push(mail);
        };
        if (fault) {
          if (fault.acceptFirst) record();
          return callback(Object.assign(new Error(fault.text), { responseCode: fault.responseCode }));
        }
        record();
        callback();
      });
    },
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  const address = (server as unknown as { server: { address(): { port: number } } }).server.address();
  return {
    port: address.port,
    messages,
    inject(responseCode, text, acceptFirst = false) {
      faults.push({ responseCode, text, acceptFirst });
    },
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
