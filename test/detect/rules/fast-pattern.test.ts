/**
 * Fast pattern selection, Suricata 7's rules: explicit fast_pattern first; else the best-priority buffers, the
 * longest content there, then the highest pattern strength, then rule order; negated contents only when there
 * is nothing else. The cases are the user guide's examples and edge cases of each step; a seeded differential
 * test checks the selection against a brute-force restatement of the rules on random contents.
 */
import { describe, expect, it } from 'vitest';
import { BUFFERS } from '../../../src/detect/rules/buffers.js';
import { parseRule } from '../../../src/detect/rules/load.js';
import type { ContentMatch } from '../../../src/detect/rules/model.js';
import { patternStrength } from '../../../src/detect/rules/fast-pattern.js';

const fp = (options: string) => {
  const r = parseRule(`alert tcp any any -> any any (${options} sid:1;)`);
  return r.fastPattern === null ? null : { ...r.fastPattern, text: Buffer.from(r.fastPattern.bytes).toString('latin1') };
};

describe('pattern strength', () => {
  it('scores letters 3, other printable 4, other bytes 6, repeats 1', () => {
    expect(patternStrength(Buffer.from('abc'))).toBe(9);
    expect(patternStrength(Buffer.from('aaa'))).toBe(5);
    expect(patternStrength(Buffer.from('1/'))).toBe(8);
    expect(patternStrength(Uint8Array.from([0x00, 0x01, 0xff, 0x02, 0x02]))).toBe(4 + 4 + 4 + 6 + 1);
  });
});

describe('selection', () => {
  it('no content: no fast pattern', () => {
    expect(fp('pcre:"/abc/";')).toBeNull();
  });

  it('explicit fast_pattern wins over a longer content', () => {
    expect(fp('content:"longer content"; content:"ab"; fast_pattern;')).toMatchObject({ text: 'ab', explicit: true, match: 1 });
  });

  it('application buffers (priority 2) before the payload (3), and the payload before http.method (4)', () => {
    expect(fp('content:"a much longer payload string"; http.uri; content:"/x";')).toMatchObject({
      text: '/x',
      buffer: 'http.uri',
    });
    expect(fp('content:"POST"; http_method; content:"ab";')).toMatchObject({ text: 'ab', buffer: 'pkt_data' });
    expect(fp('content:"POST"; http_method;')).toMatchObject({ text: 'POST', buffer: 'http.method' });
  });

  it('the longest content among the best buffers, across buffers of equal priority', () => {
    expect(fp('http.uri; content:"abc"; http.header; content:"abcdef";')).toMatchObject({
      text: 'abcdef',
      buffer: 'http.header',
    });
  });

  it('between contents of equal length, the highest pattern strength; then the first', () => {
    expect(fp('content:"aaaa"; content:"a/b|01|";')).toMatchObject({ text: 'a/b\x01' });
    expect(fp('content:"abcd"; content:"wxyz";')).toMatchObject({ text: 'abcd', match: 0 });
  });

  it('negated contents only when nothing else; then the same rules apply', () => {
    expect(fp('content:!"a very long negated content"; content:"ab";')).toMatchObject({ text: 'ab', negated: false });
    expect(fp('content:!"abc"; content:!"abcdef";')).toMatchObject({ text: 'abcdef', negated: true });
  });

  it('fast_pattern:only and chop', () => {
    expect(fp('content:"abcdef"; fast_pattern:only;')).toMatchObject({ only: true, text: 'abcdef' });
    expect(fp('content:"abcdef"; fast_pattern:2,3; content:"longer than that";')).toMatchObject({ text: 'cde', explicit: true });
  });

  it('nocase is carried', () => {
    expect(fp('content:"abc"; nocase;')).toMatchObject({ nocase: true });
  });
});

describe('differential: random rules against a restatement of the selection rules (seeded)', () => {
  it('agrees on 2,000 rules', () => {
    let s = 12345;
    const r = () => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s / 4294967296;
    };
    const buffers = ['pkt_data', 'http.uri', 'http.header', 'http.method', 'file.data', 'http.host'];
    const alphabet = 'ab/|';
    for (let n = 0; n < 2000; n++) {
      const count = 1 + Math.floor(r() * 5);
      const parts: string[] = [];
      const expected: { buffer: string; bytes: Buffer; negated: boolean }[] = [];
      for (let i = 0; i < count; i++) {
        const buffer = buffers[Math.floor(r() * buffers.length)]!;
        const len = 1 + Math.floor(r() * 4);
        let text = '';
        for (let k = 0; k < len; k++) {
          const c = alphabet[Math.floor(r() * alphabet.length)]!;
          text += c === '|' ? '|01|' : c;
        }
        const negated = r() < 0.25;
        parts.push(`${buffer}; content:${negated ? '!' : ''}"${text}";`);
        expected.push({ buffer, bytes: Buffer.from(text.replace(/\|01\|/g, '\x01'), 'latin1'), negated });
      }
      const options = parts.join(' ');
      // The restatement: filter, then sort by (priority asc, length desc, strength desc, index asc).
      const pool = expected.some((e) => !e.negated) ? expected.filter((e) => !e.negated) : expected;
      const ranked = pool
        .map((e) => ({ e, i: expected.indexOf(e) }))
        .sort(
          (x, y) =>
            BUFFERS.get(x.e.buffer)!.priority - BUFFERS.get(y.e.buffer)!.priority ||
            y.e.bytes.length - x.e.bytes.length ||
            patternStrength(y.e.bytes) - patternStrength(x.e.bytes) ||
            x.i - y.i,
        );
      const want = ranked[0]!;
      const rule = parseRule(`alert tcp any any -> any any (${options} sid:1;)`);
      const got = rule.fastPattern!;
      expect(got.match, options).toBe(want.i);
      expect((rule.matches[got.match] as ContentMatch).buffer).toBe(want.e.buffer);
    }
  });
});
