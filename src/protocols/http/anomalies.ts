/**
 * HTTP/1.x anomalies: what can be wrong with a message, its framing or the conversation.
 *
 * One table: the numeric code is the index (the parser raises codes, no strings on the hot path), the
 * string is the name used in events, counters, rules and each transaction's `anomalies` list. Append only;
 * never renumber or reuse. A retired code keeps its slot with a `retired.` prefix.
 *
 * Several of these are request-smuggling signals (RFC 9112 §11.2): the parser still picks one reading
 * (the one RFC 9112 prescribes) and raises the anomaly so that `src/threats/` sees the ambiguity.
 */
import { anomalyCodes } from '../module.js';

export const HTTP_ANOMALIES = [
  'http.none', // 0: never raised
  'http.bad_request_line', // 1: a line where a request line should be that is not one; the parser resynchronises at the next request line
  'http.bad_status_line', // 2: a response that does not start with `HTTP/x.y 3DIGIT` (a flow picked up inside a body, say): the next status line is looked for, as after a gap
  'http.http09_request', // 3: `GET /path` without a version (HTTP/0.9 simple request): no headers, the response is raw bytes until close
  'http.invalid_version', // 4: an HTTP-version other than HTTP/1.0 or HTTP/1.1 (read as 1.1), or a malformed one
  'http.request_line_whitespace', // 5: more than one SP between request-line parts, HTAB, or SP inside the target (RFC 9112 §3)
  'http.lf_line_ending', // 6: a line ended by LF alone (accepted, RFC 9112 §2.2)
  'http.bare_cr', // 7: a CR not followed by LF inside a line (RFC 9112 §2.2: invalid)
  'http.start_line_too_long', // 8: request or status line longer than maxHeaderLine (the rest of it is not kept)
  'http.header_line_too_long', // 9: a header or trailer line longer than maxHeaderLine (truncated)
  'http.header_section_too_long', // 10: header section beyond maxHeaderSection: later lines are framed but not kept
  'http.too_many_headers', // 11: more than maxHeaders fields: later ones are framed but not kept
  'http.invalid_header_name', // 12: a field name with characters outside RFC 9110 token
  'http.header_without_colon', // 13: a header line with no `:` (ignored)
  'http.whitespace_before_colon', // 14: `Name :` (RFC 9112 §5.1: must be rejected; read with the name trimmed)
  'http.obsolete_line_folding', // 15: a continuation line (RFC 9112 §5.2 obs-fold), joined to the previous value with SP
  'http.whitespace_before_first_header', // 16: a line starting with whitespace right after the start line (RFC 9112 §2.2: ignored)
  'http.invalid_header_value', // 17: a control character (other than HTAB) or NUL in a field value
  'http.duplicate_content_length', // 18: Content-Length given twice (or as a list) with different values; the first is used
  'http.invalid_content_length', // 19: Content-Length that is not a decimal number (negative, signed, hex, empty)
  'http.content_length_overflow', // 20: Content-Length beyond 2^53 - 1
  'http.content_length_with_transfer_encoding', // 21: both present (RFC 9112 §6.3 rule 3: Transfer-Encoding wins)
  'http.unknown_transfer_encoding', // 22: a transfer coding other than chunked, gzip, x-gzip, deflate, identity
  'http.chunked_not_final', // 23: Transfer-Encoding without chunked last (request: length unknown, RFC 9112 §6.3 rule 4)
  'http.transfer_encoding_http10', // 24: Transfer-Encoding in an HTTP/1.0 message (RFC 9112 §6.1: faulty framing)
  'http.invalid_chunk_size', // 25: a chunk-size line that is not hex digits (the body cannot be followed)
  'http.chunk_size_overflow', // 26: a chunk size beyond 2^53 - 1
  'http.invalid_chunk_extension', // 27: malformed `;name=value` after a chunk size (ignored)
  'http.chunk_missing_crlf', // 28: chunk data not followed by CRLF
  'http.response_without_request', // 29: a response with no request waiting for it
  'http.too_many_pipelined_requests', // 30: more than maxPendingRequests requests waiting; the oldest is emitted unanswered
  'http.request_without_response', // 31: the flow ended (or the response side stopped) before this request was answered
  'http.message_truncated', // 32: a direction ended or stopped inside a message (headers or body incomplete)
  'http.body_beyond_inspect_limit', // 33: body longer than inspectBodyLimit: the inspection buffer holds the first bytes only
  'http.unsupported_content_encoding', // 34: a content coding that is not decoded (br, compress, zstd, stacked codings): body kept as sent
  'http.decompression_failed', // 35: a gzip/deflate body that is not valid (the inspection buffer keeps what decoded before the fault)
  'http.decompression_bomb', // 36: decoded size beyond maxDecompressedSize, or beyond maxDecompressionRatio × the encoded size
  'http.gap_in_body', // 37: bytes missing inside a body of known length or a body read until close: skipped, the body is incomplete
  'http.gap_lost_sync', // 38: after a gap that cut a message (48), no start line within MAX_GAP_SCAN bytes: requests resume at the next request line, the response side stops
  'http.missing_host', // 39: an HTTP/1.1 request without Host (RFC 9112 §3.2: must be rejected)
  'http.multiple_host_headers', // 40: more than one Host field (RFC 9112 §3.2: must be rejected)
  'http.host_mismatch', // 41: absolute-form target whose authority differs from the Host header (the target's wins, RFC 9112 §3.2.2)
  'http.uri_invalid_escape', // 42: `%` not followed by two hex digits in the target
  'http.uri_encoded_null', // 43: `%00` in the target
  'http.uri_path_above_root', // 44: `..` segments climbing above the root (clamped in the normalized URI)
  'http.tunnel_buffer_full', // 45: the client sent more than maxTunnelBuffer bytes while its CONNECT/Upgrade waited for an answer
  'http.empty_header_name', // 46: a header line starting with `:`
  'http.too_many_interim_responses', // 47: more than MAX_INTERIM 1xx responses before a final one (the rest are not listed)
  'http.gap_cut_message', // 48: bytes missing in a start line, headers, chunk framing or past the end of a body: the message ends there, incomplete, and the side looks for the next start line
  'http.gap_resynchronised', // 49: after such a gap, a plausible request line (request side) or status line (response side) was found and parsing resumed there
] as const;

export type HttpAnomalyName = (typeof HTTP_ANOMALIES)[number];

/** Anomaly codes by short name, for the parser (`HttpAnomaly.BAD_REQUEST_LINE` is the index of `http.bad_request_line`). */
export const HttpAnomaly = anomalyCodes('http', HTTP_ANOMALIES);
