/**
 * Fixed-size per-session TCP state (sequence numbers, flags: 16 words) carved out of shared blocks.
 *
 * Why: a `Uint32Array` of its own costs a session about 260 bytes of heap for 64 bytes of data (the typed
 * array and its ArrayBuffer objects); a view into a shared block costs about 100, and a view handed back
 * when its flow ends is reused by the next session without allocating. The slab never holds more views
 * than sessions were alive at once, so the flow table's cap bounds it.
 */
export class TcpStateSlab {
  readonly words: number;
  private readonly perBlock: number;
  private block: Uint32Array;
  private used: number;
  private readonly free: Uint32Array[] = [];

  constructor(words: number, perBlock = 1024) {
    this.words = words;
    this.perBlock = perBlock;
    this.block = new Uint32Array(0);
    this.used = perBlock; // the first take() allocates the first block
  }

  /** A zeroed view of `words` words. */
  take(): Uint32Array {
    const recycled = this.free.pop();
    if (recycled !== undefined) {
      recycled.fill(0);
      return recycled;
    }
    if (this.used === this.perBlock) {
      this.block = new Uint32Array(this.perBlock * this.words);
      this.used = 0;
    }
    const start = this.used++ * this.words;
    return this.block.subarray(start, start + this.words);
  }

  /** Gives a view back; its owner must not use it again. */
  give(view: Uint32Array): void {
    this.free.push(view);
  }

  /** Views waiting for reuse. */
  get spare(): number {
    return this.free.length;
  }
}
