/**
 * Single-packet denial of service: attacks that one malformed packet (or one malformed datagram) carries,
 * as opposed to floods. Four detectors, all tagged T1499 (Endpoint Denial of Service):
 *
 * - `ping_of_death`: a datagram whose fragments reach past 65,535 bytes. The reassembler
 *   (src/decode/ip-fragments.ts) refuses such a datagram and raises `decode.frag_too_large` on the fragment
 *   that crossed the limit; that packet still has its IP header decoded, so `p` gives the addresses and the
 *   protocol. An ICMP echo larger than 65,535 bytes after reassembly cannot exist (the reassembler drops it
 *   first), so the anomaly is the whole signal. One such datagram is never legitimate (no stack sends more
 *   than the IP length field can state), so the default threshold is one datagram. Snort's frag3 raises the
 *   same finding as its "oversize" fragment alert.
 * - `fragment_overlap` (the teardrop family): fragments of one datagram that overlap. Overlapping bytes
 *   that differ (`decode.frag_overlap_different_data`) are the insertion/evasion trick Ptacek and Newsham
 *   described and always fire. An overlap with the same bytes is what a retransmitted or duplicated
 *   fragment looks like (a capture on a SPAN port duplicates packets), so one alone does not fire; it fires
 *   when it comes with a fragment past the datagram's stated end (`decode.frag_beyond_end`) or a misaligned
 *   fragment (`decode.frag_bad_offset`): that combination is the classic teardrop, whose second fragment
 *   lies inside the first and states an earlier end. Many same-data overlaps between one pair of hosts in a
 *   window fire too (`minOverlaps`, 20: more than a duplicating SPAN port gives a fragmented conversation in
 *   a minute). So do a few malformed fragments alone (`minMalformed`, 3): netsieve's reassembler drops the
 *   classic teardrop's first fragment (36 bytes with MF set, not a multiple of 8) as `frag_bad_offset`
 *   before any overlap can happen, so a teardrop tool sending its pair again and again shows as repeated
 *   misaligned fragments; no correct fragmenter makes one, and the whole shared corpus has a single one
 *   (a fuzzed capture), hence 3 rather than 1. Snort's frag3 has the matching "teardrop" and "overlap"
 *   alerts; Linux has dropped overlapping IPv4 fragments since 4.19 and RFC 5722 tells IPv6 hosts to, so
 *   no current stack produces them on purpose.
 * - `land_attack`: a packet whose source address and port equal its destination's (the 1997 "land" SYN
 *   that made stacks answer themselves). Seen in `tcpControl` (SYNs and other control segments) and `udp`;
 *   the test is two port reads and up to four word compares, done before anything else. Loopback is left
 *   out by default: a packet from the wire cannot carry a loopback source, and on the loopback interface
 *   the same tuple is a TCP self-connect (a client whose ephemeral port happened to equal the port it
 *   dialled), a local bug rather than an attack. Snort's decoder has the same test ("same SRC/DST").
 * - `tcp_split_handshake`: a server that answers a SYN with a SYN without ACK (the "split handshake" of
 *   Beardsley and Qian, 2010, and TCP simultaneous open, RFC 9293 §3.5). The TCP session
 *   (src/flow/tcp-session.ts) accepts it as simultaneous open and raises no anomaly, so this is read from
 *   `tcpControl`: a SYN without ACK in direction 1 on a flow whose client sent a SYN and nothing
 *   acknowledged yet. Simultaneous open is legal but almost never happens between a client and a listening
 *   server (it needs both ends to dial each other at the same instant: TCP hole punching does it); the
 *   split handshake uses it to swap the roles so that a firewall or inspector that took the SYN sender for
 *   the client applies the wrong direction's rules. Alerting on it at low severity is right: it is rare
 *   enough that each one is worth a look, and the one benign user (hole punching) is a policy question too.
 *   The attacker is the server (it sent the second SYN), the target the client.
 *
 * State: one small entry per attacking/attacked pair (or per target for land) in a `BoundedMap` capped by
 * `maxTracked`, created only when the evidence is seen (these packets are rare), swept when its window is
 * over. Per-packet hooks allocate nothing: text is made when an entry is created.
 */
import { formatAddress } from '../../decode/address.js';
import { type DecodedPacket, IpProto, TcpFlag } from '../../decode/packet.js';
import type { Flow } from '../../flow/flow.js';
import type { Direction } from '../../flow/stream.js';
import { protoName } from '../../flow/flow-events.js';
import { BoundedMap, packetAddressKey, pairKey } from '../tables.js';
import type { ThreatContext, ThreatDetector, ThreatDetectorDef } from '../types.js';

// ---- shared helpers ----

/** The packet is IPv4 or IPv6 with loopback source (127.0.0.0/8, ::1). */
function isLoopback(p: DecodedPacket): boolean {
  const s = p.src;
  if (p.ipVersion === 4) return s[0]! >>> 24 === 127;
  return s[0] === 0 && s[1] === 0 && s[2] === 0 && s[3] === 1;
}

// ---- ping of death ----

export type PingOfDeathOptions = {
  minDatagrams: number;
  window: number;
};

interface PodEntry {
  attacker: string;
  target: string;
  proto: number;
  windowStart: number;
  /** Fragments past 65,535 bytes in this window. */
  fragments: number;
  reported: boolean;
  /** Largest datagram end a fragment stated (IPv4: header + offset + data), 0 when unknown. */
  largest: number;
}

/** IPv4: the datagram length the fragment in `p` states (its header, its offset, its data); 0 otherwise. */
function statedLength(p: DecodedPacket): number {
  if (p.ipVersion !== 4) return 0;
  const d = p.data;
  const o = p.l3Offset;
  if (o + 8 > d.length) return 0;
  const total = (d[o + 2]! << 8) | d[o + 3]!;
  const off = (((d[o + 6]! & 0x1f) << 8) | d[o + 7]!) * 8;
  return off + total;
}

export const pingOfDeath: ThreatDetectorDef<PingOfDeathOptions> = {
  name: 'ping_of_death',
  title: 'Ping of death',
  description:
    'An IP datagram whose fragments reach past 65,535 bytes (decode.frag_too_large): the oversize ping that crashed old stacks',
  category: 'Attempted Denial of Service',
  severity: 2,
  techniques: ['T1499'],
  signatureId: 1008,
  defaults: { minDatagrams: 1, window: 60 },
  docs: {
    minDatagrams:
      'oversize fragments (decode.frag_too_large) from one source to one target within the window before the threat is raised',
    window: 'seconds over which oversize fragments are counted; a long attack raises one alert per window',
  },
  anomalies: ['decode.frag_too_large'],
  create(o, ctx) {
    return new PingOfDeathDetector(o, ctx);
  },
};

/** What every detector of this file keeps per key (a pair of hosts, or a target): the window its counts are in. */
interface Windowed {
  windowStart: number;
  reported: boolean;
}

/**
 * The detectors of this file share their state's shape: one table of windowed entries (per pair of hosts or
 * per target), a window of `window` seconds after which an entry starts over, swept once a second.
 */
abstract class WindowedDetector<E extends Windowed> implements ThreatDetector {
  protected readonly table: BoundedMap<number, E>;

  constructor(
    private readonly window: number,
    protected readonly ctx: ThreatContext,
  ) {
    this.table = new BoundedMap(ctx.maxTracked, (n) => ctx.evicted(n));
  }

  /** A new entry for the packet `p` at `now` (its window starts there). */
  protected abstract fresh(p: DecodedPacket, now: number): E;

  /** The entry of `key` in its current window: a fresh one when there is none or its window is over. */
  protected entryOf(key: number, p: DecodedPacket, now: number): E {
    let e = this.table.get(key);
    if (e === undefined || now - e.windowStart >= this.window || now < e.windowStart) {
      e = this.fresh(p, now);
      this.table.set(key, e);
    }
    return e;
  }

  tick(now: number): void {
    const w = this.window;
    this.table.sweep((e) => now - e.windowStart >= w);
  }

  size(): number {
    return this.table.size;
  }
}

class PingOfDeathDetector extends WindowedDetector<PodEntry> {
  constructor(
    private readonly o: PingOfDeathOptions,
    ctx: ThreatContext,
  ) {
    super(o.window, ctx);
  }

  protected fresh(p: DecodedPacket, now: number): PodEntry {
    return {
      attacker: formatAddress(p.src, p.ipVersion),
      target: formatAddress(p.dst, p.ipVersion),
      proto: p.ipProto,
      windowStart: now,
      fragments: 0,
      reported: false,
      largest: 0,
    };
  }

  anomaly(_name: string, flow: Flow | null, p: DecodedPacket | null, now: number): void {
    if (p === null || p.ipVersion === 0) return;
    const key = pairKey(packetAddressKey(p, false), packetAddressKey(p, true));
    const e = this.entryOf(key, p, now);
    e.fragments++;
    const len = statedLength(p);
    if (len > e.largest) e.largest = len;
    if (!e.reported && e.fragments >= this.o.minDatagrams) {
      e.reported = true;
      const details: Record<string, number | string | boolean | string[]> = {
        oversizeFragments: e.fragments,
        proto: protoName(e.proto),
        ipVersion: p.ipVersion,
      };
      if (e.largest > 0) details.statedLength = e.largest;
      this.ctx.report({
        now,
        attacker: e.attacker,
        target: e.target,
        count: e.fragments,
        details,
        flow,
        anomalies: ['decode.frag_too_large'],
        proto: protoName(e.proto),
      });
    }
  }
}

// ---- fragment overlap (teardrop) ----

export type FragmentOverlapOptions = {
  minDifferentData: number;
  minOverlaps: number;
  minMalformed: number;
  window: number;
};

interface OverlapEntry {
  attacker: string;
  target: string;
  proto: number;
  windowStart: number;
  overlaps: number;
  different: number;
  badOffset: number;
  beyondEnd: number;
  reported: boolean;
}

const A_OVERLAP = 'decode.frag_overlap';
const A_DIFFERENT = 'decode.frag_overlap_different_data';
const A_BAD_OFFSET = 'decode.frag_bad_offset';
const A_BEYOND_END = 'decode.frag_beyond_end';

export const fragmentOverlap: ThreatDetectorDef<FragmentOverlapOptions> = {
  name: 'fragment_overlap',
  title: 'Overlapping fragments (teardrop)',
  description:
    'IP fragments that overlap with different data, or overlap together with a fragment past the stated end or misaligned (teardrop and its family)',
  category: 'Attempted Denial of Service',
  severity: 2,
  techniques: ['T1499'],
  signatureId: 1009,
  defaults: { minDifferentData: 1, minOverlaps: 20, minMalformed: 3, window: 60 },
  docs: {
    minDifferentData:
      'overlaps whose bytes differ (decode.frag_overlap_different_data) between one pair of hosts in the window that raise the threat',
    minOverlaps:
      'same-data overlaps alone (retransmitted or duplicated fragments) between one pair in the window that raise the threat',
    minMalformed:
      'fragments past the stated end or misaligned (frag_beyond_end, frag_bad_offset) alone between one pair in the window that raise the threat',
    window: "seconds over which one pair of hosts' fragment anomalies are counted; a long attack raises one alert per window",
  },
  anomalies: [A_OVERLAP, A_DIFFERENT, A_BAD_OFFSET, A_BEYOND_END],
  create(o, ctx) {
    return new FragmentOverlapDetector(o, ctx);
  },
};

class FragmentOverlapDetector extends WindowedDetector<OverlapEntry> {
  constructor(
    private readonly o: FragmentOverlapOptions,
    ctx: ThreatContext,
  ) {
    super(o.window, ctx);
  }

  protected fresh(p: DecodedPacket, now: number): OverlapEntry {
    return {
      attacker: formatAddress(p.src, p.ipVersion),
      target: formatAddress(p.dst, p.ipVersion),
      proto: p.ipProto,
      windowStart: now,
      overlaps: 0,
      different: 0,
      badOffset: 0,
      beyondEnd: 0,
      reported: false,
    };
  }

  anomaly(name: string, flow: Flow | null, p: DecodedPacket | null, now: number): void {
    if (p === null || p.ipVersion === 0) return;
    const key = pairKey(packetAddressKey(p, false), packetAddressKey(p, true));
    const e = this.entryOf(key, p, now);
    switch (name) {
      case A_OVERLAP:
        e.overlaps++;
        break;
      case A_DIFFERENT:
        e.different++;
        break;
      case A_BAD_OFFSET:
        e.badOffset++;
        break;
      case A_BEYOND_END:
        e.beyondEnd++;
        break;
      default:
        return;
    }
    if (e.reported) return;
    const o = this.o;
    const malformed = e.badOffset + e.beyondEnd;
    // An overlap that differs always counts; a same-data overlap only with a malformed fragment (teardrop:
    // its inner fragment states an earlier end) or in numbers no retransmission reaches.
    let why = '';
    if (e.different >= o.minDifferentData) why = 'different_data';
    else if (e.overlaps > 0 && malformed > 0) why = 'overlap_with_malformed';
    else if (e.overlaps >= o.minOverlaps) why = 'many_overlaps';
    else if (malformed >= o.minMalformed) why = 'many_malformed';
    if (why === '') return;
    e.reported = true;
    const anomalies: string[] = [];
    if (e.overlaps > 0) anomalies.push(A_OVERLAP);
    if (e.different > 0) anomalies.push(A_DIFFERENT);
    if (e.beyondEnd > 0) anomalies.push(A_BEYOND_END);
    if (e.badOffset > 0) anomalies.push(A_BAD_OFFSET);
    const count = e.overlaps + malformed;
    this.ctx.report({
      now,
      attacker: e.attacker,
      target: e.target,
      count,
      details: {
        reason: why,
        overlaps: e.overlaps,
        overlapsDifferentData: e.different,
        beyondEnd: e.beyondEnd,
        badOffset: e.badOffset,
        proto: protoName(e.proto),
        ipVersion: p.ipVersion,
      },
      flow,
      anomalies,
      proto: protoName(e.proto),
    });
  }
}

// ---- land attack ----

export type LandAttackOptions = {
  minPackets: number;
  window: number;
  includeLoopback: boolean;
};

interface LandEntry {
  target: string;
  port: number;
  proto: number;
  windowStart: number;
  packets: number;
  syns: number;
  reported: boolean;
}

export const landAttack: ThreatDetectorDef<LandAttackOptions> = {
  name: 'land_attack',
  title: 'Land attack',
  description: 'A TCP or UDP packet whose source address and port equal its destination address and port (the "land" packet)',
  category: 'Attempted Denial of Service',
  severity: 2,
  techniques: ['T1499'],
  signatureId: 1010,
  defaults: { minPackets: 1, window: 60, includeLoopback: false },
  docs: {
    minPackets:
      "packets with source address and port equal to the destination's, to one target within the window, that raise the threat",
    window: "seconds over which one target's land packets are counted; a long attack raises one alert per window",
    includeLoopback:
      'also judge loopback packets (127.0.0.0/8, ::1); off by default because on the loopback interface the same tuple is a TCP self-connect',
  },
  create(o, ctx) {
    return new LandAttackDetector(o, ctx);
  },
};

class LandAttackDetector extends WindowedDetector<LandEntry> {
  constructor(
    private readonly o: LandAttackOptions,
    ctx: ThreatContext,
  ) {
    super(o.window, ctx);
  }

  protected fresh(p: DecodedPacket, now: number): LandEntry {
    return {
      target: formatAddress(p.dst, p.ipVersion),
      port: p.dstPort,
      proto: p.ipProto,
      windowStart: now,
      packets: 0,
      syns: 0,
      reported: false,
    };
  }

  tcpControl(p: DecodedPacket, flow: Flow, _dir: Direction, now: number): void {
    if (p.srcPort === p.dstPort) this.check(p, flow, now);
  }

  udp(p: DecodedPacket, flow: Flow, _dir: Direction, now: number): void {
    if (p.srcPort === p.dstPort) this.check(p, flow, now);
  }

  private check(p: DecodedPacket, flow: Flow, now: number): void {
    const s = p.src;
    const d = p.dst;
    if (s[0] !== d[0] || s[1] !== d[1] || s[2] !== d[2] || s[3] !== d[3] || p.ipVersion === 0) return;
    if (!this.o.includeLoopback && isLoopback(p)) return;
    const key = packetAddressKey(p, true);
    const e = this.entryOf(key, p, now);
    e.packets++;
    if (p.ipProto === IpProto.TCP && (p.tcpFlags & TcpFlag.SYN) !== 0) e.syns++;
    if (!e.reported && e.packets >= this.o.minPackets) {
      e.reported = true;
      this.ctx.report({
        now,
        // The source is forged to be the target itself: the real sender is unknown.
        attacker: null,
        target: e.target,
        count: e.packets,
        details: { packets: e.packets, syns: e.syns, port: e.port, proto: protoName(e.proto) },
        flow,
        targetPort: e.port,
        proto: protoName(e.proto),
      });
    }
  }
}

// ---- TCP split handshake ----

export type SplitHandshakeOptions = {
  minFlows: number;
  window: number;
};

interface SplitEntry {
  attacker: string;
  target: string;
  windowStart: number;
  flows: number;
  lastFlowId: number;
  ports: number[];
  reported: boolean;
}

export const tcpSplitHandshake: ThreatDetectorDef<SplitHandshakeOptions> = {
  name: 'tcp_split_handshake',
  title: 'TCP split handshake',
  description:
    'A server answering a SYN with a SYN without ACK (split handshake / simultaneous open), which swaps client and server roles to evade inspection',
  category: 'Potentially Bad Traffic',
  severity: 3,
  techniques: ['T1499'],
  signatureId: 1011,
  defaults: { minFlows: 1, window: 60 },
  docs: {
    minFlows:
      "connections in which one server answered one client's SYN with a bare SYN, within the window, that raise the threat",
    window: "seconds over which one server-client pair's split handshakes are counted; repeats raise one alert per window",
  },
  create(o, ctx) {
    return new SplitHandshakeDetector(o, ctx);
  },
};

const SYN_ACK_RST = TcpFlag.SYN | TcpFlag.ACK | TcpFlag.RST;

class SplitHandshakeDetector extends WindowedDetector<SplitEntry> {
  constructor(
    private readonly o: SplitHandshakeOptions,
    ctx: ThreatContext,
  ) {
    super(o.window, ctx);
  }

  protected fresh(p: DecodedPacket, now: number): SplitEntry {
    return {
      attacker: formatAddress(p.src, p.ipVersion),
      target: formatAddress(p.dst, p.ipVersion),
      windowStart: now,
      flows: 0,
      lastFlowId: -1,
      ports: [],
      reported: false,
    };
  }

  tcpControl(p: DecodedPacket, flow: Flow, dir: Direction, now: number): void {
    // A bare SYN from the server, on a flow whose client sent a SYN and has acknowledged nothing yet.
    if (dir !== 1 || (p.tcpFlags & SYN_ACK_RST) !== TcpFlag.SYN) return;
    const c = flow.tcpFlagsToServer;
    if ((c & TcpFlag.SYN) === 0 || (c & TcpFlag.ACK) !== 0) return;
    const key = pairKey(packetAddressKey(p, false), packetAddressKey(p, true));
    const e = this.entryOf(key, p, now);
    if (e.lastFlowId === flow.id) return; // the same server SYN again
    e.lastFlowId = flow.id;
    e.flows++;
    if (e.ports.length < 8 && !e.ports.includes(p.srcPort)) e.ports.push(p.srcPort);
    if (!e.reported && e.flows >= this.o.minFlows) {
      e.reported = true;
      this.ctx.report({
        now,
        attacker: e.attacker,
        target: e.target,
        count: e.flows,
        details: {
          flows: e.flows,
          serverPorts: e.ports.map(String),
          clientFlags: flagText(c),
          serverFlags: flagText(p.tcpFlags),
        },
        flow,
        attackerPort: p.srcPort,
        targetPort: p.dstPort,
        proto: 'TCP',
      });
    }
  }
}

/** Suricata's flag letters (`S`, `SA`, `FA`...). */
function flagText(f: number): string {
  let s = '';
  if (f & TcpFlag.FIN) s += 'F';
  if (f & TcpFlag.SYN) s += 'S';
  if (f & TcpFlag.RST) s += 'R';
  if (f & TcpFlag.PSH) s += 'P';
  if (f & TcpFlag.ACK) s += 'A';
  if (f & TcpFlag.URG) s += 'U';
  if (f & TcpFlag.ECE) s += 'E';
  if (f & TcpFlag.CWR) s += 'C';
  return s;
}
