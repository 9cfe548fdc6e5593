/**
 * Entering a tunnel: what every decapsulation (VXLAN, Geneve, GRE, IP-in-IP) does to the packet record.
 *
 * The flow netsieve tracks is the innermost one, so the network and transport fields are cleared for the
 * inner headers to fill. The outermost tunnel's outer header is kept in the `outer*` fields (the underlay
 * endpoints, what an operator needs to find the tunnel); middle tunnels' outer headers are not kept.
 * `tunnelId` is written by the tunnel that carries an identifier (VNI, GRE key), so the innermost
 * identifier wins and a keyless inner tunnel keeps the one around it.
 */
import { raiseOnce } from './anomaly.js';
import { DecodeAnomaly } from './events.js';
import type { DecodedPacket } from './packet.js';

/**
 * Starts decapsulating a tunnel of type `tunnel` (a `Tunnel` code). False, with `decode.tunnel_too_deep`,
 * when `maxDepth` tunnels are already open: the caller then leaves the packet as the outer flow.
 */
export function enterTunnel(out: DecodedPacket, tunnel: number, maxDepth: number): boolean {
  if (out.tunnelDepth >= maxDepth) {
    raiseOnce(out, DecodeAnomaly.tunnel_too_deep);
    return false;
  }
  if (out.tunnelDepth === 0) {
    out.tunnelType = tunnel;
    out.outerIpVersion = out.ipVersion;
    const src = out.src;
    const dst = out.dst;
    const outerSrc = out.outerSrc;
    const outerDst = out.outerDst;
    for (let i = 0; i < 4; i++) {
      outerSrc[i] = src[i]!;
      outerDst[i] = dst[i]!;
    }
    out.outerProto = out.ipProto;
    out.outerSrcPort = out.srcPort;
    out.outerDstPort = out.dstPort;
  }
  out.tunnelDepth++;
  out.resetNetwork();
  return true;
}
