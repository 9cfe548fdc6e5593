/**
 * Query strings and `application/x-www-form-urlencoded` bodies, as ModSecurity v3's
 * `Transaction::extractArguments` splits and decodes them:
 *
 * - the text is split on the argument separator (`SecArgumentSeparator`, `&` by default) the way C++'s
 *   `getline` splits a stream: `a&&b` gives an empty argument between `a` and `b` (name and value empty),
 *   a leading separator gives one, a trailing one does not, and empty text gives nothing;
 * - each piece is split at its first `=`; without one the piece is the name and the value is empty;
 * - names and values are URL-decoded non-strictly: `%XX` with two hex digits becomes the byte, `+` a space,
 *   and a `%` not followed by two hex digits stays as it is and counts as an invalid encoding;
 * - `URLENCODED_ERROR` is set when the *value* of some argument has an invalid encoding: ModSecurity resets
 *   the count when it decodes the value, so invalid encodings in names alone do not set it;
 * - arguments past `SecArgumentsLimit` (counted with those already in `ARGS`) are dropped silently.
 */
import { type ArgCounter, addArg, type BodyArg } from './types.js';

export interface UrlencodedResult {
  args: BodyArg[];
  /** `URLENCODED_ERROR`: some value held a `%` not followed by two hex digits. */
  invalidEncoding: boolean;
  /** Arguments dropped by `SecArgumentsLimit`. */
  dropped: number;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/**
 * ModSecurity's `urldecode_nonstrict`: returns the decoded bytes (the input itself when nothing changes) and
 * the number of invalid `%` escapes.
 */
export function urldecodeNonstrict(s: Uint8Array): { bytes: Uint8Array; invalid: number } {
  let invalid = 0;
  let out: Uint8Array | null = null;
  let d = 0;
  const n = s.length;
  for (let i = 0; i < n; ) {
    const c = s[i]!;
    if (c === 0x25) {
      if (i + 2 < n) {
        const h = hexValue(s[i + 1]!);
        const l = hexValue(s[i + 2]!);
        if (h >= 0 && l >= 0) {
          if (out === null) {
            out = new Uint8Array(n);
            out.set(s.subarray(0, i));
            d = i;
          }
          out[d++] = (h << 4) | l;
          i += 3;
          continue;
        }
      }
      invalid++;
      if (out !== null) out[d++] = c;
      i++;
      continue;
    }
    if (c === 0x2b) {
      if (out === null) {
        out = new Uint8Array(n);
        out.set(s.subarray(0, i));
        d = i;
      }
      out[d++] = 0x20;
    } else if (out !== null) {
      out[d++] = c;
    }
    i++;
  }
  return { bytes: out === null ? s : out.subarray(0, d), invalid };
}

/**
 * Splits and decodes `text` into arguments appended to a new list. `counter` is shared with the other
 * argument sources of the transaction (the query string's arguments count against the body's limit).
 */
export function parseUrlencoded(text: Uint8Array, separator: number, counter: ArgCounter): UrlencodedResult {
  const args: BodyArg[] = [];
  let invalidEncoding = false;
  let dropped = 0;
  const n = text.length;
  let start = 0;
  while (start < n) {
    let end = text.indexOf(separator, start);
    if (end < 0) end = n;
    const piece = text.subarray(start, end);
    const eq = piece.indexOf(0x3d);
    const rawName = eq < 0 ? piece : piece.subarray(0, eq);
    const rawValue = eq < 0 ? piece.subarray(piece.length) : piece.subarray(eq + 1);
    const name = urldecodeNonstrict(rawName);
    const value = urldecodeNonstrict(rawValue);
    if (value.invalid > 0) invalidEncoding = true;
    if (!addArg(args, counter, name.bytes, value.bytes)) dropped++;
    start = end + 1;
  }
  return { args, invalidEncoding, dropped };
}
