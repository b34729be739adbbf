/** Our ledger of a desk's ticket for an incident: recorded once, so a retry never makes a second one. */
export interface TicketRecord {
  incidentId: number;
  desk: string;
  externalId: string;
  url: string | null;
  state: string;
  createdAtMs: number;
  updatedAtMs: number;
  /** What the desk last said about the ticket (its own word), and when it was asked. */
  deskStatus?: string | null;
  checkedAtMs?: number | null;
}
