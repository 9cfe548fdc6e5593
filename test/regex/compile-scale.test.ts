/**
 * Compilation at rule-set scale (issue #9, item 3): work that grows with the patterns and not faster, the
 * memory budget, and the same matches from the new grouping and engines. Nothing here measures time: the
 * work is counted with the subset construction's counters (dfa.ts `constructionCounters`), which are
 * deterministic.
 */
import { describe, expect, it } from 'vitest';
import { isNetsieveError } from '../../src/errors.js';
import { compile, type PatternSpec, type ScanMode } from '../../src/regex/database.js';
import { constructionCounters } from '../../src/regex/dfa.js';
import { DEFAULT_MEMORY_BUDGET } from '../../src/regex/memory-budget.js';
import { parsePattern } from '../../src/regex/syntax.js';
import { SETS } from '../../bench/regex/sets.js';
import { expectCode } from '../support/errors.js';
import { mulberry32, oracleMatches, randomInput } from './oracle.js';

const CLASSES = ['[0-9]', '[a-f]', '\\d', '\\w', '[A-Z]', '[xyz]', '[^\\n]'];
/** A byte of each class, to write text that matches. */
const MEMBERS = ['5', 'c', '7', 'q', 'Q', 'y', '#'];

/** Patterns with, for each, a text it matches (so that scans have matches to report). */
type SampledSet = { specs: PatternSpec[]; samples: string[] };

/** `n` patterns shaped like `abc[0-9]+de\s*fgh` with varied letters and classes (seeded). */
function loopSet(n: number, seed: number, letters = 26): SampledSet {
  const rand = mulberry32(seed);
  const word = (k: number) => Array.from({ length: k }, () => String.fromCharCode(97 + Math.floor(rand() * letters))).join('');
  const specs: PatternSpec[] = [];
  const samples: string[] = [];
  for (let i = 0; i < n; i++) {
    const [a, b, c] = [word(3), word(2), word(3)];
    const k = Math.floor(rand() * CLASSES.length);
    specs.push({ id: i, expression: `${a}${CLASSES[k]}+${b}\\s*${c}` });
    samples.push(`${a}${MEMBERS[k]!.repeat(1 + (i % 3))}${b}${' '.repeat(i % 2)}${c}`);
  }
  return { specs, samples };
}

/** A mixed set: literals, classes, loops, alternations, small bounded repeats, some caseless. */
function mixedSet(n: number, seed: number): SampledSet {
  const rand = mulberry32(seed);
  const word = (k: number) => Array.from({ length: k }, () => String.fromCharCode(97 + Math.floor(rand() * 4))).join('');
  const cls = () => Math.floor(rand() * CLASSES.length);
  const shapes: (() => [string, string])[] = [
    () => {
      const w = word(5);
      return [w, w];
    },
    () => {
      const [a, k, b] = [word(2), cls(), word(2)];
      return [`${a}${CLASSES[k]}${b}`, `${a}${MEMBERS[k]}${b}`];
    },
    () => {
      const [a, k, b] = [word(2), cls(), word(2)];
      return [`${a}${CLASSES[k]}+${b}`, `${a}${MEMBERS[k]!.repeat(3)}${b}`];
    },
    () => {
      const [a, x, y, b] = [word(2), word(2), word(3), word(1)];
      return [`${a}(${x}|${y})${b}`, `${a}${y}${b}`];
    },
    () => {
      const [a, k, b] = [word(2), cls(), word(2)];
      return [`${a}${CLASSES[k]}{1,3}${b}`, `${a}${MEMBERS[k]!.repeat(2)}${b}`];
    },
    () => {
      const [a, k, b] = [word(2), cls(), word(1)];
      return [`${a}\\s*=\\s*${CLASSES[k]}*${b}`, `${a} = ${MEMBERS[k]}${b}`];
    },
  ];
  const specs: PatternSpec[] = [];
  const samples: string[] = [];
  for (let i = 0; i < n; i++) {
    const [expression, sample] = shapes[i % shapes.length]!();
    const caseless = rand() < 0.2;
    specs.push({ id: i * 2 + 1, expression, flags: caseless ? 'i' : '' });
    samples.push(caseless ? sample.toUpperCase() : sample);
  }
  return { specs, samples };
}

/** Text of some patterns' samples between random bytes. */
function sampleText(set: SampledSet, rand: () => number, pieces: number): Uint8Array {
  let text = '';
  for (let i = 0; i < pieces; i++) {
    text += set.samples[Math.floor(rand() * set.samples.length)]!;
    text += new TextDecoder('latin1').decode(randomInput(rand, Math.floor(rand() * 6), 'ab 1=\nxQ'));
  }
  return new TextEncoder().encode(text);
}

/** States built and closures taken while compiling, and the states the finished DFAs kept. */
function compileWork(specs: PatternSpec[], stateBudget: number): { built: number; kept: number; closures: number } {
  const states = constructionCounters.states;
  const closures = constructionCounters.closures;
  const db = compile(specs, { mode: 'block', stateBudget });
  const kept = db
    .info()
    .engines.filter((e) => e.kind === 'dfa' && typeof e.detail.states === 'number')
    .reduce((a, e) => a + Number(e.detail.states), 0);
  db.free();
  return { built: constructionCounters.states - states, kept, closures: constructionCounters.closures - closures };
}

/** Every (id, end) the oracle finds, sorted, as "id:to" strings. */
function oracleReports(specs: readonly PatternSpec[], data: Uint8Array): string[] {
  const out: string[] = [];
  for (const s of specs)
    for (const m of oracleMatches(parsePattern(s.expression, s.flags ?? '', s.id), data)) out.push(`${s.id}:${m.end}`);
  return out.sort();
}

/** What the engine reports, in a mode (streams in chunks of `chunk` bytes), as sorted "id:to" strings. */
function engineReports(
  specs: readonly PatternSpec[],
  data: Uint8Array,
  mode: ScanMode,
  stateBudget?: number,
  chunk = 7,
): string[] {
  const db = compile(specs, stateBudget === undefined ? { mode } : { mode, stateBudget });
  const out: string[] = [];
  const cb = (id: number, _from: number, to: number) => {
    out.push(`${id}:${to}`);
  };
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < data.length; at += chunk) chunks.push(data.subarray(at, at + chunk));
  if (mode === 'block') db.scan(data, cb);
  else if (mode === 'vectored') db.scanVector(chunks, cb);
  else {
    const s = db.openStream();
    for (const c of chunks) s.scan(c, cb);
    s.close(cb);
  }
  db.free();
  return out.sort();
}

describe('compile work grows linearly with the number of patterns', () => {
  it('4 times the patterns build about 4 times the states and closures, not 16', () => {
    // A small state budget splits these sets into many DFAs, as the default one does at thousands of them.
    const small = compileWork(loopSet(500, 1).specs, 600);
    const large = compileWork(loopSet(2000, 2).specs, 600);
    expect(small.built).toBeGreaterThan(0);
    expect(large.built / small.built).toBeLessThan(6);
    expect(large.closures / small.closures).toBeLessThan(6);
  });

  it('groups too large for the state budget are not rebuilt half by half: states built stay within 2.5 times those kept', () => {
    // Splitting in halves recursively built a full budget of states for every failed half (as many
    // failures as DFAs made): 6.7 times the states kept for the first set, 1.9 times now (the rest are
    // each pattern's own DFA, built to tell whether it explodes).
    for (const [specs, budget] of [
      [loopSet(1000, 3).specs, 600],
      [mixedSet(1200, 4).specs, 2000],
    ] as const) {
      const w = compileWork(specs, budget);
      expect(w.kept).toBeGreaterThan(0);
      expect(w.built).toBeLessThan(2.5 * w.kept);
    }
  });

  it('a builder per pattern does not allocate marks the size of the whole NFA (the explosive test was quadratic)', () => {
    const cells = () => constructionCounters.markCells;
    const before = cells();
    compile(loopSet(2000, 5).specs, { mode: 'block', stateBudget: 600 }).free();
    const used = cells() - before;
    // The marks of one NFA of about 2,000 x 12 nodes, 4 positions a node, two arrays, grown by doubling:
    // a few hundred thousand cells. A set of marks per builder (one per pattern and per DFA) was billions.
    expect(used).toBeLessThan(2000 * 12 * 4 * 2 * 4);
  });
});

describe('the grouping and engines report what the references do', () => {
  it('mixed and looping sets split into many DFAs, in every mode', () => {
    const rand = mulberry32(99);
    for (const [set, budget] of [
      [mixedSet(120, 7), 300],
      [loopSet(60, 8, 4), 200],
      [mixedSet(60, 9), undefined],
    ] as const) {
      const specs = set.specs;
      if (budget !== undefined) {
        const db = compile(specs, { mode: 'block', stateBudget: budget });
        expect(db.info().engines.filter((e) => e.kind === 'dfa').length).toBeGreaterThan(3);
        db.free();
      }
      const data = sampleText(set, rand, 60);
      expect(data.length).toBeLessThan(4096);
      const want = oracleReports(specs, data);
      expect(want.length).toBeGreaterThan(10);
      for (const [mode, chunk] of [
        ['block', 1],
        ['stream', 1],
        ['vectored', 5],
      ] as const) {
        expect(engineReports(specs, data, mode, budget, chunk), `${mode}, budget ${budget}`).toEqual(want);
      }
    }
  });

  it('a literal longer than a DFA holds goes to the literal engine and is found in every mode', () => {
    const rand = mulberry32(64);
    const letters = (n: number) => Array.from({ length: n }, () => String.fromCharCode(97 + Math.floor(rand() * 26))).join('');
    for (const length of [5000, 1 << 16]) {
      const long = letters(length);
      const specs: PatternSpec[] = [
        { id: 1, expression: long },
        { id: 2, expression: 'needle' },
        { id: 3, expression: long.slice(0, 4200), flags: 'i' },
      ];
      const db = compile(specs, { mode: 'block' });
      expect(db.info().engines.some((e) => e.kind === 'literal' && e.patterns === 2)).toBe(true);
      expect(db.info().engines.every((e) => e.detail.lazy === undefined)).toBe(true);
      db.free();
      const text = `xx${long}needle${long.slice(0, 4200).toUpperCase()}${long.slice(0, length - 1)}`;
      const data = new TextEncoder().encode(text);
      const want = [
        `1:${2 + length}`,
        `2:${2 + length + 6}`,
        `3:${2 + 4200}`,
        `3:${2 + length + 6 + 4200}`,
        `3:${2 + length + 6 + 4200 + 4200}`,
      ].sort();
      for (const mode of ['block', 'stream', 'vectored'] as const) {
        for (const chunk of mode === 'block' ? [1] : [1500, 70_000]) {
          expect(engineReports(specs, data, mode, undefined, chunk), `${length} bytes, ${mode}, chunks of ${chunk}`).toEqual(
            want,
          );
        }
      }
    }
  });
});

describe('memoryBudget', () => {
  /** The pattern id a compile refuses for the budget, or null when it compiles. */
  const refused = (specs: PatternSpec[], memoryBudget: number, explosive?: 'lazy' | 'nfa'): number | null => {
    try {
      compile(specs, explosive ? { mode: 'block', memoryBudget, explosive } : { mode: 'block', memoryBudget }).free();
      return null;
    } catch (e) {
      if (!isNetsieveError(e) || e.code !== 'NS_ERR_PATTERN') throw e;
      expect(e.message).toMatch(/memoryBudget/);
      expect(e.message).toMatch(/raise options\.memoryBudget/);
      return e.pattern ?? -1;
    }
  };

  it('refuses with NS_ERR_PATTERN naming the pattern whose NFA pushes the estimate over', () => {
    const specs: PatternSpec[] = [
      ...Array.from({ length: 20 }, (_, i) => ({ id: 100 + i, expression: `abc${i}[0-9]+x` })),
      { id: 42, expression: '[ab]{9000}' },
      { id: 43, expression: 'tail' },
    ];
    expect(refused(specs, 128 * 1024)).toBe(42);
    expect(refused(specs.slice(0, 20), 128 * 1024)).toBe(null);
  });

  it('names the pattern whose DFA, bit-parallel NFA, lazy table or literal tables would not fit', () => {
    // A pattern that explodes as a DFA: its own DFA is charged while it is tested, then its engine's tables
    // (a bit-parallel NFA's are small; a lazy DFA's, when forced, are not).
    const explosive: PatternSpec[] = [
      { id: 5, expression: 'abc' },
      { id: 7, expression: 'x[a-z]{0,60}y' },
      { id: 9, expression: 'foo' },
    ];
    expect(refused(explosive, 200_000)).toBe(7);
    expect(refused(explosive, 200_000, 'nfa')).toBe(7);
    expect(refused(explosive, 1 << 20, 'nfa')).toBe(null);
    expect(refused(explosive, 1 << 20)).toBe(7);
    expect(refused(explosive, 1 << 20, 'lazy')).toBe(7);
    expect(refused(explosive, 64 << 20, 'lazy')).toBe(null);
    const many = Array.from({ length: 40 }, (_, i) => ({ id: 100 + i, expression: `x${i}[a-z]{0,200}y` }));
    expect(refused(many, 400_000, 'nfa')).not.toBe(null);
    // Many literals: the literal engine's tables, charged literal by literal.
    const rand = mulberry32(11);
    const literals: PatternSpec[] = Array.from({ length: 400 }, (_, i) => ({
      id: i,
      expression: Array.from({ length: 12 }, () => String.fromCharCode(97 + Math.floor(rand() * 26))).join(''),
    }));
    const id = refused(literals, 600_000);
    expect(id).not.toBe(null);
    expect(id!).toBeGreaterThan(0);
    expect(refused(literals, 8 << 20)).toBe(null);
  });

  it('the default lets the benchmark sets and a thousand and more mixed patterns through', () => {
    expect(DEFAULT_MEMORY_BUDGET).toBe(2 ** 30);
    for (const set of SETS) {
      const db = compile(
        set.patterns.map((p) => ({ id: p.id, expression: p.expression, flags: p.flags })),
        { mode: 'block' },
      );
      expect(db.info().patterns).toBe(set.patterns.length);
      db.free();
    }
    compile(mixedSet(1500, 12).specs, { mode: 'block' }).free();
  });

  it('refuses a budget that is not a positive integer with NS_ERR_OPTION', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 60]) {
      expectCode(
        () => compile([{ id: 1, expression: 'a' }], { mode: 'block', memoryBudget: bad }),
        'NS_ERR_OPTION',
        /memoryBudget/,
      );
    }
  });
});
