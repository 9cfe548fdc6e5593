/**
 * Linux "cooked" capture, version 2 (LINKTYPE_LINUX_SLL2, 276; libpcap 1.10 and later).
 *
 * Layout (20 bytes): protocol (2, first this time), reserved (2), interface index (4), ARPHRD type (2),
 * packet type (1), address length (1), address (8). The protocol has SLL's meaning (see sll.ts).
 */
import { EMPTY_BYTES, u16, u32 } from './bytes.js';
import { DecodeAnomaly } from './events.js';
import { Layer, type DecodedPacket } from './packet.js';
import { linuxCookedNext } from './sll.js';

const FIELD = { PROTOCOL: 0, RESERVED: 2, IFINDEX: 4, HATYPE: 8, PACKET_TYPE: 10, HALEN: 11, ADDR: 12 } as const;
export const SLL2_HEADER_LEN = 20;

/** Zero-copy view of an SLL2 header. Valid until the buffer it is bound to is reused. */
export class Sll2View {
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
    return this.length < SLL2_HEADER_LEN ? DecodeAnomaly.sll2_too_short : 0;
  }

  get protocol(): number {
    return u16(this.bytes, this.offset + FIELD.PROTOCOL);
  }

  get interfaceIndex(): number {
    return u32(this.bytes, this.offset + FIELD.IFINDEX);
  }

  get hardwareType(): number {
    return u16(this.bytes, this.offset + FIELD.HATYPE);
  }

  get packetType(): number {
    return this.bytes[this.offset + FIELD.PACKET_TYPE]!;
  }
}

/** Records the SLL2 layer; returns the offset of its payload. */
export function decodeSll2(view: Sll2View, out: DecodedPacket): number {
  out.addLayer(Layer.SLL2);
  return view.offset + SLL2_HEADER_LEN;
}

export function sll2Next(view: Sll2View): number {
  return linuxCookedNext(view.hardwareType, view.protocol);
}
