/**
 * VXLAN (RFC 7348 §5), over UDP on the ports in `DecodeOptions.vxlanPorts` (4789 by IANA, 8472 the Linux
 * kernel's old default that Flannel still uses).
 *
 * Layout (8 bytes): flags (1; the I flag 0x08 says the VNI is valid), reserved (3), VNI (3), reserved (1);
 * an Ethernet frame follows. RFC 7348 says receivers ignore the reserved bits, and VXLAN-GBP (group policy)
 * sets some of them, so only the I flag is checked. A datagram on a VXLAN port without it is not treated
 * as VXLAN (it stays a plain UDP flow) and raises `decode.vxlan_bad_flags`.
 */
import { EMPTY_BYTES, u24 } from './bytes.js';
import { DecodeAnomaly } from './events.js';
import { Layer, type DecodedPacket } from './packet.js';

const FIELD = { FLAGS: 0, VNI: 4 } as const;
export const VXLAN_HEADER_LEN = 8;
const FLAG_I = 0x08;

/** Zero-copy view of a VXLAN header. Valid until the buffer it is bound to is reused. */
export class VxlanView {
  bytes: Uint8Array = EMPTY_BYTES;
  offset = 0;
  length = 0;

  bind(bytes: Uint8Array, offset: number, length: number): this {
    this.bytes = bytes;
    this.offset = offset;
    this.length = length;
    return this;
  }

  checkLen(): number {
    if (this.length < VXLAN_HEADER_LEN) return DecodeAnomaly.vxlan_too_short;
    if ((this.flags & FLAG_I) === 0) return DecodeAnomaly.vxlan_bad_flags;
    return 0;
  }

  get flags(): number {
    return this.bytes[this.offset + FIELD.FLAGS]!;
  }

  get vni(): number {
    return u24(this.bytes, this.offset + FIELD.VNI);
  }
}

/** Records the VXLAN layer and the VNI as `tunnelId`; returns the offset of the inner Ethernet frame. */
export function decodeVxlan(view: VxlanView, out: DecodedPacket): number {
  out.addLayer(Layer.VXLAN);
  out.tunnelId = view.vni;
  return view.offset + VXLAN_HEADER_LEN;
}

// Next layer: always Ethernet.
