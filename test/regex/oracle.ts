/**
 * Reference matchers and random pattern/input generators for differential tests of the regex engine.
 *
 * What "a match" means here is what Hyperscan reports in block mode: every end offset `e` such that some
 * substring `data[s..e)` matches the pattern (with assertions evaluated against the whole buffer), each
 * with the leftmost such `s` (what HS_FLAG_SOM_LEFTMOST reports).
 *
 * Two independent references compute it from a ParsedPattern's AST, never from the source text, so that
 * they test the compiler and not the parser:
 * - `oracleMatches` translates the AST to a V8 RegExp and lets V8's backtracking engine decide each
 *   end offset. V8 explores every path, so it cannot miss a match; but a backtracker can take exponential
 *   time on ambiguous patterns (`(?:a|[ab])*c` on a long run of a's). Keep inputs short (≤ ~64 bytes for
 *   random patterns, ≤ ~200 for simple hand-written ones) and use `randomPattern`, which avoids the
 *   exponential shapes.
 * - `interpretMatches` walks the AST directly over sets of positions (a derivative-free "which ends can
 *   this node reach from here" recursion, memoized). It is polynomial for every pattern and shares no code
 *   with the V8 path; oracle.test.ts checks the two agree on thousands of random patterns.
 *
 * The generators are seeded (`rand` is any `() => number` in [0, 1), e.g. `mulberry32(seed)`) so that a
 * failing case can be replayed from its seed.
 */
import type { Assertion, ParsedPattern, RegexNode } from '../../src/regex/ast.js';
import type { ByteSet } from '../../src/regex/ast.js';

export { mulberry32 } from '../helpers/packets.js';

/** One reported match: the end offset, and the leftmost start of a match ending there. */
export interface OracleMatch {
  end: number;
  start: number;
}

/** Inputs longer than this are refused: the references are quadratic at best (see the file comment). */
export const ORACLE_MAX_INPUT = 4096;

// ---------------------------------------------------------------------------------------------- V8 oracle

function hex2(b: number): string {
  return `\\x${b.toString(16).padStart(2, '0')}`;
}

/** A JS character class for `set`, written only with \xHH escapes and ranges over \x00-\xff. */
function jsClass(set: ByteSet): string {
  let out = '[';
  let b = 0;
  while (b < 256) {
    if (!set.has(b)) {
      b++;
      continue;
    }
    let hi = b;
    while (hi + 1 < 256 && set.has(hi + 1)) hi++;
    out += hi === b ? hex2(b) : hi === b + 1 ? hex2(b) + hex2(hi) : `${hex2(b)}-${hex2(hi)}`;
    b = hi + 1;
  }
  // `[]` matches nothing in a non-unicode JS regex, which is what an empty set means.
  return `${out}]`;
}

/**
 * The JS lookarounds for each assertion, over a latin1 string that holds the whole buffer. JS's `\b` (no `u`,
 * no `i` flag) uses `[A-Za-z0-9_]` and treats the string's edges as non-word, exactly as ast.ts defines it.
 */
const JS_ASSERTION: Readonly<Record<Assertion, string>> = {
  start: '(?<![\\s\\S])',
  line_start: '(?<![^\\n])',
  end: '(?![\\s\\S])',
  end_or_final_newline: '(?=\\n?(?![\\s\\S]))',
  line_end: '(?=\\n|(?![\\s\\S]))',
  word_boundary: '\\b',
  not_word_boundary: '\\B',
};

/**
 * A JS regex source equivalent to `node`, for use without flags (no `i`, `m`, `s`, `u`: case folding, `.` and
 * multiline are already resolved in the AST). Every node renders as a self-delimited unit, so the pieces
 * concatenate safely; repeats always wrap their item in `(?:...)`, which also makes repeated lookarounds legal.
 */
export function toJsRegexSource(node: RegexNode): string {
  switch (node.kind) {
    case 'empty':
      return '(?:)';
    case 'set':
      return jsClass(node.set);
    case 'assert':
      return JS_ASSERTION[node.assertion];
    case 'concat':
      return `(?:${node.items.map(toJsRegexSource).join('')})`;
    case 'alt':
      return `(?:${node.items.map(toJsRegexSource).join('|')})`;
    case 'repeat': {
      const bounds =
        node.max === Infinity ? `{${node.min},}` : node.min === node.max ? `{${node.min}}` : `{${node.min},${node.max}}`;
      return `(?:${toJsRegexSource(node.item)})${bounds}${node.greedy ? '' : '?'}`;
    }
  }
}

/** The buffer as a JS string with one char per byte (U+0000..U+00FF), so `[\x80-\xff]` means bytes. */
export function latin1(data: Uint8Array): string {
  let s = '';
  for (let i = 0; i < data.length; i += 4096) s += String.fromCharCode(...data.subarray(i, i + 4096));
  return s;
}

function checkInput(data: Uint8Array): void {
  if (data.length > ORACLE_MAX_INPUT) {
    throw new RangeError(`oracle input is ${data.length} bytes; the references are meant for inputs up to ${ORACLE_MAX_INPUT}`);
  }
}

/**
 * Every end offset where `parsed` matches in `data`, with the leftmost start of a match ending there,
 * sorted by end. Computed with V8 lookbehinds, which match their body right to left from the current
 * offset and try every path and every start before giving up:
 * - a match ends at `e` iff `(?<=(?:P))` holds at `e` (tested with a sticky regex at lastIndex `e`);
 * - "a match ending at `e` starts at or before `s`" is `(?<=(?<![\s\S])[\s\S]{0,s}(?:P))` at `e`. That is
 *   monotone in `s`, so the leftmost start is found by binary search.
 * This is the same question as the forward formulation "the smallest `s` such that `(?:P)(?=[\s\S]{n}(?![\s\S]))`
 * matches at `s`" (n = length - e), which oracle.test.ts checks it against, with O(n log n) regex runs
 * instead of O(n²).
 */
export function oracleMatches(parsed: ParsedPattern, data: Uint8Array): OracleMatch[] {
  return jsSourceMatches(toJsRegexSource(parsed.ast), data);
}

/**
 * `oracleMatches` for a JS regex source `body` written for byte semantics (no flags; each char of the
 * latin1 text is one byte): the same formulation, for tests that write their reference by hand.
 */
export function jsSourceMatches(body: string, data: Uint8Array): OracleMatch[] {
  checkInput(data);
  const text = latin1(data);
  const endsHere = new RegExp(`(?<=(?:${body}))`, 'y');
  const startAtMost: RegExp[] = [];
  const startsAtMost = (s: number, e: number): boolean => {
    const re = (startAtMost[s] ??= new RegExp(`(?<=(?<![\\s\\S])[\\s\\S]{0,${s}}(?:${body}))`, 'y'));
    re.lastIndex = e;
    return re.test(text);
  };
  const out: OracleMatch[] = [];
  for (let e = 0; e <= data.length; e++) {
    endsHere.lastIndex = e;
    if (!endsHere.test(text)) continue;
    let lo = 0;
    let hi = e;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (startsAtMost(mid, e)) hi = mid;
      else lo = mid + 1;
    }
    out.push({ end: e, start: lo });
  }
  return out;
}

/**
 * `oracleMatches` as the forward search: for each end `e`, `(?=[\s\S]{n})(?:P)(?=[\s\S]{n}(?![\s\S]))` (n = length
 * - e) searched from offset 0; JS tries starts in increasing order with every path at each, so the first hit
 * is the leftmost start. O(n²) start attempts: kept to cross-check the lookbehind formulation on short inputs.
 */
export function oracleMatchesForward(parsed: ParsedPattern, data: Uint8Array): OracleMatch[] {
  checkInput(data);
  const text = latin1(data);
  const body = toJsRegexSource(parsed.ast);
  const out: OracleMatch[] = [];
  for (let e = 0; e <= data.length; e++) {
    const n = data.length - e;
    const m = new RegExp(`(?=[\\s\\S]{${n}})(?:${body})(?=[\\s\\S]{${n}}(?![\\s\\S]))`).exec(text);
    if (m !== null) out.push({ end: e, start: m.index });
  }
  return out;
}

// ----------------------------------------------------------------------------------- AST interpreter

function isWordByte(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f;
}

/** Whether `a` holds at offset `i` of `data` (between byte i-1 and byte i), straight from ast.ts's definitions. */
export function assertionHolds(a: Assertion, data: Uint8Array, i: number): boolean {
  const n = data.length;
  switch (a) {
    case 'start':
      return i === 0;
    case 'line_start':
      return i === 0 || data[i - 1] === 0x0a;
    case 'end':
      return i === n;
    case 'end_or_final_newline':
      return i === n || (i === n - 1 && data[i] === 0x0a);
    case 'line_end':
      return i === n || data[i] === 0x0a;
    case 'word_boundary':
    case 'not_word_boundary': {
      const before = i > 0 && isWordByte(data[i - 1]!);
      const after = i < n && isWordByte(data[i]!);
      return (before !== after) === (a === 'word_boundary');
    }
  }
}

/**
 * The same answer as `oracleMatches`, computed by interpreting the AST: `ends(node, i)` is the set of
 * offsets `j` such that `node` matches `data[i..j)`, memoized per node and offset. A repeat runs its item
 * layer by layer (layer k = ends after k iterations); below `min` a layer that repeats itself is skipped
 * ahead, and from `min` on an offset already reached is not expanded again, so even `(?:a?){10000}` or
 * `(?:a*)*` cost O(n) layers.
 */
export function interpretMatches(parsed: ParsedPattern, data: Uint8Array): OracleMatch[] {
  checkInput(data);
  const n = data.length;
  const memo = new Map<RegexNode, (number[] | undefined)[]>();

  const ends = (node: RegexNode, i: number): number[] => {
    let row = memo.get(node);
    if (row === undefined) {
      row = new Array<number[] | undefined>(n + 1);
      memo.set(node, row);
    }
    const cached = row[i];
    if (cached !== undefined) return cached;
    const result = compute(node, i);
    row[i] = result;
    return result;
  };

  const stepAll = (item: RegexNode, from: Iterable<number>): Set<number> => {
    const next = new Set<number>();
    for (const p of from) for (const q of ends(item, p)) next.add(q);
    return next;
  };

  const sameSet = (a: Set<number>, b: Set<number>): boolean => {
    if (a.size !== b.size) return false;
    for (const x of a) if (!b.has(x)) return false;
    return true;
  };

  const compute = (node: RegexNode, i: number): number[] => {
    switch (node.kind) {
      case 'empty':
        return [i];
      case 'set':
        return i < n && node.set.has(data[i]!) ? [i + 1] : [];
      case 'assert':
        return assertionHolds(node.assertion, data, i) ? [i] : [];
      case 'concat': {
        let cur = new Set<number>([i]);
        for (const item of node.items) {
          cur = stepAll(item, cur);
          if (cur.size === 0) break;
        }
        return [...cur].sort((a, b) => a - b);
      }
      case 'alt': {
        const all = new Set<number>();
        for (const item of node.items) for (const j of ends(item, i)) all.add(j);
        return [...all].sort((a, b) => a - b);
      }
      case 'repeat': {
        let layer = new Set<number>([i]);
        let k = 0;
        while (k < node.min) {
          const next = stepAll(node.item, layer);
          k++;
          if (sameSet(next, layer)) {
            k = node.min; // every later layer is this one again
          }
          layer = next;
          if (layer.size === 0) return [];
        }
        const result = new Set<number>(layer);
        let frontier = layer;
        while (k < node.max && frontier.size > 0) {
          const next = stepAll(node.item, frontier);
          k++;
          frontier = new Set<number>();
          for (const j of next) {
            if (!result.has(j)) {
              result.add(j);
              frontier.add(j);
            }
          }
        }
        return [...result].sort((a, b) => a - b);
      }
    }
  };

  const best = new Array<number>(n + 1).fill(-1);
  for (let s = 0; s <= n; s++) {
    for (const e of ends(parsed.ast, s)) if (best[e] === -1) best[e] = s;
  }
  const out: OracleMatch[] = [];
  for (let e = 0; e <= n; e++) if (best[e]! >= 0) out.push({ end: e, start: best[e]! });
  return out;
}

// ----------------------------------------------------------------------------------- random patterns

export interface RandomPatternOptions {
  /** Characters (each U+0000..U+00FF) that literals and classes are drawn from. Default `"ab\n -_1"`. */
  alphabet?: string;
  /** Group nesting depth. Default 3. */
  maxDepth?: number;
  /** Items per concatenation. Default 4. */
  maxItems?: number;
  /** Use `^ $ \A \z \Z \b \B`. Default true. */
  assertions?: boolean;
  /** Use inline options `(?i)`, `(?s:...)`, `(?x)`, ... Default true. */
  inlineFlags?: boolean;
  /** Put random `i`, `s`, `m` in the flags string. Default true. */
  flags?: boolean;
  /** Also put random `H` and `L` in the flags string (they change reporting, not matching). Default false. */
  reportFlags?: boolean;
  /** Sometimes use bytes 0x80..0xff (as \x escapes or in classes). Default true. */
  highBytes?: boolean;
  /**
   * How many unbounded repeats (`*`, `+`, `{n,}`) a pattern may hold, counting one inside `{m}` as m. The
   * V8 oracle's cost grows like n^(stars+2) on failing inputs; 3 keeps 64-byte inputs in milliseconds.
   */
  maxStars?: number;
}

export interface RandomPattern {
  expression: string;
  flags: string;
}

interface GenMode {
  caseless: boolean;
  extended: boolean;
}

interface Piece {
  src: string;
  nullable: boolean;
  /** Safe as the body of an unbounded repeat: matches each string in at most one way, never empty. */
  simple: boolean;
}

const META_OUTSIDE = new Set('\\^$.|?*+()[]{}');
const META_INSIDE = new Set('\\]^-[.=:');

/**
 * A random pattern in the syntax netsieve accepts, with its flags string, biased to match random inputs
 * drawn from `opts.alphabet`: literals and classes come from that alphabet, negated classes exclude little,
 * repeats are short. Every result parses (it never matches the empty string) and avoids the shapes that make
 * a backtracking oracle exponential: an unbounded repeat only ever wraps a single set, a fixed sequence of
 * sets, or literal alternatives with distinct first bytes.
 *
 * Covers: literals (plain, escaped metacharacters, `\xHH`, `\x{HH}`, `\0oo`, `\o{...}`, `\cX`, `\n`-style
 * escapes, raw bytes, `\Q...\E`), classes (ranges, negation, escapes, POSIX names), `.`, `\d \w \s \h \v \N`
 * and negations, anchors and `\b \B`, all group forms (capturing, `(?:`, named, scoped options), comments,
 * alternation with empty branches, `* + ? {n} {n,} {n,m}` each greedy or lazy, inline options with scoping,
 * extended mode with whitespace and `#` comments, and a flags string.
 */
export function randomPattern(rand: () => number, opts: RandomPatternOptions = {}): RandomPattern {
  const alphabet = opts.alphabet ?? 'ab\n -_1';
  const maxDepth = opts.maxDepth ?? 3;
  const maxItems = opts.maxItems ?? 4;
  const useAssertions = opts.assertions ?? true;
  const useInline = opts.inlineFlags ?? true;
  const highBytes = opts.highBytes ?? true;
  let stars = opts.maxStars ?? 3;
  let names = 0;

  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const chance = (p: number): boolean => rand() < p;
  const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
  const alphaBytes = Array.from(alphabet, (ch) => ch.charCodeAt(0));
  const byte = (): number => (highBytes && chance(0.04) ? int(0x80, 0xff) : pick(alphaBytes));

  let flags = '';
  if (opts.flags ?? true) {
    for (const f of ['i', 's', 'm']) if (chance(0.25)) flags += f;
  }
  if (opts.reportFlags) {
    for (const f of ['H', 'L']) if (chance(0.3)) flags += f;
  }
  flags = Array.from(flags)
    .sort(() => rand() - 0.5)
    .join('');

  const mode: GenMode = { caseless: flags.includes('i'), extended: false };

  /** Whitespace or a comment that extended mode ignores, or a (?#...) comment, between two tokens. */
  const filler = (): string => {
    if (mode.extended && chance(0.25)) return pick([' ', '  ', '\t', ' # note\n', '\n']);
    if (chance(0.02)) return '(?#c)';
    return '';
  };

  const literal = (b: number): string => {
    const ch = String.fromCharCode(b);
    const isLetter = /[A-Za-z]/.test(ch);
    const r = rand();
    if (r < 0.15 || b >= 0x80 || b < 0x20 || b === 0x7f) {
      // An escape for any byte; the fixed-width forms cannot swallow a following digit.
      const forms = [hex2(b), `\\x{${b.toString(16)}}`, `\\o{${b.toString(8)}}`];
      if (b < 0o100) forms.push(`\\0${b.toString(8).padStart(2, '0')}`);
      if (b >= 1 && b <= 26) forms.push(`\\c${String.fromCharCode(0x40 + b)}`);
      const named: Record<number, string> = { 10: '\\n', 13: '\\r', 9: '\\t', 12: '\\f', 27: '\\e', 7: '\\a' };
      if (named[b] !== undefined) forms.push(named[b]!, named[b]!);
      // No raw character for b >= 0x80: a non-ASCII character in a pattern stands for its UTF-8 bytes, not for
      // one byte (utf8.test.ts tests those against V8 on its own).
      return pick(forms);
    }
    if (META_OUTSIDE.has(ch)) return `\\${ch}`;
    if (mode.extended && (b === 0x20 || b === 0x23)) return pick([`\\${ch}`, hex2(b), `[${ch}]`]);
    if (isLetter && mode.caseless && chance(0.5)) return ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase();
    if (!isLetter && /[0-9A-Za-z]/.test(ch) === false && chance(0.1)) return `\\${ch}`; // escaped punctuation
    return ch;
  };

  const classChar = (b: number, flipCase = true): string => {
    const ch = String.fromCharCode(b);
    if (b < 0x20 || b >= 0x7f) return chance(0.5) || b >= 0x80 ? hex2(b) : b === 0x0a ? '\\n' : hex2(b);
    if (META_INSIDE.has(ch)) return `\\${ch}`;
    if (flipCase && /[A-Za-z]/.test(ch) && mode.caseless && chance(0.4))
      return ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase();
    return ch;
  };

  const classBody = (): string => {
    const parts: string[] = [];
    const count = int(1, 3);
    for (let k = 0; k < count; k++) {
      const r = rand();
      if (r < 0.45) parts.push(classChar(byte()));
      else if (r < 0.65) {
        let lo = byte();
        let hi = byte();
        if (lo > hi) [lo, hi] = [hi, lo];
        // Range ends keep their case: flipping one could turn a-b into a-B, which is out of order.
        parts.push(`${classChar(lo, false)}-${classChar(hi, false)}`);
      } else if (r < 0.85) parts.push(pick(['\\d', '\\w', '\\s', '\\h', '\\v', '\\D', '\\W', '\\S', '\\n', '\\x20', '\\b']));
      else
        parts.push(
          pick([
            '[:alpha:]',
            '[:digit:]',
            '[:space:]',
            '[:punct:]',
            '[:word:]',
            '[:lower:]',
            '[:^alpha:]',
            '[:blank:]',
            '[:alnum:]',
          ]),
        );
    }
    return parts.join('');
  };

  /** A single set: a literal, a class, an escape or `.`. */
  const setAtom = (): string => {
    const r = rand();
    if (r < 0.5) return literal(byte());
    if (r < 0.72) return chance(0.2) ? `[^${classBody()}]` : `[${classBody()}]`;
    if (r < 0.9) return pick(['\\d', '\\w', '\\s', '\\h', '\\v', '\\N', '\\W', '\\S', '\\D', '\\H', '\\V']);
    return '.';
  };

  /** A body safe under `*`: sets in sequence, or literal strings with distinct first bytes as alternatives. */
  const simpleGroup = (): string => {
    if (chance(0.5)) {
      let s = '';
      const count = int(1, 3);
      for (let k = 0; k < count; k++) s += setAtom();
      return `(?:${s})`;
    }
    const firsts = [...new Set(alphaBytes.map((b) => String.fromCharCode(b).toLowerCase().charCodeAt(0)))];
    const branches: string[] = [];
    const count = Math.min(int(2, 3), firsts.length);
    for (let k = 0; k < count; k++) {
      const first = firsts.splice(Math.floor(rand() * firsts.length), 1)[0]!;
      let s = literal(first);
      const more = int(0, 2);
      for (let m = 0; m < more; m++) s += literal(pick(alphaBytes));
      branches.push(s);
    }
    return `(?:${branches.join('|')})`;
  };

  const quantifier = (unbounded: boolean): { text: string; min: number } => {
    let text: string;
    let min: number;
    if (unbounded) {
      const r = rand();
      if (r < 0.45) [text, min] = ['*', 0];
      else if (r < 0.85) [text, min] = ['+', 1];
      else {
        min = int(0, 2);
        text = `{${min},}`;
      }
    } else {
      const r = rand();
      if (r < 0.5) [text, min] = ['?', 0];
      else if (r < 0.75) {
        min = int(0, 3);
        text = `{${min}}`;
      } else {
        min = int(0, 2);
        text = `{${min},${min + int(0, 3)}}`;
      }
    }
    if (chance(0.3)) text += '?';
    return { text, min };
  };

  const boundedMax = (text: string): number => {
    if (text.startsWith('?')) return 1;
    const m = /^\{(\d+)(?:,(\d*))?\}/.exec(text)!;
    return m[2] === undefined ? Number(m[1]) : Number(m[2]);
  };

  let multiplier = 1;

  const alternation = (depth: number): Piece => {
    const count = chance(0.65) ? 1 : chance(0.75) ? 2 : 3;
    const branches: Piece[] = [];
    for (let k = 0; k < count; k++)
      branches.push(chance(0.05) && count > 1 ? { src: '', nullable: true, simple: false } : concatenation(depth));
    return { src: branches.map((b) => b.src).join('|'), nullable: branches.some((b) => b.nullable), simple: false };
  };

  const concatenation = (depth: number): Piece => {
    let src = '';
    let nullable = true;
    const count = int(1, maxItems);
    for (let k = 0; k < count; k++) {
      src += filler();
      const r = rand();
      if (useAssertions && r < 0.1) {
        src += pick(['^', '$', '\\A', '\\z', '\\Z', '\\b', '\\B', '\\b', '\\B', '^', '$']);
        continue;
      }
      if (useInline && r < 0.14) {
        const letter = pick(['i', 's', 'm', 'x']);
        const on = chance(0.6);
        src += on ? `(?${letter})` : `(?-${letter})`;
        if (letter === 'i') mode.caseless = on;
        if (letter === 'x') mode.extended = on;
        continue;
      }
      if (r < 0.17) {
        // \Q...\E: literal bytes without escapes (no backslash, so no premature \E), ASCII only (a
        // non-ASCII character needs flag 8 and is UTF-8, see utf8.test.ts).
        let q = '';
        const len = int(1, 3);
        for (let m = 0; m < len; m++) {
          const b = pick(alphaBytes);
          q += b === 0x5c || b >= 0x80 ? 'x' : String.fromCharCode(b);
        }
        src += `\\Q${q}\\E`;
        nullable = false;
        continue;
      }
      const item = quantified(depth);
      src += item.src;
      nullable &&= item.nullable;
    }
    return { src, nullable, simple: false };
  };

  const quantified = (depth: number): Piece => {
    if (!chance(0.35)) return atom(depth);
    const unbounded = stars >= multiplier && chance(0.5);
    if (unbounded) {
      stars -= multiplier;
      const body = chance(0.7) ? setAtom() : simpleGroup();
      const q = quantifier(true);
      return { src: body + filler() + q.text, nullable: q.min === 0, simple: false };
    }
    const q = quantifier(false);
    const saved = multiplier;
    multiplier *= Math.max(1, boundedMax(q.text));
    const body = atom(depth);
    multiplier = saved;
    return { src: body.src + filler() + q.text, nullable: q.min === 0 || body.nullable, simple: false };
  };

  const atom = (depth: number): Piece => {
    if (depth < maxDepth && chance(0.25)) {
      const saved = { ...mode };
      const r = rand();
      let open: string;
      if (r < 0.3) open = '(';
      else if (r < 0.6) open = '(?:';
      else if (r < 0.7) open = pick([`(?<n${names}>`, `(?P<n${names}>`, `(?'n${names}'`]);
      else if (useInline) {
        const letter = pick(['i', 's', 'm', 'x', 'i-s', 's-i', 'im', 'x-i']);
        const neg = chance(0.3) && !letter.includes('-');
        open = neg ? `(?-${letter}:` : `(?${letter}:`;
        const [onPart, offPart] = neg ? ['', letter] : (letter.split('-') as [string, string?]);
        if (onPart.includes('i')) mode.caseless = true;
        if (onPart.includes('x')) mode.extended = true;
        if (offPart?.includes('i')) mode.caseless = false;
        if (offPart?.includes('x')) mode.extended = false;
      } else open = '(?:';
      if (open.includes('<n') || open.includes("'n")) names++;
      const body = alternation(depth + 1);
      Object.assign(mode, saved);
      return { src: `${open}${body.src})`, nullable: body.nullable, simple: false };
    }
    return { src: setAtom(), nullable: false, simple: true };
  };

  const initial = { ...mode };
  const top = alternation(0);
  let expression = top.src;
  if (top.nullable) {
    Object.assign(mode, initial);
    expression = `(?:${expression})${literal(pick(alphaBytes))}`;
  }
  return { expression, flags };
}

/** `len` random bytes drawn from the characters of `alphabet` (each U+0000..U+00FF). */
export function randomInput(rand: () => number, len: number, alphabet = 'ab\n -_1'): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = alphabet.charCodeAt(Math.floor(rand() * alphabet.length)) & 0xff;
  return out;
}
