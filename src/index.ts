/**
 * netsieve: Layer-7 deep packet inspection for Node.js.
 *
 * The public API. Everything a user or the benchmark suite needs is exported here; anything else is internal
 * and may change.
 */
export { createEngine, Engine, protoName } from './engine.js';
export type { CreateEngineOptions, DebugOptions, EngineStats, InternalErrorStats, ReplayOptions, FlowView } from './engine.js';
export type { DetectStats } from './stats.js';
export type {
  NetsieveEvent,
  NetsieveEventType,
  EventOfType,
  FlowEvent,
  AnomalyEvent,
  AnomalyLayer,
  AlertEvent,
  AlertInfo,
  AlertFlowInfo,
  AppRecordOf,
  AppEvent,
  AppEventOf,
  HttpEvent,
  DnsEvent,
  MdnsEvent,
  LlmnrEvent,
  TlsEvent,
  RedisEvent,
  StratumEvent,
  EventEndpoints,
  EventTunnel,
  FlowStats,
  TcpFlowInfo,
  TcpStreamSummary,
  Timestamp,
  Verdict,
  ViolationEvent,
  ThreatEvent,
  ThreatInfo,
  PolicyDecision,
  PolicyEvidence,
} from './events.js';
export { NetsieveError, isNetsieveError, ERROR_CODES } from './errors.js';
export type { NetsieveErrorCode, ErrorLocation } from './errors.js';
export { defaultOptions, resolveOptions } from './options.js';
export type {
  EngineOptions,
  EngineOptionsInput,
  TcpOptions,
  FlowOptions,
  FlowTimeouts,
  FragmentOptions,
  DecodeOptions,
  OverlapPolicy,
} from './options.js';

// Capture: readers, writer, live capture.
export { openCapture, openCaptureSync, readAllPackets } from './capture/reader.js';
export type { CaptureInput, CaptureReader } from './capture/reader.js';
export { PcapWriter, PcapngWriter } from './capture/pcap-writer.js';
export { openLive, listDevices } from './capture/live.js';
export { LinkType } from './capture/packet.js';
export type { CapturedPacket, PacketInput } from './capture/packet.js';

// Decoding: usable on its own (the benchmark suite and tools use it).
export { Decoder } from './decode/decoder.js';
export { DecodedPacket, Layer, IpProto, TcpFlag, Tunnel } from './decode/packet.js';
export { DECODE_ANOMALIES } from './decode/events.js';
export { formatAddress } from './decode/address.js';

// Flows and streams.
export { Direction } from './flow/stream.js';
export type { StreamConsumer, StreamChunkInfo, StreamEndReason } from './flow/stream.js';
export type { TcpContext, TcpEventSink, TcpStreamStats } from './flow/tcp-session.js';
export { STREAM_ANOMALIES } from './flow/events.js';
export { TcpSession, TcpState, tcpStateName } from './flow/tcp-session.js';
export { ReassemblyMemory } from './flow/reassembly-memory.js';

// Application layer: the registry (every protocol module, from which the app events, the EVE mappers and
// the typed `app.protocols` options are derived), the module contract, and each protocol's records,
// options, anomaly tables and inspection buffers.
export { PROTOCOLS, APP_ANOMALIES, EVE_MAPPERS } from './protocols/registry.js';
export type {
  AppOptions,
  AppOptionsInput,
  AppProtocolName,
  AppProtocolOptionsMap,
  AppRecordMap,
  RegisteredModule,
} from './protocols/registry.js';
export type {
  AnyProtocolModule,
  AppEventSink,
  BufferDirection,
  BufferScope,
  InspectionBuffer,
  OptionsOf,
  ProbeContext,
  ProtocolModule,
  RecordOf,
  TcpAppParser,
  Transport,
  UdpAppParser,
} from './protocols/module.js';
export { Probe, anomalyCodes, defineProtocol } from './protocols/module.js';
export { httpModule, httpToEve, HTTP_ANOMALIES, HTTP_BUFFERS, HTTP_DEFAULTS, HTTP_OPTION_DOCS } from './protocols/http/index.js';
export type { HttpHeader, HttpOptions, HttpTransaction, HttpWafResult } from './protocols/http/index.js';
export {
  dnsModule,
  mdnsModule,
  llmnrModule,
  dnsToEve,
  DNS_ANOMALIES,
  DNS_BUFFERS,
  DNS_DEFAULTS,
  DNS_OPTION_DOCS,
  dnsAnswerNames,
  dnsQueryNames,
  dnsResolvedAddresses,
} from './protocols/dns/index.js';
export type {
  DnsEdns,
  DnsEdnsOption,
  DnsFlags,
  DnsMessage,
  DnsOptions,
  DnsQuestion,
  DnsRdata,
  DnsResourceRecord,
  DnsSvcParam,
  DnsVariant,
} from './protocols/dns/index.js';
export {
  tlsModule,
  tlsToEve,
  TLS_ANOMALIES,
  TLS_BUFFERS,
  TLS_DEFAULTS,
  TLS_OPTION_DOCS,
  ja3,
  ja3s,
  ja4,
} from './protocols/tls/index.js';
export type { TlsCertificate, TlsClientHello, TlsHandshake, TlsOptions, TlsServerHello } from './protocols/tls/index.js';
export {
  redisModule,
  redisToEve,
  REDIS_ANOMALIES,
  REDIS_BUFFERS,
  REDIS_DEFAULTS,
  REDIS_OPTION_DOCS,
} from './protocols/redis/index.js';
export type { RedisOptions, RedisRecord, RedisValue } from './protocols/redis/index.js';
export {
  stratumModule,
  stratumToEve,
  STRATUM_ANOMALIES,
  STRATUM_BUFFERS,
  STRATUM_DEFAULTS,
  STRATUM_OPTION_DOCS,
} from './protocols/stratum/index.js';
export type { StratumError, StratumOptions, StratumRecord, StratumVariant } from './protocols/stratum/index.js';

// Multi-pattern regex matching (a library in its own right: src/regex/README section in the project README).
export { compile, deserialize, RegexDatabase, RegexStream } from './regex/database.js';
export type {
  CompileOptions,
  DatabaseInfo,
  EngineInfo,
  MatchHandler,
  PatternSpec,
  ScanMode,
  ScanResult,
} from './regex/database.js';

// Signatures: Suricata rules and DLP sensors (the engine's `detect` option runs them).
export { loadRules, parseRule } from './detect/rules/load.js';
export type { LoadOptions, LoadResult, RuleFailure, RuleInput } from './detect/rules/load.js';
export type { Rule } from './detect/rules/model.js';
export type { DetectOptions } from './detect/index.js';
export { compileDlp, DlpScanner, DlpStream, DLP_SENSORS, DLP_SENSOR_NAMES } from './detect/dlp/index.js';
export type { DlpFinding, DlpOptions } from './detect/dlp/index.js';
export { DLP_GID } from './detect/dlp-signatures.js';

// Policy: segmentation and egress rules, names from DNS, modes, learning (the engine's `policy` option).
export { checkPolicy, parsePolicy, readPolicyFile, POLICY_MODES, POLICY_ANOMALIES } from './policy/index.js';
export type {
  PolicyOptions,
  PolicyStats,
  PolicyDocument,
  PolicyGroupSpec,
  PolicyRuleSpec,
  PolicyMode,
  PolicyAction,
  PolicyProblem,
  NameSource,
  LearnOptions,
  NameTableOptions,
} from './policy/index.js';
export { POLICY_GID } from './output/eve.js';

// Threats: network attack detectors tagged with MITRE ATT&CK (the engine's `threats` option).
export {
  THREAT_DETECTORS,
  THREAT_DEFAULTS,
  ATTACK_TACTICS,
  ATTACK_TECHNIQUES,
  ATTACK_VERSION,
  STAGE_TECHNIQUES,
  mitreMetadata,
  techniqueFullName,
} from './threats/index.js';
export type {
  ThreatOptions,
  ThreatStats,
  ThreatDetectorDef,
  ThreatSeverity,
  ThreatThresholds,
  AttackTactic,
  AttackTechnique,
  MitreMetadata,
} from './threats/index.js';
export { THREAT_GID } from './output/eve.js';
export type { EveThreat } from './output/eve.js';

// Output.
export { toEve, toEveLine, eveTimestamp, isoTimestamp, EveFormatter } from './output/eve.js';
export type {
  EveRecord,
  EveCommon,
  EveFlowRecord,
  EveAnomalyRecord,
  EveAppRecord,
  EveAlertRecord,
  EveAlert,
  EveOptions,
} from './output/eve.js';
export { communityId } from './output/community-id.js';
export { formatSummary } from './output/summary.js';

// Packet filtering: tcpdump expressions, evaluated by netsieve on captured frames.
export { compileFilter, PacketFilter, FILTER_LINK_TYPES } from './filter/index.js';
