import { describe, expect, it } from 'vitest';
import { DecodeAnomaly } from '../../src/decode/events.js';
import { MAX_MPLS_LABELS, MplsView, mplsNext } from '../../src/decode/mpls.js';
import { eth, hex, ipv4, ipv6, mpls, tcp, udp } from '../helpers/packets.js';
import { decode } from './harness.js';

// zeek_mixed-vlan-mpls.pcap frame 1: Ethernet / MPLS label 29 / IPv4 / TCP (telnet).
const REAL = hex(
  '003096e6fc3900309605283888470001ddff45c0002c00000000ff06a4e70a0102010a2200012af9001798320ffb0000000060021020a240000002040218',
);

describe('MplsView', () => {
  it('walks a real one-label stack to the bottom of stack', () => {
    const v = new MplsView().bind(REAL, 14, REAL.length - 14);
    expect(v.checkLen()).toBe(0);
    expect(v.labelCount).toBe(1);
    expect(v.label(0)).toBe(29);
    expect(v.payloadNibble).toBe(4);
    expect(mplsNext(v)).toBe(0x0800);
  });

  it('a stack without bottom of stack before the bytes end raises decode.mpls_too_short', () => {
    const stack = hex('0001d0ff 0001e0ff');
    expect(new MplsView().bind(stack, 0, stack.length).checkLen()).toBe(DecodeAnomaly.mpls_too_short);
  });

  it('more labels than the cap raises decode.mpls_too_many_labels', () => {
    const stack = new Uint8Array(4 * (MAX_MPLS_LABELS + 1));
    stack[stack.length - 2] = 0x01;
    expect(new MplsView().bind(stack, 0, stack.length).checkLen()).toBe(DecodeAnomaly.mpls_too_many_labels);
    const r = decode(eth({ type: 0x8847 }, stack));
    expect(r.anomalies).toEqual(['decode.mpls_too_many_labels']);
  });
});

describe('MPLS decoding', () => {
  it('decodes the real frame to its TCP ports', () => {
    const r = decode(REAL);
    expect(r.ok).toBe(true);
    expect(r.layers).toEqual(['ethernet', 'mpls', 'ipv4', 'tcp']);
    expect(r.src).toBe('10.1.2.1');
    expect(r.p.srcPort).toBe(11001);
    expect(r.p.dstPort).toBe(23);
  });

  it('guesses IPv6 from the first nibble after a three-label stack', () => {
    const r = decode(eth({}, mpls([16, 17, 18], ipv6({}, udp({ sport: 1, dport: 2 })))));
    expect(r.ok).toBe(true);
    expect(r.layers).toEqual(['ethernet', 'mpls', 'ipv6', 'udp']);
  });

  it('a control word (first nibble 0) is followed by an Ethernet pseudowire', () => {
    const inner = eth({ vlan: [7] }, ipv4({ src: '192.168.1.1', dst: '192.168.1.2' }, tcp({ sport: 5, dport: 6 })));
    const r = decode(eth({}, mpls([100, 200], inner, { controlWord: true })));
    expect(r.ok).toBe(true);
    expect(r.layers).toEqual(['ethernet', 'mpls', 'ethernet', 'vlan', 'ipv4', 'tcp']);
    expect(r.src).toBe('192.168.1.1');
    expect(r.p.vlan[0]).toBe(7);
  });

  it('another first nibble raises decode.mpls_unknown_payload', () => {
    const r = decode(eth({}, mpls([100], hex('a0000000000000000000'))));
    expect(r.ok).toBe(false);
    expect(r.anomalies).toEqual(['decode.mpls_unknown_payload']);
  });
});
