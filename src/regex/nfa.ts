/**
 * Thompson NFA for a set of patterns: the common ground of every engine (the DFA builder's subset
 * construction, the position-set engine for patterns a DFA cannot hold, the leftmost-start engine).
 *
 * Nodes:
 * - BYTE: consume one byte of `sets[set]`, go to `out1`.
 * - SPLIT: zero-width, go to `out1` and `out2` (either may be -1).
 * - ASSERT: zero-width, go to `out1` if the assertion holds between the previous and the next byte.
 * - MATCH: pattern `pattern` has matched here.
 * - MATCH_ADJ: pattern `pattern` matched one byte earlier: reached only by consuming the final `\n` after a
 *   `$`/`\Z` (end_or_final_newline) that held "before the final newline" (see dfa.ts).
 *
 * Repeats are expanded (x{2,4} is x x x? x?); the expansion is bounded by `MAX_NFA_NODES`, so a hostile
 * pattern fails to compile with a clear error instead of exhausting memory.
 */
import type { Assertion, RegexNode } from './ast.js';
import { ByteSet } from './ast.js';

export const NodeKind = {
  BYTE: 0,
  SPLIT: 1,
  ASSERT: 2,
  MATCH: 3,
  MATCH_ADJ: 4,
} as const;

export const AssertCode: Readonly<Record<Assertion, number>> = {
  start: 0,
  line_start: 1,
  end: 2,
  end_or_final_newline: 3,
  line_end: 4,
  word_boundary: 5,
  not_word_boundary: 6,
};

/** Nodes over all patterns of a set at most (each repeat copy counts). */
export const MAX_NFA_NODES = 2_000_000;

export class NfaTooLarge extends Error {}

export class Nfa {
  /*
   * Nodes as columns of typed arrays (13 bytes a node), grown by doubling; entries from `size` on are
   * unused. Arrays of JS numbers took 4 x 8 bytes a node and more while growing.
   */
  kind = new Uint8Array(64);
  out1 = new Int32Array(64);
  out2 = new Int32Array(64);
  /** BYTE: index into `sets`; ASSERT: assertion code; MATCH/MATCH_ADJ: pattern index. */
  arg = new Int32Array(64);
  private count = 0;
  readonly sets: ByteSet[] = [];
  /** Sets by hash, the first with that hash; the others chained through `sameSetHash`. */
  private readonly setIndex = new Map<number, number>();
  private readonly sameSetHash: number[] = [];
  /** Start node of each pattern (index = pattern index in the set being compiled). */
  readonly starts: number[] = [];
  /** MATCH_ADJ node of each pattern (-1 when the pattern has no `$`/`\Z`). */
  readonly adjMatch: number[] = [];

  get size(): number {
    return this.count;
  }

  /**
   * Calls `visit` once for every node reachable from `starts` (MATCH nodes included, not followed), depth
   * first from the last start. The engines use it to find the positions a pattern can be in.
   */
  forEachReachable(starts: readonly number[], visit: (node: number) => void): void {
    const seen = new Set<number>();
    const stack = [...starts];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (n < 0 || seen.has(n)) continue;
      seen.add(n);
      visit(n);
      // BYTE and ASSERT nodes have no out2 (-1, skipped); MATCH nodes end the pattern.
      if (this.kind[n] !== NodeKind.MATCH) stack.push(this.out1[n]!, this.out2[n]!);
    }
  }

  private node(kind: number, arg: number, out1 = -1, out2 = -1): number {
    const n = this.count;
    if (n >= MAX_NFA_NODES) throw new NfaTooLarge(`more than ${MAX_NFA_NODES} NFA nodes`);
    if (n === this.kind.length) this.grow();
    this.kind[n] = kind;
    this.arg[n] = arg;
    this.out1[n] = out1;
    this.out2[n] = out2;
    this.count = n + 1;
    return n;
  }

  private grow(): void {
    const capacity = Math.min(this.kind.length * 2, MAX_NFA_NODES);
    const widen = <T extends Uint8Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(capacity);
      b.set(a);
      return b;
    };
    this.kind = widen(this.kind, (n) => new Uint8Array(n));
    this.out1 = widen(this.out1, (n) => new Int32Array(n));
    this.out2 = widen(this.out2, (n) => new Int32Array(n));
    this.arg = widen(this.arg, (n) => new Int32Array(n));
  }

  /** Bytes of the node columns (for memory estimates). */
  static readonly BYTES_PER_NODE = 13;

  /**
   * The index of a set in `sets` (added when new). Sets are found by a hash of their words, not by
   * `ByteSet.key()`'s string: one lookup per set node, 1.6 million for 100,000 literals.
   */
  setId(set: ByteSet): number {
    const w = set.words;
    let h = 0x811c9dc5;
    for (let i = 0; i < 8; i++) h = Math.imul(h ^ w[i]!, 0x01000193);
    for (let id = this.setIndex.get(h) ?? -1; id >= 0; id = this.sameSetHash[id]!) {
      const o = this.sets[id]!.words;
      if (
        o[0] === w[0] &&
        o[1] === w[1] &&
        o[2] === w[2] &&
        o[3] === w[3] &&
        o[4] === w[4] &&
        o[5] === w[5] &&
        o[6] === w[6] &&
        o[7] === w[7]
      )
        return id;
    }
    const id = this.sets.length;
    this.sets.push(set);
    this.sameSetHash.push(this.setIndex.get(h) ?? -1);
    this.setIndex.set(h, id);
    return id;
  }

  /** Adds a pattern; returns its start node. Patterns must be added in pattern-index order. */
  addPattern(ast: RegexNode, patternIndex: number, nodeBudget = MAX_NFA_NODES): number {
    const before = this.size;
    const match = this.node(NodeKind.MATCH, patternIndex);
    const start = this.build(ast, match, before + nodeBudget);
    this.starts[patternIndex] = start;
    this.adjMatch[patternIndex] = usesFinalNewline(ast) ? this.node(NodeKind.MATCH_ADJ, patternIndex) : -1;
    return start;
  }

  /**
   * Builds `n` so that it continues to `next`; returns the entry node. Built back to front, iteratively for
   * concatenations and with an explicit bound on recursion depth (the parser bounds nesting too).
   */
  private build(n: RegexNode, next: number, limit: number, depth = 0): number {
    if (this.size > limit)
      throw new NfaTooLarge('the pattern expands beyond the NFA size budget (large bounded repeats, nested)');
    if (depth > 2000) throw new NfaTooLarge('the pattern is nested too deeply');
    switch (n.kind) {
      case 'empty':
        return next;
      case 'set':
        return this.node(NodeKind.BYTE, this.setId(n.set), next);
      case 'assert':
        return this.node(NodeKind.ASSERT, AssertCode[n.assertion], next);
      case 'concat': {
        let cur = next;
        for (let i = n.items.length - 1; i >= 0; i--) cur = this.build(n.items[i]!, cur, limit, depth + 1);
        return cur;
      }
      case 'alt': {
        if (n.items.length === 0) return next;
        let entry = this.build(n.items[n.items.length - 1]!, next, limit, depth + 1);
        for (let i = n.items.length - 2; i >= 0; i--) {
          const branch = this.build(n.items[i]!, next, limit, depth + 1);
          entry = this.node(NodeKind.SPLIT, 0, branch, entry);
        }
        return entry;
      }
      case 'repeat': {
        const { item, min, max } = n;
        let cur = next;
        if (max === Infinity) {
          // x* : a loop node that either enters x (which comes back to it) or leaves.
          const loop = this.node(NodeKind.SPLIT, 0, -1, cur);
          const body = this.build(item, loop, limit, depth + 1);
          this.out1[loop] = body;
          cur = loop;
        } else {
          // (max - min) optional copies, nested: x(x(x)?)? so that each may be skipped to `next`.
          for (let i = 0; i < max - min; i++) {
            const body = this.build(item, cur, limit, depth + 1);
            cur = this.node(NodeKind.SPLIT, 0, body, next);
          }
        }
        for (let i = 0; i < min; i++) cur = this.build(item, cur, limit, depth + 1);
        return cur;
      }
    }
  }
}

/**
 * The nodes `addPattern` would make for a tree (MATCH and MATCH_ADJ included): what the memory budget is
 * charged before building. A double, so that nested repeats saturate instead of wrapping.
 */
export function nfaNodeCount(n: RegexNode): number {
  switch (n.kind) {
    case 'empty':
      return 0;
    case 'set':
    case 'assert':
      return 1;
    case 'concat':
      return n.items.reduce((a, x) => a + nfaNodeCount(x), 0);
    case 'alt':
      return n.items.reduce((a, x) => a + nfaNodeCount(x), 0) + Math.max(0, n.items.length - 1);
    case 'repeat': {
      const body = nfaNodeCount(n.item);
      if (n.max === Infinity) return 1 + body * (n.min + 1);
      return (n.max - n.min) * (body + 1) + n.min * body;
    }
  }
}

/** Whether the pattern has an `end_or_final_newline` assertion (it then needs a MATCH_ADJ node). */
export function usesFinalNewline(n: RegexNode): boolean {
  switch (n.kind) {
    case 'assert':
      return n.assertion === 'end_or_final_newline';
    case 'concat':
    case 'alt':
      return n.items.some(usesFinalNewline);
    case 'repeat':
      return usesFinalNewline(n.item);
    default:
      return false;
  }
}

/** Byte categories for zero-width assertions, and the lookahead symbol for the end of data. */
export const Cat = {
  START: 0, // no previous byte: offset 0 of the data
  NL: 1,
  WORD: 2,
  OTHER: 3,
} as const;
export const EOD = 256;

export function isWordByte(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f;
}

export function categoryOf(b: number): number {
  return b === 0x0a ? Cat.NL : isWordByte(b) ? Cat.WORD : Cat.OTHER;
}

/**
 * Whether an assertion holds between the previous byte (its category) and the next symbol (a byte, or EOD).
 * `end_or_final_newline` is not decided here (it needs two bytes of lookahead; see dfa.ts).
 */
export function assertionHolds(code: number, prev: number, next: number): boolean {
  switch (code) {
    case 0: // start
      return prev === Cat.START;
    case 1: // line_start
      return prev === Cat.START || prev === Cat.NL;
    case 2: // end
      return next === EOD;
    case 4: // line_end
      return next === EOD || next === 0x0a;
    case 5: // word_boundary
      return (prev === Cat.WORD) !== (next !== EOD && isWordByte(next));
    case 6: // not_word_boundary
      return (prev === Cat.WORD) === (next !== EOD && isWordByte(next));
    default:
      return false;
  }
}

/** Which previous-byte distinctions an assertion needs (bit 0: START, bit 1: line start, bit 2: word). */
export function prevDistinctions(code: number): number {
  switch (code) {
    case 0:
      return 1;
    case 1:
      return 2;
    case 5:
    case 6:
      return 4;
    default:
      return 0;
  }
}

/**
 * canonical[needed * 4 + cat]: the smallest category that no needed distinction tells apart from `cat`
 * (so equal contexts share a state). A table: the DFA builder asks for every transition it makes.
 */
const CANONICAL = (() => {
  const t = new Uint8Array(8 * 4);
  for (let needed = 0; needed < 8; needed++) {
    const sig = (c: number) =>
      ((needed & 1) !== 0 && c === Cat.START ? 1 : 0) |
      ((needed & 2) !== 0 && (c === Cat.START || c === Cat.NL) ? 2 : 0) |
      ((needed & 4) !== 0 && c === Cat.WORD ? 4 : 0);
    for (let cat = 0; cat < 4; cat++) {
      let canonical = cat;
      for (let c = 0; c < 4; c++) {
        if (sig(c) === sig(cat)) {
          canonical = c;
          break;
        }
      }
      t[needed * 4 + cat] = canonical;
    }
  }
  return t;
})();

/** The smallest category that no needed distinction tells apart from `cat` (so equal contexts share a state). */
export function canonicalCategory(cat: number, needed: number): number {
  return CANONICAL[(needed & 7) * 4 + (cat & 3)]!;
}

export { ByteSet };
