/**
 * Scans: one source probing many ports of one host (`port_scan`) or one service across many hosts
 * (`host_sweep`), ATT&CK T1046 (Network Service Discovery).
 *
 * What counts is a FAILED probe, never a connection: a TCP flow that ends with no payload in either
 * direction (nothing but a handshake, a SYN answered by RST or by nothing, a FIN/NULL/Xmas/ACK probe), a
 * connection the client resets having sent nothing (after the server's banner, at most), and a UDP or
 * TCP probe answered by an ICMP destination unreachable. A connection where one side alone sent data and
 * that ended normally (an FTP data connection) is not a probe. A SYN probe counts as soon as the
 * RST comes back (`tcpControl`), so the alert comes while the scan runs; the rest when the flow ends
 * (`flowEnded`) or the ICMP error arrives (`icmpError`, from the quoted header when netsieve has no flow).
 * The NULL and Xmas probes decode already flags (`decode.tcp_no_flags`, `decode.tcp_xmas`) are linked to
 * the finding. A browser opening 30 connections to one server, or 100 sites on 443, carries payload on
 * every one, so it adds nothing; traceroute's UDP probes are answered by time-exceeded from routers, not
 * by port unreachables from the target, and unanswered UDP is not counted. A port unreachable quoting a
 * datagram from a port below 1024 to one above is a service's late reply to a closed client socket (a
 * slow DNS answer), not a probe, and is not counted.
 *
 * port_scan: distinct destination ports of failed probes per (source, destination) in a tumbling window
 * (25 ports in 60 s). Zeek's scan policy (policy/misc/scan.zeek) counts the same thing, failed connection
 * attempts to distinct ports of one victim (Port_Scan), over 5 minutes; Snort's port_scan inspector learns
 * a scan from the negative responses (RST, ICMP unreachable) the probed host sends back. 25 in 60 s keeps a
 * busy client's occasional refused connection, or FTP's odd empty data connection, far below, while
 * `nmap -F` (100 ports) or any default nmap run crosses it within a second.
 *
 * host_sweep: distinct destinations of failed probes per (source, service) in a window (30 hosts in 60 s);
 * the service is one TCP or UDP port, ICMP echo, or ARP. ICMP echo requests and ARP requests count
 * whether answered or not: a ping or ARP sweep is discovery even when the hosts answer, and a host
 * pinging or resolving 30 distinct neighbours a minute is itself unusual (monitoring servers excepted: raise
 * `minHosts` there). Zeek's Address_Scan fires at 25 distinct hosts with failed connections on one port in
 * 5 minutes.
 *
 * State: one BoundedMap per detector (`ctx.maxTracked` entries, each a few numbers and a `LazyDistinct`:
 * four values inline, a 128-byte `DistinctCounter` from the fifth), windows swept in `tick`.
 */
import type { DecodedPacket } from '../../decode/packet.js';
import { IpProto, TcpFlag } from '../../decode/packet.js';
import type { Flow } from '../../flow/flow.js';
import { FlowKind } from '../../flow/flow.js';
import type { Direction } from '../../flow/stream.js';
import { addressKey, BoundedMap } from '../tables.js';
import { pairKey } from '../tables.js';
import type { ThreatContext, ThreatDetector, ThreatDetectorDef } from '../types.js';
import { AddressWords, fold32, LazyDistinct, tcpCarried, wordsText } from './scanflood-common.js';

// ------------------------------------------------------------------ probe kinds

const KIND_SYN = 1;
const KIND_CONNECT = 2;
const KIND_FIN = 4;
const KIND_NULL = 8;
const KIND_XMAS = 16;
const KIND_ACK = 32;
const KIND_UDP = 64;
const KIND_OTHER = 128;
const KIND_NAMES: readonly [number, string][] = [
  [KIND_SYN, 'syn'],
  [KIND_CONNECT, 'connect'],
  [KIND_FIN, 'fin'],
  [KIND_NULL, 'null'],
  [KIND_XMAS, 'xmas'],
  [KIND_ACK, 'ack'],
  [KIND_UDP, 'udp'],
  [KIND_OTHER, 'other'],
];
const XMAS = TcpFlag.FIN | TcpFlag.PSH | TcpFlag.URG;

function kindNames(kinds: number): string[] {
  const out: string[] = [];
  for (const [bit, name] of KIND_NAMES) if ((kinds & bit) !== 0) out.push(name);
  return out;
}

/** What kind of TCP probe a flow was, from the flags its client sent (`flow.tcpFlagsToServer`). */
function tcpKind(f: number): number {
  if ((f & TcpFlag.SYN) !== 0) return (f & TcpFlag.ACK) !== 0 ? KIND_CONNECT : KIND_SYN;
  if ((f & XMAS) === XMAS) return KIND_XMAS;
  if ((f & ~TcpFlag.RST) === 0) return KIND_NULL;
  if ((f & (TcpFlag.FIN | TcpFlag.ACK)) === TcpFlag.FIN) return KIND_FIN;
  if ((f & TcpFlag.ACK) !== 0) return KIND_ACK;
  return KIND_OTHER;
}

/** FIN, NULL and Xmas probes (no SYN, no ACK from the client) are counted at their first packet. */
function countedAtStart(flow: Flow): boolean {
  return (flow.tcpFlagsToServer & (TcpFlag.SYN | TcpFlag.ACK)) === 0;
}

/**
 * Whether a TCP flow looks like a probe rather than a connection picked up mid-stream: its client sent a
 * SYN, or only a packet or two (an ACK probe and its retry).
 */
function probeLike(flow: Flow): boolean {
  return (flow.tcpFlagsToServer & TcpFlag.SYN) !== 0 || flow.pktsToServer <= 2;
}

/** ICMP errors that say a probe failed: destination unreachable (v4 type 3, v6 type 1), any code. */
function isUnreachable(p: DecodedPacket): boolean {
  return p.ipProto === IpProto.ICMP ? p.icmpType === 3 : p.icmpType === 1;
}

/**
 * Whether the UDP datagram an ICMP error quotes looks like a service's late reply (from a port below 1024
 * to a port above): a DNS or NTP answer reaching a client socket that has closed, not a probe.
 */
function looksLikeReply(p: DecodedPacket): boolean {
  return p.icmpQuotedSrcPort < 1024 && p.icmpQuotedDstPort >= 1024;
}

/** Port unreachable: ICMP type 3 code 3, ICMPv6 type 1 code 4 (the closed-port answer to a UDP probe). */
function isPortUnreachable(p: DecodedPacket): boolean {
  return p.ipProto === IpProto.ICMP ? p.icmpType === 3 && p.icmpCode === 3 : p.icmpType === 1 && p.icmpCode === 4;
}

// ------------------------------------------------------------------ port_scan

export interface PortScanOptions {
  [k: string]: number | boolean;
  minPorts: number;
  window: number;
}

class PortScanEntry {
  readonly attacker = new AddressWords();
  readonly target = new AddressWords();
  readonly ports = new LazyDistinct(8);
  start = 0;
  last = 0;
  probes = 0;
  kinds = 0;
  tcp = 0;
  udp = 0;
  reported = false;
}

function makePortScanEntry(): PortScanEntry {
  return new PortScanEntry();
}

export const portScan: ThreatDetectorDef<PortScanOptions> = {
  name: 'port_scan',
  title: 'Port scan',
  description: 'One source probing many ports of one host: failed TCP (SYN, connect, FIN, NULL, Xmas, ACK) or UDP probes',
  category: 'Detection of a Network Scan',
  severity: 3,
  techniques: ['T1046'],
  signatureId: 1001,
  defaults: { minPorts: 25, window: 60 },
  docs: {
    minPorts: 'distinct destination ports of failed probes from one source to one host that make a scan',
    window: 'seconds over which the ports are counted (a tumbling window per source and host)',
  },
  // NULL and Xmas probes: decode raises these on the probe packets; the finding links them.
  anomalies: ['decode.tcp_no_flags', 'decode.tcp_xmas'],
  create(o, ctx) {
    return new PortScanDetector(o, ctx);
  },
};

class PortScanDetector implements ThreatDetector {
  private readonly table: BoundedMap<number, PortScanEntry>;
  private lastSweep = 0;

  constructor(
    private readonly o: PortScanOptions,
    private readonly ctx: ThreatContext,
  ) {
    this.table = new BoundedMap(ctx.maxTracked, (n) => ctx.evicted(n));
  }

  size(): number {
    return this.table.size;
  }

  /**
   * A TCP control packet. A flow whose first packet has neither SYN nor ACK (FIN, NULL, Xmas) is a probe
   * from its first packet; a SYN or ACK probe fails when an RST comes back (or goes out, after a SYN/ACK)
   * before any payload.
   */
  tcpControl(p: DecodedPacket, flow: Flow, dir: Direction, now: number): void {
    const flags = p.tcpFlags;
    if (dir === 0 && flow.pktsToServer <= 1 && flow.pktsToClient === 0 && (flags & (TcpFlag.SYN | TcpFlag.ACK)) === 0) {
      this.probeOfFlow(flow, tcpKind(flags | flow.tcpFlagsToServer), now);
      return;
    }
    if ((flags & TcpFlag.RST) === 0 || countedAtStart(flow) || !probeLike(flow)) return;
    // The client said nothing; the server said nothing either, or only its banner before the client
    // reset (a connect scan meeting an SSH, SMTP or FTP greeting).
    if (tcpCarried(flow, 0) || (tcpCarried(flow, 1) && dir !== 0)) return;
    this.probeOfFlow(flow, tcpKind(flow.tcpFlagsToServer), now);
  }

  /** A TCP flow that ends having carried no payload either way (and was not counted already) was a failed probe. */
  flowEnded(flow: Flow, now: number): void {
    if (flow.kind !== FlowKind.TCP || flow.pktsToServer === 0 || countedAtStart(flow)) return;
    // Counted at the RST; or picked up mid-stream (no SYN from the client: an idle connection, not a probe).
    if (((flow.tcpFlagsToServer | flow.tcpFlagsToClient) & TcpFlag.RST) !== 0 || (flow.tcpFlagsToServer & TcpFlag.SYN) === 0)
      return;
    if (tcpCarried(flow, 0) || tcpCarried(flow, 1)) return;
    this.probeOfFlow(flow, tcpKind(flow.tcpFlagsToServer), now);
  }

  /** Destination unreachable quoting a probe: UDP port unreachable (closed port), or a TCP probe refused. */
  icmpError(p: DecodedPacket, quoted: Flow | null, now: number): void {
    if (!p.icmpQuotedValid || !isUnreachable(p)) return;
    const proto = p.icmpQuotedProto;
    let kind: number;
    if (proto === IpProto.UDP) {
      if (!isPortUnreachable(p) || looksLikeReply(p)) return;
      kind = KIND_UDP;
    } else if (proto === IpProto.TCP) {
      if (quoted !== null && (tcpCarried(quoted, 0) || tcpCarried(quoted, 1))) return;
      kind = quoted !== null ? tcpKind(quoted.tcpFlagsToServer) : KIND_SYN;
    } else return;
    const s = p.icmpQuotedSrc;
    const d = p.icmpQuotedDst;
    const v = p.icmpQuotedIpVersion;
    this.probe(v, s[0]!, s[1]!, s[2]!, s[3]!, d[0]!, d[1]!, d[2]!, d[3]!, p.icmpQuotedDstPort, kind, now);
  }

  tick(now: number): void {
    if (now - this.lastSweep < 5) return;
    this.lastSweep = now;
    const w = this.o.window;
    this.table.sweep((e) => now - e.start > w);
  }

  private probeOfFlow(flow: Flow, kind: number, now: number): void {
    this.probe(
      flow.ipVersion,
      flow.clientAddr0,
      flow.clientAddr1,
      flow.clientAddr2,
      flow.clientAddr3,
      flow.serverAddr0,
      flow.serverAddr1,
      flow.serverAddr2,
      flow.serverAddr3,
      flow.serverPort,
      kind,
      now,
    );
  }

  private probe(
    v: number,
    s0: number,
    s1: number,
    s2: number,
    s3: number,
    d0: number,
    d1: number,
    d2: number,
    d3: number,
    port: number,
    kind: number,
    now: number,
  ): void {
    const key = pairKey(addressKey(s0, s1, s2, s3, v), addressKey(d0, d1, d2, d3, v));
    const e = this.table.upsert(key, makePortScanEntry);
    if (e.probes === 0 || now - e.start > this.o.window) {
      // A fresh entry, or the window is over: start counting again.
      e.attacker.set(v, s0, s1, s2, s3);
      e.target.set(v, d0, d1, d2, d3);
      e.ports.clear();
      e.start = now;
      e.probes = e.kinds = e.tcp = e.udp = 0;
      e.reported = false;
    }
    e.probes++;
    e.last = now;
    e.kinds |= kind;
    if (kind === KIND_UDP) e.udp++;
    else e.tcp++;
    if (!e.ports.add(port) || e.reported) return;
    const ports = e.ports.estimate;
    if (ports < this.o.minPorts) return;
    e.reported = true;
    this.report(e, ports, now);
  }

  private report(e: PortScanEntry, ports: number, now: number): void {
    const anomalies: string[] = [];
    if ((e.kinds & KIND_NULL) !== 0) anomalies.push('decode.tcp_no_flags');
    if ((e.kinds & KIND_XMAS) !== 0) anomalies.push('decode.tcp_xmas');
    this.ctx.report({
      now,
      attacker: e.attacker.text(),
      target: e.target.text(),
      count: ports,
      details: {
        ports,
        probes: e.probes,
        tcp_probes: e.tcp,
        udp_probes: e.udp,
        seconds: Math.round((now - e.start) * 1000) / 1000,
        kinds: kindNames(e.kinds),
        first_ports: e.ports.first().map(String),
      },
      anomalies,
      proto: e.udp === 0 ? 'TCP' : e.tcp === 0 ? 'UDP' : undefined,
    });
  }
}

// ------------------------------------------------------------------ host_sweep

export interface HostSweepOptions {
  [k: string]: number | boolean;
  minHosts: number;
  window: number;
  icmp: boolean;
  arp: boolean;
}

/** Services a sweep is counted per: a TCP port (0..65535), a UDP port, ICMP echo, ARP. */
const SERVICE_UDP = 0x10000;
const SERVICE_ICMP = 0x20000;
const SERVICE_ARP = 0x30000;
const SAMPLE_TARGETS = 4;

class SweepEntry {
  readonly attacker = new AddressWords();
  /** Distinct targets (an IPv4 target is its own address here: the first ones are the finding's samples). */
  readonly hosts = new LazyDistinct(SAMPLE_TARGETS);
  /** IPv6: the first targets' words (made at the second distinct target: most entries see one). */
  samples: Uint32Array | null = null;
  sampleCount = 0;
  service = 0;
  start = 0;
  probes = 0;
  reported = false;
}

function makeSweepEntry(): SweepEntry {
  return new SweepEntry();
}

export const hostSweep: ThreatDetectorDef<HostSweepOptions> = {
  name: 'host_sweep',
  title: 'Host sweep',
  description: 'One source probing many hosts: ICMP echo or ARP requests, or failed TCP/UDP probes to one port',
  category: 'Detection of a Network Scan',
  severity: 3,
  techniques: ['T1046'],
  signatureId: 1002,
  defaults: { minHosts: 30, window: 60, icmp: true, arp: true },
  docs: {
    minHosts: 'distinct hosts one source probes on one service (port, ICMP echo, ARP) that make a sweep',
    window: 'seconds over which the hosts are counted (a tumbling window per source and service)',
    icmp: 'count ICMP echo requests (answered or not) as probes',
    arp: 'count ARP requests (answered or not, gratuitous ones excepted) as probes',
  },
  create(o, ctx) {
    return new HostSweepDetector(o, ctx);
  },
};

class HostSweepDetector implements ThreatDetector {
  private readonly table: BoundedMap<number, SweepEntry>;
  private lastSweep = 0;

  constructor(
    private readonly o: HostSweepOptions,
    private readonly ctx: ThreatContext,
  ) {
    this.table = new BoundedMap(ctx.maxTracked, (n) => ctx.evicted(n));
  }

  size(): number {
    return this.table.size;
  }

  /** A refusal (RST from the server) of a flow that carried nothing: a failed probe now. */
  tcpControl(p: DecodedPacket, flow: Flow, dir: Direction, now: number): void {
    if (dir !== 1 || (p.tcpFlags & TcpFlag.RST) === 0 || !probeLike(flow)) return;
    if (tcpCarried(flow, 0) || tcpCarried(flow, 1)) return;
    this.probeOfFlow(flow, flow.serverPort, now);
  }

  /** A TCP flow the server never answered with SYN/ACK, or refused, and that carried nothing. */
  flowEnded(flow: Flow, now: number): void {
    if (flow.kind !== FlowKind.TCP || flow.pktsToServer === 0) return;
    // Only SYNs nobody answered: a live service answers SYN/ACK, a refusal was counted at its RST, and a
    // flow without the client's SYN was picked up mid-stream (an idle connection, not a probe).
    if ((flow.tcpFlagsToServer & TcpFlag.SYN) === 0 || flow.pktsToClient > 0) return;
    if (tcpCarried(flow, 0)) return;
    this.probeOfFlow(flow, flow.serverPort, now);
  }

  /** ICMP (v4 type 8, v6 type 128) echo requests. */
  icmp(p: DecodedPacket, _flow: Flow, _dir: Direction, now: number): void {
    if (!this.o.icmp) return;
    const t = p.icmpType;
    if (p.ipProto === IpProto.ICMP ? t !== 8 : t !== 128) return;
    const s = p.src;
    const d = p.dst;
    this.probe(p.ipVersion, s[0]!, s[1]!, s[2]!, s[3]!, d, SERVICE_ICMP, now);
  }

  /** Destination unreachable for a UDP or TCP probe: the host refused or is not there. */
  icmpError(p: DecodedPacket, quoted: Flow | null, now: number): void {
    if (!p.icmpQuotedValid || !isUnreachable(p)) return;
    const proto = p.icmpQuotedProto;
    if (proto !== IpProto.UDP && proto !== IpProto.TCP) return;
    if (quoted !== null && proto === IpProto.TCP && (tcpCarried(quoted, 0) || tcpCarried(quoted, 1))) return;
    if (proto === IpProto.UDP && looksLikeReply(p)) return;
    // It answered before (the error itself is counted in the flow already: more than one packet back).
    if (quoted !== null && proto === IpProto.UDP && quoted.pktsToClient > 1) return;
    const s = p.icmpQuotedSrc;
    const service = proto === IpProto.UDP ? SERVICE_UDP | p.icmpQuotedDstPort : p.icmpQuotedDstPort;
    this.probe(p.icmpQuotedIpVersion, s[0]!, s[1]!, s[2]!, s[3]!, p.icmpQuotedDst, service, now);
  }

  /** ARP requests (Ethernet/IPv4 ARP: op 1, sender and target protocol addresses), gratuitous ones excepted. */
  link(p: DecodedPacket, now: number): void {
    if (!this.o.arp) return;
    const b = p.data;
    const o = p.l3Offset;
    if (o <= 0 || o + 28 > p.end) return;
    // hardware type 1 (Ethernet), protocol 0x0800, sizes 6 and 4, operation 1 (request)
    if (b[o] !== 0 || b[o + 1] !== 1 || b[o + 2] !== 8 || b[o + 3] !== 0 || b[o + 4] !== 6 || b[o + 5] !== 4) return;
    if (b[o + 6] !== 0 || b[o + 7] !== 1) return;
    const spa = ((b[o + 14]! << 24) | (b[o + 15]! << 16) | (b[o + 16]! << 8) | b[o + 17]!) >>> 0;
    const tpa = ((b[o + 24]! << 24) | (b[o + 25]! << 16) | (b[o + 26]! << 8) | b[o + 27]!) >>> 0;
    if (spa === tpa || spa === 0) return; // gratuitous ARP, or a probe of address conflict detection
    ARP_TARGET[0] = tpa;
    this.probe(4, spa, 0, 0, 0, ARP_TARGET, SERVICE_ARP, now);
  }

  tick(now: number): void {
    if (now - this.lastSweep < 5) return;
    this.lastSweep = now;
    const w = this.o.window;
    this.table.sweep((e) => now - e.start > w);
  }

  private probeOfFlow(flow: Flow, port: number, now: number): void {
    FLOW_TARGET[0] = flow.serverAddr0;
    FLOW_TARGET[1] = flow.serverAddr1;
    FLOW_TARGET[2] = flow.serverAddr2;
    FLOW_TARGET[3] = flow.serverAddr3;
    const v = flow.ipVersion;
    this.probe(v, flow.clientAddr0, flow.clientAddr1, flow.clientAddr2, flow.clientAddr3, FLOW_TARGET, port, now);
  }

  private probe(v: number, s0: number, s1: number, s2: number, s3: number, d: Uint32Array, service: number, now: number): void {
    const key = pairKey(addressKey(s0, s1, s2, s3, v), service);
    const e = this.table.upsert(key, makeSweepEntry);
    if (e.probes === 0 || now - e.start > this.o.window) {
      e.attacker.set(v, s0, s1, s2, s3);
      e.hosts.clear();
      e.sampleCount = 0;
      e.service = service;
      e.start = now;
      e.probes = 0;
      e.reported = false;
    }
    e.probes++;
    const target = addressKey(d[0]!, d[1]!, d[2]!, d[3]!, v);
    if (!e.hosts.add(fold32(target))) return;
    if (v === 6 && e.sampleCount < SAMPLE_TARGETS) {
      e.samples ??= new Uint32Array(SAMPLE_TARGETS * 4);
      const i = e.sampleCount++ * 4;
      e.samples[i] = d[0]!;
      e.samples[i + 1] = d[1]!;
      e.samples[i + 2] = d[2]!;
      e.samples[i + 3] = d[3]!;
    }
    if (e.reported) return;
    const hosts = e.hosts.estimate;
    if (hosts < this.o.minHosts) return;
    e.reported = true;
    this.report(e, hosts, now);
  }

  private report(e: SweepEntry, hosts: number, now: number): void {
    const svc = e.service;
    const what = svc === SERVICE_ARP ? 'arp' : svc === SERVICE_ICMP ? 'icmp_echo' : svc >= SERVICE_UDP ? 'udp' : 'tcp';
    const port = svc < SERVICE_ICMP ? svc & 0xffff : undefined;
    const v = e.attacker.v;
    const s = e.samples;
    const first: string[] = [];
    if (v === 6 && s !== null)
      for (let i = 0; i < e.sampleCount; i++) first.push(wordsText(v, s[i * 4]!, s[i * 4 + 1]!, s[i * 4 + 2]!, s[i * 4 + 3]!));
    else for (const a of e.hosts.first()) first.push(wordsText(4, a, 0, 0, 0));
    const details: Record<string, number | string | boolean | string[]> = {
      hosts,
      probes: e.probes,
      service: what,
      seconds: Math.round((now - e.start) * 1000) / 1000,
      first_hosts: first,
    };
    if (port !== undefined) details.port = port;
    this.ctx.report({
      now,
      attacker: e.attacker.text(),
      target: null,
      count: hosts,
      details,
      targetPort: port,
      proto: what === 'arp' ? 'ARP' : what === 'icmp_echo' ? (v === 6 ? 'IPv6-ICMP' : 'ICMP') : what.toUpperCase(),
    });
  }
}

const FLOW_TARGET = new Uint32Array(4);
const ARP_TARGET = new Uint32Array(4);
