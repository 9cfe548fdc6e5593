/**
 * The pattern parser on what it refuses: each unsupported construct with its own message and position,
 * bad syntax, non-ASCII characters without flag 8, Hyperscan's empty-match rule, the limits, and garbage (random strings and mutated patterns
 * must produce a ParsedPattern or an NS_ERR_PATTERN, nothing else, quickly).
 */
import { describe, expect, it } from 'vitest';
import { isNetsieveError } from '../../src/errors.js';
import type { NetsieveError } from '../../src/errors.js';
import { matchesEmptyUnconditionally } from '../../src/regex/empty.js';
import { expandedSize, isNullable, parsePattern, PATTERN_LIMITS } from '../../src/regex/syntax.js';
import { mulberry32, randomPattern } from './oracle.js';
import { ast, checkWellFormed, endsIn, ID, refusal } from './syntax-helpers.js';

describe('refused constructs: each names itself and where it starts', () => {
  it.each([
    // back-references
    ['a\\1', 1, /back-references \(\\1\) are not supported/],
    ['(a)(a)(a)(a)(a)(a)(a)(a)(a)\\9', 27, /back-references \(\\9\)/],
    ['((((((((((a))))))))))\\10', 21, /back-references \(\\10\)/],
    ['a\\g{1}', 1, /back-references \\g/],
    ['a\\g1', 1, /back-references \\g/],
    ['(a)\\g-1', 3, /back-references \\g/],
    ['a\\g-1', 1, /relative back-reference \\g-1 goes before the first group/],
    ['(a)\\g{0}', 3, /cannot refer to group 0/],
    ['a\\g{name}', 1, /back-references \\g/],
    ['(?<n>a)\\k<n>', 7, /back-references \\k<name>/],
    ["(?<n>a)\\k'n'", 7, /back-references \\k/],
    ['(?<n>a)\\k{n}', 7, /back-references \\k/],
    ['(?P<n>a)(?P=n)', 8, /back-references \(\?P=name\)/],
    // lookaround
    ['a(?=b)', 1, /lookahead assertions \(\?=/],
    ['a(?!b)', 1, /negative lookahead/],
    ['(?<=a)b', 0, /lookbehind assertions \(\?<=/],
    ['x(?<!a)b', 1, /negative lookbehind/],
    // atomic, branch reset
    ['(?>ab)', 0, /atomic groups/],
    ['x(?|a|b)', 1, /branch reset/],
    // recursion and subroutines
    ['a(?R)', 1, /recursion \(\?R\)/],
    ['(a)(?1)', 3, /subroutine calls and recursion \(\?n\)/],
    ['(a)(?-1)', 3, /subroutine calls and recursion/],
    ['(a)(?+1)', 3, /subroutine calls \(\?\+n\)/],
    ['(?<n>a)(?&n)', 7, /subroutine calls \(\?&name\)/],
    ['(?P<n>a)(?P>n)', 8, /subroutine calls \(\?P>name\)/],
    ['(a)\\g<1>', 3, /subroutine calls \\g</],
    ["(a)\\g'1'", 3, /subroutine calls \\g</],
    // conditionals, callouts, code
    ['(?(1)a|b)', 0, /conditional groups/],
    ['(?(?=a)a|b)', 0, /conditional groups/],
    ['a(?C1)b', 1, /callouts/],
    ['a(?C)b', 1, /callouts/],
    ['(?{ code })', 0, /embedded code/],
    ['(??{ code })', 0, /embedded code/],
    // verbs
    ['a(*FAIL)', 1, /\(\*FAIL\) is not supported: netsieve has no backtracking control verbs/],
    ['(*ACCEPT)a', 0, /backtracking control verbs/],
    ['a(*MARK:x)b', 1, /backtracking control verbs/],
    ['(*CRLF)a', 0, /\(\*CRLF\) is not supported/],
    ['(*UTF8)a', 0, /\(\*UTF8\) is not supported: give flag 8 \(HS_FLAG_UTF8\)/],
    ['(*UTF)a', 0, /\(\*UTF\) is not supported: give flag 8/],
    ['(*UCP)a', 0, /\(\*UCP\) is not supported/],
    ['a(*', 1, /\(\*.*not supported/],
    // escapes
    ['a\\K', 1, /\\K \(reset the start of the match\)/],
    ['\\Ga', 0, /\\G \(the first matching position\)/],
    ['\\p{L}', 0, /Unicode property escapes \\p/],
    ['\\P{L}', 0, /Unicode property escapes \\P/],
    ['\\pL', 0, /Unicode property/],
    ['a\\X', 1, /\\X \(an extended grapheme cluster\)/],
    ['a\\R', 1, /\\R \(any newline sequence\)/],
    ['a\\l', 1, /\\l \(a Perl case-changing escape\)/],
    ['a\\U', 1, /\\U \(a Perl case-changing escape\)/],
    ['a\\y', 1, /unknown escape \\y/],
    ['a\\i', 1, /unknown escape \\i/],
    ['a\\j', 1, /unknown escape \\j/],
    ['a\\F', 1, /unknown escape \\F/],
    ['\\N{U+0041}', 0, /\\N\{\.\.\.\} .* not supported/],
    ['\\N{LATIN SMALL LETTER A}', 0, /\\N\{\.\.\.\}/],
    // inline options netsieve does not support
    ['(?U)a', 2, /inline option U is not supported/],
    ['(?J)a', 2, /inline option J/],
    ['(?X)a', 2, /inline option X/],
    ['(?n)a', 2, /inline option n/],
    ['(?^)a', 2, /inline option \^/],
    ['(?iU:a)', 3, /inline option U/],
    ['(?z)a', 0, /unknown group syntax \(\?z/],
    ['(?iz)a', 3, /unknown option letter z/],
    ['(?i-s!:a)', 5, /unknown option letter !/],
    ['(?i-m-s)a', 5, /two - in one option setting/],
    ['(?)a', 0, /empty option setting/],
    ['(?-)a', 0, /empty option setting/],
    // possessive quantifiers
    ['a*+', 1, /possessive quantifier \*\+ is not supported/],
    ['ba++', 2, /possessive quantifier \+\+/],
    ['ba?+', 2, /possessive quantifier \?\+/],
    ['ba{2}+', 2, /possessive quantifier \{2\}\+/],
    ['ba{2,}+', 2, /possessive quantifier \{2,\}\+/],
  ])('%s at %i', (expression, position, message) => {
    const err = refusal(expression);
    expect(err.message).toMatch(message);
    expect(err.position).toBe(position);
    expect(err.message).toContain(`pattern ${ID}, position ${position}: `);
  });

  it('refusals inside a class', () => {
    for (const [expression, position, message] of [
      ['[\\p{L}]', 1, /Unicode property/],
      ['[a\\B]', 2, /escape \\B is not allowed in a class/],
      ['[\\A]', 1, /escape \\A is not allowed in a class/],
      ['[\\z]', 1, /not allowed in a class/],
      ['[\\N]', 1, /not allowed in a class/],
      ['[\\R]', 1, /\\R/],
      ['[\\X]', 1, /\\X/],
      ['[\\y]', 1, /escape \\y is not allowed in a class/],
      ['[\\g1]', 1, /back-references \\g/],
      ['[\\k<a>]', 1, /back-references \\k/],
    ] as const) {
      const err = refusal(expression);
      expect(err.message, expression).toMatch(message);
      expect(err.position, expression).toBe(position);
    }
  });
});

describe('bad syntax', () => {
  it.each([
    ['a)', 1, /unmatched \): no group is open here/],
    ['(a', 0, /missing \) for the group opened here/],
    ['x(a(b)', 1, /missing \)/],
    ['(?:a', 0, /missing \)/],
    ['(?', 0, /ends inside a group opening/],
    ['a(?#comment', 1, /missing \) at the end of the comment/],
    ['(?i', 0, /missing \) at the end of the option setting/],
    ['(?<n', 0, /bad group name/],
    ['(?<n-x>a)', 4, /bad group name/],
    ['(?<>a)', 3, /group name is empty/],
    ['(?<1a>a)', 3, /starts with a digit/],
    ["(?'n>a)", 4, /bad group name/],
    ['(?P<n)', 5, /bad group name/],
    ['(?Px)', 0, /unknown group syntax \(\?P/],
    [`(?<${'n'.repeat(33)}>a)`, 3, /longer than 32/],
    ['[a', 0, /missing \] at the end of this class/],
    ['x[]', 1, /missing \]/],
    ['[^]', 0, /missing \]/],
    ['[a\\', 0, /missing \]/],
    ['[\\Qa]', 0, /missing \]/],
    ['[z-a]', 1, /range out of order in a class: z-a/],
    ['x[ab\\x42-\\x41]', 4, /range out of order/],
    ['[a-\\d]', 3, /a range cannot end with a class such as \\d/],
    ['[a-[:digit:]]', 3, /a range cannot end with a class/],
    ['[:alpha:]', 0, /POSIX classes are supported only inside a class: write \[\[:alpha:\]\]/],
    ['[[:alfa:]]', 1, /unknown POSIX class \[:alfa:\]/],
    ['[[:^foo:]]', 1, /unknown POSIX class/],
    ['[[.a.]]', 1, /POSIX collating elements \[\.a\.\] are not supported/],
    ['[[=a=]]', 1, /POSIX collating elements/],
    ['[.a.]', 0, /POSIX collating elements/],
    ['a\\', 1, /ends with a lone backslash/],
    [
      '\\x{100}',
      0,
      /\\x\{100\} is above \\xff: an escape is one byte; to match the character U\+0100 as UTF-8, write it as itself \(\u0100\)/,
    ],
    ['\\x{ffffffffffff}', 0, /is above \\xff/],
    ['\\x{}', 0, /\\x\{ must be followed by hex digits and \}/],
    ['\\x{4', 0, /hex digits and \}/],
    ['\\x{g}', 0, /hex digits/],
    ['\\o{400}', 0, /above \\o\{377\}/],
    ['\\o{}', 0, /octal digits and \}/],
    ['\\o{8}', 0, /octal digits and \}/],
    ['\\o7', 0, /\\o must be followed by \{octal digits\}/],
    ['[\\400]', 1, /octal escape \\400 is above \\377/],
    ['a\\c', 1, /\\c must be followed by a printable ASCII character/],
    ['a\\c\u00e9', 3, /non-ASCII character \u00e9 \(U\+00E9\): add flag 8/],
    ['a\\c\n', 1, /\\c must be followed/],
  ])('%j at %i', (expression, position, message) => {
    const err = refusal(expression);
    expect(err.message).toMatch(message);
    expect(err.position).toBe(position);
  });

  it('without flag 8 a non-ASCII character is refused where it stands, whatever surrounds it (never a Latin-1 byte)', () => {
    for (const [expression, position] of [
      ['h\u00e9llo', 1],
      ['[a\u00e9]', 2],
      ['\\Q\u65e5\\E', 2],
      ['x\\\u00e9', 2],
      ['ab\u{1F600}', 2],
      ['(?x)a # \u00e9', 8],
    ] as const) {
      const err = refusal(expression);
      expect(err.position, expression).toBe(position);
      expect(err.message).toMatch(/non-ASCII character .* add flag 8 \(HS_FLAG_UTF8\).*\\xHH/);
      expect(() => parsePattern(expression, '8', ID)).not.toThrow();
    }
    // \xHH is one byte with or without the flag.
    expect(ast('\\xe9')).toEqual(ast('\\xe9', '8'));
    expect(refusal('a\\c\u00e9', '8').message).toMatch(/\\c must be followed by a printable ASCII/);
  });

  it('a lone surrogate is refused: it has no UTF-8 encoding', () => {
    const err = refusal('ab\ud800c', '8');
    expect(err.position).toBe(2);
    expect(err.message).toMatch(/lone surrogate \\ud800 .*no UTF-8 encoding/);
    expect(refusal('a\udc00', '8').position).toBe(1);
    expect(refusal('[\ude00]', '8').position).toBe(1);
    expect(refusal('a\ud83d', '8').position).toBe(1);
  });

  it('a range with a non-ASCII end is refused (several byte lengths); so is a negated class listing one', () => {
    for (const [expression, position] of [
      ['[\u00e0-\u00e2]', 1],
      ['x[a-\u00e9]', 2],
      ['[\\x41-\u00e9]', 1],
      ['[\u00e9-\u{1F600}]', 1],
      ['[\u00e9-a]', 1],
    ] as const) {
      const err = refusal(expression, '8');
      expect(err.message).toMatch(/range .* over non-ASCII characters is not supported.*\\xHH/);
      expect(err.position).toBe(position);
    }
    const err = refusal('a[^b\u00e9]', '8');
    expect(err.message).toMatch(/negated class cannot list a non-ASCII character/);
    expect(err.position).toBe(1);
    // A negated class of bytes is fine, and so is a non-ASCII character in a hyphen that is no range.
    expect(() => parsePattern('[^\\xe9][\u00e9-][-\u00e9]', '8', ID)).not.toThrow();
  });
});

describe('quantifier placement', () => {
  it.each([
    ['*a', 0, /quantifier \* does not follow anything it could repeat/],
    ['+', 0, /does not follow anything/],
    ['?a', 0, /does not follow anything/],
    ['{2}a', 0, /quantifier \{2\} does not follow anything/],
    ['a|*b', 2, /does not follow anything/],
    ['(*)', 0, /\(\*\) is not supported/],
    ['(?:*a)', 3, /does not follow anything/],
    ['a(?i)*', 5, /does not follow anything/],
    ['^*a', 1, /quantifier \* follows an assertion/],
    ['a$?', 2, /follows an assertion/],
    ['\\b+a', 2, /follows an assertion/],
    ['a\\B{2}', 3, /follows an assertion/],
    ['\\A*a', 2, /follows an assertion/],
    ['\\z{1,2}a', 2, /follows an assertion/],
    ['a**', 2, /quantifier \* follows another quantifier/],
    ['a+*', 2, /follows another quantifier/],
    ['a{2}{3}', 4, /quantifier \{3\} follows another quantifier.*\(\?:a\+\)\{3\}/],
    ['a???', 3, /follows another quantifier/],
    ['a*?+', 3, /follows another quantifier/],
  ])('%j at %i', (expression, position, message) => {
    const err = refusal(expression);
    expect(err.message).toMatch(message);
    expect(err.position).toBe(position);
  });

  it('repeat bounds out of order', () => {
    const err = refusal('xa{3,2}');
    expect(err.message).toMatch(/repeat bounds are out of order in \{3,2\}/);
    expect(err.position).toBe(2);
  });
});

describe("Hyperscan's empty-match rule", () => {
  // Each checked against libhs 5.4 (test/regex/empty.test.ts compares the whole list when it is installed).
  it.each([
    '',
    'a*',
    'a?',
    'a{0,3}',
    '(abc)?',
    '(a|)',
    '|a',
    'a||b',
    '()',
    '(?:)',
    'a{0}',
    '(?:a*)+',
    '(?:\\b)?',
    '\\b|a*',
    '(?:a|\\b)*',
    '(?#c)',
    '(?i)',
    'a*?b*',
    '(?x) # only a comment',
  ])('%j can match the empty string with no assertion on the way: refused without V, accepted with it', (expression) => {
    const err = refusal(expression);
    expect(err.message).toMatch(/can match the empty string anywhere .*Pattern matches empty buffer.*add flag V/);
    expect(err.position).toBe(0);
    expect(() => parsePattern(expression, 'V', ID)).not.toThrow();
  });

  it.each([
    '^',
    '$',
    '\\b',
    '\\B',
    '\\A',
    '\\z',
    '^$',
    '^0?$',
    '^.*$',
    '^(?:\\?[01])?$',
    'x|^$',
    'a?$',
    '\\b|\\B',
    '\\b\\B',
    '(?:^|a)',
  ])('%j can match empty only where an assertion holds: accepted as it is, as Hyperscan does', (expression) => {
    expect(isNullable(ast(expression))).toBe(true);
  });

  it.each(['a', 'a+', '^a', 'a$', '\\ba\\b', '(?:a|b)+', 'a*b', '(a|b?)c', 'x{1,}', '(?:(?:a?)b)?c', '.', '\\n'])(
    '%j always consumes a byte and is accepted',
    (expression) => {
      expect(isNullable(ast(expression))).toBe(false);
    },
  );

  it('a pattern that can never match is not refused', () => {
    expect(ast('[^\\x00-\\xff]')).toEqual({ kind: 'set', set: expect.anything() });
    expect(endsIn('[^\\x00-\\xff]', '', 'abc')).toEqual([]);
    expect(endsIn('a\\zb', '', 'ab')).toEqual([]);
    expect(endsIn('[^\\d\\D]+', 's', '1a')).toEqual([]);
  });
});

describe('limits', () => {
  it(`an expression of ${PATTERN_LIMITS.maxExpressionLength} characters is accepted, one more is refused`, () => {
    const max = PATTERN_LIMITS.maxExpressionLength;
    expect(ast('a'.repeat(max)).kind).toBe('concat');
    const err = refusal('a'.repeat(max + 1));
    expect(err.message).toMatch(new RegExp(`${max + 1} characters long, over the limit of ${max}`));
    expect(err.position).toBe(max);
  });

  it(`groups nested ${PATTERN_LIMITS.maxNesting} deep are accepted, one more is refused at its (`, () => {
    const n = PATTERN_LIMITS.maxNesting;
    expect(ast(`${'('.repeat(n)}a${')'.repeat(n)}`)).toEqual({ kind: 'set', set: expect.anything() });
    expect(ast('(?:a'.repeat(n) + ')'.repeat(n)).kind).toBe('concat');
    const err = refusal(`${'('.repeat(n + 1)}a${')'.repeat(n + 1)}`);
    expect(err.message).toMatch(new RegExp(`nested more than ${n} deep`));
    expect(err.position).toBe(n);
  });

  it('a hostile run of ( or [ fails cleanly, never with a stack overflow', () => {
    expect(refusal('('.repeat(60000)).message).toMatch(/nested more than/);
    expect(refusal('(?:'.repeat(20000)).message).toMatch(/nested more than/);
    expect(refusal('['.repeat(60000)).message).toMatch(/missing \]/);
    expect(refusal('(a|'.repeat(20000)).message).toMatch(/nested more than/);
  });

  it('the deepest accepted tree can be walked recursively', () => {
    const n = PATTERN_LIMITS.maxNesting;
    // Each unit leaves one group open; the last unit's (?:b) is the deepest group.
    const node = ast('(?:a|(?:b)+'.repeat(n - 1) + ')'.repeat(n - 1));
    expect(expandedSize(node)).toBe(3 * (n - 1)); // a, and b+ as b b*
    expect(checkWellFormed(node)).toBeGreaterThan(3 * (n - 1));
  });

  it(`repeat bounds up to ${PATTERN_LIMITS.maxRepeatBound} are accepted; larger ones are "too large"`, () => {
    const max = PATTERN_LIMITS.maxRepeatBound;
    expect(ast(`a{${max}}`)).toEqual({ kind: 'repeat', item: expect.anything(), min: max, max, greedy: true });
    expect(ast(`a{0,${max}}b`).kind).toBe('concat');
    for (const q of [
      `{${max + 1}}`,
      `{1,${max + 1}}`,
      `{${max + 1},}`,
      '{99999999999999999999999}',
      '{1,99999999999999999999}',
    ]) {
      const err = refusal(`xa${q}`);
      expect(err.message, q).toMatch(new RegExp(`bounded repeat is too large: .* over the limit of ${max}`));
      expect(err.position, q).toBe(2);
    }
  });

  it('expanded size: (a{1000}){1000} is refused at the outer quantifier, an exact fit is accepted', () => {
    const err = refusal('(a{1000}){1000}');
    expect(err.message).toMatch(/too large once its repeats are expanded \(over 100000 positions\)/);
    expect(err.position).toBe(9);
    expect(expandedSize(ast('(?:a{100}){1000}'))).toBe(100_000);
    expect(refusal('(?:a{100}){1000}b').position).toBe(16);
    expect(refusal('(?:(?:a{100}){10}){101}').position).toBe(18);
  });

  it('expanded size counts alternatives, sets and assertions, and unbounded repeats as min+1 copies', () => {
    expect(expandedSize(ast('a|bc'))).toBe(3);
    expect(expandedSize(ast('\\ba\\b'))).toBe(3);
    expect(expandedSize(ast('(?:ab){2,}'))).toBe(6);
    expect(expandedSize(ast('(?:ab)*c'))).toBe(3);
    expect(expandedSize(ast('(?:a|b{2,5}){3}'))).toBe(18);
    // 800 × 125 is exactly the cap; the x after it is one position too many.
    expect(expandedSize(ast('(?:a{400}|b{400}){125}'))).toBe(100_000);
    expect(refusal('(?:a{400}|b{400}){125}x').position).toBe(22);
    expect(refusal('(?:a{400}|b{400}){126}').position).toBe(17);
  });

  it('the expansion cap holds across sibling groups and alternatives too', () => {
    const part = '(?:a{10000})';
    expect(refusal(part.repeat(11)).position).toBe(part.length * 10 + part.length - 1);
    expect(refusal(`${part.repeat(5)}|${part.repeat(6)}`).message).toMatch(/too large/);
  });
});

describe('garbage never escapes as anything but NS_ERR_PATTERN', () => {
  function check(expression: string, flags: string): 'ok' | 'refused' {
    try {
      const parsed = parsePattern(expression, flags, ID);
      checkWellFormed(parsed.ast);
      if (matchesEmptyUnconditionally(parsed.ast) && !flags.includes('V'))
        throw new Error('accepted a pattern that matches empty anywhere');
      return 'ok';
    } catch (e) {
      const what = `${JSON.stringify(expression)} /${flags}: ${String(e)}`;
      if (!isNetsieveError(e)) throw new Error(what);
      const err = e as NetsieveError;
      // Flag errors have no position (they are not in the expression); every other error has one.
      const positionOk = Number.isInteger(err.position) && err.position! >= 0 && err.position! <= expression.length;
      if (
        err.code !== 'NS_ERR_PATTERN' ||
        err.pattern !== ID ||
        !(positionOk || (err.position === undefined && /flag/.test(err.message)))
      ) {
        throw new Error(`bad error fields for ${what}`);
      }
      return 'refused';
    }
  }

  it('random strings over regex metacharacters', () => {
    const rand = mulberry32(0xbad5eed);
    const alphabet = '()[]{}|*+?.^$\\-:=!<>#,PQEaAbBdDsSwWxX0179{}iIsmx \n\u00e9\u0100gkNcpoz';
    let ok = 0;
    for (let k = 0; k < 20000; k++) {
      const len = Math.floor(rand() * 24);
      let s = '';
      for (let i = 0; i < len; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
      const flags = ['', 'i', 's', 'm', 'ismHL', 'x', 'ii'][Math.floor(rand() * 7)]!;
      if (check(s, flags) === 'ok') ok++;
    }
    // Enough of them parse for the success path to be exercised too.
    expect(ok).toBeGreaterThan(1000);
  });

  it('random patterns with one character inserted, deleted or replaced', () => {
    const rand = mulberry32(0x5eed);
    const inserts = '()[]{}|*+?\\-^$:#';
    let refused = 0;
    for (let k = 0; k < 5000; k++) {
      const p = randomPattern(rand);
      const at = Math.floor(rand() * (p.expression.length + 1));
      const r = rand();
      const ins = inserts[Math.floor(rand() * inserts.length)]!;
      const mutated =
        r < 0.33
          ? p.expression.slice(0, at) + ins + p.expression.slice(at)
          : r < 0.66
            ? p.expression.slice(0, at) + p.expression.slice(at + 1)
            : p.expression.slice(0, at) + ins + p.expression.slice(at + 1);
      if (check(mutated, p.flags) === 'refused') refused++;
    }
    expect(refused).toBeGreaterThan(500);
  });

  it('random strings over regex metacharacters, in prefilter mode (flag P)', () => {
    const rand = mulberry32(0xbad5eef);
    // Single characters and the openings of the constructs P approximates, so that both meet often.
    const tokens = [
      ..."()[]{}|*+?.^$\\-:=!<>'&PKRXgk0129ab",
      ...['(?(', '(?=', '(?<=', '(?!', '(?<!', '(?>', '(?P=', '(?P<', '(?<', '\\1', '\\2', '\\k<', '\\g{', '\\K', '++', '{2,}+'],
    ];
    let ok = 0;
    let approximated = 0;
    for (let k = 0; k < 20000; k++) {
      const len = Math.floor(rand() * 16);
      let s = '';
      for (let i = 0; i < len; i++) s += tokens[Math.floor(rand() * tokens.length)];
      const flags = ['P', 'Pi', 'PL', 'PV', 'Px'][Math.floor(rand() * 5)]!;
      if (check(s, flags) === 'ok') {
        ok++;
        if ((parsePattern(s, flags, ID).approximated ?? []).length > 0) approximated++;
      }
    }
    expect(ok).toBeGreaterThan(500);
    expect(approximated).toBeGreaterThan(200);
  });

  it('every prefix of a prefilter pattern with every construct', () => {
    const full =
      '(?<q>[\'"])(?>a++|b*+)(?=x)(?!y)(?<=z)(?<!w)\\k<q>\\g{-1}\\1(?P=q)(?(1)c|d)(?(?=e)f)(?(DEFINE)(?<u>g))h\\Ki\\Xj{0,5000}';
    for (let i = 0; i <= full.length; i++) check(full.slice(0, i), 'PsL');
  });

  it('every prefix of a pattern with every construct', () => {
    const full = '(?x)(?i:a[^\\d-z[:alpha:]]b)+?(?<n>c|\\Q.*\\E){2,3}\\b\\x{41}\\0101\\cZ(?#c)$ # end';
    for (let i = 0; i <= full.length; i++) check(full.slice(0, i), 'sm');
  });
});
