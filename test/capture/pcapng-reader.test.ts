import { describe, expect, it } from 'vitest';
import { captureAnomalyCounts } from '../../src/capture/events.js';
import { openCaptureSync, readAllPackets } from '../../src/capture/reader.js';
import type { PcapngReader } from '../../src/capture/pcapng-reader.js';
import { block, concat, drainSync, epb, i64, idb, mulberry32, opb, payload, shb, spb, u8 } from './helpers.js';

const US = (sec: number, usec: number) => BigInt(sec) * 1_000_000n + BigInt(usec);

describe('pcapng sections, interfaces and packet blocks', () => {
  for (const le of [true, false]) {
    const order = le ? 'little-endian' : 'big-endian';
    it(`${order} SHB + IDB + EPBs with the default 10^-6 resolution`, () => {
      const bytes = concat(
        shb(le),
        idb(le, 1, 65535),
        epb(le, 0, US(1_700_000_000, 123_456), payload(1, 60)),
        epb(le, 0, US(1_700_000_001, 999_999), payload(2, 1514)),
      );
      const r = openCaptureSync(bytes);
      expect(r.format).toBe('pcapng');
      expect(r.linkType).toBe(1);
      const { packets, error } = drainSync(r);
      expect(error).toBeNull();
      expect(packets.map((p) => [p.tsSec, p.tsNsec, p.caplen, p.origlen, p.linkType, p.interfaceIndex])).toEqual([
        [1_700_000_000, 123_456_000, 60, 60, 1, 0],
        [1_700_000_001, 999_999_000, 1514, 1514, 1, 0],
      ]);
      expect(packets[1]!.data).toEqual(payload(2, 1514));
      expect(packets[0]!.fileOffset).toBe(28 + 20);
    });
  }

  it('several sections: each resets the interface list, and the byte order may change between them', () => {
    const bytes = concat(
      shb(true),
      idb(true, 1, 0),
      idb(true, 113, 0),
      epb(true, 1, US(1, 0), payload(1, 20)),
      shb(false),
      idb(false, 101, 0),
      epb(false, 0, US(2, 0), payload(2, 30)),
      // Interface 1 existed only in the first section: refused here.
      epb(false, 1, US(3, 0), payload(3, 30)),
      shb(true),
      idb(true, 276, 0),
      epb(true, 0, US(4, 0), payload(4, 40)),
    );
    const r = openCaptureSync(bytes) as PcapngReader;
    const { packets, error } = drainSync(r);
    expect(error).toBeNull();
    expect(packets.map((p) => [p.tsSec, p.linkType, p.interfaceIndex, p.caplen])).toEqual([
      [1, 113, 1, 20],
      [2, 101, 0, 30],
      [4, 276, 0, 40],
    ]);
    expect(r.sections).toBe(3);
    expect(r.linkType).toBe(1); // the file's first interface
    expect(captureAnomalyCounts(r.anomalies)).toEqual({ 'capture.unknown_interface': 1 });
  });

  it('per-interface link type, snaplen and resolution (if_tsresol 10^-9 on one, default µs on the other)', () => {
    const bytes = concat(
      shb(),
      idb(true, 1, 65535),
      idb(true, 113, 262144, [[9, u8(9)]]),
      epb(true, 1, 1_700_000_000_123_456_789n, payload(1, 50)),
      epb(true, 0, US(1_700_000_000, 5), payload(2, 50)),
    );
    const r = openCaptureSync(bytes) as PcapngReader;
    const { packets } = drainSync(r);
    expect(packets.map((p) => [p.interfaceIndex, p.linkType, p.tsSec, p.tsNsec])).toEqual([
      [1, 113, 1_700_000_000, 123_456_789],
      [0, 1, 1_700_000_000, 5000],
    ]);
    expect(r.interfaces.map((i) => [i.linkType, i.snaplen, i.tsresol])).toEqual([
      [1, 65535, 6],
      [113, 262144, 9],
    ]);
  });

  it('if_tsresol 2^-20 converts binary fractions exactly (truncated to ns)', () => {
    // 1.5 s + 1 tick of 2^-20 s (953.67... ns)
    const ticks = (1n << 20n) + (1n << 19n) + 1n;
    const [p] = readAllPackets(concat(shb(), idb(true, 1, 0, [[9, u8(0x80 | 20)]]), epb(true, 0, ticks, payload(1, 10))));
    expect([p!.tsSec, p!.tsNsec]).toEqual([1, 500_000_953]);
  });

  it('if_tsresol 10^-12 (finer than ns) is truncated to ns', () => {
    const ticks = 1_700_000_000_123_456_789_999n; // does not fit 64 bits...
    const fits = ticks & 0xffffffffffffffffn;
    const [p] = readAllPackets(concat(shb(), idb(true, 1, 0, [[9, u8(12)]]), epb(true, 0, fits, payload(1, 10))));
    expect(BigInt(p!.tsSec) * 1_000_000_000_000n + BigInt(p!.tsNsec) * 1000n).toBe(fits - (fits % 1000n));
    const [q] = readAllPackets(concat(shb(), idb(true, 1, 0, [[9, u8(12)]]), epb(true, 0, 1_234_567_890_123n, payload(1, 10))));
    expect([q!.tsSec, q!.tsNsec]).toEqual([1, 234_567_890]);
  });

  it('64-bit tick counts convert without precision loss for every decimal resolution 10^0..10^-9 (seeded)', () => {
    const rnd = mulberry32(20240601);
    for (let e = 0; e <= 9; e++) {
      const ticks: bigint[] = [];
      for (let i = 0; i < 200; i++) {
        const hi = BigInt(Math.floor(rnd() * 2 ** 32));
        const lo = BigInt(Math.floor(rnd() * 2 ** 32));
        ticks.push(e < 6 ? ((hi << 32n) | lo) % 10n ** BigInt(10 + e) : (hi << 32n) | lo);
      }
      ticks.push(0n, 0xffffffffffffffffn, 10n ** BigInt(e) - 1n, 10n ** BigInt(e));
      const bytes = concat(shb(), idb(true, 1, 0, [[9, u8(e)]]), ...ticks.map((t, i) => epb(true, 0, t, payload(i, 4))));
      const packets = readAllPackets(bytes);
      const div = 10n ** BigInt(e);
      packets.forEach((p, i) => {
        const t = ticks[i]!;
        expect([p.tsSec, p.tsNsec], `e=${e} ticks=${t}`).toEqual([Number(t / div), Number((t % div) * 10n ** BigInt(9 - e))]);
      });
    }
  });

  it('if_tsoffset is added to the seconds', () => {
    const le = false;
    const [p] = readAllPackets(
      concat(shb(le), idb(le, 1, 0, [[14, i64(1_600_000_000n, le)]]), epb(le, 0, US(5, 7), payload(1, 10))),
    );
    expect([p!.tsSec, p!.tsNsec]).toEqual([1_600_000_005, 7000]);
  });

  it('if_fcslen (bits) becomes fcsLength in bytes', () => {
    const r = openCaptureSync(concat(shb(), idb(true, 1, 0, [[13, u8(32)]]), epb(true, 0, 0n, payload(1, 64))));
    expect(r.fcsLength).toBe(4);
    expect(drainSync(r).packets[0]!.fcsLength).toBe(4);
  });

  it('SPB: captured length is the smallest of origlen, the snaplen of interface 0 and the block; no timestamp', () => {
    const bytes = concat(
      shb(),
      idb(true, 1, 100),
      spb(true, 60, payload(1, 60)),
      spb(true, 1500, payload(2, 100)), // cut by snaplen 100
      spb(true, 80, concat(payload(3, 80), new Uint8Array(0))),
    );
    const packets = readAllPackets(bytes);
    expect(packets.map((p) => [p.caplen, p.origlen, p.tsSec, p.tsNsec, p.interfaceIndex])).toEqual([
      [60, 60, 0, 0, 0],
      [100, 1500, 0, 0, 0],
      [80, 80, 0, 0, 0],
    ]);
    expect(packets[1]!.data).toEqual(payload(2, 100));
  });

  it('SPB with snaplen 0 on interface 0: the padding is not part of the packet', () => {
    const [p] = readAllPackets(concat(shb(), idb(true, 1, 0), spb(true, 61, payload(1, 61))));
    expect(p!.caplen).toBe(61);
  });

  it('SPB before any IDB is skipped and counted as capture.unknown_interface', () => {
    const r = openCaptureSync(concat(shb(), spb(true, 10, payload(1, 10)), idb(true, 1, 0), spb(true, 10, payload(2, 10))));
    expect(r.linkType).toBe(-1); // no IDB before the first packet block
    const { packets } = drainSync(r);
    expect(packets).toHaveLength(1);
    expect(r.linkType).toBe(1);
    expect(captureAnomalyCounts(r.anomalies)).toEqual({ 'capture.unknown_interface': 1 });
  });

  it('OPB (obsolete Packet Block) is read like an EPB with a 16-bit interface id', () => {
    const packets = readAllPackets(
      concat(shb(), idb(true, 1, 0), idb(true, 105, 0, [[9, u8(9)]]), opb(true, 1, 1_000_000_123n, payload(1, 33), 99)),
    );
    expect(packets.map((p) => [p.interfaceIndex, p.linkType, p.tsSec, p.tsNsec, p.caplen, p.origlen])).toEqual([
      [1, 105, 1, 123, 33, 99],
    ]);
  });

  it('unknown, custom, NRB, ISB and DSB blocks are skipped by their length', () => {
    const bytes = concat(
      shb(),
      block(0x00000bad, concat(u8(0, 0, 0x7e, 0xd9), payload(9, 13))), // custom, PEN + data
      idb(true, 1, 0),
      block(4, u8(1, 0, 4, 0, 10, 0, 0, 1, 0, 0, 0, 0)), // NRB
      epb(true, 0, 1n, payload(1, 10)),
      block(0x40000bad, payload(8, 40)),
      block(0x12345678, payload(7, 21)), // not yet defined
      block(0x80000001, payload(6, 8)), // local use
      block(5, new Uint8Array(12)), // ISB
      block(0x0a, new Uint8Array(20)), // DSB
      epb(true, 0, 2n, payload(2, 10)),
    );
    const r = openCaptureSync(bytes);
    const { packets, error } = drainSync(r);
    expect(error).toBeNull();
    expect(packets.map((p) => p.tsNsec)).toEqual([1000, 2000]);
    expect(captureAnomalyCounts(r.anomalies)).toEqual({});
  });

  it('EPB options after the packet data do not disturb the packet', () => {
    const [p] = readAllPackets(
      concat(
        shb(),
        idb(true, 1, 0),
        epb(true, 0, 5n, payload(1, 13), {
          opts: [
            [1, new TextEncoder().encode('comment')],
            [2, u8(0, 0, 0, 0)],
          ],
        }),
      ),
    );
    expect(p!.caplen).toBe(13);
    expect(p!.data).toEqual(payload(1, 13));
  });

  it('a file with only a section header has no packets and link type -1', () => {
    const r = openCaptureSync(shb());
    expect(r.linkType).toBe(-1);
    expect(drainSync(r)).toEqual({ packets: [], error: null });
  });
});

describe('damaged pcapng', () => {
  const head = concat(shb(), idb(true, 1, 0));
  const good = [epb(true, 0, 1n, payload(1, 40)), epb(true, 0, 2n, payload(2, 41))];
  const goodEnd = head.length + good[0]!.length + good[1]!.length;

  function readWith(bad: Uint8Array) {
    const r = openCaptureSync(concat(head, ...good, bad, ...good), { name: 'bad.pcapng' });
    return { r, ...drainSync(r) };
  }

  it('block length under 12 is NS_ERR_CAPTURE_DAMAGED after the earlier packets', () => {
    const { packets, error } = readWith(block(6, new Uint8Array(24), true, { lengthOverride: 8 }));
    expect(packets).toHaveLength(2);
    expect(error).toMatchObject({ code: 'NS_ERR_CAPTURE_DAMAGED', file: 'bad.pcapng', packet: 3, offset: goodEnd });
    expect(error!.message).toContain('under the 12-byte minimum');
  });

  it('block length not a multiple of 4 is NS_ERR_CAPTURE_DAMAGED', () => {
    const { packets, error } = readWith(block(6, new Uint8Array(24), true, { lengthOverride: 34 }));
    expect(packets).toHaveLength(2);
    expect(error).toMatchObject({ code: 'NS_ERR_CAPTURE_DAMAGED', offset: goodEnd });
    expect(error!.message).toContain('not a multiple of 4');
  });

  it('trailing length different from the leading one is NS_ERR_CAPTURE_DAMAGED', () => {
    const { packets, error } = readWith(block(6, new Uint8Array(24), true, { trailerOverride: 40 }));
    expect(packets).toHaveLength(2);
    expect(error).toMatchObject({ code: 'NS_ERR_CAPTURE_DAMAGED', offset: goodEnd });
    expect(error!.message).toContain('trailing length 40 differs from leading length 36');
  });

  it('block length above the 256 MiB cap is NS_ERR_CAPTURE_DAMAGED (no allocation of that size)', () => {
    const bad = block(6, new Uint8Array(24));
    new DataView(bad.buffer).setUint32(4, 0xfffffff0, true);
    const { packets, error } = readWith(bad);
    expect(packets).toHaveLength(2);
    expect(error).toMatchObject({ code: 'NS_ERR_CAPTURE_DAMAGED', offset: goodEnd });
  });

  it('EPB whose captured length exceeds its block is cut at the block end and counted', () => {
    const { r, packets, error } = readWith(epb(true, 0, 3n, payload(3, 16), { caplen: 5000 }));
    expect(error).toBeNull();
    expect(packets.map((p) => p.caplen)).toEqual([40, 41, 16, 40, 41]);
    expect(captureAnomalyCounts(r.anomalies)).toEqual({ 'capture.caplen_beyond_block': 1 });
  });

  it('EPB naming an interface that does not exist is skipped and counted', () => {
    const { r, packets, error } = readWith(epb(true, 7, 3n, payload(3, 16)));
    expect(error).toBeNull();
    expect(packets).toHaveLength(4);
    expect(packets.map((p) => p.index)).toEqual([1, 2, 3, 4]);
    expect(captureAnomalyCounts(r.anomalies)).toEqual({ 'capture.unknown_interface': 1 });
  });

  it('EPB shorter than its fixed fields is skipped and counted', () => {
    const { r, packets, error } = readWith(block(6, new Uint8Array(12)));
    expect(error).toBeNull();
    expect(packets).toHaveLength(4);
    expect(captureAnomalyCounts(r.anomalies)).toEqual({ 'capture.block_too_short': 1 });
  });

  it('IDB option running past the block is counted; the interface is still usable', () => {
    const body = concat(u8(1, 0, 0, 0, 0, 0, 0, 0), u8(9, 0, 200, 0), u8(9, 0, 0, 0));
    const r = openCaptureSync(concat(shb(), block(1, body), epb(true, 0, 7n, payload(1, 10))));
    const { packets } = drainSync(r);
    expect(packets[0]!.tsNsec).toBe(7000);
    expect(captureAnomalyCounts(r.anomalies)).toEqual({ 'capture.bad_option': 1 });
  });

  it('IDB shorter than 20 bytes is NS_ERR_CAPTURE_DAMAGED', () => {
    const { error } = readWith(block(1, u8(1, 0, 0, 0)));
    expect(error).toMatchObject({ code: 'NS_ERR_CAPTURE_DAMAGED', offset: goodEnd });
  });

  it('a later SHB with an unknown byte-order magic is NS_ERR_CAPTURE_DAMAGED', () => {
    const { packets, error } = readWith(shb(true, 1, 0x11223344));
    expect(packets).toHaveLength(2);
    expect(error).toMatchObject({ code: 'NS_ERR_CAPTURE_DAMAGED', offset: goodEnd });
    expect(error!.message).toContain('byte-order magic');
  });

  it('first SHB with an unknown byte-order magic is NS_ERR_CAPTURE_FORMAT', () => {
    expect(() => openCaptureSync(shb(true, 1, 0x11223344))).toThrow(expect.objectContaining({ code: 'NS_ERR_CAPTURE_FORMAT' }));
  });

  it('SHB major version 2 is NS_ERR_CAPTURE_FORMAT at the start of the file, NS_ERR_CAPTURE_DAMAGED later', () => {
    expect(() => openCaptureSync(concat(shb(true, 2), idb(true, 1, 0)))).toThrow(
      expect.objectContaining({ code: 'NS_ERR_CAPTURE_FORMAT' }),
    );
    expect(readWith(shb(true, 2)).error).toMatchObject({ code: 'NS_ERR_CAPTURE_DAMAGED', offset: goodEnd });
  });

  it('file cut in the middle of a block header delivers the earlier packets, then NS_ERR_CAPTURE_TRUNCATED', () => {
    const { packets, error } = drainSync(openCaptureSync(concat(head, ...good, epb(true, 0, 3n, payload(3, 10)).subarray(0, 7))));
    expect(packets).toHaveLength(2);
    expect(error).toMatchObject({ code: 'NS_ERR_CAPTURE_TRUNCATED', packet: 3, offset: goodEnd });
    expect(error!.message).toContain('block header: 7 of 12');
  });

  it('file cut in the middle of a block body delivers the earlier packets, then NS_ERR_CAPTURE_TRUNCATED', () => {
    const { packets, error } = drainSync(
      openCaptureSync(concat(head, ...good, epb(true, 0, 3n, payload(3, 100)).subarray(0, 50))),
    );
    expect(packets).toHaveLength(2);
    expect(error).toMatchObject({ code: 'NS_ERR_CAPTURE_TRUNCATED', packet: 3, offset: goodEnd });
    expect(error!.message).toContain('50 of its 132 bytes');
  });

  it('section header cut short is NS_ERR_CAPTURE_TRUNCATED at open', () => {
    expect(() => openCaptureSync(shb().subarray(0, 20))).toThrow(expect.objectContaining({ code: 'NS_ERR_CAPTURE_TRUNCATED' }));
    expect(() => openCaptureSync(shb().subarray(0, 8))).toThrow(expect.objectContaining({ code: 'NS_ERR_CAPTURE_TRUNCATED' }));
  });
});
