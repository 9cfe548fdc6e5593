/**
 * The detection stage at run time: given what the earlier stages produced (an application record, in-order
 * stream bytes, a decoded packet), which signatures match. The engine turns the hits into alert events and
 * verdicts; this file decides only what matched.
 *
 * Per flow it keeps (in `flow.detect`): flowbits, transaction counters, and for rules without a buffer on TCP
 * one regex stream per direction plus a bounded history of the latest bytes, so that a fast pattern split
 * across segments is found and the rule verified on a window around it.
 */
import type { DecodedPacket } from '../decode/packet.js';
import type { Flow } from '../flow/flow.js';
import type { RegexStream } from '../regex/stream.js';
import type { AppRecordOf } from '../events.js';
import { inspectBuffer, lowerAscii, numberTest, search, type ByteVars } from './inspect.js';
import type { Rule, ThresholdTrack } from './rules/model.js';
import { PAYLOAD_BUFFER, type Signature, type SignatureSet } from './signatures.js';
import { DLP_ON_STREAM, DLP_PLACES, dlpSignatures } from './dlp-signatures.js';
import type { DlpFinding, DlpScanner, DlpStream } from './dlp/scanner.js';

/** Masked matches an alert lists at most (`alert.metadata.dlp_match`). */
export const MAX_DLP_MATCHES_PER_ALERT = 8;

/** One signature that matched, and on what. */
export interface AlertHit {
  readonly sig: Signature;
  /** Direction of the data that matched (the packet's direction for packet rules). */
  readonly toServer: boolean;
  /** The record inspected, for app rules. */
  readonly app: AppRecordOf | null;
  /** The record's number in its flow (per protocol, from 0), -1 for packet and stream rules. */
  readonly txId: number;
  /** Added to the rule's metadata in the alert (DLP: `dlp_sensor`, `dlp_match` with masked values). */
  readonly metadata?: Record<string, string[]>;
}

const NO_PAYLOAD = new Uint8Array(0);

/** DLP findings grouped by sensor, each with its masked values (at most MAX_DLP_MATCHES_PER_ALERT, no repeats). */
class FindingGroups {
  found: Map<string, string[]> | null = null;
  constructor(private readonly sensors: readonly string[] | null) {}
  readonly take = (f: DlpFinding): void => {
    if (this.sensors !== null && !this.sensors.includes(f.sensor)) return;
    this.found ??= new Map();
    const list = this.found.get(f.sensor) ?? [];
    if (list.length < MAX_DLP_MATCHES_PER_ALERT && !list.includes(f.masked)) list.push(f.masked);
    this.found.set(f.sensor, list);
  };
}

/**
 * Stream bytes kept per direction before the newest chunk, for verifying payload rules on a window: keywords
 * that reach back from a fast pattern find their bytes there. Suricata's raw stream inspection works on
 * chunks of a similar size (`stream.reassembly.toserver-chunk-size`, 2560 by default). A flow direction
 * with payload rules holds twice this (the history slides by halves).
 */
export const STREAM_HISTORY = 2560;

/** Threshold and detection_filter trackers kept at most (oldest dropped first; counted in `stats`). */
export const MAX_THRESHOLD_TRACKERS = 65536;

class DirectionStream {
  stream: RegexStream | null = null;
  /** DLP on the raw stream (flows whose application is not identified). */
  dlp: DlpStream | null = null;
  /** `buf[0, len)`: the latest bytes of the direction (at least STREAM_HISTORY of them once seen). */
  buf = new Uint8Array(2 * STREAM_HISTORY);
  len = 0;
  /** Stream offset of the byte after `buf[len - 1]`. */
  offset = 0;

  /** The last STREAM_HISTORY bytes (or fewer) before the chunk being inspected. */
  history(): Uint8Array {
    return this.buf.subarray(Math.max(0, this.len - STREAM_HISTORY), this.len);
  }

  append(chunk: Uint8Array): void {
    this.offset += chunk.length;
    if (chunk.length >= STREAM_HISTORY) {
      this.buf.set(chunk.subarray(chunk.length - STREAM_HISTORY), 0);
      this.len = STREAM_HISTORY;
      return;
    }
    if (this.len + chunk.length > this.buf.length) {
      // Slide: keep the last STREAM_HISTORY - chunk bytes; amortised, each byte moves at most once.
      const keep = STREAM_HISTORY - chunk.length;
      this.buf.copyWithin(0, this.len - keep, this.len);
      this.len = keep;
    }
    this.buf.set(chunk, this.len);
    this.len += chunk.length;
  }
}

/** What detection keeps per flow. */
export class FlowDetectState {
  flowbits: Set<string> | null = null;
  /** Records seen per protocol (transaction ids). */
  tx = new Map<string, number>();
  streams: [DirectionStream | null, DirectionStream | null] = [null, null];
  /** A blocking rule matched: every later packet of the flow is dropped. */
  dropped = false;
}

export interface DetectorStats {
  /** Prefilter hits that led to a full verification. */
  candidates: number;
  /** Rules verified without a prefilter hit (no usable fast pattern). */
  unfiltered: number;
  matched: number;
  alerts: number;
  /** Alerts held back by threshold or detection_filter. */
  suppressed: number;
  /** Threshold trackers dropped for the cap. */
  trackersEvicted: number;
}

interface Tracker {
  count: number;
  windowStart: number;
  alerted: number;
}

export class Detector {
  readonly stats: DetectorStats = { candidates: 0, unfiltered: 0, matched: 0, alerts: 0, suppressed: 0, trackersEvicted: 0 };
  /** Marks of candidate signatures for the inspection in progress (epoch per signature: no clearing). */
  private readonly mark: Uint32Array;
  private epoch = 0;
  private readonly candidates: number[] = [];
  /** The buffers of the record being inspected, by name (reused from record to record). */
  private readonly instances = new Map<string, Uint8Array[]>();
  /** Buffer prefilter matches: the signatures of the buffer being scanned (`bufferSigs`), made once. */
  private bufferSigs: readonly (readonly number[])[] = [];
  private readonly onBufferMatch = (id: number): void => {
    for (const i of this.bufferSigs[id]!) this.candidate(i, true);
  };
  /** Payload prefilter matches (stream and packet scans): made once, not per chunk. */
  private readonly onPayloadMatch = (id: number): void => {
    for (const i of this.set.payload.sigsOf[id]!) this.candidate(i, true);
  };
  /** DLP findings on raw streams, grouped (reset per chunk; the groups found move into the hit). */
  private readonly rawFindings = new FindingGroups(null);
  private readonly sigHits: AlertHit[] = [];
  private readonly vars: ByteVars = new Map();
  private readonly trackers = new Map<string, Tracker>();
  private readonly addr = new Uint8Array(16);
  private readonly words = new Uint32Array(4);

  /** One signature per DLP sensor (index = the sensor's place in DLP_SENSORS). */
  private readonly dlpSigs: Signature[];
  private readonly dlpBySensor = new Map<string, Signature>();

  /**
   * `dlp`: the scanner of every sensor in use (the `dlp` option's and the rules' `dlp` keywords');
   * `dlpAlerts`: the sensors that alert on their own (the `dlp` option).
   */
  constructor(
    readonly set: SignatureSet,
    readonly dlp: DlpScanner | null = null,
    private readonly dlpAlerts: ReadonlySet<string> = new Set(),
  ) {
    this.mark = new Uint32Array(set.signatures.length);
    this.dlpSigs = dlp === null ? [] : dlpSignatures();
    for (const sig of this.dlpSigs) this.dlpBySensor.set(sig.rule.dlp[0]!, sig);
  }

  /** Whether TCP streams need this detector (payload rules, or DLP on unidentified flows). */
  get wantsStreams(): boolean {
    return this.set.streamRules || this.dlpAlerts.size > 0;
  }

  /** Whether records of `proto` are inspected: rules read its buffers or run per record, or DLP alerts in them. */
  wantsRecords(proto: string): boolean {
    return (
      (this.set.buffersByProto.get(proto)?.length ?? 0) > 0 ||
      (this.set.unfilteredByProto.get(proto)?.length ?? 0) > 0 ||
      (this.dlpAlerts.size > 0 && DLP_PLACES[proto] !== undefined)
    );
  }

  /** DLP findings in `bufs` whose sensor is in `sensors` (all when null), grouped as alert metadata. */
  private dlpFindings(bufs: readonly Uint8Array[], sensors: readonly string[] | null): Map<string, string[]> | null {
    const dlp = this.dlp;
    if (dlp === null) return null;
    const group = new FindingGroups(sensors);
    for (const b of bufs) dlp.scan(b, group.take);
    return group.found;
  }

  /** The DLP sensors' own alerts for findings grouped by sensor. */
  private dlpHits(found: Map<string, string[]>, toServer: boolean, app: AppRecordOf | null, txId: number, out: AlertHit[]): void {
    for (const [sensor, masked] of found) {
      if (!this.dlpAlerts.has(sensor)) continue;
      const sig = this.dlpBySensor.get(sensor)!;
      this.stats.matched++;
      this.stats.alerts++;
      out.push({ sig, toServer, app, txId, metadata: { dlp_sensor: [sensor], dlp_match: masked } });
    }
  }

  static stateOf(flow: Flow): FlowDetectState {
    let s = flow.detect as FlowDetectState | null;
    if (s === null) {
      s = new FlowDetectState();
      flow.detect = s;
    }
    return s;
  }

  /** Releases the detector's databases (a reload replaced it; every flow's streams were freed first). */
  free(): void {
    this.set.free();
    this.dlp?.free();
  }

  /** Frees a flow's detection state (its regex streams). */
  flowEnded(flow: Flow): void {
    const s = flow.detect as FlowDetectState | null;
    if (s === null) return;
    for (const d of s.streams) {
      d?.stream?.free();
      d?.dlp?.free();
    }
    s.streams = [null, null];
  }

  // ------------------------------------------------------------------ application records

  /**
   * Inspects one application record; hits go to `out`. A rule is checked in each direction it has an
   * evaluation for (requests and responses of one transaction), alerting at most once per direction.
   */
  record(flow: Flow, proto: string, record: object, sec: number, out: AlertHit[]): void {
    const names = this.set.buffersByProto.get(proto) ?? [];
    if (names.length === 0 && (this.dlpAlerts.size === 0 || DLP_PLACES[proto] === undefined)) return;
    const state = Detector.stateOf(flow);
    const txId = state.tx.get(proto) ?? 0;
    state.tx.set(proto, txId + 1);
    this.begin();
    // Buffers are built once per record, only those some rule reads (the map is reused: it lives only
    // while this record is inspected).
    const instances = this.instances;
    instances.clear();
    for (const name of names) {
      const list = this.set.registry.get(name)!.buffer.get(record);
      instances.set(name, list);
      const pre = this.set.buffers.get(name);
      if (pre?.db != null) {
        this.bufferSigs = pre.sigsOf;
        for (const inst of list) pre.db.scan(inst, this.onBufferMatch);
      }
    }
    for (const i of this.set.unfilteredByProto.get(proto) ?? []) this.candidate(i, false);
    const app = { proto, record } as AppRecordOf;
    this.evaluate(flow, state, sec, out, (sig, hits) => {
      if (sig.kind !== 'app' || (sig.appProto !== null && sig.appProto !== proto)) return;
      for (const e of sig.evaluations) {
        const toServer = e.direction === 'to_server';
        if (!this.flowMatches(sig.rule, flow, toServer) || !this.headerMatchesFlow(sig.rule, flow, toServer)) continue;
        if (
          e.negatedFastPattern !== null &&
          (instances.get(e.negatedFastPattern) ?? []).some((b) => negatedFastPatternIn(sig, b))
        )
          continue;
        this.vars.clear();
        let ok = true;
        for (const p of e.programs) {
          const list = instances.get(p.buffer);
          if (list === undefined || !list.some((b) => inspectBuffer(p, b, this.vars))) {
            ok = false;
            break;
          }
        }
        if (!ok) continue;
        if (sig.rule.urilen !== null) {
          const uri = instances.get(sig.rule.urilen.raw ? 'http.uri.raw' : 'http.uri')?.[0];
          if (uri === undefined || !numberTest(sig.rule.urilen.test, uri.length)) continue;
        }
        if (sig.rule.dlp.length > 0) {
          const found = this.dlpFindings(
            e.programs.flatMap((p) => instances.get(p.buffer) ?? []),
            sig.rule.dlp,
          );
          if (found === null) continue;
          hits.push({ sig, toServer, app, txId, metadata: dlpMetadata(found) });
          continue;
        }
        hits.push({ sig, toServer, app, txId });
      }
    });
    const places = this.dlpAlerts.size > 0 ? DLP_PLACES[proto] : undefined;
    if (places !== undefined)
      for (const d of ['to_server', 'to_client'] as const) {
        const bufs: Uint8Array[] = [];
        for (const p of places) {
          if (p.direction !== d) continue;
          const src = this.set.registry.get(p.buffer);
          if (src === undefined) continue;
          bufs.push(...(instances.get(p.buffer) ?? src.buffer.get(record)));
        }
        const found = this.dlpFindings(bufs, null);
        if (found !== null) this.dlpHits(found, d === 'to_server', app, txId, out);
      }
  }

  // ------------------------------------------------------------------ TCP streams

  /** In-order bytes of a TCP flow's direction: payload rules, in stream mode. */
  streamData(flow: Flow, toServer: boolean, data: Uint8Array, start: number, end: number, sec: number, out: AlertHit[]): void {
    const db = this.set.streamDb;
    const rawDlp = this.dlp !== null && this.dlpAlerts.size > 0 && (flow.appProto === null || DLP_ON_STREAM.has(flow.appProto));
    if (db === null && this.set.payload.unfiltered.length === 0 && !rawDlp) return;
    const state = Detector.stateOf(flow);
    const d = toServer ? 0 : 1;
    let ds = state.streams[d];
    if (ds === null) {
      ds = new DirectionStream();
      state.streams[d] = ds;
    }
    this.begin();
    const chunk = data.subarray(start, end);
    if (db !== null) {
      ds.stream ??= db.openStream();
      ds.stream.scan(chunk, this.onPayloadMatch);
    }
    for (const i of this.set.payload.unfiltered) this.candidate(i, false);
    if (this.candidates.length > 0) {
      // The window (built only when a rule is to be verified): the kept history, then this chunk.
      const history = ds.history();
      const window = new Uint8Array(history.length + chunk.length);
      window.set(history, 0);
      window.set(chunk, history.length);
      const windowStart = ds.offset - history.length;
      this.evaluate(flow, state, sec, out, (sig, hits) => {
        if (sig.kind !== 'payload' || sig.rule.flow?.stream === 'no') return;
        if (sig.appProto !== null && sig.appProto !== flow.appProto) return;
        if (!this.flowMatches(sig.rule, flow, toServer) || !this.headerMatchesFlow(sig.rule, flow, toServer)) return;
        if (negatedFastPatternIn(sig, window)) return;
        this.vars.clear();
        for (const p of sig.programs) if (!inspectBuffer(p, window, this.vars, windowStart)) return;
        if (sig.rule.dlp.length > 0) {
          const found = this.dlpFindings([window], sig.rule.dlp);
          if (found === null) return;
          hits.push({ sig, toServer, app: null, txId: -1, metadata: dlpMetadata(found) });
          return;
        }
        hits.push({ sig, toServer, app: null, txId: -1 });
      });
    }
    // History only serves payload rules' windows.
    if (db !== null || this.set.payload.unfiltered.length > 0) ds.append(chunk);
    if (rawDlp) {
      // The sensors on the stream itself: findings across segment boundaries (the DLP stream keeps its tail).
      ds.dlp ??= this.dlp!.openStream();
      const group = this.rawFindings;
      group.found = null;
      ds.dlp.scan(chunk, group.take);
      if (group.found !== null) this.dlpHits(group.found, toServer, null, -1, out);
    }
  }

  // ------------------------------------------------------------------ packets

  /**
   * A decoded packet: header-only rules, and payload rules for packets whose payload is not inspected as a
   * stream (UDP, ICMP, other IP protocols; TCP rules with `flow:no_stream`).
   */
  packet(pkt: DecodedPacket, flow: Flow | null, toServer: boolean, sec: number, out: AlertHit[]): void {
    this.begin();
    for (const i of this.set.headerRules) this.candidate(i, false);
    const payload = pkt.data.subarray(pkt.payloadOffset, pkt.payloadOffset + pkt.payloadLen);
    const tcpStream = pkt.ipProto === 6 && flow !== null && flow.tcp !== null;
    // TCP payloads are inspected as a stream (streamData); packet by packet only for flow:no_stream rules.
    if (payload.length > 0 && (!tcpStream || this.set.tcpPacketPayloadRules)) {
      const pre = this.set.payload;
      if (pre.db !== null) pre.db.scan(payload, this.onPayloadMatch);
      for (const i of pre.unfiltered) this.candidate(i, false);
    }
    if (this.candidates.length === 0) return;
    const state = flow === null ? null : Detector.stateOf(flow);
    const firstOfDirection = flow === null || (toServer ? flow.pktsToServer : flow.pktsToClient) === 1;
    this.evaluate(flow, state, sec, out, (sig, hits) => {
      const h = this.packetHit(sig, pkt, flow, toServer, payload, tcpStream, firstOfDirection);
      if (h !== null) hits.push(h);
    });
  }

  private packetHit(
    sig: Signature,
    pkt: DecodedPacket,
    flow: Flow | null,
    toServer: boolean,
    payload: Uint8Array,
    tcpStream: boolean,
    firstOfDirection: boolean,
  ): AlertHit | null {
    {
      const r = sig.rule;
      if (sig.kind === 'app') return null;
      if (sig.ipOnly && !firstOfDirection) return null;
      if (sig.kind === 'payload' && tcpStream && r.flow?.stream !== 'no') return null;
      if (sig.kind === 'payload' && payload.length === 0) return null;
      if (r.flow?.stream === 'only') return null;
      if (!protocolMatches(r, pkt, flow)) return null;
      if (!this.headerMatchesPacket(r, pkt)) return null;
      if (flow !== null ? !this.flowMatches(r, flow, toServer) : r.flow !== null && r.flow.established === true) return null;
      if (r.dsize !== null && !numberTest(r.dsize, pkt.payloadLen)) return null;
      if (r.ttl !== null && !numberTest(r.ttl, pkt.ttl)) return null;
      if (r.ipProto !== null && !numberTest(r.ipProto, pkt.ipProto)) return null;
      if (r.itype !== null && (pkt.icmpType < 0 || !numberTest(r.itype, pkt.icmpType))) return null;
      if (r.icode !== null && (pkt.icmpCode < 0 || !numberTest(r.icode, pkt.icmpCode))) return null;
      if (r.flags !== null) {
        if (pkt.ipProto !== 6) return null;
        const f = pkt.tcpFlags & ~r.flags.ignore & 0xff;
        const want = r.flags.flags;
        const ok =
          r.flags.mode === 'exact'
            ? f === want
            : r.flags.mode === 'all'
              ? (f & want) === want
              : r.flags.mode === 'any'
                ? (f & want) !== 0
                : (f & want) === 0;
        if (!ok) return null;
      }
      if (negatedFastPatternIn(sig, payload)) return null;
      this.vars.clear();
      for (const p of sig.programs) if (p.buffer === PAYLOAD_BUFFER && !inspectBuffer(p, payload, this.vars)) return null;
      if (r.dlp.length > 0) {
        const found = this.dlpFindings([payload], r.dlp);
        return found === null ? null : { sig, toServer, app: null, txId: -1, metadata: dlpMetadata(found) };
      }
      return { sig, toServer, app: null, txId: -1 };
    }
  }

  /**
   * An IP fragment held for reassembly: rules on the IP header only (`ip` rules that are not IP-only, which
   * go by flow); a fragment has no transport header for tcp/udp/icmp rules, as in Suricata.
   */
  fragment(pkt: DecodedPacket, sec: number, out: AlertHit[]): void {
    this.begin();
    for (const i of this.set.headerRules) {
      const sig = this.set.signatures[i]!;
      const p = sig.rule.protocol;
      if (!sig.ipOnly && (p === 'ip' || p === 'ipv4' || p === 'ip4' || p === 'ipv6' || p === 'ip6') && sig.rule.dsize === null)
        this.candidate(i, false);
    }
    if (this.candidates.length === 0) return;
    this.evaluate(null, null, sec, out, (sig, hits) => {
      const h = this.packetHit(sig, pkt, null, true, NO_PAYLOAD, false, false);
      if (h !== null) hits.push(h);
    });
  }

  // ------------------------------------------------------------------ shared

  private begin(): void {
    this.candidates.length = 0;
    if (++this.epoch === 0xffffffff) {
      this.mark.fill(0);
      this.epoch = 1;
    }
  }

  private candidate(i: number, filtered: boolean): void {
    if (this.mark[i] === this.epoch) return;
    this.mark[i] = this.epoch;
    this.candidates.push(i);
    if (filtered) this.stats.candidates++;
    else this.stats.unfiltered++;
  }

  /**
   * Verifies the candidates in signature order (pass rules first, flowbits setters before readers); a
   * matching `pass` rule ends the inspection. Flowbits are tested after the rule's other keywords and set
   * only when everything matched.
   */
  private evaluate(
    flow: Flow | null,
    state: FlowDetectState | null,
    sec: number,
    out: AlertHit[],
    verify: (sig: Signature, hits: AlertHit[]) => void,
  ): void {
    const c = this.candidates;
    if (c.length > 1) c.sort((a, b) => a - b);
    const hits = this.sigHits;
    for (const i of c) {
      const sig = this.set.signatures[i]!;
      hits.length = 0;
      verify(sig, hits);
      const r = sig.rule;
      for (const hit of hits) {
        if (r.flowbits.length > 0 && !flowbitsHold(r, state)) continue;
        this.stats.matched++;
        if (state !== null) applyFlowbits(r, state);
        if (r.action === 'pass') return;
        if (r.noalert) continue;
        if (!this.thresholdAllows(r, flow, hit.toServer, sec)) {
          this.stats.suppressed++;
          continue;
        }
        if (sig.blocks && state !== null) state.dropped = true;
        this.stats.alerts++;
        out.push(hit);
      }
    }
  }

  /** The `flow` keyword against the flow and the direction of the data. */
  private flowMatches(r: Rule, flow: Flow, toServer: boolean): boolean {
    const f = r.flow;
    if (f === null) return true;
    if (f.direction !== undefined && (f.direction === 'to_server') !== toServer) return false;
    if (f.established !== undefined && (flow.state === 'established' || flow.state === 'closed') !== f.established) return false;
    return true;
  }

  private headerMatchesFlow(r: Rule, flow: Flow, toServer: boolean): boolean {
    const v6 = flow.ipVersion === 6;
    const c0 = flow.clientAddr0;
    const s0 = flow.serverAddr0;
    const srcPort = toServer ? flow.clientPort : flow.serverPort;
    const dstPort = toServer ? flow.serverPort : flow.clientPort;
    const test = (srcIsClient: boolean, sp: number, dp: number): boolean => {
      if (!r.srcPorts.matches(sp) || !r.dstPorts.matches(dp)) return false;
      if (!v6) return r.src.matchesV4(srcIsClient ? c0 : s0) && r.dst.matchesV4(srcIsClient ? s0 : c0);
      this.flowAddress(flow, srcIsClient);
      if (!r.src.matchesV6(this.addr, 0)) return false;
      this.flowAddress(flow, !srcIsClient);
      return r.dst.matchesV6(this.addr, 0);
    };
    if (test(toServer, srcPort, dstPort)) return true;
    return r.direction === '<>' && test(!toServer, dstPort, srcPort);
  }

  /** The flow's client or server address as 16 bytes in `this.addr` (for IPv6 address lists). */
  private flowAddress(flow: Flow, client: boolean): void {
    wordsToBytes(flow.addressOf(!client, this.words), this.addr);
  }

  private headerMatchesPacket(r: Rule, pkt: DecodedPacket): boolean {
    const test = (src: Uint32Array, sp: number, dst: Uint32Array, dp: number): boolean => {
      if (!r.srcPorts.any && !r.srcPorts.matches(sp)) return false;
      if (!r.dstPorts.any && !r.dstPorts.matches(dp)) return false;
      if (pkt.ipVersion !== 6) return r.src.matchesV4(src[0]!) && r.dst.matchesV4(dst[0]!);
      return r.src.matchesV6(wordsToBytes(src, this.addr), 0) && r.dst.matchesV6(wordsToBytes(dst, this.addr), 0);
    };
    if (test(pkt.src, pkt.srcPort, pkt.dst, pkt.dstPort)) return true;
    return r.direction === '<>' && test(pkt.dst, pkt.dstPort, pkt.src, pkt.srcPort);
  }

  /**
   * `threshold` (limit: the first `count` per window; threshold: every `count`-th; both: the `count`-th of a
   * window only) and `detection_filter` (every match after the `count`-th within the window), tracked by
   * source, destination, both, rule or flow, as Suricata's detect-engine-threshold.c does.
   */
  private thresholdAllows(r: Rule, flow: Flow | null, toServer: boolean, sec: number): boolean {
    const t = r.threshold ?? r.detectionFilter;
    if (t === null) return true;
    const key = `${r.gid}:${r.sid}:${this.trackKey(t.track, flow, toServer)}`;
    let tr = this.trackers.get(key);
    // The window holds while the time is at most its start plus `seconds` (Suricata's comparison).
    if (tr === undefined || sec > tr.windowStart + t.seconds) {
      if (tr === undefined && this.trackers.size >= MAX_THRESHOLD_TRACKERS) {
        const oldest = this.trackers.keys().next().value as string;
        this.trackers.delete(oldest);
        this.stats.trackersEvicted++;
      }
      tr = { count: 0, windowStart: sec, alerted: 0 };
      this.trackers.delete(key);
      this.trackers.set(key, tr);
    }
    tr.count++;
    // detection_filter: from the match after the `count`-th on.
    if (r.threshold === null) return tr.count > t.count;
    switch (r.threshold.type) {
      case 'limit':
        return tr.count <= t.count;
      case 'threshold':
        return tr.count % t.count === 0;
      case 'both':
        if (tr.count >= t.count && tr.alerted === 0) {
          tr.alerted = 1;
          return true;
        }
        return false;
    }
  }

  private trackKey(track: ThresholdTrack, flow: Flow | null, toServer: boolean): string {
    if (track === 'by_rule' || flow === null) return 'rule';
    if (track === 'by_flow') return `f${flow.id}`;
    const client = `${flow.clientAddr0}.${flow.clientAddr1}.${flow.clientAddr2}.${flow.clientAddr3}`;
    const server = `${flow.serverAddr0}.${flow.serverAddr1}.${flow.serverAddr2}.${flow.serverAddr3}`;
    const src = toServer ? client : server;
    const dst = toServer ? server : client;
    return track === 'by_src' ? `s${src}` : track === 'by_dst' ? `d${dst}` : `b${src}-${dst}`;
  }
}

/**
 * Suricata's multi-pattern matcher can only say that a pattern is present: a rule whose fast pattern is a
 * negated content is skipped when the pattern is anywhere in the buffer, whatever its placement keywords
 * say (a `content:!"a"; endswith;` does not fire on `ab`, nor on `ba`).
 */
function negatedFastPatternIn(sig: Signature, buf: Uint8Array): boolean {
  if (!sig.negatedSingleFastPattern) return false;
  const fp = sig.rule.fastPattern!;
  const pat = fp.nocase ? lowerAscii(fp.bytes) : fp.bytes;
  return search(buf, pat, 0, buf.length, fp.nocase) >= 0;
}

function dlpMetadata(found: Map<string, string[]>): Record<string, string[]> {
  return { dlp_sensor: [...found.keys()], dlp_match: [...found.values()].flat().slice(0, MAX_DLP_MATCHES_PER_ALERT) };
}

function wordsToBytes(w: Uint32Array, out: Uint8Array): Uint8Array {
  for (let k = 0; k < 4; k++) {
    out[k * 4] = w[k]! >>> 24;
    out[k * 4 + 1] = (w[k]! >>> 16) & 0xff;
    out[k * 4 + 2] = (w[k]! >>> 8) & 0xff;
    out[k * 4 + 3] = w[k]! & 0xff;
  }
  return out;
}

/** The rule header's protocol against a packet (app-layer names need the flow's application). */
function protocolMatches(r: Rule, pkt: DecodedPacket, flow: Flow | null): boolean {
  switch (r.protocol) {
    case 'ip':
    case 'pkthdr':
      return true;
    case 'tcp':
    case 'tcp-pkt':
    case 'tcp-stream':
      return pkt.ipProto === 6;
    case 'udp':
      return pkt.ipProto === 17;
    case 'icmp':
      return pkt.ipProto === 1 || pkt.ipProto === 58;
    case 'icmpv4':
      return pkt.ipProto === 1;
    case 'icmpv6':
      return pkt.ipProto === 58;
    case 'sctp':
      return pkt.ipProto === 132;
    case 'ipv4':
    case 'ip4':
      return pkt.ipVersion === 4;
    case 'ipv6':
    case 'ip6':
      return pkt.ipVersion === 6;
    default:
      return flow !== null && flow.appProto === (r.appProtocol ?? r.protocol);
  }
}

function flowbitsHold(r: Rule, state: FlowDetectState | null): boolean {
  const bits = state?.flowbits ?? null;
  for (const f of r.flowbits) {
    if (f.command !== 'isset' && f.command !== 'isnotset') continue;
    const has = (n: string) => bits?.has(n) === true;
    const want = f.command === 'isset';
    const ok = f.combine === 'or' ? f.names.some((n) => has(n) === want) : f.names.every((n) => has(n) === want);
    if (!ok) return false;
  }
  return true;
}

function applyFlowbits(r: Rule, state: FlowDetectState): void {
  for (const f of r.flowbits) {
    if (f.command === 'isset' || f.command === 'isnotset') continue;
    state.flowbits ??= new Set();
    for (const n of f.names) {
      if (f.command === 'set' || f.command === 'setx') state.flowbits.add(n);
      else if (f.command === 'unset') state.flowbits.delete(n);
      else if (state.flowbits.has(n)) state.flowbits.delete(n);
      else state.flowbits.add(n);
    }
  }
}
