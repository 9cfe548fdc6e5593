/**
 * The benchmark harness every `bench/*.bench.ts` uses: runs cases with the `benchmark` package, prints a
 * table of medians (time per operation, MB/s, packets/s) and each case's ratio to the suite's baseline,
 * which runs in the same process so the ratio holds on a noisy machine.
 */
import Benchmark from 'benchmark';
import os from 'node:os';
import { openCaptureSync } from '../src/index.js';

export interface BenchCase {
  name: string;
  /** One operation. Must do the whole unit of work each call (a whole file, a whole corpus). */
  fn: () => void;
  /** Bytes processed by one operation (for MB/s). */
  bytes?: number;
  /** Packets processed by one operation (for packets/s). */
  packets?: number;
  /** The case the others are compared with (the first case when none is marked). */
  baseline?: boolean;
}

export interface BenchRow {
  suite: string;
  name: string;
  medianMs: number;
  mbPerSec: number | null;
  packetsPerSec: number | null;
  ratio: number;
  samples: number;
  rme: number;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 === 1 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

/** Runs the cases one after another (never in parallel) and prints the table; returns the rows. */
export function runSuite(suite: string, cases: BenchCase[], opts: { minSamples?: number; maxTime?: number } = {}): BenchRow[] {
  const bs = new Benchmark.Suite(suite);
  for (const c of cases) {
    bs.add(c.name, c.fn, { minSamples: opts.minSamples ?? 10, maxTime: opts.maxTime ?? 3 });
  }
  bs.run({ async: false });
  return report(suite, cases, bs);
}

/** Medians, rates and ratios to the baseline for a finished suite; prints the table. */
function report(suite: string, cases: readonly Omit<BenchCase, 'fn'>[], bs: Benchmark.Suite): BenchRow[] {
  const benches: Benchmark[] = [];
  bs.forEach((b: Benchmark) => {
    benches.push(b);
  });
  for (const b of benches) {
    const error = (b as unknown as { error?: unknown }).error;
    if (error) throw error;
  }
  const base = cases.find((c) => c.baseline) ?? cases[0]!;
  const baseMedian = median(benches[cases.indexOf(base)]!.stats.sample);
  const rows: BenchRow[] = benches.map((b, i) => {
    const c = cases[i]!;
    const m = median(b.stats.sample);
    return {
      suite,
      name: c.name,
      medianMs: m * 1000,
      mbPerSec: c.bytes ? c.bytes / m / 1e6 : null,
      packetsPerSec: c.packets ? c.packets / m : null,
      ratio: baseMedian / m,
      samples: b.stats.sample.length,
      rme: b.stats.rme,
    };
  });
  printTable(suite, rows, base.name);
  return rows;
}

export interface AsyncBenchCase extends Omit<BenchCase, 'fn'> {
  /** One operation, asynchronous (a replay through an async iterator, a stream). */
  fn: () => Promise<void>;
}

/**
 * Like runSuite for asynchronous operations (benchmark.js deferred cases). Each case runs on its own, one
 * after the other; the table and ratios are computed the same way.
 */
export async function runSuiteAsync(
  suite: string,
  cases: AsyncBenchCase[],
  opts: { minSamples?: number; maxTime?: number } = {},
): Promise<BenchRow[]> {
  const bs = new Benchmark.Suite(suite);
  for (const c of cases) {
    bs.add(c.name, {
      defer: true,
      minSamples: opts.minSamples ?? 10,
      maxTime: opts.maxTime ?? 3,
      fn(deferred: { resolve(): void }) {
        c.fn().then(
          () => deferred.resolve(),
          (e: unknown) => {
            console.error(e);
            process.exit(1);
          },
        );
      },
    });
  }
  await new Promise<void>((resolve) => {
    bs.on('complete', () => resolve());
    bs.run({ async: true });
  });
  return report(suite, cases, bs);
}

export function printTable(suite: string, rows: BenchRow[], baseline: string): void {
  const fmt = (v: number | null, d = 1) => (v === null ? '-' : v >= 100 ? v.toFixed(0) : v.toFixed(d));
  const lines = [
    `\n## ${suite}  (baseline: ${baseline})`,
    '| case | median ms/op | MB/s | packets/s | × baseline | samples | ±% |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.medianMs.toFixed(3)} | ${fmt(r.mbPerSec)} | ${r.packetsPerSec === null ? '-' : Math.round(r.packetsPerSec).toLocaleString('en-US')} | ${r.ratio.toFixed(2)} | ${r.samples} | ${r.rme.toFixed(1)} |`,
    ),
  ];
  console.log(lines.join('\n'));
}

/** One request/response exchange of a connection-level benchmark (bytes of each direction). */
export interface Exchange {
  req: Uint8Array;
  resp: Uint8Array;
}

/** What the protocol benchmarks feed: a TCP parser's `onData`/`onEnd`. */
interface ConnectionLike {
  onData(direction: 0 | 1, data: Uint8Array, start: number, end: number): void;
  onEnd(direction: 0 | 1, reason: 'fin'): void;
}

/** Feeds every exchange to `conn`, each direction in `piece`-byte pieces (one MSS), then ends both directions. */
export function feedExchanges(conn: ConnectionLike, exchanges: readonly Exchange[], piece: number): void {
  for (const t of exchanges) {
    // Two plain loops: nothing allocated inside the measured work.
    for (let p = 0; p < t.req.length; p += piece) conn.onData(0, t.req, p, Math.min(t.req.length, p + piece));
    for (let p = 0; p < t.resp.length; p += piece) conn.onData(1, t.resp, p, Math.min(t.resp.length, p + piece));
  }
  conn.onEnd(0, 'fin');
  conn.onEnd(1, 'fin');
}

/**
 * The baseline of line-protocol parsers: every LF of the same bytes, found with `indexOf`, piece by piece as
 * the parser sees them (the least a line-oriented parser must do).
 */
export function countLines(exchanges: readonly Exchange[], piece: number): number {
  let n = 0;
  for (const t of exchanges) {
    for (const b of [t.req, t.resp]) {
      for (let p = 0; p < b.length; p += piece) {
        const e = Math.min(b.length, p + piece);
        let i = b.indexOf(10, p);
        while (i >= 0 && i < e) {
          n++;
          i = b.indexOf(10, i + 1);
        }
      }
    }
  }
  return n;
}

/** Packets and captured bytes in a capture file (one pass before timing, so cases can report rates). */
export function countCapture(file: string): { packets: number; bytes: number } {
  const r = openCaptureSync(file);
  let packets = 0;
  let bytes = 0;
  while (
    r.pumpSync((p) => {
      packets++;
      bytes += p.caplen;
    })
  );
  r.close();
  return { packets, bytes };
}
