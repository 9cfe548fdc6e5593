import { describe, expect, it } from 'vitest';
import { DecodeAnomaly } from '../../src/decode/events.js';
import { PppoeView, pppoeNext } from '../../src/decode/pppoe.js';
import { eth, hex, ipv4, ipv6, pppoe, tcp, udp } from '../helpers/packets.js';
import { decode } from './harness.js';

describe('PppoeView', () => {
  it('reads session id, length and the PPP protocol', () => {
    const b = pppoe({ session: 0x1234 }, ipv4({}, tcp({})));
    const v = new PppoeView().bind(b, 0, b.length);
    expect(v.checkLen()).toBe(0);
    expect(v.sessionId).toBe(0x1234);
    expect(v.payloadLength).toBe(b.length - 6);
    expect(v.pppProtocol).toBe(0x0021);
    expect(pppoeNext(v)).toBe(0x0800);
  });

  it('fewer than 8 bytes raises decode.pppoe_too_short', () => {
    const b = hex('1100 0001 0002 00');
    expect(new PppoeView().bind(b, 0, b.length).checkLen()).toBe(DecodeAnomaly.pppoe_too_short);
  });
});

describe('PPPoE decoding', () => {
  it('decodes IPv4 and IPv6 sessions', () => {
    const v4 = decode(eth({}, pppoe({}, ipv4({}, tcp({ sport: 1, dport: 2 })))));
    expect(v4.ok).toBe(true);
    expect(v4.layers).toEqual(['ethernet', 'pppoe', 'ipv4', 'tcp']);
    const v6 = decode(eth({}, pppoe({}, ipv6({}, udp({})))));
    expect(v6.layers).toEqual(['ethernet', 'pppoe', 'ipv6', 'udp']);
  });

  it('reads a compressed (one-byte) protocol field', () => {
    const r = decode(eth({}, pppoe({ compressProtocol: true }, ipv4({}, tcp({})))));
    expect(r.ok).toBe(true);
    expect(r.layers).toEqual(['ethernet', 'pppoe', 'ipv4', 'tcp']);
  });

  it('LCP is not IP and not an anomaly', () => {
    const r = decode(eth({}, pppoe({ protocol: 0xc021 }, new Uint8Array(10))));
    expect(r.ok).toBe(false);
    expect(r.layers).toEqual(['ethernet', 'pppoe']);
    expect(r.anomalies).toEqual([]);
  });
});
