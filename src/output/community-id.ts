/**
 * Community ID v1 (Corelight's flow hash, github.com/corelight/community-id-spec): one string per flow that
 * Suricata, Zeek, Arkime and Elastic compute the same way, so that their records join on it.
 *
 * SHA-1 over: seed (2 bytes, big-endian), the two addresses (4 or 16 bytes each), the IP protocol (1 byte),
 * one zero byte, and for TCP, UDP, SCTP, ICMP and ICMPv6 the two ports (2 bytes each), the endpoints ordered
 * so that the smaller address (then port) comes first; `1:` and the base64 digest. ICMP and ICMPv6 use type
 * and code as ports, and a request type's "port" pair is (type, its reply type) so that both directions of an
 * exchange hash alike; types without a counterpart are one-way: (type, code), never reordered.
 */
import { createHash } from 'node:crypto';
import { IpProto } from '../decode/packet.js';

/** ICMPv4 request/reply pairs (echo, router, timestamp, information, address mask). */
const ICMP4_COUNTERPART = new Map<number, number>([
  [8, 0],
  [0, 8],
  [9, 10],
  [10, 9],
  [13, 14],
  [14, 13],
  [15, 16],
  [16, 15],
  [17, 18],
  [18, 17],
]);

/** ICMPv6 pairs: echo, router and neighbor discovery, MLD, node information (WRU), home agent discovery. */
const ICMP6_COUNTERPART = new Map<number, number>([
  [128, 129],
  [129, 128],
  [133, 134],
  [134, 133],
  [135, 136],
  [136, 135],
  [130, 131],
  [131, 130],
  [139, 140],
  [140, 139],
  [144, 145],
  [145, 144],
]);

/** IP protocol numbers of the names EVE writes (`proto`), or a number given as text. */
export function protoNumber(proto: string): number | null {
  switch (proto) {
    case 'TCP':
      return IpProto.TCP;
    case 'UDP':
      return IpProto.UDP;
    case 'ICMP':
      return IpProto.ICMP;
    case 'IPv6-ICMP':
      return IpProto.ICMPV6;
    case 'SCTP':
      return IpProto.SCTP;
    default: {
      const n = Number(proto);
      return Number.isInteger(n) && n >= 0 && n <= 255 ? n : null;
    }
  }
}

/** Dotted IPv4 text into `out[at..at+4)`; false when it is not four decimal parts of 0..255. */
function parseIpv4(ip: string, out: Uint8Array, at: number): boolean {
  // By character codes: this runs once per flow, and a regex and a split cost more than the hash does.
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= ip.length; i++) {
    const c = i < ip.length ? ip.charCodeAt(i) : 46; // a final '.' closes the last part
    if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      if (++digits > 3 || value > 255) return false;
    } else if (c === 46) {
      if (digits === 0 || part > 3) return false;
      out[at + part++] = value;
      value = 0;
      digits = 0;
    } else {
      return false;
    }
  }
  return part === 4;
}

/** The address as network-order bytes, or null when it is neither dotted IPv4 nor IPv6 text. */
export function addressBytes(ip: string): Uint8Array | null {
  if (!ip.includes(':')) {
    const out = new Uint8Array(4);
    return parseIpv4(ip, out, 0) ? out : null;
  }
  // IPv6, possibly with :: and a dotted IPv4 tail.
  let text = ip;
  let tail: Uint8Array | null = null;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tail = addressBytes(text.slice(lastColon + 1));
    if (tail === null) return null;
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...head, ...new Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const g = all[i]!;
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    const v = parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  }
  if (tail !== null) out.set(tail, 12);
  return out;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

export interface CommunityIdTuple {
  srcIp: string;
  destIp: string;
  /** IP protocol number. */
  proto: number;
  /** Ports for TCP/UDP/SCTP; ICMP type and code for ICMP and ICMPv6 (`srcPort` = type, `destPort` = code). */
  srcPort: number;
  destPort: number;
}

/** The Community ID v1 of a tuple with the given seed (0..65535), or null when an address is not valid text. */
export function communityId(t: CommunityIdTuple, seed = 0): string | null {
  let saddr = addressBytes(t.srcIp);
  let daddr = addressBytes(t.destIp);
  if (saddr === null || daddr === null || saddr.length !== daddr.length) return null;
  let sport = t.srcPort;
  let dport = t.destPort;
  let oneWay = false;
  const isIcmp = t.proto === IpProto.ICMP || t.proto === IpProto.ICMPV6;
  if (isIcmp) {
    const counterpart = (t.proto === IpProto.ICMP ? ICMP4_COUNTERPART : ICMP6_COUNTERPART).get(sport);
    if (counterpart !== undefined) dport = counterpart;
    else oneWay = true; // (type, code) as sent
  }
  const cmp = compareBytes(saddr, daddr);
  if (!oneWay && (cmp > 0 || (cmp === 0 && sport > dport))) {
    [saddr, daddr] = [daddr, saddr];
    [sport, dport] = [dport, sport];
  }
  const ported = isIcmp || t.proto === IpProto.TCP || t.proto === IpProto.UDP || t.proto === IpProto.SCTP;
  // seed, two addresses, protocol and padding, ports: at most 2 + 32 + 2 + 4 bytes, hashed from one buffer.
  const input = hashInput;
  let o = input.writeUInt16BE(seed & 0xffff, 0);
  input.set(saddr, o);
  o += saddr.length;
  input.set(daddr, o);
  o += daddr.length;
  input[o++] = t.proto;
  input[o++] = 0;
  if (ported) {
    o = input.writeUInt16BE(sport & 0xffff, o);
    o = input.writeUInt16BE(dport & 0xffff, o);
  }
  return `1:${createHash('sha1').update(input.subarray(0, o)).digest('base64')}`;
}

/** Scratch for the hash input (the hash reads it before communityId returns). */
const hashInput = Buffer.alloc(40);

/** Flows whose Community ID is remembered at once: bounded, oldest forgotten first. */
export const COMMUNITY_ID_CACHE_SIZE = 65536;

interface CachedId {
  proto: number;
  srcIp: string;
  destIp: string;
  srcPort: number;
  destPort: number;
  id: string | null;
}

/**
 * Community IDs by flow id, so that the SHA-1 runs once per flow rather than once per event. An entry is used
 * only when the tuple matches too (a flow id is a hash; two inputs could in theory reuse one).
 */
export class CommunityIdCache {
  private readonly entries = new Map<number, CachedId>();

  constructor(
    readonly seed = 0,
    private readonly cap = COMMUNITY_ID_CACHE_SIZE,
  ) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff)
      throw new RangeError(`the Community ID seed must be 0..65535, not ${seed}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The ID of the flow `flowId` with this tuple; computed on first use. */
  get(flowId: number, t: CommunityIdTuple): string | null {
    const hit = this.entries.get(flowId);
    if (
      hit !== undefined &&
      hit.proto === t.proto &&
      hit.srcIp === t.srcIp &&
      hit.destIp === t.destIp &&
      hit.srcPort === t.srcPort &&
      hit.destPort === t.destPort
    ) {
      return hit.id;
    }
    const id = communityId(t, this.seed);
    if (this.entries.size >= this.cap) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(flowId, { proto: t.proto, srcIp: t.srcIp, destIp: t.destIp, srcPort: t.srcPort, destPort: t.destPort, id });
    return id;
  }

  /** The flow ended: its entry is no longer needed. */
  forget(flowId: number): void {
    this.entries.delete(flowId);
  }
}
