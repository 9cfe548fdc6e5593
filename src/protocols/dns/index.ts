/**
 * DNS, mDNS and LLMNR: three registry entries over one parser, since they share the wire format of RFC 1035.
 *
 * - `dnsProtocol` (`dns`): UDP and TCP, port 53 as the hint; DNS-shaped traffic on any other port too,
 *   except the ports of the protocols below and NBNS (137), which borrow the format.
 * - `mdnsProtocol` (`mdns`, RFC 6762): UDP port 5353. Records are not paired (multicast: any host answers,
 *   on another flow); the class's top bit is the QU / cache-flush bit.
 * - `llmnrProtocol` (`llmnr`, RFC 4795): UDP and TCP port 5355, paired like DNS; flags C and T.
 *
 * Each emits its own event type (`dns`, `mdns`, `llmnr`: Suricata 8's names), whose payload is a
 * `DnsMessage`; `eve.ts` maps each to its EVE object.
 */
import type { AppEventSink, ProtocolModule, TcpAppParser, UdpAppParser } from '../module.js';
import { DNS_ANOMALIES, type DnsVariant } from './events.js';
import { DNS_DEFAULTS, type DnsOptions } from './options.js';
import { LLMNR_PORT, MDNS_PORT, probeFor } from './probe.js';
import { DnsTcpParser, DnsUdpParser } from './state.js';

export type { DnsEdns, DnsEdnsOption, DnsFlags, DnsMessage, DnsQuestion, DnsRdata, DnsResourceRecord, DnsSvcParam, DnsVariant } from './events.js';
export { DNS_ANOMALIES, DnsAnomaly, type DnsAnomalyName } from './events.js';
export { dnsToEve, llmnrToEve, mdnsToEve, type DnsEveFormat } from './eve.js';
export { dnsAnswerNames, dnsQueryNames, dnsResolvedAddresses } from './buffers.js';
export { DNS_DEFAULTS, resolveDnsOptions, type DnsOptions } from './options.js';
export { DnsTcpParser, DnsUdpParser } from './state.js';

function module(variant: DnsVariant, tcp: boolean, port: number): ProtocolModule<DnsOptions> {
  return {
    name: variant,
    transports: tcp ? ['udp', 'tcp'] : ['udp'],
    ports: tcp ? { udp: [port], tcp: [port] } : { udp: [port] },
    probe: probeFor(variant),
    createTcp: tcp ? (sink: AppEventSink, options: DnsOptions): TcpAppParser => new DnsTcpParser(sink, options, variant) : undefined,
    createUdp: (sink: AppEventSink, options: DnsOptions): UdpAppParser => new DnsUdpParser(sink, options, variant),
    defaults: DNS_DEFAULTS,
    // One table for the three: same parser, same anomalies (`dns.*`).
    anomalies: DNS_ANOMALIES,
  };
}

export const dnsProtocol: ProtocolModule<DnsOptions> = module('dns', true, 53);
export const mdnsProtocol: ProtocolModule<DnsOptions> = module('mdns', false, MDNS_PORT);
export const llmnrProtocol: ProtocolModule<DnsOptions> = module('llmnr', true, LLMNR_PORT);
