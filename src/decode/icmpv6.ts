/**
 * ICMPv6 (RFC 4443).
 *
 * Type, code and checksum, then a body whose first 4 bytes depend on the type. Errors are types 1-127 and
 * the four RFC 4443 defines (destination unreachable 1, packet too big 2, time exceeded 3, parameter
 * problem 4) quote "as much of invoking packet as possible" after those 4 bytes. Echo (128, 129) carries
 * identifier and sequence. Neighbour discovery and MLD are informational messages and are left to later
 * stages.
 */
import { DecodeAnomaly } from './events.js';
import { IcmpView } from './icmp.js';
import { Layer, type DecodedPacket } from './packet.js';

/** Type, code, checksum: all a message needs to be named. */
export const ICMPV6_MIN_LEN = 4;
/** Errors and echo messages have the 4 bytes after the checksum too. */
export const ICMPV6_HEADER_LEN = 8;

export const Icmpv6Type = {
  DEST_UNREACHABLE: 1,
  PACKET_TOO_BIG: 2,
  TIME_EXCEEDED: 3,
  PARAMETER_PROBLEM: 4,
  ECHO_REQUEST: 128,
  ECHO_REPLY: 129,
} as const;

/** The error messages that quote the invoking packet. */
export function isIcmpv6Error(type: number): boolean {
  return type >= 1 && type <= 4;
}

export function isIcmpv6Echo(type: number): boolean {
  return type === 128 || type === 129;
}

/**
 * Zero-copy view of an ICMPv6 message: the ICMP header layout (type, code, checksum, identifier, sequence),
 * with ICMPv6's own length rule. Valid until the buffer it is bound to is reused.
 */
export class Icmpv6View extends IcmpView {
  /** `icmpv6_too_short` below 4 bytes, or below 8 for an error or echo message. */
  override checkLen(): number {
    if (this.length < ICMPV6_MIN_LEN) return DecodeAnomaly.icmpv6_too_short;
    const type = this.type;
    if (this.length < ICMPV6_HEADER_LEN && (isIcmpv6Error(type) || isIcmpv6Echo(type))) return DecodeAnomaly.icmpv6_too_short;
    return 0;
  }
}

/**
 * Writes type, code, the echo identifier and the payload bounds into `out`. The payload starts after the
 * 8-byte header (echo data, a quoted packet, or ND options) or after 4 bytes for a shorter message.
 * Returns the payload offset.
 */
export function decodeIcmpv6(view: Icmpv6View, out: DecodedPacket): number {
  out.addLayer(Layer.ICMPV6);
  const type = view.type;
  out.l4Offset = view.offset;
  out.l4Len = view.length;
  out.icmpType = type;
  out.icmpCode = view.code;
  if (isIcmpv6Echo(type)) out.icmpId = view.identifier;
  const hlen = view.length < ICMPV6_HEADER_LEN ? ICMPV6_MIN_LEN : ICMPV6_HEADER_LEN;
  out.payloadOffset = view.offset + hlen;
  out.payloadLen = view.length - hlen;
  return out.payloadOffset;
}

/** Next-layer choice: true when the payload is a quoted IPv6 packet. */
export function icmpv6Quotes(view: Icmpv6View): boolean {
  return isIcmpv6Error(view.type);
}
