/**
 * The DLP scanner's speed on bench/regex/corpus.ts's HTTP-like traffic (16 MiB): block scans of the whole
 * corpus and streams of 1460-byte chunks, all sensors. Not a test (no clock in tests): run it by hand,
 * `npx tsx test/detect/dlp/speed.ts [MiB]`, and report the figures.
 */
import { httpCorpusWithStats } from '../../../bench/regex/corpus.js';
import { compileDlp } from '../../../src/detect/dlp/index.js';

const mib = Number(process.argv[2] ?? 16);
const { data, stats: corpus } = httpCorpusWithStats(mib * 1024 * 1024);
const t0 = performance.now();
const dlp = compileDlp('all');
const compileMs = performance.now() - t0;

function best(runs: number, f: () => void): number {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    f();
    min = Math.min(min, performance.now() - t);
  }
  return min;
}

let blockFindings = 0;
const blockMs = best(5, () => {
  blockFindings = dlp.scan(data).length;
});
let streamFindings = 0;
const streamMs = best(3, () => {
  const s = dlp.openStream();
  streamFindings = 0;
  for (let at = 0; at < data.length; at += 1460) streamFindings += s.scan(data.subarray(at, at + 1460)).length;
  streamFindings += s.close().length;
});
const mbs = (ms: number) => (data.length / 1e6 / (ms / 1000)).toFixed(0);
console.log(`corpus: ${mib} MiB, ${corpus.exchanges} exchanges, ${corpus.plantCount} planted secrets`);
console.log(`compile: ${compileMs.toFixed(0)} ms; stream state ${dlp.streamDb.streamStateSize} B + tail ${dlp.tailBytes} B`);
console.log(`block: ${mbs(blockMs)} MB/s (${blockMs.toFixed(1)} ms), ${blockFindings} findings`);
console.log(`stream (1460-byte chunks): ${mbs(streamMs)} MB/s (${streamMs.toFixed(1)} ms), ${streamFindings} findings`);
console.log('stats (all runs):', dlp.stats);
