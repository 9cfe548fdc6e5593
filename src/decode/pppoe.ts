/**
 * PPPoE session stage (EtherType 0x8864; RFC 2516 §4) and the PPP protocol field after it.
 *
 * Layout: version and type (1 byte, 0x11), code (1, 0 in session), session id (2), length (2, the PPP
 * frame), then the PPP protocol: 0x0021 IPv4, 0x0057 IPv6 (RFC 1332, RFC 5072); LCP, IPCP and the other
 * control protocols are not IP and not anomalies. PPP protocol-field compression (RFC 1661 §6.5) sends
 * protocols below 0x100 as one odd byte; RFC 2516 says it SHOULD NOT be used on PPPoE, but peers may, so
 * both forms are read.
 */
import { EMPTY_BYTES, u16 } from './bytes.js';
import { EtherType } from './ethernet.js';
import { DecodeAnomaly } from './events.js';
import { Layer, type DecodedPacket } from './packet.js';

const FIELD = { VER_TYPE: 0, CODE: 1, SESSION: 2, LENGTH: 4, PPP_PROTOCOL: 6 } as const;
/** PPPoE header plus a one-byte (compressed) PPP protocol: the least a session frame can be. */
const MIN_LEN = 7;

export const PppProtocol = { IPV4: 0x0021, IPV6: 0x0057 } as const;

/** Zero-copy view of a PPPoE session header. Valid until the buffer it is bound to is reused. */
export class PppoeView {
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
    if (this.length < MIN_LEN) return DecodeAnomaly.pppoe_too_short;
    if (!this.protocolCompressed && this.length < MIN_LEN + 1) return DecodeAnomaly.pppoe_too_short;
    return 0;
  }

  get sessionId(): number {
    return u16(this.bytes, this.offset + FIELD.SESSION);
  }

  get payloadLength(): number {
    return u16(this.bytes, this.offset + FIELD.LENGTH);
  }

  /** A compressed protocol field is one byte with the low bit set (RFC 1661 §2). */
  get protocolCompressed(): boolean {
    return (this.bytes[this.offset + FIELD.PPP_PROTOCOL]! & 0x01) !== 0;
  }

  get pppProtocol(): number {
    const o = this.offset + FIELD.PPP_PROTOCOL;
    return this.protocolCompressed ? this.bytes[o]! : u16(this.bytes, o);
  }

  /** Bytes from the start of the PPPoE header to the PPP payload. */
  get headerLength(): number {
    return FIELD.PPP_PROTOCOL + (this.protocolCompressed ? 1 : 2);
  }
}

/** Records the PPPoE layer; returns the offset of the PPP payload. */
export function decodePppoe(view: PppoeView, out: DecodedPacket): number {
  out.addLayer(Layer.PPPOE);
  return view.offset + view.headerLength;
}

/** Next-layer choice as an EtherType: IPv4, IPv6, or 0 for PPP control and other non-IP protocols. */
export function pppoeNext(view: PppoeView): number {
  const p = view.pppProtocol;
  return p === PppProtocol.IPV4 ? EtherType.IPV4 : p === PppProtocol.IPV6 ? EtherType.IPV6 : 0;
}
