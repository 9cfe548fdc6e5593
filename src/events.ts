/**
 * The one event model: everything the engine reports is a member of `NetsieveEvent`, discriminated by
 * `type`. Field names are idiomatic TypeScript; `src/output/eve.ts` maps them to Suricata's EVE JSON names.
 *
 * Events are plain data owned by the receiver: safe to keep, serialise or send elsewhere.
 */
import type { TcpStreamStats } from './flow/tcp-session.js';
import type { AppRecordMap } from './protocols/registry.js';
import type { PolicyDecision } from './policy/types.js';

export type { PolicyDecision, PolicyEvidence } from './policy/types.js';

/** Capture time of an event: seconds since the Unix epoch and nanoseconds within the second. */
export interface Timestamp {
  sec: number;
  nsec: number;
}

/** The five-tuple as Suricata writes it: source is the client (the side that sent to the server). */
export interface EventEndpoints {
  srcIp: string;
  srcPort: number;
  destIp: string;
  destPort: number;
  /** `TCP`, `UDP`, `ICMP`, `IPv6-ICMP`, `SCTP`, or the protocol number as a string. */
  proto: string;
}

/** The tunnel a flow was carried in (outermost tunnel's outer header). */
export interface EventTunnel {
  type: 'vxlan' | 'geneve' | 'gre' | 'ipip' | string;
  depth: number;
  /** VNI or GRE key of the innermost tunnel, 0 when none. */
  id: number;
  srcIp: string;
  destIp: string;
  proto: string;
  srcPort?: number;
  destPort?: number;
}

interface EventBase {
  ts: Timestamp;
  /** Engine packet number (1-based, over the engine's life) of the packet the event is tied to. */
  pcapCnt?: number;
  flowId?: number;
  endpoints?: EventEndpoints;
  vlan?: number[];
  tunnel?: EventTunnel;
}

export interface FlowStats {
  pktsToServer: number;
  pktsToClient: number;
  bytesToServer: number;
  bytesToClient: number;
  start: Timestamp;
  end: Timestamp;
  /** Whole seconds between the first and the last packet. */
  age: number;
  state: 'new' | 'established' | 'closed' | 'bypassed';
  reason: 'timeout' | 'forced' | 'shutdown' | 'tcp_reuse';
}

export interface TcpFlowInfo {
  /** Flags seen in either direction, per direction. */
  flags: number;
  flagsToServer: number;
  flagsToClient: number;
  /** TCP state when the flow ended (Suricata's names: `established`, `closed`, `fin_wait1`, ...). */
  state: string;
  /** Per-direction reassembly statistics. */
  toServer: TcpStreamSummary;
  toClient: TcpStreamSummary;
}

/** One direction's reassembly statistics when the flow ended (a snapshot; see `TcpStreamStats`). */
export type TcpStreamSummary = Readonly<TcpStreamStats>;

export interface FlowEvent extends EventBase {
  type: 'flow';
  flowId: number;
  endpoints: EventEndpoints;
  /** Application protocol when identified, null otherwise. */
  appProto: string | null;
  /** How `appProto` was decided: recognised in the bytes (`dpi`), guessed from the server port (`port`), or not (`unknown`). */
  appProtoConfidence: 'dpi' | 'port' | 'unknown';
  flow: FlowStats;
  tcp?: TcpFlowInfo;
  /** ICMP type/code of the first packet each way. */
  icmp?: { type: number; code: number; responseType?: number; responseCode?: number };
  /** The policy's final decision on the flow, with the engine's `policy` option (src/policy/). */
  policy?: PolicyDecision;
}

/** Where an anomaly was found. */
export type AnomalyLayer = 'capture' | 'decode' | 'stream' | 'flow' | 'app' | 'policy';

export interface AnomalyEvent extends EventBase {
  type: 'anomaly';
  anomaly: {
    layer: AnomalyLayer;
    /** The anomaly's name, e.g. `decode.ipv4_bad_ihl`, `stream.overlap_different_data`. */
    event: string;
    /** The numeric code in its stage's table. */
    code: number;
    direction?: 'to_server' | 'to_client';
    /** For the `app` layer: the flow's application protocol when known. */
    appProto?: string;
  };
  /** For `stream.gap`: where the missing bytes are in the direction's stream; length -1 when unknown. */
  gap?: { offset: number; length: number };
}

/** What every application record event has: the flow it belongs to, and its endpoints (source = client). */
interface AppEventBase extends EventBase {
  flowId: number;
  endpoints: EventEndpoints;
}

/**
 * The event of one application protocol: `{ type: 'http', http: HttpTransaction, ...flow fields }`. One
 * per registered module, derived from the registry (`AppRecordMap`): a protocol added there appears here.
 */
export type AppEventOf<T extends keyof AppRecordMap> = AppEventBase & { type: T } & { [K in T]: AppRecordMap[T] };

/** The application layer's record events: one member per protocol module of the registry. */
export type AppEvent = { [T in keyof AppRecordMap]: AppEventOf<T> }[keyof AppRecordMap];

/** One HTTP/1.x transaction: a request and its response (either may be missing; see `HttpTransaction`). */
export type HttpEvent = AppEventOf<'http'>;
/** One DNS message (query or response), over UDP or TCP. */
export type DnsEvent = AppEventOf<'dns'>;
/** One multicast DNS message (UDP port 5353): the DNS wire format, its own event type as in Suricata 8. */
export type MdnsEvent = AppEventOf<'mdns'>;
/** One LLMNR message (port 5355): the DNS wire format, its own event type as in Suricata 8. */
export type LlmnrEvent = AppEventOf<'llmnr'>;
/** One TLS connection's handshake, when it is done (encrypted), failed, or the flow ended first. */
export type TlsEvent = AppEventOf<'tls'>;
/** One Redis command with its reply, or a push message (pub/sub, invalidation). */
export type RedisEvent = AppEventOf<'redis'>;
/** One Stratum (mining pool) request with its response, a notification, or an unpaired response. */
export type StratumEvent = AppEventOf<'stratum'>;

/** What a signature alert says about the rule that fired (Suricata's `alert` object). */
export interface AlertInfo {
  /** `allowed`, or `blocked` when the rule's action drops the packet (drop, reject) and the engine is inline. */
  action: 'allowed' | 'blocked';
  gid: number;
  signatureId: number;
  rev: number;
  /** The rule's `msg`. */
  signature: string;
  /** The classtype's description ('' without one), as Suricata writes it. */
  category: string;
  /** The rule's priority: its `priority` keyword, else its classtype's, else 3. */
  severity: number;
  /** The rule's `metadata` as lists of strings per key; DLP alerts add `dlp_sensor` and `dlp_match` (masked). */
  metadata?: Record<string, string[]>;
  /** With the rule's `target` keyword: which side is attacked and which attacks. */
  source?: { ip: string; port?: number };
  target?: { ip: string; port?: number };
}

/** A flow's counters as an alert shows them (Suricata's `flow` object of an alert). */
export interface AlertFlowInfo {
  pktsToServer: number;
  pktsToClient: number;
  bytesToServer: number;
  bytesToClient: number;
  start: Timestamp;
  /** The flow's client and server (an alert's own endpoints follow the packet's direction). */
  srcIp: string;
  srcPort: number;
  destIp: string;
  destPort: number;
}

/**
 * A signature alert (`src/detect/`). Its endpoints follow the direction of the data that matched (the
 * packet's sender is the source), as Suricata writes them; `alertFlow` has the flow's client and server.
 */
export interface AlertEvent extends EventBase {
  type: 'alert';
  endpoints: EventEndpoints;
  direction?: 'to_server' | 'to_client';
  /** The flow's application protocol, when identified. */
  appProto?: string;
  /** The transaction the alert was raised on (0-based per flow), for app-layer rules. */
  txId?: number;
  alert: AlertInfo;
  /** The application record the rule inspected, when it inspected one (written beside the alert in EVE). */
  app?: AppRecordOf;
  alertFlow?: AlertFlowInfo;
}

/** An application record with its protocol's name: what an alert carries of the transaction it matched. */
export type AppRecordOf = { [T in keyof AppRecordMap]: { proto: T; record: AppRecordMap[T] } }[keyof AppRecordMap];

/**
 * A flow the policy denies (src/policy/), written once per flow when its denial is certain: in `monitor` mode
 * the flow goes on, in `protect` mode its packets get the `drop` verdict from here on. EVE writes it as an
 * `alert` (gid 8) with the rule in `alert.metadata.policy_rule`, so pipelines built for Suricata alerts see it.
 */
export interface ViolationEvent extends EventBase {
  type: 'violation';
  flowId: number;
  endpoints: EventEndpoints;
  /** The flow's application, when identified from content. */
  appProto?: string;
  policy: PolicyDecision;
  /** The flow's counters when the violation was found. */
  violationFlow: {
    pktsToServer: number;
    pktsToClient: number;
    bytesToServer: number;
    bytesToClient: number;
    start: Timestamp;
  };
}

/** What a threat detector found (src/threats/): the detector, its ATT&CK techniques, who and how much. */
export interface ThreatInfo {
  /** The detector's name (`port_scan`, `dns_tunnel`, ...): EVE's `alert.metadata.threat`. */
  name: string;
  /** The detector's title (`Port scan`). */
  title: string;
  /** A Suricata classtype description (`Detection of a Network Scan`), EVE's `alert.category`. */
  category: string;
  /** 1 high, 2 medium, 3 low. */
  severity: number;
  /** The alert's signature id (gid 10). */
  signatureId: number;
  /** MITRE ATT&CK technique ids (`T1046`, `T1498.002`), most specific first; names in `ATTACK_TECHNIQUES`. */
  techniques: string[];
  /** Their tactic ids (`TA0007`), each once. */
  tactics: string[];
  /** The attacking address, when known (null for a flood from spoofed sources). */
  attacker: string | null;
  /** The attacked address, when known. */
  target: string | null;
  /** The evidence that crossed the detector's threshold: ports probed, packets per second, queries, sessions... */
  count: number;
  /** What else the detector measured (rates, sizes, names, sample ports). */
  details: Record<string, number | string | boolean | string[]>;
  /** Anomalies raised on the same traffic that the threat links (`decode.frag_overlap_different_data`, ...). */
  anomalies?: string[];
}

/**
 * A network threat (src/threats/): one per detector, attacker and target per window (`threats.window`), not
 * one per packet. With a flow, `endpoints` is its five-tuple (client first) and `flowId` is set; otherwise
 * `endpoints` goes from the attacker to the target when either is known. EVE writes it as an `alert` (gid 10)
 * with ATT&CK's ids and names in `alert.metadata` as ET Open rules carry them.
 */
export interface ThreatEvent extends EventBase {
  type: 'threat';
  threat: ThreatInfo;
}

export type NetsieveEvent = FlowEvent | AnomalyEvent | AppEvent | AlertEvent | ViolationEvent | ThreatEvent;
export type NetsieveEventType = NetsieveEvent['type'];
export type EventOfType<T extends NetsieveEventType> = Extract<NetsieveEvent, { type: T }>;

/** Packet verdict for inline users. */
export type Verdict = 'accept' | 'drop';
