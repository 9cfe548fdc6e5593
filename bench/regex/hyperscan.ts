/**
 * Native Hyperscan from TypeScript: builds bench/regex/hyperscan-harness.c against the system's libhs, runs it on
 * a pattern set and a corpus, and returns its own figures (compile times, median seconds per pass, match counts
 * per mode and per pattern id). The harness is another process, so its times are not benchmark.js samples, but
 * they come from the same machine at the same moment as the suite's other rows.
 *
 * Everything the harness needs goes to the temp directory: the binary (named by a hash of the C source and the
 * compiler flags, so a changed source rebuilds it and an unchanged one is reused), and the pattern and corpus
 * files of one run (removed afterwards). Nothing is written into the repository.
 *
 * Without a C compiler or Hyperscan's headers, `hyperscanHarness()` says why, and the caller skips the rows.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'hyperscan-harness.c');

/** What the harness needs of a pattern (sets.ts `BenchPattern` fits). */
export interface HsPattern {
  id: number;
  expression: string;
  flags: string;
}

export type HarnessStatus =
  | { ok: true; binary: string; version: string }
  /** `hint` is what to install; `reason` what went wrong. */
  | { ok: false; hint: string; reason: string };

const INSTALL_HS = 'install libhyperscan-dev';

let cached: HarnessStatus | undefined;

/** Builds the harness once per source and flags, or says why it cannot. */
export function hyperscanHarness(): HarnessStatus {
  if (cached !== undefined) return cached;
  cached = build();
  return cached;
}

function build(): HarnessStatus {
  const cc = process.env.CC ?? 'cc';
  const probe = spawnSync(cc, ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0)
    return {
      ok: false,
      hint: 'install a C compiler, or set CC',
      reason: `no C compiler (${cc}: ${probe.error?.message ?? probe.stderr.trim()})`,
    };

  // Debian puts hs.h in /usr/include/hs; pkg-config says so when libhs.pc is installed.
  const pc = spawnSync('pkg-config', ['--cflags', 'libhs'], { encoding: 'utf8' });
  const includes =
    pc.status === 0 && pc.stdout.trim() !== '' ? pc.stdout.trim().split(/\s+/) : ['-I/usr/include/hs', '-I/usr/local/include/hs'];
  const args = ['-O2', '-Wall', ...includes];
  const source = fs.readFileSync(SOURCE);
  const key = createHash('sha256')
    .update(source)
    .update(JSON.stringify([cc, args]))
    .digest('hex')
    .slice(0, 16);
  const binary = path.join(os.tmpdir(), `netsieve-hs-harness-${key}`);

  if (!fs.existsSync(binary)) {
    // Build under a private name and rename: a test and the suite may build at the same time.
    const partial = `${binary}.${process.pid}.tmp`;
    const r = spawnSync(cc, [...args, '-o', partial, SOURCE, '-lhs'], { encoding: 'utf8' });
    if (r.status !== 0) {
      fs.rmSync(partial, { force: true });
      const err = `${r.stderr}${r.error?.message ?? ''}`;
      if (/hs\.h/.test(err)) return { ok: false, hint: INSTALL_HS, reason: 'hs.h not found' };
      if (/-lhs|libhs/.test(err)) return { ok: false, hint: INSTALL_HS, reason: 'libhs not found' };
      return { ok: false, hint: INSTALL_HS, reason: `the harness does not build: ${err.trim().slice(0, 400)}` };
    }
    fs.renameSync(partial, binary);
  }
  const v = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (v.error !== undefined || v.status !== 0)
    return { ok: false, hint: INSTALL_HS, reason: `the harness does not run: ${v.error?.message ?? v.stderr.trim()}` };
  return { ok: true, binary, version: v.stdout.trim() };
}

export interface HsModeFigures {
  /** Bytes per scan call (the whole corpus for block mode). */
  chunk: number;
  medianSec: number;
  seconds: number[];
  matches: number;
  /** Every timed pass counted what the warm-up pass counted. */
  consistent: boolean;
  /** Per pattern id: how many matches, and the sums of their start and end offsets (see `MatchTally`). */
  perId: Map<number, MatchTally>;
}

/** One pattern's matches summed up: equal tallies mean (almost certainly) equal match lists. */
export interface MatchTally {
  count: number;
  sumFrom: number;
  sumTo: number;
}

export interface HsRun {
  /** hs_version(), e.g. "5.4.0 2021-01-26". */
  version: string;
  patterns: number;
  bytes: number;
  passes: number;
  compileSec: { block: number; stream: number };
  database: { blockBytes: number; streamBytes: number; streamStateBytes: number; scratchBytes: number };
  modes: { block: HsModeFigures; streamSmall: HsModeFigures; streamLarge: HsModeFigures };
}

/** The pattern file: one `id:flags:expression` line per pattern. */
export function patternFile(patterns: readonly HsPattern[]): string {
  return patterns
    .map((p) => {
      if (/[\n\r\0]/.test(p.expression))
        throw new Error(`pattern ${p.id}: an expression with a line break or NUL cannot go in the harness's pattern file`);
      if (!/^[ismHLV8W]*$/.test(p.flags))
        throw new Error(`pattern ${p.id}: flags ${JSON.stringify(p.flags)} are not Hyperscan flag letters`);
      return `${p.id}:${p.flags}:${p.expression}\n`;
    })
    .join('');
}

function withInputs<T>(
  patterns: readonly HsPattern[],
  corpus: Uint8Array,
  fn: (patternsPath: string, corpusPath: string) => T,
): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netsieve-hs-'));
  try {
    const p = path.join(dir, 'patterns.txt');
    const c = path.join(dir, 'corpus.bin');
    fs.writeFileSync(p, patternFile(patterns));
    fs.writeFileSync(c, corpus);
    return fn(p, c);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function run(binary: string, args: string[]): string {
  const r = spawnSync(binary, args, { encoding: 'utf8', maxBuffer: 1 << 30, timeout: 15 * 60_000 });
  if (r.error !== undefined) throw new Error(`hyperscan harness: ${r.error.message}`);
  if (r.status !== 0) {
    let msg = r.stdout.trim() || r.stderr.trim();
    try {
      const e = JSON.parse(r.stdout) as { error: string; detail?: string; patternId?: number };
      msg = `${e.error}${e.detail ? `: ${e.detail}` : ''}${e.patternId !== undefined ? ` (pattern ${e.patternId})` : ''}`;
    } catch {
      // not JSON: a crash; keep the raw output
    }
    throw new Error(`hyperscan harness failed (status ${r.status}): ${msg}`);
  }
  return r.stdout;
}

export interface HsRunOptions {
  /** Timed passes per mode (after one warm-up pass). */
  passes?: number;
  /** Compilations per database kind; the median time is reported. */
  compiles?: number;
  /** Stream mode's small chunk (one TCP segment). */
  smallChunk?: number;
  /** Stream mode's large chunk. */
  largeChunk?: number;
  /**
   * A folder where the harness keeps compiled databases (`--db-cache`): the first run on a pattern set
   * compiles and measures, later runs on the same set load the databases and report that measurement. Give
   * each benchmark run its own folder, so that no figure outlives the run that measured it.
   */
  dbCache?: string;
}

/**
 * Compiles and scans with native Hyperscan. Null when it cannot run here (no compiler, no libhs: the reason
 * is `hyperscanHarness().reason`); throws when it runs and fails (a pattern it refuses, a crash).
 */
export function runHyperscan(patterns: readonly HsPattern[], corpus: Uint8Array, opts: HsRunOptions = {}): HsRun | null {
  const h = hyperscanHarness();
  if (!h.ok) return null;
  const args = [
    '--passes',
    String(opts.passes ?? 10),
    '--compiles',
    String(opts.compiles ?? 3),
    '--chunk',
    String(opts.smallChunk ?? 1460),
    '--large',
    String(opts.largeChunk ?? 65536),
    ...(opts.dbCache !== undefined ? ['--db-cache', opts.dbCache] : []),
  ];
  const out = withInputs(patterns, corpus, (p, c) => run(h.binary, [...args, p, c]));
  type RawMode = Omit<HsModeFigures, 'perId'> & { perId: Record<string, [number, number, number]> };
  const raw = JSON.parse(out) as {
    hyperscan: string;
    patterns: number;
    bytes: number;
    passes: number;
    compile: { blockSec: number; streamSec: number };
    database: HsRun['database'];
    modes: { block: RawMode; streamSmall: RawMode; streamLarge: RawMode };
  };
  const mode = (m: RawMode): HsModeFigures => ({
    ...m,
    perId: new Map(Object.entries(m.perId).map(([k, [count, sumFrom, sumTo]]) => [Number(k), { count, sumFrom, sumTo }])),
  });
  return {
    version: raw.hyperscan,
    patterns: raw.patterns,
    bytes: raw.bytes,
    passes: raw.passes,
    compileSec: { block: raw.compile.blockSec, stream: raw.compile.streamSec },
    database: raw.database,
    modes: { block: mode(raw.modes.block), streamSmall: mode(raw.modes.streamSmall), streamLarge: mode(raw.modes.streamLarge) },
  };
}

export interface HsMatch {
  id: number;
  /** Start offset: the leftmost start with flag L, else 0 (Hyperscan reports no start without it). */
  from: number;
  /** End offset (exclusive). */
  to: number;
}

/** Every match Hyperscan reports in block mode, in its order: the reference for differential tests. */
export function hyperscanMatches(patterns: readonly HsPattern[], data: Uint8Array): HsMatch[] {
  const h = hyperscanHarness();
  if (!h.ok) throw new Error(`native Hyperscan unavailable: ${h.reason}`);
  const out = withInputs(patterns, data, (p, c) => run(h.binary, ['--list', p, c]));
  const matches: HsMatch[] = [];
  for (const line of out.split('\n')) {
    if (line === '') continue;
    const [id, from, to] = line.split(' ');
    matches.push({ id: Number(id), from: Number(from), to: Number(to) });
  }
  return matches;
}

/**
 * Which patterns native Hyperscan compiles on their own, in block and in stream mode (the harness's
 * `--check`): the reason for each one it refuses, by id. Throws when the harness cannot run here.
 */
export function hyperscanRefusals(patterns: readonly HsPattern[]): Map<number, string> {
  const h = hyperscanHarness();
  if (!h.ok) throw new Error(`native Hyperscan unavailable: ${h.reason}`);
  const out = withInputs(patterns, new Uint8Array(0), (p) => run(h.binary, ['--check', p]));
  const refused = new Map<number, string>();
  let answered = 0;
  for (const line of out.split('\n')) {
    if (line === '') continue;
    const r = JSON.parse(line) as { id: number; error?: string };
    answered++;
    if (r.error !== undefined) refused.set(r.id, r.error);
  }
  if (answered !== patterns.length) throw new Error(`hyperscan harness checked ${answered} of ${patterns.length} patterns`);
  return refused;
}
