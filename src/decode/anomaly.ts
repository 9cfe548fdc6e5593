/**
 * Helpers for raising anomalies on a packet: once-per-packet codes and the truncation flag.
 */
import { DecodeAnomaly } from './events.js';
import type { DecodedPacket } from './packet.js';

export function hasAnomaly(out: DecodedPacket, code: number): boolean {
  for (let i = 0; i < out.anomalyCount; i++) if (out.anomalies[i] === code) return true;
  return false;
}

/** Raises `code` unless the packet already has it (for conditions that can repeat within one packet). */
export function raiseOnce(out: DecodedPacket, code: number): void {
  if (!hasAnomaly(out, code)) out.addAnomaly(code);
}

/**
 * The capture holds fewer bytes than a header states: sets `truncated` and raises `decode.truncated`
 * (once per packet, however many layers notice it).
 */
export function markTruncated(out: DecodedPacket): void {
  if (!out.truncated) {
    out.truncated = true;
    out.addAnomaly(DecodeAnomaly.truncated);
  }
}
