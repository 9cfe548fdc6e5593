/**
 * EDNS(0) (RFC 6891 §6.1): the OPT pseudo-RR's CLASS is the UDP payload size, its TTL packs the extended
 * rcode, the version and the flags (DO, RFC 3225), its RDATA is a list of {code, length, data} options.
 * Options decoded here: NSID (RFC 5001), client subnet (RFC 7871), cookies (RFC 7873), TCP keepalive
 * (RFC 7828), extended errors (RFC 8914); all keep their bytes in hex. The option list is bounded by the
 * RDATA length (4 bytes per option at least).
 */
import type { DnsEdns, DnsEdnsOption } from './events.js';
import { DnsAnomaly } from './anomalies.js';
import { hex, ipv4, ipv6, text } from './format.js';
import { ednsOptionName } from './names.js';
import { u16, type WireContext } from './rdata.js';

/** The EDNS data of an OPT RR whose CLASS, TTL and RDATA `[s, e)` are given. */
export function readOpt(ctx: WireContext, cls: number, ttl: number, s: number, e: number): DnsEdns {
  const b = ctx.b;
  const options: DnsEdnsOption[] = [];
  let bad = false;
  let p = s;
  while (p < e) {
    if (p + 4 > e || p + 4 + u16(b, p + 2) > e) {
      bad = true;
      break;
    }
    const code = u16(b, p);
    const os = p + 4;
    const oe = os + u16(b, p + 2);
    const opt: DnsEdnsOption = { code, name: ednsOptionName(code), data: hex(b, os, oe) };
    if (!decodeOption(b, code, os, oe, opt)) bad = true;
    options.push(opt);
    p = oe;
  }
  if (bad) ctx.raise(DnsAnomaly.EDNS_BAD_OPTION);
  const flags = ttl & 0xffff;
  return {
    udpPayloadSize: cls,
    extendedRcode: ttl >>> 24,
    version: (ttl >>> 16) & 0xff,
    dnssecOk: (flags & 0x8000) !== 0,
    flags,
    options,
  };
}

/** Adds the decoded form of a known option to `opt`; false when its value is malformed for its code. */
function decodeOption(b: Uint8Array, code: number, s: number, e: number, opt: DnsEdnsOption): boolean {
  const len = e - s;
  switch (code) {
    case 3: // NSID: opaque, usually a host name
      opt.nsid = text(b, s, e, false);
      return true;
    case 8: {
      // ECS: family, source and scope prefix lengths, then the address cut to ceil(source / 8) bytes (RFC 7871 §6).
      if (len < 4) return false;
      const family = u16(b, s);
      const source = b[s + 2]!;
      const scope = b[s + 3]!;
      const size = family === 1 ? 4 : family === 2 ? 16 : 0;
      if (size === 0 || source > size * 8 || scope > size * 8 || len - 4 !== (source + 7) >>> 3) return false;
      // The address bits beyond the source prefix must be zero (RFC 7871 §6, ADDRESS).
      if (source % 8 !== 0 && (b[e - 1]! & (0xff >>> (source % 8))) !== 0) return false;
      const addr = new Uint8Array(16);
      addr.set(b.subarray(s + 4, e));
      opt.ecs = { family, sourcePrefix: source, scopePrefix: scope, address: size === 4 ? ipv4(addr, 0) : ipv6(addr, 0) };
      return true;
    }
    case 10: // COOKIE: an 8-byte client cookie, then a server cookie of 8 to 32 bytes when the server has one
      if (len !== 8 && (len < 16 || len > 40)) return false;
      opt.cookie = { client: hex(b, s, s + 8), server: len > 8 ? hex(b, s + 8, e) : null };
      return true;
    case 11: // TCP keepalive: empty in queries, a 16-bit timeout in responses
      if (len !== 0 && len !== 2) return false;
      opt.keepalive = { timeout: len === 2 ? u16(b, s) : null };
      return true;
    case 15: // EDE: a 16-bit info code, then UTF-8 text
      if (len < 2) return false;
      opt.ede = { infoCode: u16(b, s), text: text(b, s + 2, e, false) };
      return true;
    default:
      return true;
  }
}
