/**
 * Prefilter mode (flag `P`, Hyperscan's HS_FLAG_PREFILTER): the constructs netsieve's engines cannot run
 * are replaced, while the pattern is parsed, by ones that match a superset of what they match. A match of
 * the approximated pattern is a candidate that the caller confirms with a full regex engine (V8 `RegExp`);
 * no match of the original can be missed, because every replacement matches at least the text the original
 * construct matches:
 * - `backreference`: `\1`, `\g{1}`, `\k<n>`, `(?P=n)` become a copy of the group they refer to (the text a
 *   backreference matches was matched by the group), optional unless the group certainly took part in the
 *   match before the reference (V8 lets a reference to a group that did not take part match the empty
 *   string). A reference to a group not closed yet, or to a group too large to copy, becomes "any bytes"
 *   (`[\x00-\xff]*`), as Hyperscan does for references it cannot copy.
 * - `lookahead`, `lookbehind`: `(?=…)`, `(?!…)`, `(?<=…)`, `(?<!…)` become nothing (they consume nothing).
 * - `atomic-group`: `(?>…)` becomes a plain group; `possessive`: `*+ ++ ?+ {n,m}+` become greedy.
 * - `conditional`: `(?(cond)yes|no)` becomes `(?:yes|no)`, `(?(cond)yes)` becomes `(?:yes|)`.
 * - `reset-start`: `\K` becomes nothing: with flag `L` the start reported is the approximated pattern's,
 *   at or before the original's.
 * - `grapheme-cluster`: `\X` becomes `[\x00-\xff]+` (one or more characters of one or more bytes each), as
 *   Hyperscan's prefilter mode makes it `.+`.
 * - `bounded-repeat`: a bound above `PREFILTER_WIDEN_ABOVE` is widened (`x{0,5000}` → `x*`,
 *   `x{3000}` → `x{1000,}`) so that the compiled tables stay small.
 */
import { ByteSet } from './ast.js';
import type { RegexNode } from './ast.js';
import { foldCase } from './syntax-sets.js';

/** What prefilter mode replaced in a pattern, in the order `db.info()` lists them. */
export const APPROXIMATIONS = [
  'backreference',
  'lookahead',
  'lookbehind',
  'atomic-group',
  'possessive',
  'conditional',
  'reset-start',
  'grapheme-cluster',
  'bounded-repeat',
] as const;

export type Approximation = (typeof APPROXIMATIONS)[number];

/** Repeat bounds above this are widened in prefilter mode (see the file comment). */
export const PREFILTER_WIDEN_ABOVE = 1000;

/**
 * A group larger than this (positions with repeats expanded, see `expandedSize`) is not copied for a
 * backreference: the reference becomes "any bytes" instead, so that references cannot multiply a
 * pattern's size.
 */
export const MAX_COPIED_GROUP = 256;

/** The approximations made, in `APPROXIMATIONS` order. */
export function orderedApproximations(made: ReadonlySet<Approximation>): Approximation[] {
  return APPROXIMATIONS.filter((a) => made.has(a));
}

/**
 * A deep copy of `node` (the parser's nodes are never shared between places in a tree), with every set
 * folded to both ASCII cases when `caseless`: a reference written under `(?i)` matches the group's text in
 * either case, whatever mode the group itself was written in.
 */
export function copyForReference(node: RegexNode, caseless: boolean): RegexNode {
  switch (node.kind) {
    case 'empty':
      return { kind: 'empty' };
    case 'assert':
      return { kind: 'assert', assertion: node.assertion };
    case 'set': {
      const set = new ByteSet(node.set.words.slice());
      return { kind: 'set', set: caseless ? foldCase(set) : set };
    }
    case 'concat':
    case 'alt':
      return { kind: node.kind, items: node.items.map((n) => copyForReference(n, caseless)) };
    case 'repeat':
      return { ...node, item: copyForReference(node.item, caseless) };
  }
}

/** `[\x00-\xff]*`: what a reference becomes when the group cannot be copied. */
export function anyBytes(): RegexNode {
  return { kind: 'repeat', item: { kind: 'set', set: ByteSet.all() }, min: 0, max: Infinity, greedy: true };
}
