/**
 * Is this stream Redis? Decided on the first line (or two) of either direction, without allocating.
 *
 * - Client → server: a RESP command array (`*<n>\r\n$<len>\r\n`, what every client library sends), or an
 *   inline command whose first word is a Redis command netsieve knows (`PING`, `AUTH pass`). Inline lines
 *   that memcached's text protocol shares (`get k`, `set k 0 0 1`) prove nothing: the reply decides.
 * - Server → client: a RESP2/RESP3 type byte and a well-formed line (`+OK`, `-ERR ...`, `:1`, `$5`, `*2`,
 *   `%7`, `_`, `#t`...). A server never speaks first, so a `+OK text` banner is POP3's, not Redis's.
 * Anything else (HTTP, TLS, SSH banners, binary) is NOT_MINE at its first bytes.
 */
import { Probe, type ProbeContext, type ProbeResult } from '../module.js';
import { isKnownCommand, isMemcachedName } from './commands.js';

/** Lines longer than this do not decide (an inline command or first reply line is short). */
const PROBE_LINE = 1024;

export function probeRedis(data: Uint8Array, start: number, end: number, ctx: ProbeContext): ProbeResult {
  if (end <= start) return Probe.NEED_MORE;
  return ctx.direction === 0 ? probeRequest(data, start, end) : probeReply(data, start, end);
}

function probeRequest(d: Uint8Array, first: number, e: number): ProbeResult {
  // Redis skips empty lines and leading blanks (telnet users, `redis-cli --pipe` input with blank lines).
  let s = first;
  while (s < e && (d[s] === 0x0d || d[s] === 0x0a || d[s] === 0x20 || d[s] === 0x09)) {
    if (s - first >= PROBE_LINE) return Probe.NOT_MINE;
    s++;
  }
  if (s === e) return Probe.NEED_MORE;
  if (d[s] === 0x2a) {
    // *<count>\r\n$<len>\r\n
    let i = lengthLine(d, s + 1, e, false);
    if (i === NEED) return Probe.NEED_MORE;
    if (i < 0) return Probe.NOT_MINE;
    if (i >= e) return Probe.NEED_MORE;
    if (d[i] !== 0x24) return Probe.NOT_MINE;
    i = lengthLine(d, i + 1, e, false);
    if (i === NEED) return Probe.NEED_MORE;
    return i < 0 ? Probe.NOT_MINE : Probe.MINE;
  }
  // Inline: the first word, letters (and `_`, `-`, `.` of module commands), then a space or the line end.
  let i = s;
  while (i < e && i - s < 32 && isWordByte(d[i]!)) i++;
  if (i === s) return Probe.NOT_MINE;
  if (i === e) return i - s < 32 ? Probe.NEED_MORE : Probe.NOT_MINE;
  const c = d[i]!;
  if (c !== 0x20 && c !== 0x0d && c !== 0x0a && c !== 0x09) return Probe.NOT_MINE;
  const name = String.fromCharCode.apply(null, d.subarray(s, i) as unknown as number[]).toUpperCase();
  if (!isKnownCommand(name)) return Probe.NOT_MINE;
  // The line must end soon, in text, and not be an HTTP request line (`GET / HTTP/1.1`).
  let lf = i;
  while (lf < e && d[lf] !== 0x0a) {
    const b = d[lf]!;
    if (b < 0x20 && b !== 0x09 && b !== 0x0d) return Probe.NOT_MINE;
    if (lf - s > PROBE_LINE) return Probe.NOT_MINE;
    lf++;
  }
  if (lf === e) return Probe.NEED_MORE;
  if (endsWithHttpVersion(d, s, lf)) return Probe.NOT_MINE;
  return isMemcachedName(name) ? Probe.NEED_MORE : Probe.MINE;
}

function probeReply(d: Uint8Array, s: number, e: number): ProbeResult {
  const t = d[s]!;
  switch (t) {
    case 0x2b: // + simple string
    case 0x2d: {
      // - error: Redis error codes are upper-case words (ERR, WRONGTYPE, NOAUTH, MOVED...).
      let i = s + 1;
      if (t === 0x2d) {
        while (i < e && d[i]! >= 0x41 && d[i]! <= 0x5a) i++;
        if (i === e) return i - s > 32 ? Probe.NOT_MINE : Probe.NEED_MORE;
        if (i === s + 1 || (d[i] !== 0x20 && d[i] !== 0x0d)) return Probe.NOT_MINE;
      } else if (e - s >= 4 && d[s + 1] === 0x4f && d[s + 2] === 0x4b && d[s + 3] === 0x20) {
        return Probe.NOT_MINE; // `+OK banner`: POP3
      }
      for (; i < e; i++) {
        const b = d[i]!;
        if (b === 0x0d) return i + 1 < e ? (d[i + 1] === 0x0a ? Probe.MINE : Probe.NOT_MINE) : Probe.NEED_MORE;
        if (b < 0x20 && b !== 0x09) return Probe.NOT_MINE;
        if (i - s > PROBE_LINE) return Probe.NOT_MINE;
      }
      return Probe.NEED_MORE;
    }
    case 0x3a: // : integer
    case 0x28: // ( big number
      return lineResult(lengthLine(d, s + 1, e, true));
    case 0x24: // $ bulk
    case 0x2a: // * array
    case 0x25: // % map
    case 0x7e: // ~ set
    case 0x3e: // > push
    case 0x7c: // | attribute
    case 0x21: // ! blob error
    case 0x3d: // = verbatim
      if (e - s >= 2 && d[s + 1] === 0x3f) return lineResult(exactLine(d, s + 2, e)); // streamed `?`
      return lineResult(lengthLine(d, s + 1, e, false));
    case 0x5f: // _ null
      return lineResult(exactLine(d, s + 1, e));
    case 0x23: // # boolean
      if (e - s < 2) return Probe.NEED_MORE;
      return d[s + 1] === 0x74 || d[s + 1] === 0x66 ? lineResult(exactLine(d, s + 2, e)) : Probe.NOT_MINE;
    case 0x2c: {
      // , double: digits, sign, point, exponent, or inf / nan
      let i = s + 1;
      while (i < e && i - s < 40 && isDoubleByte(d[i]!)) i++;
      if (i === s + 1 && i < e) return Probe.NOT_MINE;
      return lineResult(exactLine(d, i, e));
    }
    default:
      return Probe.NOT_MINE;
  }
}

const NEED = -2;

/**
 * `[-]digits\r\n` from `i` (a `-` only as `-1`, or any negative when `signed`): the index after the LF,
 * NEED when more bytes are needed, -1 when it is not one.
 */
function lengthLine(d: Uint8Array, i: number, e: number, signed: boolean): number {
  const from = i;
  if (i < e && (d[i] === 0x2d || (signed && d[i] === 0x2b))) i++;
  const digits = i;
  while (i < e && d[i]! >= 0x30 && d[i]! <= 0x39) {
    i++;
    if (i - digits > 20) return -1;
  }
  if (i === e) return NEED;
  if (i === digits) return -1;
  if (!signed && d[from] === 0x2d && (i - digits !== 1 || d[digits] !== 0x31)) return -1;
  return exactLine(d, i, e);
}

/** `\r\n` at `i`: the index after it, NEED or -1. */
function exactLine(d: Uint8Array, i: number, e: number): number {
  if (i >= e) return NEED;
  if (d[i] !== 0x0d) return -1;
  if (i + 1 >= e) return NEED;
  return d[i + 1] === 0x0a ? i + 2 : -1;
}

function lineResult(r: number): ProbeResult {
  return r === NEED ? Probe.NEED_MORE : r < 0 ? Probe.NOT_MINE : Probe.MINE;
}

function isWordByte(b: number): boolean {
  const l = b | 0x20;
  return (l >= 0x61 && l <= 0x7a) || b === 0x5f || b === 0x2d || b === 0x2e || (b >= 0x30 && b <= 0x39);
}

function isDoubleByte(b: number): boolean {
  return (
    (b >= 0x30 && b <= 0x39) ||
    b === 0x2b ||
    b === 0x2d ||
    b === 0x2e ||
    b === 0x65 ||
    b === 0x45 ||
    b === 0x69 ||
    b === 0x6e ||
    b === 0x66 ||
    b === 0x61
  );
}

/** Whether `d[s, lf)` ends with ` HTTP/<digit>.<digit>` (a CR before the LF allowed). */
function endsWithHttpVersion(d: Uint8Array, s: number, lf: number): boolean {
  let e = lf;
  if (e > s && d[e - 1] === 0x0d) e--;
  if (e - s < 9) return false;
  const t = e - 9;
  return d[t] === 0x20 && d[t + 1] === 0x48 && d[t + 2] === 0x54 && d[t + 3] === 0x54 && d[t + 4] === 0x50 && d[t + 5] === 0x2f;
}
