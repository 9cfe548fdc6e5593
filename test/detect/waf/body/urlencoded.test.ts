import { describe, expect, it } from 'vitest';
import { parseUrlencoded, processRequestBody, urldecodeNonstrict } from '../../../../src/detect/waf/body/index.js';
import { b, pairs, t } from './helpers.js';

const parse = (s: string, sep = 0x26, limit: number | null = null, count = 0) => parseUrlencoded(b(s), sep, { count, limit });

describe('urldecodeNonstrict (ModSecurity urldecode_nonstrict_inplace)', () => {
  it('decodes %XX in either case and + as a space', () => {
    expect(t(urldecodeNonstrict(b('a%41%6a+b')).bytes)).toBe('aAj b');
  });
  it('keeps a % without two hex digits and counts it invalid', () => {
    const r = urldecodeNonstrict(b('%zz%4%'));
    expect(t(r.bytes)).toBe('%zz%4%');
    expect(r.invalid).toBe(3);
  });
  it('returns the input itself when nothing changes', () => {
    const x = b('plain');
    expect(urldecodeNonstrict(x).bytes).toBe(x);
  });
  it('decodes %00 to a NUL byte and bytes over 0x7f', () => {
    expect(Array.from(urldecodeNonstrict(b('%00%ff')).bytes)).toEqual([0, 255]);
  });
});

describe('parseUrlencoded (Transaction::extractArguments)', () => {
  it('splits on & and the first =', () => {
    expect(pairs(parse('a=1&b=2=3').args)).toEqual([
      ['a', '1'],
      ['b', '2=3'],
    ]);
  });
  it('keeps repeated names in order', () => {
    expect(pairs(parse('a=1&a=2').args)).toEqual([
      ['a', '1'],
      ['a', '2'],
    ]);
  });
  it('gives an empty argument between two separators and for a leading one, none for a trailing one', () => {
    expect(pairs(parse('&a&&b=&').args)).toEqual([
      ['', ''],
      ['a', ''],
      ['', ''],
      ['b', ''],
    ]);
  });
  it('gives nothing for empty text', () => {
    expect(parse('').args).toEqual([]);
  });
  it('decodes names and values', () => {
    expect(pairs(parse('a%20b=c+d%3D').args)).toEqual([['a b', 'c d=']]);
  });
  it('sets the invalid-encoding flag for values only (ModSecurity resets the count for the value)', () => {
    expect(parse('a%zz=1').invalidEncoding).toBe(false);
    expect(parse('a=%zz').invalidEncoding).toBe(true);
    expect(parse('a=%4').invalidEncoding).toBe(true);
  });
  it('uses SecArgumentSeparator', () => {
    expect(pairs(parse('a=1;b=2&c', 0x3b).args)).toEqual([
      ['a', '1'],
      ['b', '2&c'],
    ]);
  });
  it('drops arguments past SecArgumentsLimit, counting those already in ARGS', () => {
    const r = parse('a=1&b=2&c=3', 0x26, 3, 1);
    expect(pairs(r.args)).toEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
    expect(r.dropped).toBe(1);
  });
});

describe('processRequestBody with URL-encoded bodies', () => {
  it('selects URLENCODED by Content-Type, any case, with parameters', () => {
    const r = processRequestBody('Application/X-WWW-Form-Urlencoded; charset=utf-8', b('x=%41'));
    expect(r.processor).toBe('URLENCODED');
    expect(pairs(r.args)).toEqual([['x', 'A']]);
    expect(r.error).toBeNull();
  });
  it('sets REQBODY_ERROR but not REQBODY_PROCESSOR_ERROR over SecRequestBodyNoFilesLimit, without parsing', () => {
    const r = processRequestBody('application/x-www-form-urlencoded', b('a=1&b=2'), { requestBodyNoFilesLimit: 6 });
    expect(r.error).toBe('Request body excluding files is bigger than the maximum expected.');
    expect(r.processorError).toBe(false);
    expect(r.args).toEqual([]);
  });
  it('parses other types only when a ctl selects a processor', () => {
    expect(processRequestBody('text/plain', b('a=1')).processor).toBeNull();
    expect(pairs(processRequestBody('text/plain', b('a=1'), {}, { processor: 'URLENCODED' }).args)).toEqual([['a', '1']]);
  });
  it('reports URLENCODED_ERROR', () => {
    expect(processRequestBody('application/x-www-form-urlencoded', b('a=%G0')).urlencodedError).toBe(true);
  });
});
