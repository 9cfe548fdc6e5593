import { describe, expect, it } from 'vitest';
import { DecodeAnomaly } from '../../src/decode/events.js';
import { GeneveView, geneveUsable } from '../../src/decode/geneve.js';
import { Tunnel } from '../../src/decode/packet.js';
import { concat, eth, geneve, geneveOption, hex, ipv4, ipv6, tcp, udp } from '../helpers/packets.js';
import { decode } from './harness.js';

const innerIp = ipv4({ src: '10.244.1.5', dst: '10.244.2.7' }, tcp({ sport: 44000, dport: 6443 }));
const wrap = (g: Uint8Array) => eth({}, ipv4({ src: '192.168.1.1', dst: '192.168.1.2' }, udp({ sport: 6081, dport: 6081 }, g)));

describe('GeneveView', () => {
  it('reads version, options length, protocol and VNI', () => {
    const g = geneve({ vni: 0xabcdef, options: geneveOption(0x0102, 0x80, hex('01020304')) }, eth({}, innerIp));
    const v = new GeneveView().bind(g, 0, g.length);
    expect(v.checkLen()).toBe(0);
    expect(v.version).toBe(0);
    expect(v.headerLength).toBe(16);
    expect(v.protocolType).toBe(0x6558);
    expect(v.vni).toBe(0xabcdef);
    expect(v.isControl).toBe(false);
  });

  it('fewer than 8 bytes raises decode.geneve_too_short', () => {
    expect(new GeneveView().bind(hex('0000655800'), 0, 5).checkLen()).toBe(DecodeAnomaly.geneve_too_short);
  });

  it('options running past the datagram raise decode.geneve_too_short', () => {
    const g = hex('05006558 00000100 00000000');
    expect(new GeneveView().bind(g, 0, g.length).checkLen()).toBe(DecodeAnomaly.geneve_too_short);
  });

  it('a version other than 0 raises decode.geneve_bad_version', () => {
    const g = geneve({ vni: 1, version: 1 }, innerIp);
    expect(new GeneveView().bind(g, 0, g.length).checkLen()).toBe(DecodeAnomaly.geneve_bad_version);
  });

  it('options that do not fill the options length raise decode.geneve_bad_options (usable)', () => {
    const g = geneve({ vni: 1, options: hex('01020300 0000000a'), optionsLength: 2 }, innerIp);
    const v = new GeneveView().bind(g, 0, g.length);
    expect(v.checkLen()).toBe(DecodeAnomaly.geneve_bad_options);
    expect(geneveUsable(v.checkLen())).toBe(true);
  });
});

describe('Geneve decoding', () => {
  it('decapsulates an Ethernet payload with options', () => {
    const opts = concat(geneveOption(0x0101, 1, hex('0000000a')), geneveOption(0xffff, 2, new Uint8Array(8)));
    const r = decode(wrap(geneve({ vni: 9000, options: opts }, eth({}, innerIp))));
    expect(r.ok).toBe(true);
    expect(r.layers).toEqual(['ethernet', 'ipv4', 'udp', 'geneve', 'ethernet', 'ipv4', 'tcp']);
    expect(r.p.tunnelType).toBe(Tunnel.GENEVE);
    expect(r.p.tunnelId).toBe(9000);
    expect(r.src).toBe('10.244.1.5');
    expect(r.p.dstPort).toBe(6443);
    expect(r.p.outerDstPort).toBe(6081);
  });

  it('decapsulates IPv4 and IPv6 payloads directly', () => {
    expect(decode(wrap(geneve({ vni: 1 }, innerIp))).layers).toEqual(['ethernet', 'ipv4', 'udp', 'geneve', 'ipv4', 'tcp']);
    const six = decode(wrap(geneve({ vni: 1 }, ipv6({}, udp({ dport: 53 })))));
    expect(six.layers).toEqual(['ethernet', 'ipv4', 'udp', 'geneve', 'ipv6', 'udp']);
  });

  it('bad options are reported and the payload still found from the options length', () => {
    const r = decode(wrap(geneve({ vni: 1, options: hex('01020300 0000000a'), optionsLength: 2 }, innerIp)));
    expect(r.ok).toBe(true);
    expect(r.anomalies).toEqual(['decode.geneve_bad_options']);
    expect(r.p.tunnelDepth).toBe(1);
  });

  it('an unknown protocol type keeps the outer UDP flow', () => {
    const r = decode(wrap(geneve({ vni: 1, protocol: 0x894f }, new Uint8Array(20))));
    expect(r.ok).toBe(true);
    expect(r.p.tunnelDepth).toBe(0);
    expect(r.anomalies).toEqual(['decode.unknown_ethertype']);
  });

  it('version 1 is not decapsulated', () => {
    const r = decode(wrap(geneve({ vni: 1, version: 1 }, innerIp)));
    expect(r.ok).toBe(true);
    expect(r.p.tunnelDepth).toBe(0);
    expect(r.anomalies).toEqual(['decode.geneve_bad_version']);
  });
});
