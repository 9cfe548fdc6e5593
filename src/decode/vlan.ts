/**
 * IEEE 802.1Q VLAN tag (EtherType 0x8100), 802.1ad service tag (0x88A8) and the pre-standard QinQ outer
 * tags 0x9100/0x9200. The 4 bytes after the tag's EtherType: TCI (PCP 3 bits, DEI 1 bit, VID 12 bits)
 * and the EtherType of what follows.
 */
import { EMPTY_BYTES, u16 } from './bytes.js';
import { DecodeAnomaly } from './events.js';
import { Layer, type DecodedPacket } from './packet.js';
import { hasAnomaly } from './anomaly.js';

const FIELD = { TCI: 0, ETHERTYPE: 2 } as const;
export const VLAN_TAG_LEN = 4;
/** Tags kept in `DecodedPacket.vlan`; deeper stacks are decoded through but their ids are not kept. */
export const MAX_VLAN_IDS = 3;

/** Zero-copy view of one VLAN tag. Valid until the buffer it is bound to is reused. */
export class VlanView {
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
    return this.length < VLAN_TAG_LEN ? DecodeAnomaly.vlan_too_short : 0;
  }

  get vid(): number {
    return u16(this.bytes, this.offset + FIELD.TCI) & 0x0fff;
  }

  get priority(): number {
    return this.bytes[this.offset + FIELD.TCI]! >> 5;
  }

  get etherType(): number {
    return u16(this.bytes, this.offset + FIELD.ETHERTYPE);
  }
}

/**
 * Records the tag's VLAN id (outermost first, up to `MAX_VLAN_IDS`; one more raises
 * `decode.vlan_too_many_layers` once per packet) and returns the offset of what follows.
 */
export function decodeVlan(view: VlanView, out: DecodedPacket): number {
  out.addLayer(Layer.VLAN);
  if (out.vlanCount < MAX_VLAN_IDS) {
    out.vlan[out.vlanCount++] = view.vid;
  } else if (!hasAnomaly(out, DecodeAnomaly.vlan_too_many_layers)) {
    out.addAnomaly(DecodeAnomaly.vlan_too_many_layers);
  }
  return view.offset + VLAN_TAG_LEN;
}

/** Next-layer choice: the EtherType after the tag. */
export function vlanNext(view: VlanView): number {
  return view.etherType;
}
