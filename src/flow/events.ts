/**
 * Flow and stream anomalies: what can be wrong with a flow or its TCP streams.
 *
 * One table, as in `src/decode/events.ts`: the index is the numeric code, the string is the name used in
 * events, counters and rules. Append only; never renumber or reuse.
 */
export const STREAM_ANOMALIES = [
  'stream.none', // 0: never raised
  'stream.overlap', // 1: a segment overlaps bytes already received (same bytes: a retransmission)
  'stream.overlap_different_data', // 2: overlapping bytes differ (evasion or corruption); policy decides
  'stream.gap', // 3: bytes missing from the stream (never captured, or given up on)
  'stream.depth_reached', // 4: the reassembly depth of a direction was reached
  'stream.memcap_bypass', // 5: the global reassembly memory cap was hit; the flow is no longer reassembled
  'stream.memcap_drop', // 6: the global reassembly memory cap was hit; the segment was dropped
  'stream.segment_beyond_window', // 7: a segment too far ahead of the delivery point to be buffered
  'stream.too_many_holes', // 8: more out-of-order holes than the per-stream cap; the oldest gave up
  'stream.data_before_isn', // 9: data below the start of the stream (before the SYN's sequence number)
  'stream.data_after_fin', // 10: data beyond the FIN's sequence number
  'stream.data_after_rst', // 11
  'stream.syn_with_data', // 12: SYN carrying data (TCP Fast Open or an evasion attempt)
  'stream.syn_resend_different_seq', // 13: a second SYN with another ISN
  'stream.synack_bad_ack', // 14: SYN/ACK whose ACK is not the client's ISN + 1
  'stream.rst_invalid', // 15: RST with a sequence number outside the window
  'stream.midstream', // 16: flow picked up without its handshake
  'stream.unacked_flush', // 17: data delivered without acknowledgement (buffer cap, one-sided capture)
  'stream.retransmission', // 18: a segment fully inside already received data
  'stream.handshake_reordered', // 19: handshake packets arrived out of order in the capture
  'flow.evicted', // 20: the flow table was full; this flow was ended to make room
  'flow.table_full', // 21: a new flow could not be created (every slot busy and eviction impossible)
  'flow.memcap_reached', // 22: the flow memory cap (flow.memcap) was reached: emergency eviction, embryonic flows first
] as const;

export type StreamAnomalyName = (typeof STREAM_ANOMALIES)[number];

/** Numeric codes by name without the area prefix, e.g. `StreamAnomaly.overlap_different_data`. */
export const StreamAnomaly = Object.freeze(
  Object.fromEntries(STREAM_ANOMALIES.map((name, i) => [name.slice(name.indexOf('.') + 1), i])),
) as { readonly [K in StreamAnomalyName as K extends `${string}.${infer S}` ? S : never]: number };
