/**
 * The names DNS gave to addresses, learned from the DNS responses seen in the traffic and shared by every
 * flow: "which names did a resolver map to this address, and until when". An `fqdns` group contains an
 * address while one of those names matches it.
 *
 * What counts: a response's A and AAAA records, each under its own owner name and under every name whose
 * CNAME chain (in the same response) leads to it, the question's name included. An entry lives for its TTL
 * (the smallest TTL along the chain) plus a grace period (`graceSeconds`): clients keep using an answer a
 * little after its TTL (resolver caches, connection pools), and a connection opened then is still the one the
 * answer was for. Time is capture time (the engine's clock).
 *
 * Bounded: at most `maxEntries` (address, name) pairs. A full table forgets the pair refreshed least recently
 * (the Map's insertion order, kept by re-inserting a refreshed pair) and counts it; expired pairs are swept as
 * the table grows. Lookups never allocate when the address has no names.
 */
import { parseAddress } from '../decode/address.js';
import type { DnsMessage, DnsResourceRecord } from '../protocols/dns/events.js';
import { normalizeName } from './names.js';

/**
 * The table's key of an address: its words (IPv4: one number; IPv6: four, dotted), so that DNS text and a
 * flow's words meet without formatting either side the same way.
 */
export function addressKey(version: number, words: ArrayLike<number>): string {
  return version === 4 ? String(words[0]! >>> 0) : `${words[0]! >>> 0}.${words[1]! >>> 0}.${words[2]! >>> 0}.${words[3]! >>> 0}`;
}

const scratchWords = new Uint32Array(4);

export interface NameTableOptions {
  /** Most (address, name) pairs kept. Default 65,536. */
  maxEntries: number;
  /** Seconds an entry outlives its TTL. Default 300. */
  graceSeconds: number;
}

export const NAME_TABLE_DEFAULTS: NameTableOptions = { maxEntries: 65536, graceSeconds: 300 };

/** Longest CNAME chain followed back from an address record (loops and longer chains stop there). */
const MAX_CHAIN = 16;

interface NameEntry {
  key: string;
  address: string;
  name: string;
  /** Capture time after which the entry is gone (TTL end + grace). */
  until: number;
  /** The name was a question's (what a client asked for), not only an alias or a CNAME target. */
  asked: boolean;
}

export interface NameTableStats {
  entries: number;
  /** (address, name) pairs learned or refreshed. */
  learned: number;
  /** Pairs forgotten because the table was full. */
  evicted: number;
  /** Pairs dropped after their TTL and grace. */
  expired: number;
  /** DNS responses read. */
  responses: number;
}

export class NameTable {
  private readonly byAddress = new Map<string, Map<string, NameEntry>>();
  /** Every entry, least recently refreshed first. */
  private readonly order = new Map<string, NameEntry>();
  private readonly opts: NameTableOptions;
  private learnedCount = 0;
  private evictedCount = 0;
  private expiredCount = 0;
  private responses = 0;
  private insertsSinceSweep = 0;
  /** Set when the table was full and forgot a pair; the engine reports it once and clears it. */
  full = false;

  constructor(options: Partial<NameTableOptions> = {}) {
    this.opts = { ...NAME_TABLE_DEFAULTS, ...options };
  }

  get size(): number {
    return this.order.size;
  }

  stats(): NameTableStats {
    return {
      entries: this.order.size,
      learned: this.learnedCount,
      evicted: this.evictedCount,
      expired: this.expiredCount,
      responses: this.responses,
    };
  }

  /** Learns what a DNS response says (queries and failed responses say nothing about addresses). */
  learn(msg: DnsMessage, now: number): void {
    if (msg.type !== 'response' || msg.answers.length === 0) return;
    this.responses++;
    // Reverse CNAME edges: target -> [owner, ttl].
    let aliasesOf: Map<string, [string, number][]> | null = null;
    for (const rr of msg.answers) {
      if (rr.class !== 1 || rr.rdata.kind !== 'name' || rr.type !== 5) continue;
      const target = normalizeName(rr.rdata.name);
      aliasesOf ??= new Map();
      const list = aliasesOf.get(target);
      const edge: [string, number] = [normalizeName(rr.name), rr.ttl];
      if (list === undefined) aliasesOf.set(target, [edge]);
      else list.push(edge);
    }
    const asked = msg.questions.length > 0 ? normalizeName(msg.questions[0]!.name) : null;
    for (const rr of msg.answers) {
      if (rr.class !== 1 || rr.rdata.kind !== 'address' || (rr.type !== 1 && rr.type !== 28)) continue;
      this.learnAddress(rr, aliasesOf, asked, now);
    }
  }

  private learnAddress(
    rr: DnsResourceRecord,
    aliasesOf: Map<string, [string, number][]> | null,
    asked: string | null,
    now: number,
  ): void {
    const version = parseAddress((rr.rdata as { address: string }).address, scratchWords);
    if (version === 0) return;
    const address = addressKey(version, scratchWords);
    const owner = normalizeName(rr.name);
    this.put(address, owner, now, rr.ttl, owner === asked);
    if (aliasesOf === null) return;
    // Every name whose chain leads to the owner, with the smallest TTL on its way.
    const seen = new Set<string>([owner]);
    let frontier: [string, number][] = [[owner, rr.ttl]];
    for (let depth = 0; depth < MAX_CHAIN && frontier.length > 0; depth++) {
      const next: [string, number][] = [];
      for (const [name, ttl] of frontier) {
        for (const [alias, aliasTtl] of aliasesOf.get(name) ?? []) {
          if (seen.has(alias)) continue;
          seen.add(alias);
          const t = Math.min(ttl, aliasTtl);
          this.put(address, alias, now, t, alias === asked);
          next.push([alias, t]);
        }
      }
      frontier = next;
    }
  }

  private put(address: string, name: string, now: number, ttl: number, asked: boolean): void {
    if (name === '' || name === '.') return;
    const until = now + ttl + this.opts.graceSeconds;
    const key = `${address} ${name}`;
    const old = this.order.get(key);
    this.learnedCount++;
    if (old !== undefined) {
      // Refreshed: keeps the later end (a shorter answer from a second resolver does not cut it short).
      this.order.delete(key);
      if (until > old.until) old.until = until;
      if (asked) old.asked = true;
      this.order.set(key, old);
      return;
    }
    const entry: NameEntry = { key, address, name, until, asked };
    this.order.set(key, entry);
    let names = this.byAddress.get(address);
    if (names === undefined) {
      names = new Map();
      this.byAddress.set(address, names);
    }
    names.set(name, entry);
    if (++this.insertsSinceSweep >= 4096) this.sweep(now);
    while (this.order.size > this.opts.maxEntries) {
      const first = this.order.values().next().value as NameEntry;
      this.remove(first);
      this.evictedCount++;
      this.full = true;
    }
  }

  /** Drops every entry whose time is over (amortised: once per 4,096 insertions). */
  private sweep(now: number): void {
    this.insertsSinceSweep = 0;
    for (const e of this.order.values()) {
      if (e.until < now) {
        this.remove(e);
        this.expiredCount++;
      }
    }
  }

  private remove(e: NameEntry): void {
    this.order.delete(e.key);
    const names = this.byAddress.get(e.address);
    if (names !== undefined) {
      names.delete(e.name);
      if (names.size === 0) this.byAddress.delete(e.address);
    }
  }

  /**
   * Calls `visit` with each name DNS gave the address of key `address` (`addressKey`) that is still alive at `now`,
   * and returns how many there were. Expired names met on the way are dropped.
   */
  namesOf(address: string, now: number, visit: ((name: string, asked: boolean) => void) | null): number {
    const names = this.byAddress.get(address);
    if (names === undefined) return 0;
    let alive = 0;
    for (const e of names.values()) {
      if (e.until < now) {
        this.remove(e);
        this.expiredCount++;
        continue;
      }
      alive++;
      if (visit !== null) visit(e.name, e.asked);
    }
    return alive;
  }
}
