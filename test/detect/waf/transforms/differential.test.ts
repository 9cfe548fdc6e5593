/**
 * The transformations against libmodsecurity, byte for byte: every transformation over exhaustive short edge
 * cases and seeded random values built from the bytes decoders treat specially, then every distinct `t:` chain
 * the CRS rules use (from ../shared/crs) over more of them. Skipped, with the reason, without libmodsecurity or a
 * C compiler. There are no known disagreements: ModSecurity 3.0.9's quirks are reproduced on purpose (each
 * transformation's comment names them).
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyTransforms, TRANSFORMATIONS } from '../../../../src/detect/waf/transforms/index.js';
import { SHARED_DIR } from '../../../support/corpus.js';
import { modsecHarness, modsecOperatorMany, modsecTransformJobs } from '../modsec/modsec.js';
import { crsChains, edgeInputs, randomInputs } from './inputs.js';

const CRS_RULES = path.join(SHARED_DIR, 'crs', 'rules');
const RANDOM_PER_TRANSFORMATION = 1000;
const RANDOM_PER_CHAIN = 1000;

const show = (b: Uint8Array): string => JSON.stringify(Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1'));

/** Compares netsieve's answers with libmodsecurity's; returns the first disagreements, readable. */
function disagreements(
  label: string,
  chain: readonly string[],
  inputs: readonly Uint8Array[],
  ref: readonly Uint8Array[],
): string[] {
  const out: string[] = [];
  inputs.forEach((input, i) => {
    const mine = applyTransforms(chain, input);
    if (Buffer.compare(Buffer.from(mine), Buffer.from(ref[i]!)) !== 0 && out.length < 10)
      out.push(`${label} ${show(input)}: libmodsecurity ${show(ref[i]!)}, netsieve ${show(mine)}`);
  });
  return out;
}

describe('transformations against libmodsecurity (needs libmodsecurity-dev and a C compiler)', () => {
  let harness: ReturnType<typeof modsecHarness>;
  beforeAll(() => {
    harness = modsecHarness();
  });

  it('every transformation, on every short edge case and 1,000 seeded random values', (ctx) => {
    if (!harness.ok) ctx.skip(`libmodsecurity reference unavailable: ${harness.reason}`);
    const inputs = [...edgeInputs(), ...randomInputs(12, RANDOM_PER_TRANSFORMATION)];
    const names = Object.keys(TRANSFORMATIONS);
    const ref = modsecTransformJobs(names.map((name) => ({ chain: [name], inputs })));
    const found = names.flatMap((name, k) => disagreements(name, [name], inputs, ref[k]!));
    expect(found).toEqual([]);
    expect(inputs.length * names.length).toBeGreaterThan(60_000);
  });

  it('every distinct transformation chain of the CRS rules, on 1,000 seeded random values (needs ../shared/crs)', (ctx) => {
    if (!harness.ok) ctx.skip(`libmodsecurity reference unavailable: ${harness.reason}`);
    if (!fs.existsSync(CRS_RULES)) ctx.skip(`CRS absent (${CRS_RULES})`);
    const chains = crsChains(CRS_RULES);
    expect(chains.length).toBeGreaterThan(20);
    const inputs = randomInputs(34, RANDOM_PER_CHAIN);
    const ref = modsecTransformJobs(chains.map((chain) => ({ chain, inputs })));
    const found = chains.flatMap((chain, k) => disagreements(chain.join(','), chain, inputs, ref[k]!));
    expect(found).toEqual([]);
  });

  it('the harness evaluates operators: match, no match, negation, TX.0 after capture, transformations first', (ctx) => {
    if (!harness.ok) ctx.skip(`libmodsecurity reference unavailable: ${harness.reason}`);
    const b = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
    const rx = modsecOperatorMany('@rx', 'a(b+)c', [b('xabbbc'), b('ac')]);
    expect(rx.map((r) => r.matched)).toEqual([true, false]);
    expect(show(rx[0]!.capture!)).toBe(show(b('abbbc')));
    expect(modsecOperatorMany('!@rx', '^a', [b('abc'), b('xbc')]).map((r) => r.matched)).toEqual([false, true]);
    // ModSecurity 3.0.9 keeps the backslash of an escaped quote in an operator's parameter.
    expect(modsecOperatorMany('@streq', 'a"b', [b('a"b'), b('a\\"b')]).map((r) => r.matched)).toEqual([false, true]);
    expect(modsecOperatorMany('@contains', 'script', [b('%3Cscript%3E')], ['urlDecodeUni'])[0]!.matched).toBe(true);
    expect(modsecOperatorMany('@contains', 'script', [b('%3Cscript%3E')], [])[0]!.matched).toBe(true);
    expect(modsecOperatorMany('@streq', '<script>', [b('%3Cscript%3E')], [])[0]!.matched).toBe(false);
    expect(modsecOperatorMany('@streq', '<script>', [b('%3Cscript%3E')], ['urlDecodeUni'])[0]!.matched).toBe(true);
    expect(modsecOperatorMany('@validateByteRange', '32-126', [b('abc'), b('a\x01c')]).map((r) => r.matched)).toEqual([
      false,
      true,
    ]);
    const sqli = modsecOperatorMany('@detectSQLi', '', [b("1' or 1=1--"), b('hello world')]);
    expect(sqli.map((r) => r.matched)).toEqual([true, false]);
    expect(show(sqli[0]!.capture!)).toBe(show(b('s&1c')));
    expect(modsecOperatorMany('@detectXSS', '', [b('<script>alert(1)</script>'), b('hello')]).map((r) => r.matched)).toEqual([
      true,
      false,
    ]);
  });
});
