/**
 * Engine options: every limit netsieve has, with its default and the reason for it. `createEngine()`
 * and `--config FILE` take the same shape (any subset; the rest keeps its default).
 */
import { NetsieveError } from './errors.js';

/** How overlapping TCP data is resolved (target-based reassembly, as Suricata and Snort name it). */
export type OverlapPolicy = 'first' | 'last' | 'bsd' | 'linux' | 'windows';

export interface TcpOptions {
  /** Which bytes win when a segment overlaps data received but not yet delivered. Default `bsd` (Suricata's default). */
  overlapPolicy: OverlapPolicy;
  /**
   * Bytes of each direction's stream to reassemble and deliver; after it, the direction is no longer
   * reassembled (`stream.depth_reached`). Default 1 MiB, as Suricata's `stream.reassembly.depth`. 0 = unlimited.
   */
  depth: number;
  /**
   * When stream bytes are handed to consumers. `acked`: once the receiver acknowledged them, so that a
   * retransmission with other bytes can still change what is delivered (IDS; Suricata's default).
   * `immediate`: as soon as they are in order (inline use, where a verdict is due per packet).
   */
  delivery: 'acked' | 'immediate';
  /**
   * Bytes one direction may hold (unacknowledged and out-of-order data). Beyond it, the oldest in-order
   * bytes are delivered without waiting for their acknowledgement (`stream.unacked_flush`) and segments
   * further ahead are not buffered (`stream.segment_beyond_window`). Default 1 MiB: above the bandwidth-delay
   * product of most paths a sensor sees, small enough for thousands of busy flows.
   */
  maxBufferPerStream: number;
  /** Out-of-order holes one direction may have at once; more gives up the oldest hole as a gap. Default 64. */
  maxHolesPerStream: number;
  /**
   * Bytes all TCP streams together may hold (global reassembly memory). Default 256 MiB. Hitting it applies
   * `memcapPolicy` and raises `stream.memcap_bypass` or `stream.memcap_drop`.
   */
  memcap: number;
  /** `bypass`: stop reassembling the flow that needed memory (its counters go on). `drop`: drop the segment (verdict `drop`). */
  memcapPolicy: 'bypass' | 'drop';
}

/** Flow timeouts in seconds, per protocol and state, as Suricata's `flow-timeouts`. */
export interface FlowTimeouts {
  tcpNew: number;
  tcpEstablished: number;
  tcpClosed: number;
  udpNew: number;
  udpEstablished: number;
  icmpNew: number;
  icmpEstablished: number;
  otherNew: number;
  otherEstablished: number;
}

export interface FlowOptions {
  /**
   * Flows tracked at once. When full, the flow closest to its timeout is ended (reason `forced`,
   * `flow.evicted`) to make room. Default 65536.
   */
  maxFlows: number;
  /**
   * Bytes the flow table may account for: its fixed arrays plus each flow's state (a fixed estimate per
   * flow, more once it carries data and gets reassembly and parser state; stream buffers count under
   * `tcp.memcap`). When a new flow or a flow's first data would pass it, flows are evicted, flows still
   * in their handshake (embryonic) first, then the one closest to its timeout (`flow.memcap_reached` once per
   * episode, counts in `stats().flowMemory`). Default 128 MiB, as Suricata's `flow.memcap`.
   */
  memcap: number;
  /**
   * Whether VLAN ids are part of the flow key (Suricata's `vlan.use-for-tracking`). Default true: the same
   * addresses on two VLANs are two networks. Set false when a capture point sees each packet once per VLAN
   * (a router on a stick) and both copies should count as one flow, as tshark counts them.
   */
  vlanInKey: boolean;
  timeouts: FlowTimeouts;
}

export interface FragmentOptions {
  /** Seconds an incomplete datagram waits for its other fragments. Default 60 (RFC 791's upper bound for TTL-based timers is 15 s; Linux uses 30 s, Suricata 60 s). */
  timeout: number;
  /** Datagrams in reassembly at once; the oldest is dropped beyond it (`decode.frag_table_full`). Default 4096. */
  maxDatagrams: number;
  /** Bytes held by fragment reassembly in total; the oldest datagram is dropped beyond it. Default 16 MiB. */
  memcap: number;
  /**
   * Fragments per datagram; more marks the datagram as hostile and drops it (`decode.frag_too_many_fragments`).
   * Default 1024: a 64 KiB datagram in 64-byte pieces. Stacks fragment at the path MTU (45 pieces for 64 KiB
   * over Ethernet); evasion tools send tiny fragments, and nDPI's ip_fragmented_garbage capture has datagrams
   * of 313 that tshark and nDPI reassemble. Placing a fragment walks the datagram's pieces, so the cap also
   * bounds the work one datagram costs.
   */
  maxFragmentsPerDatagram: number;
}

export interface DecodeOptions {
  /** Tunnels decapsulated inside each other at most. Default 4. */
  maxTunnelDepth: number;
  /** UDP ports that carry VXLAN. Default [4789, 8472] (IANA, and the Linux kernel's old default that Flannel uses). */
  vxlanPorts: number[];
  /** UDP ports that carry Geneve. Default [6081]. */
  genevePorts: number[];
}

export interface EngineOptions {
  tcp: TcpOptions;
  flow: FlowOptions;
  fragments: FragmentOptions;
  decode: DecodeOptions;
}

/** A partial options object: any subset, nested. */
export interface EngineOptionsInput {
  tcp?: Partial<TcpOptions>;
  flow?: Partial<Omit<FlowOptions, 'timeouts'>> & { timeouts?: Partial<FlowTimeouts> };
  fragments?: Partial<FragmentOptions>;
  decode?: Partial<DecodeOptions>;
}

export function defaultOptions(): EngineOptions {
  return {
    tcp: {
      overlapPolicy: 'bsd',
      depth: 1 << 20,
      delivery: 'acked',
      maxBufferPerStream: 1 << 20,
      maxHolesPerStream: 64,
      memcap: 256 << 20,
      memcapPolicy: 'bypass',
    },
    flow: {
      maxFlows: 65536,
      memcap: 128 << 20,
      vlanInKey: true,
      timeouts: {
        tcpNew: 60,
        tcpEstablished: 600,
        tcpClosed: 60,
        udpNew: 30,
        udpEstablished: 300,
        icmpNew: 30,
        icmpEstablished: 300,
        otherNew: 30,
        otherEstablished: 300,
      },
    },
    fragments: { timeout: 60, maxDatagrams: 4096, memcap: 16 << 20, maxFragmentsPerDatagram: 1024 },
    decode: { maxTunnelDepth: 4, vxlanPorts: [4789, 8472], genevePorts: [6081] },
  };
}

const POLICIES: readonly OverlapPolicy[] = ['first', 'last', 'bsd', 'linux', 'windows'];

/**
 * Merges user options over the defaults and checks every value; throws `NS_ERR_OPTION` naming the key
 * and what it accepts.
 */
export function resolveOptions(input: EngineOptionsInput = {}): EngineOptions {
  const o = defaultOptions();
  if (typeof input !== 'object' || input === null) bad('options', 'an object');
  const known: Record<string, readonly string[]> = {
    tcp: Object.keys(o.tcp),
    flow: Object.keys(o.flow),
    fragments: Object.keys(o.fragments),
    decode: Object.keys(o.decode),
  };
  for (const [section, value] of Object.entries(input)) {
    if (!(section in known)) bad(section, `one of the sections ${Object.keys(known).join(', ')}`);
    if (value === undefined) continue;
    if (typeof value !== 'object' || value === null) bad(section, 'an object');
    for (const key of Object.keys(value)) {
      if (!known[section]!.includes(key)) bad(`${section}.${key}`, `one of the keys ${known[section]!.join(', ')}`);
    }
  }
  const t = { ...o.tcp, ...(input.tcp ?? {}) };
  if (!POLICIES.includes(t.overlapPolicy)) bad('tcp.overlapPolicy', POLICIES.join(' | '));
  if (t.delivery !== 'acked' && t.delivery !== 'immediate') bad('tcp.delivery', "'acked' | 'immediate'");
  if (t.memcapPolicy !== 'bypass' && t.memcapPolicy !== 'drop') bad('tcp.memcapPolicy', "'bypass' | 'drop'");
  count('tcp.depth', t.depth, 0);
  count('tcp.maxBufferPerStream', t.maxBufferPerStream, 1);
  count('tcp.maxHolesPerStream', t.maxHolesPerStream, 1);
  count('tcp.memcap', t.memcap, 1);

  const timeouts = { ...o.flow.timeouts, ...(input.flow?.timeouts ?? {}) };
  for (const [k, v] of Object.entries(timeouts)) {
    if (!(k in o.flow.timeouts)) bad(`flow.timeouts.${k}`, `one of ${Object.keys(o.flow.timeouts).join(', ')}`);
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) bad(`flow.timeouts.${k}`, 'a number of seconds above 0');
  }
  const f = { ...o.flow, ...(input.flow ?? {}), timeouts };
  count('flow.maxFlows', f.maxFlows, 1);
  count('flow.memcap', f.memcap, 1);
  if (typeof f.vlanInKey !== 'boolean') bad('flow.vlanInKey', 'true or false');

  const fr = { ...o.fragments, ...(input.fragments ?? {}) };
  if (typeof fr.timeout !== 'number' || !(fr.timeout > 0)) bad('fragments.timeout', 'a number of seconds above 0');
  count('fragments.maxDatagrams', fr.maxDatagrams, 1);
  count('fragments.memcap', fr.memcap, 1);
  count('fragments.maxFragmentsPerDatagram', fr.maxFragmentsPerDatagram, 1);

  const d = { ...o.decode, ...(input.decode ?? {}) };
  count('decode.maxTunnelDepth', d.maxTunnelDepth, 0);
  for (const key of ['vxlanPorts', 'genevePorts'] as const) {
    const ports = d[key];
    if (!Array.isArray(ports) || ports.some((p) => !Number.isInteger(p) || p < 0 || p > 65535)) {
      bad(`decode.${key}`, 'an array of port numbers (0-65535)');
    }
  }
  return { tcp: t, flow: f, fragments: fr, decode: d };
}

function count(key: string, v: unknown, min: number): void {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) bad(key, `an integer of at least ${min}`);
}

function bad(key: string, accepts: string): never {
  throw new NetsieveError('NS_ERR_OPTION', `option ${key} must be ${accepts}`);
}
