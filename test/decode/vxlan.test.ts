import { describe, expect, it } from 'vitest';
import { DecodeAnomaly } from '../../src/decode/events.js';
import { Tunnel } from '../../src/decode/packet.js';
import { VxlanView } from '../../src/decode/vxlan.js';
import { formatAddress } from '../../src/decode/address.js';
import { eth, hex, ipv4, ipv6, tcp, udp, vxlan } from '../helpers/packets.js';
import { decode, makeDecoder, payloadText } from './harness.js';

const inner = eth({ vlan: [42] }, ipv4({ src: '192.168.0.10', dst: '192.168.0.20' }, tcp({ sport: 33000, dport: 8080, flags: 'PA' }, 'inner')));
const outer = (vni: number, dport = 4789, frame = inner) =>
  eth({}, ipv4({ src: '172.16.0.1', dst: '172.16.0.2' }, udp({ sport: 51515, dport }, vxlan({ vni }, frame))));

describe('VxlanView', () => {
  it('reads flags and VNI', () => {
    const b = hex('08000000 00123400');
    const v = new VxlanView().bind(b, 0, 8);
    expect(v.checkLen()).toBe(0);
    expect(v.vni).toBe(0x1234);
  });

  it('fewer than 8 bytes raises decode.vxlan_too_short', () => {
    expect(new VxlanView().bind(hex('0800000000'), 0, 5).checkLen()).toBe(DecodeAnomaly.vxlan_too_short);
  });

  it('the I flag clear raises decode.vxlan_bad_flags', () => {
    expect(new VxlanView().bind(hex('00000000 00000100'), 0, 8).checkLen()).toBe(DecodeAnomaly.vxlan_bad_flags);
  });
});

describe('VXLAN decoding', () => {
  it('decapsulates to the inner flow, keeping the outer header and the VNI', () => {
    const r = decode(outer(5001));
    expect(r.ok).toBe(true);
    expect(r.layers).toEqual(['ethernet', 'ipv4', 'udp', 'vxlan', 'ethernet', 'vlan', 'ipv4', 'tcp']);
    expect(r.src).toBe('192.168.0.10');
    expect(r.p.srcPort).toBe(33000);
    expect(r.p.dstPort).toBe(8080);
    expect(payloadText(r.p)).toBe('inner');
    expect(r.p.tunnelType).toBe(Tunnel.VXLAN);
    expect(r.p.tunnelDepth).toBe(1);
    expect(r.p.tunnelId).toBe(5001);
    expect(r.p.outerIpVersion).toBe(4);
    expect(formatAddress(r.p.outerSrc, 4)).toBe('172.16.0.1');
    expect(formatAddress(r.p.outerDst, 4)).toBe('172.16.0.2');
    expect(r.p.outerProto).toBe(17);
    expect(r.p.outerSrcPort).toBe(51515);
    expect(r.p.outerDstPort).toBe(4789);
    expect(r.p.vlan[0]).toBe(42);
  });

  it('uses the configured ports (8472 by default, others on request)', () => {
    expect(decode(outer(1, 8472)).p.tunnelDepth).toBe(1);
    expect(decode(outer(1, 9999)).p.tunnelDepth).toBe(0);
    expect(decode(outer(1, 9999), { decoder: makeDecoder({ vxlanPorts: [9999] }) }).p.tunnelDepth).toBe(1);
  });

  it('over an IPv6 underlay', () => {
    const r = decode(eth({}, ipv6({ src: '2001:db8::a', dst: '2001:db8::b' }, udp({ dport: 4789 }, vxlan({ vni: 7 }, inner)))));
    expect(r.ok).toBe(true);
    expect(r.p.outerIpVersion).toBe(6);
    expect(formatAddress(r.p.outerSrc, 6)).toBe('2001:db8::a');
    expect(r.p.ipVersion).toBe(4);
  });

  it('a datagram without the I flag stays a plain UDP flow', () => {
    const pkt = eth({}, ipv4({}, udp({ sport: 1, dport: 4789 }, vxlan({ vni: 5, flags: 0 }, inner))));
    const r = decode(pkt);
    expect(r.ok).toBe(true);
    expect(r.p.tunnelDepth).toBe(0);
    expect(r.p.dstPort).toBe(4789);
    expect(r.anomalies).toEqual(['decode.vxlan_bad_flags']);
  });

  it('a datagram too short for VXLAN stays a plain UDP flow', () => {
    const r = decode(eth({}, ipv4({}, udp({ dport: 4789 }, hex('0800')))));
    expect(r.ok).toBe(true);
    expect(r.anomalies).toEqual(['decode.vxlan_too_short']);
  });

  it('a broken inner frame is reported and the packet is not a flow', () => {
    const r = decode(eth({}, ipv4({}, udp({ dport: 4789 }, vxlan({ vni: 5 }, hex('0102030405'))))));
    expect(r.ok).toBe(false);
    expect(r.anomalies).toEqual(['decode.ethernet_too_short']);
    expect(r.p.tunnelDepth).toBe(1);
  });
});
