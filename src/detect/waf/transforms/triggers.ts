/**
 * For each transformation, the bytes without which it returns its input unchanged: `lowercase` changes
 * nothing without an upper-case letter, `urlDecodeUni` nothing without `%` or `+`. Most values of an HTTP
 * transaction hold none of a transformation's trigger bytes, so the WAF checks a value against this table
 * (one lookup per byte) instead of running the transformation. Null for transformations that always
 * produce something else (hashes, encoders, `length`) or whose triggers are not worth listing.
 *
 * Each table is a claim about the transformation's code (src/detect/waf/transforms/); a seeded test
 * (test/detect/waf/transforms/triggers.test.ts) checks it on random inputs made of the other bytes.
 */
import { transformationName } from './index.js';

const WHITESPACE = [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20];

function table(bytes: readonly number[], ranges: readonly [number, number][] = []): Uint8Array {
  const t = new Uint8Array(256);
  for (const b of bytes) t[b] = 1;
  for (const [lo, hi] of ranges) for (let b = lo; b <= hi; b++) t[b] = 1;
  return t;
}

const c = (s: string): number[] => Array.from(s, (ch) => ch.charCodeAt(0));

const TRIGGERS: Readonly<Record<string, Uint8Array>> = {
  lowercase: table([], [[0x41, 0x5a]]),
  uppercase: table([], [[0x61, 0x7a]]),
  urlDecode: table(c('%+')),
  urlDecodeUni: table(c('%+')),
  // Multi-byte sequences only (a NUL ends what 3.0.9 reads).
  utf8toUnicode: table([0x00], [[0x80, 0xff]]),
  htmlEntityDecode: table([0x00, ...c('&')]),
  jsDecode: table([0x00, ...c('\\')]),
  cssDecode: table([0x00, ...c('\\')]),
  escapeSeqDecode: table([0x00, ...c('\\')]),
  removeNulls: table([0x00]),
  replaceNulls: table([0x00]),
  // 3.0.9 also drops a 0xc2 (the lead byte of a UTF-8 no-break space) wherever it stands.
  removeWhitespace: table([...WHITESPACE, 0xa0, 0xc2]),
  compressWhitespace: table([...WHITESPACE, 0xa0]),
  trim: table([...WHITESPACE, 0x00]),
  trimLeft: table([...WHITESPACE, 0x00]),
  trimRight: table([...WHITESPACE, 0x00]),
  cmdLine: table([...WHITESPACE, ...c('\\"\'^,;/(')], [[0x41, 0x5a]]),
  normalizePath: table([0x00, ...c('/.')]),
  normalizePathWin: table([0x00, ...c('/.\\')]),
  replaceComments: table([0x00, ...c('/*')]),
  removeComments: table([0x00, ...c('/*<-#')]),
  removeCommentsChar: table([0x00, ...c('/*<!-#')]),
};

/** The trigger table of a transformation (any case, `t:` allowed), or null when it has none. */
export function triggerBytes(name: string): Uint8Array | null {
  const canonical = transformationName(name);
  return canonical === null ? null : (TRIGGERS[canonical] ?? null);
}

/** Whether the binary string holds a byte of the table. */
export function holdsTrigger(value: string, table: Uint8Array): boolean {
  for (let i = 0; i < value.length; i++) if (table[value.charCodeAt(i) & 0xff] === 1) return true;
  return false;
}
