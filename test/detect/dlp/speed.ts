/**
 * The DLP scanner's speed on bench/regex/corpus.ts's HTTP-like traffic (16 MiB by default): block scans
 * of the whole corpus and streams of 1460-byte chunks, all sensors, validation and masking included.
 * Beside it, in the same process, the regex engine alone on the benchmark's DLP set (bench/regex/sets.ts,
 * 12 unvalidated patterns with `L`) as a yardstick. Not a test (tests never read the clock): run it by
 * hand, `npx tsx test/detect/dlp/speed.ts [MiB]`. Figures are the best of several runs, in wall-clock
 * time and in this process's CPU time (the steadier of the two on a shared machine).
 */
import { httpCorpusWithStats } from '../../../bench/regex/corpus.js';
import { DLP } from '../../../bench/regex/sets.js';
import { compileDlp } from '../../../src/detect/dlp/index.js';
import { compile } from '../../../src/regex/database.js';

const mib = Number(process.argv[2] ?? 16);
const { data, stats: corpus } = httpCorpusWithStats(mib * 1024 * 1024);
const t0 = performance.now();
const dlp = compileDlp('all');
const compileMs = performance.now() - t0;

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Best wall and CPU milliseconds of `runs` calls. */
function best(runs: number, f: () => void): { wall: number; cpu: number } {
  let wall = Number.POSITIVE_INFINITY;
  let cpu = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const w = performance.now();
    const c = cpuMs();
    f();
    cpu = Math.min(cpu, cpuMs() - c);
    wall = Math.min(wall, performance.now() - w);
  }
  return { wall, cpu };
}

const rate = (t: { wall: number; cpu: number }) =>
  `${(data.length / 1e6 / (t.wall / 1000)).toFixed(0)} MB/s wall, ${(data.length / 1e6 / (t.cpu / 1000)).toFixed(0)} MB/s CPU`;

function streamChunks(scan: (chunk: Uint8Array) => void): void {
  for (let at = 0; at < data.length; at += 1460) scan(data.subarray(at, at + 1460));
}

let blockFindings = 0;
const block = best(7, () => {
  blockFindings = dlp.scan(data).length;
});
let streamFindings = 0;
const stream = best(5, () => {
  const s = dlp.openStream();
  streamFindings = 0;
  streamChunks((c) => {
    streamFindings += s.scan(c).length;
  });
  streamFindings += s.close().length;
});

const specs = DLP.map((p) => ({ id: p.id, expression: p.expression, flags: p.flags }));
const refBlock = compile(specs, { mode: 'block' });
const refStream = compile(specs, { mode: 'stream', somHorizon: 512 });
const noop = () => {};
const ref = best(7, () => refBlock.scan(data, noop));
const refS = best(5, () => {
  const s = refStream.openStream();
  streamChunks((c) => s.scan(c, noop));
  s.close(noop);
});

console.log(`corpus: ${mib} MiB of HTTP, ${corpus.exchanges} exchanges, ${corpus.plantCount} planted values`);
console.log(
  `compileDlp('all'): ${compileMs.toFixed(0)} ms; per stream: ${dlp.streamDb.streamStateSize} B of regex state + ${2 * dlp.tailBytes} B of recent bytes`,
);
console.log(`DLP block:  ${rate(block)}; ${blockFindings} findings`);
console.log(`DLP stream (1460-byte chunks): ${rate(stream)}; ${streamFindings} findings`);
console.log(`yardstick, regex engine alone on bench DLP (12 patterns, L): block ${rate(ref)}; stream ${rate(refS)}`);
console.log('counters over all runs:', dlp.stats);
