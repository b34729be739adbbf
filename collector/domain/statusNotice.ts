/**
 * The status page's notice: one text an operator writes for the business users who read the page
 * ("Card payments are slow; we are on it"), with who set it and when (kept for the audit and the
 * API; the public page shows only the text and the time).
 */
export interface StatusNotice {
  text: string;
  setBy: string;
  setAtMs: number;
}
