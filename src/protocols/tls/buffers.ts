/**
 * Inspection buffers of a `tls` record, for `src/detect/` (rule keywords) and `src/policy/`: getters over a
 * `TlsHandshake`, in the spirit of Suricata's `tls.sni`, `tls.cert_subject`, `tls.cert_issuer`,
 * `tls.cert_fingerprint`, `tls.certs`, `ja3.hash`, `ja3.string`, `ja3s.hash`, `ja3s.string` and `ja4.hash`
 * buffers (`tls.alpn` and `tls.subjectaltname` are Suricata 8's; Suricata 7 has neither). Values are returned
 * as the record holds them (the SNI as sent, case included); empty when absent. Formats are Suricata's:
 * subject and issuer as its EVE prints them, the serial upper-case hex with colons, the fingerprint
 * lower-case hex with colons; checked against Suricata 7.0.10 on the corpus captures
 * (test/protocols/tls/suricata-buffers.test.ts).
 */
import { textBuffer, textBuffers, type InspectionBuffer } from '../module.js';
import type { TlsHandshake } from './events.js';

/** The ClientHello's server name (`tls.sni`). */
export function tlsSni(rec: TlsHandshake): string | null {
  return rec.sni;
}

/** Subject of each server certificate, leaf first (`tls.cert_subject` is the leaf's). */
export function tlsCertificateSubjects(rec: TlsHandshake): string[] {
  return rec.certificates.map((c) => c.subject);
}

/** Issuer of each server certificate, leaf first (`tls.cert_issuer`). */
export function tlsIssuers(rec: TlsHandshake): string[] {
  return rec.certificates.map((c) => c.issuer);
}

/** SHA-1 fingerprints of the server chain, leaf first (`tls.cert_fingerprint`). */
export function tlsCertificateFingerprints(rec: TlsHandshake): string[] {
  return rec.certificates.map((c) => c.fingerprint);
}

/** The leaf certificate's subjectAltName DNS names then IP addresses (`tls.subjectaltname`). */
export function tlsSubjectAltNames(rec: TlsHandshake): string[] {
  const leaf = rec.certificates[0];
  return leaf === undefined ? [] : [...leaf.sanDns, ...leaf.sanIps];
}

export function tlsJa3Hash(rec: TlsHandshake): string | null {
  return rec.ja3?.hash ?? null;
}

export function tlsJa3sHash(rec: TlsHandshake): string | null {
  return rec.ja3s?.hash ?? null;
}

export function tlsJa4(rec: TlsHandshake): string | null {
  return rec.ja4;
}

/** The `tls` module's inspection buffers: each is of the connection's handshake (`stream` scope). */
export const TLS_BUFFERS: readonly InspectionBuffer<TlsHandshake>[] = [
  {
    name: 'tls.sni',
    direction: 'to_server',
    scope: 'stream',
    description: 'server name of the ClientHello',
    get: (r) => textBuffer(tlsSni(r)),
  },
  {
    name: 'tls.alpn',
    direction: 'to_server',
    scope: 'stream',
    description: 'each ALPN protocol the client offered',
    get: (r) => textBuffers(r.clientHello?.alpn ?? []),
  },
  {
    name: 'ja3.hash',
    direction: 'to_server',
    scope: 'stream',
    description: 'JA3 hash of the ClientHello',
    get: (r) => textBuffer(tlsJa3Hash(r)),
  },
  {
    name: 'ja3.string',
    direction: 'to_server',
    scope: 'stream',
    description: 'JA3 string of the ClientHello (version,ciphers,extensions,groups,point formats)',
    get: (r) => textBuffer(r.ja3?.string ?? null),
  },
  {
    name: 'ja4.hash',
    direction: 'to_server',
    scope: 'stream',
    description: 'JA4 fingerprint of the ClientHello',
    get: (r) => textBuffer(tlsJa4(r)),
  },
  {
    name: 'ja3s.hash',
    direction: 'to_client',
    scope: 'stream',
    description: 'JA3S hash of the ServerHello',
    get: (r) => textBuffer(tlsJa3sHash(r)),
  },
  {
    name: 'ja3s.string',
    direction: 'to_client',
    scope: 'stream',
    description: 'JA3S string of the ServerHello (version,cipher,extensions)',
    get: (r) => textBuffer(r.ja3s?.string ?? null),
  },
  {
    name: 'tls.cert_subject',
    direction: 'to_client',
    scope: 'stream',
    description: 'leaf certificate subject',
    get: (r) => textBuffer(r.certificates[0]?.subject),
  },
  {
    name: 'tls.cert_issuer',
    direction: 'to_client',
    scope: 'stream',
    description: 'leaf certificate issuer',
    get: (r) => textBuffer(r.certificates[0]?.issuer),
  },
  {
    name: 'tls.cert_serial',
    direction: 'to_client',
    scope: 'stream',
    description: 'leaf certificate serial number',
    get: (r) => textBuffer(r.certificates[0]?.serial),
  },
  {
    name: 'tls.cert_fingerprint',
    direction: 'to_client',
    scope: 'stream',
    description: 'leaf certificate SHA-1 fingerprint',
    get: (r) => textBuffer(r.certificates[0]?.fingerprint),
  },
  {
    name: 'tls.subjectaltname',
    direction: 'to_client',
    scope: 'stream',
    description: 'each subjectAltName of the leaf certificate (DNS names, then IP addresses)',
    get: (r) => textBuffers(tlsSubjectAltNames(r)),
  },
  {
    // Suricata's tls.certs is each certificate's DER, which the record holds only with the
    // keepCertificateDer option: without it, the buffer is empty (a rule on it cannot match).
    name: 'tls.certs',
    direction: 'to_client',
    scope: 'stream',
    description: 'each certificate of the chain as DER, leaf first (needs the keepCertificateDer option)',
    get: (r) => r.certificates.flatMap((c) => (c.der === undefined ? [] : [c.der])),
  },
];
