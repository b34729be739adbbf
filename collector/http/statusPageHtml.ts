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
  <div class="history" aria-label="last ${service.history.length} days">${days}</div>
  <div class="scale"><span>${service.history.length} days ago</span><span>today</span></div>
</li>`;
  });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="60">
<title>${escape(title)}</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; margin: 0; background: #f6f7f9; color: #1d2330; }
main { max-width: 56rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.05rem; margin: 0; }
.overall { padding: 1rem; border-radius: 6px; color: #fff; font-weight: 600; }
.overall.operational { background: #2f9e55; } .overall.degraded { background: #d98a00; } .overall.outage { background: #c9372c; }
.notice { background: #fff8e1; border: 1px solid #e9c46a; border-radius: 6px; padding: .75rem 1rem; margin: 1rem 0; }
.notice p { margin: 0 0 .25rem; white-space: pre-wrap; } .notice time { color: #6b7280; font-size: .85rem; }
ul { list-style: none; padding: 0; } .service { background: #fff; border: 1px solid #e3e6eb; border-radius: 6px; padding: 1rem; margin: .75rem 0; }
.head { display: flex; justify-content: space-between; align-items: center; } .description { color: #4b5563; margin: .25rem 0 .5rem; }
.state { font-weight: 600; } .state.operational { color: #2f9e55; } .state.degraded { color: #b87400; } .state.outage { color: #c9372c; }
.history { display: flex; gap: 2px; height: 28px; margin-top: .5rem; } .day { flex: 1; border-radius: 2px; }
.day.operational { background: #5cbf7a; } .day.degraded { background: #f0b429; } .day.outage { background: #e05a4f; }
.scale { display: flex; justify-content: space-between; color: #6b7280; font-size: .8rem; }
footer { color: #6b7280; font-size: .8rem; margin-top: 1.5rem; }
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
<footer>Updated ${escape(view.generatedAt.replace('T', ' ').slice(0, 19))} UTC</footer>
</main>
</body>
</html>
`;
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
