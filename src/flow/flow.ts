/**
 * One bidirectional flow: what the engine knows about a conversation between two endpoints.
 *
 * Lifetime: a `Flow` lives from its first packet until it ends (timeout, eviction, port reuse, end of input);
 * after its `flow` event the object is dropped by the table and must not be used. Fields are plain numbers so
 * the per-packet update is a handful of stores on one hidden class.
 */
import type { TcpSession } from './tcp-session.js';
import type { Direction } from './stream.js';

/** Protocol family of a flow, for timeouts and counters. */
export const FlowKind = {
  TCP: 0,
  UDP: 1,
  ICMP: 2,
  OTHER: 3,
} as const;

/** Why a flow ended, with the names Suricata writes in `flow.reason`. */
export type FlowEndReason = 'timeout' | 'forced' | 'shutdown' | 'tcp_reuse';

export class Flow {
  /** Stable flow id: a 53-bit hash of the key and start time (exact in JSON and JavaScript numbers). */
  id = 0;
  /** The client is endpoint A of the canonical key (internal: turns a packet's key side into a direction). */
  clientIsA = true;
  /** Slot in the flow table (internal). */
  slot = -1;
  kind: number = FlowKind.OTHER;
  ipVersion = 0;
  /** IP protocol number. */
  proto = 0;
  /** Client and server, as decided at the flow's first packet (the SYN sender; heuristics otherwise). */
  readonly clientAddr = new Uint32Array(4);
  readonly serverAddr = new Uint32Array(4);
  clientPort = 0;
  serverPort = 0;
  /** ICMP: type and code of the first packet from each side (-1 when none seen). */
  icmpTypeToServer = -1;
  icmpCodeToServer = -1;
  icmpTypeToClient = -1;
  icmpCodeToClient = -1;
  /** VLAN ids of the first packet, outermost first. */
  vlan: number[] = [];
  /** Tunnel the flow was carried in (outermost), when any. */
  tunnel: FlowTunnel | null = null;

  startSec = 0;
  startNsec = 0;
  lastSec = 0;
  lastNsec = 0;
  /** Engine packet number (pcap_cnt) of the first packet. */
  firstPacket = 0;

  pktsToServer = 0;
  pktsToClient = 0;
  bytesToServer = 0;
  bytesToClient = 0;
  /** TCP flags seen per direction (OR of the flag bytes). */
  tcpFlagsToServer = 0;
  tcpFlagsToClient = 0;
  /** Anomalies found on this flow (every occurrence). */
  anomalies = 0;
  /** Anomaly names already written as events for this flow (each is written once per flow; gaps always). */
  reportedAnomalies: Set<string> | null = null;

  tcp: TcpSession | null = null;
  /** Application protocol once identified (src/protocols/detect.ts), null when unknown. */
  appProto: string | null = null;
  /** How `appProto` was decided: a probe recognised it (`dpi`), only the server port says so (`port`), or neither. */
  appProtoConfidence: 'dpi' | 'port' | 'unknown' = 'unknown';
  /** The application layer's state for this flow (src/protocols/app-layer.ts), null until it sees the flow. */
  app: unknown = null;
  ended = false;

  /** Suricata's flow state: `new` until both sides have spoken, `established`, then `closed` (TCP FIN/RST). */
  get state(): 'new' | 'established' | 'closed' | 'bypassed' {
    if (this.tcp !== null) {
      if (this.tcp.bypassed) return 'bypassed';
      const c = this.tcp.timeoutClass;
      return c === 2 ? 'closed' : c === 1 ? 'established' : 'new';
    }
    return this.pktsToServer > 0 && this.pktsToClient > 0 ? 'established' : 'new';
  }

  /** Packets in one direction. */
  packets(dir: Direction): number {
    return dir === 0 ? this.pktsToServer : this.pktsToClient;
  }
}

export interface FlowTunnel {
  type: string;
  depth: number;
  id: number;
  ipVersion: number;
  src: Uint32Array;
  dst: Uint32Array;
  proto: number;
  srcPort: number;
  dstPort: number;
}
