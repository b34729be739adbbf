/**
 * The schema of a duration in rule files and rule test files (`5m`, `1h30m`); the pattern and its
 * hint come from config/duration.ts, so every file says the same when one is malformed.
 */
import { Type } from '@sinclair/typebox';
import { DURATION_HINT, DURATION_PATTERN } from '../../config/duration.js';

/** A duration written as text; the loader turns it into seconds. */
export const DurationSchema = Type.String({ pattern: DURATION_PATTERN, patternHint: DURATION_HINT });
