/**
 * The literal engine: many plain strings (a blocklist of domains, paths, user agents), each possibly
 * caseless, found without a DFA.
 *
 * Every literal is at least `lmin` bytes long, so every occurrence covers one stream offset q that is a
 * multiple of the stride s = lmin - 7 with its 8-byte window [q, q + 8) inside the literal. The kernel
 * hashes the (case-folded) window at those offsets only — one test per s bytes — and checks a bitmap;
 * on a hit it verifies the literals registered for that window (each literal registers the windows at its
 * offsets 0 .. s-1). The fold ORs 0x20 into every byte, which merges some punctuation pairs too: only
 * more candidates, verification is exact.
 */
import type { RegexNode } from './ast.js';
import { BlobWriter, ENGINE_LIT } from './layout.js';

export interface Literal {
  pattern: number;
  /** Bytes, lower-cased at caseless letter positions. */
  bytes: Uint8Array;
  /** 0x20 at caseless letter positions, 0 elsewhere. */
  fold: Uint8Array;
}

/** wasm/layout.h LIT_WINDOW: bytes loaded at each tested offset, the longest hashed window. */
export const LITERAL_WINDOW = 8;
/** The shortest hashed window. */
export const LITERAL_MIN_WINDOW = 4;
const HASH_MUL64 = 0x9e3779b97f4a7c15n;
const MASK64 = (1n << 64n) - 1n;
/** wasm/layout.h LIT_BUCKET_BITS: the entry index has 4096 buckets (16 KiB), so it stays in cache. */
const BUCKET_BITS = 12;
const BUCKETS = 1 << BUCKET_BITS;
const bucketOf = (h: bigint) => Number((h >> 20n) & BigInt(BUCKETS - 1));

function isLetter(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
}

/**
 * The pattern as a literal when it is one: a sequence of single bytes or caseless letter pairs, with no
 * assertion (repeats with a fixed count of such are unrolled). Null otherwise.
 */
export function asLiteral(ast: RegexNode, pattern: number, maxLen = 4096): Literal | null {
  const bytes: number[] = [];
  const fold: number[] = [];
  const walk = (n: RegexNode): boolean => {
    if (bytes.length > maxLen) return false;
    switch (n.kind) {
      case 'set': {
        const members = n.set.bytes();
        if (members.length === 1) {
          bytes.push(members[0]!);
          fold.push(0);
          return true;
        }
        if (
          members.length === 2 &&
          isLetter(members[0]!) &&
          members[1] === (members[0]! | 0x20) &&
          members[0] === (members[1]! & ~0x20)
        ) {
          bytes.push(members[1]!);
          fold.push(0x20);
          return true;
        }
        return false;
      }
      case 'concat':
        return n.items.every(walk);
      case 'repeat':
        if (n.min !== n.max || n.min === 0) return false;
        for (let i = 0; i < n.min; i++) if (!walk(n.item)) return false;
        return true;
      default:
        return false;
    }
  };
  if (!walk(ast) || bytes.length === 0) return null;
  return { pattern, bytes: Uint8Array.from(bytes), fold: Uint8Array.from(fold) };
}

/** wasm/kernel.c lit_hash: the folded window (little-endian, `window` bytes) times a 64-bit odd constant. */
function windowHash(lit: Literal, at: number, window: number): bigint {
  let w = 0n;
  for (let i = window - 1; i >= 0; i--) w = (w << 8n) | BigInt(lit.bytes[at + i]! | 0x20);
  return (w * HASH_MUL64) & MASK64;
}

export interface LiteralEngineInfo {
  blob: Uint8Array;
  lmin: number;
  lmax: number;
  stride: number;
  window: number;
  /** The furthest a registered window starts into its literal. */
  maxOffset: number;
  histSize: number;
  maxBucket: number;
}

/** How far into a literal its block of windows may start: bounds the history a stream keeps. */
const MAX_WINDOW_SHIFT = 32;

/**
 * The case-folded n bytes (n <= 8) of a literal at offset `at`, as a map key: two bytes a character,
 * padded to n <= 4: 2 characters, else 4 (keys of one n are compared only with each other).
 */
function foldedKey(l: Literal, at: number, n: number): string {
  const b = l.bytes;
  const c = [0xffff, 0xffff, 0xffff, 0xffff];
  for (let i = 0; i < n; i++) {
    const j = i >> 1;
    if ((i & 1) === 0) c[j] = b[at + i]! | 0x20;
    else c[j]! |= (b[at + i]! | 0x20) << 8;
  }
  return n <= 4 ? String.fromCharCode(c[0]!, c[1]!) : String.fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!);
}

/** For every folded n-gram of the literals, how many literals contain it. */
function ngramShare(lits: readonly Literal[], n: number): Map<string, number> {
  const share = new Map<string, number>();
  for (const l of lits) {
    const seen = new Set<string>();
    for (let i = 0; i + n <= l.bytes.length; i++) seen.add(foldedKey(l, i, n));
    for (const k of seen) share.set(k, (share.get(k) ?? 0) + 1);
  }
  return share;
}

/**
 * Builds the kernel blob of the literal engine (lit_engine_t in wasm/layout.h), hashing `window` bytes
 * (4 to 8) at each tested offset. Literals must be at least `window` bytes long.
 */
export function buildLiteralEngine(lits: Literal[], window = LITERAL_WINDOW): LiteralEngineInfo {
  const lmin = Math.min(...lits.map((l) => l.bytes.length));
  const lmax = Math.max(...lits.map((l) => l.bytes.length));
  if (window < LITERAL_MIN_WINDOW || window > LITERAL_WINDOW) throw new Error(`literal engine: window of ${window} bytes`);
  if (lmin < window) throw new Error(`literal engine: literals shorter than ${window} bytes belong to a DFA`);
  const stride = lmin - window + 1;
  const entryCount = lits.length * stride;
  // Eight bytes rather than four: text is full of the 4-grams blocklists are made of ("tion", "/api"),
  // which made most bitmap hits true window matches that verification then rejected (measured: a hit
  // every 150 bytes of HTTP text with 4-byte windows, every 280 with 8, at a third of the candidates each).
  // The bitmap is tested at every stride-th offset: it must stay in the L1 cache (at most 32 KiB), and
  // sparse enough (about 1/64 full) that a test rarely takes the slow, branchy path for nothing.
  let bits = 12;
  while (bits < 18 && 1 << bits < entryCount * 64) bits++;

  // Which windows each literal registers, and which 4 bytes pre-check it. Any s consecutive offsets do:
  // an occurrence at p covers exactly one aligned q with q - p in [a, a + s), and the window [q, q + W)
  // stays inside the literal while a + s - 1 + W <= len. Blocklists share long prefixes ("/images/",
  // "Mozilla/4.0 (compatible; ") that text is full of too, so each literal takes the block of windows
  // that fewest other literals share (the furthest in among equals: less to wait for at a chunk end), and
  // the pre-check word where it differs most from the others.
  const windowShare = ngramShare(lits, window);
  const wordShare = ngramShare(lits, 4);
  const placements = lits.map((l) => {
    const len = l.bytes.length;
    let a = 0;
    let aCost = Infinity;
    for (let start = 0; start <= Math.min(len - (stride + window - 1), MAX_WINDOW_SHIFT); start++) {
      let cost = 0;
      for (let j = start; j < start + stride; j++) cost += windowShare.get(foldedKey(l, j, window))!;
      if (cost <= aCost) {
        aCost = cost;
        a = start;
      }
    }
    let checkAt = 0;
    let checkCost = Infinity;
    for (let c = len - 4; c >= 0; c--) {
      const cost = wordShare.get(foldedKey(l, c, 4))!;
      if (cost < checkCost) {
        checkCost = cost;
        checkAt = c;
      }
    }
    return { a, checkAt };
  });
  const maxOffset = Math.max(...placements.map((p) => p.a)) + stride - 1;
  // How far past a tested offset a literal found from it may end: offsets waiting for more bytes at a
  // chunk's end are those within `reach` of it.
  const reach = Math.max(...lits.map((l, li) => l.bytes.length - placements[li]!.a));

  // Entries by hash bucket.
  const buckets = new Map<number, { lit: number; offset: number }[]>();
  const bitmap = new Uint8Array((1 << bits) >> 3);
  const bitmap2 = new Uint8Array((1 << bits) >> 3);
  lits.forEach((l, li) => {
    const { a } = placements[li]!;
    for (let j = a; j < a + stride; j++) {
      const h = windowHash(l, j, window);
      const bit = Number(h >> BigInt(64 - bits));
      bitmap[bit >> 3]! |= 1 << (bit & 7);
      const bit2 = Number((h >> BigInt(64 - 2 * bits)) & BigInt((1 << bits) - 1));
      bitmap2[bit2 >> 3]! |= 1 << (bit2 & 7);
      const b = bucketOf(h);
      const list = buckets.get(b) ?? [];
      list.push({ lit: li, offset: j });
      buckets.set(b, list);
    }
  });

  const w = new BlobWriter();
  const header = w.reserve(80);
  const bm = w.reserve(bitmap.length);
  w.bytes(bm, bitmap);
  const bm2 = w.reserve(bitmap2.length);
  w.bytes(bm2, bitmap2);
  const csr = w.reserve(4 * (BUCKETS + 1));
  const entries = w.reserve(16 * entryCount);
  let k = 0;
  let maxBucket = 0;
  for (let h = 0; h < BUCKETS; h++) {
    w.u32(csr + 4 * h, k);
    const list = buckets.get(h);
    if (list === undefined) continue;
    maxBucket = Math.max(maxBucket, list.length);
    for (const e of list) {
      const l = lits[e.lit]!;
      const c = placements[e.lit]!.checkAt;
      const word = (b: Uint8Array) => (b[c]! | (b[c + 1]! << 8) | (b[c + 2]! << 16) | (b[c + 3]! << 24)) >>> 0;
      w.u32(entries + 16 * k, e.lit);
      w.u16(entries + 16 * k + 4, e.offset);
      w.u16(entries + 16 * k + 6, c);
      w.u32(entries + 16 * k + 8, word(l.bytes));
      w.u32(entries + 16 * k + 12, word(l.fold));
      k++;
    }
  }
  w.u32(csr + 4 * BUCKETS, k);
  const recs = w.reserve(16 * lits.length);
  lits.forEach((l, li) => {
    const at = w.reserve(2 * l.bytes.length, 4);
    w.bytes(at, l.bytes);
    w.bytes(at + l.bytes.length, l.fold);
    w.u32(recs + 16 * li, l.pattern);
    w.u32(recs + 16 * li + 4, l.bytes.length);
    w.u32(recs + 16 * li + 8, at);
  });
  const histSize = reach + maxOffset + 1 + LITERAL_WINDOW;
  w.u32(header, ENGINE_LIT);
  w.u32(header + 4, lits.length);
  w.u32(header + 8, stride);
  w.u32(header + 12, lmin);
  w.u32(header + 16, lmax);
  w.u32(header + 20, bits);
  w.u32(header + 24, bm);
  w.u32(header + 28, csr);
  w.u32(header + 32, entries);
  w.u32(header + 36, recs);
  w.u32(header + 40, histSize);
  w.u32(header + 48, maxBucket);
  w.u32(header + 52, window);
  w.u32(header + 56, maxOffset);
  w.u32(header + 60, bm2);
  w.u32(header + 64, reach);
  const blob = w.finish();
  new DataView(blob.buffer).setUint32(44, blob.length, true);
  return { blob, lmin, lmax, stride, window, maxOffset, histSize, maxBucket };
}
