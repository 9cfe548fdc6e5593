/**
 * Differential tests of the regex engine against references that cannot be wrong for the supported subset
 * (test/regex/oracle.ts: V8 RegExp driven per end offset, and an AST interpreter), on seeded random
 * patterns and inputs, in block, stream (random chunkings down to single bytes) and vectored modes.
 *
 * What must agree: the set of (pattern id, end offset) reports — every end offset at which a pattern
 * matches, once — and, for patterns with flag L, the leftmost start; H patterns report only their first
 * match. Reports must arrive in order of end offset.
 *
 * NETSIEVE_REGEX_FUZZ=n multiplies the iteration counts for a longer local run.
 */
import { describe, expect, it } from 'vitest';
import { compile, type PatternSpec, type ScanMode } from '../../src/regex/database.js';
import { parsePattern } from '../../src/regex/syntax.js';
import { mulberry32, oracleMatches, randomInput, randomPattern } from './oracle.js';

const SCALE = Number(process.env.NETSIEVE_REGEX_FUZZ ?? '1');

/** What the references say a set of patterns reports on an input, as sorted "id:from:to" strings. */
export function expectedReports(specs: readonly PatternSpec[], input: Uint8Array): string[] {
  const out: string[] = [];
  for (const s of specs) {
    const p = parsePattern(s.expression, s.flags ?? '', s.id);
    let ms = oracleMatches(p, input);
    if (p.flags.singleMatch) ms = ms.slice(0, 1);
    for (const m of ms) out.push(`${s.id}:${p.flags.leftmost ? m.start : '?'}:${m.end}`);
  }
  return out.sort();
}

/** Scans in the given mode with a random chunking; returns sorted reports and whether they came in order. */
export function runEngine(
  specs: readonly PatternSpec[],
  mode: ScanMode,
  input: Uint8Array,
  rand: () => number,
  maxChunk = 6,
  tuning: { stateBudget?: number; lazyCapacity?: number; explosive?: 'nfa' | 'lazy' } = {},
): { reports: string[]; ordered: boolean; lazyFlushes: number; lazyEngines: number; nfaEngines: number } {
  const db = compile(specs, { mode, ...tuning });
  const leftmost = new Set(specs.filter((s) => (s.flags ?? '').includes('L')).map((s) => s.id));
  const got: string[] = [];
  let last = -Infinity;
  let ordered = true;
  const cb = (id: number, from: number, to: number) => {
    if (to < last) ordered = false;
    last = to;
    got.push(`${id}:${leftmost.has(id) ? from : '?'}:${to}`);
  };
  const chunks: Uint8Array[] = [];
  for (let p = 0; p < input.length; ) {
    const c = Math.floor(rand() * (maxChunk + 1));
    chunks.push(input.subarray(p, p + c));
    p += c;
  }
  if (mode === 'block') db.scan(input, cb);
  else if (mode === 'vectored') db.scanVector(chunks.length > 0 ? chunks : [input], cb);
  else {
    const s = db.openStream();
    for (const c of chunks) s.scan(c, cb);
    s.close(cb);
  }
  const lazy = db.info().engines.filter((e) => e.detail.lazy !== undefined);
  const lazyFlushes = lazy.reduce((a, e) => a + Number(e.detail.flushes), 0);
  const nfaEngines = db.info().engines.filter((e) => e.kind === 'nfa').length;
  db.free();
  return { reports: got.sort(), ordered, lazyFlushes, lazyEngines: lazy.length, nfaEngines };
}

function randomSet(rand: () => number, n: number, alphabet: string, reportFlags: boolean): PatternSpec[] {
  const specs: PatternSpec[] = [];
  for (let i = 0; i < n; i++) {
    const rp = randomPattern(rand, { reportFlags, alphabet });
    specs.push({ id: i * 3 + 1, expression: rp.expression, flags: rp.flags });
  }
  return specs;
}

describe('random patterns against the references', () => {
  it('with tiny DFA budgets: split groups, bit-parallel NFAs, lazy DFAs and their table flushes agree too', () => {
    const rand = mulberry32(99);
    let matches = 0;
    let flushes = 0;
    let lazyEngines = 0;
    let nfaEngines = 0;
    for (let t = 0; t < 60 * SCALE; t++) {
      const specs = randomSet(rand, 1 + Math.floor(rand() * 6), 'abAB1 \n.', true);
      const mode = (['block', 'stream', 'vectored'] as const)[t % 3]!;
      // Patterns whose DFA explodes go to the bit-parallel NFA; every other set is forced onto the lazy DFA.
      const tuning = {
        stateBudget: 4 + Math.floor(rand() * 12),
        lazyCapacity: 8 + Math.floor(rand() * 24),
        explosive: t % 2 === 0 ? ('nfa' as const) : ('lazy' as const),
      };
      for (let k = 0; k < 2; k++) {
        const input = randomInput(rand, Math.floor(rand() * 80), 'abAB1 \n.');
        const want = expectedReports(specs, input);
        const got = runEngine(specs, mode, input, rand, 7, tuning);
        matches += want.length;
        flushes += got.lazyFlushes;
        lazyEngines += got.lazyEngines;
        nfaEngines += got.nfaEngines;
        expect({
          specs,
          tuning,
          input: Buffer.from(input).toString('latin1'),
          reports: got.reports,
          ordered: got.ordered,
        }).toEqual({
          specs,
          tuning,
          input: Buffer.from(input).toString('latin1'),
          reports: want,
          ordered: true,
        });
      }
    }
    expect(matches).toBeGreaterThan(100);
    expect(lazyEngines).toBeGreaterThan(20);
    expect(nfaEngines).toBeGreaterThan(20);
    expect(flushes).toBeGreaterThan(10);
  });

  const cases: [string, string, number][] = [
    ['punctuation and newlines', 'ab\n -_1', 1],
    ['letters in both cases, digits, dots', 'abAB1 \n.', 1],
    ['high bytes and NUL', 'a\x00\xff\n b\x85', 1],
  ];
  for (const mode of ['block', 'stream', 'vectored'] as const) {
    for (const [label, alphabet] of cases) {
      it(`${mode}, one pattern at a time, ${label}`, () => {
        const rand = mulberry32(mode.length * 31 + alphabet.length);
        let matches = 0;
        for (let t = 0; t < 60 * SCALE; t++) {
          const specs = randomSet(rand, 1, alphabet, true);
          for (let k = 0; k < 3; k++) {
            const input = randomInput(rand, Math.floor(rand() * 48), alphabet);
            const want = expectedReports(specs, input);
            const got = runEngine(specs, mode, input, rand);
            matches += want.length;
            expect({ specs, input: Buffer.from(input).toString('latin1'), reports: got.reports, ordered: got.ordered }).toEqual({
              specs,
              input: Buffer.from(input).toString('latin1'),
              reports: want,
              ordered: true,
            });
          }
        }
        expect(matches).toBeGreaterThan(100);
      });

      it(`${mode}, sets of up to 8 patterns, ${label}`, () => {
        const rand = mulberry32(mode.length * 131 + alphabet.length);
        let matches = 0;
        for (let t = 0; t < 30 * SCALE; t++) {
          const specs = randomSet(rand, 1 + Math.floor(rand() * 8), alphabet, true);
          for (let k = 0; k < 2; k++) {
            const input = randomInput(rand, Math.floor(rand() * 64), alphabet);
            const want = expectedReports(specs, input);
            const got = runEngine(specs, mode, input, rand);
            matches += want.length;
            expect({ specs, input: Buffer.from(input).toString('latin1'), reports: got.reports, ordered: got.ordered }).toEqual({
              specs,
              input: Buffer.from(input).toString('latin1'),
              reports: want,
              ordered: true,
            });
          }
        }
        expect(matches).toBeGreaterThan(100);
      });
    }
  }
});
