/**
 * Options of the DNS module (`app.protocols.dns`, and the same shape for `mdns` and `llmnr`). Every list
 * and buffer the parser keeps has its cap here; hitting one raises the anomaly named beside it.
 *
 * Values are flat numbers so the engine's option merger can check them by type; out-of-range values are
 * clamped to the range given with each option.
 */
export interface DnsOptions {
  /**
   * Questions, and resource records of each of the answer, authority and additional sections, kept per
   * message. Default 1024: real answers hold a few dozen; a zone-transfer message over TCP a few hundred to
   * a few thousand (a 64 KiB message holds at most about 5,900). Beyond: `dns.too_many_records`; the rest
   * are read (to find the next section, and the OPT RR) but not kept. Range 1 to 65535.
   */
  maxRecordsPerSection: number;
  /**
   * Queries of one flow waiting for their response. Default 256: a stub resolver uses a fresh port (a new
   * flow) for each query; a forwarder on a fixed port or a TCP connection with pipelining keeps tens in
   * flight. Beyond: `dns.too_many_outstanding_queries`; the oldest is forgotten. Range 1 to 65536.
   */
  maxOutstandingQueries: number;
  /**
   * Largest DNS-over-TCP message read, in bytes after the 2-byte length prefix. Default 65535, the most the
   * prefix can state (RFC 1035 §4.2.2; zone transfers use all of it). Larger: `dns.tcp_message_too_large`,
   * and the message is skipped by count without being buffered. Range 12 to 65535.
   */
  maxTcpMessageSize: number;
  /**
   * Compression pointers followed within one name. Default 32: compressors write one pointer per name
   * (to a suffix written before), chains of two or three occur; a 255-byte name has at most 127 labels.
   * Beyond: `dns.name_too_many_pointers`, the name is kept truncated. Range 1 to 255.
   */
  maxCompressionJumps: number;
}

export const DNS_DEFAULTS: Readonly<DnsOptions> = Object.freeze({
  maxRecordsPerSection: 1024,
  maxOutstandingQueries: 256,
  maxTcpMessageSize: 65535,
  maxCompressionJumps: 32,
});

function clamp(v: unknown, lo: number, hi: number, dflt: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) return dflt;
  return Math.min(hi, Math.max(lo, Math.floor(v)));
}

/** The options a parser runs with: the caller's (any subset) over the defaults, each within its range. */
export function resolveDnsOptions(o: Partial<DnsOptions> | undefined): DnsOptions {
  const d = DNS_DEFAULTS;
  return {
    maxRecordsPerSection: clamp(o?.maxRecordsPerSection, 1, 65535, d.maxRecordsPerSection),
    maxOutstandingQueries: clamp(o?.maxOutstandingQueries, 1, 65536, d.maxOutstandingQueries),
    maxTcpMessageSize: clamp(o?.maxTcpMessageSize, 12, 65535, d.maxTcpMessageSize),
    maxCompressionJumps: clamp(o?.maxCompressionJumps, 1, 255, d.maxCompressionJumps),
  };
}

/** One line per option, for the config reference and `netsieve protocols` (the why is on each field above). */
export const DNS_OPTION_DOCS: { readonly [K in keyof DnsOptions]: string } = {
  maxRecordsPerSection: 'Questions, and records of each section, kept per message, 1 to 65535 (beyond: dns.too_many_records)',
  maxOutstandingQueries: 'Queries of one flow waiting for their response, 1 to 65536 (beyond: the oldest is forgotten)',
  maxTcpMessageSize: 'Largest DNS-over-TCP message read, 12 to 65535 bytes (larger: skipped, dns.tcp_message_too_large)',
  maxCompressionJumps: 'Compression pointers followed within one name, 1 to 255 (beyond: dns.name_too_many_pointers)',
};
