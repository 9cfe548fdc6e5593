/**
 * Byte classes and helpers the transformations share. ModSecurity v3 runs in the C locale: `isspace`,
 * `isxdigit`, `tolower` and friends know ASCII only, so do these.
 */

export const PERCENT = 0x25;
export const PLUS = 0x2b;
export const BACKSLASH = 0x5c;
export const SLASH = 0x2f;

export function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

export function isOctal(c: number): boolean {
  return c >= 0x30 && c <= 0x37;
}

export function isAlnum(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** C's `isspace` in the C locale: space, \t, \n, \v, \f, \r. */
export function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/**
 * The value ModSecurity gives one "hex digit": letters by their position after A (case folded with 0xdf),
 * anything else by its distance from '0', in unsigned 8-bit arithmetic. Only hexDecode and sqlHexDecode feed it
 * bytes that are not hex digits, and they get this arithmetic's answer, not an error.
 */
export function nibble(c: number): number {
  return (c >= 0x41 ? (c & 0xdf) - 0x41 + 10 : c - 0x30) & 0xff;
}

/** Two "hex digits" as one byte (ModSecurity's x2c). */
export function hexPair(hi: number, lo: number): number {
  return (nibble(hi) * 16 + nibble(lo)) & 0xff;
}

/** The value of a byte known to be a hex digit. */
export function hexValue(c: number): number {
  return c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57;
}

/** The index of the first `c` in `b`, or -1. */
export function indexOfByte(b: Uint8Array, c: number, from = 0): number {
  return b.indexOf(c, from);
}

/** ASCII bytes of a string known to be ASCII (a decimal length, hex digits): allocated per value, never per byte. */
export function ascii(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** `out[0..n)` cut at its first NUL: what ModSecurity returns where it measures a result with `strlen`. */
export function cutAtNul(out: Uint8Array, n: number): Uint8Array {
  const z = out.subarray(0, n).indexOf(0);
  return out.subarray(0, z < 0 ? n : z);
}
