/**
 * The wire contract's numbers (its major version, its path, the limits of a report), in a module of
 * their own so that the agent reads them without loading TypeBox, which builds the schema in
 * report.ts (a default agent loads no TypeBox: `npm run bench:agent`). report.ts builds the schema
 * from these and re-exports them: its versioning rule applies to them.
 */

/** The contract's major version: bumped only for an incompatible change (see the versioning rule in report.ts). */
export const REPORT_SCHEMA_VERSION = 1;

/** Path of the ingest endpoint, relative to the collector's base URL. */
export const REPORTS_PATH = '/api/v1/reports';

/** Observations in one report at most. */
export const MAX_REPORT_OBSERVATIONS = 20000;
/**
 * A series set's name, as a collector gives it (collector/ingest/seriesSets.ts): 22 characters of
 * base64url, the first 128 bits of a SHA-256 of the series.
 */
export const SERIES_SET_ID_PATTERN = '^[A-Za-z0-9_-]{22}$';
/** Check results in one report at most. */
export const MAX_REPORT_CHECKS = 2000;
/** Characters of one check result's output at most. */
export const MAX_CHECK_OUTPUT_LENGTH = 4096;

/**
 * The limits of a label set, wherever one comes from (an observation, the agent's `labels` in a
 * report, `agent.labels` in the config): at most MAX_LABELS names, each a Prometheus label name not
 * starting with `__` of at most MAX_LABEL_NAME_LENGTH characters, each value a string of at most
 * MAX_LABEL_VALUE_LENGTH characters.
 */
export const MAX_LABELS = 32;
export const MAX_LABEL_NAME_LENGTH = 128;
export const MAX_LABEL_VALUE_LENGTH = 1024;
