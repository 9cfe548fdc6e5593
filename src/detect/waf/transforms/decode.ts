/**
 * The decoding transformations: URL (%xx, IIS %uXXXX), HTML entities, JavaScript, CSS and C escapes, hex and
 * SQL hex, base64 (strict and forgiving), and UTF-8 to %uXXXX. Each follows ModSecurity v3.0.9 (Debian 12's
 * libmodsecurity3, the differential reference in test/detect/waf/modsec/) byte for byte, quirks included: they
 * are what CRS's rules were tuned against. Where a quirk is a ModSecurity defect later versions changed, the
 * function's comment says so.
 *
 * Every function returns its input itself when it would not change it (most values of a request have nothing to
 * decode) and otherwise writes into one output array allocated for the call.
 */
import {
  BACKSLASH,
  cutAtNul,
  hexPair,
  hexValue,
  isAlnum,
  isDigit,
  isHex,
  isOctal,
  isSpace,
  nibble,
  PERCENT,
  PLUS,
} from './bytes.js';

/** Full-width ASCII (U+FF01..U+FF5E): ModSecurity keeps the low byte and adds 0x20 when the high byte is FF. */
function fullWidth(low: number, h1: number, h2: number): number {
  return low > 0 && low < 0x5f && (h1 | 0x20) === 0x66 && (h2 | 0x20) === 0x66 ? low + 0x20 : low;
}

/**
 * urlDecode: %xx where both are hex digits, `+` as space; a `%` without two hex digits after it stays. A `%xx`
 * needs its two digits inside the value (`%4` at the end stays).
 */
export function urlDecode(b: Uint8Array): Uint8Array {
  if (b.indexOf(PERCENT) < 0 && b.indexOf(PLUS) < 0) return b;
  const n = b.length;
  const out = new Uint8Array(n);
  let o = 0;
  let i = 0;
  let changed = false;
  while (i < n) {
    const c = b[i]!;
    if (c === PERCENT && i + 2 < n && isHex(b[i + 1]!) && isHex(b[i + 2]!)) {
      out[o++] = (hexValue(b[i + 1]!) << 4) | hexValue(b[i + 2]!);
      i += 3;
      changed = true;
    } else if (c === PLUS) {
      out[o++] = 0x20;
      i++;
      changed = true;
    } else {
      out[o++] = c;
      i++;
    }
  }
  return changed ? out.subarray(0, o) : b;
}

/**
 * urlDecodeUni: urlDecode plus IIS's %uXXXX, of which only the low byte is kept (full-width ASCII folded to ASCII).
 * A `%u` without four hex digits inside the value stays as the two bytes `%u`. No SecUnicodeMapFile: CRS's CI
 * configuration loads none.
 */
export function urlDecodeUni(b: Uint8Array): Uint8Array {
  if (b.indexOf(PERCENT) < 0 && b.indexOf(PLUS) < 0) return b;
  const n = b.length;
  const out = new Uint8Array(n);
  let o = 0;
  let i = 0;
  let changed = false;
  while (i < n) {
    const c = b[i]!;
    if (c === PERCENT) {
      if (i + 1 < n && (b[i + 1]! | 0x20) === 0x75) {
        if (i + 5 < n && isHex(b[i + 2]!) && isHex(b[i + 3]!) && isHex(b[i + 4]!) && isHex(b[i + 5]!)) {
          const low = (hexValue(b[i + 4]!) << 4) | hexValue(b[i + 5]!);
          out[o++] = fullWidth(low, b[i + 2]!, b[i + 3]!);
          i += 6;
          changed = true;
        } else {
          out[o++] = c;
          out[o++] = b[i + 1]!;
          i += 2;
        }
      } else if (i + 2 < n && isHex(b[i + 1]!) && isHex(b[i + 2]!)) {
        out[o++] = (hexValue(b[i + 1]!) << 4) | hexValue(b[i + 2]!);
        i += 3;
        changed = true;
      } else {
        out[o++] = c;
        i++;
      }
    } else {
      if (c === PLUS) changed = true;
      out[o++] = c === PLUS ? 0x20 : c;
      i++;
    }
  }
  return changed ? out.subarray(0, o) : b;
}

const LONG_MAX = 2n ** 63n - 1n;

/**
 * `(unsigned char)strtol(digits, NULL, base)`: the value's low byte, or 0xff when the value overflows a C long
 * (strtol then answers LONG_MAX). Short numbers stay in doubles; only a long run of digits goes through BigInt.
 */
function strtolByte(b: Uint8Array, from: number, to: number, base: 10 | 16): number {
  let k = from;
  while (k < to && b[k] === 0x30) k++;
  if (to - k <= 12) {
    let v = 0;
    for (let p = k; p < to; p++) v = v * base + hexValue(b[p]!);
    return v % 256;
  }
  let v = 0n;
  const bb = BigInt(base);
  for (let p = k; p < to; p++) {
    v = v * bb + BigInt(hexValue(b[p]!));
    if (v > LONG_MAX) return 0xff;
  }
  return Number(v & 0xffn);
}

function lowerEquals(b: Uint8Array, from: number, to: number, word: string): boolean {
  if (to - from !== word.length) return false;
  for (let p = 0; p < word.length; p++) if ((b[from + p]! | 0x20) !== word.charCodeAt(p)) return false;
  return true;
}

/**
 * htmlEntityDecode: `&#DDD;`, `&#xHH;` (any number of digits; the low byte of the value, 0xff when it overflows a
 * C long) and the five names quot, amp, lt, gt, nbsp (caseless; nbsp gives 0xa0). The `;` is optional. Other
 * names, and `&`/`&#`/`&#x` without digits, stay as they are.
 */
export function htmlEntityDecode(b: Uint8Array): Uint8Array {
  const n = b.length;
  if (b.indexOf(0x26) < 0) return b;
  const out = new Uint8Array(n);
  let o = 0;
  let i = 0;
  let changed = false;
  while (i < n) {
    let copy = 1;
    if (b[i] === 0x26 && i + 1 < n) {
      let j = i + 1;
      let value = -1;
      if (b[j] === 0x23) {
        copy = 2;
        if (j + 1 < n) {
          j++;
          if ((b[j]! | 0x20) === 0x78) {
            copy = 3;
            if (j + 1 < n) {
              j++;
              const k = j;
              while (j < n && isHex(b[j]!)) j++;
              if (j > k) value = strtolByte(b, k, j, 16);
            }
          } else {
            const k = j;
            while (j < n && isDigit(b[j]!)) j++;
            if (j > k) value = strtolByte(b, k, j, 10);
          }
        }
      } else {
        const k = j;
        while (j < n && isAlnum(b[j]!)) j++;
        if (j > k) {
          if (lowerEquals(b, k, j, 'quot')) value = 0x22;
          else if (lowerEquals(b, k, j, 'amp')) value = 0x26;
          else if (lowerEquals(b, k, j, 'lt')) value = 0x3c;
          else if (lowerEquals(b, k, j, 'gt')) value = 0x3e;
          else if (lowerEquals(b, k, j, 'nbsp')) value = 0xa0;
          else copy = j - k + 1;
        }
      }
      if (value >= 0) {
        out[o++] = value;
        i = j < n && b[j] === 0x3b ? j + 1 : j;
        changed = true;
        continue;
      }
    }
    for (let z = 0; z < copy; z++) out[o++] = b[i++]!;
  }
  return changed ? out.subarray(0, o) : b;
}

/**
 * jsDecode: \uHHHH (low byte, full-width ASCII folded; lower-case `u` only), \xHH (lower-case `x` only), \OOO
 * (one to three octal digits, two when three would pass 0377), \a \b \f \n \r \t \v, and `\c` as `c` for any other
 * byte. A backslash at the very end stays.
 */
export function jsDecode(b: Uint8Array): Uint8Array {
  if (b.indexOf(BACKSLASH) < 0) return b;
  const n = b.length;
  const out = new Uint8Array(n);
  let o = 0;
  let i = 0;
  while (i < n) {
    const c = b[i]!;
    if (c !== BACKSLASH) {
      out[o++] = c;
      i++;
      continue;
    }
    if (i + 5 < n && b[i + 1] === 0x75 && isHex(b[i + 2]!) && isHex(b[i + 3]!) && isHex(b[i + 4]!) && isHex(b[i + 5]!)) {
      out[o++] = fullWidth((hexValue(b[i + 4]!) << 4) | hexValue(b[i + 5]!), b[i + 2]!, b[i + 3]!);
      i += 6;
    } else if (i + 3 < n && b[i + 1] === 0x78 && isHex(b[i + 2]!) && isHex(b[i + 3]!)) {
      out[o++] = (hexValue(b[i + 2]!) << 4) | hexValue(b[i + 3]!);
      i += 4;
    } else if (i + 1 < n && isOctal(b[i + 1]!)) {
      let j = 1;
      while (j < 3 && i + 1 + j < n && isOctal(b[i + 1 + j]!)) j++;
      if (j === 3 && b[i + 1]! > 0x33) j = 2;
      let v = 0;
      for (let p = 1; p <= j; p++) v = v * 8 + (b[i + p]! - 0x30);
      out[o++] = v;
      i += 1 + j;
    } else if (i + 1 < n) {
      out[o++] = simpleEscape(b[i + 1]!);
      i += 2;
    } else {
      out[o++] = c;
      i++;
    }
  }
  return out.subarray(0, o);
}

/** The C escapes both jsDecode and escapeSeqDecode know: \a \b \f \n \r \t \v; any other byte is itself. */
function simpleEscape(c: number): number {
  switch (c) {
    case 0x61:
      return 0x07;
    case 0x62:
      return 0x08;
    case 0x66:
      return 0x0c;
    case 0x6e:
      return 0x0a;
    case 0x72:
      return 0x0d;
    case 0x74:
      return 0x09;
    case 0x76:
      return 0x0b;
    default:
      return c;
  }
}

/**
 * cssDecode (CSS 2 escapes): a backslash and one to six hex digits give one byte, the last two digits (one digit:
 * its value); four digits, or five or six with leading zeros, fold full-width ASCII. One whitespace after the
 * digits is eaten. Backslash-newline is removed, a backslash before any other byte is dropped, a backslash at the
 * end is dropped. ModSecurity 3.0.9 then cuts the result at its first NUL (it rebuilds the std::string from a
 * char pointer), so does this; later versions keep NULs.
 */
export function cssDecode(b: Uint8Array): Uint8Array {
  const n = b.length;
  if (b.indexOf(BACKSLASH) < 0) {
    const z = b.indexOf(0);
    return z < 0 ? b : b.subarray(0, z);
  }
  const out = new Uint8Array(n);
  let o = 0;
  let i = 0;
  while (i < n) {
    const c = b[i]!;
    if (c !== BACKSLASH) {
      out[o++] = c;
      i++;
      continue;
    }
    if (i + 1 >= n) {
      i++;
      continue;
    }
    i++;
    let j = 0;
    while (j < 6 && i + j < n && isHex(b[i + j]!)) j++;
    if (j > 0) {
      let v = j === 1 ? nibble(b[i]!) : hexPair(b[i + j - 2]!, b[i + j - 1]!);
      const fold = j === 4 || (j === 5 && b[i] === 0x30) || (j === 6 && b[i] === 0x30 && b[i + 1] === 0x30);
      if (fold) v = fullWidth(v, b[i + j - 4]!, b[i + j - 3]!);
      out[o++] = v;
      if (i + j < n && isSpace(b[i + j]!)) j++;
      i += j;
    } else if (b[i] === 0x0a) {
      i++;
    } else {
      out[o++] = b[i++]!;
    }
  }
  return cutAtNul(out, o);
}

/**
 * escapeSeqDecode (ANSI C escapes): \a \b \f \n \r \t \v \\ \? \' \", \xHH or \XHH (two hex digits), \O to \OOO
 * (up to three octal digits, the value's low byte). A backslash before anything else is dropped and the byte
 * kept; a backslash at the very end stays.
 */
export function escapeSeqDecode(b: Uint8Array): Uint8Array {
  if (b.indexOf(BACKSLASH) < 0) return b;
  const n = b.length;
  const out = new Uint8Array(n);
  let o = 0;
  let i = 0;
  while (i < n) {
    const c = b[i]!;
    if (c !== BACKSLASH || i + 1 >= n) {
      out[o++] = c;
      i++;
      continue;
    }
    const e = b[i + 1]!;
    if ((e | 0x20) === 0x78) {
      if (i + 3 < n && isHex(b[i + 2]!) && isHex(b[i + 3]!)) {
        out[o++] = (hexValue(b[i + 2]!) << 4) | hexValue(b[i + 3]!);
        i += 4;
      } else {
        out[o++] = e;
        i += 2;
      }
    } else if (isOctal(e)) {
      let j = 1;
      while (j < 3 && i + 1 + j < n && isOctal(b[i + 1 + j]!)) j++;
      let v = 0;
      for (let p = 1; p <= j; p++) v = v * 8 + (b[i + p]! - 0x30);
      out[o++] = v & 0xff;
      i += 1 + j;
    } else {
      out[o++] = simpleEscape(e);
      i += 2;
    }
  }
  return out.subarray(0, o);
}

/**
 * hexDecode: every two bytes become one, read as hex digits with ModSecurity's arithmetic even when they are not
 * hex digits (no validation); an odd last byte is dropped.
 */
export function hexDecode(b: Uint8Array): Uint8Array {
  const n = b.length >> 1;
  const out = new Uint8Array(n);
  for (let k = 0; k < n; k++) out[k] = hexPair(b[2 * k]!, b[2 * k + 1]!);
  return out;
}

/**
 * sqlHexDecode: `0x` followed by pairs of hex digits becomes those bytes. ModSecurity 3.0.9's loop stops one
 * byte early and at the first NUL, and the result is cut at its first NUL: a value of one byte decodes to nothing,
 * and the last byte of any value is lost. Reproduced as is (later versions rewrote it).
 */
export function sqlHexDecode(b: Uint8Array): Uint8Array {
  const n = b.length;
  if (n === 0) return b;
  const at = (p: number): number => (p < n ? b[p]! : 0);
  const out = new Uint8Array(n + 1);
  let o = 0;
  let r = 0;
  let count = 0;
  while (++count < n && at(r) !== 0) {
    if (at(r) === 0x30 && (at(r + 1) | 0x20) === 0x78 && isHex(at(r + 2)) && isHex(at(r + 3))) {
      r += 2;
      count += 2;
      while (isHex(at(r)) && isHex(at(r + 1))) {
        out[o++] = hexPair(at(r), at(r + 1));
        r += 2;
        count += 2;
      }
    }
    out[o++] = at(r++);
  }
  return cutAtNul(out, o);
}

const B64_STRICT = new Int8Array(256).fill(-1);
const B64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
for (let k = 0; k < 64; k++) B64_STRICT[B64_ALPHABET.charCodeAt(k)] = k;

/**
 * base64Decode, as mbedTLS 2's decoder (bundled by ModSecurity 3.0.9) over the value up to its first NUL: spaces
 * are allowed before a line break or at the end, CRLF and LF anywhere, at most two `=` and only at the end; any
 * other byte makes the whole value invalid, and an invalid value decodes to nothing. A last incomplete group of
 * fewer than four characters is dropped.
 */
export function base64Decode(input: Uint8Array): Uint8Array {
  const z = input.indexOf(0);
  const b = z < 0 ? input : input.subarray(0, z);
  const n = b.length;
  let count = 0;
  let pads = 0;
  for (let i = 0; i < n; i++) {
    let spaces = 0;
    while (i < n && b[i] === 0x20) {
      i++;
      spaces++;
    }
    if (i === n) break;
    const c = b[i]!;
    if (c === 0x0d && i + 1 < n && b[i + 1] === 0x0a) continue;
    if (c === 0x0a) continue;
    if (spaces !== 0) return new Uint8Array(0);
    if (c === 0x3d) {
      if (++pads > 2) return new Uint8Array(0);
    } else if (B64_STRICT[c]! < 0 || pads !== 0) {
      return new Uint8Array(0);
    }
    count++;
  }
  const out = new Uint8Array(((count >> 2) + 1) * 3);
  let o = 0;
  let keep = 3;
  let acc = 0;
  let inGroup = 0;
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    if (c === 0x0d || c === 0x0a || c === 0x20) continue;
    if (c === 0x3d) keep--;
    acc = ((acc << 6) | (c === 0x3d ? 0 : B64_STRICT[c]!)) & 0xffffff;
    if (++inGroup === 4) {
      inGroup = 0;
      if (keep > 0) out[o++] = acc >> 16;
      if (keep > 1) out[o++] = (acc >> 8) & 0xff;
      if (keep > 2) out[o++] = acc & 0xff;
    }
  }
  return out.subarray(0, o);
}

/**
 * base64DecodeExt, ModSecurity's forgiving decoder: every byte outside the alphabet is skipped, `=` too, and the
 * bytes the characters complete are kept. Two quirks of 3.0.9 give an empty result: a `=` not followed by
 * another `=` right after a count of characters that is 1 modulo 4, or a value whose last alphabet character
 * is `9` (its table value equals the code of `=`) or whose last byte is `=`, after 1 modulo 4 characters.
 */
export function base64DecodeExt(b: Uint8Array): Uint8Array {
  const n = b.length;
  const out = new Uint8Array(((n >> 2) + 1) * 3);
  let o = 0;
  let seen = 0;
  let last = 0;
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    if (c === 0x3d) {
      last = 0x3d;
      if ((i + 1 < n ? b[i + 1]! : 0) !== 0x3d && seen % 4 === 1) return new Uint8Array(0);
      continue;
    }
    const v = B64_STRICT[c]!;
    last = v;
    if (v < 0) continue;
    switch (seen % 4) {
      case 0:
        out[o] = v << 2;
        break;
      case 1:
        out[o++] |= v >> 4;
        out[o] = (v & 0x0f) << 4;
        break;
      case 2:
        out[o++] |= v >> 2;
        out[o] = (v & 0x03) << 6;
        break;
      default:
        out[o++] |= v;
    }
    seen++;
  }
  if (last === 0x3d && seen % 4 === 1) return new Uint8Array(0);
  return out.subarray(0, o);
}

const HEX_DIGITS = '0123456789abcdef';

/** `%u` and the code point in lower-case hex, at least four digits (ModSecurity's `%x` plus zero padding). */
function writeCodePoint(out: Uint8Array, o: number, d: number): number {
  out[o++] = PERCENT;
  out[o++] = 0x75;
  let digits = 1;
  while (d >>> (4 * digits) !== 0) digits++;
  for (let k = digits; k < 4; k++) out[o++] = 0x30;
  for (let k = digits - 1; k >= 0; k--) out[o++] = HEX_DIGITS.charCodeAt((d >>> (4 * k)) & 0xf);
  return o;
}

/**
 * utf8toUnicode: each well-formed UTF-8 sequence of two to four bytes becomes %uXXXX (lower-case hex, four digits
 * or more). ModSecurity 3.0.9's own behaviour, reproduced: a lead byte whose sequence is cut or malformed is
 * dropped (its continuation bytes are then read as lone bytes and kept); a lone continuation byte or F8..FF is
 * kept; F5..F7 are kept and then decoded as four-byte leads; a surrogate or an overlong form gets its lead byte
 * appended after the %u form; NUL bytes are dropped (a write that the next byte overwrites). Later versions
 * rewrote this transformation.
 */
export function utf8toUnicode(b: Uint8Array): Uint8Array {
  const n = b.length;
  let k = 0;
  while (k < n && b[k]! > 0 && b[k]! < 0x80) k++;
  if (k === n) return b;
  const at = (p: number): number => (p < n ? b[p]! : 0);
  const cont = (p: number): boolean => (at(p) & 0xc0) === 0x80;
  const out = new Uint8Array(n * 8 + 8);
  let o = 0;
  let i = 0;
  while (i < n) {
    const c = b[i]!;
    let len = 0;
    let d = 0;
    if (c < 0x80) {
      if (c !== 0) out[o++] = c;
    } else if ((c & 0xe0) === 0xc0) {
      if (cont(i + 1)) {
        len = 2;
        d = ((c & 0x1f) << 6) | (b[i + 1]! & 0x3f);
        o = writeCodePoint(out, o, d);
      }
    } else if ((c & 0xf0) === 0xe0) {
      if (cont(i + 1) && cont(i + 2)) {
        len = 3;
        d = ((c & 0x0f) << 12) | ((b[i + 1]! & 0x3f) << 6) | (b[i + 2]! & 0x3f);
        o = writeCodePoint(out, o, d);
      }
    } else if ((c & 0xf8) === 0xf0) {
      if (c >= 0xf5) out[o++] = c;
      if (cont(i + 1) && cont(i + 2) && cont(i + 3)) {
        len = 4;
        d = ((c & 0x07) << 18) | ((b[i + 1]! & 0x3f) << 12) | ((b[i + 2]! & 0x3f) << 6) | (b[i + 3]! & 0x3f);
        o = writeCodePoint(out, o, d);
      }
    } else {
      out[o++] = c;
    }
    if (d >= 0xd800 && d <= 0xdfff) out[o++] = c;
    if ((len === 4 && d < 0x10000) || (len === 3 && d < 0x800) || (len === 2 && d < 0x80)) out[o++] = c;
    i += len > 0 ? len : 1;
  }
  return out.subarray(0, o);
}
