/**
 * The contract of a threat detector (src/threats/detectors/): what it is (name, techniques, thresholds with
 * their docs) and the hooks the threat stage calls it through. Detectors read what the earlier stages
 * already computed (the decoded packet, the flow, records, anomalies): they never parse bytes again.
 *
 * Every detector keeps its state in tables capped by `ThreatContext.maxTracked` (src/threats/tables.ts) and
 * reports through `ThreatContext.report`: the stage turns findings into `threat` events, one per detector,
 * attacker and target per window (`threats.window`).
 */
import type { DecodedPacket } from '../decode/packet.js';
import type { Flow } from '../flow/flow.js';
import type { Direction } from '../flow/stream.js';

/** Suricata's priorities: 1 high, 2 medium, 3 low. */
export type ThreatSeverity = 1 | 2 | 3;

/** A detector's thresholds: numbers and switches only, each with a default and a one-line doc. */
export type ThreatThresholds = Record<string, number | boolean>;

/** One detector as the registry lists it (src/threats/registry.ts). */
export interface ThreatDetectorDef<O extends ThreatThresholds = ThreatThresholds> {
  /** Stable snake_case name: the event's `threat.name`, EVE's `alert.metadata.threat`, the config key. */
  name: string;
  /** Human title: `Port scan`. */
  title: string;
  /** One line: what the detector sees, for `netsieve threats` and the README. */
  description: string;
  /** EVE `alert.category`: a Suricata classtype description (`Detection of a Network Scan`, ...). */
  category: string;
  severity: ThreatSeverity;
  /** ATT&CK technique ids (src/threats/attack.ts has their names), most specific first. */
  techniques: readonly string[];
  /** The alert's signature id (gid 10, netsieve's threats): stable, unique in the registry. */
  signatureId: number;
  /** Thresholds and their defaults: the config's `threats.detectors.<name>` may set any of them. */
  defaults: O;
  /** One line per threshold: what it counts, its unit. */
  docs: { readonly [K in keyof O]: string };
  /** Record types the detector reads (`dns`, `http`, `tls`, ...): the stage asks the parsers for them. */
  records?: readonly string[];
  /** Anomaly names (`decode.frag_overlap_different_data`, `http.content_length_with_transfer_encoding`) it links. */
  anomalies?: readonly string[];
  /**
   * Protocol options the detector needs, used unless the caller set them: `{ tls: { afterHandshake: 'track' } }`
   * (Heartbleed's leak and renegotiations are in the records after the handshake).
   */
  appDefaults?: Readonly<Record<string, Readonly<Record<string, string | number | boolean>>>>;
  create(options: O, ctx: ThreatContext): ThreatDetector;
}

/** What a detector found: the stage makes it a `threat` event unless one for the same key is in its window. */
export interface ThreatFinding {
  /** Capture time of the evidence that completed the finding (seconds). */
  now: number;
  /** The attacking address (text), when known; for a flood from spoofed sources, null. */
  attacker: string | null;
  /** The attacked address (text), when known. */
  target: string | null;
  /** The evidence count that crossed the threshold: ports probed, packets per second, queries, sessions... */
  count: number;
  /** What else the detector measured (rates, sizes, names, the first ports): small values only. */
  details: Record<string, number | string | boolean | string[]>;
  /** The flow the finding is about, when it is about one (its five-tuple goes on the event). */
  flow?: Flow | null;
  /** Anomalies raised on the same traffic (`decode.frag_overlap_different_data`, ...), linked to the threat. */
  anomalies?: string[];
  /** The attacker's and target's ports, when the finding is about ports but not one flow. */
  attackerPort?: number;
  targetPort?: number;
  /** `TCP`, `UDP`, `ICMP`... when the finding has no flow. */
  proto?: string;
}

/** What the stage gives a detector. */
export interface ThreatContext {
  /** Reports a finding (see `ThreatFinding`). */
  report(finding: ThreatFinding): void;
  /** The cap of every table the detector keeps (`threats.maxTracked`); `BoundedMap` counts what it evicts. */
  readonly maxTracked: number;
  /** Called by the detector's tables when they evict an entry to stay under the cap (for `stats().threats`). */
  evicted(n?: number): void;
}

/**
 * The hooks. All optional: the stage calls only those a detector has. Packet hooks are split by what they
 * are, so that the bulk of a capture (TCP segments with ACK alone or ACK+PSH) costs one test and no call.
 */
export interface ThreatDetector {
  /** A new flow's first packet (after the flow exists). */
  flowStarted?(flow: Flow, p: DecodedPacket, now: number): void;
  /** A TCP packet with SYN, FIN, RST or URG set, or without ACK (handshakes, teardowns, probes). */
  tcpControl?(p: DecodedPacket, flow: Flow, dir: Direction, now: number): void;
  /** Every UDP datagram, after the application layer saw it. */
  udp?(p: DecodedPacket, flow: Flow, dir: Direction, now: number): void;
  /** Every ICMP or ICMPv6 packet that is not an error quoting a known flow. */
  icmp?(p: DecodedPacket, flow: Flow, dir: Direction, now: number): void;
  /** An ICMP or ICMPv6 error; `quoted` is the flow of the packet it quotes when netsieve has that flow. */
  icmpError?(p: DecodedPacket, quoted: Flow | null, now: number): void;
  /** A frame that is not IP (ARP): the decoded link layer, `p.l3Offset` where its payload starts. */
  link?(p: DecodedPacket, now: number): void;
  /**
   * An anomaly the detector listed in `anomalies`; `p` is the packet that raised it, when there is one.
   * `dir`: the direction of the bytes that raised it, when the layer knows it (an application parser's
   * anomaly): `p` is no guide there, since reassembled bytes are delivered on the peer's acknowledgement.
   */
  anomaly?(name: string, flow: Flow | null, p: DecodedPacket | null, now: number, dir?: Direction): void;
  /** An application record of a type the detector listed in `records`. */
  record?(flow: Flow, type: string, payload: object, now: number): void;
  /**
   * A request is complete (HTTP: its headers, and its body when it has one), before its response: the moment
   * a slow request stops being slow. `payload` is the record so far.
   */
  requestDone?(flow: Flow, type: string, payload: object, now: number): void;
  /**
   * The header section of a flow's first request is complete (HTTP: the moment the parser reports the
   * flow's server name from Host, `AppHost.serverName` with source `host`). Slow-request detectors tell a
   * trickled header section (slowloris) from a trickled body (slow POST) by it.
   */
  requestHeaders?(flow: Flow, type: string, now: number): void;
  /** A flow ended (its counters and TCP flags are final). */
  flowEnded?(flow: Flow, now: number): void;
  /** Once per second of capture time: windows close, rates are judged. */
  tick?(now: number): void;
  /** Entries the detector's tables hold now (tests check it stays under the caps). */
  size(): number;
}
