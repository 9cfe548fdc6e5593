/**
 * ICMP tunnelling (ptunnel, icmptunnel, hans, icmpsh and C2 beacons over ping): data carried in echo
 * request and reply payloads between two hosts.
 *
 * What it sees: ICMP and ICMPv6 echo requests and replies (types 8/0, 128/129) from the `icmp` hook;
 * every other ICMP type returns at once. Per (requester, responder) pair over `window` seconds: echo
 * packets, payload bytes, and for payloads of 128 bytes or more (fewer bytes cannot show 6 bits of entropy
 * per byte) the Shannon entropy of the first 256 bytes (encrypted or compressed data is uniform
 * throughout; 256 random bytes measure about 7.2 bits). A payload is tunnel-like when its entropy reaches
 * `minEntropy`, it is not the incrementing pattern ping fills its data with, and it differs from the
 * previous payload in the same direction (a real ping repeats its data; only the leading timestamp
 * changes, so the content hash skips the first 16 bytes). A reply is asymmetric when it does not echo
 * the last request (another size or other content, as RFC 792 requires an echo to carry the request's
 * data back) and differs from the previous reply too.
 *
 * It fires once per window when the pair has `minPackets` echo packets and either (a) the mean payload is
 * at least `minMeanPayload` bytes and at least `minTunnelShare` of the measured payloads are tunnel-like,
 * or (b) at least half the packets are replies and `minAsymmetricShare` of them are asymmetric. Ordinary
 * ping sends 56 (Linux), 32 (Windows) or 48 (BSD) bytes of fixed pattern and gets them echoed; `ping -s
 * 1400` MTU probes are large and their incrementing pattern is near 8 bits of entropy, but it is the same
 * pattern every time and echoed, so neither sign holds; traceroute's probes are answered by ICMP errors
 * (the `icmpError` hook, not read here) and small echoes. Snort and Suricata rules match known tunnel
 * tools' payloads or an echo larger than a size; Bro's old `icmp.bro` policy raised `ICMPAsymPayload` when an
 * echo reply's payload was not the request's, which is the asymmetry sign here.
 *
 * Cost: at most 64 payloads are measured and 64 replies compared per pair and window (the shares above
 * are over those samples); a pair's first packet in a window and an echoed reply are not measured, so a
 * flood of distinct sources costs a table entry per source and no entropy; the entropy is one table read
 * per byte value (`C_LOG2_C`), not a logarithm per distinct value.
 *
 * State: one entry per pair (about 20 numbers) in a `BoundedMap` capped by `maxTracked`, swept by `tick`
 * once idle for a window. Per packet: no allocation once the pair has its entry; hashing and entropy only
 * on echo payloads, bounded to 256 bytes.
 */
import { formatAddress } from '../../decode/address.js';
import type { DecodedPacket } from '../../decode/packet.js';
import type { Flow } from '../../flow/flow.js';
import type { Direction } from '../../flow/stream.js';
import { BoundedMap, packetAddressKey, pairKey } from '../tables.js';
import type { ThreatContext, ThreatDetector, ThreatDetectorDef } from '../types.js';

/** Thresholds (`threats.detectors.<name>` in the config); a type, not an interface, so it is a `ThreatThresholds`. */
export type IcmpTunnelOptions = {
  window: number;
  minPackets: number;
  minMeanPayload: number;
  minEntropy: number;
  minTunnelShare: number;
  minAsymmetricShare: number;
};

/** Payloads shorter than this are not measured for entropy (bytes). */
const MEASURED_PAYLOAD = 128;
/** Bytes of a payload hashed and measured, at most (encrypted or compressed data is uniform throughout). */
const SCAN_LIMIT = 256;
/** Payloads measured for entropy, and replies compared with their request, per pair and window at most. */
const SAMPLES = 64;
/**
 * `c * log2(c)` for every count a scan can give: the entropy of n bytes is `log2(n) - sum(c log2 c) / n`,
 * so a measurement is one table read per byte value instead of a logarithm per distinct value (tables.ts's
 * `entropy` computes those logarithms: about 6 µs for 1,000 random bytes, against well under 1 µs here).
 */
const C_LOG2_C = new Float64Array(SCAN_LIMIT + 1);
for (let c = 2; c <= SCAN_LIMIT; c++) C_LOG2_C[c] = c * Math.log2(c);
/** Leading bytes left out of the content hash: ping's timestamp. */
const TIMESTAMP_BYTES = 16;

interface Pair {
  start: number;
  last: number;
  requests: number;
  replies: number;
  bytes: number;
  maxPayload: number;
  measured: number;
  entropySum: number;
  tunnelLike: number;
  /** Replies compared with the last request (at most SAMPLES a window), and those that did not echo it. */
  compared: number;
  asymmetric: number;
  /** When the entry was last made the most recently used (refreshed at most once a second). */
  touched: number;
  lastRequestLen: number;
  lastRequestHash: number;
  lastReplyHash: number;
  reported: boolean;
}

export const icmpTunnel: ThreatDetectorDef<IcmpTunnelOptions> = {
  name: 'icmp_tunnel',
  title: 'ICMP tunnelling',
  description: 'Echo requests and replies carrying large, high-entropy, ever-changing or non-echoed payloads',
  category: 'Potential Corporate Privacy Violation',
  severity: 2,
  techniques: ['T1095', 'T1572'],
  signatureId: 1018,
  defaults: {
    window: 60,
    minPackets: 20,
    minMeanPayload: 128,
    minEntropy: 6,
    minTunnelShare: 0.5,
    minAsymmetricShare: 0.5,
  },
  docs: {
    window: 'seconds over which one requester and responder pair is judged',
    minPackets: 'echo requests and replies between the pair in the window',
    minMeanPayload: 'mean echo payload, bytes, for the payload sign',
    minEntropy: 'Shannon entropy, bits per byte, for a payload of 128 bytes or more to count as tunnel-like',
    minTunnelShare: 'share of the measured payloads that are tunnel-like (high entropy, not a pattern, changing)',
    minAsymmetricShare: 'share of the replies that do not echo the request and change from reply to reply',
  },
  create(options, ctx) {
    return new IcmpTunnelDetector(options, ctx);
  },
};

class IcmpTunnelDetector implements ThreatDetector {
  private readonly table: BoundedMap<number, Pair>;
  private readonly counts = new Uint16Array(256);
  private nextSweep = 0;

  constructor(
    private readonly o: IcmpTunnelOptions,
    private readonly ctx: ThreatContext,
  ) {
    this.table = new BoundedMap(ctx.maxTracked, (n) => ctx.evicted(n));
  }

  size(): number {
    return this.table.size;
  }

  tick(now: number): void {
    if (now < this.nextSweep) return;
    this.nextSweep = now + 5;
    const w = this.o.window;
    this.table.sweep((e) => now - e.last > w);
  }

  icmp(p: DecodedPacket, flow: Flow, _dir: Direction, now: number): void {
    const t = p.icmpType;
    let request: boolean;
    if (p.ipProto === 1) {
      if (t === 8) request = true;
      else if (t === 0) request = false;
      else return;
    } else if (p.ipProto === 58) {
      if (t === 128) request = true;
      else if (t === 129) request = false;
      else return;
    } else return;
    const srcKey = packetAddressKey(p, false);
    const dstKey = packetAddressKey(p, true);
    const key = request ? pairKey(srcKey, dstKey) : pairKey(dstKey, srcKey);
    const o = this.o;
    let e = this.table.get(key);
    if (e === undefined) {
      e = newPair(now);
      this.table.set(key, e);
    } else {
      if (now - e.touched >= 1) {
        this.table.set(key, e); // most recently used
        e.touched = now;
      }
      if (now - e.start >= o.window) resetPair(e, now);
    }
    e.last = now;
    const len = p.payloadLen > 0 ? p.payloadLen : 0;
    e.bytes += len;
    if (len > e.maxPayload) e.maxPayload = len;
    if (request) e.requests++;
    else e.replies++;
    // Enough samples of both kinds in this window: counting is all that is left (a flood costs no scans).
    if (e.measured >= SAMPLES && e.compared >= SAMPLES) {
      if (!e.reported) this.judge(e, request, p, flow, now);
      return;
    }
    const data = p.data;
    const start = p.payloadOffset;
    let end = start + len;
    if (end > p.end) end = p.end;
    if (end > data.length) end = data.length;
    if (end > start + SCAN_LIMIT) end = start + SCAN_LIMIT;
    // Content hash (FNV-1a) past the timestamp, with the length.
    let h = Math.imul(0x811c9dc5 ^ len, 0x01000193);
    for (let i = start + (end - start > TIMESTAMP_BYTES ? TIMESTAMP_BYTES : 0); i < end; i++)
      h = Math.imul(h ^ data[i]!, 0x01000193);
    h >>>= 0;
    // A reply that echoes the last request carries nothing new: measured once, on the request.
    const echoed = !request && e.requests > 0 && len === e.lastRequestLen && h === e.lastRequestHash;
    const previous = request ? e.lastRequestHash : e.lastReplyHash;
    if (request) {
      e.lastRequestLen = len;
      e.lastRequestHash = h;
    } else if (e.compared < SAMPLES) {
      e.compared++;
      if (!echoed && h !== e.lastReplyHash) e.asymmetric++;
      e.lastReplyHash = h;
    }
    // The entropy: not on a pair's first packet in the window (a flood of distinct sources makes only
    // those, and one packet proves nothing), nor on an echo.
    if (
      !echoed &&
      len >= MEASURED_PAYLOAD &&
      end - start >= MEASURED_PAYLOAD &&
      e.measured < SAMPLES &&
      e.requests + e.replies > 1
    ) {
      const bits = payloadEntropy(data, start, end, this.counts);
      e.measured++;
      e.entropySum += bits;
      if (bits >= o.minEntropy && h !== previous && !incrementing(data, start + TIMESTAMP_BYTES, end)) e.tunnelLike++;
    }
    if (!e.reported) this.judge(e, request, p, flow, now);
  }

  /** Reports the pair once per window when a sign holds. */
  private judge(e: Pair, request: boolean, p: DecodedPacket, flow: Flow, now: number): void {
    const o = this.o;
    const packets = e.requests + e.replies;
    if (packets < o.minPackets) return;
    const meanPayload = e.bytes / packets;
    const payloadSign =
      meanPayload >= o.minMeanPayload && e.measured * 2 >= o.minPackets && e.tunnelLike >= o.minTunnelShare * e.measured;
    const asymmetrySign = e.replies * 2 >= packets && e.compared > 0 && e.asymmetric >= o.minAsymmetricShare * e.compared;
    if (!payloadSign && !asymmetrySign) return;
    e.reported = true;
    const signs: string[] = [];
    if (payloadSign) signs.push('high_entropy_payloads');
    if (asymmetrySign) signs.push('reply_asymmetry');
    const v = p.ipVersion;
    const requesterWords = request ? p.src : p.dst;
    const responderWords = request ? p.dst : p.src;
    this.ctx.report({
      now,
      attacker: formatAddress(requesterWords, v),
      target: formatAddress(responderWords, v),
      count: packets,
      flow,
      details: {
        requests: e.requests,
        replies: e.replies,
        seconds: Math.round((now - e.start) * 10) / 10,
        meanPayload: Math.round(meanPayload),
        maxPayload: e.maxPayload,
        meanEntropy: e.measured > 0 ? Math.round((e.entropySum / e.measured) * 100) / 100 : 0,
        tunnelLikePayloads: e.tunnelLike,
        measuredPayloads: e.measured,
        asymmetricReplies: e.asymmetric,
        signs,
      },
    });
  }
}

/** Shannon entropy of `data[start, end)` in bits per byte; `end - start` is at most SCAN_LIMIT. */
function payloadEntropy(data: Uint8Array, start: number, end: number, counts: Uint16Array): number {
  counts.fill(0);
  for (let i = start; i < end; i++) counts[data[i]!]!++;
  let sum = 0;
  for (let k = 0; k < 256; k++) sum += C_LOG2_C[counts[k]!]!;
  const n = end - start;
  return Math.log2(n) - sum / n;
}

/** Ping's fill: at least half the bytes are their predecessor plus one (mod 256). */
function incrementing(data: Uint8Array, start: number, end: number): boolean {
  if (end - start < 2) return false;
  let inc = 0;
  for (let i = start + 1; i < end; i++) if (data[i] === ((data[i - 1]! + 1) & 0xff)) inc++;
  return inc * 2 >= end - start - 1;
}

function newPair(now: number): Pair {
  return {
    start: now,
    last: now,
    requests: 0,
    replies: 0,
    bytes: 0,
    maxPayload: 0,
    measured: 0,
    entropySum: 0,
    tunnelLike: 0,
    compared: 0,
    asymmetric: 0,
    touched: now,
    lastRequestLen: -1,
    lastRequestHash: 0,
    lastReplyHash: 0,
    reported: false,
  };
}

function resetPair(e: Pair, now: number): void {
  e.start = now;
  e.requests = e.replies = e.bytes = e.maxPayload = e.measured = e.entropySum = e.tunnelLike = e.compared = e.asymmetric = 0;
  e.reported = false;
}
