import { describe, expect, it } from 'vitest';
import { LinkType } from '../../src/capture/packet.js';
import { DecodeAnomaly } from '../../src/decode/events.js';
import { decodeIpv6, ipv6Usable, Ipv6View } from '../../src/decode/ipv6.js';
import { DecodedPacket } from '../../src/decode/packet.js';
import { eth, hex, ipv6, jumboOption, tcp, udp } from '../helpers/packets.js';
import { decode } from './harness.js';

// zeek_dns-mdns.pcap frame 1: Ethernet / IPv6 (flow label 0x89071) / UDP 5353 mDNS query.
const REAL = hex(
  '3333000000fb8a3cd6e14dc486dd' +
    '60089071003511fffd52429ec03c8235883cd6fffee14dc4ff0200000000000000000000000000fb' +
    '14e914e90035c1d8000000000002000000000000045f697070045f746370056c6f63616c00000c0001055f69707073c011000c0001',
);
const IP = REAL.subarray(14);

describe('Ipv6View', () => {
  it('reads every field of a real header', () => {
    const v = new Ipv6View().bind(IP, 0, IP.length);
    expect(v.checkLen()).toBe(0);
    expect(v.version).toBe(6);
    expect(v.trafficClass).toBe(0);
    expect(v.flowLabel).toBe(0x89071);
    expect(v.payloadLength).toBe(53);
    expect(v.nextHeader).toBe(17);
    expect(v.hopLimit).toBe(255);
    expect(v.srcWord(0)).toBe(0xfd52429e);
    expect(v.dstWord(3)).toBe(0xfb);
    const out = new DecodedPacket();
    expect(decodeIpv6(v, out)).toBe(40);
    expect(out.ipVersion).toBe(6);
    expect(out.ttl).toBe(255);
  });

  it('fewer than 40 bytes raises decode.ipv6_too_short', () => {
    expect(new Ipv6View().bind(IP, 0, 39).checkLen()).toBe(DecodeAnomaly.ipv6_too_short);
  });

  it('version other than 6 raises decode.ipv6_bad_version', () => {
    const b = IP.slice();
    b[0] = 0x40;
    expect(new Ipv6View().bind(b, 0, b.length).checkLen()).toBe(DecodeAnomaly.ipv6_bad_version);
  });

  it('payload length beyond the capture raises decode.ipv6_payload_beyond_capture and stays usable', () => {
    const v = new Ipv6View().bind(IP, 0, 60);
    expect(v.checkLen()).toBe(DecodeAnomaly.ipv6_payload_beyond_capture);
    expect(ipv6Usable(v.checkLen())).toBe(true);
  });
});

describe('IPv6 decoding', () => {
  it('decodes the real packet', () => {
    const r = decode(REAL);
    expect(r.ok).toBe(true);
    expect(r.layers).toEqual(['ethernet', 'ipv6', 'udp']);
    expect(r.src).toBe('fd52:429e:c03c:8235:883c:d6ff:fee1:4dc4');
    expect(r.dst).toBe('ff02::fb');
    expect(r.p.srcPort).toBe(5353);
    expect(r.p.payloadLen).toBe(45);
  });

  it('raw IPv6 on LINKTYPE_RAW and LINKTYPE_IPV6', () => {
    expect(decode(IP.slice(), { linkType: LinkType.RAW }).layers).toEqual(['ipv6', 'udp']);
    expect(decode(IP.slice(), { linkType: LinkType.IPV6 }).ok).toBe(true);
  });

  it('a cut packet keeps its headers and is marked truncated', () => {
    const r = decode(REAL, { caplen: 14 + 40 + 8 + 4 });
    expect(r.ok).toBe(true);
    expect(r.p.payloadLen).toBe(4);
    expect(r.anomalies).toEqual(['decode.ipv6_payload_beyond_capture', 'decode.truncated']);
  });

  it('a jumbogram (payload length 0, Jumbo Payload option) does not crash and its length is read', () => {
    const inner = udp({ sport: 1, dport: 2 }, 'jumbo');
    const pkt = ipv6({ ext: [{ type: 'hop', options: jumboOption(8 + inner.length) }], payloadLength: 0 }, inner);
    const r = decode(pkt, { linkType: LinkType.RAW });
    expect(r.ok).toBe(true);
    expect(r.p.srcPort).toBe(1);
    expect(r.p.payloadLen).toBe(5);
  });

  it('a jumbogram stating more than the capture holds is truncated, not a crash', () => {
    const pkt = ipv6({ ext: [{ type: 'hop', options: jumboOption(0x7fffffff) }], payloadLength: 0 }, tcp({}));
    const r = decode(pkt, { linkType: LinkType.RAW });
    expect(r.p.truncated).toBe(true);
    expect(r.anomalies).toContain('decode.ipv6_payload_beyond_capture');
  });

  it('trailing link padding after the payload is ignored', () => {
    const pkt = eth({}, ipv6({}, tcp({ sport: 5, dport: 6 })));
    const padded = new Uint8Array(pkt.length + 10);
    padded.set(pkt);
    const r = decode(padded);
    expect(r.p.payloadLen).toBe(0);
  });
});
