import { describe, expect, it } from 'vitest';
import { DecodeAnomaly } from '../../src/decode/events.js';
import { decodeUdp, udpUsable, UdpView } from '../../src/decode/udp.js';
import { DecodedPacket } from '../../src/decode/packet.js';
import { concat, eth, hex, internetChecksum, ipv4, ipv6, udp } from '../helpers/packets.js';
import { decode, payloadText } from './harness.js';

// zeek_dns-svcb.pcap frame 1, UDP part: 57549 → 53, length 60, DNS query.
const REAL = hex(
  'e0cd0035003cfe4fc96401200001000000000001076578616d706c6503636f6d0000400001000029100000000000000c000a0008ae4238d93c7c8538',
);

describe('UdpView', () => {
  it('reads a real header', () => {
    const v = new UdpView().bind(REAL, 0, REAL.length, REAL.length);
    expect(v.checkLen()).toBe(0);
    expect(v.srcPort).toBe(57549);
    expect(v.dstPort).toBe(53);
    expect(v.lengthField).toBe(60);
    expect(v.checksum).toBe(0xfe4f);
    const out = new DecodedPacket();
    expect(decodeUdp(v, out)).toBe(8);
    expect(out.payloadLen).toBe(52);
  });

  it('fewer than 8 bytes raises decode.udp_too_short', () => {
    expect(new UdpView().bind(REAL, 0, 7, 60).checkLen()).toBe(DecodeAnomaly.udp_too_short);
    expect(new UdpView().bind(REAL, 0, 60, 7).checkLen()).toBe(DecodeAnomaly.udp_too_short);
  });

  it('a length below 8 raises decode.udp_bad_length and the IP payload length is used', () => {
    const b = REAL.slice();
    b[4] = 0;
    b[5] = 4;
    const v = new UdpView().bind(b, 0, b.length, b.length);
    expect(v.checkLen()).toBe(DecodeAnomaly.udp_bad_length);
    expect(udpUsable(v.checkLen())).toBe(true);
    expect(v.datagramLength).toBe(60);
  });

  it('a length beyond the IP payload raises decode.udp_bad_length and the IP payload length is used', () => {
    const v = new UdpView().bind(REAL, 0, 50, 50);
    expect(v.checkLen()).toBe(DecodeAnomaly.udp_bad_length);
    expect(v.datagramLength).toBe(50);
  });
});

describe('UDP decoding', () => {
  it('decodes over IPv4 and IPv6', () => {
    const r4 = decode(eth({}, ipv4({}, udp({ sport: 5353, dport: 5353 }, 'mdns'))));
    expect(r4.ok).toBe(true);
    expect(r4.layers).toEqual(['ethernet', 'ipv4', 'udp']);
    expect(payloadText(r4.p)).toBe('mdns');
    const r6 = decode(eth({}, ipv6({}, udp({ sport: 547, dport: 546 }, 'dhcp6'))));
    expect(r6.p.srcPort).toBe(547);
    expect(payloadText(r6.p)).toBe('dhcp6');
  });

  it('a length shorter than the IP payload ends the data there', () => {
    const r = decode(eth({}, ipv4({}, udp({ length: 10 }, 'abcdef'))));
    expect(r.anomalies).toEqual([]);
    expect(payloadText(r.p)).toBe('ab');
  });

  it('a lying length is reported and the datagram kept', () => {
    const r = decode(eth({}, ipv4({}, udp({ length: 500 }, 'abcdef'))));
    expect(r.ok).toBe(true);
    expect(r.anomalies).toEqual(['decode.udp_bad_length']);
    expect(payloadText(r.p)).toBe('abcdef');
  });

  it('a datagram shorter than its header raises decode.udp_too_short', () => {
    const r = decode(eth({}, ipv4({ proto: 17 }, hex('0035 0035 00'))));
    expect(r.ok).toBe(false);
    expect(r.anomalies).toEqual(['decode.udp_too_short']);
  });

  it('the builder writes a correct checksum over the IPv6 pseudo-header', () => {
    const pkt = ipv6({}, udp({}, 'xyz'));
    const dgram = pkt.subarray(40);
    const pseudo = concat(pkt.subarray(8, 40), [0, 0, 0, dgram.length, 0, 0, 0, 17]);
    expect(internetChecksum(concat(pseudo, dgram))).toBe(0);
  });
});
