import { describe, expect, it } from 'vitest';
import { DecodeAnomaly } from '../../src/decode/events.js';
import { GreView, greNext } from '../../src/decode/gre.js';
import { ErspanView } from '../../src/decode/erspan.js';
import { Tunnel } from '../../src/decode/packet.js';
import { formatAddress } from '../../src/decode/address.js';
import { concat, erspan2, eth, gre, hex, ipv4, ipv6, mpls, tcp, udp } from '../helpers/packets.js';
import { decode } from './harness.js';

const innerIp = ipv4({ src: '10.10.0.1', dst: '10.20.0.1' }, tcp({ sport: 1234, dport: 80 }));
const over = (g: Uint8Array) => eth({}, ipv4({ src: '203.0.113.1', dst: '203.0.113.2' }, g));

describe('GreView', () => {
  it('sizes the header from its flags', () => {
    const cases: [Uint8Array, number][] = [
      [gre({}, innerIp), 4],
      [gre({ key: 1 }, innerIp), 8],
      [gre({ checksum: true, key: 1, seq: 2 }, innerIp), 16],
    ];
    for (const [b, len] of cases) {
      const v = new GreView().bind(b, 0, b.length);
      expect(v.checkLen()).toBe(0);
      expect(v.headerLength).toBe(len);
      expect(greNext(v)).toBe(0x0800);
    }
  });

  it('reads the key after the checksum', () => {
    const b = gre({ checksum: true, key: 0xcafe }, innerIp);
    expect(new GreView().bind(b, 0, b.length).key).toBe(0xcafe);
  });

  it('fewer than 4 bytes raises decode.gre_too_short', () => {
    expect(new GreView().bind(hex('0000'), 0, 2).checkLen()).toBe(DecodeAnomaly.gre_too_short);
  });

  it('flags announcing fields past the bytes raise decode.gre_too_short', () => {
    expect(new GreView().bind(hex('30000800 00000001'), 0, 8).checkLen()).toBe(DecodeAnomaly.gre_too_short);
  });

  it('versions 2-7 raise decode.gre_bad_version', () => {
    expect(new GreView().bind(hex('00020800'), 0, 4).checkLen()).toBe(DecodeAnomaly.gre_bad_version);
  });

  it('walks RFC 1701 source route entries to the payload', () => {
    const b = concat(hex('4000 0800 0000 0000'), hex('0800 00 04 0a000001'), hex('0000 00 00'), innerIp);
    const v = new GreView().bind(b, 0, b.length);
    expect(v.checkLen()).toBe(0);
    expect(v.headerLength).toBe(8 + 8 + 4);
  });

  it('a source route list without its terminator raises decode.gre_too_short', () => {
    const b = hex('4000 0800 0000 0000 0800 00 04 0a000001');
    expect(new GreView().bind(b, 0, b.length).checkLen()).toBe(DecodeAnomaly.gre_too_short);
  });
});

describe('GRE decoding', () => {
  it('decapsulates IPv4 and keeps the key as the tunnel id', () => {
    const r = decode(over(gre({ key: 0x01020304 }, innerIp)));
    expect(r.ok).toBe(true);
    expect(r.layers).toEqual(['ethernet', 'ipv4', 'gre', 'ipv4', 'tcp']);
    expect(r.p.tunnelType).toBe(Tunnel.GRE);
    expect(r.p.tunnelId).toBe(0x01020304);
    expect(formatAddress(r.p.outerSrc, 4)).toBe('203.0.113.1');
    expect(r.p.outerProto).toBe(47);
    expect(r.src).toBe('10.10.0.1');
  });

  it('decapsulates IPv6, with checksum and sequence fields, over IPv6', () => {
    const r = decode(eth({}, ipv6({}, gre({ checksum: true, seq: 5 }, ipv6({ src: 'fd01::1' }, udp({ dport: 53 }))))));
    expect(r.ok).toBe(true);
    expect(r.layers).toEqual(['ethernet', 'ipv6', 'gre', 'ipv6', 'udp']);
    expect(r.p.tunnelId).toBe(0);
    expect(r.src).toBe('fd01::1');
  });

  it('decapsulates transparent Ethernet bridging (0x6558, NVGRE / gretap)', () => {
    const r = decode(over(gre({ protocol: 0x6558, key: 0x123400 }, eth({ vlan: [5] }, innerIp))));
    expect(r.ok).toBe(true);
    expect(r.layers).toEqual(['ethernet', 'ipv4', 'gre', 'ethernet', 'vlan', 'ipv4', 'tcp']);
    expect(r.p.tunnelId).toBe(0x123400);
  });

  it('decapsulates MPLS over GRE', () => {
    const r = decode(over(gre({}, mpls([300], innerIp))));
    expect(r.layers).toEqual(['ethernet', 'ipv4', 'gre', 'mpls', 'ipv4', 'tcp']);
  });

  it('decapsulates ERSPAN type II (sequence flag set) to the mirrored frame', () => {
    const mirrored = eth({}, innerIp);
    const r = decode(over(gre({ protocol: 0x88be, seq: 1 }, erspan2({ session: 3 }, mirrored))));
    expect(r.ok).toBe(true);
    expect(r.layers).toEqual(['ethernet', 'ipv4', 'gre', 'ethernet', 'ipv4', 'tcp']);
    expect(r.p.dstPort).toBe(80);
  });

  it('decapsulates ERSPAN type I (no sequence flag, no header)', () => {
    const r = decode(over(gre({ protocol: 0x88be }, eth({}, innerIp))));
    expect(r.ok).toBe(true);
    expect(r.p.dstPort).toBe(80);
  });

  it('a cut ERSPAN header raises decode.erspan_too_short', () => {
    expect(new ErspanView().bind(hex('1000'), 0, 2, 2).checkLen()).toBe(DecodeAnomaly.erspan_too_short);
    const r = decode(over(gre({ protocol: 0x88be, seq: 1 }, hex('1000'))));
    expect(r.anomalies).toEqual(['decode.erspan_too_short']);
  });

  it('PPTP (version 1) is recognised and not decapsulated: the outer flow stays', () => {
    // Flags K, S and A, version 1, protocol PPP; payload length 16, call id 1, sequence and acknowledgement.
    const pptp = concat(hex('3081 880b 0010 0001 00000001 00000001'), new Uint8Array(16));
    const pkt = eth({}, ipv4({ proto: 47, src: '203.0.113.1', dst: '203.0.113.2' }, pptp));
    const p = decode(pkt);
    expect(p.ok).toBe(true);
    expect(p.layers).toEqual(['ethernet', 'ipv4', 'gre']);
    expect(p.p.tunnelDepth).toBe(0);
    expect(p.p.ipProto).toBe(47);
    expect(p.anomalies).toEqual([]);
  });

  it('an unknown payload type keeps the outer flow and is counted', () => {
    const r = decode(over(gre({ protocol: 0x883e }, new Uint8Array(20))));
    expect(r.ok).toBe(true);
    expect(r.p.tunnelDepth).toBe(0);
    expect(r.anomalies).toEqual(['decode.unknown_ethertype']);
  });

  it('a broken GRE header keeps the outer flow (protocol 47, no ports)', () => {
    const r = decode(eth({}, ipv4({ proto: 47 }, hex('0002'))));
    expect(r.ok).toBe(true);
    expect(r.anomalies).toEqual(['decode.gre_too_short']);
  });
});
