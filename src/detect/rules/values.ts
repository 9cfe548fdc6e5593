/**
 * Value parsers shared by the keywords: numbers (decimal or 0x hex), numeric comparisons in Suricata 7's
 * syntax, content bytes (`|hex|` and escapes), comma lists.
 */
import type { NumberTest } from './model.js';
import { badValue, RuleError } from './rule-error.js';

/** Longest content (bytes) accepted; Suricata keeps content lengths in 16 bits. */
export const MAX_CONTENT_LENGTH = 65535;

/** An integer in [min, max], decimal or `0x` hex. */
export function parseInteger(keyword: string, text: string, min: number, max: number): number {
  const t = text.trim();
  let n: number;
  if (/^-?\d+$/.test(t)) n = Number(t);
  else if (/^0x[0-9a-f]+$/i.test(t)) n = Number.parseInt(t.slice(2), 16);
  else throw badValue(keyword, `"${text}" is not a number`);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw badValue(keyword, `${t} is out of range (${min} to ${max})`);
  return n;
}

/**
 * A numeric comparison: `N` (or `=N`), `!N`, `<N`, `<=N`, `>N`, `>=N`, and the exclusive ranges `N<>M` and
 * `N-M` (Suricata 7 reads both; it refuses a negated range). Values must lie in [0, max].
 */
export function parseNumberTest(keyword: string, text: string | undefined, max: number): NumberTest {
  if (text === undefined || text.trim() === '') throw badValue(keyword, 'needs a value');
  const t = text.trim();
  // Decimal only: Suricata refuses `dsize:0x10`.
  const num = (s: string) => parseInteger(keyword, s, 0, max);
  let m = /^(\d+)\s*(<>|-)\s*(\d+)$/.exec(t);
  if (m) {
    const lo = num(m[1]!);
    const hi = num(m[3]!);
    if (lo >= hi) throw badValue(keyword, `the range ${t} is empty (the first bound must be below the second)`);
    return { op: 'range', value: lo, value2: hi };
  }
  m = /^(<=|>=|<|>|=|!)?\s*(\d+)$/.exec(t);
  if (!m) throw badValue(keyword, `"${t}" is not a number or a comparison (N, !N, <N, >N, <=N, >=N, N<>M, N-M)`);
  const v = num(m[2]!);
  const op = m[1] ?? '';
  if (op === '<' && v === 0) throw badValue(keyword, '"<0" can never be true');
  if (op === '>' && v === max) throw badValue(keyword, `">${max}" can never be true`);
  const ops: Record<string, NumberTest['op']> = { '': 'eq', '=': 'eq', '!': 'ne', '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge' };
  return { op: ops[op]!, value: v };
}

/** Whether `n` passes a NumberTest (for the matcher and the tests). */
export function testNumber(t: NumberTest, n: number): boolean {
  switch (t.op) {
    case 'eq':
      return n === t.value;
    case 'ne':
      return n !== t.value;
    case 'lt':
      return n < t.value;
    case 'le':
      return n <= t.value;
    case 'gt':
      return n > t.value;
    case 'ge':
      return n >= t.value;
    case 'range':
      return n > t.value && n < t.value2!;
  }
}

const HEX = /^[0-9a-fA-F]$/;
const UTF8 = new TextEncoder();

/**
 * Content text (between the quotes) to bytes: `|41 42|` hex sections (spaces ignored, digits in pairs), `\;` `\"` `\\` `\:` escapes, other characters as UTF-8. A bare `"` or `;` must be escaped.
 */
export function decodeContent(keyword: string, text: string): Uint8Array {
  const out: number[] = [];
  let inHex = false;
  let nibble = -1;
  let hexStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '|') {
      if (inHex && nibble >= 0) throw badValue(keyword, `odd number of hex digits before "|" at character ${i + 1}`);
      // Suricata reads an empty section inconsistently ("||" as two bars, "a||b" as "ab|b"): refused here.
      if (inHex && hexStart === out.length) throw badValue(keyword, `an empty hex section "||" at character ${i}`);
      inHex = !inHex;
      hexStart = out.length;
      continue;
    }
    if (inHex) {
      // Spaces are skipped anywhere in a hex section, even between the two digits of a byte, as Suricata does.
      if (c === ' ' || c === '\t') continue;
      if (!HEX.test(c)) throw badValue(keyword, `"${c}" is not a hex digit (character ${i + 1})`);
      const v = Number.parseInt(c, 16);
      if (nibble < 0) nibble = v;
      else {
        out.push((nibble << 4) | v);
        nibble = -1;
      }
      continue;
    }
    if (c === '\\') {
      const n = text[i + 1];
      if (n === ';' || n === '"' || n === '\\' || n === ':') {
        out.push(n.charCodeAt(0));
        i++;
        continue;
      }
      throw new RuleError(
        'syntax',
        `${keyword}: "\\${n ?? ''}" is not an escape (only \\; \\" \\\\ \\: are; use |hex| for bytes)`,
        keyword,
      );
    }
    if (c === '"' || c === ';')
      throw new RuleError('syntax', `${keyword}: "${c}" must be escaped as \\${c} or written as hex`, keyword);
    const code = c.charCodeAt(0);
    if (code < 0x80) out.push(code);
    else {
      // A character outside ASCII: its UTF-8 bytes (a surrogate pair is one character).
      const cp = text.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      for (const b of UTF8.encode(ch)) out.push(b);
      i += ch.length - 1;
    }
    if (out.length > MAX_CONTENT_LENGTH) break;
  }
  if (inHex) throw badValue(keyword, 'a "|" hex section is not closed');
  if (out.length === 0) throw badValue(keyword, 'is empty');
  if (out.length > MAX_CONTENT_LENGTH) throw badValue(keyword, `is longer than ${MAX_CONTENT_LENGTH} bytes`);
  return Uint8Array.from(out);
}

/** A comma list, trimmed, without empty items. */
export function commaList(text: string | undefined): string[] {
  if (text === undefined) return [];
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
