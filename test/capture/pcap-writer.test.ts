import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { openCapture, openCaptureSync, readAllPackets } from '../../src/capture/reader.js';
import { encodeTicks, PcapngWriter, PcapWriter } from '../../src/capture/pcap-writer.js';
import type { PcapngReader } from '../../src/capture/pcapng-reader.js';
import { CORPUS_ABSENT } from '../support/corpus.js';
import { runTool, toolAbsent } from '../support/tools.js';
import { drain, drainSync, FIXTURES, HAVE_FIXTURES, mulberry32, payload, summary } from './helpers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'netsieve-writer-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function seededPackets(n: number, seed: number) {
  const rnd = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => ({
    data: payload(i, 1 + Math.floor(rnd() * 1600)),
    tsSec: 1_600_000_000 + Math.floor(rnd() * 100_000_000),
    tsNsec: Math.floor(rnd() * 1e9),
  }));
}

describe('classic pcap writer round trips', () => {
  for (const nanosecond of [false, true]) {
    for (const bigEndian of [false, true]) {
      it(`${nanosecond ? 'ns' : 'µs'} ${bigEndian ? 'big' : 'little'}-endian: the reader gets back bytes, lengths and (unit-truncated) timestamps`, () => {
        const pk = seededPackets(50, nanosecond ? 1 : 2);
        const w = new PcapWriter(undefined, { nanosecond, bigEndian, linkType: 113 });
        for (const p of pk) w.write(p.data, p.tsSec, p.tsNsec);
        const back = readAllPackets(w.toUint8Array());
        expect(back.length).toBe(50);
        back.forEach((b, i) => {
          const p = pk[i]!;
          expect([b.tsSec, b.tsNsec, b.caplen, b.origlen, b.linkType]).toEqual([
            p.tsSec,
            nanosecond ? p.tsNsec : Math.floor(p.tsNsec / 1000) * 1000,
            p.data.length,
            p.data.length,
            113,
          ]);
          expect(b.data).toEqual(p.data);
        });
      });
    }
  }

  it('snaplen cuts packets; origlen keeps the wire length', () => {
    const w = new PcapWriter(undefined, { snaplen: 64 });
    w.write(payload(1, 1514), 1, 0);
    w.write(payload(2, 30), 2, 0, 60);
    const r = openCaptureSync(w.toUint8Array());
    const back = readAllPackets(w.toUint8Array());
    expect(back.map((p) => [p.caplen, p.origlen])).toEqual([
      [64, 1514],
      [30, 60],
    ]);
    expect(back[0]!.data).toEqual(payload(1, 64));
    expect(r.linkType).toBe(1);
  });

  it('fcsLength is written into the link type field and read back', () => {
    const w = new PcapWriter(undefined, { fcsLength: 4, linkType: 1 });
    w.write(payload(1, 68), 1, 0);
    const r = openCaptureSync(w.toUint8Array());
    expect([r.linkType, r.fcsLength]).toEqual([1, 4]);
  });

  it('a timestamp that does not fit 32-bit seconds is NS_ERR_OUTPUT', () => {
    const w = new PcapWriter();
    expect(() => w.write(payload(1, 10), 2 ** 32, 0)).toThrow(expect.objectContaining({ code: 'NS_ERR_OUTPUT' }));
    expect(() => w.write(payload(1, 10), -1, 0)).toThrow(expect.objectContaining({ code: 'NS_ERR_OUTPUT' }));
  });

  it('writes to a file path (more than the 1 MiB write buffer) and the file reads back', async () => {
    const file = path.join(tmp, 'out.pcap');
    const w = new PcapWriter(file, { nanosecond: true });
    const pk = seededPackets(2000, 3);
    for (const p of pk) w.write(p.data, p.tsSec, p.tsNsec);
    await w.close();
    const back = readAllPackets(file);
    expect(back.map((p) => `${p.tsSec}.${p.tsNsec}`)).toEqual(pk.map((p) => `${p.tsSec}.${p.tsNsec}`));
  });

  it('libpcap (tcpdump) reads every packet of a file the writer wrote to a path', async (ctx) => {
    const file = path.join(tmp, 'out-tcpdump.pcap');
    const w = new PcapWriter(file, { nanosecond: true });
    for (const p of seededPackets(2000, 3)) w.write(p.data, p.tsSec, p.tsNsec);
    await w.close();
    // Only "not installed" skips; tcpdump rejecting the file throws (runTool) and fails the test.
    const r = runTool('tcpdump', ['-r', file, '-nn', '-q']);
    if (r.absent) return ctx.skip(toolAbsent('tcpdump'));
    expect(r.stdout.toString('utf8').trim().split('\n').length).toBe(2000);
  });

  it('writes to a stream (ended on close) and a reader on the other end gets the packets', async () => {
    const pass = new PassThrough();
    const reading = openCapture(pass).then(drain);
    const w = new PcapWriter(pass);
    for (let i = 0; i < 3000; i++) w.write(payload(i, 700), i, 0);
    await w.close();
    const { packets, error } = await reading;
    expect(error).toBeNull();
    expect(packets.length).toBe(3000);
    expect(packets[2999]!.data).toEqual(payload(2999, 700));
  });

  it('writePacket copies what a reader delivered: a fixture re-written is identical packet for packet', (ctx) => {
    if (!HAVE_FIXTURES) return ctx.skip(CORPUS_ABSENT);
    const src = path.join(FIXTURES, 'zeek_http-bro.org.pcap');
    const r = openCaptureSync(src);
    const w = new PcapWriter(undefined, { linkType: r.linkType, snaplen: 0 });
    while (r.pumpSync((p) => w.writePacket(p))) {
      // written by the callback
    }
    r.close();
    expect(readAllPackets(w.toUint8Array()).map(summary)).toEqual(readAllPackets(src).map(summary));
    expect(Buffer.from(w.toUint8Array()).subarray(24).equals(fs.readFileSync(src).subarray(24))).toBe(true);
  });

  it('use after close() is NS_ERR_STATE', async () => {
    const w = new PcapWriter();
    await w.close();
    expect(() => w.write(payload(1, 1), 0, 0)).toThrow(expect.objectContaining({ code: 'NS_ERR_STATE' }));
  });
});

describe('pcapng writer round trips', () => {
  for (const bigEndian of [false, true]) {
    it(`${bigEndian ? 'big' : 'little'}-endian, three interfaces with ns, µs and 2^-30 resolutions`, () => {
      const w = new PcapngWriter(undefined, {
        bigEndian,
        interfaces: [
          { linkType: 1, tsresol: 9 },
          { linkType: 113, tsresol: 6, name: 'any' },
          { linkType: 101, tsresol: 0x80 | 30 },
        ],
      });
      const pk = seededPackets(60, 4);
      pk.forEach((p, i) => {
        w.write(p.data, p.tsSec, p.tsNsec, p.data.length + 4, i % 3);
      });
      const r = openCaptureSync(w.toUint8Array()) as PcapngReader;
      const back = drainSync(r).packets;
      expect(r.interfaces.map((i) => [i.linkType, i.tsresol, i.name])).toEqual([
        [1, 9, null],
        [113, 6, 'any'],
        [101, 0x80 | 30, null],
      ]);
      back.forEach((b, i) => {
        const p = pk[i]!;
        const ifIndex = i % 3;
        // 2^-30 s ticks are ~0.93 ns: truncating to a tick and back to ns can lose one ns.
        const nsec =
          ifIndex === 0
            ? p.tsNsec
            : ifIndex === 1
              ? Math.floor(p.tsNsec / 1000) * 1000
              : Number((((BigInt(p.tsNsec) << 30n) / 1_000_000_000n) * 1_000_000_000n) >> 30n);
        expect([b.interfaceIndex, b.linkType, b.tsSec, b.tsNsec, b.caplen, b.origlen]).toEqual([
          ifIndex,
          [1, 113, 101][ifIndex],
          p.tsSec,
          nsec,
          p.data.length,
          p.data.length + 4,
        ]);
        expect(b.data).toEqual(p.data);
      });
    });
  }

  it('multiple sections: each new section describes its own interfaces', () => {
    const w = new PcapngWriter(undefined, { interfaces: [{ linkType: 1 }] });
    w.write(payload(1, 10), 1, 0);
    w.newSection({ interfaces: [{ linkType: 276 }, { linkType: 1 }] });
    w.write(payload(2, 10), 2, 0, undefined, 1);
    w.write(payload(3, 10), 3, 0);
    const r = openCaptureSync(w.toUint8Array()) as PcapngReader;
    const back = drainSync(r).packets;
    expect(back.map((p) => [p.tsSec, p.linkType, p.interfaceIndex])).toEqual([
      [1, 1, 0],
      [2, 1, 1],
      [3, 276, 0],
    ]);
    expect(r.sections).toBe(2);
    expect(() => w.write(payload(4, 1), 4, 0, undefined, 2)).toThrow(expect.objectContaining({ code: 'NS_ERR_OUTPUT' }));
  });

  it('tsOffset is written as if_tsoffset and the reader restores the original seconds', () => {
    const w = new PcapngWriter(undefined, { interfaces: [{ tsOffset: 1_700_000_000, tsresol: 9 }] });
    w.write(payload(1, 10), 1_700_000_123, 456);
    const [p] = readAllPackets(w.toUint8Array());
    expect([p!.tsSec, p!.tsNsec]).toEqual([1_700_000_123, 456]);
  });

  it('fcsLength is written as if_fcslen (bits) and read back in bytes', () => {
    const w = new PcapngWriter(undefined, { interfaces: [{ fcsLength: 4 }] });
    w.write(payload(1, 64), 1, 0);
    expect(readAllPackets(w.toUint8Array())[0]!.fcsLength).toBe(4);
  });

  it('libpcap (tcpdump) reads the writer output with the same timestamps', (ctx) => {
    const file = path.join(tmp, 'out.pcapng');
    const w = new PcapngWriter(undefined, { interfaces: [{ tsresol: 0x80 | 20 }] });
    const pk = seededPackets(20, 5);
    for (const p of pk) w.write(p.data, p.tsSec, p.tsNsec);
    fs.writeFileSync(file, w.toUint8Array());
    // Only "not installed" skips; tcpdump rejecting the file throws (runTool) and fails the test.
    const r = runTool('tcpdump', ['-r', file, '--time-stamp-precision=nano', '-w', '-']);
    if (r.absent) return ctx.skip(toolAbsent('tcpdump'));
    const converted = r.stdout;
    expect(readAllPackets(new Uint8Array(converted)).map((p) => `${p.tsSec}.${p.tsNsec}`)).toEqual(
      readAllPackets(file).map((p) => `${p.tsSec}.${p.tsNsec}`),
    );
  });

  it('encodeTicks truncates to the unit and handles decimal and binary resolutions', () => {
    expect(encodeTicks(1, 999_999_999, 6)).toBe(1_999_999n);
    expect(encodeTicks(1, 5, 9)).toBe(1_000_000_005n);
    expect(encodeTicks(2, 500_000_000, 0x80 | 1)).toBe(5n);
    expect(encodeTicks(1, 1, 12)).toBe(1_000_000_001_000n);
  });
});
