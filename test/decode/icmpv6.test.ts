import { describe, expect, it } from 'vitest';
import { LinkType } from '../../src/capture/packet.js';
import { DecodeAnomaly } from '../../src/decode/events.js';
import { decodeIcmpv6, icmpv6Quotes, Icmpv6View } from '../../src/decode/icmpv6.js';
import { DecodedPacket } from '../../src/decode/packet.js';
import { formatAddress } from '../../src/decode/address.js';
import { concat, eth, hex, icmpv6, icmpv6Echo, icmpv6Error, internetChecksum, ipv6, tcp, udp } from '../helpers/packets.js';
import { decode, payloadText } from './harness.js';

// zeek_icmp6-nd-options.pcap frame 1: Ethernet / IPv6 (:: → ff02::1:fff5:0) / ICMPv6 neighbour solicitation.
const REAL = hex(
  '3333fff50000c20054f5000086dd6e00000000183aff00000000000000000000000000000000ff0200000000000000000001fff50000' +
    '8700673c00000000fe80000000000000c00054fffef50000',
);

describe('Icmpv6View', () => {
  it('reads a real neighbour solicitation', () => {
    const msg = REAL.subarray(54);
    const v = new Icmpv6View().bind(msg, 0, msg.length);
    expect(v.checkLen()).toBe(0);
    expect(v.type).toBe(135);
    expect(v.code).toBe(0);
    expect(v.checksum).toBe(0x673c);
    expect(icmpv6Quotes(v)).toBe(false);
    const out = new DecodedPacket();
    expect(decodeIcmpv6(v, out)).toBe(8);
    expect(out.icmpId).toBe(0);
    expect(out.payloadLen).toBe(16);
  });

  it('fewer than 4 bytes raises decode.icmpv6_too_short', () => {
    expect(new Icmpv6View().bind(hex('8700'), 0, 2).checkLen()).toBe(DecodeAnomaly.icmpv6_too_short);
  });

  it('an echo request shorter than 8 bytes raises decode.icmpv6_too_short', () => {
    expect(new Icmpv6View().bind(hex('80000000 0001'), 0, 6).checkLen()).toBe(DecodeAnomaly.icmpv6_too_short);
  });

  it('a 4-byte message of another type is enough to be named', () => {
    const r = decode(ipv6({ proto: 58 }, hex('8f000000')), { linkType: LinkType.RAW });
    expect(r.ok).toBe(true);
    expect(r.p.icmpType).toBe(143);
    expect(r.p.payloadLen).toBe(0);
  });
});

describe('ICMPv6 decoding', () => {
  it('decodes the real packet', () => {
    const r = decode(REAL);
    expect(r.ok).toBe(true);
    expect(r.layers).toEqual(['ethernet', 'ipv6', 'icmpv6']);
    expect(r.src).toBe('::');
    expect(r.dst).toBe('ff02::1:fff5:0');
  });

  it('echo carries the identifier and data', () => {
    const r = decode(eth({}, ipv6({}, icmpv6Echo({ id: 0xbeef, seq: 3 }, 'ping6'))));
    expect(r.p.icmpType).toBe(128);
    expect(r.p.icmpId).toBe(0xbeef);
    expect(payloadText(r.p)).toBe('ping6');
  });

  it('the builder writes a correct checksum with the IPv6 pseudo-header', () => {
    const pkt = ipv6({}, icmpv6Echo({ id: 1 }, 'x'));
    const msg = pkt.subarray(40);
    expect(internetChecksum(concat(pkt.subarray(8, 40), [0, 0, 0, msg.length, 0, 0, 0, 58], msg))).toBe(0);
  });
});

describe('ICMPv6 errors quoting a packet', () => {
  const syn = ipv6({ src: '2001:db8::1', dst: '2001:db8::99' }, tcp({ sport: 50000, dport: 22, flags: 'S' }));

  it.each([
    [1, 4],
    [2, 0],
    [3, 0],
    [4, 1],
  ])('type %i quoting TCP names the quoted flow', (type, code) => {
    const r = decode(eth({}, ipv6({ src: '2001:db8::fe', dst: '2001:db8::1' }, icmpv6Error({ type, code }, syn))));
    expect(r.ok).toBe(true);
    expect(r.p.icmpQuotedValid).toBe(true);
    expect(r.p.icmpQuotedIpVersion).toBe(6);
    expect(formatAddress(r.p.icmpQuotedSrc, 6)).toBe('2001:db8::1');
    expect(formatAddress(r.p.icmpQuotedDst, 6)).toBe('2001:db8::99');
    expect(r.p.icmpQuotedProto).toBe(6);
    expect(r.p.icmpQuotedSrcPort).toBe(50000);
    expect(r.p.icmpQuotedDstPort).toBe(22);
  });

  it('quoting UDP behind extension headers walks them', () => {
    const q = ipv6({ ext: [{ type: 'hop' }, { type: 'dst' }] }, udp({ sport: 1000, dport: 53 }));
    const r = decode(eth({}, ipv6({}, icmpv6Error({}, q))));
    expect(r.p.icmpQuotedValid).toBe(true);
    expect(r.p.icmpQuotedProto).toBe(17);
    expect(r.p.icmpQuotedDstPort).toBe(53);
  });

  it('a quote cut inside the IPv6 header raises decode.icmp_quoted_truncated', () => {
    const r = decode(eth({}, ipv6({}, icmpv6Error({ quoteBytes: 30 }, syn))));
    expect(r.p.icmpQuotedValid).toBe(false);
    expect(r.anomalies).toEqual(['decode.icmp_quoted_truncated']);
  });

  it('a quote cut before the ports raises decode.icmp_quoted_truncated', () => {
    const r = decode(eth({}, ipv6({}, icmpv6Error({ quoteBytes: 42 }, syn))));
    expect(r.anomalies).toEqual(['decode.icmp_quoted_truncated']);
  });

  it('a quote cut inside an extension header raises decode.icmp_quoted_truncated', () => {
    const q = ipv6({ ext: [{ type: 'dst', options: new Uint8Array(20) }] }, udp({}));
    const r = decode(eth({}, ipv6({}, icmpv6Error({ quoteBytes: 50 }, q))));
    expect(r.anomalies).toEqual(['decode.icmp_quoted_truncated']);
  });

  it('packet too big quoting a later fragment names no ports', () => {
    const q = ipv6({ ext: [{ type: 'fragment', offset: 1232, more: true }] }, udp({}));
    const r = decode(eth({}, ipv6({}, icmpv6({ type: 2, rest: 1280 }, q))));
    expect(r.p.icmpQuotedValid).toBe(false);
    expect(r.anomalies).toEqual([]);
  });
});
