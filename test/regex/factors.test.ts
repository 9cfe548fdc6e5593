/**
 * Required factors (src/regex/factors.ts): every match of a pattern holds one of its factors. Checked by hand on
 * the shapes that matter, and against V8's RegExp as the oracle on seeded random patterns and inputs: whenever
 * V8 finds a match, one of the factors must be in the input.
 */
import { describe, expect, it } from 'vitest';
import { containsFactor, type Factor, factorExpression, requiredFactors } from '../../src/regex/factors.js';
import { compile } from '../../src/regex/database.js';
import { mulberry32 } from '../helpers/packets.js';

const text = (fs: readonly Factor[] | null): string[] | null =>
  fs === null
    ? null
    : fs
        .map((f) => f.map((u) => (u >= 256 ? String.fromCharCode(u - 256).toUpperCase() : String.fromCharCode(u))).join(''))
        .sort();

describe('requiredFactors', () => {
  it('finds the literals every match holds', () => {
    expect(text(requiredFactors('select'))).toEqual(['select']);
    // Caseless letters are one unit (shown in upper case here).
    expect(text(requiredFactors('select', 'i'))).toEqual(['SELECT']);
    // The heavier of two required sets is kept: {select, union} outweighs {from}.
    expect(text(requiredFactors('(?:union|select)\\s+from'))).toEqual(['select', 'union']);
    expect(text(requiredFactors('(?:cat|c(?:hmod|hown))'))).toEqual(['cat', 'chmod', 'chown']);
    // A repeat's copies meet the literal after them: `..` then one of three separators.
    expect(text(requiredFactors('(?:^|[/;\\\\])\\.{2,3}[/;\\\\]'))).toEqual(['../', '..;', '..\\']);
    // Rare bytes weigh more: `${` is enough on its own; `on` is not.
    expect(text(requiredFactors('\\$\\{[a-z]+\\}'))).toEqual(['${']);
    expect(requiredFactors('on[a-z]+')).toBeNull();
  });

  it('gives nothing when a match could hold no literal', () => {
    expect(requiredFactors('a.*b')).toBeNull();
    expect(requiredFactors('(?:foo)?bar?')).toBeNull();
    expect(requiredFactors('(?:select|x)')).toBeNull();
    expect(requiredFactors('^\\d+$')).toBeNull();
  });

  it('writes factors the engine compiles, caseless units as two-letter classes', () => {
    const fs = requiredFactors('(?i)union\\s+select')!;
    const db = compile(
      fs.map((f, id) => ({ id, expression: factorExpression(f) })),
      { mode: 'block' },
    );
    let hit = false;
    db.scan(Buffer.from('x UnIoN  SeLeCt'), () => {
      hit = true;
    });
    expect(hit).toBe(true);
    expect(fs.some((f) => containsFactor('x UnIoN  SeLeCt', f))).toBe(true);
    expect(fs.some((f) => containsFactor('x UnIoN  y', f))).toBe(false);
  });

  it('never misses a match V8 finds (seeded random patterns and inputs)', () => {
    const next = mulberry32(0xfac7);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
    const atoms = ['a', 'b', 'c', 'A', '\\.', '/', '<', '\\$', '\\{', '[ab]', '[a-c]', '.', '\\d', '\\s', '[<>]'];
    // No repeat inside a repeat: V8 backtracks exponentially on those.
    const gen = (depth: number, inRepeat: boolean): string => {
      const r = next();
      if (depth > 3 || r < 0.35) return pick(atoms);
      if (r < 0.6) {
        const n = 2 + Math.floor(next() * 4);
        return Array.from({ length: n }, () => gen(depth + 1, inRepeat)).join('');
      }
      if (r < 0.8 || inRepeat) return `(?:${gen(depth + 1, inRepeat)}|${gen(depth + 1, inRepeat)})`;
      return `(?:${gen(depth + 1, true)})${pick(['*', '+', '?', '{2}', '{1,3}', '{2,}'])}`;
    };
    const alphabet = 'abcA./<>${} 12';
    let checked = 0;
    let withFactors = 0;
    for (let k = 0; k < 400; k++) {
      const pattern = gen(0, false);
      const flags = next() < 0.3 ? 'i' : '';
      let fs: Factor[] | null;
      try {
        fs = requiredFactors(pattern, flags);
      } catch {
        continue;
      }
      if (fs === null) continue;
      withFactors++;
      const re = new RegExp(pattern, `${flags}s`);
      for (let j = 0; j < 150; j++) {
        const len = Math.floor(next() * 24);
        let input = '';
        for (let i = 0; i < len; i++) input += alphabet[Math.floor(next() * alphabet.length)];
        // Half the inputs hold a piece of the pattern's own text, so that matches are common.
        if (j % 2 === 0) input += pattern.replace(/[\\()[\]?*+{}|:^$]/g, '').slice(0, 8);
        if (!re.test(input)) continue;
        checked++;
        if (!fs.some((f) => containsFactor(input, f)))
          expect.fail(`${pattern} (${flags}) matched ${JSON.stringify(input)} holding none of ${JSON.stringify(text(fs))}`);
      }
    }
    expect(withFactors).toBeGreaterThan(100);
    expect(checked).toBeGreaterThan(1000);
  });
});
