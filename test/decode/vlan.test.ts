import { describe, expect, it } from 'vitest';
import { DecodeAnomaly } from '../../src/decode/events.js';
import { VlanView } from '../../src/decode/vlan.js';
import { eth, hex, ipv4, tcp } from '../helpers/packets.js';
import { decode } from './harness.js';

// zeek_http-vlan-0.pcap frame 1 (802.1Q, VID 0, priority 5) and zeek_http-qinq-0.pcap frame 1 (two 0x8100 tags).
const REAL_VLAN = hex(
  '0010db88d2efc8bcc896d2a08100b0000800' +
    '45000040df8e400040066dd38d8ee405c096bb2be9d00050fe21323a00000000b002ffff3bc00000020405b4010303040101080a164add200000000004020000',
);
const REAL_QINQ = hex(
  '0010db88d2efc8bcc896d2a08100b0008100b0000800' +
    '45000040df8e400040066dd38d8ee405c096bb2be9d00050fe21323a00000000b002ffff3bc00000020405b4010303040101080a164add200000000004020000',
);

describe('VlanView', () => {
  it('reads VID, priority and the inner EtherType', () => {
    const v = new VlanView().bind(REAL_VLAN, 14, REAL_VLAN.length - 14);
    expect(v.checkLen()).toBe(0);
    expect(v.vid).toBe(0);
    expect(v.priority).toBe(5);
    expect(v.etherType).toBe(0x0800);
  });

  it('fewer than 4 bytes raises decode.vlan_too_short', () => {
    expect(new VlanView().bind(REAL_VLAN, 14, 3).checkLen()).toBe(DecodeAnomaly.vlan_too_short);
    const r = decode(REAL_VLAN.slice(0, 17));
    expect(r.anomalies).toEqual(['decode.vlan_too_short']);
  });
});

describe('VLAN decoding', () => {
  it('decodes a real 802.1Q frame', () => {
    const r = decode(REAL_VLAN);
    expect(r.ok).toBe(true);
    expect(r.layers).toEqual(['ethernet', 'vlan', 'ipv4', 'tcp']);
    expect(Array.from(r.p.vlan.subarray(0, r.p.vlanCount))).toEqual([0]);
  });

  it('decodes a real double-tagged frame', () => {
    const r = decode(REAL_QINQ);
    expect(r.ok).toBe(true);
    expect(r.layers).toEqual(['ethernet', 'vlan', 'vlan', 'ipv4', 'tcp']);
    expect(r.p.vlanCount).toBe(2);
  });

  it.each([
    [0x88a8, 0x8100],
    [0x9100, 0x8100],
    [0x9200, 0x8100],
  ])('QinQ with outer TPID %s keeps ids outermost first', (outer, inner) => {
    const r = decode(eth({ vlan: [100, 200], tpid: [outer, inner] }, ipv4({}, tcp({}))));
    expect(r.ok).toBe(true);
    expect(Array.from(r.p.vlan.subarray(0, r.p.vlanCount))).toEqual([100, 200]);
  });

  it('three tags are kept; a fourth raises decode.vlan_too_many_layers once and decoding goes on', () => {
    const three = decode(eth({ vlan: [1, 2, 3] }, ipv4({}, tcp({}))));
    expect(three.anomalies).toEqual([]);
    expect(Array.from(three.p.vlan.subarray(0, three.p.vlanCount))).toEqual([1, 2, 3]);
    const five = decode(eth({ vlan: [1, 2, 3, 4, 5] }, ipv4({}, tcp({}))));
    expect(five.ok).toBe(true);
    expect(five.anomalies).toEqual(['decode.vlan_too_many_layers']);
    expect(Array.from(five.p.vlan.subarray(0, five.p.vlanCount))).toEqual([1, 2, 3]);
    expect(five.layers.filter((l) => l === 'vlan')).toHaveLength(5);
  });

  it('a frame of nothing but VLAN tags stops at the decode step cap, not the stack', () => {
    const tags = Array.from({ length: 2000 }, (_, i) => i & 0xfff);
    const r = decode(eth({ vlan: tags, type: 0x8100 }, new Uint8Array(0)));
    expect(r.ok).toBe(false);
    expect(r.anomalies).toContain('decode.too_many_layers');
  });
});
