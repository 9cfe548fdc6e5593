/**
 * Mnemonics of DNS numbers (IANA "Domain Name System (DNS) Parameters"): RR types, opcodes, rcodes, EDNS
 * option codes and SvcParam keys. Unassigned numbers get RFC 3597's generic forms (`TYPE65280`).
 */

/** RR type numbers the parser decodes or the code refers to by name. */
export const RrType = {
  A: 1,
  NS: 2,
  MD: 3,
  MF: 4,
  CNAME: 5,
  SOA: 6,
  MB: 7,
  MG: 8,
  MR: 9,
  NULL: 10,
  PTR: 12,
  MX: 15,
  TXT: 16,
  RT: 21,
  AAAA: 28,
  SRV: 33,
  KX: 36,
  DNAME: 39,
  OPT: 41,
  DS: 43,
  SSHFP: 44,
  RRSIG: 46,
  DNSKEY: 48,
  CDS: 59,
  CDNSKEY: 60,
  SVCB: 64,
  HTTPS: 65,
  SPF: 99,
  IXFR: 251,
  AXFR: 252,
  ANY: 255,
  CAA: 257,
} as const;

const TYPE_NAMES: Record<number, string> = {
  1: 'A',
  2: 'NS',
  3: 'MD',
  4: 'MF',
  5: 'CNAME',
  6: 'SOA',
  7: 'MB',
  8: 'MG',
  9: 'MR',
  10: 'NULL',
  11: 'WKS',
  12: 'PTR',
  13: 'HINFO',
  14: 'MINFO',
  15: 'MX',
  16: 'TXT',
  17: 'RP',
  18: 'AFSDB',
  19: 'X25',
  20: 'ISDN',
  21: 'RT',
  22: 'NSAP',
  23: 'NSAP-PTR',
  24: 'SIG',
  25: 'KEY',
  26: 'PX',
  27: 'GPOS',
  28: 'AAAA',
  29: 'LOC',
  30: 'NXT',
  31: 'EID',
  32: 'NIMLOC',
  33: 'SRV',
  34: 'ATMA',
  35: 'NAPTR',
  36: 'KX',
  37: 'CERT',
  38: 'A6',
  39: 'DNAME',
  40: 'SINK',
  41: 'OPT',
  42: 'APL',
  43: 'DS',
  44: 'SSHFP',
  45: 'IPSECKEY',
  46: 'RRSIG',
  47: 'NSEC',
  48: 'DNSKEY',
  49: 'DHCID',
  50: 'NSEC3',
  51: 'NSEC3PARAM',
  52: 'TLSA',
  53: 'SMIMEA',
  55: 'HIP',
  56: 'NINFO',
  57: 'RKEY',
  58: 'TALINK',
  59: 'CDS',
  60: 'CDNSKEY',
  61: 'OPENPGPKEY',
  62: 'CSYNC',
  63: 'ZONEMD',
  64: 'SVCB',
  65: 'HTTPS',
  66: 'DSYNC',
  99: 'SPF',
  100: 'UINFO',
  101: 'UID',
  102: 'GID',
  103: 'UNSPEC',
  104: 'NID',
  105: 'L32',
  106: 'L64',
  107: 'LP',
  108: 'EUI48',
  109: 'EUI64',
  128: 'NXNAME',
  249: 'TKEY',
  250: 'TSIG',
  251: 'IXFR',
  252: 'AXFR',
  253: 'MAILB',
  254: 'MAILA',
  255: 'ANY',
  256: 'URI',
  257: 'CAA',
  258: 'AVC',
  259: 'DOA',
  260: 'AMTRELAY',
  261: 'RESINFO',
  262: 'WALLET',
  32768: 'TA',
  32769: 'DLV',
};

/** `A`, `HTTPS`, ... or `TYPE<N>` for a type without a mnemonic. */
export function rrTypeName(type: number): string {
  return TYPE_NAMES[type] ?? `TYPE${type}`;
}

/** Whether the type has an IANA mnemonic (EVE writes the number for the others, as Suricata does). */
export function rrTypeKnown(type: number): boolean {
  return TYPE_NAMES[type] !== undefined;
}

const OPCODE_NAMES: readonly (string | undefined)[] = ['QUERY', 'IQUERY', 'STATUS', undefined, 'NOTIFY', 'UPDATE', 'DSO'];

/** Opcodes with a meaning (RFC 1035, 1996, 2136, 8490); IQUERY is obsolete (RFC 3425) but defined. */
export function opcodeValid(opcode: number): boolean {
  return OPCODE_NAMES[opcode] !== undefined;
}

export function opcodeName(opcode: number): string {
  return OPCODE_NAMES[opcode] ?? String(opcode);
}

const RCODE_NAMES: Record<number, string> = {
  0: 'NOERROR',
  1: 'FORMERR',
  2: 'SERVFAIL',
  3: 'NXDOMAIN',
  4: 'NOTIMP',
  5: 'REFUSED',
  6: 'YXDOMAIN',
  7: 'YXRRSET',
  8: 'NXRRSET',
  9: 'NOTAUTH',
  10: 'NOTZONE',
  11: 'DSOTYPENI',
  // 16 is BADVERS in an OPT-extended rcode and BADSIG in TSIG (RFC 6895 §2.3): the OPT meaning is the one a message header carries.
  16: 'BADVERS',
  17: 'BADKEY',
  18: 'BADTIME',
  19: 'BADMODE',
  20: 'BADNAME',
  21: 'BADALG',
  22: 'BADTRUNC',
  23: 'BADCOOKIE',
};

export function rcodeName(rcode: number): string {
  return RCODE_NAMES[rcode] ?? `RCODE${rcode}`;
}

const EDNS_OPTION_NAMES: Record<number, string> = {
  1: 'LLQ',
  2: 'UL',
  3: 'NSID',
  5: 'DAU',
  6: 'DHU',
  7: 'N3U',
  8: 'ECS',
  9: 'EXPIRE',
  10: 'COOKIE',
  11: 'TCP_KEEPALIVE',
  12: 'PADDING',
  13: 'CHAIN',
  14: 'KEY_TAG',
  15: 'EDE',
  16: 'CLIENT_TAG',
  17: 'SERVER_TAG',
  18: 'REPORT_CHANNEL',
  19: 'ZONEVERSION',
};

export function ednsOptionName(code: number): string {
  return EDNS_OPTION_NAMES[code] ?? `OPTION${code}`;
}

const SVC_PARAM_NAMES: readonly string[] = [
  'mandatory',
  'alpn',
  'no-default-alpn',
  'port',
  'ipv4hint',
  'ech',
  'ipv6hint',
  'dohpath',
  'ohttp',
];

/** RFC 9460 §14.3.2 names; `key<N>` for the rest (its §2.1 presentation form). */
export function svcParamName(key: number): string {
  return SVC_PARAM_NAMES[key] ?? `key${key}`;
}
