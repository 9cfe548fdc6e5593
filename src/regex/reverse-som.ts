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
 * of backward steps per block (a few times the block's length, plus a small floor); a pattern that spends it
 * switches, for the rest of the block, to forward start tracking as Hyperscan's SOM does: the position
 * engine, run from the block's start and advanced only as far as the ends asked for (linear, exact). Its
 * answers are kept in a ring of a fixed size (the ends of one pattern are asked in increasing order), so
 * the memory does not grow with the block. Bounds: per pattern and block, at most `budget` backward steps
 * (each building at most one transition of the backward DFA, a pass over the pattern's nodes), then one
 * forward pass (the position engine's closure bound per byte). The backward DFAs' caches hold at most
 * MAX_STATES states over all patterns together; when full they are all cleared (`info()` counts the clears).
 *
 * In a stream the window is the last `somHorizon` bytes and the current chunk, read where they lie (two
 * pieces, not copied together). A start further back than the window is not known: the search reports the
 * earliest start it finds within the window, or the window's first offset. Streams compiled without a horizon use the forward position engine (exact at
 * any distance, slow); see database.ts.
 */
import { assertionHolds, Cat, categoryOf, EOD, isWordByte, NodeKind, type Nfa } from './nfa.js';
import { PositionEngine } from './position-engine.js';
import type { LeftmostStartInfo } from './types.js';

/** Backward steps a pattern may take per block before it falls back: this many times the block, plus a floor. */
export const BUDGET_FACTOR = 4;
export const BUDGET_FLOOR = 4096;
/**
 * The forward fallback advances at least this many bytes at a time (fewer calls into the position engine),
 * and keeps its answers for that many ends plus a few in a ring (RING: a power of two above it).
 */
const FORWARD_STEP = 1024;
const RING = 2048;

interface Backward {
  /** The pattern's start node and MATCH node (-1 when it cannot match). */
  start: number;
  match: number;
  /** Nodes the pattern reaches (a backward closure visits at most these). */
  nodes: number;
  /** The state holding MATCH alone, and the cache generation it belongs to (-1: none yet). */
  initialId: number;
  initialGeneration: number;
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
/** States the backward DFAs of all patterns may hold together (4 KiB each) before their caches are cleared. */
export const MAX_STATES = 4096;

/** A pattern's forward fallback: the position engine over the current block, advanced on demand. */
interface Forward {
  pattern: number;
  engine: PositionEngine;
  state: Float64Array;
  /** The block (`blocks` count) it was started for: from another block it starts over. */
  block: number;
  /** Offset of the window scanned up to, the category of the byte before it, whether the end was run. */
  at: number;
  prev: number;
  ended: boolean;
  /** The last end answered (ends are asked in increasing order; an earlier one restarts the pass). */
  asked: number;
  /** Answers: the leftmost start of the match ending at `ringEnd[e % RING]` (== e), -1 when none. */
  ringEnd: Float64Array;
  ringStart: Float64Array;
  report: (p: number, from: number, to: number) => void;
}

const EMPTY = new Uint8Array(0);

export class ReverseSom {
  private readonly backward = new Map<number, Backward>();
  // Node sets as stamped arrays (no allocation per step of the slow path).
  private readonly mark: Int32Array;
  private stamp = 0;
  private readonly work: number[] = [];
  /**
   * The bytes searched: `head` then `block`, one sequence without being copied together (a stream's history
   * and its current chunk; `head` is empty for a block).
   */
  private head: Uint8Array = EMPTY;
  private block: Uint8Array | null = null;
  /** Category of the byte before the block's first: START, or OTHER for a window of a stream. */
  private startCat: number = Cat.START;
  private readonly spent = new Map<number, number>();
  /** Forward fallbacks, per pattern, made on a pattern's first need and kept (their size is the pattern's). */
  private readonly forward = new Map<number, Forward>();
  /** Blocks (and windows) begun: a fallback started for an earlier one is stale. */
  private blocks = 0;
  /** States in all backward caches, and how often they were cleared for being full. */
  private cachedStates = 0;
  private cacheClears = 0;
  /** Forward passes started (a pattern spent its budget in a block). */
  private fallbacks = 0;
  /** Backward steps, and nodes visited building backward transitions, so far. */
  private backwardSteps = 0;

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
    this.blocks++;
  }

  endBlock(): void {
    this.head = EMPTY;
    this.block = null;
    this.blocks++;
  }

  /**
   * @internal Work done so far, for the linear-time tests: backward steps, nodes visited building
   * backward transitions, and the forward fallbacks' closure steps.
   */
  get steps(): number {
    let n = this.backwardSteps;
    for (const f of this.forward.values()) n += f.engine.steps;
    return n;
  }

  /**
   * @internal Entries held between calls, for the memory tests: states of the backward caches, and the
   * forward fallbacks' answers and state slots. Bounded by the patterns, whatever the input.
   */
  retained(): number {
    let n = this.cachedStates;
    for (const f of this.forward.values()) n += f.ringEnd.length + f.state.length;
    return n;
  }

  /**
   * @internal The most work (`steps`) one block or window of `length` bytes can take: per pattern, its
   * budget of backward steps (each building at most one transition: a closure over the pattern's nodes),
   * then a forward pass of two closures a byte (each pushing at most a slot and two successors per
   * position: 10 per node, with the MATCH_ADJ one) and one at the end.
   */
  stepBound(length: number): number {
    let bound = 0;
    for (const b of this.backward.values()) {
      const forwardClosure = 10 * (b.nodes + 1) + 1;
      bound += (BUDGET_FACTOR * length + BUDGET_FLOOR + 1) * (1 + b.nodes) + forwardClosure * (2 * length + 1);
    }
    return bound;
  }

  /** What info() reports: the bounds of the state kept between scans, and what was used of it. */
  info(): LeftmostStartInfo {
    return {
      patterns: this.backward.size,
      cachedStates: this.cachedStates,
      cacheCapacity: MAX_STATES,
      cacheClears: this.cacheClears,
      forwardPasses: this.fallbacks,
      budgetPerByte: BUDGET_FACTOR,
      budgetFloor: BUDGET_FLOOR,
    };
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
    const f = this.forward.get(p);
    if (f !== undefined && f.block === this.blocks) return this.forwardStart(f, to);
    const b = this.backward.get(p)!;
    if (b.match < 0) return to;
    const budget = BUDGET_FACTOR * (hl + tail.length) + BUDGET_FLOOR;
    let spent = this.spent.get(p) ?? 0;
    let best = -1;
    let s = this.initial(b);
    let q = to;
    let ctx = this.contextAt(q);
    while (q > 0 && s !== 0) {
      this.backwardSteps++;
      if (++spent > budget) {
        this.spent.set(p, spent);
        return this.forwardStart(this.startForward(p), to);
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
    if (b.initialGeneration !== b.generation) {
      b.initialId = this.intern(b, [b.match]);
      b.initialGeneration = b.generation;
    }
    return b.initialId;
  }

  private intern(b: Backward, nodes: number[]): number {
    if (nodes.length === 0) return 0;
    nodes.sort((x, y) => x - y);
    const key = nodes.join(',');
    let id = b.ids.get(key);
    if (id === undefined) {
      if (this.cachedStates >= MAX_STATES) {
        // Clear every cache (the walk in progress holds only ids it re-interns; no other walk is under way).
        for (const other of this.backward.values()) {
          other.ids.clear();
          other.sets.length = 1;
          other.trans.length = 1;
          other.generation++;
        }
        this.cachedStates = this.backward.size; // their empty states
        this.cacheClears++;
      }
      this.cachedStates++;
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
    this.backwardSteps += set.length;
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

  /** Starts (or restarts) pattern `p`'s forward pass at the current block's first offset. */
  private startForward(p: number): Forward {
    let f = this.forward.get(p);
    if (f === undefined) {
      const engine = new PositionEngine(this.nfa, [p], this.hasAssertions);
      const ringEnd = new Float64Array(RING);
      const ringStart = new Float64Array(RING);
      f = {
        pattern: p,
        engine,
        state: new Float64Array(engine.slots),
        block: -1,
        at: 0,
        prev: Cat.START,
        ended: false,
        asked: -1,
        ringEnd,
        ringStart,
        report: (_p: number, from: number, end: number): void => {
          const i = end & (RING - 1);
          if (ringEnd[i] !== end) {
            ringEnd[i] = end;
            ringStart[i] = from;
          } else if (from < ringStart[i]!) ringStart[i] = from;
        },
      };
      this.forward.set(p, f);
    }
    this.fallbacks++;
    f.block = this.blocks;
    f.state.fill(-1);
    f.ringEnd.fill(-1);
    f.at = 0;
    f.prev = this.startCat;
    f.ended = false;
    f.asked = -1;
    return f;
  }

  /**
   * The leftmost start of the match ending at `to`, from the forward pass: advanced to at least `to + 2`
   * (a report for an end comes when the byte after it is read, or the one after that for a `$` before a
   * `\n`), by FORWARD_STEP bytes at least, and run to the end of the data when it gets there.
   */
  private forwardStart(f: Forward, to: number): number {
    const head = this.head;
    const tail = this.block!;
    const hl = head.length;
    const total = hl + tail.length;
    // Ends come in increasing order per pattern (each engine reports them so); should one not, the
    // pass starts over rather than answer from a ring that moved on.
    if (to < f.asked) f = this.startForward(f.pattern);
    f.asked = to;
    const target = f.at >= to + 2 ? f.at : Math.min(total, Math.max(to + 2, f.at + FORWARD_STEP));
    while (f.at < target) {
      const piece = f.at < hl ? head.subarray(f.at, Math.min(hl, target)) : tail.subarray(f.at - hl, target - hl);
      f.engine.scan(f.state, 0, piece, f.at, f.prev, f.report);
      f.prev = categoryOf(piece[piece.length - 1]!);
      f.at += piece.length;
    }
    if (f.at === total && !f.ended) {
      f.engine.eod(f.state, 0, total, f.prev, f.report);
      f.ended = true;
    }
    const i = to & (RING - 1);
    if (f.ringEnd[i] === to) return f.ringStart[i]!;
    // No match ends there within the window: its start lies before a stream's window.
    return this.startCat === Cat.START ? to : 0;
  }

  /** Predecessor lists over the nodes the pattern reaches. */
  private prepare(p: number): Backward {
    this.cachedStates++; // the empty set, state 0
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
    let nodes = 0;
    nfa.forEachReachable([start], (n) => {
      nodes++;
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
      nodes,
      initialId: 0,
      initialGeneration: -1,
      ids: new Map(),
      sets: [new Int32Array(0)],
      trans: [new Int32Array(256 * 4).fill(-1)],
      generation: 0,
    };
  }
}
