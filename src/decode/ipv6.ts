/**
 * IPv6 fixed header (RFC 8200 §3). Extension headers are in ipv6-ext.ts.
 *
 * Like IPv4, a payload length beyond the captured bytes is reported and the present part decoded. A
 * payload length of 0 with a hop-by-hop header first may be a jumbogram (RFC 2675): the real length is in
 * the hop-by-hop Jumbo Payload option. Jumbograms never cross an Ethernet, but a crafted one must not fool
 * the decoder, so the option is read with its own bounds checks.
 */
import { EMPTY_BYTES, u16, u32 } from './bytes.js';
import { DecodeAnomaly } from './events.js';
import { IpProto, Layer, type DecodedPacket } from './packet.js';

const FIELD = { VER_TC_FLOW: 0, LENGTH: 4, NXT_HDR: 6, HOP_LIMIT: 7, SRC_ADDR: 8, DST_ADDR: 24 } as const;
export const IPV6_HEADER_LEN = FIELD.DST_ADDR + 16;

/** Hop-by-hop option type of the Jumbo Payload option (RFC 2675 §2) and its data length. */
const OPTION_JUMBO = 0xc2;
const JUMBO_DATA_LEN = 4;

/** Zero-copy view of an IPv6 header. Valid until the buffer it is bound to is reused. */
export class Ipv6View {
  bytes: Uint8Array = EMPTY_BYTES;
  offset = 0;
  /** Bytes present from `offset`. */
  length = 0;

  bind(bytes: Uint8Array, offset: number, length: number): this {
    this.bytes = bytes;
    this.offset = offset;
    this.length = length;
    return this;
  }

  /**
   * 0 when the header is whole and the payload present. `ipv6_payload_beyond_capture` leaves the view
   * usable (see `ipv6Usable`): decode what the capture kept.
   */
  checkLen(): number {
    if (this.length < IPV6_HEADER_LEN) return DecodeAnomaly.ipv6_too_short;
    if (this.version !== 6) return DecodeAnomaly.ipv6_bad_version;
    if (IPV6_HEADER_LEN + this.payloadLength > this.length) return DecodeAnomaly.ipv6_payload_beyond_capture;
    return 0;
  }

  get version(): number {
    return this.bytes[this.offset + FIELD.VER_TC_FLOW]! >> 4;
  }

  get trafficClass(): number {
    return (u16(this.bytes, this.offset + FIELD.VER_TC_FLOW) >> 4) & 0xff;
  }

  get flowLabel(): number {
    return u32(this.bytes, this.offset + FIELD.VER_TC_FLOW) & 0xfffff;
  }

  get payloadLength(): number {
    return u16(this.bytes, this.offset + FIELD.LENGTH);
  }

  get nextHeader(): number {
    return this.bytes[this.offset + FIELD.NXT_HDR]!;
  }

  get hopLimit(): number {
    return this.bytes[this.offset + FIELD.HOP_LIMIT]!;
  }

  /** Word `i` (0-3) of the source address, network order. */
  srcWord(i: number): number {
    return u32(this.bytes, this.offset + FIELD.SRC_ADDR + 4 * i);
  }

  dstWord(i: number): number {
    return u32(this.bytes, this.offset + FIELD.DST_ADDR + 4 * i);
  }

  /**
   * The Jumbo Payload length when the payload length is 0 and the first extension header is a hop-by-hop
   * header holding the option; -1 otherwise. Bounds-checked: runs before the hop-by-hop header's own check.
   */
  jumboPayloadLength(): number {
    if (this.payloadLength !== 0 || this.nextHeader !== IpProto.HOPOPT) return -1;
    const b = this.bytes;
    const hbh = this.offset + IPV6_HEADER_LEN;
    const present = this.offset + this.length;
    if (hbh + 2 > present) return -1;
    const end = hbh + ((b[hbh + 1]! + 1) << 3);
    if (end > present) return -1;
    let i = hbh + 2;
    while (i < end) {
      const type = b[i]!;
      if (type === 0) {
        i++;
        continue;
      }
      if (i + 2 > end) return -1;
      const len = b[i + 1]!;
      if (type === OPTION_JUMBO && len === JUMBO_DATA_LEN && i + 2 + len <= end) return u32(b, i + 2);
      i += 2 + len;
    }
    return -1;
  }
}

/** True when a `checkLen()` code still leaves the header decodable. */
export function ipv6Usable(code: number): boolean {
  return code === 0 || code === DecodeAnomaly.ipv6_payload_beyond_capture;
}

/** Writes the network-layer fields into `out`. Returns the offset of the first extension header or payload. */
export function decodeIpv6(view: Ipv6View, out: DecodedPacket): number {
  out.addLayer(Layer.IPV6);
  out.ipVersion = 6;
  out.l3Offset = view.offset;
  out.l3HeaderLen = IPV6_HEADER_LEN;
  const src = out.src;
  const dst = out.dst;
  src[0] = view.srcWord(0);
  src[1] = view.srcWord(1);
  src[2] = view.srcWord(2);
  src[3] = view.srcWord(3);
  dst[0] = view.dstWord(0);
  dst[1] = view.dstWord(1);
  dst[2] = view.dstWord(2);
  dst[3] = view.dstWord(3);
  out.ipProto = view.nextHeader;
  out.ttl = view.hopLimit;
  out.ipId = 0;
  return view.offset + IPV6_HEADER_LEN;
}

/** Next-layer choice: the first Next Header value (an extension header or the upper-layer protocol). */
export function ipv6Next(view: Ipv6View): number {
  return view.nextHeader;
}
