/**
 * libinjection's own unit test vectors (vectors.ts, generated from its tests/ folder): the SQL tokenizer,
 * the folding, the SQLi verdict with its fingerprint, and the HTML5 tokenizer, each compared with the
 * output libinjection's test driver expects.
 */
import { describe, expect, it } from 'vitest';
import { detectSqliString, html5Tokens, sqliTokenLines } from '../../../../src/detect/waf/libinjection/index.js';
import { LIBINJECTION_VECTORS } from './vectors.js';

const H5_NAMES = [
  'DATA_TEXT',
  'TAG_NAME_OPEN',
  'TAG_NAME_CLOSE',
  'TAG_NAME_SELFCLOSE',
  'TAG_DATA',
  'TAG_CLOSE',
  'ATTR_NAME',
  'ATTR_VALUE',
  'TAG_COMMENT',
  'DOCTYPE',
];

/** What libinjection's test driver prints for an input, trailing blanks trimmed as it does. */
function actual(kind: string, input: string): string {
  let out: string;
  switch (kind) {
    case 'tokens':
      out = sqliTokenLines(input, false).join('\n');
      break;
    case 'folding':
      out = sqliTokenLines(input, true).join('\n');
      break;
    case 'sqli':
      out = detectSqliString(input).fingerprint ?? '';
      break;
    default:
      out = html5Tokens(Buffer.from(input, 'latin1'))
        .map(([type, text]) => `${H5_NAMES[type]},${text.length},${text}`)
        .join('\n');
  }
  return out.replace(/[ \n\t\r]+$/, '');
}

describe('libinjection test vectors', () => {
  for (const kind of ['tokens', 'folding', 'sqli', 'html5'] as const) {
    const cases = LIBINJECTION_VECTORS.filter((v) => v[1] === kind);
    it(`${kind}: all ${cases.length} vectors`, () => {
      const failures: string[] = [];
      for (const [name, , input, expected] of cases) {
        const got = actual(kind, input);
        if (got !== expected)
          failures.push(
            `${name}: ${JSON.stringify(input)}\n  expected ${JSON.stringify(expected)}\n  got      ${JSON.stringify(got)}`,
          );
      }
      expect(failures.join('\n')).toBe('');
    });
  }
});
