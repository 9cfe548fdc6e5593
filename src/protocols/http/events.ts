/**
 * The `http` record: one request with its response (either may be missing), as emitted to the engine
 * (`sink.emit(transaction)`, event type `http`). Plain data owned by the receiver: every string and buffer is
 * its own copy.
 *
 * Strings are the bytes as sent read as latin1 (one character per byte), so no byte is lost or replaced;
 * the raw bytes of the header sections are kept as well (`requestHeaderBlock`, `responseHeaderBlock`).
 *
 * Body lengths come three ways for each direction:
 * - `...BodyWireLength`: bytes after the header section on the wire, chunk framing and trailers included;
 * - `...BodyLength`: the body with the transfer coding removed (what Content-Length counts);
 * - `...BodyDecodedLength`: after content decoding (gzip, deflate); equal to `...BodyLength` when the body
 *   has no coding netsieve decodes. It stops counting where decoding stopped (a bomb, a damaged stream).
 */
import type { HttpHeader } from './message.js';

export type { HttpHeader };

export interface HttpTransaction {
  /** Position of the transaction in its flow, from 0, in request order. */
  txId: number;

  // ---- request (null/empty when a response came with no request to pair it with)
  /** Request method as sent (any RFC 9110 token). */
  method: string | null;
  /** The request-target exactly as sent (origin, absolute, authority or asterisk form). */
  uri: string | null;
  /**
   * The path and query, normalized for matching (`uri.ts`): unreserved escapes decoded, dot segments
   * resolved, repeated slashes collapsed; for an absolute-form target, its path only. Same as `uri` for `*`
   * and CONNECT targets.
   */
  normalizedUri: string | null;
  /**
   * Request HTTP-version as sent (`HTTP/1.1`); `HTTP/0.9` for a request line without one (a simple request,
   * or a client that forgot the version and sent header fields, read with them); '' when the line was cut.
   */
  version: string | null;
  /** Host the request is for: the authority of an absolute-form target, else the Host field (port kept, case kept). */
  host: string | null;
  /** Request header fields in order, duplicates kept (up to maxHeaders / maxHeaderSection). */
  requestHeaders: HttpHeader[];
  /** Trailer fields after a chunked request body. */
  requestTrailers: HttpHeader[];
  userAgent: string | null;
  cookie: string | null;
  /** The Referer field. */
  referer: string | null;
  xForwardedFor: string | null;
  /** Content-Type of the request. */
  requestContentType: string | null;
  /** The request's Content-Length when it was a valid number, null otherwise. */
  requestContentLength: number | null;
  requestTransferEncoding: string | null;
  requestContentEncoding: string | null;
  requestBodyWireLength: number;
  requestBodyLength: number;
  requestBodyDecodedLength: number;
  /** Inspection buffer: the first inspectBodyLimit bytes of the decoded request body. */
  requestBody: Uint8Array;
  /** The request body did not fit in the inspection buffer (or has holes): `requestBody` is a prefix. */
  requestBodyTruncated: boolean;
  /** Inspection buffer: the request's header lines as received (request line and final empty line excluded). */
  requestHeaderBlock: Uint8Array;
  /** The request ended where its framing said (false: cut, or seen only in part). */
  requestComplete: boolean;

  // ---- response (null/empty when none came)
  /** Status code of the final response; null when no response (or an HTTP/0.9 answer without status line). */
  status: number | null;
  reason: string | null;
  responseVersion: string | null;
  /** Status codes of interim (1xx) responses before the final one, e.g. [100]. */
  interimStatuses: number[];
  responseHeaders: HttpHeader[];
  responseTrailers: HttpHeader[];
  /** Content-Type of the response. */
  responseContentType: string | null;
  /** The Location field (redirects). */
  location: string | null;
  /** The Content-Range field. */
  contentRange: string | null;
  responseContentLength: number | null;
  responseTransferEncoding: string | null;
  responseContentEncoding: string | null;
  responseBodyWireLength: number;
  responseBodyLength: number;
  responseBodyDecodedLength: number;
  /** Inspection buffer: the first inspectBodyLimit bytes of the decoded response body. */
  responseBody: Uint8Array;
  responseBodyTruncated: boolean;
  /** Inspection buffer: the response's header lines as received (status line and final empty line excluded). */
  responseHeaderBlock: Uint8Array;
  responseComplete: boolean;

  // ---- conversation
  /** The flow left HTTP after this transaction: `connect` (2xx to CONNECT) or `upgrade` (101). */
  tunnel: 'connect' | 'upgrade' | null;
  /** Names of the anomalies raised on this transaction (`http.*`), each once, in the order raised. */
  anomalies: string[];
  /** The WAF's results on this transaction (src/detect/waf/), present only when the WAF ran (`detect.waf`). */
  waf?: HttpWafResult;
}

/**
 * What the WAF decided on one HTTP transaction, from its TX variables as OWASP CRS sets them (0 when the
 * rule set does not set them). EVE writes it as `http.waf` in snake_case (schema/eve-waf.schema.json).
 */
export interface HttpWafResult {
  /** TX `blocking_inbound_anomaly_score`: the request's score at the blocking paranoia level (949110 reads it). */
  inboundScore: number;
  /** TX `blocking_outbound_anomaly_score` (959100 reads it). */
  outboundScore: number;
  /** TX `inbound_anomaly_score_threshold` (CRS default 5). */
  inboundThreshold: number;
  /** TX `outbound_anomaly_score_threshold` (CRS default 4). */
  outboundThreshold: number;
  /** TX `blocking_paranoia_level` (1-4). */
  paranoia: number;
  /** The ids of the logged rule matches (the WAF's alerts), in evaluation order. */
  matched: number[];
  /** The first matched rule whose disruptive action is deny, drop or redirect, and its phase; null when none. */
  intervention: { rule: number; phase: number; action: 'deny' | 'drop' | 'redirect' } | null;
  /** The WAF is in `block` mode and intervened: the flow's packets are dropped from the request's end on. */
  blocked: boolean;
}
