/**
 * IPv6 extension headers (RFC 8200 §4): hop-by-hop options, routing, fragment, destination options,
 * authentication header (RFC 4302), and the mobility, HIP and shim6 headers that share their format
 * (RFC 7045 lists them all).
 *
 * Every one starts with Next Header and a length: in 8-byte units not counting the first 8 for most, in
 * 4-byte units minus 2 for AH (RFC 4302 §2.2), and the fragment header is always 8 bytes. ESP (50) is not
 * one of them: what follows it is encrypted, so decoding stops there with `ipProto` = 50.
 */
import { EMPTY_BYTES, u16, u32 } from './bytes.js';
import { DecodeAnomaly } from './events.js';
import { IpProto, Layer, type DecodedPacket } from './packet.js';

const FIELD = { NXT_HDR: 0, LENGTH: 1, DATA: 2 } as const;
const FRAGMENT_FIELD = { NXT_HDR: 0, RESERVED: 1, OFF_FLAGS: 2, IDENT: 4 } as const;
export const IPV6_FRAGMENT_HEADER_LEN = 8;
/** Smallest extension header (the first two bytes are all a header needs to say how long it is). */
const MIN_LEN = 2;

/**
 * Extension headers followed before giving up (`decode.ipv6_too_many_ext_headers`). RFC 8200 §4.1 allows
 * each header once (destination options twice), which makes 7 in a legal chain; real traffic carries one
 * or two. More is an evasion attempt (RFC 7112: a chain long enough to push the transport header out of
 * the first fragment).
 */
export const MAX_IPV6_EXT_HEADERS = 8;

const ROUTING_TYPE_0 = 0;

/** True when `proto` is an extension header the decoder walks through. */
export function isIpv6ExtHeader(proto: number): boolean {
  switch (proto) {
    case IpProto.HOPOPT:
    case IpProto.ROUTING:
    case IpProto.FRAGMENT:
    case IpProto.AH:
    case IpProto.DSTOPTS:
    case 135: // Mobility (RFC 6275)
    case 139: // HIP (RFC 7401)
    case 140: // Shim6 (RFC 5533)
      return true;
    default:
      return false;
  }
}

/**
 * Zero-copy view of one extension header of kind `kind` (its protocol number: the previous header's Next
 * Header). Valid until the buffer it is bound to is reused.
 */
export class Ipv6ExtView {
  bytes: Uint8Array = EMPTY_BYTES;
  offset = 0;
  length = 0;
  kind = 0;

  bind(bytes: Uint8Array, offset: number, length: number, kind: number): this {
    this.bytes = bytes;
    this.offset = offset;
    this.length = length;
    this.kind = kind;
    return this;
  }

  /** `ipv6_ext_header_truncated` when the header's stated length runs past the bytes present. */
  checkLen(): number {
    if (this.length < MIN_LEN) return DecodeAnomaly.ipv6_ext_header_truncated;
    return this.headerLength > this.length ? DecodeAnomaly.ipv6_ext_header_truncated : 0;
  }

  get nextHeader(): number {
    return this.bytes[this.offset + FIELD.NXT_HDR]!;
  }

  get headerLength(): number {
    const len = this.bytes[this.offset + FIELD.LENGTH]!;
    if (this.kind === IpProto.FRAGMENT) return IPV6_FRAGMENT_HEADER_LEN;
    if (this.kind === IpProto.AH) return (len + 2) << 2;
    return (len + 1) << 3;
  }

  /** Routing header type (byte 2); meaningful for kind ROUTING. */
  get routingType(): number {
    return this.bytes[this.offset + FIELD.DATA]!;
  }

  /** Fragment offset in bytes; meaningful for kind FRAGMENT. */
  get fragmentOffset(): number {
    return u16(this.bytes, this.offset + FRAGMENT_FIELD.OFF_FLAGS) & 0xfff8;
  }

  get moreFragments(): boolean {
    return (this.bytes[this.offset + FRAGMENT_FIELD.OFF_FLAGS + 1]! & 0x01) !== 0;
  }

  get fragmentId(): number {
    return u32(this.bytes, this.offset + FRAGMENT_FIELD.IDENT);
  }

  /** RFC 6946 atomic fragment: a fragment header with offset 0 and M clear, which is a whole datagram. */
  get isAtomicFragment(): boolean {
    return (u16(this.bytes, this.offset + FRAGMENT_FIELD.OFF_FLAGS) & 0xfff9) === 0;
  }

  /**
   * Walks the TLV options of a hop-by-hop or destination options header (RFC 8200 §4.2): Pad1 is one byte,
   * every other option is type, data length, data. False when an option runs past the header.
   */
  optionsWellFormed(): boolean {
    const b = this.bytes;
    const end = this.offset + this.headerLength;
    let i = this.offset + FIELD.DATA;
    while (i < end) {
      if (b[i] === 0) {
        i++;
        continue;
      }
      if (i + 2 > end) return false;
      i += 2 + b[i + 1]!;
    }
    return i === end;
  }
}

/**
 * Records the extension header (`Layer.FRAGMENT` for a fragment header, `Layer.IPV6_EXT` otherwise),
 * raises what is wrong inside it (bad options, deprecated routing type 0), and returns the offset of what
 * follows. Fragment handling itself is the decoder's: this function does not decide about reassembly.
 */
export function decodeIpv6Ext(view: Ipv6ExtView, out: DecodedPacket): number {
  const kind = view.kind;
  if (kind === IpProto.FRAGMENT) {
    out.addLayer(Layer.FRAGMENT);
    out.ipId = view.fragmentId;
  } else {
    out.addLayer(Layer.IPV6_EXT);
    if (kind === IpProto.HOPOPT || kind === IpProto.DSTOPTS) {
      if (!view.optionsWellFormed()) out.addAnomaly(DecodeAnomaly.ipv6_bad_options);
    } else if (kind === IpProto.ROUTING && view.routingType === ROUTING_TYPE_0) {
      out.addAnomaly(DecodeAnomaly.ipv6_routing_type0);
    }
  }
  return view.offset + view.headerLength;
}

/** Next-layer choice: this header's Next Header. */
export function ipv6ExtNext(view: Ipv6ExtView): number {
  return view.nextHeader;
}
