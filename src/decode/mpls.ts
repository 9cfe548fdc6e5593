/**
 * MPLS label stack (EtherTypes 0x8847 unicast, 0x8848 multicast; RFC 3032).
 *
 * Each entry is 4 bytes: label (20 bits), traffic class (3), bottom-of-stack S (1), TTL (8). Nothing in
 * the stack names the payload: routers know it from the label's binding, an inspector has to guess. The
 * guess, as Wireshark, Suricata and Zeek make it, reads the first nibble after the bottom entry: 4 is IPv4,
 * 6 is IPv6, 0 is a pseudowire control word (RFC 4385: first nibble 0000) followed by an Ethernet frame.
 * An Ethernet pseudowire without a control word whose destination MAC starts with 4 or 6 is misread as IP;
 * every passive decoder shares that ambiguity.
 */
import { EMPTY_BYTES } from './bytes.js';
import { EtherType } from './ethernet.js';
import { DecodeAnomaly } from './events.js';
import { Layer, type DecodedPacket } from './packet.js';

const ENTRY_LEN = 4;
const PW_CONTROL_WORD_LEN = 4;
/**
 * Labels followed before giving up. Real stacks are 1 to 5 entries (VPN, TE, entropy label pairs); 16
 * leaves room for unusual ones while bounding what a crafted frame of 4-byte entries can make us walk.
 */
export const MAX_MPLS_LABELS = 16;

/** Zero-copy view of a whole label stack, bound at its first entry. Valid until the buffer is reused. */
export class MplsView {
  bytes: Uint8Array = EMPTY_BYTES;
  offset = 0;
  length = 0;
  /** Entries up to and including the bottom of stack; set by `checkLen()`. */
  labelCount = 0;

  bind(bytes: Uint8Array, offset: number, length: number): this {
    this.bytes = bytes;
    this.offset = offset;
    this.length = length;
    this.labelCount = 0;
    return this;
  }

  /** Walks to the bottom-of-stack entry: `mpls_too_short` when the bytes end first, `mpls_too_many_labels` past the cap. */
  checkLen(): number {
    const b = this.bytes;
    for (let i = 0; i < MAX_MPLS_LABELS; i++) {
      const at = i * ENTRY_LEN;
      if (at + ENTRY_LEN > this.length) return DecodeAnomaly.mpls_too_short;
      if ((b[this.offset + at + 2]! & 0x01) !== 0) {
        this.labelCount = i + 1;
        return 0;
      }
    }
    return DecodeAnomaly.mpls_too_many_labels;
  }

  /** Label of entry `i` (0 = top of stack). */
  label(i: number): number {
    const o = this.offset + i * ENTRY_LEN;
    const b = this.bytes;
    return (b[o]! << 12) | (b[o + 1]! << 4) | (b[o + 2]! >> 4);
  }

  get stackLength(): number {
    return this.labelCount * ENTRY_LEN;
  }

  /** First nibble after the stack, or -1 when nothing follows it. */
  get payloadNibble(): number {
    const at = this.stackLength;
    return at < this.length ? this.bytes[this.offset + at]! >> 4 : -1;
  }
}

/** Records the MPLS layer; returns the offset of the payload (after a pseudowire control word when there is one). */
export function decodeMpls(view: MplsView, out: DecodedPacket): number {
  out.addLayer(Layer.MPLS);
  const at = view.offset + view.stackLength;
  return view.payloadNibble === 0 ? at + PW_CONTROL_WORD_LEN : at;
}

/**
 * Next-layer choice, as an EtherType: IPv4, IPv6, `EtherType.TEB` (an Ethernet pseudowire) or 0 when the
 * payload cannot be told (the caller raises `decode.mpls_unknown_payload`).
 */
export function mplsNext(view: MplsView): number {
  switch (view.payloadNibble) {
    case 4:
      return EtherType.IPV4;
    case 6:
      return EtherType.IPV6;
    case 0:
      return EtherType.TEB;
    default:
      return 0;
  }
}
