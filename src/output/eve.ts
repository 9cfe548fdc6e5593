/**
 * EVE JSON: netsieve events in the field names of Suricata's EVE output, so that pipelines built for
 * Suricata (Filebeat/Logstash modules, SIEM parsers, Evebox, jq scripts) read them unchanged.
 *
 * The contract is Suricata's schema (`../shared/eve/suricata-eve-schema.json` in the development tree): every
 * object this module builds for a Suricata event type validates against it. Library-only detail that the
 * schema has no field for (per-direction reassembly statistics, the gap offsets of `stream.gap`) is left out.
 */
import type { AnomalyEvent, FlowEvent, NetsieveEvent, Timestamp } from '../events.js';
import { TcpFlag } from '../decode/packet.js';
import { EVE_MAPPERS } from '../protocols/registry.js';

export type EveRecord = Record<string, unknown>;

/** `2009-11-18T08:07:01.123456+0000`: Suricata's timestamp format (microseconds, numeric UTC offset). */
export function eveTimestamp(ts: Timestamp): string {
  const d = new Date(ts.sec * 1000);
  const y = d.getUTCFullYear();
  const pad2 = (n: number) => (n < 10 ? '0' : '') + n;
  const us = Math.floor(ts.nsec / 1000);
  const frac = String(us).padStart(6, '0');
  return `${String(y).padStart(4, '0')}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}T${pad2(d.getUTCHours())}:${pad2(
    d.getUTCMinutes(),
  )}:${pad2(d.getUTCSeconds())}.${frac}+0000`;
}

function header(ev: NetsieveEvent, eventType: string): EveRecord {
  const out: EveRecord = { timestamp: eveTimestamp(ev.ts) };
  if (ev.flowId !== undefined) out.flow_id = ev.flowId;
  if (ev.pcapCnt !== undefined) out.pcap_cnt = ev.pcapCnt;
  out.event_type = eventType;
  if (ev.vlan !== undefined && ev.vlan.length > 0) out.vlan = ev.vlan;
  const e = ev.endpoints;
  if (e !== undefined) {
    const ported = e.proto === 'TCP' || e.proto === 'UDP' || e.proto === 'SCTP';
    out.src_ip = e.srcIp;
    if (ported) out.src_port = e.srcPort;
    out.dest_ip = e.destIp;
    if (ported) out.dest_port = e.destPort;
    out.proto = e.proto;
  }
  if (ev.tunnel !== undefined) {
    const t = ev.tunnel;
    const tunnel: EveRecord = { src_ip: t.srcIp, dest_ip: t.destIp, proto: t.proto, depth: t.depth };
    if (t.srcPort !== undefined) tunnel.src_port = t.srcPort;
    if (t.destPort !== undefined) tunnel.dest_port = t.destPort;
    out.tunnel = tunnel;
  }
  return out;
}

function tcpFlagsHex(flags: number): string {
  return (flags & 0xff).toString(16).padStart(2, '0');
}

function flowRecord(ev: FlowEvent): EveRecord {
  const out = header(ev, 'flow');
  if (ev.icmp !== undefined) {
    out.icmp_type = ev.icmp.type;
    out.icmp_code = ev.icmp.code;
    if (ev.icmp.responseType !== undefined) {
      out.response_icmp_type = ev.icmp.responseType;
      out.response_icmp_code = ev.icmp.responseCode;
    }
  }
  // Suricata names a flow's protocol only when its parser recognised it; a guess from the port is library-only.
  if (ev.appProto !== null && ev.appProtoConfidence === 'dpi') out.app_proto = ev.appProto;
  const f = ev.flow;
  out.flow = {
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
  if (ev.tcp !== undefined) {
    const t = ev.tcp;
    const tcp: EveRecord = {
      tcp_flags: tcpFlagsHex(t.flags),
      tcp_flags_ts: tcpFlagsHex(t.flagsToServer),
      tcp_flags_tc: tcpFlagsHex(t.flagsToClient),
    };
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
  return out;
}

function anomalyRecord(ev: AnomalyEvent): EveRecord {
  const out = header(ev, 'anomaly');
  if (ev.anomaly.direction !== undefined) out.direction = ev.anomaly.direction;
  const anomaly: EveRecord = { type: ev.anomaly.layer === 'app' ? 'applayer' : ev.anomaly.layer, event: ev.anomaly.event, code: ev.anomaly.code };
  if (ev.anomaly.appProto !== undefined) anomaly.app_proto = ev.anomaly.appProto;
  out.anomaly = anomaly;
  return out;
}

/** The EVE record of an event. */
export function toEve(ev: NetsieveEvent): EveRecord {
  switch (ev.type) {
    case 'flow':
      return flowRecord(ev);
    case 'anomaly':
      return anomalyRecord(ev);
    default: {
      // An application record: the common fields, then the protocol's object under its event type.
      const type = (ev as { type: string }).type;
      const out = header(ev, type);
      const payload = (ev as unknown as Record<string, unknown>)[type];
      const map = EVE_MAPPERS[type];
      out[type] = map !== undefined ? map(payload as never) : payload;
      return out;
    }
  }
}

/** One EVE JSON line (without the newline). */
export function toEveLine(ev: NetsieveEvent): string {
  return JSON.stringify(toEve(ev));
}
