/**
 * How the bytes a record keeps become strings. Redis strings are binary-safe; records hold text, so that
 * JSON and people can read them:
 * - kept bytes that are UTF-8 become that text (control characters included: JSON escapes them);
 * - otherwise every byte outside printable ASCII is written `\xHH` and `\` as `\\` (the value is flagged
 *   `escaped`, so the two readings cannot be confused).
 * A string cut by a cap may end inside a UTF-8 sequence: the partial character is dropped first, so that
 * a trimmed text value does not turn into an escaped one.
 */
import { isUtf8 } from 'node:buffer';

const utf8 = new TextDecoder('utf-8');
const HEX = '0123456789abcdef';

/** Whether the last `toText` call escaped its bytes. */
export let lastEscaped = false;

/**
 * Short ASCII strings are interned: command names, small keys and values come again and again (a
 * pipelined benchmark sends `SET`, `key:…`, `xxx` thousands of times), and making each anew costs a native
 * call and garbage. A fixed table of slots, one string each, found by a hash of the bytes: a hit returns
 * the same string object (whose own hash V8 has cached, so later Map lookups by it are cheap too); a miss
 * makes the string and takes the slot. Bounded: INTERN_SLOTS strings of at most INTERN_MAX characters.
 * The table is shared by every connection and holds what traffic sent until a slot is taken again (a
 * short AUTH password among it, before the record redacts it): no more exposure than the packet buffers
 * the engine reuses, but a heap dump of a running engine shows recent short Redis strings.
 */
const INTERN_MAX = 32;
const INTERN_BITS = 12;
const INTERN_SLOTS = 1 << INTERN_BITS;
const interned: (string | undefined)[] = new Array<string | undefined>(INTERN_SLOTS).fill(undefined);
/** One reused array of char codes per length: `String.fromCharCode.apply` on it beats a Buffer's latin1 slice for short strings. */
const CODES: number[][] = Array.from({ length: INTERN_MAX + 1 }, (_, n) => new Array<number>(n).fill(0));

/** The interned string of ASCII `buf[start, start + n)`, whose FNV-style hash is `h`. */
function intern(buf: Uint8Array, start: number, n: number, h: number): string {
  const slot = (h ^ (h >>> 16)) & (INTERN_SLOTS - 1);
  const s = interned[slot];
  if (s !== undefined && s.length === n) {
    let j = 0;
    while (j < n && s.charCodeAt(j) === buf[start + j]) j++;
    if (j === n) return s;
  }
  const codes = CODES[n]!;
  for (let j = 0; j < n; j++) codes[j] = buf[start + j]!;
  const t = String.fromCharCode.apply(null, codes);
  interned[slot] = t;
  return t;
}

/** The text of `buf[start, end)`; `cut` says the bytes were trimmed (may end inside a character). */
export function toText(buf: Uint8Array, start: number, end: number, cut: boolean): string {
  lastEscaped = false;
  const n = end - start;
  if (n <= INTERN_MAX) {
    // One pass: ASCII check and hash together.
    let h = n;
    let i = start;
    for (; i < end; i++) {
      const b = buf[i]!;
      if (b >= 0x80) break;
      h = Math.imul(h ^ b, 16777619);
    }
    if (i === end) return intern(buf, start, n, h);
    return nonAscii(buf, start, end, cut);
  }
  for (let i = start; i < end; i++) if (buf[i]! >= 0x80) return nonAscii(buf, start, end, cut);
  return asciiText(buf, start, end);
}

/** Bytes with at least one outside ASCII: UTF-8 text, or escaped. */
function nonAscii(buf: Uint8Array, start: number, end: number, cut: boolean): string {
  if (cut) end = dropPartialChar(buf, start, end);
  const view = buf.subarray(start, end);
  if (isUtf8(view)) return utf8.decode(view);
  lastEscaped = true;
  let s = '';
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if (b === 0x5c) s += '\\\\';
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += `\\x${HEX[b >> 4]!}${HEX[b & 15]!}`;
  }
  return s;
}

/**
 * The length `toText` would give `buf[start, end)`, without building the string when the bytes are ASCII
 * (the usual case): what a lean parse counts instead of the text.
 */
export function textLength(buf: Uint8Array, start: number, end: number, cut: boolean): number {
  for (let i = start; i < end; i++) if (buf[i]! >= 0x80) return toText(buf, start, end, cut).length;
  return end - start;
}

/** ASCII bytes as a string: natively from a Buffer (the parsers' scratch is one), else in slices. */
function asciiText(buf: Uint8Array, start: number, end: number): string {
  if (Buffer.isBuffer(buf)) return buf.toString('latin1', start, end);
  if (end - start <= 4096) return String.fromCharCode.apply(null, buf.subarray(start, end) as unknown as number[]);
  let s = '';
  for (let i = start; i < end; i += 4096) {
    s += String.fromCharCode.apply(null, buf.subarray(i, Math.min(end, i + 4096)) as unknown as number[]);
  }
  return s;
}

/** End of `buf[start, end)` without a trailing incomplete UTF-8 sequence. */
function dropPartialChar(buf: Uint8Array, start: number, end: number): number {
  // Look back at most 3 bytes for the lead byte of the last sequence.
  for (let i = end - 1, n = 1; i >= start && n <= 4; i--, n++) {
    const b = buf[i]!;
    if ((b & 0xc0) === 0x80) continue; // continuation byte
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > n ? i : end;
  }
  return end;
}

/**
 * Upper-cased command names, cached: the same few names come again and again, and `toUpperCase` makes
 * a new string each time. Bounded (cleared when full: names are few, anything else is noise).
 */
const upperCache = new Map<string, string>();
const UPPER_CACHE_SIZE = 1024;

/** `s.toUpperCase()`, from the cache for short strings. */
export function upperName(s: string): string {
  let u = upperCache.get(s);
  if (u === undefined) {
    u = s.toUpperCase();
    if (s.length <= 32) {
      if (upperCache.size >= UPPER_CACHE_SIZE) upperCache.clear();
      upperCache.set(s, u);
    }
  }
  return u;
}
