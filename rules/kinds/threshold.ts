/**
 * The default rule kind: each raw sample compared with the rule's thresholds (`above`/`below`, and
 * `clearBelow`/`clearAbove` for hysteresis). A rule is of this kind when it names no other.
 */
import { thresholdReason } from '../engine/describeReason.js';
import { thresholdReading } from '../engine/thresholdReading.js';
import { compareThreshold } from '../model/compareThreshold.js';
import type { RuleKind } from './ruleKind.js';

/** The plain threshold kind: each raw sample, no memory, no sweep. */
export const thresholdKind: RuleKind = {
  schema: {},
  memoryFields: [],
  build: () => ({}),
  templateVariables: [],
  versionPart: () => undefined,
  compile: (rule) => ({
    read: (sample) => thresholdReading(rule, sample.atMs, sample.value),
    firesAt: (value) => compareThreshold(rule.fire, value),
    reason: thresholdReason(rule, rule.metric),
    latestSampleMayLag: true,
  }),
};
