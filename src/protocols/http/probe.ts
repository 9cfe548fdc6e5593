/**
 * Is this stream HTTP/1.x? From the client: `method SP request-target SP HTTP/1.x` (any RFC 9110 token as
 * the method, not a fixed list); from the server: `HTTP/1.x 3DIGIT`. Empty lines before the start line are
 * allowed (RFC 9112 §2.2). The answer is NOT_MINE at the first byte that cannot belong to such a line, and
 * NEED_MORE while every byte seen is still a plausible prefix.
 */
import { Probe, type ProbeContext, type ProbeResult } from '../module.js';
import { TCHAR } from './parser.js';

const SP = 32;
const CR = 13;
const LF = 10;
/** Longest method considered (the longest registered method, `UPDATEREDIRECTREF`, has 17 characters). */
const MAX_METHOD = 32;
/** Longest request-target read before giving up (proxies and servers accept around 8 KiB). */
const MAX_TARGET = 16384;
/** Leading empty-line bytes tolerated. */
const MAX_LEADING = 8;

const VERSION = Uint8Array.of(0x48, 0x54, 0x54, 0x50, 0x2f, 0x31, 0x2e); // "HTTP/1."

/**
 * Matches "HTTP/1." at `i` (followed by a digit when `digit`): found (1), a prefix so far (0), or not (-1).
 * Requests may cut the minor version (servers still answer them); status lines may not.
 */
function version(d: Uint8Array, i: number, end: number, digit: boolean): number {
  for (let k = 0; k < VERSION.length; k++, i++) {
    if (i >= end) return 0;
    if (d[i] !== VERSION[k]) return -1;
  }
  if (!digit) return 1;
  if (i >= end) return 0;
  return d[i]! >= 0x30 && d[i]! <= 0x39 ? 1 : -1;
}

function skipEmptyLines(d: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end && i - start < MAX_LEADING && (d[i] === CR || d[i] === LF)) i++;
  return i;
}

/**
 * As lenient as the servers that answer such lines: SP inside the target (the version is searched for
 * along the line), a version cut to `HTTP/1.`, and a version-less line when the next line is a header
 * field (clients that forgot the version; servers answer them as HTTP/1.0). A version-less line alone
 * (`GET /` as HTTP/0.9, or an inline Redis `GET key`) waits for the next line or for the server's side;
 * an empty line after it makes it an HTTP/0.9 request.
 */
export function probeRequest(d: Uint8Array, start: number, end: number): ProbeResult {
  let i = skipEmptyLines(d, start, end);
  if (i - start >= MAX_LEADING) return Probe.NOT_MINE;
  const ms = i;
  let methodShaped = true; // upper case, digits, '-', '_': the shape of every registered method
  while (i < end && TCHAR[d[i]!] === 1) {
    if (i - ms >= MAX_METHOD) return Probe.NOT_MINE;
    const c = d[i]!;
    if (!((c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f)) methodShaped = false;
    i++;
  }
  if (i === end) return Probe.NEED_MORE;
  if (i === ms || d[i] !== SP) return Probe.NOT_MINE;
  i++;
  const ts = i;
  let spaces = 0;
  for (; i < end; i++) {
    const c = d[i]!;
    if (c === SP) {
      spaces++;
      const v = version(d, i + 1, end, false);
      if (v === 1) return Probe.MINE;
      if (v === 0) return Probe.NEED_MORE;
      continue;
    }
    if (c === CR || c === LF) break;
    if (c < 0x20 || c === 0x7f) return Probe.NOT_MINE; // a control byte inside a request line
    if (i - ts >= MAX_TARGET) return Probe.NOT_MINE;
  }
  if (i === end) return Probe.NEED_MORE;
  // The line ended without a version.
  if (!methodShaped || spaces > 0 || i === ts) return Probe.NOT_MINE;
  if (d[i] === CR) i++;
  if (i === end) return Probe.NEED_MORE;
  if (d[i] !== LF) return Probe.NOT_MINE;
  i++;
  // An empty line: `GET /` then CRLF CRLF, the HTTP/0.9 request as old clients and scanners send it.
  if (i < end && (d[i] === CR || d[i] === LF)) return Probe.MINE;
  const ns = i;
  while (i < end && TCHAR[d[i]!] === 1 && i - ns < 64) i++;
  if (i === end) return Probe.NEED_MORE;
  return i > ns && d[i] === 0x3a ? Probe.MINE : Probe.NOT_MINE;
}

export function probeResponse(d: Uint8Array, start: number, end: number): ProbeResult {
  let i = skipEmptyLines(d, start, end);
  if (i - start >= MAX_LEADING) return Probe.NOT_MINE;
  const v = version(d, i, end, true);
  if (v !== 1) return v === 0 ? Probe.NEED_MORE : Probe.NOT_MINE;
  i += VERSION.length + 1;
  if (i === end) return Probe.NEED_MORE;
  if (d[i] !== SP) return Probe.NOT_MINE;
  i++;
  for (let k = 0; k < 3; k++, i++) {
    if (i === end) return Probe.NEED_MORE;
    const c = d[i]!;
    if (c < 0x30 || c > 0x39 || (k === 0 && c === 0x30)) return Probe.NOT_MINE;
  }
  return Probe.MINE;
}

export function probeHttp(data: Uint8Array, start: number, end: number, ctx: ProbeContext): ProbeResult {
  if (ctx.transport !== 'tcp') return Probe.NOT_MINE;
  return ctx.direction === 0 ? probeRequest(data, start, end) : probeResponse(data, start, end);
}
