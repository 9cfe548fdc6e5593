/**
 * A database as bytes and back. The format (little-endian u32s): magic "NSRX", format version, mode,
 * pattern count, SOM horizon; each pattern's id, flags and expression (UTF-8); the kernel engines' tables
 * with their pattern indexes and descriptions; the position engine's and the lazy DFA's pattern indexes;
 * each bit-parallel NFA's pattern indexes;
 * an FNV-1a checksum of all that. Loading parses the patterns again (cheap) for what is not saved (the
 * NFAs, the lazy DFA, the position engine) and checks every offset and index of every table, so that a
 * damaged buffer is refused with NS_ERR_DATABASE and can never make the kernel read astray.
 */
import { NetsieveError } from '../errors.js';
import { ENGINE_DFA, ENGINE_LIT } from './layout.js';
import { LITERAL_MIN_WINDOW, LITERAL_WINDOW } from './literals.js';
import { bitNfaPositions, MAX_BNFA_POSITIONS } from './bit-nfa.js';
import { lazyTeddy, MAX_SOM_HORIZON, prepare, type BitNfaPlan, type DatabaseParts, type EngineBlob } from './plan.js';
import type { EngineInfo, PatternSpec } from './types.js';

const MAGIC = 0x5852534e; // "NSRX"
/**
 * 3: non-ASCII characters in expressions are UTF-8 (in 2 they were bytes 0x80..0xff, refused above).
 * 4: the bit-parallel NFAs' pattern groups follow the lazy DFA's patterns, then the lazy DFA's fallback flag.
 */
const FORMAT_VERSION = 4;
/** The oldest format read: 3 has no bit-parallel NFAs (its explosive patterns stay on the lazy DFA). */
const OLDEST_VERSION = 3;

/** The database as bytes: `deserializeDatabase` makes it again, in any process. */
export function serializeDatabase(db: DatabaseParts): Uint8Array {
  const parts: Uint8Array[] = [];
  const enc = new TextEncoder();
  const head = new DataView(new ArrayBuffer(20));
  head.setUint32(0, MAGIC, true);
  head.setUint32(4, FORMAT_VERSION, true);
  head.setUint32(8, ['block', 'stream', 'vectored'].indexOf(db.mode), true);
  head.setUint32(12, db.meta.length, true);
  head.setUint32(16, db.somHorizon, true);
  parts.push(new Uint8Array(head.buffer));
  for (const m of db.meta) {
    const flags = enc.encode(m.flags);
    const expr = enc.encode(m.expression);
    const h = new DataView(new ArrayBuffer(12));
    h.setUint32(0, m.id, true);
    h.setUint32(4, flags.length, true);
    h.setUint32(8, expr.length, true);
    parts.push(new Uint8Array(h.buffer), flags, expr);
  }
  const counts = new DataView(new ArrayBuffer(8));
  counts.setUint32(0, db.blobs.length, true);
  counts.setUint32(4, db.position.length, true);
  parts.push(new Uint8Array(counts.buffer));
  for (const e of db.blobs) {
    const h = new DataView(new ArrayBuffer(16 + 4 * e.patterns.length));
    h.setUint32(0, e.kind, true);
    h.setUint32(4, e.blob.length, true);
    h.setUint32(8, e.init, true);
    h.setUint32(12, e.patterns.length, true);
    e.patterns.forEach((p, i) => {
      h.setUint32(16 + 4 * i, p, true);
    });
    parts.push(new Uint8Array(h.buffer), e.blob);
    const info = enc.encode(JSON.stringify(e.info));
    const ih = new DataView(new ArrayBuffer(4));
    ih.setUint32(0, info.length, true);
    parts.push(new Uint8Array(ih.buffer), info);
  }
  const lazyPatterns = db.lazy?.patterns ?? [];
  const pp = new DataView(new ArrayBuffer(4 * db.position.length + 4 + 4 * lazyPatterns.length));
  db.position.forEach((p, i) => {
    pp.setUint32(4 * i, p, true);
  });
  pp.setUint32(4 * db.position.length, lazyPatterns.length, true);
  lazyPatterns.forEach((p, i) => {
    pp.setUint32(4 * db.position.length + 4 + 4 * i, p, true);
  });
  parts.push(new Uint8Array(pp.buffer));
  // Bit-parallel NFAs: each engine's pattern indexes (its tables are built again at load).
  const groups = new DataView(new ArrayBuffer(4 + db.bitNfa.reduce((a, g) => a + 4 + 4 * g.patterns.length, 0)));
  let go = 0;
  groups.setUint32(go, db.bitNfa.length, true);
  go += 4;
  for (const g of db.bitNfa) {
    groups.setUint32(go, g.patterns.length, true);
    go += 4;
    for (const q of g.patterns) {
      groups.setUint32(go, q, true);
      go += 4;
    }
  }
  parts.push(new Uint8Array(groups.buffer));
  // Whether the lazy DFA has the bit-parallel NFA as its fallback (1) or not (0).
  const fallback = new DataView(new ArrayBuffer(4));
  fallback.setUint32(0, db.lazy?.fallback ? 1 : 0, true);
  parts.push(new Uint8Array(fallback.buffer));
  const body = concat(parts);
  const out = new Uint8Array(body.length + 4);
  out.set(body);
  new DataView(out.buffer).setUint32(body.length, fnv1a(body), true);
  return out;
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

/** The parts of a database written by `serializeDatabase`. Throws NS_ERR_DATABASE when they are damaged. */
export function deserializeDatabase(bytes: Uint8Array): DatabaseParts {
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
  if (version < OLDEST_VERSION || version > FORMAT_VERSION)
    bad(`format version ${version}; this netsieve reads versions ${OLDEST_VERSION} to ${FORMAT_VERSION}`);
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
    let flags = dec.decode(take(fl));
    const expression = dec.decode(take(el));
    // Databases written before flag 8 existed (same format) hold non-ASCII characters without it; they meant
    // UTF-8 then, which is what flag 8 means now (compile() refuses them without it, so new ones never do).
    if (!flags.includes('8') && Array.from(expression).some((c) => c.charCodeAt(0) >= 0x80)) flags += '8';
    specs.push({ id, flags, expression });
  }
  // The patterns are parsed again for their metadata and NFA (cheap); the tables are taken as saved.
  const p = prepare(specs, somHorizon > 0 ? { mode, somHorizon } : { mode });
  const nEngines = u32();
  const nPosition = u32();
  const readIndexes = (count: number): number[] => {
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      const q = u32();
      if (q >= n) bad('pattern index out of range');
      out.push(q);
    }
    return out;
  };
  const blobs: EngineBlob[] = [];
  for (let i = 0; i < nEngines; i++) {
    const kind = u32();
    const size = u32();
    const init = u32();
    const np = u32();
    if (kind !== ENGINE_DFA && kind !== ENGINE_LIT) bad(`engine kind ${kind}`);
    const patterns = readIndexes(np);
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
  const position = readIndexes(nPosition);
  const lazyPatterns = readIndexes(u32());
  const nGroups = version >= 4 ? u32() : 0;
  if (nGroups > n) bad('bit-parallel NFA count');
  const bitNfa: BitNfaPlan[] = [];
  for (let g = 0; g < nGroups; g++) {
    const patterns = readIndexes(u32());
    let positions = 0;
    for (const q of patterns) {
      const k = bitNfaPositions(p.nfa, q);
      if (k === null) bad('a pattern the bit-parallel NFA cannot run');
      positions += k!;
    }
    if (patterns.length === 0 || positions > MAX_BNFA_POSITIONS) bad('bit-parallel NFA size');
    bitNfa.push({ patterns });
  }
  const fallback = version >= 4 ? u32() : 0;
  if (fallback > 1 || (fallback === 1 && lazyPatterns.length === 0)) bad('lazy DFA fallback flag');
  if (fallback === 1) {
    let positions = 0;
    for (const q of lazyPatterns) {
      const k = bitNfaPositions(p.nfa, q);
      if (k === null) bad('a pattern the bit-parallel NFA cannot run');
      positions += k!;
    }
    if (positions > MAX_BNFA_POSITIONS) bad('bit-parallel NFA size');
  }
  if (o !== body.length) bad('trailing bytes');
  const lazy =
    lazyPatterns.length > 0 ? { patterns: lazyPatterns, teddy: lazyTeddy(p.nfa, lazyPatterns), fallback: fallback === 1 } : null;
  return { mode, meta: p.meta, blobs, nfa: p.nfa, lazy, bitNfa, position, somNfa: p.somNfa, somHorizon: p.somHorizon };
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
    if (ns === 0 || shift > 8 || special > ns || u(52) !== special || u(56) !== 0 || (wide === 0 && ns > 0xffff))
      bad('DFA header');
    const entries = ns << shift;
    within(u(16), entries * (wide ? 4 : 2), 'transitions');
    for (let i = 0; i < entries; i++)
      if ((wide ? dv.getUint32(u(16) + 4 * i, true) : dv.getUint16(u(16) + 2 * i, true)) >= ns) bad('transition to no state');
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
    if (
      window < LITERAL_MIN_WINDOW ||
      window > LITERAL_WINDOW ||
      stride < 1 ||
      lmin < window ||
      stride !== lmin - window + 1 ||
      lmax < lmin ||
      bits < 3 ||
      bits > 24
    )
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
