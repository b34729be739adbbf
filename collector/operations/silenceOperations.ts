/**
 * Operator silences: incidents whose labels match every matcher get no ticket while one is active.
 * Matchers are written as in rules (`label="value"`, `!=`, `=~`, `!~`).
 */
import { LabelMatcherError, compileLabelMatchers, formatLabelMatcher, parseLabelMatcher, type LabelMatcher } from '../../rules/index.js';
import type { Clock } from '../clock.js';
import type { SilenceRecord } from '../domain/silence.js';
import type { Store } from '../store/store.js';
import { OperationError, invalidField } from './operationError.js';

export interface NewSilence {
  matchers: readonly string[];
  /** Now when absent. */
  startsAtMs?: number;
  expiresAtMs: number;
  comment?: string;
  createdBy: string;
}

export interface SilenceOperations {
  /** Silences not yet expired (future ones included), or all of them. */
  listSilences(options: { includeExpired: boolean }): SilenceView[];
  /** Adds a silence; invalid when a matcher does not parse or it would end before it starts or now. */
  addSilence(silence: NewSilence): SilenceView;
  /** Ends a silence now; not-found when there is none. */
  expireSilence(id: number): SilenceView;
  /** The active incidents a silence with these matchers would hold; invalid as addSilence is. */
  previewSilence(matchers: readonly string[]): SilencePreview[];
}

/** An active incident a silence would match. */
export interface SilencePreview {
  id: number;
  host: string;
  ruleName: string;
  severity: string;
  status: string;
  summary: string;
}

export function createSilenceOperations({ store, clock }: { store: Store; clock: Clock }): SilenceOperations {
  return {
    listSilences: ({ includeExpired }) => store.listSilences(includeExpired ? undefined : clock.nowMs()).map(silenceView),
    addSilence(silence) {
      const matchers = parseMatchers(silence.matchers);
      const nowMs = clock.nowMs();
      const startsAtMs = silence.startsAtMs ?? nowMs;
      if (silence.expiresAtMs <= Math.max(startsAtMs, nowMs)) throw invalidField('expiresAt', 'must be after startsAt and in the future');
      const record = store.transaction((tx) =>
        tx.insertSilence({ matchers, comment: silence.comment ?? '', createdBy: silence.createdBy, startsAtMs, expiresAtMs: silence.expiresAtMs, createdAtMs: nowMs }),
      );
      return silenceView(record);
    },
    previewSilence(texts) {
      const matches = compileLabelMatchers(parseMatchers(texts));
      return store
        .listIncidents({ status: 'active', limit: 100_000 })
        .filter((i) => matches(i.labels))
        .map((i) => ({ id: i.id, host: i.host, ruleName: i.ruleName, severity: i.severity, status: i.status, summary: i.summary }));
    },
    expireSilence(id) {
      const nowMs = clock.nowMs();
      if (!store.transaction((tx) => tx.expireSilence(id, nowMs))) throw new OperationError('not-found', `silence ${id} does not exist`);
      return silenceView(store.getSilence(id)!);
    },
  };
}

/** Parses `label="value"` style matchers; a bad one is invalid at `matchers/<index>`. */
function parseMatchers(texts: readonly string[]): LabelMatcher[] {
  return texts.map((text, index) => {
    try {
      return parseLabelMatcher(text);
    } catch (error) {
      throw invalidField(`matchers/${index}`, error instanceof LabelMatcherError ? error.message : String(error));
    }
  });
}

/** The API's view of a silence, with ISO times and the matchers as written. */
function silenceView(silence: SilenceRecord) {
  return {
    id: silence.id,
    matchers: silence.matchers.map(formatLabelMatcher),
    comment: silence.comment,
    createdBy: silence.createdBy,
    startsAt: new Date(silence.startsAtMs).toISOString(),
    expiresAt: new Date(silence.expiresAtMs).toISOString(),
  };
}

export type SilenceView = ReturnType<typeof silenceView>;
