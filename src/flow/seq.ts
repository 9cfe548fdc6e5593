/**
 * TCP sequence-number arithmetic: the one place netsieve compares sequence numbers (STYLE.md §11).
 *
 * Sequence numbers are unsigned 32-bit and wrap (RFC 9293 §3.4: "all arithmetic dealing with sequence
 * numbers must be performed modulo 2**32"). Two of them are ordered by their signed 32-bit difference,
 * which is right as long as they are less than 2^31 apart: a raw `<` goes wrong for every stream that
 * crosses 2^32, and one in every ~2^20 bulk transfers does.
 */

/** `a - b` as a signed 32-bit number: positive when `a` is after `b`. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/** `a` comes before `b`. */
export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/** `a` comes before `b` or is `b`. */
export function seqLeq(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

/** `a` comes after `b`. */
export function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

/** `a` comes after `b` or is `b`. */
export function seqGeq(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}

/** `a + n` wrapped to an unsigned 32-bit sequence number (`n` may be negative). */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/** The later of two sequence numbers. */
export function seqMax(a: number, b: number): number {
  return ((a - b) | 0) >= 0 ? a : b;
}
