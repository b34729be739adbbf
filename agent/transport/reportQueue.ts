/**
 * Where reports wait until the collector acknowledges them, oldest first. An interface because the
 * in-memory queue of today will be joined by one on disk that survives restarts; the sender only
 * sees this shape. Methods are async so that a disk implementation fits without changing callers.
 */

/** A report ready to send: its sequence and its gzip-compressed JSON body. */
export interface QueuedReport {
  sequence: number;
  gzipBody: Buffer;
}

/** A bounded queue of reports in sequence order. */
export interface ReportQueue {
  /**
   * Adds a report in sequence order (usually at the end; a report whose direct upload failed may
   * come after later ones); when over the bounds, drops the oldest others and resolves to how many.
   */
  push(report: QueuedReport): Promise<number>;
  /** The oldest report, left in place. */
  peek(): Promise<QueuedReport | undefined>;
  /** Removes the report with this sequence, if still queued (it may have been dropped meanwhile). */
  remove(sequence: number): Promise<void>;
  /**
   * Takes a report the collector refused for good (a 4xx) out of the queue and keeps it aside for
   * a person to look at (the disk queue: `<dataDir>/agent/rejected/`, the newest ones only), so that
   * it is never retried and never blocks the reports behind it. A report never queued is kept aside too.
   */
  setAside(report: QueuedReport): Promise<void>;
  /** Reports waiting. */
  size(): Promise<number>;
  /**
   * Reports waiting, when the queue knows without waiting (the disk queue once open, with no push
   * still writing); undefined otherwise. Lets the sender decide a direct upload without a promise.
   */
  sizeNow?(): number | undefined;
}
