/**
 * Multi-pattern regex matching: netsieve's engine against V8 (what Node.js offers without it) and native
 * Hyperscan (what it is modelled on), on three pattern sets and two corpora.
 *
 *   npx tsx bench/regex.bench.ts [--mib 16] [--sets OWASP,DLP,LITERALS_1000] [--corpora http,random]
 *                                [--passes 10] [--budget 2.5] [--max-time 2]
 *                                [--real gitleaks,bounded] [--real-inputs http,random,adversarial] [--real-kib 256]
 *                                [--compile-sizes 1000]
 *
 * NETSIEVE_REGEX_MODULE=<path> takes netsieve's `compile` from another module than src/index.ts.
 *
 * Sets (bench/regex/sets.ts): OWASP-style WAF rules (23, caseless, three single-match), DLP rules (12, leftmost
 * start), a threat-intel blocklist (1,200 literals). Corpora (bench/regex/corpus.ts): generated HTTP/1.1
 * traffic with planted findings, and uniformly random bytes; `--mib` each.
 *
 * For each set × corpus, one table:
 * - V8 one alternation (`g`, counted with exec): the baseline. For the blocklist, whose caseless literals
 *   need `[aA]` classes in one RegExp, the baseline is one alternation per case mode (see bench/regex/v8.ts).
 * - V8 one RegExp per pattern.
 * - native Hyperscan, block mode and stream mode in 1460-byte and 64 KiB chunks, timed by its own harness
 *   (bench/regex/hyperscan-harness.c, another process on the same machine, run just before the other rows).
 * - netsieve block and stream (1460-byte and 64 KiB chunks), when src/index.ts exports `compile`.
 * A V8 or netsieve case slower than `--budget` seconds per pass runs on a prefix of the corpus (its name says
 * so; netsieve's are then compared with a Hyperscan run on the same prefix); the × column is a ratio of
 * throughputs, so it holds for those rows too.
 *
 * Then the match counts of every engine side by side, compared with Hyperscan's block mode per pattern
 * (count, and sums of start and end offsets), and the compile times.
 *
 * Real rule sets (issue #9, bench/regex/real-sets.ts), `--real`: `crs` (the OWASP CRS v4 `@rx` regexes,
 * from the shared folder), `gitleaks` (the gitleaks rules' regexes, same), `bounded` (generated bounded
 * repeats), each on `--real-inputs` of `--real-kib` KiB: HTTP-like traffic, random bytes, and input built to
 * hurt that set (dense openers of its bounded repeats). No V8 rows (the patterns are PCRE, not JavaScript):
 * native Hyperscan's block mode is the baseline, so the × column of a netsieve row is its share of
 * Hyperscan's throughput (the target is ≥ 0.5). Then compile times of `--compile-sizes` generated rule-like
 * patterns (bench/regex/real-sets.ts `generatedRules`), beside the sets', with netsieve / Hyperscan ratios
 * (the target is ≤ 3×).
 *
 * What takes long with today's engine is left out by default so that a run stays within minutes: CRS (its
 * netsieve compilation alone takes over a minute; scans are seconds per KiB, bounded by `--budget` like any
 * netsieve row) and 10,000 generated patterns. `--real crs,gitleaks,bounded --compile-sizes 1000,10000`,
 * or NETSIEVE_BENCH_SLOW=1, adds them. `--real none` and `--compile-sizes none` leave the parts out.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SHARED_DIR } from '../test/support/corpus.js';
import type { BenchRow } from './lib.js';
import { machine } from './lib.js';
import { chunk, DEFAULT_CORPUS_BYTES, httpCorpusWithStats, LARGE_CHUNK, randomCorpus, SEGMENT_CHUNK } from './regex/corpus.js';
import { hyperscanHarness, runHyperscan, type HsRun, type MatchTally } from './regex/hyperscan.js';
import { loadNetsieve, MatchCounter, type NsCompile, type NsDatabase, type OnMatch } from './regex/netsieve.js';
import { externalRow, printRows, timeCases, type TimedCase } from './regex/runner.js';
import {
  adversarialInput,
  boundedRepeatSet,
  crsRxPatterns,
  generatedRules,
  gitleaksPatterns,
  type RuleSet,
} from './regex/real-sets.js';
import { SETS, type BenchPattern, type PatternSet } from './regex/sets.js';
import { countAlternation, countAlternationsByCase, countPerPattern, latin1, prepareV8 } from './regex/v8.js';

/** NETSIEVE_BENCH_SLOW=1: the cases that take minutes with today's engine are in the defaults too. */
const SLOW = process.env.NETSIEVE_BENCH_SLOW === '1';

const { values: opt } = parseArgs({
  options: {
    mib: { type: 'string', default: String(DEFAULT_CORPUS_BYTES / 2 ** 20) },
    sets: { type: 'string', default: SETS.map((s) => s.name).join(',') },
    corpora: { type: 'string', default: 'http,random' },
    passes: { type: 'string', default: '10' },
    budget: { type: 'string', default: '2.5' },
    'max-time': { type: 'string', default: '2' },
    real: { type: 'string', default: SLOW ? 'crs,gitleaks,bounded' : 'gitleaks,bounded' },
    'real-inputs': { type: 'string', default: 'http,random,adversarial' },
    'real-kib': { type: 'string', default: '256' },
    'compile-sizes': { type: 'string', default: SLOW ? '1000,10000' : '1000' },
  },
});
const BYTES = Math.round(Number(opt.mib) * 2 ** 20);
const PASSES = Number(opt.passes);
const BUDGET = Number(opt.budget);
const MAX_TIME = Number(opt['max-time']);
const sets = opt.sets.split(',').map((name) => {
  const s = SETS.find((x) => x.name.toLowerCase() === name.trim().toLowerCase());
  if (s === undefined) throw new Error(`unknown set ${name}; sets: ${SETS.map((x) => x.name).join(', ')}`);
  return s;
});
const corpusNames = opt.corpora.split(',').map((c) => c.trim());
const list = (v: string) => (v.trim() === 'none' || v.trim() === '' ? [] : v.split(',').map((x) => x.trim()));
const realNames = list(opt.real);
const realInputs = list(opt['real-inputs']);
const REAL_BYTES = Math.round(Number(opt['real-kib']) * 1024);
const compileSizes = list(opt['compile-sizes']).map(Number);
if (
  !(BYTES > 0) ||
  !(PASSES > 0) ||
  !(BUDGET > 0) ||
  !(REAL_BYTES > 0) ||
  corpusNames.some((c) => c !== 'http' && c !== 'random') ||
  realNames.some((r) => !['crs', 'gitleaks', 'bounded'].includes(r)) ||
  realInputs.some((r) => !['http', 'random', 'adversarial'].includes(r)) ||
  compileSizes.some((n) => !(Number.isInteger(n) && n > 0))
) {
  throw new Error(
    'usage: regex.bench.ts [--mib N] [--sets OWASP,DLP,LITERALS_1000] [--corpora http,random] [--passes N] [--budget s] [--max-time s]\n' +
      '       [--real crs,gitleaks,bounded|none] [--real-inputs http,random,adversarial] [--real-kib N] [--compile-sizes 1000,10000|none]',
  );
}

const mib = (n: number) => (n >= 2 ** 20 ? `${+(n / 2 ** 20).toFixed(2)} MiB` : `${+(n / 1024).toFixed(1)} KiB`);
const ms = (sec: number) => (sec * 1000).toFixed(sec < 0.01 ? 2 : 1);

interface Corpus {
  name: string;
  data: Uint8Array;
  text: string;
  small: Uint8Array[];
  large: Uint8Array[];
}

console.log(`# regex: multi-pattern matching, ${mib(BYTES)} corpora`);
console.log(`# ${machine()}`);

const corpora: Corpus[] = corpusNames.map((name) => {
  let data: Uint8Array;
  if (name === 'http') {
    const g = httpCorpusWithStats(BYTES);
    data = g.data;
    console.log(
      `# corpus http: ${g.stats.exchanges.toLocaleString('en-US')} request/response pairs, ${g.stats.plantCount} planted findings (${Object.keys(g.stats.plants).length} kinds), ` +
        `${((g.stats.binaryBytes / BYTES) * 100).toFixed(0)}% of bytes in binary bodies`,
    );
  } else {
    data = randomCorpus(BYTES);
    console.log('# corpus random: uniformly random bytes');
  }
  return corpusOf(name, data);
});

function corpusOf(name: string, data: Uint8Array): Corpus {
  return { name, data, text: latin1(data), small: chunk(data, SEGMENT_CHUNK), large: chunk(data, LARGE_CHUNK) };
}

// The harness keeps each set's compiled Hyperscan databases here for the run (CRS's block database takes
// minutes to compile): compiled and timed on a set's first corpus, loaded for the others. Removed at exit.
const HS_DB_CACHE = fs.mkdtempSync(path.join(os.tmpdir(), 'netsieve-hs-dbs-'));
process.on('exit', () => fs.rmSync(HS_DB_CACHE, { recursive: true, force: true }));

const ns = await loadNetsieve();
console.log('compile' in ns ? `# netsieve: compile() from ${ns.from}` : `# netsieve: ${ns.reason}`);
const hs = hyperscanHarness();
console.log(
  hs.ok ? `# native Hyperscan ${hs.version} (harness ${hs.binary})` : `# native Hyperscan: skipped (${hs.hint}): ${hs.reason}`,
);
console.log(
  '# match counts: Hyperscan and netsieve report every (pattern, end offset), single-match (H) patterns once; V8 counts\n' +
    '# non-overlapping matches (leftmost first), per pattern or for the whole alternation, so its counts differ by design.',
);

interface CompileFigures {
  set: string;
  patterns: number;
  hs: HsRun | null;
  nsBlockSec: number | null;
  nsStreamSec: number | null;
  /** Bytes of one netsieve stream's state (db.streamStateSize), and the SOM horizon it was compiled with. */
  nsStreamState: number | null;
  nsError: string | null;
}
const compileFigures: CompileFigures[] = [];

/** Sets whose patterns have no JavaScript forms (the real rule sets): no V8 rows, Hyperscan is the baseline. */
const withoutV8 = new WeakSet<PatternSet>();
const runs: { set: PatternSet; corpora: Corpus[] }[] = sets.map((set) => ({ set, corpora }));
runs.push(...realRuns());

for (const { set, corpora } of runs) {
  console.log(`\n# ${set.name}: ${set.description}`);
  const v8 = withoutV8.has(set) ? null : prepareV8(set);
  const maxId = Math.max(...set.patterns.map((p) => p.id));
  const nsDbs = 'compile' in ns ? compileNetsieve(ns.compile, set) : null;
  const figures: CompileFigures = {
    set: set.name,
    patterns: set.patterns.length,
    hs: null,
    nsBlockSec: null,
    nsStreamSec: null,
    nsStreamState: null,
    nsError: null,
  };
  if (nsDbs !== null && 'error' in nsDbs) {
    figures.nsError = nsDbs.error;
    console.log(`netsieve: compile failed for ${set.name}: ${nsDbs.error}`);
  } else if (nsDbs !== null) {
    figures.nsBlockSec = nsDbs.blockSec;
    figures.nsStreamSec = nsDbs.streamSec;
    const size = (nsDbs.stream as { streamStateSize?: number }).streamStateSize;
    figures.nsStreamState = typeof size === 'number' ? size : null;
  }
  compileFigures.push(figures);

  for (const corpus of corpora) {
    const suite = `regex: ${set.name} × ${corpus.name} (${mib(corpus.data.length)})`;
    const counts: CountLine[] = [];
    const cases: TimedCase[] = [];

    // Native Hyperscan first: its harness times itself.
    let hsRun: HsRun | null = null;
    try {
      hsRun = runHyperscan(set.patterns, corpus.data, { passes: PASSES, dbCache: HS_DB_CACHE });
      figures.hs ??= hsRun;
    } catch (e) {
      console.log(`native Hyperscan failed on ${set.name}: ${e instanceof Error ? e.message : String(e)}`);
    }

    // V8 (not for the real sets).
    let baseline = '';
    if (v8 !== null) {
      const alternationName = 'V8: one alternation';
      const byCaseName = `V8: one alternation per case mode (${v8.byCase?.length ?? 0} RegExps)`;
      cases.push(
        planV8(
          alternationName,
          corpus,
          (t) => countAlternation(v8, t),
          counts,
          'non-overlapping matches of the whole alternation',
        ),
      );
      if (v8.byCase !== null)
        cases.push(
          planV8(
            byCaseName,
            corpus,
            (t) => countAlternationsByCase(v8, t),
            counts,
            'non-overlapping matches per case-mode alternation, summed',
          ),
        );
      const perPatternIds = new Map<number, number>();
      cases.push(
        planV8(
          `V8: one RegExp per pattern (${set.patterns.length})`,
          corpus,
          (t) => countPerPattern(v8, t, perPatternIds),
          counts,
          'non-overlapping matches per pattern, summed',
          perPatternIds,
        ),
      );
      baseline = v8.byCase !== null ? cases[1]!.name : cases[0]!.name;
    }

    // netsieve.
    if (nsDbs !== null && !('error' in nsDbs)) planNetsieve(set, corpus, nsDbs, maxId, cases, counts);

    const rows: BenchRow[] = cases.length > 0 ? timeCases(suite, cases) : [];
    if (hsRun !== null) {
      const v = hsRun.version.split(' ')[0];
      const modes: [string, keyof HsRun['modes']][] = [
        [`Hyperscan ${v} block (native)`, 'block'],
        [`Hyperscan ${v} stream, ${SEGMENT_CHUNK} B chunks (native)`, 'streamSmall'],
        [`Hyperscan ${v} stream, ${mib(LARGE_CHUNK)} chunks (native)`, 'streamLarge'],
      ];
      const at = rows.findIndex((r) => r.name.startsWith('netsieve'));
      const hsRows = modes.map(([name, m]) => externalRow(suite, name, hsRun!.modes[m].seconds, corpus.data.length));
      rows.splice(at < 0 ? rows.length : at, 0, ...hsRows);
      if (v8 === null) baseline = hsRows[0]!.name;
      counts.unshift(
        ...modes.map(([name, m]): CountLine => {
          const f = hsRun!.modes[m];
          return {
            engine: name,
            bytes: corpus.data.length,
            matches: f.matches,
            perId: f.perId,
            kind: 'exact',
            reference: m === 'block',
            note: f.consistent ? undefined : 'its timed passes counted differently!',
          };
        }),
      );
    }
    if (rows.length > 0) printRows(suite, rows, baseline);
    // Exact counts (Hyperscan block, the reference, first), then V8's.
    printCounts(set, corpus, [...counts.filter((c) => c.kind === 'exact'), ...counts.filter((c) => c.kind === 'v8')]);
  }
}

compileFigures.push(...generatedCompileFigures());
printCompileTimes(compileFigures);

// ---------------------------------------------------------------------------------------------------------------

/**
 * The real rule sets (`--real`), each with its inputs: the HTTP and random corpora of `--real-kib` (made once,
 * shared by the sets) and the set's own adversarial input. A set whose files are absent is skipped, saying so.
 */
function realRuns(): { set: PatternSet; corpora: Corpus[] }[] {
  const out: { set: PatternSet; corpora: Corpus[] }[] = [];
  if (realNames.length === 0) return out;
  const shared = new Map<string, Corpus>();
  const common = (name: 'http' | 'random'): Corpus => {
    let c = shared.get(name);
    if (c === undefined) {
      c = corpusOf(name, name === 'http' ? httpCorpusWithStats(REAL_BYTES).data : randomCorpus(REAL_BYTES));
      shared.set(name, c);
    }
    return c;
  };
  for (const name of realNames) {
    let rules: RuleSet;
    let description: string;
    if (name === 'bounded') {
      rules = boundedRepeatSet();
      description = 'generated bounded repeats (w1.{0,N}w2, [^>]{0,N}, \\d{3,40}, (?:ab|cd){5,20}, N up to 300)';
    } else {
      const dir = path.join(SHARED_DIR, name);
      if (!fs.existsSync(dir)) {
        console.log(`\n# ${name}: skipped, ${dir} is absent`);
        continue;
      }
      rules = name === 'crs' ? crsRxPatterns(dir) : gitleaksPatterns(dir);
      description =
        name === 'crs'
          ? `OWASP CRS v4 @rx regexes of ${dir}/rules (flag s, as ModSecurity compiles them)`
          : `the gitleaks rules' regexes of ${dir}`;
    }
    if (rules.checked !== true) console.log(`# ${rules.name}: not checked against Hyperscan (${rules.checked})`);
    if (rules.refused.length > 0) {
      const reasons = new Map<string, number>();
      for (const r of rules.refused) reasons.set(r.reason, (reasons.get(r.reason) ?? 0) + 1);
      description += `; ${rules.refused.length} left out (${[...reasons].map(([r, n]) => `${n}: ${r}`).join('; ')})`;
    }
    const set: PatternSet = {
      name: rules.name,
      description: `${rules.patterns.length} patterns, ${description}`,
      patterns: rules.patterns.map((p) => ({ id: p.id, name: p.rule, expression: p.expression, flags: p.flags, js: '' })),
      jsFlags: '',
    };
    withoutV8.add(set);
    const setCorpora = realInputs.map((input) =>
      input === 'adversarial'
        ? corpusOf('adversarial', adversarialInput(rules.patterns, REAL_BYTES))
        : common(input as 'http' | 'random'),
    );
    out.push({ set, corpora: setCorpora });
  }
  return out;
}

/** Compile times of `--compile-sizes` generated rule-like patterns, native Hyperscan beside netsieve. */
function generatedCompileFigures(): CompileFigures[] {
  const out: CompileFigures[] = [];
  for (const n of compileSizes) {
    const patterns = generatedRules(n);
    const set: PatternSet = {
      name: `generated ${n.toLocaleString('en-US')}`,
      description: 'rule-like patterns for compile time',
      patterns: patterns.map((p) => ({ id: p.id, name: p.rule, expression: p.expression, flags: p.flags, js: '' })),
      jsFlags: '',
    };
    const f: CompileFigures = {
      set: set.name,
      patterns: n,
      hs: null,
      nsBlockSec: null,
      nsStreamSec: null,
      nsStreamState: null,
      nsError: null,
    };
    try {
      // One pass over a little data: the harness scans what it compiles; only its compile times are used.
      f.hs = runHyperscan(set.patterns, randomCorpus(4096), { passes: 1, compiles: 3 });
    } catch (e) {
      console.log(`native Hyperscan failed on ${set.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
    if ('compile' in ns) {
      const dbs = compileNetsieve(ns.compile, set);
      if ('error' in dbs) f.nsError = dbs.error;
      else {
        f.nsBlockSec = dbs.blockSec;
        f.nsStreamSec = dbs.streamSec;
        const size = (dbs.stream as { streamStateSize?: number }).streamStateSize;
        f.nsStreamState = typeof size === 'number' ? size : null;
      }
    }
    out.push(f);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------

interface CountLine {
  engine: string;
  /** Bytes the count covers (a V8 row may run on a prefix). */
  bytes: number;
  matches: number;
  perId?: Map<number, MatchTally | number>;
  /** exact: every (pattern, end offset), as Hyperscan reports; v8: non-overlapping, differs by design. */
  kind: 'exact' | 'v8';
  /** Hyperscan's block mode: what the other lines over the same bytes are compared with. */
  reference?: boolean;
  note?: string | undefined;
}

/**
 * A V8 case: estimated on a 64 KiB prefix (after one warm-up there, which also compiles the RegExps), then run
 * on the whole corpus when that fits `--budget`, else on the largest power-of-two prefix that does. The run
 * that sizes it is also the one whose matches are counted.
 */
function planV8(
  name: string,
  corpus: Corpus,
  count: (text: string) => number,
  counts: CountLine[],
  note: string,
  perId?: Map<number, number>,
): TimedCase {
  const full = corpus.data.length;
  const probeBytes = Math.min(full, 64 * 1024);
  const probe = probeBytes === full ? corpus.text : latin1(corpus.data.subarray(0, probeBytes));
  count(probe);
  let t0 = performance.now();
  count(probe);
  const rate = probeBytes / ((performance.now() - t0) / 1000);
  let bytes = full;
  if (full / rate > BUDGET) {
    bytes = probeBytes;
    while (bytes * 2 <= full && (bytes * 2) / rate <= BUDGET) bytes *= 2;
  }
  const text = bytes === full ? corpus.text : latin1(corpus.data.subarray(0, bytes));
  const label = bytes === full ? name : `${name} (first ${mib(bytes)})`;
  perId?.clear();
  t0 = performance.now();
  const matches = count(text);
  const sec = (performance.now() - t0) / 1000;
  counts.push({ engine: label, bytes, matches, perId, kind: 'v8', note });
  return { name: label, bytes, fn: () => void count(text), minSamples: sec > 0.5 ? 3 : 10, maxTime: MAX_TIME };
}

/**
 * netsieve's three cases. Sized like a V8 case (a probe of 1 KiB growing to 256 KiB while fast, then the whole
 * corpus or the largest power-of-two prefix within `--budget`, at least 1 KiB), so that a slow engine under
 * construction cannot stall the suite; on a prefix, native Hyperscan also scans that prefix once, as the
 * reference its counts are compared with.
 */
function planNetsieve(
  set: PatternSet,
  corpus: Corpus,
  dbs: { block: NsDatabase; stream: NsDatabase },
  maxId: number,
  cases: TimedCase[],
  counts: CountLine[],
): void {
  const c = new MatchCounter(maxId);
  const onMatch = c.onMatch;
  const full = corpus.data.length;
  // Each mode is sized on its own (block and stream may differ by orders of magnitude, as `L` does).
  const modes: { label: string; run: (data: Uint8Array) => void }[] = [
    { label: 'netsieve block', run: (data) => void dbs.block.scan(data, onMatch) },
    {
      label: `netsieve stream, ${SEGMENT_CHUNK} B chunks`,
      run: (data) => scanStream(dbs.stream, data === corpus.data ? corpus.small : chunk(data, SEGMENT_CHUNK), onMatch),
    },
    {
      label: `netsieve stream, ${mib(LARGE_CHUNK)} chunks`,
      run: (data) => scanStream(dbs.stream, data === corpus.data ? corpus.large : chunk(data, LARGE_CHUNK), onMatch),
    },
  ];
  // The same 1460-byte stream over bytes already in the kernel's memory (inputBuffer()), as a pipeline that
  // reassembles into it would pass them: the difference from the row above is the cost of the copy.
  if (dbs.stream.inputBuffer !== undefined) {
    const resident = residentChunks(dbs.stream, SEGMENT_CHUNK);
    modes.push({
      label: `netsieve stream, ${SEGMENT_CHUNK} B chunks already in kernel memory (no copy)`,
      run: (data) => resident(data, onMatch),
    });
  }
  const referenced = new Set<number>();
  for (const mode of modes) {
    let bytes = full;
    try {
      // The probe starts at 1 KiB and grows to 256 KiB only while it is fast: today's engine scans some
      // real sets at seconds per KiB, and a 256 KiB probe there would take hours.
      const most = Math.min(full, 256 * 1024);
      let probeBytes = Math.min(full, 1024);
      // The first pass runs on fresh tables (a lazy DFA builds its states as it meets them); the timed passes
      // below repeat the same bytes and find them built, so the first pass is printed too.
      const cold = performance.now();
      mode.run(corpus.data.subarray(0, probeBytes));
      console.log(
        `# ${mode.label}: first pass over the first ${mib(probeBytes)} (tables not yet built for these bytes): ${ms((performance.now() - cold) / 1000)} ms`,
      );
      let rate: number;
      for (;;) {
        const t0 = performance.now();
        mode.run(corpus.data.subarray(0, probeBytes));
        const sec = (performance.now() - t0) / 1000;
        rate = probeBytes / sec;
        if (probeBytes >= most || sec > BUDGET / 16) break;
        probeBytes = Math.min(most, probeBytes * 8);
      }
      if (full / rate > BUDGET) {
        bytes = Math.min(full, 1024);
        while (bytes * 2 <= full && (bytes * 2) / rate <= BUDGET) bytes *= 2;
      }
    } catch (e) {
      console.log(
        `${mode.label} failed on ${set.name} × ${corpus.name}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
      );
      continue;
    }
    const data = bytes === full ? corpus.data : corpus.data.subarray(0, bytes);
    const suffix = bytes === full ? '' : ` (first ${mib(bytes)})`;
    if (bytes !== full && !referenced.has(bytes)) {
      referenced.add(bytes);
      try {
        const ref = runHyperscan(set.patterns, data, { passes: 1, compiles: 1, dbCache: HS_DB_CACHE });
        if (ref !== null)
          counts.push({
            engine: `Hyperscan block${suffix}`,
            bytes,
            matches: ref.modes.block.matches,
            perId: ref.modes.block.perId,
            kind: 'exact',
            reference: true,
          });
      } catch (e) {
        console.log(`native Hyperscan failed on ${set.name} (prefix): ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    const name = `${mode.label}${suffix}`;
    // The chunks are made once, outside the timed function.
    const chunks =
      mode.label.includes('stream') && !mode.label.includes('no copy') && bytes !== full
        ? chunk(data, mode.label.includes(`${SEGMENT_CHUNK} B`) ? SEGMENT_CHUNK : LARGE_CHUNK)
        : null;
    const fn = chunks === null ? () => mode.run(data) : () => scanStream(dbs.stream, chunks, onMatch);
    c.reset();
    const t0 = performance.now();
    try {
      fn();
    } catch (e) {
      console.log(`${name} failed on ${set.name} × ${corpus.name}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      continue;
    }
    const sec = (performance.now() - t0) / 1000;
    counts.push({ engine: name, bytes, matches: c.total, perId: c.perId(), kind: 'exact' });
    cases.push({ name, bytes, fn, minSamples: sec > 0.5 ? 3 : 10, maxTime: MAX_TIME });
  }
}

/**
 * Scans `data` as a stream of `size`-byte chunks that are views of the database's input buffer (written once
 * per corpus, outside the timing). One stream, reset per pass: opening one could grow the kernel's memory,
 * which detaches the views (they are made again then).
 */
function residentChunks(db: NsDatabase, size: number): (data: Uint8Array, onMatch: OnMatch) => void {
  const stream = db.openStream();
  let source: Uint8Array | null = null;
  let views: Uint8Array[] = [];
  return (data, onMatch) => {
    if (source !== data || views.length === 0 || views[0]!.length === 0) {
      const input = db.inputBuffer!(data.length);
      input.set(data);
      views = chunk(input, size);
      source = data;
    }
    stream.reset!();
    for (let i = 0; i < views.length; i++) stream.scan(views[i]!, onMatch);
    stream.close(onMatch);
  };
}

function scanStream(
  db: NsDatabase,
  chunks: readonly Uint8Array[],
  onMatch: (id: number, from: number, to: number) => unknown,
): void {
  const s = db.openStream();
  for (let i = 0; i < chunks.length; i++) s.scan(chunks[i]!, onMatch);
  s.close(onMatch);
  s.free?.();
}

function compileNetsieve(
  compile: NsCompile,
  set: PatternSet,
): { block: NsDatabase; stream: NsDatabase; blockSec: number; streamSec: number } | { error: string } {
  const patterns = set.patterns.map((p) => ({ id: p.id, expression: p.expression, flags: p.flags }));
  try {
    const timed = (mode: 'block' | 'stream') => {
      const secs: number[] = [];
      let db: NsDatabase | undefined;
      // Up to three compilations, median; one when a compilation takes over a second.
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        db = compile(
          patterns,
          mode === 'stream' && set.somHorizon !== undefined ? { mode, somHorizon: set.somHorizon } : { mode },
        );
        secs.push((performance.now() - t0) / 1000);
        if (secs[0]! > 1) break;
      }
      secs.sort((a, b) => a - b);
      return { db: db!, sec: secs[Math.floor(secs.length / 2)]! };
    };
    const b = timed('block');
    const s = timed('stream');
    return { block: b.db, stream: s.db, blockSec: b.sec, streamSec: s.sec };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * How a count line compares with its reference: Hyperscan block mode over the same bytes, else netsieve block
 * mode over the same bytes (when Hyperscan is not installed).
 */
function agreement(line: CountLine, lines: readonly CountLine[], patterns: readonly BenchPattern[]): string {
  if (line.reference === true) return 'reference';
  const ref =
    lines.find((l) => l.reference === true && l.bytes === line.bytes) ??
    lines.find((l) => l.engine.startsWith('netsieve block') && l.bytes === line.bytes);
  if (ref === undefined)
    return line.kind === 'v8' ? `${line.note}; on a prefix, no reference` : 'no reference over the same bytes';
  if (ref === line) return 'reference (no Hyperscan)';
  const refIds = ref.perId as Map<number, MatchTally>;
  if (line.kind === 'v8') {
    if (line.perId === undefined)
      return `${line.note} (differs by design)${line.matches === ref.matches ? '; the same total here' : ''}`;
    let same = 0;
    for (const p of patterns) if ((refIds.get(p.id)?.count ?? 0) === ((line.perId.get(p.id) as number | undefined) ?? 0)) same++;
    return `${line.note} (differs by design); ${same} of ${patterns.length} patterns count the same`;
  }
  const got = line.perId as Map<number, MatchTally>;
  const diffs: string[] = [];
  for (const p of patterns) {
    const a = refIds.get(p.id);
    const b = got.get(p.id);
    const countDiff = (a?.count ?? 0) !== (b?.count ?? 0);
    const toDiff = (a?.sumTo ?? 0) !== (b?.sumTo ?? 0);
    // Start offsets are defined only with L (leftmost); without it Hyperscan reports 0.
    const fromDiff = p.flags.includes('L') && (a?.sumFrom ?? 0) !== (b?.sumFrom ?? 0);
    if (countDiff) diffs.push(`${p.id} ${p.name}: ${a?.count ?? 0} vs ${b?.count ?? 0} matches`);
    else if (toDiff) diffs.push(`${p.id} ${p.name}: same count (${a?.count ?? 0}), other end offsets`);
    else if (fromDiff) diffs.push(`${p.id} ${p.name}: same count and ends (${a?.count ?? 0}), other start offsets`);
  }
  let extra = 0;
  for (const [id, t] of got) if (!patterns.some((p) => p.id === id)) extra += t.count;
  if (extra > 0) diffs.push(`${extra} matches with unknown ids`);
  const mismatch = line.matches !== ref.matches && diffs.length === 0 ? ' (totals differ)' : '';
  return diffs.length === 0 && mismatch === ''
    ? 'agrees (counts and offsets per pattern)'
    : `DISAGREES${mismatch}: ${diffs.length} patterns differ, e.g. ${diffs.slice(0, 4).join('; ')}`;
}

function printCounts(set: PatternSet, corpus: Corpus, lines: CountLine[]): void {
  const out = [
    `\n### matches: ${set.name} × ${corpus.name}`,
    '| engine | bytes | matches | compared with Hyperscan block mode on the same bytes |',
    '|---|---:|---:|---|',
  ];
  for (const l of lines)
    out.push(
      `| ${l.engine} | ${mib(l.bytes)} | ${l.matches.toLocaleString('en-US')} | ${l.note !== undefined && l.kind === 'exact' ? `${l.note} ` : ''}${agreement(l, lines, set.patterns)} |`,
    );
  console.log(out.join('\n'));
}

function printCompileTimes(figs: readonly CompileFigures[]): void {
  const out = [
    '\n## compile times (median of 3 compilations)',
    '| set | patterns | Hyperscan block ms | Hyperscan stream ms | Hyperscan block / stream db | Hyperscan stream state | netsieve block ms | netsieve stream ms | netsieve stream state | netsieve / Hyperscan, block | stream |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const f of figs) {
    const h = f.hs;
    const nsb = f.nsError !== null ? 'failed' : f.nsBlockSec === null ? '-' : ms(f.nsBlockSec);
    const nss = f.nsError !== null ? 'failed' : f.nsStreamSec === null ? '-' : ms(f.nsStreamSec);
    const ratio = (a: number | null, b: number | undefined) =>
      a === null || b === undefined || b <= 0 ? '-' : `${(a / b).toFixed(2)}×`;
    out.push(
      `| ${f.set} | ${f.patterns} | ${h ? ms(h.compileSec.block) : '-'} | ${h ? ms(h.compileSec.stream) : '-'} | ${h ? `${mib(h.database.blockBytes)} / ${mib(h.database.streamBytes)}` : '-'} | ${h ? `${h.database.streamStateBytes} B` : '-'} | ${nsb} | ${nss} | ${f.nsStreamState !== null ? `${f.nsStreamState} B${sets.find((x) => x.name === f.set)?.somHorizon !== undefined ? ` (somHorizon ${sets.find((x) => x.name === f.set)!.somHorizon})` : ''}` : '-'} | ${ratio(f.nsBlockSec, h?.compileSec.block)} | ${ratio(f.nsStreamSec, h?.compileSec.stream)} |`,
    );
  }
  console.log(out.join('\n'));
  if (!('compile' in ns)) console.log('\nnetsieve: not built yet');
  if (!hs.ok) console.log(`native Hyperscan: skipped (${hs.hint})`);
}
