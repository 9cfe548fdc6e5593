/**
 * The global reassembly memory: one per engine, shared by every TCP stream (`TcpOptions.memcap`).
 *
 * Two jobs. Accounting: every byte a stream holds is reserved here first, and a refused reservation is
 * what triggers the memcap policy (`bypass` or `drop`). Reuse: buffers come from a pool of power-of-two
 * size classes, so that flows ending and starting hand memory to each other instead of allocating fresh
 * buffers (V8 zero-fills a new `Uint8Array` and the first touch of fresh pages costs ~5 ms/MB here, far
 * more than the copy into a reused one).
 *
 * Pooled (idle) buffers do not count as used; the pool keeps at most `poolLimit` idle bytes and lets the
 * garbage collector have the rest.
 */

/** Smallest size class (bytes). Small enough for the per-stream segment tables, see tcp-reassembly.ts. */
const MIN_CLASS_SHIFT = 8;
/** Largest size class: 1 GiB, above any sane `maxBufferPerStream`. */
const MAX_CLASS_SHIFT = 30;

export class ReassemblyMemory {
  /** Bytes the streams together may hold. */
  readonly cap: number;
  /** Idle bytes the pool keeps for reuse. */
  readonly poolLimit: number;
  private usedBytes = 0;
  private peakBytes = 0;
  private refused = 0;
  private pooledBytes = 0;
  /** Free buffers by size class (index = log2(size) - MIN_CLASS_SHIFT). */
  private readonly free: Uint8Array[][] = [];

  /**
   * @param cap bytes all streams may hold (`TcpOptions.memcap`).
   * @param poolLimit idle bytes kept for reuse; default a quarter of the cap, at most 64 MiB.
   */
  constructor(cap: number, poolLimit = Math.min(Math.floor(cap / 4), 64 << 20)) {
    this.cap = cap;
    this.poolLimit = poolLimit;
    for (let i = MIN_CLASS_SHIFT; i <= MAX_CLASS_SHIFT; i++) this.free.push([]);
  }

  /** Bytes reserved now. */
  get used(): number {
    return this.usedBytes;
  }

  /** Highest `used` so far. */
  get peak(): number {
    return this.peakBytes;
  }

  /** Reservations refused because of the cap. */
  get capHits(): number {
    return this.refused;
  }

  /** Idle bytes in the pool. */
  get pooled(): number {
    return this.pooledBytes;
  }

  /** Reserves `bytes` against the cap; false (and one more cap hit) when it would be exceeded. */
  reserve(bytes: number): boolean {
    const next = this.usedBytes + bytes;
    if (next > this.cap) {
      this.refused++;
      return false;
    }
    this.usedBytes = next;
    if (next > this.peakBytes) this.peakBytes = next;
    return true;
  }

  /** Gives back a reservation made with `reserve`. */
  release(bytes: number): void {
    this.usedBytes -= bytes;
    if (this.usedBytes < 0) this.usedBytes = 0;
  }

  /**
   * A buffer of `sizeClass(bytes)` bytes, reserved against the cap; null when the cap refuses it. A
   * pooled buffer keeps the bytes of its previous user: the caller tracks which bytes are valid.
   */
  acquire(bytes: number): Uint8Array | null {
    const size = ReassemblyMemory.sizeClass(bytes);
    if (!this.reserve(size)) return null;
    const list = this.free[classIndex(size)]!;
    const buf = list.pop();
    if (buf !== undefined) {
      this.pooledBytes -= size;
      return buf;
    }
    return new Uint8Array(size);
  }

  /** Returns a buffer from `acquire`: its reservation is released and the buffer kept for reuse. */
  recycle(buf: Uint8Array): void {
    const size = buf.length;
    this.release(size);
    if (this.pooledBytes + size <= this.poolLimit && size === ReassemblyMemory.sizeClass(size)) {
      this.free[classIndex(size)]!.push(buf);
      this.pooledBytes += size;
    }
  }

  /** Drops every pooled buffer (for tests and for an engine shutting down). */
  clearPool(): void {
    for (const list of this.free) list.length = 0;
    this.pooledBytes = 0;
  }

  /** The size class that holds `bytes`: the next power of two, at least 256. */
  static sizeClass(bytes: number): number {
    let size = 1 << MIN_CLASS_SHIFT;
    while (size < bytes && size < 1 << MAX_CLASS_SHIFT) size *= 2;
    return size;
  }
}

function classIndex(size: number): number {
  return 31 - Math.clz32(size) - MIN_CLASS_SHIFT;
}
