/**
 * The transformations' hand-written vectors (vectors.ts) and the table's contract: names as ModSecurity accepts
 * them, `none` resetting a chain, the input itself returned when nothing changes, and every `t:` CRS uses known.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  applyTransforms,
  compileTransforms,
  lookupTransformation,
  TRANSFORMATIONS,
  transformationName,
} from '../../../../src/detect/waf/transforms/index.js';
import { SHARED_DIR } from '../../../support/corpus.js';
import { modsecHarness, modsecTransformJobs } from '../modsec/modsec.js';
import { crsChains, edgeInputs, randomInputs } from './inputs.js';
import { VECTORS } from './vectors.js';

const CRS_RULES = path.join(SHARED_DIR, 'crs', 'rules');
const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
const text = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');

/** The names issue #12 lists, plus the ones CRS v4 uses beyond them. */
const REQUIRED = [
  'lowercase',
  'urlDecode',
  'urlDecodeUni',
  'htmlEntityDecode',
  'jsDecode',
  'cssDecode',
  'cmdLine',
  'compressWhitespace',
  'removeWhitespace',
  'removeNulls',
  'replaceNulls',
  'removeComments',
  'removeCommentsChar',
  'replaceComments',
  'normalizePath',
  'normalizePathWin',
  'base64Decode',
  'base64DecodeExt',
  'hexDecode',
  'hexEncode',
  'utf8toUnicode',
  'escapeSeqDecode',
  'length',
  'sha1',
  'md5',
  'trim',
  'trimLeft',
  'trimRight',
  'uppercase',
  'none',
];

describe('hand-written vectors', () => {
  it('every transformation has vectors, and each vector gives its expected bytes', () => {
    const covered = new Set(VECTORS.map((v) => v[0]));
    for (const name of Object.keys(TRANSFORMATIONS)) expect(covered.has(name), name).toBe(true);
    for (const [name, input, expected] of VECTORS) {
      expect(text(TRANSFORMATIONS[name]!(bytes(input))), `${name} ${JSON.stringify(input)}`).toBe(expected);
    }
  });

  describe('against libmodsecurity (needs libmodsecurity-dev and a C compiler)', () => {
    let harness: ReturnType<typeof modsecHarness>;
    beforeAll(() => {
      harness = modsecHarness();
    });

    it('libmodsecurity gives every vector its expected bytes', (ctx) => {
      if (!harness.ok) ctx.skip(`libmodsecurity reference unavailable: ${harness.reason}`);
      const ref = modsecTransformJobs(VECTORS.map(([name, input]) => ({ chain: [name], inputs: [bytes(input)] })));
      VECTORS.forEach(([name, input, expected], k) => {
        expect(text(ref[k]![0]!), `${name} ${JSON.stringify(input)}`).toBe(expected);
      });
    });
  });
});

describe('the table', () => {
  it('holds every transformation issue #12 names and CRS uses', () => {
    for (const name of REQUIRED) expect(TRANSFORMATIONS[name], name).toBeTypeOf('function');
  });

  it('names are caseless, with or without t:, and the British spellings of normalizePath are accepted', () => {
    expect(transformationName('base64decode')).toBe('base64Decode');
    expect(transformationName('T:URLDECODEUNI')).toBe('urlDecodeUni');
    expect(transformationName('t:cmdline')).toBe('cmdLine');
    expect(transformationName('normalisePathWin')).toBe('normalizePathWin');
    expect(transformationName('normalisepath')).toBe('normalizePath');
    expect(transformationName('alert')).toBeNull();
    expect(transformationName('t:')).toBeNull();
    expect(lookupTransformation('LowerCase')).toBe(TRANSFORMATIONS.lowercase);
    expect(lookupTransformation('nope')).toBeNull();
  });

  it('applyTransforms runs a chain in order, and none drops what came before it', () => {
    const v = bytes('%2541%20B');
    expect(text(applyTransforms(['urlDecode', 'urlDecode', 'lowercase'], v))).toBe('a b');
    expect(text(applyTransforms(['urlDecode', 'none', 'lowercase'], v))).toBe('%2541%20b');
    expect(applyTransforms([], v)).toBe(v);
    expect(applyTransforms(compileTransforms(['t:urlDecode', 't:NONE']), v)).toBe(v);
    expect(compileTransforms(['lowercase', 'none', 'trim'])).toEqual([TRANSFORMATIONS.trim]);
    expect(() => compileTransforms(['urlDecode', 'nope'])).toThrow(/unknown transformation "nope"/);
  });

  it('a transformation that changes nothing returns its input itself, and never writes into its input', () => {
    const plain = bytes('plain text 123');
    const identity = [
      'urlDecode',
      'urlDecodeUni',
      'htmlEntityDecode',
      'jsDecode',
      'cssDecode',
      'escapeSeqDecode',
      'lowercase',
      'compressWhitespace',
      'removeNulls',
      'replaceNulls',
      'removeComments',
      'removeCommentsChar',
      'replaceComments',
      'normalizePath',
      'normalizePathWin',
      'utf8toUnicode',
      'trim',
      'trimLeft',
      'trimRight',
      'parityZero7bit',
      'none',
    ];
    for (const name of identity) expect(TRANSFORMATIONS[name]!(plain), name).toBe(plain);
    for (const input of [...edgeInputs(), ...randomInputs(3, 500)]) {
      const before = text(input);
      for (const [name, fn] of Object.entries(TRANSFORMATIONS)) {
        const result = fn(input);
        expect(text(input), `${name} wrote into its input ${JSON.stringify(before)}`).toBe(before);
        if (text(result) === before)
          expect(result === input, `${name} ${JSON.stringify(before)}: same bytes, new array`).toBe(true);
      }
    }
  });

  it('every transformation of every CRS rule is known (needs ../shared/crs)', (ctx) => {
    if (!fs.existsSync(CRS_RULES)) ctx.skip(`CRS absent (${CRS_RULES})`);
    const chains = crsChains(CRS_RULES);
    expect(chains.length).toBeGreaterThan(20);
    for (const chain of chains) for (const name of chain) expect(transformationName(name), name).not.toBeNull();
  });
});
