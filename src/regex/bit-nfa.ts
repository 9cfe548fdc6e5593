/**
 * The bit-parallel NFA: the engine for patterns whose DFA explodes. A bounded repeat of a broad set
 * (`union.{0,100}select`, `[^>]{0,200}`, `\d{3,40}`) makes a DFA remember every recent start: 2^n subsets,
 * which an eager DFA cannot hold and a lazy one rebuilds without end on input that keeps the repeats alive.
 * Here the state is the set of NFA positions itself, one bit each (Glushkov's construction over the Thompson
 * NFA's BYTE nodes), advanced a 64-bit word at a time, as Hyperscan's LimEx engines do:
 *
 *   A'  =  (follow(A, context) | first(context))  &  reach[class of the byte]
 *
 * - most positions are followed by the next one (concatenation, repeat copies): one shift of the word;
 * - the other edges (a repeat's exit, an alternation's join, a loop's back edge) are *entries*: a source
 *   mask within a word and a sparse target set, taken when some source bit is set;
 * - zero-width assertions make an edge depend on the byte before and the byte after: such entries carry a
 *   mask of the contexts (category of the byte just consumed × category of the next byte) they hold in;
 * - only the words with a live bit are visited, so the cost per byte follows what is alive, not the size of
 *   the pattern set; with nothing alive the scan jumps to the next prefilter candidate (Teddy on the
 *   patterns' first bytes), and with only repeats and loops alive it skips the bytes that change nothing
 *   but where their bits are (acceleration, below).
 *
 * Reports follow dfa.ts's rules exactly (it is the same NFA, simulated instead of determinized): a match
 * reached without an assertion after its last byte is reported on consuming that byte (to = index + 1);
 * one that needed the next symbol is reported when it is known (to = its index, or the length at the end);
 * `$` before a final `\n` goes through a pseudo-position that consumes the `\n` and reports at the end of
 * the data one byte back.
 *
 * Every step costs at most (live words × their entries + the first-position list of the byte): linear in the
 * input with a constant fixed at compile time, and a stream's state is the bit set (8 bytes per 64
 * positions) and the category of its last byte.
 */
import { ByteSet } from './ast.js';
import { byteClasses } from './dfa.js';
import { BlobWriter } from './layout.js';
import { assertionHolds, Cat, categoryOf, EOD, type Nfa, NodeKind } from './nfa.js';
import {
  chooseTeddy,
  firstBytes,
  setProbability,
  shuftiOf,
  teddyTables,
  windowProbability,
  type TeddyPlan,
} from './prefilter.js';

export const ENGINE_BNFA = 3;
/** Positions one engine holds (its state is this many bits). Larger sets are split across engines. */
export const MAX_BNFA_POSITIONS = 1 << 15;
/** Engines of at most this many 64-bit words store targets densely and step every word (layout.h). */
const DENSE_WORDS = 8;
/** Contexts of an edge: (category of the byte consumed: NL, WORD, OTHER) × (next: NL, WORD, OTHER, EOD). */
const EDGE_CONTEXTS = 12;
/** Contexts of a start: (previous: START, NL, WORD, OTHER) × (next byte: NL, WORD, OTHER). */
const START_CONTEXTS = 12;
const ALL_EDGE_CONTEXTS = (1 << EDGE_CONTEXTS) - 1;
/** Extra entry kinds (layout.h BNFA_X_*). */
const X_REPORT = 1;
const X_ADJ = 2;
const TEDDY_K = 4;
const PREFILTER_MAX_RATE = 0.3;

/** A representative byte of each next-symbol kind (assertions see only its category; `\n` is its own). */
const NEXT_REP = [0x0a, 0x61, 0x20, EOD];

/** Why a pattern cannot run on this engine (it then stays on the lazy DFA). */
export class BitNfaUnsupported extends Error {}

interface Closure {
  /** BYTE nodes reached without a pending final-newline condition. */
  bytes: number[];
  /** Patterns whose MATCH was reached. */
  matches: number[];
  /** Patterns whose MATCH was reached after a `$` that holds before this `\n` (if it is the last byte). */
  adj: number[];
  sawAssert: boolean;
}

/** The engine's tables before encoding (exposed for tests and info()). */
export interface BitNfaTables {
  patterns: number[];
  positions: number;
  words: number;
  blob: Uint8Array;
  teddy: TeddyPlan | null;
  /** Entries (follow + extra), for info(). */
  entries: number;
  /**
   * For taking over a lazy DFA's state (scanner.ts): the positions of the BYTE nodes that continue at each NFA
   * node (a DFA position is such an after-point), and each pattern's `$`-before-a-final-newline position.
   */
  after: Map<number, number[]>;
  adj: Map<number, number>;
  /**
   * What acceleration covers (see Acceleration), for tests: positions in chains, loop positions, whether a
   * chain feeds a loop, and the stop bytes; null when it does not apply.
   */
  accel: { chain: number; loops: number[]; feeds: boolean; stop: number[] } | null;
}

/**
 * Zero-width closure of `seeds` (nodes) given the category of the previous byte and the next symbol (a byte,
 * EOD, or -1: no assertion passes). Mirrors DfaBuilder.closure, with k = 1 for "a `$` held before this `\n`".
 */
function closure(nfa: Nfa, seeds: readonly number[], prev: number, next: number, seen: Map<number, number>): Closure {
  const out: Closure = { bytes: [], matches: [], adj: [], sawAssert: false };
  seen.clear();
  const stack: number[] = [];
  for (const s of seeds) stack.push(s << 1);
  while (stack.length > 0) {
    const pos = stack.pop()!;
    const node = pos >> 1;
    const k = pos & 1;
    if (node < 0) continue;
    if (seen.has(pos)) continue;
    seen.set(pos, 1);
    const kind = nfa.kind[node]!;
    if (kind === NodeKind.BYTE) {
      if (k === 1) throw new BitNfaUnsupported('a byte after `$` that may be before a final newline');
      out.bytes.push(node);
    } else if (kind === NodeKind.MATCH) {
      (k === 1 ? out.adj : out.matches).push(nfa.arg[node]!);
    } else if (kind === NodeKind.SPLIT) {
      const o1 = nfa.out1[node]!;
      const o2 = nfa.out2[node]!;
      if (o1 >= 0) stack.push((o1 << 1) | k);
      if (o2 >= 0) stack.push((o2 << 1) | k);
    } else if (kind === NodeKind.ASSERT) {
      out.sawAssert = true;
      if (next === -1) continue;
      const code = nfa.arg[node]!;
      const o = nfa.out1[node]!;
      if (code === 3) {
        if (next === EOD) stack.push((o << 1) | k);
        else if (next === 0x0a) stack.push((o << 1) | 1);
      } else if (assertionHolds(code, prev, next)) stack.push((o << 1) | k);
    }
  }
  return out;
}

/** Sorted unique values. */
function uniq(xs: readonly number[]): number[] {
  return [...new Set(xs)].sort((a, b) => a - b);
}

/** Numbers the BYTE nodes of one pattern in textual order (depth first, `out1` before `out2`). */
function numberPattern(nfa: Nfa, start: number, posOf: Map<number, number>, order: number[]): void {
  const seen = new Set<number>();
  const stack = [start];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n < 0 || seen.has(n)) continue;
    seen.add(n);
    const kind = nfa.kind[n]!;
    if (kind === NodeKind.MATCH || kind === NodeKind.MATCH_ADJ) continue;
    if (kind === NodeKind.BYTE && !posOf.has(n)) {
      posOf.set(n, order.length);
      order.push(n);
    }
    if (nfa.out2[n]! >= 0) stack.push(nfa.out2[n]!);
    stack.push(nfa.out1[n]!);
  }
}

/** How many positions a pattern needs here, or null when it cannot run on this engine. */
export function bitNfaPositions(nfa: Nfa, p: number): number | null {
  try {
    const posOf = new Map<number, number>();
    const order: number[] = [];
    numberPattern(nfa, nfa.starts[p]!, posOf, order);
    // The closures decide support: a byte after a `$` with a `\n` ahead, or a match from the start alone.
    const seen = new Map<number, number>();
    for (let prev = Cat.START; prev <= Cat.OTHER; prev++) {
      for (const next of NEXT_REP) {
        const c = closure(nfa, [nfa.starts[p]!], prev, next, seen);
        if (c.matches.length > 0 || c.adj.length > 0) return null;
      }
    }
    for (const n of order) {
      // A closure that meets no assertion is the same in every context (and cannot fail): one is enough.
      if (!closure(nfa, [nfa.out1[n]!], 1, NEXT_REP[0]!, seen).sawAssert) continue;
      for (let x = 1; x < EDGE_CONTEXTS; x++) closure(nfa, [nfa.out1[n]!], 1 + (x >> 2), NEXT_REP[x & 3]!, seen);
    }
    return order.length + (nfa.adjMatch[p]! >= 0 ? 1 : 0);
  } catch (e) {
    if (e instanceof BitNfaUnsupported) return null;
    throw e;
  }
}

/**
 * Whether a pattern is *sticky*: it has a loop over every byte (`[\s\S]*`, the tail of `(?s).{64,}`), so that
 * once it is entered the pattern stays alive to the end of the data. In an engine with other patterns it
 * would keep the engine stepping every byte from then on (nothing lets the prefilter skip while a bit is
 * alive); plan.ts gives such patterns an engine of their own, where acceleration skips over the loop.
 */
export function isSticky(nfa: Nfa, p: number): boolean {
  const posOf = new Map<number, number>();
  const order: number[] = [];
  numberPattern(nfa, nfa.starts[p]!, posOf, order);
  const seen = new Map<number, number>();
  for (const n of order) {
    if (nfa.sets[nfa.arg[n]!]!.size() < 256) continue;
    if (closure(nfa, [nfa.out1[n]!], -1, -1, seen).bytes.includes(n)) return true;
  }
  return false;
}

/** A bit set over positions as sparse words: word index → [low 32 bits, high 32 bits]. */
function wordsOf(positions: readonly number[]): Map<number, [number, number]> {
  const m = new Map<number, [number, number]>();
  for (const q of positions) {
    const w = q >> 6;
    const b = q & 63;
    let v = m.get(w);
    if (v === undefined) m.set(w, (v = [0, 0]));
    if (b < 32) v[0] = (v[0] | (1 << b)) >>> 0;
    else v[1] = (v[1] | (1 << (b - 32))) >>> 0;
  }
  return m;
}

interface Entry {
  word: number;
  src: number[];
  ctx: number;
  /** follow: target positions; report: pattern list; adj: [pattern, adj position]. */
  kind: 0 | typeof X_REPORT | typeof X_ADJ;
  payload: number[];
}

/**
 * The positions of an engine for a group of patterns: each pattern's BYTE nodes in textual order, then its
 * `$`-before-final-newline position. `order` maps a position to its BYTE node, or to -1 - pattern for an
 * adj position.
 */
function numberPositions(
  nfa: Nfa,
  patterns: readonly number[],
): { posOf: Map<number, number>; order: number[]; adjPos: Map<number, number> } {
  const posOf = new Map<number, number>();
  const order: number[] = [];
  const adjPos = new Map<number, number>();
  for (const p of patterns) {
    numberPattern(nfa, nfa.starts[p]!, posOf, order);
    if (nfa.adjMatch[p]! >= 0) {
      adjPos.set(p, order.length);
      order.push(-1 - p);
    }
  }
  return { posOf, order, adjPos };
}

/**
 * The number of positions `buildBitNfa` gives a group of patterns, without building anything: what the
 * scanner needs to lay out a stream's state before an engine that is built on first need exists.
 */
export function bitNfaPositionCount(nfa: Nfa, patterns: readonly number[]): number {
  return numberPositions(nfa, patterns).order.length;
}

/** The 64-bit words of the state of an engine of `positions` positions. */
export function bitNfaWords(positions: number): number {
  return Math.max(1, Math.ceil(positions / 64));
}

/**
 * Builds the engine for a group of patterns (database pattern indices). Throws BitNfaUnsupported when one of
 * them cannot run here (check with bitNfaPositions first). `teddy`, when given, is the prefilter this
 * function would choose for them (plan.ts lazyTeddy's: a lazy DFA's fallback has its DFA's patterns and
 * prefilter), which is then not planned a second time.
 */
export function buildBitNfa(nfa: Nfa, patterns: readonly number[], teddy?: TeddyPlan | null): BitNfaTables {
  const { posOf, order, adjPos } = numberPositions(nfa, patterns);
  const npos = order.length;
  if (npos > MAX_BNFA_POSITIONS) throw new BitNfaUnsupported(`more than ${MAX_BNFA_POSITIONS} positions`);
  const words = bitNfaWords(npos);
  const newline = ByteSet.of(0x0a);
  const setOf = (q: number) => (order[q]! >= 0 ? nfa.sets[nfa.arg[order[q]!]!]! : newline);
  const sets = uniq(order.flatMap((n) => (n >= 0 ? [nfa.arg[n]!] : []))).map((i) => nfa.sets[i]!);
  if (adjPos.size > 0) sets.push(newline);
  const { classOf, nclasses, reps } = byteClasses(sets);
  const seen = new Map<number, number>();
  const toPositions = (nodes: readonly number[]) => uniq(nodes.map((n) => posOf.get(n)!));

  // Per position: the unconditional follow (shift + context-free entries), B reports, and, where assertions
  // are in the way, the extra follow, reports and adj per context.
  const shift1 = new Set<number>();
  const bReports: number[][] = new Array(npos);
  /** Per position, the targets of its edges other than the shift (for acceleration, below). */
  const otherTargets: number[][] = Array.from({ length: npos }, () => []);
  const hasExtra = new Uint8Array(npos);
  /** Positions that follow themselves whatever the context (loops, for acceleration). */
  const selfLoop = new Uint8Array(npos);
  const followGroups = new Map<string, Entry>();
  const ctxGroups = new Map<string, Map<number, number>>(); // key → position → context mask
  const ctxPayload = new Map<string, { word: number; kind: Entry['kind']; payload: number[] }>();
  const addCtx = (q: number, kind: Entry['kind'], payload: number[], x: number) => {
    const key = `${q >> 6}|${kind}|${payload.join(',')}`;
    let m = ctxGroups.get(key);
    if (m === undefined) {
      ctxGroups.set(key, (m = new Map()));
      ctxPayload.set(key, { word: q >> 6, kind, payload });
    }
    m.set(q, (m.get(q) ?? 0) | (1 << x));
  };
  for (let q = 0; q < npos; q++) {
    const node = order[q]!;
    if (node < 0) {
      bReports[q] = [];
      continue;
    }
    const u = closure(nfa, [nfa.out1[node]!], -1, -1, seen);
    const f0 = toPositions(u.bytes);
    bReports[q] = uniq(u.matches);
    let extra = f0;
    if (f0.includes(q)) selfLoop[q] = 1;
    if (f0.includes(q + 1)) {
      shift1.add(q);
      extra = f0.filter((t) => t !== q + 1);
    }
    otherTargets[q]!.push(...extra);
    if (extra.length > 0) {
      const key = `${q >> 6}|${extra.join(',')}`;
      const g = followGroups.get(key);
      if (g === undefined) followGroups.set(key, { word: q >> 6, src: [q], ctx: ALL_EDGE_CONTEXTS, kind: 0, payload: extra });
      else g.src.push(q);
    }
    if (!u.sawAssert) continue;
    const f0set = new Set(f0);
    const bset = new Set(bReports[q]);
    for (let x = 0; x < EDGE_CONTEXTS; x++) {
      const next = NEXT_REP[x & 3]!;
      const c = closure(nfa, [nfa.out1[node]!], 1 + (x >> 2), next, seen);
      if (next !== EOD) {
        const more = toPositions(c.bytes).filter((t) => !f0set.has(t));
        if (more.length > 0) addCtx(q, 0, more, x);
        otherTargets[q]!.push(...more);
      }
      const a = uniq(c.matches).filter((p) => !bset.has(p));
      if (a.length > 0) addCtx(q, X_REPORT, a, x);
      for (const p of uniq(c.adj)) addCtx(q, X_ADJ, [p, adjPos.get(p)!], x);
      if (a.length > 0 || c.adj.length > 0) hasExtra[q] = 1;
    }
  }
  const follow: Entry[] = [...followGroups.values()];
  const extra: Entry[] = [];
  for (const [key, byPos] of ctxGroups) {
    const { word, kind, payload } = ctxPayload.get(key)!;
    const byMask = new Map<number, number[]>();
    for (const [q, mask] of byPos) {
      const l = byMask.get(mask);
      if (l === undefined) byMask.set(mask, [q]);
      else l.push(q);
    }
    for (const [mask, src] of byMask) (kind === 0 ? follow : extra).push({ word, src, ctx: mask, kind, payload });
  }

  // First positions per start context, and reach per byte class.
  const firstByCtx: number[][] = []; // index: previous category × 3 + next (NL, WORD, OTHER)
  for (let prev = Cat.START; prev <= Cat.OTHER; prev++) {
    for (let nx = 0; nx < 3; nx++) {
      const c = closure(
        nfa,
        patterns.map((p) => nfa.starts[p]!),
        prev,
        NEXT_REP[nx]!,
        seen,
      );
      if (c.matches.length > 0 || c.adj.length > 0) throw new BitNfaUnsupported('a match without a byte');
      firstByCtx.push(toPositions(c.bytes));
    }
  }
  const reachOf: number[][] = Array.from({ length: nclasses }, () => []);
  for (let q = 0; q < npos; q++) {
    const set = setOf(q);
    for (let c = 0; c < nclasses; c++) if (set.has(reps[c]!)) reachOf[c]!.push(q);
  }

  // Prefilter: when nothing is alive, only a position whose next bytes may begin a match is worth a step.
  if (teddy === undefined) {
    teddy = null;
    const windows = patterns.map((p) => firstBytes(nfa, nfa.starts[p]!, TEDDY_K));
    if (windows.every((w) => windowProbability(w) < PREFILTER_MAX_RATE / 4)) {
      const t = chooseTeddy(windows, TEDDY_K);
      if (t.rate < PREFILTER_MAX_RATE) teddy = t;
    }
  }

  const accel = accelerationOf(npos, setOf, shift1, bReports, hasExtra, selfLoop, otherTargets, firstByCtx, teddy !== null);

  const blob = encode({
    accel,
    setOf,
    npos,
    words,
    nclasses,
    classOf,
    shift1,
    reachOf,
    bReports,
    follow,
    extra,
    firstByCtx,
    adj: [...adjPos.entries()].map(([p, q]) => [q, p] as [number, number]),
    teddy,
    patterns: patterns.length,
  });
  const after = new Map<number, number[]>();
  order.forEach((node, q) => {
    if (node < 0) return;
    const list = after.get(nfa.out1[node]!);
    if (list === undefined) after.set(nfa.out1[node]!, [q]);
    else list.push(q);
  });
  return {
    patterns: [...patterns],
    positions: npos,
    words,
    blob,
    teddy,
    entries: follow.length + extra.length,
    after,
    adj: adjPos,
    accel: accel && { chain: accel.chain.length, loops: accel.loops, feeds: accel.exit !== null, stop: accel.stop.bytes() },
  };
}

/** The blob header's field offsets (bnfa_t in layout.h). */
const H = {
  kind: 0,
  npos: 4,
  words: 8,
  nclasses: 12,
  classmap: 16,
  catmap: 20,
  shift1: 24,
  reach: 28,
  acceptB: 32,
  bpat: 36,
  wordtab: 40,
  first: 44,
  teddy: 48,
  size: 52,
  adj: 56,
  maxStep: 60,
  dense: 64,
  fsrc: 68,
  xsrc: 72,
  accel: 76,
  accelExit: 80,
};
const HEADER_SIZE = 96;
/** bnfa_entry_t: source mask, context | kind << 16, reference, the bytes its targets take (256 bits). */
const ENTRY_SIZE = 48;

/**
 * Acceleration: a bounded repeat of a broad set (`.{7,300}`, `[^>]{0,128}`) or a loop (`[\s\S]*`, the tail of
 * `.{64,}`, `[^>]*`) keeps the engine busy on every byte while its bits only march along the repeat or stay
 * where they are. Two shapes take part:
 * - a *chain*: positions each followed by the next, all with the same byte set, reporting nothing. Over k
 *   bytes of its set that can neither leave it by another edge nor begin a pattern, a bit moves by k;
 * - a *loop*: a position that follows itself unconditionally and reports nothing. Over bytes of its set that
 *   its other edges do not take, its bit stays put. A chain that ends into a loop (`x{64,}` is 64 copies and
 *   a loop) hands its bits over: a bit that runs off such a chain's end during a skip lands in the loop.
 * When every live bit is in one of them, the kernel finds the next byte that could do more (a shufti search
 * for `stop`, and no further than the prefilter's next candidate, where patterns may begin) and moves the
 * bits there at once: chain bits along their chains (bits whose chain ends before are dropped, `keep[k]`,
 * or handed to the loop their chain feeds, `exit[k]`), loop bits not at all.
 *
 * The stop set is one for the engine, the union of what each accelerated chain or loop needs; a broad one
 * (a `\d{8,}` chain stops at every non-digit) would make every skip short. So the shapes are taken cheapest
 * first while the union stays rare (MAX_STOP_RATE, by the prefilter's byte-frequency model); the others
 * simply are not accelerated.
 */
export interface Acceleration {
  /** Bytes that end a skip: outside an accelerated set, taken by its other edges, or first bytes (no gate). */
  stop: ByteSet;
  /** Positions in accelerated chains. */
  chain: number[];
  /** Accelerated loop positions. */
  loops: number[];
  /** keep[k] (k = 1..63): chain positions at least k positions into their chain. */
  keep: number[][];
  /**
   * exit[k] (k = 1..63): positions of chains that end into an accelerated loop, fewer than k positions before
   * that end (after k bytes their bit is in the loop); null when no chain feeds a loop.
   */
  exit: number[][] | null;
}

/** Chains worth accelerating are at least this long. */
const MIN_CHAIN = 8;
/** The most of the text (estimated) the stop set may match: beyond it skips are too short to pay. */
const MAX_STOP_RATE = 0.2;

/** A chain (from..to, or from = -1), the loop it feeds or that stands alone (or -1), and the bytes it stops at. */
interface AccelUnit {
  from: number;
  to: number;
  loop: number;
  stop: ByteSet;
  rate: number;
}

function accelerationOf(
  npos: number,
  setOf: (q: number) => ByteSet,
  shift1: Set<number>,
  bReports: number[][],
  hasExtra: Uint8Array,
  selfLoop: Uint8Array,
  otherTargets: number[][],
  firstByCtx: number[][],
  gated: boolean,
): Acceleration | null {
  const member = (q: number) => q < npos && bReports[q]!.length === 0 && hasExtra[q] === 0;
  const isLoop = (q: number) => member(q) && selfLoop[q] === 1;
  const inChain = (q: number) => member(q) && selfLoop[q] === 0;
  /** What a loop stops at: bytes outside its set, and those its other edges (the shift included) take. */
  const loopStop = (q: number): ByteSet => {
    let s = setOf(q).complement();
    for (const t of otherTargets[q]!) if (t !== q) s = s.union(setOf(t));
    if (shift1.has(q)) s = s.union(setOf(q + 1));
    return s;
  };
  const units: AccelUnit[] = [];
  const unit = (from: number, to: number, loop: number, stop: ByteSet) =>
    units.push({ from, to, loop, stop, rate: setProbability(stop) });
  for (let q = 0; q < npos; ) {
    let end = q;
    const key = setOf(q).key();
    while (inChain(end) && shift1.has(end) && inChain(end + 1) && setOf(end + 1).key() === key) end++;
    if (inChain(q) && end - q + 1 >= MIN_CHAIN) {
      let stop = setOf(q).complement();
      for (let p = q; p <= end; p++) for (const t of otherTargets[p]!) stop = stop.union(setOf(t));
      if (shift1.has(end) && isLoop(end + 1)) unit(q, end, end + 1, stop.union(loopStop(end + 1)));
      else unit(q, end, -1, shift1.has(end) ? stop.union(setOf(end + 1)) : stop);
    }
    q = end + 1;
  }
  for (let q = 0; q < npos; q++) if (isLoop(q)) unit(-1, -1, q, loopStop(q));
  if (units.length === 0) return null;
  // Without a prefilter the first positions are added on every byte: a skip must stop where one may begin.
  // With one, they are added at its candidates only, and the kernel stops the skip at the next candidate.
  let stop = new ByteSet();
  if (!gated) for (const first of firstByCtx) for (const q of first) stop = stop.union(setOf(q));
  if (setProbability(stop) > MAX_STOP_RATE) return null;
  units.sort((a, b) => a.rate - b.rate);
  const chosen: AccelUnit[] = [];
  for (const u of units) {
    const s = stop.union(u.stop);
    if (setProbability(s) > MAX_STOP_RATE) continue;
    stop = s;
    chosen.push(u);
  }
  if (chosen.length === 0 || stop.size() >= 256) return null;
  const chain: number[] = [];
  const loops = new Set<number>();
  const chainStart = new Int32Array(npos).fill(-1);
  const feeding: AccelUnit[] = [];
  for (const u of chosen) {
    if (u.loop >= 0) loops.add(u.loop);
    if (u.from < 0) continue;
    for (let p = u.from; p <= u.to; p++) {
      chainStart[p] = u.from;
      chain.push(p);
    }
    if (u.loop >= 0) feeding.push(u);
  }
  const keep: number[][] = [[]];
  for (let k = 1; k < 64; k++) keep.push(chain.filter((p) => p - chainStart[p]! >= k));
  let exit: number[][] | null = null;
  if (feeding.length > 0) {
    exit = [[]];
    for (let k = 1; k < 64; k++) {
      const e: number[] = [];
      for (const u of feeding) for (let p = Math.max(u.from, u.to - k + 1); p <= u.to; p++) e.push(p);
      exit.push(e);
    }
  }
  return { stop, chain, loops: [...loops].sort((a, b) => a - b), keep, exit };
}

interface EncodeInput {
  accel: Acceleration | null;
  setOf: (q: number) => ByteSet;
  npos: number;
  words: number;
  nclasses: number;
  classOf: Uint8Array;
  shift1: Set<number>;
  reachOf: number[][];
  bReports: number[][];
  follow: Entry[];
  extra: Entry[];
  firstByCtx: number[][];
  adj: [number, number][];
  teddy: TeddyPlan | null;
  patterns: number;
}

/** Writes the tables in layout.h's bnfa_t layout. */
function encode(t: EncodeInput): Uint8Array {
  const w = new BlobWriter();
  const header = w.reserve(HEADER_SIZE);
  const W = t.words;
  const dense = W <= DENSE_WORDS;
  const put64 = (at: number, m: [number, number]) => {
    w.u32(at, m[0]);
    w.u32(at + 4, m[1]);
  };
  const denseSet = (at: number, positions: readonly number[]) => {
    for (const [word, m] of wordsOf(positions)) put64(at + 8 * word, m);
  };
  const classmap = w.reserve(256);
  w.bytes(classmap, t.classOf);
  const catmap = w.reserve(256);
  for (let b = 0; b < 256; b++) w.u8(catmap + b, categoryOf(b));
  const shift1 = w.reserve(8 * W);
  denseSet(shift1, [...t.shift1]);
  const reach = w.reserve(8 * W * t.nclasses);
  t.reachOf.forEach((ps, c) => {
    denseSet(reach + 8 * W * c, ps);
  });
  const acceptB = w.reserve(8 * W);
  denseSet(
    acceptB,
    t.bReports.flatMap((l, q) => (l.length > 0 ? [q] : [])),
  );
  // Sparse position sets: u32 count, u32 pad, then { u32 word, u32 pad, u64 mask }.
  const sparse = (positions: readonly number[]): number => {
    const m = [...wordsOf(positions).entries()].sort((a, b) => a[0] - b[0]);
    const at = w.reserve(8 + 16 * m.length, 8);
    w.u32(at, m.length);
    m.forEach(([word, mask], j) => {
      w.u32(at + 8 + 16 * j, word);
      put64(at + 16 + 16 * j, mask);
    });
    return at;
  };
  // Pattern lists: u32 count, then the patterns.
  const lists = new Map<string, number>();
  const list = (patterns: readonly number[]): number => {
    const key = patterns.join(',');
    let at = lists.get(key);
    if (at === undefined) {
      at = w.reserve(4 + 4 * patterns.length, 4);
      w.u32(at, patterns.length);
      for (let j = 0; j < patterns.length; j++) w.u32(at + 4 + 4 * j, patterns[j]!);
      lists.set(key, at);
    }
    return at;
  };
  const bpat = w.reserve(4 * t.npos);
  t.bReports.forEach((l, q) => {
    if (l.length > 0) w.u32(bpat + 4 * q, list(l));
  });
  // Entries per word: follow first, then extra; each { u64 src, u32 ctx | kind << 16, u32 ref }.
  const byWord = (es: Entry[]) => {
    const m: Entry[][] = Array.from({ length: W }, () => []);
    for (const e of es) m[e.word]!.push(e);
    return m;
  };
  const fw = byWord(t.follow);
  const xw = byWord(t.extra);
  const refOf = (e: Entry): number => {
    if (e.kind === 0) {
      if (!dense) return sparse(e.payload);
      const at = w.reserve(8 * W, 8);
      denseSet(at, e.payload);
      return at;
    }
    if (e.kind === X_REPORT) return list(e.payload);
    const at = w.reserve(8, 4);
    w.u32(at, e.payload[0]!);
    w.u32(at + 4, e.payload[1]!);
    return at;
  };
  const wordtab = w.reserve(16 * W);
  const fsrc = w.reserve(8 * W, 8);
  const xsrc = w.reserve(8 * W, 8);
  denseSet(
    fsrc,
    t.follow.flatMap((e) => e.src),
  );
  denseSet(
    xsrc,
    t.extra.flatMap((e) => e.src),
  );
  const takes = new Uint32Array(8);
  for (let word = 0; word < W; word++) {
    const all = [...fw[word]!, ...xw[word]!];
    const refs = all.map(refOf);
    const at = w.reserve(ENTRY_SIZE * all.length, 8);
    all.forEach((e, j) => {
      const rec = at + ENTRY_SIZE * j;
      put64(rec, wordsOf(e.src).get(word)!);
      w.u32(rec + 8, e.ctx | (e.kind << 16));
      w.u32(rec + 12, refs[j]!);
      // The bytes the entry's targets take (all bytes for reports): an entry whose targets cannot take the
      // byte being stepped over adds nothing that would survive, and is passed over.
      // A ByteSet's words are this bitmap (byte b at bit b & 31 of word b >> 5), written little-endian: the
      // union is taken a word at a time rather than testing 256 bytes per target.
      takes.fill(e.kind === 0 ? 0 : 0xffffffff);
      if (e.kind === 0) {
        for (const q of e.payload) {
          const set = t.setOf(q).words;
          for (let i = 0; i < 8; i++) takes[i]! |= set[i]!;
        }
      }
      for (let i = 0; i < 8; i++) w.u32(rec + 16 + 4 * i, takes[i]!);
    });
    w.u32(wordtab + 16 * word, at);
    w.u32(wordtab + 16 * word + 4, fw[word]!.length);
    w.u32(wordtab + 16 * word + 8, at + ENTRY_SIZE * fw[word]!.length);
    w.u32(wordtab + 16 * word + 12, xw[word]!.length);
  }
  // First positions within reach of each class, per start context: dense words, or sparse-set offsets.
  const first = w.reserve((dense ? 8 * W : 4) * START_CONTEXTS * t.nclasses, 8);
  const firstSets = new Map<string, number>();
  t.firstByCtx.forEach((ps, fx) => {
    const inSet = new Set(ps);
    t.reachOf.forEach((r, c) => {
      const hit = r.filter((q) => inSet.has(q));
      if (dense) {
        denseSet(first + 8 * W * (fx * t.nclasses + c), hit);
        return;
      }
      const key = hit.join(',');
      let at = firstSets.get(key);
      if (at === undefined) firstSets.set(key, (at = sparse(hit)));
      w.u32(first + 4 * (fx * t.nclasses + c), at);
    });
  });
  let teddy = 0;
  if (t.teddy !== null) {
    teddy = w.reserve(16 + 32 * 4);
    w.u32(teddy, t.teddy.k);
    teddyTables(t.teddy).forEach((tb, j) => {
      w.bytes(teddy + 16 + 32 * j, tb.lo);
      w.bytes(teddy + 32 + 32 * j, tb.hi);
    });
  }
  // `$` before a final newline: u32 count, then { u32 position, u32 pattern }.
  const adj = w.reserve(4 + 8 * t.adj.length, 4);
  w.u32(adj, t.adj.length);
  t.adj.forEach(([q, p], j) => {
    w.u32(adj + 4 + 8 * j, q);
    w.u32(adj + 8 + 8 * j, p);
  });
  w.u32(header + H.kind, ENGINE_BNFA);
  w.u32(header + H.npos, t.npos);
  w.u32(header + H.words, W);
  w.u32(header + H.nclasses, t.nclasses);
  w.u32(header + H.classmap, classmap);
  w.u32(header + H.catmap, catmap);
  w.u32(header + H.shift1, shift1);
  w.u32(header + H.reach, reach);
  w.u32(header + H.acceptB, acceptB);
  w.u32(header + H.bpat, bpat);
  w.u32(header + H.wordtab, wordtab);
  w.u32(header + H.first, first);
  w.u32(header + H.teddy, teddy);
  w.u32(header + H.adj, adj);
  // The most reports one step can make: every pattern twice (at the byte's index and after it) plus adj.
  w.u32(header + H.maxStep, 2 * t.patterns + t.adj.length);
  // Acceleration: shufti_t stop, uint64_t member[W] (chains and loops), loop[W], keep[64][W]; exit[64][W] apart.
  if (t.accel !== null) {
    const at = w.reserve(32 + 8 * W * 66, 16);
    const sh = shuftiOf(t.accel.stop);
    w.bytes(at, sh.lo);
    w.bytes(at + 16, sh.hi);
    denseSet(at + 32, [...t.accel.chain, ...t.accel.loops]);
    denseSet(at + 32 + 8 * W, t.accel.loops);
    t.accel.keep.forEach((ps, k) => {
      denseSet(at + 32 + 8 * W * (2 + k), ps);
    });
    w.u32(header + H.accel, at);
    if (t.accel.exit !== null) {
      const ex = w.reserve(8 * W * 64, 8);
      t.accel.exit.forEach((ps, k) => {
        denseSet(ex + 8 * W * k, ps);
      });
      w.u32(header + H.accelExit, ex);
    }
  }
  w.u32(header + H.dense, dense ? 1 : 0);
  w.u32(header + H.fsrc, fsrc);
  w.u32(header + H.xsrc, xsrc);
  const out = w.finish();
  new DataView(out.buffer).setUint32(H.size, out.length, true);
  return out;
}

/** Bytes of a stream's state for an engine of `words` words: the previous byte's category, then the bits. */
export function bitNfaStateSize(words: number): number {
  return 8 + 8 * words;
}

/** Bytes of scratch a scan needs (shared by every engine of a database: the largest). */
export function bitNfaScratchSize(words: number): number {
  // layout: see bnfa_setup in wasm/kernel.c
  return 8 * (words + 1) + ((13 * (words + 1) + 7) & ~7) + 8 * words;
}
