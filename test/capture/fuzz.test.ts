/**
 * Seeded mutation fuzzing of the readers: real captures (and hand-built pcapng with every block kind)
 * with bytes flipped, lengths rewritten, pieces cut or duplicated. The readers must never throw anything
 * but a NetsieveError, never hang, and every packet they deliver must be sane (inside its buffer,
 * nanoseconds below 10^9, indexes counting up).
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isNetsieveError } from '../../src/errors.js';
import { openCapture, openCaptureSync } from '../../src/capture/reader.js';
import type { CapturedPacket } from '../../src/capture/packet.js';
import {
  block,
  chunked,
  concat,
  epb,
  FIXTURES,
  HAVE_FIXTURES,
  i64,
  idb,
  mulberry32,
  opb,
  payload,
  pcapHeader,
  pcapRecord,
  shb,
  spb,
  u8,
} from './helpers.js';

function corpus(): Array<[string, Uint8Array]> {
  const handNg = concat(
    shb(),
    idb(true, 1, 128, [
      [9, u8(9)],
      [14, i64(100n, true)],
      [13, u8(32)],
    ]),
    idb(true, 113, 0, [[9, u8(0x80 | 20)]]),
    epb(true, 0, 123456789n, payload(1, 90)),
    spb(true, 200, payload(2, 128)),
    opb(true, 1, 1n << 40n, payload(3, 30)),
    block(0xbad, payload(4, 20)),
    shb(false),
    idb(false, 101, 0, [[9, u8(12)]]),
    epb(false, 0, 0xffffffffffffn, payload(5, 60)),
  );
  const handPcap = concat(
    pcapHeader({ magic: 0xa1b2cd34, le: false }),
    pcapRecord({ le: false, sec: 1, frac: 2, data: payload(1, 50), extra: 8 }),
    pcapRecord({ le: false, sec: 3, frac: 4, data: payload(2, 70), extra: 8 }),
  );
  const out: Array<[string, Uint8Array]> = [
    ['hand-built pcapng', handNg],
    ['hand-built modified pcap', handPcap],
  ];
  if (HAVE_FIXTURES) {
    for (const f of [
      'ndpi_http2.pcapng',
      'ndpi_kafka.pcapng',
      'zeek_dns-caa.pcap',
      'zeek_linux_dlt_sll2.pcap',
      'ndpi_fuzz-2006-09-29-28586.pcap',
      'ndpi_dhcp-fuzz.pcapng',
      'zeek_http-te-cl-desync.pcap',
      'deepflow_dns-tcp-multi.pcap',
    ]) {
      out.push([f, new Uint8Array(fs.readFileSync(path.join(FIXTURES, f)))]);
    }
  }
  return out;
}

/** One random mutation of a copy of `src`. */
function mutate(src: Uint8Array, rnd: () => number): Uint8Array {
  const pick = (n: number) => Math.floor(rnd() * n);
  let b: Uint8Array = src.slice();
  const rounds = 1 + pick(4);
  for (let r = 0; r < rounds; r++) {
    const kind = pick(7);
    const at = pick(b.length);
    if (kind <= 1) {
      b[at] = pick(256); // one byte
    } else if (kind === 2) {
      // A 32-bit field (lengths, ids, timestamps) set to an edge value.
      const edges = [0, 1, 11, 12, 13, 0x7fffffff, 0xffffffff, 0x10000000, 256 << 20, (256 << 20) + 4, pick(70000)];
      if (at + 4 <= b.length) new DataView(b.buffer, b.byteOffset).setUint32(at & ~3, edges[pick(edges.length)]!, rnd() < 0.5);
    } else if (kind === 3) {
      b = b.slice(0, at); // cut short
    } else if (kind === 4) {
      const len = pick(64);
      b = concat(b.subarray(0, at), b.subarray(at, at + len), b.subarray(at)); // duplicate a piece
    } else if (kind === 5) {
      b = concat(b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + pick(32)))); // delete a piece
    } else {
      for (let i = 0; i < 8 && at + i < b.length; i++) b[at + i] = pick(256); // a burst
    }
    if (b.length === 0) break;
  }
  return b;
}

function checkPacket(p: CapturedPacket, lastIndex: number): void {
  if (!(p.offset >= 0 && p.caplen >= 0 && p.offset + p.caplen <= p.data.length))
    throw new Error(`packet ${p.index} outside its buffer: ${p.offset}+${p.caplen} > ${p.data.length}`);
  if (!(Number.isInteger(p.tsNsec) && p.tsNsec >= 0 && p.tsNsec < 1e9))
    throw new Error(`packet ${p.index} has tsNsec ${p.tsNsec}`);
  if (!Number.isFinite(p.tsSec)) throw new Error(`packet ${p.index} has tsSec ${p.tsSec}`);
  if (p.index !== lastIndex + 1) throw new Error(`packet index ${p.index} after ${lastIndex}`);
}

describe('seeded fuzzing of the readers', () => {
  // Filled in beforeAll: captures of the shared corpus are never read at collection.
  let inputs: Array<[string, Uint8Array]> = [];
  beforeAll(() => {
    inputs = corpus();
  });

  // Without the corpus the runs below mutate hand-built captures only; this says so as a skip.
  it.skipIf(!HAVE_FIXTURES)('the inputs include captures of the shared corpus', () => {
    expect(inputs.length).toBe(10);
  });

  it('3000 mutated captures read from memory: only NetsieveErrors, sane packets, bounded pumps', () => {
    const rnd = mulberry32(0x5eed);
    const codes = new Map<string, number>();
    let clean = 0;
    for (let i = 0; i < 3000; i++) {
      const [name, src] = inputs[i % inputs.length]!;
      const bytes = mutate(src, rnd);
      let last = 0;
      let pumps = 0;
      try {
        const r = openCaptureSync(bytes, { chunkSize: 32 + Math.floor(rnd() * 4096) });
        while (
          r.pumpSync((p) => {
            checkPacket(p, last);
            last = p.index;
          })
        ) {
          if (++pumps > bytes.length + 10) throw new Error('reader does not progress');
        }
        clean++;
      } catch (e) {
        if (!isNetsieveError(e)) throw new Error(`iteration ${i} (${name}): ${(e as Error).stack}`);
        codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
        expect(e.file).toBe('<buffer>');
      }
    }
    // Both outcomes must occur, or the mutations are not reaching the parsers.
    expect(clean).toBeGreaterThan(100);
    expect(codes.get('NS_ERR_CAPTURE_TRUNCATED')).toBeGreaterThan(100);
    expect(codes.get('NS_ERR_CAPTURE_DAMAGED')).toBeGreaterThan(10);
  });

  it('300 mutated captures read through a stream in random chunks: same outcome as from memory', async () => {
    const rnd = mulberry32(0xbeef);
    for (let i = 0; i < 300; i++) {
      const [name, src] = inputs[i % inputs.length]!;
      const bytes = mutate(src, rnd);
      const fromMemory = await outcome(() => openCapture(bytes));
      const fromStream = await outcome(() =>
        openCapture(
          chunked(bytes, () => 1 + Math.floor(rnd() * 700)),
          { chunkSize: 64 + Math.floor(rnd() * 2000), name: '<buffer>' },
        ),
      );
      expect(fromStream, `iteration ${i} (${name})`).toEqual(fromMemory);
    }
  });
});

/** Packet summaries plus the error code and location, whatever the input path. */
async function outcome(open: () => ReturnType<typeof openCapture>): Promise<{ packets: string[]; error: string | null }> {
  const packets: string[] = [];
  try {
    const r = await open();
    while (
      await r.pump((p) =>
        packets.push(
          `${p.index}/${p.tsSec}.${p.tsNsec}/${p.caplen}/${p.origlen}/${p.linkType}/${p.fileOffset}/${Buffer.from(p.data.subarray(p.offset, p.offset + p.caplen)).toString('base64')}`,
        ),
      )
    ) {
      // collected
    }
    return { packets, error: null };
  } catch (e) {
    if (!isNetsieveError(e)) throw e;
    return { packets, error: `${e.code} packet=${e.packet} offset=${e.offset}` };
  }
}
