/**
 * Pure parsers of handshake message bodies: ClientHello and ServerHello with their extensions (RFC 8446
 * §4.1.2–4.1.4 and §4.2, RFC 5246 §7.4.1), the TLS ≤ 1.2 Certificate message (RFC 5246 §7.4.2), and
 * the SSLv2 CLIENT-HELLO and SERVER-HELLO (draft-hickman-netscape-ssl-00 §2.6; RFC 5246 §E.2).
 *
 * Input is one whole message body `buf[start, end)`, valid during the call only; output is owned plain
 * data. Bad input is reported through `report` and parsing keeps what came before the fault: a hello
 * whose extensions are broken still has its version, random, session id and suites.
 */
import {
  DOWNGRADE_SENTINEL,
  ExtensionType,
  HELLO_RETRY_RANDOM,
  isGrease,
  TLS_EMPTY_RENEGOTIATION_INFO_SCSV,
  TLS_FALLBACK_SCSV,
  Version,
} from './constants.js';
import { latin1 } from './der.js';
import { TlsAnomaly } from './anomalies.js';
import type { TlsCertificate, TlsClientHello, TlsExtension, TlsServerHello } from './events.js';
import { parseCertificate, type X509Limits } from './x509.js';

export type Report = (name: number) => void;

export interface ParseLimits {
  maxListLength: number;
  maxCertificates: number;
  maxDerDepth: number;
  keepCertificateDer: boolean;
}

const HEX = '0123456789abcdef';

function hex(buf: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += HEX[buf[i]! >> 4]! + HEX[buf[i]! & 15]!;
  return s;
}

const u16 = (b: Uint8Array, p: number): number => (b[p]! << 8) | b[p + 1]!;
const u24 = (b: Uint8Array, p: number): number => (b[p]! << 16) | (b[p + 1]! << 8) | b[p + 2]!;

/** Pushes onto a list unless it is full; the first overflow of a message is reported once. */
class ListCap {
  overflowed = false;
  constructor(
    private readonly max: number,
    private readonly report: Report,
  ) {}
  push(list: unknown[], value: unknown): boolean {
    if (list.length >= this.max) {
      if (!this.overflowed) this.report(TlsAnomaly.TOO_MANY_VALUES);
      this.overflowed = true;
      return false;
    }
    list.push(value);
    return true;
  }
}

function emptyClientHello(version: number, random: string): TlsClientHello {
  return {
    version,
    random,
    sessionId: '',
    cipherSuites: [],
    compressionMethods: [],
    extensions: [],
    serverName: null,
    alpn: [],
    supportedGroups: [],
    ecPointFormats: [],
    signatureAlgorithms: [],
    supportedVersions: [],
    keyShareGroups: [],
    pskKeyExchangeModes: [],
    statusRequest: false,
    secureRenegotiation: false,
    sessionTicketLength: null,
    heartbeatMode: null,
    encryptThenMac: false,
    extendedMasterSecret: false,
    recordSizeLimit: null,
    paddingLength: null,
    preSharedKey: false,
    earlyData: false,
    encryptedClientHello: false,
    fallbackScsv: false,
    grease: false,
    sslv2Format: false,
  };
}

/** RFC 5246 §7.4.1.2: legacy versions a hello may carry (TLS 1.3 freezes it at 0x0303, RFC 8446 §4.1.2). */
function checkHelloVersion(v: number, report: Report): void {
  if (v < Version.SSL3 || v > Version.TLS12) report(TlsAnomaly.INVALID_HELLO_VERSION);
}

/**
 * ClientHello body. Null when even the version and random are not there (`tls.handshake_invalid_length`).
 */
export function parseClientHello(
  buf: Uint8Array,
  start: number,
  end: number,
  limits: ParseLimits,
  report: Report,
): TlsClientHello | null {
  if (end - start < 34) {
    report(TlsAnomaly.HANDSHAKE_INVALID_LENGTH);
    return null;
  }
  const ch = emptyClientHello(u16(buf, start), hex(buf, start + 2, start + 34));
  checkHelloVersion(ch.version, report);
  const cap = new ListCap(limits.maxListLength, report);
  let p = start + 34;

  // session id <0..32>
  if (p >= end) return truncated(ch, report);
  const sidLen = buf[p++]!;
  if (sidLen > 32) report(TlsAnomaly.SESSION_ID_TOO_LONG);
  if (p + sidLen > end) return truncated(ch, report);
  ch.sessionId = hex(buf, p, p + sidLen);
  p += sidLen;

  // cipher_suites <2..2^16-2>
  if (p + 2 > end) return truncated(ch, report);
  const csLen = u16(buf, p);
  p += 2;
  if (p + csLen > end) return truncated(ch, report);
  if (csLen === 0 || csLen % 2 !== 0) report(TlsAnomaly.INVALID_CIPHER_SUITES);
  for (let i = p; i + 1 < p + csLen; i += 2) {
    const cs = u16(buf, i);
    if (isGrease(cs)) ch.grease = true;
    else if (cs === TLS_FALLBACK_SCSV) ch.fallbackScsv = true;
    else if (cs === TLS_EMPTY_RENEGOTIATION_INFO_SCSV) ch.secureRenegotiation = true;
    if (!cap.push(ch.cipherSuites, cs)) break;
  }
  p += csLen;

  // compression_methods <1..2^8-1>, which must offer null
  if (p >= end) return truncated(ch, report);
  const cmLen = buf[p++]!;
  if (p + cmLen > end) return truncated(ch, report);
  let hasNull = false;
  for (let i = p; i < p + cmLen; i++) {
    if (buf[i] === 0) hasNull = true;
    if (!cap.push(ch.compressionMethods, buf[i]!)) break;
  }
  if (!hasNull) report(TlsAnomaly.INVALID_COMPRESSION_METHODS);
  p += cmLen;

  if (p === end) return ch; // no extensions: legal before TLS 1.3
  parseExtensions(
    buf,
    p,
    end,
    ch.extensions,
    cap,
    report,
    (type, s, e) => decodeClientExtension(ch, type, buf, s, e, cap, report),
    (t) => {
      if (isGrease(t)) ch.grease = true;
    },
  );
  return ch;
}

function truncated<T>(hello: T, report: Report): T {
  report(TlsAnomaly.HANDSHAKE_INVALID_LENGTH);
  return hello;
}

/**
 * The extensions block: `extensions <0..2^16-1>` of `type(2) length(2) data`. Each extension is listed,
 * duplicates reported, and its data handed to `decode`. Stops at the first extension that runs past the
 * block (RFC 8446 §4.2).
 */
function parseExtensions(
  buf: Uint8Array,
  p: number,
  end: number,
  list: TlsExtension[],
  cap: ListCap,
  report: Report,
  decode: (type: number, start: number, end: number) => void,
  onType: (type: number) => void,
): void {
  if (p + 2 > end) {
    report(TlsAnomaly.INVALID_EXTENSIONS_LENGTH);
    return;
  }
  const blockLen = u16(buf, p);
  p += 2;
  let blockEnd = p + blockLen;
  if (blockEnd > end) {
    report(TlsAnomaly.INVALID_EXTENSIONS_LENGTH);
    blockEnd = end;
  } else if (blockEnd < end) {
    report(TlsAnomaly.HANDSHAKE_TRAILING_DATA);
  }
  const seen = new Set<number>();
  while (p < blockEnd) {
    if (p + 4 > blockEnd) {
      report(TlsAnomaly.INVALID_EXTENSIONS_LENGTH);
      return;
    }
    const type = u16(buf, p);
    const len = u16(buf, p + 2);
    p += 4;
    if (p + len > blockEnd) {
      report(TlsAnomaly.INVALID_EXTENSIONS_LENGTH);
      return;
    }
    onType(type);
    // Listed either way (fingerprints describe the wire), decoded only the first time.
    if (!cap.push(list, { type, length: len })) return;
    if (seen.has(type)) {
      report(TlsAnomaly.DUPLICATE_EXTENSION);
    } else {
      seen.add(type);
      decode(type, p, p + len);
    }
    p += len;
  }
}

/**
 * A `<lenBytes>`-prefixed list of `itemBytes`-wide values that must fill `[s, e)` exactly. Returns false
 * (and reports `tls.invalid_extension`) when the lengths disagree; values read before that are kept.
 */
function readList(
  buf: Uint8Array,
  s: number,
  e: number,
  lenBytes: 1 | 2,
  itemBytes: 1 | 2,
  out: number[],
  cap: ListCap,
  report: Report,
  onValue?: (v: number) => void,
): boolean {
  if (s + lenBytes > e) {
    report(TlsAnomaly.INVALID_EXTENSION);
    return false;
  }
  const len = lenBytes === 1 ? buf[s]! : u16(buf, s);
  s += lenBytes;
  const ok = s + len === e && len % itemBytes === 0;
  if (!ok) report(TlsAnomaly.INVALID_EXTENSION);
  const stop = Math.min(s + len, e);
  for (let i = s; i + itemBytes <= stop; i += itemBytes) {
    const v = itemBytes === 1 ? buf[i]! : u16(buf, i);
    if (onValue !== undefined) onValue(v);
    if (!cap.push(out, v)) break;
  }
  return ok;
}

function decodeClientExtension(
  ch: TlsClientHello,
  type: number,
  buf: Uint8Array,
  s: number,
  e: number,
  cap: ListCap,
  report: Report,
): void {
  const grease = (v: number): void => {
    if (isGrease(v)) ch.grease = true;
  };
  switch (type) {
    case ExtensionType.SERVER_NAME:
      ch.serverName = decodeServerName(buf, s, e, report);
      break;
    case ExtensionType.STATUS_REQUEST:
      ch.statusRequest = true;
      break;
    case ExtensionType.SUPPORTED_GROUPS:
      readList(buf, s, e, 2, 2, ch.supportedGroups, cap, report, grease);
      break;
    case ExtensionType.EC_POINT_FORMATS:
      readList(buf, s, e, 1, 1, ch.ecPointFormats, cap, report);
      break;
    case ExtensionType.SIGNATURE_ALGORITHMS:
      readList(buf, s, e, 2, 2, ch.signatureAlgorithms, cap, report, grease);
      break;
    case ExtensionType.HEARTBEAT:
      if (e - s !== 1) report(TlsAnomaly.INVALID_EXTENSION);
      if (e > s) ch.heartbeatMode = buf[s]!;
      break;
    case ExtensionType.ALPN:
      decodeAlpnList(buf, s, e, ch.alpn, cap, report);
      break;
    case ExtensionType.PADDING:
      ch.paddingLength = e - s;
      break;
    case ExtensionType.ENCRYPT_THEN_MAC:
      if (e !== s) report(TlsAnomaly.INVALID_EXTENSION);
      ch.encryptThenMac = true;
      break;
    case ExtensionType.EXTENDED_MASTER_SECRET:
      if (e !== s) report(TlsAnomaly.INVALID_EXTENSION);
      ch.extendedMasterSecret = true;
      break;
    case ExtensionType.RECORD_SIZE_LIMIT:
      if (e - s !== 2) report(TlsAnomaly.INVALID_EXTENSION);
      else ch.recordSizeLimit = u16(buf, s);
      break;
    case ExtensionType.SESSION_TICKET:
      ch.sessionTicketLength = e - s;
      break;
    case ExtensionType.PRE_SHARED_KEY:
      ch.preSharedKey = true;
      break;
    case ExtensionType.EARLY_DATA:
      ch.earlyData = true;
      break;
    case ExtensionType.SUPPORTED_VERSIONS:
      readList(buf, s, e, 1, 2, ch.supportedVersions, cap, report, grease);
      break;
    case ExtensionType.PSK_KEY_EXCHANGE_MODES:
      readList(buf, s, e, 1, 1, ch.pskKeyExchangeModes, cap, report);
      break;
    case ExtensionType.KEY_SHARE:
      decodeClientKeyShares(ch, buf, s, e, cap, report);
      break;
    case ExtensionType.ENCRYPTED_CLIENT_HELLO:
      ch.encryptedClientHello = true;
      break;
    case ExtensionType.RENEGOTIATION_INFO:
      ch.secureRenegotiation = true;
      break;
  }
}

/** KeyShareClientHello: `client_shares <0..2^16-1>` of `group(2) key_exchange<1..2^16-1>`. */
function decodeClientKeyShares(ch: TlsClientHello, buf: Uint8Array, s: number, e: number, cap: ListCap, report: Report): void {
  if (s + 2 > e || s + 2 + u16(buf, s) !== e) {
    report(TlsAnomaly.INVALID_EXTENSION);
    return;
  }
  let p = s + 2;
  while (p < e) {
    if (p + 4 > e) {
      report(TlsAnomaly.INVALID_EXTENSION);
      return;
    }
    const group = u16(buf, p);
    const keyLen = u16(buf, p + 2);
    p += 4 + keyLen;
    if (p > e) {
      report(TlsAnomaly.INVALID_EXTENSION);
      return;
    }
    if (isGrease(group)) ch.grease = true;
    if (!cap.push(ch.keyShareGroups, group)) return;
  }
}

/** ProtocolNameList: `protocol_name_list <2..2^16-1>` of `ProtocolName <1..2^8-1>` (RFC 7301 §3.1). */
function decodeAlpnList(buf: Uint8Array, s: number, e: number, out: string[], cap: ListCap, report: Report): boolean {
  if (s + 2 > e) {
    report(TlsAnomaly.INVALID_EXTENSION);
    return false;
  }
  const listLen = u16(buf, s);
  let ok = listLen > 0 && s + 2 + listLen === e;
  if (!ok) report(TlsAnomaly.INVALID_EXTENSION);
  const stop = Math.min(e, s + 2 + listLen);
  let p = s + 2;
  while (p < stop) {
    const len = buf[p++]!;
    if (p + len > stop) {
      if (ok) report(TlsAnomaly.INVALID_EXTENSION);
      return false;
    }
    // "Empty strings MUST NOT be included": kept anyway (JA4 prints "00" for an empty first name).
    if (len === 0 && ok) {
      report(TlsAnomaly.INVALID_EXTENSION);
      ok = false;
    }
    if (!cap.push(out, latin1(buf, p, p + len))) return false;
    p += len;
  }
  return ok;
}

/**
 * ServerNameList (RFC 6066 §3): `server_name_list <1..2^16-1>` of `name_type(1) HostName <1..2^16-1>`.
 * Returns the first host_name, or null.
 */
export function decodeServerName(buf: Uint8Array, s: number, e: number, report: Report): string | null {
  if (s + 2 > e) {
    report(TlsAnomaly.SNI_INVALID_LENGTH);
    return null;
  }
  const listLen = u16(buf, s);
  if (listLen === 0 || s + 2 + listLen !== e) report(TlsAnomaly.SNI_INVALID_LENGTH);
  const stop = Math.min(e, s + 2 + listLen);
  let p = s + 2;
  let name: string | null = null;
  while (p < stop) {
    if (p + 3 > stop) {
      report(TlsAnomaly.SNI_INVALID_LENGTH);
      break;
    }
    const nameType = buf[p]!;
    const len = u16(buf, p + 1);
    p += 3;
    if (p + len > stop) {
      report(TlsAnomaly.SNI_INVALID_LENGTH);
      break;
    }
    if (nameType !== 0) {
      report(TlsAnomaly.SNI_INVALID_TYPE);
    } else if (len === 0) {
      report(TlsAnomaly.SNI_INVALID_LENGTH);
    } else if (name !== null) {
      report(TlsAnomaly.SNI_MULTIPLE_NAMES);
    } else {
      name = latin1(buf, p, p + len);
      checkHostName(buf, p, p + len, report);
    }
    p += len;
  }
  return name;
}

/**
 * What real SNIs are: DNS names of letters, digits, '-', '_' (seen in the wild) and '.', without a
 * trailing dot, at most 253 characters (RFC 1035 §2.3.4 with the dots), and not an address literal.
 */
function checkHostName(buf: Uint8Array, s: number, e: number, report: Report): void {
  if (e - s > 253) report(TlsAnomaly.SNI_TOO_LONG);
  let bad = buf[e - 1] === 0x2e;
  let ipv4Like = true;
  let colon = false;
  for (let i = s; i < e; i++) {
    const c = buf[i]!;
    const digit = c >= 0x30 && c <= 0x39;
    const alpha = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
    if (!digit && c !== 0x2e) ipv4Like = false;
    if (c === 0x3a) colon = true;
    else if (!digit && !alpha && c !== 0x2d && c !== 0x5f && c !== 0x2e) bad = true;
  }
  if (ipv4Like && isIpv4Literal(buf, s, e)) report(TlsAnomaly.SNI_IP_LITERAL);
  else if (colon) report(isIpv6Literal(buf, s, e) ? TlsAnomaly.SNI_IP_LITERAL : TlsAnomaly.SNI_INVALID_CHARACTERS);
  else if (bad) report(TlsAnomaly.SNI_INVALID_CHARACTERS);
}

function isIpv4Literal(buf: Uint8Array, s: number, e: number): boolean {
  let parts = 0;
  let digits = 0;
  let value = 0;
  for (let i = s; i <= e; i++) {
    if (i === e || buf[i] === 0x2e) {
      if (digits === 0 || value > 255) return false;
      parts++;
      digits = 0;
      value = 0;
    } else {
      value = value * 10 + (buf[i]! - 0x30);
      digits++;
    }
  }
  return parts === 4;
}

function isIpv6Literal(buf: Uint8Array, s: number, e: number): boolean {
  if (buf[s] === 0x5b && buf[e - 1] === 0x5d) {
    s++;
    e--;
  }
  let colons = 0;
  for (let i = s; i < e; i++) {
    const c = buf[i]!;
    if (c === 0x3a) colons++;
    else if (!((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66) || c === 0x2e || c === 0x25))
      return false;
  }
  return colons >= 2 && colons <= 7;
}

function emptyServerHello(version: number, random: string): TlsServerHello {
  return {
    version,
    random,
    sessionId: '',
    cipherSuite: 0,
    compressionMethod: 0,
    extensions: [],
    selectedVersion: null,
    keyShareGroup: null,
    alpn: null,
    ecPointFormats: [],
    secureRenegotiation: false,
    sessionTicket: false,
    heartbeatMode: null,
    encryptThenMac: false,
    extendedMasterSecret: false,
    recordSizeLimit: null,
    statusRequest: false,
    preSharedKeyIdentity: null,
    helloRetryRequest: false,
    downgradeSentinel: null,
    sslv2Format: false,
  };
}

/** ServerHello body (a HelloRetryRequest too). Null when the version and random are not there. */
export function parseServerHello(
  buf: Uint8Array,
  start: number,
  end: number,
  limits: ParseLimits,
  report: Report,
): TlsServerHello | null {
  if (end - start < 34) {
    report(TlsAnomaly.HANDSHAKE_INVALID_LENGTH);
    return null;
  }
  const sh = emptyServerHello(u16(buf, start), hex(buf, start + 2, start + 34));
  checkHelloVersion(sh.version, report);
  sh.helloRetryRequest = HELLO_RETRY_RANDOM.every((b, i) => buf[start + 2 + i] === b);
  if (DOWNGRADE_SENTINEL.every((b, i) => buf[start + 26 + i] === b)) {
    const last = buf[start + 33];
    sh.downgradeSentinel = last === 1 ? 'tls12' : last === 0 ? 'tls11' : null;
  }
  const cap = new ListCap(limits.maxListLength, report);
  let p = start + 34;
  if (p >= end) return truncated(sh, report);
  const sidLen = buf[p++]!;
  if (sidLen > 32) report(TlsAnomaly.SESSION_ID_TOO_LONG);
  if (p + sidLen > end) return truncated(sh, report);
  sh.sessionId = hex(buf, p, p + sidLen);
  p += sidLen;
  if (p + 3 > end) return truncated(sh, report);
  sh.cipherSuite = u16(buf, p);
  sh.compressionMethod = buf[p + 2]!;
  if (sh.compressionMethod !== 0) report(TlsAnomaly.COMPRESSION_NEGOTIATED);
  p += 3;
  if (p === end) return sh;
  parseExtensions(
    buf,
    p,
    end,
    sh.extensions,
    cap,
    report,
    (type, s, e) => decodeServerExtension(sh, type, buf, s, e, cap, report),
    () => {},
  );
  return sh;
}

function decodeServerExtension(
  sh: TlsServerHello,
  type: number,
  buf: Uint8Array,
  s: number,
  e: number,
  cap: ListCap,
  report: Report,
): void {
  switch (type) {
    case ExtensionType.SUPPORTED_VERSIONS:
      if (e - s !== 2) report(TlsAnomaly.INVALID_EXTENSION);
      else sh.selectedVersion = u16(buf, s);
      break;
    case ExtensionType.KEY_SHARE:
      // ServerHello: KeyShareEntry (group, key); HelloRetryRequest: the group alone (RFC 8446 §4.2.8).
      if (e - s < 2 || (e - s > 2 && (e - s < 4 || s + 4 + u16(buf, s + 2) !== e))) report(TlsAnomaly.INVALID_EXTENSION);
      if (e - s >= 2) sh.keyShareGroup = u16(buf, s);
      break;
    case ExtensionType.ALPN: {
      const names: string[] = [];
      if (decodeAlpnList(buf, s, e, names, cap, report) && names.length !== 1) report(TlsAnomaly.ALPN_INVALID);
      sh.alpn = names.length > 0 ? names[0]! : null;
      break;
    }
    case ExtensionType.EC_POINT_FORMATS:
      readList(buf, s, e, 1, 1, sh.ecPointFormats, cap, report);
      break;
    case ExtensionType.RENEGOTIATION_INFO:
      sh.secureRenegotiation = true;
      break;
    case ExtensionType.SESSION_TICKET:
      sh.sessionTicket = true;
      break;
    case ExtensionType.HEARTBEAT:
      if (e - s !== 1) report(TlsAnomaly.INVALID_EXTENSION);
      if (e > s) sh.heartbeatMode = buf[s]!;
      break;
    case ExtensionType.ENCRYPT_THEN_MAC:
      sh.encryptThenMac = true;
      break;
    case ExtensionType.EXTENDED_MASTER_SECRET:
      sh.extendedMasterSecret = true;
      break;
    case ExtensionType.RECORD_SIZE_LIMIT:
      if (e - s !== 2) report(TlsAnomaly.INVALID_EXTENSION);
      else sh.recordSizeLimit = u16(buf, s);
      break;
    case ExtensionType.STATUS_REQUEST:
      sh.statusRequest = true;
      break;
    case ExtensionType.PRE_SHARED_KEY:
      if (e - s !== 2) report(TlsAnomaly.INVALID_EXTENSION);
      else sh.preSharedKeyIdentity = u16(buf, s);
      break;
  }
}

/**
 * TLS ≤ 1.2 Certificate body: `certificate_list <0..2^24-1>` of `ASN.1Cert <1..2^24-1>`, leaf first.
 * At most `maxCertificates` are decoded (`tls.too_many_certificates`).
 */
export function parseCertificateList(
  buf: Uint8Array,
  start: number,
  end: number,
  limits: ParseLimits,
  report: Report,
): TlsCertificate[] {
  const certs: TlsCertificate[] = [];
  if (end - start < 3) {
    report(TlsAnomaly.CERTIFICATE_INVALID_LENGTH);
    return certs;
  }
  let listEnd = start + 3 + u24(buf, start);
  if (listEnd !== end) {
    report(listEnd > end ? TlsAnomaly.CERTIFICATE_INVALID_LENGTH : TlsAnomaly.HANDSHAKE_TRAILING_DATA);
    listEnd = Math.min(listEnd, end);
  }
  const x509: X509Limits = {
    maxDerDepth: limits.maxDerDepth,
    maxListLength: limits.maxListLength,
    keepDer: limits.keepCertificateDer,
  };
  let p = start + 3;
  while (p < listEnd) {
    if (p + 3 > listEnd) {
      report(TlsAnomaly.CERTIFICATE_INVALID_LENGTH);
      break;
    }
    const len = u24(buf, p);
    p += 3;
    if (len === 0 || p + len > listEnd) {
      report(TlsAnomaly.CERTIFICATE_INVALID_LENGTH);
      break;
    }
    if (certs.length === limits.maxCertificates) {
      report(TlsAnomaly.TOO_MANY_CERTIFICATES);
      break;
    }
    certs.push(parseCertificate(buf, p, p + len, x509, report));
    p += len;
  }
  return certs;
}

/**
 * SSLv2 CLIENT-HELLO (record body, message type 1): version(2) cipher_specs_length(2)
 * session_id_length(2) challenge_length(2), then the cipher specs (3 bytes each), session id and
 * challenge. Mapped onto a ClientHello as RFC 5246 §E.2 does: suites keep their 3-byte values (0x00XXYY
 * is the TLS suite 0xXXYY, others are SSLv2 kinds), the challenge right-aligned in a zeroed random.
 */
export function parseSslv2ClientHello(
  buf: Uint8Array,
  start: number,
  end: number,
  limits: ParseLimits,
  report: Report,
): TlsClientHello | null {
  if (end - start < 9 || buf[start] !== 1) {
    report(TlsAnomaly.INVALID_SSLV2_RECORD);
    return null;
  }
  const version = u16(buf, start + 1);
  const csLen = u16(buf, start + 3);
  const sidLen = u16(buf, start + 5);
  const chLen = u16(buf, start + 7);
  if (
    9 + csLen + sidLen + chLen !== end - start ||
    csLen % 3 !== 0 ||
    chLen < 16 ||
    chLen > 32 ||
    (sidLen !== 0 && sidLen !== 16)
  ) {
    report(TlsAnomaly.INVALID_SSLV2_RECORD);
    if (9 + csLen + sidLen + chLen > end - start || chLen > 32) return null;
  }
  let p = start + 9;
  const random = '00'.repeat(32 - chLen) + hex(buf, p + csLen + sidLen, p + csLen + sidLen + chLen);
  const ch = emptyClientHello(version, random);
  ch.sslv2Format = true;
  const cap = new ListCap(limits.maxListLength, report);
  for (let i = p; i + 3 <= p + csLen; i += 3) {
    const spec = (buf[i]! << 16) | u16(buf, i + 1);
    if (spec === TLS_FALLBACK_SCSV) ch.fallbackScsv = true;
    else if (spec === TLS_EMPTY_RENEGOTIATION_INFO_SCSV) ch.secureRenegotiation = true;
    if (!cap.push(ch.cipherSuites, spec)) break;
  }
  p += csLen;
  ch.sessionId = hex(buf, p, p + sidLen);
  ch.compressionMethods.push(0);
  return ch;
}

/** An SSLv2 SERVER-HELLO with the certificate it carries (X.509 when certificate_type is 1). */
export interface Sslv2ServerHello {
  hello: TlsServerHello;
  certificates: TlsCertificate[];
}

/**
 * SSLv2 SERVER-HELLO (message type 4): session_id_hit(1) certificate_type(1) version(2)
 * certificate_length(2) cipher_specs_length(2) connection_id_length(2), then the certificate, the
 * cipher specs and the connection id.
 */
export function parseSslv2ServerHello(
  buf: Uint8Array,
  start: number,
  end: number,
  limits: ParseLimits,
  report: Report,
): Sslv2ServerHello | null {
  if (end - start < 11 || buf[start] !== 4) {
    report(TlsAnomaly.INVALID_SSLV2_RECORD);
    return null;
  }
  const certType = buf[start + 2]!;
  const version = u16(buf, start + 3);
  const certLen = u16(buf, start + 5);
  const csLen = u16(buf, start + 7);
  const connLen = u16(buf, start + 9);
  if (11 + certLen + csLen + connLen !== end - start || csLen % 3 !== 0) {
    report(TlsAnomaly.INVALID_SSLV2_RECORD);
    if (11 + certLen + csLen > end - start) return null;
  }
  const hello = emptyServerHello(version, '00'.repeat(32));
  hello.sslv2Format = true;
  const p = start + 11;
  if (csLen >= 3) hello.cipherSuite = (buf[p + certLen]! << 16) | u16(buf, p + certLen + 1);
  const certificates: TlsCertificate[] = [];
  if (certType === 1 && certLen > 0) {
    const x509: X509Limits = {
      maxDerDepth: limits.maxDerDepth,
      maxListLength: limits.maxListLength,
      keepDer: limits.keepCertificateDer,
    };
    certificates.push(parseCertificate(buf, p, p + certLen, x509, report));
  }
  return { hello, certificates };
}
