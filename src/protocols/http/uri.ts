/**
 * Request-target forms (RFC 9112 §3.2) and the normalized URI that signatures match against.
 *
 * Normalization is RFC 3986 §6.2.2 syntax-based normalization, as an IDS needs it against evasion:
 * percent-encoded unreserved characters are decoded (`%41` → `A`, `%2e` → `.`) and the hex digits of the
 * escapes that stay are upper-cased; then, in the path only, `.` and `..` segments are resolved (§5.2.4)
 * and runs of `/` collapse to one. Reserved characters (`%2F`, `%3F`, ...) stay encoded: decoding them
 * changes what the URI means. The query is decoded the same way but its slashes and dots are left alone.
 */
import { serverNameOf } from '../module.js';
import { HttpAnomaly as A } from './anomalies.js';

/** Which of RFC 9112 §3.2's forms a request-target has. */
export type TargetForm = 'origin' | 'absolute' | 'authority' | 'asterisk';

export interface ParsedTarget {
  form: TargetForm;
  /** `host[:port]` of an absolute-form or authority-form target, as sent; null otherwise. */
  authority: string | null;
  /** The path and query of an origin-form or absolute-form target (absolute-form with no path: `/`). */
  pathAndQuery: string;
}

export function parseTarget(uri: string, method: string): ParsedTarget {
  if (uri.length > 0 && uri.charCodeAt(0) === 0x2f) return { form: 'origin', authority: null, pathAndQuery: uri };
  if (uri === '*') return { form: 'asterisk', authority: null, pathAndQuery: uri };
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(uri);
  if (scheme !== null) {
    const rest = uri.slice(scheme[0].length);
    let cut = rest.length;
    for (let i = 0; i < rest.length; i++) {
      const c = rest.charCodeAt(i);
      if (c === 0x2f || c === 0x3f || c === 0x23) {
        cut = i;
        break;
      }
    }
    let authority = rest.slice(0, cut);
    const at = authority.lastIndexOf('@'); // userinfo is not part of the host
    if (at >= 0) authority = authority.slice(at + 1);
    let pathAndQuery = rest.slice(cut);
    if (pathAndQuery.length === 0 || pathAndQuery.charCodeAt(0) !== 0x2f) pathAndQuery = `/${pathAndQuery}`;
    return { form: 'absolute', authority, pathAndQuery };
  }
  if (method === 'CONNECT') return { form: 'authority', authority: uri, pathAndQuery: uri };
  // Anything else (a relative path, `HTTP/1.1` from a malformed line): normalized as a path of its own.
  return { form: 'origin', authority: null, pathAndQuery: uri };
}

/**
 * The server name in a Host field value (RFC 9110 §7.2: `uri-host [ ":" port ]`), as `AppEventSink.serverName`
 * reports it: without the port, an IPv6 literal without its brackets (`[::1]:8080` gives `::1`), then
 * `serverNameOf` (lower-cased, trailing dot removed; empty is null). A value with several colons and no
 * brackets (an IPv6 literal sent bare) is kept whole; garbage is returned as it is, never thrown on.
 */
export function hostName(value: string | null): string | null {
  if (value === null) return null;
  let host = value;
  if (host.charCodeAt(0) === 0x5b) {
    const close = host.indexOf(']');
    host = close < 0 ? host.slice(1) : host.slice(1, close);
  } else {
    const colon = host.indexOf(':');
    if (colon >= 0 && host.indexOf(':', colon + 1) < 0) host = host.slice(0, colon);
  }
  return serverNameOf(host);
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/** RFC 3986 §2.3 unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~". */
function isUnreserved(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x2d ||
    c === 0x2e ||
    c === 0x5f ||
    c === 0x7e
  );
}

const HEX = '0123456789ABCDEF';

/**
 * Decodes escapes of unreserved characters and upper-cases the rest. `raise` receives
 * `http.uri_invalid_escape` and `http.uri_encoded_null` codes.
 */
function decodeUnreserved(s: string, raise: (code: number) => void): string {
  if (s.indexOf('%') < 0) return s;
  let out = '';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) !== 0x25) continue;
    const h = i + 2 < s.length ? hexValue(s.charCodeAt(i + 1)) : -1;
    const l = h >= 0 ? hexValue(s.charCodeAt(i + 2)) : -1;
    if (l < 0) {
      raise(A.URI_INVALID_ESCAPE);
      continue;
    }
    const v = (h << 4) | l;
    if (v === 0) raise(A.URI_ENCODED_NULL);
    out += s.slice(from, i);
    out += isUnreserved(v) ? String.fromCharCode(v) : `%${HEX[h]}${HEX[l]}`;
    from = i + 3;
    i += 2;
  }
  return out + s.slice(from);
}

/** RFC 3986 §5.2.4 dot-segment removal, with empty segments (repeated slashes) dropped. */
function resolvePath(path: string, raise: (code: number) => void): string {
  const absolute = path.charCodeAt(0) === 0x2f;
  const parts = path.split('/');
  const out: string[] = [];
  let trailing = false;
  for (let i = absolute ? 1 : 0; i < parts.length; i++) {
    const seg = parts[i]!;
    const last = i === parts.length - 1;
    if (seg === '' || seg === '.') {
      trailing = last;
      continue;
    }
    if (seg === '..') {
      if (out.length === 0) raise(A.URI_PATH_ABOVE_ROOT);
      else out.pop();
      trailing = last;
      continue;
    }
    out.push(seg);
    trailing = false;
  }
  const body = out.join('/');
  if (absolute) return body.length === 0 ? '/' : `/${body}${trailing ? '/' : ''}`;
  return `${body}${trailing && body.length > 0 ? '/' : ''}`;
}

const NEEDS_WORK = /%|\/\.|\/\/|^\.\.?(\/|$)/;

/** The normalized form of a request's path and query (see the file comment). */
export function normalizeUri(pathAndQuery: string, form: TargetForm, raise: (code: number) => void): string {
  if (form === 'asterisk' || form === 'authority') return pathAndQuery;
  const q = pathAndQuery.indexOf('?');
  const rawPath = q < 0 ? pathAndQuery : pathAndQuery.slice(0, q);
  // Most paths need nothing: no escape, no dot segment, no doubled slash.
  const path = NEEDS_WORK.test(rawPath) ? resolvePath(decodeUnreserved(rawPath, raise), raise) : rawPath;
  if (q < 0) return path;
  return `${path}?${decodeUnreserved(pathAndQuery.slice(q + 1), raise)}`;
}
