/**
 * Is this DNS? A plausible header (a defined opcode, counts that fit the message, not all zero) followed by
 * a well-formed first entry: a name of valid labels ending in the message (the first name cannot be
 * compressed: there is nothing before it to point to), a non-zero type and a class DNS uses. UDP probes
 * one datagram; TCP reads the 2-byte length prefix first (RFC 1035 §4.2.2). The same test finds a message
 * start when a TCP stream is resynchronised (state.ts). On port 53 (and on the mDNS and LLMNR ports) the
 * header alone decides, so that a malformed first message does not hide a DNS flow from its parser.
 *
 * mDNS and LLMNR share the wire format and are told apart by their ports (5353, RFC 6762; 5355, RFC 4795),
 * as NBNS (137, RFC 1002) would be: the `dns` probe leaves flows on those ports to their own modules.
 */
import { Probe, type ProbeContext, type ProbeResult } from '../module.js';
import type { DnsVariant } from './events.js';
import { MAX_NAME_WIRE_LENGTH } from './name.js';
import { opcodeValid, RrType } from './names.js';

export const Plausible = { NO: 0, YES: 1, NEED_MORE: 2 } as const;
export type Plausible = (typeof Plausible)[keyof typeof Plausible];

/** Questions a plausible message may announce: mDNS packs many (RFC 6762 §5.3), unicast DNS one. */
const MAX_PLAUSIBLE_QUESTIONS = 64;

export const MDNS_PORT = 5353;
export const LLMNR_PORT = 5355;
const NBNS_PORT = 137;

/** Classes in use: IN, CH, HS, NONE (RFC 2136), ANY; mDNS's top bit (QU / cache flush) masked off. */
function plausibleClass(cls: number): boolean {
  const c = cls & 0x7fff;
  return c === 1 || c === 3 || c === 4 || c === 254 || c === 255;
}

/**
 * The header test alone: a message of at least 12 bytes, a defined opcode, counts that fit `msgLen`, and
 * something in it unless it is a response (a FORMERR response may echo nothing). Used where the port or
 * the position says DNS already (port 53, the first bytes of a TCP direction).
 */
export function plausibleHeader(b: Uint8Array, s: number, avail: number, msgLen: number): Plausible {
  if (msgLen < 12) return Plausible.NO;
  if (avail < 12) return Plausible.NEED_MORE;
  if (!opcodeValid((b[s + 2]! >>> 3) & 0xf)) return Plausible.NO;
  const qd = (b[s + 4]! << 8) | b[s + 5]!;
  const rrs = ((b[s + 6]! << 8) | b[s + 7]!) + ((b[s + 8]! << 8) | b[s + 9]!) + ((b[s + 10]! << 8) | b[s + 11]!);
  if (qd + rrs === 0 && (b[s + 2]! & 0x80) === 0) return Plausible.NO;
  return 12 + qd * 5 + rrs * 11 <= msgLen ? Plausible.YES : Plausible.NO;
}

/**
 * Whether `b[s, s + avail)` starts a DNS message of `msgLen` bytes (`avail` ≤ `msgLen`; UDP: both are the
 * datagram's length). NEED_MORE when the answer depends on bytes after `avail`.
 */
export function plausibleMessage(b: Uint8Array, s: number, avail: number, msgLen: number): Plausible {
  if (msgLen < 12) return Plausible.NO;
  if (avail < 12) return Plausible.NEED_MORE;
  const flags = (b[s + 2]! << 8) | b[s + 3]!;
  if (!opcodeValid((flags >>> 11) & 0xf)) return Plausible.NO;
  const qd = (b[s + 4]! << 8) | b[s + 5]!;
  const rrs = ((b[s + 6]! << 8) | b[s + 7]!) + ((b[s + 8]! << 8) | b[s + 9]!) + ((b[s + 10]! << 8) | b[s + 11]!);
  if (qd > MAX_PLAUSIBLE_QUESTIONS || qd + rrs === 0) return Plausible.NO;
  // The smallest question is 5 bytes (root name, type, class), the smallest RR 11.
  if (12 + qd * 5 + rrs * 11 > msgLen) return Plausible.NO;
  const query = (flags & 0x8000) === 0;
  // A query without a question: only a cookie-only query (RFC 7873 §5.4), which carries an OPT RR.
  if (query && qd === 0 && ((b[s + 10]! << 8) | b[s + 11]!) === 0) return Plausible.NO;
  let p = s + 12;
  const end = s + msgLen;
  let wire = 0;
  for (;;) {
    if (p >= end) return Plausible.NO;
    if (p >= s + avail) return Plausible.NEED_MORE;
    const len = b[p]!;
    if (len === 0) break;
    if (len & 0xc0) return Plausible.NO;
    wire += len + 1;
    if (wire + 1 > MAX_NAME_WIRE_LENGTH || p + 1 + len >= end) return Plausible.NO;
    p += 1 + len;
  }
  p++;
  const fixed = qd > 0 ? 4 : 10;
  if (p + fixed > end) return Plausible.NO;
  if (p + fixed > s + avail) return Plausible.NEED_MORE;
  const type = (b[p]! << 8) | b[p + 1]!;
  const cls = (b[p + 2]! << 8) | b[p + 3]!;
  if (type === 0) return Plausible.NO;
  if (qd === 0 && type === RrType.OPT) return Plausible.YES; // an OPT's class is a payload size
  return plausibleClass(cls) ? Plausible.YES : Plausible.NO;
}

/**
 * The probe answer for `b[start, end)` over `transport`. `headerOnly` asks for a plausible header alone: on
 * the protocol's own port, so that a malformed first message (a name with a bad pointer, a class nobody
 * uses) still gets the flow parsed and its anomalies reported, instead of hiding the flow from the parser.
 */
function probeBytes(b: Uint8Array, start: number, end: number, ctx: ProbeContext, headerOnly: boolean): ProbeResult {
  const avail = end - start;
  const test = headerOnly ? plausibleHeader : plausibleMessage;
  if (ctx.transport === 'udp') return test(b, start, avail, avail) === Plausible.YES ? Probe.MINE : Probe.NOT_MINE;
  if (avail < 2) return Probe.NEED_MORE;
  const msgLen = (b[start]! << 8) | b[start + 1]!;
  const r = test(b, start + 2, Math.min(avail - 2, msgLen), msgLen);
  return r === Plausible.YES ? Probe.MINE : r === Plausible.NO ? Probe.NOT_MINE : Probe.NEED_MORE;
}

function onPort(ctx: ProbeContext, port: number): boolean {
  return ctx.serverPort === port || ctx.clientPort === port;
}

/** The probe of each variant. */
export function probeFor(variant: DnsVariant): (b: Uint8Array, start: number, end: number, ctx: ProbeContext) => ProbeResult {
  switch (variant) {
    case 'mdns':
      return (b, start, end, ctx) => (onPort(ctx, MDNS_PORT) ? probeBytes(b, start, end, ctx, true) : Probe.NOT_MINE);
    case 'llmnr':
      return (b, start, end, ctx) => (onPort(ctx, LLMNR_PORT) ? probeBytes(b, start, end, ctx, true) : Probe.NOT_MINE);
    case 'dns':
      return (b, start, end, ctx) => {
        // Port 53 is DNS whatever else; the ports of the protocols that borrow its format are theirs.
        if (ctx.serverPort !== 53 && (onPort(ctx, MDNS_PORT) || onPort(ctx, LLMNR_PORT) || onPort(ctx, NBNS_PORT)))
          return Probe.NOT_MINE;
        // On port 53 a plausible header is enough; elsewhere the first entry must be well-formed too.
        return probeBytes(b, start, end, ctx, onPort(ctx, 53));
      };
  }
}
