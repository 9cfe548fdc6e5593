/**
 * The bounded tables threat detectors keep their state in. Every table has a cap; at the cap the least
 * recently used entry goes (and the stage counts it), so a flood of distinct sources costs a fixed amount
 * of memory and the detector keeps judging the busiest keys.
 */
import { formatAddress } from '../decode/address.js';
import type { DecodedPacket } from '../decode/packet.js';
import type { Flow } from '../flow/flow.js';

/**
 * A Map with a cap and least-recently-used eviction. `get` does not refresh an entry (cheap reads); `touch`
 * and `set` do. Keys are numbers (an IPv4 address, a hash) or strings (IPv6 text, composite keys).
 */
export class BoundedMap<K, V> {
  private readonly map = new Map<K, V>();
  /**
   * A live iterator over the keys, kept from one eviction to the next: every key before its position was
   * evicted, so its next key is the least recently used. A fresh `keys().next()` per eviction would walk
   * over the slots of every entry deleted since the Map last compacted (V8 leaves them in place), about
   * 20 µs per eviction at a cap of 65,536. A live iterator also keeps alive every table the Map outgrew
   * since the iterator last moved, so it is dropped after `cap / 2` other changes (fewer than one
   * compaction's worth) and by a sweep or clear; the next eviction then starts a fresh one.
   */
  private oldest: IterableIterator<K> | null = null;
  /** Changes (refreshes, inserts, deletes) since the iterator last moved. */
  private unmoved = 0;
  /** Entries evicted to stay under the cap, over the table's life. */
  evictions = 0;

  /**
   * `onEvict` counts evictions (the stage's `ctx.evicted`); `onEvictEntry` gets each evicted entry, after it
   * left the table, for a detector that must undo what the entry stood for (a count elsewhere).
   */
  constructor(
    readonly cap: number,
    private readonly onEvict?: (n: number) => void,
    private readonly onEvictEntry?: (value: V, key: K) => void,
  ) {
    if (!(cap >= 1)) throw new RangeError(`BoundedMap cap must be at least 1, not ${cap}`);
  }

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  /** Inserts or replaces `key` as the most recently used entry, evicting the least recently used at the cap. */
  set(key: K, value: V): void {
    const m = this.map;
    if (m.has(key)) {
      m.delete(key);
      this.changed();
    } else if (m.size >= this.cap) {
      let r = this.oldest?.next();
      if (r === undefined || r.done === true) {
        this.oldest = m.keys();
        r = this.oldest.next();
      }
      this.unmoved = 0;
      const k = r.value as K;
      const gone = this.onEvictEntry !== undefined ? m.get(k) : undefined;
      m.delete(k);
      this.evictions++;
      this.onEvict?.(1);
      if (gone !== undefined) this.onEvictEntry!(gone, k);
    } else this.changed();
    m.set(key, value);
  }

  /** A change that did not move the eviction iterator: past `cap / 2` of them, the iterator is dropped. */
  private changed(): void {
    if (this.oldest !== null && ++this.unmoved > this.cap >>> 1) this.oldest = null;
  }

  /** The entry of `key`, made the most recently used; created by `make` when absent. */
  upsert(key: K, make: () => V): V {
    const m = this.map;
    const v = m.get(key);
    if (v !== undefined) {
      m.delete(key);
      this.changed();
      m.set(key, v);
      return v;
    }
    const fresh = make();
    this.set(key, fresh);
    return fresh;
  }

  delete(key: K): boolean {
    if (!this.map.delete(key)) return false;
    this.changed();
    return true;
  }

  clear(): void {
    this.map.clear();
    this.oldest = null;
  }

  /** Entries from least to most recently used. */
  entries(): IterableIterator<[K, V]> {
    return this.map.entries();
  }

  values(): IterableIterator<V> {
    return this.map.values();
  }

  /** Removes every entry `stale` says is done (a sweep, at most once per second of capture time). */
  sweep(stale: (value: V, key: K) => boolean): void {
    let removed = false;
    for (const [k, v] of this.map)
      if (stale(v, k)) {
        this.map.delete(k);
        removed = true;
      }
    if (removed) this.oldest = null;
  }
}

/**
 * Distinct values in a fixed 1,024-bit set (linear counting, Whang et al. 1990): add a 32-bit value, read an
 * estimate of how many distinct values were added. Exact enough below a few hundred (what scan thresholds
 * need), 128 bytes whatever the input. `values` keeps the first few values for the alert's details.
 */
export class DistinctCounter {
  private readonly bits = new Uint32Array(32);
  private zeros = 1024;
  /** The first `keep` distinct values, in order (for an alert: the first ports probed, say). */
  readonly first: number[] = [];

  constructor(private readonly keep = 8) {}

  /** Adds a value; returns true when it set a bit that was clear (a value certainly not seen before). */
  add(value: number): boolean {
    const h = mix32(value) & 1023;
    const w = h >>> 5;
    const b = 1 << (h & 31);
    const bits = this.bits;
    if ((bits[w]! & b) !== 0) return false;
    bits[w] = bits[w]! | b;
    this.zeros--;
    if (this.first.length < this.keep) this.first.push(value);
    return true;
  }

  /** The estimated number of distinct values added (exact while no two collided). */
  get estimate(): number {
    if (this.zeros === 0) return 1024 * Math.log(1024); // saturated: at least ~7,000
    return Math.round(-1024 * Math.log(this.zeros / 1024));
  }

  clear(): void {
    this.bits.fill(0);
    this.zeros = 1024;
    this.first.length = 0;
  }
}

/** A 32-bit integer hash (lowbias32): spreads ports and addresses over the counter's bits. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * A table key for an address given as four words (DecodedPacket.src/dst, a flow's address words): the
 * IPv4 address itself as a number, an IPv6 address as a 53-bit mix of its words (distinct addresses
 * colliding is as unlikely as in the flow table's own hash, and only merges two counters).
 */
export function addressKey(w0: number, w1: number, w2: number, w3: number, ipVersion: number): number {
  if (ipVersion === 4) return w0 >>> 0;
  const hi = mix32(w0 ^ mix32(w1 ^ 0x9e3779b9));
  const lo = mix32(w2 ^ mix32(w3 ^ 0x85ebca6b));
  return (hi & 0x1fffff) * 0x100000000 + lo + 0x100000000; // above every IPv4 key
}

/** A flow's client (`server` false) or server address as a table key. */
export function flowAddressKey(flow: Flow, server: boolean): number {
  return server
    ? addressKey(flow.serverAddr0, flow.serverAddr1, flow.serverAddr2, flow.serverAddr3, flow.ipVersion)
    : addressKey(flow.clientAddr0, flow.clientAddr1, flow.clientAddr2, flow.clientAddr3, flow.ipVersion);
}

/** A packet's source (`dst` false) or destination address as a table key. */
export function packetAddressKey(p: DecodedPacket, dst: boolean): number {
  const w = dst ? p.dst : p.src;
  return addressKey(w[0]!, w[1]!, w[2]!, w[3]!, p.ipVersion);
}

/**
 * One table key (a 53-bit number) for an ordered pair of keys (two `addressKey`s, or an address key and a
 * port or service number). Two pairs colliding is as unlikely as two flows colliding in the flow table, and
 * only merges two counters.
 */
export function pairKey(a: number, b: number): number {
  const aLo = a >>> 0;
  const aHi = Math.floor(a / 0x100000000);
  const bLo = b >>> 0;
  const bHi = Math.floor(b / 0x100000000);
  const hi = mix32(aLo ^ mix32(bHi ^ 0x27d4eb2f) ^ Math.imul(aHi, 0x165667b1));
  const lo = mix32(bLo ^ mix32(aLo ^ 0x9e3779b9) ^ Math.imul(bHi ^ aHi, 0x85ebca6b));
  return (hi & 0x1fffff) * 0x100000000 + lo;
}

const scratchWords = new Uint32Array(4);

/** The text of a flow's client (`server` false) or server address (made when a finding or an entry needs it). */
export function flowAddressText(flow: Flow, server: boolean): string {
  return formatAddress(flow.addressOf(server, scratchWords), flow.ipVersion);
}
