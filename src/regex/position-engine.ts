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

export type PositionReport = (pattern: number, from: number, to: number) => void;

export class PositionEngine {
  /** Persistent positions (node << 2 | k, k in {0, 2}) → slot in the state array. */
  private readonly slotOf: Map<number, number>;
  private readonly slotPos: Int32Array;
  private readonly positionSlots: number;
  readonly slots: number;
  /** Per pattern of the engine: report with lookahead (has assertions). */
  private readonly delayed: Set<number>;
  /**
   * Patterns with `$`/`\Z` (a MATCH_ADJ node): when a match ends right before a `\n` that might be the
   * last byte, its report waits one symbol, because a path through `$` may end there too with an earlier
   * start. Slot index in the state after the positions: pending start, -1 when none.
   */
  private readonly pendingSlot: Map<number, number>;
  private readonly starts: number[];
  private readonly patterns: number[];
  // Scratch over all positions: best start and a stamp per epoch.
  private readonly best: Float64Array;
  private readonly stampArr: Int32Array;
  private epoch = 0;
  private readonly work: number[] = [];
  private readonly touched: number[] = [];
  /** @internal Work done so far (positions put on the closure stack), for the linear-time tests. */
  steps = 0;

  constructor(
    private readonly nfa: Nfa,
    patterns: number[],
    hasAssertions: (pattern: number) => boolean,
  ) {
    this.patterns = patterns;
    this.starts = patterns.map((p) => nfa.starts[p]!);
    this.delayed = new Set(patterns.filter(hasAssertions));
    // Persistent positions: reachable BYTE targets and MATCH_ADJ nodes, k in {0, 2}.
    const persistent = new Set<number>();
    nfa.forEachReachable(this.starts, (n) => {
      const kind = nfa.kind[n]!;
      if (kind === NodeKind.BYTE) persistent.add(nfa.out1[n]!);
      else if (kind === NodeKind.MATCH) {
        const adj = nfa.adjMatch[nfa.arg[n]!]!;
        if (adj >= 0) persistent.add(adj);
      }
    });
    this.slotOf = new Map();
    const slotPos: number[] = [];
    for (const node of [...persistent].sort((a, b) => a - b)) {
      for (const k of [0, 2]) {
        this.slotOf.set((node << K_SHIFT) | k, slotPos.length);
        slotPos.push((node << K_SHIFT) | k);
      }
    }
    this.slotPos = Int32Array.from(slotPos);
    this.positionSlots = slotPos.length;
    this.pendingSlot = new Map();
    for (const p of patterns) if (nfa.adjMatch[p]! >= 0) this.pendingSlot.set(p, slotPos.length + this.pendingSlot.size);
    this.slots = slotPos.length + this.pendingSlot.size;
    this.best = new Float64Array(nfa.size << K_SHIFT);
    this.stampArr = new Int32Array(nfa.size << K_SHIFT);
  }

  /** Bytes of stream state: one double per slot. */
  get stateSize(): number {
    return 8 * this.slots;
  }

  private visit(pos: number, start: number): void {
    this.steps++;
    if (this.stampArr[pos] !== this.epoch) {
      this.stampArr[pos] = this.epoch;
      this.best[pos] = start;
      this.touched.push(pos);
      this.work.push(pos);
    } else if (start < this.best[pos]!) {
      this.best[pos] = start;
      this.work.push(pos);
    }
  }

  /** Closure of the seeds (in touched/best) given prev category and next symbol (-1: unconditional). */
  private close(prev: number, next: number): void {
    const nfa = this.nfa;
    while (this.work.length > 0) {
      const pos = this.work.pop()!;
      const start = this.best[pos]!;
      const node = pos >> K_SHIFT;
      const k = pos & 3;
      if (k === 2 && next !== EOD && next !== -1) continue;
      const kind = nfa.kind[node]!;
      if (kind === NodeKind.SPLIT) {
        const o1 = nfa.out1[node]!;
        const o2 = nfa.out2[node]!;
        if (o1 >= 0) this.visit((o1 << K_SHIFT) | k, start);
        if (o2 >= 0) this.visit((o2 << K_SHIFT) | k, start);
      } else if (kind === NodeKind.ASSERT && next !== -1) {
        const code = nfa.arg[node]!;
        const o = nfa.out1[node]!;
        if (code === 3) {
          if (next === EOD) this.visit((o << K_SHIFT) | k, start);
          else if (next === 0x0a && k !== 2) this.visit((o << K_SHIFT) | 1, start);
        } else if (assertionHolds(code, prev, next)) {
          this.visit((o << K_SHIFT) | k, start);
        }
      }
    }
  }

  private seed(state: Float64Array, so: number, withStartsAt: number): void {
    this.epoch++;
    this.touched.length = 0;
    this.work.length = 0;
    for (let i = 0; i < this.positionSlots; i++) {
      const s = state[so + i]!;
      if (s >= 0) this.visit(this.slotPos[i]!, s);
    }
    if (withStartsAt >= 0) for (const st of this.starts) this.visit(st << K_SHIFT, withStartsAt);
  }

  /**
   * Scans bytes. `offset` is the stream offset of data[0]; `prev` the category of the byte before it.
   * Reports are (pattern, from, to) with stream offsets.
   */
  scan(state: Float64Array, so: number, data: Uint8Array, offset: number, prev: number, report: PositionReport): void {
    const nfa = this.nfa;
    const next: number[] = [];
    const nextStart: number[] = [];
    const pending = this.pendingSlot;
    for (let i = 0; i < data.length; i++) {
      const x = data[i]!;
      const t = offset + i;
      // A report that waited for this symbol: the data did not end, so the `$` path did not complete.
      if (pending.size > 0) {
        for (const [p, slot] of pending) {
          if (state[so + slot]! >= 0) {
            report(p, state[so + slot]!, t - 1);
            state[so + slot] = -1;
          }
        }
      }
      this.seed(state, so, t);
      this.close(prev, x);
      // Lookahead reports of patterns with assertions: matches ending at t.
      const adjPending = new Set<number>();
      if (x === 0x0a && pending.size > 0) {
        for (const pos of this.touched) {
          if ((pos & 3) === 1 && nfa.kind[pos >> K_SHIFT] === NodeKind.MATCH) adjPending.add(nfa.arg[pos >> K_SHIFT]!);
        }
      }
      for (const pos of this.touched) {
        if ((pos & 3) === 0 && nfa.kind[pos >> K_SHIFT] === NodeKind.MATCH) {
          const p = nfa.arg[pos >> K_SHIFT]!;
          if (!this.delayed.has(p)) continue;
          if (adjPending.has(p))
            state[so + pending.get(p)!] = this.best[pos]!; // decided by the next symbol
          else report(p, this.best[pos]!, t);
        }
      }
      // Consume x.
      next.length = 0;
      nextStart.length = 0;
      for (const pos of this.touched) {
        const node = pos >> K_SHIFT;
        const k = pos & 3;
        const kind = nfa.kind[node]!;
        let to = -1;
        if (kind === NodeKind.BYTE && k !== 2 && nfa.sets[nfa.arg[node]!]!.has(x))
          to = (nfa.out1[node]! << K_SHIFT) | (k === 1 ? 2 : 0);
        else if (kind === NodeKind.MATCH && k === 1) {
          const adj = nfa.adjMatch[nfa.arg[node]!]!;
          if (adj >= 0) to = (adj << K_SHIFT) | 2;
        }
        if (to >= 0) {
          next.push(to);
          nextStart.push(this.best[pos]!);
        }
      }
      for (let j = 0; j < this.positionSlots; j++) state[so + j] = -1;
      for (let j = 0; j < next.length; j++) {
        const slot = this.slotOf.get(next[j]!);
        if (slot !== undefined && (state[so + slot]! < 0 || nextStart[j]! < state[so + slot]!)) state[so + slot] = nextStart[j]!;
      }
      // Immediate reports: patterns without assertions whose match ends after x.
      this.seed(state, so, -1);
      this.close(prev, -1);
      for (const pos of this.touched) {
        if ((pos & 3) === 0 && nfa.kind[pos >> K_SHIFT] === NodeKind.MATCH) {
          const p = nfa.arg[pos >> K_SHIFT]!;
          if (!this.delayed.has(p)) report(p, this.best[pos]!, t + 1);
        }
      }
      prev = categoryOf(x);
    }
  }

  /** End of data at stream offset `end`. One report per pattern and end offset, with the leftmost start. */
  eod(state: Float64Array, so: number, end: number, prev: number, report: PositionReport): void {
    const nfa = this.nfa;
    this.seed(state, so, end);
    this.close(prev, EOD);
    const atEnd = new Map<number, number>();
    const beforeFinalNewline = new Map<number, number>();
    const keep = (m: Map<number, number>, p: number, start: number) => {
      const s = m.get(p);
      if (s === undefined || start < s) m.set(p, start);
    };
    for (const pos of this.touched) {
      const kind = nfa.kind[pos >> K_SHIFT]!;
      const k = pos & 3;
      const p = nfa.arg[pos >> K_SHIFT]!;
      if (kind === NodeKind.MATCH && k === 0 && this.delayed.has(p)) keep(atEnd, p, this.best[pos]!);
      else if (kind === NodeKind.MATCH && k === 2) keep(atEnd, p, this.best[pos]!);
      else if (kind === NodeKind.MATCH_ADJ && k === 2) keep(beforeFinalNewline, p, this.best[pos]!);
    }
    // A match that waited for this symbol ends before the final newline too: one report, leftmost start.
    for (const [p, slot] of this.pendingSlot) if (state[so + slot]! >= 0) keep(beforeFinalNewline, p, state[so + slot]!);
    for (const [p, start] of beforeFinalNewline) report(p, start, end - 1);
    for (const [p, start] of atEnd) report(p, start, end);
    for (let i = 0; i < this.slots; i++) state[so + i] = -1;
  }

  get patternList(): readonly number[] {
    return this.patterns;
  }
}

export { Cat };
