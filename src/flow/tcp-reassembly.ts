/**
 * One direction of a TCP connection, reassembled: segments in, ordered bytes out to a `StreamConsumer`.
 *
 * The model. Sequence numbers are mapped once to stream offsets (plain numbers, 0 = the byte after the
 * SYN, or the first byte seen mid-stream; they never wrap). The stream keeps the bytes from `head` (the
 * oldest byte not yet released) up to the highest byte received in a ring buffer, and knows:
 *
 *     head ≤ delivered ≤ contig ≤ maxEnd
 *     [head, delivered)   delivered to the consumer, kept until acknowledged so a retransmission can be compared
 *     [delivered, contig) present and in order, waiting for its acknowledgement (`acked` mode)
 *     [contig, maxEnd)    holes and out-of-order ranges (`ooo`, at most `maxHolesPerStream` of them)
 *
 * Every byte in `[head, contig)` is present: a hole given up (a gap) moves `head` past it.
 *
 * Beside the byte ranges, the stream keeps the extent of every segment it holds (`rec`, sorted by start),
 * because target-based overlap policies decide by segment geometry, not by byte ranges (see tcp-overlap.ts;
 * merging segments into ranges would, for one, lose Linux's "same start, ends after" case).
 *
 * Hot path (an in-order segment): one `set()` copy into the ring, one segment record, and for `acked`
 * delivery nothing more until the peer's ACK, which hands the consumer `(ring, start, end)` of the ring
 * itself (two calls when the range wraps). Nothing is allocated per segment except the `subarray()` view
 * the copy needs: V8 has no ranged copy between two typed arrays, and every allocation-free alternative
 * measured (byte loop, DataView words) copies 1448 bytes 9-25× slower than `set(subarray())`.
 */
import { Buffer } from 'node:buffer';
import { StreamAnomaly } from './events.js';
import { newDataWins, overlapPolicyCode } from './tcp-overlap.js';
import { seqDiff } from './seq.js';
import type { ReassemblyMemory } from './reassembly-memory.js';
import type { Direction, StreamChunkInfo, StreamEndReason } from './stream.js';
import type { TcpContext, TcpEventSink, TcpStreamHost, TcpStreamStats } from './tcp-types.js';

export type { TcpStreamHost } from './tcp-types.js';

/** Result of `insert`. */
export const InsertResult = {
  OK: 0,
  /** The segment was refused under memcap policy `drop`. */
  DROP: 1,
  /** The flow was bypassed (memcap policy `bypass`); the reassembler holds nothing any more. */
  BYPASS: 2,
} as const;

/** First ring size: a few segments. Grows by doubling up to `maxBufferPerStream`. */
const MIN_RING = 4096;
/** First segment table size (records), 256 bytes. */
const MIN_RECORDS = 16;
/** `Buffer.compare` with ranges compares two typed arrays natively without making views. */
const rangeCompare = Buffer.prototype.compare;
const EMPTY_U8 = new Uint8Array(0);
const EMPTY_F64 = new Float64Array(0);

export function emptyStreamStats(): TcpStreamStats {
  return {
    bytesDelivered: 0,
    gaps: 0,
    gapBytes: 0,
    retransmissions: 0,
    overlaps: 0,
    overlapsDifferent: 0,
    outOfOrder: 0,
    segments: 0,
    depthReached: false,
  };
}

export class TcpStreamReassembler {
  readonly direction: Direction;
  readonly stats: TcpStreamStats = emptyStreamStats();
  private readonly info: StreamChunkInfo;
  private readonly host: TcpStreamHost;
  private readonly sink: TcpEventSink;
  private readonly memory: ReassemblyMemory;
  private readonly immediate: boolean;
  private readonly policy: number;
  /** Stream offset where reassembly stops; Infinity when unlimited. */
  private readonly depth: number;
  private readonly maxBuffer: number;
  private readonly maxHoles: number;
  private readonly bypassOnMemcap: boolean;
  /** Segment records kept before old ones are merged (bounded so tiny segments cannot bloat the table). */
  private readonly maxRecords: number;

  // ---- sequence space ----
  /** The sequence number of offset 0 is known (SYN seen, or first segment of a mid-stream pickup). */
  baseKnown = false;
  /** The base came from a SYN: bytes below it are before the ISN. */
  private synBased = false;
  /** Sequence number of the byte at offset `head`. */
  private headSeq = 0;
  head = 0;
  delivered = 0;
  contig = 0;
  maxEnd = 0;
  /** Highest offset the peer acknowledged. */
  ackOff = 0;
  /** Offset the FIN occupies, -1 before any FIN. */
  finOff = -1;
  /** Still buffering and delivering (false after the end, the depth, or a bypass). */
  active = true;
  /** `onEnd` was called. */
  ended = false;
  private unackedFlushReported = false;

  // ---- bytes ----
  private ring: Uint8Array = EMPTY_U8;
  private mask = 0;
  /** Ring index of `head`. */
  private headIdx = 0;
  /** Ring size to ask for when the stream needs memory again after going empty. */
  private ringHint = MIN_RING;

  // ---- out-of-order ranges beyond `contig`: [start, end) pairs, sorted, disjoint, not touching ----
  private ooo: Float64Array = EMPTY_F64;
  private oooCount = 0;

  // ---- segment records: [start, end) pairs sorted by (start, end), entries recFirst..recCount-1 ----
  private rec: Float64Array = EMPTY_F64;
  private recFirst = 0;
  private recCount = 0;
  /** Longest record, so overlap searches know how far back a record can reach. */
  private maxRecLen = 0;

  constructor(ctx: TcpContext, host: TcpStreamHost, direction: Direction) {
    const o = ctx.options;
    this.direction = direction;
    this.host = host;
    this.sink = ctx.sink;
    this.memory = ctx.memory;
    this.immediate = o.delivery === 'immediate';
    this.policy = overlapPolicyCode(o.overlapPolicy);
    this.depth = o.depth > 0 ? o.depth : Infinity;
    // Offsets stay exact and ring indexes fit 31 bits up to 1 GiB; no stream needs more.
    this.maxBuffer = Math.min(o.maxBufferPerStream, 1 << 30);
    this.maxHoles = o.maxHolesPerStream;
    this.bypassOnMemcap = o.memcapPolicy === 'bypass';
    let ringMax = MIN_RING;
    while (ringMax < this.maxBuffer) ringMax *= 2;
    this.maxRecords = Math.max(2 * this.maxHoles + 4, ringMax >>> 8, MIN_RECORDS);
    this.info = { direction, offset: 0, tsSec: 0, tsNsec: 0 };
  }

  /** Bytes held now (delivered-but-unacknowledged, waiting, and out-of-order, holes included). */
  get held(): number {
    return this.maxEnd - this.head;
  }

  /** Number of holes (out-of-order ranges) now. */
  get holes(): number {
    return this.oooCount;
  }

  /**
   * Fixes the sequence number of stream offset 0 (`isn + 1` after a SYN, the first byte seen mid-stream).
   * Called again (a SYN with a new ISN adopted), it drops what was not delivered and maps `seq` to the
   * current delivery point, so the consumer still sees one contiguous stream.
   */
  setBase(seq: number, fromSyn: boolean): void {
    this.synBased = fromSyn;
    if (!this.baseKnown) {
      this.baseKnown = true;
      this.headSeq = seq >>> 0;
      return;
    }
    const at = this.delivered;
    this.releaseRing();
    this.oooCount = 0;
    this.recFirst = this.recCount = 0;
    this.maxRecLen = 0;
    this.head = this.contig = this.maxEnd = this.ackOff = at;
    this.finOff = -1;
    this.headSeq = seq >>> 0;
    this.headIdx = 0;
  }

  /** Stream offset of sequence number `seq` (valid within 2^31 of the stream's head). */
  offsetOf(seq: number): number {
    return this.head + seqDiff(seq, this.headSeq);
  }

  /**
   * Adds the segment `src[srcOff, srcOff + len)` starting at sequence number `seq`. Returns an
   * `InsertResult`. The base must be known (`setBase`).
   */
  insert(seq: number, src: Uint8Array, srcOff: number, len: number): number {
    if (!this.active) return InsertResult.OK;
    const segStart = this.head + seqDiff(seq, this.headSeq);
    const segEnd = segStart + len;
    let e = segEnd;
    if (this.finOff >= 0 && e > this.finOff) {
      // Reported by the session (which still sees it after this stream ended).
      if (segStart >= this.finOff) return InsertResult.OK;
      e = this.finOff;
    }
    if (e > this.depth) {
      if (segStart >= this.depth) return InsertResult.OK;
      e = this.depth;
    }
    // Fast path: the next bytes in order, with room in the ring.
    if (segStart === this.contig && this.oooCount === 0 && e - this.head <= this.ring.length) {
      this.write(segStart, src, srcOff, e - segStart);
      this.contig = this.maxEnd = e;
      const n = this.recCount;
      if (2 * n + 2 <= this.rec.length) {
        this.rec[2 * n] = segStart;
        this.rec[2 * n + 1] = e;
        this.recCount = n + 1;
        if (e - segStart > this.maxRecLen) this.maxRecLen = e - segStart;
      } else {
        this.addRecord(segStart, e);
      }
      if (this.immediate || this.ackOff > this.delivered) this.advance();
      return InsertResult.OK;
    }
    return this.insertSlow(segStart, e, src, srcOff, segStart, segEnd);
  }

  /** The peer acknowledged everything before sequence number `ack`. */
  onAck(ack: number): void {
    if (!this.active || !this.baseKnown) return;
    const a = this.head + seqDiff(ack, this.headSeq);
    if (a <= this.ackOff) return;
    this.ackOff = a;
    this.advance();
  }

  /** The sender's FIN occupies sequence number `seq`. The first FIN counts; later ones are ignored. */
  setFin(seq: number): void {
    if (!this.baseKnown) this.setBase(seq, false);
    if (this.finOff >= 0) return;
    let f = this.head + seqDiff(seq, this.headSeq);
    if (f < this.delivered) {
      // A FIN below bytes already delivered: those bytes stand, the stream ends where delivery is.
      this.anomaly(StreamAnomaly.data_after_fin);
      f = this.delivered;
    }
    this.finOff = f;
    if (!this.active) return;
    if (this.maxEnd > f) {
      this.anomaly(StreamAnomaly.data_after_fin);
      this.truncateHeld(f);
    }
    this.advance();
  }

  /**
   * The stream ends (flow end, RST): delivers everything still held, in order and acknowledged or not,
   * with holes as gaps, including a trailing hole up to the FIN or up to `sentEnd` (the sender's highest
   * sequence number seen, when `sentEndKnown`); then `onEnd(reason)`. No-op after the end.
   */
  finish(reason: StreamEndReason, sentEndKnown: boolean, sentEnd: number): void {
    if (this.ended) return;
    if (this.active && this.baseKnown) {
      for (;;) {
        if (this.delivered < this.contig) {
          this.emit(this.delivered, this.contig);
          if (!this.checkEnd()) return;
        }
        if (this.oooCount === 0) break;
        this.skipHole(this.ooo[0]!);
        if (!this.checkEnd()) return;
      }
      let known = this.finOff;
      if (known < 0 && sentEndKnown) known = this.offsetOf(sentEnd);
      if (known > this.depth) known = this.depth;
      // Only a plausible tail: a FIN or sequence number far beyond every byte seen is more likely
      // garbage than megabytes lost at the very end.
      if (known > this.contig && known - this.contig <= this.maxBuffer) {
        this.skipHole(known);
        if (!this.checkEnd()) return;
      }
    }
    this.end(reason);
  }

  /** Ends the stream now without delivering what is held (bypass, or a direction already finished). */
  end(reason: StreamEndReason): void {
    if (this.ended) return;
    this.ended = true;
    this.active = false;
    this.releaseAll();
    const consumer = this.host.consumer;
    if (consumer !== null && consumer.onEnd !== undefined) consumer.onEnd(this.direction, reason);
  }

  // ------------------------------------------------------------------------------------------------

  private insertSlow(s: number, e: number, src: Uint8Array, srcOff: number, segStart: number, segEnd: number): number {
    const stats = this.stats;
    if (s < this.head) {
      // Before the base: bytes the SYN says do not exist. Otherwise bytes already released (delivered
      // and acknowledged, or given up as a gap): nothing left to compare them with.
      if (s < 0 && this.synBased) this.anomaly(StreamAnomaly.data_before_isn);
      if (e <= this.head) {
        stats.retransmissions++;
        this.anomaly(StreamAnomaly.retransmission);
        return InsertResult.OK;
      }
      srcOff += this.head - s;
      s = this.head;
    }
    if (s - this.contig >= this.maxBuffer) {
      this.anomaly(StreamAnomaly.segment_beyond_window);
      return InsertResult.OK;
    }
    if (s > this.contig && this.oooCount >= this.maxHoles && !this.touchesOoo(s, e)) {
      this.anomaly(StreamAnomaly.too_many_holes);
      this.giveUpOldestHole();
      if (!this.active) return InsertResult.OK;
      if (e <= this.head) return InsertResult.OK;
      if (s < this.head) {
        srcOff += this.head - s;
        s = this.head;
      }
    }
    if (e - this.head > this.maxBuffer) {
      this.makeRoom(e);
      if (!this.active || e <= this.head) return InsertResult.OK;
      if (s < this.head) {
        srcOff += this.head - s;
        s = this.head;
      }
      // Still too far ahead of the oldest byte that must be kept: keep what fits; the rest is a hole.
      if (e - this.head > this.maxBuffer) {
        e = this.head + this.maxBuffer;
        if (e <= s) return InsertResult.OK;
      }
    }
    if (this.rec.length === 0 && !this.allocRecords()) return this.memcapRefused();
    if (s > this.contig && this.ooo.length === 0 && !this.allocOoo()) return this.memcapRefused();
    if (e - this.head > this.ring.length && !this.grow(e - this.head)) return this.memcapRefused();

    if (s > this.contig) stats.outOfOrder++;
    const clippedOld = segStart < s;
    if (s < this.maxEnd || clippedOld) {
      // Compare with every byte already held in [s, e).
      let covered = 0;
      let differ = false;
      let a = s;
      let b = e < this.contig ? e : this.contig;
      if (b > a) {
        covered += b - a;
        differ = this.differs(a, b - a, src, srcOff + (a - s));
      }
      for (let i = 0; i < this.oooCount; i++) {
        const rs = this.ooo[2 * i]!;
        if (rs >= e) break;
        const re = this.ooo[2 * i + 1]!;
        a = rs > s ? rs : s;
        b = re < e ? re : e;
        if (b > a) {
          covered += b - a;
          if (!differ) differ = this.differs(a, b - a, src, srcOff + (a - s));
        }
      }
      if (covered > 0 || clippedOld) {
        if (covered === e - s) {
          stats.retransmissions++;
          this.anomaly(StreamAnomaly.retransmission);
        } else {
          stats.overlaps++;
          this.anomaly(StreamAnomaly.overlap);
        }
        if (differ) {
          stats.overlapsDifferent++;
          this.anomaly(StreamAnomaly.overlap_different_data);
          this.writeByPolicy(s, e, src, srcOff, segStart, segEnd);
        } else if (covered < e - s) {
          this.write(s, src, srcOff, e - s);
        }
      } else {
        this.write(s, src, srcOff, e - s);
      }
    } else {
      this.write(s, src, srcOff, e - s);
    }
    this.addRange(s, e);
    this.addRecord(s, e);
    this.advance();
    return InsertResult.OK;
  }

  /**
   * Writes the new segment's bytes where the overlap policy lets them win: into holes always, over held
   * bytes only where every held segment covering them yields to the new one, never below `delivered`.
   */
  private writeByPolicy(s: number, e: number, src: Uint8Array, srcOff: number, segStart: number, segEnd: number): void {
    let cursor = s > this.delivered ? s : this.delivered;
    const rec = this.rec;
    // Records are sorted by start; none starting before `s - maxRecLen` can reach `s`.
    let i = this.firstRecordFrom(s - this.maxRecLen);
    for (; i < this.recCount; i++) {
      const os = rec[2 * i]!;
      if (os >= e) break;
      const oe = rec[2 * i + 1]!;
      if (oe <= cursor) continue;
      if (newDataWins(this.policy, segStart, segEnd, os, oe)) continue;
      // [ks, ke) keeps the old bytes. Region starts come in order, so everything before ks is free.
      const ks = os > s ? os : s;
      const ke = oe < e ? oe : e;
      if (ks > cursor) this.write(cursor, src, srcOff + (cursor - s), ks - cursor);
      if (ke > cursor) cursor = ke;
    }
    if (e > cursor) this.write(cursor, src, srcOff + (cursor - s), e - cursor);
  }

  /** Index of the first record whose start is at least `from` (binary search). */
  private firstRecordFrom(from: number): number {
    let lo = this.recFirst;
    let hi = this.recCount;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.rec[2 * mid]! < from) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Whether [s, e) touches (overlaps or abuts) an out-of-order range. */
  private touchesOoo(s: number, e: number): boolean {
    for (let i = 0; i < this.oooCount; i++) {
      if (this.ooo[2 * i]! > e) return false;
      if (this.ooo[2 * i + 1]! >= s) return true;
    }
    return false;
  }

  /** Marks [s, e) present (s ≥ head). The caller made sure a new range fits under the holes cap. */
  private addRange(s: number, e: number): void {
    if (e > this.maxEnd) this.maxEnd = e;
    if (s <= this.contig) {
      if (e <= this.contig) return;
      let c = e;
      let k = 0;
      while (k < this.oooCount && this.ooo[2 * k]! <= c) {
        if (this.ooo[2 * k + 1]! > c) c = this.ooo[2 * k + 1]!;
        k++;
      }
      this.contig = c;
      if (k > 0) this.removeOoo(0, k);
      return;
    }
    let i = 0;
    while (i < this.oooCount && this.ooo[2 * i + 1]! < s) i++;
    if (i < this.oooCount && this.ooo[2 * i]! <= e) {
      let ns = this.ooo[2 * i]!;
      let ne = this.ooo[2 * i + 1]!;
      if (s < ns) ns = s;
      if (e > ne) ne = e;
      let j = i + 1;
      while (j < this.oooCount && this.ooo[2 * j]! <= ne) {
        if (this.ooo[2 * j + 1]! > ne) ne = this.ooo[2 * j + 1]!;
        j++;
      }
      this.ooo[2 * i] = ns;
      this.ooo[2 * i + 1] = ne;
      if (j > i + 1) this.removeOoo(i + 1, j - i - 1);
      return;
    }
    this.ooo.copyWithin(2 * i + 2, 2 * i, 2 * this.oooCount);
    this.ooo[2 * i] = s;
    this.ooo[2 * i + 1] = e;
    this.oooCount++;
  }

  private removeOoo(at: number, count: number): void {
    this.ooo.copyWithin(2 * at, 2 * (at + count), 2 * this.oooCount);
    this.oooCount -= count;
  }

  /** Drops held bytes at and beyond offset f (a FIN below data already received). */
  private truncateHeld(f: number): void {
    if (this.contig > f) this.contig = f;
    let n = 0;
    while (n < this.oooCount && this.ooo[2 * n]! < f) {
      if (this.ooo[2 * n + 1]! > f) this.ooo[2 * n + 1] = f;
      n++;
    }
    this.oooCount = n;
    this.maxEnd = n > 0 ? this.ooo[2 * n - 1]! : this.contig;
  }

  /** Delivers what the delivery mode allows, turning acknowledged holes into gaps, then releases. */
  private advance(): void {
    for (;;) {
      const limit = this.immediate || this.ackOff > this.contig ? this.contig : this.ackOff;
      if (limit > this.delivered) {
        this.emit(this.delivered, limit);
        if (!this.checkEnd()) return;
      }
      // Acknowledged bytes we never saw: the receiver has them, we never will. (The FIN's own
      // sequence number is acknowledged too but is not a byte.)
      const acked = this.finOff >= 0 && this.ackOff > this.finOff ? this.finOff : this.ackOff;
      if (acked <= this.contig) break;
      this.skipHole(this.oooCount > 0 && this.ooo[0]! < acked ? this.ooo[0]! : acked);
      if (!this.checkEnd()) return;
    }
    if (this.finOff >= 0 && this.delivered >= this.finOff) {
      this.end('fin');
      return;
    }
    this.trimRecords();
    const release = this.ackOff < this.delivered ? this.ackOff : this.delivered;
    if (release > this.head) this.moveHead(release);
    if (this.head === this.maxEnd && this.ring.length > 0) this.releaseRing();
  }

  /** After a delivery or a gap: ends the stream at its FIN or at the depth. False when it ended. */
  private checkEnd(): boolean {
    if (this.finOff >= 0 && this.delivered >= this.finOff) {
      this.end('fin');
      return false;
    }
    if (this.delivered >= this.depth) {
      this.stats.depthReached = true;
      this.anomaly(StreamAnomaly.depth_reached);
      this.end('depth');
      return false;
    }
    return true;
  }

  /**
   * Gives up the hole [contig, gapEnd) (everything before it delivered: `delivered === contig`), reports
   * it as a gap and goes on after it; releases what lies before, acknowledged or not, so that every byte
   * of [head, contig) stays present.
   */
  private skipHole(gapEnd: number): void {
    const start = this.contig;
    let end = gapEnd > this.depth ? this.depth : gapEnd;
    if (end < start) end = start;
    if (end > start) this.reportGap(start, end - start);
    this.moveHead(end);
    this.delivered = this.contig = end;
    if (this.maxEnd < end) this.maxEnd = end;
    if (this.oooCount > 0 && this.ooo[0]! <= end) {
      if (this.ooo[1]! > end) this.contig = this.ooo[1]!;
      this.removeOoo(0, 1);
    }
  }

  /** Holes cap: delivers up to the oldest hole, acknowledged or not, and gives it up. */
  private giveUpOldestHole(): void {
    if (this.delivered < this.contig) {
      this.forceDeliver(this.contig);
      if (!this.checkEnd()) return;
    }
    this.skipHole(this.ooo[0]!);
    if (!this.checkEnd()) return;
    this.trimRecords();
  }

  /**
   * Buffer cap: frees the oldest bytes until `needEnd - head <= maxBuffer`, by releasing delivered bytes
   * before their acknowledgement, then delivering in-order bytes before it (`stream.unacked_flush`), then
   * giving up the oldest hole, in that order. May stop short when nothing more can go.
   */
  private makeRoom(needEnd: number): void {
    const target = needEnd - this.maxBuffer;
    while (this.head < target) {
      if (this.head < this.delivered) {
        this.moveHead(this.delivered < target ? this.delivered : target);
      } else if (this.delivered < this.contig) {
        const to = this.contig < target ? this.contig : target;
        this.forceDeliver(to);
        if (!this.checkEnd()) return;
        this.moveHead(to);
      } else if (this.oooCount > 0) {
        this.skipHole(this.ooo[0]!);
        if (!this.checkEnd()) return;
      } else {
        break;
      }
    }
    this.trimRecords();
  }

  private forceDeliver(to: number): void {
    if (!this.immediate && to > this.ackOff && !this.unackedFlushReported) {
      this.unackedFlushReported = true;
      this.anomaly(StreamAnomaly.unacked_flush);
    }
    this.emit(this.delivered, to);
  }

  /** Hands [from, to) to the consumer, straight out of the ring. */
  private emit(from: number, to: number): void {
    const n = to - from;
    this.delivered = to;
    this.stats.bytesDelivered += n;
    const consumer = this.host.consumer;
    if (consumer === null) return;
    const info = this.info;
    info.tsSec = this.host.tsSec;
    info.tsNsec = this.host.tsNsec;
    info.offset = from;
    const ring = this.ring;
    const idx = (this.headIdx + (from - this.head)) & this.mask;
    const first = ring.length - idx;
    if (n <= first) {
      consumer.onData(ring, idx, idx + n, info);
    } else {
      consumer.onData(ring, idx, ring.length, info);
      info.offset = from + first;
      consumer.onData(ring, 0, n - first, info);
    }
  }

  private reportGap(offset: number, length: number): void {
    this.stats.gaps++;
    this.stats.gapBytes += length;
    const consumer = this.host.consumer;
    if (consumer !== null && consumer.onGap !== undefined) consumer.onGap(this.direction, offset, length);
    this.sink.gap(this.host.owner, this.direction, offset, length);
    this.sink.anomaly(this.host.owner, this.direction, StreamAnomaly.gap);
  }

  private anomaly(code: number): void {
    this.sink.anomaly(this.host.owner, this.direction, code);
  }

  private memcapRefused(): number {
    if (this.bypassOnMemcap) {
      this.host.bypass(this.direction);
      return InsertResult.BYPASS;
    }
    this.anomaly(StreamAnomaly.memcap_drop);
    return InsertResult.DROP;
  }

  // ---- ring ----

  /** Copies `n` bytes of `src` to stream offset `o` (head ≤ o, o + n - head ≤ ring size). */
  private write(o: number, src: Uint8Array, srcOff: number, n: number): void {
    const ring = this.ring;
    const idx = (this.headIdx + (o - this.head)) & this.mask;
    const first = ring.length - idx;
    if (n <= first) {
      ring.set(src.subarray(srcOff, srcOff + n), idx);
    } else {
      ring.set(src.subarray(srcOff, srcOff + first), idx);
      ring.set(src.subarray(srcOff + first, srcOff + n), 0);
    }
  }

  /** Whether `n` held bytes at offset `o` differ from `src[srcOff, srcOff + n)`. */
  private differs(o: number, n: number, src: Uint8Array, srcOff: number): boolean {
    const ring = this.ring;
    const idx = (this.headIdx + (o - this.head)) & this.mask;
    const first = ring.length - idx;
    if (n <= first) return rangeCompare.call(ring, src, srcOff, srcOff + n, idx, idx + n) !== 0;
    return (
      rangeCompare.call(ring, src, srcOff, srcOff + first, idx, ring.length) !== 0 ||
      rangeCompare.call(ring, src, srcOff + first, srcOff + n, 0, n - first) !== 0
    );
  }

  /** Makes the ring hold at least `need` bytes from `head`, keeping what it holds. */
  private grow(need: number): boolean {
    let size = this.ring.length > 0 ? this.ring.length * 2 : this.ringHint;
    while (size < need) size *= 2;
    const next = this.memory.acquire(size);
    if (next === null) return false;
    const old = this.ring;
    const held = this.maxEnd - this.head;
    if (held > 0 && old.length > 0) {
      const first = old.length - this.headIdx;
      if (held <= first) {
        next.set(old.subarray(this.headIdx, this.headIdx + held), 0);
      } else {
        next.set(old.subarray(this.headIdx), 0);
        next.set(old.subarray(0, held - first), first);
      }
    }
    if (old.length > 0) this.memory.recycle(old);
    this.ring = next;
    this.mask = next.length - 1;
    this.headIdx = 0;
    this.ringHint = next.length;
    return true;
  }

  /** Moves `head` forward to `to` (releasing bytes; the ring keeps its size). */
  private moveHead(to: number): void {
    const d = to - this.head;
    if (d <= 0) return;
    if (this.ring.length > 0) this.headIdx = (this.headIdx + (d % this.ring.length)) & this.mask;
    this.headSeq = (this.headSeq + d) >>> 0;
    this.head = to;
  }

  /** Nothing held: the ring goes back to the pool until the next byte arrives (idle flows hold no memory). */
  private releaseRing(): void {
    if (this.ring.length === 0) return;
    this.memory.recycle(this.ring);
    this.ring = EMPTY_U8;
    this.mask = 0;
    this.headIdx = 0;
  }

  private releaseAll(): void {
    this.releaseRing();
    if (this.rec.length > 0) {
      this.memory.release(this.rec.byteLength);
      this.rec = EMPTY_F64;
    }
    if (this.ooo.length > 0) {
      this.memory.release(this.ooo.byteLength);
      this.ooo = EMPTY_F64;
    }
    this.recFirst = this.recCount = this.oooCount = 0;
  }

  /** The out-of-order range table, allocated at the first segment ahead of a hole. */
  private allocOoo(): boolean {
    if (!this.memory.reserve(16 * this.maxHoles)) return false;
    this.ooo = new Float64Array(2 * this.maxHoles);
    return true;
  }

  // ---- segment records ----

  private allocRecords(): boolean {
    if (!this.memory.reserve(MIN_RECORDS * 16)) return false;
    this.rec = new Float64Array(MIN_RECORDS * 2);
    return true;
  }

  /** Drops records wholly delivered: delivered bytes never change, so their geometry no longer matters. */
  private trimRecords(): void {
    const d = this.delivered;
    const n = this.recCount;
    let i = this.recFirst;
    while (i < n && this.rec[2 * i + 1]! <= d) i++;
    if (i === n) {
      this.recFirst = this.recCount = 0;
      this.maxRecLen = 0;
    } else {
      this.recFirst = i;
    }
  }

  /** Inserts [s, e) in (start, end) order; an exact duplicate of a held record is not added twice. */
  private addRecord(s: number, e: number): void {
    if (this.recCount === this.recFirst) this.recFirst = this.recCount = 0;
    if (2 * this.recCount + 2 > this.rec.length && !this.makeRecordRoom()) return;
    const rec = this.rec;
    let i = this.recCount;
    while (i > this.recFirst) {
      const ps = rec[2 * i - 2]!;
      const pe = rec[2 * i - 1]!;
      if (ps < s || (ps === s && pe < e)) break;
      if (ps === s && pe === e) return;
      i--;
    }
    if (i < this.recCount) rec.copyWithin(2 * i + 2, 2 * i, 2 * this.recCount);
    rec[2 * i] = s;
    rec[2 * i + 1] = e;
    this.recCount++;
    if (e - s > this.maxRecLen) this.maxRecLen = e - s;
  }

  /**
   * Room for one more record: compact, else grow (up to `maxRecords`), else merge touching records
   * (losing some geometry of old segments; bounded memory wins over exact policy on pathological
   * streams of tiny segments). False only when none of it frees a slot: the record is then not kept and
   * its bytes behave like hole fillers for later overlaps.
   */
  private makeRecordRoom(): boolean {
    const rec = this.rec;
    if (rec.length === 0) return this.allocRecords();
    if (this.recFirst > 0) {
      rec.copyWithin(0, 2 * this.recFirst, 2 * this.recCount);
      this.recCount -= this.recFirst;
      this.recFirst = 0;
      return true;
    }
    const cap = rec.length >>> 1;
    if (cap < this.maxRecords && this.memory.reserve(cap * 16)) {
      const next = new Float64Array(rec.length * 2);
      next.set(rec);
      this.rec = next;
      return true;
    }
    // Merge records that touch or overlap, and drop any already delivered.
    let w = 0;
    let maxLen = 0;
    for (let r = 0; r < this.recCount; r++) {
      const s = rec[2 * r]!;
      const e = rec[2 * r + 1]!;
      if (e <= this.delivered) continue;
      if (w > 0 && s <= rec[2 * w - 1]!) {
        if (e > rec[2 * w - 1]!) rec[2 * w - 1] = e;
      } else {
        rec[2 * w] = s;
        rec[2 * w + 1] = e;
        w++;
      }
      const len = rec[2 * w - 1]! - rec[2 * w - 2]!;
      if (len > maxLen) maxLen = len;
    }
    this.recCount = w;
    this.maxRecLen = maxLen;
    return 2 * w + 2 <= rec.length;
  }
}
