/**
 * DNS, mDNS and LLMNR: three registry entries over one parser, since they share the wire format of RFC 1035.
 *
 * - `dnsModule` (`dns`): UDP and TCP, port 53 as the hint; DNS-shaped traffic on any other port too,
 *   except the ports of the protocols below and NBNS (137), which borrow the format.
 * - `mdnsModule` (`mdns`, RFC 6762): UDP port 5353. Records are not paired (multicast: any host answers,
 *   on another flow); the class's top bit is the QU / cache-flush bit.
 * - `llmnrModule` (`llmnr`, RFC 4795): UDP and TCP port 5355, paired like DNS; flags C and T.
 *
 * Each emits its own event type (`dns`, `mdns`, `llmnr`: Suricata 8's names), whose payload is a
 * `DnsMessage`; `eve.ts` maps each to its EVE object.
 */
import { defineProtocol, type AppEventSink, type TcpAppParser, type UdpAppParser } from '../module.js';
import { DNS_ANOMALIES } from './anomalies.js';
import { DNS_BUFFERS } from './buffers.js';
import { dnsToEve, llmnrToEve, mdnsToEve } from './eve.js';
import type { DnsMessage } from './events.js';
import { DNS_DEFAULTS, DNS_OPTION_DOCS, resolveDnsOptions, type DnsOptions } from './options.js';
import { LLMNR_PORT, MDNS_PORT, probeFor } from './probe.js';
import { DnsTcpParser, DnsUdpParser } from './state.js';

export type {
  DnsEdns,
  DnsEdnsOption,
  DnsFlags,
  DnsMessage,
  DnsQuestion,
  DnsRdata,
  DnsResourceRecord,
  DnsSvcParam,
  DnsVariant,
} from './events.js';
export { DNS_ANOMALIES, DnsAnomaly, type DnsAnomalyName } from './anomalies.js';
export { dnsToEve, llmnrToEve, mdnsToEve, type DnsEveFormat } from './eve.js';
export { DNS_BUFFERS, dnsAnswerNames, dnsQueryNames, dnsResolvedAddresses } from './buffers.js';
export { DNS_DEFAULTS, DNS_OPTION_DOCS, resolveDnsOptions, type DnsOptions } from './options.js';
export { DnsTcpParser, DnsUdpParser } from './state.js';

// The three share the parser, the options, the anomaly table (`dns.*`) and the buffers; each has its name
// (its event type), ports, probe and EVE form.
const shared = {
  defaults: DNS_DEFAULTS,
  optionDocs: DNS_OPTION_DOCS,
  normalizeOptions: resolveDnsOptions,
  anomalies: DNS_ANOMALIES,
  buffers: DNS_BUFFERS,
};

export const dnsModule = defineProtocol({
  ...shared,
  name: 'dns',
  description: 'DNS over UDP and TCP: one record per message, queries and responses paired',
  transports: ['udp', 'tcp'],
  ports: { udp: [53], tcp: [53] },
  probe: probeFor('dns'),
  createTcp: (sink: AppEventSink<DnsMessage>, options: DnsOptions): TcpAppParser => new DnsTcpParser(sink, options, 'dns'),
  createUdp: (sink: AppEventSink<DnsMessage>, options: DnsOptions): UdpAppParser => new DnsUdpParser(sink, options, 'dns'),
  toEve: (msg: DnsMessage) => dnsToEve(msg),
});

export const mdnsModule = defineProtocol({
  ...shared,
  name: 'mdns',
  description: 'Multicast DNS (RFC 6762): one record per message, not paired',
  transports: ['udp'],
  ports: { udp: [MDNS_PORT] },
  probe: probeFor('mdns'),
  createUdp: (sink: AppEventSink<DnsMessage>, options: DnsOptions): UdpAppParser => new DnsUdpParser(sink, options, 'mdns'),
  toEve: mdnsToEve,
});

export const llmnrModule = defineProtocol({
  ...shared,
  name: 'llmnr',
  description: 'LLMNR (RFC 4795): one record per message, paired like DNS',
  transports: ['udp', 'tcp'],
  ports: { udp: [LLMNR_PORT], tcp: [LLMNR_PORT] },
  probe: probeFor('llmnr'),
  createTcp: (sink: AppEventSink<DnsMessage>, options: DnsOptions): TcpAppParser => new DnsTcpParser(sink, options, 'llmnr'),
  createUdp: (sink: AppEventSink<DnsMessage>, options: DnsOptions): UdpAppParser => new DnsUdpParser(sink, options, 'llmnr'),
  toEve: llmnrToEve,
});
