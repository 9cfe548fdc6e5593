/**
 * Leftmost start of match (`L`), found backwards from each match end: over the block in block mode, over a
 * stream's kept history and its current chunk when the database has a `somHorizon`.
 *
 * The forward engines (DFA, prefilter) report where a pattern's matches end, quickly and with a few bytes of
 * state; the start is then found by running the pattern's NFA backwards from the end over the same block:
 * the set of nodes from which the bytes up to the end lead to the pattern's MATCH, one byte further back
 * at a time, until the set is empty or the data begins. Every offset where the set holds the pattern's start
 * node is a start of a match ending there; the smallest is the leftmost. With the whole block at hand the
 * zero-width assertions are decided exactly (both neighbours of every offset are known).
 *
 * The cost is per match and usually small (a DLP pattern's match is tens of bytes), but a pattern like
 * `a[^z]*b` over `abbbb…` walks back to the same `a` from every end: quadratic. So each pattern has a budget
 * of backward steps per block (a few times the block's length); a pattern that spends it switches, for the
 * rest of the block, to the forward position engine run once over the whole block (linear, exact), whose
 * reports answer its remaining matches.
 *
 * In a stream the window is the last `somHorizon` bytes and the current chunk, read where they lie (two
 * pieces, not copied together). A start further back than the window is not known: the search reports the
 * earliest start it finds within the window, or the window's first offset. Streams compiled without a horizon use the forward position engine (exact at
 * any distance, slow); see database.ts.
 */
import { assertionHolds, Cat, categoryOf, EOD, isWordByte, NodeKind, type Nfa } from './nfa.js';
import { PositionEngine } from './position-engine.js';

/** Backward steps a pattern may take per block before it falls back: this many times the block, plus a floor. */
const BUDGET_FACTOR = 4;
const BUDGET_FLOOR = 1 << 16;

interface Backward {
  /** The pattern's start node and MATCH node (-1 when it cannot match). */
  start: number;
  match: number;
  /** Epsilon predecessors (SPLIT and ASSERT nodes whose successor is the node), per node. */
  epsPred: Map<number, number[]>;
  /** BYTE predecessors (nodes that consume a byte into the node), per node. */
  bytePred: Map<number, number[]>;
  /**
   * The backward walk as a lazily built DFA. A state is a set of nodes before the epsilon closure at an
   * offset q; its transition on (the byte before q, the context after q) is the set one byte further back,
   * with a flag: the closure at q held the start node. Sets are interned by their sorted node list.
   */
  ids: Map<string, number>;
  sets: Int32Array[];
  /** Per state: 256 bytes x 4 contexts, (next state << 1 | start flag), -1 when not built yet. */
  trans: Int32Array[];
  /** Bumped when the cache is cleared (ids from before mean nothing after). */
  generation: number;
}

/** The context after an offset, as far as assertions care: end of data, newline, word byte, other. */
const CTX_EOD = 0;
const CTX_NL = 1;
const CTX_WORD = 2;
const CTX_OTHER = 3;
/** A representative next symbol per context (assertions look only at these distinctions). */
const CTX_SYMBOL = [EOD, 0x0a, 0x61, 0x20];
/** States a pattern's backward DFA may hold before its cache is cleared. */
const MAX_STATES = 4096;

const EMPTY = new Uint8Array(0);

export class ReverseSom {
  private readonly backward = new Map<number, Backward>();
  // Node sets as stamped arrays (no allocation per step of the slow path).
  private readonly mark: Int32Array;
  private stamp = 0;
  private readonly work: number[] = [];
  // Per block: steps spent per pattern, and the fallback's answers (end -> leftmost start).
  /**
   * The bytes searched: `head` then `block`, one sequence without being copied together (a stream's history
   * and its current chunk; `head` is empty for a block).
   */
  private head: Uint8Array = EMPTY;
  private block: Uint8Array | null = null;
  /** Category of the byte before the block's first: START, or OTHER for a window of a stream. */
  private startCat: number = Cat.START;
  private readonly spent = new Map<number, number>();
  private readonly fallback = new Map<number, Map<number, number>>();
  /** @internal Backward steps taken so far, for the linear-time tests. */
  steps = 0;

  constructor(
    private readonly nfa: Nfa,
    patterns: readonly number[],
    private readonly hasAssertions: (pattern: number) => boolean,
  ) {
    this.mark = new Int32Array(nfa.size);
    for (const p of patterns) this.backward.set(p, this.prepare(p));
  }

  /**
   * A new block: budgets and fallbacks start over. `atStart`: the block's first byte is the data's first
   * (assertions see the start there); false for a stream's window, whose earlier bytes are unknown.
   */
  beginBlock(data: Uint8Array, atStart = true): void {
    this.beginWindow(EMPTY, data, atStart);
  }

  /** A new window of a stream: its history (`head`) followed by the current chunk (`tail`). */
  beginWindow(head: Uint8Array, tail: Uint8Array, atStart: boolean): void {
    this.head = head;
    this.block = tail;
    this.startCat = atStart ? Cat.START : Cat.OTHER;
    this.spent.clear();
    this.fallback.clear();
  }

  endBlock(): void {
    this.head = EMPTY;
    this.block = null;
    this.fallback.clear();
  }

  /** The context after offset q of the window (end of data, newline, word byte, other). */
  private contextAt(q: number): number {
    const head = this.head;
    const tail = this.block!;
    if (q >= head.length + tail.length) return CTX_EOD;
    const c = categoryOf(q < head.length ? head[q]! : tail[q - head.length]!);
    return c === Cat.NL ? CTX_NL : c === Cat.WORD ? CTX_WORD : CTX_OTHER;
  }

  /** The leftmost start of pattern `p`'s match ending at `to` in the current block. */
  start(p: number, to: number): number {
    const head = this.head;
    const tail = this.block!;
    const hl = head.length;
    const done = this.fallback.get(p);
    if (done !== undefined) return done.get(to) ?? (this.startCat === Cat.START ? to : 0);
    const b = this.backward.get(p)!;
    if (b.match < 0) return to;
    const budget = BUDGET_FACTOR * (hl + tail.length) + BUDGET_FLOOR;
    let spent = this.spent.get(p) ?? 0;
    let best = -1;
    let s = this.initial(b);
    let q = to;
    let ctx = this.contextAt(q);
    while (q > 0 && s !== 0) {
      this.steps++;
      if (++spent > budget) {
        this.spent.set(p, spent);
        return this.runFallback(p, to);
      }
      const byte = q > hl ? tail[q - 1 - hl]! : head[q - 1]!;
      let t = b.trans[s]![(byte << 2) | ctx]!;
      if (t < 0) t = this.build(b, s, byte, ctx);
      if ((t & 1) !== 0) best = q;
      s = t >> 1;
      ctx = byte === 0x0a ? CTX_NL : isWordByte(byte) ? CTX_WORD : CTX_OTHER;
      q--;
    }
    // At offset 0 (or where the set died): the closure there, with no byte before.
    if (q === 0 && s !== 0 && this.closureHasStart(b, b.sets[s]!, this.startCat, CTX_SYMBOL[ctx]!)) best = 0;
    this.spent.set(p, spent);
    // Nothing found: the start lies before a stream's window (reported as the window's first offset).
    return best < 0 ? (this.startCat === Cat.START ? to : 0) : best;
  }

  /** The state holding the MATCH node (state 0 is the empty set). */
  private initial(b: Backward): number {
    return this.intern(b, [b.match]);
  }

  private intern(b: Backward, nodes: number[]): number {
    if (nodes.length === 0) return 0;
    nodes.sort((x, y) => x - y);
    const key = nodes.join(',');
    let id = b.ids.get(key);
    if (id === undefined) {
      if (b.sets.length >= MAX_STATES) {
        // Clear the cache (the walk in progress holds only ids it re-interns).
        b.ids.clear();
        b.sets.length = 1;
        b.trans.length = 1;
        b.generation++;
      }
      id = b.sets.length;
      b.ids.set(key, id);
      b.sets.push(Int32Array.from(nodes));
      b.trans.push(new Int32Array(256 * 4).fill(-1));
    }
    return id;
  }

  /** Builds state s's transition on (byte before q, context after q). */
  private build(b: Backward, s: number, byte: number, ctx: number): number {
    const set = this.closure(b, b.sets[s]!, categoryOf(byte), CTX_SYMBOL[ctx]!);
    const hasStart = this.mark[b.start] === this.stamp;
    const nfa = this.nfa;
    const next: number[] = [];
    this.stamp++;
    for (const n of set) {
      const preds = b.bytePred.get(n);
      if (preds === undefined) continue;
      for (const m of preds) {
        if (this.mark[m] !== this.stamp && nfa.sets[nfa.arg[m]!]!.has(byte)) {
          this.mark[m] = this.stamp;
          next.push(m);
        }
      }
    }
    const generation = b.generation;
    const id = this.intern(b, next);
    const t = (id << 1) | (hasStart ? 1 : 0);
    // A cache clear dropped state s itself: the transition is returned (the walk goes on) but not stored.
    if (b.generation === generation) b.trans[s]![(byte << 2) | ctx] = t;
    return t;
  }

  private closureHasStart(b: Backward, nodes: Int32Array, prev: number, nextSym: number): boolean {
    this.closure(b, nodes, prev, nextSym);
    return this.mark[b.start] === this.stamp;
  }

  /** The set plus its epsilon predecessors (assertions checked between `prev` and `nextSym`), marked with a new stamp. */
  private closure(b: Backward, nodes: Int32Array, prev: number, nextSym: number): number[] {
    const nfa = this.nfa;
    this.stamp++;
    const out: number[] = [];
    const work = this.work;
    work.length = 0;
    for (const n of nodes) {
      this.mark[n] = this.stamp;
      out.push(n);
      work.push(n);
    }
    while (work.length > 0) {
      const n = work.pop()!;
      const preds = b.epsPred.get(n);
      if (preds === undefined) continue;
      for (const m of preds) {
        if (this.mark[m] === this.stamp) continue;
        if (nfa.kind[m] === NodeKind.ASSERT && !assertionHolds(nfa.arg[m]!, prev, nextSym)) continue;
        this.mark[m] = this.stamp;
        out.push(m);
        work.push(m);
      }
    }
    return out;
  }

  /** Runs the forward position engine for `p` over the whole block once; its reports answer from now on. */
  private runFallback(p: number, to: number): number {
    let data = this.block!;
    if (this.head.length > 0) {
      const joined = new Uint8Array(this.head.length + data.length);
      joined.set(this.head, 0);
      joined.set(data, this.head.length);
      data = joined;
    }
    const engine = new PositionEngine(this.nfa, [p], this.hasAssertions);
    const state = new Float64Array(engine.slots).fill(-1);
    const found = new Map<number, number>();
    const report = (_p: number, from: number, end: number): void => {
      const had = found.get(end);
      if (had === undefined || from < had) found.set(end, from);
    };
    engine.scan(state, 0, data, 0, this.startCat, report);
    engine.eod(state, 0, data.length, data.length > 0 ? categoryOf(data[data.length - 1]!) : this.startCat, report);
    this.steps += engine.steps;
    this.fallback.set(p, found);
    return found.get(to) ?? (this.startCat === Cat.START ? to : 0);
  }

  /** Predecessor lists over the nodes the pattern reaches. */
  private prepare(p: number): Backward {
    const nfa = this.nfa;
    const start = nfa.starts[p]!;
    const epsPred = new Map<number, number[]>();
    const bytePred = new Map<number, number[]>();
    const push = (map: Map<number, number[]>, to: number, from: number) => {
      const l = map.get(to);
      if (l === undefined) map.set(to, [from]);
      else l.push(from);
    };
    let match = -1;
    nfa.forEachReachable([start], (n) => {
      const kind = nfa.kind[n]!;
      if (kind === NodeKind.MATCH) {
        if (nfa.arg[n] === p) match = n;
        return;
      }
      const o1 = nfa.out1[n]!;
      const o2 = nfa.out2[n]!;
      if (kind === NodeKind.BYTE) push(bytePred, o1, n);
      else {
        if (o1 >= 0) push(epsPred, o1, n);
        if (kind === NodeKind.SPLIT && o2 >= 0) push(epsPred, o2, n);
      }
    });
    return {
      start,
      match,
      epsPred,
      bytePred,
      ids: new Map(),
      sets: [new Int32Array(0)],
      trans: [new Int32Array(256 * 4).fill(-1)],
      generation: 0,
    };
  }
}
