/**
 * A report's shape text (reportShape in collector/ingest/reportToRecord.ts) in the two parts a
 * record carries (ReportShape): tests write shapes as text and compare records' shapes with them.
 */
import type { ReportShape } from '../../collector/store/store.js';

/** The two parts of a shape text: its first line and the rest (empty when it has one line). */
export function shapeOfText(text: string): ReportShape {
  const end = text.indexOf('\n');
  return end < 0 ? { head: text, body: '' } : { head: text.slice(0, end), body: text.slice(end + 1) };
}
