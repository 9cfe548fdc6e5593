import { describe, expect, it } from 'vitest';
import { LinkType } from '../../src/capture/packet.js';
import { DecodeAnomaly } from '../../src/decode/events.js';
import { decodeTcp, readTcpOptions, tcpUsable, TcpView } from '../../src/decode/tcp.js';
import { DecodedPacket } from '../../src/decode/packet.js';
import { concat, eth, hex, internetChecksum, ipv4, ipv6, tcp, tcpOptions } from '../helpers/packets.js';
import { decode, payloadText } from './harness.js';

// tcpdump_resp_2_inline.pcap frame 1, TCP part: SYN 35934 → 6379, MSS 65495, SACK-permitted, timestamps, wscale 7.
const REAL = hex('8c5e18eb1020bfe500000000a002aaaafe3000000204ffd70402080a7778ebc90000000001030307');

function view(b: Uint8Array, length = b.length, segment = length): TcpView {
  return new TcpView().bind(b, 0, length, segment);
}

describe('TcpView', () => {
  it('reads every field of a real SYN', () => {
    const v = view(REAL);
    expect(v.checkLen()).toBe(0);
    expect(v.srcPort).toBe(35934);
    expect(v.dstPort).toBe(6379);
    expect(v.seq).toBe(0x1020bfe5);
    expect(v.ack).toBe(0);
    expect(v.headerLength).toBe(40);
    expect(v.flags).toBe(0x02);
    expect(v.window).toBe(43690);
    expect(v.checksum).toBe(0xfe30);
    expect(v.urgent).toBe(0);
  });

  it('decodeTcp reads the options of the real SYN', () => {
    const out = new DecodedPacket();
    decodeTcp(view(REAL), out);
    expect(out.tcpMss).toBe(65495);
    expect(out.tcpSackPermitted).toBe(true);
    expect(out.tcpHasTimestamp).toBe(true);
    expect(out.tcpTsVal).toBe(0x7778ebc9);
    expect(out.tcpTsEcr).toBe(0);
    expect(out.tcpWscale).toBe(7);
    expect(out.tcpHeaderLen).toBe(40);
    expect(out.payloadLen).toBe(0);
    expect(out.anomalyCount).toBe(0);
  });

  it('fewer than 20 bytes raises decode.tcp_too_short', () => {
    expect(view(REAL, 19).checkLen()).toBe(DecodeAnomaly.tcp_too_short);
    expect(view(REAL, 40, 19).checkLen()).toBe(DecodeAnomaly.tcp_too_short);
  });

  it('data offset below 5 raises decode.tcp_bad_offset; the fixed header stays usable, with no payload', () => {
    const b = REAL.slice();
    b[12] = 0x40;
    const v = view(b);
    expect(v.checkLen()).toBe(DecodeAnomaly.tcp_bad_offset);
    expect(tcpUsable(v.checkLen())).toBe(true);
    const out = new DecodedPacket();
    decodeTcp(v, out);
    expect(out.srcPort).toBe(35934);
    expect(out.payloadLen).toBe(0);
    expect(out.tcpMss).toBe(-1);
  });

  it('data offset past the segment raises decode.tcp_bad_offset and the fixed header stays usable', () => {
    const v = view(REAL, 24, 24);
    expect(v.checkLen()).toBe(DecodeAnomaly.tcp_bad_offset);
    expect(tcpUsable(v.checkLen())).toBe(true);
  });

  it('options cut by the capture are decode.truncated and the fixed header stays usable', () => {
    const v = view(REAL, 30, 40);
    expect(v.checkLen()).toBe(DecodeAnomaly.truncated);
    expect(tcpUsable(v.checkLen())).toBe(true);
  });
});

describe('TCP options', () => {
  function readOptions(opts: Uint8Array): { out: DecodedPacket; ok: boolean } {
    const out = new DecodedPacket();
    const ok = readTcpOptions(opts, 0, opts.length, out);
    return { out, ok };
  }

  it('reads SACK blocks (up to 4)', () => {
    const sack = [
      [100, 200],
      [300, 400],
      [0xfffffff0, 0x10],
    ] as [number, number][];
    const { out, ok } = readOptions(tcpOptions({ sack }));
    expect(ok).toBe(true);
    expect(out.tcpSackCount).toBe(3);
    expect(Array.from(out.tcpSack.subarray(0, 6))).toEqual([100, 200, 300, 400, 0xfffffff0, 0x10]);
    const four = readOptions(
      tcpOptions({
        sack: [
          [1, 2],
          [3, 4],
          [5, 6],
          [7, 8],
        ],
      }),
    ).out;
    expect(four.tcpSackCount).toBe(4);
  });

  it('clamps a window scale above 14 to 14 (RFC 7323 §2.3)', () => {
    expect(readOptions(hex('03 03 0f 00')).out.tcpWscale).toBe(14);
    expect(readOptions(hex('03 03 0e 00')).out.tcpWscale).toBe(14);
    expect(readOptions(hex('03 03 00 00')).out.tcpWscale).toBe(0);
  });

  it('stops at EOL and skips NOPs', () => {
    const { out, ok } = readOptions(hex('01 01 00 02 04 05 b4'));
    expect(ok).toBe(true);
    expect(out.tcpMss).toBe(-1);
  });

  it('skips unknown kinds by their length (TFO cookie, kind 34)', () => {
    const { out, ok } = readOptions(hex('22 0a 0102030405060708 02 04 05 b4'));
    expect(ok).toBe(true);
    expect(out.tcpMss).toBe(1460);
  });

  it.each([
    ['a length below 2', hex('02 01 05 b4')],
    ['a length past the header', hex('02 08 05 b4')],
    ['a kind with no length byte', hex('01 01 01 02')],
    ['MSS with length 3', hex('02 03 05 01 01 01')],
    ['window scale with length 4', hex('03 04 07 07')],
    ['SACK-permitted with length 3', hex('04 03 00 01')],
    ['SACK with a partial block', hex('05 06 00000001 01 01')],
    ['timestamps with length 8', hex('08 08 0000000100000002')],
  ])('%s is decode.tcp_bad_option', (_name, opts) => {
    expect(readOptions(opts).ok).toBe(false);
    const r = decode(eth({}, ipv4({}, tcp({ options: opts, sport: 1, dport: 2 }))));
    expect(r.ok).toBe(true);
    expect(r.anomalies).toEqual(['decode.tcp_bad_option']);
  });

  it('keeps options read before a bad one', () => {
    const { out, ok } = readOptions(concat(hex('02 04 05 b4'), hex('08 03 00')));
    expect(ok).toBe(false);
    expect(out.tcpMss).toBe(1460);
  });
});

describe('TCP flag anomalies (the packet is kept)', () => {
  it.each([
    ['SF', ['decode.tcp_syn_fin']],
    ['SR', ['decode.tcp_syn_rst']],
    ['', ['decode.tcp_no_flags']],
    ['EC', ['decode.tcp_no_flags']],
    ['FPU', ['decode.tcp_xmas']],
    ['SA', []],
    ['FA', []],
    ['RA', []],
    ['PA', []],
  ])('flags %j raise %j', (flags, anomalies) => {
    const r = decode(eth({}, ipv4({}, tcp({ flags, sport: 1, dport: 2 }))));
    expect(r.ok).toBe(true);
    expect(r.anomalies).toEqual(anomalies);
  });

  it('port 0 raises decode.tcp_port_zero', () => {
    expect(decode(eth({}, ipv4({}, tcp({ sport: 0, dport: 80 })))).anomalies).toEqual(['decode.tcp_port_zero']);
    expect(decode(eth({}, ipv4({}, tcp({ sport: 80, dport: 0 })))).anomalies).toEqual(['decode.tcp_port_zero']);
  });
});

describe('TCP decoding', () => {
  it('finds the payload after the options', () => {
    const r = decode(
      eth({}, ipv4({}, tcp({ flags: 'PA', seq: 1000, ack: 2000, options: { timestamp: [5, 6] } }, 'GET / HTTP/1.1\r\n'))),
    );
    expect(r.ok).toBe(true);
    expect(r.p.tcpSeq).toBe(1000);
    expect(r.p.tcpAck).toBe(2000);
    expect(r.p.tcpHeaderLen).toBe(32);
    expect(payloadText(r.p)).toBe('GET / HTTP/1.1\r\n');
  });

  it('over IPv6 too', () => {
    const r = decode(
      ipv6({}, tcp({ sport: 443, dport: 51000, flags: 'SA', options: { mss: 1440, wscale: 8, sackPermitted: true } })),
      {
        linkType: LinkType.RAW,
      },
    );
    expect(r.ok).toBe(true);
    expect(r.p.tcpMss).toBe(1440);
    expect(r.p.tcpWscale).toBe(8);
  });

  it('a segment whose data offset runs past the segment keeps ports and flags (nmap probes)', () => {
    const seg = tcp({ sport: 43690, dport: 43690, flags: 'S', dataOffset: 40 });
    const r = decode(eth({}, ipv4({}, seg)));
    expect(r.ok).toBe(true);
    expect(r.p.srcPort).toBe(43690);
    expect(r.p.payloadLen).toBe(0);
    expect(r.anomalies).toEqual(['decode.tcp_bad_offset']);
  });

  it('a segment cut inside its options keeps the options before the cut and is truncated', () => {
    const pkt = eth({}, ipv4({}, tcp({ options: { mss: 1460, timestamp: [1, 2], wscale: 7 } }, 'abc')));
    const r = decode(pkt, { caplen: 14 + 20 + 20 + 6 });
    expect(r.ok).toBe(true);
    expect(r.p.tcpMss).toBe(1460);
    expect(r.p.tcpHasTimestamp).toBe(false);
    expect(r.p.payloadLen).toBe(0);
    expect(r.p.truncated).toBe(true);
    expect(r.anomalies).not.toContain('decode.tcp_bad_option');
  });

  it('the builder writes a correct checksum (pseudo-header sum verifies to 0)', () => {
    const pkt = ipv4({ src: '192.0.2.1', dst: '198.51.100.2' }, tcp({}, 'payload!'));
    const seg = pkt.subarray(20);
    const pseudo = concat(pkt.subarray(12, 20), [0, 6, 0, seg.length]);
    expect(internetChecksum(concat(pseudo, seg))).toBe(0);
  });
});
