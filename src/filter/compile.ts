/**
 * Filter syntax tree → a matcher per link type: a tree of closures over one reused frame record, built once
 * per (expression, link type). Each primitive tests exactly the bytes libpcap's code generator makes its BPF
 * program test (`tcpdump -d 'expr'` shows them), in the same order, so the same packets pass:
 *
 * - offsets are from the link header: the ethertype at 12 (Ethernet), 14 (Linux SLL), 0 (SLL2), the address
 *   family at 0 (BSD loopback), the IP version nibble (raw IP); the network header after it;
 * - a `vlan` adds 4 to both offsets for every primitive AFTER it in the text, whatever the and/or/not
 *   structure (libpcap changes its offsets while it parses);
 * - IPv4 `port` looks only at first fragments and unfragmented packets; IPv6 `port` reads the ports only when
 *   the next-header field itself is TCP/UDP/SCTP; IPv6 `tcp`/`udp`/`proto N` also accept one fragment header
 *   right after the fixed header (and nothing else);
 * - `host`/`net` with an IPv4 address also match the sender or target address of ARP and RARP when the link
 *   carries ethertypes; `less`/`greater` compare the length on the wire;
 * - a read past the captured bytes ends the program with "no match", as a BPF load out of bounds does: the
 *   whole filter is false for that packet, even under a `not` (the `fault` flag below).
 */
import { LinkType } from '../capture/packet.js';
import { NetsieveError } from '../errors.js';
import type { Direction, FilterNode, PrimitiveNode, ProtoName } from './parse.js';
import { parseFilter } from './parse.js';

/** The packet under test; one per filter, refilled per packet (no allocation per packet). */
interface Frame {
  data: Uint8Array;
  base: number;
  caplen: number;
  wirelen: number;
  /** A load went past the captured bytes: the packet does not match, whatever the tree says. */
  fault: boolean;
}

type Test = () => boolean;

const ETHERTYPE_IP = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_ARP = 0x0806;
const ETHERTYPE_RARP = 0x8035;
const IPPROTO_FRAGMENT = 44;
/** BSD AF_INET6 values differ by system (NetBSD/OpenBSD 24, FreeBSD 28, macOS 30); libpcap accepts all three. */
const BSD_AF_INET6 = [24, 28, 30];
const BSD_AF_INET = 2;

/** How a link type lays out what the filter reads. */
interface LinkLayout {
  name: string;
  /** `ethertype`: a 16-bit ethertype at `offLinkType`; `null`/`loop`: a 32-bit address family at 0; `raw`:
   * the IP version nibble; `ipv4`/`ipv6`: the link says the version. */
  kind: 'ethertype' | 'null' | 'loop' | 'raw' | 'ipv4' | 'ipv6';
  offLinkType: number;
  offNetwork: number;
  /** Ethernet MAC addresses and 802.1Q tags are there (`ether host`, `vlan`). */
  ethernet: boolean;
}

const LAYOUTS = new Map<number, LinkLayout>([
  [LinkType.ETHERNET, { name: 'Ethernet', kind: 'ethertype', offLinkType: 12, offNetwork: 14, ethernet: true }],
  [LinkType.LINUX_SLL, { name: 'Linux cooked v1', kind: 'ethertype', offLinkType: 14, offNetwork: 16, ethernet: false }],
  [LinkType.LINUX_SLL2, { name: 'Linux cooked v2', kind: 'ethertype', offLinkType: 0, offNetwork: 20, ethernet: false }],
  [LinkType.NULL, { name: 'BSD loopback', kind: 'null', offLinkType: 0, offNetwork: 4, ethernet: false }],
  [LinkType.LOOP, { name: 'OpenBSD loopback', kind: 'loop', offLinkType: 0, offNetwork: 4, ethernet: false }],
  [LinkType.RAW, { name: 'raw IP', kind: 'raw', offLinkType: -1, offNetwork: 0, ethernet: false }],
  [12, { name: 'raw IP', kind: 'raw', offLinkType: -1, offNetwork: 0, ethernet: false }],
  [14, { name: 'raw IP', kind: 'raw', offLinkType: -1, offNetwork: 0, ethernet: false }],
  [LinkType.IPV4, { name: 'raw IPv4', kind: 'ipv4', offLinkType: -1, offNetwork: 0, ethernet: false }],
  [LinkType.IPV6, { name: 'raw IPv6', kind: 'ipv6', offLinkType: -1, offNetwork: 0, ethernet: false }],
]);

/** Link types the filter evaluates (the ones netsieve decodes). */
export const FILTER_LINK_TYPES: ReadonlySet<number> = new Set(LAYOUTS.keys());

const ALWAYS: Test = () => true;
const NEVER: Test = () => false;

function load8(f: Frame, off: number): number {
  if (off < 0 || off + 1 > f.caplen) {
    f.fault = true;
    return -1;
  }
  return f.data[f.base + off]!;
}

function load16(f: Frame, off: number): number {
  if (off < 0 || off + 2 > f.caplen) {
    f.fault = true;
    return -1;
  }
  const d = f.data;
  const p = f.base + off;
  return (d[p]! << 8) | d[p + 1]!;
}

function load32(f: Frame, off: number): number {
  if (off < 0 || off + 4 > f.caplen) {
    f.fault = true;
    return -1;
  }
  const d = f.data;
  const p = f.base + off;
  return ((d[p]! << 24) | (d[p + 1]! << 16) | (d[p + 2]! << 8) | d[p + 3]!) >>> 0;
}

function and(a: Test, b: Test): Test {
  if (a === NEVER) return NEVER;
  if (a === ALWAYS) return b;
  if (b === ALWAYS) return a;
  return () => a() && b();
}

function or(a: Test, b: Test): Test {
  if (a === ALWAYS) return ALWAYS;
  if (a === NEVER) return b;
  if (b === NEVER) return a;
  return () => a() || b();
}

/** Two tests joined per the direction qualifier (`src` tests the first only, and so on). */
function byDirection(dir: Direction, src: Test, dst: Test): Test {
  switch (dir) {
    case 'src':
      return src;
    case 'dst':
      return dst;
    case 'src or dst':
      return or(src, dst);
    case 'src and dst':
      return and(src, dst);
  }
}

/** Compiles one tree for one link type. `shift` is the bytes of VLAN tags the primitives so far have passed. */
class Compiler {
  private shift = 0;

  constructor(
    private readonly f: Frame,
    private readonly link: LinkLayout,
    private readonly linkType: number,
    private readonly expr: string,
  ) {}

  private get nl(): number {
    return this.link.offNetwork + this.shift;
  }

  compile(n: FilterNode): Test {
    switch (n.kind) {
      case 'true':
        return ALWAYS;
      case 'and': {
        // Left first: a vlan on the left shifts the right.
        const l = this.compile(n.left);
        return and(l, this.compile(n.right));
      }
      case 'or': {
        const l = this.compile(n.left);
        return or(l, this.compile(n.right));
      }
      case 'not': {
        const t = this.compile(n.operand);
        if (t === ALWAYS) return NEVER;
        if (t === NEVER) return ALWAYS;
        return () => !t();
      }
      default:
        return this.primitive(n);
    }
  }

  /** True when the link-layer header says the payload is `ethertype` (IPv4, IPv6, ARP, RARP). */
  private linkIs(ethertype: number): Test {
    const f = this.f;
    const link = this.link;
    switch (link.kind) {
      case 'ethertype': {
        const off = link.offLinkType + this.shift;
        return () => load16(f, off) === ethertype;
      }
      case 'null':
      case 'loop': {
        const families = ethertype === ETHERTYPE_IP ? [BSD_AF_INET] : ethertype === ETHERTYPE_IPV6 ? BSD_AF_INET6 : [];
        if (families.length === 0) return NEVER;
        // libpcap compares the family in the byte order of the machine that wrote the file (null) or in
        // network order (loop). A frame does not say which machine wrote it, so both orders are accepted for
        // null: no real family value reads as another one byte-swapped.
        const a = families[0]!;
        const b = families[1] ?? -1;
        const c = families[2] ?? -1;
        const swapped = link.kind === 'null';
        return () => {
          let v = load32(f, 0);
          if (v === a || v === b || v === c) return true;
          if (!swapped) return false;
          v = ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
          return v === a || v === b || v === c;
        };
      }
      case 'raw': {
        const version = ethertype === ETHERTYPE_IP ? 0x40 : ethertype === ETHERTYPE_IPV6 ? 0x60 : -1;
        if (version < 0) return NEVER;
        return () => (load8(f, 0) & 0xf0) === version;
      }
      case 'ipv4':
        return ethertype === ETHERTYPE_IP ? ALWAYS : NEVER;
      case 'ipv6':
        return ethertype === ETHERTYPE_IPV6 ? ALWAYS : NEVER;
    }
  }

  /** `ip proto N`: the IPv4 protocol field, fragments included. */
  private ipProto(protocol: number): Test {
    const f = this.f;
    const off = this.nl + 9;
    return and(this.linkIs(ETHERTYPE_IP), () => load8(f, off) === protocol);
  }

  /** `ip6 proto N`: the next-header field, or the one of a fragment header right behind the fixed header. */
  private ip6Proto(protocol: number): Test {
    const f = this.f;
    const nh = this.nl + 6;
    const afterFragment = this.nl + 40;
    return and(this.linkIs(ETHERTYPE_IPV6), () => {
      const v = load8(f, nh);
      if (v === protocol) return true;
      return v === IPPROTO_FRAGMENT && load8(f, afterFragment) === protocol;
    });
  }

  /** A protocol named alone: `ip`, `tcp`, `icmp6`, ... */
  private protocol(name: ProtoName): Test {
    switch (name) {
      case 'ip':
        return this.linkIs(ETHERTYPE_IP);
      case 'ip6':
        return this.linkIs(ETHERTYPE_IPV6);
      case 'arp':
        return this.linkIs(ETHERTYPE_ARP);
      case 'rarp':
        return this.linkIs(ETHERTYPE_RARP);
      case 'tcp':
        return or(this.ipProto(6), this.ip6Proto(6));
      case 'udp':
        return or(this.ipProto(17), this.ip6Proto(17));
      case 'sctp':
        return or(this.ipProto(132), this.ip6Proto(132));
      case 'icmp':
        return this.ipProto(1);
      case 'igmp':
        return this.ipProto(2);
      case 'icmp6':
        return this.ip6Proto(58);
    }
  }

  private primitive(n: PrimitiveNode): Test {
    const f = this.f;
    switch (n.kind) {
      case 'proto':
        return this.protocol(n.name);
      case 'ipproto':
        if (n.family === 'ip') return this.ipProto(n.protocol);
        if (n.family === 'ip6') return this.ip6Proto(n.protocol);
        return or(this.ipProto(n.protocol), this.ip6Proto(n.protocol));
      case 'length': {
        const v = n.value;
        return n.op === 'less' ? () => f.wirelen <= v : () => f.wirelen >= v;
      }
      case 'vlan': {
        this.needEthernet('vlan', n.position);
        const off = this.link.offLinkType + this.shift;
        const id = n.id;
        this.shift += 4;
        return () => {
          const t = load16(f, off);
          if (t !== 0x8100 && t !== 0x88a8 && t !== 0x9100) return false;
          return id < 0 || (load16(f, off + 2) & 0x0fff) === id;
        };
      }
      case 'ether': {
        this.needEthernet('ether', n.position);
        const m = n.mac;
        const hi = (m[0]! << 8) | m[1]!;
        const lo = ((m[2]! << 24) | (m[3]! << 16) | (m[4]! << 8) | m[5]!) >>> 0;
        // libpcap loads the low four bytes first, then the high two.
        const src: Test = () => load32(f, 8) === lo && load16(f, 6) === hi;
        const dst: Test = () => load32(f, 2) === lo && load16(f, 0) === hi;
        return byDirection(n.dir, src, dst);
      }
      case 'port':
        return or(this.ipPort(n.proto, n.dir, n.low, n.high), this.ip6Port(n.proto, n.dir, n.low, n.high));
      case 'host':
        return this.host(n);
    }
  }

  private needEthernet(what: string, position: number): void {
    if (!this.link.ethernet) {
      throw new NetsieveError(
        'NS_ERR_USAGE',
        `filter: '${what}' needs Ethernet frames; link type ${this.linkType} (${this.link.name}) has none (in \`${this.expr}\`)`,
        { position },
      );
    }
  }

  private ipPort(proto: 'any' | 'tcp' | 'udp' | 'sctp', dir: Direction, low: number, high: number): Test {
    const f = this.f;
    const nl = this.nl;
    const want = proto === 'tcp' ? 6 : proto === 'udp' ? 17 : proto === 'sctp' ? 132 : -1;
    const inRange = (p: number): boolean => p >= low && p <= high;
    const ports = byDirection(
      dir,
      () => inRange(load16(f, nl + 4 * (load8(f, nl) & 0x0f))),
      () => inRange(load16(f, nl + 4 * (load8(f, nl) & 0x0f) + 2)),
    );
    return and(this.linkIs(ETHERTYPE_IP), () => {
      const p = load8(f, nl + 9);
      if (want < 0 ? p !== 6 && p !== 17 && p !== 132 : p !== want) return false;
      // Only unfragmented packets and first fragments have the ports.
      if ((load16(f, nl + 6) & 0x1fff) !== 0) return false;
      return ports();
    });
  }

  private ip6Port(proto: 'any' | 'tcp' | 'udp' | 'sctp', dir: Direction, low: number, high: number): Test {
    const f = this.f;
    const nl = this.nl;
    const want = proto === 'tcp' ? 6 : proto === 'udp' ? 17 : proto === 'sctp' ? 132 : -1;
    const inRange = (p: number): boolean => p >= low && p <= high;
    const ports = byDirection(
      dir,
      () => inRange(load16(f, nl + 40)),
      () => inRange(load16(f, nl + 42)),
    );
    return and(this.linkIs(ETHERTYPE_IPV6), () => {
      const p = load8(f, nl + 6);
      if (want < 0 ? p !== 6 && p !== 17 && p !== 132 : p !== want) return false;
      return ports();
    });
  }

  private host(n: Extract<PrimitiveNode, { kind: 'host' }>): Test {
    const f = this.f;
    const nl = this.nl;
    if (n.version === 6) {
      // Words under a zero mask are not loaded at all (libpcap skips them too).
      const words: number[] = [];
      for (let k = 0; k < 4; k++) if (n.mask[k] !== 0) words.push(k);
      const addr = Array.from(n.addr);
      const mask = Array.from(n.mask);
      const at = (base: number): Test => () => {
        for (const k of words) if ((load32(f, base + 4 * k) & mask[k]!) >>> 0 !== addr[k]) return false;
        return true;
      };
      return and(this.linkIs(ETHERTYPE_IPV6), byDirection(n.dir, at(nl + 8), at(nl + 24)));
    }
    const a = n.addr[0]!;
    const m = n.mask[0]!;
    const at = (off: number): Test => () => (load32(f, off) & m) >>> 0 === a;
    const ip = and(this.linkIs(ETHERTYPE_IP), byDirection(n.dir, at(nl + 12), at(nl + 16)));
    // ARP and RARP: the sender and target protocol addresses (libpcap assumes IPv4 over Ethernet sizes).
    const arpAddrs = byDirection(n.dir, at(nl + 14), at(nl + 24));
    const arp = and(this.linkIs(ETHERTYPE_ARP), arpAddrs);
    const rarp = and(this.linkIs(ETHERTYPE_RARP), arpAddrs);
    switch (n.proto) {
      case 'ip':
        return ip;
      case 'arp':
        return arp;
      case 'rarp':
        return rarp;
      default:
        return or(ip, or(arp, rarp));
    }
  }
}

/**
 * A compiled tcpdump filter. `matches` answers per packet without allocating; the program for a link type is
 * built the first time a packet of that link type comes (or by `compileFor`).
 */
export class PacketFilter {
  readonly expression: string;
  private readonly tree: FilterNode;
  private readonly frame: Frame = { data: new Uint8Array(0), base: 0, caplen: 0, wirelen: 0, fault: false };
  private readonly programs = new Map<number, Test>();
  private lastLinkType = -1;
  private lastProgram: Test = NEVER;

  constructor(expression: string) {
    this.expression = expression;
    this.tree = parseFilter(expression);
  }

  /** True when the expression is empty (every packet matches). */
  get matchesAll(): boolean {
    return this.tree.kind === 'true';
  }

  /**
   * Builds (once) the program for `linkType`. Throws `NS_ERR_CAPTURE_LINKTYPE` for a link type the filter
   * does not know, and `NS_ERR_USAGE` when the expression needs what the link lacks (`vlan` on Linux SLL).
   */
  compileFor(linkType: number, where?: string): void {
    try {
      this.program(linkType);
    } catch (e) {
      if (where === undefined || !(e instanceof NetsieveError)) throw e;
      throw new NetsieveError(e.code, e.message, { file: where });
    }
  }

  private program(linkType: number): Test {
    let p = this.programs.get(linkType);
    if (p !== undefined) return p;
    if (this.tree.kind === 'true') p = ALWAYS;
    else {
      const link = LAYOUTS.get(linkType);
      if (link === undefined) {
        throw new NetsieveError(
          'NS_ERR_CAPTURE_LINKTYPE',
          `filter: link type ${linkType} is not one the filter knows (Ethernet 1, raw IP 101/12/14/228/229, BSD loopback 0/108, Linux cooked 113/276)`,
        );
      }
      p = new Compiler(this.frame, link, linkType, this.expression).compile(this.tree);
    }
    this.programs.set(linkType, p);
    return p;
  }

  /** Does the frame `data[0, caplen)` of `linkType` (`origlen` bytes on the wire) pass the filter? */
  matches(linkType: number, data: Uint8Array, caplen: number = data.length, origlen: number = caplen): boolean {
    return this.matchesAt(linkType, data, 0, caplen, origlen);
  }

  /** Same as `matches`, for the frame at `data[offset, offset + caplen)` (a reader's shared buffer). */
  matchesAt(linkType: number, data: Uint8Array, offset: number, caplen: number, origlen: number): boolean {
    let prog = this.lastProgram;
    if (linkType !== this.lastLinkType) {
      prog = this.program(linkType);
      this.lastProgram = prog;
      this.lastLinkType = linkType;
    }
    const f = this.frame;
    f.data = data;
    f.base = offset;
    f.caplen = Math.max(0, Math.min(caplen, data.length - offset));
    f.wirelen = origlen;
    f.fault = false;
    const r = prog();
    f.data = EMPTY; // do not keep the caller's buffer alive
    return r && !f.fault;
  }
}

const EMPTY = new Uint8Array(0);

/**
 * Compiles a tcpdump filter expression (pcap-filter(7) syntax; see the README for what is supported).
 * With `linkType`, the program for that link type is built now, so that its errors show up here.
 */
export function compileFilter(expression: string, linkType?: number): PacketFilter {
  const filter = new PacketFilter(expression);
  if (linkType !== undefined) filter.compileFor(linkType);
  return filter;
}
