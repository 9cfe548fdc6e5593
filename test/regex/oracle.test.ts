/**
 * The reference matchers (oracle.ts) on hand-checked examples, against each other, and against a
 * brute-force search over every substring; and the random pattern/input generators the differential
 * tests rely on.
 */
import { describe, expect, it } from 'vitest';
import { ByteSet } from '../../src/regex/ast.js';
import type { ParsedPattern, RegexNode } from '../../src/regex/ast.js';
import { parsePattern } from '../../src/regex/syntax.js';
import {
  interpretMatches,
  latin1,
  mulberry32,
  ORACLE_MAX_INPUT,
  oracleMatches,
  oracleMatchesForward,
  randomInput,
  randomPattern,
  toJsRegexSource,
} from './oracle.js';
import type { OracleMatch } from './oracle.js';

const bytes = (text: string): Uint8Array => Uint8Array.from(text, (ch) => ch.charCodeAt(0));
const parse = (expression: string, flags = ''): ParsedPattern => parsePattern(expression, flags, 1);

/** Both references, which must agree; returns their common answer. */
function matches(expression: string, flags: string, text: string): OracleMatch[] {
  const parsed = parse(expression, flags);
  const data = bytes(text);
  const v8 = oracleMatches(parsed, data);
  expect(interpretMatches(parsed, data), 'interpreter vs V8').toEqual(v8);
  expect(oracleMatchesForward(parsed, data), 'forward vs lookbehind').toEqual(v8);
  return v8;
}

const m = (end: number, start: number): OracleMatch => ({ end, start });

function walk(node: RegexNode, visit: (n: RegexNode) => void): void {
  visit(node);
  if (node.kind === 'concat' || node.kind === 'alt') for (const item of node.items) walk(item, visit);
  if (node.kind === 'repeat') walk(node.item, visit);
}

describe('hand-checked matches', () => {
  it('/foo.*bar/ on fooxbarbar ends at 7 and 10, both from 0 (all matches, not greedy or lazy)', () => {
    expect(matches('foo.*bar', '', 'fooxbarbar')).toEqual([m(7, 0), m(10, 0)]);
    expect(matches('foo.*?bar', '', 'fooxbarbar')).toEqual([m(7, 0), m(10, 0)]);
  });

  it('. stops at \\n unless s', () => {
    expect(matches('a.b', '', 'a\nb axb')).toEqual([m(7, 4)]);
    expect(matches('a.b', 's', 'a\nb axb')).toEqual([m(3, 0), m(7, 4)]);
  });

  it('\\bfoo\\b matches whole words only; the buffer edges count as non-word', () => {
    expect(matches('\\bfoo\\b', '', 'foo food foo_ xfoo foo')).toEqual([m(3, 0), m(22, 19)]);
    expect(matches('\\bfoo\\b', '', 'foo')).toEqual([m(3, 0)]);
    expect(matches('\\bfoo\\b', '', '-foo\u00e9')).toEqual([m(4, 1)]); // 0xe9 is not a word byte
  });

  it('\\B holds between two word bytes or two non-word bytes', () => {
    expect(matches('\\Ba', '', 'aa a')).toEqual([m(2, 1)]);
    expect(matches('-\\B-', '', '--a--')).toEqual([m(2, 0), m(5, 3)]);
  });

  it('^ is the buffer start, or every line start with m', () => {
    expect(matches('^a', '', 'a\na')).toEqual([m(1, 0)]);
    expect(matches('^a', 'm', 'a\na')).toEqual([m(1, 0), m(3, 2)]);
    expect(matches('^\\n', 'm', '\n\n')).toEqual([m(1, 0), m(2, 1)]);
  });

  it('$ is the end or before a final \\n, or before every \\n with m', () => {
    expect(matches('a$', '', 'a\na\n')).toEqual([m(3, 2)]);
    expect(matches('a$', '', 'a\na')).toEqual([m(3, 2)]);
    expect(matches('a$', '', 'a\n\n')).toEqual([]);
    expect(matches('a$', 'm', 'a\na\n')).toEqual([m(1, 0), m(3, 2)]);
    expect(matches('a$', 'm', 'a\n\n')).toEqual([m(1, 0)]);
  });

  it('$ can be followed by the final newline itself', () => {
    expect(matches('a$\\n', '', 'a\n')).toEqual([m(2, 0)]);
    expect(matches('a$\\n', '', 'a\nb')).toEqual([]);
  });

  it('\\Z allows a final newline, \\z does not; neither cares about m', () => {
    expect(matches('a\\Z', '', 'a\n')).toEqual([m(1, 0)]);
    expect(matches('a\\z', '', 'a\n')).toEqual([]);
    expect(matches('a\\z', '', 'ba')).toEqual([m(2, 1)]);
    expect(matches('a\\Z', 'm', 'a\na\n')).toEqual([m(3, 2)]);
    expect(matches('\\Aa', 'm', 'a\na')).toEqual([m(1, 0)]);
  });

  it('caseless matches either case of ASCII letters only', () => {
    expect(matches('abc', 'i', 'xAbCabc')).toEqual([m(4, 1), m(7, 4)]);
    expect(matches('\\xe9', 'i', '\u00c9\u00e9')).toEqual([m(2, 1)]);
    expect(matches('a(?-i)b', 'i', 'AB Ab')).toEqual([m(5, 3)]);
  });

  it('reports the leftmost start of the matches ending at each offset', () => {
    expect(matches('a+', '', 'baaa')).toEqual([m(2, 1), m(3, 1), m(4, 1)]);
    expect(matches('b|ab', '', 'ab')).toEqual([m(2, 0)]);
    expect(matches('a.*b', '', 'aab')).toEqual([m(3, 0)]);
    expect(matches('(?:ab)+', '', 'xababab')).toEqual([m(3, 1), m(5, 1), m(7, 1)]);
    expect(matches('[ab]{2}', '', 'aaa')).toEqual([m(2, 0), m(3, 1)]);
  });

  it('alternatives and optional parts that overlap', () => {
    expect(matches('(?:a|ab)(?:c|bcd)d*', '', 'abcd')).toEqual([m(3, 0), m(4, 0)]);
    expect(matches('x(?:\\b)+y', '', 'x y')).toEqual([]);
    expect(matches('a(?:\\B|-)+b', '', 'ab a-b')).toEqual([m(2, 0), m(6, 3)]);
  });

  it('bytes 0x80..0xff and classes over them', () => {
    const text = '\u0041\u00e9\u00e9\u00ff';
    expect(matches('\\xe9+', '', text)).toEqual([m(2, 1), m(3, 1)]);
    expect(matches('[\\x80-\\xff]{2}', '', text)).toEqual([m(3, 1), m(4, 2)]);
    expect(matches('\\W', '', text)).toEqual([m(2, 1), m(3, 2), m(4, 3)]);
  });

  it('bounded repeats count exactly', () => {
    expect(matches('a{2,3}', '', 'aaaa')).toEqual([m(2, 0), m(3, 0), m(4, 1)]);
    expect(matches('(?:a?){3}b', '', 'aaaab')).toEqual([m(5, 1)]);
    expect(matches('x(?:a?){0,2}y', '', 'xaaay xaay')).toEqual([m(10, 6)]);
  });

  it('a pattern that never matches reports nothing', () => {
    expect(matches('[^\\x00-\\xff]', '', 'abc')).toEqual([]);
    expect(matches('a\\Ab', '', 'ab')).toEqual([]);
  });

  it('an empty buffer has no matches for a non-nullable pattern', () => {
    expect(matches('a', '', '')).toEqual([]);
  });

  it('a nullable AST (never produced by the parser) matches empty at every offset', () => {
    const parsed: ParsedPattern = {
      ast: { kind: 'repeat', item: { kind: 'set', set: ByteSet.of(0x61) }, min: 0, max: Infinity, greedy: true },
      flags: parse('a').flags,
    };
    const data = bytes('ba');
    const expected = [m(0, 0), m(1, 1), m(2, 1)];
    expect(oracleMatches(parsed, data)).toEqual(expected);
    expect(interpretMatches(parsed, data)).toEqual(expected);
  });
});

describe('toJsRegexSource', () => {
  const s = (...b: number[]): RegexNode => ({ kind: 'set', set: ByteSet.of(...b) });

  it('writes sets as \\x classes with ranges', () => {
    expect(toJsRegexSource(s(0x61))).toBe('[\\x61]');
    expect(toJsRegexSource(s(0x61, 0x62))).toBe('[\\x61\\x62]');
    expect(toJsRegexSource({ kind: 'set', set: ByteSet.range(0x30, 0x39) })).toBe('[\\x30-\\x39]');
    expect(toJsRegexSource({ kind: 'set', set: ByteSet.all() })).toBe('[\\x00-\\xff]');
    expect(toJsRegexSource({ kind: 'set', set: new ByteSet() })).toBe('[]');
    expect(toJsRegexSource(s(0x00, 0xff))).toBe('[\\x00\\xff]');
  });

  it('writes repeats with their bounds and laziness, always around a group', () => {
    expect(toJsRegexSource({ kind: 'repeat', item: s(0x61), min: 2, max: Infinity, greedy: true })).toBe('(?:[\\x61]){2,}');
    expect(toJsRegexSource({ kind: 'repeat', item: s(0x61), min: 0, max: 3, greedy: false })).toBe('(?:[\\x61]){0,3}?');
    expect(
      toJsRegexSource({ kind: 'repeat', item: { kind: 'assert', assertion: 'word_boundary' }, min: 2, max: 2, greedy: true }),
    ).toBe('(?:\\b){2}');
  });

  it('every assertion and node kind compiles as a flagless JS regex', () => {
    const node = parse('(?:^|\\A|\\b|\\B)(?:a|b|)c+?\\Z(?m:$)\\z(?m:^)', '').ast;
    const src = toJsRegexSource(node);
    expect(() => new RegExp(src)).not.toThrow();
    expect(src).not.toMatch(/[^\\]\./); // no bare dot: every set is explicit
  });

  it('latin1 maps each byte to the char with the same code', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const text = latin1(all);
    expect(text.length).toBe(256);
    for (let i = 0; i < 256; i++) expect(text.charCodeAt(i)).toBe(i);
  });
});

describe('the references agree with each other and with brute force', () => {
  it('V8 end offsets and leftmost starts equal a full-match test of every substring (patterns without assertions)', () => {
    const rand = mulberry32(0x0dd);
    let compared = 0;
    for (let k = 0; k < 250; k++) {
      const p = randomPattern(rand, { assertions: false });
      const parsed = parsePattern(p.expression, p.flags, k);
      const whole = new RegExp(`^(?:${toJsRegexSource(parsed.ast)})$`);
      for (let j = 0; j < 2; j++) {
        const data = randomInput(rand, Math.floor(rand() * 16));
        const text = latin1(data);
        const best = new Map<number, number>();
        for (let e = 0; e <= data.length; e++) {
          for (let s = 0; s <= e; s++) {
            if (whole.test(text.slice(s, e))) {
              best.set(e, s);
              break;
            }
          }
        }
        const brute = [...best].map(([end, start]) => ({ end, start }));
        expect(oracleMatches(parsed, data), `${p.expression} /${p.flags} on ${JSON.stringify(text)}`).toEqual(brute);
        compared++;
      }
    }
    expect(compared).toBe(500);
  });

  it('V8 (lookbehind and forward) and the AST interpreter agree on random patterns with assertions', () => {
    const rand = mulberry32(0xa55e7);
    let nonEmpty = 0;
    for (let k = 0; k < 600; k++) {
      const p = randomPattern(rand, { reportFlags: true });
      const parsed = parsePattern(p.expression, p.flags, k);
      const data = randomInput(rand, Math.floor(rand() * 40));
      const v8 = oracleMatches(parsed, data);
      const label = `${p.expression} /${p.flags} on ${JSON.stringify(latin1(data))}`;
      expect(interpretMatches(parsed, data), label).toEqual(v8);
      if (k % 3 === 0) expect(oracleMatchesForward(parsed, data), label).toEqual(v8);
      if (v8.length > 0) nonEmpty++;
    }
    expect(nonEmpty).toBeGreaterThan(250);
  });

  it('they agree over an alphabet with upper case and high bytes too', () => {
    const rand = mulberry32(77);
    const alphabet = 'aAbB\n \u00e9\u00ff_1';
    for (let k = 0; k < 300; k++) {
      const p = randomPattern(rand, { alphabet });
      const parsed = parsePattern(p.expression, p.flags, k);
      const data = randomInput(rand, Math.floor(rand() * 32), alphabet);
      expect(interpretMatches(parsed, data), `${p.expression} /${p.flags}`).toEqual(oracleMatches(parsed, data));
    }
  });

  it('the V8 oracle answers on 200-byte inputs for generated patterns, with matches inside the input', () => {
    // 20 patterns on 200 bytes: an exponential regression in the generator or the oracle shows as this test
    // running into vitest's timeout, not as a clock comparison here.
    const rand = mulberry32(200);
    for (let k = 0; k < 20; k++) {
      const p = randomPattern(rand);
      const data = randomInput(rand, 200);
      for (const m of oracleMatches(parsePattern(p.expression, p.flags, k), data)) {
        expect(0 <= m.start && m.start <= m.end && m.end <= data.length, `${p.expression}: ${m.start}..${m.end}`).toBe(true);
      }
    }
  });

  it(`refuses inputs over ${ORACLE_MAX_INPUT} bytes`, () => {
    const parsed = parse('a');
    expect(() => oracleMatches(parsed, new Uint8Array(ORACLE_MAX_INPUT + 1))).toThrow(RangeError);
    expect(() => interpretMatches(parsed, new Uint8Array(ORACLE_MAX_INPUT + 1))).toThrow(RangeError);
  });
});

describe('randomPattern and randomInput', () => {
  it('are deterministic for a seed', () => {
    const a = mulberry32(5);
    const b = mulberry32(5);
    for (let k = 0; k < 50; k++) expect(randomPattern(a)).toEqual(randomPattern(b));
    expect(randomInput(mulberry32(9), 64)).toEqual(randomInput(mulberry32(9), 64));
  });

  it('every generated pattern parses, and together they cover the syntax', () => {
    const rand = mulberry32(2024);
    const seen = new Map<string, number>();
    const features: [string, RegExp][] = [
      ['group', /\((?!\?)/],
      ['non-capturing', /\(\?:/],
      ['named', /\(\?(?:P?<|')n\d/],
      ['scoped option', /\(\?-?[imsx]+(?:-[imsx]+)?:/],
      ['inline option', /\(\?-?[imsx]\)/],
      ['comment', /\(\?#/],
      ['alternation', /\|/],
      ['empty alternative', /\(\?:\||\|\)|\|\|/],
      ['class', /\[[^\]]/],
      ['negated class', /\[\^/],
      ['range', /\[[^\]]*[^\\]-[^\]]/],
      ['posix', /\[:\^?[a-z]+:\]/],
      ['escape class', /\\[dDwWsShHvVN]/],
      ['dot', /(?:^|[^\\])\./],
      ['hex', /\\x[0-9a-f]{2}/],
      ['hex braces', /\\x\{/],
      ['octal', /\\0[0-7]{2}|\\o\{/],
      ['control', /\\c[A-Z]/],
      ['quote', /\\Q/],
      ['anchor', /\^|\$|\\[AzZ]/],
      ['word boundary', /\\[bB]/],
      ['star', /\*/],
      ['plus', /\+/],
      ['optional', /[^(]\?/],
      ['exact', /\{\d+\}/],
      ['at least', /\{\d+,\}/],
      ['between', /\{\d+,\d+\}/],
      ['lazy', /[*+?}]\?/],
      ['extended whitespace', /\(\?x[):][^]*[ \t]/],
      ['high byte', /\\x[89a-f][0-9a-f]/],
    ];
    const flagsSeen = new Set<string>();
    for (let k = 0; k < 2000; k++) {
      const p = randomPattern(rand, { reportFlags: true });
      expect(() => parsePattern(p.expression, p.flags, k), `${p.expression} /${p.flags}`).not.toThrow();
      for (const [name, re] of features) if (re.test(p.expression)) seen.set(name, (seen.get(name) ?? 0) + 1);
      for (const f of p.flags) flagsSeen.add(f);
    }
    for (const [name] of features) expect(seen.get(name) ?? 0, name).toBeGreaterThan(10);
    expect([...flagsSeen].sort()).toEqual(['H', 'L', 'i', 'm', 's']);
  });

  it('match random inputs over their alphabet often, without matching everything', () => {
    const rand = mulberry32(31337);
    let some = 0;
    let all = 0;
    const n = 400;
    for (let k = 0; k < n; k++) {
      const p = randomPattern(rand);
      const data = randomInput(rand, 32);
      const found = interpretMatches(parsePattern(p.expression, p.flags, k), data);
      if (found.length > 0) some++;
      if (found.length === data.length) all++;
    }
    expect(some / n).toBeGreaterThan(0.5);
    expect(all / n).toBeLessThan(0.5);
  });

  it('options: no assertions, no inline options, no flags, no stars', () => {
    const rand = mulberry32(8);
    for (let k = 0; k < 300; k++) {
      const p = randomPattern(rand, { assertions: false, inlineFlags: false, flags: false, maxStars: 0, highBytes: false });
      expect(p.flags).toBe('');
      expect(p.expression).not.toMatch(/\(\?-?[imsx]/);
      // No byte 0x80..0xff written as an escape or a raw character (\h and \v still hold 0xa0 and 0x85).
      expect(p.expression).not.toMatch(/\\x\{?[89a-f][0-9a-f]|\\o\{[23][0-7]{2}\}|[\u0080-\u00ff]/);
      const parsed = parsePattern(p.expression, p.flags, k);
      walk(parsed.ast, (node) => {
        expect(node.kind).not.toBe('assert');
        if (node.kind === 'repeat') expect(node.max).not.toBe(Infinity);
      });
    }
  });

  it('maxStars bounds the unbounded repeats, counting one inside {m} as m', () => {
    const rand = mulberry32(12);
    for (let k = 0; k < 300; k++) {
      const p = randomPattern(rand, { maxStars: 2 });
      const count = (node: RegexNode): number => {
        if (node.kind === 'repeat') {
          const inner = count(node.item);
          return node.max === Infinity ? 1 + inner : inner * node.max;
        }
        if (node.kind === 'concat' || node.kind === 'alt') return node.items.reduce((n, item) => n + count(item), 0);
        return 0;
      };
      expect(count(parsePattern(p.expression, p.flags, k).ast), p.expression).toBeLessThanOrEqual(2);
    }
  });

  it('randomInput draws only from its alphabet', () => {
    const data = randomInput(mulberry32(3), 1000, 'xy\u00e9');
    expect(data).toHaveLength(1000);
    expect(new Set(data)).toEqual(new Set([0x78, 0x79, 0xe9]));
    expect(randomInput(mulberry32(3), 0)).toHaveLength(0);
  });
});
