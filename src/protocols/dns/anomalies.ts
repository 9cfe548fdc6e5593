import { anomalyCodes } from '../module.js';

/**
 * DNS anomalies. One table: the numeric code is the index (the parser raises codes, no strings on the hot
 * path), the string is the name used in events, counters, rules and each record's `anomalies` list.
 * Append only; never renumber or reuse. A retired code keeps its slot with a `retired.` prefix.
 *
 * The same table serves mDNS and LLMNR (same wire format): their anomalies are raised under these names.
 */
export const DNS_ANOMALIES = [
  'dns.none', // 0: never raised
  'dns.malformed_header', // 1: a message (UDP datagram or framed TCP message) shorter than the 12-byte header: no record
  'dns.counts_beyond_data', // 2: the header's counts promise more questions/records than the message holds; the ones before are kept
  'dns.rdata_beyond_data', // 3: an RR's RDLENGTH runs past the end of the message (a lying length); the RR is kept with the bytes present
  'dns.rdata_length_mismatch', // 4: RDATA whose length does not fit its type (an A that is not 4 bytes, a name running past the RDATA); kept as raw hex
  'dns.name_too_long', // 5: a name over 255 bytes on the wire (RFC 1035 §2.3.4); the first 255 are kept, the name is marked truncated
  'dns.name_bad_label', // 6: a label length byte with the high bits 01 or 10 (a label over 63 bytes, or an extended label type, RFC 6891 §5)
  'dns.name_pointer_loop', // 7: compression pointers that come back to an offset already visited in the same name
  'dns.name_forward_pointer', // 8: a compression pointer to its own offset or beyond (RFC 1035 §4.1.4 allows only a prior occurrence); followed
  'dns.name_bad_pointer', // 9: a compression pointer outside the message or into its 12-byte header
  'dns.name_too_many_pointers', // 10: more compression pointers in one name than maxCompressionJumps
  'dns.name_truncated', // 11: the message (or the RDATA) ends inside a name
  'dns.z_flag_set', // 12: the reserved Z bit of the header is set (RFC 1035 §4.1.1: must be zero)
  'dns.invalid_opcode', // 13: an opcode with no meaning (3, 7-15)
  'dns.not_request', // 14: a response (QR=1) travelling from client to server
  'dns.not_response', // 15: a query (QR=0) travelling from server to client
  'dns.response_without_query', // 16: a response whose id and question match no query seen in the flow
  'dns.id_mismatch', // 17: a response to a pending question under another id (spoofing attempt or broken server); the query stays pending
  'dns.question_mismatch', // 18: a response whose id matches a pending query but whose question differs
  'dns.unanswered_query', // 19: the flow ended with this query still unanswered (raised once per query)
  'dns.too_many_outstanding_queries', // 20: more pending queries than maxOutstandingQueries; the oldest is forgotten
  'dns.too_many_records', // 21: a section with more entries than maxRecordsPerSection; the rest are read for framing but not kept
  'dns.tcp_message_too_large', // 22: a DNS-over-TCP length prefix above maxTcpMessageSize; the message is skipped unread
  'dns.trailing_data', // 23: bytes after the last section of a message
  'dns.opt_multiple', // 24: more than one OPT RR (RFC 6891 §6.1.1: FORMERR)
  'dns.opt_malformed', // 25: an OPT RR outside the additional section or with an owner name other than the root (RFC 6891 §6.1.2)
  'dns.edns_bad_option', // 26: an EDNS option whose length runs past the OPT RDATA, or a known option with a malformed value (ECS, cookie)
  'dns.svcb_bad_params', // 27: SVCB/HTTPS SvcParams out of increasing key order, repeated, or with a malformed value (RFC 9460 §2.2)
  'dns.multiple_questions', // 28: QDCOUNT above 1 (RFC 9619: QDCOUNT is one for the QUERY opcode; most servers refuse more)
  'dns.gap_in_message', // 29: TCP bytes lost inside a message: that message is dropped, framing goes on after it
  'dns.resync', // 30: bytes skipped to find a message start (TCP: after a gap, or a stream picked up mid-message)
  'dns.resync_failed', // 31: no message start within maxTcpMessageSize + 4098 bytes of search: the flow is no longer parsed
  'dns.duplicate_response', // 32: another response to a query already answered (a spoofing race, or a server answering twice)
  'dns.tcp_incomplete_message', // 33: a TCP direction ended inside a message (its length prefix promised more bytes), or with bytes a resync search never framed
] as const;

export type DnsAnomalyName = (typeof DNS_ANOMALIES)[number];

/** Anomaly codes by short name, for the parser (`DnsAnomaly.X` is the index of `dns.x`). */
export const DnsAnomaly = anomalyCodes('dns', DNS_ANOMALIES);
