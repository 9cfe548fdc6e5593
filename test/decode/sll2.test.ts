import { describe, expect, it } from 'vitest';
import { LinkType } from '../../src/capture/packet.js';
import { DecodeAnomaly } from '../../src/decode/events.js';
import { Sll2View, sll2Next } from '../../src/decode/sll2.js';
import { hex, ipv4, sll2, tcp } from '../helpers/packets.js';
import { decode } from './harness.js';

// zeek_tls-openjdk-sll2.pcap frame 1: SLL2 (ifindex 2, Ethernet) / IPv4 / TCP SYN to 443.
const REAL = hex(
  '080000000000000200010406fa37dc8dafab00004500003c7ba740004006afcfc0a84006c0004e96d71201bb3a10e02e00000000a002faf034880000020405b40402080a9c3b79f90000000001030307',
);

describe('Sll2View', () => {
  it('reads a real header', () => {
    const v = new Sll2View().bind(REAL, 0, REAL.length);
    expect(v.checkLen()).toBe(0);
    expect(v.protocol).toBe(0x0800);
    expect(v.interfaceIndex).toBe(2);
    expect(v.hardwareType).toBe(1);
    expect(v.packetType).toBe(4);
    expect(sll2Next(v)).toBe(0x0800);
  });

  it('fewer than 20 bytes raises decode.sll2_too_short', () => {
    expect(new Sll2View().bind(REAL, 0, 19).checkLen()).toBe(DecodeAnomaly.sll2_too_short);
    expect(decode(REAL.slice(0, 19), { linkType: LinkType.LINUX_SLL2 }).anomalies).toEqual(['decode.sll2_too_short']);
  });
});

describe('SLL2 decoding', () => {
  it('decodes the real packet', () => {
    const r = decode(REAL, { linkType: LinkType.LINUX_SLL2 });
    expect(r.ok).toBe(true);
    expect(r.layers).toEqual(['sll2', 'ipv4', 'tcp']);
    expect(r.src).toBe('192.168.64.6');
    expect(r.p.dstPort).toBe(443);
    expect(r.p.tcpMss).toBe(1460);
  });

  it('decodes a built packet', () => {
    const r = decode(sll2({}, ipv4({}, tcp({ sport: 9, dport: 10 }))), { linkType: LinkType.LINUX_SLL2 });
    expect(r.ok).toBe(true);
    expect(r.p.srcPort).toBe(9);
  });
});
