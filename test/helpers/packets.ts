/**
 * Packet builders for tests: plain functions returning `Uint8Array`, composed inside out.
 *
 *   eth({ vlan: [10] }, ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, tcp({ sport: 1234, dport: 80, flags: 'S', seq: 1 }, 'GET /')))
 *
 * Each builder remembers (in a WeakMap keyed by the returned bytes) what it built, so the layer around it
 * needs no repetition: `ipv4()` takes its protocol from a `tcp()`/`udp()`/`icmp()`/`gre()`/`ipv4()` payload
 * and fills TCP, UDP and ICMPv6 checksums with its pseudo-header; `eth()`, `sll()`, `nullLink()` take their
 * EtherType or family from an `ipv4()`/`ipv6()`/`mpls()`/`pppoe()`/`arp()` payload. Every field can be
 * overridden, including lengths and checksums, to build broken packets on purpose.
 *
 * Checksums are correct unless overridden: IPv4 header checksum, TCP/UDP/ICMPv6 with the pseudo-header of
 * the enclosing IP header (RFC 9293 §3.1, RFC 768, RFC 8200 §8.1), ICMPv4 over the message.
 */
import { parseAddress } from '../../src/decode/address.js';

export type Payload = Uint8Array | string | number[] | undefined;

/** Protocol number (for the IP header around it) of what a builder returned. */
const IP_PROTO = new WeakMap<Uint8Array, number>();
/** EtherType of what a builder returned. */
const ETHER_TYPE = new WeakMap<Uint8Array, number>();
/** Offset of a checksum the enclosing IP header must fill (pseudo-header), for TCP, UDP and ICMPv6. */
const PENDING_CHECKSUM = new WeakMap<Uint8Array, number>();

// ------------------------------------------------------------------ byte helpers

export function toBytes(p: Payload): Uint8Array {
  if (p === undefined) return new Uint8Array(0);
  if (typeof p === 'string') return new TextEncoder().encode(p);
  if (Array.isArray(p)) return Uint8Array.from(p);
  return p;
}

export function concat(...parts: Payload[]): Uint8Array {
  const bufs = parts.map(toBytes);
  const out = new Uint8Array(bufs.reduce((n, b) => n + b.length, 0));
  let o = 0;
  for (const b of bufs) {
    out.set(b, o);
    o += b.length;
  }
  return out;
}

/** Bytes from hex text; spaces, newlines and `:` are ignored (`hex('45 00 00 3c')`). */
export function hex(text: string): Uint8Array {
  const clean = text.replace(/[\s:]/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new Error(`bad hex: ${text}`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
}

function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 24) & 0xff;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

/** One's complement sum of 16-bit words (RFC 1071), not yet complemented. */
function sum16(b: Uint8Array, start = 0, end = b.length, initial = 0): number {
  let s = initial;
  for (let i = start; i + 1 < end; i += 2) s += (b[i]! << 8) | b[i + 1]!;
  if ((end - start) % 2 === 1) s += b[end - 1]! << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** Internet checksum of `b` (RFC 1071). */
export function internetChecksum(b: Uint8Array, initial = 0): number {
  return ~sum16(b, 0, b.length, initial) & 0xffff;
}

function addressBytes(text: string, version: 4 | 6): Uint8Array {
  const words = new Uint32Array(4);
  const v = parseAddress(text, words);
  if (v !== version) throw new Error(`not an IPv${version} address: ${text}`);
  const out = new Uint8Array(version === 4 ? 4 : 16);
  for (let i = 0; i < out.length / 4; i++) put32(out, 4 * i, words[i]!);
  return out;
}

export function macBytes(text: string): Uint8Array {
  const parts = text.split(/[:-]/);
  if (parts.length !== 6) throw new Error(`bad MAC: ${text}`);
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}

function tagged(b: Uint8Array, proto?: number, etherType?: number): Uint8Array {
  if (proto !== undefined) IP_PROTO.set(b, proto);
  if (etherType !== undefined) ETHER_TYPE.set(b, etherType);
  return b;
}

function etherTypeOf(payload: Uint8Array, given: number | undefined): number {
  if (given !== undefined) return given;
  const known = ETHER_TYPE.get(payload);
  if (known !== undefined) return known;
  const nibble = payload.length > 0 ? payload[0]! >> 4 : 0;
  if (nibble === 4) return 0x0800;
  if (nibble === 6) return 0x86dd;
  throw new Error('cannot tell the EtherType of this payload: pass `type`');
}

// ------------------------------------------------------------------ link layers

export interface EthOptions {
  src?: string;
  dst?: string;
  /** EtherType of the payload (after the tags); inferred from an ipv4()/ipv6()/mpls()/pppoe()/arp() payload. */
  type?: number;
  /** VLAN ids, outermost first. */
  vlan?: number[];
  /** TPID of each tag (defaults: 0x88a8 for the outer tag of a double-tagged frame, 0x8100 otherwise). */
  tpid?: number[];
  /** Priority (PCP) for every tag. */
  priority?: number;
}

/** Ethernet II frame, with 802.1Q/802.1ad tags when `vlan` is given. */
export function eth(opts: EthOptions, payload: Payload): Uint8Array {
  const p = toBytes(payload);
  const tags = opts.vlan ?? [];
  const head = new Uint8Array(14 + 4 * tags.length);
  head.set(macBytes(opts.dst ?? '02:00:00:00:00:02'), 0);
  head.set(macBytes(opts.src ?? '02:00:00:00:00:01'), 6);
  let o = 12;
  for (let i = 0; i < tags.length; i++) {
    const tpid = opts.tpid?.[i] ?? (tags.length > 1 && i === 0 ? 0x88a8 : 0x8100);
    put16(head, o, tpid);
    put16(head, o + 2, ((opts.priority ?? 0) << 13) | (tags[i]! & 0x0fff));
    o += 4;
  }
  put16(head, o, etherTypeOf(p, opts.type));
  return concat(head, p);
}

/** 802.3 frame with an LLC/SNAP header (RFC 1042) carrying `type` (or a plain LLC frame when `snap` is false). */
export function ethLlc(opts: { type?: number; snap?: boolean; dsap?: number }, payload: Payload): Uint8Array {
  const p = toBytes(payload);
  const llc =
    opts.snap === false
      ? Uint8Array.from([opts.dsap ?? 0x42, opts.dsap ?? 0x42, 0x03])
      : concat([0xaa, 0xaa, 0x03, 0, 0, 0], u16be(etherTypeOf(p, opts.type)));
  const head = new Uint8Array(14);
  head.set(macBytes('01:80:c2:00:00:00'), 0);
  head.set(macBytes('02:00:00:00:00:01'), 6);
  put16(head, 12, llc.length + p.length);
  return concat(head, llc, p);
}

function u16be(v: number): Uint8Array {
  const b = new Uint8Array(2);
  put16(b, 0, v);
  return b;
}

export interface MplsLabel {
  label: number;
  tc?: number;
  ttl?: number;
}

/** MPLS label stack (bottom of stack set on the last) followed by `payload`; use with eth({ type: 0x8847 }) or let eth() infer it. */
export function mpls(labels: (number | MplsLabel)[], payload: Payload, opts: { controlWord?: boolean } = {}): Uint8Array {
  const stack = new Uint8Array(4 * labels.length);
  labels.forEach((l, i) => {
    const e = typeof l === 'number' ? { label: l } : l;
    const bos = i === labels.length - 1 ? 1 : 0;
    put32(stack, 4 * i, ((e.label & 0xfffff) << 12) | ((e.tc ?? 0) << 9) | (bos << 8) | (e.ttl ?? 64));
  });
  const cw = opts.controlWord ? new Uint8Array(4) : new Uint8Array(0);
  return tagged(concat(stack, cw, payload), undefined, 0x8847);
}

/** PPPoE session header plus PPP protocol (0x0021 IPv4, 0x0057 IPv6, inferred from the payload). */
export function pppoe(opts: { session?: number; protocol?: number; compressProtocol?: boolean }, payload: Payload): Uint8Array {
  const p = toBytes(payload);
  const proto = opts.protocol ?? (etherTypeOf(p, undefined) === 0x86dd ? 0x0057 : 0x0021);
  const protoBytes = opts.compressProtocol ? Uint8Array.from([proto & 0xff]) : u16be(proto);
  const head = new Uint8Array(6);
  head[0] = 0x11;
  head[1] = 0;
  put16(head, 2, opts.session ?? 1);
  put16(head, 4, protoBytes.length + p.length);
  return tagged(concat(head, protoBytes, p), undefined, 0x8864);
}

/** ARP request/reply body (Ethernet/IPv4); the target MAC defaults to zeros (a request's unknown). */
export function arp(
  opts: { op?: number; senderIp?: string; targetIp?: string; senderMac?: string; targetMac?: string } = {},
): Uint8Array {
  const b = new Uint8Array(28);
  put16(b, 0, 1);
  put16(b, 2, 0x0800);
  b[4] = 6;
  b[5] = 4;
  put16(b, 6, opts.op ?? 1);
  b.set(macBytes(opts.senderMac ?? '02:00:00:00:00:01'), 8);
  b.set(addressBytes(opts.senderIp ?? '10.0.0.1', 4), 14);
  if (opts.targetMac !== undefined) b.set(macBytes(opts.targetMac), 18);
  b.set(addressBytes(opts.targetIp ?? '10.0.0.2', 4), 24);
  return tagged(b, undefined, 0x0806);
}

/** Linux cooked v1 header (LINKTYPE_LINUX_SLL). */
export function sll(opts: { protocol?: number; packetType?: number; hardwareType?: number }, payload: Payload): Uint8Array {
  const p = toBytes(payload);
  const head = new Uint8Array(16);
  put16(head, 0, opts.packetType ?? 0);
  put16(head, 2, opts.hardwareType ?? 1);
  put16(head, 4, 6);
  head.set(macBytes('02:00:00:00:00:01'), 6);
  put16(head, 14, opts.protocol ?? etherTypeOf(p, undefined));
  return concat(head, p);
}

/** Linux cooked v2 header (LINKTYPE_LINUX_SLL2). */
export function sll2(
  opts: { protocol?: number; packetType?: number; hardwareType?: number; ifindex?: number },
  payload: Payload,
): Uint8Array {
  const p = toBytes(payload);
  const head = new Uint8Array(20);
  put16(head, 0, opts.protocol ?? etherTypeOf(p, undefined));
  put32(head, 4, opts.ifindex ?? 2);
  put16(head, 8, opts.hardwareType ?? 1);
  head[10] = opts.packetType ?? 0;
  head[11] = 6;
  head.set(macBytes('02:00:00:00:00:01'), 12);
  return concat(head, p);
}

/**
 * BSD loopback header (LINKTYPE_NULL: host byte order, `order` 'le' by default; LINKTYPE_LOOP: 'be').
 * `family` defaults to 2 for IPv4 and 30 (macOS) for IPv6.
 */
export function nullLink(opts: { family?: number; order?: 'le' | 'be' }, payload: Payload): Uint8Array {
  const p = toBytes(payload);
  const family = opts.family ?? (etherTypeOf(p, undefined) === 0x86dd ? 30 : 2);
  const head = new Uint8Array(4);
  if ((opts.order ?? 'le') === 'le') {
    head[0] = family & 0xff;
    head[1] = (family >>> 8) & 0xff;
  } else {
    put32(head, 0, family);
  }
  return concat(head, p);
}

// ------------------------------------------------------------------ IPv4 / IPv6

export interface Ipv4Options {
  src?: string;
  dst?: string;
  /** Protocol; inferred from a tcp()/udp()/icmp()/gre()/sctp()/ipv4()/ipv6() payload. */
  proto?: number;
  ttl?: number;
  id?: number;
  tos?: number;
  df?: boolean;
  mf?: boolean;
  /** Fragment offset in bytes (a multiple of 8). */
  fragOffset?: number;
  /** Raw option bytes, padded with EOL to a multiple of 4. */
  options?: Payload;
  /** Overrides: header length in bytes (IHL × 4), total length, checksum, version. */
  ihl?: number;
  totalLength?: number;
  checksum?: number;
  version?: number;
}

export function ipv4(opts: Ipv4Options, payload: Payload): Uint8Array {
  const p = toBytes(payload);
  let options = toBytes(opts.options);
  if (options.length % 4 !== 0) options = concat(options, new Uint8Array(4 - (options.length % 4)));
  const hlen = 20 + options.length;
  const head = new Uint8Array(hlen);
  head[0] = ((opts.version ?? 4) << 4) | (((opts.ihl ?? hlen) >> 2) & 0x0f);
  head[1] = opts.tos ?? 0;
  put16(head, 2, opts.totalLength ?? hlen + p.length);
  put16(head, 4, opts.id ?? 1);
  put16(head, 6, (opts.df ? 0x4000 : 0) | (opts.mf ? 0x2000 : 0) | (((opts.fragOffset ?? 0) >> 3) & 0x1fff));
  head[8] = opts.ttl ?? 64;
  const proto = opts.proto ?? IP_PROTO.get(p);
  if (proto === undefined) throw new Error('ipv4(): cannot tell the protocol of this payload: pass `proto`');
  head[9] = proto;
  const src = addressBytes(opts.src ?? '10.0.0.1', 4);
  const dst = addressBytes(opts.dst ?? '10.0.0.2', 4);
  head.set(src, 12);
  head.set(dst, 16);
  head.set(options, 20);
  put16(head, 10, opts.checksum ?? internetChecksum(head));
  const body = withPseudoChecksum(p, proto, concat(src, dst, [0, proto], u16be(p.length)));
  return tagged(concat(head, body), 4, 0x0800);
}

function withPseudoChecksum(p: Uint8Array, proto: number, pseudo: Uint8Array): Uint8Array {
  const at = PENDING_CHECKSUM.get(p);
  if (at === undefined || (proto !== 6 && proto !== 17 && proto !== 58)) return p;
  const body = p.slice();
  body[at] = body[at + 1] = 0;
  let c = internetChecksum(body, sum16(pseudo));
  if (proto === 17 && c === 0) c = 0xffff;
  put16(body, at, c);
  return body;
}

export type Ipv6Ext =
  | { type: 'hop'; options?: Payload }
  | { type: 'dst'; options?: Payload }
  | { type: 'routing'; routingType?: number; segmentsLeft?: number; data?: Payload }
  | { type: 'fragment'; offset?: number; more?: boolean; id?: number; nextHeader?: number }
  | { type: 'ah'; spi?: number; icv?: Payload }
  | { type: 'raw'; proto: number; bytes: Uint8Array };

export interface Ipv6Options {
  src?: string;
  dst?: string;
  /** Upper-layer protocol; inferred from the payload builder. */
  proto?: number;
  hopLimit?: number;
  flowLabel?: number;
  trafficClass?: number;
  ext?: Ipv6Ext[];
  /** Overrides. */
  payloadLength?: number;
  version?: number;
}

const EXT_PROTO: Record<Ipv6Ext['type'], number> = { hop: 0, dst: 60, routing: 43, fragment: 44, ah: 51, raw: -1 };

/** Builds one extension header whose Next Header is `next`. */
function extHeader(e: Ipv6Ext, next: number): Uint8Array {
  switch (e.type) {
    case 'hop':
    case 'dst': {
      let opts = toBytes(e.options);
      const total = Math.ceil((opts.length + 2) / 8) * 8;
      const pad = total - 2 - opts.length;
      if (pad === 1) opts = concat(opts, [0]);
      else if (pad > 1) opts = concat(opts, [1, pad - 2], new Uint8Array(pad - 2));
      return concat([next, total / 8 - 1], opts);
    }
    case 'routing': {
      let data = toBytes(e.data ?? new Uint8Array(4));
      const total = Math.ceil((data.length + 4) / 8) * 8;
      data = concat(data, new Uint8Array(total - 4 - data.length));
      // Default type 253 (RFC 4727 experimental): a neutral header any decoder skips by its length.
      return concat([next, total / 8 - 1, e.routingType ?? 253, e.segmentsLeft ?? 0], data);
    }
    case 'fragment': {
      const b = new Uint8Array(8);
      b[0] = e.nextHeader ?? next;
      put16(b, 2, ((e.offset ?? 0) & 0xfff8) | (e.more ? 1 : 0));
      put32(b, 4, e.id ?? 1);
      return b;
    }
    case 'ah': {
      const icv = toBytes(e.icv ?? new Uint8Array(12));
      const total = 12 + icv.length;
      const b = new Uint8Array(12);
      b[0] = next;
      b[1] = total / 4 - 2;
      put32(b, 4, e.spi ?? 0x100);
      put32(b, 8, 1);
      return concat(b, icv);
    }
    case 'raw':
      return e.bytes;
  }
}

export function ipv6(opts: Ipv6Options, payload: Payload): Uint8Array {
  const p = toBytes(payload);
  const proto = opts.proto ?? IP_PROTO.get(p);
  if (proto === undefined) throw new Error('ipv6(): cannot tell the protocol of this payload: pass `proto`');
  const exts = opts.ext ?? [];
  const built: Uint8Array[] = [];
  let next = proto;
  for (let i = exts.length - 1; i >= 0; i--) {
    const e = exts[i]!;
    built.unshift(extHeader(e, next));
    next = e.type === 'raw' ? e.proto : EXT_PROTO[e.type];
  }
  const src = addressBytes(opts.src ?? 'fd00::1', 6);
  const dst = addressBytes(opts.dst ?? 'fd00::2', 6);
  const body = withPseudoChecksum(p, proto, concat(src, dst, [0, 0], u16be(p.length), [0, 0, 0, proto]));
  const rest = concat(...built, body);
  const head = new Uint8Array(40);
  put32(head, 0, (((opts.version ?? 6) << 28) | ((opts.trafficClass ?? 0) << 20) | ((opts.flowLabel ?? 0) & 0xfffff)) >>> 0);
  put16(head, 4, opts.payloadLength ?? rest.length);
  head[6] = next;
  head[7] = opts.hopLimit ?? 64;
  head.set(src, 8);
  head.set(dst, 24);
  return tagged(concat(head, rest), 41, 0x86dd);
}

/** Hop-by-hop Jumbo Payload option (RFC 2675) for `ext: [{ type: 'hop', options: jumboOption(n) }]`. */
export function jumboOption(length: number): Uint8Array {
  const b = new Uint8Array(6);
  b[0] = 0xc2;
  b[1] = 4;
  put32(b, 2, length);
  return b;
}

// ------------------------------------------------------------------ transport

/** TCP flags from letters: F S R P A U E C (e.g. 'SA' for SYN-ACK, 'FPU' for a Xmas scan). */
export function tcpFlags(letters: string): number {
  const bits: Record<string, number> = { F: 0x01, S: 0x02, R: 0x04, P: 0x08, A: 0x10, U: 0x20, E: 0x40, C: 0x80 };
  let f = 0;
  for (const ch of letters.toUpperCase()) {
    const b = bits[ch];
    if (b === undefined) throw new Error(`unknown TCP flag letter ${ch}`);
    f |= b;
  }
  return f;
}

export interface TcpOptionsSpec {
  mss?: number;
  wscale?: number;
  sackPermitted?: boolean;
  sack?: [number, number][];
  timestamp?: [number, number];
  /** Raw option bytes appended after the others. */
  raw?: Payload;
}

/** Lays out TCP options the way Linux does (MSS, SACK-permitted + timestamps, NOP + window scale), NOP-padded to 4 bytes. */
export function tcpOptions(spec: TcpOptionsSpec): Uint8Array {
  const parts: Payload[] = [];
  if (spec.mss !== undefined) parts.push(concat([2, 4], u16be(spec.mss)));
  if (spec.sackPermitted) parts.push([4, 2]);
  if (spec.timestamp !== undefined) {
    const t = new Uint8Array(10);
    t[0] = 8;
    t[1] = 10;
    put32(t, 2, spec.timestamp[0]);
    put32(t, 6, spec.timestamp[1]);
    parts.push(t);
  }
  if (spec.wscale !== undefined) parts.push([1, 3, 3, spec.wscale]);
  if (spec.sack !== undefined && spec.sack.length > 0) {
    const s = new Uint8Array(2 + 8 * spec.sack.length);
    s[0] = 5;
    s[1] = s.length;
    spec.sack.forEach(([l, r], i) => {
      put32(s, 2 + 8 * i, l);
      put32(s, 6 + 8 * i, r);
    });
    parts.push([1, 1], s);
  }
  if (spec.raw !== undefined) parts.push(spec.raw);
  let b = concat(...parts);
  if (b.length % 4 !== 0) b = concat(new Uint8Array(4 - (b.length % 4)).fill(1), b);
  return b;
}

export interface TcpOptions {
  sport?: number;
  dport?: number;
  seq?: number;
  ack?: number;
  /** Letters (see `tcpFlags`) or the flag byte. Default 'A'. */
  flags?: string | number;
  window?: number;
  urgent?: number;
  /** Options as a spec (laid out by `tcpOptions`) or raw bytes (used as given, padded with EOL to 4 bytes). */
  options?: TcpOptionsSpec | Uint8Array;
  /** Overrides: data offset in bytes (a multiple of 4), checksum (then the IP layer leaves it alone). */
  dataOffset?: number;
  checksum?: number;
}

export function tcp(opts: TcpOptions, payload?: Payload): Uint8Array {
  const p = toBytes(payload);
  let options =
    opts.options === undefined ? new Uint8Array(0) : opts.options instanceof Uint8Array ? opts.options : tcpOptions(opts.options);
  if (options.length % 4 !== 0) options = concat(options, new Uint8Array(4 - (options.length % 4)));
  const hlen = 20 + options.length;
  const head = new Uint8Array(hlen);
  put16(head, 0, opts.sport ?? 40000);
  put16(head, 2, opts.dport ?? 80);
  put32(head, 4, opts.seq ?? 1);
  put32(head, 8, opts.ack ?? 0);
  head[12] = (((opts.dataOffset ?? hlen) >> 2) & 0x0f) << 4;
  head[13] = typeof opts.flags === 'number' ? opts.flags : tcpFlags(opts.flags ?? 'A');
  put16(head, 14, opts.window ?? 65535);
  put16(head, 18, opts.urgent ?? 0);
  head.set(options, 20);
  const seg = concat(head, p);
  if (opts.checksum !== undefined) put16(seg, 16, opts.checksum);
  else PENDING_CHECKSUM.set(seg, 16);
  return tagged(seg, 6);
}

export interface UdpOptions {
  sport?: number;
  dport?: number;
  /** Override of the length field. */
  length?: number;
  checksum?: number;
}

export function udp(opts: UdpOptions, payload?: Payload): Uint8Array {
  const p = toBytes(payload);
  const head = new Uint8Array(8);
  put16(head, 0, opts.sport ?? 40000);
  put16(head, 2, opts.dport ?? 53);
  put16(head, 4, opts.length ?? 8 + p.length);
  const dgram = concat(head, p);
  if (opts.checksum !== undefined) put16(dgram, 6, opts.checksum);
  else PENDING_CHECKSUM.set(dgram, 6);
  return tagged(dgram, 17);
}

export function sctp(opts: { sport?: number; dport?: number; tag?: number }, chunks?: Payload): Uint8Array {
  const head = new Uint8Array(12);
  put16(head, 0, opts.sport ?? 5000);
  put16(head, 2, opts.dport ?? 5001);
  put32(head, 4, opts.tag ?? 1);
  return tagged(concat(head, chunks), 132);
}

export interface IcmpOptions {
  type: number;
  code?: number;
  /** Identifier and sequence for queries. */
  id?: number;
  seq?: number;
  /** The 4 bytes after the checksum, for messages other than queries (unused, pointer, gateway, MTU). */
  rest?: number;
}

/** ICMPv4 message with its checksum. */
export function icmp(opts: IcmpOptions, payload?: Payload): Uint8Array {
  const b = concat(new Uint8Array(8), payload);
  b[0] = opts.type;
  b[1] = opts.code ?? 0;
  if (opts.rest !== undefined) put32(b, 4, opts.rest);
  else {
    put16(b, 4, opts.id ?? 0);
    put16(b, 6, opts.seq ?? 0);
  }
  put16(b, 2, internetChecksum(b));
  return tagged(b, 1);
}

export function icmpEcho(opts: { id: number; seq?: number; reply?: boolean }, data?: Payload): Uint8Array {
  return icmp({ type: opts.reply ? 0 : 8, id: opts.id, seq: opts.seq ?? 1 }, data);
}

/**
 * ICMPv4 error (default destination unreachable / port unreachable) quoting `quoted` (a whole IPv4 packet),
 * cut to its IP header plus `quoteBytes` bytes (8 by default, as RFC 792 asks).
 */
export function icmpError(opts: { type?: number; code?: number; quoteBytes?: number }, quoted: Uint8Array): Uint8Array {
  const ihl = (quoted[0]! & 0x0f) * 4;
  const cut = quoted.slice(0, Math.min(quoted.length, ihl + (opts.quoteBytes ?? 8)));
  return icmp({ type: opts.type ?? 3, code: opts.code ?? 3, rest: 0 }, cut);
}

/** ICMPv6 message; the checksum is filled by the enclosing ipv6(). */
export function icmpv6(opts: IcmpOptions, payload?: Payload): Uint8Array {
  const b = concat(new Uint8Array(8), payload);
  b[0] = opts.type;
  b[1] = opts.code ?? 0;
  if (opts.rest !== undefined) put32(b, 4, opts.rest);
  else {
    put16(b, 4, opts.id ?? 0);
    put16(b, 6, opts.seq ?? 0);
  }
  PENDING_CHECKSUM.set(b, 2);
  return tagged(b, 58);
}

export function icmpv6Echo(opts: { id: number; seq?: number; reply?: boolean }, data?: Payload): Uint8Array {
  return icmpv6({ type: opts.reply ? 129 : 128, id: opts.id, seq: opts.seq ?? 1 }, data);
}

/** ICMPv6 error (default destination unreachable / port unreachable) quoting `quoted` (a whole IPv6 packet), up to `quoteBytes` bytes. */
export function icmpv6Error(opts: { type?: number; code?: number; quoteBytes?: number }, quoted: Uint8Array): Uint8Array {
  return icmpv6({ type: opts.type ?? 1, code: opts.code ?? 4, rest: 0 }, quoted.slice(0, opts.quoteBytes ?? 1232));
}

// ------------------------------------------------------------------ tunnels

/** VXLAN header plus the inner Ethernet frame; put it in udp({ dport: 4789 }, ...). */
export function vxlan(opts: { vni: number; flags?: number }, innerFrame: Payload): Uint8Array {
  const head = new Uint8Array(8);
  head[0] = opts.flags ?? 0x08;
  head[4] = (opts.vni >>> 16) & 0xff;
  head[5] = (opts.vni >>> 8) & 0xff;
  head[6] = opts.vni & 0xff;
  return concat(head, innerFrame);
}

/** Geneve header (protocol inferred: Ethernet 0x6558 unless the payload is an ipv4()/ipv6()); put it in udp({ dport: 6081 }, ...). */
export function geneve(
  opts: { vni: number; protocol?: number; options?: Payload; version?: number; optionsLength?: number },
  inner: Payload,
): Uint8Array {
  const p = toBytes(inner);
  const options = toBytes(opts.options);
  const head = new Uint8Array(8);
  head[0] = ((opts.version ?? 0) << 6) | ((opts.optionsLength ?? options.length / 4) & 0x3f);
  const known = ETHER_TYPE.get(p);
  put16(head, 2, opts.protocol ?? (known === 0x0800 || known === 0x86dd ? known : 0x6558));
  head[4] = (opts.vni >>> 16) & 0xff;
  head[5] = (opts.vni >>> 8) & 0xff;
  head[6] = opts.vni & 0xff;
  return concat(head, options, p);
}

/** One Geneve option TLV (class, type, data padded to 4 bytes). */
export function geneveOption(cls: number, type: number, data: Payload): Uint8Array {
  let d = toBytes(data);
  if (d.length % 4 !== 0) d = concat(d, new Uint8Array(4 - (d.length % 4)));
  const h = new Uint8Array(4);
  put16(h, 0, cls);
  h[2] = type;
  h[3] = (d.length / 4) & 0x1f;
  return concat(h, d);
}

export interface GreOptions {
  /** Payload protocol type; inferred from ipv4()/ipv6()/eth frames need `protocol: 0x6558`. */
  protocol?: number;
  key?: number;
  seq?: number;
  checksum?: boolean;
  version?: number;
  /** Raw flags-and-version override. */
  flagsVersion?: number;
}

/** GRE header (RFC 2784/2890) plus payload; ipv4()/ipv6() around it take protocol 47. */
export function gre(opts: GreOptions, payload: Payload): Uint8Array {
  const p = toBytes(payload);
  let flags = 0;
  const fields: Payload[] = [];
  if (opts.checksum) {
    flags |= 0x8000;
    fields.push(new Uint8Array(4));
  }
  if (opts.key !== undefined) {
    flags |= 0x2000;
    const k = new Uint8Array(4);
    put32(k, 0, opts.key);
    fields.push(k);
  }
  if (opts.seq !== undefined) {
    flags |= 0x1000;
    const s = new Uint8Array(4);
    put32(s, 0, opts.seq);
    fields.push(s);
  }
  const head = new Uint8Array(4);
  put16(head, 0, opts.flagsVersion ?? flags | (opts.version ?? 0));
  put16(head, 2, opts.protocol ?? etherTypeOf(p, undefined));
  const out = concat(head, ...fields, p);
  if (opts.checksum) put16(out, 4, internetChecksum(out));
  return tagged(out, 47);
}

/** ERSPAN type II header (8 bytes) plus the mirrored frame; use in gre({ protocol: 0x88be, seq: n }, ...). */
export function erspan2(opts: { session?: number; vlan?: number }, frame: Payload): Uint8Array {
  const h = new Uint8Array(8);
  put16(h, 0, (1 << 12) | ((opts.vlan ?? 0) & 0xfff));
  put16(h, 2, (opts.session ?? 1) & 0x3ff);
  return concat(h, frame);
}

// ------------------------------------------------------------------ fragmentation

/**
 * Splits an IPv4 packet into fragments carrying at most `size` data bytes each (rounded down to a multiple
 * of 8). The first fragment keeps every option; later ones keep only options with the copied flag (RFC 791
 * §3.1). Returns the fragments in order; shuffle them to test reordering.
 */
export function fragmentIpv4(packet: Uint8Array, size: number): Uint8Array[] {
  const ihl = (packet[0]! & 0x0f) * 4;
  const total = (packet[2]! << 8) | packet[3]!;
  const data = packet.slice(ihl, total);
  const chunk = Math.max(8, size & ~7);
  const firstOptions = packet.slice(20, ihl);
  const copiedOptions = copiedIpv4Options(firstOptions);
  const baseOffset = (((packet[6]! << 8) | packet[7]!) & 0x1fff) * 8;
  const baseMf = (packet[6]! & 0x20) !== 0;
  const out: Uint8Array[] = [];
  for (let off = 0; off < data.length || off === 0; off += chunk) {
    const part = data.slice(off, off + chunk);
    const last = off + chunk >= data.length;
    const opts = off === 0 ? firstOptions : copiedOptions;
    const f = concat(packet.slice(0, 20), opts, part);
    f[0] = 0x40 | ((20 + opts.length) >> 2);
    put16(f, 2, f.length);
    const flagsOff = (packet[6]! & 0x40 ? 0x4000 : 0) | (last && !baseMf ? 0 : 0x2000) | (((baseOffset + off) >> 3) & 0x1fff);
    put16(f, 6, flagsOff);
    f[10] = f[11] = 0;
    put16(f, 10, internetChecksum(f.subarray(0, 20 + opts.length)));
    out.push(tagged(f, 4, 0x0800));
    if (data.length === 0) break;
  }
  return out;
}

function copiedIpv4Options(opts: Uint8Array): Uint8Array {
  const kept: number[] = [];
  for (let i = 0; i < opts.length; ) {
    const t = opts[i]!;
    if (t === 0) break;
    if (t === 1) {
      i++;
      continue;
    }
    const len = opts[i + 1] ?? 2;
    if ((t & 0x80) !== 0) kept.push(...opts.slice(i, i + len));
    i += Math.max(2, len);
  }
  while (kept.length % 4 !== 0) kept.push(0);
  return Uint8Array.from(kept);
}

/**
 * Splits an IPv6 packet into fragments of at most `size` bytes of fragmentable data (a multiple of 8),
 * inserting a fragment header with identification `id` after the unfragmentable part (the IPv6 header plus
 * any hop-by-hop, routing, and destination options before a routing header; RFC 8200 §4.5).
 */
export function fragmentIpv6(packet: Uint8Array, size: number, id = 0x1234): Uint8Array[] {
  let nh = packet[6]!;
  let pos = 40;
  let nhAt = 6;
  // Walk the unfragmentable headers.
  for (;;) {
    if (nh === 0 || nh === 43) {
      nhAt = pos;
      const next = packet[pos]!;
      pos += (packet[pos + 1]! + 1) * 8;
      nh = next;
      continue;
    }
    if (nh === 60) {
      // Destination options belong to the unfragmentable part only when a routing header follows.
      const next = packet[pos]!;
      if (next === 43) {
        nhAt = pos;
        pos += (packet[pos + 1]! + 1) * 8;
        nh = next;
        continue;
      }
    }
    break;
  }
  const payloadLen = (packet[4]! << 8) | packet[5]!;
  const unfrag = packet.slice(0, pos);
  const data = packet.slice(pos, 40 + payloadLen);
  const chunk = Math.max(8, size & ~7);
  const out: Uint8Array[] = [];
  for (let off = 0; off < data.length; off += chunk) {
    const part = data.slice(off, off + chunk);
    const last = off + chunk >= data.length;
    const fh = new Uint8Array(8);
    fh[0] = nh;
    put16(fh, 2, (off & 0xfff8) | (last ? 0 : 1));
    put32(fh, 4, id);
    const f = concat(unfrag, fh, part);
    f[nhAt] = 44;
    put16(f, 4, f.length - 40);
    out.push(tagged(f, 41, 0x86dd));
  }
  return out;
}

// ------------------------------------------------------------------ randomness for tests

/** mulberry32: a tiny seeded PRNG, so fuzz and shuffle tests are reproducible. Returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates shuffle of a copy with a seeded generator. */
export function shuffled<T>(items: readonly T[], rand: () => number): T[] {
  const a = items.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
