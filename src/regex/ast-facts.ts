/**
 * Facts about a pattern's AST that planning needs: its match lengths, whether it has assertions, and its
 * form with leading repeats trimmed (equivalent for end offsets).
 */
import type { RegexNode } from './ast.js';

/**
 * The pattern with every repeat at its very start cut to its minimum count (`X*Y` → `Y`, `X{2,}Y` → `XXY`,
 * `(?:a+|b*c)d` → `(?:a|c)d`). Exact for end offsets: if X{k}Y matches ending at e with k above the
 * minimum n, its suffix X{n}Y matches ending at e too, and every match of the trimmed form is one of the
 * original. An assertion at the start stops the trimming (`\bX+` ties the boundary to the run's start).
 */
export function trimLeadingRepeats(n: RegexNode): RegexNode {
  switch (n.kind) {
    case 'repeat': {
      if (n.min === n.max) return n;
      if (n.min === 0) return { kind: 'empty' };
      const item = n.min === 1 ? trimLeadingRepeats(n.item) : n.item;
      return n.min === 1 ? item : { ...n, item, max: n.min };
    }
    case 'concat': {
      const items = [...n.items];
      while (items.length > 1) {
        const first = trimLeadingRepeats(items[0]!);
        if (first.kind === 'empty') {
          items.shift();
          continue;
        }
        items[0] = first;
        return { kind: 'concat', items };
      }
      return items.length === 1 ? trimLeadingRepeats(items[0]!) : n;
    }
    case 'alt': {
      const items = n.items.map(trimLeadingRepeats);
      // A branch trimmed to nothing means the alternation may match nothing at the start: the rest decides.
      return items.some((b) => b.kind === 'empty') ? { kind: 'empty' } : { kind: 'alt', items };
    }
    default:
      return n;
  }
}

export function lengthRange(n: RegexNode): [number, number] {
  switch (n.kind) {
    case 'empty':
    case 'assert':
      return [0, 0];
    case 'set':
      return [1, 1];
    case 'concat':
      return n.items.map(lengthRange).reduce(([a, b], [c, d]) => [a + c, b + d], [0, 0]);
    case 'alt': {
      const r = n.items.map(lengthRange);
      return [Math.min(...r.map((x) => x[0])), Math.max(...r.map((x) => x[1]))];
    }
    case 'repeat': {
      const [a, b] = lengthRange(n.item);
      return [a * n.min, n.max === Infinity ? (b === 0 ? 0 : Infinity) : b * n.max];
    }
  }
}

export function hasAssertion(n: RegexNode): boolean {
  switch (n.kind) {
    case 'assert':
      return true;
    case 'concat':
    case 'alt':
      return n.items.some(hasAssertion);
    case 'repeat':
      return hasAssertion(n.item);
    default:
      return false;
  }
}
