/**
 * Empty matches, as Hyperscan 5.4 reports them.
 *
 * Which patterns compile: Hyperscan refuses a pattern only when it can match the empty string with no
 * assertion on the way ("Pattern matches empty buffer"): `a*`, `(a|)`, `(?:\b)?` need HS_FLAG_ALLOWEMPTY
 * (flag `V`), while `^$`, `^0?$`, `\b`, `a?$`, `x|^$` and even `\b|\B` compile as they are (checked against
 * libhs 5.4 by test/regex/empty.test.ts). `matchesEmptyUnconditionally` is that rule.
 *
 * How they are matched: a pattern P that can match empty is split in two at compile time.
 * - `withoutEmpty(P)`: an AST matching exactly P's non-empty matches. The engines take it unchanged: they
 *   were built and tested for patterns that consume at least one byte.
 * - `emptyContexts(P)`: where P matches empty. An empty match is zero-width, so only assertions decide it,
 *   and every assertion at an offset depends only on the byte before it (`PrevKind`) and what comes after
 *   it (`NextKind`: end of data, a final `\n`, another `\n`, a word byte, anything else). P's empty match
 *   is thus a set of the 4 × 5 contexts, a 20-bit mask; the scanner classifies each offset and reports P
 *   where its mask has the offset's context (scanner.ts), at the end offset, with start = end.
 * Where a non-empty match and an empty match end at the same offset, the pattern is reported once.
 *
 * One departure from netsieve's engines, on purpose: multiline `^` does not hold at the end of data right
 * after a final `\n` (PCRE's rule, which Hyperscan follows: `(?m)^$` on "a\n" reports nothing). It only
 * shows in empty matches: a non-empty match cannot start at the end of the data.
 */
import type { Assertion, RegexNode } from './ast.js';
import { ByteSet } from './ast.js';
import { altNode, concatNode, emptyNode, isNullable, repeatNode, setNode } from './syntax-nodes.js';

/** The byte before an offset. */
export const PrevKind = { START: 0, NL: 1, WORD: 2, OTHER: 3 } as const;
/** What follows an offset. NL_FINAL: a `\n` that is the data's last byte. */
export const NextKind = { EOD: 0, NL_FINAL: 1, NL: 2, WORD: 3, OTHER: 4 } as const;
export const NEXT_KINDS = 5;
/** Contexts: `prev * NEXT_KINDS + next`. */
export const CONTEXTS = 4 * NEXT_KINDS;

/** A concatenation of this many optional items at the start of a pattern is refused (see `withoutEmpty`). */
export const MAX_NULLABLE_RUN = 400;

/** Hyperscan's rule: can the pattern match the empty string without passing any assertion? */
export function matchesEmptyUnconditionally(node: RegexNode): boolean {
  switch (node.kind) {
    case 'empty':
      return true;
    case 'set':
    case 'assert':
      return false;
    case 'concat':
      return node.items.every(matchesEmptyUnconditionally);
    case 'alt':
      return node.items.some(matchesEmptyUnconditionally);
    case 'repeat':
      return node.min === 0 || matchesEmptyUnconditionally(node.item);
  }
}

/** Whether an assertion holds at an offset in context (`prev`, `next`), for an empty match. */
function holds(a: Assertion, prev: number, next: number): boolean {
  const eod = next === NextKind.EOD;
  const nl = next === NextKind.NL || next === NextKind.NL_FINAL;
  switch (a) {
    case 'start':
      return prev === PrevKind.START;
    case 'line_start':
      return prev === PrevKind.START || (prev === PrevKind.NL && !eod);
    case 'end':
      return eod;
    case 'end_or_final_newline':
      return eod || next === NextKind.NL_FINAL;
    case 'line_end':
      return eod || nl;
    case 'word_boundary':
      return (prev === PrevKind.WORD) !== (next === NextKind.WORD);
    case 'not_word_boundary':
      return (prev === PrevKind.WORD) === (next === NextKind.WORD);
  }
}

function emptyIn(node: RegexNode, prev: number, next: number): boolean {
  switch (node.kind) {
    case 'empty':
      return true;
    case 'set':
      return false;
    case 'assert':
      return holds(node.assertion, prev, next);
    case 'concat':
      return node.items.every((n) => emptyIn(n, prev, next));
    case 'alt':
      return node.items.some((n) => emptyIn(n, prev, next));
    case 'repeat':
      return node.min === 0 || emptyIn(node.item, prev, next);
  }
}

/** The contexts (bit `prev * NEXT_KINDS + next`) in which the pattern matches the empty string; 0 if none. */
export function emptyContexts(node: RegexNode): number {
  let mask = 0;
  for (let prev = 0; prev < 4; prev++)
    for (let next = 0; next < NEXT_KINDS; next++) if (emptyIn(node, prev, next)) mask |= 1 << (prev * NEXT_KINDS + next);
  return mask;
}

/** A node that never matches (an empty byte set). */
function never(): RegexNode {
  return setNode(new ByteSet());
}

/**
 * `node` restricted to its empty matches: the assertions it passes when it consumes nothing (null: it
 * cannot match empty). Zero-width, so a repeat of it is the item once.
 */
function zeroWidth(node: RegexNode): RegexNode | null {
  switch (node.kind) {
    case 'empty':
    case 'assert':
      return node;
    case 'set':
      return null;
    case 'concat': {
      const items: RegexNode[] = [];
      for (const n of node.items) {
        const z = zeroWidth(n);
        if (z === null) return null;
        items.push(z);
      }
      return concatNode(items);
    }
    case 'alt': {
      const items = node.items.map(zeroWidth).filter((z): z is RegexNode => z !== null);
      return items.length === 0 ? null : altNode(items);
    }
    case 'repeat':
      return node.min === 0 ? emptyNode() : zeroWidth(node.item);
  }
}

/**
 * `node` restricted to its non-empty matches (null: it has none). Exact: it matches the same (start, end)
 * pairs with start < end, assertions included. A subtree that cannot match empty is kept as it is.
 *
 * A concatenation a1..ak is built left to right: X_j = X_(j-1) a_j | Z(a1..a_(j-1)) NE(a_j), "something was
 * consumed before a_j" or "a_j consumes the first byte after a1..a_(j-1) matched empty", which keeps the
 * size linear. Its nesting grows with the run of items that can match empty, hence `MAX_NULLABLE_RUN`.
 */
export function withoutEmpty(node: RegexNode): RegexNode | null {
  if (!isNullable(node)) return node;
  switch (node.kind) {
    case 'empty':
    case 'assert':
      return null;
    case 'set':
      return node;
    case 'alt': {
      const items = node.items.map(withoutEmpty).filter((z): z is RegexNode => z !== null);
      return items.length === 0 ? null : altNode(items);
    }
    case 'concat': {
      let consumed: RegexNode | null = null;
      let prefix: RegexNode | null = emptyNode();
      let run = 0;
      for (const item of node.items) {
        const branches: RegexNode[] = [];
        if (consumed !== null) branches.push(concatNode([consumed, item]));
        if (prefix !== null) {
          const ne = withoutEmpty(item);
          if (ne !== null) branches.push(concatNode([prefix, ne]));
          const z = zeroWidth(item);
          prefix = z === null ? null : concatNode([prefix, z]);
          if (prefix !== null && ++run > MAX_NULLABLE_RUN) throw new RangeError('nullable run');
        }
        consumed = branches.length === 0 ? null : altNode(branches);
      }
      return consumed;
    }
    case 'repeat': {
      const { item, min, max, greedy } = node;
      const ne = withoutEmpty(item);
      if (ne === null) return null;
      // The first iteration that consumes a byte is the j-th. j = 1: the rest are (min-1 .. max-1) more.
      const rest = (lo: number, hi: number) => repeatNode(item, lo, hi, greedy);
      const first = concatNode([ne, rest(Math.max(min - 1, 0), max - 1)]);
      if (min < 2) return first;
      // j >= 2: j - 1 iterations matched empty before it (their assertions hold at the start), and any
      // count from 0 to max - 2 may follow (the empty ones may be the earlier iterations).
      const z = zeroWidth(item);
      if (z === null) return first;
      return altNode([first, concatNode([z, ne, rest(0, max - 2)])]);
    }
  }
}

/** `withoutEmpty`, with "never" as a set that matches nothing (the engines take any AST). */
export function nonEmptyPart(node: RegexNode): RegexNode {
  return withoutEmpty(node) ?? never();
}
