/**
 * Enrollment: an agent without a configured token but with the shared enrollment token asks the
 * collector for its own credential (`POST /api/v1/enroll`) and keeps it in
 * `<dataDir>/agent/credential`, mode 0600, written atomically. Later starts reuse the file. The
 * collector stores only the credential's SHA-256 and binds it to this agent's id.
 */
import { chmod, mkdir, open, readFile, rename, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { request as httpsRequest } from 'node:https';
import { createSecretRedactor } from '../../contract/secretRedactor.js';
import { CollectorConnectionError } from '../transport/collectorConnectionError.js';
import { bareHost, type ProxyRoute } from '../transport/proxyRoute.js';
import { openProxyTunnel } from '../transport/proxyTunnel.js';
import { AgentEnrollmentError } from './agentEnrollmentError.js';

/** Where an agent keeps its credential. */
export function credentialFile(dataDir: string): string {
  return join(dataDir, 'agent', 'credential');
}

/** The stored credential, or undefined; tightens a file readable by others back to 0600. */
export async function loadCredential(file: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
  const credential = text.trim();
  return credential === '' ? undefined : credential;
}

/** What enrollment needs. */
export interface EnrollOptions {
  collectorUrl: string;
  enrollmentToken: string;
  agentId: string;
  hostname: string;
  /** PEM CA bundle for an https collector with a private CA. */
  ca?: Buffer;
  timeoutSeconds: number;
  /** The HTTP proxy to go through (`proxyRouteFor`), as report uploads do. */
  proxy?: ProxyRoute;
}

/** Enrols and stores the credential (0600); returns it. Throws `AgentEnrollmentError`. */
export async function enrollAgent(options: EnrollOptions, file: string): Promise<string> {
  const url = `${options.collectorUrl.replace(/\/+$/, '')}/api/v1/enroll`;
  const body = JSON.stringify({ agentId: options.agentId, hostname: options.hostname });
  const response = await post(url, body, options).catch((error: unknown) => {
    const { code, message } = error as { code?: string; message?: string };
    // A proxy's refusal says which proxy and what it answered; a socket error is known by its code.
    const why = error instanceof CollectorConnectionError ? message : (code ?? message);
    throw new AgentEnrollmentError('TRIPLINE_ENROLL_UNAVAILABLE', `cannot reach the collector to enrol: ${why}`, true);
  });
  if (response.status !== 200) {
    const retryable = response.status === 429 || response.status >= 500;
    // The answer may echo the enrollment token (a proxy's error page showing the request's headers).
    const said = createSecretRedactor([options.enrollmentToken])(response.text).slice(0, 300);
    throw new AgentEnrollmentError(retryable ? 'TRIPLINE_ENROLL_UNAVAILABLE' : 'TRIPLINE_ENROLL_REFUSED', `enrollment answered ${response.status}: ${said}`, retryable);
  }
  let credential: unknown;
  try {
    credential = (JSON.parse(response.text) as { credential?: unknown }).credential;
  } catch {
    credential = undefined;
  }
  if (typeof credential !== 'string' || credential.length < 16) throw new AgentEnrollmentError('TRIPLINE_ENROLL_REFUSED', 'enrollment answer holds no credential', false);
  await writeSecret(file, credential);
  return credential;
}

async function post(url: string, body: string, options: EnrollOptions): Promise<{ status: number; text: string }> {
  const signal = AbortSignal.timeout(options.timeoutSeconds * 1000);
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  const { proxy } = options;
  const headers: Record<string, string> = { authorization: `Bearer ${options.enrollmentToken}`, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
  // Through a proxy: an https collector inside a CONNECT tunnel (TLS end to end), an http one in absolute form.
  let route: RequestOptions = {};
  if (proxy && secure) {
    const host = bareHost(target.hostname);
    const tunnel = await openProxyTunnel(proxy, host, Number(target.port) || 443, signal);
    route = { createConnection: () => tlsConnect({ socket: tunnel, host, servername: isIP(host) === 0 ? host : undefined, ...(options.ca ? { ca: options.ca } : {}) }) };
  } else if (proxy) {
    route = { host: proxy.host, port: proxy.port, path: url, setHost: false };
    headers.host = target.host;
    if (proxy.authorization) headers['proxy-authorization'] = proxy.authorization;
  }
  return new Promise((resolve, reject) => {
    const requestFn = secure ? httpsRequest : httpRequest;
    const outgoing = requestFn(
      url,
      {
        method: 'POST',
        headers,
        signal,
        ...(options.ca ? { ca: options.ca } : {}),
        ...route,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8').slice(0, 64 * 1024) }));
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

async function writeSecret(file: string, secret: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  const handle = await open(temporary, 'w', 0o600);
  try {
    await handle.chmod(0o600);
    await handle.writeFile(`${secret}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
}
