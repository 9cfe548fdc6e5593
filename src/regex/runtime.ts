/**
 * The one gate to the WASM kernel (STYLE.md: only src/regex/ touches the instance). One instance per
 * thread, shared by every database: its linear memory holds the databases' tables, the input being
 * scanned, the match buffer and a stream's state during a scan.
 *
 * Memory is managed here: a first-fit free list over the heap above the kernel's stack and data, growing
 * the memory when needed. Growing detaches every view of the old buffer, so views are taken through
 * `u8()`, `i32()`, ..., which refresh themselves (as undici does around llhttp).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The parts of the WebAssembly API used here (typed locally: the project compiles without DOM types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmModule {
  readonly __brand?: 'WebAssembly.Module';
}
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: object };
};

interface KernelExports {
  memory: WasmMemory;
  __heap_base: { value: number };
  dfa_scan(blob: number, state: number, data: number, len: number, out: number): number;
  dfa_eod(blob: number, state: number, len: number, out: number): number;
  dfa_stop_reason(): number;
  bnfa_scan(blob: number, state: number, data: number, len: number, scratch: number, out: number): number;
  bnfa_eod(blob: number, state: number, len: number, scratch: number, out: number): number;
  kernel_work(): number;
  kernel_work_reset(): void;
  lit_scan(
    blob: number,
    state: number,
    data: number,
    len: number,
    base: number,
    eod: number,
    scratch: number,
    out: number,
  ): number;
}

const PAGE = 65536;
const ALIGN = 16;

/** Path of the committed kernel: <package>/wasm/kernel.wasm, from src/regex/ or dist/regex/. */
export const KERNEL_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'wasm', 'kernel.wasm');

export class Runtime {
  readonly k: KernelExports;
  private readonly memory: WasmMemory;
  private buffer: ArrayBuffer;
  private view8: Uint8Array;
  private view32: Int32Array;
  private viewU32: Uint32Array;
  private viewF64: Float64Array;
  /** Free blocks: start → size, kept sorted by start for coalescing. */
  private free: { start: number; size: number }[] = [];
  private readonly sizes = new Map<number, number>();

  constructor(module: WasmModule) {
    const instance = new WebAssembly.Instance(module, {});
    this.k = instance.exports as unknown as KernelExports;
    this.memory = this.k.memory;
    const heapBase =
      (this.k.__heap_base.value as number) + ALIGN - 1 - (((this.k.__heap_base.value as number) + ALIGN - 1) % ALIGN);
    this.buffer = this.memory.buffer;
    this.view8 = new Uint8Array(this.buffer);
    this.view32 = new Int32Array(this.buffer);
    this.viewU32 = new Uint32Array(this.buffer);
    this.viewF64 = new Float64Array(this.buffer);
    this.free.push({ start: heapBase, size: this.buffer.byteLength - heapBase });
  }

  private refresh(): void {
    if (this.buffer !== this.memory.buffer) {
      this.buffer = this.memory.buffer;
      this.view8 = new Uint8Array(this.buffer);
      this.view32 = new Int32Array(this.buffer);
      this.viewU32 = new Uint32Array(this.buffer);
      this.viewF64 = new Float64Array(this.buffer);
    }
  }

  // Only alloc() grows the memory, and it refreshes the views right after; reading `memory.buffer` on
  // every access would cost more than the scans of small chunks.
  u8(): Uint8Array {
    return this.view8;
  }
  i32(): Int32Array {
    return this.view32;
  }
  u32(): Uint32Array {
    return this.viewU32;
  }
  f64(): Float64Array {
    return this.viewF64;
  }

  /** Whether a view lies in this runtime's memory (so it can be scanned without a copy). */
  owns(bytes: Uint8Array): boolean {
    return bytes.buffer === this.buffer;
  }

  /** Allocates `size` bytes (16-byte aligned, zeroed); grows the memory when needed. */
  alloc(size: number): number {
    const at = this.allocWithin(size);
    if (at >= 0) return at;
    const need = Math.max(ALIGN, Math.ceil(size / ALIGN) * ALIGN);
    const before = this.memory.buffer.byteLength;
    const pages = Math.ceil(Math.max(need, before / 4) / PAGE);
    this.memory.grow(pages);
    this.refresh();
    this.release(before, pages * PAGE);
    return this.alloc(size);
  }

  /**
   * Allocates `size` bytes (16-byte aligned, zeroed) from the memory there is, or returns -1: never grows
   * it, so views of it stay valid (what a scan may allocate; see scanner.ts's lazy DFA fallback).
   */
  allocWithin(size: number): number {
    const need = Math.max(ALIGN, Math.ceil(size / ALIGN) * ALIGN);
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i]!;
      if (b.size >= need) {
        const at = b.start;
        if (b.size === need) this.free.splice(i, 1);
        else {
          b.start += need;
          b.size -= need;
        }
        this.sizes.set(at, need);
        this.u8().fill(0, at, at + need);
        return at;
      }
    }
    return -1;
  }

  /** Returns a block to the free list. */
  dealloc(at: number): void {
    const size = this.sizes.get(at);
    if (size === undefined) return;
    this.sizes.delete(at);
    this.release(at, size);
  }

  private release(start: number, size: number): void {
    let i = 0;
    while (i < this.free.length && this.free[i]!.start < start) i++;
    this.free.splice(i, 0, { start, size });
    // Coalesce with the neighbours.
    if (i + 1 < this.free.length && this.free[i]!.start + this.free[i]!.size === this.free[i + 1]!.start) {
      this.free[i]!.size += this.free[i + 1]!.size;
      this.free.splice(i + 1, 1);
    }
    if (i > 0 && this.free[i - 1]!.start + this.free[i - 1]!.size === this.free[i]!.start) {
      this.free[i - 1]!.size += this.free[i]!.size;
      this.free.splice(i, 1);
    }
  }

  /** Bytes of linear memory in use by allocations. */
  get allocated(): number {
    let n = 0;
    for (const s of this.sizes.values()) n += s;
    return n;
  }
}

let shared: Runtime | null = null;

/** The runtime of this thread (instantiated on first use; the kernel is a few kilobytes). */
export function runtime(): Runtime {
  if (shared === null) shared = new Runtime(new WebAssembly.Module(fs.readFileSync(KERNEL_PATH)));
  return shared;
}
