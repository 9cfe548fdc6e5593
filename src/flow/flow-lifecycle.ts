/**
 * The start of a flow's life: what a `Flow` learns from its first packet. (Its end is the engine's, which
 * must close its TCP session and application state and emit its event in that order.)
 */
import type { DecodedPacket } from '../decode/packet.js';
import { IpProto, TUNNEL_NAMES } from '../decode/packet.js';
import { Flow, FlowKind } from './flow.js';
import { flowIdOf, sourceIsClient } from './flow-table.js';

/** Protocol family of an IP protocol number. */
export function flowKindOf(proto: number): number {
  return proto === IpProto.TCP
    ? FlowKind.TCP
    : proto === IpProto.UDP
      ? FlowKind.UDP
      : proto === IpProto.ICMP || proto === IpProto.ICMPV6
        ? FlowKind.ICMP
        : FlowKind.OTHER;
}

/**
 * A new flow from its first packet `p`, whose canonical key is `key` (`srcIsA`: the packet's source is
 * endpoint A), numbered `firstPacket`. Client and server come from `sourceIsClient`.
 */
export function newFlowFromPacket(p: DecodedPacket, srcIsA: boolean, key: Uint32Array, firstPacket: number): Flow {
  const flow = new Flow();
  const srcIsClient = sourceIsClient(p);
  flow.clientIsA = srcIsClient === srcIsA;
  flow.ipVersion = p.ipVersion;
  flow.proto = p.ipProto;
  flow.kind = flowKindOf(p.ipProto);
  if (srcIsClient) {
    flow.setAddress(false, p.src);
    flow.setAddress(true, p.dst);
    flow.clientPort = p.srcPort;
    flow.serverPort = p.dstPort;
  } else {
    flow.setAddress(false, p.dst);
    flow.setAddress(true, p.src);
    flow.clientPort = p.dstPort;
    flow.serverPort = p.srcPort;
  }
  if (p.vlanCount > 0) {
    const vlan: number[] = [];
    for (let i = 0; i < p.vlanCount; i++) vlan.push(p.vlan[i]!);
    flow.vlan = vlan;
  }
  if (p.tunnelDepth > 0) {
    flow.tunnel = {
      type: TUNNEL_NAMES[p.tunnelType] ?? String(p.tunnelType),
      depth: p.tunnelDepth,
      id: p.tunnelId,
      ipVersion: p.outerIpVersion,
      src: p.outerSrc.slice(),
      dst: p.outerDst.slice(),
      proto: p.outerProto,
      srcPort: p.outerSrcPort,
      dstPort: p.outerDstPort,
    };
  }
  flow.startSec = flow.lastSec = p.tsSec;
  flow.startNsec = flow.lastNsec = p.tsNsec;
  flow.firstPacket = firstPacket;
  flow.id = flowIdOf(key, p.tsSec, p.tsNsec, firstPacket);
  return flow;
}

/** ICMP: the first type and code seen from each side (the flow event's `icmp` and `response` fields). */
export function noteIcmpType(flow: Flow, dir: number, p: DecodedPacket): void {
  if (dir === 0) {
    if (flow.icmpTypeToServer < 0) {
      flow.icmpTypeToServer = p.icmpType;
      flow.icmpCodeToServer = p.icmpCode;
    }
  } else if (flow.icmpTypeToClient < 0) {
    flow.icmpTypeToClient = p.icmpType;
    flow.icmpCodeToClient = p.icmpCode;
  }
}

/** Counts one packet of `bytes` in direction `dir` at the given capture time. */
export function countPacket(flow: Flow, dir: number, bytes: number, tsSec: number, tsNsec: number): void {
  if (dir === 0) {
    flow.pktsToServer++;
    flow.bytesToServer += bytes;
  } else {
    flow.pktsToClient++;
    flow.bytesToClient += bytes;
  }
  // Capture times can step backwards (merged captures); a flow's end is its latest packet.
  if (tsSec > flow.lastSec || (tsSec === flow.lastSec && tsNsec > flow.lastNsec)) {
    flow.lastSec = tsSec;
    flow.lastNsec = tsNsec;
  }
}
