/**
 * Bytes to the strings a record keeps: hex, base64, addresses, and escaped text. Each call builds one
 * string with Node's native codecs (`Buffer#toString`, `isUtf8`), never character by character, except
 * for the rare text that is not valid UTF-8.
 */
import { Buffer, isUtf8 } from 'node:buffer';

/** A Buffer view of `b[s, e)` (no copy). */
function view(b: Uint8Array, s: number, e: number): Buffer {
  return Buffer.from(b.buffer, b.byteOffset + s, e - s);
}

export function hex(b: Uint8Array, s: number, e: number): string {
  return s >= e ? '' : view(b, s, e).toString('hex');
}

export function base64(b: Uint8Array, s: number, e: number): string {
  return s >= e ? '' : view(b, s, e).toString('base64');
}

export function ipv4(b: Uint8Array, s: number): string {
  return `${b[s]}.${b[s + 1]}.${b[s + 2]}.${b[s + 3]}`;
}

/** RFC 5952 text: lower-case hex, leading zeros dropped, the longest run of two or more zero groups as `::`. */
export function ipv6(b: Uint8Array, s: number): string {
  let bestStart = -1;
  let bestLen = 0;
  let runStart = -1;
  for (let g = 0; g < 8; g++) {
    const zero = b[s + 2 * g] === 0 && b[s + 2 * g + 1] === 0;
    if (zero) {
      if (runStart < 0) runStart = g;
      const len = g - runStart + 1;
      if (len > bestLen) {
        bestLen = len;
        bestStart = runStart;
      }
    } else {
      runStart = -1;
    }
  }
  if (bestLen < 2) bestStart = -1;
  let out = '';
  for (let g = 0; g < 8; g++) {
    if (g === bestStart) {
      out += g === 0 ? '::' : ':';
      g += bestLen - 1;
      continue;
    }
    out += ((b[s + 2 * g]! << 8) | b[s + 2 * g + 1]!).toString(16);
    if (g < 7) out += ':';
  }
  return out;
}

/** Scratch for escaping: big enough for any 255-byte string at 4 output bytes per input byte. */
const escapeScratch = Buffer.allocUnsafe(1024);

const BACKSLASH = 0x5c;
const DOT = 0x2e;

/** True when byte `c` must be escaped: a control byte, DEL, `\`, and `.` inside a name's label. */
function special(c: number, dotSpecial: boolean): boolean {
  return c < 0x20 || c === 0x7f || c === BACKSLASH || (dotSpecial && c === DOT);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: these patterns exist to find control bytes in names and escape them
const SPECIALS_WITH_DOT = /[\x00-\x1f\x7f\\.]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: as above
const SPECIALS = /[\x00-\x1f\x7f\\]/g;

function escapeChar(ch: string): string {
  const c = ch.charCodeAt(0);
  if (c === BACKSLASH || c === DOT) return `\\${ch}`;
  return `\\${String(c).padStart(3, '0')}`;
}

/**
 * Text of `b[s, e)` as a record keeps it (a label when `isLabel`, a character-string otherwise): printable
 * ASCII and valid UTF-8 as they are; `\` (and `.` in a label) escaped with a backslash; control bytes, DEL
 * and bytes of invalid UTF-8 as `\DDD`, as RFC 1035 §5.1 writes them.
 */
export function text(b: Uint8Array, s: number, e: number, isLabel: boolean): string {
  let plain = true;
  let high = false;
  for (let i = s; i < e; i++) {
    const c = b[i]!;
    if (c >= 0x80) high = true;
    else if (special(c, isLabel)) plain = false;
  }
  if (plain && !high) return view(b, s, e).toString('latin1');
  if (isUtf8(view(b, s, e))) {
    const str = view(b, s, e).toString('utf8');
    return plain ? str : str.replace(isLabel ? SPECIALS_WITH_DOT : SPECIALS, escapeChar);
  }
  // Not UTF-8: every byte outside printable ASCII becomes \DDD, written as latin1 into a scratch buffer.
  const need = (e - s) * 4;
  // Long strings (a CAA value can be 64 KiB) get a buffer of their own rather than growing the shared one.
  const out = need <= escapeScratch.length ? escapeScratch : Buffer.allocUnsafe(need);
  let n = 0;
  for (let i = s; i < e; i++) {
    const c = b[i]!;
    if (c >= 0x80 || special(c, isLabel)) {
      out[n++] = BACKSLASH;
      if (c === BACKSLASH || c === DOT) {
        out[n++] = c;
      } else {
        out[n++] = 0x30 + ((c / 100) | 0);
        out[n++] = 0x30 + (((c / 10) | 0) % 10);
        out[n++] = 0x30 + (c % 10);
      }
    } else {
      out[n++] = c;
    }
  }
  return out.toString('latin1', 0, n);
}
