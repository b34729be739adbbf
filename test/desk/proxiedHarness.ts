/**
 * Builds a contract harness for an HTTP desk: a fault proxy in front of the desk (real or fake)
 * turns the contract's faults into HTTP answers, so that every HTTP desk is tested the same way.
 */
import type { DeskAdapter } from '../../collector/desk/deskAdapter.js';
import { startFaultProxy } from '../support/faultProxy.js';
import { freePort } from '../support/processes.js';
import type { DeskHarness } from './deskContract.js';

export interface ProxiedHarnessOptions {
  /** Base URL of the desk behind the proxy. */
  target: string;
  /** Builds the adapter for a base URL and credential. */
  makeDesk(url: string, secret: string): DeskAdapter;
  secret: string;
  wrongSecret: string;
  ticketsForKey: DeskHarness['ticketsForKey'];
  resolveAsPerson?: DeskHarness['resolveAsPerson'];
  notesForKey?: DeskHarness['notesForKey'];
  /** Body of an injected 4xx (desks word their refusals differently). */
  rejectedStatus?: number;
  close(): Promise<void>;
}

export async function proxiedHarness(options: ProxiedHarnessOptions): Promise<DeskHarness> {
  const proxy = await startFaultProxy(options.target);
  const deadPort = await freePort();
  return {
    desk: options.makeDesk(proxy.url, options.secret),
    wrongCredentialDesk: options.makeDesk(proxy.url, options.wrongSecret),
    unreachableDesk: options.makeDesk(`http://127.0.0.1:${deadPort}`, options.secret),
    secrets: [options.secret, options.wrongSecret],
    retryAfter: true,
    inject(fault, retryAfterSeconds) {
      switch (fault) {
        case 'rate-limited':
          return proxy.inject({ kind: 'status', status: 429, retryAfter: String(retryAfterSeconds ?? 1) });
        case 'server-error':
          // The body echoes the credential, as a careless desk might: the adapter must not pass it on.
          return proxy.inject({ kind: 'status', status: 503, body: JSON.stringify({ error: 'unavailable', echo: options.secret }) });
        case 'rejected':
          return proxy.inject({ kind: 'status', status: options.rejectedStatus ?? 400, body: '{"error":"invalid"}' });
        case 'lose-response':
          return proxy.inject({ kind: 'lose-response' });
      }
    },
    ticketsForKey: options.ticketsForKey,
    ...(options.resolveAsPerson ? { resolveAsPerson: options.resolveAsPerson } : {}),
    ...(options.notesForKey ? { notesForKey: options.notesForKey } : {}),
    async close() {
      await proxy.close();
      await options.close();
    },
  };
}
