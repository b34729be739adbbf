/** The in-memory `ReportQueue`: bounded by report count and bytes, dropping the oldest first. */
import type { QueuedReport, ReportQueue } from './reportQueue.js';

/** Bounds of the in-memory queue. */
export interface MemoryReportQueueOptions {
  maxReports: number;
  /** Sum of compressed bodies; the newest report is always kept even when alone it is larger. */
  maxBytes: number;
}

/** Creates an empty in-memory queue. Its contents are lost when the process stops. */
export function createMemoryReportQueue({ maxReports, maxBytes }: MemoryReportQueueOptions): ReportQueue {
  const reports: QueuedReport[] = [];
  let bytes = 0;
  return {
    async push(report) {
      // In sequence order: a report whose direct upload failed is pushed after later ones were queued.
      let at = reports.length;
      while (at > 0 && reports[at - 1]!.sequence > report.sequence) at -= 1;
      reports.splice(at, 0, report);
      bytes += report.gzipBody.length;
      let dropped = 0;
      while (reports.length > 1 && (reports.length > maxReports || bytes > maxBytes)) {
        bytes -= reports.shift()!.gzipBody.length;
        dropped += 1;
      }
      return dropped;
    },
    async peek() {
      return reports[0];
    },
    async remove(sequence) {
      const index = reports.findIndex((r) => r.sequence === sequence);
      if (index >= 0) bytes -= reports.splice(index, 1)[0]!.gzipBody.length;
    },
    async setAside(report) {
      await this.remove(report.sequence);
    },
    async size() {
      return reports.length;
    },
    sizeNow: () => reports.length,
  };
}
