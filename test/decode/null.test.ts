import { describe, expect, it } from 'vitest';
import { LinkType } from '../../src/capture/packet.js';
import { DecodeAnomaly } from '../../src/decode/events.js';
import { NullView, nullNext } from '../../src/decode/null.js';
import { hex, ipv4, ipv6, nullLink, tcp, udp } from '../helpers/packets.js';
import { decode } from './harness.js';

// zeek_dns-svcb.pcap frame 1: BSD loopback (family 2, little-endian host) / IPv4 / UDP DNS query.
const REAL = hex(
  '0200000045000050b2660000401100007f0000017f000001e0cd0035003cfe4fc96401200001000000000001076578616d706c6503636f6d0000400001000029100000000000000c000a0008ae4238d93c7c8538',
);

describe('NullView', () => {
  it('reads the family of a real little-endian header', () => {
    const v = new NullView().bind(REAL, 0, REAL.length, false);
    expect(v.checkLen()).toBe(0);
    expect(v.family).toBe(2);
    expect(nullNext(v)).toBe(0x0800);
  });

  it('reads a big-endian host header written on another machine', () => {
    const b = hex('00000002');
    expect(new NullView().bind(b, 0, 4, false).family).toBe(2);
  });

  it('fewer than 4 bytes raises decode.null_too_short', () => {
    expect(new NullView().bind(REAL, 0, 3, false).checkLen()).toBe(DecodeAnomaly.null_too_short);
  });
});

describe('NULL and LOOP decoding', () => {
  it('decodes the real packet', () => {
    const r = decode(REAL, { linkType: LinkType.NULL });
    expect(r.ok).toBe(true);
    expect(r.layers).toEqual(['null', 'ipv4', 'udp']);
    expect(r.p.dstPort).toBe(53);
  });

  it.each([24, 28, 30])('IPv6 family %i is IPv6 in either byte order', (family) => {
    for (const order of ['le', 'be'] as const) {
      const r = decode(nullLink({ family, order }, ipv6({}, tcp({}))), { linkType: LinkType.NULL });
      expect(r.ok).toBe(true);
      expect(r.layers).toEqual(['null', 'ipv6', 'tcp']);
    }
  });

  it('LINKTYPE_LOOP is always network order', () => {
    const r = decode(nullLink({ family: 2, order: 'be' }, ipv4({}, udp({}))), { linkType: LinkType.LOOP });
    expect(r.ok).toBe(true);
    // Little-endian bytes under LOOP read as 0x02000000: not a family.
    const le = decode(nullLink({ family: 2, order: 'le' }, ipv4({}, udp({}))), { linkType: LinkType.LOOP });
    expect(le.anomalies).toEqual(['decode.null_unknown_family']);
  });

  it('an unknown family (IPX = 23) raises decode.null_unknown_family', () => {
    const r = decode(nullLink({ family: 23 }, new Uint8Array(30)), { linkType: LinkType.NULL });
    expect(r.ok).toBe(false);
    expect(r.anomalies).toEqual(['decode.null_unknown_family']);
  });
});
