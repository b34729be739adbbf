/**
 * The replay's in-memory ledger hands out its active incidents as copies made again only after an
 * incident changes (a replay's lifecycle asks for them at every step): each change must show in the
 * next list, and a caller must not be able to change the ledger, or the next caller's list, through one.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryLedger } from '../../collector/backtest/memoryLedger.js';
import type { NewIncident } from '../../collector/domain/incident.js';

function draft(fingerprint: string, host: string): NewIncident {
  return { key: fingerprint, fingerprint, ruleName: 'disk_full', ruleVersion: 'v1', host, severity: 'warning', summary: 'disk full', description: '', labels: { host }, status: 'open', openedAtMs: 1000, resolvedAtMs: null, updatedAtMs: 1000, why: {} };
}

describe('memory ledger: active incidents', () => {
  it('lists each change in the next list: inserts in id order, updates, resolves', () => {
    const ledger = createMemoryLedger();
    const b = ledger.insertIncident(draft('fp-b', 'b'));
    expect(ledger.activeIncidents().map((i) => i.fingerprint)).toEqual(['fp-b']);
    const a = ledger.insertIncident(draft('fp-a', 'a'));
    expect(ledger.activeIncidents().map((i) => i.id)).toEqual([b.id, a.id]);
    ledger.updateIncident(b.id, { settlingSinceMs: 2000, updatedAtMs: 2000 });
    expect(ledger.activeIncidents().find((i) => i.id === b.id)).toMatchObject({ settlingSinceMs: 2000, updatedAtMs: 2000 });
    ledger.updateIncident(b.id, { status: 'resolved', resolvedAtMs: 3000 });
    expect(ledger.activeIncidents().map((i) => i.id)).toEqual([a.id]);
    ledger.updateIncident(a.id, { status: 'acknowledged' });
    expect(ledger.activeIncidents()).toMatchObject([{ id: a.id, status: 'acknowledged' }]);
  });

  it('hands out lists and incidents that a caller cannot change the ledger through', () => {
    const ledger = createMemoryLedger();
    const { id } = ledger.insertIncident(draft('fp-a', 'a'));
    const first = ledger.activeIncidents();
    first.push(first[0]!);
    first.sort(() => -1);
    expect(ledger.activeIncidents()).toHaveLength(1);
    // Strict mode: writing to a frozen incident throws instead of reaching the next caller's list.
    expect(() => {
      (first[0] as { status: string }).status = 'resolved';
    }).toThrow(TypeError);
    expect(ledger.activeIncidents()[0]!.status).toBe('open');
    expect(ledger.getIncident(id)!.status).toBe('open');
  });
});
