/**
 * Prefilters: cheap SIMD tests that say where a match may start, so a DFA runs only near candidates.
 *
 * - `firstBytes`: for a pattern, the bytes each of the first k positions of any match may hold (zero-width
 *   assertions taken as always true, and "anything" after a point where a match could already end): a
 *   superset, so the test never misses a match.
 * - Teddy-style multi-position test: patterns are grouped into at most 8 buckets; for each window position a
 *   pair of 16-entry nibble tables gives each byte the bitmask of buckets it may belong to; a position is a
 *   candidate when some bucket's bit survives the AND over the window (Hyperscan's Teddy, in spirit).
 * - `shuftiOf`: the one-position form, for skipping over bytes that keep a DFA state in place.
 *
 * Selectivity is estimated with a byte-frequency model of HTTP-like text (letters and digits common,
 * control and high bytes rare), to decide whether a prefilter pays at all.
 */
import { ByteSet } from './ast.js';
import { type Nfa, NodeKind } from './nfa.js';

export const TEDDY_MAX_K = 4;
export const TEDDY_BUCKETS = 8;

/** Relative frequency of each byte in HTTP-like text (for estimates only). */
const WEIGHT = (() => {
  const w = new Float64Array(256);
  for (let b = 0; b < 256; b++) {
    if ((b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39)) w[b] = 4;
    else if (b >= 0x41 && b <= 0x5a) w[b] = 1.5;
    else if (b >= 0x20 && b < 0x7f) w[b] = 1.5;
    else if (b === 0x0a || b === 0x0d) w[b] = 1;
    else w[b] = 0.05;
  }
  const total = w.reduce((a, x) => a + x, 0);
  for (let b = 0; b < 256; b++) w[b]! /= total;
  return w;
})();

/** Estimated probability that a byte of text lies in the set. */
export function setProbability(s: ByteSet): number {
  let p = 0;
  for (let b = 0; b < 256; b++) if (s.has(b)) p += WEIGHT[b]!;
  return p;
}

/** The sets of the first k bytes of any match of the pattern (see the module comment). */
export function firstBytes(nfa: Nfa, start: number, k: number): ByteSet[] {
  const masks: ByteSet[] = [];
  let frontier = new Set<number>([start]);
  for (let j = 0; j < k; j++) {
    // Zero-width closure, assertions passing.
    const closed = new Set<number>();
    const stack = [...frontier];
    let canEnd = false;
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (n < 0 || closed.has(n)) continue;
      closed.add(n);
      const kind = nfa.kind[n]!;
      if (kind === NodeKind.SPLIT) stack.push(nfa.out1[n]!, nfa.out2[n]!);
      else if (kind === NodeKind.ASSERT) stack.push(nfa.out1[n]!);
      else if (kind === NodeKind.MATCH || kind === NodeKind.MATCH_ADJ) canEnd = true;
    }
    if (canEnd && j > 0) {
      // A match may already be over: the bytes from here on are anything.
      while (masks.length < k) masks.push(ByteSet.all());
      return masks;
    }
    let m = new ByteSet();
    const next = new Set<number>();
    for (const n of closed) {
      if (nfa.kind[n] === NodeKind.BYTE) {
        m = m.union(nfa.sets[nfa.arg[n]!]!);
        next.add(nfa.out1[n]!);
      }
    }
    masks.push(m);
    frontier = next;
    if (next.size === 0) {
      while (masks.length < k) masks.push(ByteSet.all());
      return masks;
    }
  }
  return masks;
}

/** The product-of-nibbles superset a shufti/Teddy table really accepts for a set. */
export function nibbleHull(s: ByteSet): ByteSet {
  const [lo, hi] = nibbleMasks(s);
  const r = new ByteSet();
  for (let b = 0; b < 256; b++) if (lo & (1 << (b & 15)) && hi & (1 << (b >> 4))) r.add(b);
  return r;
}

/** The low and high nibbles a set's bytes use (its nibble hull is every byte made of one of each). */
function nibbleMasks(s: ByteSet): [number, number] {
  let lo = 0;
  let hi = 0;
  for (const b of s.bytes()) {
    lo |= 1 << (b & 15);
    hi |= 1 << (b >> 4);
  }
  return [lo, hi];
}

/**
 * Probability of the nibble hull lo × hi, by high nibble: HULL_WEIGHT[h][0][lo & 255] + [h][1][lo >> 8]
 * is the weight of the bytes h:l with l in lo (planning tries thousands of hulls; this keeps each at 16 steps).
 */
const HULL_WEIGHT = (() => {
  const t: Float64Array[][] = [];
  for (let h = 0; h < 16; h++) {
    const halves = [new Float64Array(256), new Float64Array(256)];
    for (let half = 0; half < 2; half++) {
      // A mask's weight is its mask without its highest bit plus that bit's: the sum in ascending bit
      // order, as adding bit by bit would make it (the same doubles), in one step per mask. This runs when
      // the module loads, cold: the loop over 8 bits per mask was some 20 ms of a command's start-up.
      const row = halves[half]!;
      for (let m = 1; m < 256; m++) {
        const top = 31 - Math.clz32(m);
        row[m] = row[m ^ (1 << top)]! + WEIGHT[(h << 4) | (half * 8 + top)]!;
      }
    }
    t.push(halves);
  }
  return t;
})();

function hullProbability(lo: number, hi: number): number {
  let p = 0;
  for (let h = 0; h < 16; h++) if (hi & (1 << h)) p += HULL_WEIGHT[h]![0]![lo & 255]! + HULL_WEIGHT[h]![1]![lo >> 8]!;
  return p;
}

/** A window as nibble masks per position: lo[j], hi[j]. */
interface MaskWindow {
  lo: number[];
  hi: number[];
}

function maskWindow(w: readonly ByteSet[]): MaskWindow {
  const lo: number[] = [];
  const hi: number[] = [];
  for (const s of w) {
    const [l, h] = nibbleMasks(s);
    lo.push(l);
    hi.push(h);
  }
  return { lo, hi };
}

function maskProbability(w: MaskWindow): number {
  let p = 1;
  for (let j = 0; j < w.lo.length; j++) p *= hullProbability(w.lo[j]!, w.hi[j]!);
  return p;
}

/** Estimated candidate rate of a window of masks (per position of text). */
export function windowProbability(masks: readonly ByteSet[]): number {
  return maskProbability(maskWindow(masks));
}

export interface TeddyPlan {
  k: number;
  /** buckets[b][j]: the byte set of bucket b at window position j. */
  buckets: ByteSet[][];
  /** Estimated candidate rate per text position. */
  rate: number;
}

/**
 * Groups the patterns' first-byte windows into at most 8 buckets, merging where it costs least (the rate
 * a merged bucket adds). Works on nibble masks, which is what the tables accept.
 */
export function planTeddy(windows: ByteSet[][], k: number): TeddyPlan {
  type Cluster = { w: MaskWindow; p: number; members: number[] };
  let clusters: Cluster[] = windows.map((w, i) => {
    const m = maskWindow(w.slice(0, k));
    return { w: m, p: maskProbability(m), members: [i] };
  });
  const unite = (a: MaskWindow, b: MaskWindow): MaskWindow => ({
    lo: a.lo.map((x, j) => x | b.lo[j]!),
    hi: a.hi.map((x, j) => x | b.hi[j]!),
  });
  // What merging two clusters costs, by their ids (ids grow with the clusters' place in the list: merged
  // ones go last). A merge changes only the pairs of the new cluster, so each pair's cost is computed once
  // (the same arithmetic as maskProbability(unite(a, b))), not again in every round.
  const ids = new Map<Cluster, number>();
  for (let i = 0; i < clusters.length; i++) ids.set(clusters[i]!, i);
  let nextId = clusters.length;
  const costs = new Map<number, number>();
  const pairCost = (a: Cluster, b: Cluster): number => {
    const key = ids.get(a)! * 2 * windows.length + ids.get(b)!;
    let cost = costs.get(key);
    if (cost === undefined) {
      let p = 1;
      for (let j = 0; j < a.w.lo.length; j++) p *= hullProbability(a.w.lo[j]! | b.w.lo[j]!, a.w.hi[j]! | b.w.hi[j]!);
      cost = p - a.p - b.p;
      costs.set(key, cost);
    }
    return cost;
  };
  while (clusters.length > TEDDY_BUCKETS) {
    let best = -1;
    let bestJ = -1;
    let bestCost = Infinity;
    for (let i = 0; i < clusters.length; i++) {
      for (let j = i + 1; j < clusters.length; j++) {
        const cost = pairCost(clusters[i]!, clusters[j]!);
        if (cost < bestCost) {
          bestCost = cost;
          best = i;
          bestJ = j;
        }
      }
    }
    const a = clusters[best]!;
    const b = clusters[bestJ]!;
    const w = unite(a.w, b.w);
    clusters = clusters.filter((_, i) => i !== best && i !== bestJ);
    const merged = { w, p: maskProbability(w), members: [...a.members, ...b.members] };
    ids.set(merged, nextId++);
    clusters.push(merged);
  }
  const rate = Math.min(
    1,
    clusters.reduce((acc, c) => acc + c.p, 0),
  );
  const buckets = clusters.map((c) => {
    const sets: ByteSet[] = [];
    for (let j = 0; j < k; j++) {
      let u = new ByteSet();
      for (const m of c.members) u = u.union(windows[m]![j]!);
      sets.push(u);
    }
    return sets;
  });
  return { k, buckets, rate };
}

/*
 * The cost model of a Teddy pass, in nanoseconds per byte measured on the benchmark machine (bench/RESULTS.md):
 * a fixed part, a part per window position (two table lookups and an AND per 16 bytes), and the cost of
 * each candidate (the DFA leaves its quiescent state, runs a few bytes, comes back).
 */
const TEDDY_COST_BASE = 0.15;
const TEDDY_COST_PER_POSITION = 0.06;
const TEDDY_COST_PER_CANDIDATE = 15;

/** Estimated nanoseconds per byte of a Teddy plan. */
export function teddyCost(plan: TeddyPlan): number {
  return TEDDY_COST_BASE + TEDDY_COST_PER_POSITION * plan.k + TEDDY_COST_PER_CANDIDATE * plan.rate;
}

/** The cheapest Teddy plan of window 1 .. maxK for these first-byte windows (each at least maxK long). */
export function chooseTeddy(windows: ByteSet[][], maxK: number): TeddyPlan {
  let best: TeddyPlan | null = null;
  for (let k = 1; k <= maxK; k++) {
    const t = planTeddy(windows, k);
    if (best === null || teddyCost(t) < teddyCost(best)) best = t;
  }
  return best!;
}

/** The 16 + 16 byte nibble tables of one window position of a Teddy plan. */
export function teddyTables(plan: TeddyPlan): { lo: Uint8Array; hi: Uint8Array }[] {
  const out: { lo: Uint8Array; hi: Uint8Array }[] = [];
  for (let j = 0; j < TEDDY_MAX_K; j++) {
    const lo = new Uint8Array(16);
    const hi = new Uint8Array(16);
    if (j >= plan.k) {
      lo.fill(0xff);
      hi.fill(0xff);
    } else {
      plan.buckets.forEach((bucket, b) => {
        for (const x of bucket[j]!.bytes()) {
          lo[x & 15]! |= 1 << b;
          hi[x >> 4]! |= 1 << b;
        }
      });
    }
    out.push({ lo, hi });
  }
  return out;
}

/**
 * One-position nibble tables accepting (at least) the bytes of `s`: bytes grouped by their high nibble,
 * each distinct set of low nibbles a bucket (merged when there are more than 8, which only adds bytes).
 */
export function shuftiOf(s: ByteSet): { lo: Uint8Array; hi: Uint8Array } {
  const byHi = new Map<number, number>();
  for (let h = 0; h < 16; h++) {
    let los = 0;
    for (let l = 0; l < 16; l++) if (s.has((h << 4) | l)) los |= 1 << l;
    if (los !== 0) byHi.set(h, los);
  }
  let groups = [...new Set(byHi.values())].map((los) => ({ los, his: [...byHi].filter(([, v]) => v === los).map(([h]) => h) }));
  while (groups.length > 8) {
    // Merge the two groups whose union adds the fewest bytes.
    let bi = 0;
    let bj = 1;
    let bestAdded = Infinity;
    for (let i = 0; i < groups.length; i++) {
      for (let j = i + 1; j < groups.length; j++) {
        const u = groups[i]!.los | groups[j]!.los;
        const added =
          popcount(u) * (groups[i]!.his.length + groups[j]!.his.length) -
          popcount(groups[i]!.los) * groups[i]!.his.length -
          popcount(groups[j]!.los) * groups[j]!.his.length;
        if (added < bestAdded) {
          bestAdded = added;
          bi = i;
          bj = j;
        }
      }
    }
    const merged = { los: groups[bi]!.los | groups[bj]!.los, his: [...groups[bi]!.his, ...groups[bj]!.his] };
    groups = groups.filter((_, i) => i !== bi && i !== bj);
    groups.push(merged);
  }
  const lo = new Uint8Array(16);
  const hi = new Uint8Array(16);
  groups.forEach((g, b) => {
    for (let l = 0; l < 16; l++) if (g.los & (1 << l)) lo[l]! |= 1 << b;
    for (const h of g.his) hi[h]! |= 1 << b;
  });
  return { lo, hi };
}

function popcount(x: number): number {
  let n = 0;
  while (x !== 0) {
    x &= x - 1;
    n++;
  }
  return n;
}
