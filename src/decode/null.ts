/**
 * BSD loopback encapsulation: LINKTYPE_NULL (0) and LINKTYPE_LOOP (108).
 *
 * Both are a 4-byte address family before the IP packet. NULL writes it in the byte order of the host that
 * captured, which need not be the reader's: the family is a small number, so whichever half is non-zero
 * tells the order (libpcap's own readers swap the same way). LOOP (OpenBSD) writes it in network order.
 *
 * Families: AF_INET is 2 everywhere; AF_INET6 differs by system: 24 (NetBSD, OpenBSD, BSD/OS), 28
 * (FreeBSD, DragonFly), 30 (macOS, iOS). All three mean IPv6 whatever system wrote the capture.
 */
import { EMPTY_BYTES, u32, u32le } from './bytes.js';
import { EtherType } from './ethernet.js';
import { DecodeAnomaly } from './events.js';
import { Layer, type DecodedPacket } from './packet.js';

export const NULL_HEADER_LEN = 4;

export const LoopbackFamily = { INET: 2, INET6_BSD: 24, INET6_FREEBSD: 28, INET6_DARWIN: 30 } as const;

/** Zero-copy view of a NULL/LOOP header. Valid until the buffer it is bound to is reused. */
export class NullView {
  bytes: Uint8Array = EMPTY_BYTES;
  offset = 0;
  length = 0;
  /** True for LINKTYPE_LOOP (network byte order); false for LINKTYPE_NULL (either order). */
  networkOrder = false;

  bind(bytes: Uint8Array, offset: number, length: number, networkOrder: boolean): this {
    this.bytes = bytes;
    this.offset = offset;
    this.length = length;
    this.networkOrder = networkOrder;
    return this;
  }

  checkLen(): number {
    return this.length < NULL_HEADER_LEN ? DecodeAnomaly.null_too_short : 0;
  }

  get family(): number {
    if (this.networkOrder) return u32(this.bytes, this.offset);
    const little = u32le(this.bytes, this.offset);
    return (little & 0xffff0000) !== 0 ? u32(this.bytes, this.offset) : little;
  }
}

/** Records the loopback layer; returns the offset of the IP packet. */
export function decodeNull(view: NullView, out: DecodedPacket): number {
  out.addLayer(Layer.NULL);
  return view.offset + NULL_HEADER_LEN;
}

/** Next-layer choice as an EtherType; 0 for a family that is not IP (`decode.null_unknown_family`). */
export function nullNext(view: NullView): number {
  switch (view.family) {
    case LoopbackFamily.INET:
      return EtherType.IPV4;
    case LoopbackFamily.INET6_BSD:
    case LoopbackFamily.INET6_FREEBSD:
    case LoopbackFamily.INET6_DARWIN:
      return EtherType.IPV6;
    default:
      return 0;
  }
}
