/**
 * The Tripline console: a single-page app served by the collector at `/`. It asks for the session
 * first (sign-in when there is none), then routes by path to one page per noun.
 */
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiFailure, useSessionToken, type Session } from './api.js';
import { liveFeed, useLiveState, type LiveState } from './live.js';
import { AgentsPage } from './pages/AgentsPage.js';
import { DeliveriesPage } from './pages/DeliveriesPage.js';
import { FleetPage } from './pages/FleetPage.js';
import { HostPage } from './pages/HostPage.js';
import { IncidentPage } from './pages/IncidentPage.js';
import { IncidentsPage } from './pages/IncidentsPage.js';
import { LoginPage } from './pages/LoginPage.js';
import { RulesPage } from './pages/RulesPage.js';
import { ServicePage, ServicesPage } from './pages/ServicesPage.js';
import { SilencesPage } from './pages/SilencesPage.js';
import { onLinkClick, useLocation } from './router.js';
import './styles.css';

const NAV: ReadonlyArray<[string, string]> = [
  ['/', 'Fleet'],
  ['/incidents', 'Incidents'],
  ['/services', 'Services'],
  ['/silences', 'Silences'],
  ['/rules', 'Rules'],
  ['/deliveries', 'Deliveries'],
  ['/agents', 'Agents'],
];

function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const { path, query } = useLocation();
  useEffect(() => {
    api
      .get<Session>('/api/v1/session')
      .then(setSession)
      .catch((error: unknown) => (error instanceof ApiFailure && error.status === 401 ? setSession(null) : setSession(null)));
  }, []);
  useSessionToken(session ?? null);
  useEffect(() => {
    if (!session) return;
    liveFeed.start();
    return () => liveFeed.stop();
  }, [session]);
  usePageChange(path);
  if (session === undefined) return <p class="muted">Loading…</p>;
  if (session === null) return <LoginPage onSession={setSession} />;
  const role = session.role;
  const user = `console:${role}`;
  const signOut = async () => {
    await api.delete('/api/v1/session').catch(() => undefined);
    setSession(null);
  };
  return (
    <div onClick={onLinkClick}>
      <header class="top">
        <a class="brand" href="/">
          Tripline
        </a>
        <nav aria-label="Main">
          {NAV.map(([href, name]) => (
            <a key={href} href={href} aria-current={(href === '/' ? path === '/' || path.startsWith('/hosts') : path.startsWith(href)) ? 'page' : undefined}>
              {name}
            </a>
          ))}
        </nav>
        <span class="who">
          <LiveIndicator /> {role} <button onClick={signOut}>Sign out</button>
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        {page(path, query, session, user)}
      </main>
    </div>
  );
}

/** The page's name for the window title: the section of the path. */
function titleOf(path: string): string {
  if (path.startsWith('/hosts/')) return decodeURIComponent(path.slice('/hosts/'.length));
  if (/^\/incidents\/[0-9]+$/.test(path)) return `Incident #${path.slice('/incidents/'.length)}`;
  if (path.startsWith('/services/')) return `Service ${decodeURIComponent(path.slice('/services/'.length))}`;
  return NAV.find(([href]) => href !== '/' && path.startsWith(href))?.[1] ?? 'Fleet';
}

/**
 * On a move to another page without a reload: the window title names the page, and the focus goes to
 * the page's content (as a full load would put the reader at its start), so a screen reader reads the
 * new page and the next Tab is in it rather than on the link that was followed.
 */
function usePageChange(path: string): void {
  const first = useRef(true);
  useEffect(() => {
    document.title = `${titleOf(path)} · Tripline`;
    if (first.current) {
      first.current = false;
      return;
    }
    document.getElementById('main')?.focus();
  }, [path]);
}

const LIVE_TEXT: Record<LiveState, { text: string; title: string }> = {
  live: { text: 'live', title: 'Changes appear as they happen' },
  connecting: { text: 'connecting…', title: 'Opening the live stream; pages poll meanwhile' },
  reconnecting: { text: 'reconnecting…', title: 'The live stream dropped; pages poll until it is back' },
  off: { text: 'polling', title: 'No live stream; pages refresh every few seconds' },
};

/** Whether changes arrive live or by polling. */
function LiveIndicator() {
  const state = useLiveState();
  const { text, title } = LIVE_TEXT[state];
  return (
    <span class={`live live-${state}`} aria-live="polite" title={title}>
      {text}
    </span>
  );
}

function page(path: string, query: URLSearchParams, session: Session, user: string) {
  const host = /^\/hosts\/([^/]+)$/.exec(path);
  if (host) return <HostPage key={host[1]} host={decodeURIComponent(host[1]!)} query={query} />;
  const service = /^\/services\/([^/]+)$/.exec(path);
  if (service) return <ServicePage key={service[1]} name={decodeURIComponent(service[1]!)} />;
  const incident = /^\/incidents\/([0-9]+)$/.exec(path);
  if (incident) return <IncidentPage key={incident[1]} id={incident[1]!} role={session.role} user={user} />;
  switch (path) {
    case '/':
      return <FleetPage query={query} />;
    case '/incidents':
      return <IncidentsPage query={query} />;
    case '/services':
      return <ServicesPage />;
    case '/silences':
      return <SilencesPage role={session.role} user={user} />;
    case '/rules':
      return <RulesPage />;
    case '/deliveries':
      return <DeliveriesPage role={session.role} />;
    case '/agents':
      return <AgentsPage role={session.role} />;
    default:
      return (
        <p>
          No page at <code>{path}</code>. <a href="/">Back to the fleet</a>.
        </p>
      );
  }
}

render(<App />, document.getElementById('app')!);
