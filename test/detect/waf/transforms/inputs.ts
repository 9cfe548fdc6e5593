/**
 * Seeded random and adversarial values for the transformations' differential tests: bytes that every decoder
 * treats specially (%, &, \, ;, #, /, ., quotes, comment marks, NULs, whitespace, high bytes, UTF-8 sequences,
 * base64 text), in runs long enough to form real escapes and broken ones.
 */
import fs from 'node:fs';
import path from 'node:path';
import { mulberry32 } from '../../../helpers/packets.js';

const TOKENS: readonly string[] = [
  '%',
  '%u',
  '%U',
  '%2',
  '%41',
  '%2f',
  '%2F',
  '%00',
  '%c0%af',
  '%uff0f',
  '%UFF41',
  '%u00',
  '%zz',
  '+',
  '&',
  '&#',
  '&#x',
  '&#X',
  '&#60',
  '&#x3c',
  '&#0000065;',
  '&#x00000041',
  '&#99999999999999999999;',
  '&#xffffffffffffffff1;',
  '&lt',
  '&LT;',
  '&quot;',
  '&amp;',
  '&nbsp;',
  '&gt',
  '&foo;',
  ';',
  '#',
  '\\',
  '\\\\',
  '\\u',
  '\\u0041',
  '\\uff0e',
  '\\x',
  '\\x4',
  '\\x41',
  '\\X41',
  '\\0',
  '\\12',
  '\\101',
  '\\477',
  '\\777',
  '\\n',
  '\\t',
  '\\a',
  '\\?',
  "\\'",
  '\\"',
  '\\\n',
  '\\ff0e ',
  '\\0000ff41',
  '\\00ff41',
  '\\4',
  '\\65 ',
  '/',
  '//',
  './',
  '../',
  '/./',
  '/../',
  '..',
  '.',
  '\\..\\',
  'c:\\',
  '"',
  "'",
  '^',
  ',',
  '(',
  ')',
  ' ',
  '  ',
  '\t',
  '\r\n',
  '\n',
  '\v',
  '\f',
  '/*',
  '*/',
  '<!--',
  '-->',
  '--',
  '*',
  '<',
  '>',
  '!',
  '-',
  '=',
  '==',
  '0x',
  '0x41',
  '0X4142',
  'YWJj',
  'ZA==',
  'Zm9v',
  'QQ',
  '9',
  'a',
  'B',
  'z',
  'ff',
  'FF',
  '0',
  '7',
  'x',
  'u',
  'amp',
  'select',
  'SELECT',
  'script',
  'cmd',
  'etc/passwd',
  '\0',
  '\0\0',
  '\x80',
  '\xa0',
  '\xc2\xa0',
  '\xc3\xa9',
  '\xe2\x82\xac',
  '\xf0\x9f\x98\x80',
  '\xc0\xaf',
  '\xe0\x80\xaf',
  '\xed\xa0\x80',
  '\xf0\x80\x80\xaf',
  '\xf5\x80\x80\x80',
  '\xf8',
  '\xff',
  '\xc3',
  '\xe2\x82',
];

function latin1(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'latin1'));
}

const TOKEN_BYTES = TOKENS.map(latin1);

/**
 * `count` values from `seed`: mostly runs of up to `maxTokens` tokens (lengths 0 to about 5 bytes per token), some
 * uniformly random bytes.
 */
export function randomInputs(seed: number, count: number, maxTokens = 12): Uint8Array[] {
  const rnd = mulberry32(seed);
  const out: Uint8Array[] = [];
  for (let k = 0; k < count; k++) {
    const parts: number[] = [];
    const kind = rnd();
    if (kind < 0.15) {
      const n = Math.floor(rnd() * 2 * maxTokens);
      for (let i = 0; i < n; i++) parts.push(Math.floor(rnd() * 256));
    } else {
      const n = Math.floor(rnd() * maxTokens);
      for (let i = 0; i < n; i++) {
        if (rnd() < 0.1) parts.push(Math.floor(rnd() * 256));
        else for (const c of TOKEN_BYTES[Math.floor(rnd() * TOKEN_BYTES.length)]!) parts.push(c);
      }
    }
    out.push(Uint8Array.from(parts));
  }
  return out;
}

/**
 * The short edge cases, exhaustively: every token alone, every byte alone and after `%`, `\` and `&`, and every
 * ordered pair of a few special bytes.
 */
export function edgeInputs(): Uint8Array[] {
  const out: Uint8Array[] = [new Uint8Array(0), ...TOKEN_BYTES];
  for (let c = 0; c < 256; c++)
    out.push(Uint8Array.of(c), Uint8Array.of(0x25, c), Uint8Array.of(0x5c, c), Uint8Array.of(0x26, c));
  const specials = ['%', '\\', '&', '#', '/', '.', ';', '*', '-', '=', '0', 'x', 'u', '\0', ' ', '\xc3', 'A'].map(latin1);
  for (const a of specials) for (const b of specials) out.push(Uint8Array.from([...a, ...b]));
  return out;
}

/**
 * The distinct transformation chains of the CRS rules under `rulesDir` (after each rule's last `t:none`), in
 * first-seen order. A chain is names as written; the caller checks them against TRANSFORMATIONS.
 */
export function crsChains(rulesDir: string): string[][] {
  const seen = new Map<string, string[]>();
  for (const file of fs
    .readdirSync(rulesDir)
    .filter((f) => f.endsWith('.conf'))
    .sort()) {
    const text = fs.readFileSync(path.join(rulesDir, file), 'utf8').replace(/\\\r?\n/g, ' ');
    for (const line of text.split('\n')) {
      const trimmed = line.trim();
      if (!/^Sec(Rule|Action)\b/.test(trimmed)) continue;
      // The action list is the last double-quoted string of the directive.
      const m = /"((?:[^"\\]|\\.)*)"\s*$/.exec(trimmed);
      if (m === null) continue;
      const names = [...m[1]!.matchAll(/(?:^|,)\s*t:([A-Za-z0-9]+)/g)].map((x) => x[1]!);
      const last = names.map((n) => n.toLowerCase()).lastIndexOf('none');
      const chain = names.slice(last + 1);
      if (chain.length === 0) continue;
      const key = chain.join(',');
      if (!seen.has(key)) seen.set(key, chain);
    }
  }
  return [...seen.values()];
}
