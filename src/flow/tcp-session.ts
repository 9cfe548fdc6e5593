/**
 * TCP connection tracking as a passive observer sees it: the handshake, the close, resets, and the two
 * byte streams, each reassembled by a `TcpStreamReassembler` (tcp-reassembly.ts).
 *
 * An observer is not an endpoint. It sees both sides, but late, reordered, duplicated, or not at all
 * (captures drop packets, start mid-connection, or hold one direction only), so every rule here accepts
 * what real captures contain and reports what is odd as a `stream.*` anomaly instead of refusing it.
 *
 * States and their names follow Suricata's TCP session (OISF/suricata src/stream-tcp.c, read at
 * 398687d), because the names appear in EVE `tcp.state`. The closing states are named from the
 * server's side as Suricata does: the client's FIN moves the session to `close_wait`, the server's to
 * `fin_wait1`.
 */
import type { DecodedPacket } from '../decode/packet.js';
import { TcpFlag } from '../decode/packet.js';
import { StreamAnomaly } from './events.js';
import { seqDiff, seqGt } from './seq.js';
import { Direction, type StreamConsumer, type StreamEndReason } from './stream.js';
import { InsertResult, TcpStreamReassembler, emptyStreamStats } from './tcp-reassembly.js';
import type { TcpContext, TcpStreamHost, TcpStreamStats } from './tcp-types.js';

export const TcpState = {
  NONE: 0,
  SYN_SENT: 1,
  SYN_RECV: 2,
  ESTABLISHED: 3,
  FIN_WAIT1: 4,
  FIN_WAIT2: 5,
  CLOSING: 6,
  CLOSE_WAIT: 7,
  LAST_ACK: 8,
  TIME_WAIT: 9,
  CLOSED: 10,
} as const;
export type TcpState = (typeof TcpState)[keyof typeof TcpState];

const STATE_NAMES = [
  'none',
  'syn_sent',
  'syn_recv',
  'established',
  'fin_wait1',
  'fin_wait2',
  'closing',
  'close_wait',
  'last_ack',
  'time_wait',
  'closed',
] as const;

/** Suricata's EVE name of a `TcpState` (`tcp.state`). */
export function tcpStateName(s: number): string {
  return STATE_NAMES[s] ?? 'unknown';
}

/** Per-packet outcome bits returned by `onPacket`. */
export const TcpOutcome = {
  OK: 0,
  /** Memcap policy `drop` rejected this segment: the packet's verdict is drop. */
  DROP: 1,
  /**
   * This packet (a SYN without ACK, ISN different from the session's, on a finished session: port reuse)
   * starts a new connection: the engine ends this flow (reason `tcp_reuse`) and feeds the packet to a new
   * flow; `onPacket` did nothing else with it.
   */
  NEW_CONNECTION: 2,
} as const;

export type { TcpContext, TcpEventSink, TcpStreamStats } from './tcp-types.js';

// Per-direction fields, in one Uint32Array per session: field index * 2 + direction.
const ISN = 0;
/** The sender's highest sequence number used: seq + payload (+1 for SYN and FIN). */
const NEXT = 2;
/** Latest acknowledgement number the direction sent (the streams keep their own highest). */
const ACK = 4;
/** Last window the direction advertised, unscaled. */
const WIN = 6;
const WSCALE = 8;
const FLAGS = 10;
const FIN_SEQ = 12;
/** Payload bytes on the direction's SYN (TCP Fast Open), for the SYN/ACK's acknowledgement check. */
const SYN_LEN = 14;
const FIELDS = 16;
/** Words of fixed state per session (the size of a `TcpStateSlab` entry). */
export const TCP_SESSION_WORDS = FIELDS;

// FLAGS bits
const F_SYN = 1; // a SYN from this direction was seen
const F_ISN = 2; // its ISN is known (from its SYN, or from the peer's SYN/ACK)
const F_NEXT = 4; // NEXT is valid
const F_ACK = 8; // ACK is valid
const F_FIN = 16;
const F_FIN_ACKED = 32; // the peer acknowledged this direction's FIN
const F_WSCALE = 64; // its SYN carried a window scale option

/**
 * How far past the sender's highest sequence number seen an acknowledgement may reach and still count.
 * Beyond it the ACK is taken for garbage (or for a capture that lost that much of the sender's traffic):
 * trusting it would turn everything up to it into one gap and skip the stream past its real bytes. Once
 * the sender's next packet shows it really got there, the next ACK counts.
 */
const MIN_ACK_SLACK = 1 << 20;

/** Statistics of a session whose streams were never opened: nothing was delivered (shared, never written). */
const NO_STREAM_STATS: readonly [TcpStreamStats, TcpStreamStats] = Object.freeze([
  Object.freeze(emptyStreamStats()),
  Object.freeze(emptyStreamStats()),
]) as unknown as readonly [TcpStreamStats, TcpStreamStats];

export class TcpSession implements TcpStreamHost {
  /** Set by the engine right after construction; may stay null (bytes are still reassembled and counted). */
  consumer: StreamConsumer | null = null;
  readonly owner: unknown;
  /** Per-direction statistics (index = Direction); all zero while the streams are not open. */
  stats: readonly [TcpStreamStats, TcpStreamStats] = NO_STREAM_STATS;
  /** Capture time of the packet being processed (the chunk times given to the consumer). */
  tsSec = 0;
  tsNsec = 0;

  private readonly ctx: TcpContext;
  /**
   * The two reassemblers, made when the first byte, FIN or acknowledgement of unseen bytes needs them
   * (`open()`). Until then the session is a handshake tracker of a few hundred bytes: a SYN flood fills the
   * flow table with these, not with reassemblers. Stream bases learnt before (ISNs) are in `t`.
   */
  private streams: readonly [TcpStreamReassembler, TcpStreamReassembler] | null = null;
  private readonly t: Uint32Array;
  private readonly ackSlack: number;
  private released = false;
  private current: number = TcpState.NONE;
  private rstSeen = false;
  private isBypassed = false;
  private isClosed = false;
  /** Directions ended while the streams were not open (bit per direction), so `onEnd` comes once. */
  private endedUnopened = 0;
  /** Direction that sent the first SYN (or is taken to, from a SYN/ACK); -1 before. */
  private synDir = -1;
  /** Direction of the first FIN; -1 before. */
  private firstCloser = -1;

  constructor(ctx: TcpContext, owner: unknown) {
    this.ctx = ctx;
    this.owner = owner;
    this.t = ctx.stateSlab !== undefined ? ctx.stateSlab.take() : new Uint32Array(FIELDS);
    this.ackSlack = Math.max(ctx.options.maxBufferPerStream, MIN_ACK_SLACK);
  }

  /** Whether the reassemblers exist (the flow carried data, a FIN, or acknowledged unseen bytes). */
  get opened(): boolean {
    return this.streams !== null;
  }

  /**
   * The reassemblers, made on first use. Each direction whose ISN is already known starts at ISN + 1, as
   * `setBase` would have done at the SYN: nothing was held before, so the result is the same.
   */
  private open(): readonly [TcpStreamReassembler, TcpStreamReassembler] {
    if (this.streams !== null) return this.streams;
    const ctx = this.ctx;
    if (ctx.streamsOpened !== undefined) this.consumer = ctx.streamsOpened(this.owner, this.consumer);
    const toServer = new TcpStreamReassembler(ctx, this, Direction.TO_SERVER);
    const toClient = new TcpStreamReassembler(ctx, this, Direction.TO_CLIENT);
    const streams = [toServer, toClient] as const;
    this.streams = streams;
    this.stats = [toServer.stats, toClient.stats];
    const t = this.t;
    for (let d = 0; d < 2; d++) {
      if ((t[FLAGS + d]! & F_ISN) !== 0) streams[d]!.setBase((t[ISN + d]! + 1) >>> 0, true);
      if ((this.endedUnopened & (1 << d)) !== 0) {
        // Its consumer already had its onEnd: the stream is over without another one.
        streams[d]!.ended = true;
        streams[d]!.active = false;
      }
    }
    return streams;
  }

  get state(): number {
    return this.current;
  }

  /** Memcap policy `bypass` switched reassembly off for this flow. */
  get bypassed(): boolean {
    return this.isBypassed;
  }

  /** Timeout class for the flow table: 0 new (handshake not complete), 1 established, 2 closed (FIN both ways, or RST). */
  get timeoutClass(): number {
    if (this.rstSeen || this.current === TcpState.CLOSED) return 2;
    const t = this.t;
    if (t[FLAGS]! & t[FLAGS + 1]! & F_FIN) return 2;
    return this.current < TcpState.ESTABLISHED ? 0 : 1;
  }

  /**
   * Sequence space `dir` used after its SYN: the payload bytes it sent on the wire (plus 1 once it sent a
   * FIN), known even when the capture kept only headers or reassembly stopped at its depth. The later of the
   * highest sequence number it sent and the peer's latest acknowledgement, less its ISN; 0 when its ISN is
   * unknown (no SYN seen). Read by the threat stage (unusual_upload). Wraps after 4 GiB.
   */
  sequenceSpan(dir: Direction): number {
    const t = this.t;
    const f = t[FLAGS + dir]!;
    if ((f & F_ISN) === 0) return 0;
    const start = (t[ISN + dir]! + 1) >>> 0;
    let end = start;
    if ((f & F_NEXT) !== 0 && seqGt(t[NEXT + dir]!, end)) end = t[NEXT + dir]!;
    const peer = 1 - dir;
    if ((t[FLAGS + peer]! & F_ACK) !== 0 && seqGt(t[ACK + peer]!, end)) end = t[ACK + peer]!;
    return (end - start) >>> 0;
  }

  /** The reassembler of one direction (diagnostics and tests). */
  reassembler(direction: Direction): TcpStreamReassembler {
    return this.open()[direction];
  }

  /**
   * One TCP packet of this flow. `dir` is decided by the flow table (client = SYN sender; heuristics when
   * picked up mid-stream). Returns `TcpOutcome` bits.
   */
  onPacket(pkt: DecodedPacket, dir: Direction): number {
    this.tsSec = pkt.tsSec;
    this.tsNsec = pkt.tsNsec;
    const flags = pkt.tcpFlags;
    if ((flags & TcpFlag.RST) !== 0) return this.onRst(pkt, dir, flags);
    if ((flags & TcpFlag.SYN) !== 0) return this.onSyn(pkt, dir, flags);
    const state = this.current;
    if (state === TcpState.NONE) {
      // No handshake seen: each direction's stream starts at the first byte seen in it.
      this.current = TcpState.ESTABLISHED;
      this.ctx.sink.anomaly(this.owner, dir, StreamAnomaly.midstream);
    } else if (state === TcpState.SYN_SENT) {
      // The SYN/ACK is missing from the capture. The client's ACK still names the server's ISN + 1.
      if ((flags & TcpFlag.ACK) !== 0) {
        const other = dir ^ 1;
        if (dir === this.synDir && (this.t[FLAGS + other]! & F_ISN) === 0) {
          this.learnIsn(other, (pkt.tcpAck - 1) >>> 0);
        }
        this.current = TcpState.ESTABLISHED;
      }
    } else if (state === TcpState.SYN_RECV) {
      if ((flags & TcpFlag.ACK) !== 0) this.current = TcpState.ESTABLISHED;
    }
    return this.onSegment(pkt, dir, flags);
  }

  /**
   * End of the flow (timeout, eviction, end of input): delivers everything still held (holes as gaps,
   * unacknowledged data flushed), then `onEnd` for each direction not yet ended. Idempotent.
   */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    const t = this.t;
    for (let d = 0; d < 2; d++) {
      const f = t[FLAGS + d]!;
      this.finishDirection(d as Direction, (f & F_FIN) !== 0 ? 'fin' : this.rstSeen ? 'rst' : 'flow_end');
    }
  }

  /**
   * Gives the fixed state back to the context's slab, after the flow's end and its event (`close()` first).
   * The session must not be used afterwards. Idempotent.
   */
  release(): void {
    if (this.released) return;
    this.released = true;
    if (this.ctx.stateSlab !== undefined) this.ctx.stateSlab.give(this.t);
  }

  /** @internal Called by a reassembler whose memory reservation failed under policy `bypass`. */
  bypass(direction: Direction): void {
    if (this.isBypassed) return;
    this.isBypassed = true;
    this.ctx.sink.anomaly(this.owner, direction, StreamAnomaly.memcap_bypass);
    const streams = this.open();
    streams[0].end('bypass');
    streams[1].end('bypass');
  }

  /**
   * Ends one direction's stream. Unopened streams hold nothing; they are opened only when the sender's
   * highest sequence number lies beyond its stream's start (bytes sent but never seen: a trailing gap to
   * report). Otherwise the consumer gets its `onEnd` directly, once.
   */
  private finishDirection(d: Direction, reason: StreamEndReason): void {
    const t = this.t;
    const f = t[FLAGS + d]!;
    if (
      this.streams === null &&
      !((f & (F_ISN | F_NEXT)) === (F_ISN | F_NEXT) && seqDiff(t[NEXT + d]!, (t[ISN + d]! + 1) >>> 0) > 0)
    ) {
      const bit = 1 << d;
      if ((this.endedUnopened & bit) !== 0) return;
      this.endedUnopened |= bit;
      const consumer = this.consumer;
      if (consumer !== null && consumer.onEnd !== undefined) consumer.onEnd(d, reason);
      return;
    }
    this.open()[d].finish(reason, (f & F_NEXT) !== 0, t[NEXT + d]!);
  }

  // ------------------------------------------------------------------------------------------------

  /** A segment without SYN or RST (the handshake bookkeeping is done). */
  private onSegment(pkt: DecodedPacket, dir: Direction, flags: number): number {
    const t = this.t;
    const seq = pkt.tcpSeq >>> 0;
    const len = pkt.payloadLen;
    t[WIN + dir] = pkt.tcpWindow;
    // A keep-alive (RFC 9293 §3.8.4) re-sends the last byte already acknowledged, or nothing, at
    // SND.NXT - 1, acknowledging nothing new. Its byte is often garbage: it is no data and no overlap.
    if (
      len <= 1 &&
      (flags & (TcpFlag.FIN | TcpFlag.ACK)) === TcpFlag.ACK &&
      (t[FLAGS + dir]! & (F_NEXT | F_ACK)) === (F_NEXT | F_ACK) &&
      seqDiff(seq, t[NEXT + dir]!) === -1 &&
      pkt.tcpAck >>> 0 === t[ACK + dir]
    ) {
      return TcpOutcome.OK;
    }
    // The acknowledgement first: it releases the peer's bytes, which the receiver had before it sent
    // this packet (a response after its request).
    if ((flags & TcpFlag.ACK) !== 0) this.onAck(dir, pkt.tcpAck >>> 0);
    let out: number = TcpOutcome.OK;
    if (len > 0) {
      const snd = this.open()[dir];
      snd.stats.segments++;
      if (this.rstSeen) {
        this.ctx.sink.anomaly(this.owner, dir, StreamAnomaly.data_after_rst);
      } else if ((t[FLAGS + dir]! & F_FIN) !== 0 && seqGt((seq + len) >>> 0, t[FIN_SEQ + dir]!)) {
        this.ctx.sink.anomaly(this.owner, dir, StreamAnomaly.data_after_fin);
        // The bytes before the FIN may still be a retransmission worth comparing.
        if (!this.isBypassed && seqGt(t[FIN_SEQ + dir]!, seq)) snd.insert(seq, pkt.data, pkt.payloadOffset, len);
      } else if (!this.isBypassed) {
        if (!snd.baseKnown) snd.setBase(seq, false);
        if (snd.insert(seq, pkt.data, pkt.payloadOffset, len) === InsertResult.DROP) out = TcpOutcome.DROP;
      }
    }
    this.noteSent(dir, (seq + len) >>> 0);
    if ((flags & TcpFlag.FIN) !== 0 && !this.rstSeen) this.onFin(dir, (seq + len) >>> 0);
    if (this.firstCloser >= 0) this.updateCloseState();
    return out;
  }

  /** `dir` acknowledged the peer's bytes before `ack`. */
  private onAck(dir: Direction, ack: number): void {
    const t = this.t;
    const other = dir ^ 1;
    t[ACK + dir] = ack;
    t[FLAGS + dir] = t[FLAGS + dir]! | F_ACK;
    const of = t[FLAGS + other]!;
    if ((of & F_NEXT) !== 0 && seqDiff(ack, t[NEXT + other]!) > this.ackSlack) return;
    if (!this.isBypassed) {
      let streams = this.streams;
      // An unopened stream holds nothing; only an acknowledgement past its start (bytes never seen, a gap)
      // does anything there. Without a known start it is ignored, as the reassembler would.
      if (streams === null && (of & F_ISN) !== 0 && seqDiff(ack, (t[ISN + other]! + 1) >>> 0) > 0) streams = this.open();
      if (streams !== null) streams[other]!.onAck(ack);
    }
    if ((of & F_FIN) !== 0 && seqDiff(ack, t[FIN_SEQ + other]!) > 0) t[FLAGS + other] = of | F_FIN_ACKED;
  }

  private noteSent(dir: Direction, end: number): void {
    const t = this.t;
    const f = t[FLAGS + dir]!;
    if ((f & F_NEXT) === 0 || seqGt(end, t[NEXT + dir]!)) {
      t[NEXT + dir] = end;
      t[FLAGS + dir] = f | F_NEXT;
    }
  }

  private onFin(dir: Direction, finSeq: number): void {
    const t = this.t;
    const f = t[FLAGS + dir]!;
    if ((f & F_FIN) !== 0) return; // a retransmitted FIN
    t[FLAGS + dir] = f | F_FIN;
    t[FIN_SEQ + dir] = finSeq;
    this.noteSent(dir, (finSeq + 1) >>> 0); // the FIN takes one sequence number
    if (this.firstCloser < 0) this.firstCloser = dir;
    if (this.current < TcpState.ESTABLISHED) this.current = TcpState.ESTABLISHED;
    if (!this.isBypassed) this.open()[dir].setFin(finSeq);
  }

  /**
   * The closing states from the FINs seen and acknowledged (Suricata's names, server's point of view):
   * server FIN first: fin_wait1 → (client ACKs it) fin_wait2 → (client FIN) time_wait, or fin_wait1 →
   * (client FIN before acknowledging) closing → time_wait; client FIN first: close_wait → (server FIN)
   * last_ack. Both FINs acknowledged: closed. States only move forward.
   */
  private updateCloseState(): void {
    const t = this.t;
    const fc = t[FLAGS + Direction.TO_SERVER]!;
    const fs = t[FLAGS + Direction.TO_CLIENT]!;
    let next: number;
    if ((fc & fs & F_FIN_ACKED) !== 0) {
      next = TcpState.CLOSED;
    } else if (this.firstCloser === Direction.TO_CLIENT) {
      if ((fc & F_FIN) === 0) next = (fs & F_FIN_ACKED) !== 0 ? TcpState.FIN_WAIT2 : TcpState.FIN_WAIT1;
      else next = (fs & F_FIN_ACKED) !== 0 ? TcpState.TIME_WAIT : TcpState.CLOSING;
    } else {
      next = (fs & F_FIN) === 0 ? TcpState.CLOSE_WAIT : TcpState.LAST_ACK;
    }
    if (next > this.current) this.current = next;
  }

  private onSyn(pkt: DecodedPacket, dir: Direction, flags: number): number {
    const t = this.t;
    const other = dir ^ 1;
    const seq = pkt.tcpSeq >>> 0;
    const f = t[FLAGS + dir]!;
    const sameIsn = (f & F_ISN) !== 0 && t[ISN + dir] === seq;
    const sink = this.ctx.sink;
    let out: number = TcpOutcome.OK;

    if ((flags & TcpFlag.ACK) === 0) {
      // ---- SYN ----
      if (this.finished()) {
        if (sameIsn) return TcpOutcome.OK; // the old connection's SYN, again
        return TcpOutcome.NEW_CONNECTION;
      }
      t[WIN + dir] = pkt.tcpWindow;
      switch (this.current) {
        case TcpState.NONE:
          this.synDir = dir;
          this.current = TcpState.SYN_SENT;
          out = this.takeSyn(pkt, dir, seq);
          break;
        case TcpState.SYN_SENT:
          if (dir !== this.synDir) {
            // Both sides sent a SYN: simultaneous open (RFC 9293 §3.5, figure 8).
            this.current = TcpState.SYN_RECV;
            out = this.takeSyn(pkt, dir, seq);
          } else if (!sameIsn) {
            sink.anomaly(this.owner, dir, StreamAnomaly.syn_resend_different_seq);
            out = this.takeSyn(pkt, dir, seq);
          } else {
            out = this.synData(pkt, dir, seq);
          }
          break;
        case TcpState.SYN_RECV:
          if ((f & F_SYN) === 0 && (f & F_ISN) !== 0) {
            // The SYN/ACK came first; this is the SYN it answered, late in the capture.
            sink.anomaly(this.owner, dir, StreamAnomaly.handshake_reordered);
            if (!sameIsn) sink.anomaly(this.owner, dir, StreamAnomaly.syn_resend_different_seq);
            out = sameIsn ? this.markSyn(pkt, dir, seq) : this.takeSyn(pkt, dir, seq);
          } else if (!sameIsn) {
            sink.anomaly(this.owner, dir, StreamAnomaly.syn_resend_different_seq);
            out = this.takeSyn(pkt, dir, seq);
          } else {
            out = this.synData(pkt, dir, seq);
          }
          break;
        default:
          // Established or closing: a SYN cannot restart the connection here.
          if ((f & F_SYN) === 0 && sameIsn) {
            sink.anomaly(this.owner, dir, StreamAnomaly.handshake_reordered);
            t[FLAGS + dir] = t[FLAGS + dir]! | F_SYN;
          } else if (!sameIsn) {
            sink.anomaly(this.owner, dir, StreamAnomaly.syn_resend_different_seq);
          }
          return TcpOutcome.OK;
      }
      this.noteSent(dir, (seq + 1 + pkt.payloadLen) >>> 0);
      return out;
    }

    // ---- SYN/ACK ----
    t[WIN + dir] = pkt.tcpWindow;
    const ack = pkt.tcpAck >>> 0;
    // A SYN/ACK that does not acknowledge the SYN says nothing reliable about the peer's bytes.
    let ackUsable = true;
    switch (this.current) {
      case TcpState.NONE:
        // The SYN was lost, or comes later in the capture: its ISN is the SYN/ACK's ACK - 1.
        this.synDir = other;
        this.current = TcpState.SYN_RECV;
        out = this.takeSyn(pkt, dir, seq);
        this.learnIsn(other, (ack - 1) >>> 0);
        break;
      case TcpState.SYN_SENT:
        if (dir === this.synDir) {
          sink.anomaly(this.owner, dir, StreamAnomaly.synack_bad_ack);
          return TcpOutcome.OK;
        }
        if (!this.checkSynAck(dir, ack)) ackUsable = false;
        this.current = TcpState.SYN_RECV;
        out = this.takeSyn(pkt, dir, seq);
        break;
      case TcpState.SYN_RECV:
        if (!this.checkSynAck(dir, ack)) ackUsable = false;
        if ((f & F_SYN) === 0) {
          out = this.takeSyn(pkt, dir, seq);
        } else if (!sameIsn) {
          sink.anomaly(this.owner, dir, StreamAnomaly.syn_resend_different_seq);
          out = this.takeSyn(pkt, dir, seq);
        } else {
          out = this.synData(pkt, dir, seq);
        }
        break;
      default:
        // A retransmitted SYN/ACK after the handshake: only its acknowledgement matters.
        if (!sameIsn && (f & F_ISN) !== 0) sink.anomaly(this.owner, dir, StreamAnomaly.syn_resend_different_seq);
        this.onAck(dir, ack);
        return TcpOutcome.OK;
    }
    this.noteSent(dir, (seq + 1 + pkt.payloadLen) >>> 0);
    if (ackUsable) this.onAck(dir, ack);
    return out;
  }

  /** Adopts `seq` as the direction's ISN (its first SYN, or a newer one) and takes the SYN's options and data. */
  private takeSyn(pkt: DecodedPacket, dir: Direction, seq: number): number {
    const t = this.t;
    let f = t[FLAGS + dir]! | F_SYN | F_ISN | F_NEXT;
    if (pkt.tcpWscale >= 0) {
      t[WSCALE + dir] = pkt.tcpWscale > 14 ? 14 : pkt.tcpWscale; // RFC 7323 §2.3: larger values mean 14
      f |= F_WSCALE;
    } else {
      f &= ~F_WSCALE;
    }
    t[FLAGS + dir] = f;
    t[ISN + dir] = seq;
    t[NEXT + dir] = (seq + 1 + pkt.payloadLen) >>> 0;
    t[SYN_LEN + dir] = pkt.payloadLen;
    // Unopened streams take their start from `t` when they open.
    if (!this.isBypassed && this.streams !== null) this.streams[dir].setBase((seq + 1) >>> 0, true);
    return this.synData(pkt, dir, seq);
  }

  /** A late SYN with the ISN already learnt from the SYN/ACK: only its options and data are new. */
  private markSyn(pkt: DecodedPacket, dir: Direction, seq: number): number {
    const t = this.t;
    t[FLAGS + dir] = t[FLAGS + dir]! | F_SYN;
    if (pkt.tcpWscale >= 0) {
      t[WSCALE + dir] = pkt.tcpWscale > 14 ? 14 : pkt.tcpWscale;
      t[FLAGS + dir] = t[FLAGS + dir]! | F_WSCALE;
    }
    t[SYN_LEN + dir] = pkt.payloadLen;
    return this.synData(pkt, dir, seq);
  }

  /** Data on a SYN: TCP Fast Open (RFC 7413) or an evasion attempt. The data is part of the stream. */
  private synData(pkt: DecodedPacket, dir: Direction, seq: number): number {
    const len = pkt.payloadLen;
    if (len === 0) return TcpOutcome.OK;
    this.ctx.sink.anomaly(this.owner, dir, StreamAnomaly.syn_with_data);
    const snd = this.open()[dir];
    snd.stats.segments++;
    if (this.isBypassed) return TcpOutcome.OK;
    if (snd.insert((seq + 1) >>> 0, pkt.data, pkt.payloadOffset, len) === InsertResult.DROP) return TcpOutcome.DROP;
    return TcpOutcome.OK;
  }

  /** The ISN of `dir` learnt from the peer's acknowledgement of its SYN (the SYN itself not seen). */
  private learnIsn(dir: number, isn: number): void {
    const t = this.t;
    t[ISN + dir] = isn;
    t[FLAGS + dir] = t[FLAGS + dir]! | F_ISN;
    if (!this.isBypassed && this.streams !== null) this.streams[dir]!.setBase((isn + 1) >>> 0, true);
  }

  /**
   * The SYN/ACK from `dir` must acknowledge the peer's SYN (and, with TCP Fast Open, possibly its data);
   * false, with stream.synack_bad_ack, when it does not.
   */
  private checkSynAck(dir: Direction, ack: number): boolean {
    const t = this.t;
    const other = dir ^ 1;
    if ((t[FLAGS + other]! & F_ISN) === 0) return true;
    const d = seqDiff(ack, (t[ISN + other]! + 1) >>> 0);
    if (d >= 0 && d <= t[SYN_LEN + other]!) return true;
    this.ctx.sink.anomaly(this.owner, dir, StreamAnomaly.synack_bad_ack);
    return false;
  }

  private onRst(pkt: DecodedPacket, dir: Direction, flags: number): number {
    if (this.rstSeen) return TcpOutcome.OK;
    const seq = pkt.tcpSeq >>> 0;
    const ack = pkt.tcpAck >>> 0;
    if (this.current === TcpState.NONE) {
      // A lone RST (backscatter, a scan's answer): nothing to check it against.
      this.rstSeen = true;
      this.current = TcpState.CLOSED;
      return TcpOutcome.OK;
    }
    if (!this.rstPlausible(dir, seq, ack, flags)) {
      this.ctx.sink.anomaly(this.owner, dir, StreamAnomaly.rst_invalid);
      return TcpOutcome.OK;
    }
    if ((flags & TcpFlag.ACK) !== 0) this.onAck(dir, ack);
    this.rstSeen = true;
    this.current = TcpState.CLOSED;
    const t = this.t;
    for (let d = 0; d < 2; d++) this.finishDirection(d as Direction, (t[FLAGS + d]! & F_FIN) !== 0 ? 'fin' : 'rst');
    return TcpOutcome.OK;
  }

  /**
   * Whether a RST from `dir` could be accepted by its receiver. RFC 9293 §3.10.7.2 (and RFC 5961 §3)
   * accept a RST whose sequence number is in the receive window; the observer only approximates the
   * receiver's RCV.NXT (by the sender's highest sequence number seen) and window (the receiver's last
   * advertised one, scaled when both SYNs negotiated it, at least 64 KiB, and assumed at the largest
   * scale when the handshake was not seen), so it accepts a window on either side. Answering a SYN
   * (state syn_sent), a RST is acceptable when it acknowledges the SYN (RFC 9293 §3.10.7.3).
   */
  private rstPlausible(dir: Direction, seq: number, ack: number, flags: number): boolean {
    const t = this.t;
    const other = dir ^ 1;
    if (this.current === TcpState.SYN_SENT && dir !== this.synDir) {
      if ((flags & TcpFlag.ACK) === 0 || (t[FLAGS + other]! & F_ISN) === 0) return false;
      const d = seqDiff(ack, (t[ISN + other]! + 1) >>> 0);
      return d >= 0 && d <= t[SYN_LEN + other]!;
    }
    let ref: number;
    if ((t[FLAGS + dir]! & F_NEXT) !== 0) ref = t[NEXT + dir]!;
    else if ((t[FLAGS + other]! & F_ACK) !== 0) ref = t[ACK + other]!;
    else return true;
    let shift = 14;
    if ((t[FLAGS + dir]! & t[FLAGS + other]! & F_SYN) !== 0) {
      shift = (t[FLAGS + dir]! & t[FLAGS + other]! & F_WSCALE) !== 0 ? t[WSCALE + other]! : 0;
    }
    let win = t[WIN + other]! * 2 ** shift;
    if (win < 65535) win = 65535;
    const d = seqDiff(seq, ref);
    return d >= -win && d <= win;
  }

  /** The connection is over (both FINs, a RST, or closed): a new SYN starts another one. */
  private finished(): boolean {
    if (this.rstSeen || this.current === TcpState.CLOSED || this.current === TcpState.TIME_WAIT) return true;
    const t = this.t;
    return (t[FLAGS]! & t[FLAGS + 1]! & F_FIN) !== 0;
  }
}
