/**
 * The regex suite's timing: bench/lib.ts's table, with two things runSuite does not do.
 *
 * - Rows measured elsewhere (native Hyperscan's own per-pass times, from the harness process) go into the same
 *   table as the benchmark.js rows, so each table is built here and printed once with lib.ts's `printTable`.
 * - Cases differ by orders of magnitude in speed (a 1,200-way V8 alternation runs at well under 1 MB/s), so
 *   each case has its own sample count and time, and a slow V8 case may run on a prefix of the corpus. The
 *   ratio column is therefore a ratio of throughputs (MB/s over the baseline's MB/s), which is the ratio of
 *   times whenever two rows process the same bytes.
 */
import Benchmark from 'benchmark';
import { median, printTable, type BenchRow } from '../lib.js';

export interface TimedCase {
  name: string;
  /** Bytes one call processes. */
  bytes: number;
  fn: () => void;
  minSamples: number;
  /** Seconds after which sampling stops once `minSamples` are in. */
  maxTime: number;
}

/**
 * Runs the cases with benchmark.js, in `rounds` rounds of all cases one after another (each round a share of
 * the samples and time), and pools each case's samples: a virtual machine's speed drifts over seconds, and
 * interleaving spreads every case over the same stretches of time instead of giving each its own.
 * Rows have ratio 1 until `printRows` sets it.
 */
export function timeCases(suite: string, cases: readonly TimedCase[], rounds = 3): BenchRow[] {
  const samples: number[][] = cases.map(() => []);
  for (let r = 0; r < rounds; r++) {
    const bs = new Benchmark.Suite(suite);
    for (const c of cases)
      bs.add(c.name, c.fn, { minSamples: Math.max(1, Math.ceil(c.minSamples / rounds)), maxTime: c.maxTime / rounds });
    bs.run({ async: false });
    let i = 0;
    bs.forEach((b: Benchmark) => {
      const error = (b as unknown as { error?: unknown }).error;
      if (error) throw error;
      samples[i++]!.push(...b.stats.sample);
    });
  }
  return cases.map((c, i) => externalRow(suite, c.name, samples[i]!, c.bytes));
}

// Two-sided 95% critical values of Student's t by degrees of freedom (what benchmark.js uses for its ±%).
const T95 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101,
  2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** A row from times measured outside benchmark.js (seconds per pass). */
export function externalRow(suite: string, name: string, seconds: readonly number[], bytes: number): BenchRow {
  const n = seconds.length;
  const m = median(seconds);
  const mean = seconds.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? seconds.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  const rme = n > 1 ? ((Math.sqrt(variance / n) * (T95[n - 2] ?? 1.96)) / mean) * 100 : 0;
  return { suite, name, medianMs: m * 1000, mbPerSec: bytes / m / 1e6, packetsPerSec: null, ratio: 1, samples: n, rme };
}

/** Sets each row's ratio to its throughput over the baseline's, and prints the table. */
export function printRows(suite: string, rows: BenchRow[], baseline: string): void {
  const base = rows.find((r) => r.name === baseline) ?? rows[0]!;
  for (const r of rows) r.ratio = r.mbPerSec! / base.mbPerSec!;
  printTable(suite, rows, base.name);
}
