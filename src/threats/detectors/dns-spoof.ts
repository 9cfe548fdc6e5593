/**
 * DNS response spoofing: forged answers racing the real one (an on-path or LAN attacker: ettercap's
 * dns_spoof, dnsspoof, Responder-style poisoners), answers from an address the client did not ask, and
 * off-path cache poisoning that guesses transaction ids (Kaminsky, 2008).
 *
 * What it sees: `dns` records over UDP from the `record` hook (mDNS and LLMNR are other record types:
 * their answers are unsolicited by design). A query leaves an outstanding entry keyed by (client address,
 * client port, transaction id, question name) with the server it was sent to, for `answerWindow` seconds.
 * A response (addressed to the client, from its sender by the record's direction) is then:
 * - for an outstanding query, from another address than those asked: `unexpected_source` (a spoofer
 *   that answers with its own address, or a forged source that guessed wrong);
 * - for an outstanding query already answered, with another answer set (the answers' types and data,
 *   compared as a set, order and TTLs ignored; rcode included): `conflicting_answers`, the race;
 * - for no outstanding query, while the client asked the same name within the window: a mismatched id;
 *   `minMismatchedIds` distinct ids for one client and name is `id_guessing` (Kaminsky's flood).
 * Each finding counts for (attacker = the responding address, target = the client) in a window; the
 * detector reports when that count reaches `minSpoofed` and once per window after that.
 *
 * Benign cases and how they are kept out: a retransmitted identical response (same answer set) matches;
 * a truncated (TC) UDP response is not compared (its sections are partial) and the TCP retry is another
 * transport, not tracked; queries to multicast or broadcast addresses are not tracked (any host may
 * answer); a stub that falls back to its next server with the same id and port (Windows does) has asked
 * both, and their answers are not compared with each other (a CDN answers by resolver). A multi-homed
 * resolver answering from another address than the one asked would raise `unexpected_source`: rare
 * (resolvers bind their service address, and clients such as dig warn "reply from unexpected source" and
 * drop such answers), and treated as suspicious here as it is there. A
 * resolver whose answer changes between two responses to one retransmitted query (cache expiry between
 * them, rotating pools answered from different backends) would look like a race: the set comparison keeps
 * round-robin order changes out, an error then an answer to a retransmitted query is not compared, the
 * rest is rare enough to alert on.
 *
 * Suricata's DNS app-layer events judge one message at a time (`not_request`, `not_response`,
 * `malformed_data`, `z_flag_set`...): none compares two answers or the answering address. This follows the
 * checks a stub resolver makes (source address, id and question must match) and adds the two-answers race.
 *
 * State: outstanding queries (a `BoundedMap` of small entries, swept after `answerWindow`), the names
 * each client asked recently (for id guessing; a distinct counter only once a mismatch is seen), and
 * the (attacker, target) counts, each capped by `maxTracked`.
 */
import { formatAddress } from '../../decode/address.js';
import type { Flow } from '../../flow/flow.js';
import type { DnsMessage, DnsRdata, DnsResourceRecord } from '../../protocols/dns/events.js';
import { BoundedMap, DistinctCounter, flowAddressKey, mix32, pairKey } from '../tables.js';
import type { ThreatContext, ThreatDetector, ThreatDetectorDef } from '../types.js';

/** Thresholds (`threats.detectors.<name>` in the config); a type, not an interface, so it is a `ThreatThresholds`. */
export type DnsSpoofOptions = {
  answerWindow: number;
  minMismatchedIds: number;
  minSpoofed: number;
  window: number;
};

interface Pending {
  time: number;
  clientPort: number;
  id: number;
  nameHash: number;
  /** The servers the query was sent to (a stub falls back to its next server with the same id and port). */
  serverKey: number;
  serverKey2: number;
  serverKey3: number;
  /** Sent to more servers than the three kept: any responder may be one of them. */
  manyServers: boolean;
  /** The responder whose answer gave `signature`. */
  signer: number;
  responses: number;
  /** Answer-set signature of the first compared response, -1 until one. */
  signature: number;
  /** The first compared response's first answer and rcode (references: text is made only for a finding). */
  firstAnswer: DnsResourceRecord | null;
  firstRcodeName: string;
  firstRcode: number;
  /** The query was sent more than once (each copy may be answered). */
  retransmitted: boolean;
}

interface AskedName {
  time: number;
  mismatches: DistinctCounter | null;
}

interface Offender {
  start: number;
  count: number;
  reported: boolean;
}

function foldedHash(s: unknown, h = 0x811c9dc5): number {
  if (typeof s !== 'string') return h >>> 0;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) c |= 0x20;
    h = Math.imul(h ^ c, 0x01000193);
  }
  return h >>> 0;
}

/** A hash of one RDATA's content (the fields that say where the name points). */
function rdataHash(r: DnsRdata | undefined): number {
  if (r === undefined || r === null) return 0;
  switch (r.kind) {
    case 'address':
      return foldedHash(r.address);
    case 'name':
      return foldedHash(r.name);
    case 'mx':
      return foldedHash(r.exchange, r.preference);
    case 'txt': {
      let h = 0x811c9dc5;
      if (Array.isArray(r.strings)) for (const s of r.strings) h = foldedHash(s, h);
      return h;
    }
    case 'srv':
      return foldedHash(r.target, r.port);
    case 'svcb':
      return foldedHash(r.target, r.priority);
    case 'soa':
      return foldedHash(r.mname, r.serial);
    case 'raw':
      return foldedHash(r.data);
    default:
      return foldedHash(r.kind);
  }
}

/** The answer section as a set: a sum of per-record hashes (order-free), with the rcode and the count. */
function answerSignature(msg: DnsMessage): number {
  let sum = Math.imul(msg.rcode | 0, 0x9e3779b1);
  const answers = msg.answers;
  if (!Array.isArray(answers)) return sum >>> 0;
  for (const a of answers as DnsResourceRecord[]) {
    if (a === null || typeof a !== 'object') continue;
    sum = (sum + mix32((a.type | 0) ^ rdataHash(a.rdata))) | 0;
  }
  return (sum + Math.imul(answers.length, 0x85ebca6b)) >>> 0;
}

function firstAnswerText(msg: DnsMessage): string {
  return answerText(Array.isArray(msg.answers) ? msg.answers[0] : undefined, msg.rcodeName ?? String(msg.rcode));
}

/** `A 192.0.2.1`, `CNAME x.example`, or the rcode when there is no answer. */
function answerText(a: DnsResourceRecord | null | undefined, rcodeName: string): string {
  if (a === undefined || a === null || typeof a !== 'object') return rcodeName;
  const r = a.rdata;
  const text = r?.kind === 'address' ? r.address : r?.kind === 'name' ? r.name : (r?.kind ?? '');
  return `${a.typeName} ${text}`;
}

/** Multicast or broadcast: 224.0.0.0/4, 255.255.255.255, ff00::/8. */
function groupAddress(w0: number, version: number): boolean {
  if (version === 4) return w0 >>> 28 === 0xe || w0 >>> 0 === 0xffffffff;
  return w0 >>> 24 === 0xff;
}

export const dnsSpoof: ThreatDetectorDef<DnsSpoofOptions> = {
  name: 'dns_spoof',
  title: 'DNS response spoofing',
  description: 'Answers from an address that was not asked, two different answers to one query, id-guessing floods',
  category: 'Misc Attack',
  severity: 1,
  techniques: ['T1557'],
  signatureId: 1020,
  defaults: {
    answerWindow: 5,
    minMismatchedIds: 10,
    minSpoofed: 1,
    window: 60,
  },
  docs: {
    answerWindow: 'seconds a query stays outstanding (its responses are compared, a mismatched id counts)',
    minMismatchedIds: 'distinct wrong transaction ids answering one name asked by one client (id guessing)',
    minSpoofed: 'spoofed responses (unexpected source, conflicting answers, id guessing) from one responder to one client',
    window: 'seconds over which spoofed responses are counted per responder and client',
  },
  records: ['dns'],
  create(options, ctx) {
    return new DnsSpoofDetector(options, ctx);
  },
};

class DnsSpoofDetector implements ThreatDetector {
  private readonly pending: BoundedMap<number, Pending>;
  private readonly names: BoundedMap<number, AskedName>;
  private readonly offenders: BoundedMap<number, Offender>;
  private readonly words = new Uint32Array(4);
  private nextSweep = 0;

  constructor(
    private readonly o: DnsSpoofOptions,
    private readonly ctx: ThreatContext,
  ) {
    const evicted = (n: number) => ctx.evicted(n);
    this.pending = new BoundedMap(ctx.maxTracked, evicted);
    this.names = new BoundedMap(ctx.maxTracked, evicted);
    this.offenders = new BoundedMap(ctx.maxTracked, evicted);
  }

  size(): number {
    return this.pending.size + this.names.size + this.offenders.size;
  }

  tick(now: number): void {
    if (now < this.nextSweep) return;
    this.nextSweep = now + 1;
    const aw = this.o.answerWindow;
    this.pending.sweep((x) => now - x.time > aw);
    this.names.sweep((x) => now - x.time > aw);
    const w = this.o.window;
    this.offenders.sweep((x) => now - x.start > w);
  }

  record(flow: Flow, type: string, payload: object, now: number): void {
    if (type !== 'dns') return;
    const msg = payload as DnsMessage;
    if (msg.transport !== 'udp') return;
    const q = msg.questions?.[0];
    if (q === undefined || q === null || typeof q.name !== 'string') return;
    // The sender is the flow's client when the message travelled to the server.
    const senderIsClient = msg.direction !== 'to_client';
    const nameHash = foldedHash(q.name, Math.imul((q.type | 0) + 1, 0x01000193) >>> 0);
    if (msg.type === 'query') {
      const serverIsFlowServer = senderIsClient;
      const sw0 = serverIsFlowServer ? flow.serverAddr0 : flow.clientAddr0;
      if (groupAddress(sw0, flow.ipVersion)) return;
      const clientKey = flowAddressKey(flow, !senderIsClient);
      const clientPort = senderIsClient ? flow.clientPort : flow.serverPort;
      const key = pairKey(pairKey(clientKey, clientPort * 65536 + (msg.id & 0xffff)), nameHash);
      const x = this.pending.get(key);
      if (x !== undefined) {
        x.time = now; // a retransmission: its responses are compared as one exchange's
        x.retransmitted = true;
        const server = flowAddressKey(flow, serverIsFlowServer);
        if (server !== x.serverKey && server !== x.serverKey2 && server !== x.serverKey3) {
          if (x.serverKey2 === -1) x.serverKey2 = server;
          else if (x.serverKey3 === -1) x.serverKey3 = server;
          else x.manyServers = true;
        }
      } else
        this.pending.set(key, {
          time: now,
          clientPort,
          id: msg.id & 0xffff,
          nameHash,
          serverKey: flowAddressKey(flow, serverIsFlowServer),
          serverKey2: -1,
          serverKey3: -1,
          manyServers: false,
          signer: -1,
          responses: 0,
          signature: -1,
          firstAnswer: null,
          firstRcodeName: '',
          firstRcode: 0,
          retransmitted: false,
        });
      const nk = pairKey(clientKey, nameHash);
      const asked = this.names.get(nk);
      if (asked !== undefined) {
        if (now - asked.time >= 1) this.names.set(nk, asked); // most recently used, at most once a second
        asked.time = now;
      } else this.names.set(nk, { time: now, mismatches: null });
      return;
    }
    // A response: to the client (its receiver) from the responder (its sender).
    const clientIsFlowClient = !senderIsClient;
    const clientKey = flowAddressKey(flow, !clientIsFlowClient);
    const responderKey = flowAddressKey(flow, !senderIsClient);
    const clientPort = clientIsFlowClient ? flow.clientPort : flow.serverPort;
    const id = msg.id & 0xffff;
    const key = pairKey(pairKey(clientKey, clientPort * 65536 + id), nameHash);
    const x = this.pending.get(key);
    const aw = this.o.answerWindow;
    if (x !== undefined && x.clientPort === clientPort && x.id === id && x.nameHash === nameHash && now - x.time <= aw) {
      x.responses++;
      if (responderKey !== x.serverKey && responderKey !== x.serverKey2 && responderKey !== x.serverKey3 && !x.manyServers) {
        const asked = this.serverText(x.serverKey, flow, clientIsFlowClient);
        this.spoofed(flow, senderIsClient, now, 'unexpected_source', q.name, {
          askedServer: asked,
          answer: firstAnswerText(msg),
          id,
        });
        return;
      }
      if (msg.flags?.tc === true) return;
      const sig = answerSignature(msg);
      if (x.signature === -1) {
        x.signature = sig;
        x.signer = responderKey;
        x.firstAnswer = Array.isArray(msg.answers) ? (msg.answers[0] ?? null) : null;
        x.firstRcodeName = typeof msg.rcodeName === 'string' ? msg.rcodeName : '';
        x.firstRcode = msg.rcode | 0;
        return;
      }
      // A retransmitted query may get an error first and an answer later (or the reverse): not a race.
      if (x.retransmitted && (x.firstRcode !== 0 || (msg.rcode | 0) !== 0)) return;
      // Two servers asked may answer differently (a CDN answers by resolver): only one responder's answers compare.
      if (responderKey !== x.signer) return;
      if (sig !== x.signature)
        this.spoofed(flow, senderIsClient, now, 'conflicting_answers', q.name, {
          firstAnswer: answerText(x.firstAnswer, x.firstRcodeName),
          otherAnswer: firstAnswerText(msg),
          id,
        });
      return;
    }
    // No outstanding query with this id: a mismatched id if the client asked this name within the window.
    const asked = this.names.get(pairKey(clientKey, nameHash));
    if (asked === undefined || now - asked.time > aw) return;
    if (asked.mismatches === null) asked.mismatches = new DistinctCounter(4);
    if (!asked.mismatches.add(id)) return;
    const n = asked.mismatches.estimate;
    if (n < this.o.minMismatchedIds) return;
    this.spoofed(flow, senderIsClient, now, 'id_guessing', q.name, {
      mismatchedIds: n,
      sampleIds: asked.mismatches.first.map(String),
    });
    asked.mismatches.clear(); // the next crossing needs as many again
  }

  /** Counts one spoofed response from the responder to the client; reports at `minSpoofed` in the window. */
  private spoofed(
    flow: Flow,
    responderIsFlowClient: boolean,
    now: number,
    kind: string,
    name: string,
    extra: Record<string, string | number | string[]>,
  ): void {
    const responderKey = flowAddressKey(flow, !responderIsFlowClient);
    const clientKey = flowAddressKey(flow, responderIsFlowClient);
    const key = pairKey(responderKey, clientKey);
    let off = this.offenders.get(key);
    if (off === undefined || now - off.start > this.o.window) {
      off = { start: now, count: 0, reported: false };
    }
    this.offenders.set(key, off);
    off.count++;
    if (off.reported || off.count < this.o.minSpoofed) return;
    off.reported = true;
    const v = flow.ipVersion;
    const attacker = formatAddress(flow.addressOf(!responderIsFlowClient, this.words), v);
    const target = formatAddress(flow.addressOf(responderIsFlowClient, this.words), v);
    this.ctx.report({
      now,
      attacker,
      target,
      count: off.count,
      flow,
      details: { kind, name, spoofedResponses: off.count, ...extra },
    });
  }

  /** The address the query was sent to: the flow's other end when it is the same flow, else unknown here. */
  private serverText(serverKey: number, flow: Flow, clientIsFlowClient: boolean): string {
    const v = flow.ipVersion;
    if (v === 4 && serverKey < 0x100000000) {
      this.words[0] = serverKey;
      return formatAddress(this.words, 4);
    }
    return flowAddressKey(flow, clientIsFlowClient) === serverKey
      ? formatAddress(flow.addressOf(clientIsFlowClient, this.words), v)
      : '(other)';
  }
}
