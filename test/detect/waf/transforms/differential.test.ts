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
import { modsecHarness, modsecTransformChains } from '../modsec/modsec.js';
import { crsChains, edgeInputs, randomInputs } from './inputs.js';

const CRS_RULES = path.join(SHARED_DIR, 'crs', 'rules');
const RANDOM_PER_TRANSFORMATION = 4000;
const RANDOM_PER_CHAIN = 4000;
/** Long values (up to about 2 KB), a few hundred of them. */
const LONG = 300;

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

  it('every transformation, on every short edge case, 4,000 seeded random values and 300 long ones', (ctx) => {
    if (!harness.ok) ctx.skip(`libmodsecurity reference unavailable: ${harness.reason}`);
    const inputs = [...edgeInputs(), ...randomInputs(12, RANDOM_PER_TRANSFORMATION), ...randomInputs(13, LONG, 400)];
    const names = Object.keys(TRANSFORMATIONS);
    const ref = modsecTransformChains(
      names.map((name) => [name]),
      inputs,
    );
    const found = names.flatMap((name, k) => disagreements(name, [name], inputs, ref[k]!));
    expect(found).toEqual([]);
    expect(inputs.length * names.length).toBeGreaterThan(150_000);
  });

  it('every distinct transformation chain of the CRS rules, on 4,000 seeded random values and 300 long ones (needs ../shared/crs)', (ctx) => {
    if (!harness.ok) ctx.skip(`libmodsecurity reference unavailable: ${harness.reason}`);
    if (!fs.existsSync(CRS_RULES)) ctx.skip(`CRS absent (${CRS_RULES})`);
    const chains = crsChains(CRS_RULES);
    expect(chains.length).toBeGreaterThan(20);
    const inputs = [...randomInputs(34, RANDOM_PER_CHAIN), ...randomInputs(35, LONG, 400)];
    const ref = modsecTransformChains(chains, inputs);
    const found = chains.flatMap((chain, k) => disagreements(chain.join(','), chain, inputs, ref[k]!));
    expect(found).toEqual([]);
  });
});
