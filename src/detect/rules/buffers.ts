/**
 * The inspection buffers rules may name: Suricata's sticky buffer keywords, their legacy spellings, the legacy
 * content modifiers and pcre's buffer flags, all mapped onto one canonical name per buffer.
 *
 * This table is the contract between the rule model and the buffers the protocol modules expose: a rule that
 * names a buffer in `BUFFERS` loads; one that names a buffer Suricata has but netsieve does not inspect (SSH,
 * SMB, Kerberos, ...) is refused as an unsupported buffer, so that no rule loads that could never match.
 *
 * `file.data` is also `http.response_body` (and `http_server_body`, pcre's `Q`): Suricata keeps the HTTP response
 * body, dechunked and decompressed, in one buffer under these names.
 *
 * `priority` is Suricata's fast-pattern priority of the buffer (a lower number is preferred): application
 * buffers 2, the packet payload and stream (`pkt_data`, the default) 3, and `http.method` below the payload,
 * as Suricata 7 documents ("http_method ... has lower priority than the general content buffer").
 */

export interface BufferSpec {
  name: string;
  /** The application protocol the buffer belongs to (binds the rule to it), or null (payload, file.data). */
  proto: string | null;
  priority: number;
}

/** The default buffer: packet payload and, for TCP, the reassembled stream (Suricata's payload list). */
export const DEFAULT_BUFFER = 'pkt_data';

const HTTP_BUFFERS = [
  'http.uri',
  'http.uri.raw',
  'http.method',
  'http.protocol',
  'http.start',
  'http.header',
  'http.header.raw',
  'http.header_names',
  'http.host',
  'http.host.raw',
  'http.user_agent',
  'http.cookie',
  'http.referer',
  'http.content_type',
  'http.content_len',
  'http.request_line',
  'http.request_body',
  'http.stat_code',
  'http.stat_msg',
  'http.response_line',
  'http.location',
  'http.server',
  'http.accept',
  'http.accept_enc',
  'http.accept_lang',
  'http.connection',
  'http.request_header',
  'http.response_header',
];
const DNS_BUFFERS = ['dns.query'];
const TLS_BUFFERS = [
  'tls.sni',
  'tls.cert_subject',
  'tls.cert_issuer',
  'tls.cert_serial',
  'tls.cert_fingerprint',
  'tls.certs',
  'tls.subjectaltname',
  'tls.alpn',
  'ja3.hash',
  'ja3.string',
  'ja3s.hash',
  'ja3s.string',
  'ja4.hash',
];
const REDIS_BUFFERS = ['redis.command', 'redis.key', 'redis.value'];

/** Every buffer netsieve inspects, by canonical name. */
export const BUFFERS: ReadonlyMap<string, BufferSpec> = new Map<string, BufferSpec>([
  [DEFAULT_BUFFER, { name: DEFAULT_BUFFER, proto: null, priority: 3 }],
  ['file.data', { name: 'file.data', proto: null, priority: 2 }],
  ...HTTP_BUFFERS.map((n): [string, BufferSpec] => [n, { name: n, proto: 'http', priority: n === 'http.method' ? 4 : 2 }]),
  ...DNS_BUFFERS.map((n): [string, BufferSpec] => [n, { name: n, proto: 'dns', priority: 2 }]),
  ...TLS_BUFFERS.map((n): [string, BufferSpec] => [n, { name: n, proto: 'tls', priority: 2 }]),
  ...REDIS_BUFFERS.map((n): [string, BufferSpec] => [n, { name: n, proto: 'redis', priority: 2 }]),
]);

/** Older sticky-buffer spellings Suricata 7 still accepts, to the canonical name. */
export const STICKY_ALIASES: ReadonlyMap<string, string> = new Map([
  ['file_data', 'file.data'],
  ['dns_query', 'dns.query'],
  ['tls_sni', 'tls.sni'],
  ['tls_cert_subject', 'tls.cert_subject'],
  ['tls_cert_issuer', 'tls.cert_issuer'],
  ['tls_cert_serial', 'tls.cert_serial'],
  ['tls_cert_fingerprint', 'tls.cert_fingerprint'],
  ['ja3_hash', 'ja3.hash'],
  ['ja3_string', 'ja3.string'],
  ['ja3s_hash', 'ja3s.hash'],
  ['ja3s_string', 'ja3s.string'],
  ['http_request_line', 'http.request_line'],
  ['http_response_line', 'http.response_line'],
  ['http_accept', 'http.accept'],
  ['http_accept_enc', 'http.accept_enc'],
  ['http_accept_lang', 'http.accept_lang'],
  ['http_connection', 'http.connection'],
  ['http_content_type', 'http.content_type'],
  ['http_content_len', 'http.content_len'],
  ['http_referer', 'http.referer'],
  ['http_start', 'http.start'],
  ['http_protocol', 'http.protocol'],
  ['http_header_names', 'http.header_names'],
  // One buffer in Suricata (the response body after dechunking and decompression) under two names.
  ['http.response_body', 'file.data'],
]);

/** Legacy content modifiers (they move the content just before into a buffer), to the canonical name. */
export const CONTENT_MODIFIERS: ReadonlyMap<string, string> = new Map([
  ['http_uri', 'http.uri'],
  ['http_raw_uri', 'http.uri.raw'],
  ['http_header', 'http.header'],
  ['http_raw_header', 'http.header.raw'],
  ['http_client_body', 'http.request_body'],
  ['http_server_body', 'file.data'],
  ['http_method', 'http.method'],
  ['http_cookie', 'http.cookie'],
  ['http_stat_code', 'http.stat_code'],
  ['http_stat_msg', 'http.stat_msg'],
  ['http_user_agent', 'http.user_agent'],
  ['http_host', 'http.host'],
  ['http_raw_host', 'http.host.raw'],
]);

/** pcre's buffer flags (Suricata's), to the canonical buffer. */
export const PCRE_BUFFER_FLAGS: ReadonlyMap<string, string> = new Map([
  ['U', 'http.uri'],
  ['I', 'http.uri.raw'],
  ['P', 'http.request_body'],
  ['Q', 'file.data'],
  ['H', 'http.header'],
  ['D', 'http.header.raw'],
  ['M', 'http.method'],
  ['C', 'http.cookie'],
  ['S', 'http.stat_code'],
  ['Y', 'http.stat_msg'],
  ['V', 'http.user_agent'],
  ['W', 'http.host'],
  ['Z', 'http.host.raw'],
]);

/**
 * Sticky buffers Suricata 7 has that netsieve does not inspect (their protocols are not parsed, or the
 * buffer is a header view netsieve does not offer). A rule naming one is refused as `unsupported-buffer`.
 */
export const UNSUPPORTED_BUFFERS: ReadonlySet<string> = new Set([
  'ssh.proto',
  'ssh_proto',
  'ssh.software',
  'ssh_software',
  'ssh.hassh',
  'ssh.hassh.string',
  'ssh.hassh.server',
  'ssh.hassh.server.string',
  'smb.named_pipe',
  'smb.share',
  'smb.ntlmssp_user',
  'smb.ntlmssp_domain',
  'krb5_cname',
  'krb5_sname',
  'krb5.cname',
  'krb5.sname',
  'file.name',
  'file_name',
  'file.magic',
  'file_magic',
  'http2.header_name',
  'http2.header',
  'tcp.hdr',
  'udp.hdr',
  'ipv4.hdr',
  'ipv6.hdr',
  'icmpv4.hdr',
  'icmpv6.hdr',
  'base64_data',
  'dnp3_data',
  'dnp3.data',
  'dce_stub_data',
  'quic.sni',
  'quic.ua',
  'quic.version',
  'quic.cyu.hash',
  'quic.cyu.string',
  'smtp.helo',
  'smtp.mail_from',
  'smtp.rcpt_to',
  'sip.method',
  'sip.uri',
  'sip.protocol',
  'sip.request_line',
  'sip.stat_code',
  'sip.stat_msg',
  'sip.response_line',
  'snmp.community',
  'snmp.usm',
  'ike.vendor',
  'ike.key_exchange_payload',
  'ike.nonce_payload',
  'mqtt.connect.clientid',
  'mqtt.connect.username',
  'mqtt.connect.password',
  'mqtt.connect.willtopic',
  'mqtt.connect.willmessage',
  'mqtt.publish.topic',
  'mqtt.publish.message',
  'mqtt.subscribe.topic',
  'mqtt.unsubscribe.topic',
  'rfb.name',
  'rfb.secresult',
  'tls.random',
  'tls.random_time',
  'tls.random_bytes',
  'ftp.command',
  'ftp.command_data',
  'ftp.reply',
  'ftp.mode',
  'dns.answer.name',
  'dns.queries.rrname',
  'dns.answers.rrname',
  'dns.authorities.rrname',
  'dns.additionals.rrname',
  'dns.response.rrname',
  'email.from',
  'email.subject',
  'email.to',
  'email.cc',
  'email.date',
  'email.message_id',
  'email.x_mailer',
  'email.url',
  'ldap.request.dn',
  'ldap.responses.dn',
  'http.header.raw.names',
]);

/** The canonical buffer a sticky keyword selects, `undefined` when the keyword is not a sticky buffer netsieve has. */
export function stickyBuffer(keyword: string): string | undefined {
  if (BUFFERS.has(keyword)) return keyword;
  return STICKY_ALIASES.get(keyword);
}
