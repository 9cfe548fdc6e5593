/**
 * Decode anomalies: what can be wrong with a packet's headers.
 *
 * One table: the numeric code is the index (used in the per-packet `Uint16Array`, no allocation), the
 * string is the name used in events, counters and rules. Append only; never renumber or reuse. A retired
 * code keeps its slot with a `retired.` prefix.
 */
export const DECODE_ANOMALIES = [
  'decode.none', // 0: no anomaly (never raised)
  'decode.truncated', // 1: the capture cut the packet (caplen < the lengths its headers state)
  'decode.unknown_linktype', // 2
  'decode.ethernet_too_short', // 3
  'decode.vlan_too_short', // 4
  'decode.vlan_too_many_layers', // 5: more VLAN tags than netsieve keeps (3)
  'decode.sll_too_short', // 6
  'decode.sll2_too_short', // 7
  'decode.null_too_short', // 8
  'decode.null_unknown_family', // 9
  'decode.ipv4_too_short', // 10: fewer than 20 bytes
  'decode.ipv4_bad_version', // 11
  'decode.ipv4_bad_ihl', // 12: IHL below 5
  'decode.ipv4_ihl_beyond_length', // 13: header longer than the total length
  'decode.ipv4_total_length_beyond_capture', // 14: total length beyond the bytes present (truncated)
  'decode.ipv4_bad_options', // 15: an option length that runs past the header
  'decode.ipv4_zero_total_length', // 16: total length 0 (TSO on some stacks; length taken from the frame)
  'decode.ipv6_too_short', // 17
  'decode.ipv6_bad_version', // 18
  'decode.ipv6_payload_beyond_capture', // 19
  'decode.ipv6_ext_header_truncated', // 20
  'decode.ipv6_too_many_ext_headers', // 21
  'decode.ipv6_hop_by_hop_not_first', // 22: RFC 8200 §4.1: hop-by-hop only right after the IPv6 header
  'decode.tcp_too_short', // 23
  'decode.tcp_bad_offset', // 24: data offset below 5 or past the segment
  'decode.tcp_bad_option', // 25
  'decode.tcp_syn_fin', // 26: SYN and FIN together
  'decode.tcp_syn_rst', // 27
  'decode.tcp_no_flags', // 28: null scan
  'decode.tcp_xmas', // 29: FIN+PSH+URG
  'decode.tcp_port_zero', // 30
  'decode.udp_too_short', // 31
  'decode.udp_bad_length', // 32: length field below 8 or beyond the IP payload
  'decode.icmp_too_short', // 33
  'decode.icmpv6_too_short', // 34
  'decode.icmp_quoted_truncated', // 35: an ICMP error whose quoted packet is too short to name a flow
  'decode.frag_overlap', // 36: fragments overlap
  'decode.frag_overlap_different_data', // 37: overlapping fragments disagree (evasion)
  'decode.frag_too_large', // 38: reassembled datagram would exceed 65535 (or the cap)
  'decode.frag_timeout', // 39: fragments given up on after the timeout
  'decode.frag_table_full', // 40: too many datagrams in reassembly; the oldest was dropped
  'decode.frag_bad_offset', // 41: a fragment that is not the last whose length is not a multiple of 8
  'decode.vxlan_too_short', // 42
  'decode.geneve_too_short', // 43
  'decode.geneve_bad_options', // 44
  'decode.gre_too_short', // 45
  'decode.gre_bad_version', // 46
  'decode.tunnel_too_deep', // 47: more nested tunnels than the cap
  'decode.mpls_too_short', // 48
  'decode.mpls_too_many_labels', // 49
  'decode.pppoe_too_short', // 50
  'decode.unknown_ethertype', // 51: not an error on the wire; counted so the summary can show it
  'decode.ipv4_bad_checksum', // 52: reserved (checksums are not verified: offloads make them unreliable)
  'decode.icmp_quoted_unknown', // 53: an ICMP error quoting a protocol netsieve does not track
  'decode.ipv6_frag_atomic', // 54: RFC 6946 atomic fragment (offset 0, M=0): legal, processed as whole
  'decode.frag_memory_full', // 55: fragment reassembly reached its memory cap; the oldest was dropped
  'decode.frag_beyond_end', // 56: fragment data past the end the last fragment stated (or a second, different end)
  'decode.frag_too_many_fragments', // 57: more fragments than fragments.maxFragmentsPerDatagram; the datagram was dropped
  'decode.vxlan_bad_flags', // 58: VXLAN I flag clear (RFC 7348 §5): not decapsulated, kept as plain UDP
  'decode.geneve_bad_version', // 59: Geneve version other than 0 (RFC 8926 §3.4): not decapsulated
  'decode.sctp_too_short', // 60: fewer than the 12 bytes of the SCTP common header
  'decode.ipv6_bad_options', // 61: a hop-by-hop or destination option running past its header
  'decode.mpls_unknown_payload', // 62: bottom-of-stack payload is neither IPv4, IPv6 nor a pseudowire
  'decode.too_many_layers', // 63: more nested headers than the decoder follows (64); the rest is left undecoded
  'decode.raw_unknown_version', // 64: raw-IP link type whose first nibble is neither 4 nor 6
  'decode.erspan_too_short', // 65
  'decode.ipv6_routing_type0', // 66: routing header type 0, deprecated by RFC 5095 (amplification, filter evasion)
  'decode.internal_error', // 67: a decoder fault caught by its safety net; the packet is left undecoded (a bug: report it)
  'decode.icmp_quoted_malformed', // 68: an ICMP error whose quoted packet is not an IP header (bad version or IHL)
] as const;

export type DecodeAnomalyName = (typeof DECODE_ANOMALIES)[number];

/** Numeric codes by name, e.g. `DecodeAnomaly.ipv4_bad_ihl`. */
export const DecodeAnomaly = Object.freeze(
  Object.fromEntries(DECODE_ANOMALIES.map((name, i) => [name.slice('decode.'.length), i])),
) as { readonly [K in DecodeAnomalyName as K extends `decode.${infer S}` ? S : never]: number };
