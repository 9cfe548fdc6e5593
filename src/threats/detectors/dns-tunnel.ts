/**
 * DNS tunnelling (iodine, dnscat2, dns2tcp, DNS beacons of C2 frameworks): data carried in the names a
 * client asks for, under one domain the tunnel's server is authoritative for.
 *
 * What it sees: `dns` records (queries; and responses whose query the flow did not see, so that a capture
 * of one direction still counts), from the `record` hook. mDNS and LLMNR are other record types and never
 * reach it. Per client address and registered domain (approximated: the last two labels, or three when the
 * second-level label is one of the common public-suffix second levels below, as in `example.co.uk`; a name
 * whose last label cannot be a top-level domain, as dnscat2's direct mode `dnscat.<hex>.<hex>`, is grouped
 * by its first label), over
 * `window` seconds: how many distinct subdomains were asked (a `DistinctCounter` of the subdomain's hash:
 * a tunnel never repeats a name, or caches would eat its data), how many queries had a label of
 * `minLabelLength` characters or more, the mean Shannon entropy of the subdomain's characters (case folded:
 * resolvers randomise case, RFC draft "0x20"), the share of query types tunnels favour (TXT, NULL, CNAME,
 * MX, private-use types: they carry the most bytes back) and the query rate.
 *
 * The score (documented weights): long labels 2, entropy 1, record types 1, rate 1; it fires when the
 * domain has at least `minUniqueSubdomains` distinct subdomains in the window and the score reaches
 * `minScore` (3). So long labels need one more sign, and short-label tunnels need high entropy, tunnel
 * types and a high rate together. Why the defaults hold on ordinary traffic:
 * - a busy resolver asks many domains, few subdomains each; the domains with many distinct names are CDNs
 *   and video hosts (`*.cloudfront.net`, `*.akamaiedge.net`, `rr3---sn-xxxx.googlevideo.com`): their labels
 *   are 10 to 25 characters, their entropy about 3 to 3.5 bits per character, their type A/AAAA/HTTPS, so
 *   the rate alone scores (1 of 3);
 * - DNS blocklist lookups of a mail server (`4.3.2.1.zen.spamhaus.org`, TXT) are short, low-entropy names
 *   (digits): types and rate score 2 of 3;
 * - reverse lookups (`in-addr.arpa`, `ip6.arpa`), `.local` names and DNS-SD/SRV service names (a label that
 *   starts with `_`) are skipped: they are long and numerous by design.
 * What may still fire, rightly in the sense that it is data over DNS: anti-virus and reputation services
 * that look file hashes up as names (long hex labels under one domain, many per minute).
 *
 * Zeek's stock scripts have no tunnel detector; the `anomalous-dns` Zeek package tracks the same kinds of
 * sign (request types, request and answer sizes, unique queries per domain); Suricata and Snort rules match
 * known tools' names or a query longer than N bytes. This is that behavioural reading (long, random,
 * unique names under one domain) with the thresholds in the options.
 *
 * State: one entry per (client, domain) in a `BoundedMap` capped by `maxTracked`: a score of numbers and
 * the distinct subdomains, four held inline and a 128-byte counter from the fifth (so the many domains a
 * client asks few names of cost about 250 bytes each); entries idle for a window are swept by `tick`.
 */
import { formatAddress } from '../../decode/address.js';
import type { Flow } from '../../flow/flow.js';
import type { DnsMessage } from '../../protocols/dns/events.js';
import { BoundedMap, flowAddressKey, pairKey } from '../tables.js';
import type { ThreatContext, ThreatDetector, ThreatDetectorDef } from '../types.js';
import { LazyDistinct } from './scanflood-common.js';

/** Thresholds (`threats.detectors.<name>` in the config); a type, not an interface, so it is a `ThreatThresholds`. */
export type DnsTunnelOptions = {
  window: number;
  minUniqueSubdomains: number;
  minLabelLength: number;
  minLongShare: number;
  minEntropy: number;
  minTypeShare: number;
  minRate: number;
  minScore: number;
};

/** Second-level labels under a two-letter country code that are public suffixes (`co.uk`, `com.au`, `ne.jp`). */
const SECOND_LEVELS = ['co', 'com', 'net', 'org', 'gov', 'edu', 'ac', 'or', 'ne', 'go', 'gob', 'mil', 'nic', 'ltd', 'plc', 'sch'];

/** Subdomains shorter than this (characters, dots excluded) have too few characters for a meaningful entropy. */
const MIN_ENTROPY_CHARS = 16;

interface Entry {
  domain: string;
  start: number;
  last: number;
  queries: number;
  /** Distinct subdomain hashes: four inline, a 1,024-bit counter from the fifth. */
  unique: LazyDistinct;
  longLabels: number;
  /** Queries whose subdomain was long enough for an entropy, and the sum of those entropies. */
  measured: number;
  entropySum: number;
  subLenSum: number;
  tunnelTypes: number;
  typeA: number;
  typeTxt: number;
  typeNull: number;
  typeCname: number;
  typeMx: number;
  typeOther: number;
  /** The first three names with a subdomain (references to the records' strings), null until one. */
  samples: string[] | null;
  reported: boolean;
}

/** FNV-1a of `s[start, end)` with ASCII upper case folded. */
function foldedHash(s: string, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    let c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) c |= 0x20;
    h = Math.imul(h ^ c, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Whether `s[start, end)` can be a top-level domain: letters only and at most 24 of them (the longest
 * delegated TLDs are 18 letters; IDN TLDs are `xn--` then letters and digits).
 */
function tldLike(s: string, start: number, end: number): boolean {
  const n = end - start;
  if (n < 2 || n > 24) return false;
  const idn = n > 4 && labelIs(s, start, start + 4, 'xn--');
  for (let i = idn ? start + 4 : start; i < end; i++) {
    const c = s.charCodeAt(i) | 0x20;
    if (c >= 97 && c <= 122) continue;
    if (idn && ((c >= 48 && c <= 57) || c === 45)) continue;
    return false;
  }
  return true;
}

/** Whether `s[start, end)` equals `word` (lower case), ASCII case folded. */
function labelIs(s: string, start: number, end: number, word: string): boolean {
  if (end - start !== word.length) return false;
  for (let i = 0; i < word.length; i++) {
    let c = s.charCodeAt(start + i);
    if (c >= 65 && c <= 90) c |= 0x20;
    if (c !== word.charCodeAt(i)) return false;
  }
  return true;
}

export const dnsTunnel: ThreatDetectorDef<DnsTunnelOptions> = {
  name: 'dns_tunnel',
  title: 'DNS tunnelling',
  description: 'Long, high-entropy, never-repeated names under one domain, tunnel-friendly query types and rates',
  category: 'Potential Corporate Privacy Violation',
  severity: 2,
  techniques: ['T1071.004', 'T1572'],
  signatureId: 1017,
  defaults: {
    window: 300,
    minUniqueSubdomains: 100,
    minLabelLength: 40,
    minLongShare: 0.5,
    minEntropy: 3.5,
    minTypeShare: 0.5,
    minRate: 30,
    minScore: 3,
  },
  docs: {
    window: 'seconds over which a client and domain are judged (counters restart after it)',
    minUniqueSubdomains: 'distinct subdomains of one domain asked by one client in the window (required)',
    minLabelLength:
      'characters in a label (presentation form: a binary byte is 4, `\\DDD`) for the query to count as having a long label',
    minLongShare: 'share of the queries with a long label for the long-label sign (weight 2)',
    minEntropy: 'mean Shannon entropy of the subdomain characters, bits per character, for the entropy sign (weight 1)',
    minTypeShare: 'share of TXT/NULL/CNAME/MX/private-type queries for the record-type sign (weight 1)',
    minRate: 'queries per minute to the domain for the rate sign (weight 1)',
    minScore: 'sum of the sign weights that fires, with the distinct-subdomain count reached',
  },
  records: ['dns'],
  create(options, ctx) {
    return new DnsTunnelDetector(options, ctx);
  },
};

class DnsTunnelDetector implements ThreatDetector {
  private readonly table: BoundedMap<number, Entry>;
  private readonly scratch = new Uint32Array(128);
  private readonly words = new Uint32Array(4);
  private nextSweep = 0;

  constructor(
    private readonly o: DnsTunnelOptions,
    private readonly ctx: ThreatContext,
  ) {
    this.table = new BoundedMap(ctx.maxTracked, (n) => ctx.evicted(n));
  }

  size(): number {
    return this.table.size;
  }

  tick(now: number): void {
    if (now < this.nextSweep) return;
    this.nextSweep = now + 5;
    const window = this.o.window;
    this.table.sweep((e) => now - e.last > window);
  }

  record(flow: Flow, type: string, payload: object, now: number): void {
    if (type !== 'dns') return;
    const msg = payload as DnsMessage;
    const isQuery = msg.type === 'query';
    // A response counts only when its query was not seen (one-direction captures); otherwise the query did.
    if (!isQuery && msg.querySeen !== false) return;
    const q = msg.questions?.[0];
    if (q === undefined || q === null || typeof q.name !== 'string') return;
    const name = q.name;
    let end = name.length;
    if (end > 0 && name.charCodeAt(end - 1) === 46) end--;
    if (end === 0) return;
    // The last three dots from the end: the labels of the registered domain.
    let d1 = -1;
    let d2 = -1;
    let d3 = -1;
    for (let i = end - 1; i >= 0; i--) {
      if (name.charCodeAt(i) !== 46) continue;
      if (d1 < 0) d1 = i;
      else if (d2 < 0) d2 = i;
      else {
        d3 = i;
        break;
      }
    }
    if (d1 < 0) return; // a single label: nothing under a domain
    if (labelIs(name, d1 + 1, end, 'arpa') || labelIs(name, d1 + 1, end, 'local')) return;
    let base = d2 + 1; // start of the registered domain (0 when the name is the domain)
    // The registered domain is name[domStart, domEnd), the subdomain name[subStart, subEnd).
    let domStart = 0;
    let domEnd = end;
    let subStart = 0;
    let subEnd = -1;
    if (!tldLike(name, d1 + 1, end)) {
      // No real top-level domain (dnscat2's direct mode: `dnscat.<hex>.<hex>` sent to the server's address):
      // the first label is what the names share, the rest is the data.
      let f = 0;
      while (name.charCodeAt(f) !== 46) f++;
      domEnd = f;
      subStart = f + 1;
      subEnd = end;
    } else if (end - d1 - 1 === 2 && d2 >= 0) {
      // A country code: a common second level makes the domain three labels (example.co.uk).
      for (const sl of SECOND_LEVELS)
        if (labelIs(name, d2 + 1, d1, sl)) {
          base = d3 + 1; // 0 when the name is the domain itself
          break;
        }
    }
    if (subEnd < 0) {
      domStart = base;
      subEnd = base - 1;
    }
    // The subdomain: its length, longest label, and DNS-SD names (`_service._tcp`).
    let maxLabel = 0;
    let labelStart = subStart;
    let subChars = 0;
    const scratch = this.scratch;
    if (subEnd > subStart) {
      scratch.fill(0);
      for (let i = subStart; i <= subEnd; i++) {
        const c = i < subEnd ? name.charCodeAt(i) : 46;
        if (c === 46) {
          if (i - labelStart > maxLabel) maxLabel = i - labelStart;
          labelStart = i + 1;
          continue;
        }
        if (i === labelStart && c === 95) return; // `_`: a service label (DNS-SD, SRV, DKIM, ACME)
        const f = c >= 65 && c <= 90 ? c | 0x20 : c & 127;
        scratch[f]!++;
        subChars++;
      }
    }
    const clientIsFlowClient = isQuery ? msg.direction !== 'to_client' : msg.direction === 'to_client';
    const clientKey = flowAddressKey(flow, !clientIsFlowClient);
    const domainHash = foldedHash(name, domStart, domEnd);
    const key = pairKey(clientKey, domainHash);
    const o = this.o;
    let e = this.table.get(key);
    if (e === undefined) {
      e = newEntry(name.slice(domStart, domEnd).toLowerCase(), now);
      this.table.set(key, e);
    } else {
      if (now - e.last >= 1) this.table.set(key, e); // most recently used (refreshed at most once a second)
      if (now - e.start >= o.window) resetEntry(e, now);
    }
    e.last = now;
    e.queries++;
    if (subChars > 0) {
      if (e.samples === null) e.samples = [name];
      else if (e.samples.length < 3) e.samples.push(name);
    }
    switch (q.type) {
      case 1:
      case 28:
        e.typeA++;
        break;
      case 16:
        e.typeTxt++;
        e.tunnelTypes++;
        break;
      case 10:
        e.typeNull++;
        e.tunnelTypes++;
        break;
      case 5:
        e.typeCname++;
        e.tunnelTypes++;
        break;
      case 15:
        e.typeMx++;
        e.tunnelTypes++;
        break;
      default:
        e.typeOther++;
        if (q.type >= 65280 && q.type <= 65534) e.tunnelTypes++;
    }
    if (subChars === 0) return;
    e.subLenSum += subChars;
    if (maxLabel >= o.minLabelLength) e.longLabels++;
    if (subChars >= MIN_ENTROPY_CHARS) {
      let h = 0;
      for (let i = 0; i < 128; i++) {
        const c = scratch[i]!;
        if (c > 0) {
          const p = c / subChars;
          h -= p * Math.log2(p);
        }
      }
      e.measured++;
      e.entropySum += h;
    }
    // A subdomain not seen before (certainly) is the only event that can cross the distinct threshold.
    if (!e.unique.add(foldedHash(name, subStart, subEnd)) || e.reported) return;
    // The estimate may run a little past the truth; distinct subdomains cannot outnumber the queries.
    const estimate = e.unique.estimate;
    const unique = estimate < e.queries ? estimate : e.queries;
    if (unique < o.minUniqueSubdomains) return;
    const elapsed = now - e.start;
    const rate = (e.queries * 60) / (elapsed > 60 ? elapsed : 60);
    const longShare = e.longLabels / e.queries;
    const meanEntropy = e.measured > 0 ? e.entropySum / e.measured : 0;
    const typeShare = e.tunnelTypes / e.queries;
    const signs: string[] = [];
    let score = 0;
    if (longShare >= o.minLongShare) score += 2;
    if (e.measured * 2 >= e.queries && meanEntropy >= o.minEntropy) score += 1;
    if (typeShare >= o.minTypeShare) score += 1;
    if (rate >= o.minRate) score += 1;
    if (score < o.minScore) return;
    e.reported = true;
    if (longShare >= o.minLongShare) signs.push('long_labels');
    if (e.measured * 2 >= e.queries && meanEntropy >= o.minEntropy) signs.push('entropy');
    if (typeShare >= o.minTypeShare) signs.push('record_types');
    if (rate >= o.minRate) signs.push('rate');
    const types: string[] = [];
    if (e.typeA > 0) types.push(`A/AAAA:${e.typeA}`);
    if (e.typeTxt > 0) types.push(`TXT:${e.typeTxt}`);
    if (e.typeNull > 0) types.push(`NULL:${e.typeNull}`);
    if (e.typeCname > 0) types.push(`CNAME:${e.typeCname}`);
    if (e.typeMx > 0) types.push(`MX:${e.typeMx}`);
    if (e.typeOther > 0) types.push(`other:${e.typeOther}`);
    const serverIsFlowServer = clientIsFlowClient;
    const attacker = formatAddress(flow.addressOf(!clientIsFlowClient, this.words), flow.ipVersion);
    const target = formatAddress(flow.addressOf(serverIsFlowServer, this.words), flow.ipVersion);
    this.ctx.report({
      now,
      attacker,
      target,
      count: unique,
      proto: msg.transport === 'tcp' ? 'TCP' : 'UDP',
      targetPort: serverIsFlowServer ? flow.serverPort : flow.clientPort,
      details: {
        domain: e.domain,
        uniqueSubdomains: unique,
        queries: e.queries,
        seconds: Math.round(elapsed * 10) / 10,
        queriesPerMinute: Math.round(rate * 10) / 10,
        meanSubdomainLength: Math.round((e.subLenSum / e.queries) * 10) / 10,
        longLabelShare: Math.round(longShare * 100) / 100,
        meanEntropy: Math.round(meanEntropy * 100) / 100,
        tunnelTypeShare: Math.round(typeShare * 100) / 100,
        queryTypes: types,
        score,
        signs,
        sampleNames: (e.samples ?? []).map((n) => (n.length > 100 ? `${n.slice(0, 100)}…` : n)),
      },
    });
  }
}

function newEntry(domain: string, now: number): Entry {
  return {
    domain,
    start: now,
    last: now,
    queries: 0,
    unique: new LazyDistinct(0),
    longLabels: 0,
    measured: 0,
    entropySum: 0,
    subLenSum: 0,
    tunnelTypes: 0,
    typeA: 0,
    typeTxt: 0,
    typeNull: 0,
    typeCname: 0,
    typeMx: 0,
    typeOther: 0,
    samples: null,
    reported: false,
  };
}

function resetEntry(e: Entry, now: number): void {
  e.start = now;
  e.queries = e.longLabels = e.measured = e.entropySum = e.subLenSum = e.tunnelTypes = 0;
  e.typeA = e.typeTxt = e.typeNull = e.typeCname = e.typeMx = e.typeOther = 0;
  e.unique.clear();
  e.samples = null;
  e.reported = false;
}
