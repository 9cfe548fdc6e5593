/**
 * The contract between the engine and application-protocol modules (one folder per protocol under
 * `src/protocols/`, one line per protocol in `registry.ts`).
 *
 * A module offers:
 * - a **probe**, asked about the first bytes of each direction of a flow until it answers: is this stream
 *   mine? The registry asks probes in an order that port hints decide, but a port never decides alone;
 * - a **parser** for a flow it won: TCP parsers get the reassembled byte stream of both directions (any
 *   split, gaps marked), UDP parsers get each datagram;
 * - its **records** (the typed events it produces, e.g. one HTTP transaction) and its **anomalies**.
 *
 * Parsers never see packets, sequence numbers, timestamps or addresses: the engine wraps each record into
 * a `NetsieveEvent` with the flow's endpoints, ids and the capture time of the packet that completed it.
 * Parsers must never throw on bad input: they raise an anomaly and recover (or give up on the flow with
 * `sink.stop()`), and every buffer they keep has a cap.
 */
import type { Direction, StreamEndReason } from '../flow/stream.js';

/** A probe's answer about the bytes it was shown. */
export const Probe = {
  /** Not enough bytes to say: ask again with more (or give up when the detection budget is spent). */
  NEED_MORE: 0,
  /** This is the protocol. */
  MINE: 1,
  /** This is not the protocol: do not ask again for this flow. */
  NOT_MINE: 2,
} as const;
export type ProbeResult = (typeof Probe)[keyof typeof Probe];

export type Transport = 'tcp' | 'udp';

/** What a probe knows besides the bytes. */
export interface ProbeContext {
  transport: Transport;
  /** Direction of the bytes shown: client → server, or server → client. */
  direction: Direction;
  /** The flow's server port (the destination of the client's packets) and client port. */
  serverPort: number;
  clientPort: number;
}

/** Where a parser sends what it finds. Implemented by the engine; one per flow and protocol. */
export interface AppEventSink {
  /**
   * A finished record (an HTTP transaction, a DNS message, a TLS handshake, a Redis command with its reply)
   * that becomes the event `{ type, [type]: payload, ...flow fields }`, as EVE writes
   * `"event_type": "http", "http": {...}`. `payload` must be plain data the receiver may keep: no reused
   * objects, no views of buffers the parser overwrites (copy what you keep).
   */
  emit(type: string, payload: object): void;
  /** A protocol anomaly: `name` from the module's anomaly table (`http.duplicate_content_length`). */
  anomaly(name: string, direction?: Direction): void;
  /**
   * The flow leaves this protocol (HTTP after `CONNECT` or a successful `Upgrade`, TLS after the handshake
   * when nothing more is parsed, a parser that lost sync for good): no more calls for this flow follow.
   */
  stop(reason: string): void;
}

/** The parser of one TCP flow: both directions' reassembled bytes, in order, gaps marked. */
export interface TcpAppParser {
  /**
   * In-order bytes of `direction`: `data[start, end)`. The buffer is reused after the call: copy what you
   * keep. The first call of each direction starts at the first byte the engine has of that stream (for a
   * flow picked up mid-stream, possibly the middle of a message).
   */
  onData(direction: Direction, data: Uint8Array, start: number, end: number): void;
  /** `length` bytes of `direction` are missing (-1: unknown): resynchronise or give up. */
  onGap(direction: Direction, length: number): void;
  /** No more bytes of `direction`. Emit what the end completes (a body read to connection close). */
  onEnd(direction: Direction, reason: StreamEndReason): void;
}

/** The parser of one UDP flow: each datagram's payload. */
export interface UdpAppParser {
  onDatagram(direction: Direction, data: Uint8Array, start: number, end: number): void;
  /** The flow ended: emit what is pending (queries that got no response). */
  onEnd(): void;
}

/** One application protocol. */
export interface ProtocolModule<Options = unknown> {
  /** `app_proto` value: `http`, `dns`, `tls`, `redis`, ... (Suricata's names where Suricata has one). */
  name: string;
  transports: readonly Transport[];
  /** Well-known server ports, per transport: a hint that orders the probes, never proof. */
  ports: Readonly<Partial<Record<Transport, readonly number[]>>>;
  /**
   * Examines the first bytes of one direction (all of that direction's bytes so far, from its first byte;
   * for UDP, one datagram). Must be cheap, never throw, and answer NOT_MINE as early as the bytes allow.
   */
  probe(data: Uint8Array, start: number, end: number, ctx: ProbeContext): ProbeResult;
  /** A parser for a TCP flow this module won (the bytes already probed are delivered to it again). */
  createTcp?(sink: AppEventSink, options: Options): TcpAppParser;
  /** A parser for a UDP flow this module won. */
  createUdp?(sink: AppEventSink, options: Options): UdpAppParser;
  /** The module's options with their defaults (caps, switches). */
  defaults: Options;
  /** The module's anomaly names (`http.bad_chunk_size`, ...): the code of a name is its index. */
  anomalies: readonly string[];
}
