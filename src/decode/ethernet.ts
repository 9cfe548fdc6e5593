/**
 * Ethernet II (and IEEE 802.3 with an LLC/SNAP header carrying an EtherType).
 *
 * Layout: destination MAC (6), source MAC (6), EtherType or 802.3 length (2). Values up to 1500 are an
 * 802.3 length (IEEE 802.3 §3.2.6); values from 0x0600 are EtherTypes. 802.3 frames are mostly spanning
 * tree, CDP and NetBIOS: not IP and not anomalies. The one IP-bearing case is SNAP with OUI 00-00-00, whose
 * last two bytes are an EtherType (RFC 1042).
 */
import { EMPTY_BYTES, u16 } from './bytes.js';
import { DecodeAnomaly } from './events.js';
import { Layer, type DecodedPacket } from './packet.js';

const FIELD = { DST: 0, SRC: 6, ETHERTYPE: 12 } as const;
export const ETHERNET_HEADER_LEN = 14;
/** LLC (DSAP 0xAA, SSAP 0xAA, control 0x03) plus SNAP (OUI 3 bytes, EtherType 2 bytes). */
const SNAP_LEN = 8;
/** Largest 802.3 length value; 1501-1535 are undefined, 1536 (0x0600) and up are EtherTypes. */
const MAX_8023_LENGTH = 1500;

/** EtherTypes the decoder follows. */
export const EtherType = {
  IPV4: 0x0800,
  ARP: 0x0806,
  /** Transparent Ethernet bridging: the payload is an Ethernet frame (GRE, Geneve). */
  TEB: 0x6558,
  RARP: 0x8035,
  VLAN: 0x8100,
  IPV6: 0x86dd,
  PPPOE_DISCOVERY: 0x8863,
  PPPOE_SESSION: 0x8864,
  MPLS_UNICAST: 0x8847,
  MPLS_MULTICAST: 0x8848,
  QINQ: 0x88a8,
  ERSPAN_2: 0x88be,
  ERSPAN_3: 0x22eb,
  /** Pre-standard QinQ outer tags (Cisco and Juniper gear still emits them). */
  QINQ_9100: 0x9100,
  QINQ_9200: 0x9200,
} as const;

/** Zero-copy view of an Ethernet header. Valid until the buffer it is bound to is reused. */
export class EthernetView {
  bytes: Uint8Array = EMPTY_BYTES;
  offset = 0;
  length = 0;

  bind(bytes: Uint8Array, offset: number, length: number): this {
    this.bytes = bytes;
    this.offset = offset;
    this.length = length;
    return this;
  }

  /** 0 when the fixed header is present; accessors below check nothing. */
  checkLen(): number {
    return this.length < ETHERNET_HEADER_LEN ? DecodeAnomaly.ethernet_too_short : 0;
  }

  /** EtherType, or the 802.3 length when the value is 1500 or less. */
  get etherType(): number {
    return u16(this.bytes, this.offset + FIELD.ETHERTYPE);
  }

  /** First byte of the destination MAC (bit 0 = group address). */
  get dstFirstByte(): number {
    return this.bytes[this.offset + FIELD.DST]!;
  }

  get srcFirstByte(): number {
    return this.bytes[this.offset + FIELD.SRC]!;
  }

  /** True for an 802.3 frame; its payload is an LLC header, not an EtherType's. */
  get isIeee8023(): boolean {
    return this.etherType <= MAX_8023_LENGTH;
  }

  /**
   * EtherType from an LLC/SNAP header with OUI 00-00-00 (RFC 1042) after an 802.3 header, or 0 when the
   * frame is plain 802.2 LLC (not IP). Reads only bytes it checks are present.
   */
  snapEtherType(): number {
    const b = this.bytes;
    const o = this.offset + ETHERNET_HEADER_LEN;
    if (this.length < ETHERNET_HEADER_LEN + SNAP_LEN) return 0;
    if (b[o] !== 0xaa || b[o + 1] !== 0xaa || b[o + 2] !== 0x03) return 0;
    if (b[o + 3] !== 0 || b[o + 4] !== 0 || b[o + 5] !== 0) return 0;
    return u16(b, o + 6);
  }
}

/**
 * Records the Ethernet layer and returns the offset of its payload (after SNAP for an 802.3 SNAP frame).
 * The EtherType the payload has is `ethernetNext(view)`. The view must have passed `checkLen()`.
 */
export function decodeEthernet(view: EthernetView, out: DecodedPacket): number {
  out.addLayer(Layer.ETHERNET);
  return view.offset + (view.isIeee8023 ? ETHERNET_HEADER_LEN + SNAP_LEN : ETHERNET_HEADER_LEN);
}

/** Next-layer choice: the EtherType of the payload, 0 for 802.3 frames that do not carry one (LLC). */
export function ethernetNext(view: EthernetView): number {
  const t = view.etherType;
  return t > MAX_8023_LENGTH ? t : view.snapEtherType();
}
