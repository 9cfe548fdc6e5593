/**
 * Protocol names in rule headers and in `app-layer-protocol`: which Suricata 7 knows, which netsieve inspects.
 * A rule for a protocol netsieve does not parse is refused (`unsupported-protocol`) rather than loaded to never
 * match; a name Suricata does not know either is a syntax error.
 */

/** Header protocols that are packet layers, not application protocols. */
export const PACKET_PROTOCOLS: ReadonlySet<string> = new Set(['ip', 'tcp', 'udp', 'icmp', 'icmpv4', 'icmpv6', 'sctp']);

/** Application protocols netsieve parses, with the name a rule may use mapped to netsieve's module name. */
export const APP_PROTOCOLS: ReadonlyMap<string, string> = new Map([
  ['http', 'http'],
  ['http1', 'http'],
  ['dns', 'dns'],
  ['tls', 'tls'],
  ['ssl', 'tls'],
  ['redis', 'redis'],
  ['mdns', 'mdns'],
  ['llmnr', 'llmnr'],
]);

/** Application protocols (and pseudo protocols) Suricata 7 knows that netsieve does not parse. */
export const UNSUPPORTED_PROTOCOLS: ReadonlySet<string> = new Set([
  'http2',
  'ftp',
  'ftp-data',
  'smtp',
  'ssh',
  'imap',
  'pop3',
  'smb',
  'dcerpc',
  'nfs',
  'tftp',
  'ikev2',
  'ike',
  'krb5',
  'dhcp',
  'snmp',
  'sip',
  'rfb',
  'mqtt',
  'rdp',
  'modbus',
  'dnp3',
  'enip',
  'ntp',
  'quic',
  'telnet',
  'bittorrent-dht',
  'pgsql',
  'websocket',
  'ldap',
  'template',
  'pkthdr',
  'tcp-pkt',
  'tcp-stream',
  'ipv4',
  'ipv6',
]);

/** `app-layer-protocol` also takes these: the detection failed, or nothing is known yet. */
export const APP_LAYER_PSEUDO: ReadonlySet<string> = new Set(['failed', 'unknown']);

/** Names and numbers `ip_proto` accepts (IANA protocol numbers). */
export const IP_PROTOCOL_NUMBERS: ReadonlyMap<string, number> = new Map([
  ['ip', 0],
  ['hopopt', 0],
  ['icmp', 1],
  ['igmp', 2],
  ['ggp', 3],
  ['ipip', 4],
  ['ipencap', 4],
  ['tcp', 6],
  ['egp', 8],
  ['pup', 12],
  ['udp', 17],
  ['idp', 22],
  ['ipv6', 41],
  ['ipv6-route', 43],
  ['ipv6-frag', 44],
  ['rsvp', 46],
  ['gre', 47],
  ['esp', 50],
  ['ah', 51],
  ['ipv6-icmp', 58],
  ['icmpv6', 58],
  ['ipv6-nonxt', 59],
  ['ipv6-opts', 60],
  ['eigrp', 88],
  ['ospf', 89],
  ['pim', 103],
  ['vrrp', 112],
  ['l2tp', 115],
  ['sctp', 132],
  ['udplite', 136],
]);
