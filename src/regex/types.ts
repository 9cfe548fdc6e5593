/**
 * The regex engine's public types: how patterns and options are given, what a scan reports and what
 * `db.info()` describes. `database.ts` re-exports them; the modules behind it share them from here.
 */

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
// biome-ignore lint/suspicious/noConfusingVoidType: a handler that returns nothing must type-check (Hyperscan's callbacks return 0 to go on)
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
