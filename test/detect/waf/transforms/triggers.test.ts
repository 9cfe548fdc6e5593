/**
 * The trigger tables (src/detect/waf/transforms/triggers.ts) claim that a transformation returns its input
 * unchanged when the input holds none of the table's bytes. Checked here on seeded random inputs drawn from
 * the other bytes (and from a few of them mixed with common HTTP text), for every transformation with a table.
 */
import { describe, expect, it } from 'vitest';
import { lookupTransformation, TRANSFORMATIONS } from '../../../../src/detect/waf/transforms/index.js';
import { holdsTrigger, triggerBytes } from '../../../../src/detect/waf/transforms/triggers.js';
import { mulberry32 } from '../../../helpers/packets.js';

const named = Object.keys(TRANSFORMATIONS).filter((n) => triggerBytes(n) !== null);

describe('transformation trigger tables', () => {
  it('cover the transformations CRS uses most', () => {
    for (const n of ['lowercase', 'urlDecodeUni', 'htmlEntityDecode', 'jsDecode', 'cssDecode', 'cmdLine', 'removeNulls'])
      expect(named).toContain(n);
    expect(triggerBytes('t:LOWERCASE')).not.toBeNull();
    expect(triggerBytes('sha1')).toBeNull();
    expect(triggerBytes('nonsense')).toBeNull();
  });

  for (const name of named) {
    it(`${name}: an input without its trigger bytes comes back unchanged`, () => {
      const table = triggerBytes(name)!;
      const fn = lookupTransformation(name)!;
      const allowed: number[] = [];
      for (let b = 0; b < 256; b++) if (table[b] === 0) allowed.push(b);
      // Biased towards what HTTP values hold: printable ASCII most of the time.
      const printable = allowed.filter((b) => b >= 0x20 && b < 0x7f);
      const next = mulberry32(0x7ab1e5 ^ name.length);
      for (let k = 0; k < 3000; k++) {
        const len = Math.floor(next() * 40);
        const pool = next() < 0.7 && printable.length > 0 ? printable : allowed;
        const bytes = new Uint8Array(len);
        for (let i = 0; i < len; i++) bytes[i] = pool[Math.floor(next() * pool.length)]!;
        const value = Buffer.from(bytes).toString('latin1');
        expect(holdsTrigger(value, table)).toBe(false);
        const out = Buffer.from(fn(bytes)).toString('latin1');
        if (out !== value) expect.fail(`${name} changed ${JSON.stringify(value)} into ${JSON.stringify(out)}`);
      }
    });
  }
});
