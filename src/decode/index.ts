/**
 * The decode stage's public pieces: the decoder, the packet record it fills, the anomaly table, address
 * text, and the header views for code that wants to read a header itself (tools, tests, protocol stages).
 */
export { Decoder, MAX_DECODE_STEPS, MAX_REASSEMBLY_NESTING, type DecoderOptions, type DecoderStats } from './decoder.js';
export {
  DecodedPacket,
  IpProto,
  Layer,
  LAYER_NAMES,
  MAX_ANOMALIES_PER_PACKET,
  MAX_LAYERS,
  MAX_SACK_BLOCKS,
  TcpFlag,
  Tunnel,
  TUNNEL_NAMES,
} from './packet.js';
export { DECODE_ANOMALIES, DecodeAnomaly, type DecodeAnomalyName } from './events.js';
export { formatAddress, parseAddress } from './address.js';
export { IpFragmentTable, FragmentResult, type FragmentStats } from './ip-fragments.js';
export { EthernetView, EtherType } from './ethernet.js';
export { VlanView } from './vlan.js';
export { MplsView } from './mpls.js';
export { PppoeView } from './pppoe.js';
export { SllView } from './sll.js';
export { Sll2View } from './sll2.js';
export { NullView } from './null.js';
export { Ipv4View } from './ipv4.js';
export { Ipv6View } from './ipv6.js';
export { Ipv6ExtView } from './ipv6-ext.js';
export { TcpView, TcpOption } from './tcp.js';
export { UdpView } from './udp.js';
export { IcmpView, IcmpType } from './icmp.js';
export { Icmpv6View, Icmpv6Type } from './icmpv6.js';
export { SctpView } from './sctp.js';
export { VxlanView } from './vxlan.js';
export { GeneveView } from './geneve.js';
export { GreView } from './gre.js';
export { ErspanView } from './erspan.js';
