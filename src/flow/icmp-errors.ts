/**
 * ICMP errors and the flows they belong to. An ICMP error (destination unreachable, time exceeded, ...)
 * quotes the header of the packet that caused it; as Suricata does, it counts in that packet's flow, in
 * the direction back towards the quoted packet's sender, when the flow exists.
 */
import type { DecodedPacket } from '../decode/packet.js';
import { type FlowTable, fillQuotedKey, hashKey } from './flow-table.js';

/**
 * The flow an ICMP error quotes, encoded as `slot * 2 + direction` (the direction the error travels in
 * that flow), or -1 when the packet is no usable error or the flow is not in the table. `key` is scratch.
 */
export function quotedFlowOf(p: DecodedPacket, table: FlowTable, key: Uint32Array, vlanInKey: boolean): number {
  if (!p.icmpQuotedValid) return -1;
  const quotedSrcIsA = fillQuotedKey(p, key, vlanInKey);
  const slot = table.lookup(key, hashKey(key));
  if (slot < 0) return -1;
  const flow = table.flows[slot]!;
  // The quoted packet went in direction 0 when its source is the client; the error goes back the other way.
  const quotedDir = quotedSrcIsA === flow.clientIsA ? 0 : 1;
  return slot * 2 + (quotedDir ^ 1);
}
