/**
 * RDATA by type: the layouts of RFC 1035 §3.3 (names, MX, TXT, SOA), RFC 3596 (AAAA), RFC 2782 (SRV),
 * RFC 8659 (CAA), RFC 9460 (SVCB, HTTPS), RFC 4255 (SSHFP), RFC 4034 (DS, DNSKEY, RRSIG). Anything else is kept as hex.
 *
 * RDATA that does not fit its type's layout (a length that is not the type's, a name or a string running
 * past the RDATA) raises `dns.rdata_length_mismatch` and is kept as hex: the record still has the bytes.
 * The lists built here (TXT strings, SvcParams) are bounded by the RDATA's length, itself within the message.
 */
import type { DnsRdata, DnsSvcParam } from './events.js';
import { DnsAnomaly } from './anomalies.js';
import { base64, hex, ipv4, ipv6, text } from './format.js';
import { nameResult, readName } from './name.js';
import { RrType, rrTypeName, svcParamName } from './names.js';

/** What RDATA decoding needs of the message being parsed. */
export interface WireContext {
  readonly b: Uint8Array;
  /** Offset of the message's first byte (compression pointers count from it) and of the byte after its last. */
  readonly base: number;
  readonly msgEnd: number;
  readonly maxJumps: number;
  /** Raises an anomaly on the message (a `DnsAnomaly` code). */
  raise(code: number): void;
  /** Set by `readRdata` when a name inside the RDATA could not be read whole. */
  rdataTruncated: boolean;
}

export function u16(b: Uint8Array, i: number): number {
  return (b[i]! << 8) | b[i + 1]!;
}

export function u32(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
}

function raw(ctx: WireContext, s: number, e: number): DnsRdata {
  return { kind: 'raw', data: hex(ctx.b, s, e) };
}

function mismatch(ctx: WireContext, s: number, e: number): DnsRdata {
  ctx.raise(DnsAnomaly.RDATA_LENGTH_MISMATCH);
  return raw(ctx, s, e);
}

/**
 * Reads a name inside RDATA `[.., e)` at `pos`. Returns the offset after it, or -1 when it cannot be
 * delimited within the RDATA (the caller keeps the RDATA as hex). Raises the name's own anomaly.
 */
function rdataName(ctx: WireContext, pos: number, e: number): number {
  readName(ctx.b, ctx.base, ctx.msgEnd, pos, e, ctx.maxJumps, true);
  const r = nameResult;
  if (r.forward) ctx.raise(DnsAnomaly.NAME_FORWARD_POINTER);
  if (r.problem !== 0) ctx.raise(r.problem);
  if (r.truncated) ctx.rdataTruncated = true;
  return r.next;
}

/** Decodes the RDATA `b[s, e)` of an RR of `type` (not OPT: the parser reads that one). */
export function readRdata(ctx: WireContext, type: number, s: number, e: number): DnsRdata {
  const b = ctx.b;
  const len = e - s;
  switch (type) {
    case RrType.A:
      return len === 4 ? { kind: 'address', address: ipv4(b, s) } : mismatch(ctx, s, e);
    case RrType.AAAA:
      return len === 16 ? { kind: 'address', address: ipv6(b, s) } : mismatch(ctx, s, e);
    case RrType.CNAME:
    case RrType.NS:
    case RrType.PTR:
    case RrType.DNAME:
    case RrType.MB:
    case RrType.MD:
    case RrType.MF:
    case RrType.MG:
    case RrType.MR: {
      const next = rdataName(ctx, s, e);
      if (next !== e) return mismatch(ctx, s, e);
      return { kind: 'name', name: nameResult.text };
    }
    case RrType.MX:
    case RrType.KX:
    case RrType.RT: {
      if (len < 3) return mismatch(ctx, s, e);
      const next = rdataName(ctx, s + 2, e);
      if (next !== e) return mismatch(ctx, s, e);
      return { kind: 'mx', preference: u16(b, s), exchange: nameResult.text };
    }
    case RrType.TXT:
    case RrType.SPF:
      return readTxt(ctx, s, e);
    case RrType.SOA: {
      const afterM = rdataName(ctx, s, e);
      if (afterM < 0) return mismatch(ctx, s, e);
      const mname = nameResult.text;
      const afterR = rdataName(ctx, afterM, e);
      if (afterR < 0 || afterR + 20 !== e) return mismatch(ctx, s, e);
      return {
        kind: 'soa',
        mname,
        rname: nameResult.text,
        serial: u32(b, afterR),
        refresh: u32(b, afterR + 4),
        retry: u32(b, afterR + 8),
        expire: u32(b, afterR + 12),
        minimum: u32(b, afterR + 16),
      };
    }
    case RrType.SRV: {
      // RFC 2782 forbids compressing the target; some servers do it anyway, and resolvers accept it.
      if (len < 7) return mismatch(ctx, s, e);
      const next = rdataName(ctx, s + 6, e);
      if (next !== e) return mismatch(ctx, s, e);
      return { kind: 'srv', priority: u16(b, s), weight: u16(b, s + 2), port: u16(b, s + 4), target: nameResult.text };
    }
    case RrType.CAA: {
      // RFC 8659 §4.1: flags, a tag of 1 to 15 bytes, then the value to the end of the RDATA.
      if (len < 2) return mismatch(ctx, s, e);
      const tagLen = b[s + 1]!;
      if (tagLen === 0 || s + 2 + tagLen > e) return mismatch(ctx, s, e);
      const flags = b[s]!;
      return {
        kind: 'caa',
        flags,
        critical: (flags & 0x80) !== 0,
        tag: text(b, s + 2, s + 2 + tagLen, false),
        value: text(b, s + 2 + tagLen, e, false),
      };
    }
    case RrType.SVCB:
    case RrType.HTTPS:
      return readSvcb(ctx, s, e);
    case RrType.SSHFP:
      // RFC 4255 §3.1: algorithm, fingerprint type, then the fingerprint to the end of the RDATA.
      if (len < 2) return mismatch(ctx, s, e);
      return { kind: 'sshfp', algorithm: b[s]!, fingerprintType: b[s + 1]!, fingerprint: hex(b, s + 2, e) };
    case RrType.DS:
    case RrType.CDS:
      if (len < 4) return mismatch(ctx, s, e);
      return { kind: 'ds', keyTag: u16(b, s), algorithm: b[s + 2]!, digestType: b[s + 3]!, digest: hex(b, s + 4, e) };
    case RrType.DNSKEY:
    case RrType.CDNSKEY: {
      if (len < 4) return mismatch(ctx, s, e);
      const flags = u16(b, s);
      const algorithm = b[s + 3]!;
      return {
        kind: 'dnskey',
        flags,
        zoneKey: (flags & 0x0100) !== 0,
        secureEntryPoint: (flags & 0x0001) !== 0,
        protocol: b[s + 2]!,
        algorithm,
        keyTag: keyTag(b, s, e, algorithm),
        publicKey: base64(b, s + 4, e),
      };
    }
    case RrType.RRSIG: {
      if (len < 19) return mismatch(ctx, s, e);
      const next = rdataName(ctx, s + 18, e);
      if (next < 0) return mismatch(ctx, s, e);
      const covered = u16(b, s);
      return {
        kind: 'rrsig',
        typeCovered: covered,
        typeCoveredName: rrTypeName(covered),
        algorithm: b[s + 2]!,
        labels: b[s + 3]!,
        originalTtl: u32(b, s + 4),
        expiration: u32(b, s + 8),
        inception: u32(b, s + 12),
        keyTag: u16(b, s + 16),
        signerName: nameResult.text,
        signature: base64(b, next, e),
      };
    }
    default:
      return raw(ctx, s, e);
  }
}

/** RFC 1035 §3.3.14: one or more <character-string>s, each a length byte and that many bytes. */
function readTxt(ctx: WireContext, s: number, e: number): DnsRdata {
  const b = ctx.b;
  const strings: string[] = [];
  let p = s;
  while (p < e) {
    const n = b[p]!;
    if (p + 1 + n > e) return mismatch(ctx, s, e);
    strings.push(text(b, p + 1, p + 1 + n, false));
    p += 1 + n;
  }
  return { kind: 'txt', strings };
}

/** RFC 9460 §2.2: SvcPriority, TargetName (uncompressed), then SvcParams in strictly increasing key order. */
function readSvcb(ctx: WireContext, s: number, e: number): DnsRdata {
  const b = ctx.b;
  if (e - s < 3) return mismatch(ctx, s, e);
  const next = rdataName(ctx, s + 2, e);
  if (next < 0) return mismatch(ctx, s, e);
  const target = nameResult.text;
  const params: DnsSvcParam[] = [];
  let bad = false;
  let prevKey = -1;
  let p = next;
  while (p < e) {
    if (p + 4 > e || p + 4 + u16(b, p + 2) > e) {
      // A param that runs past the RDATA: the rest cannot be delimited.
      bad = true;
      break;
    }
    const key = u16(b, p);
    const vs = p + 4;
    const ve = vs + u16(b, p + 2);
    if (key <= prevKey) bad = true;
    prevKey = key;
    const value = svcParamValue(b, key, vs, ve);
    if (value === null) bad = true;
    params.push({ key, name: svcParamName(key), value: value ?? hex(b, vs, ve) });
    p = ve;
  }
  if (bad) ctx.raise(DnsAnomaly.SVCB_BAD_PARAMS);
  return { kind: 'svcb', priority: u16(b, s), target, params };
}

/** A SvcParam's value by key (RFC 9460 §7, RFC 9540 for ohttp); null when malformed for its key. */
function svcParamValue(b: Uint8Array, key: number, s: number, e: number): DnsSvcParam['value'] | null {
  const len = e - s;
  switch (key) {
    case 0: {
      // mandatory: a non-empty list of keys.
      if (len === 0 || len % 2 !== 0) return null;
      const keys: string[] = [];
      for (let p = s; p < e; p += 2) keys.push(svcParamName(u16(b, p)));
      return keys;
    }
    case 1: {
      // alpn: a non-empty list of non-empty length-prefixed protocol ids.
      if (len === 0) return null;
      const ids: string[] = [];
      let p = s;
      while (p < e) {
        const n = b[p]!;
        if (n === 0 || p + 1 + n > e) return null;
        ids.push(text(b, p + 1, p + 1 + n, false));
        p += 1 + n;
      }
      return ids;
    }
    case 2: // no-default-alpn
    case 8: // ohttp
      return len === 0 ? true : null;
    case 3:
      return len === 2 ? u16(b, s) : null;
    case 4: {
      if (len === 0 || len % 4 !== 0) return null;
      const addrs: string[] = [];
      for (let p = s; p < e; p += 4) addrs.push(ipv4(b, p));
      return addrs;
    }
    case 5:
      return len === 0 ? null : base64(b, s, e);
    case 6: {
      if (len === 0 || len % 16 !== 0) return null;
      const addrs: string[] = [];
      for (let p = s; p < e; p += 16) addrs.push(ipv6(b, p));
      return addrs;
    }
    case 7:
      return text(b, s, e, false);
    default:
      return hex(b, s, e);
  }
}

/** RFC 4034 Appendix B: the key tag of DNSKEY RDATA (algorithm 1, RSA/MD5, has its own rule, B.1). */
function keyTag(b: Uint8Array, s: number, e: number, algorithm: number): number {
  if (algorithm === 1) return e - s >= 7 ? u16(b, e - 3) : 0;
  let acc = 0;
  for (let i = s; i < e; i++) acc += (i - s) & 1 ? b[i]! : b[i]! << 8;
  acc += (acc >>> 16) & 0xffff;
  return acc & 0xffff;
}
