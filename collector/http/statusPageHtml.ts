/**
 * The status page as HTML: one self-contained document (inline style, no script, no external
 * resource) rendered on the server from the public view, every text escaped. It shows only what
 * the view holds: service names, descriptions, states, the daily history and the notice.
 */
import type { StatusPageView } from '../operations/statusOperations.js';
import type { ServiceStateName } from '../services/serviceState.js';

const LABEL: Record<ServiceStateName, string> = { operational: 'Operational', degraded: 'Degraded', outage: 'Outage' };
const OVERALL: Record<ServiceStateName, string> = { operational: 'All services are operational', degraded: 'Some services are degraded', outage: 'Some services are down' };

/** The Content-Security-Policy the page is served with: nothing but its own inline style. */
export const STATUS_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function renderStatusPage(view: StatusPageView, title: string): string {
  const notice = view.notice === null ? '' : `<section class="notice" role="status"><p>${escape(view.notice.text)}</p><time datetime="${view.notice.at}">${escape(view.notice.at.replace('T', ' ').slice(0, 16))} UTC</time></section>`;
  const services = view.services.map((service) => {
    const days = service.history.map((day) => `<span class="day ${day.state}" title="${day.date}: ${LABEL[day.state]}"></span>`).join('');
    return `<li class="service" data-service="${escape(service.name)}" data-state="${service.state}">
  <div class="head"><h2>${escape(service.name)}</h2><span class="state ${service.state}">${LABEL[service.state]}</span></div>
  ${service.description ? `<p class="description">${escape(service.description)}</p>` : ''}
  <div class="history" role="img" aria-label="${escape(historyText(service.history))}">${days}</div>
  <div class="scale"><span>${service.history.length} days ago</span><span>today</span></div>
</li>`;
  });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escape(title)}</title>
<style>
:root { color-scheme: light dark; --bg: #f6f7f9; --fg: #1d2330; --card: #fff; --line: #e3e6eb; --muted: #4b5563;
  --ok: #1e7b3e; --warn: #8a5300; --bad: #b42318; --ok-day: #5cbf7a; --warn-day: #f0b429; --bad-day: #e05a4f;
  --notice-bg: #fff8e1; --notice-line: #c99a2e; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #121417; --fg: #e8eaed; --card: #1c1f24; --line: #353a42; --muted: #a9b0bb;
    --ok: #6ee7a0; --warn: #fcd174; --bad: #fca5a0; --ok-day: #3fa864; --warn-day: #d9a21e; --bad-day: #d2493f;
    --notice-bg: #2e2610; --notice-line: #8a6d1c; }
}
body { font: 15px/1.5 system-ui, sans-serif; margin: 0; background: var(--bg); color: var(--fg); }
main { max-width: 56rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.05rem; margin: 0; }
.overall { padding: 1rem; border-radius: 6px; font-weight: 600; border: 2px solid currentColor; background: var(--card); }
.overall.operational { color: var(--ok); } .overall.degraded { color: var(--warn); } .overall.outage { color: var(--bad); }
.notice { background: var(--notice-bg); border: 1px solid var(--notice-line); border-radius: 6px; padding: .75rem 1rem; margin: 1rem 0; }
.notice p { margin: 0 0 .25rem; white-space: pre-wrap; } .notice time { color: var(--muted); font-size: .85rem; }
ul { list-style: none; padding: 0; } .service { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 1rem; margin: .75rem 0; }
.head { display: flex; flex-wrap: wrap; gap: .5rem; justify-content: space-between; align-items: center; } .description { color: var(--muted); margin: .25rem 0 .5rem; }
.state { font-weight: 600; } .state.operational { color: var(--ok); } .state.degraded { color: var(--warn); } .state.outage { color: var(--bad); }
.history { display: flex; gap: 1px; height: 28px; margin-top: .5rem; } .day { flex: 1; min-width: 0; border-radius: 1px; }
.day.operational { background: var(--ok-day); } .day.degraded { background: var(--warn-day); } .day.outage { background: var(--bad-day); }
.scale { display: flex; justify-content: space-between; color: var(--muted); font-size: .8rem; }
footer { color: var(--muted); font-size: .8rem; margin-top: 1.5rem; }
</style>
</head>
<body>
<main>
<h1>${escape(title)}</h1>
<div class="overall ${view.overall}">${OVERALL[view.overall]}</div>
${notice}
<ul>
${services.join('\n')}
</ul>
<footer>Updated ${escape(view.generatedAt.replace('T', ' ').slice(0, 19))} UTC; reload the page for the latest.</footer>
</main>
</body>
</html>
`;
}

/** The history bar in words, for a screen reader: how many of the days were in each state. */
function historyText(history: ReadonlyArray<{ state: ServiceStateName }>): string {
  const counts = (['operational', 'degraded', 'outage'] as const).map((state) => [state, history.filter((day) => day.state === state).length] as const).filter(([, n]) => n > 0);
  return `last ${history.length} days: ${counts.map(([state, n]) => `${n} ${LABEL[state].toLowerCase()}`).join(', ')}`;
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
