/**
 * ERSPAN, Cisco's encapsulated remote SPAN, carried in GRE: mirrored Ethernet frames.
 *
 * GRE protocol 0x88BE is type II when the GRE sequence flag is set (an 8-byte ERSPAN header: version 4
 * bits, VLAN 12, CoS/encapsulation/truncated/session id 16, reserved and index 32) and type I when it is
 * not (no header at all). Protocol 0x22EB is type III: a 12-byte header (version, VLAN, CoS, BSO, T, session
 * id, timestamp, SGT, P/FT/HW id/D/Gra/O) plus an 8-byte platform sub-header when O, the low bit of the
 * last byte, is set. This follows the IETF draft-foschiano-erspan and Wireshark's reading of it.
 */
import { EMPTY_BYTES, u16 } from './bytes.js';
import { DecodeAnomaly } from './events.js';

export const ERSPAN_2_HEADER_LEN = 8;
export const ERSPAN_3_HEADER_LEN = 12;
const ERSPAN_3_PLATFORM_LEN = 8;

/** Zero-copy view of an ERSPAN header; `type` is 1, 2 or 3. Valid until the buffer it is bound to is reused. */
export class ErspanView {
  bytes: Uint8Array = EMPTY_BYTES;
  offset = 0;
  length = 0;
  type = 0;

  bind(bytes: Uint8Array, offset: number, length: number, type: number): this {
    this.bytes = bytes;
    this.offset = offset;
    this.length = length;
    this.type = type;
    return this;
  }

  checkLen(): number {
    if (this.type === 1) return 0;
    if (this.length < ERSPAN_2_HEADER_LEN) return DecodeAnomaly.erspan_too_short;
    return this.headerLength > this.length ? DecodeAnomaly.erspan_too_short : 0;
  }

  get headerLength(): number {
    if (this.type === 1) return 0;
    if (this.type === 2) return ERSPAN_2_HEADER_LEN;
    if (this.length < ERSPAN_3_HEADER_LEN) return ERSPAN_3_HEADER_LEN;
    const platform = (this.bytes[this.offset + ERSPAN_3_HEADER_LEN - 1]! & 0x01) !== 0;
    return ERSPAN_3_HEADER_LEN + (platform ? ERSPAN_3_PLATFORM_LEN : 0);
  }

  /** Session id (10 bits), types II and III. */
  get sessionId(): number {
    return u16(this.bytes, this.offset + 2) & 0x03ff;
  }
}

/**
 * Returns the offset of the mirrored Ethernet frame. ERSPAN is recorded as part of its GRE layer and sets
 * no tunnel id: the session id names a mirroring session, not a tenant, and the mirrored flow is the same
 * flow whichever session copied it.
 */
export function decodeErspan(view: ErspanView): number {
  return view.offset + view.headerLength;
}
