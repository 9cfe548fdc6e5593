/**
 * Inspection buffers of an `http` record, for `src/detect/` (rule keywords) and `src/threats/`: one
 * getter per buffer, named after Suricata's sticky buffers (`http.uri`, `http.header`, `file.data`...) and
 * holding the bytes Suricata 7 (libhtp 0.5, the default `libhtp.default-config`) inspects under that name,
 * so that a rule written for Suricata alerts on the same transactions here. Checked against Suricata 7.0.10
 * itself: test/protocols/http/suricata-buffers.test.ts.
 *
 * What Suricata's bytes are, where they differ from the record's fields:
 * - Header buffers read libhtp's header table, not the fields as sent: a repeated field is one entry (the
 *   first spelling of the name) whose value is the values joined by `, `; a repeated Content-Length keeps
 *   its first value. `http.header` is `Name: value\r\n` per entry without Cookie (Set-Cookie to the client)
 *   and with no final empty line; `http.start` is the start line, `\r\n`, every entry (Cookie too) as
 *   `Name: value\r\n`, then `\r\n`; `http.header_names` is `\r\n`, each name + `\r\n`, then `\r\n`.
 * - `http.uri` is libhtp's normalized URI (suricata-uri.ts), `http.uri.raw` the target up to the first
 *   space (libhtp's request-target). `http.host` is libhtp's host name: the absolute-form target's, else the
 *   Host field's, lower-cased, port and trailing dots removed; `http.host.raw` the target's host name when
 *   the target has one, else the Host field as sent.
 *
 * Direction: Suricata inspects some buffers in both directions (a to_client rule on `http.header` sees the
 * response headers). The contract gives a buffer one direction and a unique name, so the response side of
 * those is a second buffer named `<name>.to_client` (`http.header.to_client`, ...); `HTTP_TO_CLIENT_TWIN`
 * lists them. The detect stage looks up `<name>.to_client` for a to_client rule and falls back to `<name>`.
 *
 * Every buffer is bytes (strings are latin1, one byte per character, as the record holds them), built on
 * demand from the record: nothing is computed for buffers no rule asks for. null when the transaction has
 * no such part (no response yet, no such header).
 */
import type { HttpHeader, HttpTransaction } from './events.js';
import { libhtpRequestUri, libhtpUriHostname, suricataNormalizedUri } from './suricata-uri.js';
import type { BufferDirection, BufferScope, InspectionBuffer } from '../module.js';

export const HTTP_BUFFER_NAMES = [
  'http.method',
  'http.uri',
  'http.uri.raw',
  'http.protocol',
  'http.request_line',
  'http.start',
  'http.host',
  'http.host.raw',
  'http.user_agent',
  'http.cookie',
  'http.referer',
  'http.accept',
  'http.accept_enc',
  'http.accept_lang',
  'http.connection',
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
  'http.response_body',
  'file.data',
  'http.protocol.to_client',
  'http.start.to_client',
  'http.cookie.to_client',
  'http.connection.to_client',
  'http.content_type.to_client',
  'http.content_len.to_client',
  'http.header.to_client',
  'http.header.raw.to_client',
  'http.header_names.to_client',
] as const;
export type HttpBufferName = (typeof HTTP_BUFFER_NAMES)[number];

/** Buffers Suricata inspects in both directions → the name of their response-side twin. */
export const HTTP_TO_CLIENT_TWIN: Readonly<Record<string, HttpBufferName>> = {
  'http.protocol': 'http.protocol.to_client',
  'http.start': 'http.start.to_client',
  'http.cookie': 'http.cookie.to_client',
  'http.connection': 'http.connection.to_client',
  'http.content_type': 'http.content_type.to_client',
  'http.content_len': 'http.content_len.to_client',
  'http.header': 'http.header.to_client',
  'http.header.raw': 'http.header.raw.to_client',
  'http.header_names': 'http.header_names.to_client',
};

const latin1 = (s: string): Uint8Array => Buffer.from(s, 'latin1');

/** libhtp keeps at most this many repetitions of fields per message (HTP_MAX_HEADERS_REPETITIONS). */
const MAX_REPETITIONS = 64;

/**
 * The fields of a header section as libhtp reads them from the raw block: an obs-fold line is appended to
 * the line before it as it is (`a: first` + `  second` is `first  second`, where the record joins folds with
 * one space); the name ends at the colon, the value is trimmed of spaces and tabs. When the block does not
 * give the same number of fields as the record (a cap, a cut message), the record's fields are used.
 */
function rawFields(block: Uint8Array, parsed: readonly HttpHeader[]): readonly HttpHeader[] {
  const text = Buffer.from(block.buffer, block.byteOffset, block.byteLength).toString('latin1');
  const out: HttpHeader[] = [];
  // One pass over the lines (no split array, no regex per line): `logical` is the field being assembled.
  let logical: string | null = null;
  const n = text.length;
  for (let pos = 0; pos < n; ) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = n;
    let end = nl;
    if (end > pos && text.charCodeAt(end - 1) === 0x0d) end--;
    if (end > pos) {
      const c = text.charCodeAt(pos);
      if ((c === 0x20 || c === 0x09) && logical !== null) logical += text.slice(pos, end);
      else {
        if (logical !== null && !addField(logical, out)) return parsed;
        logical = text.slice(pos, end);
      }
    }
    pos = nl + 1;
  }
  if (logical !== null && !addField(logical, out)) return parsed;
  return out.length === parsed.length ? out : parsed;
}

const isSpaceOrTab = (c: number): boolean => c === 0x20 || c === 0x09;

/** `name: value` (name's trailing and value's surrounding spaces and tabs trimmed) into `out`; false without a colon. */
function addField(line: string, out: HttpHeader[]): boolean {
  const colon = line.indexOf(':');
  if (colon < 0) return false;
  let nameEnd = colon;
  while (nameEnd > 0 && isSpaceOrTab(line.charCodeAt(nameEnd - 1))) nameEnd--;
  let from = colon + 1;
  let to = line.length;
  while (from < to && isSpaceOrTab(line.charCodeAt(from))) from++;
  while (to > from && isSpaceOrTab(line.charCodeAt(to - 1))) to--;
  out.push({ name: line.slice(0, nameEnd), value: line.slice(from, to) });
  return true;
}

/**
 * libhtp's header table of a message: one entry per field name (case-insensitive, the first spelling),
 * repeated values joined with `, ` (Content-Length: the first value kept), in first-seen order.
 */
export function libhtpHeaderTable(list: readonly HttpHeader[]): HttpHeader[] {
  const out: HttpHeader[] = [];
  const index = new Map<string, number>();
  const repeated = new Set<number>();
  let repetitions = 0;
  for (const h of list) {
    const key = h.name.toLowerCase();
    const i = index.get(key);
    if (i === undefined) {
      index.set(key, out.length);
      out.push({ name: h.name, value: h.value });
      continue;
    }
    if (repeated.has(i)) {
      if (repetitions >= MAX_REPETITIONS) continue;
      repetitions++;
    }
    repeated.add(i);
    const e = out[i] as HttpHeader;
    if (key !== 'content-length') e.value = `${e.value}, ${h.value}`;
  }
  return out;
}

/**
 * libhtp's table of the request's (or the response's) header section. Detection asks for several buffers of
 * one transaction in a row (`http.header`, `http.host`, `http.user_agent`...): the last transaction's tables
 * are kept (records are not changed after they are emitted, and callers only read the tables).
 */
let tableTx: HttpTransaction | null = null;
let tableReq: HttpHeader[] | null = null;
let tableResp: HttpHeader[] | null = null;
function tablesOf(tx: HttpTransaction): void {
  if (tableTx === tx) return;
  tableTx = tx;
  tableReq = null;
  tableResp = null;
}
const reqTable = (tx: HttpTransaction): readonly HttpHeader[] => {
  tablesOf(tx);
  tableReq ??= libhtpHeaderTable(rawFields(tx.requestHeaderBlock, tx.requestHeaders));
  return tableReq;
};
const respTable = (tx: HttpTransaction): readonly HttpHeader[] => {
  tablesOf(tx);
  tableResp ??= libhtpHeaderTable(rawFields(tx.responseHeaderBlock, tx.responseHeaders));
  return tableResp;
};

/** The value of field `name` (lower case) in a header table, or null. */
function tableValue(table: readonly HttpHeader[], name: string): string | null {
  for (const h of table) if (h.name.toLowerCase() === name) return h.value;
  return null;
}

/** `Name: value\r\n` per table entry, `skip` left out (Suricata's `http.header`: no final empty line). */
function headerBuffer(table: readonly HttpHeader[], skip: string): Uint8Array {
  let s = '';
  for (const h of table) if (h.name.toLowerCase() !== skip) s += `${h.name}: ${h.value}\r\n`;
  return latin1(s);
}

/** `\r\n` + each name + `\r\n`, then `\r\n`; empty without fields. */
function headerNames(t: readonly HttpHeader[]): Uint8Array {
  if (t.length === 0) return new Uint8Array(0);
  return latin1(`\r\n${t.map((h) => `${h.name}\r\n`).join('')}\r\n`);
}

/** Start line + `\r\n`, every entry as `Name: value\r\n`, then `\r\n` (after at least one field). */
function startBuffer(line: string, t: readonly HttpHeader[]): Uint8Array {
  let s = `${line}\r\n`;
  for (const h of t) s += `${h.name}: ${h.value}\r\n`;
  if (t.length > 0) s += '\r\n';
  return latin1(s);
}

/**
 * The raw header section with its final empty line, as libhtp hands it to Suricata. The record keeps the
 * section without that line: it is taken to end as the last field line did (`\n` after a bare-LF line,
 * else `\r\n`). `prefix` goes first (see the response's interim case).
 */
function withEmptyLine(block: Uint8Array, prefix = ''): Uint8Array {
  const n = block.length;
  const bareLf = n > 0 && block[n - 1] === 0x0a && (n < 2 || block[n - 2] !== 0x0d);
  const end = bareLf ? '\n' : '\r\n';
  return Buffer.concat([Buffer.from(prefix, 'latin1'), block, Buffer.from(end, 'latin1')]);
}

/** The request line as sent (method, target, version; a simple request has no version). */
function requestLine(tx: HttpTransaction): string {
  return `${tx.method} ${tx.uri}${tx.version === 'HTTP/0.9' || tx.version === '' || tx.version === null ? '' : ` ${tx.version}`}`;
}

/**
 * The status line. An empty reason phrase is taken as sent with its separator (`HTTP/1.1 200 `, as RFC 9112
 * requires and Tomcat sends); the record cannot tell it from a line without one.
 */
function responseLine(tx: HttpTransaction): string {
  return `${tx.responseVersion} ${tx.status} ${tx.reason ?? ''}`;
}

/**
 * libhtp's `request_hostname`: the target's host name (normalized: lower case, trailing dots removed),
 * else the Host field's host name, trimmed, port removed, but case and trailing dots kept (Suricata 7.0.10
 * with libhtp 0.5.50 matches `http.host` against `WWW.Example.COM.` for `Host: WWW.Example.COM.:8080`).
 */
function requestHostname(tx: HttpTransaction, table: readonly HttpHeader[]): string | null {
  const fromUri = libhtpUriHostname(tx.uri ?? '', tx.method ?? '');
  if (fromUri !== null) return fromUri;
  const host = tableValue(table, 'host');
  if (host === null) return null;
  const h = host.replace(/^[ \t]+|[ \t]+$/g, '');
  if (h.length === 0) return null;
  if (h.startsWith('[')) {
    const close = h.indexOf(']');
    return close < 0 ? null : h.slice(0, close + 1);
  }
  const colon = h.indexOf(':');
  return colon < 0 ? h : h.slice(0, colon);
}

/** The bytes of one inspection buffer of `tx`, or null when the transaction has none. */
export function httpBuffer(tx: HttpTransaction, name: HttpBufferName): Uint8Array | null {
  const hasReq = tx.method !== null;
  const hasResp = tx.status !== null;
  const str = (s: string | null): Uint8Array | null => (s === null ? null : latin1(s));
  const req = (field: string): Uint8Array | null => (hasReq ? str(tableValue(reqTable(tx), field)) : null);
  const resp = (field: string): Uint8Array | null => (hasResp ? str(tableValue(respTable(tx), field)) : null);
  // Suricata has no buffer for what is empty (no body, no header fields).
  const body = (b: Uint8Array): Uint8Array | null => (b.length === 0 ? null : b);
  const nonEmpty = body;
  switch (name) {
    case 'http.method':
      return str(tx.method);
    case 'http.uri':
      return hasReq ? suricataNormalizedUri(libhtpRequestUri(tx.uri ?? ''), tx.method ?? '') : null;
    case 'http.uri.raw':
      return hasReq ? latin1(libhtpRequestUri(tx.uri ?? '')) : null;
    case 'http.protocol': {
      if (!hasReq || tx.version === 'HTTP/0.9' || tx.version === '' || tx.version === null) return null;
      // libhtp's target ends at the first space: what follows it is part of the protocol.
      const sp = (tx.uri ?? '').indexOf(' ');
      return latin1(sp < 0 ? tx.version : `${(tx.uri ?? '').slice(sp + 1).replace(/^ +/, '')} ${tx.version}`);
    }
    case 'http.protocol.to_client':
      return str(hasResp ? tx.responseVersion : null);
    case 'http.request_line':
      return hasReq ? latin1(requestLine(tx)) : null;
    case 'http.start':
      return hasReq ? startBuffer(requestLine(tx), reqTable(tx)) : null;
    case 'http.start.to_client':
      return hasResp ? startBuffer(responseLine(tx), respTable(tx)) : null;
    case 'http.host':
      return hasReq ? str(requestHostname(tx, reqTable(tx))) : null;
    case 'http.host.raw': {
      if (!hasReq) return null;
      return str(libhtpUriHostname(tx.uri ?? '', tx.method ?? '') ?? tableValue(reqTable(tx), 'host'));
    }
    case 'http.user_agent':
      return req('user-agent');
    case 'http.cookie':
      return req('cookie');
    case 'http.cookie.to_client':
      return resp('set-cookie');
    case 'http.referer':
      return req('referer');
    case 'http.accept':
      return req('accept');
    case 'http.accept_enc':
      return req('accept-encoding');
    case 'http.accept_lang':
      return req('accept-language');
    case 'http.connection':
      return req('connection');
    case 'http.connection.to_client':
      return resp('connection');
    case 'http.content_type':
      return req('content-type');
    case 'http.content_type.to_client':
      return resp('content-type');
    case 'http.content_len':
      return req('content-length');
    case 'http.content_len.to_client':
      return resp('content-length');
    case 'http.header':
      return hasReq ? nonEmpty(headerBuffer(reqTable(tx), 'cookie')) : null;
    case 'http.header.to_client':
      return hasResp ? nonEmpty(headerBuffer(respTable(tx), 'set-cookie')) : null;
    case 'http.header.raw':
      return hasReq && tx.requestHeaderBlock.length > 0 ? withEmptyLine(tx.requestHeaderBlock) : null;
    case 'http.header.raw.to_client':
      // After a 1xx, Suricata 7.0.10's response buffer starts with the interim response's empty line and the
      // final status line (seen on zeek_http-100-continue.pcap: `\r\nHTTP/1.1 200 OK\r\nDate: ...`).
      return hasResp && (tx.responseHeaderBlock.length > 0 || tx.interimStatuses.length > 0)
        ? withEmptyLine(tx.responseHeaderBlock, tx.interimStatuses.length > 0 ? `\r\n${responseLine(tx)}\r\n` : '')
        : null;
    case 'http.header_names':
      return hasReq ? nonEmpty(headerNames(reqTable(tx))) : null;
    case 'http.header_names.to_client':
      return hasResp ? nonEmpty(headerNames(respTable(tx))) : null;
    case 'http.request_body':
      return hasReq ? body(tx.requestBody) : null;
    case 'http.stat_code':
      return hasResp ? latin1(String(tx.status)) : null;
    case 'http.stat_msg':
      return hasResp && tx.reason ? str(tx.reason) : null; // Suricata: an empty phrase is no buffer
    case 'http.response_line':
      return hasResp ? latin1(responseLine(tx)) : null;
    case 'http.location':
      return resp('location');
    case 'http.server':
      return resp('server');
    case 'http.response_body':
    case 'file.data':
      // Suricata does not inspect the body of a response to CONNECT (zeek_http-methods.pcap: a 400 answer).
      return hasResp && tx.method?.toUpperCase() !== 'CONNECT' ? body(tx.responseBody) : null;
  }
}

/** What each buffer is: its direction and one line (every HTTP buffer is of a transaction). */
const HTTP_BUFFER_INFO: { readonly [K in HttpBufferName]: [BufferDirection, string] } = {
  'http.method': ['to_server', 'request method'],
  'http.uri': ['to_server', "normalised request URI, libhtp's (Suricata 7's) normalisation"],
  'http.uri.raw': ['to_server', 'request target as sent, up to the first space'],
  'http.protocol': ['to_server', 'request HTTP version'],
  'http.protocol.to_client': ['to_client', 'response HTTP version'],
  'http.request_line': ['to_server', 'request line without CRLF'],
  'http.start': ['to_server', 'request line and header fields, CRLF CRLF at the end'],
  'http.start.to_client': ['to_client', 'status line and header fields, CRLF CRLF at the end'],
  'http.host': ['to_server', 'host name, lower case, port removed'],
  'http.host.raw': ['to_server', "Host header value as sent (the target's host name for an absolute-form target)"],
  'http.user_agent': ['to_server', 'User-Agent value'],
  'http.cookie': ['to_server', 'Cookie value'],
  'http.cookie.to_client': ['to_client', 'Set-Cookie value'],
  'http.referer': ['to_server', 'Referer value'],
  'http.accept': ['to_server', 'Accept value'],
  'http.accept_enc': ['to_server', 'Accept-Encoding value'],
  'http.accept_lang': ['to_server', 'Accept-Language value'],
  'http.connection': ['to_server', 'Connection value of the request'],
  'http.connection.to_client': ['to_client', 'Connection value of the response'],
  'http.content_type': ['to_server', 'Content-Type of the request'],
  'http.content_type.to_client': ['to_client', 'Content-Type of the response'],
  'http.content_len': ['to_server', 'Content-Length of the request'],
  'http.content_len.to_client': ['to_client', 'Content-Length of the response'],
  'http.header': ['to_server', 'request headers normalised, `Name: value` lines, Cookie left out'],
  'http.header.to_client': ['to_client', 'response headers normalised, Set-Cookie left out'],
  'http.header.raw': ['to_server', 'request header section as sent'],
  'http.header.raw.to_client': ['to_client', 'response header section as sent'],
  'http.header_names': ['to_server', 'request header names, one per line'],
  'http.header_names.to_client': ['to_client', 'response header names, one per line'],
  'http.request_body': ['to_server', 'request body, transfer- and content-decoded, up to inspectBodyLimit'],
  'http.stat_code': ['to_client', 'response status code'],
  'http.stat_msg': ['to_client', 'response reason phrase'],
  'http.response_line': ['to_client', 'status line without CRLF'],
  'http.location': ['to_client', 'Location value'],
  'http.server': ['to_client', 'Server value'],
  'http.response_body': ['to_client', 'response body, decoded, up to inspectBodyLimit'],
  'file.data': ['to_client', "response body (Suricata's file.data for HTTP)"],
};

/**
 * Suricata's `http.request_header` / `http.response_header`: multi-buffers, one `Name: value` instance per
 * entry of libhtp's header table (Cookie and Set-Cookie included).
 */
function perField(name: string, direction: BufferDirection): InspectionBuffer<HttpTransaction> {
  const toServer = direction === 'to_server';
  return {
    name,
    direction,
    scope: 'transaction',
    description: `each ${toServer ? 'request' : 'response'} header field as \`Name: value\` (one instance per field)`,
    get: (tx) =>
      (toServer ? tx.method : tx.status) === null
        ? []
        : (toServer ? reqTable(tx) : respTable(tx)).map((h) => latin1(`${h.name}: ${h.value}`)),
  };
}

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
  perField('http.request_header', 'to_server'),
  perField('http.response_header', 'to_client'),
];
