/**
 * One HTTP/1.x message as the parser builds it: start line, header fields, framing facts, body.
 *
 * Lifetime: allocated by the parser when a start line is read, filled while the message is parsed, then
 * handed to the connection (state.ts), which copies what the transaction record keeps. Strings are the
 * bytes read as latin1 (one character per byte, nothing lost); the raw bytes are in `headerBlock`.
 */
import type { BodyCollector } from './body.js';
import { EMPTY_BYTES } from './body.js';

/** One header or trailer field, in the order received (duplicates kept). */
export interface HttpHeader {
  /** The field name as sent (case kept). */
  name: string;
  /** The field value, leading and trailing whitespace removed, obsolete folds joined with one SP. */
  value: string;
}

/** Content-Length state of a message. */
export const Cl = {
  NONE: 0,
  VALID: 1,
  /** Not a number, or two different values: the framing is not reliable. */
  INVALID: 2,
} as const;

export class HttpMessage {
  /** Request: method, raw request-target, version text (e.g. `HTTP/1.1`; `HTTP/0.9` for a line without one). */
  method = '';
  uri = '';
  /**
   * Nobody read records when the message began (`AppEventSink.recordsWanted`): its body is counted, not
   * kept, and its transaction is not emitted even if someone starts reading before it ends.
   */
  lean = false;
  version = '';
  /**
   * Minor version: 1 for HTTP/1.1 (and unknown versions, read as 1.1), 0 for HTTP/1.0 (and a version-less
   * request line followed by header fields), -1 for HTTP/0.9.
   */
  minor = 1;
  /** Response: status code and reason phrase (empty when absent). 0 for an HTTP/0.9 answer (no status line). */
  status = 0;
  reason = '';
  headers: HttpHeader[] = [];
  trailers: HttpHeader[] = [];
  /** Raw header lines (start line and the final empty line excluded), as received, up to the section cap. */
  headerBlock: Uint8Array = EMPTY_BYTES;

  /** Values of the first occurrence of the fields an inspector asks for by name. */
  host: string | null = null;
  hostCount = 0;
  userAgent: string | null = null;
  cookie: string | null = null;
  contentType: string | null = null;
  referer: string | null = null;
  location: string | null = null;
  xForwardedFor: string | null = null;
  contentRange: string | null = null;
  upgrade: string | null = null;
  /** The Content-Encoding field(s) as sent, joined with `, `. */
  contentEncoding: string | null = null;
  /** The Transfer-Encoding field(s) as sent, joined with `, `. */
  transferEncoding: string | null = null;

  /** Framing. */
  clState: number = Cl.NONE;
  contentLength = -1;
  /** Transfer codings in order (lower-cased, parameters dropped), null when there is no Transfer-Encoding. */
  transferCodings: string[] | null = null;
  /** Content codings in order (lower-cased), null when there is no Content-Encoding. */
  contentCodings: string[] | null = null;
  connectionClose = false;
  connectionUpgrade = false;
  /** The body is chunked (Transfer-Encoding with chunked last). */
  chunked = false;

  body: BodyCollector | null = null;
  /** Bytes of the message on the wire after the header section (chunk framing included). */
  wireBodyLength = 0;
  /** The message ended where its framing said (false: cut by the end of the stream, a gap or a framing error). */
  complete = false;
  /** The headers were read to their end. */
  headersDone = false;
  /** Anomaly codes raised on this message, each once. */
  readonly raised: number[] = [];
  /** The owner's transaction (state.ts), opaque to the parser. */
  tx: unknown = null;

  constructor(readonly isRequest: boolean) {}
}
