/**
 * The pattern parser on what it accepts: flags, literals and escapes, sets and classes, case folding,
 * anchors, groups and inline options, quantifiers, simplification. Refusals, limits and garbage are in
 * syntax-errors.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/regex/database.js';
import { parsePattern } from '../../src/regex/syntax.js';
import { type HsCase, needHyperscan, runHyperscanCases } from './hyperscan-reference.js';
import {
  ast,
  bytesOf,
  chars,
  checkWellFormed,
  complementOf,
  endsIn,
  ID,
  lit,
  matchesWhole,
  refusal,
  set,
} from './syntax-helpers.js';

const DIGITS = chars(['0'.charCodeAt(0), '9'.charCodeAt(0)]);
const UPPER = chars([0x41, 0x5a]);
const LOWER = chars([0x61, 0x7a]);
const ALPHA = [...UPPER, ...LOWER];
const WORD = chars(
  ...([
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x61, 0x7a],
  ] as [number, number][]),
  '_',
);
const SPACE = [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20];
const ANY = set(...complementOf([]));
const NOT_NEWLINE = set(...complementOf([0x0a]));

describe('flags string', () => {
  it('maps i s m H L to PatternFlags', () => {
    expect(parsePattern('a', '', ID).flags).toEqual({
      caseless: false,
      dotall: false,
      multiline: false,
      singleMatch: false,
      leftmost: false,
      allowEmpty: false,
      utf8: false,
      prefilter: false,
    });
    expect(parsePattern('a', 'ismHL', ID).flags).toEqual({
      caseless: true,
      dotall: true,
      multiline: true,
      singleMatch: true,
      leftmost: true,
      allowEmpty: false,
      utf8: false,
      prefilter: false,
    });
    expect(parsePattern('a', 'L', ID).flags.leftmost).toBe(true);
    expect(parsePattern('a', 'H', ID).flags.singleMatch).toBe(true);
  });

  it('H and L change reporting only: the AST is the same as without them', () => {
    expect(ast('a.b', 'HL')).toEqual(ast('a.b', ''));
  });

  it('a repeated flag is refused, naming it', () => {
    const err = refusal('a', 'iHi');
    expect(err.message).toMatch(/flag "i" .*given twice/);
    expect(err.position).toBeUndefined();
  });

  it('V (HS_FLAG_ALLOWEMPTY) and 8 (HS_FLAG_UTF8) are accepted', () => {
    expect(parsePattern('a*', 'V', ID).flags).toMatchObject({ allowEmpty: true, utf8: false });
    expect(parsePattern('\u00e9', '8i', ID).flags).toMatchObject({ allowEmpty: false, utf8: true, caseless: true });
  });

  it.each(['W', 'Q', 'C', 'O'])('Hyperscan flag %s is refused as not supported', (f) => {
    expect(refusal('a', `i${f}`).message).toMatch(new RegExp(`flag "${f}".*netsieve does not support`));
  });

  it.each(['z', 'I', 'g', ' ', '-'])('unknown flag %j is refused', (f) => {
    expect(refusal('a', f).message).toMatch(/is not a known flag; netsieve accepts i, s, m, H, L, V, 8 and P/);
  });

  it('x is not a flag but the message points to (?x)', () => {
    expect(refusal('a', 'x').message).toMatch(/write \(\?x\)/);
  });
});

describe('literals and escapes', () => {
  it('plain characters are one-byte sets in a concatenation', () => {
    expect(ast('abc')).toEqual({ kind: 'concat', items: lit('abc') });
    expect(ast('a')).toEqual(set(0x61));
  });

  it('a non-ASCII character stands for its UTF-8 bytes, as one item; a \\x escape stays one byte', () => {
    expect(ast('\u00e9', '8')).toEqual({ kind: 'concat', items: [set(0xc3), set(0xa9)] });
    expect(ast('\u0080', '8')).toEqual({ kind: 'concat', items: [set(0xc2), set(0x80)] });
    expect(ast('\u00ff', '8')).toEqual({ kind: 'concat', items: [set(0xc3), set(0xbf)] });
    expect(ast('\u65e5', '8')).toEqual({ kind: 'concat', items: [set(0xe6), set(0x97), set(0xa5)] });
    expect(ast('\u{1F600}', '8')).toEqual({ kind: 'concat', items: [set(0xf0), set(0x9f), set(0x98), set(0x80)] });
    expect(ast('h\u00e9llo', '8')).toEqual(ast('h\\xc3\\xa9llo'));
    // A quantifier repeats the whole character, not its last byte.
    expect(ast('\u00e9+', '8')).toEqual(ast('(?:\\xc3\\xa9)+'));
    expect(ast('\u65e5{2}', '8')).toEqual(ast('(?:\\xe6\\x97\\xa5){2}'));
    expect(ast('\\\u00e9', '8')).toEqual(ast('\\xc3\\xa9'));
    expect(ast('\\Q\u00e9.\u{1F600}\\E', '8')).toEqual(ast('\\xc3\\xa9\\.\\xf0\\x9f\\x98\\x80'));
    expect(bytesOf('\\xe9')).toEqual([0xe9]);
    expect(bytesOf('\\x{e9}')).toEqual([0xe9]);
  });

  it.each([
    ['\\x41', 0x41],
    ['\\xff', 0xff],
    ['\\xFf', 0xff],
    ['\\x7', 0x07],
    ['\\x{41}', 0x41],
    ['\\x{0000041}', 0x41],
    ['\\x{ff}', 0xff],
    ['\\0', 0x00],
    ['\\07', 0x07],
    ['\\012', 0x0a],
    ['\\077', 0x3f],
    ['\\o{101}', 0x41],
    ['\\o{377}', 0xff],
    ['\\n', 0x0a],
    ['\\r', 0x0d],
    ['\\t', 0x09],
    ['\\f', 0x0c],
    ['\\e', 0x1b],
    ['\\a', 0x07],
    ['\\cA', 0x01],
    ['\\ca', 0x01],
    ['\\cZ', 0x1a],
    ['\\c@', 0x00],
    ['\\c[', 0x1b],
    ['\\c?', 0x7f],
    ['\\.', 0x2e],
    ['\\*', 0x2a],
    ['\\\\', 0x5c],
    ['\\/', 0x2f],
    ['\\-', 0x2d],
    ['\\ ', 0x20],
    ['\\#', 0x23],
    ['\\{', 0x7b],
    ['\\]', 0x5d],
  ])('%s is byte %i', (expression, byte) => {
    expect(bytesOf(expression)).toEqual([byte]);
  });

  it('a bare \\x is the byte 0 and \\x takes at most two hex digits (PCRE)', () => {
    expect(ast('\\xz')).toEqual({ kind: 'concat', items: [set(0), set(0x7a)] });
    expect(ast('\\x414')).toEqual({ kind: 'concat', items: [set(0x41), set(0x34)] });
  });

  it('\\0 takes at most two more octal digits; the rest are literals', () => {
    expect(ast('\\0123')).toEqual({ kind: 'concat', items: [set(0x0a), set(0x33)] });
    expect(ast('\\08')).toEqual({ kind: 'concat', items: [set(0), set(0x38)] });
  });

  it('\\8, \\9 and \\10.. with fewer groups before them are the digit or octal, as PCRE and Hyperscan read them', () => {
    expect(ast('\\8a')).toEqual({ kind: 'concat', items: lit('8a') });
    expect(ast('(a)\\9')).toEqual({ kind: 'concat', items: lit('a9') });
    expect(ast('(a)\\10')).toEqual({ kind: 'concat', items: [set(0x61), set(0x08)] });
    expect(ast('\\12')).toEqual(set(0x0a));
    expect(ast('\\101')).toEqual(set(0x41));
    // Octal takes at most three digits, and only octal ones: \18 is \1 (the byte 1) then 8.
    expect(ast('\\1012')).toEqual({ kind: 'concat', items: [set(0x41), set(0x32)] });
    expect(ast('(a)\\18')).toEqual({ kind: 'concat', items: [set(0x61), set(0x01), set(0x38)] });
    expect(refusal('\\400').message).toMatch(/octal escape \\400 is above \\377/);
  });

  it('\\1..\\7 are always backreferences, \\8 and up when that many groups opened before them', () => {
    expect(refusal('(a)\\7').message).toMatch(/back-references \(\\7\)/);
    expect(refusal('(a)(a)(a)(a)(a)(a)(a)(a)\\8').position).toBe(24);
    expect(refusal('((((((((((a))))))))))\\10').position).toBe(21);
    // A group opened later does not count: \10 before ten groups is octal.
    expect(ast('\\10((((((((((a))))))))))')).toEqual({ kind: 'concat', items: [set(0x08), set(0x61)] });
  });

  it('\\C is one byte, whatever it is (Hyperscan accepts it)', () => {
    expect(ast('a\\Cb')).toEqual({ kind: 'concat', items: [set(0x61), set(...complementOf([])), set(0x62)] });
    expect(ast('\\C', '8')).toEqual(set(...complementOf([])));
  });

  it('\\Q...\\E quotes metacharacters, and runs to the end when \\E is missing', () => {
    expect(ast('\\Qa.*\\E')).toEqual({ kind: 'concat', items: lit('a.*') });
    expect(ast('x\\Q(?[')).toEqual({ kind: 'concat', items: lit('x(?[') });
    expect(ast('\\Q\\\\E')).toEqual(set(0x5c));
  });

  it('a quantifier after \\Q...\\E repeats the last quoted character only', () => {
    expect(ast('\\Qab\\E+')).toEqual({
      kind: 'concat',
      items: [set(0x61), { kind: 'repeat', item: set(0x62), min: 1, max: Infinity, greedy: true }],
    });
  });

  it('\\E without \\Q and an empty \\Q\\E are ignored, even between an item and its quantifier', () => {
    expect(ast('a\\Eb')).toEqual({ kind: 'concat', items: lit('ab') });
    expect(ast('a\\Q\\E+')).toEqual({ kind: 'repeat', item: set(0x61), min: 1, max: Infinity, greedy: true });
  });
});

describe('sets', () => {
  it('. is every byte but \\n, or every byte with s', () => {
    expect(bytesOf('.')).toEqual(complementOf([0x0a]));
    expect(bytesOf('.', 's')).toHaveLength(256);
    expect(bytesOf('(?s).')).toHaveLength(256);
    expect(bytesOf('(?s:.)')).toHaveLength(256);
  });

  it('\\N is every byte but \\n whatever s says', () => {
    expect(bytesOf('\\N')).toEqual(complementOf([0x0a]));
    expect(bytesOf('\\N', 's')).toEqual(complementOf([0x0a]));
  });

  it('\\N{n} is \\N repeated', () => {
    expect(ast('\\N{3}')).toEqual({ kind: 'repeat', item: set(...complementOf([0x0a])), min: 3, max: 3, greedy: true });
  });

  it.each([
    ['\\d', DIGITS],
    ['\\w', WORD],
    ['\\s', SPACE],
    ['\\h', [0x09, 0x20, 0xa0]],
    ['\\v', [0x0a, 0x0b, 0x0c, 0x0d, 0x85]],
  ])('%s and its negation are the ASCII/PCRE byte sets', (escape, bytes) => {
    expect(bytesOf(escape)).toEqual(bytes);
    expect(bytesOf(escape.toUpperCase())).toEqual(complementOf(bytes));
    expect(bytesOf(`[${escape}]`)).toEqual(bytes);
    expect(bytesOf(`[${escape.toUpperCase()}]`)).toEqual(complementOf(bytes));
  });

  it('\\v is vertical space, not the VT character alone', () => {
    expect(bytesOf('\\v')).not.toEqual([0x0b]);
    expect(bytesOf('\\v')).toContain(0x0b);
  });

  it('classes: single characters, ranges, several ranges', () => {
    expect(bytesOf('[abc]')).toEqual(chars('abc'));
    expect(bytesOf('[a-c]')).toEqual(chars('abc'));
    expect(bytesOf('[a-cx-z0-2]')).toEqual(chars('abcxyz012'));
    expect(bytesOf('[a-a]')).toEqual(chars('a'));
    expect(bytesOf('[\\x00-\\xff]')).toHaveLength(256);
    expect(bytesOf('[\\x80-\\xff]')).toEqual(chars([0x80, 0xff]));
    expect(bytesOf('[\\xe0-\\xe2]')).toEqual([0xe0, 0xe1, 0xe2]);
  });

  it('classes: a non-ASCII character is one more alternative, its UTF-8 bytes', () => {
    expect(ast('[a-c\u00e9]', '8')).toEqual(ast('(?:[a-c]|\\xc3\\xa9)'));
    expect(ast('[\u00e9\u65e5\u00e9]', '8')).toEqual(ast('(?:\\xc3\\xa9|\\xe6\\x97\\xa5)'));
    expect(ast('[\\x80\u{1F600}]+', '8')).toEqual(ast('(?:[\\x80]|\\xf0\\x9f\\x98\\x80)+'));
    expect(ast('[\\\u00e9-]', '8')).toEqual(ast('(?:-|\\xc3\\xa9)'));
    expect(ast('[\\Q\u00e9\\E]', '8')).toEqual(ast('\\xc3\\xa9'));
    expect(ast('[a\u00e9]', 'i8')).toEqual(ast('(?:[aA]|\\xc3\\xa9)'));
  });

  it('negated classes', () => {
    expect(bytesOf('[^a]')).toEqual(complementOf(chars('a')));
    expect(bytesOf('[^a-z\\d]')).toEqual(complementOf([...DIGITS, ...LOWER]));
    expect(bytesOf('[^\\x00-\\xff]')).toEqual([]);
  });

  it('] first (after [ or [^) is literal', () => {
    expect(bytesOf('[]a]')).toEqual(chars(']a'));
    expect(bytesOf('[^]a]')).toEqual(complementOf(chars(']a')));
    expect(bytesOf('[]]')).toEqual(chars(']'));
    expect(bytesOf('[]-a]')).toEqual(chars([0x5d, 0x61]));
  });

  it('- at either end, after a range, or after a class escape is literal', () => {
    expect(bytesOf('[-a]')).toEqual(chars('-a'));
    expect(bytesOf('[a-]')).toEqual(chars('-a'));
    expect(bytesOf('[^-]')).toEqual(complementOf(chars('-')));
    expect(bytesOf('[a-c-e]')).toEqual(chars('abc-e'));
    expect(bytesOf('[\\w-.]')).toEqual([...new Set([...WORD, 0x2d, 0x2e])].sort((a, b) => a - b));
    expect(bytesOf('[[:digit:]-z]')).toEqual(chars('0123456789-z'));
    expect(bytesOf('[\\-]')).toEqual(chars('-'));
  });

  it('a range may end at - ([!--] is ! to -)', () => {
    expect(bytesOf('[!--]')).toEqual(chars([0x21, 0x2d]));
    expect(bytesOf('[--/]')).toEqual(chars([0x2d, 0x2f]));
  });

  it('escapes inside a class: \\b is backspace, byte escapes, octal \\1..\\7, \\8 \\9 as digits', () => {
    expect(bytesOf('[\\b]')).toEqual([0x08]);
    expect(bytesOf('[\\n\\t\\x41\\x{42}\\o{103}\\cD\\e]')).toEqual([0x04, 0x09, 0x0a, 0x1b, 0x41, 0x42, 0x43]);
    expect(bytesOf('[\\1]')).toEqual([0x01]);
    expect(bytesOf('[\\101]')).toEqual([0x41]);
    expect(bytesOf('[\\1011]')).toEqual(chars('A1'));
    expect(bytesOf('[\\8\\9]')).toEqual(chars('89'));
    expect(bytesOf('[\\0]')).toEqual([0]);
    expect(bytesOf('[\\]\\\\\\^]')).toEqual(chars(']\\^'));
    expect(bytesOf('[\\x00-\\x1f]')).toEqual(chars([0, 0x1f]));
  });

  it('\\Q...\\E inside a class quotes ] and -', () => {
    expect(bytesOf('[\\Q]-\\E]')).toEqual(chars(']-'));
    expect(bytesOf('[\\Qa\\E-c]')).toEqual(chars('abc'));
    expect(bytesOf('[a\\E]')).toEqual(chars('a'));
  });

  it('whitespace and # inside a class are literal even in extended mode', () => {
    expect(bytesOf('(?x)[ #]')).toEqual(chars(' #'));
  });

  it('[ inside a class that does not open a POSIX item is literal', () => {
    expect(bytesOf('[[a]')).toEqual(chars('[a'));
    expect(bytesOf('[[:a]')).toEqual(chars('[:a'));
  });

  it.each([
    ['alnum', [...DIGITS, ...ALPHA]],
    ['alpha', ALPHA],
    ['ascii', chars([0, 0x7f])],
    ['blank', [0x09, 0x20]],
    ['cntrl', [...chars([0, 0x1f]), 0x7f]],
    ['digit', DIGITS],
    ['graph', chars([0x21, 0x7e])],
    ['lower', LOWER],
    ['print', chars([0x20, 0x7e])],
    ['punct', chars([0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e])],
    ['space', SPACE],
    ['upper', UPPER],
    ['word', WORD],
    ['xdigit', chars('0123456789abcdefABCDEF')],
  ])('[[:%s:]] and [[:^%s:]] are the ASCII sets', (name, bytes) => {
    const sorted = [...bytes].sort((a, b) => a - b);
    expect(bytesOf(`[[:${name}:]]`)).toEqual(sorted);
    expect(bytesOf(`[[:^${name}:]]`)).toEqual(complementOf(sorted));
    expect(bytesOf(`[^[:${name}:]]`)).toEqual(complementOf(sorted));
  });

  it('POSIX classes combine with other items', () => {
    expect(bytesOf('[[:digit:][:upper:]_]')).toEqual([...DIGITS, ...UPPER, 0x5f]);
    expect(bytesOf('[x[:digit:]y]')).toEqual([...DIGITS, 0x78, 0x79]);
  });
});

describe('caseless (flag i and inline (?i))', () => {
  it('folds ASCII letters in literals and escapes', () => {
    expect(bytesOf('a', 'i')).toEqual(chars('Aa'));
    expect(bytesOf('Z', 'i')).toEqual(chars('Zz'));
    expect(bytesOf('\\x41', 'i')).toEqual(chars('Aa'));
    expect(bytesOf('\\o{142}', 'i')).toEqual(chars('Bb'));
    expect(ast('\\Qab\\E', 'i')).toEqual({ kind: 'concat', items: [set(0x41, 0x61), set(0x42, 0x62)] });
  });

  it('leaves non-letters and bytes 0x80..0xff alone', () => {
    expect(bytesOf('1', 'i')).toEqual(chars('1'));
    expect(bytesOf('@', 'i')).toEqual(chars('@'));
    expect(bytesOf('\\xe9', 'i')).toEqual([0xe9]);
    expect(bytesOf('\\xc9', 'i')).toEqual([0xc9]);
    // Non-ASCII letters are not folded: É is c3 89 and é c3 a9, and caseless is ASCII only.
    expect(ast('\u00e9', 'i8')).toEqual(ast('\\xc3\\xa9'));
    expect(ast('\u00c9', 'i8')).toEqual(ast('\\xc3\\x89'));
    expect(bytesOf('[\\x40\\x5b\\x60\\x7b]', 'i')).toEqual([0x40, 0x5b, 0x60, 0x7b]);
  });

  it('folds ranges and class items before negation', () => {
    expect(bytesOf('[a-c]', 'i')).toEqual(chars('abcABC'));
    expect(bytesOf('[X-b]', 'i')).toEqual(chars([0x58, 0x62], 'xyzAB'));
    expect(bytesOf('[^a]', 'i')).toEqual(complementOf(chars('aA')));
    expect(bytesOf('[^a-z]', 'i')).toEqual(complementOf(ALPHA));
  });

  it('[:lower:] and [:upper:] become [:alpha:], before negation (PCRE)', () => {
    expect(bytesOf('[[:lower:]]', 'i')).toEqual(ALPHA);
    expect(bytesOf('[[:upper:]]', 'i')).toEqual(ALPHA);
    expect(bytesOf('[[:^lower:]]', 'i')).toEqual(complementOf(ALPHA));
    expect(bytesOf('[[:^upper:]]', 'i')).toEqual(complementOf(ALPHA));
    expect(bytesOf('[[:^lower:]]')).toEqual(complementOf(LOWER));
  });

  it('class escapes are case-closed already', () => {
    expect(bytesOf('\\w', 'i')).toEqual(WORD);
    expect(bytesOf('\\W', 'i')).toEqual(complementOf(WORD));
    expect(bytesOf('[^\\d]', 'i')).toEqual(complementOf(DIGITS));
  });

  it('(?i) applies from where it stands to the end of the enclosing group', () => {
    expect(ast('a(?i)b')).toEqual({ kind: 'concat', items: [set(0x61), set(0x42, 0x62)] });
    expect(ast('(a(?i)b)c')).toEqual({ kind: 'concat', items: [set(0x61), set(0x42, 0x62), set(0x63)] });
    expect(ast('(?i)a(?-i)b')).toEqual({ kind: 'concat', items: [set(0x41, 0x61), set(0x62)] });
    expect(ast('A(?-i)b', 'i')).toEqual({ kind: 'concat', items: [set(0x41, 0x61), set(0x62)] });
  });

  it('(?i) in one alternative carries on into the later alternatives of its group (PCRE)', () => {
    // (a(?i)b|c)d matches ab, aB, c, C — then d, case-sensitively.
    expect(ast('(a(?i)b|c)d')).toEqual({
      kind: 'concat',
      items: [{ kind: 'alt', items: [{ kind: 'concat', items: [set(0x61), set(0x42, 0x62)] }, set(0x43, 0x63)] }, set(0x64)],
    });
  });

  it('(?i:...) is scoped to its group', () => {
    expect(ast('(?i:a)b')).toEqual({ kind: 'concat', items: [set(0x41, 0x61), set(0x62)] });
    expect(ast('(?-i:a)b', 'i')).toEqual({ kind: 'concat', items: [set(0x61), set(0x42, 0x62)] });
  });

  it('a letter both before and after - ends up unset', () => {
    expect(bytesOf('(?i-i)a')).toEqual(chars('a'));
  });
});

describe('anchors and word boundaries', () => {
  const anchorOf = (expression: string, flags = ''): string => {
    const node = ast(`${expression}a`, flags);
    if (node.kind !== 'concat' || node.items[0]!.kind !== 'assert') throw new Error('not an assertion');
    return node.items[0]!.assertion;
  };

  it.each([
    ['^', '', 'start'],
    ['^', 'm', 'line_start'],
    ['$', '', 'end_or_final_newline'],
    ['$', 'm', 'line_end'],
    ['\\A', '', 'start'],
    ['\\A', 'm', 'start'],
    ['\\z', '', 'end'],
    ['\\z', 'm', 'end'],
    ['\\Z', '', 'end_or_final_newline'],
    ['\\Z', 'm', 'end_or_final_newline'],
    ['\\b', '', 'word_boundary'],
    ['\\B', '', 'not_word_boundary'],
    ['(?m)^', '', 'line_start'],
    ['(?m)$', '', 'line_end'],
    ['(?-m)^', 'm', 'start'],
  ])('%s with flags %j is %s', (anchor, flags, assertion) => {
    expect(anchorOf(anchor, flags)).toBe(assertion);
  });

  it('(?m:...) is scoped', () => {
    expect(ast('(?m:^a)$')).toEqual({
      kind: 'concat',
      items: [{ kind: 'assert', assertion: 'line_start' }, set(0x61), { kind: 'assert', assertion: 'end_or_final_newline' }],
    });
  });

  it('an embedded anchor that can never hold is accepted as a pattern that never matches', () => {
    expect(ast('a\\Ab').kind).toBe('concat');
    expect(endsIn('a\\Ab', '', 'aab')).toEqual([]);
    expect(endsIn('a^b', '', 'ab')).toEqual([]);
    expect(endsIn('a^b', 'm', 'a\nb')).toEqual([]);
  });
});

describe('groups', () => {
  const ab = { kind: 'concat', items: [{ kind: 'alt', items: [set(0x61), set(0x62)] }, set(0x63)] };

  it.each(['(a|b)c', '(?:a|b)c', '(?<n>a|b)c', "(?'n'a|b)c", '(?P<n>a|b)c', '(?<_x9>a|b)c'])(
    '%s only groups: capturing or named makes no difference',
    (expression) => {
      expect(ast(expression)).toEqual(ab);
    },
  );

  it('empty groups and empty alternatives', () => {
    expect(ast('a()b')).toEqual({ kind: 'concat', items: lit('ab') });
    expect(ast('a(?:)b')).toEqual({ kind: 'concat', items: lit('ab') });
    expect(ast('(?:a|)b')).toEqual({
      kind: 'concat',
      items: [{ kind: 'alt', items: [set(0x61), { kind: 'empty' }] }, set(0x62)],
    });
    expect(ast('(?:|a)b')).toEqual({
      kind: 'concat',
      items: [{ kind: 'alt', items: [{ kind: 'empty' }, set(0x61)] }, set(0x62)],
    });
    expect(ast('(?:a||)b')).toEqual({
      kind: 'concat',
      items: [{ kind: 'alt', items: [set(0x61), { kind: 'empty' }] }, set(0x62)],
    });
  });

  it('comments (?#...) vanish, even between an item and its quantifier', () => {
    expect(ast('a(?#comment (with [brackets]\\)b')).toEqual({ kind: 'concat', items: lit('ab') });
    expect(ast('a(?#x)+')).toEqual({ kind: 'repeat', item: set(0x61), min: 1, max: Infinity, greedy: true });
  });

  it('option groups combine letters and negations', () => {
    expect(ast('(?is-m:a.$)', 'm')).toEqual({
      kind: 'concat',
      items: [set(0x41, 0x61), ANY, { kind: 'assert', assertion: 'end_or_final_newline' }],
    });
    expect(bytesOf('(?s-i:.)', 'i')).toHaveLength(256);
  });

  it('an option group restores the options at its )', () => {
    expect(ast('(?s:.).')).toEqual({ kind: 'concat', items: [ANY, NOT_NEWLINE] });
  });

  it('a group name may repeat across patterns but not within one', () => {
    expect(ast('(?<n>a)').kind).toBe('set');
    expect(ast('(?<n>a)').kind).toBe('set');
    expect(refusal('(?<n>a)(?<n>b)').message).toMatch(/two groups are named "n"/);
  });
});

describe('extended mode (?x)', () => {
  it('ignores whitespace and # comments outside classes', () => {
    expect(ast('(?x) a b\tc\n d # comment ) [ (\n e')).toEqual({ kind: 'concat', items: lit('abcde') });
    expect(ast('(?x)a\u000bb\u000cc\rd')).toEqual({ kind: 'concat', items: lit('abcd') });
  });

  it('whitespace between an item and its quantifier is ignored', () => {
    expect(ast('(?x)a +')).toEqual({ kind: 'repeat', item: set(0x61), min: 1, max: Infinity, greedy: true });
    expect(ast('(?x)a #c\n {2}')).toEqual({ kind: 'repeat', item: set(0x61), min: 2, max: 2, greedy: true });
  });

  it('escaped whitespace and #, \\Q...\\E and classes keep their spaces', () => {
    expect(ast('(?x)a\\ b\\#')).toEqual({ kind: 'concat', items: lit('a b#') });
    expect(ast('(?x)\\Qa b\\E')).toEqual({ kind: 'concat', items: lit('a b') });
    expect(bytesOf('(?x)[ ]')).toEqual([0x20]);
  });

  it('is scoped like any option, and off by default', () => {
    expect(ast('(?x: a ) b')).toEqual({ kind: 'concat', items: lit('a b') });
    expect(ast('(?x)a(?-x) b')).toEqual({ kind: 'concat', items: lit('a b') });
    expect(ast('a # b')).toEqual({ kind: 'concat', items: lit('a # b') });
  });

  it('a comment may run to the end of the pattern', () => {
    expect(ast('(?x)ab#c')).toEqual({ kind: 'concat', items: lit('ab') });
  });

  it('U+0085 and U+00A0 are not whitespace (C locale): they are their UTF-8 bytes; comments may hold any character', () => {
    expect(ast('(?x)a\u00a0\u0085', '8')).toEqual(ast('a\\xc2\\xa0\\xc2\\x85'));
    expect(ast('(?x)a # \u20ac\u{1F600}\nb', '8')).toEqual(ast('ab'));
    expect(ast('a(?#\u0100)b', '8')).toEqual(ast('ab'));
  });
});

describe('quantifiers', () => {
  const a = set(0x61);
  it.each([
    ['a*', 0, Infinity],
    ['a+', 1, Infinity],
    ['a?', 0, 1],
    ['a{3}', 3, 3],
    ['a{3,}', 3, Infinity],
    ['a{0,}', 0, Infinity],
    ['a{2,5}', 2, 5],
    ['a{0,1}', 0, 1],
    ['a{007}', 7, 7],
    ['a{10000}', 10000, 10000],
  ])('%s repeats %i..%s', (expression, min, max) => {
    expect(ast(`${expression}b`)).toEqual({
      kind: 'concat',
      items: [{ kind: 'repeat', item: a, min, max, greedy: true }, set(0x62)],
    });
    expect(ast(`${expression}?b`)).toEqual({
      kind: 'concat',
      items: [{ kind: 'repeat', item: a, min, max, greedy: false }, set(0x62)],
    });
  });

  it('x{1} and x{1,1} are x; x{0} and x{0,0} are nothing', () => {
    expect(ast('a{1}')).toEqual(a);
    expect(ast('a{1,1}?')).toEqual(a);
    expect(ast('ba{0}c')).toEqual({ kind: 'concat', items: lit('bc') });
    expect(ast('b(?:xy){0,0}c')).toEqual({ kind: 'concat', items: lit('bc') });
  });

  it('a quantifier applies to the last item only, or to a whole group', () => {
    expect(ast('ab+')).toEqual({
      kind: 'concat',
      items: [a, { kind: 'repeat', item: set(0x62), min: 1, max: Infinity, greedy: true }],
    });
    expect(ast('(?:ab)+')).toEqual({
      kind: 'repeat',
      item: { kind: 'concat', items: lit('ab') },
      min: 1,
      max: Infinity,
      greedy: true,
    });
    expect(ast('[ab]{2}')).toEqual({ kind: 'repeat', item: set(0x61, 0x62), min: 2, max: 2, greedy: true });
  });

  it('a group holding only an assertion may be repeated', () => {
    expect(ast('(?:\\b)+a')).toEqual({
      kind: 'concat',
      items: [{ kind: 'repeat', item: { kind: 'assert', assertion: 'word_boundary' }, min: 1, max: Infinity, greedy: true }, a],
    });
  });

  it.each(['a{', 'a{}', 'a{,3}', 'a{,}', 'a{1,2', 'a{x}', 'a{1,x}', 'a{ 1}', 'a{1 }', 'a{1, 2}', '{', '{a}', 'x|{'])(
    '%s is not a quantifier, so { is a literal',
    (expression) => {
      const node = ast(expression);
      const items = node.kind === 'concat' ? node.items : node.kind === 'alt' ? node.items : [node];
      expect(JSON.stringify(items)).toContain(JSON.stringify(set(0x7b)));
      expect(JSON.stringify(node)).not.toContain('repeat');
    },
  );

  it('lazy forms match the same end offsets as greedy ones', () => {
    for (const [greedy, lazy] of [
      ['a.*b', 'a.*?b'],
      ['a+', 'a+?'],
      ['x{2,4}', 'x{2,4}?'],
    ]) {
      expect(endsIn(lazy!, '', 'axbxxxbxxxxb')).toEqual(endsIn(greedy!, '', 'axbxxxbxxxxb'));
    }
  });
});

describe('simplification keeps meaning', () => {
  it('flattens nested concatenations and alternations', () => {
    expect(ast('(?:ab)(?:c(?:d))')).toEqual({ kind: 'concat', items: lit('abcd') });
    expect(ast('(?:a|b)|c|(?:d|(?:e))')).toEqual({ kind: 'alt', items: lit('abcde') });
  });

  it('unwraps one-item groups at any depth', () => {
    expect(ast('((((a))))')).toEqual(set(0x61));
    expect(ast('(?:(?:a)*)b')).toEqual(ast('a*b'));
    expect(ast('((?:(a))){2}')).toEqual({ kind: 'repeat', item: set(0x61), min: 2, max: 2, greedy: true });
  });

  it('does not merge alternatives into a set or reorder them', () => {
    expect(ast('b|a')).toEqual({ kind: 'alt', items: lit('ba') });
  });

  it('the same pattern written many ways matches the same strings', () => {
    const texts = ['', 'abc', 'ABC', 'aBc', 'ab', 'abcabc', 'xabcx', 'a\nbc'];
    const forms = [
      'abc',
      '(abc)',
      '(?:a)(?:b)(?:c)',
      'a(?:b){1}c',
      '\\x61\\x62\\x63',
      '\\Qabc\\E',
      '[a][b][c]',
      '(?x) a b c',
      'a(?#!)bc',
    ];
    for (const text of texts) {
      const expected = matchesWhole('abc', '', text);
      for (const form of forms) expect(matchesWhole(form, '', text), `${form} on ${JSON.stringify(text)}`).toBe(expected);
    }
  });
});

describe('parsed trees are well formed', () => {
  it.each([
    'a(b|c|)d*',
    '(?:(?:a|b)|(?:c|))+x',
    '((a)(b))((c))',
    '(?:a{1}){1}(?:){3}x',
    '^(?:\\b|\\B)+a$',
    '[^a]|b|(?:c|(?:d|e))f',
    'x(?:a{0}|b{0})?y',
  ])('%s', (expression) => {
    checkWellFormed(ast(expression));
  });
});

describe('numbered escapes and \\C against native Hyperscan 5.4', () => {
  it('the same block-mode reports where Hyperscan accepts the pattern', (ctx) => {
    needHyperscan(ctx);
    const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
    const cases: HsCase[] = [
      ['\\8a', 'x8a8a'],
      ['\\9b', '9b'],
      ['(a)\\10', 'a\x08a\x10'],
      ['(a)\\12', 'a\na\x0c'],
      ['(a)\\18', 'a\x018a\x01'],
      ['x\\101', 'xAxa'],
      ['a\\Cb', 'axb a\xffb ab'],
      ['\\10((((((((((a))))))))))', '\x08a'],
    ].map(([expression, text], i) => ({
      patterns: [{ id: i + 1, expression: expression!, flags: 'L' }],
      data: enc(text!),
      chunks: [],
    }));
    const hs = runHyperscanCases(cases);
    cases.forEach((c, i) => {
      const ref = hs[i]!;
      if ('error' in ref) throw new Error(`Hyperscan refused ${c.patterns[0]!.expression}: ${ref.error}`);
      const db = compile(c.patterns, { mode: 'block' });
      const got: [number, number, number][] = [];
      db.scan(c.data, (id, from, to) => {
        got.push([id, from, to]);
      });
      db.free();
      expect(got, c.patterns[0]!.expression).toEqual(ref.block);
      expect(got.length, c.patterns[0]!.expression).toBeGreaterThan(0);
    });
  });
});
