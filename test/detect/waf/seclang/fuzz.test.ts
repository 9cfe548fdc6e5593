/**
 * Garbage never throws out of the SecLang loader: random bytes, truncated rules, unbalanced quotes and
 * mangled valid rules all give refusals (with a line and a keyword) or rules, never an exception. Seeded.
 */
import { describe, expect, it } from 'vitest';
import { loadSecLang, type SecLoadResult } from '../../../../src/detect/waf/seclang/index.js';
import { mulberry32 } from '../../../helpers/packets.js';

const VALID = [
  'SecRule REQUEST_HEADERS:Content-Type "^(?:application(?:/soap\\+|/)|text/)xml" "id:\'200000\',phase:1,t:none,t:lowercase,pass,nolog,ctl:requestBodyProcessor=XML"',
  "SecRule ARGS|!ARGS:/^x|y$/|&TX:a|XML:/* \"@rx a\\\"b\" \"id:1,phase:2,block,capture,t:none,t:urlDecodeUni,msg:'a, b',logdata:'%{TX.0}',setvar:'tx.s=+%{tx.c}',tag:'x',severity:'CRITICAL',chain\"",
  '  SecRule MATCHED_VARS "!@pm a b" "t:none,setvar:!tx.x"',
  'SecDefaultAction "phase:2,log,auditlog,pass"',
  'SecRule TX:X "@ge %{tx.y}" "id:2,phase:1,pass,nolog,skipAfter:END"',
  'SecMarker "END"',
  'SecRuleRemoveById 1 2-3',
  'SecRuleUpdateTargetById 2 "!ARGS:foo"',
  'SecResponseBodyMimeType text/plain text/html',
  'SecAuditLogParts ABIJDEFHZ',
  'SecRule REQUEST_FILENAME "@pmFromFile nothing.data" "id:3,pass"',
  'SecAction "id:4,phase:1,pass,ctl:ruleRemoveTargetById=942100;ARGS:foo"',
];

const ALPHABET = ' \t\n"\'\\,:;|!&@%{}()/[]^$*+?.-_=#aZ09\r\u00e9\u0000';

function loadNoThrow(text: string): SecLoadResult {
  const r = loadSecLang([{ text, name: 'fuzz.conf' }], { readFile: () => null });
  for (const x of r.refused) {
    expect(x.file).toBe('fuzz.conf');
    expect(x.line).toBeGreaterThanOrEqual(1);
    expect(typeof x.directive).toBe('string');
    expect(x.reason.length).toBeGreaterThan(0);
  }
  return r;
}

describe('SecLang fuzz', () => {
  it('the valid base text loads with only the expected refusals', () => {
    const r = loadNoThrow(VALID.join('\n'));
    // The phrase file is absent (readFile answers null), and 1-3 are removed before the update of 2.
    expect(r.refused.map((x) => x.directive)).toEqual(['SecRuleUpdateTargetById', '@pmFromFile']);
    expect(r.rules.map((x) => x.id ?? x.marker)).toEqual([200000, 'END', 4]);
  });

  it('random bytes give refusals, never exceptions (2,000 texts)', () => {
    const rand = mulberry32(0x5ec1a);
    for (let n = 0; n < 2000; n++) {
      const len = Math.floor(rand() * 300);
      let s = rand() < 0.5 ? 'SecRule ' : '';
      for (let i = 0; i < len; i++) {
        s += rand() < 0.8 ? ALPHABET[Math.floor(rand() * ALPHABET.length)] : String.fromCharCode(Math.floor(rand() * 0x3000));
      }
      loadNoThrow(s);
    }
  });

  it('truncated and mangled valid rules give refusals, never exceptions (every cut, 1,500 mutations)', () => {
    const text = VALID.join('\n');
    for (let cut = 0; cut <= text.length; cut += 3) loadNoThrow(text.slice(0, cut));
    const rand = mulberry32(12);
    for (let n = 0; n < 1500; n++) {
      const chars = [...text];
      const edits = 1 + Math.floor(rand() * 4);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(rand() * chars.length);
        const op = rand();
        if (op < 0.4) chars.splice(at, 1);
        else if (op < 0.8) chars.splice(at, 0, ALPHABET[Math.floor(rand() * ALPHABET.length)]!);
        else chars[at] = ALPHABET[Math.floor(rand() * ALPHABET.length)]!;
      }
      loadNoThrow(chars.join(''));
    }
  });

  it('unbalanced quotes are refused with the directive line', () => {
    const r = loadNoThrow('SecRule ARGS "@rx a "id:1,pass"\nSecRule ARGS "@rx a" "id:2,msg:\'x,pass"\nSecAction "id:3,pass"');
    expect(r.refused.map((x) => [x.line, x.id])).toEqual([
      [1, 1],
      [2, 2],
    ]);
    expect(r.rules.map((x) => x.id)).toEqual([3]);
    // The chained rule of a head that did not split goes with it.
    const c = loadNoThrow('SecRule ARGS "@rx a" "id:5,chain,msg:\'x\n  SecRule ARGS "@rx b" "t:none"\nSecAction "id:6,pass"');
    expect(c.refused.map((x) => [x.line, x.id, x.directive])).toEqual([
      [1, 5, 'SecRule'],
      [2, 5, 'chain'],
    ]);
    expect(c.rules.map((x) => x.id)).toEqual([6]);
  });
});
