/**
 * Inspection buffers of an `http` record, for `src/detect/` (rule keywords) and `src/threats/`: one
 * getter per buffer, named after Suricata's sticky buffers (`http.uri`, `http.header`, `file.data`...) so
 * rules written for Suricata find the same bytes here.
 *
 * Every buffer is bytes (strings are latin1, one byte per character, as the record holds them), built on
 * demand from the record: nothing is computed for buffers no rule asks for. null when the transaction has
 * no such part (no response yet, no such header).
 */
import type { HttpHeader, HttpTransaction } from './events.js';
import { splitHost } from './eve.js';
import type { BufferDirection, BufferScope, InspectionBuffer } from '../module.js';

export const HTTP_BUFFER_NAMES = [
  'http.method',
  'http.uri',
  'http.uri.raw',
  'http.protocol',
  'http.request_line',
  'http.host',
  'http.host.raw',
  'http.user_agent',
  'http.cookie',
  'http.referer',
  'http.content_type',
  'http.content_len',
  'http.header',
  'http.header.raw',
  'http.header_names',
  'http.request_body',
  'http.stat_code',
  'http.stat_msg',
  'http.response_line',
  'http.location',
  'http.server',
  'http.response_header',
  'http.response_header.raw',
  'http.response_body',
  'file.data',
] as const;
export type HttpBufferName = (typeof HTTP_BUFFER_NAMES)[number];

const latin1 = (s: string): Uint8Array => Buffer.from(s, 'latin1');
const field = (list: readonly HttpHeader[], name: string): string | null => {
  for (const h of list) if (h.name.length === name.length && h.name.toLowerCase() === name) return h.value;
  return null;
};

/**
 * Suricata's normalized header buffer: `Name: value\r\n` per field as read (folds joined, whitespace
 * trimmed), Cookie/Set-Cookie left out (they have buffers of their own), and a final `\r\n`.
 */
function headerBuffer(list: readonly HttpHeader[], skip: string): Uint8Array {
  let s = '';
  for (const h of list) if (h.name.toLowerCase() !== skip) s += `${h.name}: ${h.value}\r\n`;
  return latin1(`${s}\r\n`);
}

/** The bytes of one inspection buffer of `tx`, or null when the transaction has none. */
export function httpBuffer(tx: HttpTransaction, name: HttpBufferName): Uint8Array | null {
  const hasReq = tx.method !== null;
  const hasResp = tx.status !== null;
  const str = (s: string | null): Uint8Array | null => (s === null ? null : latin1(s));
  switch (name) {
    case 'http.method':
      return str(tx.method);
    case 'http.uri':
      return str(tx.normalizedUri);
    case 'http.uri.raw':
      return str(tx.uri);
    case 'http.protocol':
      return str(tx.version);
    case 'http.request_line':
      return hasReq
        ? latin1(`${tx.method} ${tx.uri}${tx.version === 'HTTP/0.9' || tx.version === '' ? '' : ` ${tx.version}`}`)
        : null;
    case 'http.host':
      return tx.host === null ? null : latin1(splitHost(tx.host)[0]);
    case 'http.host.raw':
      return str(hasReq ? field(tx.requestHeaders, 'host') : null);
    case 'http.user_agent':
      return str(tx.userAgent);
    case 'http.cookie':
      return str(tx.cookie);
    case 'http.referer':
      return str(tx.referer);
    case 'http.content_type':
      return str(tx.requestContentType ?? tx.responseContentType);
    case 'http.content_len':
      return str(hasReq ? field(tx.requestHeaders, 'content-length') : null);
    case 'http.header':
      return hasReq ? headerBuffer(tx.requestHeaders, 'cookie') : null;
    case 'http.header.raw':
      return hasReq ? tx.requestHeaderBlock : null;
    case 'http.header_names':
      return hasReq ? latin1(`\r\n${tx.requestHeaders.map((h) => `${h.name}\r\n`).join('')}\r\n`) : null;
    case 'http.request_body':
      return hasReq ? tx.requestBody : null;
    case 'http.stat_code':
      return hasResp ? latin1(String(tx.status)) : null;
    case 'http.stat_msg':
      return hasResp ? str(tx.reason) : null;
    case 'http.response_line':
      return hasResp ? latin1(`${tx.responseVersion} ${tx.status}${tx.reason ? ` ${tx.reason}` : ''}`) : null;
    case 'http.location':
      return str(tx.location);
    case 'http.server':
      return str(hasResp ? field(tx.responseHeaders, 'server') : null);
    case 'http.response_header':
      return hasResp ? headerBuffer(tx.responseHeaders, 'set-cookie') : null;
    case 'http.response_header.raw':
      return hasResp ? tx.responseHeaderBlock : null;
    case 'http.response_body':
    case 'file.data':
      return hasResp ? tx.responseBody : null;
  }
}

/** What each buffer is: its direction and one line (every HTTP buffer is of a transaction). */
const HTTP_BUFFER_INFO: { readonly [K in HttpBufferName]: [BufferDirection, string] } = {
  'http.method': ['to_server', 'request method'],
  'http.uri': ['to_server', 'normalised request URI (escapes decoded, dot segments removed)'],
  'http.uri.raw': ['to_server', 'request target as sent'],
  'http.protocol': ['to_server', 'request HTTP version'],
  'http.request_line': ['to_server', 'request line without CRLF'],
  'http.host': ['to_server', 'host name, port removed'],
  'http.host.raw': ['to_server', 'Host header value as sent'],
  'http.user_agent': ['to_server', 'User-Agent value'],
  'http.cookie': ['to_server', 'Cookie value'],
  'http.referer': ['to_server', 'Referer value'],
  'http.content_type': ['to_server', 'Content-Type of the request (else of the response)'],
  'http.content_len': ['to_server', 'Content-Length of the request'],
  'http.header': ['to_server', 'request headers normalised, `Name: value` lines, Cookie left out'],
  'http.header.raw': ['to_server', 'request header section as sent'],
  'http.header_names': ['to_server', 'request header names, one per line'],
  'http.request_body': ['to_server', 'request body, transfer- and content-decoded, up to inspectBodyLimit'],
  'http.stat_code': ['to_client', 'response status code'],
  'http.stat_msg': ['to_client', 'response reason phrase'],
  'http.response_line': ['to_client', 'status line without CRLF'],
  'http.location': ['to_client', 'Location value'],
  'http.server': ['to_client', 'Server value'],
  'http.response_header': ['to_client', 'response headers normalised, Set-Cookie left out'],
  'http.response_header.raw': ['to_client', 'response header section as sent'],
  'http.response_body': ['to_client', 'response body, decoded, up to inspectBodyLimit'],
  'file.data': ['to_client', "response body (Suricata's file.data for HTTP)"],
};

/**
 * Suricata's `http.request_header`: a multi-buffer, one `Name: value` instance per request header field
 * (every field, Cookie included, as read).
 */
const REQUEST_HEADER: InspectionBuffer<HttpTransaction> = {
  name: 'http.request_header',
  direction: 'to_server',
  scope: 'transaction',
  description: 'each request header field as `Name: value` (one instance per field)',
  get: (tx) => (tx.method === null ? [] : tx.requestHeaders.map((h) => latin1(`${h.name}: ${h.value}`))),
};

/** One single-instance buffer of the `httpBuffer` getter. */
function singleBuffer(name: HttpBufferName): InspectionBuffer<HttpTransaction> {
  const [direction, description] = HTTP_BUFFER_INFO[name];
  const scope: BufferScope = 'transaction';
  return {
    name,
    direction,
    scope,
    description,
    get(tx: HttpTransaction): Uint8Array[] {
      const b = httpBuffer(tx, name);
      return b === null ? [] : [b];
    },
  };
}

/** The `http` module's inspection buffers. */
export const HTTP_BUFFERS: readonly InspectionBuffer<HttpTransaction>[] = [
  ...HTTP_BUFFER_NAMES.map(singleBuffer),
  REQUEST_HEADER,
];
