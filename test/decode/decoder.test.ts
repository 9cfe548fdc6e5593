import { beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { LinkType } from '../../src/capture/packet.js';
import { Decoder, MAX_DECODE_STEPS } from '../../src/decode/decoder.js';
import { DecodeAnomaly } from '../../src/decode/events.js';
import { DecodedPacket, Layer } from '../../src/decode/packet.js';
import { defaultOptions } from '../../src/options.js';
import { eth, ipv4, ipv6, mpls, tcp, udp, mulberry32, vxlan } from '../helpers/packets.js';
import { FIXTURE_DIR, readCapture } from '../helpers/pcap.js';
import { corpusFiles, corpusPresent } from '../support/corpus.js';
import { corpus, fragmentTrains } from './corpus.js';
import { decode, describePacket, makeDecoder, payloadText } from './harness.js';

describe('Decoder.decode', () => {
  it('decodes a packet at an offset inside a larger buffer', () => {
    const pkt = eth({}, ipv4({}, tcp({ sport: 1, dport: 2 }, 'abc')));
    const buf = new Uint8Array(pkt.length + 100);
    buf.set(pkt, 37);
    const d = makeDecoder();
    const out = new DecodedPacket();
    expect(d.decode(buf, 37, pkt.length, pkt.length, LinkType.ETHERNET, 5, 6, out)).toBe(true);
    expect(out.start).toBe(37);
    expect(out.end).toBe(37 + pkt.length);
    expect(out.l3Offset).toBe(37 + 14);
    expect(payloadText(out)).toBe('abc');
    expect(out.tsSec).toBe(5);
    expect(out.tsNsec).toBe(6);
  });

  it('resets every field between packets (a reused struct never leaks)', () => {
    const d = makeDecoder();
    const out = new DecodedPacket();
    const tunnelled = eth(
      { vlan: [9] },
      ipv4({}, udp({ dport: 4789 }, vxlan({ vni: 3 }, eth({}, ipv4({}, tcp({ options: { mss: 1000 } })))))),
    );
    d.decode(tunnelled, 0, tunnelled.length, tunnelled.length, 1, 0, 0, out);
    expect(out.tunnelDepth).toBe(1);
    const plain = eth({}, ipv6({}, udp({})));
    d.decode(plain, 0, plain.length, plain.length, 1, 0, 0, out);
    const fresh = new DecodedPacket();
    d.decode(plain, 0, plain.length, plain.length, 1, 0, 0, fresh);
    for (const key of Object.keys(fresh) as (keyof DecodedPacket)[]) {
      const a = out[key];
      const b = fresh[key];
      if (ArrayBuffer.isView(a)) continue;
      expect([key, a]).toEqual([key, b]);
    }
    expect(out.tcpMss).toBe(-1);
    expect(out.vlanCount).toBe(0);
    expect(out.tunnelId).toBe(0);
  });

  it('an unknown link type raises decode.unknown_linktype', () => {
    const r = decode(new Uint8Array(40), { linkType: 147 });
    expect(r.ok).toBe(false);
    expect(r.anomalies).toEqual(['decode.unknown_linktype']);
  });

  it.each([LinkType.RAW, 12, 14])('raw IP (link type %i) reads the version from the first nibble', (linkType) => {
    expect(decode(ipv4({}, tcp({})), { linkType }).layers).toEqual(['ipv4', 'tcp']);
    expect(decode(ipv6({}, tcp({})), { linkType }).layers).toEqual(['ipv6', 'tcp']);
  });

  it('raw IP with a first nibble other than 4 or 6 raises decode.raw_unknown_version', () => {
    expect(decode(new Uint8Array([0x50, 0, 0, 0]), { linkType: LinkType.RAW }).anomalies).toEqual(['decode.raw_unknown_version']);
  });

  it('LINKTYPE_IPV4 carrying IPv6 raises decode.ipv4_bad_version', () => {
    expect(decode(ipv6({}, tcp({})), { linkType: LinkType.IPV4 }).anomalies).toEqual(['decode.ipv4_bad_version']);
  });

  it('an empty packet is an anomaly, not an exception', () => {
    for (const linkType of [
      LinkType.ETHERNET,
      LinkType.RAW,
      LinkType.NULL,
      LinkType.LINUX_SLL,
      LinkType.LINUX_SLL2,
      LinkType.IPV6,
    ]) {
      const r = decode(new Uint8Array(0), { linkType });
      expect(r.ok).toBe(false);
      expect(r.anomalies.length).toBe(1);
    }
  });

  it('offsets and lengths outside the buffer are clamped, never read past it', () => {
    const pkt = eth({}, ipv4({}, tcp({})));
    const d = makeDecoder();
    const out = new DecodedPacket();
    expect(() => d.decode(pkt, 0, 10_000, 10_000, 1, 0, 0, out)).not.toThrow();
    expect(out.end).toBe(pkt.length);
    expect(() => d.decode(pkt, 5000, 10, 10, 1, 0, 0, out)).not.toThrow();
    expect(() => d.decode(pkt, -3, Number.NaN, 0, 1, 0, 0, out)).not.toThrow();
    expect(d.stats.anomalies[DecodeAnomaly.internal_error]).toBe(0);
  });

  it('MPLS pseudowires nested without end stop at the step cap', () => {
    let frame: Uint8Array = eth({}, ipv4({}, tcp({})));
    for (let i = 0; i < MAX_DECODE_STEPS; i++) frame = eth({}, mpls([i], frame, { controlWord: true }));
    const r = decode(frame);
    expect(r.ok).toBe(false);
    expect(r.anomalies).toContain('decode.too_many_layers');
  });

  it('counts packets, layers, anomalies and truncation in stats', () => {
    const d = makeDecoder();
    decode(eth({}, ipv4({}, tcp({ flags: 'SF' }))), { decoder: d });
    decode(eth({}, ipv4({}, udp({}, 'abcdef'))), { decoder: d, caplen: 44, wireLen: 48 });
    decode(new Uint8Array(3), { decoder: d });
    expect(d.stats.packets).toBe(3);
    expect(d.stats.ipPackets).toBe(2);
    expect(d.stats.truncated).toBe(1);
    expect(d.stats.layers[Layer.ETHERNET]).toBe(2);
    expect(d.stats.layers[Layer.TCP]).toBe(1);
    expect(d.stats.layers[Layer.UDP]).toBe(1);
    expect(d.stats.anomalies[DecodeAnomaly.tcp_syn_fin]).toBe(1);
    expect(d.stats.anomalies[DecodeAnomaly.ethernet_too_short]).toBe(1);
  });
});

describe('truncation at every byte length', () => {
  for (const c of corpus()) {
    it(`${c.name}: every cut decodes the headers fully present, marks truncated, never throws`, () => {
      const d = makeDecoder();
      const full = decode(c.bytes, { linkType: c.linkType, decoder: d });
      expect(full.ok).toBe(true);
      expect(full.p.truncated).toBe(false);
      expect(full.layers).toEqual(c.layers.map(([name]) => name));
      for (let cut = 0; cut < c.bytes.length; cut++) {
        const r = decode(c.bytes, { linkType: c.linkType, decoder: d, caplen: cut, wireLen: c.bytes.length });
        const expected = c.layers.filter(([, need]) => cut >= need).map(([name]) => name);
        expect([cut, r.layers]).toEqual([cut, expected]);
        expect([cut, r.p.truncated]).toEqual([cut, true]);
        expect(r.anomalies).toContain('decode.truncated');
        const transportNeed = c.layers.at(-1)![1];
        expect([cut, r.ok]).toEqual([cut, cut >= transportNeed]);
        if (r.ok) expect(r.p.payloadOffset + r.p.payloadLen).toBeLessThanOrEqual(cut);
      }
      expect(d.stats.anomalies[DecodeAnomaly.internal_error]).toBe(0);
    });
  }
});

describe('seeded fuzzing', () => {
  function realPackets(): { bytes: Uint8Array; linkType: number }[] {
    const out: { bytes: Uint8Array; linkType: number }[] = [];
    for (const f of corpusFiles()) {
      const recs = readCapture(path.join(FIXTURE_DIR, f));
      // A spread of each capture: the first packets (handshakes, odd ones) and a sample of the rest.
      for (let i = 0; i < recs.length; i += i < 8 ? 1 : Math.max(1, Math.floor(recs.length / 6))) {
        out.push({ bytes: recs[i]!.data.slice(), linkType: recs[i]!.linkType });
      }
    }
    return out;
  }

  // Filled in beforeAll: the real packets come from the shared corpus, which is never read at collection.
  let seeds: { bytes: Uint8Array; linkType: number }[] = [];
  let realSeeds = 0;
  beforeAll(() => {
    const real = realPackets();
    realSeeds = real.length;
    seeds = [
      ...corpus().map((c) => ({ bytes: c.bytes, linkType: c.linkType })),
      ...fragmentTrains()
        .flat()
        .map((bytes) => ({ bytes, linkType: LinkType.ETHERNET })),
      ...real,
    ];
  });

  // Without the corpus the fuzz below runs on built packets only; this says so as a skip.
  it.skipIf(!corpusPresent)('the seeds include real packets of the shared corpus', () => {
    expect(realSeeds).toBeGreaterThan(500);
  });
  const LINK_TYPES = [
    LinkType.ETHERNET,
    LinkType.RAW,
    LinkType.NULL,
    LinkType.LOOP,
    LinkType.LINUX_SLL,
    LinkType.LINUX_SLL2,
    LinkType.IPV4,
    LinkType.IPV6,
    12,
    14,
    999,
  ];
  const INTERESTING = [0, 1, 2, 4, 5, 6, 8, 0x0f, 0x11, 0x3a, 0x40, 0x45, 0x60, 0x7f, 0x80, 0x81, 0x86, 0x88, 0xdd, 0xfe, 0xff];

  function mutate(src: Uint8Array, rand: () => number): Uint8Array {
    let b = src.slice();
    const n = 1 + Math.floor(rand() * 4);
    for (let k = 0; k < n; k++) {
      const at = Math.floor(rand() * Math.max(1, b.length));
      switch (Math.floor(rand() * 6)) {
        case 0:
          if (b.length > 0) b[at] = Math.floor(rand() * 256);
          break;
        case 1:
          if (b.length > 0) b[at]! ^= 1 << Math.floor(rand() * 8);
          break;
        case 2:
          if (b.length > 0) b[at] = INTERESTING[Math.floor(rand() * INTERESTING.length)]!;
          break;
        case 3:
          b = b.slice(0, at);
          break;
        case 4: {
          const len = Math.floor(rand() * 16);
          const grown = new Uint8Array(b.length + len);
          grown.set(b.subarray(0, at));
          grown.set(b.subarray(at), at + len);
          for (let i = 0; i < len; i++) grown[at + i] = Math.floor(rand() * 256);
          b = grown;
          break;
        }
        case 5:
          // Length-like 16-bit fields at extremes.
          if (at + 1 < b.length) {
            const v = rand() < 0.5 ? 0 : 0xffff;
            b[at] = v >> 8;
            b[at + 1] = v & 0xff;
          }
          break;
      }
    }
    return b;
  }

  it('built and real seeds, 30000 mutations: no exception, no internal error, bounded fragment state', () => {
    expect(seeds.length).toBeGreaterThan(20);
    const rand = mulberry32(0x5eed);
    const d = new Decoder({ decode: defaultOptions().decode, fragments: { ...defaultOptions().fragments, memcap: 1 << 20 } });
    const out = new DecodedPacket();
    for (let i = 0; i < 30_000; i++) {
      const seed = seeds[Math.floor(rand() * seeds.length)]!;
      const bytes = mutate(seed.bytes, rand);
      const linkType = rand() < 0.9 ? seed.linkType : LINK_TYPES[Math.floor(rand() * LINK_TYPES.length)]!;
      const caplen = rand() < 0.8 ? bytes.length : Math.floor(rand() * (bytes.length + 1));
      const wireLen = rand() < 0.8 ? bytes.length : Math.floor(rand() * 70000);
      const ok = d.decode(bytes, 0, caplen, wireLen, linkType, i / 100, 0, out);
      // Whatever it decoded stays inside the bytes it was given.
      if (ok && !out.reassembled) {
        expect(out.payloadOffset + out.payloadLen).toBeLessThanOrEqual(caplen);
        expect(out.payloadLen).toBeGreaterThanOrEqual(0);
      }
      if (i % 1000 === 0) d.expire(i / 100);
    }
    expect(d.stats.anomalies[DecodeAnomaly.internal_error]).toBe(0);
    expect(d.stats.fragments.bytesHeld).toBeLessThanOrEqual(1 << 20);
    expect(d.stats.packets).toBe(30_000);
  });

  it('5000 random buffers on every link type: no exception, no internal error', () => {
    const rand = mulberry32(42);
    const d = makeDecoder();
    const out = new DecodedPacket();
    for (let i = 0; i < 5000; i++) {
      const bytes = new Uint8Array(Math.floor(rand() * 200));
      for (let k = 0; k < bytes.length; k++) bytes[k] = Math.floor(rand() * 256);
      // Make a fair share look like IP so deeper code is reached.
      if (bytes.length > 0 && rand() < 0.5) bytes[0] = rand() < 0.5 ? 0x45 : 0x60;
      const linkType = LINK_TYPES[i % LINK_TYPES.length]!;
      d.decode(bytes, 0, bytes.length, bytes.length, linkType, 0, 0, out);
      describePacket(false, out);
    }
    expect(d.stats.anomalies[DecodeAnomaly.internal_error]).toBe(0);
  });
});

describe('onAnomaly', () => {
  it('is called for anomalies about held datagrams, after decode() returns, and its exceptions are the caller’s', () => {
    const d = makeDecoder({}, { maxDatagrams: 1 });
    const first = (id: number) => eth({}, ipv4({ id, mf: true, proto: 17 }, new Uint8Array(16)));
    decode(first(1), { decoder: d });
    const seen: number[] = [];
    d.onAnomaly = (code) => seen.push(code);
    decode(first(2), { decoder: d });
    expect(seen).toEqual([DecodeAnomaly.frag_table_full]);
    d.onAnomaly = () => {
      throw new Error('consumer bug');
    };
    expect(() => decode(first(3), { decoder: d })).toThrow('consumer bug');
    expect(d.stats.anomalies[DecodeAnomaly.internal_error]).toBe(0);
    d.onAnomaly = null;
    expect(decode(first(4), { decoder: d }).ok).toBe(false);
    expect(d.stats.anomalies[DecodeAnomaly.frag_table_full]).toBe(3);
  });
});
