/**
 * Options of the HTTP/1.x module (`app.protocols.http` in the engine's options). Every buffer, list and
 * count the parser keeps has its cap here; hitting one raises the anomaly named beside it.
 *
 * Values are flat numbers and booleans so the engine's option merger can check them by type.
 */
export interface HttpOptions {
  /**
   * Longest start line, header line, trailer line or chunk-size line kept, in bytes (CRLF included).
   * Default 16384: Apache refuses fields over 8190 bytes and nginx's large header buffers are 8 KiB, so
   * anything longer is not something a common server would accept. Longer lines are cut (the rest is
   * skipped up to the line's end) and raise `http.start_line_too_long` / `http.header_line_too_long`.
   */
  maxHeaderLine: number;
  /**
   * Bytes of one header (or trailer) section kept. Default 65536 (the most Node.js, Go's net/http and
   * Tomcat accept is 16 KiB to 1 MiB; 64 KiB covers big cookie jars). Beyond it `http.header_section_too_long`
   * is raised and lines are still read for framing (Content-Length, Transfer-Encoding, ...) but not kept.
   */
  maxHeaderSection: number;
  /** Header fields kept per message. Default 256 (Apache: 100). Beyond: `http.too_many_headers`, framed but not kept. */
  maxHeaders: number;
  /**
   * Pipelined requests waiting for their responses. Default 64 (browsers and clients pipeline a handful).
   * Beyond: `http.too_many_pipelined_requests`; the oldest is emitted without a response.
   */
  maxPendingRequests: number;
  /**
   * Bytes of each body (request and response, after transfer and content decoding) copied into the
   * transaction's inspection buffers. Default 262144 (Suricata's request/response-body-limit is 100 KiB).
   * Longer bodies are still read to their end and counted; `http.body_beyond_inspect_limit` is raised.
   */
  inspectBodyLimit: number;
  /** Decode gzip, x-gzip and deflate bodies (content and transfer codings) for inspection. Default true. */
  decompress: boolean;
  /**
   * Decoded bytes produced for one body before decoding stops (`http.decompression_bomb`). Default 8 MiB:
   * bytes past inspectBodyLimit are decoded only to count them and to spot bombs.
   */
  maxDecompressedSize: number;
  /**
   * Largest ratio of decoded to encoded bytes accepted once a body has decoded past 1 MiB (`http.decompression_bomb`
   * beyond). Default 200: text compresses 5–20×, sparse JSON or logs up to ~100×; a run of zeros 1000×.
   */
  maxDecompressionRatio: number;
  /**
   * Bytes the client may send after a CONNECT or an Upgrade request while its answer is awaited (held,
   * then parsed as HTTP if the server refuses). Default 65536. Beyond: `http.tunnel_buffer_full`, the rest is dropped.
   */
  maxTunnelBuffer: number;
}

export const HTTP_DEFAULTS: Readonly<HttpOptions> = Object.freeze({
  maxHeaderLine: 16384,
  maxHeaderSection: 65536,
  maxHeaders: 256,
  maxPendingRequests: 64,
  inspectBodyLimit: 262144,
  decompress: true,
  maxDecompressedSize: 8 * 1024 * 1024,
  maxDecompressionRatio: 200,
  maxTunnelBuffer: 65536,
});

/** Decoded bytes after which the ratio cap applies (small bodies with high ratios are harmless). */
export const RATIO_FLOOR = 1024 * 1024;

/** One line per option, for the config reference and `netsieve protocols` (the why is on each field above). */
export const HTTP_OPTION_DOCS: { readonly [K in keyof HttpOptions]: string } = {
  maxHeaderLine: 'Longest start, header, trailer or chunk-size line kept, in bytes (longer: cut, http.header_line_too_long)',
  maxHeaderSection: 'Bytes of one header or trailer section kept (beyond: framed but not kept, http.header_section_too_long)',
  maxHeaders: 'Header fields kept per message (beyond: http.too_many_headers)',
  maxPendingRequests: 'Pipelined requests waiting for their responses (beyond: the oldest is emitted unanswered)',
  inspectBodyLimit: 'Bytes of each body (decoded) kept in the inspection buffers (beyond: http.body_beyond_inspect_limit)',
  decompress: 'Decode gzip, x-gzip and deflate bodies for inspection',
  maxDecompressedSize: 'Decoded bytes produced for one body before decoding stops (http.decompression_bomb)',
  maxDecompressionRatio: 'Largest decoded/encoded ratio accepted once a body decoded past 1 MiB (http.decompression_bomb)',
  maxTunnelBuffer: 'Bytes held from the client while a CONNECT or Upgrade awaits its answer (beyond: http.tunnel_buffer_full)',
};
