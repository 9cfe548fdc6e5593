/**
 * DNS records as Suricata's EVE JSON writes them: the object under `"dns"` in version 3 of the layout
 * (Suricata 8), under `"mdns"` and under `"llmnr"`. The contract is the schema (`suricata-eve-schema.json`):
 * every object built here validates against it; where Suricata writes a field the schema does not have, the
 * schema wins (the mDNS answer of a type other than PTR or TXT has only its `rrname`).
 *
 * Values follow Suricata's formatting so that pipelines built for it match unchanged: types as upper-case
 * mnemonics (the number for unknown types), the root as "", AAAA addresses as eight groups of four hex
 * digits, `flags` as the 16-bit header word in hex, one answer entry per TXT string. RDATA Suricata leaves
 * out (HTTPS, CAA, DS, DNSKEY, RRSIG, unknown types) is written as its presentation text (RFC 1035 §5.1 style).
 */
import type { DnsMessage, DnsRdata, DnsResourceRecord } from './events.js';
import { rrTypeKnown, rrTypeName } from './names.js';

type Json = Record<string, unknown>;

/** What Suricata writes for a name: the root is "". */
function eveName(name: string): string {
  return name === '.' ? '' : name;
}

/** Suricata's rrtype string: the mnemonic, or the number for a type without one. */
function eveType(type: number): string {
  return rrTypeKnown(type) ? rrTypeName(type) : String(type);
}

/** Suricata prints IPv6 addresses uncompressed: 8 groups of 4 lower-case hex digits. */
export function expandIpv6(text: string): string {
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = [...left, ...new Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return groups.map((g) => g.padStart(4, '0')).join(':');
}

function address(rr: DnsResourceRecord, addr: string): string {
  return rr.type === 28 ? expandIpv6(addr) : addr;
}

function soaObject(r: Extract<DnsRdata, { kind: 'soa' }>): Json {
  return {
    mname: eveName(r.mname),
    rname: eveName(r.rname),
    serial: r.serial,
    refresh: r.refresh,
    retry: r.retry,
    expire: r.expire,
    minimum: r.minimum,
  };
}

function srvObject(r: Extract<DnsRdata, { kind: 'srv' }>): Json {
  return { priority: r.priority, weight: r.weight, port: r.port, name: eveName(r.target) };
}

/** Suricata's SSHFP object: the fingerprint as colon-separated hex pairs. */
function sshfpObject(r: Extract<DnsRdata, { kind: 'sshfp' }>): Json {
  return { fingerprint: r.fingerprint.replace(/(..)(?!$)/g, '$1:'), algo: r.algorithm, type: r.fingerprintType };
}

function quoted(s: string): string {
  return `"${s.replace(/"/g, '\\"')}"`;
}

/** Presentation text of RDATA that Suricata does not write (so that the EVE line still says what it held). */
function presentation(r: DnsRdata): string {
  switch (r.kind) {
    case 'address':
      return r.address;
    case 'name':
      return r.name;
    case 'mx':
      return `${r.preference} ${r.exchange}`;
    case 'txt':
      return r.strings.map(quoted).join(' ');
    case 'soa':
      return `${r.mname} ${r.rname} ${r.serial} ${r.refresh} ${r.retry} ${r.expire} ${r.minimum}`;
    case 'srv':
      return `${r.priority} ${r.weight} ${r.port} ${r.target}`;
    case 'caa':
      return `${r.flags} ${r.tag} ${quoted(r.value)}`;
    case 'svcb': {
      const params = r.params.map((p) => {
        const v = p.value;
        if (v === true) return p.name;
        return `${p.name}=${Array.isArray(v) ? v.join(',') : String(v)}`;
      });
      return [String(r.priority), r.target, ...params].join(' ');
    }
    case 'sshfp':
      return `${r.algorithm} ${r.fingerprintType} ${r.fingerprint.toUpperCase()}`;
    case 'ds':
      return `${r.keyTag} ${r.algorithm} ${r.digestType} ${r.digest.toUpperCase()}`;
    case 'dnskey':
      return `${r.flags} ${r.protocol} ${r.algorithm} ${r.publicKey}`;
    case 'rrsig':
      return `${r.typeCoveredName} ${r.algorithm} ${r.labels} ${r.originalTtl} ${r.expiration} ${r.inception} ${r.keyTag} ${r.signerName} ${r.signature}`;
    case 'opt':
      return '';
    case 'raw':
      // RFC 3597 §5: the generic form.
      return `\\# ${r.data.length / 2}${r.data === '' ? '' : ` ${r.data}`}`;
  }
}

/**
 * The entries Suricata writes for one RR of the answer, authority or additional section (several for a
 * TXT with several strings, none for an OPT without options). `section` picks the fields the schema allows.
 */
function dnsEntries(rr: DnsResourceRecord, section: 'answers' | 'authorities' | 'additionals'): Json[] {
  const base = (): Json => {
    const o: Json = { rrname: eveName(rr.name) };
    if (rr.nameTruncated && section === 'authorities') o.rrname_truncated = true;
    o.rrtype = eveType(rr.type);
    o.ttl = rr.ttl;
    return o;
  };
  const r = rr.rdata;
  switch (r.kind) {
    case 'opt': {
      // Suricata leaves out an OPT without options; the schema has `opt` in the additional section only.
      if (section !== 'additionals') return [base()];
      if (r.edns.options.length === 0) return [];
      const o = base();
      o.opt = r.edns.options.map((x) => ({ code: x.code, data: x.data }));
      return [o];
    }
    case 'txt': {
      if (r.strings.length === 0) return [base()];
      return r.strings.map((s) => ({ ...base(), rdata: s }));
    }
    case 'soa': {
      const o = base();
      if (section === 'additionals') o.rdata = presentation(r);
      else o.soa = soaObject(r);
      return [o];
    }
    case 'srv': {
      const o = base();
      if (section === 'answers') o.srv = srvObject(r);
      else o.rdata = presentation(r);
      return [o];
    }
    case 'address': {
      const o = base();
      o.rdata = address(rr, r.address);
      return [o];
    }
    case 'sshfp': {
      const o = base();
      if (section === 'answers') o.sshfp = sshfpObject(r);
      else o.rdata = presentation(r);
      return [o];
    }
    case 'name':
    case 'mx': {
      const o = base();
      o.rdata = eveName(r.kind === 'name' ? r.name : r.exchange);
      if (rr.rdataTruncated && section === 'authorities') o.rdata_truncated = true;
      return [o];
    }
    default: {
      const o = base();
      o.rdata = presentation(r);
      return [o];
    }
  }
}

/** Suricata's `grouped` answers: values by type, for the types it groups. */
function grouped(answers: readonly DnsResourceRecord[]): Json | null {
  const out: Record<string, unknown[]> = {};
  const add = (k: string, v: unknown) => (out[k] ??= []).push(v);
  for (const rr of answers) {
    const r = rr.rdata;
    const t = rr.typeName;
    if (r.kind === 'address' && (t === 'A' || t === 'AAAA')) add(t, address(rr, r.address));
    else if (r.kind === 'name' && (t === 'CNAME' || t === 'NS' || t === 'PTR')) add(t, eveName(r.name));
    else if (r.kind === 'mx' && t === 'MX') add(t, eveName(r.exchange));
    else if (r.kind === 'txt' && t === 'TXT') for (const s of r.strings) add(t, s);
    else if (r.kind === 'soa') add('SOA', soaObject(r));
    else if (r.kind === 'srv') add('SRV', srvObject(r));
    else if (r.kind === 'sshfp') add('SSHFP', sshfpObject(r));
    else if (r.kind === 'raw' && t === 'NULL') add(t, r.data);
  }
  return Object.keys(out).length > 0 ? out : null;
}

export interface DnsEveFormat {
  /** Write `answers`: one entry per RR (Suricata's `detailed`). Default true. */
  detailed: boolean;
  /** Write `grouped`: answer values by type. Default true (Suricata writes both unless configured). */
  grouped: boolean;
}

const BOTH: DnsEveFormat = { detailed: true, grouped: true };

/** The `dns` object of an EVE line (version 3). */
export function dnsToEve(msg: DnsMessage, format: DnsEveFormat = BOTH): Json {
  const f = msg.flags;
  const out: Json = {
    version: 3,
    type: msg.type === 'query' ? 'request' : 'response',
    tx_id: msg.txId,
    id: msg.id,
    flags: msg.flagBits.toString(16),
  };
  if (f.qr) out.qr = true;
  if (f.aa) out.aa = true;
  if (f.tc) out.tc = true;
  if (f.rd) out.rd = true;
  if (f.ra) out.ra = true;
  if (f.z) out.z = true;
  out.opcode = msg.opcode;
  out.rcode = msg.rcodeName;
  if (msg.questions.length > 0) {
    out.queries = msg.questions.map((q) => {
      const o: Json = { rrname: eveName(q.name), rrtype: eveType(q.type) };
      if (q.nameTruncated) o.rrname_truncated = true;
      return o;
    });
  }
  if (msg.answers.length > 0) {
    if (format.detailed) out.answers = msg.answers.flatMap((rr) => dnsEntries(rr, 'answers'));
    if (format.grouped) {
      const g = grouped(msg.answers);
      if (g !== null) out.grouped = g;
    }
  }
  const auth = msg.authorities.flatMap((rr) => dnsEntries(rr, 'authorities'));
  if (auth.length > 0) out.authorities = auth;
  const add = msg.additionals.flatMap((rr) => dnsEntries(rr, 'additionals'));
  if (add.length > 0) out.additionals = add;
  return out;
}

/** The `mdns` object of an EVE line: Suricata 8's mDNS layout, within what the schema allows. */
export function mdnsToEve(msg: DnsMessage): Json {
  const out: Json = { type: msg.type === 'query' ? 'request' : 'response', id: msg.id };
  const flags: string[] = [];
  const f = msg.flags;
  if (f.aa) flags.push('aa');
  if (f.tc) flags.push('tc');
  if (f.rd) flags.push('rd');
  if (f.ra) flags.push('ra');
  if (f.z) flags.push('z');
  if (f.ad) flags.push('ad');
  if (f.cd) flags.push('cd');
  if (flags.length > 0) out.flags = flags;
  out.opcode = msg.opcode;
  out.rcode = msg.rcode;
  if (msg.questions.length > 0) {
    out.queries = msg.questions.map((q) => {
      const o: Json = { rrname: eveName(q.name), rrtype: eveType(q.type) };
      if (q.nameTruncated) o.rrname_truncated = true;
      return o;
    });
  }
  const entry = (rr: DnsResourceRecord, withValue: boolean): Json => {
    const o: Json = { rrname: eveName(rr.name) };
    if (rr.nameTruncated) o.rrname_truncated = true;
    if (withValue && rr.typeName === 'PTR' && rr.rdata.kind === 'name') o.ptr = eveName(rr.rdata.name);
    if (withValue && rr.typeName === 'TXT' && rr.rdata.kind === 'txt' && rr.rdata.strings.length > 0) o.txt = rr.rdata.strings;
    return o;
  };
  if (msg.answers.length > 0) out.answers = msg.answers.map((rr) => entry(rr, true));
  if (msg.authorities.length > 0) out.authorities = msg.authorities.map((rr) => entry(rr, false));
  const add = msg.additionals.filter((rr) => rr.rdata.kind !== 'opt').map((rr) => entry(rr, true));
  if (add.length > 0) out.additionals = add;
  return out;
}

/** LLMNR value keys the schema allows per section (Suricata keys the value by the lower-case type). */
const LLMNR_COMMON_KEYS = ['a', 'aaaa', 'cname', 'mx', 'ns', 'null', 'ptr', 'txt'];
const LLMNR_VALUE_KEYS = {
  answers: new Set([...LLMNR_COMMON_KEYS, 'soa', 'srv']),
  authorities: new Set([...LLMNR_COMMON_KEYS, 'soa']),
  additionals: new Set(LLMNR_COMMON_KEYS),
} as const;

function llmnrEntry(rr: DnsResourceRecord, section: 'answers' | 'authorities' | 'additionals'): Json | null {
  const r = rr.rdata;
  const o: Json = { rrname: eveName(rr.name) };
  if (rr.nameTruncated) o.rrname_truncated = true;
  o.rrtype = eveType(rr.type);
  o.ttl = rr.ttl;
  if (r.kind === 'opt') {
    if (section !== 'additionals') return o;
    if (r.edns.options.length === 0) return null;
    o.opt = r.edns.options.map((x) => ({ code: x.code, data: x.data }));
    return o;
  }
  const key = rr.typeName.toLowerCase();
  if (!LLMNR_VALUE_KEYS[section].has(key)) {
    o.unknown = presentation(r);
    return o;
  }
  switch (r.kind) {
    case 'address':
      o[key] = address(rr, r.address);
      break;
    case 'name':
      o[key] = eveName(r.name);
      break;
    case 'mx':
      o[key] = eveName(r.exchange);
      break;
    case 'txt':
      if (r.strings.length > 0) o[key] = r.strings;
      break;
    case 'soa':
      o[key] = soaObject(r);
      break;
    case 'srv':
      o[key] = srvObject(r);
      break;
    case 'raw':
      o[key] = r.data;
      break;
    default:
      o.unknown = presentation(r);
  }
  return o;
}

/** The `llmnr` object of an EVE line: Suricata 8's LLMNR layout (flags C, TC, T of RFC 4795 §2.1.1). */
export function llmnrToEve(msg: DnsMessage): Json {
  const out: Json = { type: msg.type === 'query' ? 'request' : 'response', tx_id: msg.txId, id: msg.id };
  const flags: string[] = [];
  if (msg.flagBits & 0x0400) flags.push('c');
  if (msg.flagBits & 0x0200) flags.push('tc');
  if (msg.flagBits & 0x0100) flags.push('t');
  if (flags.length > 0) out.flags = flags;
  out.opcode = msg.opcode;
  if (msg.questions.length > 0) {
    out.queries = msg.questions.map((q) => {
      const o: Json = { rrname: eveName(q.name), rrtype: eveType(q.type) };
      if (q.nameTruncated) o.rrname_truncated = true;
      return o;
    });
  }
  for (const section of ['answers', 'authorities', 'additionals'] as const) {
    const entries: Json[] = [];
    for (const rr of msg[section]) {
      const e = llmnrEntry(rr, section);
      if (e !== null) entries.push(e);
    }
    if (entries.length > 0) out[section] = entries;
  }
  return out;
}
