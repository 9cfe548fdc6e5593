/**
 * Options of the TLS module, with their defaults and why.
 */

export interface TlsOptions {
  /**
   * Largest handshake message buffered for parsing (bytes). Default 131072 (128 KiB): OpenSSL refuses a
   * ClientHello over 131396 bytes and a certificate list over 100 KiB (`max_cert_list`), so a message larger
   * than this is one no common stack would accept. Post-quantum key shares make ClientHellos of 2–8 KiB
   * and long chains reach 20 KiB, well inside. A larger message is skipped by count
   * (`tls.handshake_too_large`): nothing of it is buffered.
   */
  maxHandshakeMessageSize: number;
  /** Certificates of one Certificate message decoded. Default 16: real chains carry 2–5. */
  maxCertificates: number;
  /**
   * Entries kept per list: cipher suites, extensions, groups, signature algorithms, ALPN names, key shares
   * of a hello, subjectAltName entries of a certificate. Default 1024: browsers send about 20 suites and 20
   * extensions, the largest CDN certificates a few hundred names. More raise `tls.too_many_values` and
   * the rest is not kept (JA3/JA4 are then computed over what was kept).
   */
  maxListLength: number;
  /** Cleartext alerts kept in the record. Default 8: a handshake ends at its first fatal alert. */
  maxAlerts: number;
  /**
   * Deepest DER nesting accepted in a certificate. Default 32: an X.509 certificate nests about 8 deep;
   * the cap bounds the walk over crafted input (`tls.certificate_invalid_der`).
   */
  maxDerDepth: number;
  /** Keep each certificate's DER in the record (`TlsCertificate.der`, EVE `certificate`/`chain`). Default false. */
  keepCertificateDer: boolean;
  /**
   * What follows the handshake. `stop` (default): write the record and leave the flow (`sink.stop`): the
   * rest is encrypted and nothing more is learned, so reassembly can stop too. `track`: keep reading record
   * headers without buffering (heartbeats and their sizes, alerts) for Heartbleed-style detection after the
   * handshake, as Suricata's default `encryption-handling` does; costs a few operations per record.
   */
  afterHandshake: 'stop' | 'track';
}

export const TLS_DEFAULTS: Readonly<TlsOptions> = Object.freeze({
  maxHandshakeMessageSize: 131072,
  maxCertificates: 16,
  maxListLength: 1024,
  maxAlerts: 8,
  maxDerDepth: 32,
  keepCertificateDer: false,
  afterHandshake: 'stop',
});

function clamp(v: unknown, lo: number, hi: number, dflt: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) return dflt;
  return Math.min(hi, Math.max(lo, Math.floor(v)));
}

/**
 * The options a parser runs with: the caller's (any subset) over the defaults, each within its range
 * (a handshake message of 4 bytes to the 2^24 - 1 its length field allows; at least one certificate,
 * list entry and alert; DER depth 4 to 256, enough for any certificate and still a bound).
 */
export function resolveTlsOptions(o: Partial<TlsOptions> | undefined): TlsOptions {
  const d = TLS_DEFAULTS;
  return {
    maxHandshakeMessageSize: clamp(o?.maxHandshakeMessageSize, 4, 0xffffff, d.maxHandshakeMessageSize),
    maxCertificates: clamp(o?.maxCertificates, 1, 1024, d.maxCertificates),
    maxListLength: clamp(o?.maxListLength, 1, 65536, d.maxListLength),
    maxAlerts: clamp(o?.maxAlerts, 0, 1024, d.maxAlerts),
    maxDerDepth: clamp(o?.maxDerDepth, 4, 256, d.maxDerDepth),
    keepCertificateDer: typeof o?.keepCertificateDer === 'boolean' ? o.keepCertificateDer : d.keepCertificateDer,
    afterHandshake: o?.afterHandshake === 'track' || o?.afterHandshake === 'stop' ? o.afterHandshake : d.afterHandshake,
  };
}

/** Options of the EVE mapper (`eve.ts`). */
export interface TlsEveOptions {
  /** Write the leaf certificate as base64 DER (`certificate`); needs `keepCertificateDer`. Default false. */
  certificate: boolean;
  /** Write the chain as base64 DERs (`chain`); needs `keepCertificateDer`. Default false. */
  chain: boolean;
  /** Write `client_handshake` and `server_handshake` (suites, extensions, signature algorithms). Default false. */
  handshakes: boolean;
}

export const TLS_EVE_DEFAULTS: Readonly<TlsEveOptions> = Object.freeze({ certificate: false, chain: false, handshakes: false });

/** One line per option, for the config reference and `netsieve protocols` (the why is on each field above). */
export const TLS_OPTION_DOCS: { readonly [K in keyof TlsOptions]: string } = {
  maxHandshakeMessageSize: 'Largest handshake message buffered, 4 to 16777215 bytes (larger: skipped, tls.handshake_too_large)',
  maxCertificates: 'Certificates of one Certificate message decoded, 1 to 1024',
  maxListLength: 'Entries kept per list (suites, extensions, groups, names), 1 to 65536 (beyond: tls.too_many_values)',
  maxAlerts: 'Cleartext alerts kept in the record, 0 to 1024',
  maxDerDepth: 'Deepest DER nesting accepted in a certificate, 4 to 256 (tls.certificate_invalid_der)',
  keepCertificateDer: "Keep each certificate's DER in the record (and EVE certificate/chain when asked)",
  afterHandshake: 'After the handshake: stop (leave the flow) or track (follow record headers: heartbeats, alerts)',
};

/** Values allowed for the string options. */
export const TLS_OPTION_CHOICES: { readonly [K in keyof TlsOptions]?: readonly string[] } = { afterHandshake: ['stop', 'track'] };
