/**
 * UDP header (RFC 768).
 *
 * The length field counts header and data. Below 8 or above the IP payload it cannot be right
 * (`decode.udp_bad_length`) and the IP payload length is used instead, as Suricata and Wireshark do. A
 * length shorter than the IP payload is legal and ends the data there (the rest is padding). The next-layer
 * choice (VXLAN, Geneve) is by port and belongs to the decoder, which knows the configured ports.
 */
import { EMPTY_BYTES, u16 } from './bytes.js';
import { DecodeAnomaly } from './events.js';
import { Layer, type DecodedPacket } from './packet.js';

const FIELD = { SRC_PORT: 0, DST_PORT: 2, LENGTH: 4, CHECKSUM: 6 } as const;
export const UDP_HEADER_LEN = FIELD.CHECKSUM + 2;

/** Zero-copy view of a UDP datagram. Valid until the buffer it is bound to is reused. */
export class UdpView {
  bytes: Uint8Array = EMPTY_BYTES;
  offset = 0;
  /** Bytes of the datagram present in the buffer. */
  length = 0;
  /** The datagram's length as the IP header states it. */
  ipPayloadLength = 0;

  bind(bytes: Uint8Array, offset: number, length: number, ipPayloadLength: number): this {
    this.bytes = bytes;
    this.offset = offset;
    this.length = length;
    this.ipPayloadLength = ipPayloadLength;
    return this;
  }

  /** `udp_too_short` is fatal; `udp_bad_length` leaves the view usable (see `udpUsable`). */
  checkLen(): number {
    if (this.length < UDP_HEADER_LEN || this.ipPayloadLength < UDP_HEADER_LEN) return DecodeAnomaly.udp_too_short;
    const len = this.lengthField;
    if (len < UDP_HEADER_LEN || len > this.ipPayloadLength) return DecodeAnomaly.udp_bad_length;
    return 0;
  }

  get srcPort(): number {
    return u16(this.bytes, this.offset + FIELD.SRC_PORT);
  }

  get dstPort(): number {
    return u16(this.bytes, this.offset + FIELD.DST_PORT);
  }

  get lengthField(): number {
    return u16(this.bytes, this.offset + FIELD.LENGTH);
  }

  get checksum(): number {
    return u16(this.bytes, this.offset + FIELD.CHECKSUM);
  }

  /** The datagram length used: the length field when it is plausible, the IP payload length otherwise. */
  get datagramLength(): number {
    const len = this.lengthField;
    return len < UDP_HEADER_LEN || len > this.ipPayloadLength ? this.ipPayloadLength : len;
  }
}

export function udpUsable(code: number): boolean {
  return code === 0 || code === DecodeAnomaly.udp_bad_length;
}

/** Writes ports and payload bounds into `out`; returns the payload offset (where a tunnel header would start). */
export function decodeUdp(view: UdpView, out: DecodedPacket): number {
  out.addLayer(Layer.UDP);
  const off = view.offset;
  const len = view.datagramLength;
  const present = len < view.length ? len : view.length;
  out.l4Offset = off;
  out.l4Len = view.length;
  out.srcPort = view.srcPort;
  out.dstPort = view.dstPort;
  out.payloadOffset = off + UDP_HEADER_LEN;
  out.payloadLen = present - UDP_HEADER_LEN;
  return off + UDP_HEADER_LEN;
}
