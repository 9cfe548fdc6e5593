/**
 * Big-endian reads over a `Uint8Array`, the only primitives the header views use.
 *
 * Why index arithmetic and not a `DataView`: a view per packet would be an allocation, and one `DataView`
 * per buffer would have to be rebuilt whenever the capture source hands over another buffer. V8 inlines
 * these small functions into the accessors, so a field read costs a couple of loads and shifts.
 *
 * They check nothing: a view calls them only after its `checkLen()` proved the bytes are there.
 */

/** An empty buffer views start bound to, so their fields keep one hidden class. */
export const EMPTY_BYTES = new Uint8Array(0);

export function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

/** Unsigned 32-bit read (`>>> 0` keeps values above 2^31 positive, as sequence numbers need). */
export function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

export function u24(b: Uint8Array, o: number): number {
  return (b[o]! << 16) | (b[o + 1]! << 8) | b[o + 2]!;
}

/** Little-endian 32-bit read, for the BSD loopback header written in the capturing host's byte order. */
export function u32le(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}
