/**
 * Filter syntax tree → a matcher per link type, built once per (expression, link type): the tree becomes one
 * JavaScript condition over bounds-checked loads, compiled by V8 like any function (as the kernel JITs BPF);
 * a tree of closures measured 1.4-3.4× slower in bench/filter.bench.ts, its calls being megamorphic. Each primitive tests exactly the
 * bytes libpcap's code generator makes its BPF program test (`tcpdump -d 'expr'` shows them), in the same
 * order, so the same packets pass:
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
 *   whole filter is false for that packet, even under a `not` (the `F` flag of `PROGRAM_PRELUDE`).
 */
import { LinkType } from '../capture/packet.js';
import { NetsieveError } from '../errors.js';
import type { Arith, Direction, FilterNode, PrimitiveNode, ProtoName } from './parse.js';
import { parseFilter } from './parse.js';

/** A condition as JavaScript source over the generated program's loads (see `PROGRAM_PRELUDE`). */
type Code = string;
/** A compiled program: does the frame `data[base, base + caplen)`, `wirelen` bytes on the wire, match? */
type Program = (data: Uint8Array, base: number, caplen: number, wirelen: number) => boolean;

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

const TRUE: Code = 'true';
const FALSE: Code = 'false';

/**
 * The generated program's frame and loads. `L8`/`L16`/`L32` read big-endian at an offset from the link
 * header; a read past the captured bytes sets `F` (the packet then does not match, as a BPF load out of
 * bounds ends the program with 0) and yields -1. `X` holds the transport offset of an IPv4 packet, `V` a
 * loaded value tested twice. Every program gets its own copy of these functions, so V8 sees one caller each
 * and inlines them; nothing is allocated per packet.
 */
const PROGRAM_PRELUDE = `"use strict";
let d = EMPTY, b = 0, c = 0, F = false;
function L8(o) { if (o + 1 > c) { F = true; return -1; } return d[b + o]; }
function L16(o) { if (o + 2 > c) { F = true; return -1; } const p = b + o; return (d[p] << 8) | d[p + 1]; }
function L32(o) { if (o + 4 > c) { F = true; return -1; } const p = b + o; return ((d[p] << 24) | (d[p + 1] << 16) | (d[p + 2] << 8) | d[p + 3]) >>> 0; }
function DIV(a, n) { if (n === 0) { F = true; return 0; } return Math.floor(a / n) >>> 0; }
function MOD(a, n) { if (n === 0) { F = true; return 0; } return (a % n) >>> 0; }
function SHL(a, n) { return n >= 32 ? 0 : (a << n) >>> 0; }
function SHR(a, n) { return n >= 32 ? 0 : a >>> n; }
function SW(v) { return (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0; }
`;

const EMPTY = new Uint8Array(0);

/** Turns a condition into a program. The source holds only numbers and the prelude's names. */
function generate(condition: Code): Program {
  const body = `${PROGRAM_PRELUDE}return function matches(data, base, caplen, wirelen) {
  d = data; b = base; c = caplen; F = false;
  const w = wirelen;
  let X = 0, V = 0;
  const r = ${condition};
  d = EMPTY;
  return r && !F;
};`;
  let factory: (empty: Uint8Array) => Program;
  try {
    factory = new Function('EMPTY', body) as (empty: Uint8Array) => Program;
  } catch (e) {
    if (e instanceof RangeError) {
      throw new NetsieveError(
        'NS_ERR_USAGE',
        'filter: the expression nests too deeply to compile (split it, or use fewer parentheses)',
      );
    }
    throw new NetsieveError(
      'NS_ERR_USAGE',
      `filter: the filter compiles to JavaScript and this process forbids code generation from strings (${(e as Error).message})`,
    );
  }
  return factory(EMPTY);
}

/** Openings that mark a flat chain, so that the next term joins it instead of nesting it (comments in JS). */
const AND_CHAIN = '(/*and*/';
const OR_CHAIN = '(/*or*/';

function and(a: Code, b: Code): Code {
  if (a === FALSE) return FALSE;
  if (a === TRUE) return b;
  if (b === TRUE) return a;
  // `a && false` is false whether or not a's loads fail; `a || true` is kept whole (a failing load in a makes it false).
  if (b === FALSE) return FALSE;
  return a.startsWith(AND_CHAIN) ? `${a.slice(0, -1)} && ${b})` : `${AND_CHAIN}${a} && ${b})`;
}

function or(a: Code, b: Code): Code {
  if (a === TRUE) return TRUE;
  if (a === FALSE) return b;
  if (b === FALSE) return a;
  return a.startsWith(OR_CHAIN) ? `${a.slice(0, -1)} || ${b})` : `${OR_CHAIN}${a} || ${b})`;
}

function not(a: Code): Code {
  return a === TRUE ? FALSE : a === FALSE ? TRUE : `!${a}`;
}

/** Two tests joined per the direction qualifier (`src` tests the first only, and so on). */
function byDirection(dir: Direction, src: Code, dst: Code): Code {
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

function compareConstants(a: number, op: string, b: number): boolean {
  return op === '>' ? a > b : op === '<' ? a < b : op === '>=' ? a >= b : op === '<=' ? a <= b : op === '=' ? a === b : a !== b;
}

function inRange(value: Code, low: number, high: number): Code {
  return low === high ? `(${value} === ${low})` : `((V = ${value}) >= ${low} && V <= ${high})`;
}

/** Compiles one tree for one link type. `shift` is the bytes of VLAN tags the primitives so far have passed. */
class Compiler {
  private shift = 0;

  constructor(
    private readonly link: LinkLayout,
    private readonly linkType: number,
    private readonly expr: string,
  ) {}

  private get nl(): number {
    return this.link.offNetwork + this.shift;
  }

  compile(n: FilterNode): Code {
    switch (n.kind) {
      case 'true':
        return TRUE;
      case 'and':
      case 'or': {
        // A chain `a or b or c` (left-nested in the tree) becomes one flat `a || b || c`: the same
        // short-circuit order, no recursion or nesting per term. Left first: a vlan on the left shifts the right.
        const chain: FilterNode[] = [];
        let head: FilterNode = n;
        while (head.kind === n.kind) {
          chain.push(head.right);
          head = head.left;
        }
        chain.push(head);
        let code = this.compile(chain[chain.length - 1]!);
        for (let k = chain.length - 2; k >= 0; k--) {
          const next = this.compile(chain[k]!);
          code = n.kind === 'and' ? and(code, next) : or(code, next);
        }
        return code;
      }
      case 'not':
        return not(this.compile(n.operand));
      default:
        return this.primitive(n);
    }
  }

  /** True when the link-layer header says the payload is `ethertype` (IPv4, IPv6, ARP, RARP). */
  private linkIs(ethertype: number): Code {
    const link = this.link;
    switch (link.kind) {
      case 'ethertype':
        return `(L16(${link.offLinkType + this.shift}) === ${ethertype})`;
      case 'null':
      case 'loop': {
        const families = ethertype === ETHERTYPE_IP ? [BSD_AF_INET] : ethertype === ETHERTYPE_IPV6 ? BSD_AF_INET6 : [];
        if (families.length === 0) return FALSE;
        // libpcap compares the family in the byte order of the machine that wrote the file (null) or in
        // network order (loop). A frame does not say which machine wrote it, so both orders are accepted for
        // null: no real family value reads as another one byte-swapped.
        const anyOf = (first: string) =>
          [`${first} === ${families[0]}`, ...families.slice(1).map((f) => `V === ${f}`)].join(' || ');
        return link.kind === 'loop' ? `(${anyOf('(V = L32(0))')})` : `(${anyOf('(V = L32(0))')} || ${anyOf('(V = SW(V))')})`;
      }
      case 'raw': {
        const version = ethertype === ETHERTYPE_IP ? 0x40 : ethertype === ETHERTYPE_IPV6 ? 0x60 : -1;
        return version < 0 ? FALSE : `((L8(0) & 0xf0) === ${version})`;
      }
      case 'ipv4':
        return ethertype === ETHERTYPE_IP ? TRUE : FALSE;
      case 'ipv6':
        return ethertype === ETHERTYPE_IPV6 ? TRUE : FALSE;
    }
  }

  /** `ip proto N`: the IPv4 protocol field, fragments included. */
  private ipProto(protocol: number): Code {
    return and(this.linkIs(ETHERTYPE_IP), `(L8(${this.nl + 9}) === ${protocol})`);
  }

  /** `ip6 proto N`: the next-header field, or the one of a fragment header right behind the fixed header. */
  private ip6Proto(protocol: number): Code {
    const nl = this.nl;
    return and(
      this.linkIs(ETHERTYPE_IPV6),
      `((V = L8(${nl + 6})) === ${protocol} || (V === ${IPPROTO_FRAGMENT} && L8(${nl + 40}) === ${protocol}))`,
    );
  }

  /** A protocol named alone: `ip`, `tcp`, `icmp6`, ... */
  private protocol(name: ProtoName): Code {
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

  private primitive(n: PrimitiveNode): Code {
    switch (n.kind) {
      case 'proto':
        return this.protocol(n.name);
      case 'ipproto':
        if (n.family === 'ip') return this.ipProto(n.protocol);
        if (n.family === 'ip6') return this.ip6Proto(n.protocol);
        return or(this.ipProto(n.protocol), this.ip6Proto(n.protocol));
      case 'length':
        return n.op === 'less' ? `(w <= ${n.value})` : `(w >= ${n.value})`;
      case 'vlan': {
        this.needEthernet('vlan', n.position);
        const off = this.link.offLinkType + this.shift;
        this.shift += 4;
        const tagged = `((V = L16(${off})) === 0x8100 || V === 0x88a8 || V === 0x9100)`;
        return n.id < 0 ? tagged : and(tagged, `((L16(${off + 2}) & 0x0fff) === ${n.id})`);
      }
      case 'ether': {
        this.needEthernet('ether', n.position);
        const m = n.mac;
        const hi = (m[0]! << 8) | m[1]!;
        const lo = ((m[2]! << 24) | (m[3]! << 16) | (m[4]! << 8) | m[5]!) >>> 0;
        // libpcap loads the low four bytes first, then the high two.
        return byDirection(n.dir, `(L32(8) === ${lo} && L16(6) === ${hi})`, `(L32(2) === ${lo} && L16(0) === ${hi})`);
      }
      case 'port':
        return or(this.ipPort(n.proto, n.dir, n.low, n.high), this.ip6Port(n.proto, n.dir, n.low, n.high));
      case 'host':
        return this.host(n);
      case 'relation': {
        // libpcap ANDs the protocol checks of every load in the relation before the comparison: `ip[0] != 5`
        // is false for a packet that is not IPv4.
        const checks: Code[] = [];
        const left = this.arith(n.left, checks);
        const right = this.arith(n.right, checks);
        const op = n.op === '=' ? '===' : n.op === '!=' ? '!==' : n.op;
        let code: Code = `(${left} ${op} ${right})`;
        if (/^\d+$/.test(left) && /^\d+$/.test(right)) code = compareConstants(Number(left), n.op, Number(right)) ? TRUE : FALSE;
        for (let k = checks.length - 1; k >= 0; k--) code = and(checks[k]!, code);
        return code;
      }
    }
  }

  /**
   * A byte test's value as a uint32 expression; the conditions its loads need (IPv4 for `ip[]`, a first
   * fragment of TCP for `tcp[]`, ...) are appended to `checks`. Division by zero at run time ends the program
   * with "no match", as in BPF.
   */
  private arith(a: Arith, checks: Code[]): Code {
    switch (a.kind) {
      case 'number':
        return String(a.value >>> 0);
      case 'len':
        return 'w';
      case 'negate':
        return `((0 - ${this.arith(a.operand, checks)}) >>> 0)`;
      case 'binary': {
        const l = this.arith(a.left, checks);
        const r = this.arith(a.right, checks);
        switch (a.op) {
          case '+':
            return `((${l} + ${r}) >>> 0)`;
          case '-':
            return `((${l} - ${r}) >>> 0)`;
          case '*':
            return `(Math.imul(${l}, ${r}) >>> 0)`;
          case '/':
            return `DIV(${l}, ${r})`;
          case '%':
            return `MOD(${l}, ${r})`;
          case '&':
            return `((${l} & ${r}) >>> 0)`;
          case '|':
            return `((${l} | ${r}) >>> 0)`;
          case '^':
            return `((${l} ^ ${r}) >>> 0)`;
          case '<<':
            return `SHL(${l}, ${r})`;
          default:
            return `SHR(${l}, ${r})`;
        }
      }
      case 'load': {
        const load = a.size === 1 ? 'L8' : a.size === 2 ? 'L16' : 'L32';
        const index = this.arith(a.index, checks);
        const nl = this.nl;
        switch (a.proto) {
          case 'ether':
          case 'link':
            // From the start of the link header: VLAN tags do not move it.
            return `${load}(${index})`;
          case 'ip':
          case 'ip6':
          case 'arp':
          case 'rarp': {
            const ethertype = { ip: ETHERTYPE_IP, ip6: ETHERTYPE_IPV6, arp: ETHERTYPE_ARP, rarp: ETHERTYPE_RARP }[a.proto];
            checks.push(this.linkIs(ethertype));
            return `${load}((${nl} + ${index}) >>> 0)`;
          }
          case 'icmp6':
            // libpcap: the next header must be ICMPv6 itself, and the message follows the 40-byte fixed header.
            checks.push(this.linkIs(ETHERTYPE_IPV6), `(L8(${nl + 6}) === 58)`);
            return `${load}((${nl + 40} + ${index}) >>> 0)`;
          default: {
            // tcp, udp, sctp, icmp, igmp: IPv4 only, first fragments only, after the IPv4 header.
            const protocol = { tcp: 6, udp: 17, sctp: 132, icmp: 1, igmp: 2 }[a.proto as 'tcp'];
            checks.push(this.linkIs(ETHERTYPE_IP), `(L8(${nl + 9}) === ${protocol})`, `((L16(${nl + 6}) & 0x1fff) === 0)`);
            return `${load}((${nl} + 4 * (L8(${nl}) & 0x0f) + ${index}) >>> 0)`;
          }
        }
      }
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

  /** The transport protocol test of `port`: TCP, UDP and SCTP unless the qualifier names one. */
  private static transport(value: string, proto: 'any' | 'tcp' | 'udp' | 'sctp'): Code {
    if (proto === 'any') return `((V = ${value}) === 6 || V === 17 || V === 132)`;
    return `(${value} === ${proto === 'tcp' ? 6 : proto === 'udp' ? 17 : 132})`;
  }

  private ipPort(proto: 'any' | 'tcp' | 'udp' | 'sctp', dir: Direction, low: number, high: number): Code {
    const nl = this.nl;
    const ports = byDirection(dir, inRange('L16(X)', low, high), inRange('L16(X + 2)', low, high));
    return and(
      this.linkIs(ETHERTYPE_IP),
      // Only unfragmented packets and first fragments have the ports; X is where the IPv4 header ends.
      `(${Compiler.transport(`L8(${nl + 9})`, proto)} && (L16(${nl + 6}) & 0x1fff) === 0 && ((X = ${nl} + 4 * (L8(${nl}) & 0x0f)), ${ports}))`,
    );
  }

  private ip6Port(proto: 'any' | 'tcp' | 'udp' | 'sctp', dir: Direction, low: number, high: number): Code {
    const nl = this.nl;
    const ports = byDirection(dir, inRange(`L16(${nl + 40})`, low, high), inRange(`L16(${nl + 42})`, low, high));
    return and(this.linkIs(ETHERTYPE_IPV6), and(Compiler.transport(`L8(${nl + 6})`, proto), ports));
  }

  private host(n: Extract<PrimitiveNode, { kind: 'host' }>): Code {
    const nl = this.nl;
    if (n.version === 6) {
      // Words under a zero mask are not loaded at all (libpcap skips them too).
      const at = (base: number): Code => {
        const parts: string[] = [];
        for (let k = 0; k < 4; k++) {
          const m = n.mask[k]!;
          if (m === 0) continue;
          parts.push(
            m === 0xffffffff ? `L32(${base + 4 * k}) === ${n.addr[k]}` : `((L32(${base + 4 * k}) & ${m}) >>> 0) === ${n.addr[k]}`,
          );
        }
        return parts.length === 0 ? TRUE : `(${parts.join(' && ')})`;
      };
      return and(this.linkIs(ETHERTYPE_IPV6), byDirection(n.dir, at(nl + 8), at(nl + 24)));
    }
    const a = n.addr[0]!;
    const m = n.mask[0]!;
    const at = (off: number): Code => (m === 0xffffffff ? `(L32(${off}) === ${a})` : `(((L32(${off}) & ${m}) >>> 0) === ${a})`);
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
  private readonly programs = new Map<number, Program>();
  private lastLinkType = -1;
  private lastProgram: Program = NO_PROGRAM;

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

  private program(linkType: number): Program {
    let p = this.programs.get(linkType);
    if (p !== undefined) return p;
    if (this.tree.kind === 'true') p = MATCH_ALL;
    else {
      const link = LAYOUTS.get(linkType);
      if (link === undefined) {
        throw new NetsieveError(
          'NS_ERR_CAPTURE_LINKTYPE',
          `filter: link type ${linkType} is not one the filter knows (Ethernet 1, raw IP 101/12/14/228/229, BSD loopback 0/108, Linux cooked 113/276)`,
        );
      }
      let condition: Code;
      try {
        condition = new Compiler(link, linkType, this.expression).compile(this.tree);
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
        throw new NetsieveError(
          'NS_ERR_USAGE',
          'filter: the expression nests too deeply to compile (split it, or use fewer parentheses)',
        );
      }
      p = condition === TRUE ? MATCH_ALL : condition === FALSE ? MATCH_NONE : generate(condition);
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
    const room = data.length - offset;
    return prog(data, offset, caplen < room ? (caplen > 0 ? caplen : 0) : room > 0 ? room : 0, origlen);
  }
}

const MATCH_ALL: Program = () => true;
const MATCH_NONE: Program = () => false;
const NO_PROGRAM: Program = () => false;

/**
 * Compiles a tcpdump filter expression (pcap-filter(7) syntax; see the README for what is supported).
 * With `linkType`, the program for that link type is built now, so that its errors show up here.
 */
export function compileFilter(expression: string, linkType?: number): PacketFilter {
  const filter = new PacketFilter(expression);
  if (linkType !== undefined) filter.compileFor(linkType);
  return filter;
}
