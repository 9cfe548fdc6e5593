import { describe, expect, it } from 'vitest';
import { DecodeAnomaly } from '../../src/decode/events.js';
import { decodeIcmp, icmpQuotes, IcmpView } from '../../src/decode/icmp.js';
import { DecodedPacket } from '../../src/decode/packet.js';
import { formatAddress } from '../../src/decode/address.js';
import { eth, hex, icmp, icmpEcho, icmpError, internetChecksum, ipv4, ipv6, tcp, udp } from '../helpers/packets.js';
import { decode, payloadText } from './harness.js';

// zeek_icmp-5-pings.pcap frame 1: Ethernet / IPv4 / ICMP echo request id 0x04ca seq 1, 56 data bytes.
const REAL = hex(
  'a683e70c9064000c29cf301508004500005494 6a40004001bd04ac108502acd90b4e' +
    '0800ef2404ca00018bcfcf5f00000000db0d0f0000000000101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637',
);

describe('IcmpView', () => {
  it('reads a real echo request', () => {
    const msg = REAL.subarray(34);
    const v = new IcmpView().bind(msg, 0, msg.length);
    expect(v.checkLen()).toBe(0);
    expect(v.type).toBe(8);
    expect(v.code).toBe(0);
    expect(v.checksum).toBe(0xef24);
    expect(v.identifier).toBe(0x04ca);
    expect(v.sequence).toBe(1);
    expect(icmpQuotes(v)).toBe(false);
    const out = new DecodedPacket();
    expect(decodeIcmp(v, out)).toBe(8);
    expect(out.icmpId).toBe(0x04ca);
    expect(out.payloadLen).toBe(56);
  });

  it('fewer than 8 bytes raises decode.icmp_too_short', () => {
    expect(new IcmpView().bind(REAL, 34, 7).checkLen()).toBe(DecodeAnomaly.icmp_too_short);
    expect(decode(eth({}, ipv4({ proto: 1 }, hex('0800 0000')))).anomalies).toEqual(['decode.icmp_too_short']);
  });
});

describe('ICMP decoding', () => {
  it('decodes the real echo request', () => {
    const r = decode(REAL);
    expect(r.ok).toBe(true);
    expect(r.layers).toEqual(['ethernet', 'ipv4', 'icmp']);
    expect(r.p.icmpType).toBe(8);
    expect(r.p.icmpId).toBe(0x04ca);
    expect(r.p.icmpQuotedValid).toBe(false);
  });

  it('echo reply and timestamp requests carry the identifier', () => {
    expect(decode(eth({}, ipv4({}, icmpEcho({ id: 42, reply: true }, 'ping')))).p.icmpId).toBe(42);
    expect(decode(eth({}, ipv4({}, icmp({ type: 13, id: 43 })))).p.icmpId).toBe(43);
    expect(decode(eth({}, ipv4({}, icmp({ type: 9, rest: 0x01020304 })))).p.icmpId).toBe(0);
  });

  it('the echo data is the payload', () => {
    expect(payloadText(decode(eth({}, ipv4({}, icmpEcho({ id: 1 }, 'hello')))).p)).toBe('hello');
  });

  it('the builder writes a correct checksum', () => {
    expect(internetChecksum(icmpEcho({ id: 7, seq: 9 }, 'abc'))).toBe(0);
  });
});

describe('ICMP errors quoting a packet', () => {
  const tcpSyn = ipv4({ src: '10.0.0.1', dst: '192.0.2.9', id: 99 }, tcp({ sport: 40000, dport: 443, flags: 'S' }));
  const dnsQuery = ipv4({ src: '10.0.0.1', dst: '192.0.2.53' }, udp({ sport: 53000, dport: 53 }, 'query'));

  it.each([
    [3, 3, 'destination unreachable'],
    [4, 0, 'source quench'],
    [5, 1, 'redirect'],
    [11, 0, 'time exceeded'],
    [12, 0, 'parameter problem'],
  ])('type %i (%s) quoting TCP names the quoted flow', (type, code) => {
    const r = decode(eth({}, ipv4({ src: '198.51.100.1', dst: '10.0.0.1' }, icmpError({ type, code }, tcpSyn))));
    expect(r.ok).toBe(true);
    expect(r.p.icmpType).toBe(type);
    expect(r.p.icmpQuotedValid).toBe(true);
    expect(r.p.icmpQuotedIpVersion).toBe(4);
    expect(formatAddress(r.p.icmpQuotedSrc, 4)).toBe('10.0.0.1');
    expect(formatAddress(r.p.icmpQuotedDst, 4)).toBe('192.0.2.9');
    expect(r.p.icmpQuotedProto).toBe(6);
    expect(r.p.icmpQuotedSrcPort).toBe(40000);
    expect(r.p.icmpQuotedDstPort).toBe(443);
    expect(r.anomalies).toEqual([]);
  });

  it('port unreachable quoting UDP names the quoted flow', () => {
    const r = decode(eth({}, ipv4({ src: '192.0.2.53', dst: '10.0.0.1' }, icmpError({}, dnsQuery))));
    expect(r.p.icmpQuotedValid).toBe(true);
    expect(r.p.icmpQuotedProto).toBe(17);
    expect(r.p.icmpQuotedSrcPort).toBe(53000);
    expect(r.p.icmpQuotedDstPort).toBe(53);
  });

  it('a quote with only 2 bytes past the IP header raises decode.icmp_quoted_truncated', () => {
    const r = decode(eth({}, ipv4({}, icmpError({ quoteBytes: 2 }, tcpSyn))));
    expect(r.ok).toBe(true);
    expect(r.p.icmpQuotedValid).toBe(false);
    expect(r.anomalies).toEqual(['decode.icmp_quoted_truncated']);
  });

  it('a quote shorter than an IP header raises decode.icmp_quoted_truncated', () => {
    const r = decode(eth({}, ipv4({}, icmp({ type: 3, code: 1, rest: 0 }, tcpSyn.slice(0, 12)))));
    expect(r.anomalies).toEqual(['decode.icmp_quoted_truncated']);
  });

  it('a quote that is not an IP header raises decode.icmp_quoted_malformed', () => {
    const r = decode(eth({}, ipv4({}, icmp({ type: 11, rest: 0 }, new Uint8Array(28).fill(0x11)))));
    expect(r.p.icmpQuotedValid).toBe(false);
    expect(r.anomalies).toEqual(['decode.icmp_quoted_malformed']);
  });

  it('a quoted echo request names the echo flow by its identifier', () => {
    const ping = ipv4({ src: '10.0.0.1', dst: '192.0.2.9' }, icmpEcho({ id: 0x1234 }));
    const r = decode(eth({}, ipv4({}, icmpError({ type: 11 }, ping))));
    expect(r.p.icmpQuotedValid).toBe(true);
    expect(r.p.icmpQuotedProto).toBe(1);
    expect(r.p.icmpQuotedSrcPort).toBe(0x1234);
    expect(r.p.icmpQuotedDstPort).toBe(0x1234);
  });

  it('a quoted GRE packet names addresses and protocol and raises decode.icmp_quoted_unknown', () => {
    const greish = ipv4({ proto: 47, src: '10.0.0.1', dst: '10.0.0.2' }, new Uint8Array(8));
    const r = decode(eth({}, ipv4({}, icmpError({}, greish))));
    expect(r.p.icmpQuotedValid).toBe(true);
    expect(r.p.icmpQuotedProto).toBe(47);
    expect(r.anomalies).toEqual(['decode.icmp_quoted_unknown']);
  });

  it('a quoted later fragment names no ports and is not an anomaly', () => {
    const frag = ipv4({ fragOffset: 1480, proto: 6 }, new Uint8Array(8));
    const r = decode(eth({}, ipv4({}, icmpError({}, frag))));
    expect(r.p.icmpQuotedValid).toBe(false);
    expect(r.anomalies).toEqual([]);
  });

  it('a quote with IP options finds the ports after them', () => {
    const withOptions = ipv4({ options: hex('01010100') }, tcp({ sport: 1111, dport: 2222 }));
    const r = decode(eth({}, ipv4({}, icmpError({}, withOptions))));
    expect(r.p.icmpQuotedSrcPort).toBe(1111);
  });

  it('an ICMPv4 error quoting an IPv6 packet (translators) is read by its version', () => {
    const six = ipv6({ src: 'fd00::1', dst: 'fd00::2' }, udp({ sport: 7, dport: 8 }));
    const r = decode(eth({}, ipv4({}, icmp({ type: 3, code: 3, rest: 0 }, six.slice(0, 48)))));
    expect(r.p.icmpQuotedIpVersion).toBe(6);
    expect(r.p.icmpQuotedSrcPort).toBe(7);
  });
});
