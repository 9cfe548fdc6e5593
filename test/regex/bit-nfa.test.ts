/**
 * The bit-parallel NFA (src/regex/bit-nfa.ts, bnfa_* in wasm/kernel.c): the engine for patterns whose DFA
 * explodes, bounded repeats above all. Differential against native Hyperscan 5.4 (skipped, saying why, when
 * libhyperscan-dev is absent) on generated bounded-repeat patterns over adversarial inputs built from their
 * own bytes, in block, stream (random chunkings, down to single bytes) and vectored mode; against the V8
 * oracle on short inputs everywhere; and the engine's own edges: dense and sparse state layouts, a full
 * match buffer in the middle of a step, serialization, stream states.
 */
import { describe, expect, it } from 'vitest';
import { compile, deserialize, type PatternSpec, type ScanMode } from '../../src/regex/database.js';
import { isSticky } from '../../src/regex/bit-nfa.js';
import { plan } from '../../src/regex/plan.js';
import { parsePattern } from '../../src/regex/syntax.js';
import { needHyperscan, runHyperscanCases, type HsCase } from './hyperscan-reference.js';
import { mulberry32, oracleMatches } from './oracle.js';
import { fromHs, randomChunks, scanNs } from './scan-compare.js';

const SCALE = Number(process.env.NETSIEVE_REGEX_FUZZ ?? '1');
const MODES: ScanMode[] = ['block', 'stream', 'vectored'];

/** Shapes of issue #9: bounded repeats of broad sets, with the assertions and flags real rules use. */
const FIXED: PatternSpec[] = [
  { id: 1, expression: 'union.{0,100}select', flags: 'is' },
  { id: 2, expression: 'y.{0,100}x', flags: '' },
  { id: 3, expression: '<a[^>]{0,50}href', flags: 'i' },
  { id: 4, expression: 'x\\d{3,40}y', flags: '' },
  { id: 5, expression: '(?:ab|cd){5,20}', flags: '' },
  { id: 6, expression: '\\bfoo.{2,30}bar\\b', flags: '' },
  { id: 7, expression: '^GET [^\\n]{0,200}HTTP', flags: 'm' },
  { id: 8, expression: 'q.{10,20}$', flags: '' },
  { id: 9, expression: '^k.{0,30}$', flags: 'm' },
  { id: 10, expression: 'z[a-c]{0,70}\\b', flags: '' },
  { id: 11, expression: 'a.{0,600}b', flags: 's' },
  { id: 12, expression: 'select\\s.{0,40}\\sfrom', flags: 'i' },
];

const CLASSES = ['.', '[^>]', '\\d', '[ab]', '\\w', '\\s', '[^x\\n]', '\\W'];
const PIECES = ['union', 'select', 'ab', 'x', 'y', '>', '<', ' ', '\n', '1', '22', 'foo', 'bar', 'q', 'zz', 'cd'];

/** A bounded-repeat pattern: literal, class{m,n}, literal, with assertions sometimes. */
function randomRepeat(rand: () => number, id: number): PatternSpec {
  const lit = () => PIECES[Math.floor(rand() * PIECES.length)]!.replace('\n', '\\n');
  const cls = CLASSES[Math.floor(rand() * CLASSES.length)]!;
  const lo = Math.floor(rand() * 6);
  const hi = lo + 1 + Math.floor(rand() * (rand() < 0.2 ? 300 : 60));
  let e = `${lit()}${cls}{${lo},${hi}}${rand() < 0.8 ? lit() : ''}`;
  const r = rand();
  if (r < 0.15) e = `\\b${e}`;
  else if (r < 0.25) e = `${e}\\b`;
  else if (r < 0.32) e = `^${e}`;
  else if (r < 0.4) e = `${e}$`;
  const flags = ['', 'i', 's', 'm', 'is', 'sm'][Math.floor(rand() * 6)]!;
  return { id, expression: e, flags };
}

/** Input that keeps the patterns' repeats alive: their own pieces, densely. */
function adversarial(rand: () => number, length: number): Uint8Array {
  let s = '';
  while (s.length < length) s += PIECES[Math.floor(rand() * PIECES.length)]!;
  return Buffer.from(s.slice(0, length), 'latin1');
}

/** The bit-parallel NFA alone (by default a selective group runs on a lazy DFA with the NFA as fallback). */
const NFA = { explosive: 'nfa' } as const;

function nfaEngines(specs: PatternSpec[]): number {
  const db = compile(specs, { mode: 'block', ...NFA });
  const n = db.info().engines.filter((e) => e.kind === 'nfa').length;
  db.free();
  return n;
}

/**
 * Each case through native Hyperscan and through netsieve in every mode, forced onto the bit-parallel NFA and
 * (block, stream) with the default routing: the same (id, end) everywhere. Returns the matches and NFA
 * engines seen, for the callers' "the test means something" checks.
 */
function compareWithHyperscan(cases: (HsCase & { specs: PatternSpec[] })[]): { matches: number; engines: number } {
  const results = runHyperscanCases(cases);
  let matches = 0;
  let engines = 0;
  results.forEach((r, k) => {
    const c = cases[k]!;
    if ('error' in r) throw new Error(`Hyperscan refused ${JSON.stringify(c.specs)}: ${r.error}`);
    engines += nfaEngines(c.specs);
    for (const mode of MODES) {
      const want = fromHs(c.specs, r[mode]);
      matches += want.length;
      for (const options of mode === 'vectored' ? [NFA] : [NFA, {}]) {
        const got = scanNs(c.specs, mode, c.data, c.chunks, options);
        if (got.join() !== want.join())
          expect({ specs: c.specs, mode, options, chunks: c.chunks.length, got }).toEqual({
            specs: c.specs,
            mode,
            options,
            chunks: c.chunks.length,
            got: want,
          });
      }
    }
  });
  return { matches, engines };
}

describe('bit-parallel NFA', () => {
  it('takes the bounded repeats whose DFA explodes, dense and sparse layouts alike', () => {
    for (const p of [FIXED[0]!, FIXED[1]!, FIXED[10]!, FIXED[11]!]) expect(nfaEngines([p]), p.expression).toBe(1);
    const info = compile([FIXED[10]!], { mode: 'stream', ...NFA }).info();
    const e = info.engines.find((x) => x.kind === 'nfa')!;
    expect(Number(e.detail.positions)).toBeGreaterThan(512); // more than 8 words: the sparse step
    // A stream's state is the bit set: 8 bytes per 64 positions, plus the last byte's category.
    expect(info.streamStateSize).toBeLessThan(256);
  });

  it('against native Hyperscan: the fixed shapes and generated bounded repeats, every mode and chunking', (ctx) => {
    needHyperscan(ctx);
    const rand = mulberry32(2026);
    const cases: (HsCase & { specs: PatternSpec[] })[] = [];
    for (let t = 0; t < 24 * SCALE; t++) {
      const specs = t === 0 ? FIXED : Array.from({ length: 1 + Math.floor(rand() * 6) }, (_, i) => randomRepeat(rand, i + 1));
      // Single-byte chunks on shorter inputs (every chunk is a call in both engines).
      const data = adversarial(rand, 256 + Math.floor(rand() * (t % 4 === 0 ? 3000 : 6000)));
      cases.push({
        specs,
        patterns: specs.map((s) => ({ id: s.id, expression: s.expression, flags: s.flags ?? '' })),
        data,
        chunks: randomChunks(rand, data.length, t % 4 === 0 ? 3 : 300),
      });
    }
    const { matches, engines } = compareWithHyperscan(cases);
    expect(matches).toBeGreaterThan(5000);
    expect(engines).toBeGreaterThan(15);
  });

  it('against the V8 oracle on short inputs (no native Hyperscan needed)', () => {
    const rand = mulberry32(7);
    let matches = 0;
    for (let t = 0; t < 60 * SCALE; t++) {
      const specs = Array.from({ length: 1 + Math.floor(rand() * 3) }, (_, i) => randomRepeat(rand, i + 1));
      const data = adversarial(rand, 1 + Math.floor(rand() * 1500));
      const want = specs
        .flatMap((s) => oracleMatches(parsePattern(s.expression, s.flags ?? '', s.id), data).map((m) => `${s.id}:?:${m.end}`))
        .sort();
      matches += want.length;
      const mode = MODES[t % 3]!;
      const got = scanNs(specs, mode, data, randomChunks(rand, data.length, 50), NFA);
      expect({ specs, mode, got }).toEqual({ specs, mode, got: [...new Set(want)] });
    }
    expect(matches).toBeGreaterThan(500);
  });

  it('a slice with more matches than the match buffer holds stops mid-scan and resumes exactly', () => {
    // 100,000 matches in one 256 KiB slice: the kernel's buffer (65,536) fills mid-slice, dense and sparse.
    const data = Buffer.from('xy'.repeat(100_000), 'latin1');
    for (const expression of ['x.{0,40}y', 'x.{0,600}y']) {
      const db = compile([{ id: 1, expression, flags: 's' }], { mode: 'block', ...NFA });
      expect(db.info().engines.map((e) => e.kind)).toEqual(['nfa']);
      let n = 0;
      let bad = 0;
      db.scan(data, (_id, _from, to) => {
        if (to !== 2 * (n + 1)) bad++;
        n++;
      });
      expect({ expression, n, bad }).toEqual({ expression, n: 100_000, bad: 0 });
    }
  });

  it('a serialized database builds its bit-parallel NFAs again and matches the same', () => {
    const db = compile(FIXED, { mode: 'stream', ...NFA });
    const copy = deserialize(db.serialize());
    expect(copy.info().engines.map((e) => e.kind)).toEqual(db.info().engines.map((e) => e.kind));
    const data = adversarial(mulberry32(3), 5000);
    const chunks = randomChunks(mulberry32(4), data.length, 100);
    expect(scanNs(FIXED, 'stream', data, chunks)).toEqual(scanNs(FIXED, 'stream', data, [data.length]));
    const run = (d: typeof db) => {
      const out: string[] = [];
      const s = d.openStream();
      s.scan(data, (id, _f, to) => void out.push(`${id}:${to}`));
      s.close((id, _f, to) => void out.push(`${id}:${to}`));
      return out;
    };
    expect(run(copy)).toEqual(run(db));
  });
});

/** The kernel's count of bit-parallel NFA work (words stepped, entries taken) for one block scan. */
function work(specs: PatternSpec[], data: Uint8Array): number {
  const db = compile(specs, { mode: 'block', ...NFA });
  const k = db.kernel.k;
  k.kernel_work_reset();
  db.scan(data, () => {});
  const w = k.kernel_work();
  db.free();
  return w;
}

describe('bit-parallel NFA: work bounds', () => {
  it('grows linearly with the input, within a per-database constant', () => {
    const rand = mulberry32(11);
    for (const spec of [...FIXED, ...Array.from({ length: 20 }, (_, i) => randomRepeat(rand, 100 + i))]) {
      const specs = [spec];
      const db = compile(specs, { mode: 'block', ...NFA });
      const nfa = db.info().engines.find((e) => e.kind === 'nfa');
      db.free();
      if (nfa === undefined) continue;
      // Per byte at most: every word of the engine stepped and begun, every entry taken, one for the byte.
      const perByte = 2 * Math.ceil(Number(nfa.detail.positions) / 64) + Number(nfa.detail.entries) + 1;
      const data = adversarial(mulberry32(spec.id), 16384);
      const twice = Buffer.concat([data, data]);
      const w1 = work(specs, data);
      const w2 = work(specs, twice);
      expect(w1, spec.expression).toBeLessThanOrEqual(perByte * data.length);
      expect(w2, spec.expression).toBeLessThanOrEqual(2.2 * w1 + 64 * perByte);
    }
  });

  it('a bounded repeat of a broad set skips ahead when only its chain is alive (acceleration)', () => {
    const rand = mulberry32(5);
    const data = Uint8Array.from({ length: 65536 }, () => Math.floor(rand() * 256));
    const spec = { id: 1, expression: 'f.{7,300}on', flags: 's' };
    const db = compile([spec], { mode: 'block', ...NFA });
    expect(Number(db.info().engines[0]!.detail.positions)).toBeGreaterThan(300);
    db.free();
    // Five words stepped on every byte without acceleration (`f` opens the repeat every 256 bytes, and it
    // stays open 300 bytes); with it, a fraction of a unit per byte.
    expect(work([spec], data) / data.length).toBeLessThan(1);
    // And the matches are still every one there is.
    const want = scanNs([spec], 'block', data, [data.length], NFA);
    expect(scanNs([spec], 'stream', data, randomChunks(mulberry32(6), data.length, 700), NFA)).toEqual(want);
  });
});

describe('delivery of many matches from several engines', () => {
  it('in order of end offset (ties as collected), whether counted or compared into order', () => {
    const rand = mulberry32(21);
    const data = Uint8Array.from({ length: 100_000 }, () => 97 + Math.floor(rand() * 26));
    const specs: PatternSpec[] = [
      { id: 1, expression: '[a-m]', flags: '' },
      { id: 2, expression: '[a-z].{0,50}[n-z]', flags: 's' },
      { id: 3, expression: 'q', flags: '' },
    ];
    const db = compile(specs, { mode: 'block' });
    expect(new Set(db.info().engines.map((e) => e.kind)).size).toBeGreaterThan(1);
    const got: string[] = [];
    let last = -1;
    let unordered = 0;
    db.scan(data, (id, _from, to) => {
      if (to < last) unordered++;
      last = to;
      got.push(`${id}:${to}`);
    });
    expect(unordered).toBe(0);
    const want = specs.flatMap((s) => scanNs([s], 'block', data, [data.length]).map((r) => r.replace(':?:', ':')));
    expect(got.length).toBeGreaterThan(100_000);
    expect([...got].sort()).toEqual(want.sort());
  });
});

describe('lazy DFA with the bit-parallel NFA behind it (the default for a selective group)', () => {
  it('hands over while the DFA thrashes, takes back when the traffic calms down, and reports the same', () => {
    const specs: PatternSpec[] = [
      { id: 1, expression: 'union.{0,100}select', flags: 'is' },
      { id: 2, expression: 'passwd', flags: '' },
    ];
    const rand = mulberry32(31);
    const words = ['union ', 'UNION', 'select', ' x ', 'ab'];
    const busy = (n: number) => {
      let s = '';
      while (s.length < n) s += words[Math.floor(rand() * words.length)]!;
      return Buffer.from(s.slice(0, n), 'latin1');
    };
    const calm = Buffer.alloc(1_300_000, 'the quick brown fox; passwd; ');
    const data = Buffer.concat([busy(300_000), calm, busy(200_000)]);
    const db = compile(specs, { mode: 'stream' });
    const lazy = db.info().engines.find((e) => e.detail.lazy !== undefined)!;
    expect(lazy.detail.fallback).toMatch(/bit-parallel NFA/);
    const k = db.kernel.k;
    k.kernel_work_reset();
    const got: string[] = [];
    const s = db.openStream();
    for (let at = 0; at < data.length; at += 65536)
      s.scan(data.subarray(at, at + 65536), (id, _f, to) => void got.push(`${id}:?:${to}`));
    s.close((id, _f, to) => void got.push(`${id}:?:${to}`));
    // The NFA ran (the busy parts), and the DFA built few states: it gave up instead of thrashing.
    expect(k.kernel_work()).toBeGreaterThan(100_000);
    const resolves = Number(db.info().engines.find((e) => e.detail.lazy !== undefined)!.detail.resolves);
    expect(resolves).toBeLessThan(3 * (1024 + data.length / 256));
    // Every report as the NFA alone and native-Hyperscan-checked engines make them.
    expect(got.sort()).toEqual(scanNs(specs, 'block', data, [data.length], NFA));
  });

  it('builds the NFA on the first thrash, within memory held for it: the state size and views stay the same', () => {
    const specs: PatternSpec[] = [
      { id: 1, expression: 'union.{0,100}select', flags: 'is' },
      { id: 2, expression: 'passwd', flags: '' },
    ];
    const db = compile(specs, { mode: 'block' });
    const lazyInfo = () => db.info().engines.find((e) => e.detail.lazy !== undefined)!;
    expect(lazyInfo().detail.fallbackBuilt).toBe(0);
    // The state is laid out for the NFA before it exists: as large as with the NFA built.
    const positions = Number(/of (\d+) positions/.exec(String(lazyInfo().detail.fallback))![1]);
    const before = db.streamStateSize;
    expect(positions).toBeGreaterThan(100);
    // Calm traffic builds nothing.
    const calm = Buffer.alloc(200_000, 'the quick brown fox; passwd; ');
    let n = 0;
    db.scan(calm, () => void n++);
    expect(n).toBeGreaterThan(6000);
    expect(lazyInfo().detail.fallbackBuilt).toBe(0);
    // A thrash builds it, during a scan of data in the kernel's memory, which does not grow (the view stays valid).
    const rand = mulberry32(7);
    const words = ['union ', 'UNION', 'select', ' x ', 'ab'];
    let text = '';
    while (text.length < 300_000) text += words[Math.floor(rand() * words.length)]!;
    const view = db.inputBuffer(300_000);
    view.set(Buffer.from(text.slice(0, 300_000), 'latin1'));
    const got: string[] = [];
    db.scan(view, (id, _f, to) => void got.push(`${id}:${to}`));
    expect(lazyInfo().detail.fallbackBuilt).toBe(1);
    expect(view.buffer.byteLength).toBeGreaterThan(0); // not detached
    expect(db.streamStateSize).toBe(before);
    const data = Buffer.from(text.slice(0, 300_000), 'latin1');
    expect(got.sort()).toEqual(scanNs(specs, 'block', data, [data.length], NFA).map((m) => m.replace(':?:', ':')));
  });
});

/**
 * Acceleration over loops (bit-nfa.ts accelerationOf) and sticky patterns in engines of their own (plan.ts):
 * shapes with loops (`[^x]*`, `[\s\S]*`, `.{64,}` whose chain feeds a loop), mixed with chains, on inputs of
 * long runs that the engine skips, checked against native Hyperscan and the oracle at random chunkings.
 */
const PEM: PatternSpec = {
  id: 50,
  expression: '-----BEGIN[ A-Z]{0,40}KEY-----[\\s\\S]{64,}?-----END[ A-Z]{0,40}KEY-----',
  flags: 'i',
};
const LOOPS: PatternSpec[] = [
  PEM,
  { id: 51, expression: 'a[^x]*b.{0,30}c', flags: 's' },
  { id: 52, expression: 'q.{0,30}r[\\s\\S]*s', flags: '' },
  { id: 53, expression: 'u.{10,60}v.{64,}w', flags: 's' },
  { id: 54, expression: '<t[^>]{0,40}>[^<]*</t', flags: 'i' },
  { id: 55, expression: 'f[a-z]{0,40}g[^\\n]*h$', flags: 'm' },
  { id: 56, expression: 'k[\\s\\S]*v.{0,20}$', flags: '' },
  { id: 57, expression: 'm[^;]{20,}n.{0,30}o', flags: 's' },
  { id: 58, expression: '\\bz.{0,20}y[^\\n]{8,}\\b', flags: '' },
];

/** The same shapes in engines of more than 8 words (the sparse step's skip). */
const SPARSE_LOOPS: PatternSpec[] = [
  { id: 61, expression: 'q.{0,600}r[\\s\\S]*s', flags: '' },
  { id: 62, expression: 'a[^x]*b.{0,600}c', flags: 's' },
  { id: 63, expression: 'u.{10,600}v.{64,}w', flags: 's' },
  { id: 64, expression: '<t[^>]{0,600}>[^<]*</t', flags: 'i' },
];

const LOOP_CLASSES = ['[\\s\\S]', '.', '[^x]', '[^>]', '\\w', '[^;\\n]', '\\D', '[a-z]'];
const LOOP_PIECES = ['a', 'b', 'x', '>', '<', ';', 'AB', 'K', 'q', '\n', ' ', '--', 'END', 'z'];

/** Literal, then repeats (a chain `c{m,n}`, a loop `c*`, a chain into a loop `c{m,}`) and literals between. */
function randomLoop(rand: () => number, id: number): PatternSpec {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const lit = () => pick(LOOP_PIECES).replace('\n', '\\n');
  let e = lit();
  const n = 1 + Math.floor(rand() * 3);
  for (let i = 0; i < n; i++) {
    const cls = pick(LOOP_CLASSES);
    const r = rand();
    const lo = Math.floor(rand() * 12);
    if (r < 0.4) e += `${cls}{${lo},${lo + 1 + Math.floor(rand() * 60)}}`;
    else if (r < 0.7) e += `${cls}*`;
    else e += `${cls}{${lo + Math.floor(rand() * 70)},}`;
    e += lit();
  }
  const a = rand();
  if (a < 0.1) e = `\\b${e}`;
  else if (a < 0.2) e = `${e}\\b`;
  else if (a < 0.3) e = `${e}$`;
  return { id, expression: e, flags: pick(['', 's', 'i', 'm', 'is', 'sm']) };
}

/** Bytes that neither begin nor end the loops of LOOPS[0..2] (runs of them are skipped). */
const QUIET = 'defghijlmnoptuwyz0123456789';

/** Long runs of bytes that no piece starts with, between pieces, PEM blocks and lines. */
function runs(rand: () => number, length: number, quiet = 0.3): Uint8Array {
  const filler = 'cdeghjlmoprtuvw0123456789';
  let s = '';
  while (s.length < length) {
    const r = rand();
    if (r < 0.05) {
      const body = Array.from({ length: 64 + Math.floor(rand() * 300) }, () => filler[Math.floor(rand() * filler.length)]).join(
        '',
      );
      s += `-----BEGIN ${rand() < 0.5 ? 'RSA ' : ''}PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`;
    } else if (r < 0.05 + quiet) {
      const n = Math.floor(rand() * (rand() < 0.1 ? 2000 : 100));
      for (let i = 0; i < n; i++) s += filler[Math.floor(rand() * filler.length)];
    } else {
      s += LOOP_PIECES[Math.floor(rand() * LOOP_PIECES.length)]!;
    }
  }
  return Buffer.from(s.slice(0, length), 'latin1');
}

describe('bit-parallel NFA: loops', () => {
  it('accelerates loops, alone, after a chain that feeds them, and mixed with chains', () => {
    for (const spec of SPARSE_LOOPS) {
      const p = plan([spec], { mode: 'block', ...NFA });
      expect(p.bitNfa[0]!.tables!.words, spec.expression).toBeGreaterThan(8);
      expect(p.bitNfa[0]!.tables!.accel!.loops.length, spec.expression).toBe(1);
    }
    const accel = (spec: PatternSpec) => {
      const p = plan([spec], { mode: 'block', ...NFA });
      expect(p.bitNfa.length, spec.expression).toBe(1);
      return p.bitNfa[0]!.tables!.accel;
    };
    // `[\s\S]{64,}`: 64 copies feeding a loop over every byte; the skip stops only where `-----END` may begin.
    expect(accel(PEM)).toMatchObject({ chain: 64, feeds: true, stop: [0x2d] });
    expect(accel(LOOPS[1]!)).toMatchObject({ chain: 30, loops: [1], feeds: false });
    expect(accel(LOOPS[6]!)).toMatchObject({ chain: 0, loops: [1], stop: [0x76] });
    expect(accel(LOOPS[7]!)!.feeds).toBe(true);
  });

  it('a loop over every byte makes a pattern sticky, and it gets an engine of its own', () => {
    const sticky = (expression: string, flags = '') => {
      const p = plan([{ id: 1, expression, flags }], { mode: 'block', ...NFA });
      return isSticky(p.nfa, 0);
    };
    expect(sticky(PEM.expression, 'i')).toBe(true);
    expect(sticky('q.{0,30}r[\\s\\S]*s')).toBe(true);
    expect(sticky('u.{10,60}v.{64,}w', 's')).toBe(true);
    expect(sticky('u.{10,60}v.{64,}w')).toBe(false); // without s, `.` stops at a newline
    expect(sticky('a[^x]*b.{0,30}c', 's')).toBe(false);
    expect(sticky('union.{0,100}select', 'is')).toBe(false);
    const others = [FIXED[0]!, FIXED[2]!, FIXED[11]!, LOOPS[1]!];
    const db = compile([...others, PEM], { mode: 'block', ...NFA });
    const nfas = db
      .info()
      .engines.filter((e) => e.kind === 'nfa')
      .map((e) => e.patterns);
    db.free();
    expect(nfas.sort()).toEqual([1, others.length]);
    // After a PEM header the others' engine goes back to skipping to its prefilter's candidates: the sticky
    // pattern costs its own engine's skips, not a step of every engine on every byte.
    const rand = mulberry32(41);
    const tail = Buffer.from(Array.from({ length: 65536 }, () => QUIET[Math.floor(rand() * QUIET.length)]).join(''), 'latin1');
    const data = Buffer.concat([Buffer.from('-----BEGIN RSA PRIVATE KEY-----\n', 'latin1'), tail]);
    const extra = work([...others, PEM], data) - work(others, data);
    expect(extra / data.length).toBeLessThan(0.1);
    expect(scanNs([...others, PEM], 'stream', data, randomChunks(mulberry32(42), data.length, 900), NFA)).toEqual(
      scanNs([...others, PEM], 'block', data, [data.length], NFA),
    );
  });

  it('against native Hyperscan: loops, chains into loops, a sticky pattern among others, every mode and chunking', (ctx) => {
    needHyperscan(ctx);
    const rand = mulberry32(2027);
    const cases: (HsCase & { specs: PatternSpec[] })[] = [];
    for (let t = 0; t < 24 * SCALE; t++) {
      let specs: PatternSpec[];
      if (t === 0) specs = LOOPS;
      else if (t === 1) specs = [...FIXED, PEM];
      else if (t === 2) specs = [...SPARSE_LOOPS, PEM];
      else {
        specs = Array.from({ length: 2 + Math.floor(rand() * 6) }, (_, i) => randomLoop(rand, i + 1));
        if (t % 3 === 0) specs.push(PEM);
        if (t % 4 === 1) specs.push(randomRepeat(rand, 40));
      }
      const data = runs(rand, 512 + Math.floor(rand() * (t % 4 === 0 ? 3000 : 12000)), t % 2 === 0 ? 0.3 : 0.1);
      cases.push({
        specs,
        patterns: specs.map((s) => ({ id: s.id, expression: s.expression, flags: s.flags ?? '' })),
        data,
        chunks: randomChunks(rand, data.length, t % 4 === 0 ? 3 : 400),
      });
    }
    const { matches, engines } = compareWithHyperscan(cases);
    expect(matches).toBeGreaterThan(1000);
    expect(engines).toBeGreaterThan(15);
  });

  it('against the V8 oracle on short inputs with loops (no native Hyperscan needed)', () => {
    const rand = mulberry32(8);
    let matches = 0;
    for (let t = 0; t < 60 * SCALE; t++) {
      const specs = Array.from({ length: 2 + Math.floor(rand() * 4) }, (_, i) => randomLoop(rand, i + 1));
      if (t % 5 === 0) specs.push(PEM);
      const data = runs(rand, 1 + Math.floor(rand() * 2500), 0.1);
      const want = specs
        .flatMap((s) => oracleMatches(parsePattern(s.expression, s.flags ?? '', s.id), data).map((m) => `${s.id}:?:${m.end}`))
        .sort();
      matches += want.length;
      const mode = MODES[t % 3]!;
      const got = scanNs(specs, mode, data, randomChunks(rand, data.length, t % 2 === 0 ? 5 : 200), NFA);
      expect({ specs, mode, got }).toEqual({ specs, mode, got: [...new Set(want)] });
    }
    expect(matches).toBeGreaterThan(60);
  });

  it('several engines of different sizes share the scratch: each scans as it does alone', () => {
    // One engine's lists lie where another keeps its marks (the scratch's layout follows each engine's size);
    // sticky groups make such databases common: here five engines from 3 to 25 words.
    const specs: PatternSpec[] = [
      ...SPARSE_LOOPS,
      { id: 65, expression: '<i[^>]{0,1500}>[^<]*</i', flags: 'i' },
      { id: 66, expression: 'y.{0,100}x', flags: '' },
      PEM,
      LOOPS[6]!,
      { id: 67, expression: 'j.{0,900}p[\\s\\S]*d', flags: '' },
      { id: 68, expression: 'g[\\s\\S]*h.{0,1200}e', flags: '' },
    ];
    const db = compile(specs, { mode: 'stream', ...NFA });
    const sizes = db
      .info()
      .engines.filter((e) => e.kind === 'nfa')
      .map((e) => Math.ceil(Number(e.detail.positions) / 64));
    db.free();
    expect(new Set(sizes).size).toBeGreaterThanOrEqual(3);
    const rand = mulberry32(46);
    const data = runs(rand, 20_000, 0.1);
    const alone = specs.flatMap((s) => scanNs([s], 'block', data, [data.length], NFA)).sort();
    expect(alone.length).toBeGreaterThan(200);
    expect(scanNs(specs, 'block', data, [data.length], NFA)).toEqual(alone);
    for (const most of [3, 50, 2000])
      expect(scanNs(specs, 'stream', data, randomChunks(rand, data.length, most), NFA)).toEqual(alone);
  });

  it('a loop skips ahead when only it is alive, within the work bound, and every match is still found', () => {
    const rand = mulberry32(43);
    const filler = () =>
      Buffer.from(Array.from({ length: 65536 }, () => QUIET[Math.floor(rand() * QUIET.length)]).join(''), 'latin1');
    const data = Buffer.concat([
      Buffer.from('-----BEGIN PRIVATE KEY-----\n', 'latin1'),
      filler(),
      Buffer.from('\n-----END PRIVATE KEY-----\nq r', 'latin1'),
      filler(),
      Buffer.from('s a', 'latin1'),
      filler(),
      Buffer.from('bc', 'latin1'),
    ]);
    for (const spec of [PEM, LOOPS[2]!, LOOPS[1]!]) {
      const db = compile([spec], { mode: 'block', ...NFA });
      const e = db.info().engines.find((x) => x.kind === 'nfa')!;
      db.free();
      // Without acceleration every word is stepped on every byte the loop is alive (a quarter of the data
      // at least); with it, a fraction of a unit per byte.
      const w = work([spec], data);
      expect(w / data.length, spec.expression).toBeLessThan(0.2);
      const perByte = 2 * Math.ceil(Number(e.detail.positions) / 64) + Number(e.detail.entries) + 1;
      expect(w).toBeLessThanOrEqual(perByte * data.length);
      const want = scanNs([spec], 'block', data, [data.length], NFA);
      expect(want.length, spec.expression).toBeGreaterThan(0);
      expect(scanNs([spec], 'stream', data, randomChunks(mulberry32(44), data.length, 5000), NFA)).toEqual(want);
      expect(scanNs([spec], 'vectored', data, randomChunks(mulberry32(45), data.length, 300), NFA)).toEqual(want);
    }
  });
});
