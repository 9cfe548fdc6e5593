/**
 * TLS anomalies: one table, as in `src/decode/events.ts`: the index is the numeric code, the string is the
 * name used in events, counters and rules. Append only; never renumber or reuse; a retired code keeps its
 * slot with a `retired.` prefix.
 */
import { anomalyCodes } from '../module.js';

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
  // ---- after the handshake (`afterHandshake: 'track'`)
  'tls.renegotiation', // 59: TLS <= 1.2: the client began another handshake under encryption (an encrypted handshake record after its Finished), once per renegotiation
] as const;

export type TlsAnomalyName = (typeof TLS_ANOMALIES)[number];

/** Anomaly codes by short name, for the parser (`TlsAnomaly.X` is the index of `tls.x`). */
export const TlsAnomaly = anomalyCodes('tls', TLS_ANOMALIES);
