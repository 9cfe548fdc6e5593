/**
 * Inputs for the libinjection differential tests: CRS's regression payloads for its SQLi (942xxx) and XSS
 * (941xxx) rules read from the shared folder (never copied), hand-written seeds, and seeded random
 * mutations of both. Payloads are the `data:` bodies and `uri:` query strings of the go-ftw YAML, split on
 * '&' and URL-decoded (each whole string too), which is close to what the rules' ARGS see.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SHARED_DIR } from '../../../support/corpus.js';
import { mulberry32 } from '../../../helpers/packets.js';

export const CRS = path.join(SHARED_DIR, 'crs');
export const CRS_TESTS = path.join(CRS, 'tests', 'regression', 'tests');
export const crsPresent = fs.existsSync(CRS_TESTS);
export const CRS_ABSENT = `CRS regression tests absent (${CRS_TESTS})`;

/** A YAML scalar as go-ftw's files write them: "double-quoted" (with escapes), 'single-quoted', or plain. */
function unquote(raw: string): string | null {
  const v = raw.trim();
  if (v.startsWith('"')) {
    if (!v.endsWith('"') || v.length < 2) return null;
    const body = v.slice(1, -1);
    return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)/g, (_m, e: string) => {
      if (e[0] === 'x' || e[0] === 'u') return String.fromCharCode(Number.parseInt(e.slice(1), 16));
      const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', '"': '"', '\\': '\\', '/': '/', ' ': ' ' };
      return map[e] ?? e;
    });
  }
  if (v.startsWith("'")) return v.endsWith("'") && v.length >= 2 ? v.slice(1, -1).replace(/''/g, "'") : null;
  return v;
}

/** %XX decoding and '+' as space (a malformed escape is kept), over latin1. */
export function urlDecode(s: string): string {
  return s.replace(/\+/g, ' ').replace(/%([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
}

/** The payloads of the regression tests of the rule files whose names start with one of `prefixes`. */
export function crsPayloads(prefixes: readonly string[]): string[] {
  if (!crsPresent) return [];
  const out = new Set<string>();
  for (const dir of fs.readdirSync(CRS_TESTS)) {
    const full = path.join(CRS_TESTS, dir);
    if (!fs.statSync(full).isDirectory()) continue;
    for (const file of fs.readdirSync(full).sort()) {
      if (!file.endsWith('.yaml') || !prefixes.some((p) => file.startsWith(p))) continue;
      const text = fs.readFileSync(path.join(full, file), 'latin1');
      for (const m of text.matchAll(/^\s*(data|uri):[ \t]*(.+)$/gm)) {
        const value = unquote(m[2]!);
        if (value === null || value === '' || value.startsWith('|') || value.startsWith('>')) continue;
        const query = m[1] === 'uri' ? (value.includes('?') ? value.slice(value.indexOf('?') + 1) : value) : value;
        out.add(urlDecode(query));
        for (const part of query.split('&')) {
          const eq = part.indexOf('=');
          if (eq >= 0) out.add(urlDecode(part.slice(eq + 1)));
        }
      }
    }
  }
  out.delete('');
  return [...out];
}

/** A small deterministic PRNG (mulberry32), so a failing mutation can be reproduced from its seed. */
export const prng = mulberry32;

/** Fragments that steer mutations towards the lexers' interesting corners. */
const FRAGMENTS = [
  "'",
  '"',
  '`',
  '--',
  '-- ',
  '#',
  '/*',
  '*/',
  '/*!',
  ';',
  '(',
  ')',
  ',',
  '.',
  '@',
  '@@',
  '$$',
  '\\',
  '\\N',
  '0x',
  '1e',
  "N'",
  "q'[",
  "U&'",
  '||',
  '&&',
  '<=>',
  '::',
  ' ',
  '\t',
  '\n',
  '\0',
  '\xa0',
  '\xff',
  ' OR ',
  ' AND ',
  ' UNION ',
  ' SELECT ',
  ' FROM ',
  '1',
  '1=1',
  'sp_password',
  ' IN (',
  'LIKE',
  ' INTO OUTFILE ',
  '{',
  '}',
  '[',
  ']',
  '<',
  '>',
  '</',
  '<!--',
  '-->',
  '<!DOCTYPE',
  '<?',
  '<%',
  '%>',
  '<![CDATA[',
  '=',
  ' on',
  'onload=',
  ' src=',
  ' href=',
  'javascript:',
  '&#106;',
  '&#x6A;',
  'data:',
  'vbscript:',
  '<script>',
  '<svg',
  '<a ',
  'style=',
  'xmlns=',
  '/>',
  ' x=',
  '&',
];

/** `count` mutations of the seeds: insertions of fragments or random bytes, deletions, splices of two seeds. */
export function mutations(seeds: readonly string[], count: number, seed: number): string[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let s = pick(seeds);
    const steps = 1 + Math.floor(rnd() * 3);
    for (let k = 0; k < steps; k++) {
      const at = Math.floor(rnd() * (s.length + 1));
      const r = rnd();
      if (r < 0.45) s = s.slice(0, at) + pick(FRAGMENTS) + s.slice(at);
      else if (r < 0.6) s = s.slice(0, at) + String.fromCharCode(Math.floor(rnd() * 256)) + s.slice(at);
      else if (r < 0.8) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rnd() * 4));
      else {
        const other = pick(seeds);
        s = s.slice(0, at) + other.slice(Math.floor(rnd() * other.length));
      }
    }
    out.push(s.slice(0, 2000));
  }
  return out;
}

/** Bytes the short random inputs are mostly made of: the lexers' special characters and keyword letters. */
const ALPHABET = '\'"`-#/*!;(),.@$\\N0x1eE9qQuU&<>=:|{}[]% \t\n\0\xa0\xffabSELECTUNIONORANDonloadhrefsrcjavascript:&#x6a;<!--->?';

/** `count` short strings (under 24 bytes) mostly of ALPHABET, some bytes anything: they reach the corners
 * (signed bytes, NULs, quotes at the end) that whole payloads rarely do. */
export function randomShort(count: number, seed: number): string[] {
  const rnd = prng(seed);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = Math.floor(rnd() * 24);
    let s = '';
    for (let k = 0; k < n; k++)
      s += rnd() < 0.85 ? ALPHABET[Math.floor(rnd() * ALPHABET.length)]! : String.fromCharCode(Math.floor(rnd() * 256));
    out.push(s);
  }
  return out;
}

/** Hand-written seeds: classic attacks and benign look-alikes, for both detectors. */
export const SEEDS = [
  "1' OR '1'='1",
  '1 UNION SELECT 1,2,3--',
  "admin'--",
  '1;DROP TABLE users',
  "' UNION ALL SELECT NULL,@@version#",
  '1 AND SLEEP(5)',
  "x' AND 1=(SELECT COUNT(*) FROM tabname); --",
  '-1839" or "1"="2',
  'SELECT * FROM users WHERE id=1',
  "1'; exec master..xp_cmdshell 'dir'--",
  "O'Reilly",
  'hello world',
  '24-7-TEAM',
  'The union of two sets',
  'select a color from the list',
  '1234-ABCDEF--',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<a href="javascript:alert(1)">x</a>',
  '<svg/onload=alert(1)>',
  '"><iframe src=//evil>',
  '<b>bold</b> and <i>italic</i>',
  '<a href="https://example.com/">link</a>',
  '<p style="color:red">x</p>',
  'a < b && c > d',
  '<!-- comment -->',
];
