import { describe, expect, it } from 'vitest';
import { decodeEthernet, ethernetNext, EthernetView } from '../../src/decode/ethernet.js';
import { DecodeAnomaly } from '../../src/decode/events.js';
import { DecodedPacket, Layer } from '../../src/decode/packet.js';
import { arp, eth, ethLlc, hex, ipv4, tcp } from '../helpers/packets.js';
import { decode } from './harness.js';

// zeek_http-vlan-0.pcap frame 1 without its tag: Ethernet / IPv4 / TCP SYN with MSS, wscale, SACK-permitted, timestamps.
const REAL = hex(
  '0010db88d2ef c8bcc896d2a0 0800' +
    '45000040df8e400040066dd38d8ee405c096bb2b' +
    'e9d00050fe21323a00000000b002ffff3bc00000020405b4010303040101080a164add200000000004020000',
);

describe('EthernetView', () => {
  it('reads the EtherType of a real frame and finds the IP payload after 14 bytes', () => {
    const v = new EthernetView().bind(REAL, 0, REAL.length);
    expect(v.checkLen()).toBe(0);
    expect(v.etherType).toBe(0x0800);
    expect(v.isIeee8023).toBe(false);
    const out = new DecodedPacket();
    expect(decodeEthernet(v, out)).toBe(14);
    expect(ethernetNext(v)).toBe(0x0800);
    expect(out.layers[0]).toBe(Layer.ETHERNET);
  });

  it('fewer than 14 bytes raises decode.ethernet_too_short', () => {
    expect(new EthernetView().bind(REAL, 0, 13).checkLen()).toBe(DecodeAnomaly.ethernet_too_short);
    const r = decode(REAL.slice(0, 13));
    expect(r.ok).toBe(false);
    expect(r.anomalies).toEqual(['decode.ethernet_too_short']);
  });

  it('a frame cut to 13 bytes by the snaplen is also marked truncated', () => {
    const r = decode(REAL, { caplen: 13 });
    expect(r.anomalies).toEqual(['decode.ethernet_too_short', 'decode.truncated']);
    expect(r.p.truncated).toBe(true);
  });
});

describe('Ethernet decoding', () => {
  it('decodes the real frame through to TCP', () => {
    const r = decode(REAL);
    expect(r.ok).toBe(true);
    expect(r.layers).toEqual(['ethernet', 'ipv4', 'tcp']);
    expect(r.p.etherType).toBe(0x0800);
    expect(r.src).toBe('141.142.228.5');
    expect(r.dst).toBe('192.150.187.43');
    expect(r.p.srcPort).toBe(59856);
    expect(r.p.dstPort).toBe(80);
    expect(r.anomalies).toEqual([]);
  });

  it('802.3 with LLC/SNAP and OUI 0 carries an EtherType (RFC 1042)', () => {
    const r = decode(ethLlc({}, ipv4({}, tcp({}))));
    expect(r.ok).toBe(true);
    expect(r.layers).toEqual(['ethernet', 'ipv4', 'tcp']);
  });

  it('plain 802.2 LLC (spanning tree) is not IP and not an anomaly', () => {
    const r = decode(ethLlc({ snap: false }, new Uint8Array(35)));
    expect(r.ok).toBe(false);
    expect(r.layers).toEqual(['ethernet']);
    expect(r.anomalies).toEqual([]);
  });

  it('ARP is recorded as a layer and skipped', () => {
    const r = decode(eth({}, arp()));
    expect(r.ok).toBe(false);
    expect(r.layers).toEqual(['ethernet', 'arp']);
    expect(r.p.etherType).toBe(0x0806);
    expect(r.anomalies).toEqual([]);
  });

  it('an unknown EtherType raises decode.unknown_ethertype', () => {
    const r = decode(eth({ type: 0x88cc }, new Uint8Array(40)));
    expect(r.ok).toBe(false);
    expect(r.p.etherType).toBe(0x88cc);
    expect(r.anomalies).toEqual(['decode.unknown_ethertype']);
  });

  it('link padding after a short IPv4 packet does not leak into the payload', () => {
    const frame = eth({}, ipv4({}, tcp({ flags: 'A' })));
    const padded = new Uint8Array(60);
    padded.set(frame);
    padded.fill(0xee, frame.length);
    const r = decode(padded);
    expect(r.ok).toBe(true);
    expect(r.p.payloadLen).toBe(0);
    expect(r.p.l4Len).toBe(20);
  });
});
