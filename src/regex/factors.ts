/**
 * Required factors of a pattern: a set of literal strings such that every match of the pattern contains at
 * least one of them (the idea of RE2's FilteredRE2 and of Hyperscan's literal extraction). A multi-literal
 * scan for the factors of many patterns then tells which patterns could match a value at all; only those
 * run their full regex. The WAF uses it to skip, per HTTP value, the CRS rules that cannot match
 * (src/detect/waf/eval/prefilter.ts).
 *
 * Factors are computed on the parsed AST (syntax.ts: case folding and classes already resolved). Each node
 * gets an `exact` set (the node matches exactly one of these strings; assertions count as empty) when that
 * set is small, and a `required` set (one of them occurs in every match), or null when no useful set is
 * known:
 * - a byte or a small class is exact (one string per member; a letter in both cases is one caseless unit);
 * - a concatenation crosses the exact sets of consecutive members while the product stays small, and is
 *   required to contain the best of those runs and of its members' required sets (every member occurs);
 * - an alternation unions its branches' sets (null when one branch has none: it could match anything);
 * - a repeat with a minimum of at least one requires what its item requires (`x{0,n}` requires nothing).
 * A required set is only kept when each of its strings weighs at least MIN_WEIGHT: a letter or digit weighs 1,
 * common punctuation a little more, the bytes that ordinary text rarely holds (`<`, `{`, `$`, `\`, quotes,
 * control bytes) up to MIN_WEIGHT on their own. Lighter factors would pass almost every value.
 */
import type { ByteSet, RegexNode } from './ast.js';
import { parsePattern } from './syntax.js';

/** One position of a factor: a byte (0-255) or a caseless ASCII letter (256 + its lower-case byte). */
export type FactorUnit = number;

/** A literal: units in order. */
export type Factor = readonly FactorUnit[];

/** Shortest useful factor, in units. */
export const MIN_WEIGHT = 3;
/** Longest factor kept (a longer run's prefix is still required). */
const MAX_LEN = 16;
/** Largest exact set carried through a product. */
const MAX_EXACT = 64;
/** Largest required set kept. */
const MAX_REQUIRED = 256;
/** Largest class expanded into alternatives (units: a caseless letter counts once). */
const MAX_CLASS = 4;

interface Info {
  exact: Factor[] | null;
  required: Factor[] | null;
  /** Every match begins with one of these ([EMPTY] when nothing is known). */
  prefix: Factor[];
  /** Every match ends with one of these ([EMPTY] when nothing is known). */
  suffix: Factor[];
}

const EMPTY: Factor = [];

/**
 * The required factors of a pattern (Hyperscan syntax and flags, as `compile` takes them), or null when none
 * is known: the pattern could match a value that holds no literal heavy enough (MIN_WEIGHT) in common with it.
 * Throws what `parsePattern` throws for a pattern it cannot parse.
 */
export function requiredFactors(expression: string, flags = ''): Factor[] | null {
  const parsed = parsePattern(expression, `${flags.replace(/[HLVP]/g, '')}V`, 0);
  if ((parsed.approximated?.length ?? 0) > 0) return null;
  const info = infoOf(parsed.ast, 0);
  return info.required ?? usable(info.exact);
}

/** A factor as an expression the regex engine takes (a caseless unit as a two-letter class). */
export function factorExpression(f: Factor): string {
  let s = '';
  for (const u of f) {
    if (u >= 256) {
      const lo = u - 256;
      s += `[${hex(lo)}${hex(lo - 0x20)}]`;
    } else s += hex(u);
  }
  return s;
}

/** Whether the value (one byte per character) contains the factor. */
export function containsFactor(value: string, f: Factor): boolean {
  outer: for (let i = 0; i + f.length <= value.length; i++) {
    for (let k = 0; k < f.length; k++) {
      const c = value.charCodeAt(i + k);
      const u = f[k]!;
      if (u >= 256 ? (c | 0x20) !== u - 256 : c !== u) continue outer;
    }
    return true;
  }
  return false;
}

function hex(b: number): string {
  return `\\x${b.toString(16).padStart(2, '0')}`;
}

const DEPTH_LIMIT = 200;

const UNKNOWN: Info = { exact: null, required: null, prefix: [EMPTY], suffix: [EMPTY] };

function exactInfo(exact: Factor[]): Info {
  return { exact, required: null, prefix: exact, suffix: exact };
}

function infoOf(n: RegexNode, depth: number): Info {
  if (depth > DEPTH_LIMIT) return UNKNOWN;
  switch (n.kind) {
    case 'empty':
    case 'assert':
      return exactInfo([EMPTY]);
    case 'set': {
      const units = unitsOf(n.set);
      return units === null ? UNKNOWN : exactInfo(units.map((u) => [u]));
    }
    case 'alt': {
      const kids = n.items.map((x) => infoOf(x, depth + 1));
      let exact: Factor[] | null = [];
      let required: Factor[] | null = [];
      let prefix: Factor[] | null = [];
      let suffix: Factor[] | null = [];
      for (const k of kids) {
        exact = exact !== null && k.exact !== null ? union(exact, k.exact, MAX_EXACT) : null;
        const r = k.required ?? usable(k.exact);
        required = required !== null && r !== null ? union(required, r, MAX_REQUIRED) : null;
        prefix = prefix !== null ? union(prefix, k.prefix, MAX_EXACT) : null;
        suffix = suffix !== null ? union(suffix, k.suffix, MAX_EXACT) : null;
      }
      return { exact, required, prefix: prefix ?? [EMPTY], suffix: suffix ?? [EMPTY] };
    }
    case 'repeat': {
      if (n.max === 0) return exactInfo([EMPTY]);
      const k = infoOf(n.item, depth + 1);
      if (n.min === 0) {
        if (n.max === 1 && k.exact !== null) {
          const exact = union([EMPTY], k.exact, MAX_EXACT);
          if (exact !== null) return exactInfo(exact);
        }
        return UNKNOWN;
      }
      // min copies in a row occur in every match, at its start and at its end.
      let run: Factor[] | null = k.exact === null ? null : [EMPTY];
      let truncated = false;
      for (let i = 0; i < Math.min(n.min, MAX_LEN) && run !== null; i++) {
        const next = cross(run, k.exact!);
        if (next === null) run = null;
        else {
          truncated ||= next.truncated;
          run = next.list;
        }
      }
      const exact = n.min === n.max && n.min <= MAX_LEN && run !== null && !truncated ? run : null;
      return {
        exact,
        required: best([k.required, usable(k.exact), usable(run)]),
        prefix: run ?? k.prefix,
        suffix: run !== null && !truncated ? run : k.suffix,
      };
    }
    case 'concat': {
      const kids = n.items.map((x) => infoOf(x, depth + 1));
      const candidates: (Factor[] | null)[] = [];
      // The exact strings of the members since the last break, crossed.
      let run: Factor[] = [EMPTY];
      let fromStart = true;
      let truncated = false;
      let prefix: Factor[] | null = null;
      let whole = true;
      const breakRun = (tail: Factor[] | null) => {
        candidates.push(usable(tail ?? run));
        if (fromStart) prefix = tail ?? run;
        fromStart = false;
        whole = false;
      };
      for (const k of kids) {
        candidates.push(k.required ?? usable(k.exact));
        if (k.exact !== null) {
          const next = cross(run, k.exact);
          if (next === null) {
            // The product grew too large: what was built is required; start again from this member.
            breakRun(null);
            run = k.exact;
            truncated = false;
            continue;
          }
          truncated ||= next.truncated;
          run = next.list;
          continue;
        }
        // A member with no exact set: the run followed by how it begins is required, and a new run starts
        // with how it ends.
        breakRun(cross(run, k.prefix)?.list ?? null);
        run = k.suffix;
        truncated = false;
      }
      candidates.push(usable(run));
      return {
        exact: whole && !truncated ? run : null,
        required: best(candidates),
        prefix: prefix ?? run,
        suffix: truncated ? [EMPTY] : run,
      };
    }
  }
}

/** A class as units when it is small: bytes, with both cases of a letter as one caseless unit. */
function unitsOf(set: ByteSet): FactorUnit[] | null {
  const n = set.size();
  if (n === 0 || n > MAX_CLASS * 2) return null;
  const out: FactorUnit[] = [];
  for (const b of set.bytes()) {
    const lower = b | 0x20;
    const isLetter = lower >= 0x61 && lower <= 0x7a;
    if (isLetter && set.has(lower) && set.has(lower - 0x20)) {
      if (b === lower) out.push(256 + lower);
      continue;
    }
    out.push(b);
  }
  return out.length <= MAX_CLASS ? out : null;
}

function keyOf(f: Factor): string {
  return f.join(',');
}

function union(a: Factor[], b: Factor[], cap: number): Factor[] | null {
  const seen = new Set(a.map(keyOf));
  const out = a.slice();
  for (const f of b) {
    const k = keyOf(f);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(f);
    if (out.length > cap) return null;
  }
  return out;
}

/** Every string of `a` followed by every string of `b` (cut at MAX_LEN), or null when there would be too many. */
function cross(a: Factor[], b: Factor[]): { list: Factor[]; truncated: boolean } | null {
  if (a.length * b.length > MAX_EXACT) return null;
  const seen = new Set<string>();
  const list: Factor[] = [];
  let truncated = false;
  for (const x of a)
    for (const y of b) {
      let f = x.concat(y);
      if (f.length > MAX_LEN) {
        f = f.slice(0, MAX_LEN);
        truncated = true;
      }
      const k = keyOf(f);
      if (seen.has(k)) continue;
      seen.add(k);
      list.push(f);
    }
  return { list, truncated };
}

/** The set when every string in it is long enough to be worth looking for. */
function usable(set: Factor[] | null): Factor[] | null {
  if (set === null || set.length === 0) return null;
  for (const f of set) if (weightOf(f) < MIN_WEIGHT) return null;
  return set;
}

/** How rarely a unit occurs in ordinary text (letters, digits and spaces 1; rare punctuation and control bytes 3). */
const UNIT_WEIGHT = (() => {
  const w = new Float64Array(257).fill(2);
  for (let b = 0x30; b <= 0x39; b++) w[b] = 1;
  for (let b = 0x41; b <= 0x5a; b++) w[b] = 1;
  for (let b = 0x61; b <= 0x7a; b++) w[b] = 1;
  for (const ch of ' -._/,:') w[ch.charCodeAt(0)] = 1.5;
  for (const ch of '\'"`<>{}$|^~[]') w[ch.charCodeAt(0)] = 3;
  for (let b = 0; b < 0x20; b++) w[b] = 3;
  w[0x7f] = 3;
  w[256] = 1; // any caseless letter
  return w;
})();

function weightOf(f: Factor): number {
  let sum = 0;
  for (const u of f) sum += UNIT_WEIGHT[u >= 256 ? 256 : u]!;
  return sum;
}

/** The most selective set: the longest shortest string, then the fewest strings. */
function best(sets: (Factor[] | null)[]): Factor[] | null {
  let out: Factor[] | null = null;
  let outMin = 0;
  for (const s of sets) {
    if (s === null) continue;
    let min = Number.POSITIVE_INFINITY;
    for (const f of s) min = Math.min(min, weightOf(f));
    const score = Math.min(min, 8);
    if (out === null || score > outMin || (score === outMin && s.length < out.length)) {
      out = s;
      outMin = score;
    }
  }
  return out;
}
