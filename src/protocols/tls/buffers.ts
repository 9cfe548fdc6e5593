/**
 * Inspection buffers of a `tls` record, for `src/detect/` (rule keywords) and `src/policy/`: getters over a
 * `TlsHandshake`, in the spirit of Suricata's `tls.sni`, `tls.cert_subject`, `tls.cert_issuer`,
 * `tls.cert_fingerprint`, `tls.subjectaltname`, `ja3.hash`, `ja3s.hash` and `ja4.hash` buffers. Values are
 * returned as the record holds them (the SNI as sent, case included); empty when absent.
 */
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
