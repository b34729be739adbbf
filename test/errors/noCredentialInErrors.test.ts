/**
 * No credential ever appears in an error (the shared test Alertmanager keeps): every error path whose
 * inputs can carry one is driven with secret-looking tokens in them (auth headers, URLs with
 * userinfo or keys, enrollment and agent tokens, config values), and the error's message,
 * toString(), JSON, stack and pino serialisation, and the API's answers and the collector's log,
 * must give none of them away: not as is, not base64 or percent-encoded, not even 8 characters of
 * one (what a message cut short through a token would leave).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollAgent } from '../../agent/lifecycle/agentEnrollment.js';
import { createCollectorConnection } from '../../agent/transport/collectorConnection.js';
import { startCollector, type RunningCollector } from '../../collector/collector.js';
import { createDesk } from '../../collector/desk/createDesk.js';
import { createDeskHttpClient } from '../../collector/desk/deskHttpClient.js';
import type { DeskConfig } from '../../config/configSchema.js';
import { loadConfig } from '../../config/loadConfig.js';
import { REPORTS_PATH } from '../../contract/report.js';
import { startRawHttpServer, type RawHttpServer } from '../agent/rawHttpServer.js';
import { contractIncident } from '../desk/deskContract.js';

/** Tokens as users have them: long, with the `+`, `/` and `=` that base64 keys carry. */
const SECRET = {
  desk: 'qK7/xP2+vR9mT4wZ8nL5sJ1=',
  deskUser: 'ops@example.com',
  urlKey: 'Hb3+Wc8/Ly2Qd6Ne4Gf0Ua7=',
  enrollment: 'Ej5+Pm1/Xt8Ko3Rv6Bz2Yc9=',
  agent: 'Ag4/Lq7+Hs1Tn8Mw5Vd2Fe0=',
  admin: 'Ad9+Rk3/Zp6Jx1Cm8Qt4Ws7=',
  operator: 'Op2/Nb5+Gy8Lv3Hk6Xe1Qa4=',
  wrong: 'Wr6+Tc1/Sm4Pz9Kd2Yb7Nf5=',
  config: 'Cf3/Qw8+Lx5Vn2Mj7Hs0Rk4=',
};
const ALL_SECRETS = Object.values(SECRET).filter((value) => value !== SECRET.deskUser);

/** The spellings of `secret` that give it away: whole (as is, base64, percent-encoded), or any 8 characters of it. */
function giveaways(secret: string): string[] {
  const windows = Array.from({ length: Math.max(0, secret.length - 7) }, (_, start) => secret.slice(start, start + 8));
  return [...new Set([secret, Buffer.from(secret).toString('base64'), encodeURIComponent(secret), ...windows])];
}

/** The giveaways of `secrets` found in `text`. */
function giveawaysIn(text: string, secrets: readonly string[]): string[] {
  return [...new Set(secrets.flatMap(giveaways).filter((spelling) => text.includes(spelling)))];
}

/** Each way an error is shown: message, toString(), JSON, stack, and pino's serialisation (as `err` and as the object). */
function renderings(error: Error): Record<string, string> {
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  log.error({ err: error }, 'failed');
  log.error(error);
  return { message: error.message, toString: String(error), json: JSON.stringify(error), stack: error.stack ?? '', pino: lines.join('') };
}

/** Where `error` gives a secret away, as `rendering: spelling`; empty when nowhere. */
function leaks(error: Error, secrets: readonly string[] = ALL_SECRETS): string[] {
  return Object.entries(renderings(error)).flatMap(([how, text]) => giveawaysIn(text, secrets).map((spelling) => `${how}: ${spelling}`));
}

/** The error `action` fails with; the test fails if it does not. */
async function failureOf(action: () => unknown): Promise<Error> {
  try {
    await action();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

const directory = mkdtempSync(join(tmpdir(), 'tripline-no-credential-'));
let fileCount = 0;

/** `yaml` written to a file of its own, for loadConfig. */
function configFile(yaml: string): string {
  const file = join(directory, `config-${++fileCount}.yaml`);
  writeFileSync(file, yaml);
  return file;
}

/** A server that answers every request with `status` and a JSON body echoing the request: its headers, URL and body. */
async function startEchoServer(): Promise<{ url: string; status: number; close(): Promise<void> }> {
  const echo = { url: '', status: 500, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = JSON.stringify({ method: request.method, url: request.url, headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
    response.writeHead(echo.status, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  echo.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return echo;
}

describe('desk errors carry no credential', () => {
  let echo: Awaited<ReturnType<typeof startEchoServer>>;
  beforeAll(async () => {
    echo = await startEchoServer();
  });
  afterAll(() => echo.close());

  /** Every HTTP desk, with its credential (and a key in the URL where the desk has one), pointed at the echo server. */
  const desks = (url: string): DeskConfig[] => {
    const yaml = `desks:
  - { type: webhook, name: hook, url: "${url}/hook?key=${encodeURIComponent(SECRET.urlKey)}", secret: "${SECRET.desk}", headers: { x-api-key: "${SECRET.desk}" } }
  - { type: request-tracker, name: rt, url: "${url}", secret: "${SECRET.desk}" }
  - { type: servicenow, name: snow-basic, url: "${url}", user: "${SECRET.deskUser}", secret: "${SECRET.desk}" }
  - { type: servicenow, name: snow-oauth, url: "${url}", secret: "${SECRET.desk}" }
  - { type: jira, name: jira, url: "${url}", user: "${SECRET.deskUser}", project: OPS, secret: "${SECRET.desk}" }
  - { type: zendesk, name: zendesk, url: "${url}", user: "${SECRET.deskUser}", secret: "${SECRET.desk}" }
  - { type: pagerduty, name: pagerduty, url: "${url}", secret: "${SECRET.desk}" }
`;
    return loadConfig(configFile(yaml), {}).config.desks;
  };
  /** Basic auth sends base64 of `user:secret`, which holds no spelling of the secret alone. */
  const deskSecrets = [SECRET.desk, SECRET.urlKey, `${SECRET.deskUser}:${SECRET.desk}`, `${SECRET.deskUser}/token:${SECRET.desk}`];

  // Each row: the status the echoing desk answers every request with.
  it.each([
    [400], // refused: the message quotes the desk's answer, which echoes the request
    [401], // bad credential: many desks repeat the header they refused
    [429], // rate limited
    [500], // server error
  ])('when the desk answers %i and echoes the request (headers, URL, body)', async (status) => {
    echo.status = status;
    for (const config of desks(echo.url)) {
      const error = await failureOf(() => createDesk(config, { nowMs: Date.now }).open(contractIncident(), { deliveryId: 'd-1', attempt: 1 }));
      expect({ desk: config.name, code: (error as { code?: string }).code, leaks: leaks(error, deskSecrets) }).toEqual({ desk: config.name, code: expect.stringMatching(/^TRIPLINE_DESK_/), leaks: [] });
    }
  });

  it('when the desk echoes the credential just where the message is cut short', async () => {
    const server = createServer((request, response) => response.writeHead(400).end(`${'x'.repeat(180)}${request.headers.authorization}`));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = createDeskHttpClient({
      desk: 'd',
      baseUrl: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
      timeoutMs: 2000,
      headers: { authorization: `token ${SECRET.desk}` },
      secrets: [SECRET.desk],
      clock: { nowMs: Date.now },
    });
    const error = await failureOf(() => client.send({ method: 'GET', path: '/ticket/1' }));
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(leaks(error, deskSecrets)).toEqual([]);
  });

  it('when the desk cannot be reached at a URL with userinfo and a key in it', async () => {
    const url = `http://hook:${encodeURIComponent(SECRET.desk)}@127.0.0.1:1/hook?key=${encodeURIComponent(SECRET.urlKey)}`;
    const [config] = loadConfig(configFile(`desks:\n  - { type: webhook, name: hook, url: "${url}", timeout: 2s }\n`), {}).config.desks;
    const error = await failureOf(() => createDesk(config!, { nowMs: Date.now }).open(contractIncident(), { deliveryId: 'd-1', attempt: 1 }));
    expect(error).toMatchObject({ code: 'TRIPLINE_DESK_UNREACHABLE' });
    expect(leaks(error, deskSecrets)).toEqual([]);
  });

  it('when the SMTP server echoes the AUTH PLAIN it refused', async () => {
    const smtp = await startEchoingSmtpServer();
    const [config] = loadConfig(
      configFile(`desks:\n  - { type: email, name: mail, host: 127.0.0.1, port: ${smtp.port}, tls: none, user: ${SECRET.deskUser}, secret: "${SECRET.desk}", from: tripline@example.com, to: [ops@example.com], timeout: 2s }\n`),
      {},
    ).config.desks;
    const error = await failureOf(() => createDesk(config!, { nowMs: Date.now }).open(contractIncident(), { deliveryId: 'd-1', attempt: 1 }));
    await new Promise<void>((resolve) => smtp.server.close(() => resolve()));
    expect(error).toMatchObject({ code: 'TRIPLINE_DESK_AUTH_FAILED' });
    expect(leaks(error, [...deskSecrets, `\0${SECRET.deskUser}\0${SECRET.desk}`])).toEqual([]);
  });
});

/** An SMTP server that offers AUTH PLAIN and refuses it, quoting what the client sent. */
async function startEchoingSmtpServer(): Promise<{ server: NetServer; port: number }> {
  const server = createNetServer((socket) => {
    socket.write('220 echo ESMTP\r\n');
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      for (let end = pending.indexOf('\r\n'); end >= 0; end = pending.indexOf('\r\n')) {
        const line = pending.slice(0, end);
        pending = pending.slice(end + 2);
        if (/^(EHLO|HELO)/i.test(line)) socket.write('250-echo\r\n250 AUTH PLAIN\r\n');
        else if (/^AUTH/i.test(line)) socket.write(`535 5.7.8 Authentication failed: ${line}\r\n`);
        else if (/^QUIT/i.test(line)) socket.end('221 bye\r\n');
        else socket.write(`500 5.5.1 unknown: ${line}\r\n`);
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

describe('agent errors carry no credential', () => {
  let echo: Awaited<ReturnType<typeof startEchoServer>>;
  const raw: RawHttpServer[] = [];
  beforeAll(async () => {
    echo = await startEchoServer();
  });
  afterAll(async () => {
    await echo.close();
    await Promise.all(raw.map((server) => server.close()));
  });
  const enroll = (collectorUrl: string, enrollmentToken = SECRET.enrollment) =>
    enrollAgent({ collectorUrl, enrollmentToken, agentId: 'web-1', hostname: 'web-1', timeoutSeconds: 2 }, join(directory, 'credential'));

  // Each row: the status the collector (or a proxy before it) answers enrollment with, echoing the request.
  it.each([
    [401, 'TRIPLINE_ENROLL_REFUSED'], // a wrong enrollment token, quoted back
    [502, 'TRIPLINE_ENROLL_UNAVAILABLE'], // a proxy's error page showing the request's headers
  ])('enrollment answered %i', async (status, code) => {
    echo.status = status;
    const error = await failureOf(() => enroll(echo.url));
    expect(error).toMatchObject({ code });
    expect(leaks(error)).toEqual([]);
  });

  it('enrollment at an unreachable URL with userinfo', async () => {
    const error = await failureOf(() => enroll(`http://agent:${encodeURIComponent(SECRET.agent)}@127.0.0.1:1`));
    expect(error).toMatchObject({ code: 'TRIPLINE_ENROLL_UNAVAILABLE' });
    expect(leaks(error)).toEqual([]);
  });

  it('enrollment with a token HTTP cannot carry (a line break pasted into it)', async () => {
    const error = await failureOf(() => enroll(echo.url, `${SECRET.enrollment}\r\nx-injected: 1`));
    expect(leaks(error)).toEqual([]);
  });

  /** A collector connection to a raw server answering `answer` to every request, with the agent's token. */
  const postTo = async (answer: (head: string) => string, authorization = `Bearer ${SECRET.agent}`) => {
    const server = await startRawHttpServer((socket, request) => socket.end(answer(request.head)));
    raw.push(server);
    const connection = createCollectorConnection({ url: new URL(`${server.url}${REPORTS_PATH}`), timeoutMs: 2000, maxResponseBytes: 4096 });
    return failureOf(() => connection.post('{}', { 'content-type': 'application/json', authorization }));
  };
  const headerLines = (head: string) => head.split('\r\n').slice(1);
  const authorizationLine = (head: string) => headerLines(head).find((line) => line.startsWith('authorization'))!;

  // Each row: how a broken peer answers the upload, quoting the request's authorization header.
  it.each([
    ['the request itself, echoed back', (head: string) => `${head}\r\n\r\n`],
    ['the authorization line as its status line', (head: string) => `${authorizationLine(head)}\r\n\r\n`],
    ['the authorization line, its colon lost, as a header', (head: string) => `HTTP/1.1 502 Bad Gateway\r\n${authorizationLine(head).replace(':', '')}\r\n\r\n`],
    ['the authorization value as a transfer coding', (head: string) => `HTTP/1.1 200 OK\r\ntransfer-encoding: ${authorizationLine(head).split(': ')[1]}\r\n\r\n`],
  ])('an upload answered with %s', async (_what, answer) => {
    const error = await postTo(answer);
    expect(error).toMatchObject({ code: 'TRIPLINE_BAD_RESPONSE' });
    expect(leaks(error)).toEqual([]);
  });

  it('an upload with a token HTTP cannot carry', async () => {
    const error = await postTo(() => 'HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n', `Bearer ${SECRET.agent}\nx-injected: 1`);
    expect(error).toMatchObject({ code: 'ERR_INVALID_CHAR' });
    expect(leaks(error)).toEqual([]);
  });
});

describe('config errors carry no credential', () => {
  const key = encodeURIComponent(SECRET.config);
  // Each row: a config whose mistake sits in or beside a credential, and what the error still says.
  it.each([
    // a desk URL without its scheme: Slack-style URLs hold the key in the path, others in the query
    ['desk URL without a scheme', `desks:\n  - { type: webhook, name: hook, url: "hooks.example.com/services/${key}?key=${key}" }\n`, 'desks[0].url: must be an http:// or https:// URL'],
    // a desk URL with userinfo and a misspelt scheme
    ['desk URL with userinfo', `desks:\n  - { type: webhook, name: hook, url: "htps://hook:${key}@hooks.example.com/" }\n`, 'desks[0].url: must be an http:// or https:// URL'],
    // an HTTP check whose URL does not parse, userinfo and all
    ['HTTP target that is not a URL', `agent:\n  http:\n    targets:\n      - { name: web, url: "http://probe:${key}@exa mple.com/" }\n`, 'agent.http.targets[0].url: is not a URL'],
    // an HTTP check with credentials in its URL (refused: they would be logged with every result)
    ['HTTP target with credentials', `agent:\n  http:\n    targets:\n      - { name: web, url: "http://probe:${key}@example.com/" }\n`, 'agent.http.targets[0].url: must not hold credentials'],
    // a collector URL with userinfo and a scheme the agent does not speak
    ['collector URL of another scheme', `agent:\n  collectorUrl: "ftp://agent:${key}@collector.example.com/"\n`, 'agent.collectorUrl: must be http:// or https://, not ftp:'],
    // the YAML breaks on the token's own line
    ['unterminated quote on the token line', `agent:\n  token: "${SECRET.config}\n  collectorUrl: http://127.0.0.1:9470\n`, 'Missing closing "quote'],
    // a token too short to be accepted
    ['agent token too short', `collector:\n  agentTokens: ["${SECRET.config.slice(0, 15)}"]\n`, 'collector.agentTokens[0]: must NOT have fewer than 16 characters'],
    // a token written as a mapping
    ['token of the wrong type', `agent:\n  token: { "${SECRET.config}": 1 }\n`, 'agent.token: must be string'],
    // a misspelt desk type beside its secret
    ['desk of an unknown type', `desks:\n  - { type: jir, name: jira, secret: "${SECRET.config}" }\n`, 'desks[0].type: must be one of'],
    // a key with its colon's space missing: the whole line becomes one scalar
    ['a secret line without the space after its colon', `desks:\n  - type: webhook\n    name: hook\n    url: https://hooks.example.com/\n    secret:${SECRET.config}\n`, 'Implicit map keys need to be followed by map values'],
  ])('%s', (_what, yaml, says) => {
    const error = (() => {
      try {
        loadConfig(configFile(yaml), {});
      } catch (thrown) {
        return thrown as Error;
      }
      throw new Error('expected the config to be refused');
    })();
    expect(error).toMatchObject({ code: 'TRIPLINE_INVALID_YAML', message: expect.stringContaining(says) });
    expect(leaks(error, [SECRET.config])).toEqual([]);
  });
});

describe('the HTTP API answers and logs no credential', () => {
  let collector: RunningCollector;
  const logLines: string[] = [];
  const call = async (method: string, path: string, token: string, body?: string) => {
    const response = await fetch(`${collector.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body }),
    });
    return { status: response.status, text: await response.text() };
  };
  const report = (agentId: string) =>
    JSON.stringify({ schemaVersion: 1, agent: { id: agentId, hostname: agentId, version: 'test', intervalSeconds: 15, labels: {} }, sequence: 0, sentAt: new Date().toISOString(), observations: [], checks: [] });

  beforeAll(async () => {
    const { config } = loadConfig(undefined, {});
    config.dataDir = mkdtempSync(join(tmpdir(), 'tripline-no-credential-api-'));
    config.collector.listen.port = 0;
    config.collector.agentTokens = [SECRET.agent];
    config.collector.enrollmentTokens = [SECRET.enrollment];
    config.collector.adminTokens = [SECRET.admin];
    config.incidents.operatorTokens = [SECRET.operator];
    const log = pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) });
    collector = await startCollector({ config, rules: [], log });
  });
  afterAll(() => collector.stop());

  it('in errors answered to wrong, misplaced, mismatched and revoked credentials', async () => {
    const enrolled = await call('POST', '/api/v1/enroll', SECRET.enrollment, JSON.stringify({ agentId: 'web-1', hostname: 'web-1' }));
    const { credential } = JSON.parse(enrolled.text) as { credential: string };
    const answers = [
      await call('POST', REPORTS_PATH, SECRET.wrong, report('web-1')), // 401: an unknown token
      await call('POST', '/api/v1/enroll', SECRET.wrong, JSON.stringify({ agentId: 'web-2', hostname: 'web-2' })), // 401: a wrong enrollment token
      await call('GET', '/api/v1/agents', SECRET.agent), // 401: an agent token where an admin token belongs
      await call('POST', '/api/v1/incidents/1/acknowledge', SECRET.wrong, '{}'), // 401: a wrong operator token
      await call('POST', REPORTS_PATH, credential, report('web-9')), // 403: an agent's credential for another agent id
      await call('POST', REPORTS_PATH, SECRET.agent, `{"token": "${SECRET.agent}", `), // 400: a body that is not JSON, quoting the token
      await call('POST', '/api/v1/agents/web-1/revoke', SECRET.admin, '{}'), // revokes web-1 (not an error)
      await call('POST', REPORTS_PATH, credential, report('web-1')), // 403: a revoked credential
    ];
    expect(answers.map((answer) => answer.status)).toEqual([401, 401, 401, 401, 403, 400, 200, 403]);
    const secrets = [...ALL_SECRETS, credential];
    expect(answers.flatMap((answer) => giveawaysIn(answer.text, secrets))).toEqual([]);
    expect(logLines.length).toBeGreaterThan(0);
    expect(giveawaysIn(logLines.join(''), secrets)).toEqual([]);
  });
});
