/**
 * Floods: more packets into one destination than any service asks for, ATT&CK T1498.001 (Direct Network
 * Flood) and, for SYN floods, T1499.001 (OS Exhaustion Flood).
 *
 * All three key by the DESTINATION address (spoofed random sources are the norm: keying by source would
 * see 200,000 sources of one packet each) and count packets per second of capture time in one bounded
 * table entry per destination (`RateTrack`: numbers only, no per-packet allocation). The rate judged is
 * the average over the last `minSeconds` seconds, the current one included as far as it has gone: a
 * flood is reported at the packet that brings the last `minSeconds` seconds to `minRate × minSeconds`
 * (so a capture ending mid-second, or a 0.5 s burst of 5,000 packets, is judged like a long flood), then
 * again every `window` seconds while it lasts, with the rate, peak, packets and bytes of the run,
 * distinct sources and ports (`LazyDistinct`). Snort's and Suricata's flood rules (`detection_filter`,
 * `threshold ... track by_dst`) count the same way, per destination per interval.
 *
 * - syn_flood (`tcpControl`: SYN without ACK from the flow's client): half-open SYNs per second, 500 a
 *   second over 2 s. Eight SYNs of each second (from its second one) are sampled (references to their
 *   flows, dropped when the second ends): the share of them whose client never sent ACK, RST or payload
 *   and that the server did not refuse with RST scales the SYN count into a half-open count. A busy server taking 1,000 real
 *   connections a second completes its handshakes within the RTT and stays quiet; a fast SYN scan is
 *   refused (RST) or reset by the scanner, holds no state, and is a port scan; `hping3 -S --rand-source`
 *   at any rate is a flood. 500 a second sits above an ordinary server's connection rate as one capture
 *   point sees it and far below what exhausts a SYN backlog without cookies.
 * - udp_flood (`udp`): UDP datagrams per second into one unicast address with almost nothing coming back
 *   (UDP the address sends in the same seconds is at most 5% of what it receives): 2,000 a second over
 *   2 s. A QUIC or other bulk UDP download is as fast but its receiver acknowledges (every second to tenth
 *   packet), a busy DNS server answers every query, and multicast and broadcast destinations (streams,
 *   discovery) are not counted.
 * - icmp_flood (`icmp`): unsolicited ICMP (packets from the side that opened the ICMP flow: echo requests,
 *   and replies or errors nobody asked for, as in smurf and BlackNurse) per second into one unicast
 *   address: 500 a second over 2 s; `ping` sends 1, `ping -f` hundreds to thousands.
 *
 * State: one BoundedMap per detector, capped by `ctx.maxTracked`; an entry is a few numbers, a 3 × 8-slot
 * ring of seconds, `LazyDistinct`s of sources and ports (inline up to four, a 128-byte `DistinctCounter`
 * beyond) and, for a destination getting more than one SYN a second, eight sample slots; entries idle for
 * 10 s are swept in `tick`.
 */
import type { DecodedPacket } from '../../decode/packet.js';
import { TcpFlag } from '../../decode/packet.js';
import type { Flow } from '../../flow/flow.js';
import type { Direction } from '../../flow/stream.js';
import { addressKey, BoundedMap } from '../tables.js';
import type { ThreatContext, ThreatDetector, ThreatDetectorDef, ThreatFinding } from '../types.js';
import { AddressWords, fold32, isGroupAddress, LazyDistinct, RATE_RING, RateTrack, tcpCarried } from './scanflood-common.js';

/** Seconds an entry may stay idle (no packet, no streak) before `tick` sweeps it. */
const IDLE_SECONDS = 10;

/** What every flood entry holds: the destination, its rate, its sources and ports. */
class FloodEntry {
  readonly target = new AddressWords();
  readonly rate = new RateTrack();
  /** Distinct sources and ports since the streak began (or in the current second, outside a streak). */
  readonly sources = new LazyDistinct(0);
  readonly ports = new LazyDistinct(6);
  /** The first source counted (the attacker when it is the only one). */
  readonly source = new AddressWords();
  sourceSet = false;
  /** Flood-specific: replies (UDP) in the current second; replies or half-open SYNs over the run. */
  aux = 0;
  runAux = 0;
  /** ICMP: the first types seen. SYN: the flows sampled in the current second. */
  readonly types = new LazyDistinct(4);
  samples: (Flow | null)[] | null = null;
  sampleCount = 0;
}

function makeEntry(): FloodEntry {
  return new FloodEntry();
}

interface FloodOptions {
  [k: string]: number | boolean;
  minRate: number;
  minSeconds: number;
  window: number;
}

/** The shared table, rolling, judging and reporting; each detector adds its packets and its test. */
abstract class FloodDetector<O extends FloodOptions> implements ThreatDetector {
  protected readonly table: BoundedMap<number, FloodEntry>;
  /** The seconds judged together (`minSeconds`, 1 to `RATE_RING`). */
  protected readonly span: number;

  constructor(
    protected readonly o: O,
    protected readonly ctx: ThreatContext,
  ) {
    this.table = new BoundedMap(ctx.maxTracked, (n) => ctx.evicted(n));
    this.span = Math.max(1, Math.min(RATE_RING, Math.floor(o.minSeconds)));
  }

  size(): number {
    return this.table.size;
  }

  /** This detector's own count for the current second so far (replies, half-open SYNs; 0 when none). */
  protected abstract secondAux(e: FloodEntry): number;
  /** An upper bound of what `hot` tests, cheap enough for every packet (packets, or SYNs that may be half-open). */
  protected abstract bound(e: FloodEntry): number;
  /** Whether `n` packets and `aux` over the last `span` seconds make a flood. */
  protected abstract hot(n: number, aux: number): boolean;
  /** The finding's count and details beyond the common ones (`aux` over the span, `runAux` over the run). */
  protected abstract describe(e: FloodEntry, f: ThreatFinding, aux: number, runAux: number): void;
  protected abstract readonly proto: string;

  /** The entry of destination `key`, made current for second `floor(now)` (closing the second it leaves). */
  protected entry(key: number, v: number, d: Uint32Array, now: number): FloodEntry {
    const sec = Math.floor(now);
    let e = this.table.get(key);
    // Made the most recently used once per second, not per packet (a Map delete and set saved).
    if (e === undefined || sec > e.rate.sec) e = this.table.upsert(key, makeEntry);
    if (e.rate.sec < 0) e.target.setWords(v, d);
    this.roll(e, sec, now);
    return e;
  }

  protected roll(e: FloodEntry, sec: number, now: number): void {
    const r = e.rate;
    if (sec <= r.sec) return;
    if (r.n > 0) this.closeSecond(e, now);
    r.open(sec, this.span);
    e.aux = 0;
    this.dropSamples(e);
    if (!r.inRun(sec)) {
      // No run of packets going on: the counters start again with this second.
      e.sources.clear();
      e.ports.clear();
      e.types.clear();
      e.sourceSet = false;
      e.runAux = 0;
    }
  }

  protected countSource(e: FloodEntry, v: number, s: Uint32Array): void {
    if (e.sources.add(fold32(addressKey(s[0]!, s[1]!, s[2]!, s[3]!, v))) && !e.sourceSet) {
      e.source.setWords(v, s);
      e.sourceSet = true;
    }
  }

  /** After a packet was added: judges the span when the cheap bound reaches the threshold (then every 64 packets). */
  protected check(e: FloodEntry, now: number): void {
    const r = e.rate;
    if (this.bound(e) < this.need) return;
    if (r.checkedAt >= 0 && r.n - r.checkedAt < 64) return;
    r.checkedAt = r.n;
    const aux = this.secondAux(e);
    if (this.hot(r.prevN + r.n, r.prevAux + aux) && r.fire(this.o.window)) this.emit(e, now, r.prevN + r.n, r.prevAux + aux, aux);
  }

  /** Packets (or half-open SYNs) over the span that make a flood: `minRate` a second. */
  protected get need(): number {
    return this.o.minRate * this.span;
  }

  private closeSecond(e: FloodEntry, now: number): void {
    const r = e.rate;
    const aux = this.secondAux(e);
    const n = r.prevN + r.n;
    const sumAux = r.prevAux + aux;
    // A last look at the whole second (the in-second checks may have skipped its last packets).
    if (this.hot(n, sumAux) && r.fire(this.o.window)) this.emit(e, now, n, sumAux, aux);
    e.runAux = r.inRun(r.sec) ? e.runAux + aux : aux;
    r.close(aux);
    e.aux = 0;
  }

  /** Reports the flood of `e`: `n` packets and `aux` over the span, the current second's `cur` aux. */
  private emit(e: FloodEntry, now: number, n: number, aux: number, cur: number): void {
    const r = e.rate;
    const continuing = r.inRun(r.sec);
    const packets = (continuing ? r.runPkts : 0) + r.n;
    const sources = Math.min(e.sources.estimate, packets);
    const ports = Math.min(e.ports.estimate, packets);
    const rate = Math.round(n / this.span);
    const f: ThreatFinding = {
      now,
      attacker: sources === 1 && e.sourceSet ? e.source.text() : null,
      target: e.target.text(),
      count: rate,
      details: {
        rate,
        peak_rate: Math.max(continuing ? r.peak : 0, r.n),
        seconds: continuing ? r.sec - r.runStart + 1 : 1,
        packets,
        bytes: (continuing ? r.runBytes : 0) + r.bytes,
        sources,
        ports,
        first_ports: e.ports.first().map(String),
      },
      proto: this.proto,
    };
    if (ports === 1) f.targetPort = e.ports.first()[0];
    this.describe(e, f, aux, (continuing ? e.runAux : 0) + cur);
    this.ctx.report(f);
  }

  private dropSamples(e: FloodEntry): void {
    const s = e.samples;
    if (s !== null) for (let i = 0; i < e.sampleCount; i++) s[i] = null;
    e.sampleCount = 0;
  }

  tick(now: number): void {
    const sec = Math.floor(now);
    let idle = false;
    for (const e of this.table.values()) {
      const r = e.rate;
      if (r.sec < sec && r.n > 0) {
        this.closeSecond(e, now);
        this.dropSamples(e);
      }
      if (r.sec < sec - IDLE_SECONDS) idle = true;
    }
    if (idle) this.table.sweep((e) => e.rate.sec < sec - IDLE_SECONDS);
  }
}

// ------------------------------------------------------------------ syn_flood

export interface SynFloodOptions extends FloodOptions {
  minRate: number;
  minSeconds: number;
  window: number;
}

const SAMPLES = 8;

export const synFlood: ThreatDetectorDef<SynFloodOptions> = {
  name: 'syn_flood',
  title: 'SYN flood',
  description: 'TCP SYNs into one host whose handshakes never complete, at a sustained rate, from any number of sources',
  category: 'Detection of a Denial of Service Attack',
  severity: 2,
  techniques: ['T1498.001', 'T1499.001'],
  signatureId: 1003,
  defaults: { minRate: 500, minSeconds: 2, window: 60 },
  docs: {
    minRate: 'half-open SYNs per second into one host (SYNs whose client never completed the handshake)',
    minSeconds: 'seconds the rate is averaged over (1 to 8): minRate × minSeconds within them make a flood',
    window: 'seconds between two findings for the same host while the flood lasts',
  },
  create(o, ctx) {
    return new SynFloodDetector(o, ctx);
  },
};

class SynFloodDetector extends FloodDetector<SynFloodOptions> {
  protected readonly proto = 'TCP';

  tcpControl(p: DecodedPacket, flow: Flow, dir: Direction, now: number): void {
    if (dir !== 0 || (p.tcpFlags & (TcpFlag.SYN | TcpFlag.ACK | TcpFlag.RST)) !== TcpFlag.SYN) return;
    const v = p.ipVersion;
    const d = p.dst;
    const e = this.entry(addressKey(d[0]!, d[1]!, d[2]!, d[3]!, v), v, d, now);
    e.rate.n++;
    e.rate.bytes += p.wireLen;
    this.countSource(e, v, p.src);
    e.ports.add(p.dstPort);
    // Sampled from the second SYN of the second on (a destination that sees one SYN a second needs no slots).
    if (e.sampleCount < SAMPLES && e.rate.n >= 2) {
      if (e.samples === null) e.samples = new Array<Flow | null>(SAMPLES).fill(null);
      e.samples[e.sampleCount++] = flow;
    }
    this.check(e, now);
  }

  /** The second's SYNs scaled by the share of its sampled handshakes that never completed. */
  protected secondAux(e: FloodEntry): number {
    const n = e.rate.n;
    const s = e.samples;
    const k = e.sampleCount;
    if (s === null || k === 0) return 0;
    let half = 0;
    for (let i = 0; i < k; i++) {
      const f = s[i]!;
      // Half-open: the client never acknowledged nor reset, the server did not refuse (an RST holds no
      // state: a fast SYN scan's refused probes are not a flood).
      if (((f.tcpFlagsToServer | (f.tcpFlagsToClient & TcpFlag.RST)) & (TcpFlag.ACK | TcpFlag.RST)) === 0 && !tcpCarried(f, 0))
        half++;
    }
    return Math.round((n * half) / k);
  }

  protected bound(e: FloodEntry): number {
    return e.rate.prevAux + e.rate.n;
  }

  protected hot(_n: number, aux: number): boolean {
    return aux >= this.need;
  }

  protected describe(_e: FloodEntry, f: ThreatFinding, aux: number, runAux: number): void {
    const rate = Math.round(aux / this.span);
    f.count = rate;
    f.details.half_open_rate = rate;
    f.details.half_open = runAux;
  }
}

// ------------------------------------------------------------------ udp_flood

export interface UdpFloodOptions extends FloodOptions {
  minRate: number;
  minSeconds: number;
  maxReplyRatio: number;
  window: number;
}

export const udpFlood: ThreatDetectorDef<UdpFloodOptions> = {
  name: 'udp_flood',
  title: 'UDP flood',
  description: 'UDP datagrams into one host at a sustained rate with almost nothing coming back',
  category: 'Detection of a Denial of Service Attack',
  severity: 2,
  techniques: ['T1498.001'],
  signatureId: 1004,
  defaults: { minRate: 2000, minSeconds: 2, maxReplyRatio: 0.05, window: 60 },
  docs: {
    minRate: 'UDP datagrams per second into one unicast host',
    minSeconds: 'seconds the rate is averaged over (1 to 8): minRate × minSeconds within them make a flood',
    maxReplyRatio: 'datagrams the host sends back in the same second, as a share of those it receives',
    window: 'seconds between two findings for the same host while the flood lasts',
  },
  create(o, ctx) {
    return new UdpFloodDetector(o, ctx);
  },
};

class UdpFloodDetector extends FloodDetector<UdpFloodOptions> {
  protected readonly proto = 'UDP';

  udp(p: DecodedPacket, _flow: Flow, _dir: Direction, now: number): void {
    const v = p.ipVersion;
    const s = p.src;
    const d = p.dst;
    // A datagram from a host being counted is a reply to its senders.
    const back = this.table.get(addressKey(s[0]!, s[1]!, s[2]!, s[3]!, v));
    if (back !== undefined) {
      this.roll(back, Math.floor(now), now);
      back.aux++;
    }
    if (isGroupAddress(v, d[0]!)) return;
    const e = this.entry(addressKey(d[0]!, d[1]!, d[2]!, d[3]!, v), v, d, now);
    e.rate.n++;
    e.rate.bytes += p.wireLen;
    this.countSource(e, v, s);
    e.ports.add(p.dstPort);
    this.check(e, now);
  }

  protected secondAux(e: FloodEntry): number {
    return e.aux;
  }

  protected bound(e: FloodEntry): number {
    return e.rate.prevN + e.rate.n;
  }

  protected hot(n: number, aux: number): boolean {
    return n >= this.need && aux <= n * this.o.maxReplyRatio;
  }

  protected describe(_e: FloodEntry, f: ThreatFinding, _aux: number, runAux: number): void {
    const packets = f.details.packets as number;
    f.details.replies = runAux;
    f.details.reply_ratio = packets > 0 ? Math.round((runAux / packets) * 1000) / 1000 : 0;
  }
}

// ------------------------------------------------------------------ icmp_flood

export interface IcmpFloodOptions extends FloodOptions {
  minRate: number;
  minSeconds: number;
  window: number;
}

export const icmpFlood: ThreatDetectorDef<IcmpFloodOptions> = {
  name: 'icmp_flood',
  title: 'ICMP flood',
  description: 'Unsolicited ICMP (echo requests, unasked replies or errors) into one host at a sustained rate',
  category: 'Detection of a Denial of Service Attack',
  severity: 2,
  techniques: ['T1498.001'],
  signatureId: 1005,
  defaults: { minRate: 500, minSeconds: 2, window: 60 },
  docs: {
    minRate: 'unsolicited ICMP or ICMPv6 packets per second into one unicast host',
    minSeconds: 'seconds the rate is averaged over (1 to 8): minRate × minSeconds within them make a flood',
    window: 'seconds between two findings for the same host while the flood lasts',
  },
  create(o, ctx) {
    return new IcmpFloodDetector(o, ctx);
  },
};

class IcmpFloodDetector extends FloodDetector<IcmpFloodOptions> {
  protected readonly proto = 'ICMP';

  icmp(p: DecodedPacket, _flow: Flow, dir: Direction, now: number): void {
    if (dir !== 0) return; // the answer of the side that was asked
    const v = p.ipVersion;
    const d = p.dst;
    if (isGroupAddress(v, d[0]!)) return;
    const e = this.entry(addressKey(d[0]!, d[1]!, d[2]!, d[3]!, v), v, d, now);
    e.rate.n++;
    e.rate.bytes += p.wireLen;
    this.countSource(e, v, p.src);
    e.types.add(p.icmpType);
    this.check(e, now);
  }

  protected secondAux(_e: FloodEntry): number {
    return 0;
  }

  protected bound(e: FloodEntry): number {
    return e.rate.prevN + e.rate.n;
  }

  protected hot(n: number, _aux: number): boolean {
    return n >= this.need;
  }

  protected describe(e: FloodEntry, f: ThreatFinding): void {
    if (e.target.v === 6) f.proto = 'IPv6-ICMP';
    f.details.icmp_types = e.types.first().map(String);
    delete f.details.ports;
    delete f.details.first_ports;
  }
}
