/**
 * Building and measuring RegexNode trees: the simplifying constructors the parser uses, and two properties
 * of a pattern (nullability and expanded size).
 *
 * The constructors only make rewrites that keep the set of (start, end) pairs a pattern matches:
 * flattening nested concatenations and alternations, dropping `empty` from a concatenation, unwrapping a
 * one-item concatenation or alternation, `x{1}` → x, `x{0}` → empty. They never merge sets or reorder
 * alternatives, so the tree still reads like the source.
 *
 * Tree depth is bounded by the parser's nesting limit (about three nodes per group level), so the
 * recursive walks here cannot exhaust the stack.
 */
import type { Assertion, RegexNode } from './ast.js';
import type { ByteSet } from './ast.js';

/** A fresh node each time: a compiler may annotate nodes in place, so none is shared between trees. */
export function emptyNode(): RegexNode {
  return { kind: 'empty' };
}

export function setNode(set: ByteSet): RegexNode {
  return { kind: 'set', set };
}

export function assertNode(assertion: Assertion): RegexNode {
  return { kind: 'assert', assertion };
}

export function concatNode(parts: readonly RegexNode[]): RegexNode {
  const items: RegexNode[] = [];
  for (const p of parts) {
    if (p.kind === 'empty') continue;
    if (p.kind === 'concat') items.push(...p.items);
    else items.push(p);
  }
  if (items.length === 0) return emptyNode();
  if (items.length === 1) return items[0]!;
  return { kind: 'concat', items };
}

export function altNode(parts: readonly RegexNode[]): RegexNode {
  const items: RegexNode[] = [];
  let sawEmpty = false;
  for (const p of parts) {
    if (p.kind === 'alt') {
      for (const q of p.items) {
        if (q.kind === 'empty') {
          if (sawEmpty) continue;
          sawEmpty = true;
        }
        items.push(q);
      }
      continue;
    }
    // Two empty alternatives (`a||b`) match exactly what one does.
    if (p.kind === 'empty') {
      if (sawEmpty) continue;
      sawEmpty = true;
    }
    items.push(p);
  }
  if (items.length === 0) return emptyNode();
  if (items.length === 1) return items[0]!;
  return { kind: 'alt', items };
}

export function repeatNode(item: RegexNode, min: number, max: number, greedy: boolean): RegexNode {
  if (max === 0 || item.kind === 'empty') return emptyNode();
  if (min === 1 && max === 1) return item;
  return { kind: 'repeat', item, min, max, greedy };
}

/**
 * True when `node` can match without consuming a byte, assertions counting as possibly holding (`^`, `\b`,
 * `^$` are nullable). Such patterns are split for the engines (empty.ts); which ones compile without flag V
 * is `matchesEmptyUnconditionally`, Hyperscan's rule.
 */
export function isNullable(node: RegexNode): boolean {
  switch (node.kind) {
    case 'empty':
    case 'assert':
      return true;
    case 'set':
      return false;
    case 'concat':
      return node.items.every(isNullable);
    case 'alt':
      return node.items.some(isNullable);
    case 'repeat':
      return node.min === 0 || isNullable(node.item);
  }
}

/** How many copies of its item a repeat becomes once expanded: `x{2,5}` is 5, `x{3,}` is x x x x* (4). */
export function repeatCopies(min: number, max: number): number {
  return Number.isFinite(max) ? max : min + 1;
}

/**
 * Size of `node` with every repeat expanded: one per set or assertion, repeats multiplied out
 * (see `repeatCopies`). This is roughly the number of NFA positions a compiler builds for the pattern.
 */
export function expandedSize(node: RegexNode): number {
  switch (node.kind) {
    case 'empty':
      return 0;
    case 'set':
    case 'assert':
      return 1;
    case 'concat':
    case 'alt': {
      let n = 0;
      for (const item of node.items) n += expandedSize(item);
      return n;
    }
    case 'repeat':
      return expandedSize(node.item) * repeatCopies(node.min, node.max);
  }
}
