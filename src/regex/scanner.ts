/**
 * The scanner: a database's engines loaded into the kernel's memory, the layout of a stream's state, and
 * the scan loop every mode shares. Every engine can stop and resume anywhere, so a block is a stream of
 * one chunk: the same code path, the same reports. Each call collects what every engine reports for a
 * slice of at most SLICE bytes, sorts it by end offset and delivers it, so matches arrive in order of
 * their end. Nothing here allocates per call (the match lists and views are reused).
 */
import { NetsieveError } from '../errors.js';
import { DFA_STATE_SIZE, ENGINE_DFA, ENGINE_LIT, LIT_STATE_HEADER } from './layout.js';
import {
  type BitNfaTables,
  bitNfaPositionCount,
  bitNfaScratchSize,
  bitNfaStateSize,
  bitNfaWords,
  buildBitNfa,
  ENGINE_BNFA,
} from './bit-nfa.js';
import { LazyDfa } from './lazy-dfa.js';
import { CONTEXTS, NEXT_KINDS, NextKind, PrevKind } from './empty.js';
import { categoryOf, Cat, isWordByte, type Nfa } from './nfa.js';
import type { DatabaseParts, PatternMeta } from './plan.js';
import { PositionEngine } from './position-engine.js';
import type { TeddyPlan } from './prefilter.js';
import { ReverseSom } from './reverse-som.js';
import { runtime, type Runtime } from './runtime.js';
import type { DatabaseInfo, EngineInfo, MatchHandler, ScanMode, ScanResult } from './types.js';

/** Bytes scanned per slice: bounds the matches held before delivery and the input copied at once. */
const SLICE = 256 * 1024;
const MATCH_CAPACITY = 1 << 16;
/** dfa_stop_reason(): a lazy DFA's transition is missing (wasm/layout.h STOP_MISS). */
const STOP_MISS = 2;
/** The kind of the byte before an offset (empty.ts `PrevKind`), per byte. */
const BYTE_KIND = Uint8Array.from({ length: 256 }, (_, b) =>
  b === 0x0a ? PrevKind.NL : isWordByte(b) ? PrevKind.WORD : PrevKind.OTHER,
);
/** A stream state's header: offset (f64), category of the previous byte (u32), flags (u32: 1 terminated, 2 closed). */
const STREAM_HEADER = 16;

interface WasmEngine {
  kind: typeof ENGINE_DFA | typeof ENGINE_LIT | typeof ENGINE_BNFA;
  /** Set for the lazy DFA (its table is built while scanning; `blob` is empty). */
  lazy: LazyDfa | null;
  blob: Uint8Array;
  ptr: number;
  patterns: number[];
  stateOffset: number;
  stateSize: number;
  /** DFA: the start state for the stream start; literal: history size; bit-parallel NFA: state words. */
  init: number;
  info: EngineInfo;
  /** A lazy DFA's bit-parallel NFA, which takes over while the DFA thrashes (null: none). */
  fallback?: LazyFallback;
}

/**
 * The bit-parallel NFA behind a lazy DFA, and where its part of the engine's stream state is: at `off`, the
 * mode (u32: 0 the DFA runs, 1 the NFA), then f64s: bytes and construction steps of the DFA's recent window,
 * and two spare; then the NFA's own state (FALLBACK_STATE bytes on).
 *
 * The NFA is built the first time the DFA thrashes (most traffic never makes it: building it at
 * construction was a quarter of compiling the DLP sensors); its size in positions, which the stream state's
 * layout needs, is counted without building it.
 */
interface LazyFallback {
  nfa: Nfa;
  patterns: number[];
  teddy: TeddyPlan | null;
  positions: number;
  words: number;
  off: number;
  /**
   * Kernel memory held for the NFA's tables from construction on, so that building them during a scan
   * does not grow the memory (which would detach the views of it a caller holds: see inputBuffer()); once
   * they are in the kernel's memory, where they are.
   */
  reserve: number;
  reserveSize: number;
  /** The tables once built (null before), and where they are in the kernel's memory once put there (-1 before). */
  tables: BitNfaTables | null;
  ptr: number;
  /** A pattern's MATCH_ADJ node (a DFA position with k = 2) → its `$`-before-a-final-newline position. */
  adjByNode: Map<number, number>;
}
const FALLBACK_STATE = 40;
/**
 * The memory held for a fallback's tables: a generous estimate from its size (the tables of the benchmark
 * sets' and the DLP sensors' fallbacks take 45-60 KB for 400-1,450 positions; this holds 86-220 KB). Tables
 * that do not fit are put in free memory if there is some; else the DFA goes on alone (see buildFallback).
 */
const fallbackReserve = (positions: number, words: number) => (32 << 10) + 4096 * words + 64 * positions;
/** The DFA thrashes when its window's construction steps pass this plus a step per THRASH_BYTES bytes. */
const THRASH_STEPS = 256;
const THRASH_BYTES = 512;
/** The DFA's window halves past this many bytes (recent behaviour counts most). */
const THRASH_WINDOW = 1 << 20;
/** Bytes the NFA runs before the DFA is tried again: doubling from the first to the last after each thrash. */
const NFA_STRETCH_FIRST = 1 << 20;
const NFA_STRETCH_LAST = 64 << 20;

interface JsEngine {
  engine: PositionEngine;
  stateOffset: number;
  info: EngineInfo;
}

export class Scanner {
  readonly mode: ScanMode;
  /** Bytes of one stream's state. */
  readonly streamStateSize: number;
  readonly rt: Runtime;
  private readonly meta: PatternMeta[];
  private readonly wasm: WasmEngine[];
  private readonly js: JsEngine[];
  private readonly singleBits: Int32Array; // pattern index → bit index in the H bitset, or -1
  private readonly singleBytes: number;
  /** The state of a stream that has seen nothing. */
  readonly initial: Uint8Array;
  private readonly stateScratch: number;
  /** The state of the scan under way (stateScratch, or a kernel-resident stream's). */
  private sc = 0;
  private readonly litScratch: number;
  /**
   * After a lazy DFA thrashed: bytes that every scan and stream of this database starts on its NFA (a block
   * scan starts afresh, and would pay the thrash budget again each time), and the stretch it was last given
   * (doubling from NFA_STRETCH_FIRST after each thrash, up to NFA_STRETCH_LAST).
   */
  private nfaCredit = 0;
  private nfaStretch = 0;
  /** The bit-parallel NFAs' scratch (zeroed; every step leaves it so), 0 when there are none. */
  private readonly bnfaScratch: number;
  private readonly out: number;
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
  private sliceEod = false;
  /**
   * Streams with a SOM horizon: the `L` patterns with assertions, whose start found backwards from a
   * match at a slice's last byte needs the byte after it (a `$` or `\b` path may start earlier): bit per
   * such pattern (-1 for the others), and the bitset in the state of those waiting for the next slice.
   */
  private readonly somWaitBit: Int32Array;
  private readonly somWaitOffset: number;
  /** The patterns that may wait, by bit. */
  private readonly somWaitPatterns: Int32Array;
  /** Set by free(): every later scan is refused. */
  private released = false;
  // Match collection for one slice (reused).
  private scratchBytes: Uint8Array | null = null;
  /**
   * Patterns that can match empty, by context (empty.ts): `emptyByContext[c]` lists them, or is null. Their
   * state (`emptyOffset`, -1 when there are none): the next offset to decide (f64), the kind of the byte
   * before it (u32), a flag (u32, see findEmpty), then per such pattern (`emptySlot`) the two highest end
   * offsets delivered (f64), which keep a non-empty and an empty match at one end from being reported twice.
   */
  private readonly emptyByContext: (Int32Array | null)[] = [];
  private readonly emptySlot: Int32Array;
  private readonly emptyOffset: number;
  private readonly emptyCount: number;
  /** Whether some pattern tells a final `\n` from another (`$`, `\Z`): such a `\n` at a chunk's end waits. */
  private readonly emptyNeedsFinal: boolean;
  /** Whether some pattern can match empty between two bytes (not only at the data's start or end). */
  private readonly emptyInterior: boolean;
  /** `(prevKind << 8) | next byte` → 1 when some pattern matches empty there (the next byte not the last). */
  private readonly emptyHit = new Uint8Array(4 << 8);
  /**
   * Per kind of the previous byte, before a `\n`: the patterns that match empty whether or not the `\n` is
   * the last byte (reported at once, even at a chunk's end), and those that match only if it is not, or only
   * if it is (reported once that is known).
   */
  private readonly emptyNlEither: (Int32Array | null)[] = [];
  private readonly emptyNlOnly: (Int32Array | null)[] = [];
  private readonly emptyNlFinalOnly: (Int32Array | null)[] = [];
  private mPat: number[] = [];
  private mTo: number[] = [];
  private mFrom: number[] = [];
  /** Offsets findEmpty() has decided so far (a work counter, see `work`). */
  private emptySteps = 0;
  /** The most matches one slice collected (see `retained`). */
  private matchPeak = 0;

  constructor(parts: DatabaseParts, lazyCapacity?: number) {
    const { mode, meta, blobs, nfa, lazy, position: positionPatterns, somNfa, somHorizon } = parts;
    this.mode = mode;
    this.meta = meta;
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
      const e: WasmEngine = {
        kind: b.kind,
        lazy: null,
        blob: b.blob,
        ptr,
        patterns: b.patterns,
        stateOffset: off,
        stateSize,
        init: b.init,
        info: b.info,
      };
      off = align8(off + stateSize);
      return e;
    });
    if (lazy !== null) {
      const l = new LazyDfa(this.rt, nfa, lazy.patterns, lazy.teddy, lazyCapacity);
      let fallback: LazyFallback | undefined;
      let stateSize = l.stateSize;
      if (lazy.fallback) {
        const positions = bitNfaPositionCount(nfa, lazy.patterns);
        const words = bitNfaWords(positions);
        const reserveSize = fallbackReserve(positions, words);
        fallback = {
          nfa,
          patterns: lazy.patterns,
          // The same patterns as the lazy DFA's, so the same prefilter (plan.ts lazyTeddy, which
          // buildBitNfa would otherwise plan again).
          teddy: lazy.teddy,
          positions,
          words,
          off: align8(l.stateSize),
          reserve: this.rt.alloc(reserveSize),
          reserveSize,
          tables: null,
          ptr: -1,
          adjByNode: new Map(),
        };
        stateSize = fallback.off + FALLBACK_STATE + bitNfaStateSize(words);
      }
      this.wasm.push({
        fallback,
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
            ...(fallback ? { fallback: `bit-parallel NFA of ${fallback.positions} positions while the DFA thrashes` } : {}),
          },
          bytes: l.bytes + (fallback?.reserveSize ?? 0),
        },
      });
      off = align8(off + stateSize);
    }
    for (const g of parts.bitNfa) {
      const t = g.tables ?? buildBitNfa(nfa, g.patterns);
      const ptr = this.rt.alloc(t.blob.length);
      this.rt.u8().set(t.blob, ptr);
      const stateSize = bitNfaStateSize(t.words);
      this.wasm.push({
        kind: ENGINE_BNFA,
        lazy: null,
        blob: t.blob,
        ptr,
        patterns: t.patterns,
        stateOffset: off,
        stateSize,
        init: t.words,
        info: {
          kind: 'nfa',
          patterns: t.patterns.length,
          detail: {
            positions: t.positions,
            entries: t.entries,
            prefilter: t.teddy ? `teddy k=${t.teddy.k}, ${t.teddy.buckets.length} buckets` : 'none',
          },
          bytes: t.blob.length,
        },
      });
      off = align8(off + stateSize);
    }
    this.js = [];
    if (positionPatterns.length > 0) {
      const engine = new PositionEngine(nfa, positionPatterns, (p) => meta[p]!.hasAssertions);
      this.js.push({
        engine,
        stateOffset: off,
        info: {
          kind: 'position',
          patterns: positionPatterns.length,
          detail: { slots: engine.slots, closureBound: engine.pushBound },
          bytes: 0,
        },
      });
      off = align8(off + engine.stateSize);
    }
    const somPatterns = meta.flatMap((m, i) => (m.reverseSom ? [i] : []));
    this.som =
      somNfa !== null && somPatterns.length > 0 ? new ReverseSom(somNfa, somPatterns, (p) => meta[p]!.hasAssertions) : null;
    this.somHorizon = somHorizon;
    this.emptySlot = new Int32Array(meta.length).fill(-1);
    let nEmpty = 0;
    let needsFinal = false;
    for (let c = 0; c < CONTEXTS; c++) {
      const list = meta.flatMap((m, i) => ((m.emptyContexts >>> c) & 1 ? [i] : []));
      this.emptyByContext.push(list.length > 0 ? Int32Array.from(list) : null);
    }
    meta.forEach((m, i) => {
      if (m.emptyContexts === 0) return;
      this.emptySlot[i] = nEmpty++;
      if (m.emptyWaitsForFinal) needsFinal = true;
      for (let prev = 0; prev < 4; prev++) {
        const at = prev * NEXT_KINDS;
        if (((m.emptyContexts >>> (at + NextKind.NL)) & 1) !== ((m.emptyContexts >>> (at + NextKind.NL_FINAL)) & 1))
          needsFinal = true;
      }
    });
    this.emptyNeedsFinal = needsFinal;
    let interior = false;
    for (let prev = PrevKind.NL; prev <= PrevKind.OTHER; prev++)
      for (const next of [NextKind.NL, NextKind.WORD, NextKind.OTHER])
        if (this.emptyByContext[prev * NEXT_KINDS + next] !== null) interior = true;
    this.emptyInterior = interior;
    for (let prev = 0; prev < 4; prev++) {
      for (let b = 0; b < 256; b++) {
        const next = b === 0x0a ? NextKind.NL : isWordByte(b) ? NextKind.WORD : NextKind.OTHER;
        if (this.emptyByContext[prev * NEXT_KINDS + next] !== null) this.emptyHit[(prev << 8) | b] = 1;
      }
    }
    const listOf = (keep: (mask: number, wait: boolean) => boolean) => {
      const list = meta.flatMap((m, i) => (keep(m.emptyContexts, m.emptyWaitsForFinal) ? [i] : []));
      return list.length > 0 ? Int32Array.from(list) : null;
    };
    for (let prev = 0; prev < 4; prev++) {
      const nl = 1 << (prev * NEXT_KINDS + NextKind.NL);
      const fin = 1 << (prev * NEXT_KINDS + NextKind.NL_FINAL);
      const either = (m: number, wait: boolean) => !wait && (m & nl) !== 0 && (m & fin) !== 0;
      this.emptyNlEither.push(listOf(either));
      this.emptyNlOnly.push(listOf((m, l) => (m & nl) !== 0 && !either(m, l)));
      this.emptyNlFinalOnly.push(listOf((m, l) => (m & fin) !== 0 && !either(m, l)));
    }
    this.emptyOffset = nEmpty > 0 ? off : -1;
    this.emptyCount = nEmpty;
    if (nEmpty > 0) off = align8(off + 16 + 16 * nEmpty);
    // Streams with a SOM horizon keep their last bytes: a u32 length, then up to somHorizon bytes.
    this.historyOffset = this.som !== null && mode !== 'block' ? off : -1;
    if (this.historyOffset >= 0) off = align8(off + 8 + somHorizon);
    this.somWaitBit = new Int32Array(meta.length).fill(-1);
    let nWait = 0;
    if (this.historyOffset >= 0) {
      for (let i = 0; i < meta.length; i++) if (meta[i]!.reverseSom && meta[i]!.hasAssertions) this.somWaitBit[i] = nWait++;
    }
    this.somWaitPatterns = new Int32Array(nWait);
    this.somWaitBit.forEach((bit, p) => {
      if (bit >= 0) this.somWaitPatterns[bit] = p;
    });
    this.somWaitOffset = nWait > 0 ? off : -1;
    if (nWait > 0) off = align8(off + Math.ceil(nWait / 8));
    this.streamStateSize = off;
    this.initial = new Uint8Array(off);
    this.resetState(this.initial);
    this.stateScratch = this.rt.alloc(off);
    inputPtr(this.rt, SLICE); // the staging area now, so that no scan grows the memory (and detaches views)
    const litScratch = Math.max(0, ...this.wasm.filter((e) => e.kind === ENGINE_LIT).map((e) => e.init + 2 * e.init + 64));
    this.litScratch = litScratch > 0 ? this.rt.alloc(litScratch) : 0;
    const words = Math.max(0, ...this.wasm.map((e) => (e.kind === ENGINE_BNFA ? e.init : (e.fallback?.words ?? 0))));
    this.bnfaScratch = words > 0 ? this.rt.alloc(bitNfaScratchSize(words)) : 0;
    if (this.bnfaScratch) this.rt.u8().fill(0, this.bnfaScratch, this.bnfaScratch + bitNfaScratchSize(words));
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
      if (e.lazy !== null) {
        e.lazy.writeStart(state, e.stateOffset);
        // The fallback's region: the DFA runs, windows empty, the NFA's state "nothing alive" at the start.
        if (e.fallback) dv.setUint32(e.stateOffset + e.fallback.off + FALLBACK_STATE, Cat.START, true);
      } else if (e.kind === ENGINE_BNFA)
        dv.setUint32(e.stateOffset, Cat.START, true); // then no bit set
      else if (e.kind === ENGINE_DFA) dv.setUint32(e.stateOffset, e.init, true);
      else {
        dv.setFloat64(e.stateOffset, 0, true); // next_q
        dv.setFloat64(e.stateOffset + 8, -1, true); // verified_upto
        dv.setUint32(e.stateOffset + 16, 0, true); // hist_len
      }
    }
    for (const j of this.js) for (let i = 0; i < j.engine.slots; i++) dv.setFloat64(j.stateOffset + 8 * i, -1, true);
    if (this.emptyOffset >= 0) {
      dv.setFloat64(this.emptyOffset, 0, true);
      dv.setUint32(this.emptyOffset + 8, PrevKind.START, true);
      dv.setUint32(this.emptyOffset + 12, 0, true);
      for (let k = 0; k < 2 * this.emptyCount; k++) dv.setFloat64(this.emptyOffset + 16 + 8 * k, -1, true);
    }
  }

  info(): DatabaseInfo {
    for (const e of this.wasm) {
      if (e.lazy !== null) {
        e.info.detail.capacity = e.lazy.capacity;
        e.info.detail.statesBuilt = e.lazy.builder.states.length;
        e.info.detail.builderCapacity = e.lazy.builderCapacity;
        e.info.detail.flushes = e.lazy.flushes;
        e.info.detail.resolves = e.lazy.resolves;
        if (e.fallback) {
          e.info.detail.fallbackBuilt = e.fallback.ptr >= 0 ? 1 : 0;
          e.info.bytes = e.lazy.bytes + e.fallback.reserveSize;
        }
      }
    }
    const engines = [...this.wasm.map((e) => e.info), ...this.js.map((j) => j.info)];
    const info: DatabaseInfo = {
      mode: this.mode,
      patterns: this.meta.length,
      engines,
      memoryBytes: engines.reduce((a, e) => a + e.bytes, 0),
      streamStateSize: this.streamStateSize,
      approximated: this.meta
        .filter((m) => m.approximated.length > 0)
        .map((m) => ({ id: m.id, constructs: [...m.approximated] })),
    };
    if (this.som !== null) info.leftmostStarts = this.som.info();
    return info;
  }

  /**
   * @internal Work done by the engines that run in JavaScript or build tables while scanning, cumulative
   * over the scanner's life (take differences around a scan): backward steps of `L` starts (reverse-som.ts),
   * closure steps of the position engine, lazy DFA construction steps (`LazyDfa.resolve` calls), offsets
   * the empty-match finder decided, and the bit-parallel NFAs' work in the kernel (words stepped, entries
   * taken: the kernel's counter, shared by every database, so only differences around one scan mean
   * something). The linear-time tests bound each by a constant of the database times the input's length.
   */
  get work(): { som: number; position: number; lazy: number; empty: number; nfa: number } {
    let lazy = 0;
    for (const e of this.wasm) if (e.lazy !== null) lazy += e.lazy.resolves;
    let position = 0;
    for (const j of this.js) position += j.engine.steps;
    return {
      som: this.som === null ? 0 : this.som.steps,
      position,
      lazy,
      empty: this.emptySteps,
      nfa: this.rt.k.kernel_work(),
    };
  }

  /**
   * @internal The constants of the database that bound `work`: the backward search's bound for a block
   * (or a stream's window: history and chunk) of a given length, the position engines' closure bound (two
   * closures a byte, one at the end), the number of lazy DFAs (a construction step per byte each), and the
   * bit-parallel NFAs' work per byte (each: its words twice, live and first positions, its entries and one
   * for the byte).
   */
  workBounds(): { som: (length: number) => number; positionClosure: number; lazyEngines: number; nfaPerByte: number } {
    const som = this.som;
    return {
      som: (length) => (som === null ? 0 : som.stepBound(length)),
      positionClosure: this.js.reduce((a, j) => a + j.engine.pushBound, 0),
      lazyEngines: this.wasm.filter((e) => e.lazy !== null).length,
      nfaPerByte: this.wasm
        .filter((e) => e.kind === ENGINE_BNFA)
        .reduce((a, e) => a + 2 * e.init + Number(e.info.detail.entries) + 1, 0),
    };
  }

  /**
   * @internal What is kept between calls and grows with use, for the memory tests: entries of the backward
   * `L` search (its caches and forward fallbacks), and the most matches one slice's lists held (at most
   * SLICE bytes' worth: every pattern reporting at every byte).
   */
  retained(): { som: number; matchListPeak: number } {
    return { som: this.som === null ? 0 : this.som.retained(), matchListPeak: this.matchPeak };
  }

  /** Whether free() was called. */
  get freed(): boolean {
    return this.released;
  }

  /** Block mode: scans one buffer from a fresh state. */
  scanBlock(data: Uint8Array, onMatch: MatchHandler): ScanResult {
    this.rt.u8().set(this.initial, this.stateScratch);
    if (this.som === null) return this.scanAt(this.stateScratch, data, true, onMatch);
    this.som.beginBlock(data);
    try {
      return this.scanAt(this.stateScratch, data, true, onMatch);
    } finally {
      this.som.endBlock();
    }
  }

  /**
   * Stream mode: one buffer as a whole stream (a fresh state, the buffer, its end) in one call, without a
   * stream of the caller's. What a stream that is opened, given the buffer and closed reports, for the
   * per-call cost of a block scan (a stream's reset and its separate end call cost as much as scanning a
   * few hundred bytes). With a SOM horizon the backward search sees the whole buffer except at its end (see
   * reverse-som.ts): a start further back than the horizon from the end is reported as the window's first offset.
   */
  scanWholeStream(data: Uint8Array, onMatch: MatchHandler): ScanResult {
    this.rt.u8().set(this.initial, this.stateScratch);
    return this.scanAt(this.stateScratch, data, true, onMatch);
  }

  /** Vectored mode: scans the chunks as one buffer from a fresh state (offsets run across them). */
  scanVector(chunks: readonly Uint8Array[], onMatch: MatchHandler): ScanResult {
    if (chunks.length === 0) return 'complete';
    this.rt.u8().set(this.initial, this.stateScratch);
    for (let i = 0; i < chunks.length; i++) {
      const r = this.scanAt(this.stateScratch, chunks[i]!, i === chunks.length - 1, onMatch);
      if (r === 'terminated') return r;
    }
    return 'complete';
  }

  /**
   * Scans one chunk of a stream whose state is in a caller's buffer: the state is copied into the kernel's
   * memory for the call and back at the end; nothing is allocated per call.
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
   */
  scanAt(sc: number, data: Uint8Array, eod: boolean, onMatch: MatchHandler): ScanResult {
    if (this.released) throw new NetsieveError('NS_ERR_STATE', 'the database was freed');
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
      // Waiting matches before the empty ones: at one end, the first delivered is the one reported, and a
      // non-empty match's start is the leftmost.
      if (this.somWaitOffset >= 0) this.resumeWaiting(base);
      if (this.emptyOffset >= 0) this.findEmpty(data, pos, n, base, eod && last);
      // Advance the stream.
      rt.f64()[sc >> 3] = base + n;
      if (n > 0) rt.u32()[(sc + 8) >> 2] = categoryOf(data[pos + n - 1]!);
      if (this.historyOffset >= 0) {
        this.slicePtr = ptr;
        this.sliceLen = n;
        this.sliceBase = base;
        this.sliceEod = eod && last;
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

  /** The matches that waited at the previous slice's last byte (`somWaitBit`) join this slice's. */
  private resumeWaiting(base: number): void {
    const u8 = this.rt.u8();
    const at = this.sc + this.somWaitOffset;
    for (let bit = 0; bit < this.somWaitPatterns.length; bit++) {
      if ((u8[at + (bit >> 3)]! & (1 << (bit & 7))) === 0) continue;
      u8[at + (bit >> 3)]! &= ~(1 << (bit & 7));
      this.mPat.push(this.somWaitPatterns[bit]!);
      this.mTo.push(base);
      this.mFrom.push(-3);
    }
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
      this.som!.beginWindow(
        u8.subarray(at + 8, at + 8 + had),
        u8.subarray(this.slicePtr, this.slicePtr + this.sliceLen),
        this.windowBase === 0,
      );
    }
    return this.windowBase + this.som!.start(p, to - this.windowBase);
  }

  /**
   * A lazy DFA with a bit-parallel NFA behind it. The DFA runs while the states it builds are reused; when its
   * construction steps outrun the data (more than THRASH_STEPS plus one per THRASH_BYTES bytes over its recent
   * window: traffic that keeps bounded repeats alive makes a new subset at every byte), the NFA takes over
   * from the same byte, its bits set from the DFA state's NFA positions (a position after a byte is where the
   * BYTE nodes that lead to it continue), and every scan of the database starts on the NFA for a stretch of
   * bytes (doubling after each thrash). The DFA is tried again at a slice's start once the stretch is run
   * and nothing is alive. Either way the work per byte stays bounded.
   */
  private runLazyWithFallback(
    e: WasmEngine,
    lazy: LazyDfa,
    fb: LazyFallback,
    st: number,
    ptr: number,
    n: number,
    base: number,
    prev: number,
    eod: boolean,
  ): void {
    const rt = this.rt;
    const k = rt.k;
    const f = st + fb.off;
    const nfaState = f + FALLBACK_STATE;
    const words = fb.words;
    let at = 0;
    // A stream on the NFA was handed over by this database, whose NFA was then built.
    if (rt.u32()[f >> 2] === 1 && !this.fallbackReady(fb))
      throw new NetsieveError('NS_ERR_STATE', "the stream's state is not this database's");
    if (rt.u32()[f >> 2] === 1 && this.nfaCredit <= 0) {
      const u32 = rt.u32();
      let alive = false;
      for (let w = 0; w < 2 * words && !alive; w++) alive = u32[((nfaState + 8) >> 2) + w] !== 0;
      if (!alive) {
        lazy.clearAt(rt, st, u32[nfaState >> 2]!);
        u32[f >> 2] = 0;
        rt.f64().fill(0, (f + 8) >> 3, (f + 32) >> 3);
      }
    }
    if (rt.u32()[f >> 2] === 0) {
      rt.u32()[st >> 2] = lazy.restore(rt, st);
      const before = lazy.resolves;
      // The database's lazy DFA thrashed recently: this stream too starts on the NFA, from here.
      const credit = this.nfaCredit > 0;
      const windowBytes = rt.f64()[(f + 8) >> 3]!;
      const windowSteps = rt.f64()[(f + 16) >> 3]!;
      let thrash = credit && this.fallbackReady(fb);
      while (!thrash && at < n) {
        const r = k.dfa_scan(e.ptr, st, ptr + at, n - at, this.out);
        this.collect(base + at);
        at += r;
        if (at < n && k.dfa_stop_reason() === STOP_MISS) {
          if (
            windowSteps + (lazy.resolves - before) > THRASH_STEPS + (windowBytes + at) / THRASH_BYTES &&
            this.fallbackReady(fb)
          ) {
            thrash = true;
            break;
          }
          const u32 = rt.u32();
          u32[st >> 2] = lazy.resolve(u32[st >> 2]!, rt.u8()[ptr + at]!);
        }
      }
      lazy.save(rt, st);
      if (!thrash) {
        if (eod) {
          while (k.dfa_eod(e.ptr, st, 0, this.out) === 0) this.collect(base + n);
          this.collect(base + n);
        }
        const f64 = rt.f64();
        let b = windowBytes + n;
        let steps = windowSteps + (lazy.resolves - before);
        if (b > THRASH_WINDOW) {
          b /= 2;
          steps /= 2;
        }
        f64[(f + 8) >> 3] = b;
        f64[(f + 16) >> 3] = steps;
        return;
      }
      // The NFA takes over before byte `at`: the DFA state's positions become its bits.
      const u8 = rt.u8();
      u8.fill(0, nfaState, nfaState + bitNfaStateSize(words));
      const u32 = rt.u32();
      u32[nfaState >> 2] = at > 0 ? categoryOf(u8[ptr + at - 1]!) : prev;
      for (const pos of lazy.positionsAt(rt, st)) {
        const node = pos >> 2;
        const targets = (pos & 3) === 0 ? fb.tables!.after.get(node) : undefined;
        const adj = (pos & 3) === 2 ? fb.adjByNode.get(node) : undefined;
        for (const q of targets ?? (adj !== undefined ? [adj] : [])) u8[nfaState + 8 + (q >> 3)]! |= 1 << (q & 7);
      }
      u32[f >> 2] = 1;
      rt.f64().fill(0, (f + 8) >> 3, (f + 24) >> 3);
      if (!credit) {
        this.nfaStretch = Math.min(NFA_STRETCH_LAST, Math.max(NFA_STRETCH_FIRST, 2 * this.nfaStretch));
        this.nfaCredit = this.nfaStretch;
      }
    }
    const from = at;
    while (at < n) {
      const r = k.bnfa_scan(fb.ptr, nfaState, ptr + at, n - at, this.bnfaScratch, this.out);
      this.collect(base + at);
      at += r;
    }
    if (eod) {
      while (k.bnfa_eod(fb.ptr, nfaState, n, this.bnfaScratch, this.out) === 0) this.collect(base);
      this.collect(base);
    }
    this.nfaCredit -= n - from;
  }

  /**
   * Builds a lazy DFA's fallback NFA on its first need and puts its tables in the kernel's memory, in the
   * memory held for them, or in free memory when they are larger: never growing the memory (a scan must
   * not). Whether the NFA can run; when it cannot (the memory is full), the DFA goes on alone, which finds
   * the same matches, and the next thrash tries again.
   */
  private fallbackReady(fb: LazyFallback): boolean {
    if (fb.ptr >= 0) return true;
    if (fb.tables === null) {
      const tables = buildBitNfa(fb.nfa, fb.patterns, fb.teddy);
      fb.adjByNode = new Map([...tables.adj].map(([p, q]) => [fb.nfa.adjMatch[p]!, q] as [number, number]));
      fb.tables = tables;
    }
    const size = fb.tables.blob.length;
    const ptr = size <= fb.reserveSize ? fb.reserve : this.rt.allocWithin(size);
    if (ptr < 0) return false;
    if (ptr !== fb.reserve) {
      this.rt.dealloc(fb.reserve);
      fb.reserve = ptr;
      fb.reserveSize = size;
    }
    this.rt.u8().set(fb.tables.blob, ptr);
    fb.ptr = ptr;
    return true;
  }

  /** Runs every engine over one slice (in WASM memory at `ptr`), collecting its matches. */
  private runSlice(ptr: number, n: number, base: number, prev: number, eod: boolean): void {
    const rt = this.rt;
    const k = rt.k;
    const sc = this.sc;
    if (this.mPat.length > 0) this.mPat.length = this.mTo.length = this.mFrom.length = 0;
    for (const e of this.wasm) {
      const st = sc + e.stateOffset;
      if (e.fallback !== undefined) this.runLazyWithFallback(e, e.lazy!, e.fallback, st, ptr, n, base, prev, eod);
      else if (e.kind === ENGINE_DFA) {
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
      } else if (e.kind === ENGINE_BNFA) {
        let at = 0;
        while (at < n) {
          const r = k.bnfa_scan(e.ptr, st, ptr + at, n - at, this.bnfaScratch, this.out);
          this.collect(base + at);
          at += r;
        }
        if (eod) {
          while (k.bnfa_eod(e.ptr, st, n, this.bnfaScratch, this.out) === 0) this.collect(base);
          this.collect(base);
        }
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

  /**
   * Adds the empty matches at the offsets this slice decides: each offset whose byte before and byte after
   * are known (and, where a pattern needs it, whether a `\n` after it is the last byte). The slice's end
   * waits for the next call, or the end of data.
   */
  private findEmpty(data: Uint8Array, pos: number, n: number, base: number, eod: boolean): void {
    const st = this.sc + this.emptyOffset;
    // Offsets relative to the slice, as small integers (the loop reads a byte per offset: a double index
    // would take V8's slow keyed load). -1: a `\n` that waited at the previous chunk's end.
    let i = (this.rt.f64()[st >> 3]! - base) | 0;
    const first = i;
    let prevKind = this.rt.u32()[(st + 8) >> 2]!;
    // 1: the offset is before a `\n` at a chunk's end and its `emptyNlEither` patterns are reported.
    let partly = this.rt.u32()[(st + 12) >> 2]!;
    const lists = this.emptyByContext;
    const kinds = BYTE_KIND;
    const needsFinal = this.emptyNeedsFinal;
    const skipInterior = !this.emptyInterior;
    const hit = this.emptyHit;
    for (; i <= n; i++) {
      // No pattern matches empty between two bytes (only at the data's start or end, `^$`): jump to the
      // last two offsets, which may be before a final `\n` or at the end.
      if (i >= 0 && i < n - 2 && base + i > 0) {
        if (skipInterior) {
          i = n - 2;
          prevKind = kinds[data[pos + i - 1]!]!;
        } else {
          // Between two bytes, neither the data's start nor before its last byte: step over offsets whose
          // context no pattern matches in, two table loads a byte.
          const stop = n - 1;
          while (i < stop) {
            const b = data[pos + i]!;
            if (hit[(prevKind << 8) | b] !== 0) break;
            prevKind = kinds[b]!;
            i++;
          }
        }
      }
      let next: number;
      let list: Int32Array | null;
      if (i === n) {
        if (!eod) break;
        next = NextKind.EOD;
        list = lists[prevKind * NEXT_KINDS + next]!;
      } else {
        const b = i >= 0 ? data[pos + i]! : 0x0a;
        if (b === 0x0a) {
          if (!needsFinal || i + 1 < n) next = NextKind.NL;
          else if (eod) next = NextKind.NL_FINAL;
          else {
            // Whether this `\n` is the last byte is known only later: what does not depend on it goes now,
            // so that it is not reported after matches that end further on.
            if (partly === 0) this.pushEmpty(this.emptyNlEither[prevKind]!, base + i);
            partly = 1;
            break;
          }
          list =
            partly === 0
              ? lists[prevKind * NEXT_KINDS + next]!
              : next === NextKind.NL
                ? this.emptyNlOnly[prevKind]!
                : this.emptyNlFinalOnly[prevKind]!;
          partly = 0;
        } else {
          next = kinds[b]! === PrevKind.WORD ? NextKind.WORD : NextKind.OTHER;
          list = lists[prevKind * NEXT_KINDS + next]!;
        }
      }
      if (list !== null) this.pushEmpty(list, base + i);
      prevKind = i >= 0 ? kinds[data[pos + i]!]! : PrevKind.NL;
    }
    this.emptySteps += i - first + 1;
    this.rt.f64()[st >> 3] = base + i;
    this.rt.u32()[(st + 8) >> 2] = prevKind;
    this.rt.u32()[(st + 12) >> 2] = partly;
  }

  /** Adds an empty match at `e` for each pattern of `list` (start = end; -1 without L for variable lengths). */
  private pushEmpty(list: Int32Array | null, e: number): void {
    if (list === null) return;
    for (let j = 0; j < list.length; j++) {
      const p = list[j]!;
      const m = this.meta[p]!;
      this.mPat.push(p);
      this.mTo.push(e);
      this.mFrom.push(m.leftmost || m.fixedLength >= 0 ? e : -1);
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

  /**
   * The order in which to hand out the slice's `n` matches: by end offset, ties in the order collected (the
   * engines' lists are each in order; together they are not). A counting sort over the offsets when the
   * matches are many for their span (a rule set that matches at most bytes reports hundreds of thousands
   * per slice), a comparison sort otherwise. Reuses its arrays.
   */
  private deliveryOrder(n: number): Int32Array {
    const to = this.mTo;
    if (this.orderScratch.length < n) this.orderScratch = new Int32Array(Math.max(n, 2 * this.orderScratch.length));
    const order = this.orderScratch.subarray(0, n);
    let lo = to[0]!;
    let hi = lo;
    for (let j = 1; j < n; j++) {
      const t = to[j]!;
      if (t < lo) lo = t;
      else if (t > hi) hi = t;
    }
    const span = hi - lo + 1;
    if (n < 256 || span > 4 * n + SLICE) {
      for (let j = 0; j < n; j++) order[j] = j;
      order.sort((a, b) => to[a]! - to[b]! || a - b);
      return order;
    }
    if (this.countScratch.length < span + 1) this.countScratch = new Int32Array(Math.max(span + 1, 2 * this.countScratch.length));
    const count = this.countScratch;
    count.fill(0, 0, span + 1);
    for (let j = 0; j < n; j++) count[to[j]! - lo + 1]!++;
    for (let k = 1; k <= span; k++) count[k]! += count[k - 1]!;
    for (let j = 0; j < n; j++) order[count[to[j]! - lo]!++] = j;
    return order;
  }
  private orderScratch = new Int32Array(0);
  private countScratch = new Int32Array(0);

  /** Sorts the slice's matches by end offset and hands them out, honouring single-match patterns. */
  private deliver(onMatch: MatchHandler): ScanResult {
    const n = this.mPat.length;
    if (n > this.matchPeak) this.matchPeak = n;
    // Starts found backwards first, all of them, before any callback runs (it could scan again, over the
    // staging area, or grow the memory under the views the search reads).
    if (this.som !== null) {
      for (let j = 0; j < n; j++) {
        if (this.mFrom[j] !== -3) continue;
        const p = this.mPat[j]!;
        const to = this.mTo[j]!;
        const wait = this.somWaitBit[p]!;
        if (wait >= 0 && !this.sliceEod && to === this.sliceBase + this.sliceLen) {
          // The byte after the slice decides the start: the match waits for it (-4: not delivered now).
          this.rt.u8()[this.sc + this.somWaitOffset + (wait >> 3)]! |= 1 << (wait & 7);
          this.mFrom[j] = -4;
          continue;
        }
        this.mFrom[j] = this.historyOffset >= 0 ? this.streamStart(p, to) : this.som.start(p, to);
      }
    }
    let order: Int32Array | null = null;
    for (let i = 1; i < n; i++) {
      if (this.mTo[i]! < this.mTo[i - 1]!) {
        order = this.deliveryOrder(n);
        break;
      }
    }
    const bits = this.sc + STREAM_HEADER;
    for (let jj = 0; jj < n; jj++) {
      const j = order === null ? jj : order[jj]!;
      if (this.mFrom[j] === -4) continue;
      const p = this.mPat[j]!;
      const m = this.meta[p]!;
      const to = this.mTo[j]!;
      const slot = this.emptySlot[p]!;
      if (slot >= 0) {
        // A pattern that can match empty: its non-empty and empty matches at one end are one report. Ends
        // arrive in order except one byte back at a stream's end (a `$` before a final `\n`), so the two
        // highest ends delivered are enough to know.
        const f64 = this.rt.f64();
        const at = (this.sc + this.emptyOffset + 16 + 16 * slot) >> 3;
        const highest = f64[at]!;
        const second = f64[at + 1]!;
        if (to === highest || to === second) continue;
        if (to > highest) {
          f64[at + 1] = highest;
          f64[at] = to;
        } else if (to > second) f64[at + 1] = to;
      }
      const bit = this.singleBits[p]!;
      if (bit >= 0) {
        // A fresh view each time: a callback may have grown the memory (and detached an older view).
        const u8 = this.rt.u8();
        const at = bits + (bit >> 3);
        if ((u8[at]! & (1 << (bit & 7))) !== 0) continue;
        u8[at]! |= 1 << (bit & 7);
      }
      let from = this.mFrom[j]!;
      if (from === -2) from = to - m.fixedLength;
      if (onMatch(m.id, from, to) === true) return 'terminated';
    }
    return 'complete';
  }

  /** Releases the database's tables in the kernel's memory. */
  free(): void {
    if (this.released) return;
    this.released = true;
    for (const e of this.wasm) {
      if (e.lazy !== null) e.lazy.free();
      else this.rt.dealloc(e.ptr);
      if (e.fallback) this.rt.dealloc(e.fallback.reserve);
    }
    this.rt.dealloc(this.stateScratch);
    if (this.litScratch) this.rt.dealloc(this.litScratch);
    if (this.bnfaScratch) this.rt.dealloc(this.bnfaScratch);
    this.rt.dealloc(this.out);
  }
}

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
export function inputView(rt: Runtime, size: number): Uint8Array {
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
