/**
 * A stream of a stream-mode database (`db.openStream()`): its state lives in the kernel's memory (scanned
 * in place) or in a caller's buffer (copied in and out per call), and every call goes to the database's
 * scanner with that state.
 */
import { NetsieveError } from '../errors.js';
import { checkHandler, scanBytes, type ScanData } from './input.js';
import type { Runtime } from './runtime.js';
import type { Scanner } from './scanner.js';
import type { MatchHandler, ScanResult } from './types.js';

const EMPTY = new Uint8Array(0);

/** Returns the kernel memory of streams nobody freed. */
const unfreedStates = new FinalizationRegistry<{ rt: Runtime; at: number }>(({ rt, at }) => rt.dealloc(at));

export class RegexStream {
  /** A caller's buffer holding the state (null when the state lives in the kernel's memory at `at`). */
  private readonly buffer: Uint8Array | null;
  /** Reads a caller's buffer's header (offset, flags) without allocating per call. */
  private readonly header: DataView | null;
  private at: number;

  /** @internal */
  constructor(
    private readonly scanner: Scanner,
    buffer: Uint8Array | null,
    at: number,
  ) {
    this.buffer = buffer;
    this.header = buffer === null ? null : new DataView(buffer.buffer, buffer.byteOffset, 16);
    this.at = at;
    if (buffer === null) unfreedStates.register(this, { rt: scanner.rt, at }, this);
  }

  /**
   * The stream's state (db.streamStateSize bytes): the caller's buffer, or a view of the kernel's memory
   * (valid until the next compile, open or scan: copy it to keep it).
   */
  get state(): Uint8Array {
    if (this.buffer !== null) return this.buffer;
    this.live();
    return this.scanner.rt.u8().subarray(this.at, this.at + this.scanner.streamStateSize);
  }

  /** Stream offset of the next byte (bytes scanned so far). */
  get offset(): number {
    if (this.header !== null) return this.header.getFloat64(0, true);
    this.live();
    return this.scanner.rt.f64()[this.at >> 3]!;
  }

  private get flags(): number {
    if (this.header !== null) return this.header.getUint32(12, true);
    this.live();
    return this.scanner.rt.u32()[(this.at + 12) >> 2]!;
  }

  private set flags(v: number) {
    if (this.header !== null) this.header.setUint32(12, v, true);
    else this.scanner.rt.u32()[(this.at + 12) >> 2] = v;
  }

  /** Scans the next chunk (bytes, as `db.scan` takes them); matches may have started in earlier chunks. */
  scan(input: ScanData, onMatch: MatchHandler): ScanResult {
    if ((this.flags & 2) !== 0) this.closed();
    const chunk = scanBytes(input, 'stream.scan()');
    checkHandler(onMatch, 'stream.scan()');
    return this.buffer !== null
      ? this.scanner.scanChunk(this.buffer, chunk, false, onMatch)
      : this.scanner.scanAt(this.at, chunk, false, onMatch);
  }

  /** Ends the stream: reports what the end of the data completes (`$`, `\b` at the end, ...). */
  close(onMatch?: MatchHandler): ScanResult {
    if ((this.flags & 2) !== 0) this.closed();
    checkHandler(onMatch, 'stream.close()', true);
    const r = onMatch ? this.end(onMatch) : 'complete';
    this.flags |= 2;
    return r;
  }

  /** Makes the stream new again (offset 0), optionally reporting the end of what it had seen first. */
  reset(onMatch?: MatchHandler): void {
    checkHandler(onMatch, 'stream.reset()', true);
    if (onMatch && (this.flags & 3) === 0) this.end(onMatch);
    this.state.set(this.scanner.initial);
  }

  /** An independent copy of this stream, at the same point (in `options.state` when given). */
  clone(options: { state?: Uint8Array } = {}): RegexStream {
    const size = this.scanner.streamStateSize;
    if (options.state !== undefined) {
      if (!(options.state instanceof Uint8Array) || options.state.length !== size) {
        throw new NetsieveError('NS_ERR_OPTION', `a stream state must be a Uint8Array of ${size} bytes`);
      }
      options.state.set(this.state);
      return new RegexStream(this.scanner, options.state, 0);
    }
    this.live();
    const rt = this.scanner.rt;
    const at = rt.alloc(size); // may grow the memory: take the source view after it
    rt.u8().set(this.state, at);
    return new RegexStream(this.scanner, null, at);
  }

  /** Returns the state's kernel memory (a stream on a caller's buffer has none). The stream is unusable after. */
  free(): void {
    if (this.buffer !== null || this.at === 0) return;
    unfreedStates.unregister(this);
    this.scanner.rt.dealloc(this.at);
    this.at = 0;
  }

  private end(onMatch: MatchHandler): ScanResult {
    return this.buffer !== null
      ? this.scanner.scanChunk(this.buffer, EMPTY, true, onMatch)
      : this.scanner.scanAt(this.at, EMPTY, true, onMatch);
  }

  private live(): void {
    if (this.at === 0 && this.buffer === null) throw new NetsieveError('NS_ERR_STATE', 'the stream was freed');
  }

  private closed(): never {
    throw new NetsieveError('NS_ERR_STATE', 'the stream is closed; reset() it or open another');
  }
}
