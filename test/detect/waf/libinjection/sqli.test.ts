/**
 * Hand-written @detectSQLi cases: classic injections in each context (as-is, inside single and double
 * quotes), comments, numbers, operators, unions, stacked queries, and benign text that looks suspicious.
 * Expected fingerprints are libinjection's (checked against libinjection and ModSecurity when written).
 */
import { describe, expect, it } from 'vitest';
import {
  detectSqli,
  detectSqliString,
  isAttackFingerprint,
  sqliFingerprint,
} from '../../../../src/detect/waf/libinjection/index.js';

const b = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

describe('detectSqli', () => {
  const attacks: [string, string][] = [
    ["1' OR '1'='1", 's&sos'],
    ['1 UNION SELECT 1,2,3--', '1UE1c'],
    ["admin'--", 'sc'],
    ['1;DROP TABLE users', '1;Tnn'],
    ["' UNION ALL SELECT NULL,@@version#", 'sUEvo'], // '#' is an operator in the ANSI pass, which matches first
    ['1 AND SLEEP(5)', '1&f(1'],
    ['-1839" or "1"="2', 's&sos'],
    ["1'; exec master..xp_cmdshell 'dir'--", 's;Tns'],
    ['1 /*! UNION */ SELECT 1', 'X'],
    ['1/* /* nested */', 'X'],
    ['SELECT * FROM users WHERE id=1', 'Eoknk'],
    ["x' AND 1=(SELECT COUNT(*) FROM tabname); --", 's&1o('],
    ['1 OR 1=1', '1&1'],
    ['1234 --', '1c'],
    ['9\xa0\n--h', '1c'], // after the number a byte above 0x7f counts as blank (a signed char in libinjection)
    ['1234-ABCDEF--', '1c'], // "1234-ABCDEF" folds into one number, so folding happened: not the base64 exception
  ];
  for (const [input, fp] of attacks) {
    it(`attack: ${JSON.stringify(input)} -> ${fp}`, () => {
      expect(detectSqli(b(input))).toEqual({ match: true, fingerprint: fp });
    });
  }

  const benign = [
    '',
    'hello world',
    "O'Reilly",
    '24-7-TEAM',
    'The union of two sets',
    'select a color from the list',
    '123abc--', // a number glued to a word before "--": the base64-like exception of the 1c rule
    'A-LAST-MINUTE',
    "I'm here",
    'it\'s "quoted" text',
    'foo -- bar', // prose with a dash dash
    '1 union', // a bare "1 union" is common text
    'sexy and 17',
    'john.doe@example.com',
    '#hashtag',
    '$1,000.00',
    'SELECT',
  ];
  for (const input of benign) {
    it(`benign: ${JSON.stringify(input)}`, () => {
      expect(detectSqli(b(input))).toEqual({ match: false, fingerprint: null });
    });
  }

  it('tries the quote contexts: the attack appears only inside a string', () => {
    expect(sqliFingerprint("1' OR '1'='1")).toBe('1s1s1');
    expect(sqliFingerprint("1' OR '1'='1", 'single')).toBe('s&sos');
    expect(sqliFingerprint('1" OR "1"="1', 'double', true)).toBe('s&sos');
  });

  it('reparses as MySQL when the input has a # or --x comment', () => {
    // In ANSI SQL '#' is an operator; MySQL reads it as a comment.
    expect(sqliFingerprint('1 OR 1=1#', 'none')).not.toBe(sqliFingerprint('1 OR 1=1#', 'none', true));
    expect(detectSqliString("1' OR 1=1#").match).toBe(true);
  });

  it('sp_password in a trailing comment is an attack (MS SQL hides such statements from its audit log)', () => {
    expect(detectSqliString('foo --sp_password').match).toBe(true);
    expect(detectSqliString('foo -- x').match).toBe(false);
  });

  it('the fingerprint set is compared upper-cased, as libinjection does', () => {
    expect(isAttackFingerprint('s&sos')).toBe(true);
    expect(isAttackFingerprint('S&SOS')).toBe(true);
    expect(isAttackFingerprint('nnnnn')).toBe(false);
    expect(isAttackFingerprint('')).toBe(false);
  });

  it('bytes above 0x7f and NULs never throw and keep their meaning', () => {
    expect(detectSqli(new Uint8Array([0x31, 0x27, 0x00, 0xff, 0xa0, 0x4f, 0x52]))).toBeDefined();
    expect(detectSqli(b('1\xa0UNION\xa0SELECT\xa01,2--')).match).toBe(true); // latin1 no-break space is SQL blank
  });

  // Hostile megabytes: verdicts, not time (speed belongs to bench/; a quadratic tokenizer would exceed the
  // test runner's timeout here).
  it('a megabyte of quotes, dashes and words gets its verdict', () => {
    // Past the fifth token the fingerprint is cut; this one is not in libinjection's set.
    expect(detectSqli(b("1' OR ".repeat(200_000))).match).toBe(false);
    expect(detectSqli(b('-'.repeat(1_000_000))).match).toBe(false);
    expect(detectSqli(b('\\'.repeat(500_000) + "'".repeat(500_000))).match).toBe(false);
  });
});
