import { describe, expect, it } from 'vitest';
import { Tunnel } from '../../src/decode/packet.js';
import { formatAddress } from '../../src/decode/address.js';
import { eth, geneve, gre, ipv4, ipv6, tcp, udp, vxlan } from '../helpers/packets.js';
import { decode, makeDecoder } from './harness.js';

const app = ipv4({ src: '10.1.1.1', dst: '10.1.1.2' }, tcp({ sport: 5555, dport: 443 }));

/** VXLAN(vni 100) carrying GRE(key 7) carrying Geneve(vni 300) carrying IP-in-IP carrying the app flow. */
function fourDeep(): Uint8Array {
  const l4 = ipv4({ src: '10.0.4.1', dst: '10.0.4.2' }, app);
  const l3 = ipv4({ src: '10.0.3.1', dst: '10.0.3.2' }, udp({ dport: 6081 }, geneve({ vni: 300 }, l4)));
  const l2 = eth({}, ipv4({ src: '10.0.2.1', dst: '10.0.2.2' }, gre({ key: 7 }, l3)));
  return eth({}, ipv4({ src: '192.0.2.1', dst: '192.0.2.2' }, udp({ sport: 40000, dport: 4789 }, vxlan({ vni: 100 }, l2))));
}

describe('nested tunnels', () => {
  it('four nested tunnels decode to the innermost flow; outer fields are the outermost tunnel', () => {
    const r = decode(fourDeep());
    expect(r.ok).toBe(true);
    expect(r.p.tunnelDepth).toBe(4);
    expect(r.p.tunnelType).toBe(Tunnel.VXLAN);
    expect(formatAddress(r.p.outerSrc, 4)).toBe('192.0.2.1');
    expect(r.p.outerDstPort).toBe(4789);
    // The innermost tunnel with an identifier (Geneve) names the tunnel; IP-in-IP has none.
    expect(r.p.tunnelId).toBe(300);
    expect(r.src).toBe('10.1.1.1');
    expect(r.p.srcPort).toBe(5555);
    expect(r.layers).toEqual([
      'ethernet',
      'ipv4',
      'udp',
      'vxlan',
      'ethernet',
      'ipv4',
      'gre',
      'ipv4',
      'udp',
      'geneve',
      'ipv4',
      'ipip',
      'ipv4',
      'tcp',
    ]);
  });

  it('past maxTunnelDepth the packet stays the flow of the last tunnel decapsulated (decode.tunnel_too_deep)', () => {
    const r = decode(fourDeep(), { decoder: makeDecoder({ maxTunnelDepth: 2 }) });
    expect(r.ok).toBe(true);
    expect(r.anomalies).toEqual(['decode.tunnel_too_deep']);
    expect(r.p.tunnelDepth).toBe(2);
    // The third tunnel (Geneve) is not entered: the flow is its UDP datagram inside the GRE tunnel.
    expect(r.src).toBe('10.0.3.1');
    expect(r.p.dstPort).toBe(6081);
    expect(r.p.tunnelId).toBe(7);
  });

  it('maxTunnelDepth 0 decapsulates nothing', () => {
    const r = decode(fourDeep(), { decoder: makeDecoder({ maxTunnelDepth: 0 }) });
    expect(r.ok).toBe(true);
    expect(r.p.tunnelDepth).toBe(0);
    expect(r.p.dstPort).toBe(4789);
    expect(r.anomalies).toEqual(['decode.tunnel_too_deep']);
  });

  it('IP-in-IP past the cap stays the outer flow (protocol 4, no ports)', () => {
    const r = decode(eth({}, ipv4({}, app)), { decoder: makeDecoder({ maxTunnelDepth: 0 }) });
    expect(r.ok).toBe(true);
    expect(r.p.ipProto).toBe(4);
    expect(r.anomalies).toEqual(['decode.tunnel_too_deep']);
  });

  it('the same inner tuple in two VNIs differs only by tunnelId', () => {
    const a = decode(eth({}, ipv4({}, udp({ dport: 4789 }, vxlan({ vni: 1 }, eth({}, app))))));
    const b = decode(eth({}, ipv4({}, udp({ dport: 4789 }, vxlan({ vni: 2 }, eth({}, app))))));
    expect([a.src, a.p.srcPort, a.dst, a.p.dstPort]).toEqual([b.src, b.p.srcPort, b.dst, b.p.dstPort]);
    expect(a.p.tunnelId).not.toBe(b.p.tunnelId);
  });

  it('IPv6 inside VXLAN inside IPv6', () => {
    const r = decode(
      eth(
        {},
        ipv6(
          { src: '2001:db8::1' },
          udp({ dport: 4789 }, vxlan({ vni: 9 }, eth({}, ipv6({ src: 'fd00::5' }, tcp({ dport: 22 }))))),
        ),
      ),
    );
    expect(r.ok).toBe(true);
    expect(r.src).toBe('fd00::5');
    expect(formatAddress(r.p.outerSrc, 6)).toBe('2001:db8::1');
  });
});
