/**
 * Geneve (RFC 8926 §3.4), over UDP on the ports in `DecodeOptions.genevePorts` (6081 by IANA).
 *
 * Layout: version (2 bits) and options length (6 bits, 4-byte words), O and C flags and 6 reserved bits,
 * protocol type (2, an EtherType: 0x6558 for Ethernet, or IPv4/IPv6 directly), VNI (3), reserved (1), then
 * the options. Each option is class (2), type (1), 3 reserved bits and a 5-bit length in 4-byte words,
 * then its data. A version other than 0 is not Geneve as we know it (RFC 8926: "MUST drop"): the datagram
 * stays plain UDP. Options that do not add up to the stated options length are reported, and the payload
 * is still found from that length, which is what every receiver uses.
 */
import { EMPTY_BYTES, u16, u24 } from './bytes.js';
import { DecodeAnomaly } from './events.js';
import { Layer, type DecodedPacket } from './packet.js';

const FIELD = { VER_OPTLEN: 0, FLAGS: 1, PROTOCOL: 2, VNI: 4, OPTIONS: 8 } as const;
export const GENEVE_HEADER_LEN = FIELD.OPTIONS;
const OPTION_HEADER_LEN = 4;

/** Zero-copy view of a Geneve header with its options. Valid until the buffer it is bound to is reused. */
export class GeneveView {
  bytes: Uint8Array = EMPTY_BYTES;
  offset = 0;
  length = 0;

  bind(bytes: Uint8Array, offset: number, length: number): this {
    this.bytes = bytes;
    this.offset = offset;
    this.length = length;
    return this;
  }

  /**
   * `geneve_too_short` when the fixed header or the stated options are not all present; `geneve_bad_version`;
   * `geneve_bad_options` (usable, see `geneveUsable`) when the option TLVs do not fill the options length.
   */
  checkLen(): number {
    if (this.length < GENEVE_HEADER_LEN) return DecodeAnomaly.geneve_too_short;
    if (this.version !== 0) return DecodeAnomaly.geneve_bad_version;
    if (this.headerLength > this.length) return DecodeAnomaly.geneve_too_short;
    return this.optionsWellFormed() ? 0 : DecodeAnomaly.geneve_bad_options;
  }

  get version(): number {
    return this.bytes[this.offset + FIELD.VER_OPTLEN]! >> 6;
  }

  /** Header length in bytes, options included. */
  get headerLength(): number {
    return GENEVE_HEADER_LEN + ((this.bytes[this.offset + FIELD.VER_OPTLEN]! & 0x3f) << 2);
  }

  /** O flag: a control packet (RFC 8926 §3.4). */
  get isControl(): boolean {
    return (this.bytes[this.offset + FIELD.FLAGS]! & 0x80) !== 0;
  }

  get protocolType(): number {
    return u16(this.bytes, this.offset + FIELD.PROTOCOL);
  }

  get vni(): number {
    return u24(this.bytes, this.offset + FIELD.VNI);
  }

  private optionsWellFormed(): boolean {
    const b = this.bytes;
    const end = this.offset + this.headerLength;
    let i = this.offset + FIELD.OPTIONS;
    while (i < end) {
      if (i + OPTION_HEADER_LEN > end) return false;
      i += OPTION_HEADER_LEN + ((b[i + 3]! & 0x1f) << 2);
    }
    return i === end;
  }
}

export function geneveUsable(code: number): boolean {
  return code === 0 || code === DecodeAnomaly.geneve_bad_options;
}

/** Records the Geneve layer and the VNI as `tunnelId`; returns the offset of the payload. */
export function decodeGeneve(view: GeneveView, out: DecodedPacket): number {
  out.addLayer(Layer.GENEVE);
  out.tunnelId = view.vni;
  return view.offset + view.headerLength;
}

/** Next-layer choice: the protocol type, an EtherType (0x6558 is an Ethernet frame). */
export function geneveNext(view: GeneveView): number {
  return view.protocolType;
}
