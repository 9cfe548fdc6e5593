/**
 * What `engine.stats()` returns: counters of every stage. A module of its own so that output (the summary)
 * reads the shape without importing the engine that wires the stages.
 */
import type { WafStats } from './detect/waf/index.js';
import type { FragmentStats } from './decode/ip-fragments.js';
import type { FlowMemoryStats } from './flow/flow-memory.js';
import type { PolicyStats } from './policy/stage.js';
import type { ThreatStats } from './threats/stage.js';

/** Exceptions the catch-all guards swallowed (bugs): how many, and the last one. */
export interface InternalErrorStats {
  count: number;
  /** `where`: the guard (`decode`, `http.parser`, `tls.probe`, ...). */
  last: { where: string; message: string; stack: string | null } | null;
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
  /** The flow table's accounted memory against `flow.memcap`, and the evictions it caused. */
  flowMemory: FlowMemoryStats;
  /**
   * Signatures (only with the `detect` option): rules loaded and refused, alerts by `gid:sid`, prefilter
   * candidates and verifications, and the packets and bytes given the drop verdict.
   */
  detect?: DetectStats;
  /**
   * The policy (only with the `policy` option): mode, decisions, flows allowed and denied, violations,
   * packets and bytes dropped (protect mode), the DNS name table and learning.
   */
  policy?: PolicyStats;
  /** The threat stage's counters (with the `threats` option): alerts by detector and technique, table sizes. */
  threats?: ThreatStats;
  /** IP fragment reassembly: fragments seen, datagrams completed and dropped, what is held now. */
  fragments: FragmentStats;
  /** Exceptions caught by the guards around parsers, probes and the decoder (each is a bug to report). */
  internalErrors: InternalErrorStats;
  /** First and last capture time seen, seconds (NaN before the first packet). */
  firstTs: number;
  lastTs: number;
}

/** The detection stage's counters (`stats().detect`). */
export interface DetectStats {
  rulesLoaded: number;
  rulesFailed: number;
  alerts: number;
  /** Alerts by `gid:sid`. */
  alertsBySignature: Record<string, number>;
  /** Rules verified because the prefilter found their fast pattern. */
  candidates: number;
  /** Rules verified without a prefilter (no fast pattern usable by one). */
  unfiltered: number;
  /** Alerts held back by threshold or detection_filter. */
  suppressed: number;
  packetsDropped: number;
  bytesDropped: number;
  /**
   * The WAF (with `detect.waf`): rules loaded, HTTP transactions evaluated, rule matches logged, transactions
   * blocked (block mode), and the prefilter's work: rule evaluations and values it skipped, operator runs,
   * `@rx` rules moved to netsieve's regex engine (`WafStats`).
   */
  waf?: WafStats & { rulesLoaded: number };
}
