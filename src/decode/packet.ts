/**
 * The decoded view of one packet: every header field the later stages need, written in place by the
 * decoder into one object per engine (gopacket's DecodingLayer idea: no object per header per packet).
 *
 * Lifetime: valid until the next `decode()` call on the same decoder. `data` is the capture buffer (or the
 * decoder's own buffer for a reassembled IP datagram) and is reused too; copy what you keep.
 *
 * Addresses are four 32-bit words in network order (`addr[0]` holds an IPv4 address, the rest 0), so the
 * flow table hashes and compares them without building strings.
 */

/** Layer kinds, recorded in `layers` in the order they were decoded (for counters and the summary). */
export const Layer = {
  ETHERNET: 1,
  VLAN: 2,
  SLL: 3,
  SLL2: 4,
  NULL: 5,
  MPLS: 6,
  PPPOE: 7,
  IPV4: 8,
  IPV6: 9,
  IPV6_EXT: 10,
  FRAGMENT: 11,
  TCP: 12,
  UDP: 13,
  ICMP: 14,
  ICMPV6: 15,
  VXLAN: 16,
  GENEVE: 17,
  GRE: 18,
  IPIP: 19,
  ARP: 20,
  OTHER_L3: 21,
  OTHER_L4: 22,
  SCTP: 23,
} as const;

export const LAYER_NAMES: Readonly<Record<number, string>> = Object.freeze(
  Object.fromEntries(Object.entries(Layer).map(([k, v]) => [v, k.toLowerCase()])),
);

/** IP protocol numbers used across stages. */
export const IpProto = {
  HOPOPT: 0,
  ICMP: 1,
  IPIP: 4,
  TCP: 6,
  UDP: 17,
  IPV6: 41,
  ROUTING: 43,
  FRAGMENT: 44,
  GRE: 47,
  ESP: 50,
  AH: 51,
  ICMPV6: 58,
  NONE: 59,
  DSTOPTS: 60,
  SCTP: 132,
} as const;

/** Tunnel kinds (`DecodedPacket.tunnelType`). */
export const Tunnel = {
  NONE: 0,
  VXLAN: 1,
  GENEVE: 2,
  GRE: 3,
  IPIP: 4,
} as const;

export const TUNNEL_NAMES: Readonly<Record<number, string>> = { 0: 'none', 1: 'vxlan', 2: 'geneve', 3: 'gre', 4: 'ipip' };

/** TCP flag bits as they sit in byte 13 of the header. */
export const TcpFlag = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
  ECE: 0x40,
  CWR: 0x80,
} as const;

const EMPTY = new Uint8Array(0);
export const MAX_ANOMALIES_PER_PACKET = 8;
export const MAX_LAYERS = 24;
export const MAX_SACK_BLOCKS = 4;

export class DecodedPacket {
  // ---- the capture record ----
  /** Buffer holding the bytes the offsets below point into. */
  data: Uint8Array = EMPTY;
  /** Packet bytes are `data[start, end)`; `end - start` is the captured length. */
  start = 0;
  end = 0;
  /** Length on the wire. */
  wireLen = 0;
  linkType = 0;
  tsSec = 0;
  tsNsec = 0;

  // ---- layer list ----
  /** `Layer` codes in decode order; `layerCount` valid entries. */
  readonly layers = new Uint8Array(MAX_LAYERS);
  layerCount = 0;

  // ---- anomalies raised while decoding this packet ----
  /** `DECODE_ANOMALIES` codes; `anomalyCount` valid entries (extra ones beyond the cap are dropped). */
  readonly anomalies = new Uint16Array(MAX_ANOMALIES_PER_PACKET);
  anomalyCount = 0;
  /** The capture cut this packet short of what its headers state (snaplen or a damaged record). */
  truncated = false;

  // ---- link ----
  /** EtherType of the network layer (after VLAN/MPLS/PPPoE), 0 when there is none. */
  etherType = 0;
  /** VLAN ids, outermost first (802.1Q and 802.1ad tags); up to 3 kept. */
  readonly vlan = new Uint16Array(3);
  vlanCount = 0;

  // ---- network layer (innermost IP header when tunnelled) ----
  /** 4, 6, or 0 when the packet has no (usable) IP layer. */
  ipVersion = 0;
  /** Offset of the innermost IP header in `data`. */
  l3Offset = 0;
  /** Length of the IP header including IPv6 extension headers. */
  l3HeaderLen = 0;
  readonly src = new Uint32Array(4);
  readonly dst = new Uint32Array(4);
  /** Transport protocol (after IPv6 extension headers). */
  ipProto = 0;
  ttl = 0;
  /** IPv4 identification or IPv6 fragment identification. */
  ipId = 0;
  /** This packet is an IP fragment that was not (yet) reassembled: no transport layer was decoded. */
  isFragment = false;
  /** This packet completed an IP datagram: `data` is the reassembled datagram, not the capture buffer. */
  reassembled = false;
  /**
   * Fragments the reassembled datagram was made of (0 when `reassembled` is false). For a reassembled
   * datagram `wireLen` is the sum of those fragments' wire lengths and the timestamp the completing one's.
   */
  fragmentCount = 0;

  // ---- transport ----
  /** Offset of the transport header in `data` (0 when none). */
  l4Offset = 0;
  /** Transport header and payload length as the IP layer states it (clipped to the capture). */
  l4Len = 0;
  srcPort = 0;
  dstPort = 0;

  // TCP (valid when ipProto is TCP and l4Offset > 0)
  tcpFlags = 0;
  tcpSeq = 0;
  tcpAck = 0;
  tcpWindow = 0;
  tcpHeaderLen = 0;
  tcpUrgent = 0;
  /** Option values; -1 when the option is absent. */
  tcpMss = -1;
  tcpWscale = -1;
  tcpSackPermitted = false;
  tcpHasTimestamp = false;
  tcpTsVal = 0;
  tcpTsEcr = 0;
  /** SACK blocks as (left, right) pairs; `tcpSackCount` blocks. */
  readonly tcpSack = new Uint32Array(MAX_SACK_BLOCKS * 2);
  tcpSackCount = 0;

  // ICMP / ICMPv6 (valid when ipProto is ICMP or ICMPV6)
  icmpType = -1;
  icmpCode = -1;
  /** ICMP echo identifier, used as both "ports" of an ICMP echo flow. */
  icmpId = 0;
  /** An ICMP error that quotes a packet of a flow: the quoted header's tuple, as the quoted packet had it. */
  icmpQuotedValid = false;
  icmpQuotedIpVersion = 0;
  readonly icmpQuotedSrc = new Uint32Array(4);
  readonly icmpQuotedDst = new Uint32Array(4);
  icmpQuotedProto = 0;
  icmpQuotedSrcPort = 0;
  icmpQuotedDstPort = 0;

  // ---- application payload ----
  /** The transport payload is `data[payloadOffset, payloadOffset + payloadLen)`. */
  payloadOffset = 0;
  payloadLen = 0;

  // ---- tunnels (outermost tunnel's outer header; the flow is the inner one) ----
  tunnelDepth = 0;
  tunnelType = 0;
  /** VXLAN VNI, Geneve VNI or GRE key; 0 when none. Part of the flow key. */
  tunnelId = 0;
  outerIpVersion = 0;
  readonly outerSrc = new Uint32Array(4);
  readonly outerDst = new Uint32Array(4);
  outerProto = 0;
  outerSrcPort = 0;
  outerDstPort = 0;

  /** Resets every field to its empty value; the decoder calls this first. */
  reset(): void {
    this.data = EMPTY;
    this.start = this.end = this.wireLen = this.linkType = this.tsSec = this.tsNsec = 0;
    this.layerCount = this.anomalyCount = 0;
    this.truncated = false;
    this.etherType = this.vlanCount = 0;
    this.isFragment = this.reassembled = false;
    this.fragmentCount = 0;
    this.tunnelDepth = this.tunnelType = this.tunnelId = 0;
    this.outerIpVersion = this.outerProto = this.outerSrcPort = this.outerDstPort = 0;
    this.resetNetwork();
  }

  /**
   * Resets the network, transport and payload fields only. The decoder calls it when it enters a tunnel
   * (after copying the outer header to the `outer*` fields) so that what is left describes the inner packet.
   */
  resetNetwork(): void {
    this.ipVersion = this.l3Offset = this.l3HeaderLen = this.ipProto = this.ttl = this.ipId = 0;
    // Element writes, not fill(): this runs for every packet and a builtin call costs more than 8 stores.
    const src = this.src;
    const dst = this.dst;
    src[0] = src[1] = src[2] = src[3] = 0;
    dst[0] = dst[1] = dst[2] = dst[3] = 0;
    this.isFragment = false;
    this.l4Offset = this.l4Len = this.srcPort = this.dstPort = 0;
    this.tcpFlags = this.tcpSeq = this.tcpAck = this.tcpWindow = this.tcpHeaderLen = this.tcpUrgent = 0;
    this.tcpMss = this.tcpWscale = -1;
    this.tcpSackPermitted = this.tcpHasTimestamp = false;
    this.tcpTsVal = this.tcpTsEcr = this.tcpSackCount = 0;
    this.icmpType = this.icmpCode = -1;
    this.icmpId = 0;
    this.icmpQuotedValid = false;
    this.icmpQuotedIpVersion = this.icmpQuotedProto = this.icmpQuotedSrcPort = this.icmpQuotedDstPort = 0;
    this.payloadOffset = this.payloadLen = 0;
  }

  /** Records an anomaly code (see `DECODE_ANOMALIES`); codes past the per-packet cap are dropped. */
  addAnomaly(code: number): void {
    if (this.anomalyCount < MAX_ANOMALIES_PER_PACKET) this.anomalies[this.anomalyCount++] = code;
  }

  /** Appends a layer code; layers past the cap are not recorded (decoding still goes on). */
  addLayer(layer: number): void {
    if (this.layerCount < MAX_LAYERS) this.layers[this.layerCount++] = layer;
  }
}
