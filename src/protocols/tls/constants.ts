/**
 * TLS wire constants: record content types, handshake types, extension numbers, versions (IANA "TLS
 * Parameters" registries; RFC 8446 §4, §5.1, §B.3), GREASE (RFC 8701) and the helpers that name them.
 */

/** Record content types (RFC 8446 §5.1; heartbeat: RFC 6520 §2). */
export const ContentType = {
  CHANGE_CIPHER_SPEC: 20,
  ALERT: 21,
  HANDSHAKE: 22,
  APPLICATION_DATA: 23,
  HEARTBEAT: 24,
} as const;

/** Handshake message types (RFC 8446 §4, RFC 5246 §7.4, RFC 6066 §8, RFC 8879). */
export const HandshakeType = {
  HELLO_REQUEST: 0,
  CLIENT_HELLO: 1,
  SERVER_HELLO: 2,
  HELLO_VERIFY_REQUEST: 3,
  NEW_SESSION_TICKET: 4,
  END_OF_EARLY_DATA: 5,
  HELLO_RETRY_REQUEST: 6, // draft TLS 1.3 only; RFC 8446 sends a ServerHello with a special random
  ENCRYPTED_EXTENSIONS: 8,
  CERTIFICATE: 11,
  SERVER_KEY_EXCHANGE: 12,
  CERTIFICATE_REQUEST: 13,
  SERVER_HELLO_DONE: 14,
  CERTIFICATE_VERIFY: 15,
  CLIENT_KEY_EXCHANGE: 16,
  FINISHED: 20,
  CERTIFICATE_URL: 21,
  CERTIFICATE_STATUS: 22,
  SUPPLEMENTAL_DATA: 23,
  KEY_UPDATE: 24,
  COMPRESSED_CERTIFICATE: 25,
  MESSAGE_HASH: 254,
} as const;

const KNOWN_HANDSHAKE_TYPES = new Set<number>(Object.values(HandshakeType));

export function isKnownHandshakeType(t: number): boolean {
  return KNOWN_HANDSHAKE_TYPES.has(t);
}

/** Extension types decoded (IANA "TLS ExtensionType Values"). */
export const ExtensionType = {
  SERVER_NAME: 0,
  STATUS_REQUEST: 5,
  SUPPORTED_GROUPS: 10,
  EC_POINT_FORMATS: 11,
  SIGNATURE_ALGORITHMS: 13,
  HEARTBEAT: 15,
  ALPN: 16,
  PADDING: 21,
  ENCRYPT_THEN_MAC: 22,
  EXTENDED_MASTER_SECRET: 23,
  RECORD_SIZE_LIMIT: 28,
  SESSION_TICKET: 35,
  PRE_SHARED_KEY: 41,
  EARLY_DATA: 42,
  SUPPORTED_VERSIONS: 43,
  PSK_KEY_EXCHANGE_MODES: 45,
  KEY_SHARE: 51,
  ENCRYPTED_CLIENT_HELLO: 0xfe0d,
  RENEGOTIATION_INFO: 0xff01,
} as const;

export const Version = {
  SSL2: 0x0002, // the version field of an SSLv2 CLIENT-HELLO (and JA4's "s2")
  SSL3: 0x0300,
  TLS10: 0x0301,
  TLS11: 0x0302,
  TLS12: 0x0303,
  TLS13: 0x0304,
} as const;

/** `version` of a record that negotiated SSLv2 (Suricata's `SSL_VERSION_2`). */
export const SSL2_NEGOTIATED = 0x0200;

/** Cipher-suite values that are signals rather than suites. */
export const TLS_EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff; // RFC 5746 §3.3
export const TLS_FALLBACK_SCSV = 0x5600; // RFC 7507

/**
 * RFC 8701 §2: GREASE values are 0x0A0A, 0x1A1A, ..., 0xFAFA (both bytes equal, low nibbles 0xA) for
 * cipher suites, extensions, named groups, signature algorithms and versions. Clients (Chrome, BoringSSL)
 * send them at random so that servers tolerate unknown values; fingerprints must skip them.
 */
export function isGrease(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff);
}

/**
 * RFC 8446 §4.1.3: a ServerHello whose random is SHA-256("HelloRetryRequest") is a HelloRetryRequest.
 */
export const HELLO_RETRY_RANDOM = Uint8Array.from([
  0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a,
  0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
]);

/**
 * RFC 8446 §4.1.3: a TLS 1.3 server negotiating an older version puts "DOWNGRD" and 01 (TLS 1.2) or 00
 * (TLS 1.1 and below) in the last 8 bytes of its random.
 */
export const DOWNGRADE_SENTINEL = Uint8Array.from([0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44]);

/**
 * RFC 5246 §6.2.3: a TLSCiphertext fragment "MUST NOT exceed 2^14 + 2048" bytes. A longer record header is
 * not TLS (or the stream is out of step).
 */
export const MAX_RECORD_LENGTH = 16384 + 2048;
/** RFC 5246 §6.2.1 / RFC 8446 §5.1: a plaintext fragment is at most 2^14 bytes. */
export const MAX_PLAINTEXT_LENGTH = 16384;

/**
 * Suricata's names for versions (`rust/src/tls_version.rs`), which EVE consumers match on: "TLSv1" but
 * "TLS 1.1", "TLS 1.2", "TLS 1.3"; draft versions of TLS 1.3 by number; anything else as 0x-hex.
 */
export function versionName(v: number | null): string {
  if (v === null || v === 0) return 'UNDETERMINED';
  switch (v) {
    case SSL2_NEGOTIATED:
    case Version.SSL2:
      return 'SSLv2';
    case Version.SSL3:
      return 'SSLv3';
    case Version.TLS10:
      return 'TLSv1';
    case Version.TLS11:
      return 'TLS 1.1';
    case Version.TLS12:
      return 'TLS 1.2';
    case Version.TLS13:
      return 'TLS 1.3';
  }
  if (v >= 0x7f10 && v <= 0x7f1c) return `TLS 1.3 draft-${v & 0xff}`;
  if (v === 0x7f01) return 'TLS 1.3 draft-<16';
  if (v === 0xfb14 || v === 0xfb15 || v === 0xfb16 || v === 0xfb17 || v === 0xfb1a) return `TLS 1.3 draft-${v & 0xff}-fb`;
  return `0x${v.toString(16).padStart(4, '0')}`;
}

/** A TLS 1.3 version number: the final one, an IETF draft (0x7fxx) or Facebook's Fizz drafts (0xfbxx). */
export function isTls13(v: number | null): boolean {
  return v === Version.TLS13 || (v !== null && (v >> 8 === 0x7f || (v >> 8 === 0xfb && (v & 0xff) >= 0x14)));
}
