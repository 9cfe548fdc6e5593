/**
 * Is this the template protocol? Both sides' lines start with `TMPL `. A probe sees a direction's first
 * bytes (for UDP one datagram); it answers as soon as the bytes allow, and never throws.
 */
import { Probe, type ProbeContext, type ProbeResult } from '../module.js';

export const TEMPLATE_PORT = 7099;
const MAGIC = [0x54, 0x4d, 0x50, 0x4c, 0x20]; // "TMPL "

export function probeTemplate(data: Uint8Array, start: number, end: number, _ctx: ProbeContext): ProbeResult {
  const n = Math.min(end - start, MAGIC.length);
  for (let i = 0; i < n; i++) if (data[start + i] !== MAGIC[i]) return Probe.NOT_MINE;
  return n === MAGIC.length ? Probe.MINE : Probe.NEED_MORE;
}
