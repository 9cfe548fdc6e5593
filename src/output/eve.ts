/**
 * EVE JSON: netsieve events in the field names of Suricata's EVE output, so that pipelines built for
 * Suricata (Filebeat/Logstash modules, SIEM parsers, Evebox, jq scripts) read them unchanged.
 *
 * The contract is Suricata's schema (`../shared/eve/suricata-eve-schema.json` in the development tree): every
 * object this module builds for a Suricata event type validates against it. Library-only detail that the
 * schema has no field for (per-direction reassembly statistics, the gap offsets of `stream.gap`) is left out.
 */
import type {
  AlertEvent,
  AnomalyEvent,
  FlowEvent,
  NetsieveEvent,
  PolicyDecision,
  ThreatEvent,
  Timestamp,
  ViolationEvent,
} from '../events.js';
import { STAGE_TECHNIQUES, mitreMetadata } from '../threats/attack.js';
import { IpProto, TcpFlag } from '../decode/packet.js';
import { EVE_MAPPERS } from '../protocols/registry.js';
import { CommunityIdCache, protoNumber } from './community-id.js';
import { httpWafToEve } from '../protocols/http/eve.js';
import type { HttpTransaction } from '../protocols/http/events.js';

/** The tunnel a flow was carried in, as Suricata writes it. */
export interface EveTunnel {
  src_ip: string;
  dest_ip: string;
  proto: string;
  depth: number;
  src_port?: number;
  dest_port?: number;
}

/** What every EVE line has (the fields present when the event has them). */
export interface EveCommon {
  timestamp: string;
  flow_id?: number;
  pcap_cnt?: number;
  event_type: string;
  vlan?: number[];
  src_ip?: string;
  src_port?: number;
  dest_ip?: string;
  dest_port?: number;
  proto?: string;
  /** Community ID v1 of the flow tuple (src/output/community-id.ts). */
  community_id?: string;
  tunnel?: EveTunnel;
  /** Anomalies: which way the packet went. */
  direction?: 'to_server' | 'to_client';
  app_proto?: string;
}

export interface EveFlowStats {
  pkts_toserver: number;
  pkts_toclient: number;
  bytes_toserver: number;
  bytes_toclient: number;
  start: string;
  end: string;
  age: number;
  state: FlowEvent['flow']['state'];
  reason: FlowEvent['flow']['reason'];
  alerted: boolean;
}

export interface EveTcp {
  tcp_flags: string;
  tcp_flags_ts: string;
  tcp_flags_tc: string;
  syn?: true;
  fin?: true;
  rst?: true;
  psh?: true;
  ack?: true;
  urg?: true;
  ecn?: true;
  cwr?: true;
  state: string;
  ts_gap?: true;
  tc_gap?: true;
}

export interface EveFlowRecord extends EveCommon {
  event_type: 'flow';
  flow_id: number;
  icmp_type?: number;
  icmp_code?: number;
  response_icmp_type?: number;
  response_icmp_code?: number;
  flow: EveFlowStats;
  tcp?: EveTcp;
  /** netsieve's own (schema/eve-policy.schema.json): the policy's decision on the flow. */
  policy?: EvePolicy;
}

/** The policy's decision as EVE writes it (snake_case, netsieve's extension). */
export interface EvePolicy {
  action: 'allow' | 'deny';
  rule: string;
  mode: string;
  evidence: {
    app: string | null;
    from_group?: string;
    to_group?: string;
    name?: string;
    name_source?: string;
    server_name?: string;
  };
}

export interface EveAnomalyRecord extends EveCommon {
  event_type: 'anomaly';
  anomaly: {
    type: 'capture' | 'decode' | 'stream' | 'flow' | 'applayer' | 'policy';
    event: string;
    code: number;
    app_proto?: string;
  };
}

/** An application record (`http`, `dns`, `tls`, ...): the protocol's object under its event type. */
export interface EveAppRecord extends EveCommon {
  [protocolObject: string]: unknown;
}

/** Suricata's `alert` object. */
export interface EveAlert {
  action: 'allowed' | 'blocked';
  gid: number;
  signature_id: number;
  rev: number;
  signature: string;
  category: string;
  severity: number;
  source?: { ip: string; port?: number };
  target?: { ip: string; port?: number };
  metadata?: Record<string, string[]>;
}

export interface EveAlertRecord extends EveCommon {
  event_type: 'alert';
  tx_id?: number;
  alert: EveAlert;
  flow?: {
    pkts_toserver: number;
    pkts_toclient: number;
    bytes_toserver: number;
    bytes_toclient: number;
    start: string;
    src_ip: string;
    dest_ip: string;
    src_port?: number;
    dest_port?: number;
  };
  [protocolObject: string]: unknown;
}

export type EveRecord = EveFlowRecord | EveAnomalyRecord | EveAppRecord | EveAlertRecord;

export interface EveOptions {
  /** Write `community_id` on events with a flow tuple (default true). */
  communityId?: boolean;
  /** Community ID seed, 0..65535 (default 0, as Suricata's `community-id-seed`). */
  communityIdSeed?: number;
}

const SECONDS_PER_DAY = 86400;
/** Days in a 400-year Gregorian cycle. */
const DAYS_PER_ERA = 146097;
/** Days from 0000-03-01 (the start of the shifted calendar below) to 1970-01-01. */
const EPOCH_SHIFT_DAYS = 719468;

/**
 * Year, month (1-12) and day of month of a day number (days since 1970-01-01, any sign, any magnitude a
 * double holds exactly) in the proleptic Gregorian calendar. `Date` cannot do this beyond ±8.64e15 ms.
 *
 * The year is counted from March 1st so that February, with its leap day, ends the year: then a year's
 * months always have the same offsets, and only the 400/100/4-year rules decide how long a year is.
 */
export function civilFromDays(days: number): [year: number, month: number, day: number] {
  const shifted = days + EPOCH_SHIFT_DAYS;
  const era = Math.floor(shifted / DAYS_PER_ERA);
  const dayOfEra = shifted - era * DAYS_PER_ERA; // 0..146096
  // Year of the era: subtract the leap days before this day (one per 4 years, less one per 100, plus one per
  // 400; the last day of the era is the 400-year leap day), then whole 365-day years.
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / (DAYS_PER_ERA - 1))) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100)); // 0..365
  // Months from March have lengths 31 30 31 30 31 31 30 31 30 31 31 (28|29): 153 days per 5 months.
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153); // 0..11
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = era * 400 + yearOfEra + (month <= 2 ? 1 : 0);
  return [year, month, day];
}

interface CivilTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  micros: number;
}

/** The UTC calendar time of a timestamp; nanoseconds outside 0..999999999 carry into the seconds. */
function civilTime(ts: Timestamp): CivilTime | null {
  let sec = ts.sec;
  let nsec = ts.nsec;
  if (!Number.isFinite(sec) || !Number.isFinite(nsec)) return null;
  if (nsec < 0 || nsec >= 1e9) {
    const carry = Math.floor(nsec / 1e9);
    sec += carry;
    nsec -= carry * 1e9;
  }
  if (!Number.isInteger(sec)) {
    // A fractional second count (from an odd if_tsresol): the fraction goes to the sub-second part.
    const whole = Math.floor(sec);
    nsec += (sec - whole) * 1e9;
    sec = whole;
    if (nsec >= 1e9) {
      sec += 1;
      nsec -= 1e9;
    }
  }
  let days = Math.floor(sec / SECONDS_PER_DAY);
  let rem = sec - days * SECONDS_PER_DAY;
  // The division rounds for huge values: correct by a day either way.
  if (rem < 0) {
    days -= 1;
    rem += SECONDS_PER_DAY;
  } else if (rem >= SECONDS_PER_DAY) {
    days += 1;
    rem -= SECONDS_PER_DAY;
  }
  const [year, month, day] = civilFromDays(days);
  return {
    year,
    month,
    day,
    hour: Math.floor(rem / 3600),
    minute: Math.floor((rem % 3600) / 60),
    second: rem % 60,
    micros: Math.min(999_999, Math.floor(nsec / 1000)),
  };
}

const pad2 = (n: number) => (n < 10 ? '0' : '') + n;

function clockText(c: CivilTime): string {
  return `${pad2(c.month)}-${pad2(c.day)}T${pad2(c.hour)}:${pad2(c.minute)}:${pad2(c.second)}.${String(c.micros).padStart(6, '0')}`;
}

/**
 * ISO 8601 UTC text of any timestamp, microseconds: `2009-11-18T08:07:01.123456Z`. Years outside 0..9999
 * are written as `Date.prototype.toISOString` does: a sign and at least six digits (`+010000`, `-000001`).
 * A timestamp that is not a finite number gives `invalid`.
 */
export function isoTimestamp(ts: Timestamp): string {
  const c = civilTime(ts);
  if (c === null) return 'invalid';
  const y = c.year;
  const year = y >= 0 && y <= 9999 ? String(y).padStart(4, '0') : (y < 0 ? '-' : '+') + Math.abs(y).toFixed(0).padStart(6, '0');
  return `${year}-${clockText(c)}Z`;
}

const EVE_MIN = '0000-01-01T00:00:00.000000+0000';
const EVE_MAX = '9999-12-31T23:59:59.999999+0000';

/**
 * `2009-11-18T08:07:01.123456+0000`: Suricata's timestamp format (microseconds, numeric UTC offset). Its
 * schema allows four-digit years only, so a time before year 0 or after 9999 (a pcapng with an odd
 * `if_tsresol` or `if_tsoffset` can carry one) is written as the nearest time that format can hold, and a
 * time that is not a number as the earliest; `isoTimestamp` gives the exact text.
 */
export function eveTimestamp(ts: Timestamp): string {
  const c = civilTime(ts);
  if (c === null || c.year < 0) return EVE_MIN;
  if (c.year > 9999) return EVE_MAX;
  return `${String(c.year).padStart(4, '0')}-${clockText(c)}+0000`;
}

function tcpFlagsHex(flags: number): string {
  return (flags & 0xff).toString(16).padStart(2, '0');
}

/**
 * Builds EVE records. Each formatter keeps a bounded cache of Community IDs by flow, so that the hash runs
 * once per flow, not once per event; a flow's entry is dropped when its `flow` event (its last) is written.
 */
export class EveFormatter {
  private readonly ids: CommunityIdCache | null;

  constructor(options: EveOptions = {}) {
    this.ids = options.communityId === false ? null : new CommunityIdCache(options.communityIdSeed ?? 0);
  }

  /** The EVE record of an event. */
  toEve(ev: FlowEvent): EveFlowRecord;
  toEve(ev: AnomalyEvent): EveAnomalyRecord;
  toEve(ev: NetsieveEvent): EveRecord;
  toEve(ev: NetsieveEvent): EveRecord {
    switch (ev.type) {
      case 'flow':
        return this.flowRecord(ev);
      case 'anomaly':
        return this.anomalyRecord(ev);
      case 'alert':
        return this.alertRecord(ev);
      case 'violation':
        return this.violationRecord(ev);
      case 'threat':
        return this.threatRecord(ev);
      default: {
        // An application record: the common fields, then the protocol's object under its event type.
        const type = (ev as { type: string }).type;
        const out = this.header(ev, type) as EveAppRecord;
        const payload = (ev as unknown as Record<string, unknown>)[type];
        const map = EVE_MAPPERS[type];
        out[type] = map !== undefined ? map(payload as never) : payload;
        // netsieve's own (schema/eve-waf.schema.json): the WAF's results, beside Suricata's http object.
        if (type === 'http' && (payload as HttpTransaction).waf !== undefined)
          out.waf = httpWafToEve((payload as HttpTransaction).waf!);
        return out;
      }
    }
  }

  /** One EVE JSON line (without the newline). */
  toEveLine(ev: NetsieveEvent): string {
    return JSON.stringify(this.toEve(ev));
  }

  private communityId(ev: NetsieveEvent): string | null {
    const e = ev.endpoints;
    if (this.ids === null || e === undefined) return null;
    const proto = protoNumber(e.proto);
    if (proto === null) return null;
    let srcPort = e.srcPort;
    let destPort = e.destPort;
    if (proto === IpProto.ICMP || proto === IpProto.ICMPV6) {
      // ICMP hashes type and code; only a flow event knows them.
      if (ev.type !== 'flow' || ev.icmp === undefined || ev.icmp.type < 0) return null;
      srcPort = ev.icmp.type;
      destPort = ev.icmp.code;
    }
    const tuple = { srcIp: e.srcIp, destIp: e.destIp, proto, srcPort, destPort };
    if (ev.flowId === undefined) return this.ids.get(-1, tuple);
    const id = this.ids.get(ev.flowId, tuple);
    if (ev.type === 'flow') this.ids.forget(ev.flowId);
    return id;
  }

  private header(ev: NetsieveEvent, eventType: string): EveCommon {
    // Built field by field to keep Suricata's key order: timestamp, flow_id, pcap_cnt, event_type, ...
    const ordered = { timestamp: eveTimestamp(ev.ts) } as EveCommon;
    if (ev.flowId !== undefined) ordered.flow_id = ev.flowId;
    if (ev.pcapCnt !== undefined) ordered.pcap_cnt = ev.pcapCnt;
    ordered.event_type = eventType;
    if (ev.vlan !== undefined && ev.vlan.length > 0) ordered.vlan = ev.vlan;
    const e = ev.endpoints;
    if (e !== undefined) {
      const ported = e.proto === 'TCP' || e.proto === 'UDP' || e.proto === 'SCTP';
      ordered.src_ip = e.srcIp;
      if (ported) ordered.src_port = e.srcPort;
      ordered.dest_ip = e.destIp;
      if (ported) ordered.dest_port = e.destPort;
      ordered.proto = e.proto;
      const id = this.communityId(ev);
      if (id !== null) ordered.community_id = id;
    }
    if (ev.tunnel !== undefined) {
      const t = ev.tunnel;
      const tunnel: EveTunnel = { src_ip: t.srcIp, dest_ip: t.destIp, proto: t.proto, depth: t.depth };
      if (t.srcPort !== undefined) tunnel.src_port = t.srcPort;
      if (t.destPort !== undefined) tunnel.dest_port = t.destPort;
      ordered.tunnel = tunnel;
    }
    return ordered;
  }

  private flowRecord(ev: FlowEvent): EveFlowRecord {
    const f = ev.flow;
    const stats: EveFlowStats = {
      pkts_toserver: f.pktsToServer,
      pkts_toclient: f.pktsToClient,
      bytes_toserver: f.bytesToServer,
      bytes_toclient: f.bytesToClient,
      start: eveTimestamp(f.start),
      end: eveTimestamp(f.end),
      age: f.age,
      state: f.state,
      reason: f.reason,
      alerted: false,
    };
    // The header has flow_id (every flow has one); the flow object goes after the ICMP fields and app_proto.
    const out = this.header(ev, 'flow') as EveFlowRecord;
    if (ev.icmp !== undefined) {
      out.icmp_type = ev.icmp.type;
      out.icmp_code = ev.icmp.code;
      if (ev.icmp.responseType !== undefined) {
        out.response_icmp_type = ev.icmp.responseType;
        out.response_icmp_code = ev.icmp.responseCode!;
      }
    }
    // Suricata names a flow's protocol only when its parser recognised it; a guess from the port is library-only.
    if (ev.appProto !== null && ev.appProtoConfidence === 'dpi') out.app_proto = ev.appProto;
    out.flow = stats;
    if (ev.tcp !== undefined) {
      const t = ev.tcp;
      // state goes after the flag booleans, as Suricata writes it.
      const tcp = {
        tcp_flags: tcpFlagsHex(t.flags),
        tcp_flags_ts: tcpFlagsHex(t.flagsToServer),
        tcp_flags_tc: tcpFlagsHex(t.flagsToClient),
      } as EveTcp;
      if (t.flags & TcpFlag.SYN) tcp.syn = true;
      if (t.flags & TcpFlag.FIN) tcp.fin = true;
      if (t.flags & TcpFlag.RST) tcp.rst = true;
      if (t.flags & TcpFlag.PSH) tcp.psh = true;
      if (t.flags & TcpFlag.ACK) tcp.ack = true;
      if (t.flags & TcpFlag.URG) tcp.urg = true;
      if (t.flags & TcpFlag.ECE) tcp.ecn = true;
      if (t.flags & TcpFlag.CWR) tcp.cwr = true;
      tcp.state = t.state;
      if (t.toServer.gaps > 0) tcp.ts_gap = true;
      if (t.toClient.gaps > 0) tcp.tc_gap = true;
      out.tcp = tcp;
    }
    if (ev.policy !== undefined) out.policy = evePolicy(ev.policy);
    return out;
  }

  /**
   * A policy violation as an alert, so that pipelines built for Suricata alerts see it: gid 8, sid 1 for a
   * deny rule and 2 for the default, the rule and the decision in `alert.metadata` (`policy_rule`, ...).
   */
  private violationRecord(ev: ViolationEvent): EveAlertRecord {
    const out = this.header(ev, 'alert') as EveAlertRecord;
    const d = ev.policy;
    const e = d.evidence;
    const metadata: Record<string, string[]> = {
      policy_rule: [d.rule],
      policy_action: [d.action],
      policy_mode: [d.mode],
    };
    if (e.fromGroup !== undefined) metadata.policy_from = [e.fromGroup];
    if (e.toGroup !== undefined) metadata.policy_to = [e.toGroup];
    if (e.app !== null) metadata.policy_app = [e.app];
    if (e.serverName !== undefined) metadata.policy_server_name = [e.serverName];
    // A flow across a segmentation rule: ATT&CK's lateral movement (T1021), as ET Open rules tag theirs.
    Object.assign(metadata, mitreMetadata(POLICY_TECHNIQUES));
    const via = e.fromGroup !== undefined ? ` (${e.fromGroup} -> ${e.toGroup})` : '';
    out.alert = {
      action: d.mode === 'protect' ? 'blocked' : 'allowed',
      gid: POLICY_GID,
      signature_id: d.rule === 'default' ? 2 : 1,
      rev: 1,
      signature:
        d.rule === 'default' ? 'netsieve policy: flow denied by default' : `netsieve policy: flow denied by rule ${d.rule}${via}`,
      category: 'Potential Corporate Privacy Violation',
      severity: 1,
      metadata,
    };
    if (ev.appProto !== undefined) out.app_proto = ev.appProto;
    out.direction = 'to_server';
    const f = ev.violationFlow;
    const ported = ev.endpoints.proto === 'TCP' || ev.endpoints.proto === 'UDP' || ev.endpoints.proto === 'SCTP';
    out.flow = {
      pkts_toserver: f.pktsToServer,
      pkts_toclient: f.pktsToClient,
      bytes_toserver: f.bytesToServer,
      bytes_toclient: f.bytesToClient,
      start: eveTimestamp(f.start),
      src_ip: ev.endpoints.srcIp,
      dest_ip: ev.endpoints.destIp,
    };
    if (ported) {
      out.flow.src_port = ev.endpoints.srcPort;
      out.flow.dest_port = ev.endpoints.destPort;
    }
    return out;
  }

  /**
   * An alert as Suricata writes it: `tx_id`, the `alert` object, the inspected transaction's record under its
   * protocol's name, `app_proto`, `direction`, then the flow's counters with its client and server.
   */
  private alertRecord(ev: AlertEvent): EveAlertRecord {
    const out = this.header(ev, 'alert') as EveAlertRecord;
    if (ev.txId !== undefined) out.tx_id = ev.txId;
    const a = ev.alert;
    const alert: EveAlert = {
      action: a.action,
      gid: a.gid,
      signature_id: a.signatureId,
      rev: a.rev,
      signature: a.signature,
      category: a.category,
      severity: a.severity,
    };
    if (a.source !== undefined) alert.source = a.source;
    if (a.target !== undefined) alert.target = a.target;
    if (a.metadata !== undefined && Object.keys(a.metadata).length > 0) alert.metadata = a.metadata;
    out.alert = alert;
    if (ev.app !== undefined) {
      const map = EVE_MAPPERS[ev.app.proto];
      out[ev.app.proto] = map !== undefined ? map(ev.app.record as never) : ev.app.record;
    }
    if (ev.appProto !== undefined) out.app_proto = ev.appProto;
    if (ev.direction !== undefined) out.direction = ev.direction;
    const f = ev.alertFlow;
    if (f !== undefined) {
      const ported = ev.endpoints.proto === 'TCP' || ev.endpoints.proto === 'UDP' || ev.endpoints.proto === 'SCTP';
      out.flow = {
        pkts_toserver: f.pktsToServer,
        pkts_toclient: f.pktsToClient,
        bytes_toserver: f.bytesToServer,
        bytes_toclient: f.bytesToClient,
        start: eveTimestamp(f.start),
        src_ip: f.srcIp,
        dest_ip: f.destIp,
      };
      if (ported) {
        out.flow.src_port = f.srcPort;
        out.flow.dest_port = f.destPort;
      }
    }
    return out;
  }

  /**
   * A threat as an alert (gid 10, the detector's sid), ATT&CK's ids and names in `alert.metadata` as ET Open
   * rules carry them (`mitre_technique_id`, ...; `threat`: the detector), the attacker and target in
   * `alert.source`/`alert.target`, and what the detector counted in netsieve's own `threat` object
   * (schema/eve-threat.schema.json).
   */
  private threatRecord(ev: ThreatEvent): EveAlertRecord {
    const out = this.header(ev, 'alert') as EveAlertRecord;
    const t = ev.threat;
    const alert: EveAlert = {
      action: 'allowed',
      gid: THREAT_GID,
      signature_id: t.signatureId,
      rev: 1,
      signature: `netsieve threat: ${t.title} (${t.techniques.join(', ')})`,
      category: t.category,
      severity: t.severity,
    };
    if (t.attacker !== null) alert.source = { ip: t.attacker };
    if (t.target !== null) alert.target = { ip: t.target };
    alert.metadata = { ...mitreMetadata(t.techniques), threat: [t.name] };
    out.alert = alert;
    const threat: EveThreat = { name: t.name, count: t.count, details: t.details };
    if (t.anomalies !== undefined) threat.anomalies = t.anomalies;
    out.threat = threat;
    return out;
  }

  private anomalyRecord(ev: AnomalyEvent): EveAnomalyRecord {
    const a = ev.anomaly;
    const out = this.header(ev, 'anomaly') as EveAnomalyRecord;
    if (a.direction !== undefined) out.direction = a.direction;
    const anomaly: EveAnomalyRecord['anomaly'] = { type: a.layer === 'app' ? 'applayer' : a.layer, event: a.event, code: a.code };
    if (a.appProto !== undefined) anomaly.app_proto = a.appProto;
    out.anomaly = anomaly;
    return out;
  }
}

/** The generator id of policy violations written as alerts (DLP is 7). */
export const POLICY_GID = 8;
/** The generator id of the threat stage's alerts (the WAF's is 9). */
export const THREAT_GID = 10;
/** What a policy violation is in ATT&CK: a flow across a segmentation rule, lateral movement. */
const POLICY_TECHNIQUES = STAGE_TECHNIQUES.find((s) => s.source === 'policy')?.techniques ?? [];

/** netsieve's `threat` object of a threat alert (schema/eve-threat.schema.json). */
export interface EveThreat {
  /** The detector. */
  name: string;
  count: number;
  details: Record<string, number | string | boolean | string[]>;
  anomalies?: string[];
}

function evePolicy(d: PolicyDecision): EvePolicy {
  const e = d.evidence;
  const evidence: EvePolicy['evidence'] = { app: e.app };
  if (e.fromGroup !== undefined) evidence.from_group = e.fromGroup;
  if (e.toGroup !== undefined) evidence.to_group = e.toGroup;
  if (e.name !== undefined) evidence.name = e.name;
  if (e.nameSource !== undefined) evidence.name_source = e.nameSource;
  if (e.serverName !== undefined) evidence.server_name = e.serverName;
  return { action: d.action, rule: d.rule, mode: d.mode, evidence };
}

const defaultFormatter = new EveFormatter();

/** The EVE record of an event (with `community_id`, seed 0). */
export function toEve(ev: FlowEvent): EveFlowRecord;
export function toEve(ev: AnomalyEvent): EveAnomalyRecord;
export function toEve(ev: NetsieveEvent): EveRecord;
export function toEve(ev: NetsieveEvent): EveRecord {
  return defaultFormatter.toEve(ev);
}

/** One EVE JSON line (without the newline). */
export function toEveLine(ev: NetsieveEvent): string {
  return defaultFormatter.toEveLine(ev);
}
