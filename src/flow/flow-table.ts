/**
 * The flow table: finds a packet's flow by its bidirectional key without allocating, keeps flows in
 * least-recently-seen order per timeout class, expires and evicts them.
 *
 * Layout (struct of arrays, indexed by slot): the key words, the key hash, the LRU links, the last-seen time
 * and the timeout class live in typed arrays; the `Flow` object holds the rest. The index is an open-addressed
 * hash (linear probing, backward-shift deletion) of slot numbers.
 *
 * Why per-class LRU lists: flows in one class share a timeout, so each list is also ordered by expiry time;
 * expiring is popping heads, and the flow closest to its timeout (the eviction victim when the table is full)
 * is the earliest of the heads. Every operation is O(1) per packet.
 */
import type { DecodedPacket } from '../decode/packet.js';
import { IpProto } from '../decode/packet.js';
import { isIcmpQuery } from '../decode/icmp.js';
import { isIcmpv6Echo } from '../decode/icmpv6.js';
import type { FlowTimeouts } from '../options.js';
import type { Flow } from './flow.js';
import { FlowKind } from './flow.js';

/** Words of a flow key: A address (4), B address (4), ports, version+proto, two VLAN ids, tunnel id. */
export const KEY_WORDS = 12;

/** Timeout classes. */
export const TimeoutClass = {
  TCP_NEW: 0,
  TCP_ESTABLISHED: 1,
  TCP_CLOSED: 2,
  UDP_NEW: 3,
  UDP_ESTABLISHED: 4,
  ICMP_NEW: 5,
  ICMP_ESTABLISHED: 6,
  OTHER_NEW: 7,
  OTHER_ESTABLISHED: 8,
} as const;
const CLASS_COUNT = 9;
/** Classes of flows not yet established (evicted first when the flow memory cap is reached). */
const NEW_CLASSES = [TimeoutClass.TCP_NEW, TimeoutClass.UDP_NEW, TimeoutClass.ICMP_NEW, TimeoutClass.OTHER_NEW] as const;

/** ICMP types whose request and reply share an identifier (echo, timestamp, info, address mask; ICMPv6 echo). */
function isIcmpQueryType(version: number, type: number): boolean {
  return version === 4 ? isIcmpQuery(type) : isIcmpv6Echo(type);
}

/**
 * Fills `key` with the canonical (direction-independent) key of the packet's flow.
 * Returns true when the packet's source is endpoint A of the key.
 *
 * Ports: TCP, UDP and SCTP ports; for ICMP queries (echo, ...) the identifier on both sides so request and
 * reply meet; for other ICMP messages type and code (an error that quotes a flow is looked up by the quote
 * instead, see `fillQuotedKey`).
 */
export function fillPacketKey(p: DecodedPacket, key: Uint32Array, vlanInKey = true): boolean {
  let sport = p.srcPort;
  let dport = p.dstPort;
  if (p.ipProto === IpProto.ICMP || p.ipProto === IpProto.ICMPV6) {
    if (isIcmpQueryType(p.ipVersion, p.icmpType)) {
      sport = dport = p.icmpId;
    } else {
      sport = ((p.icmpType & 0xff) << 8) | (p.icmpCode & 0xff);
      dport = 0;
    }
  }
  const vlan0 = vlanInKey && p.vlanCount > 0 ? p.vlan[0]! : 0;
  const vlan1 = vlanInKey && p.vlanCount > 1 ? p.vlan[1]! : 0;
  return fillKey(key, p.src, sport, p.dst, dport, p.ipVersion, p.ipProto, vlan0, vlan1, p.tunnelId);
}

/** Key of the flow an ICMP error quotes (the quoted packet's own tuple). Returns true when the quoted source is A. */
export function fillQuotedKey(p: DecodedPacket, key: Uint32Array, vlanInKey = true): boolean {
  const vlan0 = vlanInKey && p.vlanCount > 0 ? p.vlan[0]! : 0;
  const vlan1 = vlanInKey && p.vlanCount > 1 ? p.vlan[1]! : 0;
  return fillKey(
    key,
    p.icmpQuotedSrc,
    p.icmpQuotedSrcPort,
    p.icmpQuotedDst,
    p.icmpQuotedDstPort,
    p.icmpQuotedIpVersion,
    p.icmpQuotedProto,
    vlan0,
    vlan1,
    p.tunnelId,
  );
}

function fillKey(
  key: Uint32Array,
  src: Uint32Array,
  sport: number,
  dst: Uint32Array,
  dport: number,
  version: number,
  proto: number,
  vlan0: number,
  vlan1: number,
  tunnelId: number,
): boolean {
  // Endpoint A is the smaller (address, port); equal addresses compare ports.
  let cmp = 0;
  for (let i = 0; i < 4 && cmp === 0; i++) {
    const a = src[i]!;
    const b = dst[i]!;
    if (a !== b) cmp = a < b ? -1 : 1;
  }
  if (cmp === 0) cmp = sport < dport ? -1 : sport > dport ? 1 : 0;
  const srcIsA = cmp <= 0;
  const a = srcIsA ? src : dst;
  const b = srcIsA ? dst : src;
  key[0] = a[0]!;
  key[1] = a[1]!;
  key[2] = a[2]!;
  key[3] = a[3]!;
  key[4] = b[0]!;
  key[5] = b[1]!;
  key[6] = b[2]!;
  key[7] = b[3]!;
  key[8] = srcIsA ? ((sport << 16) | dport) >>> 0 : ((dport << 16) | sport) >>> 0;
  key[9] = (version << 8) | proto;
  key[10] = ((vlan0 << 16) | vlan1) >>> 0;
  key[11] = tunnelId >>> 0;
  return srcIsA;
}

/** 32-bit hash of a key (murmur3-style mixing; the key is already canonical, so both directions agree). */
export function hashKey(key: Uint32Array, seed = 0x2545f491): number {
  let h = seed;
  for (let i = 0; i < KEY_WORDS; i++) {
    let k = Math.imul(key[i]!, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Timeout class of a flow right now. */
export function timeoutClassOf(flow: Flow): number {
  switch (flow.kind) {
    case FlowKind.TCP:
      return flow.tcp === null ? TimeoutClass.TCP_NEW : flow.tcp.timeoutClass; // 0, 1, 2 line up with TCP_*
    case FlowKind.UDP:
      return flow.pktsToServer > 0 && flow.pktsToClient > 0 ? TimeoutClass.UDP_ESTABLISHED : TimeoutClass.UDP_NEW;
    case FlowKind.ICMP:
      return flow.pktsToServer > 0 && flow.pktsToClient > 0 ? TimeoutClass.ICMP_ESTABLISHED : TimeoutClass.ICMP_NEW;
    default:
      return flow.pktsToServer > 0 && flow.pktsToClient > 0 ? TimeoutClass.OTHER_ESTABLISHED : TimeoutClass.OTHER_NEW;
  }
}

export class FlowTable {
  readonly capacity: number;
  /** Flows currently in the table. */
  size = 0;
  private readonly mask: number;
  /** Open-addressed index: slot + 1, 0 = empty. */
  private readonly index: Int32Array;
  private readonly keys: Uint32Array;
  private readonly hashes: Uint32Array;
  readonly flows: (Flow | null)[];
  private readonly freeSlots: Int32Array;
  private freeTop: number;
  // LRU lists per timeout class.
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  private readonly cls: Uint8Array;
  private readonly lastSeen: Float64Array;
  private readonly heads = new Int32Array(CLASS_COUNT).fill(-1);
  private readonly tails = new Int32Array(CLASS_COUNT).fill(-1);
  private readonly timeouts = new Float64Array(CLASS_COUNT);

  constructor(capacity: number, timeouts: FlowTimeouts) {
    this.capacity = capacity;
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.mask = size - 1;
    this.index = new Int32Array(size);
    this.keys = new Uint32Array(capacity * KEY_WORDS);
    this.hashes = new Uint32Array(capacity);
    this.flows = new Array<Flow | null>(capacity).fill(null);
    this.freeSlots = new Int32Array(capacity);
    for (let i = 0; i < capacity; i++) this.freeSlots[i] = capacity - 1 - i;
    this.freeTop = capacity;
    this.prev = new Int32Array(capacity).fill(-1);
    this.next = new Int32Array(capacity).fill(-1);
    this.cls = new Uint8Array(capacity);
    this.lastSeen = new Float64Array(capacity);
    const t = this.timeouts;
    t[TimeoutClass.TCP_NEW] = timeouts.tcpNew;
    t[TimeoutClass.TCP_ESTABLISHED] = timeouts.tcpEstablished;
    t[TimeoutClass.TCP_CLOSED] = timeouts.tcpClosed;
    t[TimeoutClass.UDP_NEW] = timeouts.udpNew;
    t[TimeoutClass.UDP_ESTABLISHED] = timeouts.udpEstablished;
    t[TimeoutClass.ICMP_NEW] = timeouts.icmpNew;
    t[TimeoutClass.ICMP_ESTABLISHED] = timeouts.icmpEstablished;
    t[TimeoutClass.OTHER_NEW] = timeouts.otherNew;
    t[TimeoutClass.OTHER_ESTABLISHED] = timeouts.otherEstablished;
  }

  get full(): boolean {
    return this.freeTop === 0;
  }

  /** Slot of the flow with this key, or -1. */
  lookup(key: Uint32Array, hash: number): number {
    const keys = this.keys;
    let i = hash & this.mask;
    for (;;) {
      const e = this.index[i]!;
      if (e === 0) return -1;
      const slot = e - 1;
      if (this.hashes[slot] === hash) {
        const base = slot * KEY_WORDS;
        if (
          keys[base] === key[0] &&
          keys[base + 1] === key[1] &&
          keys[base + 2] === key[2] &&
          keys[base + 3] === key[3] &&
          keys[base + 4] === key[4] &&
          keys[base + 5] === key[5] &&
          keys[base + 6] === key[6] &&
          keys[base + 7] === key[7] &&
          keys[base + 8] === key[8] &&
          keys[base + 9] === key[9] &&
          keys[base + 10] === key[10] &&
          keys[base + 11] === key[11]
        ) {
          return slot;
        }
      }
      i = (i + 1) & this.mask;
    }
  }

  /** Adds a flow under `key` (the caller made room: `full` is false). Returns its slot. */
  insert(key: Uint32Array, hash: number, flow: Flow, now: number, timeoutClass: number): number {
    if (this.freeTop === 0) throw new Error('FlowTable.insert on a full table');
    const slot = this.freeSlots[--this.freeTop]!;
    this.keys.set(key, slot * KEY_WORDS);
    this.hashes[slot] = hash;
    this.flows[slot] = flow;
    flow.slot = slot;
    let i = hash & this.mask;
    while (this.index[i] !== 0) i = (i + 1) & this.mask;
    this.index[i] = slot + 1;
    this.size++;
    this.cls[slot] = timeoutClass;
    this.lastSeen[slot] = now;
    this.append(slot, timeoutClass);
    return slot;
  }

  /** Marks the flow in `slot` as seen at `now`, in `timeoutClass`: it moves to the tail of that class's list. */
  touch(slot: number, now: number, timeoutClass: number): void {
    this.lastSeen[slot] = now;
    const c = this.cls[slot]!;
    if (this.tails[c] === slot && c === timeoutClass) return;
    this.unlink(slot, c);
    this.cls[slot] = timeoutClass;
    this.append(slot, timeoutClass);
  }

  /** Removes the flow in `slot` from the table. */
  remove(slot: number): void {
    const flow = this.flows[slot];
    if (flow === null || flow === undefined) return;
    this.unlink(slot, this.cls[slot]!);
    // Backward-shift deletion keeps every probe chain unbroken without tombstones.
    const mask = this.mask;
    let i = this.hashes[slot]! & mask;
    while (this.index[i] !== slot + 1) i = (i + 1) & mask;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const e = this.index[j]!;
      if (e === 0) break;
      const home = this.hashes[e - 1]! & mask;
      // Move entry j into hole i when its home position is not in (i, j] (cyclically).
      const between = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!between) {
        this.index[i] = e;
        i = j;
      }
    }
    this.index[i] = 0;
    this.flows[slot] = null;
    flow.slot = -1;
    this.freeSlots[this.freeTop++] = slot;
    this.size--;
  }

  /**
   * Slots of flows whose timeout has passed at `now`, oldest first, one class after another; the caller ends
   * and removes each. Returns the count written to `out` (at most `out.length`; call again while it fills it).
   */
  expired(now: number, out: Int32Array): number {
    let n = 0;
    for (let c = 0; c < CLASS_COUNT && n < out.length; c++) {
      const timeout = this.timeouts[c]!;
      let s = this.heads[c]!;
      while (s !== -1 && n < out.length && now - this.lastSeen[s]! > timeout) {
        out[n++] = s;
        s = this.next[s]!;
      }
    }
    return n;
  }

  /** The flow closest to its timeout (the one to evict when the table is full), or -1 when empty. */
  victim(): number {
    return this.closestToTimeout(-1);
  }

  /**
   * The flow to evict when the flow memory cap is reached, never `exclude` (the flow being served): the
   * least recently seen embryonic flow (a "new" class: handshake not complete, or one side only), else the
   * one closest to its timeout. -1 when there is none.
   */
  memoryVictim(exclude: number): number {
    let best = -1;
    let bestSeen = Infinity;
    for (const c of NEW_CLASSES) {
      let s = this.heads[c]!;
      if (s !== -1 && s === exclude) s = this.next[s]!;
      if (s !== -1 && this.lastSeen[s]! < bestSeen) {
        bestSeen = this.lastSeen[s]!;
        best = s;
      }
    }
    return best !== -1 ? best : this.closestToTimeout(exclude);
  }

  /** The flow closest to its timeout other than `exclude` (-1: none excluded), or -1 when there is none. */
  private closestToTimeout(exclude: number): number {
    let best = -1;
    let bestExpiry = Infinity;
    for (let c = 0; c < CLASS_COUNT; c++) {
      let s = this.heads[c]!;
      // Each class list is ordered by last activity, so its head is the class's closest to timing out.
      if (s !== -1 && s === exclude) s = this.next[s]!;
      if (s === -1) continue;
      const expiry = this.lastSeen[s]! + this.timeouts[c]!;
      if (expiry < bestExpiry) {
        bestExpiry = expiry;
        best = s;
      }
    }
    return best;
  }

  /** Bytes of the table's own arrays, whatever its load (the flow memory cap counts them). */
  get fixedBytes(): number {
    const c = this.capacity;
    // index + keys + hashes + flows (a pointer each) + free slots + prev + next + class + last seen
    return this.index.byteLength + c * (KEY_WORDS * 4 + 4 + 8 + 4 + 4 + 4 + 1 + 8);
  }

  /** Every flow in the table, in no particular order (for shutdown). */
  *all(): IterableIterator<Flow> {
    for (const f of this.flows) if (f !== null) yield f;
  }

  private append(slot: number, c: number): void {
    const tail = this.tails[c]!;
    this.prev[slot] = tail;
    this.next[slot] = -1;
    if (tail === -1) this.heads[c] = slot;
    else this.next[tail] = slot;
    this.tails[c] = slot;
  }

  private unlink(slot: number, c: number): void {
    const p = this.prev[slot]!;
    const n = this.next[slot]!;
    if (p === -1) this.heads[c] = n;
    else this.next[p] = n;
    if (n === -1) this.tails[c] = p;
    else this.prev[n] = p;
    this.prev[slot] = this.next[slot] = -1;
  }
}

/**
 * Whether the packet that creates a flow was sent by the client.
 *
 * TCP: a SYN's sender is the client, a SYN/ACK's receiver is. Otherwise (a flow picked up mid-stream, UDP,
 * other protocols) the ports decide: a well-known port (< 1024) facing a non-well-known one is the server's,
 * and so is a port below the ephemeral range (32768, Linux's default start; IANA's is 49152) facing one inside
 * it. Failing both, the sender of the first packet is the client, as Suricata and tshark assume.
 */
export function sourceIsClient(p: DecodedPacket): boolean {
  if (p.ipProto === IpProto.TCP) {
    const syn = (p.tcpFlags & 0x02) !== 0;
    const ack = (p.tcpFlags & 0x10) !== 0;
    if (syn && !ack) return true;
    if (syn && ack) return false;
  } else if (p.ipProto === IpProto.ICMP || p.ipProto === IpProto.ICMPV6) {
    // Replies (echo reply 0 / 129, timestamp reply 14, info reply 16, mask reply 18) come from the server.
    const t = p.icmpType;
    if (p.ipVersion === 4) return !(t === 0 || t === 14 || t === 16 || t === 18);
    return t !== 129;
  }
  const sp = p.srcPort;
  const dp = p.dstPort;
  if (sp < 1024 && dp >= 1024) return false;
  if (dp < 1024 && sp >= 1024) return true;
  if (sp < 32768 && dp >= 32768) return false;
  return true;
}

/**
 * A 53-bit flow id from the key, the start time and the engine's number of the flow's first packet: the same
 * for the same flow in the same input, different for two flows that share key and start time (synthetic
 * traffic, port reuse within one clock tick), exact as a JSON number. Two independently seeded 32-bit hashes
 * give the high 21 and low 32 bits (one hash stretched to 53 bits would collide as often as 32 bits do).
 */
export function flowIdOf(key: Uint32Array, startSec: number, startNsec: number, firstPacket: number): number {
  const t = Math.imul(startSec | 0, 0x9e3779b1) ^ Math.imul(startNsec | 0, 0x85ebca6b) ^ Math.imul(firstPacket | 0, 0x27d4eb2f);
  const lo = hashKey(key, 0x3c6ef372 ^ t);
  const hi = hashKey(key, 0xa54ff53a ^ Math.imul(t, 0xc2b2ae35) ^ startNsec ^ Math.imul(firstPacket | 0, 0x165667b1));
  const id = (hi & 0x1fffff) * 0x100000000 + lo;
  return id === 0 ? 1 : id;
}
