/**
 * Writes compiled engines as the binary blobs the kernel reads (wasm/layout.h is the same layout in C;
 * keep them in step). A blob is position-independent: every offset in it is relative to its first byte, so
 * it is copied into WASM memory, and into a serialized database, as is.
 */
import { categoryOf } from './nfa.js';
import type { DfaTables } from './dfa.js';
import { shuftiOf, teddyTables, type TeddyPlan } from './prefilter.js';

export const ENGINE_DFA = 1;
export const ENGINE_LIT = 2;

export const SPEC_REPORT = 1;
export const SPEC_QUIESCENT = 2;
export const SPEC_ACCEL = 4;

/** Sizes of the per-stream state records (layout.h dfa_state_t, lit_state_t). */
export const DFA_STATE_SIZE = 4;
export const LIT_STATE_HEADER = 24;

/** Grows a little-endian byte buffer, with 16-byte aligned sections. */
export class BlobWriter {
  private buf = new Uint8Array(1024);
  private dv = new DataView(this.buf.buffer);
  size = 0;

  private ensure(n: number): void {
    if (this.size + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.size + n) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.size));
    this.buf = b;
    this.dv = new DataView(b.buffer);
  }

  /** Reserves `n` zeroed bytes at a 16-byte boundary; returns their offset. */
  reserve(n: number, align = 16): number {
    const pad = (align - (this.size % align)) % align;
    this.ensure(pad + n);
    this.size += pad;
    const at = this.size;
    this.size += n;
    return at;
  }

  u8(at: number, v: number): void {
    this.buf[at] = v;
  }
  u16(at: number, v: number): void {
    this.dv.setUint16(at, v, true);
  }
  u32(at: number, v: number): void {
    this.dv.setUint32(at, v >>> 0, true);
  }
  i32(at: number, v: number): void {
    this.dv.setInt32(at, v, true);
  }
  bytes(at: number, b: Uint8Array): void {
    this.buf.set(b, at);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.size);
  }
}

/** The DFA header field offsets (dfa_t in layout.h). */
const D = {
  kind: 0,
  nstates: 4,
  shift: 8,
  special: 12,
  trans: 16,
  wide: 20,
  classmap: 24,
  spec: 28,
  eod: 32,
  start: 36,
  catmap: 40,
  teddy: 44,
  size: 48,
  specBase: 52,
  imageOff: 56,
  imageSize: 60,
} as const;
export const DFA_HEADER = D;

/**
 * The kernel blob of a DFA: header, transitions, byte→class map, special-state records, report lists,
 * EOD reports, start states, category map, acceleration tables and the prefilter.
 */
export function encodeDfa(d: DfaTables, teddy: TeddyPlan | null): Uint8Array {
  const w = new BlobWriter();
  const header = w.reserve(64);
  w.u32(header + D.kind, ENGINE_DFA);
  w.u32(header + D.nstates, d.nstates);
  w.u32(header + D.shift, d.shift);
  w.u32(header + D.special, d.specialBase);
  w.u32(header + D.specBase, d.specialBase);
  // 0xffff is the lazy DFA's "missing transition" marker, so 16-bit tables hold at most 65535 states.
  const wide = d.nstates > 0xffff;
  const entries = d.trans.length;
  const trans = w.reserve(entries * (wide ? 4 : 2));
  for (let i = 0; i < entries; i++) {
    if (wide) w.u32(trans + 4 * i, d.trans[i]!);
    else w.u16(trans + 2 * i, d.trans[i]!);
  }
  w.u32(header + D.trans, trans);
  w.u32(header + D.wide, wide ? 1 : 0);
  const classmap = w.reserve(256);
  w.bytes(classmap, d.classOf);
  w.u32(header + D.classmap, classmap);
  const catmap = w.reserve(256);
  for (let b = 0; b < 256; b++) w.u8(catmap + b, categoryOf(b));
  w.u32(header + D.catmap, catmap);

  // Report lists, written once each.
  const listOff: number[] = [];
  for (const l of d.reportLists) {
    const at = w.reserve(4 + 8 * l.length, 4);
    w.u32(at, l.length);
    l.forEach((r, j) => {
      w.u32(at + 4 + 8 * j, r.pattern);
      w.i32(at + 8 + 8 * j, r.adjust);
    });
    listOff.push(at);
  }
  const eod = w.reserve(4 * d.nstates);
  for (let s = 0; s < d.nstates; s++) w.u32(eod + 4 * s, d.eodReports[s]! >= 0 ? listOff[d.eodReports[s]!]! : 0);
  w.u32(header + D.eod, eod);

  const nspecial = d.nstates - d.specialBase;
  const spec = w.reserve(16 * Math.max(1, nspecial));
  for (let s = d.specialBase; s < d.nstates; s++) {
    const at = spec + 16 * (s - d.specialBase);
    let flags = 0;
    if (d.stateReports[s]! >= 0) {
      flags |= SPEC_REPORT;
      w.u32(at + 4, listOff[d.stateReports[s]!]!);
    }
    if (d.quiescent[s]) flags |= SPEC_QUIESCENT;
    const acc = d.accel[s];
    if (acc) {
      flags |= SPEC_ACCEL;
      const t = shuftiOf(acc);
      const ao = w.reserve(32);
      w.bytes(ao, t.lo);
      w.bytes(ao + 16, t.hi);
      w.u32(at + 8, ao);
    }
    w.u32(at, flags);
  }
  w.u32(header + D.spec, spec);

  const start = w.reserve(16);
  d.startByCat.forEach((s, i) => {
    w.u32(start + 4 * i, s);
  });
  w.u32(header + D.start, start);

  if (teddy !== null) {
    const t = w.reserve(16 + 32 * 4);
    w.u32(t, teddy.k);
    teddyTables(teddy).forEach((tab, j) => {
      w.bytes(t + 16 + 32 * j, tab.lo);
      w.bytes(t + 32 + 32 * j, tab.hi);
    });
    w.u32(header + D.teddy, t);
  }
  const blob = w.finish();
  new DataView(blob.buffer).setUint32(D.size, blob.length, true);
  return blob;
}
