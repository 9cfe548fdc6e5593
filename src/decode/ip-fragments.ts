/**
 * IP fragment reassembly for IPv4 (RFC 791 §3.2) and IPv6 (RFC 8200 §4.5).
 *
 * Datagrams are keyed by version, source, destination and identification, plus the protocol for IPv4
 * (RFC 791's four-tuple), plus the tunnel id and the first two VLAN ids, so that the same inner addresses in
 * two tenants' overlays never mix. A fragment's data is copied (fragments are rare; allocation per fragment
 * is accepted) and everything held is bounded:
 *
 * - `maxFragmentsPerDatagram`: more fragments drop the datagram (`decode.frag_too_many_fragments`);
 *   a 64 KiB datagram of 8-byte fragments is an attack, not a transfer.
 * - `maxDatagrams`: a new datagram beyond it drops the oldest (`decode.frag_table_full`).
 * - `memcap`: bytes held (data, headers and a fixed per-piece and per-datagram overhead standing for the JS
 *   objects) never exceed it; the oldest datagrams are dropped to make room (`decode.frag_memory_full`).
 * - `timeout`: a datagram not completed `timeout` seconds (packet time) after its first fragment is dropped
 *   by `expire()` (`decode.frag_timeout`), or when a later fragment of it arrives too late.
 * Anomalies about datagrams other than the packet being decoded (timeout, table full, memory full) go to
 * `onAnomaly`; the ones about the packet itself are added to it.
 *
 * Overlap policy: **first wins**. Bytes already held are kept; a later fragment only fills holes. That is
 * the BSD and Windows behaviour for most overlaps and what Suricata calls the "first" policy; it is also
 * deterministic whatever the arrival order. Any overlap raises `decode.frag_overlap`, and overlapping bytes
 * that differ raise `decode.frag_overlap_different_data` (the evasion Ptacek and Newsham described: hosts
 * that resolve overlaps differently see different data). RFC 5722 tells IPv6 hosts to drop such datagrams
 * whole; an inspector keeps them so that the stages after it see the bytes, with the anomaly attached.
 *
 * Other rules: a datagram above 65535 bytes (IPv4 total length, IPv6 payload length) is dropped whole
 * (`decode.frag_too_large`, the "ping of death"); a fragment with M set whose length is not a multiple of 8
 * is dropped alone (`decode.frag_bad_offset`; RFC 8200 §4.5 says discard it); data past the end the last
 * fragment stated is ignored (`decode.frag_beyond_end`), and so is a second last fragment stating another end.
 */
import { DecodeAnomaly } from './events.js';
import type { FragmentOptions } from '../options.js';
import type { DecodedPacket } from './packet.js';

/** Bytes counted for each held piece and each datagram on top of the data: the JS objects that hold them. */
export const FRAGMENT_PIECE_OVERHEAD = 64;
export const FRAGMENT_DATAGRAM_OVERHEAD = 256;
/** Largest IPv4 total length and IPv6 payload length. */
export const MAX_IP_DATAGRAM = 65535;

/** What `add()` did with a fragment. */
export const FragmentResult = {
  /** Held: the datagram is not complete yet. */
  HELD: 0,
  /** The datagram is complete: `completedLength` bytes, written by `writeCompleted()`. */
  COMPLETE: 1,
  /** The fragment (or its whole datagram) was dropped; the reason is an anomaly on the packet. */
  DROPPED: 2,
} as const;

class FragmentPiece {
  constructor(
    readonly start: number,
    readonly data: Uint8Array,
  ) {}
  get end(): number {
    return this.start + this.data.length;
  }
}

class FragmentDatagram {
  /** Unfragmentable part from the offset-0 fragment: IPv4 header, or IPv6 header and the extension headers before the fragment header. */
  header: Uint8Array | null = null;
  /** IPv6: index in `header` of the Next Header byte that named the fragment header. */
  patchAt = -1;
  /** IPv6: the upper-layer protocol from the offset-0 fragment's fragment header. */
  proto = 0;
  /** Data length once the last fragment (M clear) was seen; -1 before. */
  end = -1;
  /** Held data, sorted by offset, never overlapping. */
  pieces: FragmentPiece[] = [];
  covered = 0;
  fragments = 0;
  wireLen = 0;
  memory = FRAGMENT_DATAGRAM_OVERHEAD;

  constructor(
    readonly key: string,
    readonly version: number,
    readonly id: number,
    readonly firstSec: number,
  ) {}
}

export interface FragmentStats {
  /** Fragments given to `add()`. */
  fragments: number;
  /** Datagrams completed. */
  reassembled: number;
  /** Datagrams dropped for any reason (timeout, caps, too large, too many fragments). */
  dropped: number;
  /** Of which by `expire()` or a late fragment. */
  timedOut: number;
  /** Fragments dropped on their own (bad length) without dropping their datagram. */
  fragmentsDropped: number;
  /** Datagrams held now. */
  datagramsHeld: number;
  /** Fragments held now. */
  fragmentsHeld: number;
  /** Bytes held now, overhead included; never above the memcap. */
  bytesHeld: number;
}

export class IpFragmentTable {
  /** Anomalies about held datagrams (timeouts, table or memory full), not about the packet being decoded. */
  onAnomaly: ((code: number) => void) | null = null;
  readonly stats: FragmentStats = {
    fragments: 0,
    reassembled: 0,
    dropped: 0,
    timedOut: 0,
    fragmentsDropped: 0,
    datagramsHeld: 0,
    fragmentsHeld: 0,
    bytesHeld: 0,
  };
  /** Length of the datagram the last `COMPLETE` result finished; valid until `writeCompleted()`. */
  completedLength = 0;
  /** Fragments and wire bytes of that datagram. */
  completedFragments = 0;
  completedWireLen = 0;
  completedId = 0;

  private readonly table = new Map<string, FragmentDatagram>();
  private completed: FragmentDatagram | null = null;
  private readonly timeout: number;
  private readonly maxDatagrams: number;
  private readonly memcap: number;
  private readonly maxFragments: number;

  constructor(options: FragmentOptions) {
    this.timeout = options.timeout;
    this.maxDatagrams = options.maxDatagrams;
    this.memcap = options.memcap;
    this.maxFragments = options.maxFragmentsPerDatagram;
  }

  /**
   * Adds the fragment whose IP layer `out` describes (version, addresses, `ipId`, `tunnelId`, `vlan`,
   * `wireLen`). `bytes[unfragStart, unfragEnd)` is its unfragmentable part (for IPv6, `patchAt` is the
   * offset within it of the Next Header byte naming the fragment header), `fragOffset` and `more` its
   * fragment fields, `bytes[dataStart, dataEnd)` its data, `proto` the protocol it carries, `tsSec` the
   * packet time. Anomalies about this fragment are added to `out`.
   */
  add(
    out: DecodedPacket,
    bytes: Uint8Array,
    unfragStart: number,
    unfragEnd: number,
    patchAt: number,
    fragOffset: number,
    more: boolean,
    dataStart: number,
    dataEnd: number,
    proto: number,
    tsSec: number,
  ): number {
    const stats = this.stats;
    stats.fragments++;
    const len = dataEnd - dataStart;
    if (more && (len & 7) !== 0) {
      out.addAnomaly(DecodeAnomaly.frag_bad_offset);
      stats.fragmentsDropped++;
      return FragmentResult.DROPPED;
    }
    const version = out.ipVersion;
    const unfragLen = unfragEnd - unfragStart;
    // IPv4 counts the header in the total length; IPv6's payload length leaves the fixed 40 bytes out.
    const lengthBase = version === 4 ? unfragLen : unfragLen - 40;
    if (lengthBase + fragOffset + len > MAX_IP_DATAGRAM) {
      out.addAnomaly(DecodeAnomaly.frag_too_large);
      const old = this.table.get(this.keyOf(out, proto));
      if (old !== undefined) this.drop(old);
      else stats.fragmentsDropped++;
      return FragmentResult.DROPPED;
    }

    const key = this.keyOf(out, proto);
    let d = this.table.get(key);
    if (d !== undefined && tsSec - d.firstSec >= this.timeout) {
      this.expireOne(d);
      d = undefined;
    }
    if (d === undefined) {
      if (this.table.size >= this.maxDatagrams) this.evictOldest(DecodeAnomaly.frag_table_full, null);
      d = new FragmentDatagram(key, version, out.ipId, tsSec);
      this.table.set(key, d);
      stats.datagramsHeld++;
      stats.bytesHeld += d.memory;
    }

    d.fragments++;
    stats.fragmentsHeld++;
    d.wireLen += out.wireLen;
    if (d.fragments > this.maxFragments) {
      out.addAnomaly(DecodeAnomaly.frag_too_many_fragments);
      this.drop(d);
      return FragmentResult.DROPPED;
    }

    // Room first: the most this fragment can add is its data, its header copy and one piece per hole.
    const headerBytes = fragOffset === 0 && d.header === null ? unfragLen : 0;
    const need = len + headerBytes + FRAGMENT_PIECE_OVERHEAD * (d.pieces.length + 1);
    while (stats.bytesHeld + need > this.memcap && this.evictOldest(DecodeAnomaly.frag_memory_full, d)) {
      // evicted one older datagram
    }
    if (stats.bytesHeld + need > this.memcap) {
      out.addAnomaly(DecodeAnomaly.frag_memory_full);
      this.drop(d);
      return FragmentResult.DROPPED;
    }

    if (headerBytes > 0) {
      d.header = bytes.slice(unfragStart, unfragEnd);
      d.patchAt = patchAt;
      d.proto = proto;
      this.account(d, headerBytes);
    }

    const start = fragOffset;
    let end = fragOffset + len;
    let beyond = false;
    if (!more) {
      if (d.end < 0) {
        d.end = end;
        beyond = this.trimBeyond(d, end);
      } else if (d.end !== end) {
        beyond = true;
      }
    }
    if (d.end >= 0 && end > d.end) {
      beyond = true;
      end = d.end;
    }
    if (beyond) out.addAnomaly(DecodeAnomaly.frag_beyond_end);
    if (start < end) this.insert(d, bytes, dataStart - start, start, end, out);

    if (d.end >= 0 && d.header !== null && d.covered === d.end) {
      // Checked per fragment against that fragment's own header; the first fragment's may be longer
      // (IPv4 options not copied into later fragments), so the whole is checked once more.
      const lengthField = d.version === 4 ? d.header.length + d.end : d.header.length - 40 + d.end;
      if (lengthField > MAX_IP_DATAGRAM) {
        out.addAnomaly(DecodeAnomaly.frag_too_large);
        this.drop(d);
        return FragmentResult.DROPPED;
      }
      this.table.delete(d.key);
      this.release(d);
      stats.reassembled++;
      this.completed = d;
      this.completedLength = d.header.length + d.end;
      this.completedFragments = d.fragments;
      this.completedWireLen = d.wireLen;
      this.completedId = d.id;
      return FragmentResult.COMPLETE;
    }
    return FragmentResult.HELD;
  }

  /**
   * Writes the datagram the last `COMPLETE` finished into `target` (at least `completedLength` bytes) as one
   * unfragmented datagram: IPv4 with its total length set, MF and offset cleared and the checksum
   * recomputed; IPv6 with the fragment header removed and the payload length set.
   */
  writeCompleted(target: Uint8Array): number {
    const d = this.completed;
    if (d === null || d.header === null) return 0;
    this.completed = null;
    const h = d.header;
    const hlen = h.length;
    target.set(h, 0);
    for (const p of d.pieces) target.set(p.data, hlen + p.start);
    const total = hlen + d.end;
    if (d.version === 4) {
      target[2] = total >> 8;
      target[3] = total & 0xff;
      target[6]! &= 0x40; // keep DF, clear MF and the offset
      target[7] = 0;
      target[10] = target[11] = 0;
      const sum = ipv4HeaderChecksum(target, 0, hlen);
      target[10] = sum >> 8;
      target[11] = sum & 0xff;
    } else {
      const payload = total - 40;
      target[4] = payload >> 8;
      target[5] = payload & 0xff;
      if (d.patchAt >= 0 && d.patchAt < hlen) target[d.patchAt] = d.proto;
    }
    d.pieces = [];
    return total;
  }

  /** Forgets the datagram the last `COMPLETE` finished without writing it (the decoder cannot nest deeper). */
  discardCompleted(): void {
    this.completed = null;
  }

  /** Drops datagrams whose first fragment is `timeout` seconds older than `nowSec`; returns how many. */
  expire(nowSec: number): number {
    let n = 0;
    // Insertion order is first-fragment order: stop at the first datagram still in time.
    for (const d of this.table.values()) {
      if (nowSec - d.firstSec < this.timeout) break;
      this.expireOne(d);
      n++;
    }
    return n;
  }

  /** Datagrams held now. */
  get size(): number {
    return this.table.size;
  }

  private keyOf(out: DecodedPacket, proto: number): string {
    const s = out.src;
    const t = out.dst;
    const vlans = `${out.vlanCount > 0 ? out.vlan[0] : -1}/${out.vlanCount > 1 ? out.vlan[1] : -1}`;
    if (out.ipVersion === 4) return `4/${s[0]}/${t[0]}/${out.ipId}/${proto}/${out.tunnelId}/${vlans}`;
    return `6/${s[0]}/${s[1]}/${s[2]}/${s[3]}/${t[0]}/${t[1]}/${t[2]}/${t[3]}/${out.ipId}/${out.tunnelId}/${vlans}`;
  }

  /**
   * Adds `[start, end)` of the fragment (its byte `x` is `bytes[base + x]`), keeping held bytes where they
   * overlap (first wins) and copying only the holes it fills.
   */
  private insert(d: FragmentDatagram, bytes: Uint8Array, base: number, start: number, end: number, out: DecodedPacket): void {
    const merged: FragmentPiece[] = [];
    let overlap = false;
    let differ = false;
    // `cur` is the first byte of [start, end) not yet placed in a hole or compared with held data.
    let cur = start;
    let newData = 0;
    let newPieces = 0;
    for (const p of d.pieces) {
      if (cur < end && p.start > cur) {
        const holeEnd = p.start < end ? p.start : end;
        merged.push(new FragmentPiece(cur, bytes.slice(base + cur, base + holeEnd)));
        newData += holeEnd - cur;
        newPieces++;
        cur = holeEnd;
      }
      if (cur < end && p.start < end && p.end > cur) {
        const overlapEnd = p.end < end ? p.end : end;
        overlap = true;
        if (!differ) {
          const data = p.data;
          for (let x = cur; x < overlapEnd; x++) {
            if (bytes[base + x] !== data[x - p.start]) {
              differ = true;
              break;
            }
          }
        }
        cur = overlapEnd;
      }
      merged.push(p);
    }
    if (cur < end) {
      merged.push(new FragmentPiece(cur, bytes.slice(base + cur, base + end)));
      newData += end - cur;
      newPieces++;
    }
    d.pieces = merged;
    d.covered += newData;
    this.account(d, newData + newPieces * FRAGMENT_PIECE_OVERHEAD);
    if (overlap) out.addAnomaly(DecodeAnomaly.frag_overlap);
    if (differ) out.addAnomaly(DecodeAnomaly.frag_overlap_different_data);
  }

  /** Removes held data at or past `end`; true when there was some. */
  private trimBeyond(d: FragmentDatagram, end: number): boolean {
    let trimmed = false;
    const kept: FragmentPiece[] = [];
    let freed = 0;
    for (const p of d.pieces) {
      if (p.end <= end) {
        kept.push(p);
        continue;
      }
      trimmed = true;
      if (p.start < end) {
        kept.push(new FragmentPiece(p.start, p.data.slice(0, end - p.start)));
        freed += p.end - end;
        d.covered -= p.end - end;
      } else {
        freed += p.data.length + FRAGMENT_PIECE_OVERHEAD;
        d.covered -= p.data.length;
      }
    }
    if (trimmed) {
      d.pieces = kept;
      this.account(d, -freed);
    }
    return trimmed;
  }

  private account(d: FragmentDatagram, bytes: number): void {
    d.memory += bytes;
    this.stats.bytesHeld += bytes;
  }

  /** Drops the oldest datagram other than `keep`; false when there is none. */
  private evictOldest(code: number, keep: FragmentDatagram | null): boolean {
    for (const d of this.table.values()) {
      if (d === keep) continue;
      this.drop(d);
      this.report(code);
      return true;
    }
    return false;
  }

  private expireOne(d: FragmentDatagram): void {
    this.stats.timedOut++;
    this.drop(d);
    this.report(DecodeAnomaly.frag_timeout);
  }

  private drop(d: FragmentDatagram): void {
    if (this.table.get(d.key) === d) this.table.delete(d.key);
    this.release(d);
    this.stats.dropped++;
  }

  private release(d: FragmentDatagram): void {
    const stats = this.stats;
    stats.datagramsHeld--;
    stats.fragmentsHeld -= d.fragments;
    stats.bytesHeld -= d.memory;
    d.memory = 0;
  }

  private report(code: number): void {
    if (this.onAnomaly !== null) this.onAnomaly(code);
  }
}

/** RFC 791 header checksum (one's complement of the one's complement sum of the header's 16-bit words). */
export function ipv4HeaderChecksum(b: Uint8Array, offset: number, length: number): number {
  let sum = 0;
  for (let i = 0; i + 1 < length; i += 2) sum += (b[offset + i]! << 8) | b[offset + i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
