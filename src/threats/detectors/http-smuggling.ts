/**
 * HTTP request smuggling (T1190): requests framed so that two HTTP processors in a chain (a proxy and the
 * server behind it) can read different message boundaries (RFC 9112 §11.2), so that a request hides in
 * another one's body.
 *
 * What it sees: the HTTP parser's own anomalies (src/protocols/http/anomalies.ts), through the `anomaly`
 * hook, on the request side only (`dir` 0: a response with odd framing attacks nobody's server). The parser
 * already picks the reading RFC 9112 prescribes and raises the ambiguity; this detector only weighs it, per
 * (client, server) pair, and links the anomalies and the flow to the threat.
 *
 * Weights, by how much ambiguity each leaves between two readers:
 * - strong (4): Content-Length with Transfer-Encoding (CL.TE / TE.CL), two different Content-Lengths, a
 *   transfer coding nobody knows (`Transfer-Encoding: xchunked`, the TE.TE obfuscations), chunked not last;
 * - medium (2): whitespace before the colon (`Transfer-Encoding : chunked`, which RFC 9112 §5.1 says to
 *   reject because proxies disagree on it), Transfer-Encoding in HTTP/1.0, a Content-Length that is not a
 *   decimal number or overflows, a chunk size that overflows;
 * - weak (1): obsolete line folding, a bare CR, a chunk-size line that is not hex: broken clients send these.
 * A pair reports when the distinct anomalies it raised within `windowSec` weigh `minScore` (default 4): one
 * strong one, two medium ones, or a medium one with two weak ones; weak ones alone never do. Each name counts
 * once however often it repeats (a scanner sends the same probe many times: the count says so).
 *
 * How others do it: Suricata's HTTP parser raises app-layer events for malformed framing and leaves the
 * verdict to rules on them; Zeek's HTTP analyzer logs weirds. Here the weights turn the parser's anomalies
 * into one threat per pair, and a lone weak one (obs-fold from an old client) stays an anomaly.
 *
 * State: one small entry per (client, server) pair that raised a listed anomaly, in a BoundedMap capped by
 * `maxTracked`; entries older than `windowSec` are swept each second.
 */
import { formatAddress } from '../../decode/address.js';
import type { DecodedPacket } from '../../decode/packet.js';
import type { Flow } from '../../flow/flow.js';
import type { Direction } from '../../flow/stream.js';
import { BoundedMap, flowAddressKey } from '../tables.js';
import type { ThreatContext, ThreatDetector, ThreatDetectorDef } from '../types.js';

/** The anomalies weighed, with their weights (strong 4, medium 2, weak 1). */
export const SMUGGLING_WEIGHTS: Readonly<Record<string, number>> = {
  'http.content_length_with_transfer_encoding': 4,
  'http.duplicate_content_length': 4,
  'http.unknown_transfer_encoding': 4,
  'http.chunked_not_final': 4,
  'http.whitespace_before_colon': 2,
  'http.transfer_encoding_http10': 2,
  'http.invalid_content_length': 2,
  'http.content_length_overflow': 2,
  'http.chunk_size_overflow': 2,
  'http.obsolete_line_folding': 1,
  'http.bare_cr': 1,
  'http.invalid_chunk_size': 1,
};
const NAMES = Object.keys(SMUGGLING_WEIGHTS);
/** Each name's bit in a pair's mask, and its weight by bit (no lookups by string on the common path). */
const BIT = new Map<string, number>(NAMES.map((n, i) => [n, i]));
const WEIGHT = NAMES.map((n) => SMUGGLING_WEIGHTS[n]!);

export type HttpSmugglingOptions = { minScore: number; windowSec: number };

interface Pair {
  firstSec: number;
  /** Bits of the names raised (index in NAMES). */
  mask: number;
  score: number;
  /** Occurrences of listed anomalies on the request side. */
  count: number;
  /** Flows they were raised on. */
  flows: number;
  lastFlowId: number;
  reported: boolean;
}

const scratch = new Uint32Array(4);
function addressText(flow: Flow, server: boolean): string {
  return formatAddress(flow.addressOf(server, scratch), flow.ipVersion);
}

class HttpSmugglingDetector implements ThreatDetector {
  private readonly pairs: BoundedMap<string, Pair>;

  constructor(
    private readonly o: HttpSmugglingOptions,
    private readonly ctx: ThreatContext,
  ) {
    this.pairs = new BoundedMap(ctx.maxTracked, (n) => ctx.evicted(n));
  }

  anomaly(name: string, flow: Flow | null, _p: DecodedPacket | null, now: number, dir?: Direction): void {
    // The request side only; an anomaly whose direction is not known is taken as the request's (the HTTP
    // parser always says which side raised it, see the stage's wiring).
    if (flow === null || dir === 1) return;
    const bit = BIT.get(name);
    if (bit === undefined) return;
    const key = `${flowAddressKey(flow, false)}>${flowAddressKey(flow, true)}`;
    let pair = this.pairs.get(key);
    if (pair === undefined || now - pair.firstSec > this.o.windowSec) {
      pair = { firstSec: now, mask: 0, score: 0, count: 0, flows: 0, lastFlowId: -1, reported: false };
      this.pairs.set(key, pair);
    }
    pair.count++;
    if (pair.lastFlowId !== flow.id) {
      pair.lastFlowId = flow.id;
      pair.flows++;
    }
    const b = 1 << bit;
    if ((pair.mask & b) === 0) {
      pair.mask |= b;
      pair.score += WEIGHT[bit]!;
    }
    if (pair.reported || pair.score < this.o.minScore) return;
    pair.reported = true;
    const names: string[] = [];
    for (let i = 0; i < NAMES.length; i++) if ((pair.mask & (1 << i)) !== 0) names.push(NAMES[i]!);
    this.ctx.report({
      now,
      attacker: addressText(flow, false),
      target: addressText(flow, true),
      count: pair.count,
      details: {
        score: pair.score,
        anomalies: names,
        flows: pair.flows,
        serverPort: flow.serverPort,
        direction: dir === undefined ? 'unknown' : 'to_server',
      },
      flow,
      anomalies: names,
    });
  }

  tick(now: number): void {
    const w = this.o.windowSec;
    this.pairs.sweep((p) => now - p.firstSec > w);
  }

  size(): number {
    return this.pairs.size;
  }
}

export const httpSmuggling: ThreatDetectorDef<HttpSmugglingOptions> = {
  name: 'http_smuggling',
  title: 'HTTP request smuggling',
  description:
    'Requests with ambiguous framing (Content-Length with Transfer-Encoding, conflicting lengths, obfuscated Transfer-Encoding) from the HTTP parser',
  category: 'Web Application Attack',
  severity: 1,
  techniques: ['T1190'],
  signatureId: 1014,
  defaults: { minScore: 4, windowSec: 300 },
  docs: {
    minScore:
      'Weight of the distinct request-side framing anomalies one client raises towards one server that makes a threat (strong 4, medium 2, weak 1)',
    windowSec: 'Seconds over which a pair’s anomalies add up',
  },
  anomalies: NAMES,
  create: (o, ctx) => new HttpSmugglingDetector(o, ctx),
};
