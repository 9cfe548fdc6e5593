/**
 * The compile-time memory budget (`CompileOptions.memoryBudget`): each stage of compilation estimates the
 * memory it is about to take (a pattern's NFA nodes, a DFA's states times its byte classes, the literal
 * engine's tables, a lazy DFA's table) and charges it here before allocating. A charge past the budget is
 * refused with NS_ERR_PATTERN naming the pattern that pushed the total over, so a set too large for the
 * process fails with an error that says what to do instead of exhausting the memory.
 *
 * The estimates are what the structures cost in V8 (measured with heap snapshots, rounded up), not exact.
 */
import { NetsieveError } from '../errors.js';

/** Default: 1 GiB of estimated compile-time memory. */
export const DEFAULT_MEMORY_BUDGET = 2 ** 30;

/** Per pattern: its metadata, expression and spec (a few objects and strings). */
export const PATTERN_BYTES = 400;
/** Per NFA node: 13 bytes of columns, doubled while they grow. */
export const NFA_NODE_BYTES = 26;
/** Per byte of a literal: its bytes and fold mask, windows, entries and the n-gram counts that place them. */
export const LITERAL_BYTE_BYTES = 160;
/** Per DFA state under construction: its record, position array and index entries (plus its row). */
export const DFA_STATE_BYTES = 200;
/** Per DFA state and class: the row being built (8), the final table (4) and its encoded copy (4). */
export const DFA_CELL_BYTES = 16;
/** A lazy DFA's table: about 1 MiB of transitions and records, plus a position bitset per cached state. */
export const LAZY_TABLE_BYTES = 2 ** 21;
export const LAZY_CACHED_STATES = 16_384;

const size = (bytes: number): string =>
  bytes < 2 ** 20 ? `${Math.ceil(bytes / 1024)} KiB` : `${Math.ceil(bytes / 2 ** 20)} MiB`;

export class MemoryMeter {
  used = 0;

  constructor(readonly budget: number) {}

  remaining(): number {
    return Math.max(0, this.budget - this.used);
  }

  /** Adds `bytes` needed by pattern `id` for `what`; throws the refusal when past the budget. */
  charge(bytes: number, id: number, what: string): void {
    if (this.used + bytes > this.budget) throw this.refusal(id, what, this.used + bytes);
    this.used += bytes;
  }

  /** The error for pattern `id` when `what` would take the total estimate to `total` bytes. */
  refusal(id: number, what: string, total: number): NetsieveError {
    return new NetsieveError(
      'NS_ERR_PATTERN',
      `compiling this pattern's ${what} would take the compile memory (estimated: ${total} bytes) past the ` +
        `memoryBudget of ${size(this.budget)}; raise options.memoryBudget, split the set into several ` +
        'databases, or simplify the pattern (smaller bounded repeats, fewer overlapping loops)',
      { pattern: id },
    );
  }
}

/** Checks the option; returns the budget in bytes. */
export function memoryBudgetOption(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MEMORY_BUDGET;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new NetsieveError('NS_ERR_OPTION', `memoryBudget must be a positive integer (bytes), not ${String(value)}`);
  }
  return value;
}
