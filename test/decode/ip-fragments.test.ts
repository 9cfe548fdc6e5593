import { describe, expect, it } from 'vitest';
import { LinkType } from '../../src/capture/packet.js';
import { DECODE_ANOMALIES, DecodeAnomaly } from '../../src/decode/events.js';
import { FRAGMENT_DATAGRAM_OVERHEAD, FRAGMENT_PIECE_OVERHEAD } from '../../src/decode/ip-fragments.js';
import { DecodedPacket } from '../../src/decode/packet.js';
import {
  concat,
  eth,
  fragmentIpv4,
  fragmentIpv6,
  ipv4,
  ipv6,
  mulberry32,
  shuffled,
  tcp,
  udp,
  vxlan,
} from '../helpers/packets.js';
import { decode, makeDecoder, payloadText, type Decoded } from './harness.js';

const text = (n: number) => Array.from({ length: n }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
const BODY = text(3000);
const DGRAM4 = ipv4({ src: '10.0.0.1', dst: '10.0.0.2', id: 0x4242 }, udp({ sport: 5000, dport: 53 }, BODY));
const DGRAM6 = ipv6(
  { src: 'fd00::1', dst: 'fd00::2', ext: [{ type: 'hop' }, { type: 'dst' }] },
  udp({ sport: 5000, dport: 53 }, BODY),
);

type Decoder = ReturnType<typeof makeDecoder>;

function feed(d: Decoder, frags: Uint8Array[], ts = 1000): Decoded[] {
  return frags.map((f, i) => decode(eth({}, f), { decoder: d, tsSec: ts + i * 0.001 }));
}

function anomaliesOf(d: Decoder): string[] {
  const seen: string[] = [];
  d.onAnomaly = (c) => seen.push(DECODE_ANOMALIES[c]!);
  return seen;
}

describe('IPv4 reassembly', () => {
  const frags = fragmentIpv4(DGRAM4, 800);

  it('fragments in order: held until the last, then the whole datagram is decoded', () => {
    expect(frags).toHaveLength(4);
    const d = makeDecoder();
    const rs = feed(d, frags);
    for (const r of rs.slice(0, -1)) {
      expect(r.ok).toBe(false);
      expect(r.p.isFragment).toBe(true);
      expect(r.p.l4Offset).toBe(0);
      expect(r.p.ipProto).toBe(17);
      expect(r.layers).toEqual(['ethernet', 'ipv4', 'fragment']);
    }
    const last = rs.at(-1)!;
    expect(last.ok).toBe(true);
    expect(last.p.reassembled).toBe(true);
    expect(last.p.isFragment).toBe(false);
    expect(last.p.fragmentCount).toBe(4);
    expect(last.p.ipId).toBe(0x4242);
    expect(last.layers).toEqual(['ethernet', 'ipv4', 'fragment', 'udp']);
    expect(last.p.srcPort).toBe(5000);
    expect(payloadText(last.p)).toBe(BODY);
    expect(last.p.wireLen).toBe(frags.reduce((n, f) => n + f.length + 14, 0));
    expect(last.p.tsSec).toBeCloseTo(1000.003);
    expect(last.anomalies).toEqual([]);
    // The datagram is rebuilt whole: total length set, MF and offset cleared.
    const hdr = last.p.data;
    expect((hdr[2]! << 8) | hdr[3]!).toBe(DGRAM4.length);
    expect(hdr[6]! & 0x3f).toBe(0);
    expect(d.stats.fragments.reassembled).toBe(1);
    expect(d.stats.fragments.datagramsHeld).toBe(0);
    expect(d.stats.fragments.bytesHeld).toBe(0);
  });

  it('fragments in reverse order', () => {
    const rs = feed(makeDecoder(), frags.slice().reverse());
    expect(payloadText(rs.at(-1)!.p)).toBe(BODY);
  });

  it('fragments in 50 seeded random orders and sizes', () => {
    const rand = mulberry32(7);
    for (let n = 0; n < 50; n++) {
      // From 16 bytes: keeps the fragment count of this datagram well inside maxFragmentsPerDatagram.
      const size = 16 + Math.floor(rand() * 1400);
      const parts = shuffled(fragmentIpv4(DGRAM4, size), rand);
      const rs = feed(makeDecoder(), parts);
      expect(rs.filter((r) => r.ok)).toHaveLength(1);
      expect(payloadText(rs.at(-1)!.p)).toBe(BODY);
    }
  });

  it('two datagrams interleaved with the same id but other addresses do not mix', () => {
    const other = ipv4(
      { src: '10.0.0.9', dst: '10.0.0.2', id: 0x4242 },
      udp({ sport: 6000, dport: 53 }, text(2000).toUpperCase()),
    );
    const a = fragmentIpv4(DGRAM4, 1000);
    const b = fragmentIpv4(other, 1000);
    const d = makeDecoder();
    const rs = feed(d, [a[0]!, b[0]!, a[1]!, b[1]!, a[2]!, b[2]!, ...a.slice(3), ...b.slice(3)]);
    const done = rs.filter((r) => r.ok);
    expect(done.map((r) => r.p.srcPort).sort()).toEqual([5000, 6000]);
  });

  it('overlapping fragments with the same data raise decode.frag_overlap', () => {
    const rs = feed(makeDecoder(), [frags[0]!, frags[1]!, frags[1]!, frags[2]!, frags[3]!]);
    expect(rs[2]!.anomalies).toEqual(['decode.frag_overlap']);
    expect(payloadText(rs.at(-1)!.p)).toBe(BODY);
  });

  it('overlapping fragments with other data raise frag_overlap_different_data; the first bytes win', () => {
    const evil = frags[1]!.slice();
    evil.fill(0x58, 20); // 'X' over the fragment's data
    // Re-checksum is not needed: checksums are not verified.
    const first = feed(makeDecoder(), [frags[0]!, frags[1]!, evil, frags[2]!, frags[3]!]);
    expect(first[2]!.anomalies).toEqual(['decode.frag_overlap', 'decode.frag_overlap_different_data']);
    expect(payloadText(first.at(-1)!.p)).toBe(BODY);
    const evilFirst = feed(makeDecoder(), [frags[0]!, evil, frags[1]!, frags[2]!, frags[3]!]);
    const got = payloadText(evilFirst.at(-1)!.p);
    expect(got.slice(800 - 8, 1600 - 8)).toBe('X'.repeat(800));
  });

  it('a fragment overlapping two held fragments fills only the hole between them', () => {
    const rand = mulberry32(3);
    const small = fragmentIpv4(DGRAM4, 400); // 8 fragments of 400 bytes
    const big = fragmentIpv4(DGRAM4, 1600); // covers two-plus of them at once
    const order = [small[0]!, small[2]!, big[0]!, ...shuffled(small.slice(1), rand)];
    const rs = feed(makeDecoder(), order);
    expect(rs[2]!.anomalies).toContain('decode.frag_overlap');
    expect(rs[2]!.anomalies).not.toContain('decode.frag_overlap_different_data');
    expect(payloadText(rs.find((r) => r.ok)!.p)).toBe(BODY);
  });

  it('a non-last fragment whose length is not a multiple of 8 raises decode.frag_bad_offset and is dropped', () => {
    const odd = ipv4({ id: 9, mf: true, proto: 17 }, new Uint8Array(13));
    const r = decode(eth({}, odd));
    expect(r.ok).toBe(false);
    expect(r.p.isFragment).toBe(true);
    expect(r.anomalies).toEqual(['decode.frag_bad_offset']);
  });

  it('a datagram growing past 65535 bytes raises decode.frag_too_large (ping of death)', () => {
    const d = makeDecoder();
    feed(d, [frags[0]!]);
    const tail = ipv4({ src: '10.0.0.1', dst: '10.0.0.2', id: 0x4242, proto: 17, fragOffset: 65528 }, new Uint8Array(100));
    const r = decode(eth({}, tail), { decoder: d });
    expect(r.anomalies).toEqual(['decode.frag_too_large']);
    expect(d.stats.fragments.datagramsHeld).toBe(0);
  });

  it('data past the end the last fragment stated raises decode.frag_beyond_end and is ignored', () => {
    const d = makeDecoder();
    // A last fragment (M clear) ending at 1600, then data at 1600-2400 arrives: past the end.
    const shortLast = ipv4({ src: '10.0.0.1', dst: '10.0.0.2', id: 0x4242, proto: 17, fragOffset: 800 }, frags[1]!.subarray(20));
    const rs = feed(d, [shortLast, frags[2]!, frags[0]!]);
    expect(rs[1]!.anomalies).toEqual(['decode.frag_beyond_end']);
    expect(rs[2]!.ok).toBe(true);
    expect(rs[2]!.p.l4Len).toBe(1600);
  });

  it('a last fragment ending before data already held trims it (decode.frag_beyond_end)', () => {
    const d = makeDecoder();
    const shortLast = ipv4({ src: '10.0.0.1', dst: '10.0.0.2', id: 0x4242, proto: 17, fragOffset: 800 }, frags[1]!.subarray(20));
    const rs = feed(d, [frags[2]!, shortLast, frags[0]!]);
    expect(rs[1]!.anomalies).toEqual(['decode.frag_beyond_end']);
    expect(rs[2]!.ok).toBe(true);
    expect(rs[2]!.p.l4Len).toBe(1600);
    expect(d.stats.fragments.bytesHeld).toBe(0);
  });

  it('more fragments than maxFragmentsPerDatagram drop the datagram (decode.frag_too_many_fragments)', () => {
    const d = makeDecoder({}, { maxFragmentsPerDatagram: 3 });
    const rs = feed(d, frags);
    expect(rs[3]!.anomalies).toEqual(['decode.frag_too_many_fragments']);
    expect(rs.every((r) => !r.ok)).toBe(true);
    expect(d.stats.fragments.dropped).toBe(1);
  });

  it('a fragment cut by the snaplen is not placed', () => {
    const d = makeDecoder();
    const r = decode(eth({}, frags[0]!), { decoder: d, caplen: 100, wireLen: frags[0]!.length + 14 });
    expect(r.p.isFragment).toBe(true);
    expect(r.p.truncated).toBe(true);
    expect(d.stats.fragments.fragments).toBe(0);
  });

  it('an inner datagram fragmented inside VXLAN is reassembled with its tunnel fields', () => {
    const d = makeDecoder();
    const wrap = (f: Uint8Array) =>
      eth({}, ipv4({ src: '172.16.0.1', dst: '172.16.0.2' }, udp({ dport: 4789 }, vxlan({ vni: 77 }, eth({}, f)))));
    const rs = frags.map((f) => decode(wrap(f), { decoder: d }));
    const last = rs.at(-1)!;
    expect(last.ok).toBe(true);
    expect(last.p.tunnelId).toBe(77);
    expect(last.p.tunnelDepth).toBe(1);
    expect(payloadText(last.p)).toBe(BODY);
  });

  it('a fragmented VXLAN datagram is reassembled, then decapsulated', () => {
    const inner = eth({}, ipv4({ src: '192.168.5.5', dst: '192.168.5.6' }, tcp({ sport: 80, dport: 50000 }, text(2500))));
    const outer = ipv4({ src: '172.16.0.1', dst: '172.16.0.2', id: 5 }, udp({ dport: 4789 }, vxlan({ vni: 12 }, inner)));
    const rs = feed(makeDecoder(), fragmentIpv4(outer, 1000));
    const last = rs.at(-1)!;
    expect(last.ok).toBe(true);
    expect(last.p.reassembled).toBe(true);
    expect(last.p.tunnelId).toBe(12);
    expect(last.src).toBe('192.168.5.5');
    expect(payloadText(last.p)).toBe(text(2500));
  });

  it('the reassembly buffer is reused and large datagrams (64 KiB) complete', () => {
    const d = makeDecoder();
    const big = ipv4({ id: 1 }, udp({}, new Uint8Array(65507)));
    const rs = feed(d, fragmentIpv4(big, 1480));
    expect(rs.at(-1)!.ok).toBe(true);
    expect(rs.at(-1)!.p.payloadLen).toBe(65507);
    const again = feed(d, fragmentIpv4(ipv4({ id: 2 }, udp({}, 'small one')), 8));
    expect(payloadText(again.at(-1)!.p)).toBe('small one');
    expect(again.at(-1)!.p.data).toBe(rs.at(-1)!.p.data);
  });
});

describe('IPv6 reassembly', () => {
  const frags = fragmentIpv6(DGRAM6, 1000, 0xabcdef);

  it('fragments with a hop-by-hop header before and destination options after the fragment header', () => {
    expect(frags).toHaveLength(4);
    const d = makeDecoder();
    const rs = feed(d, shuffled(frags, mulberry32(1)));
    for (const r of rs.slice(0, -1)) {
      expect(r.ok).toBe(false);
      expect(r.p.isFragment).toBe(true);
      expect(r.p.ipId).toBe(0xabcdef);
      expect(r.p.ipProto).toBe(60);
    }
    const last = rs.at(-1)!;
    expect(last.ok).toBe(true);
    expect(last.p.reassembled).toBe(true);
    expect(last.p.ipId).toBe(0xabcdef);
    expect(last.layers).toEqual(['ethernet', 'ipv6', 'fragment', 'ipv6_ext', 'ipv6_ext', 'udp']);
    expect(last.p.ipProto).toBe(17);
    expect(payloadText(last.p)).toBe(BODY);
    // Rebuilt without the fragment header: payload length and the hop-by-hop Next Header restored.
    expect((last.p.data[4]! << 8) | last.p.data[5]!).toBe(DGRAM6.length - 40);
    expect(last.p.data[40]).toBe(60);
  });

  it('20 seeded random orders and sizes', () => {
    const rand = mulberry32(11);
    for (let n = 0; n < 20; n++) {
      const parts = shuffled(fragmentIpv6(DGRAM6, 16 + Math.floor(rand() * 1200), n), rand);
      const rs = feed(makeDecoder(), parts);
      expect(payloadText(rs.at(-1)!.p)).toBe(BODY);
    }
  });

  it('fragments without other extension headers', () => {
    const plain = ipv6({}, tcp({ sport: 1, dport: 2 }, BODY));
    const rs = feed(makeDecoder(), fragmentIpv6(plain, 1232).reverse());
    expect(rs.at(-1)!.layers).toEqual(['ethernet', 'ipv6', 'fragment', 'tcp']);
    expect(payloadText(rs.at(-1)!.p)).toBe(BODY);
  });

  it('overlap with different data raises both overlap anomalies', () => {
    const evil = frags[1]!.slice();
    evil.fill(0x21, 48 + 8);
    const rs = feed(makeDecoder(), [frags[0]!, frags[1]!, evil, frags[2]!, frags[3]!]);
    expect(rs[2]!.anomalies).toEqual(['decode.frag_overlap', 'decode.frag_overlap_different_data']);
    expect(payloadText(rs.at(-1)!.p)).toBe(BODY);
  });

  it('a datagram growing past 65535 bytes of payload raises decode.frag_too_large', () => {
    const d = makeDecoder();
    const far = ipv6({ ext: [{ type: 'fragment', offset: 65528, more: true, id: 3 }], proto: 17 }, new Uint8Array(16));
    const r = decode(far, { decoder: d, linkType: LinkType.RAW });
    expect(r.anomalies).toEqual(['decode.frag_too_large']);
  });

  it('IPv4 and IPv6 datagrams with the same id never mix', () => {
    const d = makeDecoder();
    const f4 = fragmentIpv4(ipv4({ id: 0x1234 }, udp({ sport: 4 }, BODY)), 1000);
    const f6 = fragmentIpv6(ipv6({}, udp({ sport: 6 }, BODY)), 1000, 0x1234);
    const rs = feed(d, [f4[0]!, f6[0]!, f4[1]!, f6[1]!, f4[2]!, f6[2]!, ...f4.slice(3), ...f6.slice(3)]);
    expect(
      rs
        .filter((r) => r.ok)
        .map((r) => r.p.srcPort)
        .sort(),
    ).toEqual([4, 6]);
  });
});

describe('fragment table bounds', () => {
  const first = (id: number, src = '10.0.0.1') => ipv4({ src, dst: '10.0.0.2', id, proto: 17, mf: true }, new Uint8Array(64));

  it('expire() drops datagrams whose first fragment is older than the timeout (decode.frag_timeout)', () => {
    const d = makeDecoder({}, { timeout: 30 });
    const seen = anomaliesOf(d);
    decode(eth({}, first(1)), { decoder: d, tsSec: 100 });
    decode(eth({}, first(2)), { decoder: d, tsSec: 110 });
    expect(d.expire(129)).toBe(0);
    expect(d.expire(130)).toBe(1);
    expect(seen).toEqual(['decode.frag_timeout']);
    expect(d.stats.fragments.datagramsHeld).toBe(1);
    expect(d.expire(1e9)).toBe(1);
    expect(d.stats.fragments.timedOut).toBe(2);
    expect(d.stats.fragments.bytesHeld).toBe(0);
    expect(d.stats.anomalies[DecodeAnomaly.frag_timeout]).toBe(2);
  });

  it('a fragment arriving after its datagram timed out starts a new datagram', () => {
    const d = makeDecoder({}, { timeout: 30 });
    const seen = anomaliesOf(d);
    const frags = fragmentIpv4(DGRAM4, 1000);
    decode(eth({}, frags[0]!), { decoder: d, tsSec: 0 });
    const rs = frags.slice(1).map((f) => decode(eth({}, f), { decoder: d, tsSec: 31 }));
    expect(rs.every((r) => !r.ok)).toBe(true);
    expect(seen).toEqual(['decode.frag_timeout']);
  });

  it('a new datagram beyond maxDatagrams drops the oldest (decode.frag_table_full)', () => {
    const d = makeDecoder({}, { maxDatagrams: 4 });
    const seen = anomaliesOf(d);
    const dgrams = [1, 2, 3, 4, 5].map((id) => fragmentIpv4(ipv4({ id }, udp({}, BODY)), 1000));
    for (const fs of dgrams) decode(eth({}, fs[0]!), { decoder: d });
    expect(seen).toEqual(['decode.frag_table_full']);
    expect(d.stats.fragments.datagramsHeld).toBe(4);
    // The oldest (id 1) is gone: its other fragments no longer complete it; id 5 still completes.
    expect(feed(d, dgrams[0]!.slice(1)).some((r) => r.ok)).toBe(false);
    expect(feed(d, dgrams[4]!.slice(1)).some((r) => r.ok)).toBe(true);
  });

  it('bytes held never exceed the memcap; the oldest datagrams make room (decode.frag_memory_full)', () => {
    const memcap = 4 * (FRAGMENT_DATAGRAM_OVERHEAD + 2 * FRAGMENT_PIECE_OVERHEAD + 20 + 1000 + 64);
    const d = makeDecoder({}, { memcap });
    const seen = anomaliesOf(d);
    for (let id = 1; id <= 20; id++) {
      decode(eth({}, fragmentIpv4(ipv4({ id }, udp({}, BODY)), 1000)[0]!), { decoder: d });
      expect(d.stats.fragments.bytesHeld).toBeLessThanOrEqual(memcap);
    }
    expect(seen.filter((s) => s === 'decode.frag_memory_full').length).toBeGreaterThan(0);
  });

  it('a fragment that cannot fit even alone raises decode.frag_memory_full on the packet', () => {
    const d = makeDecoder({}, { memcap: 500 });
    const r = decode(eth({}, fragmentIpv4(DGRAM4, 1000)[0]!), { decoder: d });
    expect(r.anomalies).toEqual(['decode.frag_memory_full']);
    expect(d.stats.fragments.bytesHeld).toBe(0);
  });

  it('a flood of 100k distinct fragment ids stays within the table and memory caps', () => {
    const memcap = 1 << 20;
    const d = makeDecoder({}, { memcap, maxDatagrams: 4096 });
    let reported = 0;
    d.onAnomaly = () => reported++;
    const out = new DecodedPacket();
    const frame = eth({}, first(0));
    const idAt = 14 + 4;
    const srcAt = 14 + 12;
    let peak = 0;
    for (let i = 0; i < 100_000; i++) {
      frame[idAt] = (i >>> 8) & 0xff;
      frame[idAt + 1] = i & 0xff;
      frame[srcAt + 3] = (i >>> 16) & 0xff;
      d.decode(frame, 0, frame.length, frame.length, 1, 1000 + i / 1000, 0, out);
      if (d.stats.fragments.bytesHeld > peak) peak = d.stats.fragments.bytesHeld;
    }
    expect(peak).toBeLessThanOrEqual(memcap);
    expect(d.stats.fragments.datagramsHeld).toBeLessThanOrEqual(4096);
    expect(d.stats.fragments.fragments).toBe(100_000);
    expect(reported).toBeGreaterThan(90_000);
    expect(d.stats.fragments.dropped + d.stats.fragments.datagramsHeld).toBe(100_000);
  });

  it('a decoder that never sees expire() still holds no more than its caps', () => {
    const d = makeDecoder({}, { maxDatagrams: 16 });
    for (let id = 0; id < 1000; id++) decode(eth({}, first(id)), { decoder: d });
    expect(d.stats.fragments.datagramsHeld).toBe(16);
  });
});

describe('fragment helpers', () => {
  it('fragmentIpv4 keeps only copied options after the first fragment (RFC 791 §3.1)', () => {
    const withOpts = ipv4({ id: 3, options: concat([0x07, 7, 4, 0, 0, 0, 0], [0x94, 4, 0, 0]) }, udp({}, BODY));
    const fs = fragmentIpv4(withOpts, 1000);
    expect((fs[0]![0]! & 0x0f) * 4).toBe(32);
    expect((fs[1]![0]! & 0x0f) * 4).toBe(24);
    const rs = feed(makeDecoder(), fs);
    expect(payloadText(rs.at(-1)!.p)).toBe(BODY);
  });
});

describe('fragment edge cases', () => {
  it('a first fragment with long options can push the whole past 65535 even when no fragment alone does', () => {
    const d = makeDecoder();
    const opts = new Uint8Array(40).fill(1); // 40 bytes of NOPs: a 60-byte header on the first fragment only
    const first = ipv4({ id: 5, mf: true, proto: 17, options: opts }, new Uint8Array(8));
    const last = ipv4({ id: 5, proto: 17, fragOffset: 65480 }, new Uint8Array(32)); // 20 + 65480 + 32 = 65532
    const middle = (off: number) =>
      ipv4({ id: 5, proto: 17, mf: true, fragOffset: off }, new Uint8Array(Math.min(65472, 65480 - off)));
    const rs = feed(d, [first, middle(8), last]);
    expect(rs.at(-1)!.anomalies).toEqual(['decode.frag_too_large']);
    expect(rs.some((r) => r.ok)).toBe(false);
    expect(d.stats.fragments.bytesHeld).toBe(0);
  });
});
