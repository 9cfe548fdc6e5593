import { describe, expect, it } from 'vitest';
import { LinkType } from '../../src/capture/packet.js';
import { DecodeAnomaly } from '../../src/decode/events.js';
import { decodeIpv6Ext, Ipv6ExtView, MAX_IPV6_EXT_HEADERS } from '../../src/decode/ipv6-ext.js';
import { DecodedPacket, IpProto } from '../../src/decode/packet.js';
import { hex, ipv6, tcp, udp, type Ipv6Ext } from '../helpers/packets.js';
import { decode } from './harness.js';

const raw = { linkType: LinkType.RAW };

describe('Ipv6ExtView', () => {
  it('reads the length of each kind: 8-byte units, AH 4-byte units + 2, fragment fixed', () => {
    const b = hex('06 01 0000000000000000000000000000');
    expect(new Ipv6ExtView().bind(b, 0, b.length, IpProto.HOPOPT).headerLength).toBe(16);
    expect(new Ipv6ExtView().bind(b, 0, b.length, IpProto.AH).headerLength).toBe(12);
    expect(new Ipv6ExtView().bind(b, 0, b.length, IpProto.FRAGMENT).headerLength).toBe(8);
  });

  it('a header running past the bytes raises decode.ipv6_ext_header_truncated', () => {
    const b = hex('06 01 00000000000000');
    expect(new Ipv6ExtView().bind(b, 0, b.length, IpProto.DSTOPTS).checkLen()).toBe(DecodeAnomaly.ipv6_ext_header_truncated);
    expect(new Ipv6ExtView().bind(b, 0, 1, IpProto.DSTOPTS).checkLen()).toBe(DecodeAnomaly.ipv6_ext_header_truncated);
  });

  it('reads fragment fields', () => {
    const b = hex('11 00 05a9 deadbeef');
    const v = new Ipv6ExtView().bind(b, 0, b.length, IpProto.FRAGMENT);
    expect(v.fragmentOffset).toBe(0x05a8);
    expect(v.moreFragments).toBe(true);
    expect(v.fragmentId).toBe(0xdeadbeef);
    expect(v.isAtomicFragment).toBe(false);
    const out = new DecodedPacket();
    expect(decodeIpv6Ext(v, out)).toBe(8);
    expect(out.ipId).toBe(0xdeadbeef);
  });
});

describe('IPv6 extension header chain', () => {
  it('walks hop-by-hop, routing, destination options and AH to TCP', () => {
    const ext: Ipv6Ext[] = [{ type: 'hop' }, { type: 'routing' }, { type: 'dst' }, { type: 'ah' }];
    const r = decode(ipv6({ ext }, tcp({ sport: 100, dport: 200 }, 'data')), raw);
    expect(r.ok).toBe(true);
    expect(r.layers).toEqual(['ipv6', 'ipv6_ext', 'ipv6_ext', 'ipv6_ext', 'ipv6_ext', 'tcp']);
    expect(r.p.ipProto).toBe(6);
    expect(r.p.l3HeaderLen).toBe(40 + 8 + 8 + 8 + 24);
    expect(r.p.srcPort).toBe(100);
    expect(r.p.payloadLen).toBe(4);
    expect(r.anomalies).toEqual([]);
  });

  it('ESP stops decoding: a flow by protocol 50 with no ports', () => {
    const r = decode(ipv6({ proto: 50 }, new Uint8Array(32)), raw);
    expect(r.ok).toBe(true);
    expect(r.p.ipProto).toBe(50);
    expect(r.p.l4Offset).toBe(0);
  });

  it('No Next Header (59) ends the chain', () => {
    const r = decode(ipv6({ ext: [{ type: 'dst' }], proto: 59 }, new Uint8Array(0)), raw);
    expect(r.ok).toBe(true);
    expect(r.p.ipProto).toBe(59);
  });

  it('hop-by-hop anywhere but first raises decode.ipv6_hop_by_hop_not_first', () => {
    const r = decode(ipv6({ ext: [{ type: 'dst' }, { type: 'hop' }] }, udp({})), raw);
    expect(r.ok).toBe(true);
    expect(r.anomalies).toEqual(['decode.ipv6_hop_by_hop_not_first']);
  });

  it(`more than ${MAX_IPV6_EXT_HEADERS} headers raises decode.ipv6_too_many_ext_headers`, () => {
    const ext: Ipv6Ext[] = Array.from({ length: MAX_IPV6_EXT_HEADERS + 1 }, () => ({ type: 'dst' }));
    const r = decode(ipv6({ ext }, tcp({})), raw);
    expect(r.ok).toBe(false);
    expect(r.anomalies).toEqual(['decode.ipv6_too_many_ext_headers']);
  });

  it(`exactly ${MAX_IPV6_EXT_HEADERS} headers are fine`, () => {
    const ext: Ipv6Ext[] = Array.from({ length: MAX_IPV6_EXT_HEADERS }, () => ({ type: 'dst' }));
    expect(decode(ipv6({ ext }, tcp({})), raw).ok).toBe(true);
  });

  it('an extension header cut by the payload length raises decode.ipv6_ext_header_truncated', () => {
    const pkt = ipv6({ ext: [{ type: 'dst', options: new Uint8Array(30) }] }, tcp({}));
    const r = decode(pkt.slice(0, 40 + 20), { ...raw, wireLen: pkt.length });
    expect(r.ok).toBe(false);
    expect(r.anomalies).toEqual(['decode.ipv6_payload_beyond_capture', 'decode.truncated', 'decode.ipv6_ext_header_truncated']);
  });

  it('options running past their header raise decode.ipv6_bad_options', () => {
    const r = decode(ipv6({ ext: [{ type: 'hop', options: hex('05 09 0000') }] }, tcp({})), raw);
    expect(r.ok).toBe(true);
    expect(r.anomalies).toEqual(['decode.ipv6_bad_options']);
  });

  it('routing header type 0 raises decode.ipv6_routing_type0 (RFC 5095)', () => {
    const r = decode(ipv6({ ext: [{ type: 'routing', routingType: 0, data: new Uint8Array(20) }] }, tcp({})), raw);
    expect(r.ok).toBe(true);
    expect(r.anomalies).toEqual(['decode.ipv6_routing_type0']);
  });

  it('an atomic fragment (offset 0, M clear, RFC 6946) is processed as a whole packet', () => {
    const r = decode(ipv6({ ext: [{ type: 'fragment', id: 77 }] }, tcp({ sport: 8, dport: 9 })), raw);
    expect(r.ok).toBe(true);
    expect(r.p.isFragment).toBe(false);
    expect(r.p.ipId).toBe(77);
    expect(r.p.srcPort).toBe(8);
    expect(r.layers).toEqual(['ipv6', 'fragment', 'tcp']);
    expect(r.anomalies).toEqual(['decode.ipv6_frag_atomic']);
  });
});
