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
import type { FragmentStats } from './decode/ip-fragments.js';
import { DECODE_ANOMALIES } from './decode/events.js';
import { DecodedPacket, IpProto, LAYER_NAMES, TUNNEL_NAMES } from './decode/packet.js';
import { NetsieveError } from './errors.js';
import type {
  AnomalyEvent,
  AnomalyLayer,
  EventEndpoints,
  EventOfType,
  EventTunnel,
  FlowEvent,
  NetsieveEvent,
  NetsieveEventType,
  TcpStreamSummary,
  Verdict,
} from './events.js';
import { STREAM_ANOMALIES, StreamAnomaly } from './flow/events.js';
import type { FlowEndReason } from './flow/flow.js';
import { Flow, FlowKind } from './flow/flow.js';
import {
  FlowTable,
  KEY_WORDS,
  fillPacketKey,
  fillQuotedKey,
  flowIdOf,
  hashKey,
  sourceIsClient,
  timeoutClassOf,
} from './flow/flow-table.js';
import { ReassemblyMemory } from './flow/reassembly-memory.js';
import type { Direction, StreamConsumer } from './flow/stream.js';
import type { TcpContext, TcpEventSink, TcpStreamStats } from './flow/tcp-session.js';
import { TcpOutcome, TcpSession, tcpStateName } from './flow/tcp-session.js';
import type { EngineOptions, EngineOptionsInput } from './options.js';
import { resolveOptions } from './options.js';
import { compileFilter, type PacketFilter } from './filter/index.js';
import { AppLayer } from './protocols/app-layer.js';
import { APP_ANOMALIES, enabledModules, resolveAppOptions, type AppOptions, type AppOptionsInput } from './protocols/registry.js';

export interface CreateEngineOptions extends EngineOptionsInput {
  /** The application layer: protocol detection and parsers (src/protocols/registry.ts). */
  app?: AppOptionsInput;
  /**
   * Called once for each new TCP flow; return a consumer to receive the flow's reassembled byte streams
   * (both directions), or null. The flow object is valid until its `flow` event.
   */
  onStream?: (flow: Flow) => StreamConsumer | null;
  /**
   * A tcpdump filter expression (`tcp port 80 and not host 10.0.0.1`): packets it does not select are skipped
   * before decoding (counted in `stats().packetsFiltered`). Evaluated by netsieve (src/filter/), as libpcap would.
   */
  filter?: string;
}

export interface ReplayOptions {
  /** End every open flow when the input ends (default true). Set false to continue the flows in the next replay. */
  flush?: boolean;
  /** Name used in messages (default: the path, `-`, or `<stream>`). */
  name?: string;
  /** Called after each chunk with the input bytes read so far and the total size when known. */
  onProgress?: (bytesRead: number, totalBytes: number | null, packets: number) => void;
}

export interface EngineStats {
  /** Packets read, the filtered-out ones included. */
  packets: number;
  /** Packets the `filter` option skipped (not decoded, not counted anywhere else). */
  packetsFiltered: number;
  bytes: number;
  /** Packets with an IP layer that reached the flow stage. */
  ipPackets: number;
  /** Packets decoded only partly or not at all (non-IP, held fragments, unusable). */
  otherPackets: number;
  flowsCreated: number;
  flowsEnded: number;
  flowsActive: number;
  flowsEvicted: number;
  flowsTimedOut: number;
  /** Flows created per transport protocol name. */
  flowsByProto: Record<string, number>;
  /**
   * Ended flows per application protocol: the name when recognised in the bytes, `name (port)` when only
   * the server port says so, `unknown` otherwise.
   */
  flowsByApp: Record<string, number>;
  /** Anomaly events by name. */
  anomalies: Record<string, number>;
  /** Decoded layers by name (packets that contained them). */
  layers: Record<string, number>;
  reassembly: { memoryUsed: number; memoryPeak: number; memcapHits: number };
  /** IP fragment reassembly: fragments seen, datagrams completed and dropped, what is held now. */
  fragments: FragmentStats;
  /** First and last capture time seen, seconds (NaN before the first packet). */
  firstTs: number;
  lastTs: number;
}

type Listener<T extends NetsieveEventType | '*'> = (ev: T extends NetsieveEventType ? EventOfType<T> : NetsieveEvent) => void;

const EXPIRE_BATCH = 256;

export class Engine {
  readonly options: EngineOptions;
  private readonly decoder: Decoder;
  private readonly table: FlowTable;
  private readonly pkt = new DecodedPacket();
  private readonly key = new Uint32Array(KEY_WORDS);
  private readonly expiredSlots = new Int32Array(EXPIRE_BATCH);
  private readonly memory: ReassemblyMemory;
  private readonly tcpContext: TcpContext;
  private readonly onStream: ((flow: Flow) => StreamConsumer | null) | null;
  /** The `filter` option compiled, null without one. */
  private readonly filter: PacketFilter | null;
  private packetsFiltered = 0;
  readonly appOptions: AppOptions;
  /** The application layer, null when it is off or has no protocols. */
  private readonly app: AppLayer | null;
  /** Anomaly name → code, over the application layer's and every protocol's tables. */
  private readonly appAnomalyCodes = new Map<string, number>();
  private readonly vlanInKey: boolean;
  private readonly listeners = new Map<string, ((ev: NetsieveEvent) => void)[]>();
  /** Events of the replay in progress, drained by its iterator. */
  private collector: NetsieveEvent[] | null = null;
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

  /** Bound once: the capture readers call it per packet. */
  private readonly onCaptured = (p: CapturedPacket): void => {
    this.processRaw(p.data, p.offset, p.caplen, p.origlen, p.linkType, p.tsSec, p.tsNsec);
  };

  constructor(options: CreateEngineOptions = {}) {
    const { onStream, app, filter, ...rest } = options;
    this.options = resolveOptions(rest);
    if (filter !== undefined && typeof filter !== 'string') throw new NetsieveError('NS_ERR_OPTION', 'option filter must be a string');
    const compiled = filter === undefined ? null : compileFilter(filter);
    this.filter = compiled === null || compiled.matchesAll ? null : compiled;
    this.onStream = onStream ?? null;
    this.appOptions = resolveAppOptions(app);
    const modules = enabledModules(this.appOptions);
    APP_ANOMALIES.forEach((name, code) => this.appAnomalyCodes.set(name, code));
    for (const m of modules) m.anomalies.forEach((name, code) => this.appAnomalyCodes.set(name, code));
    this.app =
      modules.length === 0
        ? null
        : new AppLayer(
            modules,
            { detection: this.appOptions.detection, protocols: this.appOptions.protocols },
            {
              record: (flow, type, payload) => this.emitRecord(flow, type, payload),
              anomaly: (flow, name, direction) => this.emitFlowAnomaly(flow, 'app', name, this.appAnomalyCodes.get(name) ?? -1, direction),
            },
          );
    this.vlanInKey = this.options.flow.vlanInKey;
    this.decoder = new Decoder({ decode: this.options.decode, fragments: this.options.fragments });
    this.decoder.onAnomaly = (code: number) => this.emitDecodeAnomaly(code, null, false);
    this.table = new FlowTable(this.options.flow.maxFlows, this.options.flow.timeouts);
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
    this.tcpContext = { options: this.options.tcp, memory: this.memory, sink };
  }

  // ---------------------------------------------------------------- events

  /** Subscribes to one event type, or to all with `'*'`. Listeners run synchronously inside `process()`. */
  on<T extends NetsieveEventType | '*'>(type: T, listener: Listener<T>): this {
    const list = this.listeners.get(type) ?? [];
    list.push(listener as (ev: NetsieveEvent) => void);
    this.listeners.set(type, list);
    return this;
  }

  off<T extends NetsieveEventType | '*'>(type: T, listener: Listener<T>): this {
    const list = this.listeners.get(type);
    if (list) {
      const i = list.indexOf(listener as (ev: NetsieveEvent) => void);
      if (i >= 0) list.splice(i, 1);
    }
    return this;
  }

  private emit(ev: NetsieveEvent): void {
    if (this.collector !== null) this.collector.push(ev);
    const typed = this.listeners.get(ev.type);
    if (typed !== undefined) for (const l of typed) l(ev);
    const all = this.listeners.get('*');
    if (all !== undefined) for (const l of all) l(ev);
  }

  // ---------------------------------------------------------------- packets

  /**
   * Processes one packet and returns its verdict (`drop` only when a `drop` policy rejected it; netsieve has
   * no blocking rules yet). Events it causes go to the listeners before this returns.
   */
  process(packet: PacketInput): Verdict {
    if (this.closed) throw new NetsieveError('NS_ERR_STATE', 'process() called after close(); create a new engine');
    const offset = packet.offset ?? 0;
    const caplen = packet.caplen ?? packet.data.length - offset;
    if (offset < 0 || caplen < 0 || offset + caplen > packet.data.length) {
      throw new NetsieveError('NS_ERR_OPTION', `packet offset ${offset} and caplen ${caplen} do not fit its ${packet.data.length}-byte buffer`);
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
      }
    }
    const p = this.pkt;
    const ok = this.decoder.decode(data, offset, caplen, origlen, linkType, tsSec, tsNsec, p);
    const layers = this.layerCounts;
    for (let i = 0; i < p.layerCount; i++) layers[p.layers[i]!]!++;
    if (!ok) {
      if (p.anomalyCount > 0) this.emitPacketAnomalies(null);
      this.currentPacket = 0;
      return;
    }
    this.ipPackets++;
    // A reassembled datagram counts once in its flow, with the bytes of all its fragments (the fragments
    // before it belonged to no flow yet).
    const flowBytes = p.reassembled ? p.wireLen : caplen;

    // An ICMP error belongs to the flow whose packet it quotes (as Suricata does), when that flow exists.
    if (p.icmpQuotedValid) {
      const quotedSrcIsA = fillQuotedKey(p, this.key, this.vlanInKey);
      const slot = this.table.lookup(this.key, hashKey(this.key));
      if (slot >= 0) {
        const flow = this.table.flows[slot]!;
        // The error travels back towards the quoted packet's sender.
        const quotedDir = quotedSrcIsA === flow.clientIsA ? 0 : 1;
        this.count(flow, quotedDir === 0 ? 1 : 0, flowBytes, tsSec, tsNsec);
        this.table.touch(slot, now, timeoutClassOf(flow));
        if (p.anomalyCount > 0) this.emitPacketAnomalies(flow);
        this.currentPacket = 0;
        return;
      }
    }

    const key = this.key;
    const srcIsA = fillPacketKey(p, key, this.vlanInKey);
    const hash = hashKey(key);
    let slot = this.table.lookup(key, hash);
    let flow: Flow;
    if (slot < 0) {
      flow = this.createFlow(p, srcIsA, hash, now);
      slot = flow.slot;
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
        dir = srcIsA === flow.clientIsA ? 0 : 1;
        outcome = flow.tcp!.onPacket(p, dir);
      }
      if ((outcome & TcpOutcome.DROP) !== 0) this.lastVerdictDrop = true;
      if (dir === 0) flow.tcpFlagsToServer |= p.tcpFlags;
      else flow.tcpFlagsToClient |= p.tcpFlags;
    } else if (p.ipProto === IpProto.ICMP || p.ipProto === IpProto.ICMPV6) {
      if (dir === 0) {
        if (flow.icmpTypeToServer < 0) {
          flow.icmpTypeToServer = p.icmpType;
          flow.icmpCodeToServer = p.icmpCode;
        }
      } else if (flow.icmpTypeToClient < 0) {
        flow.icmpTypeToClient = p.icmpType;
        flow.icmpCodeToClient = p.icmpCode;
      }
    }
    this.count(flow, dir, flowBytes, tsSec, tsNsec);
    if (this.app !== null && p.ipProto === IpProto.UDP && p.payloadLen > 0 && !flow.ended) {
      this.app.udp(flow, dir, p.data, p.payloadOffset, p.payloadOffset + p.payloadLen);
    }
    if (!flow.ended) this.table.touch(slot, now, timeoutClassOf(flow));
    this.currentPacket = 0;
  }

  private count(flow: Flow, dir: number, bytes: number, tsSec: number, tsNsec: number): void {
    if (dir === 0) {
      flow.pktsToServer++;
      flow.bytesToServer += bytes;
    } else {
      flow.pktsToClient++;
      flow.bytesToClient += bytes;
    }
    // Capture times can step backwards (merged captures); a flow's end is its latest packet.
    if (tsSec > flow.lastSec || (tsSec === flow.lastSec && tsNsec > flow.lastNsec)) {
      flow.lastSec = tsSec;
      flow.lastNsec = tsNsec;
    }
  }

  private createFlow(p: DecodedPacket, srcIsA: boolean, hash: number, now: number): Flow {
    if (this.table.full) {
      const victim = this.table.victim();
      if (victim >= 0) {
        const v = this.table.flows[victim]!;
        this.flowsEvicted++;
        this.emitFlowAnomaly(v, 'flow', 'flow.evicted', StreamAnomaly.evicted, undefined);
        this.endFlow(v, 'forced');
      }
    }
    const flow = new Flow();
    const srcIsClient = sourceIsClient(p);
    flow.clientIsA = srcIsClient === srcIsA;
    flow.ipVersion = p.ipVersion;
    flow.proto = p.ipProto;
    flow.kind =
      p.ipProto === IpProto.TCP
        ? FlowKind.TCP
        : p.ipProto === IpProto.UDP
          ? FlowKind.UDP
          : p.ipProto === IpProto.ICMP || p.ipProto === IpProto.ICMPV6
            ? FlowKind.ICMP
            : FlowKind.OTHER;
    if (srcIsClient) {
      flow.clientAddr.set(p.src);
      flow.serverAddr.set(p.dst);
      flow.clientPort = p.srcPort;
      flow.serverPort = p.dstPort;
    } else {
      flow.clientAddr.set(p.dst);
      flow.serverAddr.set(p.src);
      flow.clientPort = p.dstPort;
      flow.serverPort = p.srcPort;
    }
    for (let i = 0; i < p.vlanCount; i++) flow.vlan.push(p.vlan[i]!);
    if (p.tunnelDepth > 0) {
      flow.tunnel = {
        type: TUNNEL_NAMES[p.tunnelType] ?? String(p.tunnelType),
        depth: p.tunnelDepth,
        id: p.tunnelId,
        ipVersion: p.outerIpVersion,
        src: p.outerSrc.slice(),
        dst: p.outerDst.slice(),
        proto: p.outerProto,
        srcPort: p.outerSrcPort,
        dstPort: p.outerDstPort,
      };
    }
    flow.startSec = flow.lastSec = p.tsSec;
    flow.startNsec = flow.lastNsec = p.tsNsec;
    flow.firstPacket = this.packetCount;
    flow.id = flowIdOf(this.key, p.tsSec, p.tsNsec, flow.firstPacket);
    this.table.insert(this.key, hash, flow, now, timeoutClassOf(flow));
    this.flowsCreated++;
    const proto = protoName(p.ipProto);
    this.flowsByProto[proto] = (this.flowsByProto[proto] ?? 0) + 1;
    if (flow.kind === FlowKind.TCP) {
      const session = new TcpSession(this.tcpContext, flow);
      flow.tcp = session;
      const user = this.onStream !== null ? this.onStream(flow) : null;
      const app = this.app !== null ? this.app.tcpConsumer(flow) : null;
      session.consumer = app === null ? user : user === null ? app : teeConsumer(app, user);
      // The session was created after insert: refresh the class (still "new").
      this.table.touch(flow.slot, now, timeoutClassOf(flow));
    }
    return flow;
  }

  private endFlow(flow: Flow, reason: FlowEndReason): void {
    if (flow.ended) return;
    if (flow.tcp !== null) flow.tcp.close();
    if (this.app !== null) this.app.end(flow);
    flow.ended = true;
    this.table.remove(flow.slot);
    this.flowsEnded++;
    if (reason === 'timeout') this.flowsTimedOut++;
    const app = flow.appProto === null ? 'unknown' : flow.appProtoConfidence === 'dpi' ? flow.appProto : `${flow.appProto} (port)`;
    this.flowsByApp[app] = (this.flowsByApp[app] ?? 0) + 1;
    this.emit(this.flowEvent(flow, reason));
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
    if (this.replaying) throw new NetsieveError('NS_ERR_STATE', 'a replay is already running on this engine; wait for it to finish');
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
        for (;;) {
          const more = await reader.pump(this.onCaptured);
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
      if (this.wantsEvents()) this.emit({ type: 'anomaly', ts: this.clockTs(), anomaly: { layer: 'capture', event: name, code } });
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
      fragments: { ...this.decoder.stats.fragments },
      firstTs: this.firstTs,
      lastTs: this.clock === -Infinity ? NaN : this.clock,
    };
  }

  // ---------------------------------------------------------------- event building

  private emitPacketAnomalies(flow: Flow | null): void {
    const p = this.pkt;
    for (let i = 0; i < p.anomalyCount; i++) this.emitDecodeAnomaly(p.anomalies[i]!, flow, true);
  }

  private emitDecodeAnomaly(code: number, flow: Flow | null, fromPacket: boolean): void {
    const name = DECODE_ANOMALIES[code] ?? `decode.code_${code}`;
    this.anomalyCounts[name] = (this.anomalyCounts[name] ?? 0) + 1;
    if (flow !== null) {
      flow.anomalies++;
      if (!firstOnFlow(flow, name)) return;
    } else if (!this.firstThisSecond(name)) {
      return;
    }
    if (!this.wantsEvents()) return;
    const p = this.pkt;
    const ev: AnomalyEvent = {
      type: 'anomaly',
      ts: fromPacket ? { sec: p.tsSec, nsec: p.tsNsec } : this.clockTs(),
      anomaly: { layer: 'decode', event: name, code },
    };
    if (fromPacket) ev.pcapCnt = this.packetCount;
    if (flow !== null) {
      ev.flowId = flow.id;
      ev.endpoints = this.endpointsOf(flow);
    } else if (fromPacket && p.ipVersion !== 0) {
      ev.endpoints = {
        srcIp: formatAddress(p.src, p.ipVersion),
        srcPort: p.srcPort,
        destIp: formatAddress(p.dst, p.ipVersion),
        destPort: p.dstPort,
        proto: protoName(p.ipProto),
      };
    }
    this.emit(ev);
  }

  /** A parser's record as the event `{ type, [type]: payload }` of its flow, at the current packet's time. */
  private emitRecord(flow: Flow, type: string, payload: object): void {
    if (!this.wantsEvents()) return;
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
    // A gap is news each time (where and how much was lost); other anomalies are written once per flow.
    if (gap === undefined && !firstOnFlow(flow, name)) return;
    if (!this.wantsEvents()) return;
    const ev: AnomalyEvent = {
      type: 'anomaly',
      ts: this.currentPacket !== 0 ? { sec: this.pkt.tsSec, nsec: this.pkt.tsNsec } : { sec: flow.lastSec, nsec: flow.lastNsec },
      flowId: flow.id,
      endpoints: this.endpointsOf(flow),
      anomaly: { layer, event: name, code },
    };
    if (this.currentPacket !== 0) ev.pcapCnt = this.currentPacket;
    if (direction !== undefined) ev.anomaly.direction = direction === 0 ? 'to_server' : 'to_client';
    if (layer === 'app' && flow.appProto !== null) ev.anomaly.appProto = flow.appProto;
    if (gap !== undefined) ev.gap = gap;
    if (flow.vlan.length > 0) ev.vlan = flow.vlan.slice();
    this.emit(ev);
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

  private wantsEvents(): boolean {
    return this.collector !== null || this.listeners.size > 0;
  }

  private clockTs(): { sec: number; nsec: number } {
    if (this.clock === -Infinity) return { sec: 0, nsec: 0 };
    const sec = Math.floor(this.clock);
    return { sec, nsec: Math.round((this.clock - sec) * 1e9) };
  }

  private endpointsOf(flow: Flow): EventEndpoints {
    return {
      srcIp: formatAddress(flow.clientAddr, flow.ipVersion),
      srcPort: flow.clientPort,
      destIp: formatAddress(flow.serverAddr, flow.ipVersion),
      destPort: flow.serverPort,
      proto: protoName(flow.proto),
    };
  }

  private flowEvent(flow: Flow, reason: FlowEndReason): FlowEvent {
    const ev: FlowEvent = {
      type: 'flow',
      ts: { sec: flow.startSec, nsec: flow.startNsec },
      pcapCnt: flow.firstPacket,
      flowId: flow.id,
      endpoints: this.endpointsOf(flow),
      appProto: flow.appProto,
      appProtoConfidence: flow.appProtoConfidence,
      flow: {
        pktsToServer: flow.pktsToServer,
        pktsToClient: flow.pktsToClient,
        bytesToServer: flow.bytesToServer,
        bytesToClient: flow.bytesToClient,
        start: { sec: flow.startSec, nsec: flow.startNsec },
        end: { sec: flow.lastSec, nsec: flow.lastNsec },
        age: Math.max(0, flow.lastSec - flow.startSec),
        state: flow.state,
        reason,
      },
    };
    if (flow.vlan.length > 0) ev.vlan = flow.vlan.slice();
    if (flow.tunnel !== null) ev.tunnel = tunnelOf(flow);
    if (flow.tcp !== null) {
      const s = flow.tcp.stats;
      ev.tcp = {
        flags: flow.tcpFlagsToServer | flow.tcpFlagsToClient,
        flagsToServer: flow.tcpFlagsToServer,
        flagsToClient: flow.tcpFlagsToClient,
        state: tcpStateName(flow.tcp.state),
        toServer: streamSummary(s[0]),
        toClient: streamSummary(s[1]),
      };
    } else if (flow.kind === FlowKind.ICMP) {
      const icmp: NonNullable<FlowEvent['icmp']> = { type: flow.icmpTypeToServer, code: flow.icmpCodeToServer };
      if (flow.icmpTypeToClient >= 0) {
        icmp.responseType = flow.icmpTypeToClient;
        icmp.responseCode = flow.icmpCodeToClient;
      }
      if (icmp.type < 0) {
        // Only replies seen: report them as the flow's type.
        icmp.type = flow.icmpTypeToClient;
        icmp.code = flow.icmpCodeToClient;
        delete icmp.responseType;
        delete icmp.responseCode;
      }
      ev.icmp = icmp;
    }
    return ev;
  }
}

/**
 * True the first time `name` is raised on `flow`. Retransmissions, truncation by the snaplen and the like
 * repeat on every packet of a flow; one event says it, the counters say how often.
 */
function firstOnFlow(flow: Flow, name: string): boolean {
  const seen = (flow.reportedAnomalies ??= new Set<string>());
  if (seen.has(name)) return false;
  seen.add(name);
  return true;
}

function streamSummary(s: TcpStreamStats): TcpStreamSummary {
  return { ...s };
}

function tunnelOf(flow: Flow): EventTunnel {
  const t = flow.tunnel!;
  const ev: EventTunnel = {
    type: t.type,
    depth: t.depth,
    id: t.id,
    srcIp: formatAddress(t.src, t.ipVersion),
    destIp: formatAddress(t.dst, t.ipVersion),
    proto: protoName(t.proto),
  };
  if (t.proto === IpProto.UDP) {
    ev.srcPort = t.srcPort;
    ev.destPort = t.dstPort;
  }
  return ev;
}

/** Protocol names as Suricata writes them in `proto`. */
export function protoName(proto: number): string {
  switch (proto) {
    case IpProto.TCP:
      return 'TCP';
    case IpProto.UDP:
      return 'UDP';
    case IpProto.ICMP:
      return 'ICMP';
    case IpProto.ICMPV6:
      return 'IPv6-ICMP';
    case IpProto.SCTP:
      return 'SCTP';
    case IpProto.GRE:
      return 'GRE';
    case IpProto.ESP:
      return 'ESP';
    default:
      return String(proto);
  }
}

/** Creates an engine. See `CreateEngineOptions` and `src/options.ts` for every option and its default. */
export function createEngine(options: CreateEngineOptions = {}): Engine {
  return new Engine(options);
}

export type { Flow };

/** Both consumers get every call: the application layer first, then the caller's. */
function teeConsumer(a: StreamConsumer, b: StreamConsumer): StreamConsumer {
  return {
    onData(data, start, end, info): void {
      a.onData(data, start, end, info);
      b.onData(data, start, end, info);
    },
    onGap(direction, offset, length): void {
      a.onGap(direction, offset, length);
      b.onGap(direction, offset, length);
    },
    onEnd(direction, reason): void {
      a.onEnd(direction, reason);
      b.onEnd(direction, reason);
    },
  };
}
