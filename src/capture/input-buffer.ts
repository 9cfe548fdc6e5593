/**
 * The byte window a capture reader parses: one reused buffer filled in large reads from a file, a
 * stream or (without any copy) a caller's whole `Uint8Array`.
 *
 * Bytes `buf[start, end)` are read but not yet consumed; `base` is the input offset of `buf[0]`. A record
 * that straddles the end of the window stays in place until the next `prepare()` moves it to the front
 * (one `copyWithin` of less than one record) and the next fill appends after it.
 *
 * Memory is bounded: the buffer grows only when a single record does not fit, only by doubling, and only
 * once the buffer is full of that record's bytes, so an attacker-chosen length never becomes an
 * allocation larger than twice the bytes actually present. `maxBuffer` (set by the reader from its
 * format's hard cap) stops it; the reader rejects a length above that cap before asking for it.
 */
import fs from 'node:fs';
import { NetsieveError } from '../errors.js';

/**
 * Default read size: large enough that a syscall costs nothing per packet (about 50 packets per read), small
 * enough that the bytes a read copies are still in the core's cache when they are parsed. Reading a 560 MB
 * capture from the page cache on a 2-core EPYC VM (2026-12-07): 64 KiB reads 63-85 ms, 4 MiB reads 238-262 ms.
 */
export const DEFAULT_CHUNK_SIZE = 64 << 10;
/** Smallest accepted chunk size (tests use small ones to exercise straddling and growth). */
export const MIN_CHUNK_SIZE = 32;
/** Largest accepted chunk size. */
export const MAX_CHUNK_SIZE = 1 << 30;

/** Where the bytes come from. */
const Kind = { File: 0, Memory: 1, Stream: 2 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];

/** Pulls the next chunk of a stream input; resolves `null` at its end. */
type NextChunk = () => Promise<Uint8Array | null>;

export class InputBuffer {
  /** The window's storage: the reader's own buffer, or the caller's array for an in-memory input. */
  buf: Uint8Array;
  view: DataView;
  /** First byte not yet consumed. */
  start = 0;
  /** End of the bytes read so far. */
  end = 0;
  /** Input offset of `buf[0]`. */
  base = 0;
  /** No more bytes will come. */
  eof = false;
  /** The largest the buffer may grow to (the reader's cap for one record plus its header). */
  maxBuffer: number;
  /** File and in-memory inputs fill synchronously; streams need `fillAsync()`. */
  readonly sync: boolean;
  /** For in-memory inputs: how many bytes of records one pump should process (keeps pumps granular). */
  readonly chunkSize: number;

  private readonly kind: Kind;
  private fd: number;
  private readonly regularFile: boolean;
  private nextChunk: NextChunk | null;
  private cancel: (() => void) | null;
  private pending: Uint8Array | null = null;
  private pendingOffset = 0;
  private closed = false;

  private constructor(
    readonly name: string,
    readonly totalBytes: number | null,
    kind: Kind,
    buf: Uint8Array,
    chunkSize: number,
    fd: number,
    regularFile: boolean,
    nextChunk: NextChunk | null,
    cancel: (() => void) | null,
  ) {
    this.kind = kind;
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.sync = kind !== Kind.Stream;
    this.chunkSize = chunkSize;
    this.maxBuffer = Math.max(buf.length, chunkSize);
    this.fd = fd;
    this.regularFile = regularFile;
    this.nextChunk = nextChunk;
    this.cancel = cancel;
  }

  /** Opens a file for sequential reading with `readSync` straight into the buffer (no intermediate copy). */
  static fromPath(path: string, chunkSize: number, name: string): InputBuffer {
    let fd: number;
    try {
      fd = fs.openSync(path, 'r');
    } catch (e) {
      throw ioError(`cannot open ${path}: ${describeIoError(e)}`, name, e);
    }
    try {
      const st = fs.fstatSync(fd);
      if (st.isDirectory()) throw ioError(`${path} is a directory, not a capture file`, name);
      // A FIFO or character device reports size 0: its size is unknown, and it is read until EOF.
      const regular = st.isFile();
      // A small file gets a buffer its size, not a whole chunk: opening many small captures should not
      // cost a whole chunk's allocation each. (A file that grows while read still works: records straddle and
      // the buffer grows as for any large record.)
      const size = regular ? Math.max(MIN_CHUNK_SIZE, Math.min(chunkSize, st.size)) : chunkSize;
      return new InputBuffer(name, regular ? st.size : null, Kind.File, new Uint8Array(size), chunkSize, fd, regular, null, null);
    } catch (e) {
      fs.closeSync(fd);
      if (e instanceof NetsieveError) throw e;
      throw ioError(`cannot read ${path}: ${describeIoError(e)}`, name, e);
    }
  }

  /** Wraps a whole capture held in memory: no copy, no growth; the caller's bytes are never written. */
  static fromBytes(bytes: Uint8Array, chunkSize: number, name: string): InputBuffer {
    const b = new InputBuffer(name, bytes.length, Kind.Memory, bytes, chunkSize, -1, false, null, null);
    b.end = bytes.length;
    b.eof = true;
    return b;
  }

  /** Reads a stream chunk by chunk; each chunk is copied once, into the buffer. */
  static fromStream(nextChunk: NextChunk, cancel: () => void, chunkSize: number, name: string): InputBuffer {
    return new InputBuffer(name, null, Kind.Stream, new Uint8Array(chunkSize), chunkSize, -1, false, nextChunk, cancel);
  }

  get isMemory(): boolean {
    return this.kind === Kind.Memory;
  }

  /**
   * Makes room before a fill: moves the unconsumed tail to the front and, when `need` bytes (counted from
   * `start`) cannot fit and the buffer is already full, doubles the buffer (up to `maxBuffer`).
   */
  prepare(need: number): void {
    if (this.kind === Kind.Memory) return; // the caller's array: never moved, never written
    if (this.start > 0) {
      if (this.end > this.start) this.buf.copyWithin(0, this.start, this.end);
      this.base += this.start;
      this.end -= this.start;
      this.start = 0;
    }
    if (need > this.buf.length && this.end === this.buf.length) {
      const size = Math.min(this.buf.length * 2, this.maxBuffer);
      if (size > this.buf.length) this.resize(size); // else: the reader validated `need` against the cap
    } else if (this.kind === Kind.File && this.buf.length < this.chunkSize && this.base + this.end > (this.totalBytes ?? 0)) {
      // A file sized small at open has grown since (a capture still being written): read it in full chunks.
      this.resize(this.chunkSize);
    }
  }

  private resize(size: number): void {
    const grown = new Uint8Array(size);
    grown.set(this.buf.subarray(0, this.end));
    this.buf = grown;
    this.view = new DataView(grown.buffer, grown.byteOffset, grown.byteLength);
  }

  /** Reads from the file into the free tail of the buffer (a no-op for in-memory input). */
  fillSync(): void {
    if (this.eof || this.kind !== Kind.File) return;
    while (this.end < this.buf.length) {
      let n: number;
      try {
        n = fs.readSync(this.fd, this.buf, this.end, this.buf.length - this.end, null);
      } catch (e) {
        throw ioError(`read failed: ${describeIoError(e)}`, this.name, e, this.base + this.end);
      }
      if (n === 0) {
        this.eof = true;
        return;
      }
      this.end += n;
      // A pipe or device delivers what it has: parse it now rather than block for a full buffer.
      if (!this.regularFile) return;
    }
  }

  /** Appends (part of) the next stream chunk to the buffer. */
  async fillAsync(): Promise<void> {
    if (this.kind !== Kind.Stream) {
      this.fillSync();
      return;
    }
    if (this.eof || this.end === this.buf.length) return;
    if (this.pending === null) {
      let chunk: Uint8Array | null;
      try {
        chunk = await this.nextChunk!();
      } catch (e) {
        if (e instanceof NetsieveError) throw e;
        throw ioError(`the input stream failed: ${describeIoError(e)}`, this.name, e, this.base + this.end);
      }
      if (chunk === null) {
        this.eof = true;
        return;
      }
      if (chunk.length === 0) return;
      this.pending = chunk;
      this.pendingOffset = 0;
    }
    const src = this.pending;
    const n = Math.min(this.buf.length - this.end, src.length - this.pendingOffset);
    this.buf.set(n === src.length ? src : src.subarray(this.pendingOffset, this.pendingOffset + n), this.end);
    this.end += n;
    this.pendingOffset += n;
    if (this.pendingOffset >= src.length) this.pending = null;
  }

  /** Reads until at least `n` bytes from `start` are present or the input ends (header detection). */
  ensureSync(n: number): void {
    while (this.end - this.start < n && !this.eof) {
      this.prepare(n);
      this.fillSync();
    }
  }

  async ensure(n: number): Promise<void> {
    while (this.end - this.start < n && !this.eof) {
      this.prepare(n);
      await this.fillAsync();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.eof = true;
    if (this.fd >= 0) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // already closed by someone else: nothing to release
      }
      this.fd = -1;
    }
    if (this.cancel !== null) {
      const cancel = this.cancel;
      this.cancel = null;
      try {
        cancel();
      } catch {
        // a stream that refuses to be cancelled is the caller's to clean up
      }
    }
    this.nextChunk = null;
    this.pending = null;
  }
}

export function ioError(message: string, file: string, cause?: unknown, offset?: number): NetsieveError {
  return new NetsieveError(
    'NS_ERR_CAPTURE_IO',
    message,
    offset === undefined ? { file } : { file, offset },
    cause === undefined ? undefined : { cause },
  );
}

function describeIoError(e: unknown): string {
  if (e && typeof e === 'object') {
    const code = (e as { code?: unknown }).code;
    const msg = (e as { message?: unknown }).message;
    if (code === 'ENOENT') return 'no such file';
    if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
    if (code === 'EISDIR') return 'is a directory';
    if (typeof msg === 'string') return msg;
  }
  return String(e);
}

/**
 * Turns any supported stream into a chunk puller. WHATWG streams are read through their reader (works
 * in every runtime); Node streams and other async iterables through their async iterator; an old-style
 * Node stream without one is wrapped first.
 */
export function streamPuller(input: unknown, name: string): { next: NextChunk; cancel: () => void } | null {
  if (input === null || typeof input !== 'object') return null;
  const s = input as Record<PropertyKey, unknown>;
  if (typeof s.getReader === 'function') {
    const reader = (input as ReadableStream<unknown>).getReader();
    return {
      next: async () => {
        const r = await reader.read();
        return r.done ? null : toBytes(r.value, name);
      },
      cancel: () => void reader.cancel().catch(() => undefined),
    };
  }
  let iterable: AsyncIterable<unknown> | null = null;
  if (typeof s[Symbol.asyncIterator] === 'function') {
    iterable = input as AsyncIterable<unknown>;
  } else if (typeof s.on === 'function' && typeof s.pipe === 'function') {
    return null; // handled by the caller, which wraps old-style streams (needs node:stream)
  }
  if (iterable === null) return null;
  const it = iterable[Symbol.asyncIterator]();
  return {
    next: async () => {
      const r = await it.next();
      return r.done ? null : toBytes(r.value, name);
    },
    cancel: () => {
      if (typeof it.return === 'function') void Promise.resolve(it.return()).catch(() => undefined);
    },
  };
}

function toBytes(chunk: unknown, name: string): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  if (typeof chunk === 'string') {
    throw ioError('the input stream yields text, not bytes (was setEncoding() called on it?)', name);
  }
  throw ioError(`the input stream yields ${chunk === null ? 'null' : typeof chunk} chunks, not bytes`, name);
}
