/**
 * The engine: wires capture → decode → flow → TCP reassembly and turns what they find into events.
 * The only module that knows every stage (ARCHITECTURE.md).
 *
 * Hot path (`processRaw`): one decode into a reused struct, one key fill and hash lookup in typed arrays,
 * counter updates on the flow, the TCP session. Nothing is allocated per packet unless an event is due.
 */
import type { CaptureInput, CaptureReader } from './capture/reader.js';
import { openCapture } from './capture/reader.js';
import type { CapturedPacket, PacketInput } from './capture/packet.js';
import { LinkType } from './capture/packet.js';
import { CAPTURE_ANOMALIES } from './capture/events.js';
import { formatAddress } from './decode/address.js';
import { DECODABLE_LINK_TYPES, Decoder } from './decode/decoder.js';
import { DECODE_ANOMALIES } from './decode/events.js';
import { DecodedPacket, IpProto, LAYER_NAMES } from './decode/packet.js';
import { NetsieveError } from './errors.js';
import type {
  AlertEvent,
  AnomalyLayer,
  EventEndpoints,
  EventOfType,
  NetsieveEvent,
  NetsieveEventType,
  Verdict,
} from './events.js';
import { STREAM_ANOMALIES, StreamAnomaly } from './flow/events.js';
import type { Flow, FlowEndReason } from './flow/flow.js';
import { FlowKind } from './flow/flow.js';
import {
  decodeAnomalyEvent,
  endpointsOf,
  firstOnFlow,
  flowAnomalyEvent,
  flowEvent,
  protoName,
  tunnelOf,
} from './flow/flow-events.js';
import { countPacket, newFlowFromPacket, noteIcmpType } from './flow/flow-lifecycle.js';
import { APP_STATE_BYTES, FLOW_BYTES, FlowMemory, STREAM_STATE_BYTES } from './flow/flow-memory.js';
import { FlowTable, KEY_WORDS, fillPacketKey, hashKey, timeoutClassOf } from './flow/flow-table.js';
import { FlowViewOf, type FlowView } from './flow/flow-view.js';
import { quotedFlowOf } from './flow/icmp-errors.js';
import { ReassemblyMemory } from './flow/reassembly-memory.js';
import type { Direction, StreamConsumer } from './flow/stream.js';
import { TCP_SESSION_WORDS, TcpOutcome, TcpSession } from './flow/tcp-session.js';
import { TcpStateSlab } from './flow/tcp-state-slab.js';
import type { TcpContext, TcpEventSink } from './flow/tcp-types.js';
import type { EngineOptions, EngineOptionsInput } from './options.js';
import { resolveOptions } from './options.js';
import { compileFilter, type PacketFilter } from './filter/index.js';
import { AppLayer } from './protocols/app-layer.js';
import type { ServerNameSource } from './protocols/module.js';
import { enabledModules, resolveAppOptions, type AppOptions, type AppOptionsInput } from './protocols/registry.js';
import type { DetectStats, EngineStats, InternalErrorStats } from './stats.js';
import { alertInfo, createDetection, type Detection, type DetectOptions } from './detect/index.js';
import { type Waf, wafAlertInfo, type WafMatch, type WafTransaction } from './detect/waf/index.js';
import type { HttpTransaction } from './protocols/http/events.js';
import type { AlertHit, Detector, FlowDetectState } from './detect/detector.js';
import {
  type FlowPolicy,
  POLICY_ANOMALIES,
  type PolicyDecision,
  type PolicyDocument,
  type PolicyMode,
  type PolicyOptions,
  type PolicyProblem,
  PolicyStage,
  checkPolicy,
  readPolicyFile,
} from './policy/index.js';
import type { DnsMessage } from './protocols/dns/events.js';
import type { ThreatEvent, ViolationEvent } from './events.js';
import { EtherType } from './decode/ethernet.js';
import { ATTACK_TECHNIQUES, STAGE_TECHNIQUES, THREAT_DETECTORS, ThreatStage, type ThreatOptions } from './threats/index.js';
import { attackLayer, layerSources, type NavigatorLayer } from './output/attack-layer.js';
import { DLP_GID } from './detect/dlp-signatures.js';
import type { ThreatDetectorDef, ThreatFinding } from './threats/types.js';

export type { EngineStats, InternalErrorStats } from './stats.js';

export interface CreateEngineOptions extends EngineOptionsInput {
  /** The application layer: protocol detection and parsers (src/protocols/registry.ts). */
  app?: AppOptionsInput;
  /** For tests and development. */
  debug?: DebugOptions;
  /**
   * Called once for each new TCP flow with a read-only view of it; return a consumer to receive the flow's
   * reassembled byte streams (both directions), or null. The view is valid until the flow's `flow` event.
   */
  onStream?: (flow: FlowView) => StreamConsumer | null;
  /**
   * A tcpdump filter expression (`tcp port 80 and not host 10.0.0.1`): packets it does not select are skipped
   * before decoding (counted in `stats().packetsFiltered`). Evaluated by netsieve (src/filter/), as libpcap would.
   */
  filter?: string;
  /**
   * Signatures (src/detect/): Suricata rules and DLP sensors. Alerts are `alert` events; a matching `drop`
   * (or `reject`) rule makes `process()` return `'drop'` for that packet and every later packet of its flow.
   */
  detect?: DetectOptions;
  /**
   * The event types built for `replay()`'s iterator, `process()`'s result and `'*'` listeners (default: every
   * type). Events of other types are not built at all, and parsers skip building records nobody reads (a
   * Redis command's strings, say) unless detection rules or DLP inspect them; stats still count everything.
   * A listener of one type (`on('redis', ...)`) gets its type whatever this says. The CLI's `--types` sets it.
   */
  eventTypes?: readonly NetsieveEventType[];
  /**
   * The policy stage (src/policy/): segmentation and egress rules over groups of addresses and names learned
   * from DNS, decided once per flow (and once more when its application is known). `violation` events for
   * denied flows; in `protect` mode `process()` returns `'drop'` for them. `{}` alone is discover mode:
   * everything allowed and learned (`learnedPolicy()`).
   */
  policy?: PolicyOptions;
  /**
   * The threat stage (src/threats/): network attack detectors tagged with MITRE ATT&CK (scans, floods,
   * amplification, fragment and TCP tricks, slow HTTP, smuggling, Heartbleed, tunnelling over DNS and ICMP,
   * ARP and DNS spoofing, mining, brute force, unusual uploads). `{}` runs every detector with its defaults;
   * `threat` events, one per detector, attacker and target per window. Off when absent (the CLI turns it on).
   */
  threats?: ThreatOptions;
}

export interface DebugOptions {
  /**
   * Rethrow an exception caught by a catch-all guard (a parser, a probe, the decoder) instead of going on
   * without it, so that a bug surfaces where it happens. Default false: the guard reports it
   * (`stats().internalErrors`, and `app.parser_error` / `decode.internal_error`) and the engine goes on.
   */
  throwInternalErrors?: boolean;
}

export interface ReplayOptions {
  /** End every open flow when the input ends (default true). Set false to continue the flows in the next replay. */
  flush?: boolean;
  /** Name used in messages (default: the path, `-`, or `<stream>`). */
  name?: string;
  /** Called after each chunk with the input bytes read so far and the total size when known. */
  onProgress?: (bytesRead: number, totalBytes: number | null, packets: number) => void;
  /**
   * Decides per captured packet, before decoding: `process` it, `skip` it, `last` (process it, then end the
   * input) or `stop` (end the input without it). The CLI's --count, --start and --end use it.
   */
  packetFilter?: (p: CapturedPacket) => PacketChoice;
}

/** What `ReplayOptions.packetFilter` decides for one packet. */
export type PacketChoice = 'process' | 'skip' | 'last' | 'stop';

type Listener<T extends NetsieveEventType | '*'> = (ev: T extends NetsieveEventType ? EventOfType<T> : NetsieveEvent) => void;

const EXPIRE_BATCH = 256;

/**
 * The WAF's state of one flow (`flow.waf`): the HTTP transactions whose request phases ran when their
 * request was complete, waiting for their record (at most MAX_OPEN_WAF_TRANSACTIONS; gone with the flow),
 * and whether a `block`-mode intervention made the flow drop.
 */
interface FlowWafState {
  open: Map<number, { waf: Waf; t: WafTransaction }>;
  dropped: boolean;
}
/** Open WAF transactions kept per flow (HTTP's pipelining cap is lower by default). */
const MAX_OPEN_WAF_TRANSACTIONS = 64;

export class Engine {
  readonly options: EngineOptions;
  private readonly decoder: Decoder;
  private readonly table: FlowTable;
  private readonly pkt = new DecodedPacket();
  private readonly key = new Uint32Array(KEY_WORDS);
  private readonly expiredSlots = new Int32Array(EXPIRE_BATCH);
  private readonly memory: ReassemblyMemory;
  private readonly tcpContext: TcpContext;
  private readonly onStream: ((flow: FlowView) => StreamConsumer | null) | null;
  /** What the flow table accounts against `flow.memcap`. */
  private readonly flowMemory: FlowMemory;
  /** The flow whose TCP session is being closed by `endFlow` (its streams may open for a last gap). */
  private endingFlow: Flow | null = null;
  /** The `filter` option compiled, null without one. */
  private readonly filter: PacketFilter | null;
  private packetsFiltered = 0;
  readonly appOptions: AppOptions;
  /** The application layer, null when it is off or has no protocols. */
  private readonly app: AppLayer | null;
  private readonly throwInternalErrors: boolean;
  private readonly internalErrors: InternalErrorStats = { count: 0, last: null };
  private readonly vlanInKey: boolean;
  private readonly listeners = new Map<string, ((ev: NetsieveEvent) => void)[]>();
  /** `eventTypes` as a set; null: every type. */
  private readonly eventTypes: ReadonlySet<string> | null;
  /** Events of the replay in progress, drained by its iterator. */
  private collectorQueue: NetsieveEvent[] | null = null;
  /**
   * Per record type, whether anyone reads it (`AppHost.wantsRecords`, asked by parsers per message): kept
   * until listeners, the collector or the detector change.
   */
  private readonly recordsWantedCache = new Map<string, boolean>();
  private get collector(): NetsieveEvent[] | null {
    return this.collectorQueue;
  }
  private set collector(queue: NetsieveEvent[] | null) {
    if ((queue === null) !== (this.collectorQueue === null)) this.recordsWantedCache.clear();
    this.collectorQueue = queue;
  }
  private closed = false;
  private replaying = false;

  /** Engine clock: the latest capture time seen (seconds); capture time never runs backwards here. */
  private clock = -Infinity;
  private lastExpirySec = -Infinity;
  private packetCount = 0;
  private byteCount = 0;
  private ipPackets = 0;
  private flowsCreated = 0;
  private flowsEnded = 0;
  private flowsEvicted = 0;
  private flowsTimedOut = 0;
  private firstTs = NaN;
  private readonly flowsByProto: Record<string, number> = {};
  private readonly flowsByApp: Record<string, number> = {};
  private readonly anomalyCounts: Record<string, number> = {};
  private readonly flowlessAnomalySec = new Map<string, number>();
  private readonly layerCounts = new Float64Array(32);
  /** Set while a packet is processed (for events raised from deep inside). */
  private currentPacket = 0;
  private lastVerdictDrop = false;
  /** The detection stage (rules loaded, their report), null without the `detect` option. */
  private detection: Detection | null;
  private detector: Detector | null;
  /** Reused for the hits of one inspection. */
  private readonly hits: AlertHit[] = [];
  private readonly alertsBySignature = new Map<string, number>();
  private packetsDropped = 0;
  private bytesDropped = 0;
  /** The policy stage, null without the `policy` option. */
  private readonly policy: PolicyStage | null;
  private readonly threats: ThreatStage | null;

  /** Bound once: the capture readers call it per packet. */
  private readonly onCaptured = (p: CapturedPacket): void => {
    this.processRaw(p.data, p.offset, p.caplen, p.origlen, p.linkType, p.tsSec, p.tsNsec);
  };

  constructor(options: CreateEngineOptions = {}) {
    const { onStream, app, debug, filter, detect, eventTypes, policy, threats, ...rest } = options;
    this.throwInternalErrors = debug?.throwInternalErrors === true;
    if (eventTypes !== undefined && (!Array.isArray(eventTypes) || eventTypes.some((t) => typeof t !== 'string'))) {
      throw new NetsieveError('NS_ERR_OPTION', 'eventTypes must be an array of event type names (flow, alert, http, ...)');
    }
    this.eventTypes = eventTypes === undefined ? null : new Set(eventTypes);
    this.options = resolveOptions(rest);
    if (filter !== undefined && typeof filter !== 'string')
      throw new NetsieveError('NS_ERR_OPTION', 'option filter must be a string');
    const compiled = filter === undefined ? null : compileFilter(filter);
    this.filter = compiled === null || compiled.matchesAll ? null : compiled;
    this.onStream = onStream ?? null;
    this.detection = detect === undefined ? null : createDetection(detect);
    this.detector = this.detection?.detector ?? null;
    this.threats =
      threats === undefined
        ? null
        : new ThreatStage(threats, {
            threat: (def, finding) => this.emitThreat(def, finding),
            internalError: (where, error) => this.internalError(where, error),
          });
    this.appOptions = resolveAppOptions(this.threats !== null ? withAppDefaults(app, this.threats.appDefaults()) : app);
    const modules = enabledModules(this.appOptions);
    this.app =
      modules.length === 0
        ? null
        : new AppLayer(
            modules,
            { detection: this.appOptions.detection, protocols: this.appOptions.protocols },
            {
              record: (flow, type, payload) => this.emitRecord(flow, type, payload),
              wantsRecords: (type) => this.wantsRecords(type),
              identified: (flow, namePending) => this.policy?.appIdentified(flow, namePending),
              anomaly: (flow, name, code, direction) => this.emitFlowAnomaly(flow, 'app', name, code, direction),
              serverName: (flow, name, source) => this.onServerName(flow, name, source),
              wantsRequests: (type) =>
                (type === 'http' && (this.detection?.waf ?? null) !== null) || this.threats?.wantsRequests === true,
              requestDone: (flow, type, record) => this.requestDone(flow, type, record),
              internalError: (where, error) => this.internalError(where, error),
            },
          );
    this.policy =
      policy === undefined
        ? null
        : new PolicyStage(
            policy,
            {
              violation: (flow, decision) => this.emitViolation(flow, decision),
              anomaly: (flow, code) => {
                const name = POLICY_ANOMALIES[code] ?? `policy.code_${code}`;
                if (flow !== null) this.emitFlowAnomaly(flow, 'policy', name, code, undefined);
                else this.emitTableAnomaly(name, code, 'policy');
              },
            },
            this.app !== null,
          );
    this.vlanInKey = this.options.flow.vlanInKey;
    this.decoder = new Decoder({ decode: this.options.decode, fragments: this.options.fragments });
    this.decoder.onAnomaly = (code: number) => this.emitDecodeAnomaly(code, null, false);
    this.decoder.onInternalError = (error: unknown) => this.internalError('decode', error);
    this.table = new FlowTable(this.options.flow.maxFlows, this.options.flow.timeouts);
    const fixed = this.table.fixedBytes;
    if (this.options.flow.memcap < fixed + FLOW_BYTES) {
      throw new NetsieveError(
        'NS_ERR_OPTION',
        `flow.memcap ${this.options.flow.memcap} is below what a table of flow.maxFlows ${this.options.flow.maxFlows} needs for itself ` +
          `(${fixed} bytes) plus one flow (${FLOW_BYTES}); raise flow.memcap or lower flow.maxFlows`,
      );
    }
    this.flowMemory = new FlowMemory(this.options.flow.memcap, fixed);
    this.memory = new ReassemblyMemory(this.options.tcp.memcap);
    const engine = this;
    const sink: TcpEventSink = {
      anomaly(owner: unknown, direction: Direction, code: number): void {
        // Gaps arrive through gap() with their offset and length; the bare anomaly would repeat them.
        if (code === StreamAnomaly.gap) return;
        engine.emitFlowAnomaly(owner as Flow, 'stream', STREAM_ANOMALIES[code] ?? `stream.code_${code}`, code, direction);
      },
      gap(owner: unknown, direction: Direction, offset: number, length: number): void {
        engine.emitFlowAnomaly(owner as Flow, 'stream', 'stream.gap', StreamAnomaly.gap, direction, { offset, length });
      },
    };
    this.tcpContext = {
      options: this.options.tcp,
      memory: this.memory,
      sink,
      streamsOpened: (owner, consumer) => this.streamsOpened(owner as Flow, consumer),
      stateSlab: new TcpStateSlab(TCP_SESSION_WORDS),
    };
  }

  // ---------------------------------------------------------------- events

  /** Subscribes to one event type, or to all with `'*'`. Listeners run synchronously inside `process()`. */
  on<T extends NetsieveEventType | '*'>(type: T, listener: Listener<T>): this {
    const list = this.listeners.get(type) ?? [];
    list.push(listener as (ev: NetsieveEvent) => void);
    this.listeners.set(type, list);
    this.recordsWantedCache.clear();
    return this;
  }

  off<T extends NetsieveEventType | '*'>(type: T, listener: Listener<T>): this {
    const list = this.listeners.get(type);
    if (list) {
      const i = list.indexOf(listener as (ev: NetsieveEvent) => void);
      if (i >= 0) list.splice(i, 1);
      this.recordsWantedCache.clear();
    }
    return this;
  }

  private emit(ev: NetsieveEvent): void {
    const typed = this.listeners.get(ev.type);
    if (typed !== undefined) for (const l of typed) l(ev);
    if (this.eventTypes !== null && !this.eventTypes.has(ev.type)) return;
    if (this.collector !== null) this.collector.push(ev);
    const all = this.listeners.get('*');
    if (all !== undefined) for (const l of all) l(ev);
  }

  // ---------------------------------------------------------------- packets

  /**
   * Processes one packet and returns its verdict: `drop` when its flow is denied by the policy in protect
   * mode, matched a `drop`/`reject` rule, or when `tcp.memcapPolicy: 'drop'` refused it; else `accept`.
   * Events it causes go to the listeners before this returns.
   */
  process(packet: PacketInput): Verdict {
    if (this.closed) throw new NetsieveError('NS_ERR_STATE', 'process() called after close(); create a new engine');
    const offset = packet.offset ?? 0;
    const caplen = packet.caplen ?? packet.data.length - offset;
    if (offset < 0 || caplen < 0 || offset + caplen > packet.data.length) {
      throw new NetsieveError(
        'NS_ERR_OPTION',
        `packet offset ${offset} and caplen ${caplen} do not fit its ${packet.data.length}-byte buffer`,
      );
    }
    let tsSec = packet.tsSec;
    let tsNsec = packet.tsNsec ?? 0;
    if (tsSec === undefined) {
      const now = Date.now();
      tsSec = Math.floor(now / 1000);
      tsNsec = (now % 1000) * 1e6;
    }
    this.processRaw(packet.data, offset, caplen, packet.origlen ?? caplen, packet.linkType ?? LinkType.ETHERNET, tsSec, tsNsec);
    return this.lastVerdictDrop ? 'drop' : 'accept';
  }

  private processRaw(
    data: Uint8Array,
    offset: number,
    caplen: number,
    origlen: number,
    linkType: number,
    tsSec: number,
    tsNsec: number,
  ): void {
    const n = ++this.packetCount;
    this.lastVerdictDrop = false;
    if (this.filter !== null && !this.filter.matchesAt(linkType, data, offset, caplen, origlen)) {
      this.packetsFiltered++;
      return;
    }
    this.currentPacket = n;
    this.byteCount += caplen;
    const now = tsSec + tsNsec * 1e-9;
    if (now > this.clock) {
      if (this.clock === -Infinity) this.firstTs = now;
      this.clock = now;
      if (tsSec > this.lastExpirySec) {
        this.lastExpirySec = tsSec;
        this.expire(now);
        if (this.threats !== null) this.threats.tick(now);
      }
    }
    const p = this.pkt;
    const ok = this.decoder.decode(data, offset, caplen, origlen, linkType, tsSec, tsNsec, p);
    const layers = this.layerCounts;
    for (let i = 0; i < p.layerCount; i++) layers[p.layers[i]!]!++;
    if (!ok) {
      if (p.anomalyCount > 0) this.emitPacketAnomalies(null);
      if (this.threats !== null && (p.etherType === EtherType.ARP || p.etherType === EtherType.RARP)) this.threats.link(p, now);
      // An IP fragment held for reassembly is still a packet to header rules (ttl, addresses), as in Suricata.
      const det = this.detector;
      if (det !== null && p.isFragment && det.set.headerRules.length > 0) {
        const hits = this.hits;
        hits.length = 0;
        det.fragment(p, now, hits);
        for (const h of hits) this.countAlert(h);
        if (hits.length > 0 && this.wantsEvent('alert')) this.emitPacketAlerts(hits);
      }
      this.currentPacket = 0;
      return;
    }
    this.ipPackets++;
    // A reassembled datagram counts once in its flow, with the bytes of all its fragments (the fragments
    // before it belonged to no flow yet).
    const flowBytes = p.reassembled ? p.wireLen : caplen;

    // An ICMP error belongs to the flow whose packet it quotes (as Suricata does), when that flow exists.
    if (p.icmpQuotedValid) {
      const quoted = quotedFlowOf(p, this.table, this.key, this.vlanInKey);
      if (quoted >= 0) {
        const slot = quoted >> 1;
        const flow = this.table.flows[slot]!;
        countPacket(flow, quoted & 1, flowBytes, tsSec, tsNsec);
        this.table.touch(slot, now, timeoutClassOf(flow));
        if (p.anomalyCount > 0) this.emitPacketAnomalies(flow);
        if (this.threats !== null) this.threats.icmpError(p, flow, now);
        this.currentPacket = 0;
        return;
      }
      if (this.threats !== null) this.threats.icmpError(p, null, now);
    }

    const key = this.key;
    const srcIsA = fillPacketKey(p, key, this.vlanInKey);
    const hash = hashKey(key);
    let slot = this.table.lookup(key, hash);
    let flow: Flow;
    let created = false;
    if (slot < 0) {
      flow = this.createFlow(p, srcIsA, hash, now);
      slot = flow.slot;
      created = true;
    } else {
      flow = this.table.flows[slot]!;
    }
    let dir: Direction = srcIsA === flow.clientIsA ? 0 : 1;
    if (p.anomalyCount > 0) this.emitPacketAnomalies(flow);

    if (flow.tcp !== null) {
      let outcome = flow.tcp.onPacket(p, dir);
      if ((outcome & TcpOutcome.NEW_CONNECTION) !== 0) {
        // Port reuse: the old connection is over; this SYN starts the next one on the same tuple.
        this.endFlow(flow, 'tcp_reuse');
        flow = this.createFlow(p, srcIsA, hash, now);
        slot = flow.slot;
        created = true;
        dir = srcIsA === flow.clientIsA ? 0 : 1;
        outcome = flow.tcp!.onPacket(p, dir);
      }
      if ((outcome & TcpOutcome.DROP) !== 0) this.lastVerdictDrop = true;
      if (dir === 0) flow.tcpFlagsToServer |= p.tcpFlags;
      else flow.tcpFlagsToClient |= p.tcpFlags;
    } else if (p.ipProto === IpProto.ICMP || p.ipProto === IpProto.ICMPV6) {
      noteIcmpType(flow, dir, p);
    }
    countPacket(flow, dir, flowBytes, tsSec, tsNsec);
    if (this.app !== null && p.ipProto === IpProto.UDP && p.payloadLen > 0 && !flow.ended) {
      // The application layer's state comes with the first datagram that carries bytes.
      if (flow.app === null) this.account(flow, APP_STATE_BYTES);
      this.app.udp(flow, dir, p.data, p.payloadOffset, p.payloadOffset + p.payloadLen);
    }
    const threats = this.threats;
    if (threats !== null) {
      if (created) threats.flowStarted(flow, p, now);
      threats.packet(p, flow, dir, now);
    }
    const pol = this.policy;
    if (pol !== null) {
      // The flow's first decision comes at the end of its first packet (unless the packet completed its evidence).
      if ((flow.policy as FlowPolicy).decisions === 0) pol.decideFirst(flow);
      if (flow.policyDrop) {
        this.lastVerdictDrop = true;
        pol.packetsDropped++;
        pol.bytesDropped += caplen;
      }
    }
    const det = this.detector;
    if (det !== null) {
      // TCP segments go to packet rules only when some rule reads TCP packets one by one.
      if (det.set.packetRules && (p.ipProto !== IpProto.TCP || flow.tcp === null || det.set.tcpPacketRules)) {
        const hits = this.hits;
        hits.length = 0;
        det.packet(p, flow, dir === 0, now, hits);
        if (hits.length > 0) this.emitAlerts(flow, hits);
      }
      if (
        (flow.detect !== null && (flow.detect as FlowDetectState).dropped) ||
        (flow.waf !== null && (flow.waf as FlowWafState).dropped)
      ) {
        this.lastVerdictDrop = true;
        this.packetsDropped++;
        this.bytesDropped += caplen;
      }
    }
    if (!flow.ended) this.table.touch(slot, now, timeoutClassOf(flow));
    this.currentPacket = 0;
  }

  private createFlow(p: DecodedPacket, srcIsA: boolean, hash: number, now: number): Flow {
    if (this.table.full) {
      const victim = this.table.victim();
      if (victim >= 0) this.evict(this.table.flows[victim]!);
    }
    if (!this.flowMemory.fits(FLOW_BYTES)) this.makeRoom(FLOW_BYTES, -1);
    const flow = newFlowFromPacket(p, srcIsA, this.key, this.packetCount);
    this.table.insert(this.key, hash, flow, now, timeoutClassOf(flow));
    flow.accounted = FLOW_BYTES;
    this.flowMemory.add(FLOW_BYTES);
    this.flowsCreated++;
    if (this.policy !== null) this.policy.flowStarted(flow, now);
    const proto = protoName(p.ipProto);
    this.flowsByProto[proto] = (this.flowsByProto[proto] ?? 0) + 1;
    if (flow.kind === FlowKind.TCP) {
      const session = new TcpSession(this.tcpContext, flow);
      flow.tcp = session;
      // The application layer joins when the streams open (first data: streamsOpened); a SYN that is never
      // answered costs no reassembly or parser state.
      session.consumer = this.onStream !== null ? this.onStream(new FlowViewOf(flow)) : null;
      // The session was created after insert: refresh the class (still "new").
      this.table.touch(flow.slot, now, timeoutClassOf(flow));
    }
    return flow;
  }

  /** A TCP flow's first data: its reassemblers and application state exist from now on. */
  private streamsOpened(flow: Flow, user: StreamConsumer | null): StreamConsumer | null {
    // Opened by its own end (a trailing gap to report): no state worth accounting, and making room for it
    // would evict other flows for one that is going away.
    if (flow === this.endingFlow) return user;
    this.account(flow, this.app !== null ? STREAM_STATE_BYTES + APP_STATE_BYTES : STREAM_STATE_BYTES);
    const app = this.app !== null && !flow.ended ? this.app.tcpConsumer(flow) : null;
    const both = app === null ? user : user === null ? app : teeConsumer(app, user);
    const det = this.detector;
    if (det === null || !det.wantsStreams || flow.ended) return both;
    // Rules without a buffer read the reassembled stream (before the parsers, as Suricata's raw stream).
    const engine = this;
    const detect: StreamConsumer = {
      onData(data, start, end, info) {
        // The engine's detector of the moment: reloadRules() may have replaced the one of the flow's start.
        const d = engine.detector;
        if (d === null) return;
        const hits = engine.hits;
        hits.length = 0;
        d.streamData(flow, info.direction === 0, data, start, end, info.tsSec + info.tsNsec * 1e-9, hits);
        if (hits.length > 0) engine.emitAlerts(flow, hits);
      },
      onEnd() {},
    };
    // After the parsers: the flow's application is known when the detector sees the chunk that revealed it.
    return both === null ? detect : teeConsumer(both, detect);
  }

  /** `flow` holds `bytes` more state: accounted under `flow.memcap`, after evicting others if needed. */
  private account(flow: Flow, bytes: number): void {
    if (!this.flowMemory.fits(bytes)) this.makeRoom(bytes, flow.slot);
    flow.accounted += bytes;
    this.flowMemory.add(bytes);
  }

  /**
   * Emergency eviction: ends flows (embryonic ones first, least recently seen first; then the one closest
   * to its timeout; never the flow in `excludeSlot`) until `bytes` more fit under `flow.memcap`. The first
   * hit of an episode is reported.
   */
  private makeRoom(bytes: number, excludeSlot: number): void {
    const mem = this.flowMemory;
    if (mem.hit()) this.emitTableAnomaly('flow.memcap_reached', StreamAnomaly.memcap_reached);
    while (!mem.fits(bytes)) {
      const victim = this.table.memoryVictim(excludeSlot);
      if (victim < 0) break; // only the flow being served is left: it keeps its state, briefly over the cap
      mem.memcapEvictions++;
      this.evict(this.table.flows[victim]!);
    }
  }

  /** Ends `flow` to make room (reason `forced`, `flow.evicted`). */
  private evict(flow: Flow): void {
    this.flowsEvicted++;
    this.emitFlowAnomaly(flow, 'flow', 'flow.evicted', StreamAnomaly.evicted, undefined);
    this.endFlow(flow, 'forced');
  }

  private endFlow(flow: Flow, reason: FlowEndReason): void {
    if (flow.ended) return;
    if (flow.tcp !== null) {
      const outer = this.endingFlow;
      this.endingFlow = flow;
      try {
        flow.tcp.close();
      } finally {
        this.endingFlow = outer;
      }
    }
    if (this.app !== null) {
      // A TCP flow that never carried data has no application state; its end still decides what the
      // ports suggest (appProto with confidence `port`), as for every flow.
      if (flow.kind === FlowKind.TCP && flow.app === null) this.app.tcpConsumer(flow);
      this.app.end(flow);
    }
    flow.ended = true;
    this.detector?.flowEnded(flow);
    if (this.threats !== null) this.threats.flowEnded(flow, this.now());
    this.table.remove(flow.slot);
    this.flowMemory.release(flow.accounted);
    flow.accounted = 0;
    this.flowsEnded++;
    if (reason === 'timeout') this.flowsTimedOut++;
    const app =
      flow.appProto === null ? 'unknown' : flow.appProtoConfidence === 'dpi' ? flow.appProto : `${flow.appProto} (port)`;
    this.flowsByApp[app] = (this.flowsByApp[app] ?? 0) + 1;
    const decision = this.policy !== null ? this.policy.flowEnded(flow) : null;
    if (this.wantsEvent('flow')) {
      const ev = flowEvent(flow, reason);
      if (decision !== null) ev.policy = copyDecision(decision);
      this.emit(ev);
    }
    // The event holds copies of everything: the session's fixed state can go to the next flow.
    if (flow.tcp !== null) flow.tcp.release();
  }

  /** Ends flows whose timeout has passed and fragments that waited too long. */
  private expire(now: number): void {
    const out = this.expiredSlots;
    for (;;) {
      const n = this.table.expired(now, out);
      for (let i = 0; i < n; i++) {
        const f = this.table.flows[out[i]!];
        if (f) this.endFlow(f, 'timeout');
      }
      if (n < out.length) break;
    }
    this.decoder.expire(now);
  }

  // ---------------------------------------------------------------- replay and shutdown

  /**
   * Replays a capture (path, `-` for stdin, Node or web stream, async iterable of chunks, or bytes) and yields
   * the events it causes. At the end of input every open flow is ended (unless `flush: false`). A damaged
   * capture yields every event up to the fault (flows flushed when `flush` is on), then throws the
   * `NetsieveError` that says which file, packet and byte offset.
   */
  async *replay(input: CaptureInput, opts: ReplayOptions = {}): AsyncGenerator<NetsieveEvent, void, undefined> {
    if (this.closed) throw new NetsieveError('NS_ERR_STATE', 'replay() called after close(); create a new engine');
    if (this.replaying)
      throw new NetsieveError('NS_ERR_STATE', 'a replay is already running on this engine; wait for it to finish');
    this.replaying = true;
    const queue: NetsieveEvent[] = [];
    let reader: CaptureReader | null = null;
    let failure: unknown = null;
    try {
      this.collector = queue;
      try {
        reader = await openCapture(input, opts.name !== undefined ? { name: opts.name } : {});
        // A classic pcap has one link type for every packet: when netsieve cannot decode it, the file as a
        // whole is unusable, and one clear error beats an anomaly per packet. (A pcapng file may mix
        // interfaces; packets of an unknown link type there raise decode.unknown_linktype.)
        if (reader.format === 'pcap' && !DECODABLE_LINK_TYPES.has(reader.linkType)) {
          throw new NetsieveError(
            'NS_ERR_CAPTURE_LINKTYPE',
            `link type ${reader.linkType} is not one netsieve decodes (Ethernet 1, raw IP 101/228/229, BSD loopback 0/108, ` +
              'Linux cooked 113/276); see https://www.tcpdump.org/linktypes.html',
            { file: reader.name, offset: 20 },
          );
        }
        // The filter's program for the file's link type, now: an expression the link cannot carry (`vlan` on
        // Linux cooked) fails before the first packet.
        if (this.filter !== null && reader.linkType >= 0) this.filter.compileFor(reader.linkType, reader.name);
        // A filter ends the input by ignoring the rest of the chunk in hand and reading no further.
        let ended = false;
        const filter = opts.packetFilter;
        const onPacket =
          filter === undefined
            ? this.onCaptured
            : (p: CapturedPacket): void => {
                if (ended) return;
                const choice = filter(p);
                if (choice === 'process' || choice === 'last') this.onCaptured(p);
                if (choice === 'last' || choice === 'stop') ended = true;
              };
        for (;;) {
          const more = (await reader.pump(onPacket)) && !ended;
          if (opts.onProgress) opts.onProgress(reader.bytesRead, reader.totalBytes, reader.packets);
          if (queue.length > 0) {
            const batch = queue.splice(0, queue.length);
            this.collector = null;
            yield* batch;
            this.collector = queue;
          }
          if (!more) break;
        }
      } catch (e) {
        failure = e;
      }
      if (reader !== null) this.absorbCaptureAnomalies(reader);
      if (opts.flush !== false) this.flush();
      this.collector = null;
      yield* queue.splice(0, queue.length);
    } finally {
      this.collector = null;
      this.replaying = false;
      reader?.close();
    }
    if (failure !== null) throw failure;
  }

  /**
   * Odd records the reader could still read (caplen above the snaplen, a packet of an interface its section
   * never described, ...): counted by the reader; one event per kind per input says so, the counters say how
   * often.
   */
  private absorbCaptureAnomalies(reader: CaptureReader): void {
    const counts = reader.anomalies;
    for (let code = 1; code < counts.length && code < CAPTURE_ANOMALIES.length; code++) {
      const n = counts[code]!;
      if (n === 0) continue;
      const name = CAPTURE_ANOMALIES[code]!;
      this.anomalyCounts[name] = (this.anomalyCounts[name] ?? 0) + n;
      if (this.wantsEvent('anomaly'))
        this.emit({ type: 'anomaly', ts: this.clockTs(), anomaly: { layer: 'capture', event: name, code } });
    }
  }

  /** Ends every open flow (reason `shutdown`) and returns the events that caused; the engine stays usable. */
  flush(): NetsieveEvent[] {
    const out: NetsieveEvent[] = [];
    const previous = this.collector;
    this.collector = out;
    try {
      for (const f of [...this.table.all()]) this.endFlow(f, 'shutdown');
    } finally {
      this.collector = previous;
    }
    if (previous !== null) previous.push(...out);
    return out;
  }

  /** Ends every open flow and releases the engine; returns the final events. */
  close(): NetsieveEvent[] {
    if (this.closed) return [];
    const events = this.flush();
    this.closed = true;
    return events;
  }

  /** A catch-all guard caught an exception: kept for `stats()`; rethrown with `debug.throwInternalErrors`. */
  private internalError(where: string, error: unknown): void {
    const e = this.internalErrors;
    e.count++;
    e.last = {
      where,
      message: error instanceof Error ? error.message : String(error),
      stack: error instanceof Error && typeof error.stack === 'string' ? error.stack : null,
    };
    if (this.throwInternalErrors) throw error;
  }

  stats(): EngineStats {
    const layers: Record<string, number> = {};
    for (let i = 0; i < this.layerCounts.length; i++) {
      const c = this.layerCounts[i]!;
      if (c > 0) layers[LAYER_NAMES[i] ?? `layer_${i}`] = c;
    }
    return {
      packets: this.packetCount,
      packetsFiltered: this.packetsFiltered,
      bytes: this.byteCount,
      ipPackets: this.ipPackets,
      otherPackets: this.packetCount - this.packetsFiltered - this.ipPackets,
      flowsCreated: this.flowsCreated,
      flowsEnded: this.flowsEnded,
      flowsActive: this.table.size,
      flowsEvicted: this.flowsEvicted,
      flowsTimedOut: this.flowsTimedOut,
      flowsByProto: { ...this.flowsByProto },
      flowsByApp: { ...this.flowsByApp },
      anomalies: { ...this.anomalyCounts },
      layers,
      reassembly: { memoryUsed: this.memory.used, memoryPeak: this.memory.peak, memcapHits: this.memory.capHits },
      flowMemory: this.flowMemory.snapshot(),
      fragments: { ...this.decoder.stats.fragments },
      internalErrors: {
        count: this.internalErrors.count,
        last: this.internalErrors.last === null ? null : { ...this.internalErrors.last },
      },
      firstTs: this.firstTs,
      lastTs: this.clock === -Infinity ? NaN : this.clock,
      ...(this.detection !== null ? { detect: this.detectStats(this.detection) } : {}),
      ...(this.policy !== null ? { policy: this.policy.stats() } : {}),
      ...(this.threats !== null ? { threats: this.threats.stats() } : {}),
    };
  }

  private detectStats(d: Detection): DetectStats {
    const s = d.detector.stats;
    return {
      rulesLoaded: d.report.stats.loaded,
      rulesFailed: d.report.stats.failed,
      alerts: s.alerts,
      alertsBySignature: Object.fromEntries(this.alertsBySignature),
      candidates: s.candidates,
      unfiltered: s.unfiltered,
      suppressed: s.suppressed,
      packetsDropped: this.packetsDropped,
      bytesDropped: this.bytesDropped,
      ...(d.waf !== null
        ? { waf: { rulesLoaded: d.waf.loaded.rules.filter((r) => r.kind !== 'marker').length, ...d.waf.stats } }
        : {}),
    };
  }

  /**
   * Replaces the rules (and DLP sensors) of a running engine: the new set is loaded and compiled first, so
   * a failure (an unreadable file, `strict` with a refused rule) throws and leaves the running set in place.
   * Flows keep their flowbits and transaction counts; their stream inspection starts afresh with the new
   * set at the next byte (a pattern split across the moment of the reload is not found). Returns the report.
   */
  reloadRules(options: DetectOptions): Detection['report'] {
    if (this.closed) throw new NetsieveError('NS_ERR_STATE', 'reloadRules() called after close(); create a new engine');
    const next = createDetection(options);
    const old = this.detector;
    if (old !== null) {
      for (const flow of this.table.flows) if (flow !== null) old.flowEnded(flow);
      old.free();
    }
    this.detection = next;
    this.detector = next.detector;
    this.recordsWantedCache.clear();
    return next.report;
  }

  /**
   * What the `detect` option loaded: the rules refused (file, line, sid, keyword, why) and the counts, as
   * Suricata's "N rules successfully loaded, M rules failed"; null without the option.
   */
  rulesReport(): Detection['report'] | null {
    return this.detection?.report ?? null;
  }

  // ---------------------------------------------------------------- ATT&CK

  /**
   * The ATT&CK Navigator layer (format 4.5, `enterprise-attack`) of what netsieve can detect: every technique
   * the threat detectors, the DLP sensors and the policy are tagged with (the coverage, whether or not they
   * run here), and a score on each technique that fired in this engine's traffic so far (its alerts' count).
   */
  attackLayer(options: { name?: string; description?: string } = {}): NavigatorLayer {
    const fired: Record<string, { count: number; sources: Record<string, number> }> = this.threats?.fired() ?? {};
    const add = (source: string, n: number): void => {
      if (n <= 0) return;
      for (const t of STAGE_TECHNIQUES.find((s) => s.source === source)?.techniques ?? []) {
        const e = (fired[t] ??= { count: 0, sources: {} });
        e.count += n;
        e.sources[source] = (e.sources[source] ?? 0) + n;
      }
    };
    let dlp = 0;
    for (const [key, n] of this.alertsBySignature) if (key.startsWith(`${DLP_GID}:`)) dlp += n;
    add('dlp', dlp);
    add('policy', this.policy?.stats().violations ?? 0);
    return attackLayer({ sources: layerSources(THREAT_DETECTORS), fired, ...options });
  }

  // ---------------------------------------------------------------- policy

  private policyStage(what: string, afterClose = false): PolicyStage {
    if (this.closed && !afterClose)
      throw new NetsieveError('NS_ERR_STATE', `${what}() called after close(); create a new engine`);
    if (this.policy === null)
      throw new NetsieveError(
        'NS_ERR_STATE',
        `${what}() needs the policy stage: create the engine with the policy option ({ policy: {} } is discover mode)`,
      );
    return this.policy;
  }

  /**
   * Replaces the policy of a running engine (a document, or the path of a policy file). It is checked first:
   * errors throw `NS_ERR_POLICY` and leave the running policy in place. Every open flow is decided again.
   * Returns the warnings (`PolicyProblem`s of severity `warning`).
   */
  setPolicy(document: PolicyDocument | string): PolicyProblem[] {
    const stage = this.policyStage('setPolicy');
    const doc = typeof document === 'string' ? readPolicyFile(document) : document;
    const { problems } = checkPolicy(doc);
    stage.setDocument(doc as PolicyDocument);
    this.redecideFlows(stage);
    return problems.filter((p) => p.severity === 'warning');
  }

  /** Changes the mode of a running engine; every open flow is decided again (a denied flow drops from its next packet in protect). */
  setMode(mode: PolicyMode): void {
    const stage = this.policyStage('setMode');
    stage.setMode(mode);
    this.redecideFlows(stage);
  }

  /**
   * Sets the run-time groups (replacing earlier ones), as an orchestrator gives workload labels: name -> CIDR
   * blocks or addresses. A rule's `from`/`to` may name them; a document group of the same name gets them added.
   * Every open flow is decided again.
   */
  setGroups(groups: Readonly<Record<string, readonly string[]>>): void {
    const stage = this.policyStage('setGroups');
    stage.setGroups(groups);
    this.redecideFlows(stage);
  }

  /**
   * The policy learned from the traffic so far (every mode learns unless `policy.learn` is false): groups for
   * the endpoints seen and one allow rule per conversation, sorted so the same traffic gives the same document.
   * Also after `close()`, which ends (and so learns) every open flow.
   */
  learnedPolicy(): PolicyDocument {
    return this.policyStage('learnedPolicy', true).learnedPolicy();
  }

  private redecideFlows(stage: PolicyStage): void {
    for (const flow of this.table.flows) if (flow !== null && !flow.ended) stage.redecide(flow);
  }

  // ---------------------------------------------------------------- event building

  private emitPacketAnomalies(flow: Flow | null): void {
    const p = this.pkt;
    for (let i = 0; i < p.anomalyCount; i++) this.emitDecodeAnomaly(p.anomalies[i]!, flow, true);
  }

  private emitDecodeAnomaly(code: number, flow: Flow | null, fromPacket: boolean): void {
    const name = DECODE_ANOMALIES[code] ?? `decode.code_${code}`;
    this.anomalyCounts[name] = (this.anomalyCounts[name] ?? 0) + 1;
    if (this.threats !== null) this.threats.anomaly(name, flow, fromPacket ? this.pkt : null, this.now());
    if (flow !== null) {
      flow.anomalies++;
      if (!firstOnFlow(flow, name)) return;
    } else if (!this.firstThisSecond(name)) {
      return;
    }
    if (!this.wantsEvent('anomaly')) return;
    this.emit(decodeAnomalyEvent(name, code, flow, fromPacket ? this.pkt : null, this.packetCount, this.clockTs()));
  }

  /** A parser's record as the event `{ type, [type]: payload }` of its flow, at the current packet's time. */
  private emitRecord(flow: Flow, type: string, payload: object): void {
    if (type === 'dns' && this.policy !== null) this.policy.dns(payload as DnsMessage, this.now());
    const waf = this.detection?.waf ?? null;
    if (waf !== null && type === 'http') {
      const record = payload as HttpTransaction;
      // Phases 1-2 ran when the request was complete (requestDone) unless it ended with the transaction
      // (or the WAF was reloaded since): the rest of the evaluation, or all of it, now.
      const state = flow.waf as FlowWafState | null;
      let begun: WafTransaction | null = null;
      if (state !== null) {
        const open = state.open.get(record.txId);
        if (open !== undefined) {
          state.open.delete(record.txId);
          if (open.waf === waf) begun = open.t;
        }
      }
      const done = waf.finish(begun, record);
      if (done !== null) {
        record.waf = done.result;
        if (done.result.blocked) this.wafBlocked(flow);
        if (done.matches.length > 0) this.emitWafAlerts(flow, record, done.matches);
      }
    }
    if (this.threats !== null) this.threats.record(flow, type, payload, this.recordTime(flow));
    const det = this.detector;
    if (det !== null) {
      const hits = this.hits;
      hits.length = 0;
      det.record(flow, type, payload, this.currentPacket !== 0 ? this.pkt.tsSec + this.pkt.tsNsec * 1e-9 : flow.lastSec, hits);
      if (hits.length > 0) this.emitAlerts(flow, hits);
    }
    if (!this.wantsEvent(type)) return;
    const ev = {
      type,
      ts: this.currentPacket !== 0 ? { sec: this.pkt.tsSec, nsec: this.pkt.tsNsec } : { sec: flow.lastSec, nsec: flow.lastNsec },
      flowId: flow.id,
      endpoints: this.endpointsOf(flow),
      [type]: payload,
    } as unknown as NetsieveEvent;
    if (this.currentPacket !== 0) ev.pcapCnt = this.currentPacket;
    if (flow.vlan.length > 0) ev.vlan = flow.vlan.slice();
    if (flow.tunnel !== null) ev.tunnel = tunnelOf(flow);
    this.emit(ev);
  }

  /**
   * An HTTP request is complete before its response (the parser's `requestDone`): the WAF's request phases
   * run now, so that in `block` mode the packet that completed it already gets the drop verdict. The
   * evaluation waits with the flow for the final record (`emitRecord`), which runs the response phases:
   * alerts and results are those of evaluating the whole transaction at once.
   */
  private requestDone(flow: Flow, type: string, payload: object): void {
    if (this.threats !== null) this.threats.requestDone(flow, type, payload, this.recordTime(flow));
    const waf = this.detection?.waf ?? null;
    if (waf === null || type !== 'http') return;
    const record = payload as HttpTransaction;
    const t = waf.begin(record);
    if (t === null) return;
    let state = flow.waf as FlowWafState | null;
    if (state === null) {
      state = { open: new Map(), dropped: false };
      flow.waf = state;
    }
    // Bounded: one per open transaction of the flow; past the cap the oldest is evaluated again, whole, at its record.
    if (state.open.size >= MAX_OPEN_WAF_TRANSACTIONS) state.open.delete(state.open.keys().next().value!);
    state.open.set(record.txId, { waf, t });
    if (waf.mode === 'block' && t.intervention !== null) this.wafBlocked(flow);
  }

  /** The WAF intervened in block mode: the flow drops from this packet on, as after a Suricata `drop` rule. */
  private wafBlocked(flow: Flow): void {
    let state = flow.waf as FlowWafState | null;
    if (state === null) {
      state = { open: new Map(), dropped: false };
      flow.waf = state;
    }
    state.dropped = true;
  }

  private countAlert(h: AlertHit): void {
    const key = `${h.sig.rule.gid}:${h.sig.rule.sid}`;
    this.alertsBySignature.set(key, (this.alertsBySignature.get(key) ?? 0) + 1);
  }

  /** Alerts on a packet that belongs to no flow (an IP fragment): endpoints from its header. */
  private emitPacketAlerts(hits: readonly AlertHit[]): void {
    const p = this.pkt;
    const endpoints: EventEndpoints = {
      srcIp: formatAddress(p.src, p.ipVersion),
      srcPort: 0,
      destIp: formatAddress(p.dst, p.ipVersion),
      destPort: 0,
      proto: protoName(p.ipProto),
    };
    for (const h of hits) {
      const ev: AlertEvent = {
        type: 'alert',
        ts: { sec: p.tsSec, nsec: p.tsNsec },
        endpoints,
        alert: alertInfo(h.sig, h.metadata),
      };
      if (this.currentPacket !== 0) ev.pcapCnt = this.currentPacket;
      this.emit(ev);
    }
  }

  /** WAF rule matches on one HTTP transaction: one alert each (endpoints client to server, the record beside). */
  private emitWafAlerts(flow: Flow, record: HttpTransaction, matches: readonly WafMatch[]): void {
    for (const m of matches) {
      const key = `9:${m.id}`;
      this.alertsBySignature.set(key, (this.alertsBySignature.get(key) ?? 0) + 1);
    }
    if (!this.wantsEvent('alert')) return;
    const endpoints = this.endpointsOf(flow);
    for (const m of matches) {
      const ev: AlertEvent = {
        type: 'alert',
        ts:
          this.currentPacket !== 0 ? { sec: this.pkt.tsSec, nsec: this.pkt.tsNsec } : { sec: flow.lastSec, nsec: flow.lastNsec },
        flowId: flow.id,
        endpoints,
        direction: 'to_server',
        alert: wafAlertInfo(m),
        appProto: 'http',
        txId: record.txId,
        app: { proto: 'http', record },
        alertFlow: {
          pktsToServer: flow.pktsToServer,
          pktsToClient: flow.pktsToClient,
          bytesToServer: flow.bytesToServer,
          bytesToClient: flow.bytesToClient,
          start: { sec: flow.startSec, nsec: flow.startNsec },
          srcIp: endpoints.srcIp,
          srcPort: endpoints.srcPort,
          destIp: endpoints.destIp,
          destPort: endpoints.destPort,
        },
      };
      if (this.currentPacket !== 0) ev.pcapCnt = this.currentPacket;
      if (flow.vlan.length > 0) ev.vlan = flow.vlan.slice();
      if (flow.tunnel !== null) ev.tunnel = tunnelOf(flow);
      this.emit(ev);
    }
  }

  /** Counts the hits and, when anyone listens, turns them into alert events (endpoints in the data's direction). */
  private emitAlerts(flow: Flow, hits: readonly AlertHit[]): void {
    const wants = this.wantsEvent('alert');
    for (const h of hits) {
      const r = h.sig.rule;
      this.countAlert(h);
      if (!wants) continue;
      const e = this.endpointsOf(flow);
      const endpoints = h.toServer
        ? e
        : { srcIp: e.destIp, srcPort: e.destPort, destIp: e.srcIp, destPort: e.srcPort, proto: e.proto };
      const ev: AlertEvent = {
        type: 'alert',
        ts:
          this.currentPacket !== 0 ? { sec: this.pkt.tsSec, nsec: this.pkt.tsNsec } : { sec: flow.lastSec, nsec: flow.lastNsec },
        flowId: flow.id,
        endpoints,
        direction: h.toServer ? 'to_server' : 'to_client',
        alert: alertInfo(h.sig, h.metadata),
        alertFlow: {
          pktsToServer: flow.pktsToServer,
          pktsToClient: flow.pktsToClient,
          bytesToServer: flow.bytesToServer,
          bytesToClient: flow.bytesToClient,
          start: { sec: flow.startSec, nsec: flow.startNsec },
          srcIp: e.srcIp,
          srcPort: e.srcPort,
          destIp: e.destIp,
          destPort: e.destPort,
        },
      };
      if (r.target !== null) {
        // `target:dest_ip`: the destination of the matched data is the one attacked.
        const dst = { ip: endpoints.destIp, port: endpoints.destPort };
        const src = { ip: endpoints.srcIp, port: endpoints.srcPort };
        ev.alert.target = r.target === 'dest_ip' ? dst : src;
        ev.alert.source = r.target === 'dest_ip' ? src : dst;
      }
      if (this.currentPacket !== 0) ev.pcapCnt = this.currentPacket;
      if (flow.appProto !== null && flow.appProtoConfidence === 'dpi') ev.appProto = flow.appProto;
      if (h.txId >= 0) ev.txId = h.txId;
      if (h.app !== null) ev.app = h.app;
      if (flow.vlan.length > 0) ev.vlan = flow.vlan.slice();
      if (flow.tunnel !== null) ev.tunnel = tunnelOf(flow);
      this.emit(ev);
    }
  }

  private emitFlowAnomaly(
    flow: Flow,
    layer: AnomalyLayer,
    name: string,
    code: number,
    direction: Direction | undefined,
    gap?: { offset: number; length: number },
  ): void {
    this.anomalyCounts[name] = (this.anomalyCounts[name] ?? 0) + 1;
    flow.anomalies++;
    if (this.threats !== null)
      this.threats.anomaly(name, flow, this.currentPacket !== 0 ? this.pkt : null, this.now(), direction);
    // A gap is news each time (where and how much was lost); other anomalies are written once per flow.
    if (gap === undefined && !firstOnFlow(flow, name)) return;
    if (!this.wantsEvent('anomaly')) return;
    const ts =
      this.currentPacket !== 0 ? { sec: this.pkt.tsSec, nsec: this.pkt.tsNsec } : { sec: flow.lastSec, nsec: flow.lastNsec };
    this.emit(flowAnomalyEvent(flow, layer, name, code, direction, ts, this.currentPacket, gap));
  }

  /** An anomaly of the flow table (or another stage) as a whole (no flow of its own), at the engine's clock. */
  private emitTableAnomaly(name: string, code: number, layer: 'flow' | 'policy' = 'flow'): void {
    this.anomalyCounts[name] = (this.anomalyCounts[name] ?? 0) + 1;
    if (!this.wantsEvent('anomaly')) return;
    this.emit({ type: 'anomaly', ts: this.clockTs(), anomaly: { layer, event: name, code } });
  }

  /** A flow the policy denies, once per flow (the stage decides when). */
  private emitViolation(flow: Flow, decision: PolicyDecision): void {
    if (!this.wantsEvent('violation')) return;
    const ev: ViolationEvent = {
      type: 'violation',
      ts: this.currentPacket !== 0 ? { sec: this.pkt.tsSec, nsec: this.pkt.tsNsec } : this.clockTs(),
      flowId: flow.id,
      endpoints: this.endpointsOf(flow),
      policy: copyDecision(decision),
      violationFlow: {
        pktsToServer: flow.pktsToServer,
        pktsToClient: flow.pktsToClient,
        bytesToServer: flow.bytesToServer,
        bytesToClient: flow.bytesToClient,
        start: { sec: flow.startSec, nsec: flow.startNsec },
      },
    };
    if (this.currentPacket !== 0) ev.pcapCnt = this.currentPacket;
    if (flow.appProto !== null && flow.appProtoConfidence === 'dpi') ev.appProto = flow.appProto;
    if (flow.vlan.length > 0) ev.vlan = flow.vlan.slice();
    if (flow.tunnel !== null) ev.tunnel = tunnelOf(flow);
    this.emit(ev);
  }

  /** A threat detector's finding as a `threat` event (the stage already merged repeats within their window). */
  private emitThreat(def: ThreatDetectorDef, f: ThreatFinding): void {
    if (!this.wantsEvent('threat')) return;
    const tactics: string[] = [];
    for (const t of def.techniques)
      for (const ta of ATTACK_TECHNIQUES[t]?.tactics ?? []) if (!tactics.includes(ta)) tactics.push(ta);
    const sec = Math.floor(f.now);
    const ev: ThreatEvent = {
      type: 'threat',
      ts: { sec, nsec: Math.min(999_999_999, Math.round((f.now - sec) * 1e9)) },
      threat: {
        name: def.name,
        title: def.title,
        category: def.category,
        severity: def.severity,
        signatureId: def.signatureId,
        techniques: [...def.techniques],
        tactics,
        attacker: f.attacker,
        target: f.target,
        count: f.count,
        details: { ...f.details },
      },
    };
    if (f.anomalies !== undefined && f.anomalies.length > 0) ev.threat.anomalies = [...f.anomalies];
    const flow = f.flow ?? null;
    if (flow !== null) {
      ev.flowId = flow.id;
      ev.endpoints = this.endpointsOf(flow);
      if (flow.vlan.length > 0) ev.vlan = flow.vlan.slice();
      if (flow.tunnel !== null) ev.tunnel = tunnelOf(flow);
    } else if (f.attacker !== null && f.target !== null) {
      // Without a flow, the five-tuple goes from the attacker to the target; with one side unknown (a flood
      // from spoofed sources), the threat's `target` alone says who.
      ev.endpoints = {
        srcIp: f.attacker,
        srcPort: f.attackerPort ?? 0,
        destIp: f.target,
        destPort: f.targetPort ?? 0,
        proto: f.proto ?? 'IP',
      };
    }
    if (this.currentPacket !== 0) ev.pcapCnt = this.currentPacket;
    this.emit(ev);
  }

  /** The time of a record: the current packet's, or the flow's last when the record comes from its end. */
  private recordTime(flow: Flow): number {
    return this.currentPacket !== 0 ? this.pkt.tsSec + this.pkt.tsNsec * 1e-9 : flow.lastSec + flow.lastNsec * 1e-9;
  }

  /** The engine's clock in seconds (capture time; 0 before the first packet). */
  private now(): number {
    return this.clock === -Infinity ? 0 : this.clock;
  }

  /**
   * Anomalies of packets that belong to no flow (non-IP frames, unusable headers, a flood of junk) are
   * written at most once per name per second of capture time; the counters still count each one.
   */
  private firstThisSecond(name: string): boolean {
    const sec = this.clock === -Infinity ? 0 : Math.floor(this.clock);
    if (this.flowlessAnomalySec.get(name) === sec) return false;
    this.flowlessAnomalySec.set(name, sec);
    return true;
  }

  /** A flow's server name, from its TLS SNI or HTTP Host, as soon as the parser read it (once per flow). */
  private onServerName(flow: Flow, name: string | null, source: ServerNameSource): void {
    // The policy stage's evidence (src/policy/): a name group may now contain the server.
    if (this.policy !== null) this.policy.serverName(flow, name, source);
    // HTTP reports it when the first request's header section is complete: slow-request detectors read that.
    if (this.threats !== null && source === 'host') this.threats.requestHeaders(flow, 'http', this.recordTime(flow));
  }

  /** Whether records of `type` are read now: by an event's receiver, or by detection. */
  private wantsRecords(type: string): boolean {
    let wanted = this.recordsWantedCache.get(type);
    if (wanted === undefined) {
      wanted =
        this.wantsEvent(type) ||
        this.detector?.wantsRecords(type) === true ||
        (type === 'dns' && this.policy !== null) ||
        (type === 'http' && (this.detection?.waf ?? null) !== null) ||
        this.threats?.wantsRecords(type) === true;
      this.recordsWantedCache.set(type, wanted);
    }
    return wanted;
  }

  /** Whether an event of `type` would reach anyone now (a typed listener, or the collector or `'*'` within `eventTypes`). */
  private wantsEvent(type: string): boolean {
    const typed = this.listeners.get(type);
    if (typed !== undefined && typed.length > 0) return true;
    if (this.eventTypes !== null && !this.eventTypes.has(type)) return false;
    if (this.collector !== null) return true;
    const all = this.listeners.get('*');
    return all !== undefined && all.length > 0;
  }

  private clockTs(): { sec: number; nsec: number } {
    if (this.clock === -Infinity) return { sec: 0, nsec: 0 };
    const sec = Math.floor(this.clock);
    return { sec, nsec: Math.round((this.clock - sec) * 1e9) };
  }

  private endpointsOf(flow: Flow): EventEndpoints {
    return endpointsOf(flow);
  }
}

/** Creates an engine. See `CreateEngineOptions` and `src/options.ts` for every option and its default. */
export function createEngine(options: CreateEngineOptions = {}): Engine {
  return new Engine(options);
}

export { protoName };
export type { FlowView };

/**
 * The caller's application options with the threat detectors' needs (`appDefaults`) filled in where the
 * caller said nothing: a protocol turned off (`false`) stays off, an option the caller set keeps its value.
 */
function withAppDefaults(
  app: AppOptionsInput | undefined,
  needs: Record<string, Record<string, string | number | boolean>>,
): AppOptionsInput | undefined {
  if (Object.keys(needs).length === 0) return app;
  const given = (app?.protocols ?? {}) as Record<string, unknown>;
  const protocols: Record<string, unknown> = { ...given };
  for (const [proto, opts] of Object.entries(needs)) {
    const mine = given[proto];
    if (mine === false) continue;
    protocols[proto] = { ...opts, ...(typeof mine === 'object' && mine !== null ? mine : {}) };
  }
  return { ...(app ?? {}), protocols } as AppOptionsInput;
}

/** A decision as an event carries it: the receiver's own copy. */
function copyDecision(d: PolicyDecision): PolicyDecision {
  return { action: d.action, rule: d.rule, mode: d.mode, evidence: { ...d.evidence } };
}

/** Both consumers get every call: the application layer first, then the caller's. */
function teeConsumer(a: StreamConsumer, b: StreamConsumer): StreamConsumer {
  return {
    onData(data, start, end, info): void {
      a.onData(data, start, end, info);
      b.onData(data, start, end, info);
    },
    onGap(direction, offset, length): void {
      if (a.onGap !== undefined) a.onGap(direction, offset, length);
      if (b.onGap !== undefined) b.onGap(direction, offset, length);
    },
    onEnd(direction, reason): void {
      if (a.onEnd !== undefined) a.onEnd(direction, reason);
      if (b.onEnd !== undefined) b.onEnd(direction, reason);
    },
  };
}
