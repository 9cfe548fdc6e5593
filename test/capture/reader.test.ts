import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { isNetsieveError } from '../../src/errors.js';
import { openCapture, openCaptureSync, readAllPackets, type CaptureReader } from '../../src/capture/reader.js';
import {
  chunked,
  concat,
  drain,
  drainSync,
  epb,
  FIXTURES,
  HAVE_FIXTURES,
  idb,
  mulberry32,
  payload,
  pcapHeader,
  pcapRecord,
  REPO_ROOT,
  shb,
  summary,
} from './helpers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'netsieve-capture-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function tmpFile(name: string, bytes: Uint8Array): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, bytes);
  return p;
}

/** A small mixed capture: pcapng, two interfaces, varied sizes (built by hand, no fixtures needed). */
function sampleNg(n = 60): Uint8Array {
  const parts = [shb(), idb(true, 1, 0), idb(true, 113, 0, [[9, Uint8Array.of(9)]])];
  for (let i = 0; i < n; i++)
    parts.push(epb(true, i % 2, BigInt(1_700_000_000) * 1_000_000_000n + BigInt(i * 1237), payload(i, 1 + ((i * 97) % 1600))));
  return concat(...parts);
}

function samplePcap(n = 60): Uint8Array {
  const parts = [pcapHeader()];
  for (let i = 0; i < n; i++)
    parts.push(pcapRecord({ sec: 1_700_000_000 + i, frac: i * 1000, data: payload(i, 1 + ((i * 131) % 1514)) }));
  return concat(...parts);
}

describe('openCapture inputs', () => {
  const bytes = sampleNg();
  const expected = readAllPackets(bytes).map(summary);

  it('a path, a Uint8Array, a Node stream, a WHATWG stream and an async iterable give the same packets', async () => {
    const file = tmpFile('sample.pcapng', bytes);
    const inputs: Array<[string, () => Parameters<typeof openCapture>[0]]> = [
      ['path', () => file],
      ['bytes', () => bytes],
      ['node stream', () => fs.createReadStream(file, { highWaterMark: 1000 })],
      ['Readable.from', () => Readable.from(chunked(bytes, () => 777))],
      [
        'web stream',
        () => {
          const it = chunked(bytes, () => 555);
          return new ReadableStream<Uint8Array>({
            async pull(c) {
              const r = await it.next();
              if (r.done) c.close();
              else c.enqueue(r.value);
            },
          });
        },
      ],
      ['async iterable', () => chunked(bytes, () => 300)],
    ];
    for (const [what, make] of inputs) {
      const r = await openCapture(make());
      const { packets, error } = await drain(r);
      expect(error, what).toBeNull();
      expect(packets.map(summary), what).toEqual(expected);
    }
  });

  it('names: the path, <buffer>, <stream>, or the name option', async () => {
    const file = tmpFile('named.pcap', samplePcap(1));
    expect((await openCapture(file)).name).toBe(file);
    expect((await openCapture(samplePcap(1))).name).toBe('<buffer>');
    expect((await openCapture(chunked(samplePcap(1), () => 10))).name).toBe('<stream>');
    expect((await openCapture(samplePcap(1), { name: 'x.pcap' })).name).toBe('x.pcap');
  });

  it('- reads standard input', () => {
    const input = samplePcap(7);
    const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'test/capture/stdin-count.fixture.ts')], {
      input,
      cwd: REPO_ROOT,
    });
    expect(JSON.parse(out.toString())).toEqual({ name: '-', format: 'pcap', packets: 7, first: '1700000000.0', code: null });
  });

  it('progress: bytesRead reaches totalBytes for a file; packets counts delivered packets', async () => {
    const file = tmpFile('progress.pcap', samplePcap(40));
    const r = await openCapture(file, { chunkSize: 4096 });
    expect(r.totalBytes).toBe(fs.statSync(file).size);
    let calls = 0;
    while (await r.pump(() => {})) calls++;
    expect(calls).toBeGreaterThan(3);
    expect(r.bytesRead).toBe(r.totalBytes);
    expect(r.packets).toBe(40);
    r.close();
  });

  it('an in-memory input is pumped in chunkSize pieces and never written to', async () => {
    const bytes = samplePcap(50);
    const before = Buffer.from(bytes);
    const r = await openCapture(bytes, { chunkSize: 2048 });
    let pumps = 0;
    let n = 0;
    while (await r.pump(() => n++)) pumps++;
    expect(n).toBe(50);
    expect(pumps).toBeGreaterThan(5);
    expect(Buffer.from(bytes).equals(before)).toBe(true);
  });

  it('packets point into the reader buffer (no copy): data is the same array for consecutive packets', () => {
    const r = openCaptureSync(samplePcap(5));
    const arrays = new Set<Uint8Array>();
    while (r.pumpSync((p) => arrays.add(p.data))) {
      // collected
    }
    expect(arrays.size).toBe(1);
  });
});

describe('chunking: any split of the input yields the same packets', () => {
  // Captures of the shared corpus are read inside the test, never at collection.
  const cases: Array<[string, () => Uint8Array]> = [
    ['hand-built pcapng', () => sampleNg(80)],
    ['hand-built pcap', () => samplePcap(80)],
  ];
  if (HAVE_FIXTURES) {
    for (const f of ['ndpi_sites.pcapng', 'zeek_http-bro.org.pcap', 'ndpi_ssh.pcap', 'zeek_tls-openjdk-sll2.pcap']) {
      cases.push([f, () => new Uint8Array(fs.readFileSync(path.join(FIXTURES, f)))]);
    }
  }

  for (const [what, read] of cases) {
    it(`${what}: seeded random chunk sizes (1..9000) through a stream, small and default buffers`, async () => {
      const bytes = read();
      const expected = readAllPackets(bytes).map(summary);
      const rnd = mulberry32(bytes.length);
      for (const chunkSize of [64, 1000, 4 << 20]) {
        const r = await openCapture(
          chunked(bytes, () => 1 + Math.floor(rnd() * (rnd() < 0.3 ? 20 : 9000))),
          { chunkSize },
        );
        const { packets, error } = await drain(r);
        expect(error, `chunkSize ${chunkSize}`).toBeNull();
        expect(packets.map(summary), `chunkSize ${chunkSize}`).toEqual(expected);
      }
    });
  }

  it('1-byte chunks of small captures yield the same packets', async () => {
    const small: Uint8Array[] = [sampleNg(6), samplePcap(6)];
    if (HAVE_FIXTURES) {
      small.push(new Uint8Array(fs.readFileSync(path.join(FIXTURES, 'zeek_dns-caa.pcap'))));
      small.push(new Uint8Array(fs.readFileSync(path.join(FIXTURES, 'ndpi_http2.pcapng'))));
    }
    for (const bytes of small) {
      const expected = readAllPackets(bytes).map(summary);
      const { packets, error } = await drain(
        await openCapture(
          chunked(bytes, () => 1),
          { chunkSize: 32 },
        ),
      );
      expect(error).toBeNull();
      expect(packets.map(summary)).toEqual(expected);
    }
  });

  it('a file read with a tiny buffer (records straddle every read, some grow the buffer) yields the same packets', async () => {
    const bytes = sampleNg(80);
    const file = tmpFile('tiny.pcapng', bytes);
    const { packets, error } = await drain(await openCapture(file, { chunkSize: 100 }));
    expect(error).toBeNull();
    expect(packets.map(summary)).toEqual(readAllPackets(bytes).map(summary));
  });

  it('a file that grows after open (a capture still being written) is read to its new end', async () => {
    const file = tmpFile('growing.pcap', samplePcap(3));
    const r = await openCapture(file);
    expect(r.totalBytes).toBe(fs.statSync(file).size);
    const more = samplePcap(400).subarray(24 + (samplePcap(3).length - 24));
    fs.appendFileSync(file, more);
    const { packets, error } = await drain(r);
    expect(error).toBeNull();
    expect(packets.map(summary)).toEqual(readAllPackets(samplePcap(400)).map(summary));
  });

  it('a truncated capture gives the same packets and the same error through any split', async () => {
    const bytes = samplePcap(30);
    const cut = bytes.subarray(0, bytes.length - 100);
    const whole = drainSync(openCaptureSync(cut));
    expect(whole.error?.code).toBe('NS_ERR_CAPTURE_TRUNCATED');
    const rnd = mulberry32(7);
    const split = await drain(
      await openCapture(
        chunked(cut, () => 1 + Math.floor(rnd() * 500)),
        { chunkSize: 64 },
      ),
    );
    expect(split.packets.map(summary)).toEqual(whole.packets.map(summary));
    expect([split.error?.code, split.error?.packet, split.error?.offset]).toEqual([
      whole.error?.code,
      whole.error?.packet,
      whole.error?.offset,
    ]);
  });
});

describe('bounded memory on lying lengths', () => {
  it('a stream whose block claims 200 MiB but ends after 1 MiB: NS_ERR_CAPTURE_TRUNCATED, buffer never above twice the bytes present', async () => {
    const head = concat(shb(), idb(true, 1, 0), epb(true, 0, 1n, payload(1, 10)));
    const bogus = new Uint8Array(1 << 20);
    const dv = new DataView(bogus.buffer);
    dv.setUint32(0, 6, true);
    dv.setUint32(4, 200 << 20, true);
    const r = await openCapture(
      chunked(concat(head, bogus), () => 65536),
      { chunkSize: 4096 },
    );
    const { packets, error } = await drain(r);
    expect(packets).toHaveLength(1);
    expect(error).toMatchObject({ code: 'NS_ERR_CAPTURE_TRUNCATED', packet: 2, offset: head.length });
    const bufLen = (r as unknown as { input: { buf: Uint8Array } }).input.buf.length;
    expect(bufLen).toBeLessThanOrEqual(2 << 20);
  });

  it('a large legal record in a stream grows the buffer and is delivered whole', async () => {
    const big = payload(5, 200_000);
    const bytes = concat(
      pcapHeader({ snaplen: 262144 }),
      pcapRecord({ sec: 1, frac: 0, data: big }),
      pcapRecord({ sec: 2, frac: 0, data: payload(6, 10) }),
    );
    const { packets, error } = await drain(
      await openCapture(
        chunked(bytes, () => 3000),
        { chunkSize: 1024 },
      ),
    );
    expect(error).toBeNull();
    expect(packets.map((p) => p.caplen)).toEqual([200_000, 10]);
    expect(Buffer.from(packets[0]!.data).equals(big)).toBe(true);
  });
});

describe('inputs that are not captures', () => {
  it('HTML text is NS_ERR_CAPTURE_FORMAT showing the first bytes in hex and "text?"', async () => {
    const err = await openCapture(new TextEncoder().encode('<!DOCTYPE html><html>')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'NS_ERR_CAPTURE_FORMAT', file: '<buffer>' });
    expect((err as Error).message).toContain('not a pcap or pcapng file: starts with 3c21444f (text?)');
  });

  it('gzip data gets a "decompress it first" hint', async () => {
    const err = await openCapture(Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0)).catch((e: unknown) => e);
    expect((err as Error).message).toContain('1f8b0800 (gzip-compressed? decompress it first)');
  });

  it('an empty file is NS_ERR_CAPTURE_FORMAT "empty file"', async () => {
    const file = tmpFile('empty.pcap', new Uint8Array(0));
    const err = await openCapture(file).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'NS_ERR_CAPTURE_FORMAT', file });
    expect((err as Error).message).toContain('empty file');
    expect(() => openCaptureSync(new Uint8Array(0))).toThrow(/empty file/);
    await expect(openCapture(chunked(new Uint8Array(0), () => 1))).rejects.toThrow(/empty file/);
  });

  it('a 2-byte file is NS_ERR_CAPTURE_FORMAT saying how short it is', () => {
    expect(() => openCaptureSync(Uint8Array.of(0xd4, 0xc3))).toThrow(
      expect.objectContaining({ code: 'NS_ERR_CAPTURE_FORMAT', message: expect.stringContaining('only 2 bytes long (d4c3)') }),
    );
  });

  it('a missing file is NS_ERR_CAPTURE_IO naming the path', async () => {
    const missing = path.join(tmp, 'does-not-exist.pcap');
    const err = await openCapture(missing).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'NS_ERR_CAPTURE_IO', file: missing });
    expect((err as Error).message).toContain(`cannot open ${missing}: no such file`);
  });

  it('a directory is NS_ERR_CAPTURE_IO', async () => {
    await expect(openCapture(tmp)).rejects.toMatchObject({
      code: 'NS_ERR_CAPTURE_IO',
      message: expect.stringContaining('is a directory'),
    });
  });

  it('something that is neither a path, bytes nor a stream is NS_ERR_OPTION', async () => {
    await expect(openCapture(42 as unknown as string)).rejects.toMatchObject({ code: 'NS_ERR_OPTION' });
  });

  it('a chunkSize below the minimum is NS_ERR_OPTION', async () => {
    await expect(openCapture(samplePcap(1), { chunkSize: 3 })).rejects.toMatchObject({ code: 'NS_ERR_OPTION' });
  });

  it('a stream of strings is NS_ERR_CAPTURE_IO', async () => {
    await expect(openCapture(Readable.from(['not bytes']))).rejects.toMatchObject({
      code: 'NS_ERR_CAPTURE_IO',
      message: expect.stringContaining('text, not bytes'),
    });
  });
});

describe('reader state', () => {
  it('a stream that fails mid-way: the earlier packets, then NS_ERR_CAPTURE_IO', async () => {
    const bytes = samplePcap(10);
    async function* failing() {
      yield bytes.slice(0, 2000);
      throw new Error('connection reset');
    }
    const { packets, error } = await drain(await openCapture(failing()));
    expect(packets.length).toBeGreaterThan(0);
    expect(packets.length).toBeLessThan(10);
    expect(error).toMatchObject({ code: 'NS_ERR_CAPTURE_IO', file: '<stream>' });
    expect(error!.message).toContain('connection reset');
  });

  it('a throwing callback propagates, and the next pump goes on with the next packet (none lost, none repeated)', async () => {
    const r = await openCapture(samplePcap(10));
    const seen: number[] = [];
    let thrown = 0;
    for (;;) {
      try {
        const more = await r.pump((p) => {
          seen.push(p.index);
          if (p.index === 4) throw new Error('callback failed');
        });
        if (!more) break;
      } catch (e) {
        expect(isNetsieveError(e)).toBe(false);
        thrown++;
      }
    }
    expect(thrown).toBe(1);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('pump after close() is NS_ERR_STATE; pumpSync on a stream is NS_ERR_STATE', async () => {
    const r = await openCapture(samplePcap(3));
    r.close();
    await expect(r.pump(() => {})).rejects.toMatchObject({ code: 'NS_ERR_STATE' });
    const s = (await openCapture(chunked(samplePcap(3), () => 50))) as CaptureReader & { pumpSync(cb: () => void): boolean };
    expect(() => s.pumpSync(() => {})).toThrow(expect.objectContaining({ code: 'NS_ERR_STATE' }));
    s.close();
  });

  it('a second pump() while the first still waits for the stream is NS_ERR_STATE, and the first is unharmed', async () => {
    const r = await openCapture(chunked(samplePcap(5), () => 100));
    await r.pump(() => {}); // parses what open() buffered; the next pump must wait for the stream
    const first = r.pump(() => {});
    await expect(r.pump(() => {})).rejects.toMatchObject({ code: 'NS_ERR_STATE' });
    await first;
    const { packets, error } = await drain(r);
    expect(error).toBeNull();
    expect(r.packets).toBe(5);
    expect(packets.length).toBeLessThanOrEqual(5);
  });

  it('close() releases the file descriptor', async () => {
    const file = tmpFile('fd.pcap', samplePcap(2));
    const r = await openCapture(file);
    const fd = (r as unknown as { input: { fd: number } }).input.fd;
    expect(fd).toBeGreaterThanOrEqual(0);
    r.close();
    expect(() => fs.fstatSync(fd)).toThrow();
  });
});
