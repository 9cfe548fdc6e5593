/**
 * With flag 8 (HS_FLAG_UTF8), non-ASCII characters in patterns stand for their UTF-8 bytes (syntax.ts);
 * without it they are refused. Differential tests against V8:
 * each random pattern is written twice, once as netsieve takes it (with the characters themselves) and once
 * as a flagless, `u`-less V8 RegExp over a latin1 string of the bytes, with every character spelled as its
 * bytes (`é` → `(?:\xc3\xa9)`), so the reference shares no code with netsieve's parser. Inputs mix whole
 * characters with stray UTF-8 bytes (a lead byte alone, a continuation byte alone) to catch a sequence
 * matched in part. Literal and class patterns are also compared with native Hyperscan given HS_FLAG_UTF8.
 */
import { describe, expect, it } from 'vitest';
import { compile, deserialize, type MatchHandler, type PatternSpec, type ScanMode } from '../../src/regex/database.js';
import { NetsieveError } from '../../src/errors.js';
import { needHyperscan, runHyperscanCases, type HsCase } from './hyperscan-reference.js';
import { jsSourceMatches, mulberry32 } from './oracle.js';

const SCALE = Number(process.env.NETSIEVE_REGEX_FUZZ ?? '1');
const WIDE = ['é', 'É', 'ß', '日', '本', '€', '😀'];
const enc = (s: string) => new TextEncoder().encode(s);
const hex = (b: number) => `\\x${b.toString(16).padStart(2, '0')}`;
const bytesOf = (ch: string) => Array.from(enc(ch), hex).join('');

/** A pattern as netsieve reads it and as a V8 reference with byte semantics. */
interface Pair {
  ns: string;
  v8: string;
  /** What comes before the item a quantifier would repeat (`\\Q..\\E` quotes several characters). */
  v8Before?: string;
}

function generator(rand: () => number, caseless: boolean) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const chance = (p: number) => rand() < p;
  /** An ASCII letter; caseless, the reference lists both cases (netsieve folds ASCII only). */
  const letterV8 = (ch: string) => (caseless ? `[${ch.toLowerCase()}${ch.toUpperCase()}]` : ch);
  const atom = (): Pair => {
    const r = rand();
    if (r < 0.25) {
      const ch = pick(['a', 'b', 'B']);
      return { ns: ch, v8: letterV8(ch) };
    }
    if (r < 0.5) {
      const ch = pick(WIDE);
      return { ns: chance(0.15) ? `\\${ch}` : ch, v8: `(?:${bytesOf(ch)})` };
    }
    if (r < 0.75) {
      // A class of ASCII letters, byte escapes (stray UTF-8 bytes among them) and whole characters.
      const bytes = new Set<string>();
      const seqs = new Set<string>();
      let ns = '';
      const n = 1 + Math.floor(rand() * 3);
      for (let k = 0; k < n; k++) {
        const q = rand();
        if (q < 0.3) {
          const ch = pick(['a', 'b']);
          ns += ch;
          for (const c of caseless ? [ch, ch.toUpperCase()] : [ch]) bytes.add(c);
        } else if (q < 0.45) {
          const b = pick([0xc3, 0xa9, 0x80, 0xe6]);
          ns += hex(b);
          bytes.add(hex(b));
        } else {
          const ch = pick(WIDE);
          ns += ch;
          seqs.add(bytesOf(ch));
        }
      }
      const branches = [...(bytes.size > 0 ? [`[${[...bytes].join('')}]`] : []), ...seqs];
      return { ns: `[${ns}]`, v8: `(?:${branches.join('|')})` };
    }
    if (r < 0.85) {
      // A quantifier after \\E repeats the quoted text's last character only (PCRE): that one is the item.
      const chars = [pick(WIDE), pick(['a', '.', pick(WIDE)])];
      const v8 = chars.map((c) => (c === '.' ? '\\.' : c === 'a' ? letterV8(c) : `(?:${bytesOf(c)})`));
      return { ns: `\\Q${chars.join('')}\\E`, v8: v8[1]!, v8Before: v8[0] };
    }
    // `.` is any byte but \n: a part of a character too.
    return { ns: '.', v8: '[^\\n]' };
  };
  const quantified = (mayBeOptional: boolean): Pair => {
    const a = atom();
    const q = pick(mayBeOptional ? ['', '', '+', '?', '*', '{2}', '{1,2}'] : ['', '', '+', '{2}', '{1,2}']);
    return { ns: a.ns + q, v8: `${a.v8Before ?? ''}${q === '' ? a.v8 : `(?:${a.v8})${q}`}` };
  };
  const sequence = (): Pair => {
    const n = 1 + Math.floor(rand() * 3);
    const parts = Array.from({ length: n }, (_, k) => quantified(k > 0));
    return { ns: parts.map((p) => p.ns).join(''), v8: parts.map((p) => p.v8).join('') };
  };
  return (): Pair => {
    if (!chance(0.25)) return sequence();
    const a = sequence();
    const b = sequence();
    return { ns: `(?:${a.ns}|${b.ns})`, v8: `(?:${a.v8}|${b.v8})` };
  };
}

/** Whole characters, ASCII and stray UTF-8 bytes, as bytes. */
function randomText(rand: () => number, tokens: number): Uint8Array {
  const out: number[] = [];
  for (let k = 0; k < tokens; k++) {
    const r = rand();
    if (r < 0.45) out.push(...enc(WIDE[Math.floor(rand() * WIDE.length)]!));
    else if (r < 0.85) out.push('abAB\n.'.charCodeAt(Math.floor(rand() * 6)));
    else out.push([0xc3, 0xa9, 0x80, 0xe6, 0x97][Math.floor(rand() * 5)]!);
  }
  return Uint8Array.from(out);
}

function scanAll(specs: PatternSpec[], mode: ScanMode, data: Uint8Array, rand: () => number, given?: Uint8Array[]): string[] {
  const db = compile(specs, { mode });
  const leftmost = new Set(specs.filter((s) => s.flags?.includes('L')).map((s) => s.id));
  const got: string[] = [];
  const cb: MatchHandler = (id, from, to) => void got.push(`${id}:${leftmost.has(id) ? from : '?'}:${to}`);
  const chunks: Uint8Array[] = given ?? [];
  for (let p = 0; given === undefined && p < data.length; ) {
    const c = Math.floor(rand() * 6);
    chunks.push(data.subarray(p, p + c));
    p += c;
  }
  if (mode === 'block') db.scan(data, cb);
  else if (mode === 'vectored') db.scanVector(chunks.length > 0 ? chunks : [data], cb);
  else {
    const s = db.openStream();
    for (const c of chunks) s.scan(c, cb);
    s.close(cb);
    s.free();
  }
  db.free();
  return got.sort();
}

describe('non-ASCII characters in patterns against V8 over the UTF-8 bytes', () => {
  for (const mode of ['block', 'stream', 'vectored'] as const) {
    for (const caseless of [false, true]) {
      it(`${mode}${caseless ? ', caseless (ASCII letters only)' : ''}: random patterns, one to four at a time`, () => {
        const rand = mulberry32(mode.length * 17 + (caseless ? 1 : 0));
        const next = generator(rand, caseless);
        let matches = 0;
        let wideMatches = 0;
        for (let t = 0; t < 80 * SCALE; t++) {
          const pairs = Array.from({ length: 1 + Math.floor(rand() * 4) }, next);
          const specs = pairs.map((p, i) => ({
            id: i,
            expression: p.ns,
            flags: `8${caseless ? 'i' : ''}${rand() < 0.5 ? 'L' : ''}`,
          }));
          const data = randomText(rand, Math.floor(rand() * 24));
          const want = specs
            .flatMap((s, i) =>
              jsSourceMatches(pairs[i]!.v8, data).map((m) => `${s.id}:${s.flags.includes('L') ? m.start : '?'}:${m.end}`),
            )
            .sort();
          const got = scanAll(specs, mode, data, rand);
          matches += want.length;
          wideMatches += want.filter((w) => data.subarray(0, Number(w.split(':')[2])).some((b) => b >= 0x80)).length;
          expect({ specs, text: Buffer.from(data).toString('hex'), got }).toEqual({
            specs,
            text: Buffer.from(data).toString('hex'),
            got: want,
          });
        }
        expect(matches).toBeGreaterThan(150);
        expect(wideMatches).toBeGreaterThan(50);
      });
    }
  }

  it('many non-ASCII literals (the literal engine) find what V8 finds', () => {
    const rand = mulberry32(5);
    const words = Array.from(
      { length: 48 },
      (_, i) => `${WIDE[i % WIDE.length]}${'ab'[i % 2]}${WIDE[(i * 3) % WIDE.length]}${i}`,
    );
    const specs = words.map((w, id) => ({ id, expression: w, flags: '8' }));
    const db = compile(specs, { mode: 'block' });
    expect(db.info().engines.some((e) => e.kind === 'literal')).toBe(true);
    const text = Array.from({ length: 400 }, () =>
      rand() < 0.3 ? words[Math.floor(rand() * words.length)] : WIDE[Math.floor(rand() * WIDE.length)],
    ).join(' ');
    const data = enc(text);
    const got: string[] = [];
    db.scan(data, (id, from, to) => void got.push(`${id}:${from}:${to}`));
    const want = words.flatMap((w, id) => {
      const needle = Buffer.from(w);
      const out: string[] = [];
      for (let at = Buffer.from(data).indexOf(needle); at >= 0; at = Buffer.from(data).indexOf(needle, at + 1))
        out.push(`${id}:${at}:${at + needle.length}`);
      return out;
    });
    expect(want.length).toBeGreaterThan(50);
    expect(got.sort()).toEqual(want.sort());
  });
});

describe('the rule, case by case', () => {
  /** `from-to` of each match of one pattern in `text` (a string is taken as UTF-8). */
  const first = (expression: string, flags: string, text: string | Uint8Array): string[] => {
    const out: string[] = [];
    const data = typeof text === 'string' ? Buffer.from(text) : text;
    compile([{ id: 1, expression, flags: `8${flags}` }], { mode: 'block' }).scan(
      data,
      (_id, from, to) => void out.push(`${from}-${to}`),
    );
    return out;
  };

  it("'héllo' matches the UTF-8 text héllo (it used to need the byte 0xE9), and '日本' compiles", () => {
    expect(first('héllo', '', 'say héllo')).toEqual(['4-10']);
    expect(first('héllo', '', Buffer.from('say h\xe9llo', 'latin1'))).toEqual([]);
    expect(first('日本+', 'L', '日本本')).toEqual(['0-6', '0-9']);
  });

  it('without flag 8 a non-ASCII character is NS_ERR_PATTERN at its position, never a Latin-1 byte', () => {
    for (const [expression, position] of [
      ['héllo', 1],
      ['[aé]x', 2],
      ['ab日', 2],
    ] as const) {
      let err: unknown;
      try {
        compile([{ id: 4, expression, flags: 'i' }], { mode: 'block' });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(NetsieveError);
      expect(err).toMatchObject({ code: 'NS_ERR_PATTERN', pattern: 4, position });
      expect((err as Error).message).toMatch(/add flag 8 \(HS_FLAG_UTF8\)/);
    }
  });

  it('flag W (HS_FLAG_UCP) is refused with a clear message', () => {
    expect(() => compile([{ id: 5, expression: '\\w', flags: '8W' }], { mode: 'block' })).toThrow(/HS_FLAG_UCP/);
  });

  it('\\xHH stays one byte', () => {
    expect(first('h\\xe9llo', '', Buffer.from('h\xe9llo', 'latin1'))).toEqual(['0-5']);
    expect(first('h\\xe9llo', '', 'héllo')).toEqual([]);
  });

  it('caseless folds ASCII letters only: É does not match é', () => {
    expect(first('CAFÉ', 'i', 'café CAFÉ')).toEqual(['6-11']);
  });

  it('ranges over non-ASCII characters and negated classes listing one are refused with NS_ERR_PATTERN', () => {
    for (const expression of ['[à-ü]', '[^é]']) {
      expect(() => compile([{ id: 9, expression, flags: '8' }], { mode: 'block' })).toThrow(NetsieveError);
      try {
        compile([{ id: 9, expression, flags: '8' }], { mode: 'block' });
      } catch (e) {
        expect((e as NetsieveError).code).toBe('NS_ERR_PATTERN');
        expect((e as NetsieveError).pattern).toBe(9);
        expect((e as NetsieveError).message).toMatch(/range|negated class/);
      }
    }
  });

  it('a database serialized before flag 8 (same format) still loads, its non-ASCII patterns as UTF-8', () => {
    // compile([{ id: 3, expression: '[日é]+x', flags: 'L' }], { mode: 'block' }).serialize() at commit fd0714f.
    const old = Buffer.from(
      [
        'TlNSWAMAAAAAAAAAAQAAAAAAAAADAAAAAQAAAAkAAABMW+aXpcOpXSt4AQAAAAAAAAABAAAAEAQAAAQAAAABAAAAAAAAAAEAAAAG',
        'AAAABAAAAAQAAABAAAAAAAAAAAABAAAwAwAAEAMAAHADAAAAAgAAgAMAABAEAAAEAAAAAAAAAAAAAAAEAAQABAAEAAQABAACAAAA',
        'AQAAAAAAAAAAAAAAAAAAAAQABAAEAAQAAwAEAAQAAAABAAAAAAAAAAAAAAAAAAAABAAEAAQABQAEAAQABAAAAAEAAAAAAAAAAAAA',
        'AAAAAAAEAAQABAAEAAQAAgAEAAAAAQAAAAAAAAAAAAAAAAAAAAQABAAEAAQABAAEAAQAAAABAAAAAAAAAAAAAAAAAAAABAAEAAQA',
        'BAAEAAQABAAAAAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAC',
        'AgICAgICAgICAAAAAAAAAAICAgICAgICAgICAgICAgICAgICAgICAgICAAAAAAIAAgICAgICAgICAgICAgICAgICAgICAgIDAgIA',
        'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABAAAAAAAAAAAAAAAAAAFAAAABgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAHAAAA',
        'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAwMDAwMDAwMDAwEDAwMDAwMD',
        'AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAgICAgICAgICAgMDAwMDAwMCAgICAgICAgICAgICAgICAgICAgICAgICAgMD',
        'AwMCAwICAgICAgICAgICAgICAgICAgICAgICAgICAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMD',
        'AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMD',
        'AwMDAwMDAwMDAwMDAwEAAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAYAAAAAAAAAUAMAAAAA',
        'AAABAAAAAAMAAAAAAAAAAAAAAAAAAQAAAgAAAAAAAAAAAAAAAAAAAAAAAAAAAAEAAgAEAAAABAAAAAQAAAAEAAAAAQAAAAAAAAAA',
        'AAAAAAAAAAAAAAEAAAEAAAAAAAAAAAAAAAAAAAAAAAAAAAABAAEA////////////////////////////////////////////////',
        '////////////////////////////////////////////////////////////////////////////////gQAAAHsia2luZCI6ImRm',
        'YSIsInBhdHRlcm5zIjoxLCJkZXRhaWwiOnsic3RhdGVzIjo2LCJjbGFzc2VzIjo5LCJwcmVmaWx0ZXIiOiJ0ZWRkeSBrPTEsIDEg',
        'YnVja2V0cywgfjAuMSUgb2YgcG9zaXRpb25zIn0sImJ5dGVzIjoxMDQwfQAAAADp52hV',
      ].join(''),
      'base64',
    );
    const copy = deserialize(old);
    const out: string[] = [];
    copy.scan(Buffer.from('a日éx'), (_i, from, to) => void out.push(`${from}-${to}`));
    expect(out).toEqual(['1-7']);
  });

  it('a serialized database keeps its non-ASCII patterns', () => {
    const db = compile([{ id: 3, expression: '[日é]+x', flags: 'L8' }], { mode: 'block' });
    const copy = deserialize(db.serialize());
    const out: string[] = [];
    copy.scan(Buffer.from('a日éx'), (_i, from, to) => void out.push(`${from}-${to}`));
    expect(out).toEqual(['1-7']);
  });
});

describe('against native Hyperscan with HS_FLAG_UTF8 (flag 8)', () => {
  /**
   * Literals and classes only, over valid UTF-8 text: with HS_FLAG_UTF8 Hyperscan reads `.`, negated
   * classes and \W-style escapes as whole characters (netsieve: bytes), and leaves invalid UTF-8 undefined.
   */
  function utf8Pattern(rand: () => number, caseless: boolean): string {
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    // Caseless: no non-ASCII letters (Hyperscan folds É/é in UTF-8 mode; netsieve folds ASCII only).
    const wide = caseless ? ['日', '本', '€', '😀'] : WIDE;
    const atom = () => {
      const r = rand();
      if (r < 0.35) return pick(wide);
      if (r < 0.55) return pick(['a', 'b', 'B', ' ']);
      if (r < 0.85) return `[${pick(wide)}${pick(['a', 'b', pick(wide), '\\s'])}]`;
      return `\\Q${pick(wide)}${pick(['a', pick(wide)])}\\E`;
    };
    const n = 1 + Math.floor(rand() * 3);
    let src = '';
    for (let k = 0; k < n; k++) src += atom() + (k > 0 ? pick(['', '', '+', '?', '{2}', '{1,2}']) : pick(['', '+']));
    return rand() < 0.2 ? `(?:${src}|${atom()})` : src;
  }

  it('random literal and class patterns on UTF-8 text: the same reports', (ctx) => {
    needHyperscan(ctx);
    const rand = mulberry32(88);
    const cases: HsCase[] = [];
    for (let t = 0; t < 150 * SCALE; t++) {
      const caseless = rand() < 0.3;
      const patterns = Array.from({ length: 1 + Math.floor(rand() * 3) }, (_, i) => ({
        id: i + 1,
        expression: utf8Pattern(rand, caseless),
        flags: `8${caseless ? 'i' : ''}${rand() < 0.4 ? 'L' : ''}`,
      }));
      const textChars = Array.from({ length: Math.floor(rand() * 24) }, () =>
        rand() < 0.5 ? WIDE[Math.floor(rand() * WIDE.length)]! : 'abAB '[Math.floor(rand() * 5)]!,
      );
      const data = enc(textChars.join(''));
      const chunks: number[] = [];
      for (let at = 0; at < data.length; ) {
        const n = Math.min(data.length - at, Math.floor(rand() * 5));
        chunks.push(n);
        at += n;
      }
      cases.push({ patterns, data, chunks: chunks.length > 0 ? chunks : [0] });
    }
    const results = runHyperscanCases(cases);
    let reports = 0;
    results.forEach((r, k) => {
      const c = cases[k]!;
      if ('error' in r) throw new Error(`Hyperscan refused ${JSON.stringify(c.patterns[r.index])}: ${r.error}`);
      const leftmost = new Set(c.patterns.filter((p) => p.flags.includes('L')).map((p) => p.id));
      for (const mode of ['block', 'stream', 'vectored'] as const) {
        const want = [...new Set(r[mode].map(([id, from, to]) => `${id}:${leftmost.has(id) ? from : '?'}:${to}`))].sort();
        const parts: Uint8Array[] = [];
        let at = 0;
        for (const n of c.chunks) {
          parts.push(c.data.subarray(at, at + n));
          at += n;
        }
        const got = scanAll(c.patterns, mode, c.data, () => 0, parts);
        expect({ patterns: c.patterns, text: new TextDecoder().decode(c.data), mode, got }).toEqual({
          patterns: c.patterns,
          text: new TextDecoder().decode(c.data),
          mode,
          got: want,
        });
        if (mode === 'block') reports += want.length;
      }
    });
    expect(reports).toBeGreaterThan(150 * SCALE);
  });
});
