import { describe, expect, it } from 'vitest';
import { captureAnomalyCounts } from '../../src/capture/events.js';
import { openCaptureSync, readAllPackets } from '../../src/capture/reader.js';
import type { PcapReader } from '../../src/capture/pcap-reader.js';
import { concat, drainSync, payload, pcapHeader, pcapRecord } from './helpers.js';

function file(
  le: boolean,
  magic: number,
  recs: Array<{ sec: number; frac: number; n: number; len: number }>,
  extra = 0,
): Uint8Array {
  return concat(
    pcapHeader({ le, magic }),
    ...recs.map((r) => pcapRecord({ le, sec: r.sec, frac: r.frac, data: payload(r.n, r.len), extra })),
  );
}

describe('classic pcap header and records', () => {
  for (const le of [true, false]) {
    const order = le ? 'little-endian' : 'big-endian';
    it(`${order} microsecond file (magic a1b2c3d4) gives µs timestamps as ns`, () => {
      const bytes = file(le, 0xa1b2c3d4, [
        { sec: 1_700_000_000, frac: 999_999, n: 1, len: 60 },
        { sec: 1_700_000_001, frac: 0, n: 2, len: 1514 },
      ]);
      const r = openCaptureSync(bytes);
      expect(r.format).toBe('pcap');
      expect((r as PcapReader).littleEndian).toBe(le);
      expect((r as PcapReader).nanosecond).toBe(false);
      const { packets, error } = drainSync(r);
      expect(error).toBeNull();
      expect(packets.map((p) => [p.tsSec, p.tsNsec, p.caplen, p.origlen])).toEqual([
        [1_700_000_000, 999_999_000, 60, 60],
        [1_700_000_001, 0, 1514, 1514],
      ]);
      expect(packets[1]!.data).toEqual(payload(2, 1514));
      expect(packets[0]!.fileOffset).toBe(24);
      expect(packets[1]!.fileOffset).toBe(24 + 16 + 60);
      expect(packets.map((p) => p.index)).toEqual([1, 2]);
    });

    it(`${order} nanosecond file (magic a1b23c4d) keeps ns timestamps`, () => {
      const bytes = file(le, 0xa1b23c4d, [{ sec: 4_294_967_295, frac: 999_999_999, n: 3, len: 42 }]);
      const r = openCaptureSync(bytes) as PcapReader;
      expect(r.nanosecond).toBe(true);
      const [p] = drainSync(r).packets;
      expect([p!.tsSec, p!.tsNsec]).toEqual([4_294_967_295, 999_999_999]);
    });

    it(`${order} modified pcap (magic a1b2cd34) skips the 8 extra record header bytes`, () => {
      const bytes = file(
        le,
        0xa1b2cd34,
        [
          { sec: 10, frac: 5, n: 4, len: 70 },
          { sec: 11, frac: 6, n: 5, len: 3 },
        ],
        8,
      );
      const r = openCaptureSync(bytes) as PcapReader;
      expect(r.modified).toBe(true);
      const { packets, error } = drainSync(r);
      expect(error).toBeNull();
      expect(packets.map((p) => Buffer.from(p.data).toString('hex'))).toEqual([
        Buffer.from(payload(4, 70)).toString('hex'),
        Buffer.from(payload(5, 3)).toString('hex'),
      ]);
      expect(packets[1]!.tsNsec).toBe(6000);
    });
  }

  it('link type comes from the low 16 bits; the FCS bits (P flag and length in 16-bit words) become fcsLength', () => {
    const bytes = concat(
      pcapHeader({ linkField: (0x04000000 | (2 << 28) | 1) >>> 0 }),
      pcapRecord({ sec: 1, frac: 0, data: payload(1, 64) }),
    );
    const r = openCaptureSync(bytes);
    expect(r.linkType).toBe(1);
    expect(r.fcsLength).toBe(4);
    expect(drainSync(r).packets[0]!.fcsLength).toBe(4);
  });

  it('FCS length bits without the P flag state nothing', () => {
    const r = openCaptureSync(concat(pcapHeader({ linkField: ((2 << 28) | 113) >>> 0 })));
    expect(r.linkType).toBe(113);
    expect(r.fcsLength).toBe(0);
  });

  it('snaplen 0 is not trusted: records of any plausible size are read', () => {
    const bytes = concat(pcapHeader({ snaplen: 0 }), pcapRecord({ sec: 1, frac: 0, data: payload(1, 9000) }));
    const r = openCaptureSync(bytes);
    const { packets, error } = drainSync(r);
    expect(error).toBeNull();
    expect(packets[0]!.caplen).toBe(9000);
    expect(captureAnomalyCounts(r.anomalies)).toEqual({});
  });

  it('a record above a small snaplen is delivered and counted as capture.caplen_above_snaplen', () => {
    const bytes = concat(pcapHeader({ snaplen: 64 }), pcapRecord({ sec: 1, frac: 0, data: payload(1, 100) }));
    const r = openCaptureSync(bytes);
    expect(drainSync(r).packets[0]!.caplen).toBe(100);
    expect(captureAnomalyCounts(r.anomalies)).toEqual({ 'capture.caplen_above_snaplen': 1 });
  });

  it('a huge snaplen (0xffffffff) does not make the reader allocate it', () => {
    const bytes = concat(pcapHeader({ snaplen: 0xffffffff }), pcapRecord({ sec: 1, frac: 0, data: payload(1, 10) }));
    const { packets, error } = drainSync(openCaptureSync(bytes));
    expect(error).toBeNull();
    expect(packets).toHaveLength(1);
  });

  it('caplen above origlen (real files have it) is delivered and counted, not an error', () => {
    const bytes = concat(
      pcapHeader(),
      pcapRecord({ sec: 1, frac: 0, data: payload(1, 60), origlen: 0 }),
      pcapRecord({ sec: 2, frac: 0, data: payload(2, 60) }),
    );
    const r = openCaptureSync(bytes);
    const { packets, error } = drainSync(r);
    expect(error).toBeNull();
    expect(packets.map((p) => [p.caplen, p.origlen])).toEqual([
      [60, 0],
      [60, 60],
    ]);
    expect(captureAnomalyCounts(r.anomalies)).toEqual({ 'capture.caplen_above_origlen': 1 });
  });

  it('microseconds ≥ 10^6 are carried into the seconds and counted', () => {
    const bytes = concat(pcapHeader(), pcapRecord({ sec: 100, frac: 2_500_000, data: payload(1, 10) }));
    const r = openCaptureSync(bytes);
    const [p] = drainSync(r).packets;
    expect([p!.tsSec, p!.tsNsec]).toEqual([102, 500_000_000]);
    expect(captureAnomalyCounts(r.anomalies)).toEqual({ 'capture.bad_timestamp_fraction': 1 });
  });

  it('version 2.2 files have caplen and len swapped (libpcap compatibility)', () => {
    const rec = pcapRecord({ sec: 1, frac: 0, data: payload(1, 40) });
    const dv = new DataView(rec.buffer);
    dv.setUint32(8, 1500, true); // "len" slot holds the original length in 2.2
    dv.setUint32(12, 40, true);
    const [p] = readAllPackets(concat(pcapHeader({ minor: 2 }), rec));
    expect([p!.caplen, p!.origlen]).toEqual([40, 1500]);
  });

  it('version 2.3 swaps the lengths only when caplen > len', () => {
    const swapped = pcapRecord({ sec: 1, frac: 0, data: payload(1, 40), caplen: 1500, origlen: 40 });
    const normal = pcapRecord({ sec: 2, frac: 0, data: payload(2, 40), caplen: 40, origlen: 1500 });
    const packets = readAllPackets(concat(pcapHeader({ minor: 3 }), swapped.subarray(0, 16 + 40), normal));
    expect(packets.map((p) => [p.caplen, p.origlen])).toEqual([
      [40, 1500],
      [40, 1500],
    ]);
  });

  it('major version other than 2 is NS_ERR_CAPTURE_FORMAT', () => {
    expect(() => openCaptureSync(pcapHeader({ major: 3 }))).toThrow(
      expect.objectContaining({ code: 'NS_ERR_CAPTURE_FORMAT', message: expect.stringContaining('version 3.4') }),
    );
  });

  it('a file that is only a header has no packets', () => {
    const r = openCaptureSync(pcapHeader({ linkField: 228 }));
    expect(r.linkType).toBe(228);
    expect(drainSync(r)).toEqual({ packets: [], error: null });
  });
});

describe('damaged classic pcap', () => {
  const good = [pcapRecord({ sec: 1, frac: 1, data: payload(1, 100) }), pcapRecord({ sec: 2, frac: 2, data: payload(2, 200) })];
  const goodLen = 24 + 116 + 216;

  it('header cut short (10 of 24 bytes) is NS_ERR_CAPTURE_TRUNCATED', () => {
    expect(() => openCaptureSync(pcapHeader().subarray(0, 10))).toThrow(
      expect.objectContaining({ code: 'NS_ERR_CAPTURE_TRUNCATED' }),
    );
  });

  it('file cut in the middle of a record header delivers the earlier packets, then NS_ERR_CAPTURE_TRUNCATED at that record', () => {
    const bytes = concat(pcapHeader(), ...good, pcapRecord({ sec: 3, frac: 3, data: payload(3, 50) }).subarray(0, 9));
    const { packets, error } = drainSync(openCaptureSync(bytes, { name: 'cut.pcap' }));
    expect(packets).toHaveLength(2);
    expect(error).toMatchObject({ code: 'NS_ERR_CAPTURE_TRUNCATED', file: 'cut.pcap', packet: 3, offset: goodLen });
    expect(error!.message).toContain('record header: 9 of 16 bytes');
  });

  it('file cut in the middle of a packet body delivers the earlier packets, then NS_ERR_CAPTURE_TRUNCATED', () => {
    const bytes = concat(pcapHeader(), ...good, pcapRecord({ sec: 3, frac: 3, data: payload(3, 50) }).subarray(0, 16 + 20));
    const { packets, error } = drainSync(openCaptureSync(bytes));
    expect(packets.map((p) => p.index)).toEqual([1, 2]);
    expect(error).toMatchObject({ code: 'NS_ERR_CAPTURE_TRUNCATED', packet: 3, offset: goodLen });
    expect(error!.message).toContain('cut short in the middle of a packet: 20 of 50');
  });

  it('caplen above 256 KiB and above the snaplen is NS_ERR_CAPTURE_DAMAGED after the earlier packets', () => {
    const bad = pcapRecord({ sec: 3, frac: 3, data: payload(3, 8), caplen: 300_000 });
    const { packets, error } = drainSync(openCaptureSync(concat(pcapHeader({ snaplen: 65535 }), ...good, bad, ...good)));
    expect(packets).toHaveLength(2);
    expect(error).toMatchObject({ code: 'NS_ERR_CAPTURE_DAMAGED', packet: 3, offset: goodLen });
  });

  it('caplen above 256 KiB but within a large snaplen is legal (jumbo captures)', () => {
    const big = payload(9, 300_000);
    const { packets, error } = drainSync(
      openCaptureSync(concat(pcapHeader({ snaplen: 1 << 20 }), pcapRecord({ sec: 1, frac: 0, data: big })), { chunkSize: 4096 }),
    );
    expect(error).toBeNull();
    expect(Buffer.from(packets[0]!.data).equals(big)).toBe(true);
  });

  it('caplen of 4 GiB with snaplen 0xffffffff is damaged: the hard cap applies whatever the header says', () => {
    const bad = pcapRecord({ sec: 3, frac: 3, data: payload(3, 8), caplen: 0xfffffff0 });
    const { error } = drainSync(openCaptureSync(concat(pcapHeader({ snaplen: 0xffffffff }), bad)));
    expect(error).toMatchObject({ code: 'NS_ERR_CAPTURE_DAMAGED', packet: 1, offset: 24 });
  });

  it('the error is sticky: pumping again throws the same error', () => {
    const r = openCaptureSync(concat(pcapHeader(), ...good, new Uint8Array(5)));
    const first = drainSync(r).error;
    expect(first?.code).toBe('NS_ERR_CAPTURE_TRUNCATED');
    const r2 = openCaptureSync(concat(pcapHeader(), new Uint8Array(5)));
    expect(() => r2.pumpSync(() => {})).toThrow(expect.objectContaining({ code: 'NS_ERR_CAPTURE_TRUNCATED' }));
    expect(() => r2.pumpSync(() => {})).toThrow(expect.objectContaining({ code: 'NS_ERR_CAPTURE_TRUNCATED' }));
  });
});
