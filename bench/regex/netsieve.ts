/**
 * netsieve's own regex engine, as the benchmark sees it: loaded from src/index.ts when it exports `compile`, and
 * driven through the Hyperscan-like API it is being built to:
 *
 *   const db = compile(patterns, { mode: 'block' | 'stream' | 'vectored' });
 *   db.scan(bytes, (id, from, to) => { ... });
 *   const s = db.openStream(); s.scan(chunk, onMatch); s.close(onMatch);
 *
 * The types below are that expectation, checked at run time; the real ones live in src/ once it exists.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MatchTally } from './hyperscan.js';

export type OnMatch = (id: number, from: number, to: number) => unknown;

export interface NsStream {
  scan(chunk: Uint8Array, onMatch: OnMatch): unknown;
  close(onMatch?: OnMatch): unknown;
  /** Returns the stream's state memory (netsieve keeps it in the kernel's memory until then). */
  free?(): void;
  /** Starts the stream again from offset 0. */
  reset?(): void;
}

export interface NsDatabase {
  scan(data: Uint8Array, onMatch: OnMatch): unknown;
  openStream(): NsStream;
  /** A buffer in the kernel's memory: what is written there is scanned without a copy. */
  inputBuffer?(size: number): Uint8Array;
}

export type NsCompile = (
  patterns: { id: number; expression: string; flags: string }[],
  options: { mode: 'block' | 'stream' | 'vectored'; somHorizon?: number },
) => NsDatabase;

/**
 * `compile` when src/index.ts exports it, else why not. `NETSIEVE_REGEX_MODULE=<path>` loads it from another
 * module instead (a build in dist/, a work-in-progress file), with the same checks.
 */
export async function loadNetsieve(): Promise<{ compile: NsCompile; from: string } | { reason: string }> {
  const override = process.env.NETSIEVE_REGEX_MODULE;
  const from = override !== undefined && override !== '' ? path.resolve(override) : 'src/index.ts';
  let mod: Record<string, unknown>;
  try {
    mod = (
      override !== undefined && override !== '' ? await import(pathToFileURL(from).href) : await import('../../src/index.js')
    ) as Record<string, unknown>;
  } catch (e) {
    return { reason: `${from} does not load: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (typeof mod.compile !== 'function') return { reason: `not built yet (${from} does not export compile)` };
  return { compile: mod.compile as NsCompile, from };
}

/**
 * The match callback of the suite's netsieve rows: counts matches and, per pattern id, sums start and end
 * offsets, exactly what the native harness's callback does (so both are timed doing the same work, and the
 * tallies can be compared). `onMatch` is one closure, made once.
 */
export class MatchCounter {
  total = 0;
  private readonly tally: Float64Array;
  readonly onMatch: OnMatch;

  constructor(readonly maxId: number) {
    this.tally = new Float64Array((maxId + 1) * 3);
    const tally = this.tally;
    this.onMatch = (id: number, from: number, to: number) => {
      this.total++;
      const i = id * 3;
      tally[i]! += 1;
      tally[i + 1]! += from;
      tally[i + 2]! += to;
    };
  }

  reset(): void {
    this.total = 0;
    this.tally.fill(0);
  }

  /** The tallies of the patterns that matched (ids outside 0..maxId are counted in `total` only). */
  perId(): Map<number, MatchTally> {
    const out = new Map<number, MatchTally>();
    for (let id = 0; id <= this.maxId; id++) {
      const count = this.tally[id * 3]!;
      if (count > 0) out.set(id, { count, sumFrom: this.tally[id * 3 + 1]!, sumTo: this.tally[id * 3 + 2]! });
    }
    return out;
  }
}
