/**
 * Empty-matching patterns (empty.ts): which compile without flag V, and where they report, against native
 * Hyperscan 5.4 (test/regex/hs-reference.c; skipped, saying why, when libhyperscan-dev is absent) and
 * against the V8 oracle (oracle.ts) in block, stream (random chunkings down to empty chunks) and vectored
 * mode.
 */
import { describe, expect, it } from 'vitest';
import { compile, deserialize, type PatternSpec } from '../../src/regex/database.js';
import { fromHs, randomChunks, scanNs } from './scan-compare.js';
import { isNetsieveError } from '../../src/errors.js';
import { MAX_NULLABLE_RUN } from '../../src/regex/empty.js';
import { isNullable, parsePattern } from '../../src/regex/syntax.js';
import { needHyperscan, runHyperscanCases, type HsCase } from './hyperscan-reference.js';
import { mulberry32, oracleMatches } from './oracle.js';

const SCALE = Number(process.env.NETSIEVE_REGEX_FUZZ ?? '1');

/** The CRS v4 shapes issue #9 names: applied to a variable's value, an empty value must match. */
const CRS_EMPTY = ['^$', '^0?$', '^.*$', '^(?:\\?[01])?$', '^(?:GET|HEAD)$|^$', '^$|^\\d+$'];

/** Candidates for the acceptance rule; each is syntax both netsieve and Hyperscan take. */
const CANDIDATES = [
  ...CRS_EMPTY,
  '\\b',
  '\\B',
  'a?$',
  '^',
  '$',
  '\\A',
  '\\z',
  '\\Z',
  '(?m)^',
  '(?m)$',
  '(?m)^$',
  'x|^$',
  '\\b|\\B',
  '(?:\\b|a)',
  '^a*',
  'a*$',
  '\\ba*',
  'a*\\b',
  '\\b\\s*',
  '^(?:a|b?)',
  'a*',
  'a?',
  '(a|)',
  '()',
  'b*c?',
  'a*?',
  '(?:\\b)?',
  '\\b|a*',
  '(?:a|\\b)*',
  '(?:ab)?',
  'a{0,3}',
  '(?:a*)+',
  'a+',
  'ab?',
];

const text = (s: string) => new TextEncoder().encode(s);

function refusedForEmpty(expression: string, flags: string): boolean {
  try {
    parsePattern(expression, flags, 1);
    return false;
  } catch (e) {
    if (isNetsieveError(e) && /can match the empty string anywhere/.test(e.message)) return true;
    throw e;
  }
}

/**
 * Random short patterns rich in optional items and assertions (many can match empty, some anywhere).
 * Anchors go at the ends of a top-level branch only: Hyperscan refuses embedded ones.
 */
function emptyishPattern(rand: () => number, multiline: boolean): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const chance = (p: number) => rand() < p;
  const atom = () => pick(['a', 'b', '[ab]', '\\s', '.', ' ', '(?:ab)']);
  const quant = () => pick(['', '', '?', '*', '+', '{0,2}', '{2}']);
  const item = (depth: number): string => {
    const r = rand();
    if (r < 0.2) return pick(['\\b', '\\B']);
    if (r < 0.8 || depth > 0) return atom() + quant();
    return `(?:${seq(depth + 1)}|${seq(depth + 1)})${pick(['', '?'])}`;
  };
  const seq = (depth: number): string => {
    const n = Math.floor(rand() * 3) + (depth === 0 ? 1 : 0);
    return Array.from({ length: n }, () => item(depth)).join('');
  };
  const branch = (): string => {
    const start = chance(0.35) ? pick(multiline ? ['^', '(?m)^'] : ['^', '\\A']) : '';
    const end = chance(0.35) ? pick(multiline ? ['$', '(?m)$'] : ['$', '\\z', '\\Z']) : '';
    return start + (chance(0.15) ? '' : seq(0)) + end;
  };
  return chance(0.2) ? `${branch()}|${branch()}` : branch();
}

function randomData(rand: () => number): Uint8Array {
  // Mostly short; one in five long enough for the scanner's step over offsets that match in no context.
  const n = rand() < 0.2 ? 20 + Math.floor(rand() * 100) : Math.floor(rand() * 10);
  return Uint8Array.from({ length: n }, () => 'ab \n'.charCodeAt(Math.floor(rand() * 4)));
}

describe('which empty-matching patterns compile without V', () => {
  it('the CRS shapes compile as they are and match an empty value in every mode', () => {
    for (const expression of CRS_EMPTY) {
      for (const mode of ['block', 'stream', 'vectored'] as const) {
        expect(scanNs([{ id: 7, expression }], mode, new Uint8Array(0), [0]), `${expression} ${mode}`).toEqual(['7:?:0']);
        expect(scanNs([{ id: 7, expression, flags: 'L' }], mode, new Uint8Array(0), [0])).toEqual(['7:0:0']);
      }
    }
    // And what they match in a value that is not empty.
    expect(scanNs([{ id: 1, expression: '^0?$', flags: 'L' }], 'block', text('0'), [1])).toEqual(['1:0:1']);
    expect(scanNs([{ id: 1, expression: '^0?$' }], 'block', text('00'), [2])).toEqual([]);
    expect(scanNs([{ id: 1, expression: '^(?:\\?[01])?$', flags: 'L' }], 'stream', text('?1'), [1, 1])).toEqual(['1:0:2']);
  });

  it('the CRS shapes report what Hyperscan reports on header-like values', (ctx) => {
    needHyperscan(ctx);
    const values = ['', '0', '00', '?1', '?2', 'GET', 'HEAD\n', '12', '\n', 'a\nb'];
    const cases: HsCase[] = CRS_EMPTY.flatMap((expression, id) =>
      values.map((v) => ({
        patterns: [{ id, expression, flags: '' }],
        data: text(v),
        chunks: v.length > 1 ? [1, v.length - 1] : [],
      })),
    );
    const results = runHyperscanCases(cases);
    let matched = 0;
    results.forEach((r, k) => {
      const c = cases[k]!;
      if ('error' in r) throw new Error(`Hyperscan refused ${c.patterns[0]!.expression}: ${r.error}`);
      const chunks = c.chunks.length > 0 ? c.chunks : [c.data.length];
      for (const mode of ['block', 'stream', 'vectored'] as const) {
        const got = scanNs(c.patterns, mode, c.data, chunks);
        expect({ c, mode, got }).toEqual({ c, mode, got: fromHs(c.patterns, r[mode]) });
        matched += got.length;
      }
    });
    expect(matched).toBeGreaterThan(30);
  });

  it("the rule is Hyperscan's, pattern by pattern", (ctx) => {
    needHyperscan(ctx);
    const results = runHyperscanCases(
      CANDIDATES.map((expression) => ({ patterns: [{ id: 1, expression, flags: '' }], data: new Uint8Array(0), chunks: [] })),
    );
    let refused = 0;
    CANDIDATES.forEach((expression, i) => {
      const r = results[i]!;
      const hsRefuses = 'error' in r;
      if (hsRefuses) expect(r.error, expression).toMatch(/Pattern matches empty buffer/);
      expect(refusedForEmpty(expression, ''), expression).toBe(hsRefuses);
      // With V every one compiles, in both.
      expect(refusedForEmpty(expression, 'V'), expression).toBe(false);
      if (hsRefuses) refused++;
    });
    expect(refused).toBeGreaterThan(8);
    expect(CANDIDATES.length - refused).toBeGreaterThan(20);
  });
});

describe('where empty matches are reported', () => {
  it('at the end offset, with start = end; a non-empty and an empty match at one end are one report', () => {
    expect(scanNs([{ id: 1, expression: '\\b', flags: 'L' }], 'block', text('ab cd'), [5])).toEqual([
      '1:0:0',
      '1:2:2',
      '1:3:3',
      '1:5:5',
    ]);
    expect(scanNs([{ id: 1, expression: 'a*', flags: 'LV' }], 'stream', text('aab'), [1, 0, 2])).toEqual([
      '1:0:0',
      '1:0:1',
      '1:0:2',
      '1:3:3',
    ]);
    // `$` before a final newline and at the end; multiline ^ not after a final newline (PCRE, Hyperscan).
    expect(scanNs([{ id: 1, expression: 'a?$' }], 'stream', text('a\n'), [1, 1])).toEqual(['1:?:1', '1:?:2']);
    expect(scanNs([{ id: 1, expression: '(?m)^' }], 'block', text('a\n'), [2])).toEqual(['1:?:0']);
    expect(scanNs([{ id: 1, expression: '(?m)^$' }], 'vectored', text('a\n\n'), [2, 1])).toEqual(['1:?:2']);
  });

  it('H reports the first of either kind once; a stream clone and reset carry the empty-match state', () => {
    expect(scanNs([{ id: 1, expression: '\\b', flags: 'H' }], 'block', text(' ab'), [3])).toEqual(['1:?:1']);
    expect(scanNs([{ id: 1, expression: 'b*', flags: 'HV' }], 'block', text('bb'), [2])).toEqual(['1:?:0']);
    const db = compile([{ id: 2, expression: '\\b', flags: 'L' }], { mode: 'stream' });
    const s = db.openStream();
    const got: string[] = [];
    const cb = (_id: number, from: number, to: number) => void got.push(`${from}-${to}`);
    s.scan(text('ab'), cb); // 0 reported, 2 waits for the next byte
    const c = s.clone();
    s.scan(text('c'), cb);
    s.close(cb);
    c.scan(text(' '), cb);
    c.close(cb);
    // s: "abc" (boundaries at 0 and 3); its clone: "ab " (0, then 2 once the space arrives).
    expect(got).toEqual(['0-0', '3-3', '2-2']);
    s.reset();
    got.length = 0;
    s.scan(text('x'), cb);
    s.close(cb);
    expect(got).toEqual(['0-0', '1-1']);
    const copy = deserialize(db.serialize());
    const t = copy.openStream();
    got.length = 0;
    t.scan(text('x'), cb);
    t.close(cb);
    expect(got).toEqual(['0-0', '1-1']);
  });

  it('random patterns and inputs: the same reports as Hyperscan in block, stream and vectored mode', (ctx) => {
    needHyperscan(ctx);
    const rand = mulberry32(909);
    const cases: HsCase[] = [];
    const specsOf: PatternSpec[][] = [];
    for (let t = 0; t < 400 * SCALE; t++) {
      const multiline = rand() < 0.3;
      const specs: PatternSpec[] = Array.from({ length: 1 + Math.floor(rand() * 3) }, (_, i) => {
        const expression = emptyishPattern(rand, multiline);
        // No H: Hyperscan reports an empty match after later non-empty ones (`\\B[ab]*` on "ab" reports
        // end 2, then 1), so its "first" match is not the first by offset, which netsieve's H keeps.
        let flags = rand() < 0.3 ? 'L' : '';
        if (rand() < 0.6) flags += 'V';
        return { id: i + 1, expression, flags };
      });
      const data = randomData(rand);
      cases.push({
        patterns: specs.map((s) => ({ id: s.id, expression: s.expression, flags: s.flags ?? '' })),
        data,
        chunks: randomChunks(rand, data.length),
      });
      specsOf.push(specs);
    }
    const results = runHyperscanCases(cases);
    let compared = 0;
    let emptyReports = 0;
    let refusedAlike = 0;
    results.forEach((r, k) => {
      const specs = specsOf[k]!;
      const c = cases[k]!;
      if ('error' in r) {
        // Hyperscan refuses some syntax netsieve takes (embedded anchors, patterns that never match); the
        // empty-match refusal must be the same.
        if (/Pattern matches empty buffer/.test(r.error)) {
          const s = specs[r.index]!;
          expect(refusedForEmpty(s.expression, s.flags ?? ''), s.expression).toBe(true);
          refusedAlike++;
        }
        return;
      }
      if (specs.some((s) => refusedForEmpty(s.expression, s.flags ?? ''))) {
        throw new Error(`netsieve refuses what Hyperscan takes: ${JSON.stringify(specs)}`);
      }
      const canBeEmpty = new Set(
        specs.filter((s) => isNullable(parsePattern(s.expression, s.flags ?? '', s.id).ast)).map((s) => s.id),
      );
      for (const mode of ['block', 'stream', 'vectored'] as const) {
        const want = fromHs(specs, r[mode]);
        const got = scanNs(specs, mode, c.data, c.chunks);
        expect({ specs, data: Buffer.from(c.data).toString(), chunks: c.chunks, mode, got }).toEqual({
          specs,
          data: Buffer.from(c.data).toString(),
          chunks: c.chunks,
          mode,
          got: want,
        });
        if (mode === 'block') emptyReports += want.filter((w) => canBeEmpty.has(Number(w.split(':')[0]))).length;
      }
      compared++;
    });
    expect(compared).toBeGreaterThan(200 * SCALE);
    // Reports of patterns that can match empty (empty or not: both kinds meet at one end).
    expect(emptyReports).toBeGreaterThan(200 * SCALE);
    expect(refusedAlike).toBeGreaterThan(10 * SCALE);
  });

  it('random patterns against the V8 oracle (no multiline ^, whose end-of-data rule V8 does not share)', () => {
    const rand = mulberry32(4242);
    let reports = 0;
    for (let t = 0; t < 300 * SCALE; t++) {
      const expression = emptyishPattern(rand, false);
      const flags = `V${rand() < 0.5 ? 'L' : ''}`;
      const parsed = parsePattern(expression, flags, 1);
      const data = randomData(rand);
      const want = oracleMatches(parsed, data)
        .map((m) => `1:${parsed.flags.leftmost ? m.start : '?'}:${m.end}`)
        .sort();
      const chunks = randomChunks(rand, data.length);
      for (const mode of ['block', 'stream', 'vectored'] as const) {
        expect({
          expression,
          mode,
          data: Buffer.from(data).toString(),
          chunks,
          got: scanNs([{ id: 1, expression, flags }], mode, data, chunks),
        }).toEqual({
          expression,
          mode,
          data: Buffer.from(data).toString(),
          chunks,
          got: want,
        });
      }
      reports += want.length;
    }
    expect(reports).toBeGreaterThan(500 * SCALE);
  });
});

describe('empty matches over slices of the scan loop', () => {
  it('a 600 KiB buffer (three slices) and its stream in odd chunks: every offset by hand-written rules', () => {
    const rand = mulberry32(31);
    const data = Uint8Array.from({ length: 600 * 1024 + 7 }, () => 'ab \n'.charCodeAt(Math.floor(rand() * 4)));
    // Ends in "   \n": `$` holds before that final newline, where no other context here matches (nor at
    // the two offsets before it, which the scanner steps over).
    data.fill(0x20, data.length - 4, data.length - 1);
    data[data.length - 1] = 0x0a;
    const word = (b: number | undefined) => b !== undefined && b !== 0x0a && b !== 0x20;
    const want: string[] = [];
    for (let e = 0; e <= data.length; e++) {
      const prev = e > 0 ? data[e - 1] : undefined;
      const next = e < data.length ? data[e] : undefined;
      if ((e === 0 || (prev === 0x0a && e < data.length)) && (next === undefined || next === 0x0a)) want.push(`1:${e}:${e}`);
      if (word(prev) !== word(next)) want.push(`2:${e}:${e}`);
      if (e === data.length || (e === data.length - 1 && next === 0x0a)) want.push(`3:${e}:${e}`);
    }
    const specs = [
      { id: 1, expression: '(?m)^$', flags: 'L' },
      { id: 2, expression: '\\b', flags: 'L' },
      { id: 3, expression: '$', flags: 'L' },
      { id: 4, expression: '^$', flags: 'L' },
    ];
    expect(scanNs(specs, 'block', data, [data.length])).toEqual(want.sort());
    const chunks = randomChunks(rand, data.length).map((n) => n * 97);
    let sum = 0;
    const fitted = chunks.map((n) => {
      const take = Math.min(n, data.length - sum);
      sum += take;
      return take;
    });
    fitted.push(data.length - sum);
    expect(scanNs(specs, 'stream', data, fitted)).toEqual(want.sort());
  });
});

describe('limits and state', () => {
  it('a pattern that can match empty and starts with too many optional items is refused, not a stack overflow', () => {
    const ok = compile([{ id: 1, expression: `${'a?'.repeat(300)}\\b` }], { mode: 'block' });
    const got: number[] = [];
    ok.scan(text('aa b'), (_id, _from, to) => void got.push(to));
    expect(got).toEqual([0, 2, 3, 4]);
    let err: unknown;
    try {
      compile([{ id: 5, expression: `${'a?'.repeat(MAX_NULLABLE_RUN + 1)}\\b` }], { mode: 'block' });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'NS_ERR_PATTERN', pattern: 5 });
    expect((err as Error).message).toMatch(/more than 400 items that can be empty/);
  });

  it("a stream whose state is the caller's buffer reports the same empty matches", () => {
    const db = compile(
      [
        { id: 1, expression: '(?m)^$', flags: 'L' },
        { id: 2, expression: '\\b' },
      ],
      { mode: 'stream' },
    );
    const run = (s: ReturnType<typeof db.openStream>) => {
      const got: string[] = [];
      const cb = (id: number, from: number, to: number) => void got.push(`${id}:${from}:${to}`);
      for (const part of ['a\n', '\n', 'b', '']) s.scan(text(part), cb);
      s.close(cb);
      return got;
    };
    const inKernel = run(db.openStream());
    // \b has one length (0): its start is reported without L too.
    expect(inKernel).toEqual(['2:0:0', '2:1:1', '1:2:2', '2:3:3', '2:4:4']);
    expect(run(db.openStream({ state: new Uint8Array(db.streamStateSize) }))).toEqual(inKernel);
  });
});
