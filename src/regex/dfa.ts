/**
 * Subset construction: a group of patterns' NFA → one DFA that finds every end offset of every pattern,
 * unanchored (a new match may start at every byte), with zero-width assertions decided exactly.
 *
 * How assertions become deterministic (the idea RE2's DFA uses): an assertion depends on the byte before
 * it and the byte after it. A DFA state remembers the category of the last byte consumed (START, NL, WORD,
 * OTHER — only as finely as the assertions still reachable need, so that states merge), and the closure
 * over zero-width edges is taken when the *next* symbol is known (a byte, or EOD at the end of the data).
 * A match that needed that lookahead is therefore reported one step late, with its true end offset:
 *
 * - reports "A" of a state: matches that end *before* the byte just consumed (to = index of that byte),
 *   found through an assertion that needed this byte as lookahead;
 * - reports "B" of a state: matches that end *after* the byte just consumed (to = index + 1), reached
 *   without any assertion after the last byte: reported at once, not a byte late;
 * - EOD reports: what the end of the data completes (to = length; or length - 1 for `$`/`\Z` before a
 *   final newline, see below).
 *
 * `$` without `m` and `\Z` hold at the end *or before a final `\n`*: two bytes of lookahead. A thread that
 * passes one with a `\n` ahead carries a pending condition in its NFA position (k = 1: "the next byte is
 * this `\n`", then k = 2: "and the end of the data must follow"). A MATCH reached under k = 1 consumes the
 * `\n` into the pattern's MATCH_ADJ node, which reports at EOD with to = length - 1.
 *
 * A state whose threads are all gone (nothing but new starts) is *quiescent*: the scanner may skip ahead
 * to the next prefilter candidate and restart there in the quiescent state of that position's context.
 */
import { ByteSet } from './ast.js';
import { DFA_CELL_BYTES, DFA_STATE_BYTES } from './memory-budget.js';
import {
  assertionHolds,
  canonicalCategory,
  categoryOf,
  Cat,
  EOD,
  isWordByte,
  type Nfa,
  NodeKind,
  prevDistinctions,
} from './nfa.js';

export class DfaTooLarge extends Error {}
/** The construction would pass the memory it was given (see memory-budget.ts). */
export class DfaOverMemory extends DfaTooLarge {
  constructor(readonly bytes: number) {
    super(`a DFA of more than ${bytes} bytes`);
  }
}

export interface Report {
  /** Pattern index within the database. */
  pattern: number;
  /** Added to the index of the byte just consumed (or the data length at EOD): -1, 0 or +1. */
  adjust: number;
}

export interface DfaTables {
  nstates: number;
  nclasses: number;
  /** Row width is `1 << shift` classes. */
  shift: number;
  /** States numbered at or above it are special (report, quiescent or accelerable). */
  specialBase: number;
  classOf: Uint8Array;
  /** `trans[(state << shift) | class]`. */
  trans: Uint32Array;
  /** Report list id per state (-1: none), on entering the state. */
  stateReports: Int32Array;
  /** Report list id per state (-1: none), at the end of the data. */
  eodReports: Int32Array;
  quiescent: Uint8Array;
  /** For accelerable states: the bytes that may leave the state (all others keep it in place). */
  accel: (ByteSet | null)[];
  /** Quiescent start state for each category of the byte before (START, NL, WORD, OTHER). */
  startByCat: number[];
  reportLists: Report[][];
  /** Patterns of the group (database pattern indices). */
  patterns: number[];
}

/** Default DFA size budget: tables of at most this many states (u16 ids with room for specials). */
export const DEFAULT_STATE_BUDGET = 16_000;

// Positions: node * 4 + k, k = 0 (plain), 1 (a `\n` must be the next byte), 2 (the end must come next).
const K_SHIFT = 2;
/**
 * A representative byte per category for the closure: assertions only see the category, and
 * end_or_final_newline only whether the byte is '\n', which is its own category.
 */
const CAT_REP = [-1, 0x0a, 0x61, 0x20];

interface BuildState {
  positions: Int32Array;
  /** Previous-byte distinctions the assertions reachable from the positions need (see `need`). */
  need: number;
  ctx: number;
  a: number[];
  b: number[];
}

/**
 * Byte classes: bytes no set, category or assertion tells apart share a class. Each set refines the
 * partition (classes numbered by their first byte at every step, so by their first byte at the end).
 */
export function byteClasses(sets: readonly ByteSet[]): { classOf: Uint8Array; nclasses: number; reps: number[] } {
  const extra = [ByteSet.of(0x0a), new ByteSet()];
  for (let b = 0; b < 256; b++) if (isWordByte(b)) extra[1]!.add(b);
  const classOf = new Uint8Array(256);
  const remap = new Int16Array(512);
  let nclasses = 1;
  const refine = (set: ByteSet): void => {
    remap.fill(-1, 0, 2 * nclasses);
    let next = 0;
    for (let b = 0; b < 256; b++) {
      const key = classOf[b]! * 2 + (set.has(b) ? 1 : 0);
      if (remap[key]! < 0) remap[key] = next++;
      classOf[b] = remap[key]!;
    }
    nclasses = next;
  };
  for (const set of sets) if (nclasses < 256) refine(set);
  for (const set of extra) if (nclasses < 256) refine(set);
  const reps: number[] = [];
  for (let b = 0; b < 256; b++) if (classOf[b] === reps.length) reps.push(b);
  return { classOf, nclasses, reps };
}

/**
 * Work counters of the subset construction over the life of the process: what tests compare to show that
 * compile work grows with the patterns' size and not faster (time is not deterministic, these are).
 */
export const constructionCounters = { states: 0, closures: 0, markCells: 0 };

/**
 * Marks shared by every builder of one NFA: a builder per pattern (plan.ts's explosive test) must not
 * allocate arrays the size of the whole NFA each, which made planning quadratic in the number of patterns.
 * Builders run one step at a time, never interleaved within a step, so one epoch counter serves them all.
 */
interface Scratch {
  stamp: Int32Array;
  classStamp: Int32Array;
  /** Marks per byte set of the NFA (`row` takes each set a state's positions use once). */
  setStamp: Int32Array;
  epoch: number;
}
const scratchOf = new WeakMap<Nfa, Scratch>();

/** A fresh mark value; the marks are cleared before the counter could overflow. */
function nextEpoch(s: Scratch): number {
  if (s.epoch >= 0x3fffffff) {
    s.stamp.fill(0);
    s.classStamp.fill(0);
    s.setStamp.fill(0);
    s.epoch = 0;
  }
  return ++s.epoch;
}

function scratchFor(nfa: Nfa): Scratch {
  const size = (nfa.size << K_SHIFT) + 4;
  let s = scratchOf.get(nfa);
  if (s === undefined || s.stamp.length < size || s.setStamp.length < nfa.sets.length) {
    const sets = Math.max(nfa.sets.length, s?.setStamp.length ?? 0);
    s = { stamp: new Int32Array(size), classStamp: new Int32Array(size), setStamp: new Int32Array(sets), epoch: s?.epoch ?? 0 };
    constructionCounters.markCells += 2 * size;
    scratchOf.set(nfa, s);
  }
  return s;
}

/** A 32-bit hash of a position set. */
function positionsHash(positions: ArrayLike<number>): number {
  let h = Math.imul(positions.length + 1, 0x9e3779b1);
  for (let i = 0; i < positions.length; i++) h = Math.imul(h ^ positions[i]!, 0x85ebca6b) + 0x632be59b;
  return h | 0;
}

/** A 32-bit hash of a state's identity (positions' hash, context, reports "A"): the intern table's key. */
function stateHash(positionsHashed: number, ctx: number, a: readonly number[]): number {
  let h = Math.imul(positionsHashed ^ (ctx + 0x7f4a7c15), 0x9e3779b1);
  h = Math.imul(h ^ (a.length + 0x27d4eb2f), 0xc2b2ae35);
  for (let i = 0; i < a.length; i++) h = Math.imul(h ^ a[i]!, 0x85ebca6b) + 0x165667b1;
  return (h ^ (h >>> 15)) | 0;
}

function sameInts(x: ArrayLike<number>, y: ArrayLike<number>): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/**
 * The subset construction, one state at a time: what `buildDfa` runs to completion (an eager DFA within a
 * state budget) and what the lazy DFA (lazy-dfa.ts) runs on demand while scanning.
 */
export class DfaBuilder {
  readonly classOf: Uint8Array;
  readonly nclasses: number;
  readonly reps: number[];
  readonly states: BuildState[] = [];
  /** Transition rows, computed on first need. */
  readonly rows: (number[] | undefined)[] = [];
  private readonly eodLists: (Report[] | undefined)[] = [];
  /**
   * States by identity hash: the first state with that hash, the others chained through `sameHash`
   * (hashing the positions instead of joining them into string keys: no key string per transition).
   */
  private readonly index = new Map<number, number>();
  private readonly sameHash: number[] = [];
  private readonly nfa: Nfa;
  private readonly starts: number[];
  private readonly classCat: number[];
  /** The classes of each category (ascending). */
  private readonly classesOfCat: number[][] = [[], [], [], []];
  /** The classes of each byte set the group uses (by set index), by category of their bytes (ascending). */
  private readonly classesOfSet = new Map<number, number[][]>();
  /** States by the hash of their positions alone (chained through `samePositions`), for `need`. */
  private readonly byPositions = new Map<number, number>();
  private readonly samePositions: number[] = [];
  private readonly scratch: Scratch;
  private readonly stack: number[] = [];
  private readonly full: number[] = [];
  /**
   * A block's targets in row() when `$` targets join them, deduplicated and then sorted in place (a typed
   * array sorts numbers natively: a comparator sort of a plain array was the largest single cost of the
   * construction); grown as needed.
   */
  private targets = new Int32Array(64);
  /** row()'s byte targets with their sets' indexes (`to * sets + index`), sorted natively; grown as needed. */
  private toKeys = new Float64Array(64);
  // row()'s work lists, reused (see row()): per class its block, per block its targets and its state; the
  // byte sets of the closure, each once, and the blocks each holds.
  private readonly blockOf: Int32Array;
  private readonly splitOf: number[] = [];
  private readonly blockTargets: number[][] = [];
  private readonly blockState: number[] = [];
  private readonly closureSets: number[] = [];
  private readonly blocksOfSet: number[][] = [];
  private readonly everyClassTo: number[] = [];
  /**
   * Whether the last closure met an assertion it decided by the next symbol. When it met none, the closure
   * is the same whatever the next byte: `row` takes it once for every category.
   */
  private closureMetAssertion = false;
  /** Whether the group's patterns have assertions at all (without, no state needs a distinction). */
  private hasAssertions = false;
  startByCat: number[] = [];

  /** Estimated bytes of the states made so far, with the tables they will become. */
  bytes = 0;
  private readonly bytesPerState: number;

  constructor(
    nfa: Nfa,
    readonly patterns: number[],
    private readonly budget = DEFAULT_STATE_BUDGET,
    private readonly memoryLimit = Infinity,
  ) {
    this.nfa = nfa;
    this.starts = patterns.map((p) => nfa.starts[p]!);
    this.scratch = scratchFor(nfa);
    const usedSets = new Set<number>();
    {
      const stamp = this.scratch.stamp;
      const epoch = nextEpoch(this.scratch);
      const stack = [...this.starts];
      while (stack.length > 0) {
        const n = stack.pop()!;
        if (n < 0 || stamp[n << K_SHIFT] === epoch) continue;
        stamp[n << K_SHIFT] = epoch;
        const k = nfa.kind[n]!;
        if (k === NodeKind.BYTE) usedSets.add(nfa.arg[n]!);
        else if (k === NodeKind.ASSERT) this.hasAssertions = true;
        if (k === NodeKind.MATCH || k === NodeKind.MATCH_ADJ) continue;
        stack.push(nfa.out1[n]!, nfa.out2[n]!);
      }
    }
    const setIds = [...usedSets].sort((x, y) => x - y);
    const { classOf, nclasses, reps } = byteClasses(setIds.map((i) => nfa.sets[i]!));
    this.classOf = classOf;
    this.nclasses = nclasses;
    this.reps = reps;
    this.classCat = reps.map((b) => categoryOf(b));
    for (let c = 0; c < nclasses; c++) this.classesOfCat[this.classCat[c]!]!.push(c);
    for (const i of setIds) {
      const set = nfa.sets[i]!;
      const byCat: number[][] = [[], [], [], []];
      for (let c = 0; c < nclasses; c++) if (set.has(reps[c]!)) byCat[this.classCat[c]!]!.push(c);
      this.classesOfSet.set(i, byCat);
    }
    this.blockOf = new Int32Array(nclasses);
    let width = 1;
    while (width < nclasses) width <<= 1;
    this.bytesPerState = DFA_STATE_BYTES + DFA_CELL_BYTES * width;
    this.internStarts();
  }

  private internStarts(): void {
    const empty = new Int32Array(0);
    this.startByCat = [Cat.START, Cat.NL, Cat.WORD, Cat.OTHER].map((c) => this.intern(empty, c, []));
  }

  /** Forgets every state (a lazy DFA's cache flush); the start states are made again. */
  reset(): void {
    this.states.length = 0;
    this.rows.length = 0;
    this.eodLists.length = 0;
    this.index.clear();
    this.sameHash.length = 0;
    this.bytes = 0;
    this.byPositions.clear();
    this.samePositions.length = 0;
    this.internStarts();
  }

  /** Zero-width closure of `seed` given the previous category and the next symbol (-1: unconditional). */
  private closure(seed: ArrayLike<number>, withStarts: boolean, prev: number, next: number, out: number[]): void {
    const nfa = this.nfa;
    const stamp = this.scratch.stamp;
    const stack = this.stack;
    const epoch = nextEpoch(this.scratch);
    constructionCounters.closures++;
    this.closureMetAssertion = false;
    out.length = 0;
    stack.length = 0;
    for (let i = 0; i < seed.length; i++) stack.push(seed[i]!);
    if (withStarts) for (const s of this.starts) stack.push(s << K_SHIFT);
    while (stack.length > 0) {
      const pos = stack.pop()!;
      if (stamp[pos] === epoch) continue;
      stamp[pos] = epoch;
      const k = pos & 3;
      // A thread that must meet the end next is useless unless the end is next.
      if (k === 2 && next !== EOD && next !== -1) continue;
      out.push(pos);
      const node = pos >> K_SHIFT;
      const kind = nfa.kind[node]!;
      if (kind === NodeKind.SPLIT) {
        const o1 = nfa.out1[node]!;
        const o2 = nfa.out2[node]!;
        if (o1 >= 0) stack.push((o1 << K_SHIFT) | k);
        if (o2 >= 0) stack.push((o2 << K_SHIFT) | k);
      } else if (kind === NodeKind.ASSERT && next !== -1) {
        this.closureMetAssertion = true;
        const code = nfa.arg[node]!;
        const o = nfa.out1[node]!;
        if (code === 3) {
          if (next === EOD) stack.push((o << K_SHIFT) | k);
          else if (next === 0x0a && k !== 2) stack.push((o << K_SHIFT) | 1);
        } else if (assertionHolds(code, prev, next)) {
          stack.push((o << K_SHIFT) | k);
        }
      }
    }
  }

  /** Previous-byte distinctions needed by assertions reachable from the positions (and the starts). */
  private neededDistinctions(positions: ArrayLike<number>): number {
    const nfa = this.nfa;
    const stamp = this.scratch.stamp;
    const stack = this.stack;
    const epoch = nextEpoch(this.scratch);
    let need = 0;
    stack.length = 0;
    for (let i = 0; i < positions.length; i++) stack.push(positions[i]! >> K_SHIFT);
    for (const s of this.starts) stack.push(s);
    while (stack.length > 0) {
      const node = stack.pop()!;
      const key = node << K_SHIFT;
      if (stamp[key] === epoch) continue;
      stamp[key] = epoch;
      const kind = nfa.kind[node]!;
      if (kind === NodeKind.SPLIT) {
        if (nfa.out1[node]! >= 0) stack.push(nfa.out1[node]!);
        if (nfa.out2[node]! >= 0) stack.push(nfa.out2[node]!);
      } else if (kind === NodeKind.ASSERT) {
        need |= prevDistinctions(nfa.arg[node]!);
        stack.push(nfa.out1[node]!);
      }
    }
    return need;
  }

  /**
   * The distinctions a position set needs: a state with the same positions knows them (every set asked
   * about becomes a state right after, so each is computed once).
   */
  private need(positions: ArrayLike<number>, hashed: number): number {
    if (!this.hasAssertions) return 0;
    for (let id = this.byPositions.get(hashed) ?? -1; id >= 0; id = this.samePositions[id]!) {
      const st = this.states[id]!;
      if (sameInts(st.positions, positions)) return st.need;
    }
    return this.neededDistinctions(positions);
  }

  /** The patterns of the positions' match nodes of `kind` (with pending condition `wantK`), sorted, each once. */
  private matchesOf(positions: readonly number[], wantK: number, kind: number): number[] {
    const nfa = this.nfa;
    const out: number[] = [];
    for (const pos of positions) {
      if ((pos & 3) !== wantK) continue;
      if (nfa.kind[pos >> K_SHIFT] === kind) out.push(nfa.arg[pos >> K_SHIFT]!);
    }
    // Usually none or one: sorted and made unique in place (a Set per call was a measurable part of construction).
    if (out.length < 2) return out;
    out.sort((x, y) => x - y);
    let n = 1;
    for (let i = 1; i < out.length; i++) if (out[i] !== out[n - 1]) out[n++] = out[i]!;
    out.length = n;
    return out;
  }

  /** The state of these positions after a byte of category `cat` (made when new). Throws DfaTooLarge past the budget. */
  private intern(positions: ArrayLike<number>, cat: number, a: number[], borrowed = false): number {
    const ph = positionsHash(positions);
    const need = this.need(positions, ph);
    const ctx = canonicalCategory(cat, need);
    const h = stateHash(ph, ctx, a);
    const first = this.index.get(h);
    for (let id = first ?? -1; id >= 0; id = this.sameHash[id]!) {
      const st = this.states[id]!;
      if (st.ctx === ctx && sameInts(st.positions, positions) && sameInts(st.a, a)) return id;
    }
    if (this.states.length >= this.budget) throw new DfaTooLarge(`more than ${this.budget} DFA states`);
    const bytes = this.bytes + this.bytesPerState + 4 * positions.length;
    if (bytes > this.memoryLimit) throw new DfaOverMemory(bytes);
    this.bytes = bytes;
    // A borrowed array (row()'s scratch) is copied; an Int32Array of the caller's is kept as it is.
    const own = positions instanceof Int32Array ? (borrowed ? positions.slice() : positions) : Int32Array.from(positions);
    const unc: number[] = [];
    this.closure(own, false, ctx, -1, unc);
    const b = this.matchesOf(unc, 0, NodeKind.MATCH);
    const id = this.states.length;
    this.states.push({ positions: own, need, ctx, a, b });
    this.sameHash.push(first ?? -1);
    this.index.set(h, id);
    this.samePositions.push(this.byPositions.get(ph) ?? -1);
    this.byPositions.set(ph, id);
    constructionCounters.states++;
    return id;
  }

  /** The state for positions saved from a stream (their reports already made). */
  resume(positions: Int32Array, ctx: number): number {
    return this.intern(positions, ctx, []);
  }

  /**
   * Every transition of state `s` (computed once).
   *
   * Per category of the next byte, the closure's byte-consuming positions say where each class leads (a
   * closure that meets no assertion is the same for every category, and serves them all). Two classes
   * that every byte set of those positions holds alike lead to the same positions, so the classes are
   * first split into blocks by those sets (a state's positions use few distinct sets, a broad set holds
   * most classes), and the targets are gathered per block, not per class: the work is the sets' classes
   * once and each position's blocks, not each position's classes. The states are made in the order of the
   * categories and classes, as gathering per class made them, so the DFA is numbered the same.
   */
  row(s: number): number[] {
    const cached = this.rows[s];
    if (cached !== undefined) return cached;
    const nfa = this.nfa;
    const st = this.states[s]!;
    const nclasses = this.nclasses;
    const classCat = this.classCat;
    const full = this.full;
    const scratch = this.scratch;
    const setStamp = scratch.setStamp;
    const classStamp = scratch.classStamp;
    const row = new Array<number>(nclasses);
    const { blockOf, splitOf, blockTargets, blockState, closureSets, blocksOfSet, everyClassTo } = this;
    for (let cat = Cat.NL; cat <= Cat.OTHER; ) {
      if (this.classesOfCat[cat]!.length === 0) {
        cat++;
        continue;
      }
      this.closure(st.positions, true, st.ctx, CAT_REP[cat]!, full);
      // The categories this closure serves: `cat` to `last`.
      const last = this.closureMetAssertion ? cat : Cat.OTHER;
      const matchedBefore = this.matchesOf(full, 0, NodeKind.MATCH).filter((p) => !st.b.includes(p));
      // The distinct byte sets of the closure's positions (and `$` targets, which every class gets).
      closureSets.length = 0;
      everyClassTo.length = 0;
      const setEpoch = nextEpoch(scratch);
      for (const pos of full) {
        const node = pos >> K_SHIFT;
        const k = pos & 3;
        const kind = nfa.kind[node]!;
        if (kind === NodeKind.BYTE && k !== 2) {
          const set = nfa.arg[node]!;
          if (setStamp[set] !== setEpoch) {
            setStamp[set] = setEpoch;
            closureSets.push(set);
          }
        } else if (kind === NodeKind.MATCH && k === 1) {
          // `$` before what may be the final newline: if the end follows, the pattern ends at this '\n'
          // (index t). Unless it is already reported at t (by the last byte, or just now), keep it pending.
          const p = nfa.arg[node]!;
          const adj = nfa.adjMatch[p]!;
          if (adj >= 0 && !st.b.includes(p) && !matchedBefore.includes(p)) everyClassTo.push((adj << K_SHIFT) | 2);
        }
      }
      // Blocks: every class of the categories starts in block 0; each set moves the classes it holds of a
      // block into a new block of their own (one per block it meets). Blocks left empty are never used.
      let nblocks = 1;
      splitOf[0] = -1;
      for (let c = 0; c < nclasses; c++) blockOf[c] = classCat[c]! >= cat && classCat[c]! <= last ? 0 : -1;
      for (const set of closureSets) {
        const byCat = this.classesOfSet.get(set)!;
        const epoch = nblocks;
        for (let k = cat; k <= last; k++) {
          for (const c of byCat[k]!) {
            const b = blockOf[c]!;
            // splitOf[b] >= epoch: block b was already split by this set (ids below epoch are older blocks).
            if (splitOf[b]! < epoch) {
              splitOf[b] = nblocks;
              splitOf[nblocks++] = -1;
            }
            blockOf[c] = splitOf[b]!;
          }
        }
      }
      // The blocks each set holds, each once (its classes' blocks), and the targets per block.
      for (let b = 0; b < nblocks; b++) {
        splitOf[b] = -1;
        if (blockTargets.length <= b) blockTargets.push([]);
        else blockTargets[b]!.length = 0;
      }
      for (let i = 0; i < closureSets.length; i++) {
        const byCat = this.classesOfSet.get(closureSets[i]!)!;
        if (blocksOfSet.length <= i) blocksOfSet.push([]);
        const blocks = blocksOfSet[i]!;
        blocks.length = 0;
        for (let k = cat; k <= last; k++) {
          for (const c of byCat[k]!) {
            const b = blockOf[c]!;
            if (splitOf[b] !== i) {
              splitOf[b] = i;
              blocks.push(b);
            }
          }
        }
        setStamp[closureSets[i]!] = ~i; // the set's index in closureSets, for the positions below
      }
      // The byte positions' targets, ascending (one sort per closure, not one per block), each with the
      // index of its set: every block's list then comes out sorted, with its duplicates adjacent.
      const m = closureSets.length;
      if (this.toKeys.length < full.length) this.toKeys = new Float64Array(2 * full.length);
      let nkeys = 0;
      for (const pos of full) {
        const node = pos >> K_SHIFT;
        const k = pos & 3;
        if (nfa.kind[node] !== NodeKind.BYTE || k === 2) continue;
        const to = (nfa.out1[node]! << K_SHIFT) | (k === 1 ? 2 : 0);
        this.toKeys[nkeys++] = to * m + ~setStamp[nfa.arg[node]!]!;
      }
      const keys = this.toKeys.subarray(0, nkeys).sort();
      for (let j = 0; j < nkeys; j++) {
        const i = keys[j]! % m;
        const to = (keys[j]! - i) / m;
        for (const b of blocksOfSet[i]!) {
          const list = blockTargets[b]!;
          if (list.length === 0 || list[list.length - 1] !== to) list.push(to);
        }
      }
      for (let k = cat; k <= last; k++) {
        blockState.length = 0;
        for (const c of this.classesOfCat[k]!) {
          const b = blockOf[c]!;
          const known = blockState[b];
          if (known !== undefined) {
            row[c] = known;
            continue;
          }
          // The block's targets, each once and sorted (a state's identity): as gathered, unless `$` targets
          // join them.
          const list = blockTargets[b]!;
          if (everyClassTo.length === 0) {
            const id = this.intern(list, k, matchedBefore);
            row[c] = id;
            blockState[b] = id;
            continue;
          }
          const epoch = nextEpoch(scratch);
          if (this.targets.length < list.length + everyClassTo.length) {
            this.targets = new Int32Array(2 * (list.length + everyClassTo.length));
          }
          const targets = this.targets;
          let n = 0;
          for (const to of list) {
            if (classStamp[to] !== epoch) {
              classStamp[to] = epoch;
              targets[n++] = to;
            }
          }
          for (const to of everyClassTo) {
            if (classStamp[to] !== epoch) {
              classStamp[to] = epoch;
              targets[n++] = to;
            }
          }
          const sorted = targets.subarray(0, n).sort();
          const id = this.intern(sorted, k, matchedBefore, true);
          row[c] = id;
          blockState[b] = id;
        }
      }
      cat = last + 1;
    }
    this.rows[s] = row;
    return row;
  }

  /** What the end of the data reports in state `s`. */
  eod(s: number): Report[] {
    const cached = this.eodLists[s];
    if (cached !== undefined) return cached;
    const st = this.states[s]!;
    const full = this.full;
    this.closure(st.positions, true, st.ctx, EOD, full);
    const eod: Report[] = [];
    for (const p of this.matchesOf(full, 0, NodeKind.MATCH)) if (!st.b.includes(p)) eod.push({ pattern: p, adjust: 0 });
    for (const p of this.matchesOf(full, 2, NodeKind.MATCH)) {
      // Reached through `$` before a final newline that the pattern then consumed: it ends at the end of
      // the data too, and may already be reported there (by the last byte, or by a plain path above).
      if (!st.b.includes(p) && !eod.some((r) => r.pattern === p && r.adjust === 0)) eod.push({ pattern: p, adjust: 0 });
    }
    for (const p of this.matchesOf(full, 2, NodeKind.MATCH_ADJ)) eod.push({ pattern: p, adjust: -1 });
    this.eodLists[s] = eod;
    return eod;
  }

  /** Reports made on entering state `s`. */
  reports(s: number): Report[] {
    const st = this.states[s]!;
    return [...st.a.map((p) => ({ pattern: p, adjust: 0 })), ...st.b.map((p) => ({ pattern: p, adjust: 1 }))];
  }

  isQuiescent(s: number): boolean {
    const st = this.states[s]!;
    return st.positions.length === 0 && st.a.length === 0;
  }
}

/**
 * Builds the whole DFA of a group of patterns (every reachable state). Throws `DfaTooLarge` past
 * `budget` states.
 */
export function buildDfa(nfa: Nfa, patterns: number[], budget = DEFAULT_STATE_BUDGET, memoryLimit = Infinity): DfaTables {
  const b = new DfaBuilder(nfa, patterns, budget, memoryLimit);
  const rows: number[][] = [];
  const eodLists: Report[][] = [];
  for (let s = 0; s < b.states.length; s++) {
    rows.push(b.row(s));
    eodLists.push(b.eod(s));
  }
  return finish(b.states, rows, eodLists, b.startByCat, b.classOf, b.nclasses, patterns);
}

/**
 * The number of states of a group's DFA, without its tables: the subset construction `buildDfa` runs,
 * without the end-of-data lists and the renumbering, which a caller that only asks whether the DFA fits
 * (plan.ts's explosive test) would throw away. Throws `DfaTooLarge` past `budget` states, `DfaOverMemory`
 * past `memoryLimit`, exactly when `buildDfa` would (only making states can pass them).
 */
export function dfaStateCount(nfa: Nfa, patterns: number[], budget = DEFAULT_STATE_BUDGET, memoryLimit = Infinity): number {
  return new DfaStateCounter(nfa, patterns, budget, memoryLimit).advance(Infinity);
}

/**
 * `dfaStateCount` a few rows at a time, so that a caller can run several such tests side by side and learn
 * first the outcome of the cheapest (plan.ts, when only how many of a group explode matters). The rows are
 * made in the same order as in one go, so the count and the point where it throws are the same.
 */
export class DfaStateCounter {
  private readonly builder: DfaBuilder;
  /** The next state whose row is to be made. */
  private next = 0;

  constructor(nfa: Nfa, patterns: number[], budget = DEFAULT_STATE_BUDGET, memoryLimit = Infinity) {
    this.builder = new DfaBuilder(nfa, patterns, budget, memoryLimit);
  }

  /**
   * Makes up to `rows` more rows: the number of states once every state has its row, else -1. Throws as
   * `dfaStateCount` does (then the counter is done with).
   */
  advance(rows: number): number {
    const b = this.builder;
    const end = this.next + rows;
    while (this.next < b.states.length && this.next < end) b.row(this.next++);
    return this.next < b.states.length ? -1 : b.states.length;
  }
}

/** Renumbers states (specials last), interns report lists, finds accelerable states. */
function finish(
  states: BuildState[],
  rows: number[][],
  eodLists: Report[][],
  startByCat: number[],
  classOf: Uint8Array,
  nclasses: number,
  patterns: number[],
): DfaTables {
  const n = states.length;
  const reportListOf = (st: BuildState): Report[] => [
    ...st.a.map((p) => ({ pattern: p, adjust: 0 })),
    ...st.b.map((p) => ({ pattern: p, adjust: 1 })),
  ];
  const isQuiescent = (st: BuildState) => st.positions.length === 0 && st.a.length === 0;
  const hasReports = (st: BuildState) => st.a.length > 0 || st.b.length > 0;

  // Accelerable: not reporting, not quiescent, and most bytes loop back to the state.
  const accelOld: (ByteSet | null)[] = new Array(n).fill(null);
  for (let s = 0; s < n; s++) {
    const st = states[s]!;
    if (hasReports(st)) continue;
    const exits = new ByteSet();
    for (let b = 0; b < 256; b++) if (rows[s]![classOf[b]!] !== s) exits.add(b);
    if (isQuiescent(st) || exits.size() <= 24) accelOld[s] = exits.size() <= 24 ? exits : null;
  }
  const special = (s: number) => hasReports(states[s]!) || isQuiescent(states[s]!) || accelOld[s] !== null;
  const order: number[] = [];
  for (let s = 0; s < n; s++) if (!special(s)) order.push(s);
  const specialBase = order.length;
  for (let s = 0; s < n; s++) if (special(s)) order.push(s);
  const newId = new Int32Array(n);
  order.forEach((old, i) => {
    newId[old] = i;
  });

  let shift = 0;
  while (1 << shift < nclasses) shift++;
  const trans = new Uint32Array(n << shift);
  const stateReports = new Int32Array(n).fill(-1);
  const eodReports = new Int32Array(n).fill(-1);
  const quiescent = new Uint8Array(n);
  const accel: (ByteSet | null)[] = new Array(n).fill(null);
  const lists: Report[][] = [];
  const listIndex = new Map<string, number>();
  const internList = (l: Report[]): number => {
    if (l.length === 0) return -1;
    const key = l.map((r) => `${r.pattern}:${r.adjust}`).join(',');
    let id = listIndex.get(key);
    if (id === undefined) {
      id = lists.length;
      lists.push(l);
      listIndex.set(key, id);
    }
    return id;
  };
  for (let old = 0; old < n; old++) {
    const s = newId[old]!;
    for (let c = 0; c < nclasses; c++) trans[(s << shift) | c] = newId[rows[old]![c]!]!;
    stateReports[s] = internList(reportListOf(states[old]!));
    eodReports[s] = internList(eodLists[old]!);
    quiescent[s] = isQuiescent(states[old]!) ? 1 : 0;
    accel[s] = accelOld[old]!;
  }
  return {
    nstates: n,
    nclasses,
    shift,
    specialBase,
    classOf,
    trans,
    stateReports,
    eodReports,
    quiescent,
    accel,
    startByCat: startByCat.map((s) => newId[s]!),
    reportLists: lists,
    patterns,
  };
}

/**
 * Reference runner over the tables (no prefilter, no acceleration): what the WASM kernel must compute.
 * `prevCat` is the category of the byte before `data` (Cat.START at the beginning of the data).
 */
export function runDfa(
  d: DfaTables,
  state: number,
  data: Uint8Array,
  eod: boolean,
  onReport: (pattern: number, to: number) => void,
): number {
  let s = state;
  for (let i = 0; i < data.length; i++) {
    s = d.trans[(s << d.shift) | d.classOf[data[i]!]!]!;
    const l = d.stateReports[s]!;
    if (l >= 0) for (const r of d.reportLists[l]!) onReport(r.pattern, i + r.adjust);
  }
  if (eod) {
    const l = d.eodReports[s]!;
    if (l >= 0) for (const r of d.reportLists[l]!) onReport(r.pattern, data.length + r.adjust);
  }
  return s;
}
