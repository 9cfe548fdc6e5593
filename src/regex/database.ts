/**
 * The regex database: Hyperscan's model in TypeScript over a WASM kernel. This is the public face;
 * the work is done by the modules behind it:
 *
 *   const db = compile([{ id: 1, expression: 'foo.*bar', flags: 'i' }], { mode: 'block' });
 *   db.scan(bytes, (id, from, to) => { ... });          // return true to stop
 *   const s = db.openStream(); s.scan(chunk, cb); s.close(cb);
 *
 * - plan.ts: parses the patterns and sorts them into engines (literal engine, DFA groups behind
 *   prefilters, a lazy DFA, the position engine), and encodes their tables;
 * - scanner.ts: loads the tables into the kernel's memory and runs the scan loop every mode shares;
 * - stream.ts: a stream's state and calls (`RegexStream`);
 * - serialize.ts: the database as bytes and back;
 * - input.ts: what scans take as data.
 */
import { isNetsieveError, NetsieveError } from '../errors.js';
import { checkHandler, scanBytes, type ScanData } from './input.js';
import { encodeEngines, plan, type DatabaseParts } from './plan.js';
import type { Runtime } from './runtime.js';
import { inputView, Scanner } from './scanner.js';
import { deserializeDatabase, serializeDatabase } from './serialize.js';
import { RegexStream } from './stream.js';
import type { CompileOptions, DatabaseInfo, MatchHandler, PatternSpec, ScanMode, ScanResult } from './types.js';

export type { CompileOptions, DatabaseInfo, EngineInfo, MatchHandler, PatternSpec, ScanMode, ScanResult } from './types.js';
export { RegexStream } from './stream.js';
export { trimLeadingRepeats } from './ast-facts.js';

/** The largest inputBuffer() (bytes of the kernel's memory, which is at most 4 GiB). */
const MAX_INPUT_BUFFER = 1 << 30;

/** Compiles patterns into a database for one scanning mode. Throws NS_ERR_PATTERN naming the pattern at fault. */
export function compile(patterns: readonly PatternSpec[], options: CompileOptions): RegexDatabase {
  try {
    return new RegexDatabase(encodeEngines(plan(patterns, options)), options.lazyCapacity);
  } catch (e) {
    if (isNetsieveError(e)) throw e;
    throw new NetsieveError('NS_ERR_PATTERN', `compilation failed: ${(e as Error).message}`, {}, { cause: e });
  }
}

/** Loads a database written by `RegexDatabase.serialize()` (the same as `RegexDatabase.deserialize`). */
export function deserialize(bytes: Uint8Array): RegexDatabase {
  return RegexDatabase.deserialize(bytes);
}

export class RegexDatabase {
  readonly mode: ScanMode;
  /** Bytes of one stream's state. */
  readonly streamStateSize: number;
  /** Streams: bytes of history kept to find `L` starts backwards (0 in block mode). */
  readonly somHorizon: number;
  /** What the database is made of (kept for serialize()). */
  private readonly parts: DatabaseParts;
  private readonly scanner: Scanner;

  /** @internal Use `compile()` or `RegexDatabase.deserialize()`. */
  constructor(parts: DatabaseParts, lazyCapacity?: number) {
    this.parts = parts;
    this.scanner = new Scanner(parts, lazyCapacity);
    this.mode = parts.mode;
    this.streamStateSize = this.scanner.streamStateSize;
    this.somHorizon = this.scanner.somHorizon;
  }

  info(): DatabaseInfo {
    return this.scanner.info();
  }

  /**
   * A buffer of `size` bytes inside the kernel's memory, one per process: data written there (or any view
   * of it) is scanned without a copy. The view is valid until the next compile, deserialize, openStream or
   * call of this method (they may grow the memory or move the buffer); call it again to get a fresh one.
   */
  inputBuffer(size: number): Uint8Array {
    if (!Number.isInteger(size) || size < 0 || size > MAX_INPUT_BUFFER) {
      throw new NetsieveError(
        'NS_ERR_OPTION',
        `inputBuffer() takes a size in bytes from 0 to ${MAX_INPUT_BUFFER}, not ${String(size)}`,
      );
    }
    return inputView(this.scanner.rt, size);
  }

  /** Block mode: scans one buffer (a Uint8Array or Buffer, an ArrayBuffer or any ArrayBufferView: its bytes). */
  scan(input: ScanData, onMatch: MatchHandler): ScanResult {
    this.requireMode('block', 'scan');
    const data = scanBytes(input, 'scan()');
    checkHandler(onMatch, 'scan()');
    return this.scanner.scanBlock(data, onMatch);
  }

  /**
   * @internal Stream mode: scans one buffer as a whole stream, in one call: the matches (and starts) that
   * opening a stream, scanning the buffer with it and closing it report. The DLP scanner's block scans use
   * it, so that one stream database serves its blocks and its streams.
   */
  scanWholeStream(input: ScanData, onMatch: MatchHandler): ScanResult {
    this.requireMode('stream', 'scanWholeStream');
    const data = scanBytes(input, 'scanWholeStream()');
    checkHandler(onMatch, 'scanWholeStream()');
    return this.scanner.scanWholeStream(data, onMatch);
  }

  /** Vectored mode: scans the chunks as one buffer (offsets run across them). */
  scanVector(chunks: readonly ScanData[], onMatch: MatchHandler): ScanResult {
    this.requireMode('vectored', 'scanVector');
    if (!Array.isArray(chunks))
      throw new NetsieveError(
        'NS_ERR_INPUT',
        'scanVector() takes an array of chunks (each a Uint8Array, Buffer, ArrayBuffer or ArrayBufferView)',
      );
    checkHandler(onMatch, 'scanVector()');
    // Every chunk is checked before any is scanned: a bad one is refused before a report of the good ones.
    // Views are made only when some chunk is not a Uint8Array (the usual case allocates nothing).
    let bytes = chunks as readonly Uint8Array[];
    for (let i = 0; i < chunks.length; i++) {
      if (!(chunks[i] instanceof Uint8Array)) {
        bytes = chunks.map((c, j) => scanBytes(c, `scanVector() chunk ${j}`));
        break;
      }
    }
    return this.scanner.scanVector(bytes, onMatch);
  }

  /**
   * Stream mode: a new stream. Its state (`streamStateSize` bytes) lives in the kernel's memory, where
   * scanning uses it in place, until `stream.free()` (or until the stream is garbage collected). Pass
   * `state`, a buffer of that size (from a pool of your own, say), to keep the state there instead: it is
   * reset, and copied into the kernel's memory and back on every call (a few dozen bytes).
   */
  openStream(options: { state?: Uint8Array } = {}): RegexStream {
    this.requireMode('stream', 'openStream');
    const state = options.state;
    const rt = this.scanner.rt;
    if (state === undefined) {
      const at = rt.alloc(this.streamStateSize);
      rt.u8().set(this.scanner.initial, at);
      return new RegexStream(this.scanner, null, at);
    }
    if (!(state instanceof Uint8Array))
      throw new NetsieveError('NS_ERR_OPTION', `a stream state must be a Uint8Array of ${this.streamStateSize} bytes`);
    if (state.length !== this.streamStateSize) {
      throw new NetsieveError(
        'NS_ERR_OPTION',
        `a stream state must be ${this.streamStateSize} bytes (db.streamStateSize), not ${state.length}`,
      );
    }
    state.set(this.scanner.initial);
    return new RegexStream(this.scanner, state, 0);
  }

  /** @internal The initial state bytes (a new stream's). */
  get initialState(): Uint8Array {
    return this.scanner.initial;
  }

  /** @internal */
  get kernel(): Runtime {
    return this.scanner.rt;
  }

  private requireMode(mode: ScanMode, what: string): void {
    if (this.scanner.freed) throw new NetsieveError('NS_ERR_STATE', 'the database was freed');
    if (this.mode !== mode) {
      throw new NetsieveError(
        'NS_ERR_MODE',
        `${what}() needs a database compiled with mode '${mode}'; this one is '${this.mode}'`,
      );
    }
  }

  /** The database as bytes: `RegexDatabase.deserialize()` makes it again, in any process. */
  serialize(): Uint8Array {
    return serializeDatabase(this.parts);
  }

  /** Makes a database from `serialize()`'s bytes. Throws NS_ERR_DATABASE when they are damaged. */
  static deserialize(bytes: Uint8Array): RegexDatabase {
    // Any container of the bytes (a Buffer read from a file, an ArrayBuffer from fetch); not text.
    return new RegexDatabase(deserializeDatabase(scanBytes(bytes, 'deserialize()')));
  }

  /** Releases the database's tables in the kernel's memory. */
  free(): void {
    this.scanner.free();
  }
}
