/**
 * The exact bytes go-ftw writes on the socket for a stage, written from reading how go-ftw builds a request
 * (ftwhttp/request.go, ftwhttp/header.go, test/types.go, test/data.go, runner/run.go); no code of it is copied.
 * The version is v2.3.0, the one CRS v4.28.0's CI pins (`GO_FTW_VERSION` in .github/workflows/test.yml);
 * those files are unchanged from v2.3.0 to v2.5.0. Before v2.x's multi-header support (June 2025) go-ftw
 * sorted all headers, its own included; not any more. What it does, in order:
 *
 * - `encoded_request`: the base64 is decoded (Go skips CR and LF in it) and sent as it is, nothing added.
 * - The request line is `<method> <uri> <version>\r\n`, each as written in the YAML (the URI is not encoded;
 *   missing ones are GET, `/`, HTTP/1.1).
 * - The `headers` mapping is a Go map, so its order is lost: go-ftw sorts the names (byte order) and sends
 *   `Name: value\r\n` for each, names and values as written. `ordered_headers` (a list) keeps its order.
 * - The body is `data`, evaluated as a Go text/template (sprig functions; CRS uses only `repeat`), else
 *   `encoded_data` decoded from base64. YAML gives it its line ends: `\n` only (a `|` block ends with one).
 * - With `autocomplete_headers` (the default) and a non-empty body: a `Content-Type:
 *   application/x-www-form-urlencoded` is appended when no Content-Type is there; when the Content-Type is
 *   exactly that (case-insensitive), and the body has no `%` and no `+` (URL-unescaping it changes nothing),
 *   every key and value between `&` and `=` is escaped as Go's `url.QueryEscape` does (space as `+`).
 * - When a Content-Type contains `multipart/form-data;` (case-insensitive), every `\n` of the body becomes
 *   `\r\n` (even one already after a `\r`), with or without autocomplete.
 * - With autocomplete: `Connection: close` is appended unless a Connection header is there, then, unless a
 *   Content-Length is there, `Content-Length: <body bytes>` when the body is not empty or the method matches
 *   Go's `^POST|PUT|PATCH|DELETE$` (starts with POST, contains PUT or PATCH, or ends with DELETE).
 * - Then `\r\n` and the body.
 *
 * go-ftw adds no Host, User-Agent or Accept of its own to a test's request (it does to its log-marker
 * requests, which are not part of the test), and sends no cookie (`save_cookie` has no effect on the bytes).
 * Header names are compared as Go's `textproto.CanonicalMIMEHeaderKey` makes them.
 */
import type { FtwHeader, FtwInput, FtwStage } from './load.js';

const CRLF = '\r\n';

/** The go-ftw release whose behaviour this file reproduces (the one CRS v4.28.0's CI runs). */
export const GO_FTW_VERSION = '2.3.0';

/** Go's `textproto.CanonicalMIMEHeaderKey`: a name with a byte that is not a token character is kept as it is. */
export function canonicalHeaderKey(name: string): string {
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]*$/.test(name)) return name;
  let out = '';
  let upper = true;
  for (const c of name) {
    out += upper ? c.toUpperCase() : c.toLowerCase();
    upper = c === '-';
  }
  return out;
}

const sameName = (a: string, b: string): boolean => canonicalHeaderKey(a) === canonicalHeaderKey(b);

/** Go's `url.QueryEscape` of bytes given as a latin1 string (one char per byte). */
export function goQueryEscape(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i]!;
    if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || '-_.~'.includes(ch)) out += ch;
    else if (c === 0x20) out += '+';
    else out += `%${c.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * go-ftw's form encoding of a body (latin1 string): only when unescaping it would change nothing (no `%`,
 * no `+`; an invalid escape also leaves it as it is), each `&`-separated token's key and value are escaped.
 * An empty last token is dropped (`a=1&` gives `a=1`), as go-ftw's loop ends with the bytes.
 */
export function goFormEncode(body: string): string {
  if (body.length === 0 || body.includes('%') || body.includes('+')) return body;
  const parts: string[] = [];
  let rest = body;
  while (rest.length > 0) {
    const amp = rest.indexOf('&');
    const token = amp === -1 ? rest : rest.slice(0, amp);
    rest = amp === -1 ? '' : rest.slice(amp + 1);
    const eq = token.indexOf('=');
    parts.push(eq === -1 ? goQueryEscape(token) : `${goQueryEscape(token.slice(0, eq))}=${goQueryEscape(token.slice(eq + 1))}`);
  }
  return parts.join('&');
}

/** A Go string literal's value (the few escapes text/template allows in a double-quoted string). */
function goStringLiteral(lit: string): string {
  return lit.replace(/\\(["\\nrt])/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t' })[c] ?? c);
}

/**
 * Go text/template over `data`, the subset CRS uses: text, and actions `{{ "s" | repeat N }}` (sprig's
 * repeat) with optional `-` trim markers. Anything else throws, so that a new template in CRS is noticed
 * rather than sent wrong.
 */
export function evalDataTemplate(data: string): string {
  if (!data.includes('{{')) return data;
  let out = '';
  let pos = 0;
  for (;;) {
    const open = data.indexOf('{{', pos);
    if (open === -1) return out + data.slice(pos);
    let text = data.slice(pos, open);
    const close = data.indexOf('}}', open + 2);
    if (close === -1) throw new Error(`unclosed template action in data: ${JSON.stringify(data.slice(open, open + 40))}`);
    let inner = data.slice(open + 2, close);
    if (/^-\s/.test(inner)) {
      text = text.replace(/\s+$/, '');
      inner = inner.slice(1);
    }
    let trimAfter = false;
    if (/\s-$/.test(inner)) {
      trimAfter = true;
      inner = inner.slice(0, -1);
    }
    out += text;
    const m = /^\s*"((?:[^"\\]|\\.)*)"\s*\|\s*repeat\s+([0-9]+)\s*$/.exec(inner);
    if (m === null) throw new Error(`template action not supported: {{${inner}}}`);
    out += goStringLiteral(m[1]!).repeat(Number(m[2]));
    pos = close + 2;
    if (trimAfter) while (pos < data.length && /\s/.test(data[pos]!)) pos++;
  }
}

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

/** The body go-ftw starts from (before autocomplete): `data` as a template, else `encoded_data`; null when none. */
export function stageBody(input: FtwInput): Uint8Array | null {
  if (input.data !== null) return utf8(evalDataTemplate(input.data));
  if (input.encodedData !== null) return Buffer.from(input.encodedData, 'base64');
  return null;
}

/** The headers in the order go-ftw writes the YAML's: `ordered_headers` as given, else the mapping sorted by name. */
export function sentHeaderOrder(input: FtwInput): FtwHeader[] {
  if (input.orderedHeaders !== null) return input.orderedHeaders.map((h) => ({ ...h }));
  // Go compares strings by bytes: compare the UTF-8 bytes, not UTF-16 code units.
  return [...input.headers].sort((a, b) => Buffer.compare(utf8(a.name), utf8(b.name)));
}

/** What go-ftw sends for a stage, in parts (for tests that check one part). */
export interface FtwRequestParts {
  /** The whole request as sent. */
  bytes: Uint8Array;
  /** null for an `encoded_request` (sent raw). */
  requestLine: string | null;
  headers: FtwHeader[];
  body: Uint8Array;
  raw: boolean;
}

export function requestParts(input: FtwInput): FtwRequestParts {
  if (input.encodedRequest !== null) {
    const bytes = Buffer.from(input.encodedRequest, 'base64');
    return { bytes, requestLine: null, headers: [], body: new Uint8Array(0), raw: true };
  }
  const requestLine = `${input.method} ${input.uri} ${input.version}`;
  const headers = sentHeaderOrder(input);
  const has = (name: string): boolean => headers.some((h) => sameName(h.name, name));
  let body: Uint8Array = stageBody(input) ?? new Uint8Array(0);
  if (body.length > 0 && input.autocompleteHeaders) {
    if (!has('Content-Type')) headers.push({ name: 'Content-Type', value: 'application/x-www-form-urlencoded' });
    const form = headers.some(
      (h) => sameName(h.name, 'Content-Type') && h.value.toLowerCase() === 'application/x-www-form-urlencoded',
    );
    if (form) body = Buffer.from(goFormEncode(Buffer.from(body).toString('latin1')), 'latin1');
  }
  if (headers.some((h) => sameName(h.name, 'Content-Type') && h.value.toLowerCase().includes('multipart/form-data;'))) {
    body = Buffer.from(Buffer.from(body).toString('latin1').replaceAll('\n', CRLF), 'latin1');
  }
  if (input.autocompleteHeaders) {
    if (!has('Connection')) headers.push({ name: 'Connection', value: 'close' });
    if (!has('Content-Length') && (body.length > 0 || /^POST|PUT|PATCH|DELETE$/.test(input.method))) {
      headers.push({ name: 'Content-Length', value: String(body.length) });
    }
  }
  let head = `${requestLine}${CRLF}`;
  for (const h of headers) head += `${h.name}: ${h.value}${CRLF}`;
  head += CRLF;
  const bytes = Buffer.concat([utf8(head), body]);
  return { bytes, requestLine, headers, body, raw: false };
}

/** The exact bytes go-ftw puts on the wire for a stage. */
export function requestBytes(stage: FtwStage | FtwInput): Uint8Array {
  return requestParts('input' in stage ? stage.input : stage).bytes;
}
