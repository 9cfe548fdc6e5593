/**
 * SCTP common header (RFC 9260 §3.1): only the ports are decoded, so that SCTP flows are told apart. Chunks
 * are left to a protocol stage that wants them.
 */
import { EMPTY_BYTES, u16, u32 } from './bytes.js';
import { DecodeAnomaly } from './events.js';
import { Layer, type DecodedPacket } from './packet.js';

const FIELD = { SRC_PORT: 0, DST_PORT: 2, VERIFICATION_TAG: 4, CHECKSUM: 8 } as const;
export const SCTP_HEADER_LEN = FIELD.CHECKSUM + 4;

/** Zero-copy view of an SCTP common header. Valid until the buffer it is bound to is reused. */
export class SctpView {
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
    return this.length < SCTP_HEADER_LEN ? DecodeAnomaly.sctp_too_short : 0;
  }

  get srcPort(): number {
    return u16(this.bytes, this.offset + FIELD.SRC_PORT);
  }

  get dstPort(): number {
    return u16(this.bytes, this.offset + FIELD.DST_PORT);
  }

  get verificationTag(): number {
    return u32(this.bytes, this.offset + FIELD.VERIFICATION_TAG);
  }
}

/** Writes the ports and payload bounds (the chunks) into `out`. */
export function decodeSctp(view: SctpView, out: DecodedPacket): void {
  out.addLayer(Layer.SCTP);
  out.l4Offset = view.offset;
  out.l4Len = view.length;
  out.srcPort = view.srcPort;
  out.dstPort = view.dstPort;
  out.payloadOffset = view.offset + SCTP_HEADER_LEN;
  out.payloadLen = view.length - SCTP_HEADER_LEN;
}
