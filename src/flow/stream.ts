/**
 * The interface between TCP reassembly and whoever reads the byte streams (protocol parsers,
 * `netsieve streams`). Reassembly never knows protocol syntax; consumers never see sequence numbers.
 *
 * Promise to a consumer, per direction and in this order: `onData` zero or more times with the bytes in
 * stream order (each chunk directly after the previous one, or after an `onGap`), `onGap` whenever bytes
 * are known to be missing, then `onEnd` exactly once.
 */

/** Direction of a packet or stream relative to the flow: client → server, or server → client. */
export const Direction = {
  TO_SERVER: 0,
  TO_CLIENT: 1,
} as const;
export type Direction = (typeof Direction)[keyof typeof Direction];

/**
 * About one delivered chunk. The object is reused: valid during the callback only.
 */
export interface StreamChunkInfo {
  direction: Direction;
  /**
   * Stream offset of the chunk's first byte: bytes since the first byte of the stream that netsieve knows
   * of (the byte after the SYN, or the first byte seen when the flow was picked up mid-stream), gaps of
   * known size included.
   */
  offset: number;
  /** Capture time of the packet whose arrival (or acknowledgement) released this chunk. */
  tsSec: number;
  tsNsec: number;
}

/** Why a direction's stream ended. */
export type StreamEndReason =
  | 'fin' // the sender closed the stream (FIN) and every byte up to it was delivered
  | 'rst' // the connection was reset
  | 'flow_end' // the flow ended without FIN/RST (timeout, eviction, end of input)
  | 'depth' // the reassembly depth was reached: no more bytes of this direction will be delivered
  | 'bypass'; // reassembly was switched off for the flow (memory cap policy `bypass`)

export interface StreamConsumer {
  /**
   * In-order bytes: `data[start, end)`. The buffer belongs to reassembly and is reused after the call
   * returns; copy what you keep. Never called with an empty range.
   */
  onData(data: Uint8Array, start: number, end: number, info: StreamChunkInfo): void;
  /**
   * Bytes at `[offset, offset + length)` of `direction`'s stream are missing (never captured, or given up
   * on); delivery goes on after them. `length` is -1 when the size is unknown. Optional: a consumer that
   * does not care leaves it out (the check is made per gap, never per byte).
   */
  onGap?(direction: Direction, offset: number, length: number): void;
  /** No more calls for this direction follow. Optional, as `onGap`. */
  onEnd?(direction: Direction, reason: StreamEndReason): void;
}
