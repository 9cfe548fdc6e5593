/**
 * The load-time pcre check: the faults PCRE2 refuses are found, well-formed expressions (including PCRE-only
 * syntax: named groups, lookbehind, possessive and lazy quantifiers, \Q..\E, POSIX classes, comments) pass.
 */
import { describe, expect, it } from 'vitest';
import { checkPcre } from '../../../src/detect/rules/pcre-check.js';

describe('checkPcre', () => {
  it.each([
    ['abc'],
    ['^(?:GET|POST)\\s+/[^\\s]{1,64}\\s+HTTP/1\\.[01]$'],
    ['(?P<var>[a-z]+)=(?P=var)'],
    ['(?<=foo)bar(?<!baz)(?=x)(?!y)'],
    ['a*?b+?c??d*+e++f?+g{2,3}?h{2}+'],
    ['\\Q(*+?\\E[\\]]'],
    ['[[:alpha:][:digit:]_-]+'],
    ['[]a]'],
    ['[^]a]'],
    ['a(?#comment with ( paren)b'],
    ['(?i)abc(?-i:D)'],
    ['(?(1)a|b)'],
    ['a{,3}'],
    ['x{'],
    ['[\\x00-\\x1f\\x7f]'],
    ['\\x3a\\d\\w\\s\\b\\B\\A\\z\\Z\\R\\h\\v\\K\\G\\N'],
    ['\\/\\.\\-\\;'],
    ['[+--]'],
  ])('accepts %s', (source) => {
    expect(checkPcre(source, '')).toBeNull();
  });

  it.each([
    ['SELECT.+F)ROM', /without its "\("/],
    ['task=\\s*(ftps?|https?|php\\/', /without its "\)"/],
    ['INSERT.(+INTO', /nothing to repeat/],
    ['*abc', /nothing to repeat/],
    ['a|?b', /nothing to repeat/],
    ['(?:a|{2})', /nothing to repeat/],
    ['{2}a', /nothing to repeat/],
    ['\\.php\\?id=[a-f0{32}$', /class is not closed/],
    ['^(?:\\d{36583,3}\\.)', /out of order/],
    ['conf\\iguration', /"\\i" is not an escape/],
    ['[\\u0041]', /"\\u" is not an escape/],
    ['abc\\', /ends with a backslash/],
    ['[a-zA-(Z0-9]', /range "A-\(" is out of order/],
    ['a(?#unclosed', /comment is not closed/],
  ])('refuses %s', (source, why) => {
    expect(checkPcre(source, '')).toMatch(why);
  });

  it('with flag x only escapes are checked (comments may hold anything)', () => {
    expect(checkPcre('a # a comment with ) and [', 'x')).toBeNull();
    expect(checkPcre('a \\i', 'x')).toMatch(/not an escape/);
  });
});
