/**
 * The byte sets the pattern syntax names: `\d \w \s \h \v` and their negations, the POSIX classes, `.`,
 * and ASCII case folding.
 *
 * netsieve's classes are PCRE's non-UTF-8 mode with the default "C" locale tables, which is what Hyperscan
 * does without HS_FLAG_UTF8/HS_FLAG_UCP (non-ASCII characters written in a pattern are their UTF-8 bytes,
 * see syntax.ts, but classes stay byte sets): every class is ASCII-only, bytes 0x80..0xFF belong to no
 * named class except the negated ones and `\h` (0xA0) / `\v` (0x85), which PCRE defines by code point,
 * not by locale.
 *
 * Each function returns a fresh ByteSet: AST nodes own their sets and a compiler may keep or reuse them.
 */
import { ByteSet } from './ast.js';

function build(fill: (s: ByteSet) => void): ByteSet {
  const s = new ByteSet();
  fill(s);
  return s;
}

const DIGIT = build((s) => s.addRange(0x30, 0x39));
const UPPER = build((s) => s.addRange(0x41, 0x5a));
const LOWER = build((s) => s.addRange(0x61, 0x7a));
const ALPHA = UPPER.union(LOWER);
const ALNUM = ALPHA.union(DIGIT);
const WORD = ALNUM.union(ByteSet.of(0x5f));
// PCRE2 (and PCRE 8.34+) count VT (0x0b) in \s, as Perl 5.18 does; [:space:] has always had it.
const SPACE = ByteSet.of(0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20);
// \h and \v in 8-bit non-UTF mode: the Unicode horizontal / vertical spaces that fit in one byte.
const HSPACE = ByteSet.of(0x09, 0x20, 0xa0);
const VSPACE = ByteSet.of(0x0a, 0x0b, 0x0c, 0x0d, 0x85);
const XDIGIT = DIGIT.union(ByteSet.range(0x41, 0x46)).union(ByteSet.range(0x61, 0x66));
const GRAPH = ByteSet.range(0x21, 0x7e);
const PRINT = ByteSet.range(0x20, 0x7e);
const PUNCT = GRAPH.intersect(ALNUM.complement());
const CNTRL = ByteSet.range(0x00, 0x1f).union(ByteSet.of(0x7f));
const BLANK = ByteSet.of(0x09, 0x20);
const ASCII = ByteSet.range(0x00, 0x7f);
const NEWLINE = ByteSet.of(0x0a);

function copy(s: ByteSet): ByteSet {
  return new ByteSet(s.words.slice());
}

/** The POSIX class names PCRE accepts inside a bracket expression (`[[:alpha:]]`), with their ASCII sets. */
const POSIX_CLASSES: ReadonlyMap<string, ByteSet> = new Map([
  ['alnum', ALNUM],
  ['alpha', ALPHA],
  ['ascii', ASCII],
  ['blank', BLANK],
  ['cntrl', CNTRL],
  ['digit', DIGIT],
  ['graph', GRAPH],
  ['lower', LOWER],
  ['print', PRINT],
  ['punct', PUNCT],
  ['space', SPACE],
  ['upper', UPPER],
  ['word', WORD],
  ['xdigit', XDIGIT],
]);

export function isPosixClassName(name: string): boolean {
  return POSIX_CLASSES.has(name);
}

/**
 * The set of `[:name:]` (or `[:^name:]` when `negated`). Under caseless matching PCRE widens `lower` and
 * `upper` to `alpha` *before* negating, so `[[:^lower:]]` with `i` excludes every letter; folding the
 * negated set afterwards would instead include every letter. Returns undefined for an unknown name.
 */
export function posixClassSet(name: string, negated: boolean, caseless: boolean): ByteSet | undefined {
  let base = POSIX_CLASSES.get(name);
  if (base === undefined) return undefined;
  if (caseless && (name === 'lower' || name === 'upper')) base = ALPHA;
  return negated ? base.complement() : copy(base);
}

/** The set a class escape letter stands for (`d D w W s S h H v V`), or undefined for other letters. */
export function classEscapeSet(letter: string): ByteSet | undefined {
  switch (letter) {
    case 'd':
      return copy(DIGIT);
    case 'D':
      return DIGIT.complement();
    case 'w':
      return copy(WORD);
    case 'W':
      return WORD.complement();
    case 's':
      return copy(SPACE);
    case 'S':
      return SPACE.complement();
    case 'h':
      return copy(HSPACE);
    case 'H':
      return HSPACE.complement();
    case 'v':
      return copy(VSPACE);
    case 'V':
      return VSPACE.complement();
    default:
      return undefined;
  }
}

/** `.` (every byte but `\n`, or every byte with `s`), and `\N` (never `\n`, whatever the flags). */
export function dotSet(dotall: boolean): ByteSet {
  return dotall ? ByteSet.all() : NEWLINE.complement();
}

/**
 * Adds the other case of every ASCII letter in `s` (in place) and returns `s`. Caseless matching in
 * non-UTF mode with the C locale pairs only A-Z with a-z; bytes 0x80..0xFF have no case.
 */
export function foldCase(s: ByteSet): ByteSet {
  for (let upper = 0x41; upper <= 0x5a; upper++) {
    const lower = upper + 0x20;
    if (s.has(upper)) s.add(lower);
    else if (s.has(lower)) s.add(upper);
  }
  return s;
}

/** Word bytes for `\b`/`\B` (`[A-Za-z0-9_]`), exported for tests and the compiler's assertion tables. */
export function wordSet(): ByteSet {
  return copy(WORD);
}
