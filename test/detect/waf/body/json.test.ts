import { describe, expect, it } from 'vitest';
import { parseJson, processRequestBody } from '../../../../src/detect/waf/body/index.js';
import { b, pairs } from './helpers.js';

const names = (s: string, limit: number | null = null, depth = 10000) => {
  const r = parseJson(new TextEncoder().encode(s), { count: 0, limit }, depth);
  return { ...r, pairs: pairs(r.args) };
};

describe('JSON argument names (ModSecurity v3 RequestBodyProcessor::JSON)', () => {
  it.each([
    ['{"a":1}', [['json.a', '1']]],
    ['{"a":{"b":"x"}}', [['json.a.b', 'x']]],
    [
      '{"a":[1,2]}',
      [
        ['json.a.array_0', '1'],
        ['json.a.array_1', '2'],
      ],
    ],
    [
      '{"a":[1,{"b":2},[3]]}',
      [
        ['json.a.array_0', '1'],
        ['json.a.array_1.b', '2'],
        ['json.a.array_2.array_0', '3'],
      ],
    ],
    [
      '[1,"x"]',
      [
        ['json.array_0', '1'],
        ['json.array_1', 'x'],
      ],
    ],
    ['"top"', [['json', 'top']]],
    ['42', [['json', '42']]],
    ['{"":1}', [['json.empty-key', '1']]],
    ['{}', []],
    ['[]', []],
    ['{"a":{},"b":[],"c":null}', [['json.c', '']]],
    [
      '{"t":true,"f":false,"n":-1.5e+3}',
      [
        ['json.t', 'true'],
        ['json.f', 'false'],
        ['json.n', '-1.5e+3'],
      ],
    ],
    [
      '{"a":1,"a":2}',
      [
        ['json.a', '1'],
        ['json.a', '2'],
      ],
    ],
    ['{"a.b":1}', [['json.a.b', '1']]],
  ] as [string, [string, string][]][])('%s', (src, want) => {
    const r = names(src);
    expect(r.error).toBeNull();
    expect(r.pairs).toEqual(want);
  });
  it('decodes string escapes as yajl 2.1 does (\\u0000 kept, lone high surrogate as ?)', () => {
    const r = names('{"k\\n":"\\u00e9\\ud83d\\ude00\\u0000\\ud800x\\/"}');
    expect(r.error).toBeNull();
    expect(r.pairs).toEqual([['json.k\n', '\xc3\xa9\xf0\x9f\x98\x80\0?x/']]);
  });
});

describe('JSON errors (yajl messages)', () => {
  it.each([
    ['{"a":1', 'parse error: premature EOF\n'],
    ['{"a":1}x', 'parse error: trailing garbage\n'],
    ['{"a":1} {}', 'parse error: trailing garbage\n'],
    ['{a:1}', 'lexical error: invalid char in json text.\n'],
    ['{1:1}', 'parse error: invalid object key (must be a string)\n'],
    ['{"a" 1}', "parse error: object key and value must be separated by a colon (':')\n"],
    ['{"a":1 "b":2}', "parse error: after key and value, inside map, I expect ',' or '}'\n"],
    ['[1 2]', "parse error: after array element, I expect ',' or ']'\n"],
    ['[1,]', 'parse error: unallowed token at this point in JSON text\n'],
    ['{"a":tru}', 'lexical error: invalid string in json text.\n'],
    ['// c\n{}', 'lexical error: probable comment found in input text, comments are not enabled.\n'],
    ['{"a":"\\x"}', "lexical error: inside a string, '\\' occurs before a character which it may not.\n"],
    ['{"a":"\\u12g4"}', "lexical error: invalid (non-hex) character occurs after '\\u' inside string.\n"],
    ['{"a":"\x01"}', 'lexical error: invalid character inside string.\n'],
    ['{"a":"\xff"}', 'lexical error: invalid bytes in UTF8 string.\n'],
    ['-', 'lexical error: malformed number, a digit is required after the minus sign.\n'],
    ['1.', 'lexical error: malformed number, a digit is required after the decimal point.\n'],
    ['1e', 'lexical error: malformed number, a digit is required after the exponent.\n'],
    ['01', 'parse error: trailing garbage\n'],
    ['   ', 'parse error: premature EOF\n'],
  ])('%s', (src, msg) => {
    expect(parseJson(b(src), { count: 0, limit: null }, 100).error).toBe(msg);
  });
  it('keeps the arguments read before an error', () => {
    expect(names('{"a":1,"b":}').pairs).toEqual([['json.a', '1']]);
  });
  it('stops past SecRequestBodyJsonDepthLimit with the depth message', () => {
    expect(names('[[1]]', null, 2).error).toBeNull();
    const r = names('[[[1]]]', null, 2);
    expect(r.error).toBe('parse error: client cancelled parse via callback return value\n. Parsing depth limit exceeded');
    expect(r.depthLimitExceeded).toBe(true);
  });
  it('stops when ARGS is full (SecArgumentsLimit), as the callback fails', () => {
    const r = names('[1,2,3]', 2);
    expect(r.pairs).toEqual([
      ['json.array_0', '1'],
      ['json.array_1', '2'],
    ]);
    expect(r.error).toBe('parse error: client cancelled parse via callback return value\n');
  });
  it('parses deep documents without recursion', () => {
    const deep = `${'['.repeat(100000)}1${']'.repeat(100000)}`;
    const r = names(deep, null, 200000);
    expect(r.error).toBeNull();
    expect(r.args.length).toBe(1);
  });
});

describe('processRequestBody with JSON', () => {
  it('runs only when the ctl selects JSON', () => {
    expect(processRequestBody('application/json', b('{"a":1}')).processor).toBeNull();
    const r = processRequestBody('application/json', b('{"a":1}'), {}, { processor: 'JSON' });
    expect(r.processor).toBe('JSON');
    expect(pairs(r.args)).toEqual([['json.a', '1']]);
  });
  it('wins over a multipart Content-Type', () => {
    expect(processRequestBody('multipart/form-data; boundary=x', b('[1]'), {}, { processor: 'JSON' }).processor).toBe('JSON');
  });
  it('prefixes the error and sets REQBODY_PROCESSOR_ERROR', () => {
    const r = processRequestBody('application/json', b('{'), {}, { processor: 'JSON' });
    expect(r.error).toBe('JSON parsing error: parse error: premature EOF\n');
    expect(r.processorError).toBe(true);
  });
  it('takes an empty body as no error', () => {
    expect(processRequestBody('application/json', b(''), {}, { processor: 'JSON' }).error).toBeNull();
  });
  it('uses the default depth limit 10000 and the limits given', () => {
    const deep = `${'['.repeat(10001)}${']'.repeat(10001)}`;
    expect(processRequestBody('', b(deep), {}, { processor: 'JSON' }).error).toContain('Parsing depth limit exceeded');
    expect(processRequestBody('', b('[[]]'), { jsonDepthLimit: 1 }, { processor: 'JSON' }).error).toContain('depth');
  });
  it('counts query-string arguments against SecArgumentsLimit', () => {
    const r = processRequestBody('', b('[1,2]'), { argumentsLimit: 2 }, { processor: 'JSON', argsBefore: 1 });
    expect(pairs(r.args)).toEqual([['json.array_0', '1']]);
    expect(r.error).toContain('client cancelled');
  });
});
