/**
 * The parsed form of one pattern: what the parser (`syntax.ts`) produces and the compiler consumes.
 *
 * Everything the source syntax decides is already resolved here: case folding (flag `i` and inline `(?i)`)
 * is applied to the byte sets, `.` is a set (with or without `\n` per `s`), `^`/`$` are resolved to their
 * exact assertion per `m`, escapes and POSIX classes are sets, groups are gone (capturing or not, they only
 * group). The input is bytes: a set is a subset of 0..255.
 */

import type { Approximation } from './approximate.js';

/** A set of bytes, as 8 words of 32 bits (bit b of word b >> 5 is byte b). */
export class ByteSet {
  readonly words: Uint32Array;

  constructor(words?: Uint32Array) {
    this.words = words ?? new Uint32Array(8);
  }

  static of(...bytes: number[]): ByteSet {
    const s = new ByteSet();
    for (const b of bytes) s.add(b);
    return s;
  }

  static range(lo: number, hi: number): ByteSet {
    const s = new ByteSet();
    for (let b = lo; b <= hi; b++) s.add(b);
    return s;
  }

  static all(): ByteSet {
    return new ByteSet(new Uint32Array(8).fill(0xffffffff));
  }

  has(b: number): boolean {
    return (this.words[b >>> 5]! & (1 << (b & 31))) !== 0;
  }

  add(b: number): this {
    this.words[b >>> 5]! |= 1 << (b & 31);
    return this;
  }

  addRange(lo: number, hi: number): this {
    for (let b = lo; b <= hi; b++) this.add(b);
    return this;
  }

  union(o: ByteSet): ByteSet {
    const r = new ByteSet();
    for (let i = 0; i < 8; i++) r.words[i] = this.words[i]! | o.words[i]!;
    return r;
  }

  intersect(o: ByteSet): ByteSet {
    const r = new ByteSet();
    for (let i = 0; i < 8; i++) r.words[i] = this.words[i]! & o.words[i]!;
    return r;
  }

  complement(): ByteSet {
    const r = new ByteSet();
    for (let i = 0; i < 8; i++) r.words[i] = ~this.words[i]! >>> 0;
    return r;
  }

  isEmpty(): boolean {
    for (let i = 0; i < 8; i++) if (this.words[i] !== 0) return false;
    return true;
  }

  size(): number {
    let n = 0;
    for (let i = 0; i < 8; i++) {
      let w = this.words[i]!;
      while (w !== 0) {
        w &= w - 1;
        n++;
      }
    }
    return n;
  }

  equals(o: ByteSet): boolean {
    for (let i = 0; i < 8; i++) if (this.words[i] !== o.words[i]) return false;
    return true;
  }

  /** The bytes in the set, ascending. */
  bytes(): number[] {
    const out: number[] = [];
    for (let b = 0; b < 256; b++) if (this.has(b)) out.push(b);
    return out;
  }

  /** A stable text key (for maps). */
  key(): string {
    return Array.from(this.words, (w) => w.toString(16).padStart(8, '0')).join('');
  }
}

/**
 * Zero-width assertions, resolved from the source syntax and flags:
 * - `start`: `\A`, or `^` without `m` — offset 0 of the data (the stream's start).
 * - `line_start`: `^` with `m` — offset 0, or right after a `\n`.
 * - `end`: `\z` — the end of the data.
 * - `end_or_final_newline`: `\Z`, or `$` without `m` — the end, or right before a `\n` that is the last byte.
 * - `line_end`: `$` with `m` — the end, or right before a `\n`.
 * - `word_boundary` / `not_word_boundary`: `\b` / `\B`, with word bytes `[A-Za-z0-9_]` (the data's edges count as non-word).
 */
export type Assertion =
  | 'start'
  | 'line_start'
  | 'end'
  | 'end_or_final_newline'
  | 'line_end'
  | 'word_boundary'
  | 'not_word_boundary';

export type RegexNode =
  /** Matches the empty string (an empty alternative, `()`, `x{0}`). */
  | { kind: 'empty' }
  /** One byte from `set` (a literal byte, a class, `.`, an escape like `\d`). An empty set (`[^\x00-\xff]`) never matches. */
  | { kind: 'set'; set: ByteSet }
  | { kind: 'concat'; items: RegexNode[] }
  | { kind: 'alt'; items: RegexNode[] }
  /**
   * `item` repeated `min` to `max` times (`max` is `Infinity` when unbounded). `greedy` is false for lazy
   * forms (`*?`, `+?`, `??`, `{n,m}?`); it does not change which end offsets match, so the compiler may ignore it.
   */
  | { kind: 'repeat'; item: RegexNode; min: number; max: number; greedy: boolean }
  | { kind: 'assert'; assertion: Assertion };

/** Hyperscan's per-pattern flags that netsieve accepts. */
export interface PatternFlags {
  /** `i`: caseless (ASCII letters). Already applied to the AST's sets; kept for reference. */
  caseless: boolean;
  /** `s`: `.` matches `\n`. Already applied. */
  dotall: boolean;
  /** `m`: `^`/`$` at line boundaries. Already applied. */
  multiline: boolean;
  /** `H`: report the pattern at most once per scan (block) or per stream. */
  singleMatch: boolean;
  /** `L`: report the leftmost start offset of each match (otherwise `from` may be -1). */
  leftmost: boolean;
  /** `V` (HS_FLAG_ALLOWEMPTY): the pattern may match the empty string anywhere (`a*`). */
  allowEmpty: boolean;
  /** `8` (HS_FLAG_UTF8): non-ASCII characters in the expression stand for their UTF-8 bytes. */
  utf8: boolean;
  /**
   * `P` (HS_FLAG_PREFILTER): constructs outside the supported syntax are replaced by a superset
   * (approximate.ts); the caller confirms the matches. Already applied to the AST.
   */
  prefilter: boolean;
}

export interface ParsedPattern {
  ast: RegexNode;
  flags: PatternFlags;
  /**
   * What prefilter mode replaced by a superset (approximate.ts), in a fixed order; empty or absent when
   * the AST matches exactly what the expression does.
   */
  approximated?: readonly Approximation[];
}
