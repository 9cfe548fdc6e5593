/**
 * The transformations that rewrite without decoding: case, whitespace, NULs, comments, cmdLine, trimming, path
 * normalisation, parity, and the ones that make a new value (length, md5, sha1, hexEncode, urlEncode,
 * base64Encode). ModSecurity v3.0.9's semantics (the C locale: ASCII-only case and whitespace), quirks included.
 * A function returns its input itself when it would not change it.
 */
import { createHash } from 'node:crypto';
import { ascii, BACKSLASH, isSpace, SLASH } from './bytes.js';

export function none(b: Uint8Array): Uint8Array {
  return b;
}

export function lowercase(b: Uint8Array): Uint8Array {
  let k = 0;
  while (k < b.length && !(b[k]! >= 0x41 && b[k]! <= 0x5a)) k++;
  if (k === b.length) return b;
  const out = b.slice();
  for (let i = k; i < out.length; i++) if (out[i]! >= 0x41 && out[i]! <= 0x5a) out[i] = out[i]! | 0x20;
  return out;
}

export function uppercase(b: Uint8Array): Uint8Array {
  let k = 0;
  while (k < b.length && !(b[k]! >= 0x61 && b[k]! <= 0x7a)) k++;
  if (k === b.length) return b;
  const out = b.slice();
  for (let i = k; i < out.length; i++) if (out[i]! >= 0x61 && out[i]! <= 0x7a) out[i] = out[i]! & 0xdf;
  return out;
}

/** Keeps the bytes `keep` accepts; the input itself when it keeps them all. */
function filter(b: Uint8Array, drop: (c: number) => boolean): Uint8Array {
  let k = 0;
  while (k < b.length && !drop(b[k]!)) k++;
  if (k === b.length) return b;
  const out = new Uint8Array(b.length);
  out.set(b.subarray(0, k));
  let o = k;
  for (let i = k + 1; i < b.length; i++) if (!drop(b[i]!)) out[o++] = b[i]!;
  return out.subarray(0, o);
}

const isNul = (c: number): boolean => c === 0;
/** removeWhitespace also drops 0xa0 (Latin-1 NBSP) and 0xc2 (the lead byte of U+00A0 in UTF-8), wherever they are. */
const isWhiteOrNbsp = (c: number): boolean => isSpace(c) || c === 0xa0 || c === 0xc2;

export function removeNulls(b: Uint8Array): Uint8Array {
  return filter(b, isNul);
}

export function replaceNulls(b: Uint8Array): Uint8Array {
  if (b.indexOf(0) < 0) return b;
  const out = b.slice();
  for (let i = 0; i < out.length; i++) if (out[i] === 0) out[i] = 0x20;
  return out;
}

export function removeWhitespace(b: Uint8Array): Uint8Array {
  return filter(b, isWhiteOrNbsp);
}

/** compressWhitespace: each run of C whitespace becomes one space (0xa0 is not whitespace in 3.0.9). */
export function compressWhitespace(b: Uint8Array): Uint8Array {
  const n = b.length;
  let k = 0;
  while (k < n && !(isSpace(b[k]!) && (b[k] !== 0x20 || (k + 1 < n && isSpace(b[k + 1]!))))) k++;
  if (k === n) return b;
  const out = new Uint8Array(n);
  let o = 0;
  let inSpace = false;
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    if (isSpace(c)) {
      if (!inSpace) out[o++] = 0x20;
      inSpace = true;
    } else {
      out[o++] = c;
      inSpace = false;
    }
  }
  return out.subarray(0, o);
}

function trimStart(b: Uint8Array): number {
  let s = 0;
  while (s < b.length && isSpace(b[s]!)) s++;
  return s;
}

function trimEnd(b: Uint8Array, s: number): number {
  let e = b.length;
  while (e > s && isSpace(b[e - 1]!)) e--;
  return e;
}

export function trim(b: Uint8Array): Uint8Array {
  const s = trimStart(b);
  const e = trimEnd(b, s);
  return s === 0 && e === b.length ? b : b.subarray(s, e);
}

export function trimLeft(b: Uint8Array): Uint8Array {
  const s = trimStart(b);
  return s === 0 ? b : b.subarray(s);
}

export function trimRight(b: Uint8Array): Uint8Array {
  const e = trimEnd(b, 0);
  return e === b.length ? b : b.subarray(0, e);
}

/**
 * cmdLine (for Windows and Unix command lines): drops `"` `'` `\` `^`; a run of space, comma, semicolon, tab, CR,
 * LF becomes one space, which is dropped before `/` or `(`; everything else is lower-cased (ASCII).
 */
export function cmdLine(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length);
  let o = 0;
  let space = false;
  let changed = false;
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    switch (c) {
      case 0x22:
      case 0x27:
      case 0x5c:
      case 0x5e:
        changed = true;
        break;
      case 0x20:
      case 0x2c:
      case 0x3b:
      case 0x09:
      case 0x0d:
      case 0x0a:
        if (c !== 0x20 || space) changed = true;
        if (!space) out[o++] = 0x20;
        space = true;
        break;
      case 0x2f:
      case 0x28:
        if (space) {
          o--;
          changed = true;
        }
        space = false;
        out[o++] = c;
        break;
      default:
        if (c >= 0x41 && c <= 0x5a) changed = true;
        out[o++] = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
        space = false;
    }
  }
  return changed ? out.subarray(0, o) : b;
}

/**
 * removeComments: C comments (`/* ... *\/`) and HTML comments (`<!-- ... -->`) are removed, an unterminated one
 * becomes one space, and `--` or `#` outside a comment ends the value there. ModSecurity 3.0.9 copies the byte
 * right after a comment's end without looking at it (so `/*a*\/` followed by nothing yields a NUL, the string's
 * terminator, and a comment opener right after a comment is kept); reproduced.
 */
export function removeComments(b: Uint8Array): Uint8Array {
  const n = b.length;
  const at = (p: number): number => (p < n ? b[p]! : 0);
  const out = new Uint8Array(n + 1);
  let o = 0;
  let i = 0;
  let inComment = false;
  while (i < n) {
    const c = b[i]!;
    if (!inComment) {
      if (c === 0x2f && at(i + 1) === 0x2a && i + 1 < n) {
        inComment = true;
        i += 2;
      } else if (c === 0x3c && i + 3 < n && b[i + 1] === 0x21 && b[i + 2] === 0x2d && b[i + 3] === 0x2d) {
        inComment = true;
        i += 4;
      } else if ((c === 0x2d && i + 1 < n && b[i + 1] === 0x2d) || c === 0x23) {
        break;
      } else {
        out[o++] = c;
        i++;
      }
    } else if (c === 0x2a && i + 1 < n && b[i + 1] === 0x2f) {
      inComment = false;
      out[o++] = at(i + 2);
      i += 3;
    } else if (c === 0x2d && i + 2 < n && b[i + 1] === 0x2d && b[i + 2] === 0x3e) {
      inComment = false;
      out[o++] = at(i + 3);
      i += 4;
    } else {
      i++;
    }
  }
  if (inComment) out[o++] = 0x20;
  return o === n && !inComment ? b : out.subarray(0, o);
}

/** removeCommentsChar: removes the comment marks `/*`, `*\/`, `<!--`, `-->`, `--` and `#`, keeping what is between. */
export function removeCommentsChar(b: Uint8Array): Uint8Array {
  const n = b.length;
  const out = new Uint8Array(n);
  let o = 0;
  let i = 0;
  while (i < n) {
    const c = b[i]!;
    const c1 = i + 1 < n ? b[i + 1]! : -1;
    if ((c === 0x2f && c1 === 0x2a) || (c === 0x2a && c1 === 0x2f)) i += 2;
    else if (c === 0x3c && c1 === 0x21 && i + 3 < n && b[i + 2] === 0x2d && b[i + 3] === 0x2d) i += 4;
    else if (c === 0x2d && c1 === 0x2d) i += i + 2 < n && b[i + 2] === 0x3e ? 3 : 2;
    else if (c === 0x23) i++;
    else out[o++] = b[i++]!;
  }
  return o === n ? b : out.subarray(0, o);
}

/** replaceComments: each C comment (`/* ... *\/`, or unterminated to the end) becomes one space. */
export function replaceComments(b: Uint8Array): Uint8Array {
  const n = b.length;
  const out = new Uint8Array(n + 1);
  let o = 0;
  let i = 0;
  let inComment = false;
  let changed = false;
  while (i < n) {
    const c = b[i]!;
    if (!inComment) {
      if (c === 0x2f && i + 1 < n && b[i + 1] === 0x2a) {
        inComment = true;
        changed = true;
        i += 2;
      } else {
        out[o++] = c;
        i++;
      }
    } else if (c === 0x2a && i + 1 < n && b[i + 1] === 0x2f) {
      inComment = false;
      out[o++] = 0x20;
      i += 2;
    } else {
      i++;
    }
  }
  if (inComment) out[o++] = 0x20;
  return changed ? out.subarray(0, o) : b;
}

/**
 * The path normaliser behind normalizePath and normalizePathWin (which first turns backslashes into slashes):
 * repeated slashes collapse, `./` segments go, `x/../` segments cancel without climbing above the root (a relative
 * path keeps leading `../`), and a trailing slash is kept only when the input had one. It is ModSecurity's
 * in-place state machine, reproduced step for step on one working copy: the output is written over the bytes
 * already read and later steps look back at what was written.
 */
function normalize(input: Uint8Array, win: boolean): Uint8Array {
  const n = input.length;
  if (n === 0) return input;
  const buf = input.slice();
  const end = n - 1;
  const isSep = (c: number): boolean => c === SLASH || (win && c === BACKSLASH);
  const relative = !isSep(buf[0]!);
  const trailing = isSep(buf[end]!);
  let s = 0;
  let d = 0;
  let hitRoot = false;
  let done = false;
  while (!done && s <= end && d <= end) {
    if (win) {
      if (buf[s] === BACKSLASH) buf[s] = SLASH;
      if (s < end && buf[s + 1] === BACKSLASH) buf[s + 1] = SLASH;
    }
    let skipCopy = false;
    let atSegmentEnd = true;
    if (s === end) done = true;
    else if (buf[s + 1] !== SLASH) atSegmentEnd = false;
    if (atSegmentEnd && !(s !== end && buf[s] === SLASH)) {
      if (buf[s] === 0x2e) {
        if (d > 0 && buf[d - 1] === 0x2e) {
          if (relative && (hitRoot || d <= 2)) {
            hitRoot = true;
          } else {
            d -= 3;
            while (d > 0 && buf[d] !== SLASH) d--;
            if (d <= 0) {
              hitRoot = true;
              d = !relative && s === end ? 1 : 0;
            }
            if (done) skipCopy = true;
            else s++;
          }
        } else if (d === 0) {
          if (done) skipCopy = true;
          else s++;
        } else if (buf[d - 1] === SLASH) {
          if (done) skipCopy = true;
          else {
            d--;
            s++;
          }
        }
      } else if (d > 0) {
        hitRoot = false;
      }
    }
    if (skipCopy) continue;
    if (buf[s] === SLASH) {
      while (s < end && isSep(buf[s + 1]!)) s++;
      if (relative && d === 0) {
        s++;
        continue;
      }
    }
    buf[d++] = buf[s++]!;
  }
  if (!trailing && d > 0 && buf[d - 1] === SLASH) d--;
  const out = buf.subarray(0, d);
  return d === n && sameBytes(out, input) ? input : out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function normalizePath(b: Uint8Array): Uint8Array {
  return normalize(b, false);
}

export function normalizePathWin(b: Uint8Array): Uint8Array {
  return normalize(b, true);
}

/** length: the byte count in decimal ASCII. */
export function length(b: Uint8Array): Uint8Array {
  return ascii(String(b.length));
}

function digest(algorithm: string, b: Uint8Array): Uint8Array {
  const d = createHash(algorithm).update(b).digest();
  return new Uint8Array(d.buffer, d.byteOffset, d.length);
}

/** md5: the 16 raw bytes of the digest (not hex). */
export function md5(b: Uint8Array): Uint8Array {
  return digest('md5', b);
}

/** sha1: the 20 raw bytes of the digest (not hex). */
export function sha1(b: Uint8Array): Uint8Array {
  return digest('sha1', b);
}

const HEX = '0123456789abcdef';

/** hexEncode: two lower-case hex digits per byte. */
export function hexEncode(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length * 2);
  for (let i = 0; i < b.length; i++) {
    out[2 * i] = HEX.charCodeAt(b[i]! >> 4);
    out[2 * i + 1] = HEX.charCodeAt(b[i]! & 0xf);
  }
  return out;
}

/** urlEncode: keeps ASCII letters, digits and `*`, space as `+`, every other byte as %xx (lower-case hex). */
export function urlEncode(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length * 3);
  let o = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c === 0x20) out[o++] = 0x2b;
    else if (c === 0x2a || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) out[o++] = c;
    else {
      out[o++] = 0x25;
      out[o++] = HEX.charCodeAt(c >> 4);
      out[o++] = HEX.charCodeAt(c & 0xf);
    }
  }
  return o === b.length && out.subarray(0, o).every((c, i) => c === b[i]) ? b : out.subarray(0, o);
}

/** base64Encode: standard alphabet, with padding. */
export function base64Encode(b: Uint8Array): Uint8Array {
  return ascii(Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64'));
}

/** The parity of all eight bits of `c` (ModSecurity folds the whole byte, high bit included): 1 when odd. */
function parity(c: number): number {
  return (0x6996 >> ((c ^ (c >> 4)) & 0xf)) & 1;
}

/** parityEven7bit: the high bit set when the byte's bits are odd in number, cleared otherwise. */
export function parityEven7bit(b: Uint8Array): Uint8Array {
  const out = b.slice();
  for (let i = 0; i < out.length; i++) out[i] = parity(out[i]!) ? out[i]! | 0x80 : out[i]! & 0x7f;
  return out;
}

/** parityOdd7bit: the high bit cleared when the byte's bits are odd in number, set otherwise. */
export function parityOdd7bit(b: Uint8Array): Uint8Array {
  const out = b.slice();
  for (let i = 0; i < out.length; i++) out[i] = parity(out[i]!) ? out[i]! & 0x7f : out[i]! | 0x80;
  return out;
}

/** parityZero7bit: the high bit cleared. */
export function parityZero7bit(b: Uint8Array): Uint8Array {
  let k = 0;
  while (k < b.length && b[k]! < 0x80) k++;
  if (k === b.length) return b;
  const out = b.slice();
  for (let i = k; i < out.length; i++) out[i] = out[i]! & 0x7f;
  return out;
}
