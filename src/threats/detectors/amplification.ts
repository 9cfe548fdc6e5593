/**
 * Reflection amplification, ATT&CK T1498.002: small requests sent with the victim's address as source make
 * servers send large answers to the victim. Both detectors count per TARGET (the address the large answers
 * go to, which is also the spoofed source of the requests) in a tumbling window, and report once per
 * window when a threshold is crossed.
 *
 * dns_amplification (`record` of `dns` records, UDP only): a response counts when it is at least `minRatio`
 * times the size of the query it answers, and either nobody was seen asking (the parser saw no query with
 * its id: the victim's view, where the answers arrive unasked) and it is at least `minSize` bytes, or the
 * question is ANY (the reflector's view, where the spoofed queries are seen: ANY is what amplification
 * tools ask and what ordinary clients stopped asking after RFC 8482). The query's size is taken from the
 * response itself (header, the echoed question, an OPT record when the response has one), so no per-query
 * state is kept. Default: 50 such responses in 60 s, of 512 bytes or more (the classic UDP DNS limit that
 * ordinary answers fit in), ratio 5. A resolver answering its own clients does not fire: its clients asked
 * (the query is seen) and they do not ask ANY; a capture of a resolver seeing responses only (one direction
 * of an asymmetric route) could, at 50 large answers a minute to one client. Large answers to real queries
 * seen at the reflector (spoofed TXT or DNSKEY queries, not ANY) are not told from a validating resolver's
 * ordinary traffic and are not counted. Zeek has no built-in DNS amplification notice; ET Open's rules
 * ("DNS Amplification Attack Inbound", "Possible NTP DDoS ... MON_LIST Response") threshold ANY queries or
 * large responses by destination in the same way (tens per minute).
 *
 * ntp_amplification (`udp`, port 123: NTP has no netsieve parser, so the first bytes of the payload are
 * read here): NTP mode 7 (private, `ntpdc`) requests with request code 42 (MON_GETLIST_1) or 20
 * (MON_GETLIST), the `monlist` query of CVE-2013-5211, counted per requester (the victim), and mode 7
 * responses counted in bytes per receiver. Default: 5 monlist requests or 100,000 response bytes in 60 s;
 * an administrator's `ntpdc -c monlist` is one request and at most about 44 KB of answer.
 *
 * State: one BoundedMap per detector capped by `ctx.maxTracked` (a few numbers and a `LazyDistinct` of
 * reflectors per target), expired windows swept in `tick`.
 */
import type { DecodedPacket } from '../../decode/packet.js';
import type { Flow } from '../../flow/flow.js';
import type { Direction } from '../../flow/stream.js';
import { addressKey, BoundedMap, flowAddressKey } from '../tables.js';
import type { ThreatContext, ThreatDetector, ThreatDetectorDef } from '../types.js';
import { AddressWords, fold32, LazyDistinct } from './scanflood-common.js';

/** Per target: the window's qualifying answers, their sizes and who sent them. */
class AmpEntry {
  readonly target = new AddressWords();
  readonly reflectors = new LazyDistinct(0);
  /** The first reflector (the only one, often), for the finding. */
  readonly reflector = new AddressWords();
  start = -1;
  responses = 0;
  bytes = 0;
  maxSize = 0;
  /** DNS: estimated query bytes of the counted responses, ANY answers, answers nobody asked for. NTP: request count, bytes. */
  queryBytes = 0;
  any = 0;
  unsolicited = 0;
  requests = 0;
  reported = false;
}

function makeEntry(): AmpEntry {
  return new AmpEntry();
}

function openWindow(e: AmpEntry, now: number, window: number, v: number, d: Uint32Array): void {
  if (e.start >= 0 && now - e.start <= window) return;
  e.target.setWords(v, d);
  e.reflectors.clear();
  e.start = now;
  e.responses = e.bytes = e.maxSize = e.queryBytes = e.any = e.unsolicited = e.requests = 0;
  e.reported = false;
}

const TARGET = new Uint32Array(4);
const SOURCE = new Uint32Array(4);

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

// ------------------------------------------------------------------ dns_amplification

export interface DnsAmplificationOptions {
  [k: string]: number | boolean;
  minResponses: number;
  minSize: number;
  minRatio: number;
  window: number;
}

export const dnsAmplification: ThreatDetectorDef<DnsAmplificationOptions> = {
  name: 'dns_amplification',
  title: 'DNS amplification',
  description: 'Many large DNS responses to one address that did not ask, or asked ANY: a reflection flood',
  category: 'Detection of a Denial of Service Attack',
  severity: 2,
  techniques: ['T1498.002'],
  signatureId: 1006,
  defaults: { minResponses: 50, minSize: 512, minRatio: 5, window: 60 },
  docs: {
    minResponses: 'amplified DNS responses (unasked and large, or ANY) into one address in the window that make an attack',
    minSize: 'bytes an unasked DNS response must have to count',
    minRatio: 'response size over the size of its query (estimated from the echoed question) for a response to count',
    window: 'seconds over which the responses are counted (a tumbling window per target)',
  },
  records: ['dns'],
  create(o, ctx) {
    return new DnsAmplificationDetector(o, ctx);
  },
};

interface DnsLike {
  type?: unknown;
  transport?: unknown;
  direction?: unknown;
  size?: unknown;
  querySeen?: unknown;
  questions?: unknown;
  edns?: unknown;
}

/** The wire size of the query a response answers: header, question(s) as echoed, an OPT record if any. */
function querySize(questions: readonly unknown[], edns: boolean): number {
  let n = 12 + (edns ? 11 : 0);
  for (const q of questions) {
    const name = q !== null && typeof q === 'object' ? (q as { name?: unknown }).name : undefined;
    // Presentation text to wire length: each label's length byte stands where its dot is, plus the root.
    n += 4 + (typeof name !== 'string' || name === '.' || name === '' ? 1 : name.length + (name.endsWith('.') ? 1 : 2));
  }
  return n;
}

class DnsAmplificationDetector implements ThreatDetector {
  private readonly table: BoundedMap<number, AmpEntry>;
  private lastSweep = 0;

  constructor(
    private readonly o: DnsAmplificationOptions,
    private readonly ctx: ThreatContext,
  ) {
    this.table = new BoundedMap(ctx.maxTracked, (n) => ctx.evicted(n));
  }

  size(): number {
    return this.table.size;
  }

  record(flow: Flow, type: string, payload: object, now: number): void {
    if (type !== 'dns' || payload === null || typeof payload !== 'object') return;
    const m = payload as DnsLike;
    if (m.type !== 'response' || m.transport !== 'udp') return;
    const size = typeof m.size === 'number' ? m.size : 0;
    const questions = Array.isArray(m.questions) ? (m.questions as unknown[]) : [];
    const first = questions[0] as { type?: unknown } | undefined;
    const isAny = first !== undefined && first !== null && first.type === 255;
    const unsolicited = m.querySeen !== true;
    if (!isAny && !(unsolicited && size >= this.o.minSize)) return;
    const qsize = querySize(questions, m.edns !== null && m.edns !== undefined);
    if (size < qsize * this.o.minRatio) return;
    // The response's destination is the target; its source the reflector.
    const toServer = m.direction === 'to_server';
    const e = this.table.upsert(flowAddressKey(flow, toServer), makeEntry);
    flow.addressOf(toServer, TARGET);
    openWindow(e, now, this.o.window, flow.ipVersion, TARGET);
    flow.addressOf(!toServer, SOURCE);
    if (e.reflectors.add(fold32(addressKey(SOURCE[0]!, SOURCE[1]!, SOURCE[2]!, SOURCE[3]!, flow.ipVersion))) && e.responses === 0)
      e.reflector.setWords(flow.ipVersion, SOURCE);
    e.responses++;
    e.bytes += size;
    e.queryBytes += qsize;
    if (size > e.maxSize) e.maxSize = size;
    if (isAny) e.any++;
    if (unsolicited) e.unsolicited++;
    if (e.reported || e.responses < this.o.minResponses) return;
    e.reported = true;
    const reflectors = e.reflectors.estimate;
    this.ctx.report({
      now,
      attacker: reflectors === 1 ? e.reflector.text() : null,
      target: e.target.text(),
      count: e.responses,
      details: {
        responses: e.responses,
        response_bytes: e.bytes,
        max_response_size: e.maxSize,
        any_responses: e.any,
        unasked_responses: e.unsolicited,
        amplification: round2(e.bytes / Math.max(1, e.queryBytes)),
        reflectors,
        seconds: round2(now - e.start),
      },
      proto: 'UDP',
      attackerPort: 53,
    });
  }

  tick(now: number): void {
    if (now - this.lastSweep < 5) return;
    this.lastSweep = now;
    const w = this.o.window;
    this.table.sweep((e) => now - e.start > w);
  }
}

// ------------------------------------------------------------------ ntp_amplification

export interface NtpAmplificationOptions {
  [k: string]: number | boolean;
  minRequests: number;
  minBytes: number;
  window: number;
}

export const ntpAmplification: ThreatDetectorDef<NtpAmplificationOptions> = {
  name: 'ntp_amplification',
  title: 'NTP amplification',
  description: 'NTP monlist (mode 7) requests from, or large mode 7 responses to, one address: a reflection flood',
  category: 'Detection of a Denial of Service Attack',
  severity: 2,
  techniques: ['T1498.002'],
  signatureId: 1007,
  defaults: { minRequests: 5, minBytes: 100_000, window: 60 },
  docs: {
    minRequests: 'NTP mode 7 monlist requests (request code 42 or 20) with one source address in the window',
    minBytes: 'bytes of NTP mode 7 responses into one address in the window',
    window: 'seconds over which requests and response bytes are counted (a tumbling window per target)',
  },
  create(o, ctx) {
    return new NtpAmplificationDetector(o, ctx);
  },
};

const NTP_PORT = 123;
const MON_GETLIST = 20;
const MON_GETLIST_1 = 42;

class NtpAmplificationDetector implements ThreatDetector {
  private readonly table: BoundedMap<number, AmpEntry>;
  private lastSweep = 0;

  constructor(
    private readonly o: NtpAmplificationOptions,
    private readonly ctx: ThreatContext,
  ) {
    this.table = new BoundedMap(ctx.maxTracked, (n) => ctx.evicted(n));
  }

  size(): number {
    return this.table.size;
  }

  udp(p: DecodedPacket, _flow: Flow, _dir: Direction, now: number): void {
    const toNtp = p.dstPort === NTP_PORT;
    if (!toNtp && p.srcPort !== NTP_PORT) return;
    const off = p.payloadOffset;
    if (p.payloadLen < 4 || off + 4 > p.end || off + 4 > p.data.length) return;
    const b = p.data;
    if ((b[off]! & 7) !== 7) return; // mode 7: private (ntpdc)
    const response = (b[off + 1]! & 0x80) !== 0;
    const v = p.ipVersion;
    if (!response) {
      const code = b[off + 3]!;
      if (!toNtp || (code !== MON_GETLIST_1 && code !== MON_GETLIST)) return;
      // A monlist request: its source is who the answer goes to.
      const e = this.entryOf(v, p.src, now);
      e.requests++;
      e.queryBytes += p.payloadLen;
      this.reflectorOf(e, v, p.dst);
      this.judge(e, now);
    } else {
      if (toNtp && p.srcPort !== NTP_PORT) return;
      const e = this.entryOf(v, p.dst, now);
      e.responses++;
      e.bytes += p.payloadLen;
      if (p.payloadLen > e.maxSize) e.maxSize = p.payloadLen;
      this.reflectorOf(e, v, p.src);
      this.judge(e, now);
    }
  }

  tick(now: number): void {
    if (now - this.lastSweep < 5) return;
    this.lastSweep = now;
    const w = this.o.window;
    this.table.sweep((e) => now - e.start > w);
  }

  private entryOf(v: number, a: Uint32Array, now: number): AmpEntry {
    const e = this.table.upsert(addressKey(a[0]!, a[1]!, a[2]!, a[3]!, v), makeEntry);
    openWindow(e, now, this.o.window, v, a);
    return e;
  }

  private reflectorOf(e: AmpEntry, v: number, a: Uint32Array): void {
    const first = e.reflectors.estimate === 0;
    if (e.reflectors.add(fold32(addressKey(a[0]!, a[1]!, a[2]!, a[3]!, v))) && first) e.reflector.setWords(v, a);
  }

  private judge(e: AmpEntry, now: number): void {
    if (e.reported || (e.requests < this.o.minRequests && e.bytes < this.o.minBytes)) return;
    e.reported = true;
    const reflectors = e.reflectors.estimate;
    const count = e.requests >= this.o.minRequests ? e.requests : e.bytes;
    const details: Record<string, number | string | boolean | string[]> = {
      monlist_requests: e.requests,
      responses: e.responses,
      response_bytes: e.bytes,
      max_response_size: e.maxSize,
      reflectors,
      seconds: round2(now - e.start),
    };
    if (e.queryBytes > 0 && e.bytes > 0) details.amplification = round2(e.bytes / e.queryBytes);
    this.ctx.report({
      now,
      attacker: reflectors === 1 ? e.reflector.text() : null,
      target: e.target.text(),
      count,
      details,
      proto: 'UDP',
      attackerPort: NTP_PORT,
    });
  }
}
