/**
 * The decode stage: one captured packet in, the reused `DecodedPacket` filled, no allocation on the way
 * (fragments excepted: their data is copied into the reassembly table).
 *
 * Shape (gopacket's DecodingLayer, smoltcp's checked views): the decoder owns one view per header kind,
 * allocated once and re-bound for every packet. Each step binds a view, calls its `checkLen()`, lets the
 * header's decode function write its fields into the packet, and follows the header's next-layer choice.
 * A header that fails its check ends decoding there with its anomaly; everything decoded before it stays.
 *
 * Bounds: decoding follows at most `MAX_DECODE_STEPS` headers (VLAN stacks, pseudowires in pseudowires,
 * tunnels in tunnels), at most `DecodeOptions.maxTunnelDepth` tunnels, and reassembled datagrams nest at most
 * `MAX_REASSEMBLY_NESTING` deep. Nothing in a packet makes it throw: the try/catch in `decode()` is a safety
 * net that turns a decoder bug into `decode.internal_error`, and the fuzz tests require it never fires.
 */
import { LinkType } from '../capture/packet.js';
import type { DecodeOptions, FragmentOptions } from '../options.js';
import { markTruncated, raiseOnce } from './anomaly.js';
import { decodeErspan, ErspanView } from './erspan.js';
import { decodeEthernet, ethernetNext, EthernetView, EtherType } from './ethernet.js';
import { DECODE_ANOMALIES, DecodeAnomaly } from './events.js';
import { decodeGeneve, geneveNext, geneveUsable, GeneveView } from './geneve.js';
import { decodeGre, greNext, GreView } from './gre.js';
import { decodeIcmp, icmpQuotes, IcmpView } from './icmp.js';
import { IcmpQuoteReader } from './icmp-quote.js';
import { decodeIcmpv6, icmpv6Quotes, Icmpv6View } from './icmpv6.js';
import { FragmentResult, IpFragmentTable, type FragmentStats } from './ip-fragments.js';
import { decodeIpip, ipipNext } from './ipip.js';
import { decodeIpv4, ipv4Usable, Ipv4View } from './ipv4.js';
import { decodeIpv6, ipv6Usable, Ipv6View } from './ipv6.js';
import { decodeIpv6Ext, isIpv6ExtHeader, Ipv6ExtView, MAX_IPV6_EXT_HEADERS } from './ipv6-ext.js';
import { decodeMpls, mplsNext, MplsView } from './mpls.js';
import { decodeNull, nullNext, NullView } from './null.js';
import { IpProto, Layer, Tunnel, type DecodedPacket } from './packet.js';
import { decodePppoe, pppoeNext, PppoeView } from './pppoe.js';
import { decodeSctp, SctpView } from './sctp.js';
import { decodeSll, sllNext, SllView } from './sll.js';
import { decodeSll2, sll2Next, Sll2View } from './sll2.js';
import { decodeTcp, tcpUsable, TcpView } from './tcp.js';
import { enterTunnel } from './tunnel.js';
import { decodeUdp, udpUsable, UdpView } from './udp.js';
import { decodeVlan, vlanNext, VlanView } from './vlan.js';
import { decodeVxlan, VxlanView } from './vxlan.js';

/**
 * Headers followed per packet at most. A legal packet has a dozen at the very most (Ethernet, 3 VLAN tags,
 * MPLS, IPv4, UDP, VXLAN, Ethernet, IPv6 with a few extension headers, TCP); 64 stops crafted recursion
 * (pseudowires in pseudowires, 4-byte VLAN tags by the thousand) long before the stack or time matters.
 */
export const MAX_DECODE_STEPS = 64;
/** Reassembled datagrams decoded inside each other (a fragmented tunnel carrying fragments) at most. */
export const MAX_REASSEMBLY_NESTING = 4;
/** Largest reassembled datagram: an IPv6 header plus a 65535-byte payload (IPv4's limit is lower). */
const MAX_REASSEMBLED_LEN = 40 + 65535;

/** Link types `decode()` understands (tcpdump.org LINKTYPE values, with the old raw-IP DLTs 12 and 14). */
export const DECODABLE_LINK_TYPES: ReadonlySet<number> = new Set([
  LinkType.ETHERNET,
  LinkType.LINUX_SLL,
  LinkType.LINUX_SLL2,
  LinkType.NULL,
  LinkType.LOOP,
  LinkType.RAW,
  12,
  14,
  LinkType.IPV4,
  LinkType.IPV6,
]);

const UDP_TUNNEL_NONE = 0;
const UDP_TUNNEL_VXLAN = 1;
const UDP_TUNNEL_GENEVE = 2;

/** Anomaly codes that mean "the bytes ran out": with a snaplen cut they also mark the packet truncated. */
const LENGTH_CODES: ReadonlySet<number> = new Set([
  DecodeAnomaly.ethernet_too_short,
  DecodeAnomaly.vlan_too_short,
  DecodeAnomaly.sll_too_short,
  DecodeAnomaly.sll2_too_short,
  DecodeAnomaly.null_too_short,
  DecodeAnomaly.ipv4_too_short,
  DecodeAnomaly.ipv6_too_short,
  DecodeAnomaly.ipv6_ext_header_truncated,
  DecodeAnomaly.tcp_too_short,
  DecodeAnomaly.udp_too_short,
  DecodeAnomaly.icmp_too_short,
  DecodeAnomaly.icmpv6_too_short,
  DecodeAnomaly.sctp_too_short,
  DecodeAnomaly.vxlan_too_short,
  DecodeAnomaly.geneve_too_short,
  DecodeAnomaly.gre_too_short,
  DecodeAnomaly.erspan_too_short,
  DecodeAnomaly.mpls_too_short,
  DecodeAnomaly.pppoe_too_short,
]);
const IS_LENGTH_CODE = new Uint8Array(DECODE_ANOMALIES.length);
for (const code of LENGTH_CODES) IS_LENGTH_CODE[code] = 1;

export interface DecoderOptions {
  decode: DecodeOptions;
  fragments: FragmentOptions;
}

/** Counters kept by a decoder; live objects, read them at any time. */
export interface DecoderStats {
  /** Packets given to `decode()`. */
  packets: number;
  /** Packets for which `decode()` returned true. */
  ipPackets: number;
  /** Packets marked `truncated`. */
  truncated: number;
  /** Layers decoded, by `Layer` code (a layer present twice in one packet counts twice). */
  readonly layers: Float64Array;
  /** Anomalies by `DECODE_ANOMALIES` code: those on packets plus those reported through `onAnomaly`. */
  readonly anomalies: Float64Array;
  /** Fragment reassembly: fragments seen, datagrams reassembled and dropped, what is held now. */
  readonly fragments: FragmentStats;
}

export class Decoder {
  /**
   * Called for anomalies that belong to no packet being decoded: fragments given up on (timeout, table or
   * memory full). Set it before decoding; it is called synchronously from `decode()` and `expire()`.
   */
  onAnomaly: ((code: number) => void) | null = null;
  /**
   * The guard in `decode()` caught an exception (a bug: nothing in a packet should throw): the packet gets
   * `decode.internal_error` and this is told the error, to keep it (or rethrow it, for debugging).
   */
  onInternalError: ((error: unknown) => void) | null = null;
  readonly stats: DecoderStats;

  private readonly maxTunnelDepth: number;
  /** Destination port → UDP tunnel kind, for VXLAN and Geneve. */
  private readonly udpTunnelPorts = new Uint8Array(65536);
  private readonly fragments: IpFragmentTable;
  private readonly reassemblyBuffers: Uint8Array[] = [];

  private readonly eth = new EthernetView();
  private readonly vlanView = new VlanView();
  private readonly mplsView = new MplsView();
  private readonly pppoeView = new PppoeView();
  private readonly sllView = new SllView();
  private readonly sll2View = new Sll2View();
  private readonly nullView = new NullView();
  private readonly ip4 = new Ipv4View();
  private readonly ip6 = new Ipv6View();
  private readonly ext = new Ipv6ExtView();
  private readonly tcpView = new TcpView();
  private readonly udpView = new UdpView();
  private readonly icmpView = new IcmpView();
  private readonly icmp6View = new Icmpv6View();
  private readonly sctpView = new SctpView();
  private readonly vxlanView = new VxlanView();
  private readonly geneveView = new GeneveView();
  private readonly greView = new GreView();
  private readonly erspanView = new ErspanView();
  private readonly quote = new IcmpQuoteReader();

  // Per-packet state.
  private usable = false;
  private snapped = false;
  private steps = 0;
  private nesting = 0;
  private tsSec = 0;
  /** Set while decoding a reassembled datagram's IP header: the FRAGMENT layer and fragment id to record. */
  private reassembledPending = false;
  private reassembledId = 0;
  /** `onAnomaly` reports raised inside `decode()`, by code, delivered when it returns. */
  private decoding = false;
  private hasPendingReports = false;
  private readonly pendingReports = new Uint32Array(DECODE_ANOMALIES.length);

  constructor(options: DecoderOptions) {
    this.maxTunnelDepth = options.decode.maxTunnelDepth;
    for (const p of options.decode.vxlanPorts) this.udpTunnelPorts[p & 0xffff] = UDP_TUNNEL_VXLAN;
    for (const p of options.decode.genevePorts) this.udpTunnelPorts[p & 0xffff] = UDP_TUNNEL_GENEVE;
    this.fragments = new IpFragmentTable(options.fragments);
    this.stats = {
      packets: 0,
      ipPackets: 0,
      truncated: 0,
      layers: new Float64Array(32),
      anomalies: new Float64Array(DECODE_ANOMALIES.length),
      fragments: this.fragments.stats,
    };
    this.fragments.onAnomaly = (code: number) => {
      this.stats.anomalies[code]!++;
      // During decode() the report waits until the safety net is behind us: an exception thrown by the
      // caller's callback is the caller's, not a decoder fault to swallow as decode.internal_error.
      if (this.decoding) {
        this.pendingReports[code]!++;
        this.hasPendingReports = true;
      } else if (this.onAnomaly !== null) {
        this.onAnomaly(code);
      }
    };
  }

  /**
   * Decodes one captured packet, `data[offset, offset + caplen)`, into `out` (reset first). Returns true
   * when `out` has an IP layer the flow stage should process: a whole datagram (possibly just reassembled)
   * whose transport header, when it is TCP, UDP, SCTP, ICMP or ICMPv6, was decoded (`l4Offset > 0`); other
   * protocols have `ipProto` and no ports. False for non-IP frames, held fragments and unusable packets;
   * the reasons are in `out.anomalies`. Never throws on packet content.
   */
  decode(
    data: Uint8Array,
    offset: number,
    caplen: number,
    wireLen: number,
    linkType: number,
    tsSec: number,
    tsNsec: number,
    out: DecodedPacket,
  ): boolean {
    out.reset();
    const size = data.length;
    if (!(offset >= 0)) offset = 0;
    else if (offset > size) offset = size;
    if (!(caplen >= 0)) caplen = 0;
    if (offset + caplen > size) caplen = size - offset;
    const end = offset + caplen;
    out.data = data;
    out.start = offset;
    out.end = end;
    out.wireLen = wireLen;
    out.linkType = linkType;
    out.tsSec = tsSec;
    out.tsNsec = tsNsec;
    this.usable = false;
    this.snapped = wireLen > caplen;
    this.steps = 0;
    this.nesting = 0;
    this.tsSec = tsSec;
    this.reassembledPending = false;
    this.decoding = true;
    try {
      this.link(out, linkType, offset, end);
    } catch (e) {
      out.addAnomaly(DecodeAnomaly.internal_error);
      this.usable = false;
      if (this.onInternalError !== null) {
        this.decoding = false;
        this.onInternalError(e);
      }
    }
    this.decoding = false;
    if (this.hasPendingReports) this.deliverReports();
    const stats = this.stats;
    stats.packets++;
    if (this.usable) stats.ipPackets++;
    if (out.truncated) stats.truncated++;
    const layers = stats.layers;
    for (let i = 0; i < out.layerCount; i++) layers[out.layers[i]!]!++;
    const anomalies = stats.anomalies;
    for (let i = 0; i < out.anomalyCount; i++) anomalies[out.anomalies[i]!]!++;
    return this.usable;
  }

  private deliverReports(): void {
    this.hasPendingReports = false;
    const pending = this.pendingReports;
    for (let code = 0; code < pending.length; code++) {
      let n = pending[code]!;
      if (n === 0) continue;
      pending[code] = 0;
      if (this.onAnomaly !== null) for (; n > 0; n--) this.onAnomaly(code);
    }
  }

  /** Drops fragments that waited longer than `fragments.timeout` at time `nowSec` (packet time); returns how many datagrams. */
  expire(nowSec: number): number {
    return this.fragments.expire(nowSec);
  }

  // ---------------------------------------------------------------- link layer

  private link(out: DecodedPacket, linkType: number, off: number, end: number): void {
    switch (linkType) {
      case LinkType.ETHERNET:
        this.ethernet(out, off, end);
        return;
      case LinkType.LINUX_SLL: {
        const v = this.sllView.bind(out.data, off, end - off);
        const err = v.checkLen();
        if (err !== 0) return this.reject(out, err, end);
        const next = decodeSll(v, out);
        this.etherPayload(out, sllNext(v), next, end);
        return;
      }
      case LinkType.LINUX_SLL2: {
        const v = this.sll2View.bind(out.data, off, end - off);
        const err = v.checkLen();
        if (err !== 0) return this.reject(out, err, end);
        const next = decodeSll2(v, out);
        this.etherPayload(out, sll2Next(v), next, end);
        return;
      }
      case LinkType.NULL:
        this.loopback(out, off, end, false);
        return;
      case LinkType.LOOP:
        this.loopback(out, off, end, true);
        return;
      case LinkType.RAW:
      case 12:
      case 14:
        this.rawIp(out, off, end, 0);
        return;
      case LinkType.IPV4:
        this.rawIp(out, off, end, 4);
        return;
      case LinkType.IPV6:
        this.rawIp(out, off, end, 6);
        return;
      default:
        out.addAnomaly(DecodeAnomaly.unknown_linktype);
    }
  }

  private ethernet(out: DecodedPacket, off: number, end: number): void {
    if (!this.step(out)) return;
    const v = this.eth.bind(out.data, off, end - off);
    const err = v.checkLen();
    if (err !== 0) return this.reject(out, err, end);
    const next = decodeEthernet(v, out);
    this.etherPayload(out, ethernetNext(v), next, end);
  }

  private loopback(out: DecodedPacket, off: number, end: number, networkOrder: boolean): void {
    const v = this.nullView.bind(out.data, off, end - off, networkOrder);
    const err = v.checkLen();
    if (err !== 0) return this.reject(out, err, end);
    const next = decodeNull(v, out);
    const type = nullNext(v);
    if (type === 0) {
      out.addAnomaly(DecodeAnomaly.null_unknown_family);
      return;
    }
    this.etherPayload(out, type, next, end);
  }

  /** Raw IP: `version` 4 or 6 when the link type says which, 0 to read it from the first nibble. */
  private rawIp(out: DecodedPacket, off: number, end: number, version: number): void {
    if (version === 0) {
      if (off >= end) return this.reject(out, DecodeAnomaly.ipv4_too_short, end);
      version = out.data[off]! >> 4;
      if (version !== 4 && version !== 6) {
        out.addAnomaly(DecodeAnomaly.raw_unknown_version);
        return;
      }
    }
    this.etherPayload(out, version === 4 ? EtherType.IPV4 : EtherType.IPV6, off, end);
  }

  /**
   * Follows EtherTypes from `off`: VLAN tags, MPLS, PPPoE, then the network layer. `type` 0 means the
   * payload has no EtherType (802.2 LLC, Linux pseudo-protocols): not IP, and nothing wrong.
   */
  private etherPayload(out: DecodedPacket, type: number, off: number, end: number): void {
    const data = out.data;
    for (;;) {
      if (!this.step(out)) return;
      switch (type) {
        case EtherType.IPV4:
          out.etherType = type;
          this.ipv4(out, off, end);
          return;
        case EtherType.IPV6:
          out.etherType = type;
          this.ipv6(out, off, end);
          return;
        case EtherType.VLAN:
        case EtherType.QINQ:
        case EtherType.QINQ_9100:
        case EtherType.QINQ_9200: {
          const v = this.vlanView.bind(data, off, end - off);
          const err = v.checkLen();
          if (err !== 0) return this.reject(out, err, end);
          off = decodeVlan(v, out);
          type = vlanNext(v);
          continue;
        }
        case EtherType.MPLS_UNICAST:
        case EtherType.MPLS_MULTICAST: {
          const v = this.mplsView.bind(data, off, end - off);
          const err = v.checkLen();
          if (err !== 0) return this.reject(out, err, end);
          off = decodeMpls(v, out);
          // A whole stack with nothing after it: the frame is too short to carry what MPLS labels.
          if (v.payloadNibble < 0) return this.reject(out, DecodeAnomaly.mpls_too_short, end);
          type = mplsNext(v);
          if (type === 0) {
            out.etherType = EtherType.MPLS_UNICAST;
            out.addAnomaly(DecodeAnomaly.mpls_unknown_payload);
            return;
          }
          continue;
        }
        case EtherType.PPPOE_SESSION: {
          const v = this.pppoeView.bind(data, off, end - off);
          const err = v.checkLen();
          if (err !== 0) return this.reject(out, err, end);
          off = decodePppoe(v, out);
          type = pppoeNext(v);
          if (type === 0) {
            out.etherType = EtherType.PPPOE_SESSION;
            return;
          }
          continue;
        }
        case EtherType.TEB:
          this.ethernet(out, off, end);
          return;
        case EtherType.ARP:
        case EtherType.RARP:
          // Not IP: the frame ends here for the flow stages; the threat stage reads the ARP body at l3Offset.
          out.etherType = type;
          out.l3Offset = off;
          out.addLayer(Layer.ARP);
          return;
        case 0:
          return;
        default:
          out.etherType = type;
          out.addAnomaly(DecodeAnomaly.unknown_ethertype);
          return;
      }
    }
  }

  // ---------------------------------------------------------------- network layer

  private ipv4(out: DecodedPacket, off: number, end: number): void {
    if (!this.step(out)) return;
    const data = out.data;
    const v = this.ip4.bind(data, off, end - off);
    const err = v.checkLen();
    if (!ipv4Usable(err)) return this.reject(out, err, end);
    const layerMark = out.layerCount;
    const payload = decodeIpv4(v, out);
    if (this.reassembledPending) this.recordReassembly(out);
    if (err !== 0) {
      out.addAnomaly(err);
      // Total length 0 takes the frame's length, which a snaplen cut makes unknowable.
      if (err === DecodeAnomaly.ipv4_total_length_beyond_capture || this.snapped) markTruncated(out);
    }
    const present = v.presentEnd;
    let stated = v.datagramLength - v.headerLength;
    // Total length 0 in a cut frame: the datagram runs to the end of the frame on the wire.
    if (err === DecodeAnomaly.ipv4_zero_total_length && this.snapped) stated = out.start + out.wireLen - payload;
    const proto = v.protocol;
    if (!v.isFragment) {
      this.transport(out, proto, payload, present, stated);
      return;
    }

    out.isFragment = true;
    out.addLayer(Layer.FRAGMENT);
    // A fragment the capture cut cannot be placed: its length (and for the last one, the datagram's end)
    // would be wrong. It is left out of reassembly; `truncated` already says why.
    if (present - payload < stated) return;
    const result = this.fragments.add(
      out,
      data,
      off,
      payload,
      -1,
      v.fragmentOffset,
      v.moreFragments,
      payload,
      present,
      proto,
      this.tsSec,
    );
    if (result === FragmentResult.COMPLETE) this.decodeReassembled(out, layerMark, 4);
  }

  private ipv6(out: DecodedPacket, off: number, end: number): void {
    if (!this.step(out)) return;
    const data = out.data;
    const v = this.ip6.bind(data, off, end - off);
    const err = v.checkLen();
    if (!ipv6Usable(err)) return this.reject(out, err, end);
    const layerMark = out.layerCount;
    let pos = decodeIpv6(v, out);
    if (this.reassembledPending) this.recordReassembly(out);
    let statedEnd = pos + v.payloadLength;
    if (v.payloadLength === 0) {
      const jumbo = v.jumboPayloadLength();
      if (jumbo >= 0) statedEnd = pos + jumbo;
    }
    if (err !== 0) out.addAnomaly(err);
    if (statedEnd > end) {
      if (err === 0) out.addAnomaly(DecodeAnomaly.ipv6_payload_beyond_capture);
      markTruncated(out);
    }
    const present = statedEnd < end ? statedEnd : end;

    let nh = v.nextHeader;
    // Where the Next Header naming the current header sits: reassembly rewrites it when it drops the fragment header.
    let nhAt = off + 6;
    for (let count = 1; isIpv6ExtHeader(nh); count++) {
      out.ipProto = nh;
      out.l3HeaderLen = pos - off;
      if (count > MAX_IPV6_EXT_HEADERS) {
        out.addAnomaly(DecodeAnomaly.ipv6_too_many_ext_headers);
        return;
      }
      if (nh === IpProto.HOPOPT && count !== 1) out.addAnomaly(DecodeAnomaly.ipv6_hop_by_hop_not_first);
      if (!this.step(out)) return;
      const e = this.ext.bind(data, pos, present - pos, nh);
      const extErr = e.checkLen();
      if (extErr !== 0) return this.reject(out, extErr, present);
      const inner = e.nextHeader;
      if (nh === IpProto.FRAGMENT && !e.isAtomicFragment) {
        const fragOffset = e.fragmentOffset;
        const more = e.moreFragments;
        const after = decodeIpv6Ext(e, out);
        out.isFragment = true;
        out.ipProto = inner;
        out.l3HeaderLen = after - off;
        if (statedEnd > end) return; // cut by the capture: see ipv4()
        const result = this.fragments.add(out, data, off, pos, nhAt - off, fragOffset, more, after, present, inner, this.tsSec);
        if (result === FragmentResult.COMPLETE) this.decodeReassembled(out, layerMark, 6);
        return;
      }
      if (nh === IpProto.FRAGMENT) out.addAnomaly(DecodeAnomaly.ipv6_frag_atomic);
      nhAt = pos;
      pos = decodeIpv6Ext(e, out);
      nh = inner;
    }
    out.ipProto = nh;
    out.l3HeaderLen = pos - off;
    this.transport(out, nh, pos, present, statedEnd - pos);
  }

  /**
   * Decodes the datagram the fragment table just completed, from the decoder's own buffer (one per nesting
   * level, grown to at most 64 KiB + 40 bytes and reused). What the packet record then says:
   * - `data` is that buffer, `start` 0, `end` the datagram's length, `reassembled` true, `fragmentCount`
   *   the fragments it was made of; the link layer and any tunnel fields stay those of the completing frame.
   * - The timestamp is the completing fragment's (the datagram exists from that moment on).
   * - `wireLen` is the sum of the wire lengths of the fragments' frames, so byte counts per flow include
   *   every fragment even though the flow stage sees one packet.
   */
  private decodeReassembled(out: DecodedPacket, layerMark: number, version: number): void {
    const table = this.fragments;
    const len = table.completedLength;
    if (this.nesting >= MAX_REASSEMBLY_NESTING) {
      table.discardCompleted();
      raiseOnce(out, DecodeAnomaly.too_many_layers);
      return;
    }
    const buf = this.buffer(this.nesting, len);
    table.writeCompleted(buf);
    this.nesting++;
    // The fragment's own layers give way to the datagram's (FRAGMENT is recorded after its IP header).
    out.layerCount = layerMark;
    out.isFragment = false;
    out.reassembled = true;
    out.fragmentCount = table.completedFragments;
    out.wireLen = table.completedWireLen;
    out.data = buf;
    out.start = 0;
    out.end = len;
    this.snapped = false;
    this.reassembledPending = true;
    this.reassembledId = table.completedId;
    if (version === 4) this.ipv4(out, 0, len);
    else this.ipv6(out, 0, len);
  }

  private recordReassembly(out: DecodedPacket): void {
    this.reassembledPending = false;
    out.addLayer(Layer.FRAGMENT);
    out.ipId = this.reassembledId;
  }

  /** The reassembly buffer for nesting level `level`, grown to hold `len` bytes (at most 64 KiB + 40). */
  private buffer(level: number, len: number): Uint8Array {
    let buf = this.reassemblyBuffers[level];
    if (buf === undefined || buf.length < len) {
      let size = 2048;
      while (size < len) size *= 2;
      buf = new Uint8Array(size < MAX_REASSEMBLED_LEN ? size : MAX_REASSEMBLED_LEN);
      this.reassemblyBuffers[level] = buf;
    }
    return buf;
  }

  // ---------------------------------------------------------------- transport layer

  /**
   * Decodes the payload of an IP datagram: `data[off, end)` is what is present, `stated` its length as the
   * IP header says.
   */
  private transport(out: DecodedPacket, proto: number, off: number, end: number, stated: number): void {
    if (!this.step(out)) return;
    const data = out.data;
    const avail = end - off;
    switch (proto) {
      case IpProto.TCP: {
        const v = this.tcpView.bind(data, off, avail, stated);
        const err = v.checkLen();
        if (!tcpUsable(err)) return this.reject(out, err, end);
        decodeTcp(v, out);
        if (err === DecodeAnomaly.truncated) markTruncated(out);
        else if (err !== 0) out.addAnomaly(err);
        this.usable = true;
        return;
      }
      case IpProto.UDP: {
        const v = this.udpView.bind(data, off, avail, stated);
        const err = v.checkLen();
        if (!udpUsable(err)) return this.reject(out, err, end);
        if (err !== 0) out.addAnomaly(err);
        decodeUdp(v, out);
        this.usable = true;
        const tunnel = this.udpTunnelPorts[out.dstPort];
        if (tunnel !== UDP_TUNNEL_NONE) {
          const payloadEnd = out.payloadOffset + out.payloadLen;
          if (tunnel === UDP_TUNNEL_VXLAN) this.vxlan(out, out.payloadOffset, payloadEnd);
          else this.geneve(out, out.payloadOffset, payloadEnd);
        }
        return;
      }
      case IpProto.ICMP: {
        const v = this.icmpView.bind(data, off, avail);
        const err = v.checkLen();
        if (err !== 0) return this.reject(out, err, end);
        const payload = decodeIcmp(v, out);
        this.usable = true;
        if (icmpQuotes(v)) this.quote.read(data, payload, end, out);
        return;
      }
      case IpProto.ICMPV6: {
        const v = this.icmp6View.bind(data, off, avail);
        const err = v.checkLen();
        if (err !== 0) return this.reject(out, err, end);
        const payload = decodeIcmpv6(v, out);
        this.usable = true;
        if (icmpv6Quotes(v)) this.quote.read(data, payload, end, out);
        return;
      }
      case IpProto.SCTP: {
        const v = this.sctpView.bind(data, off, avail);
        const err = v.checkLen();
        if (err !== 0) return this.reject(out, err, end);
        decodeSctp(v, out);
        this.usable = true;
        return;
      }
      case IpProto.IPIP:
      case IpProto.IPV6:
        this.ipip(out, proto, off, end);
        return;
      case IpProto.GRE:
        this.gre(out, off, end);
        return;
      case IpProto.AH: {
        // AH over IPv4 (RFC 4302): skipped like an IPv6 extension header to reach the transport header.
        const e = this.ext.bind(data, off, avail, IpProto.AH);
        const err = e.checkLen();
        if (err !== 0) return this.reject(out, err, end);
        const next = e.nextHeader;
        const hlen = e.headerLength;
        out.ipProto = next;
        out.l3HeaderLen += hlen;
        if (next === IpProto.AH) {
          // AH in AH: legal but pointless; stop rather than loop.
          out.addLayer(Layer.OTHER_L4);
          this.usable = true;
          return;
        }
        this.transport(out, next, off + hlen, end, stated - hlen);
        return;
      }
      default:
        // ESP, No Next Header, OSPF, VRRP, ...: a flow by addresses and protocol, no ports.
        out.addLayer(Layer.OTHER_L4);
        this.usable = true;
        return;
    }
  }

  // ---------------------------------------------------------------- tunnels

  private vxlan(out: DecodedPacket, off: number, end: number): void {
    const v = this.vxlanView.bind(out.data, off, end - off);
    const err = v.checkLen();
    // Not VXLAN after all: the datagram stays a plain UDP flow (unless the capture cut it).
    if (err !== 0) return this.rejectTunnel(out, err, end);
    if (!enterTunnel(out, Tunnel.VXLAN, this.maxTunnelDepth)) return;
    this.usable = false;
    const inner = decodeVxlan(v, out);
    this.ethernet(out, inner, end);
  }

  private geneve(out: DecodedPacket, off: number, end: number): void {
    const v = this.geneveView.bind(out.data, off, end - off);
    const err = v.checkLen();
    // Not Geneve as we know it: the datagram stays a plain UDP flow (unless the capture cut it).
    if (!geneveUsable(err)) return this.rejectTunnel(out, err, end);
    if (err !== 0) out.addAnomaly(err);
    const next = geneveNext(v);
    if (next !== EtherType.TEB && next !== EtherType.IPV4 && next !== EtherType.IPV6) {
      // A payload we cannot decode (NSH, MPLS, ...): keep the outer flow rather than lose it.
      out.addAnomaly(DecodeAnomaly.unknown_ethertype);
      return;
    }
    if (!enterTunnel(out, Tunnel.GENEVE, this.maxTunnelDepth)) return;
    this.usable = false;
    const inner = decodeGeneve(v, out);
    this.etherPayload(out, next, inner, end);
  }

  private gre(out: DecodedPacket, off: number, end: number): void {
    const v = this.greView.bind(out.data, off, end - off);
    const err = v.checkLen();
    // The outer datagram is still a flow (protocol 47) when its GRE header cannot be used.
    this.usable = true;
    if (err !== 0) return this.rejectTunnel(out, err, end);
    const next = greNext(v);
    if (!greDecapsulates(next)) {
      out.addLayer(Layer.GRE);
      // Version 1 (PPTP) is recognised and not decapsulated; an unknown payload type is worth counting.
      if (v.version === 0) out.addAnomaly(DecodeAnomaly.unknown_ethertype);
      return;
    }
    const hasSequence = v.hasSequence;
    if (!enterTunnel(out, Tunnel.GRE, this.maxTunnelDepth)) {
      out.addLayer(Layer.GRE);
      return;
    }
    this.usable = false;
    const inner = decodeGre(v, out);
    if (next === EtherType.ERSPAN_2 || next === EtherType.ERSPAN_3) {
      const type = next === EtherType.ERSPAN_3 ? 3 : hasSequence ? 2 : 1;
      const e = this.erspanView.bind(out.data, inner, end - inner, type);
      const erspanErr = e.checkLen();
      if (erspanErr !== 0) return this.reject(out, erspanErr, end);
      this.ethernet(out, decodeErspan(e), end);
      return;
    }
    this.etherPayload(out, next, inner, end);
  }

  private ipip(out: DecodedPacket, proto: number, off: number, end: number): void {
    if (!enterTunnel(out, Tunnel.IPIP, this.maxTunnelDepth)) {
      out.addLayer(Layer.IPIP);
      this.usable = true;
      return;
    }
    decodeIpip(out);
    this.etherPayload(out, ipipNext(proto), off, end);
  }

  // ---------------------------------------------------------------- helpers

  /** Counts a header against `MAX_DECODE_STEPS`; false (with `decode.too_many_layers`) past it. */
  private step(out: DecodedPacket): boolean {
    if (++this.steps <= MAX_DECODE_STEPS) return true;
    raiseOnce(out, DecodeAnomaly.too_many_layers);
    return false;
  }

  /**
   * A tunnel header failed its check. A header that is not what its port or protocol promised leaves the
   * outer datagram as the flow; a header the capture cut leaves nothing usable, so that a snaplen does not
   * turn some packets of a tunnel into outer flows and others into inner ones.
   */
  private rejectTunnel(out: DecodedPacket, code: number, end: number): void {
    this.reject(out, code, end);
    if (IS_LENGTH_CODE[code] === 1 && out.truncated) this.usable = false;
  }

  /** A header failed its check: raise its code, and when the bytes ran out at a snaplen cut, `truncated`. */
  private reject(out: DecodedPacket, code: number, end: number): void {
    out.addAnomaly(code);
    if (IS_LENGTH_CODE[code] === 1 && this.snapped && end >= out.end) markTruncated(out);
  }
}

/** GRE payloads the decoder follows: IP, bridged Ethernet, ERSPAN, MPLS. */
function greDecapsulates(type: number): boolean {
  switch (type) {
    case EtherType.IPV4:
    case EtherType.IPV6:
    case EtherType.TEB:
    case EtherType.ERSPAN_2:
    case EtherType.ERSPAN_3:
    case EtherType.MPLS_UNICAST:
    case EtherType.MPLS_MULTICAST:
      return true;
    default:
      return false;
  }
}
