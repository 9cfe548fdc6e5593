/**
 * IPv4 header (RFC 791).
 *
 * `checkLen()` follows smoltcp's `check_len` (src/wire/ipv4.rs) with two differences an inspector needs:
 * a total length beyond the captured bytes is reported but still decoded (a snaplen cut keeps every header
 * that is fully present), and a total length of 0 is accepted with the frame's length, as gopacket does
 * (layers/ip4.go): TCP segmentation offload on Windows and Hyper-V hands such packets to the capture.
 */
import { EMPTY_BYTES, u16, u32 } from './bytes.js';
import { DecodeAnomaly } from './events.js';
import { Layer, type DecodedPacket } from './packet.js';

const FIELD = {
  VER_IHL: 0,
  DSCP_ECN: 1,
  LENGTH: 2,
  IDENT: 4,
  FLG_OFF: 6,
  TTL: 8,
  PROTOCOL: 9,
  CHECKSUM: 10,
  SRC_ADDR: 12,
  DST_ADDR: 16,
} as const;
export const IPV4_HEADER_LEN = FIELD.DST_ADDR + 4;
export const IPV4_MAX_HEADER_LEN = 60;

const FLAG_DF = 0x4000;
const FLAG_MF = 0x2000;
const OFFSET_MASK = 0x1fff;

const OPTION_EOL = 0;
const OPTION_NOP = 1;

/** Zero-copy view of an IPv4 header and the datagram it starts. Valid until the buffer it is bound to is reused. */
export class Ipv4View {
  bytes: Uint8Array = EMPTY_BYTES;
  offset = 0;
  /** Bytes present from `offset` (the capture, or the enclosing layer's payload). */
  length = 0;

  bind(bytes: Uint8Array, offset: number, length: number): this {
    this.bytes = bytes;
    this.offset = offset;
    this.length = length;
    return this;
  }

  /**
   * 0 when the header is whole and its lengths agree. Two codes still leave the view usable (see
   * `ipv4Usable`): `ipv4_total_length_beyond_capture` (the datagram is cut: decode what is present) and
   * `ipv4_zero_total_length` (the datagram is the rest of the frame). Every other code means the header
   * cannot be trusted.
   */
  checkLen(): number {
    if (this.length < IPV4_HEADER_LEN) return DecodeAnomaly.ipv4_too_short;
    if (this.version !== 4) return DecodeAnomaly.ipv4_bad_version;
    const ihl = this.headerLength;
    if (ihl < IPV4_HEADER_LEN) return DecodeAnomaly.ipv4_bad_ihl;
    const total = this.totalLength;
    if (total !== 0 && ihl > total) return DecodeAnomaly.ipv4_ihl_beyond_length;
    if (ihl > this.length) return DecodeAnomaly.ipv4_too_short;
    if (total === 0) return DecodeAnomaly.ipv4_zero_total_length;
    if (total > this.length) return DecodeAnomaly.ipv4_total_length_beyond_capture;
    return 0;
  }

  get version(): number {
    return this.bytes[this.offset + FIELD.VER_IHL]! >> 4;
  }

  /** Header length in bytes (IHL × 4). */
  get headerLength(): number {
    return (this.bytes[this.offset + FIELD.VER_IHL]! & 0x0f) << 2;
  }

  get dscp(): number {
    return this.bytes[this.offset + FIELD.DSCP_ECN]! >> 2;
  }

  get totalLength(): number {
    return u16(this.bytes, this.offset + FIELD.LENGTH);
  }

  /** The datagram's length: the total length, or the bytes present when the total length is 0 (TSO). */
  get datagramLength(): number {
    const total = this.totalLength;
    return total === 0 ? this.length : total;
  }

  /** End (exclusive) of the datagram's bytes that are present: link padding and a snaplen cut both excluded. */
  get presentEnd(): number {
    const len = this.datagramLength;
    return this.offset + (len < this.length ? len : this.length);
  }

  get identification(): number {
    return u16(this.bytes, this.offset + FIELD.IDENT);
  }

  get dontFragment(): boolean {
    return (u16(this.bytes, this.offset + FIELD.FLG_OFF) & FLAG_DF) !== 0;
  }

  get moreFragments(): boolean {
    return (u16(this.bytes, this.offset + FIELD.FLG_OFF) & FLAG_MF) !== 0;
  }

  /** Fragment offset in bytes. */
  get fragmentOffset(): number {
    return (u16(this.bytes, this.offset + FIELD.FLG_OFF) & OFFSET_MASK) << 3;
  }

  /** True when this header belongs to a fragment (MF set or a non-zero offset). */
  get isFragment(): boolean {
    return (u16(this.bytes, this.offset + FIELD.FLG_OFF) & (FLAG_MF | OFFSET_MASK)) !== 0;
  }

  get ttl(): number {
    return this.bytes[this.offset + FIELD.TTL]!;
  }

  get protocol(): number {
    return this.bytes[this.offset + FIELD.PROTOCOL]!;
  }

  get checksum(): number {
    return u16(this.bytes, this.offset + FIELD.CHECKSUM);
  }

  get srcAddress(): number {
    return u32(this.bytes, this.offset + FIELD.SRC_ADDR);
  }

  get dstAddress(): number {
    return u32(this.bytes, this.offset + FIELD.DST_ADDR);
  }

  /**
   * Walks the options (RFC 791 §3.1: EOL and NOP are one byte, every other option is type, length
   * (counting both), data). False when an option's length is below 2 or runs past the header: the payload
   * still starts at the IHL, so only the options are distrusted.
   */
  optionsWellFormed(): boolean {
    const b = this.bytes;
    const end = this.offset + this.headerLength;
    let i = this.offset + IPV4_HEADER_LEN;
    while (i < end) {
      const type = b[i]!;
      if (type === OPTION_EOL) return true;
      if (type === OPTION_NOP) {
        i++;
        continue;
      }
      if (i + 1 >= end) return false;
      const len = b[i + 1]!;
      if (len < 2 || i + len > end) return false;
      i += len;
    }
    return true;
  }
}

/** True when a `checkLen()` code still leaves the header decodable. */
export function ipv4Usable(code: number): boolean {
  return code === 0 || code === DecodeAnomaly.ipv4_total_length_beyond_capture || code === DecodeAnomaly.ipv4_zero_total_length;
}

/**
 * Writes the network-layer fields into `out` (version, offsets, addresses, protocol, TTL, id) and raises
 * `decode.ipv4_bad_options` for a broken option list. Returns the offset of the payload.
 */
export function decodeIpv4(view: Ipv4View, out: DecodedPacket): number {
  out.addLayer(Layer.IPV4);
  const hlen = view.headerLength;
  out.ipVersion = 4;
  out.l3Offset = view.offset;
  out.l3HeaderLen = hlen;
  out.src[0] = view.srcAddress;
  out.dst[0] = view.dstAddress;
  out.ipProto = view.protocol;
  out.ttl = view.ttl;
  out.ipId = view.identification;
  if (hlen > IPV4_HEADER_LEN && !view.optionsWellFormed()) out.addAnomaly(DecodeAnomaly.ipv4_bad_options);
  return view.offset + hlen;
}

/** Next-layer choice: the IP protocol number of the payload. */
export function ipv4Next(view: Ipv4View): number {
  return view.protocol;
}
