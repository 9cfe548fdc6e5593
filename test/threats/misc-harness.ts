/**
 * Drives single detectors directly (no engine): a context that collects findings and evictions, packets
 * decoded by the real decoder from test/helpers/packets.ts bytes, and hand-made flows. The engine-level
 * tests (captures, corpus) go through `createEngine({ threats })`.
 */
import { parseAddress } from '../../src/decode/address.js';
import { DECODE_ANOMALIES } from '../../src/decode/events.js';
import { DecodedPacket } from '../../src/decode/packet.js';
import { Flow, FlowKind } from '../../src/flow/flow.js';
import type {
  ThreatContext,
  ThreatDetector,
  ThreatDetectorDef,
  ThreatFinding,
  ThreatThresholds,
} from '../../src/threats/types.js';
import { makeDecoder } from '../decode/harness.js';

export interface Harness {
  ctx: ThreatContext;
  findings: ThreatFinding[];
  evictions: () => number;
}

export function harness(maxTracked = 10_000): Harness {
  const findings: ThreatFinding[] = [];
  let evicted = 0;
  return {
    findings,
    evictions: () => evicted,
    ctx: {
      maxTracked,
      report: (f) => findings.push(f),
      evicted: (n = 1) => {
        evicted += n;
      },
    },
  };
}

export function make<O extends ThreatThresholds>(
  def: ThreatDetectorDef<O>,
  over: Partial<O> = {},
  maxTracked = 10_000,
): { det: ThreatDetector; h: Harness } {
  const h = harness(maxTracked);
  return { det: def.create({ ...def.defaults, ...over } as O, h.ctx), h };
}

/** A decoder that keeps its fragment table across calls, and one reused packet. */
export function packetFeeder() {
  const decoder = makeDecoder();
  const p = new DecodedPacket();
  return {
    p,
    /** Decodes an Ethernet frame at time `t`; returns the anomaly names it raised. */
    decode(frame: Uint8Array, t: number): string[] {
      decoder.decode(frame, 0, frame.length, frame.length, 1, Math.floor(t), Math.round((t % 1) * 1e9), p);
      return Array.from(p.anomalies.subarray(0, p.anomalyCount), (a) => DECODE_ANOMALIES[a]!);
    },
  };
}

/** Feeds every anomaly of the decoded packet the detector lists to its `anomaly` hook. */
export function feedAnomalies(def: ThreatDetectorDef, det: ThreatDetector, names: string[], p: DecodedPacket, t: number): void {
  for (const n of names) if (def.anomalies?.includes(n)) det.anomaly?.(n, null, p, t);
}

let nextFlowId = 1;

export interface FlowSpec {
  client: string;
  server: string;
  sport?: number;
  dport: number;
  proto?: number;
  start?: number;
  end?: number;
  bytesToServer?: number;
  bytesToClient?: number;
  pktsToServer?: number;
  pktsToClient?: number;
  flagsToServer?: number;
  flagsToClient?: number;
  appProto?: string | null;
}

/** A flow as the flow stage would have it (no TCP session: detectors fall back to the counters). */
export function flowOf(s: FlowSpec): Flow {
  const f = new Flow();
  f.id = nextFlowId++;
  const w = new Uint32Array(4);
  f.ipVersion = parseAddress(s.client, w);
  f.setAddress(false, w);
  parseAddress(s.server, w);
  f.setAddress(true, w);
  f.proto = s.proto ?? 6;
  f.kind = f.proto === 6 ? FlowKind.TCP : f.proto === 17 ? FlowKind.UDP : FlowKind.OTHER;
  f.clientPort = s.sport ?? 40000;
  f.serverPort = s.dport;
  const start = s.start ?? 1000;
  const end = s.end ?? start;
  f.startSec = Math.floor(start);
  f.startNsec = Math.round((start % 1) * 1e9);
  f.lastSec = Math.floor(end);
  f.lastNsec = Math.round((end % 1) * 1e9);
  f.bytesToServer = s.bytesToServer ?? 0;
  f.bytesToClient = s.bytesToClient ?? 0;
  f.pktsToServer = s.pktsToServer ?? 0;
  f.pktsToClient = s.pktsToClient ?? 0;
  f.tcpFlagsToServer = s.flagsToServer ?? 0;
  f.tcpFlagsToClient = s.flagsToClient ?? 0;
  f.appProto = s.appProto ?? null;
  return f;
}
