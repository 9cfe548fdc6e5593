/**
 * X.509 certificates (RFC 5280 §4.1) as the TLS record keeps them: subject, issuer, serial, validity,
 * SHA-1 fingerprint, subjectAltName DNS names and IP addresses, in Suricata's EVE formats.
 *
 *   Certificate  ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }
 *   TBSCertificate ::= SEQUENCE { version [0] EXPLICIT DEFAULT v1, serialNumber INTEGER,
 *       signature AlgorithmIdentifier, issuer Name, validity SEQUENCE { notBefore, notAfter },
 *       subject Name, subjectPublicKeyInfo, [1] issuerUniqueID, [2] subjectUniqueID, [3] extensions }
 *
 * The whole DER is first walked once (`validateDer`, bounded depth) so that the field decoding below can
 * trust every TLV it meets to fit its parent. Decoding stops at the first field that is wrong: the fields
 * before it are kept, the certificate carries the anomaly's name in `error`. The fingerprint is taken
 * whatever the content (it is what blocklists match).
 */
import { createHash } from 'node:crypto';
import {
  bytesEqual,
  DerError,
  DerTag,
  DerTlv,
  derStringValue,
  hexUpper,
  latin1,
  oidToString,
  readTlv,
  validateDer,
} from './der.js';
import { TLS_ANOMALIES, TlsAnomaly } from './anomalies.js';
import type { TlsCertificate } from './events.js';

export interface X509Limits {
  maxDerDepth: number;
  maxListLength: number;
  keepDer: boolean;
}

/**
 * Attribute names as Suricata prints them: x509-parser's abbreviations for the common ones, the OID
 * registry's short names for the rest (EV certificates carry `serialNumber`, `businessCategory` and the
 * jurisdiction attributes). Anything else prints as `OID(dotted)`.
 */
const ATTRIBUTE_NAMES = new Map<string, string>([
  ['2.5.4.3', 'CN'],
  ['2.5.4.6', 'C'],
  ['2.5.4.7', 'L'],
  ['2.5.4.8', 'ST'],
  ['2.5.4.10', 'O'],
  ['2.5.4.11', 'OU'],
  ['0.9.2342.19200300.100.1.25', 'DC'],
  ['1.2.840.113549.1.9.1', 'Email'],
  ['0.9.2342.19200300.100.1.1', 'uid'],
  ['2.5.4.4', 'surname'],
  ['2.5.4.5', 'serialNumber'],
  ['2.5.4.9', 'streetAddress'],
  ['2.5.4.12', 'title'],
  ['2.5.4.13', 'description'],
  ['2.5.4.15', 'businessCategory'],
  ['2.5.4.16', 'postalAddress'],
  ['2.5.4.17', 'postalCode'],
  ['2.5.4.41', 'name'],
  ['2.5.4.42', 'givenName'],
  ['2.5.4.43', 'initials'],
  ['2.5.4.44', 'generationQualifier'],
  ['2.5.4.45', 'uniqueIdentifier'],
  ['2.5.4.46', 'dnQualifier'],
  ['1.2.840.113549.1.9.2', 'unstructuredName'],
  ['1.3.6.1.4.1.311.60.2.1.1', 'msJurisdictionLocality'],
  ['1.3.6.1.4.1.311.60.2.1.2', 'msJurisdictionStateOrProvince'],
  ['1.3.6.1.4.1.311.60.2.1.3', 'msJurisdictionCountry'],
]);

/** id-ce-subjectAltName (2.5.29.17), encoded. */
const OID_SUBJECT_ALT_NAME = Uint8Array.from([0x55, 0x1d, 0x11]);

/** GeneralName choices (RFC 5280 §4.2.1.6), as context-specific primitive identifiers. */
const GN_DNS_NAME = 0x82;
const GN_IP_ADDRESS = 0x87;

/** Thrown inside `decodeInto` only, caught by `parseCertificate`: carries the anomaly name. */
class CertificateError {
  constructor(readonly anomaly: number) {}
}

/**
 * Decodes one certificate `der[start, end)`. Never throws: a certificate that cannot be fully decoded
 * comes back with `error` set to the anomaly it raises (reported through `report` too).
 */
export function parseCertificate(
  der: Uint8Array,
  start: number,
  end: number,
  limits: X509Limits,
  report: (name: number) => void,
): TlsCertificate {
  const cert: TlsCertificate = {
    subject: '',
    issuer: '',
    serial: '',
    notBefore: null,
    notAfter: null,
    fingerprint: sha1Fingerprint(der, start, end),
    sanDns: [],
    sanIps: [],
    version: 1,
    selfIssued: false,
    length: end - start,
    error: null,
  };
  if (limits.keepDer) cert.der = der.slice(start, end);
  try {
    decodeInto(cert, der, start, end, limits, report);
  } catch (e) {
    if (!(e instanceof CertificateError)) throw e;
    cert.error = TLS_ANOMALIES[e.anomaly] ?? null;
    report(e.anomaly);
  }
  return cert;
}

function sha1Fingerprint(der: Uint8Array, start: number, end: number): string {
  const digest = createHash('sha1').update(der.subarray(start, end)).digest();
  let s = '';
  for (let i = 0; i < digest.length; i++) {
    if (i > 0) s += ':';
    s += digest[i]!.toString(16).padStart(2, '0');
  }
  return s;
}

function decodeInto(
  cert: TlsCertificate,
  buf: Uint8Array,
  start: number,
  end: number,
  limits: X509Limits,
  report: (name: number) => void,
): void {
  const t = new DerTlv();
  if (validateDer(buf, start, end, limits.maxDerDepth, t) !== DerError.OK)
    throw new CertificateError(TlsAnomaly.CERTIFICATE_INVALID_DER);
  // The walk guarantees each TLV fits its parent; what remains to check is the shape.
  expect(buf, start, end, DerTag.SEQUENCE, t, TlsAnomaly.CERTIFICATE_INVALID_DER);
  if (t.end !== end) throw new CertificateError(TlsAnomaly.CERTIFICATE_INVALID_DER);
  const outerEnd = t.end;
  expect(buf, t.start, outerEnd, DerTag.SEQUENCE, t, TlsAnomaly.CERTIFICATE_INVALID_DER);
  const tbsEnd = t.end;
  let pos = t.start;

  // version [0] EXPLICIT Version DEFAULT v1
  if (readTlv(buf, pos, tbsEnd, t) === DerError.OK && t.id === 0xa0) {
    const after = t.end;
    expect(buf, t.start, t.end, DerTag.INTEGER, t, TlsAnomaly.CERTIFICATE_INVALID_VERSION);
    if (t.length !== 1 || buf[t.start]! > 2) throw new CertificateError(TlsAnomaly.CERTIFICATE_INVALID_VERSION);
    cert.version = buf[t.start]! + 1;
    pos = after;
  }

  expect(buf, pos, tbsEnd, DerTag.INTEGER, t, TlsAnomaly.CERTIFICATE_INVALID_SERIAL);
  if (t.length === 0) throw new CertificateError(TlsAnomaly.CERTIFICATE_INVALID_SERIAL);
  cert.serial = hexUpper(buf, t.start, t.end, ':');
  pos = t.end;

  expect(buf, pos, tbsEnd, DerTag.SEQUENCE, t, TlsAnomaly.CERTIFICATE_INVALID_ALGORITHM);
  pos = t.end;

  expect(buf, pos, tbsEnd, DerTag.SEQUENCE, t, TlsAnomaly.CERTIFICATE_INVALID_NAME);
  const issuer = nameToString(buf, t.start, t.end);
  if (issuer === null) throw new CertificateError(TlsAnomaly.CERTIFICATE_INVALID_NAME);
  cert.issuer = issuer;
  const issuerStart = t.headerStart;
  const issuerEnd = t.end;
  pos = t.end;

  expect(buf, pos, tbsEnd, DerTag.SEQUENCE, t, TlsAnomaly.CERTIFICATE_INVALID_DATE);
  const validityEnd = t.end;
  let vpos = t.start;
  for (let i = 0; i < 2; i++) {
    if (readTlv(buf, vpos, validityEnd, t) !== DerError.OK) throw new CertificateError(TlsAnomaly.CERTIFICATE_INVALID_DATE);
    const time =
      t.id === DerTag.UTC_TIME || t.id === DerTag.GENERALIZED_TIME
        ? parseTime(buf, t.start, t.end, t.id === DerTag.UTC_TIME)
        : null;
    if (time === null) throw new CertificateError(TlsAnomaly.CERTIFICATE_INVALID_DATE);
    if (i === 0) cert.notBefore = time;
    else cert.notAfter = time;
    vpos = t.end;
  }
  pos = validityEnd;

  expect(buf, pos, tbsEnd, DerTag.SEQUENCE, t, TlsAnomaly.CERTIFICATE_INVALID_NAME);
  const subject = nameToString(buf, t.start, t.end);
  if (subject === null) throw new CertificateError(TlsAnomaly.CERTIFICATE_INVALID_NAME);
  cert.subject = subject;
  cert.selfIssued = bytesEqual(buf, t.headerStart, t.end, buf.subarray(issuerStart, issuerEnd));
  pos = t.end;

  // subjectPublicKeyInfo: not decoded, only required to be there.
  expect(buf, pos, tbsEnd, DerTag.SEQUENCE, t, TlsAnomaly.CERTIFICATE_INVALID_DER);
  pos = t.end;

  // [1] issuerUniqueID, [2] subjectUniqueID (v2+), [3] extensions (v3).
  while (pos < tbsEnd) {
    if (readTlv(buf, pos, tbsEnd, t) !== DerError.OK) throw new CertificateError(TlsAnomaly.CERTIFICATE_INVALID_DER);
    if (t.id === 0xa3) decodeExtensions(cert, buf, t.start, t.end, limits, report);
    else if (t.id !== 0x81 && t.id !== 0xa1 && t.id !== 0x82 && t.id !== 0xa2)
      throw new CertificateError(TlsAnomaly.CERTIFICATE_INVALID_DER);
    pos = t.end;
  }

  pos = tbsEnd;
  expect(buf, pos, outerEnd, DerTag.SEQUENCE, t, TlsAnomaly.CERTIFICATE_INVALID_ALGORITHM);
  pos = t.end;
  expect(buf, pos, outerEnd, DerTag.BIT_STRING, t, TlsAnomaly.CERTIFICATE_INVALID_DER);
  if (t.end !== outerEnd) throw new CertificateError(TlsAnomaly.CERTIFICATE_INVALID_DER);
}

/** Reads the TLV at `pos` into `t` and requires identifier `id`, else throws `anomaly`. */
function expect(buf: Uint8Array, pos: number, limit: number, id: number, t: DerTlv, anomaly: number): void {
  if (readTlv(buf, pos, limit, t) !== DerError.OK || t.id !== id) throw new CertificateError(anomaly);
}

/**
 * Name ::= SEQUENCE OF RelativeDistinguishedName; RDN ::= SET OF AttributeTypeAndValue
 * ({ type OID, value ANY }). Suricata's format: RDNs in wire order joined by ", ", attributes of one RDN
 * by " + ", `abbrev=value`. Null when malformed.
 */
export function nameToString(buf: Uint8Array, start: number, end: number): string | null {
  const rdn = new DerTlv();
  const atv = new DerTlv();
  const t = new DerTlv();
  let out = '';
  let pos = start;
  while (pos < end) {
    if (readTlv(buf, pos, end, rdn) !== DerError.OK || rdn.id !== DerTag.SET) return null;
    let part = '';
    let apos = rdn.start;
    if (apos === rdn.end) return null; // X.501: an RDN has at least one attribute
    while (apos < rdn.end) {
      if (readTlv(buf, apos, rdn.end, atv) !== DerError.OK || atv.id !== DerTag.SEQUENCE) return null;
      if (readTlv(buf, atv.start, atv.end, t) !== DerError.OK || t.id !== DerTag.OID) return null;
      const oid = oidToString(buf, t.start, t.end);
      if (oid === null) return null;
      if (readTlv(buf, t.end, atv.end, t) !== DerError.OK || t.end !== atv.end) return null;
      const value = derStringValue(buf, t.id, t.start, t.end) ?? hexUpper(buf, t.start, t.end);
      const name = ATTRIBUTE_NAMES.get(oid) ?? `OID(${oid})`;
      part += `${(part.length > 0 ? ' + ' : '') + name}=${value}`;
      apos = atv.end;
    }
    out += (out.length > 0 ? ', ' : '') + part;
    pos = rdn.end;
  }
  return out;
}

/**
 * UTCTime "YYMMDDHHMMSSZ" (RFC 5280 §4.1.2.5.1: YY ≥ 50 is 19YY) and GeneralizedTime "YYYYMMDDHHMMSSZ".
 * Leniently also what BER allows and old CAs wrote: no seconds, fractional seconds, a +hhmm/-hhmm offset.
 * Returns ISO 8601 UTC without fractions ("2016-04-12T00:00:00Z"), or null.
 */
export function parseTime(buf: Uint8Array, start: number, end: number, utc: boolean): string | null {
  let p = start;
  const digits = (n: number): number => {
    if (p + n > end) return -1;
    let v = 0;
    for (let i = 0; i < n; i++) {
      const c = buf[p + i]! - 0x30;
      if (c < 0 || c > 9) return -1;
      v = v * 10 + c;
    }
    p += n;
    return v;
  };
  let year = digits(utc ? 2 : 4);
  if (year < 0) return null;
  if (utc) year += year >= 50 ? 1900 : 2000;
  const month = digits(2);
  const day = digits(2);
  const hour = digits(2);
  const minute = digits(2);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59) return null;
  let second = 0;
  if (p < end && buf[p]! >= 0x30 && buf[p]! <= 0x39) {
    second = digits(2);
    if (second < 0 || second > 59) return null;
  }
  if (!utc && p < end && (buf[p] === 0x2e || buf[p] === 0x2c)) {
    p++;
    const from = p;
    while (p < end && buf[p]! >= 0x30 && buf[p]! <= 0x39) p++;
    if (p === from) return null;
  }
  let offsetMinutes = 0;
  if (p < end && buf[p] === 0x5a /* Z */) {
    p++;
  } else if (p < end && (buf[p] === 0x2b || buf[p] === 0x2d)) {
    const sign = buf[p] === 0x2b ? 1 : -1;
    p++;
    const oh = digits(2);
    const om = digits(2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return null;
    offsetMinutes = sign * (oh * 60 + om);
  } else if (utc) {
    return null; // UTCTime must say its zone; GeneralizedTime without one is local time, taken as UTC
  }
  if (p !== end) return null;
  if (day > daysInMonth(year, month)) return null; // 30 February
  if (offsetMinutes === 0) {
    // The common case (RFC 5280 requires Z): formatted directly, no Date object.
    return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}Z`;
  }
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute - offsetMinutes, second, 0);
  const iso = d.toISOString(); // years 0..9999 print with 4 digits
  return iso.length === 24 ? `${iso.slice(0, 19)}Z` : null;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

const pad = (v: number, width: number): string => String(v).padStart(width, '0');

/** Extensions ::= SEQUENCE OF Extension { extnID OID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }. */
function decodeExtensions(
  cert: TlsCertificate,
  buf: Uint8Array,
  start: number,
  end: number,
  limits: X509Limits,
  report: (name: number) => void,
): void {
  const t = new DerTlv();
  const ext = new DerTlv();
  expect(buf, start, end, DerTag.SEQUENCE, t, TlsAnomaly.CERTIFICATE_INVALID_EXTENSIONS);
  if (t.end !== end) throw new CertificateError(TlsAnomaly.CERTIFICATE_INVALID_EXTENSIONS);
  let pos = t.start;
  const listEnd = t.end;
  while (pos < listEnd) {
    expect(buf, pos, listEnd, DerTag.SEQUENCE, ext, TlsAnomaly.CERTIFICATE_INVALID_EXTENSIONS);
    expect(buf, ext.start, ext.end, DerTag.OID, t, TlsAnomaly.CERTIFICATE_INVALID_EXTENSIONS);
    const isSan = bytesEqual(buf, t.start, t.end, OID_SUBJECT_ALT_NAME);
    let vpos = t.end;
    if (readTlv(buf, vpos, ext.end, t) !== DerError.OK) throw new CertificateError(TlsAnomaly.CERTIFICATE_INVALID_EXTENSIONS);
    if (t.id === DerTag.BOOLEAN) {
      vpos = t.end;
      if (readTlv(buf, vpos, ext.end, t) !== DerError.OK) throw new CertificateError(TlsAnomaly.CERTIFICATE_INVALID_EXTENSIONS);
    }
    if (t.id !== DerTag.OCTET_STRING || t.end !== ext.end) throw new CertificateError(TlsAnomaly.CERTIFICATE_INVALID_EXTENSIONS);
    if (isSan) decodeSubjectAltName(cert, buf, t.start, t.end, limits, report);
    pos = ext.end;
  }
}

/** GeneralNames ::= SEQUENCE OF GeneralName: dNSName [2] IA5String, iPAddress [7] OCTET STRING (4 or 16 bytes). */
function decodeSubjectAltName(
  cert: TlsCertificate,
  buf: Uint8Array,
  start: number,
  end: number,
  limits: X509Limits,
  report: (name: number) => void,
): void {
  // extnValue is an OCTET STRING, which the outer walk did not descend into.
  const t = new DerTlv();
  if (validateDer(buf, start, end, limits.maxDerDepth, t) !== DerError.OK)
    throw new CertificateError(TlsAnomaly.CERTIFICATE_INVALID_EXTENSIONS);
  expect(buf, start, end, DerTag.SEQUENCE, t, TlsAnomaly.CERTIFICATE_INVALID_EXTENSIONS);
  if (t.end !== end) throw new CertificateError(TlsAnomaly.CERTIFICATE_INVALID_EXTENSIONS);
  let pos = t.start;
  const listEnd = t.end;
  let kept = 0;
  while (pos < listEnd) {
    if (readTlv(buf, pos, listEnd, t) !== DerError.OK) throw new CertificateError(TlsAnomaly.CERTIFICATE_INVALID_EXTENSIONS);
    pos = t.end;
    if (t.id !== GN_DNS_NAME && t.id !== GN_IP_ADDRESS) continue;
    if (kept === limits.maxListLength) {
      report(TlsAnomaly.TOO_MANY_VALUES);
      return;
    }
    kept++;
    if (t.id === GN_DNS_NAME) {
      cert.sanDns.push(latin1(buf, t.start, t.end));
    } else if (t.length === 4 || t.length === 16) {
      cert.sanIps.push(
        t.length === 4 ? `${buf[t.start]}.${buf[t.start + 1]}.${buf[t.start + 2]}.${buf[t.start + 3]}` : formatIpv6(buf, t.start),
      );
    } else {
      throw new CertificateError(TlsAnomaly.CERTIFICATE_INVALID_EXTENSIONS);
    }
  }
}

/** 16 bytes as RFC 5952 text: lowercase, no leading zeros, the first longest run of 2+ zero groups as "::". */
export function formatIpv6(buf: Uint8Array, off: number): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((buf[off + 2 * i]! << 8) | buf[off + 2 * i + 1]!);
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return g.map((x) => x.toString(16)).join(':');
  const head = g
    .slice(0, bestStart)
    .map((x) => x.toString(16))
    .join(':');
  const tail = g
    .slice(bestStart + bestLen)
    .map((x) => x.toString(16))
    .join(':');
  return `${head}::${tail}`;
}
