/**
 * The event builder: flow and anomaly events made from a `Flow`, and the pieces every event of a flow
 * shares (endpoints, tunnel). Pure functions of the flow; the engine decides when to emit them.
 */
import { formatAddress } from '../decode/address.js';
import { IpProto, type DecodedPacket } from '../decode/packet.js';
import type {
  AnomalyEvent,
  AnomalyLayer,
  EventEndpoints,
  EventTunnel,
  FlowEvent,
  TcpStreamSummary,
  Timestamp,
} from '../events.js';
import type { Flow, FlowEndReason } from './flow.js';
import { FlowKind } from './flow.js';
import type { Direction } from './stream.js';
import { tcpStateName } from './tcp-session.js';
import type { TcpStreamStats } from './tcp-types.js';

/** Where an address is copied out of a flow to be formatted (formatAddress reads it at once). */
const scratchAddress = new Uint32Array(4);

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

/** The flow's endpoints, client as source. */
export function endpointsOf(flow: Flow): EventEndpoints {
  return {
    srcIp: formatAddress(flow.addressOf(false, scratchAddress), flow.ipVersion),
    srcPort: flow.clientPort,
    destIp: formatAddress(flow.addressOf(true, scratchAddress), flow.ipVersion),
    destPort: flow.serverPort,
    proto: protoName(flow.proto),
  };
}

/** The outer header of the tunnel the flow came in (call only when `flow.tunnel` is set). */
export function tunnelOf(flow: Flow): EventTunnel {
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

/**
 * True the first time `name` is raised on `flow`. Retransmissions, truncation by the snaplen and the like
 * repeat on every packet of a flow; one event says it, the counters say how often.
 */
export function firstOnFlow(flow: Flow, name: string): boolean {
  const seen = (flow.reportedAnomalies ??= new Set<string>());
  if (seen.has(name)) return false;
  seen.add(name);
  return true;
}

/** An anomaly of a flow at `ts` (the current packet's time, or the flow's last when raised outside one). */
export function flowAnomalyEvent(
  flow: Flow,
  layer: AnomalyLayer,
  name: string,
  code: number,
  direction: Direction | undefined,
  ts: Timestamp,
  pcapCnt: number,
  gap?: { offset: number; length: number },
): AnomalyEvent {
  const ev: AnomalyEvent = {
    type: 'anomaly',
    ts,
    flowId: flow.id,
    endpoints: endpointsOf(flow),
    anomaly: { layer, event: name, code },
  };
  if (pcapCnt !== 0) ev.pcapCnt = pcapCnt;
  if (direction !== undefined) ev.anomaly.direction = direction === 0 ? 'to_server' : 'to_client';
  if (layer === 'app' && flow.appProto !== null) ev.anomaly.appProto = flow.appProto;
  if (gap !== undefined) ev.gap = gap;
  if (flow.vlan.length > 0) ev.vlan = flow.vlan.slice();
  return ev;
}

/**
 * A decode anomaly: of `flow` when the packet has one; else with the packet's own endpoints when it has an
 * IP layer; `packet` null for anomalies raised outside a packet (fragment timeouts), at the clock `now`.
 */
export function decodeAnomalyEvent(
  name: string,
  code: number,
  flow: Flow | null,
  packet: DecodedPacket | null,
  pcapCnt: number,
  now: Timestamp,
): AnomalyEvent {
  const ev: AnomalyEvent = {
    type: 'anomaly',
    ts: packet !== null ? { sec: packet.tsSec, nsec: packet.tsNsec } : now,
    anomaly: { layer: 'decode', event: name, code },
  };
  if (packet !== null) ev.pcapCnt = pcapCnt;
  if (flow !== null) {
    ev.flowId = flow.id;
    ev.endpoints = endpointsOf(flow);
  } else if (packet !== null && packet.ipVersion !== 0) {
    ev.endpoints = {
      srcIp: formatAddress(packet.src, packet.ipVersion),
      srcPort: packet.srcPort,
      destIp: formatAddress(packet.dst, packet.ipVersion),
      destPort: packet.dstPort,
      proto: protoName(packet.ipProto),
    };
  }
  return ev;
}

function streamSummary(s: TcpStreamStats): TcpStreamSummary {
  return { ...s };
}

/** The `flow` event of a flow that ended for `reason`. */
export function flowEvent(flow: Flow, reason: FlowEndReason): FlowEvent {
  const ev: FlowEvent = {
    type: 'flow',
    ts: { sec: flow.startSec, nsec: flow.startNsec },
    pcapCnt: flow.firstPacket,
    flowId: flow.id,
    endpoints: endpointsOf(flow),
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
