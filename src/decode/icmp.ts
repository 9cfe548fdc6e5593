/**
 * ICMP for IPv4 (RFC 792).
 *
 * Every message starts with type, code, checksum and 4 bytes whose meaning depends on the type: identifier
 * and sequence for queries (echo, timestamp, information, address mask), unused or a pointer/gateway for
 * errors. Errors (destination unreachable, source quench, redirect, time exceeded, parameter problem) then
 * quote the IP header and at least the first 8 bytes of the packet that caused them (RFC 792; RFC 1812
 * §4.3.2.3 lets routers quote more). The quote is read by icmp-quote.ts so the flow table can tie the error
 * to the flow it is about.
 */
import { EMPTY_BYTES, u16 } from './bytes.js';
import { DecodeAnomaly } from './events.js';
import { Layer, type DecodedPacket } from './packet.js';

const FIELD = { TYPE: 0, CODE: 1, CHECKSUM: 2, IDENT: 4, SEQ_NO: 6 } as const;
export const ICMP_HEADER_LEN = 8;

export const IcmpType = {
  ECHO_REPLY: 0,
  DEST_UNREACHABLE: 3,
  SOURCE_QUENCH: 4,
  REDIRECT: 5,
  ECHO_REQUEST: 8,
  TIME_EXCEEDED: 11,
  PARAMETER_PROBLEM: 12,
  TIMESTAMP: 13,
  TIMESTAMP_REPLY: 14,
  INFO_REQUEST: 15,
  INFO_REPLY: 16,
  MASK_REQUEST: 17,
  MASK_REPLY: 18,
} as const;

/** Error messages, which quote the packet that caused them. */
export function isIcmpError(type: number): boolean {
  return type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
}

/** Query messages, whose request and reply share the identifier in bytes 4-5. */
export function isIcmpQuery(type: number): boolean {
  return type === 0 || type === 8 || (type >= 13 && type <= 18);
}

/** Zero-copy view of an ICMP message. Valid until the buffer it is bound to is reused. */
export class IcmpView {
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
    return this.length < ICMP_HEADER_LEN ? DecodeAnomaly.icmp_too_short : 0;
  }

  get type(): number {
    return this.bytes[this.offset + FIELD.TYPE]!;
  }

  get code(): number {
    return this.bytes[this.offset + FIELD.CODE]!;
  }

  get checksum(): number {
    return u16(this.bytes, this.offset + FIELD.CHECKSUM);
  }

  get identifier(): number {
    return u16(this.bytes, this.offset + FIELD.IDENT);
  }

  get sequence(): number {
    return u16(this.bytes, this.offset + FIELD.SEQ_NO);
  }
}

/**
 * Writes type, code, the query identifier and the payload bounds (echo data, or the quoted packet of an
 * error) into `out`. Returns the payload offset.
 */
export function decodeIcmp(view: IcmpView, out: DecodedPacket): number {
  out.addLayer(Layer.ICMP);
  const type = view.type;
  out.l4Offset = view.offset;
  out.l4Len = view.length;
  out.icmpType = type;
  out.icmpCode = view.code;
  if (isIcmpQuery(type)) out.icmpId = view.identifier;
  out.payloadOffset = view.offset + ICMP_HEADER_LEN;
  out.payloadLen = view.length - ICMP_HEADER_LEN;
  return out.payloadOffset;
}

/** Next-layer choice: true when the payload is a quoted IP packet. */
export function icmpQuotes(view: IcmpView): boolean {
  return isIcmpError(view.type);
}
