/**
 * The regex engine's public types: how patterns and options are given, what a scan reports and what
 * `db.info()` describes. `database.ts` re-exports them; the modules behind it share them from here.
 */

import type { Approximation } from './approximate.js';

export type { Approximation } from './approximate.js';

export type ScanMode = 'block' | 'stream' | 'vectored';

export interface PatternSpec {
  /** Reported to the callback; any non-negative integer (several patterns may share one). */
  id: number;
  expression: string;
  /**
   * Hyperscan flag letters: i, s, m, H (single match), L (leftmost start), V (empty matches), 8 (UTF-8),
   * P (prefilter mode: unsupported constructs approximated by a superset; confirm matches with RegExp).
   */
  flags?: string;
}

export interface CompileOptions {
  mode: ScanMode;
  /** Largest DFA (states); bigger groups are split. Default 16,000. */
  stateBudget?: number;
  /**
   * Bytes of memory compilation may take, as estimated before each stage allocates (the patterns' NFA,
   * DFA states times byte classes, the literal engine's tables, lazy DFA tables). A set that would need
   * more is refused with NS_ERR_PATTERN naming the pattern that pushed the estimate over, instead of
   * exhausting the process. Default 1 GiB (2 ** 30).
   */
  memoryBudget?: number;
  /**
   * Stream and vectored modes: bytes of each stream's recent data kept so that an `L` pattern's start can be
   * found backwards from its end (as in block mode), instead of running such patterns on the slow position
   * engine. A start further back than the horizon plus the current chunk is reported imprecisely: the
   * earliest start found within them, or their first offset (Hyperscan's SOM horizon modes make the same
   * trade); a match of a pattern with assertions that ends at a chunk's last byte waits for the next byte
   * (or the close), and its start is exact within the horizon. Costs this many bytes (plus 8) of stream
   * state, and up to about this many backward steps per chunk that ends a match. Default: none (exact,
   * position engine).
   */
  somHorizon?: number;
  /**
   * @internal Tests only: where patterns whose DFA explodes go. Default: a selective group with such a member
   * runs whole on a lazy DFA with the bit-parallel NFA as its fallback, other such patterns on the NFA;
   * 'nfa': always on the bit-parallel NFA alone; 'lazy': always on the lazy DFA alone (to be exercised).
   */
  explosive?: 'nfa' | 'lazy';
  /** @internal Tests only: states a lazy DFA's table holds (to exercise its flushes). */
  lazyCapacity?: number;
  /** @internal Experiments only: the shortest literal the literal engine takes (default: chosen). */
  literalCut?: number;
  /** @internal Experiments only: bytes the literal engine hashes per tested offset (default: chosen). */
  literalWindow?: number;
}

/** Called for each match: pattern id, start offset (-1 when unknown), end offset. Return true to stop. */
// biome-ignore lint/suspicious/noConfusingVoidType: a handler that returns nothing must type-check (Hyperscan's callbacks return 0 to go on)
export type MatchHandler = (id: number, from: number, to: number) => boolean | void;

/** What a scan call ended with. */
export type ScanResult = 'complete' | 'terminated';

export interface EngineInfo {
  kind: 'dfa' | 'literal' | 'nfa' | 'position';
  patterns: number;
  /**
   * DFA: states and byte classes; literal: stride and lengths; nfa (bit-parallel, for patterns whose DFA
   * explodes): positions and entries (its work per byte is at most 2 × words + entries + 1); position: state
   * slots and `closureBound` (positions one byte's closure pushes at most: the engine does at most twice that
   * per byte). A lazy DFA (`lazy` set) also reports what it keeps between scans: `capacity` (states its table
   * holds, a bound), `statesBuilt` (subset-construction states since the last flush, at most
   * `builderCapacity`), `flushes` (times the table was emptied for being full, or for the builder's states
   * reaching their cap) and `resolves` (construction steps so far, at most one per byte scanned).
   */
  detail: Record<string, number | string>;
  /** Bytes of tables in WASM memory (0 for the position engine, which runs in JavaScript). */
  bytes: number;
}

/**
 * Leftmost starts of variable-length `L` patterns found backwards from their ends (block mode, and streams
 * with a `somHorizon`). Each pattern may take `budgetPerByte` backward steps per byte of a block (of a
 * stream's window: its history and current chunk) plus `budgetFloor`; one that spends it tracks its starts
 * forward for the rest of the block (`forwardPasses` counts those). What is kept between scans is bounded:
 * the backward walks' cached states of all patterns together (`cachedStates`, at most `cacheCapacity`, 4 KiB
 * each; `cacheClears` counts the times they were dropped for being full), and per pattern that fell back a
 * forward engine of the pattern's size.
 */
export interface LeftmostStartInfo {
  patterns: number;
  cachedStates: number;
  cacheCapacity: number;
  cacheClears: number;
  forwardPasses: number;
  budgetPerByte: number;
  budgetFloor: number;
}

export interface DatabaseInfo {
  mode: ScanMode;
  patterns: number;
  engines: EngineInfo[];
  /** Present when some `L` pattern has its starts found backwards. */
  leftmostStarts?: LeftmostStartInfo;
  /** Bytes of compiled tables. */
  memoryBytes: number;
  /** Bytes of one stream's state. */
  streamStateSize: number;
  /**
   * The patterns prefilter mode (flag P) approximated, in pattern order, each with what was replaced
   * (e.g. `['backreference', 'lookahead']`): their matches are candidates for the caller to confirm.
   * Empty when every pattern is exact.
   */
  approximated: { id: number; constructs: Approximation[] }[];
}
