/**
 * Prefilter mode (flag P, Hyperscan's HS_FLAG_PREFILTER): constructs outside the supported syntax are
 * replaced by a superset (src/regex/approximate.ts), and `info().approximated` names the patterns.
 *
 * - Each construct, with and without P: without it a coded NS_ERR_PATTERN at its position that says P would
 *   approximate it; with it, the same AST as a hand-written supported pattern, and the kinds recorded.
 * - A seeded generator of patterns with backreferences and lookaround, scanned in block, stream (random
 *   chunkings) and vectored modes: every match V8 RegExp finds (id, end offset) is among netsieve's
 *   reports, and with L netsieve's start is at or before V8's leftmost one.
 * - Patterns without such constructs parse and scan exactly the same with and without P.
 * - Where netsieve's approximation is Hyperscan's (lookaround, atomic groups, possessive quantifiers,
 *   conditionals), the same reports as native Hyperscan 5.4 with HS_FLAG_PREFILTER, in its three modes.
 *
 * NETSIEVE_REGEX_FUZZ=n multiplies the iteration counts for a longer local run.
 */
import { describe, expect, it } from 'vitest';
import { compile, deserialize, type PatternSpec, type RegexDatabase, type ScanMode } from '../../src/regex/database.js';
import { parsePattern } from '../../src/regex/syntax.js';
import { expectCode } from '../support/errors.js';
import { latin1, mulberry32, randomInput, randomPattern } from './oracle.js';
import { type HsCase, needHyperscan, runHyperscanCases } from './hyperscan-reference.js';
import { fromHs, scanNs } from './scan-compare.js';
import { ast, checkWellFormed, ID, refusal } from './syntax-helpers.js';

const SCALE = Number(process.env.NETSIEVE_REGEX_FUZZ ?? '1');

describe('each construct with and without flag P', () => {
  // [expression, position of the construct, what P records, a supported pattern with the same AST]
  const cases: [string, number, string[], string][] = [
    // backreferences: a copy of the group, optional when the group may not have taken part
    ['(a)b\\1', 4, ['backreference'], '(a)ba'],
    ['(?<n>ab)x\\k<n>', 9, ['backreference'], '(ab)xab'],
    ["(?<n>ab)x\\k'n'", 9, ['backreference'], '(ab)xab'],
    ['(?<n>ab)x\\k{n}', 9, ['backreference'], '(ab)xab'],
    ['(?P<n>ab)x(?P=n)', 10, ['backreference'], '(ab)xab'],
    ["(?'n'ab)x\\g{n}", 9, ['backreference'], '(ab)xab'],
    ['(a)(b)\\g{1}', 6, ['backreference'], '(a)(b)a'],
    ['(a)(b)\\g2', 6, ['backreference'], '(a)(b)b'],
    ['(a)(b)\\g-2', 6, ['backreference'], '(a)(b)a'],
    ['(a)(b)\\g{-1}', 6, ['backreference'], '(a)(b)b'],
    ['(a)+\\1', 4, ['backreference'], 'a+a'],
    ['(a)?b\\1', 5, ['backreference'], 'a?ba?'],
    ['(a)*b\\1', 5, ['backreference'], 'a*ba?'],
    ['(?:(a)|b)c\\1', 10, ['backreference'], '(?:a|b)ca?'],
    ['(a)|b\\1', 5, ['backreference'], 'a|ba?'],
    // A positive lookaround that held keeps its captures; a negative one never has any.
    ['(?=(ab))\\1c', 0, ['backreference', 'lookahead'], 'abc'],
    ['(?<=(ab))\\1c', 0, ['backreference', 'lookbehind'], 'abc'],
    ['(?!(ab))\\1c', 0, ['backreference', 'lookahead'], '(?:ab)?c'],
    ['(?=(a)|b)\\1c', 0, ['backreference', 'lookahead'], 'a?c'],
    ['((((((((((a))))))))))\\10', 21, ['backreference'], 'aa'],
    ['((a)|b)\\2', 7, ['backreference'], '(?:a|b)a?'],
    ['((a)b)+\\2', 7, ['backreference'], '(?:ab)+a'],
    ['(a)(?i)\\1', 7, ['backreference'], 'a(?i:a)'],
    ['(?i)(a)(?-i)\\1', 12, ['backreference'], '(?i)aa'],
    ['((a)\\2)\\1', 4, ['backreference'], 'aaaa'],
    ['(a\\1)b', 2, ['backreference'], 'a[\\x00-\\xff]*b'],
    ['\\1(a)b', 0, ['backreference'], '[\\x00-\\xff]*ab'],
    ['\\k<n>(?<n>a)b', 0, ['backreference'], '[\\x00-\\xff]*ab'],
    ['(a{300})b\\1', 9, ['backreference'], 'a{300}b[\\x00-\\xff]*'],
    ['(a)(a)(a)(a)(a)(a)(a)(b)\\8', 24, ['backreference'], 'aaaaaaabb'],
    // lookaround: nothing
    ['a(?=b)c', 1, ['lookahead'], 'ac'],
    ['a(?!b)c', 1, ['lookahead'], 'ac'],
    ['x(?<=x)a', 1, ['lookbehind'], 'xa'],
    ['x(?<!y)a', 1, ['lookbehind'], 'xa'],
    ['(?=a)*b', 0, ['lookahead'], 'b'],
    ['a(?=b(?!c)|(?<=d))e', 1, ['lookahead', 'lookbehind'], 'ae'],
    // atomic groups, possessive quantifiers: their backtracking forms
    ['(?>ab|a)c', 0, ['atomic-group'], '(?:ab|a)c'],
    ['a*+b', 1, ['possessive'], 'a*b'],
    ['a++b', 1, ['possessive'], 'a+b'],
    ['ca?+b', 2, ['possessive'], 'ca?b'],
    ['a{2,3}+b', 1, ['possessive'], 'a{2,3}b'],
    ['a{2,}+b', 1, ['possessive'], 'a{2,}b'],
    ['(?:ab)++c', 6, ['possessive'], '(?:ab)+c'],
    // conditionals: the alternation of their branches
    ['(a)?(?(1)b|c)', 4, ['conditional'], 'a?(?:b|c)'],
    ['(a)?(?(1)b)c', 4, ['conditional'], 'a?(?:b|)c'],
    ['(?(<n>)a|b)(?<n>x)', 0, ['conditional'], '(?:a|b)x'],
    ["(?('n')a|b)(?<n>x)", 0, ['conditional'], '(?:a|b)x'],
    ['(?(n)a|b)(?<n>x)', 0, ['conditional'], '(?:a|b)x'],
    ['x(?(?=a)ab|c)', 1, ['conditional'], 'x(?:ab|c)'],
    ['x(?(?<!a)b|c)d', 1, ['conditional'], 'x(?:b|c)d'],
    ['(?(DEFINE)(?<a>x))y', 0, ['conditional'], 'y'],
    // \K: nothing (with L the start reported is the approximated pattern's)
    ['foo\\Kbar', 3, ['reset-start'], 'foobar'],
    // \X: one or more bytes
    ['a\\Xb', 1, ['grapheme-cluster'], 'a[\\x00-\\xff]+b'],
  ];

  it.each(cases)('%j: refused at %i without P, approximated with it', (expression, position, kinds, same) => {
    const err = refusal(expression);
    expect(err.position).toBe(position);
    expect(err.message).toMatch(/not supported; flag P \(prefilter mode\) would approximate it: as /);
    const parsed = parsePattern(expression, 'P', ID);
    expect(parsed.ast).toEqual(ast(same));
    expect(parsed.approximated).toEqual(kinds);
    expect(parsed.flags.prefilter).toBe(true);
    checkWellFormed(parsed.ast);
  });

  it('several kinds in one pattern are listed once each, in a fixed order', () => {
    expect(parsePattern('(?<=x)(a)++(?=b)\\1(?!c)\\1(?>d)', 'P', ID).approximated).toEqual([
      'backreference',
      'lookahead',
      'lookbehind',
      'atomic-group',
      'possessive',
    ]);
  });

  it('bounds above 1000 are widened under P (and recorded); without P they stay exact or hit the limit', () => {
    expect(ast('xa{0,5000}b', 'P')).toEqual(ast('xa*b'));
    expect(ast('xa{3000}b', 'P')).toEqual(ast('xa{1000,}b'));
    expect(ast('xa{5,99999999}b', 'P')).toEqual(ast('xa{5,}b'));
    expect(parsePattern('xa{0,5000}b', 'P', ID).approximated).toEqual(['bounded-repeat']);
    expect(parsePattern('xa{0,5000}b', '', ID).approximated).toEqual([]);
    expect(ast('xa{0,5000}b')).not.toEqual(ast('xa*b'));
    expect(refusal('xa{5,99999999}b').message).toMatch(/bounded repeat is too large/);
    // At the threshold nothing changes.
    expect(ast('xa{2,1000}b', 'P')).toEqual(ast('xa{2,1000}b'));
    expect(parsePattern('xa{2,1000}b', 'P', ID).approximated).toEqual([]);
  });

  it.each([
    ['(a)\\2', 3, /reference to group 2, but the pattern has one group/],
    ['(a)\\k<b>', 3, /no group has that name/],
    ['(a)(?P=b)', 3, /no group has that name/],
    ['(a)(?(2)b)', 6, /reference to group 2/],
    ['(?(x)a)b', 3, /no group has that name/],
    ['(a)\\g{0}', 3, /cannot refer to group 0/],
    ['(a)\\g{-2}', 3, /goes before the first group/],
    ['(a)\\g+1(b)', 3, /relative forward references/],
    ['(a)(?(1)b|c|d)', 11, /at most two alternatives/],
    ['(?(R)a|b)', 0, /recursion tests/],
    ['(?(R1)a|b)', 0, /recursion tests/],
    ['(a)(?(+1)a|b)', 3, /relative conditions/],
    ['(?(?x)a|b)', 3, /must be a lookaround/],
    ['(a)(?1)', 3, /subroutine calls/],
    ['(a)\\g<1>', 3, /subroutine calls/],
    ['(?|(a)|(b))', 0, /branch reset/],
    ['a\\K+', 3, /quantifier \+ follows an assertion/],
    ['(?=a)', 0, /can match the empty string anywhere/],
    ['(a', 0, /missing \)/],
    ['(?=a', 0, /missing \)/],
    ['(?(1)a', 0, /missing \)/],
  ])('%j is refused under P too, at %i', (expression, position, message) => {
    const err = refusal(expression, 'P');
    expect(err.position).toBe(position);
    expect(err.message).toMatch(message);
  });

  it('copies count toward the pattern size limit, and deep nesting with many references stays linear', () => {
    expect(refusal(`(a{200})${'\\1'.repeat(600)}`, 'P').message).toMatch(/too large once its repeats are expanded/);
    const deep = `${'('.repeat(999)}a${')'.repeat(999)}`;
    const parsed = parsePattern(deep + '\\999'.repeat(15000), 'P', ID);
    expect(parsed.ast).toEqual(ast('a'.repeat(15001)));
  });

  it('without P, a construct inside an otherwise fine pattern is refused at its own position', () => {
    expect(refusal('abc(?<=c)d').position).toBe(3);
    expect(refusal('x|(y)z\\1').position).toBe(6);
  });
});

/** The reports of a scan in `db`'s mode (chunked at random), as "id:to" strings and the leftmost `from` per "id:to". */
function scanReports(
  db: RegexDatabase,
  mode: ScanMode,
  input: Uint8Array,
  rand: () => number,
): { ends: Set<string>; from: Map<string, number> } {
  const ends = new Set<string>();
  const from = new Map<string, number>();
  const cb = (id: number, f: number, t: number) => {
    const key = `${id}:${t}`;
    ends.add(key);
    from.set(key, Math.min(from.get(key) ?? Infinity, f));
  };
  const chunks: Uint8Array[] = [];
  for (let p = 0; p < input.length; ) {
    const n = Math.floor(rand() * 7);
    chunks.push(input.subarray(p, p + n));
    p += n;
  }
  if (mode === 'block') db.scan(input, cb);
  else if (mode === 'vectored') db.scanVector(chunks.length > 0 ? chunks : [input], cb);
  else {
    const s = db.openStream();
    for (const c of chunks) s.scan(c, cb);
    s.close(cb);
    s.free();
  }
  return { ends, from };
}

/**
 * V8's matches of a JS regex source over the bytes (latin1): for each end offset `e` at which some match
 * ends, the leftmost start of such a match. Forward search per end (`(?:P)` followed by exactly the
 * remaining length), so backreferences run left to right as written, which a lookbehind formulation
 * would not do.
 */
function v8Matches(source: string, flags: string, data: Uint8Array): Map<number, number> {
  const text = latin1(data);
  const out = new Map<number, number>();
  for (let e = 0; e <= data.length; e++) {
    const n = data.length - e;
    const m = new RegExp(`(?:${source})(?=[\\s\\S]{${n}}(?![\\s\\S]))`, flags).exec(text);
    if (m !== null) out.set(e, m.index);
  }
  return out;
}

/**
 * A random pattern in the syntax V8 and netsieve's prefilter mode share: literals and classes over `abc`,
 * capturing, named and non-capturing groups, short repeats (greedy or lazy), alternation, backreferences
 * (numbered and named, to groups already opened, so some refer to a group that is still open), and the four
 * lookarounds, whose bodies may hold groups too. It ends with a literal, so it never matches empty. `*` and
 * `+` only ever repeat a single set, so that V8's backtracking stays polynomial on the short inputs.
 */
function randomPrefilterPattern(rand: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  let groups = 0;
  const names: string[] = [];
  let stars = 2;
  const atom = (depth: number): string => {
    const r = rand();
    if (r < 0.3 || depth >= 3) return pick(['a', 'b', 'c', '[ab]', '[^a]', '[bc]', '.']);
    if (r < 0.45) {
      groups++;
      return `(${seq(depth + 1)})`;
    }
    if (r < 0.52) {
      groups++;
      const name = `g${groups}`;
      const body = seq(depth + 1);
      names.push(name);
      return `(?<${name}>${body})`;
    }
    if (r < 0.6) return `(?:${seq(depth + 1)}|${seq(depth + 1)})`;
    if (r < 0.75 && groups > 0) {
      if (names.length > 0 && rand() < 0.3) return `\\k<${pick(names)}>`;
      return `\\${1 + Math.floor(rand() * groups)}`;
    }
    return `${pick(['(?=', '(?!', '(?<=', '(?<!'])}${seq(depth + 1)})`;
  };
  const quantified = (depth: number): string => {
    const a = atom(depth);
    if (a.startsWith('(?=') || a.startsWith('(?!') || a.startsWith('(?<=') || a.startsWith('(?<!')) return a;
    const r = rand();
    if (r < 0.6) return a;
    const lazy = rand() < 0.3 ? '?' : '';
    if (r < 0.75) return `${a}?${lazy}`;
    if (r < 0.85) return `${a}{1,2}${lazy}`;
    // Unbounded repeats only of a single set (and at most two): nested ones make V8 backtrack exponentially.
    if (stars === 0 || a.length > 4 || a.startsWith('(') || a.startsWith('\\')) return a;
    stars--;
    return `${a}${r < 0.93 ? '*' : '+'}${lazy}`;
  };
  const seq = (depth: number): string => {
    const n = 1 + Math.floor(rand() * 3);
    let s = '';
    for (let i = 0; i < n; i++) s += quantified(depth);
    return s;
  };
  const body = seq(0);
  return `(?:${body}${rand() < 0.3 ? `|${seq(0)}` : ''})${pick(['a', 'b', 'c'])}`;
}

describe('prefilter patterns against V8 RegExp: netsieve reports a superset', () => {
  it.each(['block', 'stream', 'vectored'] as const)('%s mode, random chunkings', (mode) => {
    const rand = mulberry32(mode === 'block' ? 9101 : mode === 'stream' ? 9102 : 9103);
    let v8Total = 0;
    let approximatedTotal = 0;
    for (let round = 0; round < 60 * SCALE; round++) {
      const specs: PatternSpec[] = [];
      const sources: [string, string][] = [];
      for (let i = 0; i < 4; i++) {
        const expression = randomPrefilterPattern(rand);
        const caseless = rand() < 0.25;
        const leftmost = rand() < 0.3;
        specs.push({ id: i + 1, expression, flags: `P${caseless ? 'i' : ''}${leftmost ? 'L' : ''}` });
        sources.push([expression, caseless ? 'i' : '']);
      }
      const db = compile(specs, { mode });
      approximatedTotal += db.info().approximated.length;
      for (let k = 0; k < 4; k++) {
        const input = randomInput(rand, Math.floor(rand() * 20), 'abcAB');
        const got = scanReports(db, mode, input, rand);
        specs.forEach((spec, i) => {
          const [source, flags] = sources[i]!;
          for (const [end, start] of v8Matches(source, flags, input)) {
            v8Total++;
            const key = `${spec.id}:${end}`;
            const context = { pattern: spec.expression, flags: spec.flags, input: latin1(input), end };
            expect(got.ends.has(key), JSON.stringify(context)).toBe(true);
            if (spec.flags!.includes('L')) expect(got.from.get(key)!, JSON.stringify(context)).toBeLessThanOrEqual(start);
          }
        });
      }
      db.free();
    }
    // The generator must exercise both sides: matches to check, and patterns that were approximated.
    expect(v8Total).toBeGreaterThan(200 * SCALE);
    expect(approximatedTotal).toBeGreaterThan(150 * SCALE);
  });

  it('the generated patterns are refused without P, and parse to well-formed ASTs with it', () => {
    const rand = mulberry32(9104);
    let refused = 0;
    for (let i = 0; i < 300 * SCALE; i++) {
      const expression = randomPrefilterPattern(rand);
      const parsed = parsePattern(expression, 'P', ID);
      checkWellFormed(parsed.ast);
      if ((parsed.approximated ?? []).length > 0) {
        expectCode(() => parsePattern(expression, '', ID), 'NS_ERR_PATTERN', /flag P \(prefilter mode\) would approximate/);
        refused++;
      } else expect(ast(expression)).toEqual(parsed.ast);
    }
    expect(refused).toBeGreaterThan(150 * SCALE);
  });
});

describe('patterns without unsupported constructs are exact under P', () => {
  it('random supported patterns parse to the same AST, with nothing approximated', () => {
    const rand = mulberry32(9105);
    for (let i = 0; i < 400 * SCALE; i++) {
      const rp = randomPattern(rand, { reportFlags: true });
      const plain = parsePattern(rp.expression, rp.flags, ID);
      const prefilter = parsePattern(rp.expression, `${rp.flags}P`, ID);
      expect(prefilter.ast, rp.expression).toEqual(plain.ast);
      expect(prefilter.approximated).toEqual([]);
    }
  });

  it.each(['block', 'stream'] as const)('%s mode: the same reports with and without P', (mode) => {
    const rand = mulberry32(mode === 'block' ? 9106 : 9107);
    for (let round = 0; round < 25 * SCALE; round++) {
      const specs: PatternSpec[] = [];
      for (let i = 0; i < 4; i++) {
        const rp = randomPattern(rand, { reportFlags: true });
        specs.push({ id: i + 1, expression: rp.expression, flags: rp.flags });
      }
      const withP = specs.map((s) => ({ ...s, flags: `${s.flags}P` }));
      const input = randomInput(rand, 48);
      const seed = Math.floor(rand() * 1e9);
      const plain = compile(specs, { mode });
      const prefilter = compile(withP, { mode });
      const a = scanReports(plain, mode, input, mulberry32(seed));
      const b = scanReports(prefilter, mode, input, mulberry32(seed));
      expect([...b.ends].sort()).toEqual([...a.ends].sort());
      expect([...b.from].sort()).toEqual([...a.from].sort());
      expect(prefilter.info().approximated).toEqual([]);
      plain.free();
      prefilter.free();
    }
  });
});

describe('info().approximated', () => {
  const specs: PatternSpec[] = [
    { id: 10, expression: '(\\w+)=\\1;', flags: 'P' },
    { id: 11, expression: 'plain', flags: 'P' },
    { id: 12, expression: 'also plain', flags: '' },
    { id: 13, expression: '(?<!x)select(?=\\s)', flags: 'Pi' },
    { id: 14, expression: 'a{0,4000}z', flags: 'PL' },
    { id: 13, expression: 'x++y', flags: 'P' },
  ];
  const expected = [
    { id: 10, constructs: ['backreference'] },
    { id: 13, constructs: ['lookahead', 'lookbehind'] },
    { id: 14, constructs: ['bounded-repeat'] },
    { id: 13, constructs: ['possessive'] },
  ];

  it.each(['block', 'stream', 'vectored'] as const)(
    '%s mode: exactly the approximated patterns, in order, and through serialize',
    (mode) => {
      const db = compile(specs, { mode });
      expect(db.info().approximated).toEqual(expected);
      const copy = deserialize(db.serialize());
      expect(copy.info().approximated).toEqual(expected);
      db.free();
      copy.free();
    },
  );

  it('is empty when nothing is approximated', () => {
    const db = compile([{ id: 1, expression: 'a(b)c', flags: 'P' }], { mode: 'block' });
    expect(db.info().approximated).toEqual([]);
    db.free();
  });

  it('with L, \\K reports the start of the approximated pattern, before the true one', () => {
    const db = compile([{ id: 1, expression: 'foo\\Kbar', flags: 'PL' }], { mode: 'block' });
    const got: number[][] = [];
    db.scan(Buffer.from('xfoobar'), (id, from, to) => {
      got.push([id, from, to]);
    });
    db.free();
    expect(got).toEqual([[1, 1, 7]]);
  });

  it('an approximated pattern reports candidates the caller confirms with RegExp', () => {
    const db = compile([{ id: 1, expression: '(\\w+)=\\1;', flags: 'P' }], { mode: 'block' });
    const text = 'a=a; ab=ba; key=key;';
    const ends: number[] = [];
    db.scan(Buffer.from(text), (_id, _from, to) => {
      ends.push(to);
    });
    db.free();
    // Every `;` after a word and `=` is a candidate; RegExp keeps the real ones.
    expect(ends).toEqual([4, 11, 20]);
    const confirmed = ends.filter((e) => /(\w+)=\1;$/.test(text.slice(0, e)));
    expect(confirmed).toEqual([4, 20]);
  });
});

/**
 * A random pattern with the constructs netsieve and Hyperscan approximate the same way under P: lookaround
 * (nothing), atomic groups (plain groups), possessive quantifiers (greedy ones) and conditionals (the
 * alternation of the branches), among literals, classes, groups and short repeats. No backreferences:
 * Hyperscan copies a one-position group without making it optional and replaces others by `.*`.
 */
function randomSharedPattern(rand: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  let groups = 0;
  const atom = (depth: number): string => {
    const r = rand();
    if (r < 0.35 || depth >= 3) return pick(['a', 'b', 'c', '[ab]', '[^a]', '.']);
    if (r < 0.45) {
      groups++;
      return `(${seq(depth + 1)})`;
    }
    if (r < 0.55) return `(?>${seq(depth + 1)}|${seq(depth + 1)})`;
    if (r < 0.65) return `(?:${seq(depth + 1)}|${seq(depth + 1)})`;
    if (r < 0.75) {
      const cond =
        groups > 0 && rand() < 0.5 ? `${1 + Math.floor(rand() * groups)}` : `?${pick(['=', '!', '<=', '<!'])}${seq(depth + 1)}`;
      return `(?(${cond})${seq(depth + 1)}${rand() < 0.7 ? `|${seq(depth + 1)}` : ''})`;
    }
    return `${pick(['(?=', '(?!', '(?<=', '(?<!'])}${seq(depth + 1)})`;
  };
  const quantified = (depth: number): string => {
    const a = atom(depth);
    if (a.startsWith('(?=') || a.startsWith('(?!') || a.startsWith('(?<')) return a;
    const r = rand();
    if (r < 0.5) return a;
    return a + pick(['?', '*', '+', '{1,2}', '{2}']) + pick(['', '?', '+']);
  };
  const seq = (depth: number): string => {
    let out = '';
    for (let i = 1 + Math.floor(rand() * 3); i > 0; i--) out += quantified(depth);
    return out;
  };
  return `(?:${seq(0)})${pick(['a', 'b', 'c'])}`;
}

describe('native Hyperscan 5.4 with HS_FLAG_PREFILTER', () => {
  it('where both approximate alike: the same reports in block, stream and vectored modes', (ctx) => {
    needHyperscan(ctx);
    const rand = mulberry32(9108);
    const cases: HsCase[] = [];
    for (let t = 0; t < 60 * SCALE; t++) {
      const patterns = Array.from({ length: 1 + Math.floor(rand() * 3) }, (_, i) => ({
        id: i + 1,
        expression: randomSharedPattern(rand),
        flags: `P${rand() < 0.3 ? 'i' : ''}${rand() < 0.3 ? 's' : ''}`,
      }));
      const data = randomInput(rand, Math.floor(rand() * 24), 'abcA\n');
      const chunks: number[] = [];
      for (let at = 0; at < data.length; ) {
        const n = Math.min(data.length - at, Math.floor(rand() * 6));
        chunks.push(n);
        at += n;
      }
      cases.push({ patterns, data, chunks: chunks.length > 0 ? chunks : [0] });
    }
    const hs = runHyperscanCases(cases);
    let compared = 0;
    let approximated = 0;
    cases.forEach((c, i) => {
      const ref = hs[i]!;
      const context = JSON.stringify({ patterns: c.patterns, data: latin1(c.data), chunks: c.chunks });
      if ('error' in ref) throw new Error(`Hyperscan refused ${context}: ${ref.error}`);
      for (const mode of ['block', 'stream', 'vectored'] as const) {
        if (mode === 'block') {
          const db = compile(c.patterns, { mode });
          approximated += db.info().approximated.length;
          db.free();
        }
        const got = scanNs(c.patterns, mode, c.data, c.chunks.length > 0 ? c.chunks : [c.data.length]);
        const want = fromHs(c.patterns, ref[mode]);
        expect(got, `${mode} ${context}`).toEqual(want);
        compared += want.length;
      }
    });
    expect(compared).toBeGreaterThan(300 * SCALE);
    expect(approximated).toBeGreaterThan(60 * SCALE);
  });
});
