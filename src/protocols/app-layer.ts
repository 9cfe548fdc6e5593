/**
 * The application layer of one engine: for every flow, protocol identification (identify.ts), then the winning
 * module's parser, fed the reassembled TCP streams or the UDP datagrams; what parsers find goes to the
 * engine through an `AppHost`, which turns it into events.
 *
 * The engine calls: `tcpConsumer(flow)` when a TCP flow starts (the consumer goes on the TCP session),
 * `udp(flow, ...)` for each UDP datagram, and `end(flow)` when a flow ends (before its flow event, so that
 * the event carries `appProto`).
 */
import type { Flow } from '../flow/flow.js';
import type { Direction, StreamConsumer, StreamEndReason } from '../flow/stream.js';
import { FlowDetector, type AppProtoConfidence, type Detection, type DetectionOptions } from './identify.js';
import type { AnyProtocolModule, AppEventSink, ServerNameSource, TcpAppParser, Transport, UdpAppParser } from './module.js';
import { APP_ANOMALIES } from './registry.js';

/** What the engine does with the application layer's findings. */
export interface AppHost {
  /** A parser's record: becomes the event `{ type, [type]: payload }` of the flow (`type`: the module's name). */
  record(flow: Flow, type: string, payload: object): void;
  /** Whether anyone reads records of `type` now (see `AppEventSink.recordsWanted`). */
  wantsRecords(type: string): boolean;
  /**
   * The flow's application is decided (`flow.appProto` and its confidence; nothing found is a decision too).
   * `namePending`: the protocol reports a server name (`AppEventSink.serverName`) that has not come yet.
   */
  identified?(flow: Flow, namePending: boolean): void;
  /**
   * An anomaly of the application layer (`app.protocol_mismatch`) or of a module (`http.bad_chunk_size`):
   * its name and its code in the table it comes from.
   */
  anomaly(flow: Flow, name: string, code: number, direction: Direction | undefined): void;
  /**
   * The flow's server name, from its TLS SNI or HTTP Host (see `AppEventSink.serverName`): at most once
   * per flow, never after its parser stopped.
   */
  serverName(flow: Flow, name: string | null, source: ServerNameSource): void;
  /** Whether the host wants `requestDone` for records of `type` (see `AppEventSink.requestsWanted`). */
  wantsRequests?(type: string): boolean;
  /** A transaction's request is complete (see `AppEventSink.requestDone`). */
  requestDone?(flow: Flow, type: string, record: object): void;
  /**
   * A parser or probe threw (a bug in it): `where` says which (`http.parser`, `tls.probe`). The host keeps
   * it for `stats()`, and may rethrow (debug) — then the flow has already been stopped.
   */
  internalError(where: string, error: unknown): void;
}

const MISMATCH = APP_ANOMALIES.indexOf('app.protocol_mismatch');
const PARSER_ERROR = APP_ANOMALIES.indexOf('app.parser_error');

/** Per-flow state of the application layer. */
export class FlowApp {
  detector: FlowDetector | null;
  detection: Detection | null = null;
  tcp: TcpAppParser | null = null;
  udp: UdpAppParser | null = null;
  /** The parser asked to stop (or failed): nothing more is delivered. */
  stopped = false;
  stopReason: string | null = null;
  /** The parser reported the flow's server name (a second report, a parser's bug, is not passed on). */
  serverNamed = false;

  constructor(detector: FlowDetector) {
    this.detector = detector;
  }
}

export interface AppLayerOptions {
  detection: DetectionOptions;
  /** Options per module name (each module's `defaults` merged with the caller's, by the registry). */
  protocols: Readonly<Record<string, unknown>>;
}

export class AppLayer {
  constructor(
    private readonly modules: readonly AnyProtocolModule[],
    private readonly options: AppLayerOptions,
    private readonly host: AppHost,
  ) {}

  /** The consumer of a new TCP flow's streams. */
  tcpConsumer(flow: Flow): Required<StreamConsumer> {
    const app = this.attach(flow, 'tcp');
    const layer = this;
    return {
      onData(data: Uint8Array, start: number, end: number, info: { direction: Direction }): void {
        layer.tcpData(flow, app, info.direction, data, start, end);
      },
      onGap(direction: Direction, _offset: number, length: number): void {
        if (app.stopped) return;
        if (app.tcp !== null) layer.guard(flow, app, () => app.tcp!.onGap(direction, length));
        else if (app.detection === null) app.detector!.gap(direction, length); // probing goes on after it
      },
      onEnd(direction: Direction, reason: StreamEndReason): void {
        if (app.stopped || app.tcp === null) return;
        layer.guard(flow, app, () => app.tcp!.onEnd(direction, reason));
      },
    };
  }

  /** One UDP datagram of a flow. */
  udp(flow: Flow, direction: Direction, data: Uint8Array, start: number, end: number): void {
    let app = flow.app as FlowApp | null;
    if (app === null) app = this.attach(flow, 'udp');
    if (app.stopped) return;
    if (app.detection === null) {
      const detector = app.detector!;
      const d = detector.offer(direction, data, start, end);
      if (d === null) return;
      this.decide(flow, app, d);
      app.detector = null;
      // The datagrams probed before this one, then this one (below, from its own buffer).
      const earlier = detector.replay.slice(0, -1);
      for (const r of earlier)
        if (r.bytes !== null && app.udp !== null && !app.stopped)
          this.guard(flow, app, () => app.udp!.onDatagram(r.direction, r.bytes!, 0, r.bytes!.length));
    }
    if (app.udp !== null) {
      try {
        app.udp.onDatagram(direction, data, start, end);
      } catch (e) {
        this.fail(flow, app, e);
      }
    }
  }

  /** The flow ends: decide what was not decided, let UDP parsers report what is pending. */
  end(flow: Flow): void {
    const app = flow.app as FlowApp | null;
    if (app === null) return;
    if (app.detection === null && app.detector !== null) this.decide(flow, app, app.detector.giveUp());
    if (!app.stopped && app.udp !== null) this.guard(flow, app, () => app.udp!.onEnd());
  }

  private attach(flow: Flow, transport: Transport): FlowApp {
    const app = new FlowApp(
      new FlowDetector(this.modules, transport, flow.serverPort, flow.clientPort, this.options.detection, (m, e) =>
        this.host.internalError(`${m.name}.probe`, e),
      ),
    );
    flow.app = app;
    if (app.detector!.result !== null) this.decide(flow, app, app.detector!.result);
    return app;
  }

  private tcpData(flow: Flow, app: FlowApp, direction: Direction, data: Uint8Array, start: number, end: number): void {
    if (app.stopped) return;
    if (app.tcp !== null) {
      // The per-chunk path: no closure (guard() is for the rarer calls).
      try {
        app.tcp.onData(direction, data, start, end);
      } catch (e) {
        this.fail(flow, app, e);
      }
      return;
    }
    if (app.detection !== null) return; // decided without a parser: nothing to do with the bytes
    const detector = app.detector!;
    const d = detector.offer(direction, data, start, end);
    if (d === null) return;
    this.decide(flow, app, d);
    app.detector = null;
    if (app.tcp === null) return;
    // The parser sees each stream from its first byte: what the probes saw (kept within the detection
    // budget, with gaps where bytes beyond it were dropped), then the rest of the deciding chunk.
    const tail = end - start - detector.lastTake;
    for (const r of detector.replay) {
      if (app.stopped) return;
      if (r.bytes !== null) this.guard(flow, app, () => app.tcp!.onData(r.direction, r.bytes!, 0, r.bytes!.length));
      else this.guard(flow, app, () => app.tcp!.onGap(r.direction, r.gap));
    }
    if (tail > 0 && !app.stopped) this.guard(flow, app, () => app.tcp!.onData(direction, data, end - tail, end));
  }

  private decide(flow: Flow, app: FlowApp, d: Detection): void {
    app.detection = d;
    flow.appProto = d.name;
    flow.appProtoConfidence = d.confidence as AppProtoConfidence;
    if (d.mismatch !== null) this.host.anomaly(flow, APP_ANOMALIES[MISMATCH], MISMATCH, undefined);
    const m = d.module;
    if (m === null) {
      app.detector = null;
      this.host.identified?.(flow, false);
      return;
    }
    const sink = this.sink(flow, app, m);
    const opts = this.options.protocols[m.name] ?? m.defaults;
    try {
      if (flow.tcp !== null) app.tcp = m.createTcp ? m.createTcp(sink, opts) : null;
      else app.udp = m.createUdp ? m.createUdp(sink, opts) : null;
    } catch (e) {
      this.fail(flow, app, e);
    }
    this.host.identified?.(flow, !app.stopped && m.reportsServerName === true);
  }

  /** The sink of one flow's parser: records become events of the module's type, codes names of its table. */
  private sink(flow: Flow, app: FlowApp, m: AnyProtocolModule): AppEventSink {
    const host = this.host;
    const type = m.name;
    const table = m.anomalies;
    return {
      emit(record: object): void {
        if (!app.stopped) host.record(flow, type, record);
      },
      get recordsWanted(): boolean {
        return host.wantsRecords(type);
      },
      anomaly(code: number, direction?: Direction): void {
        host.anomaly(flow, table[code] ?? `${type}.code_${code}`, code, direction);
      },
      serverName(name: string | null, source: ServerNameSource): void {
        if (app.stopped || app.serverNamed) return;
        app.serverNamed = true;
        host.serverName(flow, name, source);
      },
      get requestsWanted(): boolean {
        return host.wantsRequests?.(type) === true;
      },
      requestDone(record: object): void {
        if (!app.stopped) host.requestDone?.(flow, type, record);
      },
      stop(reason: string): void {
        app.stopped = true;
        app.stopReason = reason;
      },
    };
  }

  /** Runs a parser call; a parser that throws is a bug: reported once, and the flow's parsing stops. */
  private guard(flow: Flow, app: FlowApp, call: () => void): void {
    try {
      call();
    } catch (e) {
      this.fail(flow, app, e);
    }
  }

  /** A parser threw: the flow's parsing stops, `app.parser_error` is raised, and the host keeps the error. */
  private fail(flow: Flow, app: FlowApp, error: unknown): void {
    app.stopped = true;
    app.stopReason = 'parser_error';
    this.host.anomaly(flow, APP_ANOMALIES[PARSER_ERROR], PARSER_ERROR, undefined);
    this.host.internalError(`${app.detection?.name ?? 'app'}.parser`, error);
  }
}
