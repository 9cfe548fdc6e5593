/**
 * The position-set engine: runs the NFA directly, one byte at a time, keeping for every live NFA position
 * the leftmost offset where a thread reaching it started. It serves the patterns a table DFA does not:
 *
 * - patterns with flag `L` (leftmost start of match): the start offsets are exact by construction (a
 *   position keeps the minimum over all threads reaching it; transitions never depend on the start);
 * - patterns whose DFA would exceed the state budget (large bounded repeats, many interleaved loops): the
 *   state is linear in the pattern's size, so nothing explodes.
 *
 * Its state is a fixed array of doubles (one per persistent position: targets of byte transitions and the
 * MATCH_ADJ nodes, in both "plain" and "end must follow" forms), stored in the stream's state bytes.
 *
 * Reporting: a pattern without assertions reports a match as soon as its last byte is consumed. A pattern
 * with assertions reports when the next byte (or the end) is known, because a path through an assertion
 * may end at the same offset with an earlier start, and the leftmost start must be exact.
 */
import { assertionHolds, categoryOf, Cat, EOD, type Nfa, NodeKind } from './nfa.js';

const K_SHIFT = 2;

/** A part of an NFA renumbered from 0 (see nfa.ts for the node kinds); `adj`: a MATCH node's MATCH_ADJ. */
interface LocalNfa {
  kind: Uint8Array;
  out1: Int32Array;
  out2: Int32Array;
  arg: Int32Array;
  adj: Int32Array;
  sets: Nfa['sets'];
}

export type PositionReport = (pattern: number, from: number, to: number) => void;

export class PositionEngine {
  /** Persistent position (node << 2 | k, k in {0, 2}) → slot in the state array, -1 for other positions. */
  private readonly slotOf: Int32Array;
  private readonly slotPos: Int32Array;
  private readonly positionSlots: number;
  readonly slots: number;
  /** The patterns' part of the NFA, with nodes numbered from 0 (positions are local node << 2 | k). */
  private readonly g: LocalNfa;
  /** Per local MATCH node: 1 when its pattern reports with lookahead (has assertions). */
  private readonly delayedAt: Uint8Array;
  /** Per local MATCH and MATCH_ADJ node: its pattern's index in `patterns`. */
  private readonly patternAt: Int32Array;
  /** eod()'s scratch, per index in `patterns`; and the index of each pending pattern. */
  private readonly eodAtEnd: Float64Array;
  private readonly eodBeforeNewline: Float64Array;
  private readonly pendingIndex: Int32Array;
  /**
   * Patterns with `$`/`\Z` (a MATCH_ADJ node): when a match ends right before a `\n` that might be the
   * last byte, its report waits one symbol, because a path through `$` may end there too with an earlier
   * start. Slot index in the state after the positions: pending start, -1 when none.
   */
  private readonly pendingSlot: Map<number, number>;
  private readonly pendingPatterns: Int32Array;
  private readonly pendingSlots: Int32Array;
  private readonly starts: number[];
  private readonly patterns: number[];
  /**
   * The closure's scratch, all sized at construction. A position is final the first time it is popped:
   * seeds are pushed in decreasing order of start and every push carries its parent's start, so the stack
   * is ordered (smallest start on top) and pops come in increasing order of start. Each position is then
   * expanded once per closure: the work per byte is bounded by the pattern's size, never its square (a
   * relaxation that lowers a position's start after it was expanded re-expands everything after it).
   */
  private readonly best: Float64Array;
  private readonly stampArr: Int32Array;
  private epoch = 0;
  private readonly stackPos: Int32Array;
  private readonly stackStart: Float64Array;
  private sp = 0;
  /** Positions the closure finalized, in increasing order of start. */
  private readonly touched: Int32Array;
  private touchedLen = 0;
  /**
   * The live slots of the state in increasing order of their start (sorted once per call, then kept in
   * order by the byte loop: the next byte's slots are written from `touched`, which is in that order).
   */
  private order: Int32Array;
  private nextOrder: Int32Array;
  private orderLen = 0;
  /** Per local MATCH node: the byte at which a `\n` made its lookahead report wait (see scan). */
  private readonly waitStamp: Int32Array;
  private waitEpoch = 0;
  /** Positions one closure can push at most: every seed, and two successors of each position it expands. */
  readonly pushBound: number;
  /** @internal Work done so far (positions pushed on the closure stack), for the linear-time tests. */
  steps = 0;

  constructor(nfa: Nfa, patterns: number[], hasAssertions: (pattern: number) => boolean) {
    this.patterns = patterns;
    // The patterns' nodes, renumbered densely: the engine's arrays are the size of its own patterns,
    // not of the whole set's NFA (an engine per pattern costs that pattern's size).
    const globalStarts = patterns.map((p) => nfa.starts[p]!);
    const nodes: number[] = [];
    nfa.forEachReachable(globalStarts, (n) => {
      nodes.push(n);
    });
    for (const p of patterns) if (nfa.adjMatch[p]! >= 0) nodes.push(nfa.adjMatch[p]!);
    const local = new Map<number, number>();
    for (let i = 0; i < nodes.length; i++) local.set(nodes[i]!, i);
    const size = nodes.length;
    const g: LocalNfa = {
      kind: new Uint8Array(size),
      out1: new Int32Array(size).fill(-1),
      out2: new Int32Array(size).fill(-1),
      arg: new Int32Array(size),
      adj: new Int32Array(size).fill(-1),
      sets: nfa.sets,
    };
    this.delayedAt = new Uint8Array(size);
    this.patternAt = new Int32Array(size).fill(-1);
    const indexOf = new Map<number, number>();
    for (let i = 0; i < patterns.length; i++) indexOf.set(patterns[i]!, i);
    nodes.forEach((n, i) => {
      const kind = nfa.kind[n]!;
      g.kind[i] = kind;
      g.arg[i] = nfa.arg[n]!;
      if (kind === NodeKind.MATCH || kind === NodeKind.MATCH_ADJ) {
        const adj = nfa.adjMatch[nfa.arg[n]!]!;
        if (kind === NodeKind.MATCH && adj >= 0) g.adj[i] = local.get(adj)!;
        if (hasAssertions(nfa.arg[n]!)) this.delayedAt[i] = 1;
        this.patternAt[i] = indexOf.get(nfa.arg[n]!)!;
        return;
      }
      const o1 = nfa.out1[n]!;
      const o2 = nfa.out2[n]!;
      if (o1 >= 0) g.out1[i] = local.get(o1)!;
      if (kind === NodeKind.SPLIT && o2 >= 0) g.out2[i] = local.get(o2)!;
    });
    this.g = g;
    this.starts = globalStarts.map((n) => local.get(n)!);
    // Persistent positions: BYTE targets and MATCH_ADJ nodes, k in {0, 2}.
    const persistent = new Set<number>();
    for (let i = 0; i < size; i++) {
      if (g.kind[i] === NodeKind.BYTE) persistent.add(g.out1[i]!);
      else if (g.kind[i] === NodeKind.MATCH && g.adj[i]! >= 0) persistent.add(g.adj[i]!);
    }
    this.slotOf = new Int32Array(size << K_SHIFT).fill(-1);
    const slotPos: number[] = [];
    for (const node of [...persistent].sort((x, y) => x - y)) {
      for (const k of [0, 2]) {
        this.slotOf[(node << K_SHIFT) | k] = slotPos.length;
        slotPos.push((node << K_SHIFT) | k);
      }
    }
    this.slotPos = Int32Array.from(slotPos);
    this.positionSlots = slotPos.length;
    this.pendingSlot = new Map();
    for (const p of patterns) if (nfa.adjMatch[p]! >= 0) this.pendingSlot.set(p, slotPos.length + this.pendingSlot.size);
    this.pendingPatterns = Int32Array.from(this.pendingSlot.keys());
    this.pendingSlots = Int32Array.from(this.pendingSlot.values());
    this.pendingIndex = Int32Array.from(this.pendingPatterns, (p) => indexOf.get(p)!);
    this.eodAtEnd = new Float64Array(patterns.length);
    this.eodBeforeNewline = new Float64Array(patterns.length);
    this.slots = slotPos.length + this.pendingSlot.size;
    const positions = size << K_SHIFT;
    this.best = new Float64Array(positions);
    this.stampArr = new Int32Array(positions);
    this.pushBound = this.positionSlots + this.starts.length + 2 * positions;
    this.stackPos = new Int32Array(this.pushBound);
    this.stackStart = new Float64Array(this.pushBound);
    this.touched = new Int32Array(positions);
    this.order = new Int32Array(this.positionSlots);
    this.nextOrder = new Int32Array(this.positionSlots);
    this.waitStamp = new Int32Array(size);
  }

  /** Bytes of stream state: one double per slot. */
  get stateSize(): number {
    return 8 * this.slots;
  }

  private push(pos: number, start: number): void {
    this.steps++;
    this.stackPos[this.sp] = pos;
    this.stackStart[this.sp] = start;
    this.sp++;
  }

  /** Closure of the pushed seeds given prev category and next symbol (-1: unconditional), into `touched`. */
  private close(prev: number, next: number): void {
    const nfa = this.g;
    const stamp = this.stampArr;
    const epoch = ++this.epoch;
    this.touchedLen = 0;
    while (this.sp > 0) {
      this.sp--;
      const pos = this.stackPos[this.sp]!;
      if (stamp[pos] === epoch) continue; // finalized with a start no larger
      const start = this.stackStart[this.sp]!;
      stamp[pos] = epoch;
      this.best[pos] = start;
      this.touched[this.touchedLen++] = pos;
      const node = pos >> K_SHIFT;
      const k = pos & 3;
      if (k === 2 && next !== EOD && next !== -1) continue;
      const kind = nfa.kind[node]!;
      if (kind === NodeKind.SPLIT) {
        const o1 = nfa.out1[node]!;
        const o2 = nfa.out2[node]!;
        if (o2 >= 0) this.push((o2 << K_SHIFT) | k, start);
        if (o1 >= 0) this.push((o1 << K_SHIFT) | k, start);
      } else if (kind === NodeKind.ASSERT && next !== -1) {
        const code = nfa.arg[node]!;
        const o = nfa.out1[node]!;
        if (code === 3) {
          if (next === EOD) this.push((o << K_SHIFT) | k, start);
          else if (next === 0x0a && k !== 2) this.push((o << K_SHIFT) | 1, start);
        } else if (assertionHolds(code, prev, next)) {
          this.push((o << K_SHIFT) | k, start);
        }
      }
    }
  }

  /**
   * Pushes the seeds in decreasing order of start: the patterns' starts at `withStartsAt` (-1: none; larger
   * than every live slot's start), then the live slots from the last of `order` to the first.
   */
  private seed(state: Float64Array, so: number, withStartsAt: number): void {
    this.sp = 0;
    if (withStartsAt >= 0) for (const st of this.starts) this.push(st << K_SHIFT, withStartsAt);
    const order = this.order;
    for (let i = this.orderLen - 1; i >= 0; i--) {
      const slot = order[i]!;
      this.push(this.slotPos[slot]!, state[so + slot]!);
    }
  }

  /** `order` := the live slots of the state, in increasing order of start (heap sort: no allocation). */
  private sortLive(state: Float64Array, so: number): void {
    const order = this.order;
    let n = 0;
    for (let i = 0; i < this.positionSlots; i++) if (state[so + i]! >= 0) order[n++] = i;
    this.orderLen = n;
    for (let i = (n >> 1) - 1; i >= 0; i--) this.sift(state, so, i, n);
    for (let end = n - 1; end > 0; end--) {
      const t = order[0]!;
      order[0] = order[end]!;
      order[end] = t;
      this.sift(state, so, 0, end);
    }
  }

  /** Heap sort's sift-down over `order[0..end)`, keyed by the slots' starts (largest at the root). */
  private sift(state: Float64Array, so: number, root: number, end: number): void {
    const order = this.order;
    for (;;) {
      let child = 2 * root + 1;
      if (child >= end) return;
      if (child + 1 < end && state[so + order[child + 1]!]! > state[so + order[child]!]!) child++;
      if (state[so + order[root]!]! >= state[so + order[child]!]!) return;
      const t = order[root]!;
      order[root] = order[child]!;
      order[child] = t;
      root = child;
    }
  }

  /**
   * Scans bytes. `offset` is the stream offset of data[0]; `prev` the category of the byte before it.
   * Reports are (pattern, from, to) with stream offsets.
   */
  scan(state: Float64Array, so: number, data: Uint8Array, offset: number, prev: number, report: PositionReport): void {
    if (data.length === 0) return;
    const nfa = this.g;
    const pendingPatterns = this.pendingPatterns;
    const pendingSlots = this.pendingSlots;
    const slotOf = this.slotOf;
    const delayed = this.delayedAt;
    const touched = this.touched;
    this.sortLive(state, so);
    for (let i = 0; i < data.length; i++) {
      const x = data[i]!;
      const t = offset + i;
      // A report that waited for this symbol: the data did not end, so the `$` path did not complete.
      for (let j = 0; j < pendingPatterns.length; j++) {
        const slot = so + pendingSlots[j]!;
        if (state[slot]! >= 0) {
          report(pendingPatterns[j]!, state[slot]!, t - 1);
          state[slot] = -1;
        }
      }
      this.seed(state, so, t);
      this.close(prev, x);
      // Lookahead reports of patterns with assertions: matches ending at t.
      const wait = ++this.waitEpoch;
      if (x === 0x0a && pendingPatterns.length > 0) {
        for (let j = 0; j < this.touchedLen; j++) {
          const pos = touched[j]!;
          if ((pos & 3) === 1 && nfa.kind[pos >> K_SHIFT] === NodeKind.MATCH) this.waitStamp[pos >> K_SHIFT] = wait;
        }
      }
      for (let j = 0; j < this.touchedLen; j++) {
        const pos = touched[j]!;
        if ((pos & 3) === 0 && nfa.kind[pos >> K_SHIFT] === NodeKind.MATCH) {
          const p = nfa.arg[pos >> K_SHIFT]!;
          if (delayed[pos >> K_SHIFT] === 0) continue;
          if (this.waitStamp[pos >> K_SHIFT] === wait)
            state[so + this.pendingSlot.get(p)!] = this.best[pos]!; // decided by the next symbol
          else report(p, this.best[pos]!, t);
        }
      }
      // Consume x: the live slots are cleared, then written from `touched` in its order (increasing start),
      // so the first write of a slot is its smallest start and `nextOrder` comes out sorted.
      for (let j = 0; j < this.orderLen; j++) state[so + this.order[j]!] = -1;
      let nextLen = 0;
      const nextOrder = this.nextOrder;
      for (let j = 0; j < this.touchedLen; j++) {
        const pos = touched[j]!;
        const node = pos >> K_SHIFT;
        const k = pos & 3;
        const kind = nfa.kind[node]!;
        let to = -1;
        if (kind === NodeKind.BYTE && k !== 2 && nfa.sets[nfa.arg[node]!]!.has(x))
          to = (nfa.out1[node]! << K_SHIFT) | (k === 1 ? 2 : 0);
        else if (kind === NodeKind.MATCH && k === 1) {
          const adj = nfa.adj[node]!;
          if (adj >= 0) to = (adj << K_SHIFT) | 2;
        }
        if (to < 0) continue;
        const slot = slotOf[to]!;
        if (slot >= 0 && state[so + slot]! < 0) {
          state[so + slot] = this.best[pos]!;
          nextOrder[nextLen++] = slot;
        }
      }
      this.nextOrder = this.order;
      this.order = nextOrder;
      this.orderLen = nextLen;
      // Immediate reports: patterns without assertions whose match ends after x.
      this.seed(state, so, -1);
      this.close(prev, -1);
      for (let j = 0; j < this.touchedLen; j++) {
        const pos = touched[j]!;
        if ((pos & 3) === 0 && nfa.kind[pos >> K_SHIFT] === NodeKind.MATCH) {
          const p = nfa.arg[pos >> K_SHIFT]!;
          if (delayed[pos >> K_SHIFT] === 0) report(p, this.best[pos]!, t + 1);
        }
      }
      prev = categoryOf(x);
    }
  }

  /** End of data at stream offset `end`. One report per pattern and end offset, with the leftmost start. */
  eod(state: Float64Array, so: number, end: number, prev: number, report: PositionReport): void {
    const nfa = this.g;
    this.sortLive(state, so);
    this.seed(state, so, end);
    this.close(prev, EOD);
    // Per pattern of the engine (its index in `patterns`): the leftmost start of a match at the end, and
    // of one before a final newline (Infinity: none).
    const atEnd = this.eodAtEnd.fill(Infinity);
    const beforeFinalNewline = this.eodBeforeNewline.fill(Infinity);
    for (let j = 0; j < this.touchedLen; j++) {
      const pos = this.touched[j]!;
      const node = pos >> K_SHIFT;
      const kind = nfa.kind[node]!;
      const k = pos & 3;
      const i = this.patternAt[node]!;
      const start = this.best[pos]!;
      if (kind === NodeKind.MATCH && (k === 2 || (k === 0 && this.delayedAt[node] === 1))) {
        if (start < atEnd[i]!) atEnd[i] = start;
      } else if (kind === NodeKind.MATCH_ADJ && k === 2 && start < beforeFinalNewline[i]!) beforeFinalNewline[i] = start;
    }
    // A match that waited for this symbol ends before the final newline too: one report, leftmost start.
    for (let j = 0; j < this.pendingPatterns.length; j++) {
      const start = state[so + this.pendingSlots[j]!]!;
      const i = this.pendingIndex[j]!;
      if (start >= 0 && start < beforeFinalNewline[i]!) beforeFinalNewline[i] = start;
    }
    for (let i = 0; i < this.patterns.length; i++)
      if (beforeFinalNewline[i]! < Infinity) report(this.patterns[i]!, beforeFinalNewline[i]!, end - 1);
    for (let i = 0; i < this.patterns.length; i++) if (atEnd[i]! < Infinity) report(this.patterns[i]!, atEnd[i]!, end);
    for (let i = 0; i < this.slots; i++) state[so + i] = -1;
  }

  get patternList(): readonly number[] {
    return this.patterns;
  }
}

export { Cat };
