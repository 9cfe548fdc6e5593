/**
 * The `template` record: one client line with the server line that answered it. Plain data owned by the
 * receiver (no views of the parser's buffers).
 */
export interface TemplateRecord {
  /** The client's verb (`GET`, `PUT`, ...), as sent, cut to maxLineBytes. */
  verb: string;
  /** The rest of the client's line after the verb. */
  argument: string;
  /** The server's status word, or null when no answer came (the flow ended, or the queue overflowed). */
  status: string | null;
  /** Anomalies raised on this record, by name, in the order found. */
  anomalies: string[];
}
