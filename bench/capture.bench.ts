/**
 * Capture readers: how fast netsieve turns a capture file into packets, against the `pcap-parser` npm
 * package as the baseline.
 *
 *   npx tsx bench/capture.bench.ts
 *
 * Inputs:
 * - `synthetic-2to1`: 1514-byte and 66-byte Ethernet/IPv4/TCP frames mixed 2:1 (bulk transfer and its
 *   ACKs), about 220 MB, written once to os.tmpdir() with netsieve's PcapWriter (and a pcapng copy with
 *   PcapngWriter). Deterministic: same bytes every run.
 * - `http-bulk`: bench/captures/http-bulk.pcap (real nginx/curl traffic, bench/record-capture.sh), when present.
 * - `fixtures`: the real captures in ../shared/fixtures/pcaps (small files: per-file costs show).
 *
 * Each packet callback does a little work (sums lengths, reads one byte) so nothing is optimised away.
 * Synchronous cases run through bench/lib.ts runSuite. The asynchronous ones (Node stream input, and
 * pcap-parser's own file reading) cannot run in runSuite, which takes synchronous functions; they are
 * timed here with the same statistic (median of repeated whole-file runs) and printed with the same table.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { machine, median, printTable, runSuite, type BenchCase, type BenchRow } from './lib.js';
import { openCapture, openCaptureSync, PcapngWriter, PcapWriter, type CapturedPacket } from '../src/index.js';

const require = createRequire(import.meta.url);
const pcapp = require('pcap-parser') as { parse(input: string | NodeJS.ReadableStream): EventEmitter };

const here = path.dirname(fileURLToPath(import.meta.url));
const SYNTH_PCAP = path.join(os.tmpdir(), 'netsieve-bench-synthetic-2to1-v1.pcap');
const SYNTH_PCAPNG = path.join(os.tmpdir(), 'netsieve-bench-synthetic-2to1-v1.pcapng');
const SYNTH_PACKETS = 210_000; // ≈ 220 MB
const HTTP_BULK = path.join(here, 'captures', 'http-bulk.pcap');
const FIXTURES = path.resolve(here, '../../shared/fixtures/pcaps');

// ---- input generation ----

/** An Ethernet/IPv4/TCP frame of `len` bytes for flow `flow`, sequence `seq` (checksums left 0: nobody reads them here). */
function tcpFrame(len: number, flow: number, seq: number, ack: boolean): Uint8Array {
  const f = new Uint8Array(len);
  const dv = new DataView(f.buffer);
  f.set([0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2], 0);
  dv.setUint16(12, 0x0800);
  f[14] = 0x45;
  dv.setUint16(16, len - 14);
  dv.setUint16(18, seq & 0xffff);
  f[22] = 64;
  f[23] = 6;
  dv.setUint32(26, 0x0a000001 + (flow & 0xff));
  dv.setUint32(30, 0x0a000100 + ((flow >> 8) & 0xff));
  dv.setUint16(34, 80);
  dv.setUint16(36, 40000 + (flow % 20000));
  dv.setUint32(38, seq >>> 0);
  dv.setUint32(42, (seq * 7) >>> 0);
  f[46] = 0x80; // data offset 8 words (timestamps option)
  f[47] = ack ? 0x10 : 0x18;
  dv.setUint16(48, 65535);
  for (let i = 66; i < len; i++) f[i] = (i * 13 + seq) & 0xff;
  return f;
}

async function ensureSynthetic(): Promise<void> {
  if (fs.existsSync(SYNTH_PCAP) && fs.existsSync(SYNTH_PCAPNG)) return;
  console.log(`generating ${SYNTH_PCAP} and .pcapng (${SYNTH_PACKETS} packets, once)...`);
  const big = Array.from({ length: 16 }, (_, i) => tcpFrame(1514, i, i * 1448, false));
  const small = Array.from({ length: 16 }, (_, i) => tcpFrame(66, i, i * 1448, true));
  const w = new PcapWriter(`${SYNTH_PCAP}.tmp`, { linkType: 1, snaplen: 262144 });
  const wn = new PcapngWriter(`${SYNTH_PCAPNG}.tmp`, { interfaces: [{ linkType: 1, tsresol: 6 }] });
  let sec = 1_700_000_000;
  let usec = 0;
  for (let i = 0; i < SYNTH_PACKETS; i++) {
    const frame = i % 3 === 2 ? small[i % 16]! : big[i % 16]!;
    usec += 9;
    if (usec >= 1_000_000) {
      sec++;
      usec -= 1_000_000;
    }
    w.write(frame, sec, usec * 1000);
    wn.write(frame, sec, usec * 1000);
  }
  await w.close();
  await wn.close();
  fs.renameSync(`${SYNTH_PCAP}.tmp`, SYNTH_PCAP);
  fs.renameSync(`${SYNTH_PCAPNG}.tmp`, SYNTH_PCAPNG);
}

// ---- readers under test ----

let sink = 0;
function onPacket(p: CapturedPacket): void {
  sink = (sink + p.caplen + p.data[p.offset]!) | 0; // int arithmetic: a float sum would allocate a heap number per packet
}

function netsieveSync(input: string | Uint8Array): number {
  const r = openCaptureSync(input);
  while (r.pumpSync(onPacket)) {
    // every packet goes to onPacket
  }
  r.close();
  return r.packets;
}

async function netsieveAsync(input: Parameters<typeof openCapture>[0]): Promise<number> {
  const r = await openCapture(input);
  while (await r.pump(onPacket)) {
    // every packet goes to onPacket
  }
  r.close();
  return r.packets;
}

/**
 * pcap-parser driven synchronously: the file read in 64 KiB chunks (its stream's default) and fed to its
 * 'data' handler in the same call, so it can run in runSuite alongside netsieve's synchronous reader.
 */
function pcapParserSync(file: string): number {
  const fake = new EventEmitter() as EventEmitter & { pause(): void; resume(): void };
  fake.pause = () => {};
  fake.resume = () => {};
  const parser = pcapp.parse(fake as unknown as NodeJS.ReadableStream);
  let n = 0;
  parser.on('packet', (p: { header: { capturedLength: number }; data: Buffer }) => {
    sink = (sink + p.header.capturedLength + p.data[0]!) | 0;
    n++;
  });
  const fd = fs.openSync(file, 'r');
  for (;;) {
    const chunk = Buffer.allocUnsafe(65536);
    const got = fs.readSync(fd, chunk, 0, 65536, null);
    if (got === 0) break;
    fake.emit('data', got === 65536 ? chunk : chunk.subarray(0, got));
  }
  fs.closeSync(fd);
  fake.emit('end');
  return n;
}

function pcapParserAsync(file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let n = 0;
    const parser = pcapp.parse(file);
    parser.on('packet', (p: { header: { capturedLength: number }; data: Buffer }) => {
      sink = (sink + p.header.capturedLength + p.data[0]!) | 0;
      n++;
    });
    parser.on('end', () => resolve(n));
    parser.on('error', reject);
  });
}

/** Median of `runs` whole-file runs of an async case (after one warm-up), as a BenchRow. */
async function timeAsync(
  suite: string,
  name: string,
  fn: () => Promise<number>,
  bytes: number,
  runs: number,
): Promise<BenchRow & { packets: number }> {
  let packets = await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    packets = await fn();
    times.push((performance.now() - t) / 1000);
  }
  const m = median(times);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  const sd = Math.sqrt(times.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, times.length - 1));
  return {
    suite,
    name,
    medianMs: m * 1000,
    mbPerSec: bytes / m / 1e6,
    packetsPerSec: packets / m,
    ratio: 1,
    samples: runs,
    rme: (100 * sd) / Math.sqrt(times.length) / mean,
    packets,
  };
}

// ---- suites ----

async function main(): Promise<void> {
  console.log(`# capture benchmark\n${machine()}`);
  await ensureSynthetic();
  const synthBytes = fs.statSync(SYNTH_PCAP).size;
  const synthNgBytes = fs.statSync(SYNTH_PCAPNG).size;
  const synthPackets = netsieveSync(SYNTH_PCAP);
  if (netsieveSync(SYNTH_PCAPNG) !== synthPackets || pcapParserSync(SYNTH_PCAP) !== synthPackets)
    throw new Error('readers disagree on the synthetic capture');
  const synthInMemory = new Uint8Array(fs.readFileSync(SYNTH_PCAP));
  const big = { minSamples: 5, maxTime: 4 };

  runSuite(
    `read synthetic-2to1 (${(synthBytes / 1e6).toFixed(0)} MB, ${synthPackets} packets), synchronous`,
    [
      {
        name: 'pcap-parser (path, 64 KiB sync reads)',
        fn: () => void pcapParserSync(SYNTH_PCAP),
        bytes: synthBytes,
        packets: synthPackets,
        baseline: true,
      },
      { name: 'netsieve pcap (path)', fn: () => void netsieveSync(SYNTH_PCAP), bytes: synthBytes, packets: synthPackets },
      {
        name: 'netsieve pcap (Uint8Array in memory)',
        fn: () => void netsieveSync(synthInMemory),
        bytes: synthBytes,
        packets: synthPackets,
      },
      { name: 'netsieve pcapng (path)', fn: () => void netsieveSync(SYNTH_PCAPNG), bytes: synthNgBytes, packets: synthPackets },
    ],
    big,
  );

  const suite = `read synthetic-2to1, asynchronous inputs`;
  const rows = [
    await timeAsync(suite, 'pcap-parser (parse(path): its own fs stream)', () => pcapParserAsync(SYNTH_PCAP), synthBytes, 5),
    await timeAsync(suite, 'netsieve pcap (openCapture(path), await pump)', () => netsieveAsync(SYNTH_PCAP), synthBytes, 7),
    await timeAsync(
      suite,
      'netsieve pcap (Node stream: fs.createReadStream, 64 KiB chunks)',
      () => netsieveAsync(fs.createReadStream(SYNTH_PCAP)),
      synthBytes,
      7,
    ),
    await timeAsync(
      suite,
      'netsieve pcap (Node stream, 1 MiB chunks)',
      () => netsieveAsync(fs.createReadStream(SYNTH_PCAP, { highWaterMark: 1 << 20 })),
      synthBytes,
      7,
    ),
  ];
  for (const r of rows) r.ratio = rows[0]!.medianMs / r.medianMs;
  printTable(suite, rows, rows[0]!.name);

  if (fs.existsSync(HTTP_BULK)) {
    const bytes = fs.statSync(HTTP_BULK).size;
    const packets = netsieveSync(HTTP_BULK);
    runSuite(
      `read http-bulk (${(bytes / 1e6).toFixed(0)} MB, ${packets} packets, real nginx/curl traffic)`,
      [
        {
          name: 'pcap-parser (path, 64 KiB sync reads)',
          fn: () => void pcapParserSync(HTTP_BULK),
          bytes,
          packets,
          baseline: true,
        },
        { name: 'netsieve pcap (path)', fn: () => void netsieveSync(HTTP_BULK), bytes, packets },
      ],
      big,
    );
  } else {
    console.log(`\n(${HTTP_BULK} absent: bench/record-capture.sh records it; suite skipped)`);
  }

  if (fs.existsSync(FIXTURES)) {
    const files = fs
      .readdirSync(FIXTURES)
      .filter((f) => /\.pcap(ng)?$/.test(f))
      .map((f) => path.join(FIXTURES, f));
    const classic = files.filter((f) => {
      const b = Buffer.alloc(4);
      const fd = fs.openSync(f, 'r');
      fs.readSync(fd, b, 0, 4, 0);
      fs.closeSync(fd);
      return b.readUInt32LE(0) === 0xa1b2c3d4 || b.readUInt32BE(0) === 0xa1b2c3d4;
    });
    const size = (fs_: string[]) => fs_.reduce((n, f) => n + fs.statSync(f).size, 0);
    const count = (fs_: string[]) => fs_.reduce((n, f) => n + netsieveSync(f), 0);
    runSuite(
      `read the ${classic.length} classic-pcap fixtures (${(size(classic) / 1e6).toFixed(1)} MB) and all ${files.length} fixtures (${(size(files) / 1e6).toFixed(1)} MB), each file opened and read`,
      [
        {
          name: `pcap-parser: ${classic.length} classic files (sync reads)`,
          fn: () =>
            classic.forEach((f) => {
              pcapParserSync(f);
            }),
          bytes: size(classic),
          packets: count(classic),
          baseline: true,
        },
        {
          name: `netsieve: ${classic.length} classic files (path)`,
          fn: () =>
            classic.forEach((f) => {
              netsieveSync(f);
            }),
          bytes: size(classic),
          packets: count(classic),
        },
        {
          name: `netsieve: all ${files.length} files, pcap and pcapng (path)`,
          fn: () =>
            files.forEach((f) => {
              netsieveSync(f);
            }),
          bytes: size(files),
          packets: count(files),
        },
      ] satisfies BenchCase[],
      { minSamples: 10, maxTime: 3 },
    );
  } else {
    console.log(`\n(${FIXTURES} absent: fixture suite skipped)`);
  }
  if (sink === 0.5) console.log(sink); // keeps `sink` observable
}

await main();
