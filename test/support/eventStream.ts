/**
 * A server-sent events client for tests: opens a stream with fetch (any headers: a bearer token, a
 * cookie, Last-Event-ID), parses it with eventsource-parser, and waits for the next event of a type.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface StreamEvent {
  type: string;
  id: string | undefined;
  data: Record<string, any>;
}

export interface EventStream {
  status: number;
  headers: Headers;
  /** The JSON body of a refusal (not a stream). */
  error?: { error: { code: string; message: string } };
  /** Every event received so far, in order. */
  events: StreamEvent[];
  /** Comment lines received (heartbeats). */
  comments: string[];
  /** Resolves with the first event (from the start) matching `test`; rejects after `timeoutMs`. */
  waitFor(test: (event: StreamEvent) => boolean, timeoutMs?: number): Promise<StreamEvent>;
  /** Resolves once a comment line matching `pattern` arrived; rejects after `timeoutMs`. */
  waitForComment(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves when the server ended the stream. */
  ended: Promise<void>;
  close(): void;
}

export async function openEventStream(url: string, headers: Record<string, string>): Promise<EventStream> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const events: StreamEvent[] = [];
  const comments: string[] = [];
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const waiter of [...waiters]) waiter();
  };
  let ended: Promise<void> = Promise.resolve();
  let error: EventStream['error'];
  if (response.status === 200 && response.body) {
    const parser = createParser({
      onEvent: (message: EventSourceMessage) => {
        events.push({ type: message.event ?? 'message', id: message.id, data: JSON.parse(message.data) as Record<string, any> });
        wake();
      },
      onComment: (comment) => {
        comments.push(comment);
        wake();
      },
    });
    const decoder = new TextDecoder();
    const body = response.body;
    ended = (async () => {
      try {
        for await (const chunk of body) parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
      } catch {
        // Aborted by close().
      }
      wake();
    })();
  } else {
    error = (await response.json()) as EventStream['error'];
  }
  const until = <T>(found: () => T | undefined, timeoutMs = 15_000): Promise<T> =>
    new Promise((resolve, reject) => {
      const check = () => {
        const value = found();
        if (value === undefined) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(value);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`not received within ${timeoutMs} ms; events so far: ${events.map((e) => e.type).join(', ') || 'none'}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return {
    status: response.status,
    headers: response.headers,
    ...(error === undefined ? {} : { error }),
    events,
    comments,
    ended,
    close: () => abort.abort(),
    waitFor: (test, timeoutMs) => until(() => events.find(test), timeoutMs),
    waitForComment: (pattern, timeoutMs) => until(() => comments.find((c) => pattern.test(c)), timeoutMs),
  };
}
