/**
 * PCRE as Suricata's rules write it, run on V8 RegExp (src/detect/pcre.ts): where the dialects differ, the
 * answer must be PCRE's.
 */
import { describe, expect, it } from 'vitest';
import { compilePcre, linearFallbackPossible, PcreError } from '../../src/detect/pcre.js';

const test = (source: string, flags: string, subject: string): boolean => {
  const { re } = compilePcre(source, flags);
  re.lastIndex = 0;
  return re.exec(subject) !== null;
};

describe('PCRE on V8', () => {
  it('leading option settings become flags', () => {
    expect(test('(?i)abc', '', 'xABCx')).toBe(true);
    expect(test('(?s)a.b', '', 'a\nb')).toBe(true);
    expect(test('a.b', '', 'a\nb')).toBe(false);
    expect(test('(?x) a b c # comment', '', 'abc')).toBe(true);
  });

  it('anchors: \\A, \\z, \\Z and $ as PCRE has them', () => {
    expect(test('\\Aab', '', 'ab')).toBe(true);
    expect(test('\\Aab', '', 'xab')).toBe(false);
    expect(test('ab\\z', '', 'ab\n')).toBe(false);
    expect(test('ab\\Z', '', 'ab\n')).toBe(true);
    expect(test('ab$', '', 'ab\n')).toBe(true); // before a final newline
    expect(test('ab$', '', 'ab\n\n')).toBe(false);
    expect(test('ab$', 'E', 'ab\n')).toBe(false); // dollar_endonly
    expect(test('^b$', 'm', 'a\nb\nc')).toBe(true);
  });

  it("\\s is PCRE's six ASCII spaces (not 0xA0), \\h horizontal space", () => {
    expect(test('a\\sb', '', 'a\u00a0b')).toBe(false);
    expect(test('a\\sb', '', 'a\u000bb')).toBe(true);
    expect(test('a[\\s]b', '', 'a\tb')).toBe(true);
    expect(test('a\\hb', '', 'a\tb')).toBe(true);
    expect(test('a\\Sb', '', 'a\u00a0b')).toBe(true);
  });

  it('\\x{hh}, \\Q...\\E, possessive and atomic forms, named groups', () => {
    expect(test('\\x{41}', '', 'A')).toBe(true);
    expect(test('\\Qa.b*\\E', '', 'a.b*')).toBe(true);
    expect(test('\\Qa.b*\\E', '', 'axb')).toBe(false);
    expect(test('a++b', '', 'aab')).toBe(true);
    expect(test('(?>ab|a)c', '', 'abc')).toBe(true);
    expect(test('(?P<n>a)b', '', 'ab')).toBe(true);
    expect(test('(?P<q>[\'"])x(?P=q)', '', '"x"')).toBe(true);
    expect(test('(?P<q>[\'"])x(?P=q)', '', '"x\'')).toBe(false);
  });

  it('U (ungreedy) swaps greedy and lazy', () => {
    const { re } = compilePcre('a+', 'U');
    expect(re.exec('aaa')![0]).toBe('a');
    const { re: lazy } = compilePcre('a+?', 'U');
    expect(lazy.exec('aaa')![0]).toBe('aaa');
  });

  it('A anchors at the start point', () => {
    const { re } = compilePcre('b', 'A');
    re.lastIndex = 0;
    expect(re.exec('ab')).toBeNull();
    re.lastIndex = 1;
    expect(re.exec('ab')).not.toBeNull();
  });

  it('refuses what V8 cannot do, naming it', () => {
    expect(() => compilePcre('a(?R)', '')).toThrow(PcreError);
    expect(() => compilePcre('(?|a|b)', '')).toThrow(/branch reset/);
    expect(() => compilePcre('a\\Kb', '')).toThrow(/\\K/);
    expect(() => compilePcre('a(?i)b', '')).toThrow(/option setting/);
    expect(() => compilePcre('[[:alpha:]]', '')).toThrow(/POSIX/);
    expect(() => compilePcre('\\x{100}', '')).toThrow(/not a byte/);
  });

  it('knows which patterns V8 can move to its linear engine', () => {
    expect(linearFallbackPossible(compilePcre('(a+)+b$', '').re.source)).toBe(true);
    expect(linearFallbackPossible(compilePcre('a(?=b)', '').re.source)).toBe(false);
    expect(linearFallbackPossible(compilePcre('(a)\\1', '').re.source)).toBe(false);
  });
});
