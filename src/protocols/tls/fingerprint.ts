/**
 * Client and server fingerprints of the hellos.
 *
 * JA3 (Salesforce): "SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats", decimal
 * values joined by '-', the legacy version, lists in wire order, GREASE values left out of every list,
 * an absent list empty; the MD5 of that string. JA3S: "SSLVersion,Cipher,Extensions" of the ServerHello.
 *
 * JA4 (FoxIO, technical_details/JA4.md): `t13d1516h2_8daaf6152771_e5627efa2ab1`:
 *   a: protocol ('t' TLS over TCP), version (highest non-GREASE supported_versions value, else the legacy
 *      version: 13, 12, 11, 10, s3, s2, else 00), 'd' when the SNI extension is present else 'i', counts of
 *      non-GREASE suites and extensions (2 digits, at most 99), first and last character of the first ALPN
 *      name ("00" without; its hex digits when either end is not alphanumeric);
 *   b: first 12 hex of SHA-256 over the sorted 4-hex-digit suites, comma-joined ("000000000000" when none);
 *   c: first 12 hex of SHA-256 over the sorted extensions without SNI (0000) and ALPN (0010), then '_' and
 *      the signature algorithms in wire order (no '_' when there are none) ("000000000000" without
 *      extensions).
 *
 * Neither is defined for an SSLv2-format ClientHello (no extensions): those get none.
 */
import { createHash } from 'node:crypto';
import { ExtensionType, isGrease, Version } from './constants.js';
import type { TlsClientHello, TlsFingerprint, TlsServerHello } from './events.js';

function md5(text: string): string {
  return createHash('md5').update(text, 'latin1').digest('hex');
}

function sha256Prefix(text: string): string {
  return createHash('sha256').update(text, 'latin1').digest('hex').slice(0, 12);
}

function joinNonGrease(values: readonly number[], sep: string): string {
  let s = '';
  let first = true;
  for (const v of values) {
    if (isGrease(v)) continue;
    s += first ? String(v) : sep + v;
    first = false;
  }
  return s;
}

export function ja3(ch: TlsClientHello): TlsFingerprint | null {
  if (ch.sslv2Format) return null;
  const text = [
    ch.version,
    joinNonGrease(ch.cipherSuites, '-'),
    joinNonGrease(
      ch.extensions.map((e) => e.type),
      '-',
    ),
    joinNonGrease(ch.supportedGroups, '-'),
    ch.ecPointFormats.join('-'),
  ].join(',');
  return { string: text, hash: md5(text) };
}

export function ja3s(sh: TlsServerHello): TlsFingerprint | null {
  if (sh.sslv2Format) return null;
  const text = `${sh.version},${sh.cipherSuite},${joinNonGrease(
    sh.extensions.map((e) => e.type),
    '-',
  )}`;
  return { string: text, hash: md5(text) };
}

function ja4Version(v: number): string {
  switch (v) {
    case Version.TLS13:
      return '13';
    case Version.TLS12:
      return '12';
    case Version.TLS11:
      return '11';
    case Version.TLS10:
      return '10';
    case Version.SSL3:
      return 's3';
    case Version.SSL2:
      return 's2';
    default:
      return '00';
  }
}

const HEX = '0123456789abcdef';

function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** JA4's two ALPN characters from the first ALPN name (its bytes are the string's Latin-1 characters). */
function ja4Alpn(alpn: readonly string[]): string {
  const first = alpn[0];
  if (first === undefined || first.length === 0) return '00';
  const a = first.charCodeAt(0);
  const z = first.charCodeAt(first.length - 1);
  if (isAlnum(a) && isAlnum(z)) return first[0]! + first[first.length - 1]!;
  return HEX[a >> 4]! + HEX[z & 15]!;
}

const hex4 = (v: number): string => v.toString(16).padStart(4, '0');

export function ja4(ch: TlsClientHello): string | null {
  if (ch.sslv2Format) return null;
  let version = ch.version;
  let best = -1;
  for (const v of ch.supportedVersions) if (!isGrease(v) && v > best) best = v;
  if (best >= 0) version = best;
  const ciphers = ch.cipherSuites.filter((c) => !isGrease(c));
  const extensions = ch.extensions.map((e) => e.type).filter((t) => !isGrease(t));
  const sni = extensions.includes(ExtensionType.SERVER_NAME) ? 'd' : 'i';
  const count = (n: number): string => String(Math.min(99, n)).padStart(2, '0');
  const a = `t${ja4Version(version)}${sni}${count(ciphers.length)}${count(extensions.length)}${ja4Alpn(ch.alpn)}`;

  const b =
    ciphers.length === 0
      ? '000000000000'
      : sha256Prefix(
          ciphers
            .sort((x, y) => x - y)
            .map(hex4)
            .join(','),
        );

  const hashed = extensions.filter((t) => t !== ExtensionType.SERVER_NAME && t !== ExtensionType.ALPN).sort((x, y) => x - y);
  let c = '000000000000';
  if (hashed.length > 0) {
    const sigs = ch.signatureAlgorithms.filter((s) => !isGrease(s));
    let text = hashed.map(hex4).join(',');
    if (sigs.length > 0) text += `_${sigs.map(hex4).join(',')}`;
    c = sha256Prefix(text);
  }
  return `${a}_${b}_${c}`;
}
