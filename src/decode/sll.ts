/**
 * Linux "cooked" capture, version 1 (LINKTYPE_LINUX_SLL, 113): what libpcap writes for `-i any` and for
 * interfaces without a link header.
 *
 * Layout (16 bytes): packet type (2), ARPHRD type (2), link-layer address length (2), address (8, padded),
 * protocol (2). The protocol is an EtherType, except for the pseudo-protocols Linux puts below 0x0600
 * (1 = 802.3 without LLC, 4 = 802.2 LLC, 0x0C = CAN, ...) and netlink captures (ARPHRD 824) whose
 * protocol is a netlink family: none of those are IP.
 */
import { EMPTY_BYTES, u16 } from './bytes.js';
import { DecodeAnomaly } from './events.js';
import { Layer, type DecodedPacket } from './packet.js';

const FIELD = { PACKET_TYPE: 0, HATYPE: 2, HALEN: 4, ADDR: 6, PROTOCOL: 14 } as const;
export const SLL_HEADER_LEN = 16;
export const ARPHRD_NETLINK = 824;
/** EtherTypes start here; smaller protocol values are Linux pseudo-protocols. */
const MIN_ETHERTYPE = 0x0600;

/** Zero-copy view of an SLL header. Valid until the buffer it is bound to is reused. */
export class SllView {
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
    return this.length < SLL_HEADER_LEN ? DecodeAnomaly.sll_too_short : 0;
  }

  /** 0 to us, 1 broadcast, 2 multicast, 3 to another host, 4 sent by us. */
  get packetType(): number {
    return u16(this.bytes, this.offset + FIELD.PACKET_TYPE);
  }

  get hardwareType(): number {
    return u16(this.bytes, this.offset + FIELD.HATYPE);
  }

  get protocol(): number {
    return u16(this.bytes, this.offset + FIELD.PROTOCOL);
  }
}

/** Records the SLL layer; returns the offset of its payload. */
export function decodeSll(view: SllView, out: DecodedPacket): number {
  out.addLayer(Layer.SLL);
  return view.offset + SLL_HEADER_LEN;
}

/** Next-layer choice shared by SLL and SLL2: the EtherType of the payload, 0 when it is not an EtherType. */
export function linuxCookedNext(hardwareType: number, protocol: number): number {
  if (hardwareType === ARPHRD_NETLINK || protocol < MIN_ETHERTYPE) return 0;
  return protocol;
}

export function sllNext(view: SllView): number {
  return linuxCookedNext(view.hardwareType, view.protocol);
}
