/**
 * Compilation's plan: every pattern parsed and measured (`prepare`, which loading a serialized database
 * repeats), then sorted into engines (`plan`):
 * - the literal engine, when there are many plain strings (strided hashed windows, see literals.ts);
 * - DFA groups (dfa.ts), each behind a Teddy-style prefilter when its patterns start selectively, split
 *   when a group would exceed the state budget; a lazy DFA (lazy-dfa.ts) for patterns whose DFA explodes;
 * - the position engine (position-engine.ts) for `L` patterns of variable length that cannot have their
 *   start found backwards (reverse-som.ts).
 * `encodeEngines` turns the plan's tables into the blobs the kernel runs.
 */
import { NetsieveError } from '../errors.js';
import type { Approximation } from './approximate.js';
import type { RegexNode } from './ast.js';
import { hasAssertion, lengthRange, trimLeadingRepeats } from './ast-facts.js';
import { bitNfaPositions, buildBitNfa, isSticky, MAX_BNFA_POSITIONS, type BitNfaTables } from './bit-nfa.js';
import {
  buildDfa,
  DEFAULT_STATE_BUDGET,
  DfaOverMemory,
  DfaStateCounter,
  DfaTooLarge,
  type DfaTables,
  dfaStateCount,
} from './dfa.js';
import { encodeDfa, ENGINE_DFA, ENGINE_LIT } from './layout.js';
import { asLiteral, buildLiteralEngine, LITERAL_MIN_WINDOW, LITERAL_WINDOW, type Literal } from './literals.js';
import {
  DFA_CELL_BYTES,
  DFA_STATE_BYTES,
  LAZY_CACHED_STATES,
  LAZY_TABLE_BYTES,
  LITERAL_BYTE_BYTES,
  MemoryMeter,
  memoryBudgetOption,
  NFA_NODE_BYTES,
  PATTERN_BYTES,
} from './memory-budget.js';
import { Cat, MAX_NFA_NODES, Nfa, NfaTooLarge, NodeKind, nfaNodeCount, usesFinalNewline } from './nfa.js';
import { chooseTeddy, firstBytes, windowProbability, type TeddyPlan } from './prefilter.js';
import { emptyContexts, MAX_NULLABLE_RUN, nonEmptyPart } from './empty.js';
import { isNullable, parsePattern } from './syntax.js';
import type { CompileOptions, EngineInfo, PatternSpec, ScanMode } from './types.js';

/** Literal patterns needed before the literal engine is worth it (fewer go to a DFA). */
const LITERAL_ENGINE_MIN = 32;
/** A prefilter pays when it passes fewer than this fraction of positions (estimated). */
const PREFILTER_MAX_RATE = 0.3;
const TEDDY_K = 4;
/** States a single pattern's DFA may need before it counts as explosive (see plan()). */
const EXPLOSIVE_BUDGET = 2000;
/**
 * Literals longer than this are not given to a DFA (a state per byte; the state budget is 16,000 by
 * default) but to the literal engine, whatever their number.
 */
const DFA_LITERAL_MAX = 4096;
/**
 * The longest literal the literal engine takes: its entries hold a window's offset into the literal (at
 * most length - 4) and the pre-check's (at most length - 4) in 16 bits. Longer ones are left to a DFA.
 */
const LONGEST_LITERAL = 1 << 16;
/** Rows of its subset construction an explosive test makes per turn when several run side by side (fewExplosive). */
const TEST_ROWS = 32;
/** Runs of a group (see plan()'s build) that must go well before a failed run length is tried again, at most. */
const MAX_PATIENCE = 64;
/** A selective group runs on a lazy DFA with the NFA behind it only with at most this many explosive members. */
const LAZY_FALLBACK_MAX_EXPLOSIVE = 4;
/**
 * Sticky patterns (bit-nfa.ts isSticky) behind a prefilter get bit-parallel engines of their own, this many
 * at most to an engine: each engine is one more pass over the data, but one that the prefilter mostly skips.
 */
const STICKY_GROUP = 4;
/** The largest somHorizon (bytes of stream state it costs). */
export const MAX_SOM_HORIZON = 1 << 20;

export interface PatternMeta {
  id: number;
  flags: string;
  expression: string;
  single: boolean;
  leftmost: boolean;
  /** Match length when every match has the same length, else -1 (then `from` is unknown without L). */
  fixedLength: number;
  hasAssertions: boolean;
  /**
   * Block mode, `L`, variable length: the forward engines find the ends and the start is found backwards
   * from each (reverse-som.ts); in streams such patterns run on the position engine instead.
   */
  reverseSom: boolean;
  /** Where the pattern matches the empty string: a mask of empty.ts's contexts (0: never). */
  emptyContexts: number;
  /**
   * An L pattern that can match empty and whose non-empty part may end before a final `\n` (`$`, `\Z`):
   * the engines report such an end only once they know the `\n` is the last byte, and the empty match
   * there waits as long, so that the non-empty one's (leftmost) start is the one reported.
   */
  emptyWaitsForFinal: boolean;
  /** What prefilter mode (flag P) replaced by a superset in this pattern; empty when it is exact. */
  approximated: readonly Approximation[];
}

/** A kernel engine's tables, as compiled or as loaded from a serialized database. */
export interface EngineBlob {
  kind: typeof ENGINE_DFA | typeof ENGINE_LIT;
  blob: Uint8Array;
  /** Indexes of the patterns it reports. */
  patterns: number[];
  /** DFA: the start state for the stream start; literal: history size. */
  init: number;
  info: EngineInfo;
}

/** Patterns whose DFA cannot be built in advance, scanned by one lazy DFA (lazy-dfa.ts), and its prefilter. */
export interface LazyPlan {
  patterns: number[];
  teddy: TeddyPlan | null;
  /**
   * Whether a bit-parallel NFA over the same patterns takes over when the lazy DFA thrashes (builds states
   * faster than the data lets it reuse them): the DFA's speed on traffic whose states repeat, the NFA's
   * bound on traffic built to keep every repeat alive. Built by the scanner; not serialized.
   */
  fallback: boolean;
}

/**
 * A bit-parallel NFA engine (bit-nfa.ts): its patterns, and its tables when compiled (a loaded database
 * builds them again from the patterns, as it does the lazy DFA: nothing of them is serialized).
 */
export interface BitNfaPlan {
  patterns: number[];
  tables?: BitNfaTables;
}

/** All a database is made of: what `compile` builds and what `deserialize` reads back. */
export interface DatabaseParts {
  mode: ScanMode;
  meta: PatternMeta[];
  blobs: EngineBlob[];
  /** Every pattern's NFA (trimmed forms), for the lazy DFA and the position engine. */
  nfa: Nfa;
  lazy: LazyPlan | null;
  /** Bit-parallel NFA engines, for patterns whose DFA explodes. */
  bitNfa: BitNfaPlan[];
  /** Patterns scanned by the position engine. */
  position: number[];
  /** The `reverseSom` patterns, untrimmed (their starts matter), or null when there are none. */
  somNfa: Nfa | null;
  /** Streams: bytes of history kept for the backward search (0: none). */
  somHorizon: number;
}

/** What `plan` decides: the patterns' engines and their tables, before encoding. */
export interface Plan {
  mode: ScanMode;
  meta: PatternMeta[];
  nfa: Nfa;
  dfas: { tables: DfaTables; teddy: TeddyPlan | null }[];
  literals: Literal[];
  /** Bytes the literal engine hashes per tested offset. */
  literalWindow: number;
  /** Patterns whose DFA cannot be built in advance and that the bit-parallel NFA cannot run: a lazy DFA. */
  lazy: LazyPlan | null;
  /** Patterns whose DFA explodes: bit-parallel NFAs (bit-nfa.ts). */
  bitNfa: BitNfaPlan[];
  position: number[];
  /** The `reverseSom` patterns, untrimmed (their starts matter), or null when there are none. */
  somNfa: Nfa | null;
  /** Streams: bytes of history kept for the backward search (0: none). */
  somHorizon: number;
}

/** Parses every pattern and builds their NFA: what compiling and loading a serialized database share. */
export function prepare(
  specs: readonly PatternSpec[],
  options: CompileOptions,
): {
  meta: PatternMeta[];
  literals: (Literal | null)[];
  nfa: Nfa;
  somNfa: Nfa | null;
  budget: number;
  somHorizon: number;
  meter: MemoryMeter;
} {
  if (!Array.isArray(specs) || specs.length === 0)
    throw new NetsieveError('NS_ERR_PATTERN', 'compile() needs at least one pattern');
  if (options === undefined || !['block', 'stream', 'vectored'].includes(options.mode)) {
    throw new NetsieveError('NS_ERR_OPTION', "compile() needs options.mode: 'block', 'stream' or 'vectored'");
  }
  const budget = options.stateBudget ?? DEFAULT_STATE_BUDGET;
  const somHorizon = options.mode === 'block' ? 0 : (options.somHorizon ?? 0);
  if (!Number.isInteger(somHorizon) || somHorizon < 0 || somHorizon > MAX_SOM_HORIZON) {
    throw new NetsieveError('NS_ERR_OPTION', `somHorizon must be an integer from 1 to ${MAX_SOM_HORIZON} (bytes)`);
  }
  if (!Number.isInteger(budget) || budget < 4 || budget > 1 << 24)
    throw new NetsieveError('NS_ERR_OPTION', 'stateBudget must be an integer from 4 to 16777216');
  // One pattern at a time, parsed, measured and added to the NFA, so that only one syntax tree is alive at
  // once (a tree takes some hundred bytes per character: all of 100,000 patterns' held half a gigabyte).
  const meter = new MemoryMeter(memoryBudgetOption(options.memoryBudget));
  const literals: (Literal | null)[] = [];
  const meta: PatternMeta[] = [];
  const untrimmed: [number, RegexNode][] = [];
  const nfa = new Nfa();
  specs.forEach((spec, i) => {
    if (typeof spec !== 'object' || spec === null) throw new NetsieveError('NS_ERR_PATTERN', `pattern #${i} is not an object`);
    if (!Number.isInteger(spec.id) || spec.id < 0) {
      throw new NetsieveError('NS_ERR_PATTERN', `pattern #${i}: id must be a non-negative integer, not ${String(spec.id)}`);
    }
    if (typeof spec.expression !== 'string')
      throw new NetsieveError('NS_ERR_PATTERN', 'expression must be a string', { pattern: spec.id });
    const parsedPattern = parsePattern(spec.expression, spec.flags ?? '', spec.id);
    // Lengths (and so `from` without L) are the whole pattern's; the engines get its non-empty part only
    // and the empty matches are found apart, by context (empty.ts).
    const [lo, hi] = lengthRange(parsedPattern.ast);
    const canBeEmpty = isNullable(parsedPattern.ast);
    let p = parsedPattern;
    if (canBeEmpty) {
      try {
        p = { ...parsedPattern, ast: nonEmptyPart(parsedPattern.ast) };
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
        throw new NetsieveError(
          'NS_ERR_PATTERN',
          `the pattern can match empty and starts with more than ${MAX_NULLABLE_RUN} items that can be empty`,
          { pattern: spec.id, position: 0 },
        );
      }
    }
    // In block mode an L pattern's start is found backwards from its end (reverse-som.ts), so its forward
    // scan needs only the ends; `$`/`\Z` (which may end before a final newline) stay on the position engine.
    const reverseSom = (options.mode === 'block' || somHorizon > 0) && p.flags.leftmost && lo !== hi && !usesFinalNewline(p.ast);
    // Without L only end offsets are reported, and those do not depend on how far back a leading repeat
    // reaches: scan the trimmed form (`[\w.]+@x` as `[\w.]@x`), which starts selectively.
    const scanned = p.flags.leftmost && !reverseSom ? p.ast : trimLeadingRepeats(p.ast);
    if (reverseSom) untrimmed.push([i, p.ast]);
    meta.push({
      id: spec.id,
      flags: spec.flags ?? '',
      expression: spec.expression,
      single: p.flags.singleMatch,
      leftmost: p.flags.leftmost,
      fixedLength: lo === hi ? lo : -1,
      hasAssertions: hasAssertion(p.ast),
      reverseSom,
      emptyContexts: canBeEmpty ? emptyContexts(parsedPattern.ast) : 0,
      emptyWaitsForFinal: canBeEmpty && p.flags.leftmost && usesFinalNewline(p.ast),
      approximated: parsedPattern.approximated ?? [],
    });
    const literal = asLiteral(scanned, i, LONGEST_LITERAL);
    literals.push(literal);
    // Past MAX_NFA_NODES the NFA's own limit refuses the pattern, with its own advice.
    const nodes = Math.min(nfaNodeCount(scanned) + 2 + (reverseSom ? nfaNodeCount(p.ast) + 2 : 0), MAX_NFA_NODES);
    const bytes = PATTERN_BYTES + 2 * spec.expression.length + NFA_NODE_BYTES * nodes + (literal ? 2 * literal.bytes.length : 0);
    meter.charge(bytes, spec.id, 'NFA');
    try {
      nfa.addPattern(scanned, i);
    } catch (e) {
      if (e instanceof NfaTooLarge)
        throw new NetsieveError('NS_ERR_PATTERN', `${e.message}; make bounded repeats smaller`, { pattern: spec.id });
      throw e;
    }
  });
  // Limits were checked on the trimmed forms; the untrimmed ones are at most as large as the originals.
  const somNfa = untrimmed.length > 0 ? new Nfa() : null;
  for (const [i, ast] of untrimmed) somNfa!.addPattern(ast, i);
  return { meta, literals, nfa, somNfa, budget, somHorizon, meter };
}

/** Sorts the patterns into engines and builds their tables. */
export function plan(specs: readonly PatternSpec[], options: CompileOptions): Plan {
  const { meta, literals: asLiterals, nfa, somNfa, budget, somHorizon, meter } = prepare(specs, options);

  // Sort patterns into engines.
  const literalCandidates: Literal[] = [];
  const dfaCandidates: number[] = [];
  const position: number[] = [];
  const longLiterals: Literal[] = [];
  asLiterals.forEach((lit, i) => {
    if (lit !== null && lit.bytes.length > DFA_LITERAL_MAX) longLiterals.push(lit);
    else if (lit !== null && lit.bytes.length >= LITERAL_MIN_WINDOW) literalCandidates.push(lit);
    else if (meta[i]!.leftmost && meta[i]!.fixedLength < 0 && !meta[i]!.reverseSom) position.push(i);
    else dfaCandidates.push(i);
  });
  const literals: Literal[] = [];
  let literalWindow = options.literalWindow ?? LITERAL_WINDOW;
  if (literalCandidates.length >= LITERAL_ENGINE_MIN) {
    const choice = chooseLiteralSplit(literalCandidates, options);
    literalWindow = choice.window;
    for (const l of literalCandidates) {
      if (l.bytes.length >= choice.cut) literals.push(l);
      else dfaCandidates.push(l.pattern);
    }
  } else {
    for (const l of literalCandidates) dfaCandidates.push(l.pattern);
  }
  // A literal longer than a DFA holds goes to the literal engine however few there are: as a DFA it would
  // outgrow the state budget and go to the lazy DFA, whose table keeps a bitset of every position of it
  // per state (a 64 KiB literal took 270 MB of tables there).
  if (longLiterals.length > 0) {
    if (literals.length === 0) literalWindow = options.literalWindow ?? LITERAL_WINDOW;
    literals.push(...longLiterals);
    literals.sort((a, b) => a.pattern - b.pattern);
  }
  dfaCandidates.sort((a, b) => a - b);
  for (const l of literals) meter.charge(64 + LITERAL_BYTE_BYTES * l.bytes.length, meta[l.pattern]!.id, 'literal engine tables');

  // DFA groups: selective starts behind a prefilter, broad ones on their own.
  const windows = new Map<number, ReturnType<typeof firstBytes>>();
  for (const p of dfaCandidates) windows.set(p, firstBytes(nfa, nfa.starts[p]!, TEDDY_K));
  const narrow = dfaCandidates.filter((p) => windowProbability(windows.get(p)!) < PREFILTER_MAX_RATE / 4);
  const narrowSet = new Set(narrow);
  const broad = dfaCandidates.filter((p) => !narrowSet.has(p));
  const dfas: Plan['dfas'] = [];
  const lazy: number[] = [];
  const teddyFor = (group: number[]): TeddyPlan | null => {
    const t = chooseTeddy(
      group.map((p) => windows.get(p)!),
      TEDDY_K,
    );
    return t.rate < PREFILTER_MAX_RATE ? t : null;
  };
  /**
   * Whether a pattern's own DFA outgrows a small budget: a bounded repeat of a broad set (`.{0,40}`) makes
   * the subset construction remember every recent start, 2^n subsets. Such patterns run on the bit-parallel
   * NFA (or, the few shapes it does not take, a lazy DFA built while scanning).
   */
  const explosive = (p: number, memoryLimit = meter.remaining()): boolean => {
    try {
      dfaStateCount(nfa, [p], EXPLOSIVE_BUDGET, memoryLimit);
      return false;
    } catch (e) {
      if (e instanceof DfaOverMemory) throw meter.refusal(meta[p]!.id, 'DFA', meter.used + e.bytes);
      if (e instanceof DfaTooLarge) return true;
      throw e;
    }
  };
  /**
   * Where a pattern whose DFA explodes goes: the bit-parallel NFA, whose state is its positions (a bounded
   * repeat costs a bit per copy, not a DFA state per subset); the lazy DFA for the few shapes it cannot run.
   */
  const bitNfaNarrow: number[] = [];
  const bitNfaBroad: number[] = [];
  const positionsOf = new Map<number, number>();
  const toExplosiveEngine = (p: number, filtered: boolean): void => {
    const n = options.explosive === 'lazy' ? null : bitNfaPositions(nfa, p);
    if (n === null || n > MAX_BNFA_POSITIONS) lazy.push(p);
    else {
      positionsOf.set(p, n);
      (filtered ? bitNfaNarrow : bitNfaBroad).push(p);
    }
  };
  /**
   * A group's DFAs: consecutive runs of its patterns, each as large as fits the state budget. The whole
   * group is tried first; after a run fails the next ones are half as long. A run whose DFA stays well
   * within the budget lets the next one double, up to below the shortest run that failed; that limit is
   * forgotten after `patience` such runs in a row, and patience doubles each time a run that grew fails
   * again (so a set of uniform patterns settles, and a few heavy ones do not keep the rest in small runs).
   * Splitting in halves recursively instead rebuilt a full budget of states for every failed half: about
   * as many failed builds as DFAs made, each the most expensive kind.
   */
  const build = (group: number[], filtered: boolean): void => {
    let at = 0;
    let size = group.length;
    let ceiling = Infinity;
    let grown = false;
    // Each DFA without a prefilter is one more full pass over the data: such groups try to grow back
    // sooner (fewer, larger DFAs for more construction work); prefiltered ones mostly skip the data.
    let patience = filtered ? 4 : 1;
    let calm = 0;
    while (at < group.length) {
      const run = group.slice(at, at + size);
      let tables: DfaTables;
      try {
        tables = buildDfa(nfa, run, budget, meter.remaining());
      } catch (e) {
        if (!(e instanceof DfaTooLarge)) throw e;
        if (e instanceof DfaOverMemory && run.length === 1) throw meter.refusal(meta[run[0]!]!.id, 'DFA', meter.used + e.bytes);
        calm = 0;
        if (grown) patience = Math.min(patience * 2, MAX_PATIENCE);
        grown = false;
        if (run.length === 1) {
          toExplosiveEngine(run[0]!, filtered);
          at++;
        } else {
          ceiling = Math.min(ceiling, run.length);
          size = run.length >> 1;
        }
        continue;
      }
      // What stays of the construction: the table and its encoded copy (within what the builder checked).
      meter.charge(tables.nstates * (DFA_STATE_BYTES / 4 + (8 << tables.shift)), meta[run[run.length - 1]!]!.id, 'DFA tables');
      dfas.push({ tables, teddy: filtered ? teddyFor(run) : null });
      at += run.length;
      grown = false;
      if (tables.nstates * 4 > budget) {
        calm = 0;
        continue;
      }
      if (++calm >= patience) ceiling = Infinity;
      if (size * 2 < ceiling) {
        size *= 2;
        grown = true;
      }
    }
  };
  // A selective group with a few explosive members is scanned whole by one lazy DFA (one prefilter pass, DFA
  // speed once the states the traffic reaches are built) with the bit-parallel NFA over the same patterns
  // as its fallback when it thrashes, if the NFA takes them all; else (and with many explosive members, whose
  // subsets multiply: gitleaks' 105 thrash on plain HTTP) the explosive ones go to the NFA alone.
  //
  // Whether the NFA takes them all is known without building anything, so it is asked first; when it does,
  // only whether 1 to LAZY_FALLBACK_MAX_EXPLOSIVE members explode matters, which may be known before every
  // member is tested (see fewExplosive): the test costs a subset construction of up to EXPLOSIVE_BUDGET
  // states per pattern, the larger part of compiling a small set such as the DLP sensors'.
  let narrowPositions = 0;
  const positionsOfNarrow = new Map<number, number>();
  const narrowFits =
    options.explosive === undefined &&
    narrow.every((p) => {
      const n = bitNfaPositions(nfa, p);
      if (n !== null) positionsOfNarrow.set(p, n);
      narrowPositions += n ?? MAX_BNFA_POSITIONS + 1;
      return n !== null && narrowPositions <= MAX_BNFA_POSITIONS;
    });
  // The tests' memory limit, kept for those made later: each test is made as if all were made here.
  const narrowLimit = meter.remaining();
  const tested = new Map<number, boolean>();
  /** Tests under way (see fewExplosive), resumed where they stopped if a pattern must be known after all. */
  const testing = new Map<number, DfaStateCounter>();
  /**
   * Advances pattern p's explosive test by up to `rows` rows of its subset construction: whether it
   * explodes once that is known, undefined while the test is under way. Decides as `explosive` would.
   */
  const testNarrow = (p: number, rows: number): boolean | undefined => {
    let v = tested.get(p);
    if (v !== undefined) return v;
    let counter = testing.get(p);
    if (counter === undefined) testing.set(p, (counter = new DfaStateCounter(nfa, [p], EXPLOSIVE_BUDGET, narrowLimit)));
    try {
      if (counter.advance(rows) < 0) return undefined;
      v = false;
    } catch (e) {
      if (e instanceof DfaOverMemory) throw meter.refusal(meta[p]!.id, 'DFA', meter.used + e.bytes);
      if (!(e instanceof DfaTooLarge)) throw e;
      v = true;
    }
    testing.delete(p);
    tested.set(p, v);
    return v;
  };
  const isNarrowExplosive = (p: number): boolean => testNarrow(p, Infinity)!;
  /**
   * Whether 1 to LAZY_FALLBACK_MAX_EXPLOSIVE of the selective patterns explode, testing as few as it can:
   * the one with the most positions first (the likeliest to explode: then the group may have its one
   * explosive member at once), then the others from the fewest positions up (the cheapest to test), until
   * the count is known whatever the untested ones are. Skipping tests changes nothing else only when no
   * test could have gone past the memory limit (a refusal): else all are tested, in order, as before.
   */
  const fewExplosive = (): boolean => {
    // Bytes a test may take at most: EXPLOSIVE_BUDGET states of the widest rows and of every NFA position.
    const testBytes = EXPLOSIVE_BUDGET * (DFA_STATE_BYTES + 256 * DFA_CELL_BYTES + 4 * ((nfa.size << 2) + 4));
    if (narrowLimit < testBytes) {
      const n = narrow.filter(isNarrowExplosive).length;
      return n > 0 && n <= LAZY_FALLBACK_MAX_EXPLOSIVE;
    }
    const order = [...narrow].sort((a, b) => positionsOfNarrow.get(a)! - positionsOfNarrow.get(b)! || a - b);
    if (order.length > 1) order.unshift(order.pop()!);
    let found = 0;
    let undecided = order;
    const known = (): boolean =>
      (found > 0 && found + undecided.length <= LAZY_FALLBACK_MAX_EXPLOSIVE) || found > LAZY_FALLBACK_MAX_EXPLOSIVE;
    if (order.length > 0) {
      if (isNarrowExplosive(order[0]!)) found++;
      undecided = order.slice(1);
    }
    // The others side by side, TEST_ROWS rows each in turn: what a test costs is its DFA's size, which the
    // positions only hint at (the DLP sensors' IBAN pattern has 75 positions and 1,571 states, the AWS
    // secret's 193 and 745), so the tests that end first are the cheapest, and once the count is known
    // the expensive ones left are dropped after a few rows.
    while (undecided.length > 0 && !known()) {
      const next: number[] = [];
      for (let i = 0; i < undecided.length; i++) {
        const p = undecided[i]!;
        const v = known() ? undefined : testNarrow(p, TEST_ROWS);
        if (v === undefined) next.push(p);
        else if (v) found++;
      }
      undecided = next;
    }
    return found > 0 && found <= LAZY_FALLBACK_MAX_EXPLOSIVE;
  };
  let narrowCapable = narrowFits && fewExplosive();
  /** The explosive selective patterns, in the group's order (testing those not tested yet). */
  const narrowExplosiveSet = (): Set<number> => new Set(narrow.filter(isNarrowExplosive));
  if (narrowCapable) lazy.push(...narrow);
  else {
    const narrowExplosive = narrowExplosiveSet();
    for (const p of narrowExplosive) toExplosiveEngine(p, true);
    build(
      narrow.filter((p) => !narrowExplosive.has(p)),
      true,
    );
  }
  const broadExplosive = new Set(broad.filter((p) => explosive(p)));
  for (const p of broadExplosive) toExplosiveEngine(p, false);
  build(
    broad.filter((p) => !broadExplosive.has(p)),
    false,
  );
  if (narrowCapable && lazy.length > narrow.length) {
    // Some other pattern needs the lazy DFA and the NFA cannot take it over: the selective group goes the
    // other way (its explosive members to the NFA, the rest to DFAs), so that the lazy DFA it would share
    // keeps no fallback-less thrash of its own.
    const inNarrow = new Set(narrow);
    const others = lazy.filter((p) => !inNarrow.has(p));
    lazy.length = 0;
    lazy.push(...others);
    const narrowExplosive = narrowExplosiveSet();
    for (const p of narrowExplosive) toExplosiveEngine(p, true);
    build(
      narrow.filter((p) => !narrowExplosive.has(p)),
      true,
    );
    narrowCapable = false;
  }
  lazy.sort((a, b) => a - b);
  // A lazy DFA's table keeps, per cached state, a bitset of the positions its patterns may be in; the
  // table itself is charged to the pattern with the most positions (an explosive one, usually).
  let largest = -1;
  let mostPositions = -1;
  for (const p of lazy) {
    let positions = 0;
    nfa.forEachReachable([nfa.starts[p]!], (n) => {
      if (nfa.kind[n] === NodeKind.BYTE) positions += 2;
    });
    meter.charge((LAZY_CACHED_STATES * positions) / 8, meta[p]!.id, 'lazy DFA table');
    if (positions > mostPositions) {
      mostPositions = positions;
      largest = p;
    }
  }
  if (largest >= 0) meter.charge(LAZY_TABLE_BYTES, meta[largest]!.id, 'lazy DFA table');
  const lazyPlan = lazy.length > 0 ? { patterns: lazy, teddy: lazyTeddy(nfa, lazy), fallback: narrowCapable } : null;
  // Bit-parallel engines: the selective starts apart from the broad ones (which have no prefilter), each
  // one engine (one pass over the data) as long as it holds them: a sparse one steps only what is alive.
  // A selective engine skips to its prefilter's next candidate only while nothing is alive, so a sticky
  // pattern (a loop over every byte: once entered, alive to the end; gitleaks' private-key rule after a PEM
  // header) would make all the others step every byte from then on. The sticky ones go to engines of their
  // own, in small groups, where acceleration skips over their loops; the broad engine (no prefilter, every
  // byte begins something) keeps its sticky members: apart they would cost a pass and save nothing.
  const stickyNarrow = bitNfaNarrow.filter((p) => isSticky(nfa, p));
  const stickySet = new Set(stickyNarrow);
  const groups: number[][] = [bitNfaNarrow.filter((p) => !stickySet.has(p))];
  for (let k = 0; k < stickyNarrow.length; k += STICKY_GROUP) groups.push(stickyNarrow.slice(k, k + STICKY_GROUP));
  groups.push(bitNfaBroad);
  const bitNfa: BitNfaPlan[] = [];
  const bitNfaEngine = (patterns: number[]): BitNfaPlan => {
    const tables = buildBitNfa(nfa, patterns);
    meter.charge(tables.blob.length, meta[patterns[patterns.length - 1]!]!.id, 'bit-parallel NFA tables');
    return { patterns, tables };
  };
  for (const group of groups) {
    let cur: number[] = [];
    let used = 0;
    for (const p of group.sort((a, b) => a - b)) {
      const n = positionsOf.get(p)!;
      if (used + n > MAX_BNFA_POSITIONS && cur.length > 0) {
        bitNfa.push(bitNfaEngine(cur));
        cur = [];
        used = 0;
      }
      cur.push(p);
      used += n;
    }
    if (cur.length > 0) bitNfa.push(bitNfaEngine(cur));
  }
  position.sort((a, b) => a - b);
  return { mode: options.mode, meta, nfa, dfas, literals, literalWindow, lazy: lazyPlan, bitNfa, position, somNfa, somHorizon };
}

/*
 * The cost model of splitting literals, in nanoseconds per byte of HTTP-like text, fitted to interleaved
 * measurements of seven splits of the 1,200-literal benchmark set (bench/RESULTS.md):
 * - the literal engine costs LITERAL_TEST_NS[window] per tested offset: shorter windows meet more of the
 *   text's own n-grams, so more tests take the slow path;
 * - the DFA that takes the short literals costs its Teddy pass plus the candidates it stops at, which grow
 *   with the number of literals (merged buckets accept more of real text than a byte-frequency estimate says).
 */
const LITERAL_TEST_NS = [0, 0, 0, 0, 3.4, 2.0, 1.7, 1.5, 1.4];
const shortLiteralsNs = (n: number): number => (n === 0 ? 0 : 0.15 + 0.01 * n);
/** Literals a DFA may take from the literal engine (its Teddy prefilter must stay selective). */
const SHORT_LITERALS_MAX = 48;

/**
 * How to split the literals: those at least `cut` bytes long go to the literal engine, hashing `window`
 * bytes every cut - window + 1 bytes; the shorter ones to a DFA behind Teddy. The cheapest split by the
 * cost model: a longer stride tests fewer offsets, a shorter window meets more false hits, and every
 * literal left out makes the DFA's prefilter pass less selective.
 */
function chooseLiteralSplit(candidates: Literal[], options: CompileOptions): { cut: number; window: number } {
  const byLength = [...candidates].sort((a, b) => a.bytes.length - b.bytes.length);
  let best = { cut: LITERAL_WINDOW, window: LITERAL_WINDOW, cost: Infinity };
  const windowChoices = options.literalWindow !== undefined ? [options.literalWindow] : [4, 5, 6, 7, 8];
  for (const window of windowChoices) {
    const cuts =
      options.literalCut !== undefined
        ? [Math.max(options.literalCut, window)]
        : Array.from({ length: 24 }, (_, i) => window + i);
    for (const cut of cuts) {
      let shorts = 0;
      while (shorts < byLength.length && byLength[shorts]!.bytes.length < cut) shorts++;
      if (options.literalCut === undefined && (shorts > SHORT_LITERALS_MAX || shorts > candidates.length * 0.2)) break;
      if (shorts === candidates.length) break;
      const cost = LITERAL_TEST_NS[window]! / (cut - window + 1) + shortLiteralsNs(shorts);
      if (cost < best.cost) best = { cut, window, cost };
    }
  }
  return best;
}

/** The prefilter of a lazy DFA's patterns, when all of them start selectively. */
export function lazyTeddy(nfa: Nfa, patterns: number[]): TeddyPlan | null {
  const windows = patterns.map((p) => firstBytes(nfa, nfa.starts[p]!, TEDDY_K));
  if (!windows.every((w) => windowProbability(w) < PREFILTER_MAX_RATE / 4)) return null;
  const t = chooseTeddy(windows, TEDDY_K);
  return t.rate < PREFILTER_MAX_RATE ? t : null;
}

/**
 * Encodes the plan's DFAs and literals into the kernel's tables: the parts of a database. The plan's DFA
 * tables are taken out of it as they are encoded, so that each can be freed once its blob exists (all
 * tables and all blobs at once were twice the memory at 10,000 patterns).
 */
export function encodeEngines(p: Plan): DatabaseParts {
  const blobs: EngineBlob[] = [];
  const dfas = p.dfas.splice(0, p.dfas.length).reverse();
  for (let d = dfas.pop(); d !== undefined; d = dfas.pop()) {
    const blob = encodeDfa(d.tables, d.teddy);
    blobs.push({
      kind: ENGINE_DFA,
      blob,
      patterns: d.tables.patterns,
      init: d.tables.startByCat[Cat.START]!,
      info: {
        kind: 'dfa',
        patterns: d.tables.patterns.length,
        detail: {
          states: d.tables.nstates,
          classes: d.tables.nclasses,
          prefilter: d.teddy
            ? `teddy k=${d.teddy.k}, ${d.teddy.buckets.length} buckets, ~${(d.teddy.rate * 100).toFixed(1)}% of positions`
            : 'none',
        },
        bytes: blob.length,
      },
    });
  }
  if (p.literals.length > 0) {
    const l = buildLiteralEngine(p.literals, p.literalWindow);
    blobs.push({
      kind: ENGINE_LIT,
      blob: l.blob,
      patterns: p.literals.map((x) => x.pattern),
      init: l.histSize,
      info: {
        kind: 'literal',
        patterns: p.literals.length,
        detail: {
          stride: l.stride,
          window: l.window,
          maxOffset: l.maxOffset,
          shortest: l.lmin,
          longest: l.lmax,
          maxBucket: l.maxBucket,
        },
        bytes: l.blob.length,
      },
    });
  }
  return {
    mode: p.mode,
    meta: p.meta,
    blobs,
    nfa: p.nfa,
    lazy: p.lazy,
    bitNfa: p.bitNfa,
    position: p.position,
    somNfa: p.somNfa,
    somHorizon: p.somHorizon,
  };
}
