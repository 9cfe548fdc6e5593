/**
 * What the TLS module reports: its anomaly table and the `tls` record (one per connection).
 *
 * Anomalies: one table, as in `src/decode/events.ts`: the index is the numeric code, the string is the
 * name used in events, counters and rules. Append only; never renumber or reuse; a retired code keeps its
 * slot with a `retired.` prefix.
 */

export const TLS_ANOMALIES = [
  'tls.none', // 0: never raised
  // ---- record layer
  'tls.invalid_record_type', // 1: content type outside 20–24 (or an SSLv2 header after TLS records): the direction is given up
  'tls.invalid_record_version', // 2: record version not 3.x (given up), or 3.x above TLS 1.3's 3.4 (followed)
  'tls.invalid_record_length', // 3: empty handshake/alert/CCS record (RFC 5246 §6.2.1), plaintext over 2^14, or any over 2^14+2048 (given up)
  'tls.invalid_change_cipher_spec', // 4: a ChangeCipherSpec record other than the single byte 1
  'tls.invalid_alert', // 5: a cleartext alert that is not 2 bytes, or whose level is neither warning (1) nor fatal (2)
  'tls.application_data_before_handshake', // 6: application data before the direction's hello: not a TLS handshake (tunnel in disguise, or mid-stream)
  // ---- handshake layer
  'tls.handshake_too_large', // 7: a handshake message longer than `maxHandshakeMessageSize`: skipped unread
  'tls.handshake_invalid_length', // 8: a handshake message whose fields run past its end (or that is too short for its type)
  'tls.handshake_unknown_type', // 9: a cleartext handshake message of a type IANA does not list
  'tls.handshake_wrong_direction', // 10: a client message from the server or a server message from the client
  'tls.handshake_out_of_order', // 11: a second ClientHello without HelloRetryRequest, a second ServerHello, a Certificate before the ServerHello...
  'tls.handshake_interleaved', // 12: another record type in the middle of a fragmented handshake message (RFC 8446 §5.1 forbids it)
  'tls.handshake_trailing_data', // 13: bytes after the last field of a hello or certificate list
  // ---- hellos
  'tls.invalid_hello_version', // 14: hello version outside SSLv3..TLS 1.2 (TLS 1.3 keeps 0x0303 there)
  'tls.session_id_too_long', // 15: session id over 32 bytes (RFC 5246 §7.4.1.2)
  'tls.invalid_cipher_suites', // 16: cipher suite list empty or of odd length
  'tls.invalid_compression_methods', // 17: compression list empty or without null (RFC 5246 §7.4.1.2: it MUST contain null)
  'tls.compression_negotiated', // 18: the server chose compression (CRIME, RFC 7457 §2.6)
  'tls.invalid_extensions_length', // 19: the extensions block disagrees with the message, or an extension runs past it
  'tls.invalid_extension', // 20: an extension whose contents contradict their own lengths (ALPN, groups, key share, ...)
  'tls.duplicate_extension', // 21: RFC 8446 §4.2: "There MUST NOT be more than one extension of the same type"
  'tls.too_many_values', // 22: a list longer than `maxListLength` (suites, extensions, groups, ALPN, SANs): the rest ignored
  // ---- server name
  'tls.sni_invalid_type', // 23: a server_name entry whose name_type is not host_name (0)
  'tls.sni_invalid_length', // 24: server_name list or name lengths inconsistent, or an empty name
  'tls.sni_multiple_names', // 25: more than one host_name (RFC 6066 §3: "MUST NOT contain more than one name of the same name_type")
  'tls.sni_invalid_characters', // 26: bytes other than letters, digits, '-', '_' and '.', or a trailing dot (RFC 6066 §3)
  'tls.sni_ip_literal', // 27: an IPv4 or IPv6 literal (RFC 6066 §3: "Literal IPv4 and IPv6 addresses are not permitted")
  'tls.sni_too_long', // 28: over 253 characters, the longest DNS name
  // ---- negotiation (the server's answer against the client's offer)
  'tls.alpn_invalid', // 29: a server ALPN extension not naming exactly one protocol (RFC 7301 §3.1)
  'tls.alpn_not_offered', // 30: the server chose an ALPN protocol the client did not offer (RFC 7301 §3.2)
  'tls.version_not_offered', // 31: the server chose a version the client did not offer
  'tls.cipher_not_offered', // 32: the server chose a cipher suite the client did not offer
  'tls.extension_not_offered', // 33: a ServerHello extension the client did not send (RFC 5246 §7.4.1.4, RFC 8446 §4.2)
  'tls.grease_selected', // 34: the server chose a GREASE value (RFC 8701 §3: clients MUST reject it)
  'tls.downgrade_sentinel', // 35: a client offering TLS 1.3 got a ServerHello with the downgrade sentinel (RFC 8446 §4.1.3)
  // ---- heartbeat (RFC 6520), the Heartbleed shapes (CVE-2014-0160)
  'tls.heartbeat_request', // 36
  'tls.heartbeat_response', // 37
  'tls.heartbeat_length_mismatch', // 38: cleartext heartbeat whose payload_length + 3 + 16 bytes of padding exceed the record: Heartbleed request
  'tls.heartbeat_response_oversized', // 39: an encrypted heartbeat response longer than the request it answers: Heartbleed leak
  'tls.heartbeat_invalid', // 40: cleartext heartbeat shorter than 3 bytes or of a type neither request (1) nor response (2)
  'tls.heartbeat_not_negotiated', // 41: heartbeat in a connection whose hellos did not both carry the extension (RFC 6520 §2)
  // ---- obsolete protocols
  'tls.sslv2', // 42: SSLv2 handshake (CLIENT-HELLO version 2, or an SSLv2 SERVER-HELLO): prohibited by RFC 6176
  'tls.sslv2_client_hello', // 43: a ClientHello in the SSLv2-compatible record format (RFC 5246 §E.2), offering SSLv3 or TLS
  'tls.invalid_sslv2_record', // 44: an SSLv2 message whose lengths do not add up
  'tls.sslv3', // 45: SSLv3 negotiated, or a client offering nothing above it (RFC 7568 prohibits SSLv3)
  // ---- certificates
  'tls.certificate_invalid_length', // 46: Certificate message lengths that do not add up, or an empty certificate entry
  'tls.certificate_invalid_der', // 47: broken DER: truncated TLV, indefinite length, length beyond its parent, nesting over `maxDerDepth`
  'tls.certificate_invalid_version', // 48
  'tls.certificate_invalid_serial', // 49
  'tls.certificate_invalid_algorithm', // 50
  'tls.certificate_invalid_name', // 51: issuer or subject not a valid Name
  'tls.certificate_invalid_date', // 52: validity not two valid UTCTime/GeneralizedTime values
  'tls.certificate_invalid_extensions', // 53
  'tls.too_many_certificates', // 54: more certificates than `maxCertificates`: the rest are not decoded
  'tls.certificate_empty', // 55: a server Certificate message with no certificate
  // ---- stream
  'tls.gap', // 56: bytes of a direction were lost: the message they hit is dropped; framing is kept, regained (57) or given up
  'tls.resynchronised', // 57: after a gap that broke the framing, a plausible record header was found and reading resumed there
  // ---- evasion
  'tls.client_hello_fragmented', // 58: a ClientHello that would fit in one record spread over several (legal, RFC 8446 §5.1, but no client does it: a way around single-record DPI)
] as const;

export type TlsAnomalyName = (typeof TLS_ANOMALIES)[number];

/** Numeric codes by name without the `tls.` prefix, e.g. `TlsAnomaly.sni_ip_literal`. */
export const TlsAnomaly = Object.freeze(
  Object.fromEntries(TLS_ANOMALIES.map((name, i) => [name.slice(4), i])),
) as { readonly [K in TlsAnomalyName as K extends `tls.${infer S}` ? S : never]: number };

// ------------------------------------------------------------------------------------------ records

/** One extension of a hello, as it appeared on the wire (GREASE values included). */
export interface TlsExtension {
  type: number;
  /** Bytes of extension_data. */
  length: number;
}

/**
 * A ClientHello (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2), or an SSLv2-compatible CLIENT-HELLO mapped onto
 * one (RFC 5246 §E.2). Owned plain data. Lists keep wire order and GREASE values; they stop at
 * `maxListLength` (`tls.too_many_values`). Extension fields are null/empty/false when the extension is absent.
 */
export interface TlsClientHello {
  /** `legacy_version` (the highest version before TLS 1.3; TLS 1.3 clients send 0x0303 here). */
  version: number;
  /** 32 bytes, hex. For an SSLv2 CLIENT-HELLO, the challenge left-padded with zeros to 32 bytes. */
  random: string;
  /** Hex, '' when empty. */
  sessionId: string;
  cipherSuites: number[];
  compressionMethods: number[];
  extensions: TlsExtension[];
  /** server_name (0): the host_name, ASCII as sent (null: no extension or no usable name). */
  serverName: string | null;
  /** application_layer_protocol_negotiation (16): protocol names, bytes as Latin-1 characters. */
  alpn: string[];
  /** supported_groups (10). */
  supportedGroups: number[];
  /** ec_point_formats (11). */
  ecPointFormats: number[];
  /** signature_algorithms (13). */
  signatureAlgorithms: number[];
  /** supported_versions (43): the versions really offered (TLS 1.3 and later negotiate here). */
  supportedVersions: number[];
  /** key_share (51): the groups of the offered key shares. */
  keyShareGroups: number[];
  /** psk_key_exchange_modes (45). */
  pskKeyExchangeModes: number[];
  /** status_request (5): OCSP stapling asked for. */
  statusRequest: boolean;
  /** renegotiation_info (0xff01) or TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746). */
  secureRenegotiation: boolean;
  /** session_ticket (35): bytes of the ticket presented (0: asks for a new one); null: no extension. */
  sessionTicketLength: number | null;
  /** heartbeat (15): mode 1 peer_allowed_to_send, 2 peer_not_allowed_to_send; null: no extension. */
  heartbeatMode: number | null;
  /** encrypt_then_mac (22, RFC 7366). */
  encryptThenMac: boolean;
  /** extended_master_secret (23, RFC 7627). */
  extendedMasterSecret: boolean;
  /** record_size_limit (28, RFC 8449). */
  recordSizeLimit: number | null;
  /** padding (21, RFC 7685): bytes of padding. */
  paddingLength: number | null;
  /** pre_shared_key (41): a TLS 1.3 resumption (or external PSK) offered. */
  preSharedKey: boolean;
  /** early_data (42): 0-RTT data follows. */
  earlyData: boolean;
  /** encrypted_client_hello (0xfe0d): the real hello is inside; `serverName` is the outer (public) name. */
  encryptedClientHello: boolean;
  /** TLS_FALLBACK_SCSV (RFC 7507) among the cipher suites: a client retrying with a lower version. */
  fallbackScsv: boolean;
  /** A GREASE value anywhere (suites, extensions, groups, versions, signature algorithms, key shares). */
  grease: boolean;
  /** Sent in the SSLv2-compatible record format (no extensions are possible then). */
  sslv2Format: boolean;
}

/** A ServerHello (or a HelloRetryRequest, which is a ServerHello with a special random). Owned plain data. */
export interface TlsServerHello {
  /** `legacy_version`. */
  version: number;
  random: string;
  sessionId: string;
  cipherSuite: number;
  compressionMethod: number;
  extensions: TlsExtension[];
  /** supported_versions (43): the version selected (TLS 1.3); null: no extension. */
  selectedVersion: number | null;
  /** key_share (51): the group of the server's share (or the group asked for by a HelloRetryRequest). */
  keyShareGroup: number | null;
  /** ALPN (16): the protocol selected. */
  alpn: string | null;
  ecPointFormats: number[];
  secureRenegotiation: boolean;
  /** session_ticket (35): the server will send a NewSessionTicket. */
  sessionTicket: boolean;
  heartbeatMode: number | null;
  encryptThenMac: boolean;
  extendedMasterSecret: boolean;
  recordSizeLimit: number | null;
  statusRequest: boolean;
  /** pre_shared_key (41): the PSK identity selected (TLS 1.3 resumption). */
  preSharedKeyIdentity: number | null;
  /** RFC 8446 §4.1.3: a HelloRetryRequest (random = SHA-256("HelloRetryRequest")). */
  helloRetryRequest: boolean;
  /** The TLS 1.3 downgrade sentinel in the random: 'tls12' (DOWNGRD01), 'tls11' (DOWNGRD00), else null. */
  downgradeSentinel: 'tls12' | 'tls11' | null;
  /** An SSLv2 SERVER-HELLO. */
  sslv2Format: boolean;
}

/**
 * One X.509 certificate of a Certificate message (TLS 1.2 and older, or an SSLv2 SERVER-HELLO), decoded
 * by `x509.ts`. Owned plain data. Strings follow Suricata's EVE formats.
 */
export interface TlsCertificate {
  /**
   * Subject and issuer as Suricata prints them: RDNs in certificate order joined by ", ", attributes of a
   * multi-valued RDN by " + ", `CN=`, `C=`, `O=`, `OU=`, `L=`, `ST=`, `DC=`, `Email=`, other attributes by
   * their registered short name (`serialNumber=`) or `OID(1.2.3)=`; values that are not strings in hex.
   */
  subject: string;
  issuer: string;
  /** Serial number: the INTEGER's bytes in uppercase hex, colon-separated ("00:A1:..."). */
  serial: string;
  /** ISO 8601 UTC, "2016-04-12T00:00:00Z"; null when undecodable. */
  notBefore: string | null;
  notAfter: string | null;
  /** SHA-1 of the DER, lowercase hex, colon-separated (Suricata's `fingerprint`). */
  fingerprint: string;
  /** subjectAltName dNSName entries. */
  sanDns: string[];
  /** subjectAltName iPAddress entries, as text (IPv6 in RFC 5952 form). */
  sanIps: string[];
  /** X.509 version (1, 2 or 3). */
  version: number;
  /** Subject and issuer are the same name (self-issued; the signature is not checked). */
  selfIssued: boolean;
  /** Bytes of the DER. */
  length: number;
  /** The anomaly the certificate raised when it could not be fully decoded; null when it decoded. */
  error: string | null;
  /** A copy of the DER, only with the `keepCertificateDer` option. */
  der?: Uint8Array;
}

/** A cleartext alert (RFC 8446 §6). */
export interface TlsAlert {
  /** 0: from the client, 1: from the server (`Direction`). */
  direction: 0 | 1;
  /** 1 warning, 2 fatal. */
  level: number;
  /** AlertDescription (40 handshake_failure, 70 protocol_version, 112 unrecognized_name, ...). */
  description: number;
}

export interface TlsFingerprint {
  /** The JA3/JA3S string ("771,4865-4866,0-23-65281,29-23,0"). */
  string: string;
  /** Its MD5, lowercase hex. */
  hash: string;
}

/** Heartbeat messages seen (RFC 6520). */
export interface TlsHeartbeatSummary {
  requests: number;
  responses: number;
  /** A cleartext heartbeat claimed more payload than its record holds (the Heartbleed request). */
  lengthMismatch: boolean;
  /** An encrypted response was longer than its request (the Heartbleed leak). */
  oversizedResponse: boolean;
}

/**
 * How far the handshake got when the record was written:
 * - `encrypted`: both sides switched to encryption (TLS ≤ 1.2: ChangeCipherSpec each way; TLS 1.3: the
 *   ServerHello; SSLv2: the SERVER-HELLO): the normal end;
 * - `failed`: a fatal alert ended it in the clear;
 * - `incomplete`: the flow ended, or the parser lost the stream, before either.
 */
export type TlsHandshakeState = 'encrypted' | 'failed' | 'incomplete';

/**
 * The `tls` record: one per TLS connection, written when the handshake is done (or the flow ends before).
 * Owned plain data.
 */
export interface TlsHandshake {
  state: TlsHandshakeState;
  /**
   * The version negotiated: the ServerHello's supported_versions selection, else its legacy version
   * (0x0200 for SSLv2); before a ServerHello, the ClientHello's legacy version; null with neither.
   */
  version: number | null;
  /** The ClientHello's server name. */
  sni: string | null;
  /** ALPN protocols the client offered, and the one the server chose. */
  clientAlpns: string[];
  serverAlpn: string | null;
  /** The cipher suite the server chose. */
  cipherSuite: number | null;
  /** The (first) ClientHello and the (final) ServerHello. */
  clientHello: TlsClientHello | null;
  serverHello: TlsServerHello | null;
  /** The server asked for a second ClientHello (HelloRetryRequest); `clientHello` is the first one. */
  helloRetryRequest: boolean;
  /** JA3 of the ClientHello and JA3S of the ServerHello (null without one, or for SSLv2-format hellos). */
  ja3: TlsFingerprint | null;
  ja3s: TlsFingerprint | null;
  /** JA4 of the ClientHello (FoxIO's spec). */
  ja4: string | null;
  /**
   * Session resumption. Offered: the client presented a session id, a session ticket, or a TLS 1.3 PSK.
   * `resumed`: TLS ≤ 1.2 abbreviated handshake (the server's ChangeCipherSpec right after its ServerHello,
   * or the server echoing the client's session id); TLS 1.3, the server accepting a PSK.
   */
  resumption: { sessionIdOffered: boolean; ticketOffered: boolean; pskOffered: boolean; earlyData: boolean; resumed: boolean };
  /** The server's certificate chain (cleartext only: TLS ≤ 1.2 and SSLv2), leaf first. */
  certificates: TlsCertificate[];
  /** The client's certificates (TLS ≤ 1.2 client authentication). */
  clientCertificates: TlsCertificate[];
  /** The server asked for a client certificate (CertificateRequest). */
  certificateRequested: boolean;
  /** The server stapled an OCSP response (CertificateStatus). */
  ocspStapled: boolean;
  /** The server issued a session ticket (NewSessionTicket, TLS ≤ 1.2). */
  sessionTicketIssued: boolean;
  /** Cleartext alerts, in order (at most `maxAlerts`). */
  alerts: TlsAlert[];
  heartbeat: TlsHeartbeatSummary | null;
  /** An SSLv2 record was seen (SSLv2 CLIENT-HELLO, compatible or not, or SERVER-HELLO). */
  sslv2: boolean;
  /** SSLv3 negotiated, or the client offered nothing above SSLv3. */
  sslv3: boolean;
}
