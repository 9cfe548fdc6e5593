/**
 * A rule's `pcre` as a V8 RegExp over a buffer's bytes read as latin1 (one character per byte), with PCRE's
 * meaning kept where the two dialects differ on what rules use:
 *
 * - leading option settings `(?i)`, `(?s)`, `(?m)`, `(?x)`, `(?is)` become RegExp flags;
 * - `\A` is the start of the subject, `\z` its end, `\Z` and `$` its end or before a final newline (the
 *   newline then counts into the match);
 * - `\s`/`\S` are PCRE's six ASCII spaces (JavaScript's `\s` also takes 0x85-free Unicode spaces such as
 *   0xA0, a byte that is common in binary payloads), `\h` is a horizontal space;
 * - `\x{hh}` is a byte, `\Q...\E` is literal text, possessive quantifiers and atomic groups are read as
 *   their plain forms (they only cut backtracking; a different end offset only matters to a later relative
 *   keyword, which is rare after them);
 * - `x` (extended) drops whitespace and `#` comments outside classes;
 * - `E` (dollar matches only at the very end) and `A` (anchored at the start point) are applied here;
 *   `U`/`G` (ungreedy) swaps greedy and lazy quantifiers.
 *
 * What remains different: case-insensitive matching of bytes 0x80-0xFF (PCRE without UTF folds ASCII only;
 * V8 folds latin1 letters too) and PCRE-only syntax (recursion, callouts, `\K`, backtracking verbs), which is
 * refused at load with the construct named.
 */

import v8 from 'node:v8';

/**
 * V8's backtracking engine can take exponential time on a pattern such as `(a+)+b` and hostile input. V8 has a
 * linear-time engine for the patterns it supports (no backreferences, no lookaround) and can switch a match
 * to it after a number of backtracks: turned on, once per process, when the first rule's pcre is compiled.
 * It changes no result (the same leftmost match), only the time. Patterns with lookaround or backreferences
 * stay on the backtracking engine; `pcreBacktrackBound` says which (`stats` count them).
 */
let fallbackOn = false;
function enableBacktrackFallback(): void {
  if (fallbackOn) return;
  fallbackOn = true;
  v8.setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
  v8.setFlagsFromString('--regexp-backtracks-before-fallback=50000');
}

/** Whether a translated pattern can fall back to V8's linear engine (no lookaround, no backreference). */
export function linearFallbackPossible(source: string): boolean {
  return !/\\[1-9]|\\k<|\(\?<?[=!]/.test(source);
}

export interface CompiledPcre {
  /** Searches from `lastIndex`; `y` (sticky) when the pattern is anchored (`A`). */
  readonly re: RegExp;
  /** False when the pattern has lookaround or backreferences: its time is not bounded by V8's fallback. */
  readonly linear: boolean;
}

export class PcreError extends Error {}

const SPACE = '\\t\\n\\v\\f\\r ';

/** Translates a PCRE source with Suricata's kept option letters (`i s m x A E G U`) into a V8 RegExp. */
export function compilePcre(source: string, flags: string): CompiledPcre {
  let caseless = flags.includes('i');
  let dotall = flags.includes('s');
  let multiline = flags.includes('m');
  let extended = flags.includes('x');
  const anchored = flags.includes('A');
  const dollarEndOnly = flags.includes('E');
  const ungreedy = flags.includes('G') || flags.includes('U');
  // Option settings at the very start apply to the whole pattern, as flags.
  let src = source;
  for (;;) {
    const m = /^\(\?([imsx]+)\)/.exec(src);
    if (m === null) break;
    for (const c of m[1]!) {
      if (c === 'i') caseless = true;
      else if (c === 's') dotall = true;
      else if (c === 'm') multiline = true;
      else extended = true;
    }
    src = src.slice(m[0].length);
  }
  const out = translate(src, { extended, multiline, dollarEndOnly, ungreedy });
  enableBacktrackFallback();
  let re: RegExp;
  try {
    re = new RegExp(out, `${caseless ? 'i' : ''}${dotall ? 's' : ''}${multiline ? 'm' : ''}${anchored ? 'y' : 'g'}`);
  } catch (e) {
    throw new PcreError(`pcre /${source}/ is not supported: ${(e as Error).message}`);
  }
  return { re, linear: linearFallbackPossible(out) };
}

interface TranslateOptions {
  extended: boolean;
  multiline: boolean;
  dollarEndOnly: boolean;
  ungreedy: boolean;
}

const REFUSED: [RegExp, string][] = [
  [/^\(\?R\)|^\(\?[0-9+-]/, 'recursion'],
  [/^\(\?C/, 'callouts'],
  [/^\(\*/, 'backtracking verbs'],
  [/^\(\?\|/, 'branch reset groups'],
  [/^\(\?\(/, 'conditional groups'],
];

function translate(src: string, o: TranslateOptions): string {
  let out = '';
  let inClass = false;
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i]!;
    if (c === '\\') {
      const d = src[i + 1];
      if (d === undefined) throw new PcreError('pcre ends with a lone backslash');
      if (d === 'Q') {
        // \Q...\E: literal text.
        const end = src.indexOf('\\E', i + 2);
        const lit = src.slice(i + 2, end < 0 ? n : end);
        out += lit.replace(/[\\^$.*+?()[\]{}|/-]/g, (x) => `\\${x}`);
        i = end < 0 ? n : end + 2;
        continue;
      }
      if (d === 'E') {
        i += 2;
        continue;
      }
      if (d === 'x' && src[i + 2] === '{') {
        const end = src.indexOf('}', i + 3);
        if (end < 0) throw new PcreError('pcre has an unterminated \\x{');
        const code = Number.parseInt(src.slice(i + 3, end), 16);
        if (!(code >= 0 && code <= 0xff)) throw new PcreError(`pcre \\x{${src.slice(i + 3, end)}} is not a byte`);
        out += `\\x${code.toString(16).padStart(2, '0')}`;
        i = end + 1;
        continue;
      }
      if (!inClass) {
        // Without `m`, JavaScript's `^` and `$` are the subject's start and end: no lookaround needed, so
        // the pattern can still fall back to V8's linear engine.
        if (d === 'A') {
          out += o.multiline ? '(?<![\\s\\S])' : '^';
          i += 2;
          continue;
        }
        if (d === 'z') {
          out += o.multiline ? '(?![\\s\\S])' : '$';
          i += 2;
          continue;
        }
        if (d === 'Z') {
          out += o.multiline ? '(?=\\n?(?![\\s\\S]))' : '(?:\\n?$)';
          i += 2;
          continue;
        }
        if (d === 's' || d === 'S' || d === 'h' || d === 'H') {
          const set = d === 's' || d === 'S' ? SPACE : '\\t ';
          out += d === 's' || d === 'h' ? `[${set}]` : `[^${set}]`;
          i += 2;
          continue;
        }
        if (d === 'K' || d === 'G' || d === 'X' || d === 'R' || d === 'C') throw new PcreError(`pcre \\${d} is not supported`);
      } else {
        if (d === 's' || d === 'h') {
          out += d === 's' ? SPACE : '\\t ';
          i += 2;
          continue;
        }
        if (d === 'S' || d === 'H') throw new PcreError(`pcre \\${d} inside a character class is not supported`);
      }
      out += c + d;
      i += 2;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      // `[` inside a class is literal in PCRE (bar POSIX classes, which V8 lacks).
      if (c === '[' && src[i + 1] === ':') throw new PcreError('pcre POSIX character classes ([:alpha:]) are not supported');
      out += c === '[' ? '\\[' : c;
      i++;
      continue;
    }
    if (o.extended && (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v')) {
      i++;
      continue;
    }
    if (o.extended && c === '#') {
      const nl = src.indexOf('\n', i);
      i = nl < 0 ? n : nl + 1;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      i++;
      // A `]` first in a class (or after `^`) is literal in PCRE.
      if (src[i] === '^') {
        out += '^';
        i++;
      }
      if (src[i] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c === '(' && src[i + 1] === '?') {
      const rest = src.slice(i);
      for (const [re, what] of REFUSED) if (re.test(rest)) throw new PcreError(`pcre ${what} are not supported`);
      // A named backreference, PCRE's (?P=name): V8 writes it \k<name>.
      const backref = /^\(\?P=([A-Za-z_][A-Za-z0-9_]*)\)/.exec(rest);
      if (backref !== null) {
        out += `\\k<${backref[1]}>`;
        i += backref[0].length;
        continue;
      }
      const inline = /^\(\?([imsx-]+)(\)|:)/.exec(rest);
      if (inline !== null) throw new PcreError(`pcre option setting (?${inline[1]}) inside the pattern is not supported`);
      // Group openers are copied whole, so that their `?` is not read as a quantifier.
      const opener = /^\(\?(?:>|:|=|!|<=|<!|P?<[A-Za-z_][A-Za-z0-9_]*>|'[A-Za-z_][A-Za-z0-9_]*')/.exec(rest);
      if (opener === null) throw new PcreError(`pcre group ${rest.slice(0, 4)} is not supported`);
      const o2 = opener[0];
      // Atomic groups are read as plain groups; named groups in V8's spelling.
      out +=
        o2 === '(?>' ? '(?:' : o2.startsWith('(?P<') ? `(?<${o2.slice(4)}` : o2.startsWith("(?'") ? `(?<${o2.slice(3, -1)}>` : o2;
      i += o2.length;
      continue;
    }
    if (c === '$' && !o.multiline) {
      // PCRE's `$` is the end or before a final newline unless E (dollar_endonly). Written as a final
      // newline taken into the match: the same yes or no, an end one byte later in that one case (only a
      // relative keyword after the pcre could tell), and no lookaround (see linearFallbackPossible).
      out += o.dollarEndOnly ? '$' : '(?:\\n?$)';
      i++;
      continue;
    }
    const quantifier =
      c === '*' || c === '+' || c === '?' ? c : c === '{' ? (/^\{\d+(?:,\d*)?\}/.exec(src.slice(i))?.[0] ?? null) : null;
    if (quantifier !== null) {
      out += quantifier;
      i += quantifier.length;
      let lazy = false;
      if (src[i] === '?') {
        lazy = true;
        i++;
      } else if (src[i] === '+') i++; // possessive: read as greedy
      if (lazy !== o.ungreedy) out += '?';
      continue;
    }
    out += c;
    i++;
  }
  if (inClass) throw new PcreError('pcre has an unterminated character class');
  return out;
}
