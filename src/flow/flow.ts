/**
 * One bidirectional flow: what the engine knows about a conversation between two endpoints.
 *
 * Lifetime: a `Flow` lives from its first packet until it ends (timeout, eviction, port reuse, end of input);
 * after its `flow` event the object is dropped by the table and must not be used. Fields are plain numbers so
 * the per-packet update is a handful of stores on one hidden class.
 */
import type { TcpSession } from './tcp-session.js';
import type { Direction } from './stream.js';

const NO_VLANS: readonly number[] = Object.freeze([]);

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
  /**
   * Client and server addresses, as decided at the flow's first packet (the SYN sender; heuristics
   * otherwise): four 32-bit words each as `DecodedPacket` holds them (IPv4 in word 0). Plain fields, not a
   * `Uint32Array`: a small typed array costs about 200 bytes of heap per flow, more than the flow's own
   * fields; `addressOf` copies them out when an event needs them.
   */
  clientAddr0 = 0;
  clientAddr1 = 0;
  clientAddr2 = 0;
  clientAddr3 = 0;
  serverAddr0 = 0;
  serverAddr1 = 0;
  serverAddr2 = 0;
  serverAddr3 = 0;
  clientPort = 0;
  serverPort = 0;
  /** ICMP: type and code of the first packet from each side (-1 when none seen). */
  icmpTypeToServer = -1;
  icmpCodeToServer = -1;
  icmpTypeToClient = -1;
  icmpCodeToClient = -1;
  /** VLAN ids of the first packet, outermost first (a shared empty array when none). */
  vlan: readonly number[] = NO_VLANS;
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
  /** The detection stage's state for this flow (src/detect/detector.ts), null until a rule inspects it. */
  detect: unknown = null;
  /** The policy stage's state for this flow (src/policy/stage.ts), null without a policy. */
  policy: unknown = null;
  /** The policy denies this flow in protect mode: its packets get the drop verdict (read per packet). */
  policyDrop = false;
  /** The WAF's state for this flow (src/engine.ts `FlowWafState`), null until it sees a complete request. */
  waf: unknown = null;
  ended = false;
  /** Bytes this flow accounts under `flow.memcap` now (src/flow/flow-memory.ts). */
  accounted = 0;

  /** Suricata's flow state: `new` until both sides have spoken, `established`, then `closed` (TCP FIN/RST). */
  get state(): 'new' | 'established' | 'closed' | 'bypassed' {
    if (this.tcp !== null) {
      if (this.tcp.bypassed) return 'bypassed';
      const c = this.tcp.timeoutClass;
      return c === 2 ? 'closed' : c === 1 ? 'established' : 'new';
    }
    return this.pktsToServer > 0 && this.pktsToClient > 0 ? 'established' : 'new';
  }

  /** Sets the client's (`server` false) or the server's address from four words. */
  setAddress(server: boolean, words: Uint32Array): void {
    if (server) {
      this.serverAddr0 = words[0]!;
      this.serverAddr1 = words[1]!;
      this.serverAddr2 = words[2]!;
      this.serverAddr3 = words[3]!;
    } else {
      this.clientAddr0 = words[0]!;
      this.clientAddr1 = words[1]!;
      this.clientAddr2 = words[2]!;
      this.clientAddr3 = words[3]!;
    }
  }

  /** Copies the client's (`server` false) or the server's address into `out` (four words) and returns it. */
  addressOf(server: boolean, out: Uint32Array): Uint32Array {
    if (server) {
      out[0] = this.serverAddr0;
      out[1] = this.serverAddr1;
      out[2] = this.serverAddr2;
      out[3] = this.serverAddr3;
    } else {
      out[0] = this.clientAddr0;
      out[1] = this.clientAddr1;
      out[2] = this.clientAddr2;
      out[3] = this.clientAddr3;
    }
    return out;
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
