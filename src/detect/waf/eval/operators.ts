/**
 * SecLang operators on one value, with ModSecurity v3's semantics. Values are "binary strings" (one character
 * per byte, latin1), so that V8's RegExp and string search see bytes. `@rx` runs on V8 RegExp translated from
 * PCRE (src/detect/pcre.ts), with ModSecurity's flags (dot matches newline); captures fill TX.0-TX.9 when the
 * rule asks (`capture`), and a pattern V8 proves slow on moves to netsieve's regex engine (`rxOperator`).
 * Before any operator runs, the prefilter (./prefilter.ts) may already have ruled the value out.
 */
import { compile, type RegexDatabase } from '../../../regex/database.js';
import { compilePcre } from '../../pcre.js';
import type { SecOperator } from '../seclang/model.js';

/** What an operator may call out to: the libinjection detectors (src/detect/waf/libinjection/). */
export interface OperatorHooks {
  detectSqli?(value: string): boolean;
  detectXss?(value: string): boolean;
  /**
   * `@rx` on netsieve's regex engine once V8 has spent this many milliseconds on one rule's long values
   * (default 5; 0: at once, for every pattern the engine takes; Infinity: never). See `rxOperator`.
   */
  rxEngineAfterMs?: number;
  /** Called when an `@rx` rule moves to the engine. */
  onRxEngine?(): void;
}

/** An operator ready to run: `match(value, captures)` returns whether it matched (before negation). */
export interface CompiledOperator {
  readonly name: string;
  readonly negated: boolean;
  /** Whether the parameter holds macros to expand per transaction (`%{tx.x}`). */
  readonly dynamic: boolean;
  match(value: string, param: string, captures: string[] | null): boolean;
}

/** Compiles a rule's operator; throws (with the reason) for a parameter it cannot use. */
export function compileOperator(op: SecOperator, hooks: OperatorHooks): CompiledOperator {
  const dynamic = op.param.includes('%{');
  const base = { name: op.name, negated: op.negated, dynamic };
  switch (op.name) {
    case 'rx':
      return rxOperator(op, base, hooks.rxEngineAfterMs ?? 5, hooks.onRxEngine);
    case 'pm':
    case 'pmf':
    case 'pmFromFile': {
      // Case-insensitive phrase match anywhere in the value: ModSecurity lower-cases both sides in the C locale
      // (ASCII letters only), and compares bytes (a phrase file's UTF-8 text as its bytes).
      const phrases = pmPhrases(op);
      return {
        ...base,
        match(value, _param, captures) {
          const v = asciiLower(value);
          for (const p of phrases) {
            if (v.includes(p)) {
              if (captures !== null) {
                captures.length = 0;
                captures.push(p);
              }
              return true;
            }
          }
          return false;
        },
      };
    }
    case 'contains':
      return { ...base, match: (v, p) => v.includes(p) };
    case 'containsWord':
      return { ...base, match: (v, p) => containsWord(v, p) };
    case 'beginsWith':
      return { ...base, match: (v, p) => v.startsWith(p) };
    case 'endsWith':
      return { ...base, match: (v, p) => v.endsWith(p) };
    case 'streq':
      return { ...base, match: (v, p) => v === p };
    case 'within':
      // The value is found inside the parameter (an empty value is not).
      return { ...base, match: (v, p) => v !== '' && p.includes(v) };
    case 'eq':
    case 'ge':
    case 'gt':
    case 'le':
    case 'lt': {
      const cmp = op.name;
      // A parameter without macros is read once.
      const fixed = dynamic ? null : toInt(op.param);
      return {
        ...base,
        match(v, p) {
          const a = toInt(v);
          const b = fixed ?? toInt(p);
          return cmp === 'eq' ? a === b : cmp === 'ge' ? a >= b : cmp === 'gt' ? a > b : cmp === 'le' ? a <= b : a < b;
        },
      };
    }
    case 'unconditionalMatch':
      return { ...base, match: () => true };
    case 'validateByteRange': {
      const allowed = byteRanges(op.param);
      return {
        ...base,
        // Matches (an error) when a byte is outside the ranges.
        match(v) {
          for (let i = 0; i < v.length; i++) if (!allowed[v.charCodeAt(i) & 0xff]) return true;
          return false;
        },
      };
    }
    case 'validateUrlEncoding':
      return { ...base, match: (v) => invalidUrlEncoding(v) };
    case 'validateUtf8Encoding':
      return { ...base, match: (v) => invalidUtf8(v) };
    case 'ipMatch': {
      const nets = op.param.split(',').map((s) => s.trim());
      return { ...base, match: (v) => nets.some((n) => ipInNet(v.trim(), n)) };
    }
    case 'detectSQLi': {
      const f = hooks.detectSqli;
      if (f === undefined) throw new Error('@detectSQLi needs the libinjection detector');
      return { ...base, match: (v) => f(v) };
    }
    case 'detectXSS': {
      const f = hooks.detectXss;
      if (f === undefined) throw new Error('@detectXSS needs the libinjection detector');
      return { ...base, match: (v) => f(v) };
    }
    default:
      throw new Error(`operator @${op.name} is not supported`);
  }
}

/**
 * PCRE constructs CRS writes that src/detect/pcre.ts does not take, rewritten into equivalents it does:
 * a case-insensitive group spanning the whole pattern (`(?i:...)`, `^(?i:...)`) becomes a leading `(?i)`, and
 * so does an option setting right after a leading `^` (`^(?i)up`);
 * `\S`, `\D`, `\W` inside a character class become their byte ranges (PCRE's ASCII classes, no UTF).
 */
export function crsPattern(pattern: string): string {
  let out = '';
  let inClass = false;
  let classStart = -1;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) {
      const n = pattern[i + 1]!;
      if (inClass && (n === 'S' || n === 'D' || n === 'W')) out += NEGATED_SHORTHAND[n];
      else out += c + n;
      i++;
      continue;
    }
    if (inClass) {
      // A `]` right after `[` or `[^` is a literal, not the end.
      if (c === ']' && i > classStart) inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      classStart = pattern[i + 1] === '^' ? i + 2 : i + 1;
    }
    out += c;
  }
  // An option setting after a leading anchor (`^(?i)up`) applies to the whole pattern, as nothing before it
  // has case: it moves to the front, where src/detect/pcre.ts takes it as a flag.
  const lead = /^\^\(\?([imsx]+)\)/.exec(out);
  if (lead !== null) out = `(?${lead[1]})^${out.slice(lead[0].length)}`;
  // A case-insensitive group may take the whole pattern's `i` flag when nothing outside it is a letter that
  // case would change (escapes such as \\s and \\b are not letters).
  const m = /^(\^?)\(\?i:/.exec(out);
  if (m === null) return out;
  const close = closingParen(out, m[1]!.length);
  if (close < 0) return out;
  const rest = out.slice(close + 1);
  if (/[A-Za-z]/.test(rest.replace(/\\./g, ''))) return out;
  return `(?i)${m[1]}(?:${out.slice(m[0].length)}`;
}

const NEGATED_SHORTHAND: Record<string, string> = {
  S: '\\x00-\\x08\\x0e-\\x1f\\x21-\\xff',
  D: '\\x00-\\x2f\\x3a-\\xff',
  W: '\\x00-\\x2f\\x3a-\\x40\\x5b-\\x5e\\x60\\x7b-\\xff',
};

/** The index of the `)` that closes the group opened at `open` (escapes and classes skipped), or -1. */
function closingParen(p: string, open: number): number {
  let depth = 0;
  let inClass = false;
  for (let i = open; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      if (p[i + 1] === '^') i++;
      if (p[i + 1] === ']') i++;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return -1;
}

/** Values at least this long are timed on V8 (shorter ones cannot cost much, whatever the pattern). */
const TIMED_LENGTH = 64;

/**
 * `@rx`: V8's RegExp (translated from PCRE by src/detect/pcre.ts, with ModSecurity's dot-all), which gives
 * PCRE's captures. A backtracking engine can take time quadratic (or worse) in a value's length on some
 * patterns and inputs (CRS's 932240 on long words: over a millisecond per transaction on CRS's regression
 * requests); so V8's time on a rule's long values is counted, and once it passes `afterMs` the pattern is
 * compiled on netsieve's own engine (a DFA: linear time), which from then on answers first: no match there
 * is no match; a match is confirmed by V8 only when the rule needs its captures. Both engines read the same
 * expression with the same semantics (a test runs CRS's regression requests with every pattern moved at
 * once); a pattern the engine does not take stays on V8.
 */
function rxOperator(
  op: SecOperator,
  base: { name: string; negated: boolean; dynamic: boolean },
  afterMs: number,
  moved?: () => void,
): CompiledOperator {
  const re = compilePcre(crsPattern(op.param), 's').re;
  const budget = afterMs;
  let spent = 0;
  let db: RegexDatabase | null | undefined = budget === 0 ? engineOf(op.param) : undefined;
  const v8 = (value: string, captures: string[] | null): boolean => {
    re.lastIndex = 0;
    const m = re.exec(value);
    if (m === null) return false;
    if (captures !== null) {
      captures.length = 0;
      for (let i = 0; i < Math.min(m.length, 10); i++) captures.push(m[i] ?? '');
    }
    return true;
  };
  return {
    ...base,
    match(value, _param, captures) {
      if (db != null && value.length > 0) {
        if (!engineMatches(db, value)) return false;
        return captures === null ? true : v8(value, captures);
      }
      if (db === null || value.length < TIMED_LENGTH) return v8(value, captures);
      const t0 = performance.now();
      const hit = v8(value, captures);
      spent += performance.now() - t0;
      if (spent > budget) {
        db = engineOf(op.param);
        if (db !== null) moved?.();
      }
      return hit;
    },
  };
}

/** The pattern alone on netsieve's engine (block mode), or null when it does not take it exactly. */
function engineOf(pattern: string): RegexDatabase | null {
  try {
    const db = compile([{ id: 0, expression: pattern, flags: 's' }], { mode: 'block' });
    return db.info().approximated.length === 0 ? db : null;
  } catch {
    return null;
  }
}

let scratch = Buffer.alloc(4096);
const stop = (): boolean => true;

function engineMatches(db: RegexDatabase, value: string): boolean {
  if (value.length > scratch.length) scratch = Buffer.alloc(Math.max(value.length, scratch.length * 2));
  const n = scratch.write(value, 0, 'latin1');
  return db.scan(scratch.subarray(0, n), stop) === 'terminated';
}

/** The phrases of a `@pm`/`@pmf`/`@pmFromFile` as binary strings in lower case (ASCII letters only). */
export function pmPhrases(op: SecOperator): string[] {
  return (op.phrases ?? op.param.split(/\s+/)).filter((p) => p !== '').map((p) => asciiLower(toBinary(p)));
}

/** Text as the bytes ModSecurity compares: its UTF-8 encoding, one character per byte (ASCII is unchanged). */
export function toBinary(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the test is for anything beyond ASCII
  return /[^\x00-\x7f]/.test(s) ? Buffer.from(s, 'utf8').toString('latin1') : s;
}

/** ASCII letters to lower case; every other byte as it is (C's tolower in the C locale). */
export function asciiLower(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s;
}

/** ModSecurity's string-to-number: leading digits (with a sign, after blanks), 0 when there are none. */
export function toInt(s: string): number {
  let i = 0;
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && (c < 0x09 || c > 0x0d)) break;
    i++;
  }
  let sign = 1;
  const c0 = s.charCodeAt(i);
  if (c0 === 0x2b || c0 === 0x2d) {
    if (c0 === 0x2d) sign = -1;
    i++;
  }
  const start = i;
  let v = 0;
  while (i < n) {
    const d = s.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) break;
    v = v * 10 + d;
    i++;
  }
  if (i === start) return 0;
  // Beyond 2^53 the digits are read as parseInt reads them (rounded), as before.
  return sign * (i - start > 15 ? Number.parseInt(s.slice(start, i), 10) : v);
}

function containsWord(v: string, word: string): boolean {
  if (word === '') return true;
  for (let i = v.indexOf(word); i >= 0; i = v.indexOf(word, i + 1)) {
    const before = i === 0 ? '' : v[i - 1]!;
    const after = i + word.length >= v.length ? '' : v[i + word.length]!;
    if (!isWordChar(before) && !isWordChar(after)) return true;
  }
  return false;
}

function isWordChar(c: string): boolean {
  return c !== '' && /[A-Za-z0-9_]/.test(c);
}

/** `@validateByteRange 1-255` or `9,10,13,32-126`: the allowed bytes. */
function byteRanges(param: string): Uint8Array {
  const ok = new Uint8Array(256);
  for (const part of param.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(part);
    if (m === null) continue;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    for (let b = lo; b <= Math.min(255, hi); b++) ok[b] = 1;
  }
  return ok;
}

/** `%` not followed by two hex digits. */
function invalidUrlEncoding(v: string): boolean {
  for (let i = v.indexOf('%'); i >= 0; i = v.indexOf('%', i + 1)) {
    if (i + 2 >= v.length || !isHex(v.charCodeAt(i + 1)) || !isHex(v.charCodeAt(i + 2))) return true;
  }
  return false;
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** Bytes that are not well-formed UTF-8 (overlong forms, surrogates, truncated sequences). */
function invalidUtf8(v: string): boolean {
  for (let i = 0; i < v.length; ) {
    const b = v.charCodeAt(i);
    let n: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    }
    if (b >= 0xc2 && b <= 0xdf) {
      n = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      n = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 3;
      min = 0x10000;
    } else return true;
    if (i + n >= v.length) return true; // truncated sequence
    let cp = b & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const c = v.charCodeAt(i + k);
      if (Number.isNaN(c) || (c & 0xc0) !== 0x80) return true;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return true;
    i += n + 1;
  }
  return false;
}

function ipInNet(ip: string, net: string): boolean {
  const [addr, len] = net.split('/');
  const a = ipBits(ip);
  const b = ipBits(addr ?? '');
  if (a === null || b === null || a.v !== b.v) return false;
  const width = a.v === 4 ? 32 : 128;
  const prefix = len === undefined ? width : Number(len);
  const shift = BigInt(width - prefix);
  return a.n >> shift === b.n >> shift;
}

function ipBits(s: string): { v: 4 | 6; n: bigint } | null {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(s)) return { v: 4, n: s.split('.').reduce((x, p) => (x << 8n) | BigInt(Number(p) & 255), 0n) };
  if (!s.includes(':')) return null;
  const [head, tail] = s.split('::') as [string, string | undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...Array(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t];
  if (groups.length !== 8) return null;
  return { v: 6, n: groups.reduce((x, g) => (x << 16n) | BigInt(Number.parseInt(g || '0', 16) & 0xffff), 0n) };
}
