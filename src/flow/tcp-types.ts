/**
 * Types shared by the TCP session (tcp-session.ts) and its per-direction reassemblers (tcp-reassembly.ts),
 * in a module of their own so that neither imports the other's types.
 */
import type { TcpOptions } from '../options.js';
import type { ReassemblyMemory } from './reassembly-memory.js';
import type { TcpStateSlab } from './tcp-state-slab.js';
import type { Direction, StreamConsumer } from './stream.js';

/** Where sessions report anomalies and gaps; implemented once per engine (no closure per flow). */
export interface TcpEventSink {
  /** `code` from `STREAM_ANOMALIES`. */
  anomaly(owner: unknown, direction: Direction, code: number): void;
  /** Bytes `[offset, offset + length)` of the direction's stream are missing (also reported to the consumer's `onGap`). */
  gap(owner: unknown, direction: Direction, offset: number, length: number): void;
}

/** What every session of an engine shares. */
export interface TcpContext {
  options: TcpOptions;
  memory: ReassemblyMemory;
  sink: TcpEventSink;
  /**
   * Called when a session first needs its reassemblers (its first payload byte, FIN, or acknowledgement of
   * bytes never seen), with the session's owner and current consumer; returns the consumer to use from then
   * on. Lets the engine attach per-flow application state only to flows that carry data: a SYN that is never
   * answered costs no reassembly or parser state.
   */
  streamsOpened?: (owner: unknown, consumer: StreamConsumer | null) => StreamConsumer | null;
  /** Where sessions take their fixed state from (`TCP_SESSION_WORDS` words each); without it each allocates its own. */
  stateSlab?: TcpStateSlab;
}

/** Per-direction statistics. */
export interface TcpStreamStats {
  /** Bytes handed to the consumer (or that would have been, when there is none). */
  bytesDelivered: number;
  /** Gap events, and the bytes they covered. */
  gaps: number;
  gapBytes: number;
  /** Segments wholly inside data already received (or already released). */
  retransmissions: number;
  /** Segments partly overlapping data already received. */
  overlaps: number;
  /** Overlapping segments whose bytes differed from those received. */
  overlapsDifferent: number;
  /** Segments that arrived ahead of a hole. */
  outOfOrder: number;
  /** Segments carrying payload. */
  segments: number;
  depthReached: boolean;
}

/** What a reassembler needs from its session (implemented by `TcpSession`). */
export interface TcpStreamHost {
  /** Passed back to the event sink with every anomaly and gap. */
  readonly owner: unknown;
  /** Read at each delivery, so the engine may set it after construction. */
  readonly consumer: StreamConsumer | null;
  /** Capture time of the packet being processed (for `StreamChunkInfo`). */
  readonly tsSec: number;
  readonly tsNsec: number;
  /** @internal A reservation failed under memcap policy `bypass`: stop reassembling the whole flow (kept out of the public declarations with TcpSession.bypass, which implements it). */
  bypass(direction: Direction): void;
}
