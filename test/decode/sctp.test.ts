import { describe, expect, it } from 'vitest';
import { DecodeAnomaly } from '../../src/decode/events.js';
import { SctpView } from '../../src/decode/sctp.js';
import { eth, hex, ipv4, sctp } from '../helpers/packets.js';
import { decode } from './harness.js';

describe('SCTP', () => {
  it('reads the ports of the common header', () => {
    const b = hex('0b59 0b59 12345678 00000000 01000014');
    const v = new SctpView().bind(b, 0, b.length);
    expect(v.checkLen()).toBe(0);
    expect(v.srcPort).toBe(2905);
    expect(v.verificationTag).toBe(0x12345678);
  });

  it('fewer than 12 bytes raises decode.sctp_too_short', () => {
    expect(new SctpView().bind(hex('0b590b59'), 0, 4).checkLen()).toBe(DecodeAnomaly.sctp_too_short);
    expect(decode(eth({}, ipv4({ proto: 132 }, hex('0b590b59')))).anomalies).toEqual(['decode.sctp_too_short']);
  });

  it('decodes ports only', () => {
    const r = decode(eth({}, ipv4({}, sctp({ sport: 36412, dport: 36412 }, new Uint8Array(16)))));
    expect(r.ok).toBe(true);
    expect(r.layers).toEqual(['ethernet', 'ipv4', 'sctp']);
    expect(r.p.srcPort).toBe(36412);
    expect(r.p.payloadLen).toBe(16);
  });
});
