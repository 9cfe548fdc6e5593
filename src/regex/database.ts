/**
 * The regex database: Hyperscan's model in TypeScript over a WASM kernel.
 *
 *   const db = compile([{ id: 1, expression: 'foo.*bar', flags: 'i' }], { mode: 'block' });
 *   db.scan(bytes, (id, from, to) => { ... });          // return true to stop
 *   const s = db.openStream(); s.scan(chunk, cb); s.close(cb);
 *
 * Compilation sorts the patterns into engines:
 * - the literal engine, when there are many plain strings (strided hashed windows, see literals.ts);
 * - DFA groups (dfa.ts), each behind a Teddy-style prefilter when its patterns start selectively, split
 *   when a group would exceed the state budget;
 * - the position engine (position-engine.ts) for `L` patterns of variable length and for patterns too
 *   large for any DFA.
 * Every engine can stop and resume anywhere, so block mode is a stream of one chunk: the same code path,
 * the same reports. Each scan call collects what every engine reports for a slice of at most SLICE bytes,
 * sorts it by end offset and delivers it, so matches arrive in order of their end.
 */
import { isNetsieveError, NetsieveError } from '../errors.js';
import type { ParsedPattern, RegexNode } from './ast.js';
import { buildDfa, DEFAULT_STATE_BUDGET, DfaTooLarge, type DfaTables } from './dfa.js';
import { DFA_STATE_SIZE, encodeDfa, ENGINE_DFA, ENGINE_LIT, LIT_STATE_HEADER } from './layout.js';
import { asLiteral, buildLiteralEngine, LITERAL_MIN_WINDOW, LITERAL_WINDOW, type Literal } from './literals.js';
import { categoryOf, Cat, Nfa, NfaTooLarge, usesFinalNewline } from './nfa.js';
import { LazyDfa } from './lazy-dfa.js';
import { PositionEngine } from './position-engine.js';
import { ReverseSom } from './reverse-som.js';
import { chooseTeddy, firstBytes, windowProbability, type TeddyPlan } from './prefilter.js';
import { checkHandler, scanBytes, type ScanData } from './input.js';
import { runtime, type Runtime } from './runtime.js';
import { parsePattern } from './syntax.js';

export type ScanMode = 'block' | 'stream' | 'vectored';

export interface PatternSpec {
  /** Reported to the callback; any non-negative integer (several patterns may share one). */
  id: number;
  expression: string;
  /** Hyperscan flag letters: i, s, m, H (single match), L (leftmost start). */
  flags?: string;
}

export interface CompileOptions {
  mode: ScanMode;
  /** Largest DFA (states); bigger groups are split. Default 16,000. */
  stateBudget?: number;
  /**
   * Stream and vectored modes: bytes of each stream's recent data kept so that an `L` pattern's start can be
   * found backwards from its end (as in block mode), instead of running such patterns on the slow position
   * engine. A start further back than the horizon plus the current chunk is reported imprecisely: the
   * earliest start found within them, or their first offset (Hyperscan's SOM horizon modes make the same
   * trade). Costs this many bytes (plus 8) of stream state. Default: none (exact, position engine).
   */
  somHorizon?: number;
  /** @internal Tests only: states a lazy DFA's table holds (to exercise its flushes). */
  lazyCapacity?: number;
  /** @internal Experiments only: the shortest literal the literal engine takes (default: chosen). */
  literalCut?: number;
  /** @internal Experiments only: bytes the literal engine hashes per tested offset (default: chosen). */
  literalWindow?: number;
}

/** Called for each match: pattern id, start offset (-1 when unknown), end offset. Return true to stop. */
export type MatchHandler = (id: number, from: number, to: number) => boolean | void;

/** What a scan call ended with. */
export type ScanResult = 'complete' | 'terminated';

export interface EngineInfo {
  kind: 'dfa' | 'literal' | 'position';
  patterns: number;
  /** DFA: states and byte classes; literal: stride and lengths; position: state slots. */
  detail: Record<string, number | string>;
  /** Bytes of tables in WASM memory (0 for the position engine, which runs in JavaScript). */
  bytes: number;
}

export interface DatabaseInfo {
  mode: ScanMode;
  patterns: number;
  engines: EngineInfo[];
  /** Bytes of compiled tables. */
  memoryBytes: number;
  /** Bytes of one stream's state. */
  streamStateSize: number;
}

/** Bytes scanned per slice: bounds the matches held before delivery and the input copied at once. */
const SLICE = 256 * 1024;
/** Literal patterns needed before the literal engine is worth it (fewer go to a DFA). */
const LITERAL_ENGINE_MIN = 32;
/** A prefilter pays when it passes fewer than this fraction of positions (estimated). */
const PREFILTER_MAX_RATE = 0.3;
const TEDDY_K = 4;
/** States a single pattern's DFA may need before it counts as explosive (see plan()). */
const EXPLOSIVE_BUDGET = 2000;
const MATCH_CAPACITY = 1 << 16;
/** dfa_stop_reason(): a lazy DFA's transition is missing (wasm/layout.h STOP_MISS). */
const STOP_MISS = 2;
const STREAM_HEADER = 16;

interface PatternMeta {
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
}

interface WasmEngine {
  kind: typeof ENGINE_DFA | typeof ENGINE_LIT;
  /** Set for the lazy DFA (its table is built while scanning; `blob` is empty). */
  lazy: LazyDfa | null;
  blob: Uint8Array;
  ptr: number;
  patterns: number[];
  stateOffset: number;
  stateSize: number;
  /** DFA: the start state for the stream start; literal: history size. */
  init: number;
  info: EngineInfo;
}

interface JsEngine {
  engine: PositionEngine;
  stateOffset: number;
  info: EngineInfo;
}

// ------------------------------------------------------------------ AST facts

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

function lengthRange(n: RegexNode): [number, number] {
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

function hasAssertion(n: RegexNode): boolean {
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

// ------------------------------------------------------------------ compile

interface Plan {
  meta: PatternMeta[];
  nfa: Nfa;
  dfas: { tables: DfaTables; teddy: TeddyPlan | null }[];
  literals: Literal[];
  /** Bytes the literal engine hashes per tested offset. */
  literalWindow: number;
  /** Patterns whose DFA cannot be built in advance: one lazy DFA (lazy-dfa.ts). */
  lazy: { patterns: number[]; teddy: TeddyPlan | null } | null;
  position: number[];
  /** The `reverseSom` patterns, untrimmed (their starts matter), or null when there are none. */
  somNfa: Nfa | null;
  /** Streams: bytes of history kept for the backward search (0: none). */
  somHorizon: number;
}

/** Parses every pattern and builds their NFA: what compiling and loading a serialized database share. */
function prepare(
  specs: readonly PatternSpec[],
  options: CompileOptions,
): { meta: PatternMeta[]; parsed: ParsedPattern[]; nfa: Nfa; somNfa: Nfa | null; budget: number; somHorizon: number } {
  if (!Array.isArray(specs) || specs.length === 0) throw new NetsieveError('NS_ERR_PATTERN', 'compile() needs at least one pattern');
  if (options === undefined || !['block', 'stream', 'vectored'].includes(options.mode)) {
    throw new NetsieveError('NS_ERR_OPTION', "compile() needs options.mode: 'block', 'stream' or 'vectored'");
  }
  const budget = options.stateBudget ?? DEFAULT_STATE_BUDGET;
  const somHorizon = options.mode === 'block' ? 0 : (options.somHorizon ?? 0);
  if (!Number.isInteger(somHorizon) || somHorizon < 0 || somHorizon > MAX_SOM_HORIZON) {
    throw new NetsieveError('NS_ERR_OPTION', `somHorizon must be an integer from 1 to ${MAX_SOM_HORIZON} (bytes)`);
  }
  if (!Number.isInteger(budget) || budget < 4 || budget > 1 << 24) throw new NetsieveError('NS_ERR_OPTION', 'stateBudget must be an integer from 4 to 16777216');
  const parsed: ParsedPattern[] = [];
  const meta: PatternMeta[] = [];
  const untrimmed: [number, RegexNode][] = [];
  specs.forEach((spec, i) => {
    if (typeof spec !== 'object' || spec === null) throw new NetsieveError('NS_ERR_PATTERN', `pattern #${i} is not an object`);
    if (!Number.isInteger(spec.id) || spec.id < 0) {
      throw new NetsieveError('NS_ERR_PATTERN', `pattern #${i}: id must be a non-negative integer, not ${String(spec.id)}`);
    }
    if (typeof spec.expression !== 'string') throw new NetsieveError('NS_ERR_PATTERN', 'expression must be a string', { pattern: spec.id });
    const p = parsePattern(spec.expression, spec.flags ?? '', spec.id);
    const [lo, hi] = lengthRange(p.ast);
    // In block mode an L pattern's start is found backwards from its end (reverse-som.ts), so its forward
    // scan needs only the ends; `$`/`\Z` (which may end before a final newline) stay on the position engine.
    const reverseSom = (options.mode === 'block' || somHorizon > 0) && p.flags.leftmost && lo !== hi && !usesFinalNewline(p.ast);
    // Without L only end offsets are reported, and those do not depend on how far back a leading repeat
    // reaches: scan the trimmed form (`[\w.]+@x` as `[\w.]@x`), which starts selectively.
    parsed.push(p.flags.leftmost && !reverseSom ? p : { ...p, ast: trimLeadingRepeats(p.ast) });
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
    });
  });

  const nfa = new Nfa();
  parsed.forEach((p, i) => {
    try {
      nfa.addPattern(p.ast, i);
    } catch (e) {
      if (e instanceof NfaTooLarge) throw new NetsieveError('NS_ERR_PATTERN', `${e.message}; make bounded repeats smaller`, { pattern: meta[i]!.id });
      throw e;
    }
  });
  // Limits were checked on the trimmed forms; the untrimmed ones are at most as large as the originals.
  const somNfa = untrimmed.length > 0 ? new Nfa() : null;
  for (const [i, ast] of untrimmed) somNfa!.addPattern(ast, i);
  return { meta, parsed, nfa, somNfa, budget, somHorizon };
}

/** Sorts the patterns into engines and builds their tables. */
function plan(specs: readonly PatternSpec[], options: CompileOptions): Plan {
  const { meta, parsed, nfa, somNfa, budget, somHorizon } = prepare(specs, options);

  // Sort patterns into engines.
  const literalCandidates: Literal[] = [];
  const dfaCandidates: number[] = [];
  const position: number[] = [];
  parsed.forEach((p, i) => {
    const lit = asLiteral(p.ast, i);
    if (lit !== null && lit.bytes.length >= LITERAL_MIN_WINDOW) literalCandidates.push(lit);
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
  dfaCandidates.sort((a, b) => a - b);

  // DFA groups: selective starts behind a prefilter, broad ones on their own.
  const windows = new Map<number, ReturnType<typeof firstBytes>>();
  for (const p of dfaCandidates) windows.set(p, firstBytes(nfa, nfa.starts[p]!, TEDDY_K));
  const narrow = dfaCandidates.filter((p) => windowProbability(windows.get(p)!) < PREFILTER_MAX_RATE / 4);
  const broad = dfaCandidates.filter((p) => !narrow.includes(p));
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
   * the subset construction remember every recent start, 2^n subsets. Such patterns are scanned by a lazy
   * DFA, built while scanning from the states the data really reaches.
   */
  const explosive = (p: number): boolean => {
    try {
      buildDfa(nfa, [p], EXPLOSIVE_BUDGET);
      return false;
    } catch (e) {
      if (e instanceof DfaTooLarge) return true;
      throw e;
    }
  };
  /** A group's DFA, split in halves until each half fits the budget. */
  const build = (group: number[], filtered: boolean): void => {
    if (group.length === 0) return;
    try {
      const tables = buildDfa(nfa, group, budget);
      dfas.push({ tables, teddy: filtered ? teddyFor(group) : null });
    } catch (e) {
      if (!(e instanceof DfaTooLarge)) throw e;
      if (group.length === 1) {
        lazy.push(group[0]!);
        return;
      }
      const half = group.length >> 1;
      build(group.slice(0, half), filtered);
      build(group.slice(half), filtered);
    }
  };
  // A selective group with an explosive member is scanned whole by one lazy DFA: one prefilter pass over
  // the data instead of two (eager group + lazy remainder), at the price of building states while scanning.
  const narrowExplosive = narrow.some(explosive);
  if (narrowExplosive) lazy.push(...narrow);
  else build(narrow, true);
  const broadExplosive = broad.filter(explosive);
  lazy.push(...broadExplosive);
  build(
    broad.filter((p) => !broadExplosive.includes(p)),
    false,
  );
  lazy.sort((a, b) => a - b);
  const lazyPlan = lazy.length > 0 ? { patterns: lazy, teddy: lazyTeddy(nfa, lazy) } : null;
  position.sort((a, b) => a - b);
  return { meta, nfa, dfas, literals, literalWindow, lazy: lazyPlan, position, somNfa, somHorizon };
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
    const cuts = options.literalCut !== undefined ? [Math.max(options.literalCut, window)] : Array.from({ length: 24 }, (_, i) => window + i);
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
function lazyTeddy(nfa: Nfa, patterns: number[]): TeddyPlan | null {
  const windows = patterns.map((p) => firstBytes(nfa, nfa.starts[p]!, TEDDY_K));
  if (!windows.every((w) => windowProbability(w) < PREFILTER_MAX_RATE / 4)) return null;
  const t = chooseTeddy(windows, TEDDY_K);
  return t.rate < PREFILTER_MAX_RATE ? t : null;
}

/** Compiles patterns into a database for one scanning mode. Throws NS_ERR_PATTERN naming the pattern at fault. */
export function compile(patterns: readonly PatternSpec[], options: CompileOptions): RegexDatabase {
  try {
    const p = plan(patterns, options);
    const blobs: { kind: typeof ENGINE_DFA | typeof ENGINE_LIT; blob: Uint8Array; patterns: number[]; info: EngineInfo; init: number }[] = [];
    for (const d of p.dfas) {
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
            prefilter: d.teddy ? `teddy k=${d.teddy.k}, ${d.teddy.buckets.length} buckets, ~${(d.teddy.rate * 100).toFixed(1)}% of positions` : 'none',
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
          detail: { stride: l.stride, window: l.window, maxOffset: l.maxOffset, shortest: l.lmin, longest: l.lmax, maxBucket: l.maxBucket },
          bytes: l.blob.length,
        },
      });
    }
    return new RegexDatabase(options.mode, p.meta, blobs, p.nfa, p.lazy, p.position, p.somNfa, p.somHorizon, options.lazyCapacity);
  } catch (e) {
    if (isNetsieveError(e)) throw e;
    throw new NetsieveError('NS_ERR_PATTERN', `compilation failed: ${(e as Error).message}`, {}, { cause: e });
  }
}

// ------------------------------------------------------------------ the database

export class RegexDatabase {
  readonly mode: ScanMode;
  /** Bytes of one stream's state. */
  readonly streamStateSize: number;
  private readonly rt: Runtime;
  private readonly meta: PatternMeta[];
  private readonly wasm: WasmEngine[];
  private readonly js: JsEngine[];
  private readonly singleBits: Int32Array; // pattern index → bit index in the H bitset, or -1
  private readonly singleBytes: number;
  private readonly initial: Uint8Array;
  private readonly stateScratch: number;
  /** The state of the scan under way (stateScratch, or a kernel-resident stream's). */
  private sc = 0;
  private readonly litScratch: number;
  private readonly out: number;
  private readonly positionPatterns: number[];
  private readonly lazyPlan: { patterns: number[]; teddy: TeddyPlan | null } | null;
  /** The leftmost starts of variable-length `L` patterns, found backwards (null when none). */
  private readonly som: ReverseSom | null;
  /** Streams: bytes of history kept for `som` (0 in block mode), and where they are in the state (-1: none). */
  readonly somHorizon: number;
  private readonly historyOffset: number;
  // The slice being delivered, for a stream's backward search (its window is built on the first need).
  private slicePtr = 0;
  private sliceLen = 0;
  private sliceBase = 0;
  private windowBase = -1;
  private freed = false;
  // Match collection for one slice (reused).
  private scratchBytes: Uint8Array | null = null;
  private mPat: number[] = [];
  private mTo: number[] = [];
  private mFrom: number[] = [];

  /** @internal Use `compile()` or `RegexDatabase.deserialize()`. */
  constructor(
    mode: ScanMode,
    meta: PatternMeta[],
    blobs: { kind: typeof ENGINE_DFA | typeof ENGINE_LIT; blob: Uint8Array; patterns: number[]; info: EngineInfo; init: number }[],
    nfa: Nfa,
    lazy: { patterns: number[]; teddy: TeddyPlan | null } | null,
    positionPatterns: number[],
    somNfa: Nfa | null,
    somHorizon: number,
    lazyCapacity?: number,
  ) {
    this.mode = mode;
    this.meta = meta;
    this.lazyPlan = lazy;
    this.positionPatterns = positionPatterns;
    this.rt = runtime();
    // Stream state layout: header, H bitset, then each engine's state (8-byte aligned).
    this.singleBits = new Int32Array(meta.length).fill(-1);
    let nSingle = 0;
    meta.forEach((m, i) => {
      if (m.single) this.singleBits[i] = nSingle++;
    });
    this.singleBytes = Math.ceil(nSingle / 8);
    let off = align8(STREAM_HEADER + this.singleBytes);
    this.wasm = blobs.map((b) => {
      const ptr = this.rt.alloc(b.blob.length);
      this.rt.u8().set(b.blob, ptr);
      const stateSize = b.kind === ENGINE_DFA ? DFA_STATE_SIZE : LIT_STATE_HEADER + b.init;
      const e: WasmEngine = { kind: b.kind, lazy: null, blob: b.blob, ptr, patterns: b.patterns, stateOffset: off, stateSize, init: b.init, info: b.info };
      off = align8(off + stateSize);
      return e;
    });
    if (lazy !== null) {
      const l = new LazyDfa(this.rt, nfa, lazy.patterns, lazy.teddy, lazyCapacity);
      this.wasm.push({
        kind: ENGINE_DFA,
        lazy: l,
        blob: new Uint8Array(0),
        ptr: l.ptr,
        patterns: lazy.patterns,
        stateOffset: off,
        stateSize: l.stateSize,
        init: 0,
        info: {
          kind: 'dfa',
          patterns: lazy.patterns.length,
          detail: {
            lazy: `built while scanning, up to ${l.capacity} states`,
            prefilter: lazy.teddy ? `teddy k=${lazy.teddy.k}, ${lazy.teddy.buckets.length} buckets` : 'none',
          },
          bytes: l.bytes,
        },
      });
      off = align8(off + l.stateSize);
    }
    this.js = [];
    if (positionPatterns.length > 0) {
      const engine = new PositionEngine(nfa, positionPatterns, (p) => meta[p]!.hasAssertions);
      this.js.push({
        engine,
        stateOffset: off,
        info: { kind: 'position', patterns: positionPatterns.length, detail: { slots: engine.slots }, bytes: 0 },
      });
      off = align8(off + engine.stateSize);
    }
    const somPatterns = meta.flatMap((m, i) => (m.reverseSom ? [i] : []));
    this.som = somNfa !== null && somPatterns.length > 0 ? new ReverseSom(somNfa, somPatterns, (p) => meta[p]!.hasAssertions) : null;
    this.somHorizon = somHorizon;
    // Streams with a SOM horizon keep their last bytes: a u32 length, then up to somHorizon bytes.
    this.historyOffset = this.som !== null && mode !== 'block' ? off : -1;
    if (this.historyOffset >= 0) off = align8(off + 8 + somHorizon);
    this.streamStateSize = off;
    this.initial = new Uint8Array(off);
    this.resetState(this.initial);
    this.stateScratch = this.rt.alloc(off);
    inputPtr(this.rt, SLICE); // the staging area now, so that no scan grows the memory (and detaches views)
    const litScratch = Math.max(0, ...this.wasm.filter((e) => e.kind === ENGINE_LIT).map((e) => e.init + 2 * e.init + 64));
    this.litScratch = litScratch > 0 ? this.rt.alloc(litScratch) : 0;
    this.out = this.rt.alloc(16 + 8 * MATCH_CAPACITY);
    this.rt.u32()[this.out >> 2] = MATCH_CAPACITY;
  }

  /** Writes the state of a stream that has seen nothing. */
  private resetState(state: Uint8Array): void {
    state.fill(0);
    const dv = new DataView(state.buffer, state.byteOffset, state.byteLength);
    dv.setFloat64(0, 0, true); // offset
    dv.setUint32(8, Cat.START, true); // category of the previous byte
    dv.setUint32(12, 0, true); // flags: 1 terminated, 2 closed
    for (const e of this.wasm) {
      if (e.lazy !== null) e.lazy.writeStart(state, e.stateOffset);
      else if (e.kind === ENGINE_DFA) dv.setUint32(e.stateOffset, e.init, true);
      else {
        dv.setFloat64(e.stateOffset, 0, true); // next_q
        dv.setFloat64(e.stateOffset + 8, -1, true); // verified_upto
        dv.setUint32(e.stateOffset + 16, 0, true); // hist_len
      }
    }
    for (const j of this.js) for (let i = 0; i < j.engine.slots; i++) dv.setFloat64(j.stateOffset + 8 * i, -1, true);
  }

  info(): DatabaseInfo {
    for (const e of this.wasm) {
      if (e.lazy !== null) {
        e.info.detail.statesBuilt = e.lazy.builder.states.length;
        e.info.detail.flushes = e.lazy.flushes;
      }
    }
    const engines = [...this.wasm.map((e) => e.info), ...this.js.map((j) => j.info)];
    return {
      mode: this.mode,
      patterns: this.meta.length,
      engines,
      memoryBytes: engines.reduce((a, e) => a + e.bytes, 0),
      streamStateSize: this.streamStateSize,
    };
  }

  /**
   * A buffer of `size` bytes inside the kernel's memory, one per process: data written there (or any view
   * of it) is scanned without a copy. The view is valid until the next compile, deserialize, openStream or
   * call of this method (they may grow the memory or move the buffer); call it again to get a fresh one.
   */
  inputBuffer(size: number): Uint8Array {
    if (!Number.isInteger(size) || size < 0 || size > MAX_INPUT_BUFFER) {
      throw new NetsieveError('NS_ERR_OPTION', `inputBuffer() takes a size in bytes from 0 to ${MAX_INPUT_BUFFER}, not ${String(size)}`);
    }
    return inputView(this.rt, size);
  }

  // ---------------------------------------------------------------- scanning

  /** Block mode: scans one buffer (a Uint8Array or Buffer, an ArrayBuffer or any ArrayBufferView: its bytes). */
  scan(input: ScanData, onMatch: MatchHandler): ScanResult {
    this.requireMode('block', 'scan');
    const data = scanBytes(input, 'scan()');
    checkHandler(onMatch, 'scan()');
    this.rt.u8().set(this.initial, this.stateScratch);
    if (this.som === null) return this.scanAt(this.stateScratch, data, true, onMatch);
    this.som.beginBlock(data);
    try {
      return this.scanAt(this.stateScratch, data, true, onMatch);
    } finally {
      this.som.endBlock();
    }
  }

  /** Vectored mode: scans the chunks as one buffer (offsets run across them). */
  scanVector(chunks: readonly ScanData[], onMatch: MatchHandler): ScanResult {
    this.requireMode('vectored', 'scanVector');
    if (!Array.isArray(chunks)) throw new NetsieveError('NS_ERR_INPUT', 'scanVector() takes an array of chunks (each a Uint8Array, Buffer, ArrayBuffer or ArrayBufferView)');
    checkHandler(onMatch, 'scanVector()');
    // Every chunk is checked before any is scanned: a bad one is refused before a report of the good ones.
    // Views are made only when some chunk is not a Uint8Array (the usual case allocates nothing).
    let bytes = chunks as readonly Uint8Array[];
    for (let i = 0; i < chunks.length; i++) {
      if (!(chunks[i] instanceof Uint8Array)) {
        bytes = chunks.map((c, j) => scanBytes(c, `scanVector() chunk ${j}`));
        break;
      }
    }
    if (bytes.length === 0) return 'complete';
    this.rt.u8().set(this.initial, this.stateScratch);
    for (let i = 0; i < bytes.length; i++) {
      const r = this.scanAt(this.stateScratch, bytes[i]!, i === bytes.length - 1, onMatch);
      if (r === 'terminated') return r;
    }
    return 'complete';
  }

  /**
   * Stream mode: a new stream. Its state (`streamStateSize` bytes) lives in the kernel's memory, where
   * scanning uses it in place, until `stream.free()` (or until the stream is garbage collected). Pass
   * `state`, a buffer of that size (from a pool of your own, say), to keep the state there instead: it is
   * reset, and copied into the kernel's memory and back on every call (a few dozen bytes).
   */
  openStream(options: { state?: Uint8Array } = {}): RegexStream {
    this.requireMode('stream', 'openStream');
    const state = options.state;
    if (state === undefined) {
      const at = this.rt.alloc(this.streamStateSize);
      this.rt.u8().set(this.initial, at);
      return new RegexStream(this, null, at);
    }
    if (state.length !== this.streamStateSize) {
      throw new NetsieveError('NS_ERR_OPTION', `a stream state must be ${this.streamStateSize} bytes (db.streamStateSize), not ${state.length}`);
    }
    state.set(this.initial);
    return new RegexStream(this, state, 0);
  }

  /** @internal The initial state bytes (a new stream's). */
  get initialState(): Uint8Array {
    return this.initial;
  }

  /** @internal */
  get kernel(): Runtime {
    return this.rt;
  }

  private requireMode(mode: ScanMode, what: string): void {
    if (this.freed) throw new NetsieveError('NS_ERR_STATE', 'the database was freed');
    if (this.mode !== mode) {
      throw new NetsieveError('NS_ERR_MODE', `${what}() needs a database compiled with mode '${mode}'; this one is '${this.mode}'`);
    }
  }

  /**
   * Scans one chunk of a stream whose state is in a caller's buffer: the state is copied into the kernel's
   * memory for the call and back at the end; nothing is allocated per call.
   * @internal
   */
  scanChunk(state: Uint8Array, data: Uint8Array, eod: boolean, onMatch: MatchHandler): ScanResult {
    this.rt.u8().set(state, this.stateScratch);
    const result = this.scanAt(this.stateScratch, data, eod, onMatch);
    state.set(this.scratchView());
    return result;
  }

  /**
   * Scans one chunk of a stream (or a block) with the state at `sc` in the kernel's memory; at `eod` also
   * reports what the end of the data completes. The core of every mode.
   * @internal
   */
  scanAt(sc: number, data: Uint8Array, eod: boolean, onMatch: MatchHandler): ScanResult {
    if (this.freed) throw new NetsieveError('NS_ERR_STATE', 'the database was freed');
    this.sc = sc;
    return this.scanInScratch(data, eod, onMatch);
  }

  private scratchView(): Uint8Array {
    const u8 = this.rt.u8();
    if (this.scratchBytes === null || this.scratchBytes.buffer !== u8.buffer) {
      this.scratchBytes = u8.subarray(this.stateScratch, this.stateScratch + this.streamStateSize);
    }
    return this.scratchBytes;
  }

  private scanInScratch(data: Uint8Array, eod: boolean, onMatch: MatchHandler): ScanResult {
    const rt = this.rt;
    const sc = this.sc;
    const flagsAt = (sc + 12) >> 2;
    if ((rt.u32()[flagsAt]! & 1) !== 0) return 'terminated';
    const owned = rt.owns(data);
    let pos = 0;
    const total = data.length;
    if (total === 0 && isDetached(data)) {
      throw new NetsieveError(
        'NS_ERR_STATE',
        "the data's ArrayBuffer is detached (a view of the kernel's memory taken before it grew: take a fresh one from inputBuffer())",
      );
    }
    do {
      const n = Math.min(SLICE, total - pos);
      const last = pos + n >= total;
      const base = rt.f64()[sc >> 3]!;
      const prev = rt.u32()[(sc + 8) >> 2]!;
      let ptr: number;
      if (owned) ptr = data.byteOffset + pos;
      else {
        ptr = inputPtr(rt, n);
        rt.u8().set(n === total ? data : data.subarray(pos, pos + n), ptr);
      }
      this.runSlice(ptr, n, base, prev, eod && last);
      // Advance the stream.
      rt.f64()[sc >> 3] = base + n;
      if (n > 0) rt.u32()[(sc + 8) >> 2] = categoryOf(data[pos + n - 1]!);
      if (this.historyOffset >= 0) {
        this.slicePtr = ptr;
        this.sliceLen = n;
        this.sliceBase = base;
        this.windowBase = -1;
      }
      if (this.mPat.length > 0 && this.deliver(onMatch) === 'terminated') {
        if (this.windowBase >= 0) this.som!.endBlock();
        rt.u32()[flagsAt]! |= 1;
        return 'terminated';
      }
      if (this.historyOffset >= 0) {
        if (this.windowBase >= 0) this.som!.endBlock();
        this.keepHistory(ptr, n);
      }
      pos += n;
    } while (pos < total);
    return 'complete';
  }

  /** Streams with a SOM horizon: the slice's bytes join the history, which keeps its last somHorizon bytes. */
  private keepHistory(ptr: number, n: number): void {
    if (n === 0) return;
    const u8 = this.rt.u8();
    const at = this.sc + this.historyOffset;
    const hb = at + 8;
    const H = this.somHorizon;
    const had = this.rt.u32()[at >> 2]!;
    if (n >= H) {
      u8.copyWithin(hb, ptr + n - H, ptr + n);
      this.rt.u32()[at >> 2] = H;
    } else {
      const keep = Math.min(H - n, had);
      u8.copyWithin(hb, hb + had - keep, hb + had);
      u8.copyWithin(hb + keep, ptr, ptr + n);
      this.rt.u32()[at >> 2] = keep + n;
    }
  }

  /**
   * A stream's leftmost start of pattern `p`'s match ending at `to`: searched backwards over the current
   * slice and then the history before it, where they lie in the kernel's memory.
   */
  private streamStart(p: number, to: number): number {
    if (this.windowBase < 0) {
      // Views, not copies: deliver() finds every start of the slice before it calls back (a callback could
      // grow the memory or scan again, over the staging area).
      const at = this.sc + this.historyOffset;
      const had = this.rt.u32()[at >> 2]!;
      const u8 = this.rt.u8();
      this.windowBase = this.sliceBase - had;
      this.som!.beginWindow(u8.subarray(at + 8, at + 8 + had), u8.subarray(this.slicePtr, this.slicePtr + this.sliceLen), this.windowBase === 0);
    }
    return this.windowBase + this.som!.start(p, to - this.windowBase);
  }

  /** Runs every engine over one slice (in WASM memory at `ptr`), collecting its matches. */
  private runSlice(ptr: number, n: number, base: number, prev: number, eod: boolean): void {
    const rt = this.rt;
    const k = rt.k;
    const sc = this.sc;
    if (this.mPat.length > 0) this.mPat.length = this.mTo.length = this.mFrom.length = 0;
    for (const e of this.wasm) {
      const st = sc + e.stateOffset;
      if (e.kind === ENGINE_DFA) {
        const lazy = e.lazy;
        if (lazy !== null) rt.u32()[st >> 2] = lazy.restore(rt, st);
        let at = 0;
        while (at < n) {
          const r = k.dfa_scan(e.ptr, st, ptr + at, n - at, this.out);
          this.collect(base + at);
          at += r;
          if (at < n && lazy !== null && k.dfa_stop_reason() === STOP_MISS) {
            const u32 = rt.u32();
            u32[st >> 2] = lazy.resolve(u32[st >> 2]!, rt.u8()[ptr + at]!);
          }
        }
        if (eod) {
          while (k.dfa_eod(e.ptr, st, 0, this.out) === 0) this.collect(base + n);
          this.collect(base + n);
        }
        if (lazy !== null) lazy.save(rt, st);
      } else if (n > 0 || eod) {
        while (k.lit_scan(e.ptr, st, ptr, n, base, eod ? 1 : 0, this.litScratch, this.out) === 0) this.collect(base);
        this.collect(base);
      }
    }
    if (this.js.length > 0) {
      const f64 = rt.f64();
      const bytes = rt.u8().subarray(ptr, ptr + n);
      const report = this.positionReport;
      for (const j of this.js) {
        const so = (sc + j.stateOffset) >> 3;
        j.engine.scan(f64, so, bytes, base, prev, report);
        if (eod) j.engine.eod(f64, so, base + n, n > 0 ? categoryOf(bytes[n - 1]!) : prev, report);
      }
    }
  }

  private readonly positionReport = (p: number, from: number, to: number): void => {
    this.mPat.push(p);
    this.mTo.push(to);
    this.mFrom.push(this.meta[p]!.leftmost ? from : -1);
  };

  /** Moves the kernel's match buffer into the slice's lists; `to` in the buffer is relative to `base`. */
  private collect(base: number): void {
    const u32 = this.rt.u32();
    const o = this.out >> 2;
    const n = u32[o + 1]!;
    if (n === 0) return;
    const i32 = this.rt.i32();
    for (let j = 0; j < n; j++) {
      const p = i32[o + 4 + 2 * j]!;
      this.mPat.push(p);
      this.mTo.push(base + i32[o + 5 + 2 * j]!);
      const m = this.meta[p]!;
      // -2: fixed length, -3: found backwards; both computed at delivery.
      this.mFrom.push(m.fixedLength >= 0 ? -2 : m.reverseSom ? -3 : -1);
    }
    u32[o + 1] = 0;
  }

  /** Sorts the slice's matches by end offset and hands them out, honouring single-match patterns. */
  private deliver(onMatch: MatchHandler): ScanResult {
    const n = this.mPat.length;
    // Starts found backwards first, all of them, before any callback runs (it could scan again, over the
    // staging area, or grow the memory under the views the search reads).
    if (this.som !== null) {
      for (let j = 0; j < n; j++) {
        if (this.mFrom[j] !== -3) continue;
        const p = this.mPat[j]!;
        const to = this.mTo[j]!;
        this.mFrom[j] = this.historyOffset >= 0 ? this.streamStart(p, to) : this.som.start(p, to);
      }
    }
    let order: number[] | null = null;
    for (let i = 1; i < n; i++) {
      if (this.mTo[i]! < this.mTo[i - 1]!) {
        order = Array.from({ length: n }, (_, j) => j).sort((a, b) => this.mTo[a]! - this.mTo[b]! || a - b);
        break;
      }
    }
    const bits = this.sc + STREAM_HEADER;
    for (let jj = 0; jj < n; jj++) {
      const j = order === null ? jj : order[jj]!;
      const p = this.mPat[j]!;
      const m = this.meta[p]!;
      const bit = this.singleBits[p]!;
      if (bit >= 0) {
        // A fresh view each time: a callback may have grown the memory (and detached an older view).
        const u8 = this.rt.u8();
        const at = bits + (bit >> 3);
        if ((u8[at]! & (1 << (bit & 7))) !== 0) continue;
        u8[at]! |= 1 << (bit & 7);
      }
      const to = this.mTo[j]!;
      let from = this.mFrom[j]!;
      if (from === -2) from = to - m.fixedLength;
      if (onMatch(m.id, from, to) === true) return 'terminated';
    }
    return 'complete';
  }

  // ---------------------------------------------------------------- serialization

  /** The database as bytes: `RegexDatabase.deserialize()` makes it again, in any process. */
  serialize(): Uint8Array {
    const parts: Uint8Array[] = [];
    const enc = new TextEncoder();
    const head = new DataView(new ArrayBuffer(20));
    head.setUint32(0, MAGIC, true);
    head.setUint32(4, FORMAT_VERSION, true);
    head.setUint32(8, ['block', 'stream', 'vectored'].indexOf(this.mode), true);
    head.setUint32(12, this.meta.length, true);
    head.setUint32(16, this.somHorizon, true);
    parts.push(new Uint8Array(head.buffer));
    for (const m of this.meta) {
      const flags = enc.encode(m.flags);
      const expr = enc.encode(m.expression);
      const h = new DataView(new ArrayBuffer(12));
      h.setUint32(0, m.id, true);
      h.setUint32(4, flags.length, true);
      h.setUint32(8, expr.length, true);
      parts.push(new Uint8Array(h.buffer), flags, expr);
    }
    const saved = this.wasm.filter((e) => e.lazy === null);
    const counts = new DataView(new ArrayBuffer(8));
    counts.setUint32(0, saved.length, true);
    counts.setUint32(4, this.positionPatterns.length, true);
    parts.push(new Uint8Array(counts.buffer));
    for (const e of saved) {
      const h = new DataView(new ArrayBuffer(16 + 4 * e.patterns.length));
      h.setUint32(0, e.kind, true);
      h.setUint32(4, e.blob.length, true);
      h.setUint32(8, e.init, true);
      h.setUint32(12, e.patterns.length, true);
      e.patterns.forEach((p, i) => h.setUint32(16 + 4 * i, p, true));
      parts.push(new Uint8Array(h.buffer), e.blob);
      const info = enc.encode(JSON.stringify(e.info));
      const ih = new DataView(new ArrayBuffer(4));
      ih.setUint32(0, info.length, true);
      parts.push(new Uint8Array(ih.buffer), info);
    }
    const lazyPatterns = this.lazyPlan?.patterns ?? [];
    const pp = new DataView(new ArrayBuffer(4 * this.positionPatterns.length + 4 + 4 * lazyPatterns.length));
    this.positionPatterns.forEach((p, i) => pp.setUint32(4 * i, p, true));
    pp.setUint32(4 * this.positionPatterns.length, lazyPatterns.length, true);
    lazyPatterns.forEach((p, i) => pp.setUint32(4 * this.positionPatterns.length + 4 + 4 * i, p, true));
    parts.push(new Uint8Array(pp.buffer));
    const body = concat(parts);
    const out = new Uint8Array(body.length + 4);
    out.set(body);
    new DataView(out.buffer).setUint32(body.length, fnv1a(body), true);
    return out;
  }

  /** Makes a database from `serialize()`'s bytes. Throws NS_ERR_DATABASE when they are damaged. */
  static deserialize(bytes: Uint8Array): RegexDatabase {
    return deserializeDatabase(bytes);
  }

  /** Releases the database's tables in the kernel's memory. */
  free(): void {
    if (this.freed) return;
    this.freed = true;
    for (const e of this.wasm) {
      if (e.lazy !== null) e.lazy.free();
      else this.rt.dealloc(e.ptr);
    }
    this.rt.dealloc(this.stateScratch);
    if (this.litScratch) this.rt.dealloc(this.litScratch);
    this.rt.dealloc(this.out);
  }

  /** @internal for deserialize */
  static fromParts(
    mode: ScanMode,
    meta: PatternMeta[],
    blobs: ConstructorParameters<typeof RegexDatabase>[2],
    nfa: Nfa,
    lazy: { patterns: number[]; teddy: TeddyPlan | null } | null,
    position: number[],
    somNfa: Nfa | null,
    somHorizon: number,
  ): RegexDatabase {
    return new RegexDatabase(mode, meta, blobs, nfa, lazy, position, somNfa, somHorizon);
  }
}

/** Returns the kernel memory of streams nobody freed. */
const unfreedStates = new FinalizationRegistry<{ rt: Runtime; at: number }>(({ rt, at }) => rt.dealloc(at));

export class RegexStream {
  /** A caller's buffer holding the state (null when the state lives in the kernel's memory at `at`). */
  private readonly buffer: Uint8Array | null;
  /** Reads a caller's buffer's header (offset, flags) without allocating per call. */
  private readonly header: DataView | null;
  private at: number;

  /** @internal */
  constructor(
    private readonly db: RegexDatabase,
    buffer: Uint8Array | null,
    at: number,
  ) {
    this.buffer = buffer;
    this.header = buffer === null ? null : new DataView(buffer.buffer, buffer.byteOffset, 16);
    this.at = at;
    if (buffer === null) unfreedStates.register(this, { rt: db.kernel, at }, this);
  }

  /**
   * The stream's state (db.streamStateSize bytes): the caller's buffer, or a view of the kernel's memory
   * (valid until the next compile, open or scan: copy it to keep it).
   */
  get state(): Uint8Array {
    if (this.buffer !== null) return this.buffer;
    this.live();
    return this.db.kernel.u8().subarray(this.at, this.at + this.db.streamStateSize);
  }

  /** Stream offset of the next byte (bytes scanned so far). */
  get offset(): number {
    if (this.header !== null) return this.header.getFloat64(0, true);
    this.live();
    return this.db.kernel.f64()[this.at >> 3]!;
  }

  private get flags(): number {
    if (this.header !== null) return this.header.getUint32(12, true);
    this.live();
    return this.db.kernel.u32()[(this.at + 12) >> 2]!;
  }

  private set flags(v: number) {
    if (this.header !== null) this.header.setUint32(12, v, true);
    else this.db.kernel.u32()[(this.at + 12) >> 2] = v;
  }

  /** Scans the next chunk (bytes, as `db.scan` takes them); matches may have started in earlier chunks. */
  scan(input: ScanData, onMatch: MatchHandler): ScanResult {
    if ((this.flags & 2) !== 0) this.closed();
    const chunk = scanBytes(input, 'stream.scan()');
    checkHandler(onMatch, 'stream.scan()');
    return this.buffer !== null ? this.db.scanChunk(this.buffer, chunk, false, onMatch) : this.db.scanAt(this.at, chunk, false, onMatch);
  }

  /** Ends the stream: reports what the end of the data completes (`$`, `\b` at the end, ...). */
  close(onMatch?: MatchHandler): ScanResult {
    if ((this.flags & 2) !== 0) this.closed();
    checkHandler(onMatch, 'stream.close()', true);
    const r = onMatch ? this.end(onMatch) : 'complete';
    this.flags |= 2;
    return r;
  }

  /** Makes the stream new again (offset 0), optionally reporting the end of what it had seen first. */
  reset(onMatch?: MatchHandler): void {
    checkHandler(onMatch, 'stream.reset()', true);
    if (onMatch && (this.flags & 3) === 0) this.end(onMatch);
    this.state.set(this.db.initialState);
  }

  /** An independent copy of this stream, at the same point (in `options.state` when given). */
  clone(options: { state?: Uint8Array } = {}): RegexStream {
    const size = this.db.streamStateSize;
    if (options.state !== undefined) {
      if (options.state.length !== size) throw new NetsieveError('NS_ERR_OPTION', `a stream state must be ${size} bytes`);
      options.state.set(this.state);
      return new RegexStream(this.db, options.state, 0);
    }
    this.live();
    const rt = this.db.kernel;
    const at = rt.alloc(size); // may grow the memory: take the source view after it
    rt.u8().set(this.state, at);
    return new RegexStream(this.db, null, at);
  }

  /** Returns the state's kernel memory (a stream on a caller's buffer has none). The stream is unusable after. */
  free(): void {
    if (this.buffer !== null || this.at === 0) return;
    unfreedStates.unregister(this);
    this.db.kernel.dealloc(this.at);
    this.at = 0;
  }

  private end(onMatch: MatchHandler): ScanResult {
    return this.buffer !== null ? this.db.scanChunk(this.buffer, EMPTY, true, onMatch) : this.db.scanAt(this.at, EMPTY, true, onMatch);
  }

  private live(): void {
    if (this.at === 0 && this.buffer === null) throw new NetsieveError('NS_ERR_STATE', 'the stream was freed');
  }

  private closed(): never {
    throw new NetsieveError('NS_ERR_STATE', 'the stream is closed; reset() it or open another');
  }
}

// ------------------------------------------------------------------ helpers

const EMPTY = new Uint8Array(0);
const MAGIC = 0x5852534e; // "NSRX"
/** 3: non-ASCII characters in expressions are UTF-8 (in 2 they were bytes 0x80..0xff, refused above). */
const FORMAT_VERSION = 3;
/** The largest inputBuffer() (bytes of the kernel's memory, which is at most 4 GiB). */
const MAX_INPUT_BUFFER = 1 << 30;
/** The largest somHorizon (bytes of stream state it costs). */
const MAX_SOM_HORIZON = 1 << 20;

function align8(n: number): number {
  return (n + 7) & ~7;
}

/**
 * Two regions of the kernel's memory, one runtime for the process: `staging`, where data from outside the
 * kernel's memory is copied a slice at a time to be scanned, and the caller's `input` (inputBuffer()).
 * Separate, so that scanning copied data never overwrites what a caller put in its input buffer.
 */
const staging = { at: 0, cap: 0 };
const input = { at: 0, cap: 0 };
function region(rt: Runtime, r: { at: number; cap: number }, size: number): number {
  if (size > r.cap) {
    if (r.at !== 0) rt.dealloc(r.at);
    r.cap = Math.max(size, 64 * 1024);
    r.at = rt.alloc(r.cap);
  }
  return r.at;
}
function inputPtr(rt: Runtime, size: number): number {
  return region(rt, staging, size);
}
function inputView(rt: Runtime, size: number): Uint8Array {
  const at = region(rt, input, size);
  return rt.u8().subarray(at, at + size);
}

/** Whether a view's buffer was detached (transferred, or a WebAssembly memory that grew). */
function isDetached(view: Uint8Array): boolean {
  try {
    new Uint8Array(view.buffer, 0, 0);
    return false;
  } catch {
    return true;
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function fnv1a(b: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h >>> 0;
}

function deserializeDatabase(bytes: Uint8Array): RegexDatabase {
  const bad = (why: string): never => {
    throw new NetsieveError('NS_ERR_DATABASE', `not a usable serialized database: ${why}`);
  };
  if (!(bytes instanceof Uint8Array) || bytes.length < 24) bad('too short');
  const body = bytes.subarray(0, bytes.length - 4);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(bytes.length - 4, true) !== fnv1a(body)) bad('checksum mismatch (damaged or truncated)');
  let o = 0;
  const u32 = () => {
    if (o + 4 > body.length) bad('truncated');
    const v = dv.getUint32(o, true);
    o += 4;
    return v;
  };
  const take = (n: number) => {
    if (n > body.length - o) bad('truncated');
    const b = body.subarray(o, o + n);
    o += n;
    return b;
  };
  if (u32() !== MAGIC) bad('wrong magic number');
  const version = u32();
  if (version !== FORMAT_VERSION) bad(`format version ${version}; this netsieve reads version ${FORMAT_VERSION}`);
  const modeIndex = u32();
  const mode = (['block', 'stream', 'vectored'] as const)[modeIndex] ?? bad(`unknown mode ${modeIndex}`);
  const n = u32();
  if (n === 0 || n > 1 << 20) bad(`pattern count ${n}`);
  const somHorizon = u32();
  if (somHorizon > MAX_SOM_HORIZON || (mode === 'block' && somHorizon !== 0)) bad(`somHorizon ${somHorizon}`);
  const dec = new TextDecoder();
  const specs: PatternSpec[] = [];
  for (let i = 0; i < n; i++) {
    const id = u32();
    const fl = u32();
    const el = u32();
    specs.push({ id, flags: dec.decode(take(fl)), expression: dec.decode(take(el)) });
  }
  // The patterns are parsed again for their metadata and NFA (cheap); the tables are taken as saved.
  const p = prepare(specs, somHorizon > 0 ? { mode, somHorizon } : { mode });
  const nEngines = u32();
  const nPosition = u32();
  const blobs: ConstructorParameters<typeof RegexDatabase>[2] = [];
  for (let i = 0; i < nEngines; i++) {
    const kind = u32();
    const size = u32();
    const init = u32();
    const np = u32();
    if (kind !== ENGINE_DFA && kind !== ENGINE_LIT) bad(`engine kind ${kind}`);
    const patterns: number[] = [];
    for (let j = 0; j < np; j++) {
      const q = u32();
      if (q >= n) bad('pattern index out of range');
      patterns.push(q);
    }
    const blob = take(size).slice();
    validateBlob(kind, blob, n, bad);
    const infoLen = u32();
    let info: EngineInfo;
    try {
      info = JSON.parse(dec.decode(take(infoLen))) as EngineInfo;
    } catch {
      return bad('engine description is not JSON');
    }
    blobs.push({ kind: kind as typeof ENGINE_DFA | typeof ENGINE_LIT, blob, patterns, init, info });
  }
  const readIndexes = (count: number): number[] => {
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      const q = u32();
      if (q >= n) bad('pattern index out of range');
      out.push(q);
    }
    return out;
  };
  const position = readIndexes(nPosition);
  const lazyPatterns = readIndexes(u32());
  if (o !== body.length) bad('trailing bytes');
  const lazy = lazyPatterns.length > 0 ? { patterns: lazyPatterns, teddy: lazyTeddy(p.nfa, lazyPatterns) } : null;
  return RegexDatabase.fromParts(mode, p.meta, blobs, p.nfa, lazy, position, p.somNfa, p.somHorizon);
}

/** Checks every offset and index in a blob so that a damaged one cannot make the kernel read astray. */
function validateBlob(kind: number, b: Uint8Array, npatterns: number, bad: (why: string) => never): void {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const u = (at: number) => (at + 4 <= b.length ? dv.getUint32(at, true) : bad('engine header truncated'));
  const within = (off: number, len: number, what: string) => {
    if (off > b.length || len > b.length - off) bad(`${what} outside its engine`);
  };
  if (u(0) !== kind) bad('engine kind mismatch');
  if (kind === ENGINE_DFA) {
    const ns = u(4);
    const shift = u(8);
    const special = u(12);
    const wide = u(20);
    // u(56): images, which only a lazy DFA (built at load, never serialized) has.
    if (ns === 0 || shift > 8 || special > ns || u(52) !== special || u(56) !== 0 || (wide === 0 && ns > 0xffff)) bad('DFA header');
    const entries = ns << shift;
    within(u(16), entries * (wide ? 4 : 2), 'transitions');
    for (let i = 0; i < entries; i++) if ((wide ? dv.getUint32(u(16) + 4 * i, true) : dv.getUint16(u(16) + 2 * i, true)) >= ns) bad('transition to no state');
    within(u(24), 256, 'class map');
    for (let i = 0; i < 256; i++) if (b[u(24) + i]! >= 1 << shift) bad('byte class out of range');
    within(u(40), 256, 'category map');
    for (let i = 0; i < 256; i++) if (b[u(40) + i]! > 3) bad('category out of range');
    within(u(36), 16, 'start states');
    for (let i = 0; i < 4; i++) if (dv.getUint32(u(36) + 4 * i, true) >= ns) bad('start state out of range');
    const list = (off: number) => {
      within(off, 4, 'report list');
      const c = dv.getUint32(off, true);
      within(off + 4, 8 * c, 'report list');
      for (let j = 0; j < c; j++) {
        if (dv.getUint32(off + 4 + 8 * j, true) >= npatterns) bad('report of no pattern');
        const adj = dv.getInt32(off + 8 + 8 * j, true);
        if (adj < -1 || adj > 1) bad('report adjustment');
      }
    };
    within(u(32), 4 * ns, 'EOD reports');
    for (let s = 0; s < ns; s++) {
      const off = dv.getUint32(u(32) + 4 * s, true);
      if (off !== 0) list(off);
    }
    within(u(28), 16 * Math.max(1, ns - special), 'special states');
    for (let s = special; s < ns; s++) {
      const at = u(28) + 16 * (s - special);
      const flags = dv.getUint32(at, true);
      if (flags & 1) list(dv.getUint32(at + 4, true));
      if (flags & 4) within(dv.getUint32(at + 8, true), 32, 'acceleration table');
    }
    const teddy = u(44);
    if (teddy !== 0) {
      within(teddy, 16 + 128, 'prefilter');
      const k = dv.getUint32(teddy, true);
      if (k < 1 || k > 4) bad('prefilter width');
    }
  } else {
    const nl = u(4);
    const stride = u(8);
    const lmin = u(12);
    const lmax = u(16);
    const bits = u(20);
    const window = u(52);
    if (window < LITERAL_MIN_WINDOW || window > LITERAL_WINDOW || stride < 1 || lmin < window || stride !== lmin - window + 1 || lmax < lmin || bits < 3 || bits > 24)
      bad('literal engine header');
    within(u(24), (1 << bits) >> 3, 'bitmap');
    within(u(60), (1 << bits) >> 3, 'bitmap');
    within(u(28), 4 * 4097, 'hash buckets');
    const nEntries = dv.getUint32(u(28) + 4 * 4096, true);
    within(u(32), 16 * nEntries, 'entries');
    let prev = 0;
    for (let h = 0; h <= 4096; h++) {
      const v = dv.getUint32(u(28) + 4 * h, true);
      if (v < prev || v > nEntries) bad('hash buckets out of order');
      prev = v;
    }
    within(u(36), 16 * nl, 'literal records');
    for (let i = 0; i < nl; i++) {
      const at = u(36) + 16 * i;
      if (dv.getUint32(at, true) >= npatterns) bad('literal of no pattern');
      const len = dv.getUint32(at + 4, true);
      if (len < lmin || len > lmax) bad('literal length');
      within(dv.getUint32(at + 8, true), 2 * len, 'literal bytes');
    }
    const maxOffset = u(56);
    if (maxOffset < stride - 1 || maxOffset > lmax - window) bad('literal engine header');
    const reach = u(64);
    if (reach < window || reach > lmax) bad('literal engine header');
    for (let k = 0; k < nEntries; k++) {
      const lit = dv.getUint32(u(32) + 16 * k, true);
      const off = dv.getUint16(u(32) + 16 * k + 4, true);
      const checkAt = dv.getUint16(u(32) + 16 * k + 6, true);
      if (lit >= nl) bad('entry out of range');
      const len = dv.getUint32(u(36) + 16 * lit + 4, true);
      if (off > maxOffset || off + window > len || len - off > reach || checkAt + 4 > len) bad('entry out of range');
    }
    if (u(40) !== reach + maxOffset + 1 + LITERAL_WINDOW) bad('history size');
  }
}

/** Loads a database written by `RegexDatabase.serialize()` (the same as `RegexDatabase.deserialize`). */
export function deserialize(bytes: Uint8Array): RegexDatabase {
  return RegexDatabase.deserialize(bytes);
}
