/** Small shared pieces: status, severity and priority badges, an API error note, a key/value list, a scrolling box for tables. */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiFailure } from '../api.js';

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge status-${status}`}>{status}</span>;
}

export function SeverityBadge({ severity }: { severity: string }) {
  return <span class={`badge severity-${severity}`}>{severity}</span>;
}

/** P1 (most urgent) to P5. */
export function PriorityBadge({ priority }: { priority: string }) {
  return <span class={`badge priority-${priority.toLowerCase()}`}>{priority}</span>;
}

/** An API error, announced as it appears (role alert); `id` lets a field name it as its description. */
export function ErrorNote({ error, id }: { error: ApiFailure | undefined; id?: string }) {
  if (!error) return null;
  return (
    <p class="error" role="alert" id={id}>
      {error.message} <code>{error.code}</code>
    </p>
  );
}

export function Facts({ facts }: { facts: ReadonlyArray<[string, unknown]> }) {
  return (
    <dl class="facts">
      {facts.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{typeof v === 'string' || typeof v === 'number' ? String(v) : JSON.stringify(v)}</dd>
        </div>
      ))}
    </dl>
  );
}

/**
 * A box that lets a wide table scroll sideways inside it (on a phone) rather than the page. While
 * its content is wider than the box it is a named region in the Tab order, so a keyboard can
 * scroll it too; otherwise it is a plain box.
 */
export function ScrollBox({ label, children }: { label: string; children: ComponentChildren }) {
  const box = useRef<HTMLDivElement>(null);
  const [scrolls, setScrolls] = useState(false);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const measure = () => setScrolls(element.scrollWidth > element.clientWidth + 1);
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    if (element.firstElementChild) observer.observe(element.firstElementChild);
    measure();
    return () => observer.disconnect();
  }, []);
  return (
    <div ref={box} class="table-wrap" {...(scrolls ? { role: 'region', 'aria-label': label, tabIndex: 0 } : {})}>
      {children}
    </div>
  );
}
