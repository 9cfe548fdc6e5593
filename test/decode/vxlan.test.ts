import { describe, expect, it } from 'vitest';
import { DecodeAnomaly } from '../../src/decode/events.js';
import { Tunnel } from '../../src/decode/packet.js';
import { VxlanView } from '../../src/decode/vxlan.js';
import { formatAddress } from '../../src/decode/address.js';
import { eth, hex, ipv4, ipv6, tcp, udp, vxlan } from '../helpers/packets.js';
import { decode, makeDecoder, payloadText } from './harness.js';

const inner = eth(
  { vlan: [42] },
  ipv4({ src: '192.168.0.10', dst: '192.168.0.20' }, tcp({ sport: 33000, dport: 8080, flags: 'PA' }, 'inner')),
);
const outer = (vni: number, dport = 4789, frame = inner) =>
  eth({}, ipv4({ src: '172.16.0.1', dst: '172.16.0.2' }, udp({ sport: 51515, dport }, vxlan({ vni }, frame))));

// Real VXLAN frames sent by the Linux kernel's vxlan driver (veth underlay, captured with tcpdump):
// VNI 4242 over IPv4 carrying a UDP datagram and a TCP SYN (IPv4 and IPv6 inner), and VNI 99 over an IPv6
// underlay carrying a TCP SYN and an MLD report (inner IPv6 with a hop-by-hop router alert).
const LINUX_V4_UDP = hex(
  '02005e0000028a99644de35d0800450000597dd80000401178b8c0000201c0000202e2c212b500455ff30800000000109200' +
    '020000000002b6590137df3e080045000027f3424000401132bb0a6300010a630002edda14e9001314ed68656c6c6f2076786c616e',
);
const LINUX_V4_SYN = hex(
  '02005e0000028a99644de35d08004500006e7dd90000401178a2c0000201c0000202d1a712b5005a70ee0800000000109200' +
    '020000000002b6590137df3e08004500003c2eaa40004006f7490a6300010a630002b1c20050a1ad02aa00000000a002fd5c14f7' +
    '0000020405820402080ae75ced32000000000103030a',
);
const LINUX_V4_SYN6 = hex(
  '02005e0000028a99644de35d0800450000827e55000040117812c0000201c0000202de7012b5006e86f20800000000109200' +
    '020000000002b6590137df3e86dd6001e2fa00280640fd990000000000000000000000000001fd990000000000000000000000000002' +
    'eb8801bb4fa59a0f00000000a002ff32fb6400000204056e0402080a375b540f000000000103030a',
);
const LINUX_V6_SYN = hex(
  '02005e0000028a99644de35d86dd60000000005a114020010db800000000000000000000000120010db8000000000000000000000002' +
    'b3ce12b5005af8de08000000000063000200000000036a4b3673e39508004500003c854640004006a0af0a6200010a620002ba881f90' +
    '768ce80d00000000a002ff3214f500000204056e0402080a57359403000000000103030a',
);
const LINUX_V6_MLD = hex(
  '02005e0000028a99644de35d86dd60000000006a114020010db800000000000000000000000120010db8000000000000000000000002' +
    'a46212b5006a5bf008000000000063003333000000166a4b3673e39586dd600000000024000100000000000000000000000000000000' +
    'ff0200000000000000000000000000163a000502000001008f008b810000000104000000ff0200000000000000000001ff73e395',
);

describe('real VXLAN frames from the Linux kernel', () => {
  it('IPv4 underlay, inner UDP', () => {
    const r = decode(LINUX_V4_UDP);
    expect(r.ok).toBe(true);
    expect(r.layers).toEqual(['ethernet', 'ipv4', 'udp', 'vxlan', 'ethernet', 'ipv4', 'udp']);
    expect(r.p.tunnelId).toBe(4242);
    expect(formatAddress(r.p.outerSrc, 4)).toBe('192.0.2.1');
    expect(r.p.outerDstPort).toBe(4789);
    expect(r.src).toBe('10.99.0.1');
    expect(r.p.dstPort).toBe(5353);
    expect(payloadText(r.p)).toBe('hello vxlan');
  });

  it('IPv4 underlay, inner TCP SYN over IPv4 and IPv6', () => {
    const a = decode(LINUX_V4_SYN);
    expect(a.ok).toBe(true);
    expect([a.src, a.p.srcPort, a.dst, a.p.dstPort]).toEqual(['10.99.0.1', 45506, '10.99.0.2', 80]);
    expect(a.p.tcpMss).toBe(1410);
    expect(a.p.tcpWscale).toBe(10);
    const b = decode(LINUX_V4_SYN6);
    expect([b.src, b.p.srcPort, b.dst, b.p.dstPort]).toEqual(['fd99::1', 60296, 'fd99::2', 443]);
    expect(b.p.outerIpVersion).toBe(4);
  });

  it('IPv6 underlay, inner TCP SYN and inner MLD with hop-by-hop', () => {
    const a = decode(LINUX_V6_SYN);
    expect(a.ok).toBe(true);
    expect(a.p.tunnelId).toBe(99);
    expect(formatAddress(a.p.outerSrc, 6)).toBe('2001:db8::1');
    expect([a.src, a.p.dstPort]).toEqual(['10.98.0.1', 8080]);
    const m = decode(LINUX_V6_MLD);
    expect(m.ok).toBe(true);
    expect(m.layers).toEqual(['ethernet', 'ipv6', 'udp', 'vxlan', 'ethernet', 'ipv6', 'ipv6_ext', 'icmpv6']);
    expect(m.p.icmpType).toBe(143);
    expect(m.anomalies).toEqual([]);
  });
});

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
