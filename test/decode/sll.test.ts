import { describe, expect, it } from 'vitest';
import { LinkType } from '../../src/capture/packet.js';
import { DecodeAnomaly } from '../../src/decode/events.js';
import { SllView, sllNext } from '../../src/decode/sll.js';
import { hex, ipv6, sll, udp } from '../helpers/packets.js';
import { decode } from './harness.js';

// tcpdump_resp_2_inline.pcap frame 1: SLL (loopback, ARPHRD 772) / IPv4 / TCP SYN to Redis.
const REAL = hex(
  '000003040006000000000000000008004510003c542c40004006e87d7f0000017f0000018c5e18eb1020bfe500000000a002aaaafe3000000204ffd70402080a7778ebc90000000001030307',
);

describe('SllView', () => {
  it('reads a real header', () => {
    const v = new SllView().bind(REAL, 0, REAL.length);
    expect(v.checkLen()).toBe(0);
    expect(v.packetType).toBe(0);
    expect(v.hardwareType).toBe(772);
    expect(v.protocol).toBe(0x0800);
    expect(sllNext(v)).toBe(0x0800);
  });

  it('fewer than 16 bytes raises decode.sll_too_short', () => {
    expect(new SllView().bind(REAL, 0, 15).checkLen()).toBe(DecodeAnomaly.sll_too_short);
    expect(decode(REAL.slice(0, 15), { linkType: LinkType.LINUX_SLL }).anomalies).toEqual(['decode.sll_too_short']);
  });
});

describe('SLL decoding', () => {
  it('decodes the real packet', () => {
    const r = decode(REAL, { linkType: LinkType.LINUX_SLL });
    expect(r.ok).toBe(true);
    expect(r.layers).toEqual(['sll', 'ipv4', 'tcp']);
    expect(r.p.dstPort).toBe(6379);
  });

  it('decodes IPv6', () => {
    const r = decode(sll({}, ipv6({}, udp({ dport: 53 }))), { linkType: LinkType.LINUX_SLL });
    expect(r.layers).toEqual(['sll', 'ipv6', 'udp']);
  });

  it('Linux pseudo-protocols (802.2 LLC = 4) and netlink are not IP and not anomalies', () => {
    expect(decode(sll({ protocol: 4 }, new Uint8Array(20)), { linkType: LinkType.LINUX_SLL }).anomalies).toEqual([]);
    const nl = decode(sll({ protocol: 0x0800, hardwareType: 824 }, new Uint8Array(20)), { linkType: LinkType.LINUX_SLL });
    expect(nl.ok).toBe(false);
    expect(nl.anomalies).toEqual([]);
  });
});
