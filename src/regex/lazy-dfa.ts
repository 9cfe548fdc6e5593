/**
 * The lazy DFA: for patterns whose DFA cannot be built in advance (`select\s.{0,40}\sfrom` must remember
 * which of the last 40 bytes began a candidate: up to 2^40 subsets), states are built while scanning, only
 * those the data actually reaches, in a table of bounded size.
 *
 * The table lives in WASM memory in the kernel's DFA layout, with every unknown transition set to MISS.
 * When the kernel meets one it stops; `resolve()` runs one step of the subset construction (dfa.ts's
 * DfaBuilder), writes the transition and the scan resumes at the same byte. Normal states take ids from
 * the bottom of the table and special ones (reports, quiescent) from the top, so the kernel's single
 * "id >= special" test still finds them. When the table is full it is flushed and rebuilt on demand: the
 * work per byte stays bounded (one construction step), and so does the memory.
 *
 * A stream's state is not a table id (ids change on a flush) but the NFA positions the state stands for,
 * as a bitset, with the id and the table's epoch kept beside it as a shortcut while no flush happened.
 */
import { ByteSet } from './ast.js';
import { DfaBuilder } from './dfa.js';
import { BlobWriter, DFA_HEADER as D, ENGINE_DFA, SPEC_QUIESCENT, SPEC_REPORT } from './layout.js';
import { categoryOf, type Nfa, NodeKind } from './nfa.js';
import { teddyTables, type TeddyPlan } from './prefilter.js';
import type { Runtime } from './runtime.js';

const K_SHIFT = 2;
const MISS = 0xffff;
/** Bytes of report lists a table holds before it is flushed. */
const REPORT_AREA = 64 * 1024;
/**
 * Subset-construction states the builder may hold (this many times the table's capacity) before the table
 * is flushed even though it has room: each resolve() computes a whole row, up to a new state per byte
 * class, of which the table takes one, so without this cap the builder's states grow with the input.
 */
const BUILDER_STATES_PER_TABLE_STATE = 4;

export class LazyDfa {
  readonly builder: DfaBuilder;
  /** States the table holds. */
  readonly capacity: number;
  /** States the builder holds at most between flushes (see BUILDER_STATES_PER_TABLE_STATE). */
  readonly builderCapacity: number;
  private readonly shift: number;
  readonly ptr: number;
  private readonly size: number;
  private readonly transOff: number;
  private readonly eodOff: number;
  private readonly specOff: number;
  private readonly reportOff: number;
  private readonly startOff: number;
  private reportUsed = 0;
  private nextNormal = 0;
  private nextSpecial: number;
  /** Table id of each builder state (-1: not in the table) and builder state of each table id. */
  private cacheOf: Int32Array;
  private readonly builderOf: Int32Array;
  /** Each table state's image (what a stream saves: context, position bitset), beside the table. */
  private readonly imageOff: number;
  private readonly imageSize: number;
  /** Incremented by each flush: stream states saved before it must be resumed from their positions. */
  epoch = 1;
  flushes = 0;
  /** @internal resolve() calls so far (one construction step each), for the linear-time tests. */
  resolves = 0;
  /** Persistent positions (node << 2 | k) → bit in a stream's bitset. */
  private readonly bitOf = new Map<number, number>();
  private readonly posOfBit: number[] = [];
  readonly bitsetBytes: number;

  constructor(
    private readonly rt: Runtime,
    nfa: Nfa,
    readonly patterns: number[],
    teddy: TeddyPlan | null,
    capacity?: number,
  ) {
    this.builder = new DfaBuilder(nfa, patterns, Infinity);
    let shift = 0;
    while (1 << shift < this.builder.nclasses) shift++;
    this.shift = shift;
    // About 1 MiB of transitions, at least 256 states (tests may ask for a tiny table to exercise flushes).
    this.capacity = capacity ?? Math.max(256, Math.min(0xfffe, Math.floor((1 << 20) / (2 << shift))));
    this.builderCapacity = Math.max(BUILDER_STATES_PER_TABLE_STATE * this.capacity, 4 * this.builder.nclasses + 256);
    this.nextSpecial = this.capacity - 1;
    this.cacheOf = new Int32Array(64).fill(-1);
    this.builderOf = new Int32Array(this.capacity).fill(-1);

    // Persistent positions: what a state's position set may contain.
    for (const p of patterns) {
      nfa.forEachReachable([nfa.starts[p]!], (n) => {
        const kind = nfa.kind[n]!;
        if (kind === NodeKind.BYTE) for (const k of [0, 2]) this.addBit((nfa.out1[n]! << K_SHIFT) | k);
        else if (kind === NodeKind.MATCH && nfa.adjMatch[nfa.arg[n]!]! >= 0)
          this.addBit((nfa.adjMatch[nfa.arg[n]!]! << K_SHIFT) | 2);
      });
    }
    this.bitsetBytes = Math.ceil(this.posOfBit.length / 8);
    this.imageSize = 4 + this.bitsetBytes;

    // The blob: header, class map, category map, start states, prefilter, transitions, EOD reports,
    // special records (indexed by id), report lists.
    const w = new BlobWriter();
    const header = w.reserve(64);
    const classmap = w.reserve(256);
    w.bytes(classmap, this.builder.classOf);
    const catmap = w.reserve(256);
    for (let b = 0; b < 256; b++) w.u8(catmap + b, categoryOf(b));
    this.startOff = w.reserve(16);
    let teddyOff = 0;
    if (teddy !== null) {
      teddyOff = w.reserve(16 + 32 * 4);
      w.u32(teddyOff, teddy.k);
      teddyTables(teddy).forEach((t, j) => {
        w.bytes(teddyOff + 16 + 32 * j, t.lo);
        w.bytes(teddyOff + 32 + 32 * j, t.hi);
      });
    }
    this.transOff = w.reserve(2 * (this.capacity << shift));
    this.eodOff = w.reserve(4 * this.capacity);
    this.specOff = w.reserve(16 * this.capacity);
    this.reportOff = w.reserve(REPORT_AREA);
    this.imageOff = w.reserve(this.capacity * this.imageSize);
    w.u32(header + D.kind, ENGINE_DFA);
    w.u32(header + D.nstates, this.capacity);
    w.u32(header + D.shift, shift);
    w.u32(header + D.trans, this.transOff);
    w.u32(header + D.wide, 0);
    w.u32(header + D.classmap, classmap);
    w.u32(header + D.spec, this.specOff);
    w.u32(header + D.eod, this.eodOff);
    w.u32(header + D.start, this.startOff);
    w.u32(header + D.catmap, catmap);
    w.u32(header + D.teddy, teddyOff);
    w.u32(header + D.specBase, 0);
    w.u32(header + D.imageOff, this.imageOff);
    w.u32(header + D.imageSize, this.imageSize);
    const blob = w.finish();
    this.size = blob.length;
    this.ptr = rt.alloc(blob.length);
    rt.u8().set(blob, this.ptr);
    this.clearTable();
  }

  private addBit(pos: number): void {
    if (!this.bitOf.has(pos)) {
      this.bitOf.set(pos, this.posOfBit.length);
      this.posOfBit.push(pos);
    }
  }

  /** Bytes of the table in WASM memory. */
  get bytes(): number {
    return this.size;
  }

  private u32(off: number, v: number): void {
    this.rt.u32()[(this.ptr + off) >> 2] = v >>> 0;
  }

  /** Empties the table: every transition MISS, only the start states in it. */
  private clearTable(): void {
    const u16 = new Uint16Array(this.rt.u8().buffer, this.ptr + this.transOff, this.capacity << this.shift);
    u16.fill(MISS);
    this.rt.u8().fill(0, this.ptr + this.eodOff, this.ptr + this.eodOff + 4 * this.capacity);
    this.rt.u8().fill(0, this.ptr + this.specOff, this.ptr + this.specOff + 16 * this.capacity);
    this.reportUsed = 0;
    this.nextNormal = 0;
    this.nextSpecial = this.capacity - 1;
    this.cacheOf.fill(-1);
    this.builderOf.fill(-1);
    this.u32(D.special, this.capacity);
    this.builder.startByCat.forEach((b, i) => {
      this.u32(this.startOff + 4 * i, this.idOf(b)!);
    });
  }

  private flush(): void {
    this.builder.reset();
    this.epoch++;
    this.flushes++;
    this.clearTable();
  }

  private writeList(list: { pattern: number; adjust: number }[]): number | null {
    if (list.length === 0) return 0;
    const need = 4 + 8 * list.length;
    if (this.reportUsed + need > REPORT_AREA) return null;
    const off = this.reportOff + this.reportUsed;
    this.reportUsed += need;
    this.u32(off, list.length);
    list.forEach((r, j) => {
      this.u32(off + 4 + 8 * j, r.pattern);
      this.u32(off + 8 + 8 * j, r.adjust);
    });
    return off;
  }

  /** The table id of a builder state, placing it in the table if needed; null when the table is full. */
  private idOf(b: number): number | null {
    if (b >= this.cacheOf.length) {
      const grown = new Int32Array(Math.max(b + 1, this.cacheOf.length * 2)).fill(-1);
      grown.set(this.cacheOf);
      this.cacheOf = grown;
    }
    const known = this.cacheOf[b]!;
    if (known >= 0) return known;
    if (this.nextNormal > this.nextSpecial) return null;
    const reports = this.builder.reports(b);
    const quiescent = this.builder.isQuiescent(b);
    const eodList = this.builder.eod(b);
    const special = reports.length > 0 || quiescent;
    const reportAt = special ? this.writeList(reports) : 0;
    const eodAt = this.writeList(eodList);
    if (reportAt === null || eodAt === null) return null;
    const id = special ? this.nextSpecial-- : this.nextNormal++;
    this.cacheOf[b] = id;
    this.builderOf[id] = b;
    this.writeImage(id, b);
    this.u32(this.eodOff + 4 * id, eodAt);
    if (special) {
      const rec = this.specOff + 16 * id;
      this.u32(rec, (reports.length > 0 ? SPEC_REPORT : 0) | (quiescent ? SPEC_QUIESCENT : 0));
      this.u32(rec + 4, reportAt);
      const special = this.rt.u32()[(this.ptr + D.special) >> 2]!;
      if (id < special) this.u32(D.special, id);
    }
    return id;
  }

  /**
   * Builds the missing transition of table state `id` on `byte`. Returns the table id of the state to
   * resume the scan in (the same state, unless the table was flushed and it got a new id).
   */
  resolve(id: number, byte: number): number {
    this.resolves++;
    const c = this.builder.classOf[byte]!;
    let b = this.builderOf[id]!;
    let target = this.builder.row(b)[c]!;
    let t = this.idOf(target);
    if (t === null || this.builder.states.length > this.builderCapacity) {
      // Full (the table, or the builder's states): keep where we are (positions and context), start again
      // from an empty table.
      const st = this.builder.states[b]!;
      this.flush();
      b = this.builder.resume(st.positions, st.ctx);
      id = this.idOf(b)!;
      target = this.builder.row(b)[c]!;
      t = this.idOf(target)!;
    }
    new Uint16Array(this.rt.u8().buffer, this.ptr + this.transOff, this.capacity << this.shift)[(id << this.shift) | c] = t;
    return id;
  }

  /** The table id of the start state (a new stream). */
  startId(): number {
    return this.idOf(this.builder.startByCat[0]!)!;
  }

  /** Writes the saved form of a table state (its context, u32, and position bitset) beside the table. */
  private writeImage(id: number, b: number): void {
    const at = this.ptr + this.imageOff + id * this.imageSize;
    const u8 = this.rt.u8();
    u8.fill(0, at, at + this.imageSize);
    const st = this.builder.states[b]!;
    new DataView(u8.buffer).setUint32(at, st.ctx, true);
    for (const pos of st.positions) {
      const bit = this.bitOf.get(pos);
      if (bit !== undefined) u8[at + 4 + (bit >> 3)]! |= 1 << (bit & 7);
    }
  }

  private image(id: number): Uint8Array {
    const at = this.ptr + this.imageOff + id * this.imageSize;
    return this.rt.u8().subarray(at, at + this.imageSize);
  }

  /**
   * A stream's state for this engine: table id (u32), table epoch (u32), then the state's context and
   * position bitset. Writes the start state into `bytes` at `at` (a new stream).
   */
  writeStart(bytes: Uint8Array, at: number): void {
    const id = this.startId();
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    dv.setUint32(at, id, true);
    dv.setUint32(at + 4, this.epoch, true);
    bytes.set(this.image(id), at + 8);
  }

  /** Completes the state at `at` in kernel memory after a scan (the kernel wrote the id and the image). */
  save(rt: Runtime, at: number): void {
    // dfa_scan copied the state's image; the epoch changes only with a flush.
    rt.u32()[(at + 4) >> 2] = this.epoch;
  }

  /** The table id for the state at `at` in kernel memory (rebuilt from its positions after a flush). */
  restore(rt: Runtime, at: number): number {
    const u32 = rt.u32();
    const id = u32[at >> 2]!;
    if (u32[(at + 4) >> 2] === this.epoch && id < this.capacity && this.builderOf[id]! >= 0) return id;
    const u8 = rt.u8();
    const positions: number[] = [];
    for (let bit = 0; bit < this.posOfBit.length; bit++)
      if (u8[at + 12 + (bit >> 3)]! & (1 << (bit & 7))) positions.push(this.posOfBit[bit]!);
    positions.sort((a, b) => a - b);
    const ctx = u32[(at + 8) >> 2]!;
    let t = this.idOf(this.builder.resume(Int32Array.from(positions), ctx));
    if (t === null) {
      this.flush();
      t = this.idOf(this.builder.resume(Int32Array.from(positions), ctx))!;
    }
    return t;
  }

  /**
   * The NFA positions (node << 2 | k) of the state saved at `at` in kernel memory (its image), and its
   * context: what a bit-parallel NFA takes over when this lazy DFA thrashes (scanner.ts).
   */
  positionsAt(rt: Runtime, at: number): number[] {
    const u8 = rt.u8();
    const out: number[] = [];
    for (let bit = 0; bit < this.posOfBit.length; bit++)
      if (u8[at + 12 + (bit >> 3)]! & (1 << (bit & 7))) out.push(this.posOfBit[bit]!);
    return out;
  }

  /** Sets the state at `at` to "nothing alive" after a byte of category `cat` (rebuilt by the next restore()). */
  clearAt(rt: Runtime, at: number, cat: number): void {
    const u32 = rt.u32();
    u32[(at + 4) >> 2] = 0; // an epoch no table has: restore() rebuilds from the image
    u32[(at + 8) >> 2] = cat;
    rt.u8().fill(0, at + 12, at + 12 + this.bitsetBytes);
  }

  /** Bytes of a stream's state for this engine. */
  get stateSize(): number {
    return 12 + this.bitsetBytes;
  }

  free(): void {
    this.rt.dealloc(this.ptr);
  }
}

export { ByteSet };
