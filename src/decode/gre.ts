/**
 * GRE (IP protocol 47): version 0 (RFC 2784 with the key and sequence fields of RFC 2890, and RFC 1701's
 * routing field, which old routers still send) and version 1, PPTP's enhanced GRE (RFC 2637 §4.1).
 *
 * Version 0 layout: flags and version (2: C 0x8000, R 0x4000, K 0x2000, S 0x1000), protocol type (2, an
 * EtherType), then checksum and offset (4, when C or R), key (4, when K), sequence (4, when S), and with R
 * a list of source route entries (address family 2, SRE offset 1, SRE length 1, data) ending with one of
 * length 0. The protocol type says what follows: IPv4, IPv6, 0x6558 Ethernet (transparent bridging, as
 * NVGRE and Linux gretap send), 0x88BE/0x22EB ERSPAN (erspan.ts), MPLS.
 *
 * Version 1 always has the key field (payload length and call id) and may carry sequence and
 * acknowledgement numbers (A flag 0x0080). Its payload is PPP inside a PPTP VPN: recognised, recorded as
 * GRE, not decapsulated. Versions 2-7 are not defined (`decode.gre_bad_version`).
 */
import { EMPTY_BYTES, u16, u32 } from './bytes.js';
import { DecodeAnomaly } from './events.js';
import { Layer, type DecodedPacket } from './packet.js';

const FIELD = { FLAGS_VERSION: 0, PROTOCOL: 2, OPTIONAL: 4 } as const;
export const GRE_MIN_HEADER_LEN = FIELD.OPTIONAL;

export const GreFlag = { CHECKSUM: 0x8000, ROUTING: 0x4000, KEY: 0x2000, SEQUENCE: 0x1000, ACK: 0x0080 } as const;
const VERSION_MASK = 0x0007;
const SRE_HEADER_LEN = 4;
/** Source route entries walked at most: RFC 1701 routing is obsolete, and this bounds a crafted list. */
const MAX_SRES = 16;

/** Zero-copy view of a GRE header. Valid until the buffer it is bound to is reused. */
export class GreView {
  bytes: Uint8Array = EMPTY_BYTES;
  offset = 0;
  length = 0;
  /** Header length in bytes with every optional field; set by `checkLen()`. */
  headerLength = 0;

  bind(bytes: Uint8Array, offset: number, length: number): this {
    this.bytes = bytes;
    this.offset = offset;
    this.length = length;
    this.headerLength = 0;
    return this;
  }

  /** `gre_too_short` when the header its flags announce is not all present; `gre_bad_version` for versions 2-7. */
  checkLen(): number {
    if (this.length < GRE_MIN_HEADER_LEN) return DecodeAnomaly.gre_too_short;
    const fv = this.flagsVersion;
    const version = fv & VERSION_MASK;
    let hlen = GRE_MIN_HEADER_LEN;
    if (version === 0) {
      if ((fv & (GreFlag.CHECKSUM | GreFlag.ROUTING)) !== 0) hlen += 4;
      if ((fv & GreFlag.KEY) !== 0) hlen += 4;
      if ((fv & GreFlag.SEQUENCE) !== 0) hlen += 4;
      if ((fv & GreFlag.ROUTING) !== 0) {
        const b = this.bytes;
        for (let n = 0; ; n++) {
          if (n >= MAX_SRES || hlen + SRE_HEADER_LEN > this.length) return DecodeAnomaly.gre_too_short;
          const sreLen = b[this.offset + hlen + 3]!;
          hlen += SRE_HEADER_LEN + sreLen;
          if (sreLen === 0) break;
        }
      }
    } else if (version === 1) {
      hlen += 4;
      if ((fv & GreFlag.SEQUENCE) !== 0) hlen += 4;
      if ((fv & GreFlag.ACK) !== 0) hlen += 4;
    } else {
      return DecodeAnomaly.gre_bad_version;
    }
    if (hlen > this.length) return DecodeAnomaly.gre_too_short;
    this.headerLength = hlen;
    return 0;
  }

  get flagsVersion(): number {
    return u16(this.bytes, this.offset + FIELD.FLAGS_VERSION);
  }

  get version(): number {
    return this.flagsVersion & VERSION_MASK;
  }

  get protocolType(): number {
    return u16(this.bytes, this.offset + FIELD.PROTOCOL);
  }

  get hasKey(): boolean {
    return (this.flagsVersion & GreFlag.KEY) !== 0;
  }

  get hasSequence(): boolean {
    return (this.flagsVersion & GreFlag.SEQUENCE) !== 0;
  }

  /** The key (version 0 with K set; for version 1 the payload length and call id). */
  get key(): number {
    const hasChecksum = (this.flagsVersion & (GreFlag.CHECKSUM | GreFlag.ROUTING)) !== 0;
    return u32(this.bytes, this.offset + FIELD.OPTIONAL + (hasChecksum ? 4 : 0));
  }
}

/** Records the GRE layer and, for version 0 with a key, the key as `tunnelId`. Returns the payload offset. */
export function decodeGre(view: GreView, out: DecodedPacket): number {
  out.addLayer(Layer.GRE);
  if (view.version === 0 && view.hasKey) out.tunnelId = view.key;
  return view.offset + view.headerLength;
}

/** Next-layer choice: the protocol type as an EtherType for version 0; 0 (not decapsulated) for PPTP. */
export function greNext(view: GreView): number {
  return view.version === 0 ? view.protocolType : 0;
}
