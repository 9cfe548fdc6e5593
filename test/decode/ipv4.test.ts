import { describe, expect, it } from 'vitest';
import { LinkType } from '../../src/capture/packet.js';
import { DecodeAnomaly } from '../../src/decode/events.js';
import { decodeIpv4, ipv4Usable, Ipv4View } from '../../src/decode/ipv4.js';
import { DecodedPacket } from '../../src/decode/packet.js';
import { eth, hex, ipv4, tcp, udp } from '../helpers/packets.js';
import { decode } from './harness.js';

// zeek_http-basic-auth-with-colon.pcap frame 1 (LINKTYPE_IPV4): IPv4 / TCP SYN, DF, TTL 64.
const REAL = hex(
  '4500003c44f84000400691f8ac1885cdac1885cd' + 'a8521f4000b58bdb00000000a002ffd7b91300000204ffd70402080a66c7763a0000000001030307',
);

function view(b: Uint8Array, length = b.length): Ipv4View {
  return new Ipv4View().bind(b, 0, length);
}

function withByte(b: Uint8Array, at: number, value: number): Uint8Array {
  const c = b.slice();
  c[at] = value;
  return c;
}

describe('Ipv4View', () => {
  it('reads every field of a real header', () => {
    const v = view(REAL);
    expect(v.checkLen()).toBe(0);
    expect(v.version).toBe(4);
    expect(v.headerLength).toBe(20);
    expect(v.totalLength).toBe(60);
    expect(v.identification).toBe(0x44f8);
    expect(v.dontFragment).toBe(true);
    expect(v.moreFragments).toBe(false);
    expect(v.fragmentOffset).toBe(0);
    expect(v.isFragment).toBe(false);
    expect(v.ttl).toBe(64);
    expect(v.protocol).toBe(6);
    expect(v.checksum).toBe(0x91f8);
    expect(v.srcAddress).toBe(0xac1885cd);
    expect(v.dstAddress).toBe(0xac1885cd);
    expect(v.presentEnd).toBe(60);
  });

  it('decodeIpv4 writes the network fields', () => {
    const out = new DecodedPacket();
    expect(decodeIpv4(view(REAL), out)).toBe(20);
    expect(out.ipVersion).toBe(4);
    expect(out.ipProto).toBe(6);
    expect(out.ttl).toBe(64);
    expect(out.ipId).toBe(0x44f8);
    expect(out.l3HeaderLen).toBe(20);
    expect(Array.from(out.src)).toEqual([0xac1885cd, 0, 0, 0]);
  });

  it('fewer than 20 bytes raises decode.ipv4_too_short', () => {
    expect(view(REAL, 19).checkLen()).toBe(DecodeAnomaly.ipv4_too_short);
  });

  it('version other than 4 raises decode.ipv4_bad_version', () => {
    expect(view(withByte(REAL, 0, 0x55)).checkLen()).toBe(DecodeAnomaly.ipv4_bad_version);
  });

  it('IHL below 5 raises decode.ipv4_bad_ihl', () => {
    expect(view(withByte(REAL, 0, 0x44)).checkLen()).toBe(DecodeAnomaly.ipv4_bad_ihl);
  });

  it('IHL beyond the total length raises decode.ipv4_ihl_beyond_length', () => {
    const b = withByte(withByte(REAL, 0, 0x4f), 3, 40);
    expect(view(b).checkLen()).toBe(DecodeAnomaly.ipv4_ihl_beyond_length);
  });

  it('IHL beyond the bytes present raises decode.ipv4_too_short', () => {
    expect(view(withByte(REAL, 0, 0x4f), 40).checkLen()).toBe(DecodeAnomaly.ipv4_too_short);
  });

  it('total length beyond the capture raises decode.ipv4_total_length_beyond_capture and stays usable', () => {
    const v = view(REAL, 50);
    expect(v.checkLen()).toBe(DecodeAnomaly.ipv4_total_length_beyond_capture);
    expect(ipv4Usable(v.checkLen())).toBe(true);
    expect(v.presentEnd).toBe(50);
  });

  it('total length 0 raises decode.ipv4_zero_total_length and the datagram is the frame (TSO)', () => {
    const b = withByte(withByte(REAL, 2, 0), 3, 0);
    const v = view(b);
    expect(v.checkLen()).toBe(DecodeAnomaly.ipv4_zero_total_length);
    expect(ipv4Usable(v.checkLen())).toBe(true);
    expect(v.datagramLength).toBe(60);
  });

  it('a total length shorter than the bytes present ends the datagram there', () => {
    expect(view(REAL, 60).presentEnd).toBe(60);
    const padded = new Uint8Array(80);
    padded.set(REAL);
    expect(view(padded).presentEnd).toBe(60);
  });
});

describe('IPv4 options', () => {
  it('skips well-formed options (record route, NOPs, EOL) and finds TCP after them', () => {
    const rr = hex('07 0b 04 00000000 00000000 01 00'); // record route with 2 slots, NOP, EOL
    const r = decode(eth({}, ipv4({ options: rr }, tcp({ sport: 1, dport: 2 }))));
    expect(r.ok).toBe(true);
    expect(r.p.l3HeaderLen).toBe(36); // 13 option bytes padded to 16
    expect(r.p.srcPort).toBe(1);
    expect(r.anomalies).toEqual([]);
  });

  it.each([
    ['a length past the header', hex('07 28 04 00')],
    ['a length below 2', hex('07 01 00 00')],
    ['a type byte with no length byte at the end', hex('01 01 01 07')],
  ])('%s raises decode.ipv4_bad_options and the payload is still found', (_name, opts) => {
    const r = decode(eth({}, ipv4({ options: opts }, tcp({ sport: 1, dport: 2 }))));
    expect(r.anomalies).toEqual(['decode.ipv4_bad_options']);
    expect(r.ok).toBe(true);
    expect(r.p.srcPort).toBe(1);
  });
});

describe('IPv4 decoding', () => {
  it('decodes the real packet on LINKTYPE_IPV4', () => {
    const r = decode(REAL, { linkType: LinkType.IPV4 });
    expect(r.ok).toBe(true);
    expect(r.layers).toEqual(['ipv4', 'tcp']);
    expect(r.src).toBe('172.24.133.205');
    expect(r.p.srcPort).toBe(43090);
    expect(r.p.dstPort).toBe(8000);
  });

  it('a packet cut by the snaplen keeps its headers, raises truncated and clips the payload', () => {
    const pkt = eth({}, ipv4({}, tcp({ sport: 7, dport: 8 }, 'x'.repeat(100))));
    const r = decode(pkt, { caplen: 14 + 20 + 20 + 30 });
    expect(r.ok).toBe(true);
    expect(r.p.srcPort).toBe(7);
    expect(r.p.payloadLen).toBe(30);
    expect(r.p.truncated).toBe(true);
    expect(r.anomalies).toEqual(['decode.ipv4_total_length_beyond_capture', 'decode.truncated']);
  });

  it('total length 0 in a frame cut by the snaplen marks the packet truncated', () => {
    const r = decode(eth({}, ipv4({ totalLength: 0 }, udp({}, 'hello world'))), { caplen: 50, wireLen: 60 });
    expect(r.anomalies).toEqual(['decode.ipv4_zero_total_length', 'decode.truncated']);
  });

  it('total length 0 takes the length from the frame', () => {
    const r = decode(eth({}, ipv4({ totalLength: 0 }, udp({ sport: 3, dport: 4 }, 'hello'))));
    expect(r.ok).toBe(true);
    expect(r.anomalies).toEqual(['decode.ipv4_zero_total_length']);
    expect(r.p.payloadLen).toBe(5);
  });

  it('an unknown protocol is a flow without ports', () => {
    const r = decode(eth({}, ipv4({ proto: 89 }, new Uint8Array(40))));
    expect(r.ok).toBe(true);
    expect(r.p.ipProto).toBe(89);
    expect(r.p.l4Offset).toBe(0);
    expect(r.layers).toEqual(['ethernet', 'ipv4', 'other_l4']);
  });

  it('AH over IPv4 is skipped to reach the transport header', () => {
    const ah = hex('06 04 0000 00000100 00000001 000000000000000000000000');
    const r = decode(eth({}, ipv4({ proto: 51 }, new Uint8Array([...ah, ...tcp({ sport: 11, dport: 12 })]))));
    expect(r.ok).toBe(true);
    expect(r.p.ipProto).toBe(6);
    expect(r.p.srcPort).toBe(11);
    expect(r.p.l3HeaderLen).toBe(44);
  });
});
