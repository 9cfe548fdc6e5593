/**
 * The threat stage: runs the enabled detectors (src/threats/detectors/) on what the engine's earlier stages
 * computed, and turns their findings into `threat` events, one per detector, attacker and target per window.
 *
 * The engine feeds it (as it feeds the policy stage): each new flow, the TCP control packets (SYN, FIN,
 * RST, URG, or no ACK), UDP and ICMP packets, ICMP errors, non-IP frames (ARP), the anomalies detectors
 * listed, the records they read, each flow's end, and once per second of capture time. Bulk TCP data (ACK
 * or ACK+PSH alone) costs one flag test and no call.
 */
import type { DecodedPacket } from '../decode/packet.js';
import { IpProto, TcpFlag } from '../decode/packet.js';
import { NetsieveError } from '../errors.js';
import type { Flow } from '../flow/flow.js';
import type { Direction } from '../flow/stream.js';
import { THREAT_DETECTORS } from './registry.js';
import { BoundedMap } from './tables.js';
import type { ThreatContext, ThreatDetector, ThreatDetectorDef, ThreatFinding, ThreatThresholds } from './types.js';

/** The `threats` option of `createEngine`: `{}` runs every detector with its defaults. */
export interface ThreatOptions {
  /** Seconds within which findings of one detector, attacker and target make one alert (default 60). */
  window?: number;
  /** The cap of every table a detector keeps, and of the stage's own table of open windows (default 65,536). */
  maxTracked?: number;
  /**
   * Per detector (by name, `netsieve threats` lists them): `false` turns it off, an object sets thresholds
   * (the rest keep their defaults). Detectors not named run with their defaults.
   */
  detectors?: Readonly<Record<string, false | Readonly<Partial<ThreatThresholds>>>>;
}

/** The options as the stage runs with them. */
export interface ResolvedThreatOptions {
  window: number;
  maxTracked: number;
  detectors: { def: ThreatDetectorDef; thresholds: ThreatThresholds }[];
}

export const THREAT_DEFAULTS = { window: 60, maxTracked: 65_536 } as const;

/** Checks the `threats` option against the registry: unknown detectors or thresholds, wrong types and ranges throw. */
export function resolveThreatOptions(
  input: ThreatOptions,
  registry: readonly ThreatDetectorDef[] = THREAT_DETECTORS,
): ResolvedThreatOptions {
  const fail = (msg: string): never => {
    throw new NetsieveError('NS_ERR_OPTION', `threats: ${msg}`);
  };
  if (input === null || typeof input !== 'object' || Array.isArray(input)) fail('must be an object ({} runs every detector)');
  for (const k of Object.keys(input)) {
    if (k !== 'window' && k !== 'maxTracked' && k !== 'detectors') fail(`unknown option ${k} (window, maxTracked, detectors)`);
  }
  const window = input.window ?? THREAT_DEFAULTS.window;
  if (typeof window !== 'number' || !Number.isFinite(window) || window <= 0 || window > 86_400)
    fail(`window must be a number of seconds in (0, 86400], not ${String(window)}`);
  const maxTracked = input.maxTracked ?? THREAT_DEFAULTS.maxTracked;
  if (!Number.isInteger(maxTracked) || maxTracked < 16 || maxTracked > 16_777_216)
    fail(`maxTracked must be an integer in [16, 16777216], not ${String(maxTracked)}`);
  const given = input.detectors ?? {};
  if (given === null || typeof given !== 'object' || Array.isArray(given))
    fail('detectors must be an object: name -> false | thresholds');
  const byName = new Map(registry.map((d) => [d.name, d]));
  for (const name of Object.keys(given)) {
    if (!byName.has(name)) fail(`unknown detector ${name} (known: ${[...byName.keys()].join(', ')})`);
  }
  const detectors: ResolvedThreatOptions['detectors'] = [];
  for (const def of registry) {
    const o = (given as Record<string, unknown>)[def.name];
    if (o === false) continue;
    if (o !== undefined && o !== true && (o === null || typeof o !== 'object' || Array.isArray(o)))
      fail(`detectors.${def.name} must be false or an object of thresholds`);
    const thresholds: ThreatThresholds = { ...def.defaults };
    for (const [k, v] of Object.entries((o ?? {}) as Record<string, unknown>)) {
      const d = def.defaults[k];
      if (d === undefined) fail(`detectors.${def.name}: unknown threshold ${k} (known: ${Object.keys(def.defaults).join(', ')})`);
      if (typeof d === 'boolean') {
        if (typeof v !== 'boolean') fail(`detectors.${def.name}.${k} must be true or false`);
      } else if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        fail(`detectors.${def.name}.${k} must be a number >= 0, not ${String(v)}`);
      }
      thresholds[k] = v as number | boolean;
    }
    detectors.push({ def, thresholds });
  }
  return { window, maxTracked, detectors };
}

/** Where the stage's findings go (the engine makes them events). */
export interface ThreatSink {
  threat(def: ThreatDetectorDef, finding: ThreatFinding): void;
  /** A detector threw: reported as an internal error, the stage goes on without that call. */
  internalError(where: string, error: unknown): void;
}

/** `stats().threats`. */
export interface ThreatStats {
  /** The detectors running, by name. */
  detectors: string[];
  /** `threat` events raised (one per detector, attacker and target per window). */
  alerts: number;
  /** Findings merged into an alert already raised in their window. */
  suppressed: number;
  byDetector: Record<string, number>;
  byTechnique: Record<string, number>;
  /** Entries held now in each detector's tables. */
  state: Record<string, number>;
  /** Table entries evicted to stay under `maxTracked` (a flood of distinct sources, say). */
  evictions: number;
}

interface OpenWindow {
  until: number;
}

/** Flags whose presence makes a TCP packet a control packet (the tcpControl hook). */
const CONTROL_FLAGS = TcpFlag.SYN | TcpFlag.FIN | TcpFlag.RST | TcpFlag.URG;

export class ThreatStage {
  readonly options: ResolvedThreatOptions;
  private readonly detectors: { def: ThreatDetectorDef; d: ThreatDetector }[] = [];
  private readonly onFlowStarted: ThreatDetector[] = [];
  private readonly onTcpControl: ThreatDetector[] = [];
  private readonly onUdp: ThreatDetector[] = [];
  private readonly onIcmp: ThreatDetector[] = [];
  private readonly onIcmpError: ThreatDetector[] = [];
  private readonly onLink: ThreatDetector[] = [];
  private readonly onRecord = new Map<string, ThreatDetector[]>();
  private readonly onAnomaly = new Map<string, ThreatDetector[]>();
  private readonly onRequestDone: ThreatDetector[] = [];
  private readonly onRequestHeaders: ThreatDetector[] = [];
  private readonly onFlowEnded: ThreatDetector[] = [];
  private readonly onTick: ThreatDetector[] = [];
  private readonly names = new Map<ThreatDetector, string>();
  private readonly windows: BoundedMap<string, OpenWindow>;
  private alerts = 0;
  private suppressed = 0;
  private evictions = 0;
  private readonly byDetector: Record<string, number> = {};
  private readonly byTechnique: Record<string, number> = {};

  constructor(
    input: ThreatOptions,
    private readonly sink: ThreatSink,
    registry: readonly ThreatDetectorDef[] = THREAT_DETECTORS,
  ) {
    this.options = resolveThreatOptions(input, registry);
    const { maxTracked } = this.options;
    this.windows = new BoundedMap(maxTracked, (n) => {
      this.evictions += n;
    });
    for (const { def, thresholds } of this.options.detectors) {
      const stage = this;
      const ctx: ThreatContext = {
        maxTracked,
        report(finding: ThreatFinding): void {
          stage.report(def, finding);
        },
        evicted(n = 1): void {
          stage.evictions += n;
        },
      };
      const d = def.create(thresholds, ctx);
      this.detectors.push({ def, d });
      this.names.set(d, def.name);
      if (d.flowStarted) this.onFlowStarted.push(d);
      if (d.tcpControl) this.onTcpControl.push(d);
      if (d.udp) this.onUdp.push(d);
      if (d.icmp) this.onIcmp.push(d);
      if (d.icmpError) this.onIcmpError.push(d);
      if (d.link) this.onLink.push(d);
      if (d.requestDone) this.onRequestDone.push(d);
      if (d.requestHeaders) this.onRequestHeaders.push(d);
      if (d.flowEnded) this.onFlowEnded.push(d);
      if (d.tick) this.onTick.push(d);
      if (d.record) for (const t of def.records ?? []) push(this.onRecord, t, d);
      if (d.anomaly) for (const a of def.anomalies ?? []) push(this.onAnomaly, a, d);
    }
  }

  /**
   * The protocol options the running detectors need (`appDefaults`), merged: the engine applies each unless
   * the caller set that option itself.
   */
  appDefaults(): Record<string, Record<string, string | number | boolean>> {
    const out: Record<string, Record<string, string | number | boolean>> = {};
    for (const { def } of this.detectors) {
      for (const [proto, opts] of Object.entries(def.appDefaults ?? {})) Object.assign((out[proto] ??= {}), opts);
    }
    return out;
  }

  /** Whether some detector reads records of `type` (the engine asks the parsers for them). */
  wantsRecords(type: string): boolean {
    return this.onRecord.has(type);
  }

  /** Whether some detector wants to know when an HTTP (or other) request is complete. */
  get wantsRequests(): boolean {
    return this.onRequestDone.length > 0;
  }

  flowStarted(flow: Flow, p: DecodedPacket, now: number): void {
    const hooks = this.onFlowStarted;
    for (let i = 0; i < hooks.length; i++) {
      try {
        hooks[i]!.flowStarted!(flow, p, now);
      } catch (e) {
        this.fault(hooks[i]!, e);
      }
    }
  }

  /** An IP packet of `flow` (after the flow's counters took it): dispatched by protocol. */
  packet(p: DecodedPacket, flow: Flow, dir: Direction, now: number): void {
    const proto = p.ipProto;
    let hooks: ThreatDetector[];
    if (proto === IpProto.TCP) {
      const f = p.tcpFlags;
      if ((f & CONTROL_FLAGS) === 0 && (f & TcpFlag.ACK) !== 0) return;
      hooks = this.onTcpControl;
      for (let i = 0; i < hooks.length; i++) {
        try {
          hooks[i]!.tcpControl!(p, flow, dir, now);
        } catch (e) {
          this.fault(hooks[i]!, e);
        }
      }
    } else if (proto === IpProto.UDP) {
      hooks = this.onUdp;
      for (let i = 0; i < hooks.length; i++) {
        try {
          hooks[i]!.udp!(p, flow, dir, now);
        } catch (e) {
          this.fault(hooks[i]!, e);
        }
      }
    } else if (proto === IpProto.ICMP || proto === IpProto.ICMPV6) {
      hooks = this.onIcmp;
      for (let i = 0; i < hooks.length; i++) {
        try {
          hooks[i]!.icmp!(p, flow, dir, now);
        } catch (e) {
          this.fault(hooks[i]!, e);
        }
      }
    }
  }

  icmpError(p: DecodedPacket, quoted: Flow | null, now: number): void {
    const hooks = this.onIcmpError;
    for (let i = 0; i < hooks.length; i++) {
      try {
        hooks[i]!.icmpError!(p, quoted, now);
      } catch (e) {
        this.fault(hooks[i]!, e);
      }
    }
  }

  link(p: DecodedPacket, now: number): void {
    const hooks = this.onLink;
    for (let i = 0; i < hooks.length; i++) {
      try {
        hooks[i]!.link!(p, now);
      } catch (e) {
        this.fault(hooks[i]!, e);
      }
    }
  }

  /** An anomaly; `dir` is the direction of the bytes that raised it, when the layer knows it (application parsers). */
  anomaly(name: string, flow: Flow | null, p: DecodedPacket | null, now: number, dir?: Direction): void {
    const hooks = this.onAnomaly.get(name);
    if (hooks === undefined) return;
    for (const d of hooks) {
      try {
        d.anomaly!(name, flow, p, now, dir);
      } catch (e) {
        this.fault(d, e);
      }
    }
  }

  record(flow: Flow, type: string, payload: object, now: number): void {
    const hooks = this.onRecord.get(type);
    if (hooks === undefined) return;
    for (const d of hooks) {
      try {
        d.record!(flow, type, payload, now);
      } catch (e) {
        this.fault(d, e);
      }
    }
  }

  requestDone(flow: Flow, type: string, payload: object, now: number): void {
    for (const d of this.onRequestDone) {
      try {
        d.requestDone!(flow, type, payload, now);
      } catch (e) {
        this.fault(d, e);
      }
    }
  }

  /** The header section of a flow's first request is complete (HTTP: its Host was read). */
  requestHeaders(flow: Flow, type: string, now: number): void {
    for (const d of this.onRequestHeaders) {
      try {
        d.requestHeaders!(flow, type, now);
      } catch (e) {
        this.fault(d, e);
      }
    }
  }

  flowEnded(flow: Flow, now: number): void {
    const hooks = this.onFlowEnded;
    for (let i = 0; i < hooks.length; i++) {
      try {
        hooks[i]!.flowEnded!(flow, now);
      } catch (e) {
        this.fault(hooks[i]!, e);
      }
    }
  }

  /** Once per second of capture time. */
  tick(now: number): void {
    for (const d of this.onTick) {
      try {
        d.tick!(now);
      } catch (e) {
        this.fault(d, e);
      }
    }
    // Windows that closed free their entries (the table is capped anyway).
    if (this.windows.size > 0) this.windows.sweep((w) => w.until <= now);
  }

  stats(): ThreatStats {
    const state: Record<string, number> = {};
    for (const { def, d } of this.detectors) state[def.name] = d.size();
    return {
      detectors: this.detectors.map((x) => x.def.name),
      alerts: this.alerts,
      suppressed: this.suppressed,
      byDetector: { ...this.byDetector },
      byTechnique: { ...this.byTechnique },
      state,
      evictions: this.evictions,
    };
  }

  /** Counts of what fired, by technique and detector: the input of the ATT&CK Navigator layer's scores. */
  fired(): Record<string, { count: number; sources: Record<string, number> }> {
    const out: Record<string, { count: number; sources: Record<string, number> }> = {};
    for (const { def } of this.detectors) {
      const n = this.byDetector[def.name] ?? 0;
      if (n === 0) continue;
      for (const t of def.techniques) {
        const e = (out[t] ??= { count: 0, sources: {} });
        e.count += n;
        e.sources[def.name] = (e.sources[def.name] ?? 0) + n;
      }
    }
    return out;
  }

  /** A finding: an alert unless one of the same detector, attacker and target is within its window. */
  private report(def: ThreatDetectorDef, f: ThreatFinding): void {
    const key = `${def.name}\u0000${f.attacker ?? ''}\u0000${f.target ?? ''}`;
    const open = this.windows.get(key);
    if (open !== undefined && f.now < open.until) {
      this.suppressed++;
      return;
    }
    this.windows.set(key, { until: f.now + this.options.window });
    this.alerts++;
    this.byDetector[def.name] = (this.byDetector[def.name] ?? 0) + 1;
    for (const t of def.techniques) this.byTechnique[t] = (this.byTechnique[t] ?? 0) + 1;
    this.sink.threat(def, f);
  }

  private fault(d: ThreatDetector, e: unknown): void {
    this.sink.internalError(`threats.${this.names.get(d) ?? '?'}`, e);
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list === undefined) m.set(k, [v]);
  else list.push(v);
}
