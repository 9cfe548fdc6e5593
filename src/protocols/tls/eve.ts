/**
 * The `tls` object of an EVE line, as Suricata writes it (`src/output-json-tls.c`, its "extended" field set,
 * and the schema in ../shared/eve): certificate fields of the server's leaf certificate, `sni`, `version`
 * in Suricata's words ("TLSv1", "TLS 1.2", "TLS 1.3", "SSLv3", "SSLv2"), JA3/JA3S/JA4, ALPNs,
 * `session_resumed`, the client certificate under `client`, and on request base64 DER (`certificate`,
 * `chain`) and the hellos' numbers (`client_handshake`, `server_handshake`).
 *
 * Where netsieve knows more than Suricata prints, the EVE object stays Suricata's: the record has the rest.
 * Differences: `subjectaltname` lists DNS names then IP addresses as text (Suricata prints IPs as byte
 * arrays); `notbefore`/`notafter` are left out when the year is outside 1000–2999, which the schema's date
 * pattern cannot express (Suricata would fail its own schema there).
 */
import { isGrease, versionName } from './constants.js';
import type { TlsCertificate, TlsHandshake } from './events.js';
import { TLS_EVE_DEFAULTS, type TlsEveOptions } from './options.js';

const EVE_DATE = /^[1-2]\d{3}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;

/** "2016-04-12T00:00:00Z" → "2016-04-12T00:00:00" (EVE's `tls_date`), or undefined. */
function eveDate(iso: string | null): string | undefined {
  if (iso === null) return undefined;
  const s = iso.endsWith('Z') ? iso.slice(0, -1) : iso;
  return EVE_DATE.test(s) ? s : undefined;
}

function base64(der: Uint8Array): string {
  return Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
}

/** Certificate fields as Suricata names them (top level for the server's leaf, under `client` for the client's). */
function certificateFields(out: Record<string, unknown>, cert: TlsCertificate): void {
  out.subject = cert.subject;
  out.issuerdn = cert.issuer;
  const sans = [...cert.sanDns, ...cert.sanIps];
  if (sans.length > 0) out.subjectaltname = sans;
  if (cert.serial !== '') out.serial = cert.serial;
  out.fingerprint = cert.fingerprint;
  const nb = eveDate(cert.notBefore);
  const na = eveDate(cert.notAfter);
  if (nb !== undefined) out.notbefore = nb;
  if (na !== undefined) out.notafter = na;
}

function nonGrease(values: readonly number[]): number[] {
  return values.filter((v) => !isGrease(v));
}

export function tlsToEve(record: TlsHandshake, options: Partial<TlsEveOptions> = {}): Record<string, unknown> {
  const opts = { ...TLS_EVE_DEFAULTS, ...options };
  const out: Record<string, unknown> = {};
  const leaf = record.certificates[0];
  if (leaf !== undefined) certificateFields(out, leaf);
  if (record.resumption.resumed && leaf === undefined) out.session_resumed = true;
  if (record.sni !== null) out.sni = record.sni;
  out.version = versionName(record.version);
  if (record.ja3 !== null) out.ja3 = { hash: record.ja3.hash, string: record.ja3.string };
  if (record.ja3s !== null) out.ja3s = { hash: record.ja3s.hash, string: record.ja3s.string };
  if (record.ja4 !== null) out.ja4 = record.ja4;
  if (record.clientAlpns.length > 0) out.client_alpns = record.clientAlpns.slice();
  if (record.serverAlpn !== null) out.server_alpns = [record.serverAlpn];

  const ders = record.certificates.map((c) => c.der).filter((d): d is Uint8Array => d !== undefined);
  if (opts.certificate && leaf?.der !== undefined) out.certificate = base64(leaf.der);
  if (opts.chain && ders.length > 0) out.chain = ders.map(base64);

  if (opts.handshakes) {
    const ch = record.clientHello;
    if (ch !== null && !ch.sslv2Format) {
      const hs: Record<string, unknown> = {};
      let max = ch.version;
      for (const v of ch.supportedVersions) if (!isGrease(v) && v > max) max = v;
      hs.version = versionName(max);
      const ciphers = nonGrease(ch.cipherSuites);
      const exts = nonGrease(ch.extensions.map((e) => e.type));
      const sigs = nonGrease(ch.signatureAlgorithms);
      if (ciphers.length > 0) hs.ciphers = ciphers;
      if (exts.length > 0) hs.exts = exts;
      if (sigs.length > 0) hs.sig_algs = sigs;
      out.client_handshake = hs;
    }
    const sh = record.serverHello;
    if (sh !== null && !sh.sslv2Format) {
      const hs: Record<string, unknown> = { version: versionName(sh.selectedVersion ?? sh.version), cipher: sh.cipherSuite };
      const exts = nonGrease(sh.extensions.map((e) => e.type));
      if (exts.length > 0) hs.exts = exts;
      out.server_handshake = hs;
    }
  }

  const clientLeaf = record.clientCertificates[0];
  if (clientLeaf !== undefined) {
    const client: Record<string, unknown> = {};
    certificateFields(client, clientLeaf);
    if (opts.certificate && clientLeaf.der !== undefined) client.certificate = base64(clientLeaf.der);
    const clientDers = record.clientCertificates.map((c) => c.der).filter((d): d is Uint8Array => d !== undefined);
    if (opts.chain && clientDers.length > 0) client.chain = clientDers.map(base64);
    out.client = client;
  }
  return out;
}
