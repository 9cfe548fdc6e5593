/**
 * Two builds of netsieve's regex engine timed against each other in one process, interleaved pass by pass
 * (A, B, B, A, ...), so that a busy machine slows both alike: the check that a refactoring costs nothing.
 *
 *   npx tsx bench/regex-ab.ts <module A> <module B> [--mib 4] [--rounds 21] [--sets OWASP,DLP,LITERALS_1000]
 *
 * A module is any file exporting `compile` (a src/index.ts of another checkout: `git archive REV src wasm`
 * into a folder). For each set × case (block; stream in 1460-byte and 64 KiB chunks) it prints each side's
 * median and fastest pass and B's median as a percentage of A's; both must report the same matches.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { median, machine } from './lib.js';
import { chunk, httpCorpusWithStats, LARGE_CHUNK, SEGMENT_CHUNK } from './regex/corpus.js';
import { MatchCounter, type NsCompile, type NsDatabase } from './regex/netsieve.js';
import { SETS } from './regex/sets.js';

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    mib: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '21' },
    sets: { type: 'string', default: 'OWASP,DLP,LITERALS_1000' },
  },
});
if (positionals.length !== 2) throw new Error('usage: regex-ab.ts <module A> <module B> [--mib N] [--rounds N] [--sets A,B]');
const ROUNDS = Number(opt.rounds);
const BYTES = Math.round(Number(opt.mib) * 2 ** 20);

async function load(file: string): Promise<NsCompile> {
  const mod = (await import(pathToFileURL(path.resolve(file)).href)) as { compile?: NsCompile };
  if (typeof mod.compile !== 'function') throw new Error(`${file} does not export compile`);
  return mod.compile;
}
const sides = [await load(positionals[0]!), await load(positionals[1]!)];
const data = httpCorpusWithStats(BYTES).data;
const small = chunk(data, SEGMENT_CHUNK);
const large = chunk(data, LARGE_CHUNK);
console.log(
  `# regex A/B: A = ${positionals[0]}, B = ${positionals[1]}; ${opt.mib} MiB http corpus, ${ROUNDS} interleaved passes per side`,
);
console.log(`# ${machine()}\n`);
console.log('| set | case | A median ms | B median ms | A fastest ms | B fastest ms | B/A (medians) |');
console.log('|---|---|---:|---:|---:|---:|---:|');

type Pass = (db: NsDatabase, counter: MatchCounter) => void;
const streamPass =
  (chunks: Uint8Array[]): Pass =>
  (db, counter) => {
    const s = db.openStream();
    for (const c of chunks) s.scan(c, counter.onMatch);
    s.close(counter.onMatch);
    s.free?.();
  };
const cases: [string, 'block' | 'stream', Pass][] = [
  ['block', 'block', (db, counter) => void db.scan(data, counter.onMatch)],
  ['stream, 1460 B chunks', 'stream', streamPass(small)],
  ['stream, 64 KiB chunks', 'stream', streamPass(large)],
];

for (const name of opt.sets.split(',')) {
  const set = SETS.find((s) => s.name === name.trim());
  if (set === undefined) throw new Error(`unknown set ${name}`);
  const patterns = set.patterns.map((p) => ({ id: p.id, expression: p.expression, flags: p.flags }));
  const maxId = Math.max(...set.patterns.map((p) => p.id));
  for (const [label, mode, pass] of cases) {
    const options = mode === 'stream' && set.somHorizon !== undefined ? { mode, somHorizon: set.somHorizon } : { mode };
    const dbs = sides.map((compile) => compile(patterns, options));
    const times: number[][] = [[], []];
    const totals = [0, 0];
    for (let r = 0; r < ROUNDS + 1; r++) {
      for (const side of r % 2 === 0 ? [0, 1] : [1, 0]) {
        const counter = new MatchCounter(maxId);
        const t0 = performance.now();
        pass(dbs[side]!, counter);
        const ms = performance.now() - t0;
        if (r > 0) times[side]!.push(ms); // the first pass of each side warms up
        totals[side] = counter.total;
      }
    }
    if (totals[0] !== totals[1]) throw new Error(`${set.name} ${label}: A reports ${totals[0]} matches, B ${totals[1]}`);
    const [ma, mb] = [median(times[0]!), median(times[1]!)];
    const row = [
      set.name,
      label,
      ma.toFixed(2),
      mb.toFixed(2),
      Math.min(...times[0]!).toFixed(2),
      Math.min(...times[1]!).toFixed(2),
      `${((mb / ma) * 100).toFixed(1)}%`,
    ];
    console.log(`| ${row.join(' | ')} |`);
  }
}
