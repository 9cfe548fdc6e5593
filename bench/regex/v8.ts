/**
 * The V8 baselines: what a Node.js program does today without a multi-pattern engine.
 *
 * (a) One alternation of every pattern of a set, `g` flag, counted with `exec` in a loop: irregexp tries the
 *     alternatives at each position and reports the leftmost match (first alternative wins on a tie), then
 *     resumes after it. So it counts non-overlapping matches of the set as a whole, not what a Hyperscan-like
 *     engine reports (every end offset of every pattern): its count differs by design.
 *     For a set with caseless literals and no set-wide `i` (the blocklist), that one RegExp must spell each
 *     letter as a class (`[aA]`), which irregexp runs some hundred times slower than the same literals under
 *     `i`; so such a set also gets (a'): one alternation per case mode (caseless ones under `i`, the rest
 *     without), what a JavaScript programmer ends up writing, and the fairer baseline.
 * (b) One RegExp per pattern, each run over the whole input: non-overlapping matches per pattern, summed;
 *     a single-match (H) pattern is one non-global search (at most one match, as Hyperscan reports it).
 *
 * Both run on a latin1 string of the corpus (one char per byte, so offsets are byte offsets), made once,
 * outside the timed part. All RegExps are built once too.
 */
import { jsAlternation, jsAlternationsByCase, jsRegExp, type PatternSet } from './sets.js';

/** The corpus as a one-byte string: each byte one char, offsets unchanged. */
export function latin1(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1');
}

export interface V8Baseline {
  alternation: RegExp;
  /** (a') one alternation per case mode, or null when the set needs none (see the module comment). */
  byCase: RegExp[] | null;
  perPattern: { id: number; re: RegExp }[];
}

export function prepareV8(set: PatternSet): V8Baseline {
  return {
    alternation: jsAlternation(set),
    byCase: jsAlternationsByCase(set),
    perPattern: set.patterns.map((p) => ({ id: p.id, re: jsRegExp(p, set) })),
  };
}

/** Matches of one global RegExp over `text`, non-overlapping, as `exec` finds them. */
export function countExec(re: RegExp, text: string): number {
  re.lastIndex = 0;
  let n = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    n++;
    // An empty match would not advance lastIndex (no pattern here can match empty; this keeps the loop finite).
    if (m[0].length === 0) re.lastIndex++;
  }
  return n;
}

/** Baseline (a): one alternation of the whole set. */
export function countAlternation(v8: V8Baseline, text: string): number {
  return countExec(v8.alternation, text);
}

/** Baseline (a'): one alternation per case mode, counts summed. */
export function countAlternationsByCase(v8: V8Baseline, text: string): number {
  if (v8.byCase === null) throw new Error('countAlternationsByCase: this set has a single case mode');
  let n = 0;
  for (const re of v8.byCase) n += countExec(re, text);
  return n;
}

/** Baseline (b): one RegExp per pattern, each over the whole text. Fills `perId` when given. */
export function countPerPattern(v8: V8Baseline, text: string, perId?: Map<number, number>): number {
  let total = 0;
  for (const { id, re } of v8.perPattern) {
    const n = re.global ? countExec(re, text) : re.test(text) ? 1 : 0;
    if (perId !== undefined && n > 0) perId.set(id, n);
    total += n;
  }
  return total;
}
