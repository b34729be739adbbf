/** Routing by labels: a table of incidents and routes, with the reason each decision gives. */
import { describe, expect, it } from 'vitest';
import { routeIncident } from '../../collector/desk/routeIncident.js';
import type { RoutingConfig } from '../../config/routingConfigSchema.js';
import { loadConfig } from '../../config/loadConfig.js';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ALL = ['rt', 'pagerduty', 'mail'];
const routing: RoutingConfig = {
  routes: [
    { match: { severity: 'critical', team: 'db' }, desks: ['pagerduty'], continue: true },
    { match: { team: ['db', 'storage'] }, desks: ['rt'], continue: false },
    { match: { group: 'lab' }, desks: ['mail'], continue: false },
  ],
  fallback: ['rt'],
};
const incident = (severity: string, labels: Record<string, string>) => ({ severity, host: 'web-01', labels: { host: 'web-01', ...labels } });

describe('routeIncident', () => {
  it.each([
    // critical database problem: pages (route 1 continues) and tickets (route 2)
    ['critical', { team: 'db' }, ['pagerduty', 'rt'], 'routed by routes 1, 2 to pagerduty, rt'],
    // a warning for the db team: only the ticket
    ['warning', { team: 'db' }, ['rt'], 'routed by route 2 to rt'],
    // a list in match means any of its values
    ['warning', { team: 'storage' }, ['rt'], 'routed by route 2 to rt'],
    // the lab host group goes to the mailing list
    ['critical', { group: 'lab' }, ['mail'], 'routed by route 3 to mail'],
    // nothing matches: the fallback
    ['info', { team: 'web' }, ['rt'], 'no route matched: fallback desks (rt)'],
  ])('%s %j -> %j', (severity, labels, desks, reason) => {
    expect(routeIncident(routing, ALL, incident(severity, labels))).toEqual({ desks, reason });
  });

  it('without routes every desk gets every incident', () => {
    expect(routeIncident({ routes: [], fallback: [] }, ALL, incident('info', {}))).toEqual({ desks: ALL, reason: 'no routes configured: every desk (rt, pagerduty, mail)' });
  });

  it('host is a label too', () => {
    expect(routeIncident({ routes: [{ match: { host: 'web-01' }, desks: ['mail'], continue: false }], fallback: [] }, ALL, incident('info', {})).desks).toEqual(['mail']);
  });

  it('the config refuses a route to a desk that does not exist, with its line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tripline-routing-'));
    const file = join(dir, 'tripline.yaml');
    writeFileSync(file, 'desks:\n  - { type: webhook, name: ops, url: "http://127.0.0.1:1/x" }\nrouting:\n  routes:\n    - match: { team: db }\n      desks: [ops, rt]\n');
    expect(() => loadConfig(file, {})).toThrow(/tripline\.yaml:6:\d+: routing\.routes\[0\]\.desks\[1\]: no desk named "rt" \(desks: ops\)/);
  });
});
