/**
 * IP in IP: IPv4 or IPv6 carried directly in IPv4 or IPv6 (protocol 4, RFC 2003; protocol 41, RFC 4213 and
 * the 6in4/6to4/ISATAP family). There is no tunnel header: the inner IP header follows the outer one, and
 * its own view (Ipv4View, Ipv6View) checks it. A protocol 4 payload that is not version 4 is raised by the
 * inner view's checkLen as `ipv4_bad_version` (and likewise for 41).
 */
import { EtherType } from './ethernet.js';
import { IpProto, Layer, type DecodedPacket } from './packet.js';

/** Records the IP-in-IP layer. IP-in-IP carries no identifier, so `tunnelId` is left as it is. */
export function decodeIpip(out: DecodedPacket): void {
  out.addLayer(Layer.IPIP);
}

/** Next-layer choice as an EtherType: IPv4 for protocol 4, IPv6 for protocol 41, 0 otherwise. */
export function ipipNext(proto: number): number {
  return proto === IpProto.IPIP ? EtherType.IPV4 : proto === IpProto.IPV6 ? EtherType.IPV6 : 0;
}
