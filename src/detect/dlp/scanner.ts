/**
 * Runs the DLP sensors: one regex database of the chosen sensors' patterns (a stream database, which block
 * scans use too: see `DlpScanner.scan`), each candidate it reports validated and masked on the spot. Only
 * findings leave: a sensor, a start, an end and the masked text; the matched bytes are never kept or returned.
 *
 * Streams. The regex engine reports a match's end (and, with `L` and a SOM horizon, its start) while
 * the bytes before the current chunk are gone; validating needs them. So each stream keeps a copy of
 * its last `tailBytes` bytes: the longest candidate of the chosen sensors (`maxLength`) plus the two
 * bytes of context before it that validators look at. A candidate longer than its sensor's `maxLength`
 * is dropped (counted in `stats.overlong`) in blocks and streams alike, so that any split of the data
 * gives the findings one block scan gives.
 */
import { NetsieveError } from '../../errors.js';
import { compile, type RegexDatabase, type RegexStream } from '../../regex/database.js';
import type { PatternSpec } from '../../regex/types.js';
import { DLP_SENSOR_NAMES, DLP_SENSORS, type DlpSensor } from './sensors.js';

/** A validated finding. `start`/`end` are byte offsets in the scanned buffer or stream (end exclusive). */
export interface DlpFinding {
  sensor: string;
  start: number;
  end: number;
  /** The value masked as its sensor documents (`************1111`); never the whole value. */
  masked: string;
}

export type DlpFindingHandler = (finding: DlpFinding) => void;

/** Counters since the scanner was compiled (over all its scans and streams). */
export interface DlpStats {
  /** Matches of the patterns: shapes the validators looked at (or dropped as overlong). */
  candidates: number;
  /** Candidates the validators accepted. */
  findings: number;
  /** Candidates the validators refused (failed Luhn, mod-97, checksum, structure...). */
  rejected: number;
  /** Candidates longer than their sensor's `maxLength`: not validated, not reported. */
  overlong: number;
  /** Findings left out of a returned array because it held `maxFindings` already. */
  truncated: number;
}

export interface DlpOptions {
  /** The most findings one `scan()` (or stream call) returns as an array; more are counted in `stats.truncated`. Default 10,000. */
  maxFindings?: number;
}

/** Bytes of context before a candidate that validators may look at. */
const CONTEXT = 2;

/**
 * Compiles the named sensors (or `'all'`) into a scanner. An unknown name is `NS_ERR_OPTION` listing the
 * valid names; an empty list too (a scanner that finds nothing is a configuration mistake).
 */
export function compileDlp(names: readonly string[] | 'all', options: DlpOptions = {}): DlpScanner {
  let chosen: DlpSensor[];
  if (names === 'all') chosen = [...DLP_SENSORS];
  else {
    if (!Array.isArray(names) || names.length === 0) {
      throw new NetsieveError('NS_ERR_OPTION', `DLP sensors: give 'all' or a list of names (${DLP_SENSOR_NAMES.join(', ')})`);
    }
    chosen = [];
    for (const n of names) {
      const s = DLP_SENSORS.find((x) => x.name === n);
      if (s === undefined) {
        throw new NetsieveError(
          'NS_ERR_OPTION',
          `unknown DLP sensor ${JSON.stringify(n)}; the sensors are ${DLP_SENSOR_NAMES.join(', ')}`,
        );
      }
      if (!chosen.includes(s)) chosen.push(s);
    }
  }
  const maxFindings = options.maxFindings ?? 10_000;
  if (!Number.isInteger(maxFindings) || maxFindings < 0) {
    throw new NetsieveError('NS_ERR_OPTION', `maxFindings must be a non-negative integer, not ${String(maxFindings)}`);
  }
  return new DlpScanner(chosen, maxFindings);
}

/** A compiled pattern: its sensor and, for terminated patterns, the bytes the value may end with. */
interface PatternSlot {
  sensor: DlpSensor;
  coreEnd: Uint8Array | null;
}

function byteClass(body: string): Uint8Array {
  const re = new RegExp(`[${body}]`);
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) t[c] = re.test(String.fromCharCode(c)) ? 1 : 0;
  return t;
}

export class DlpScanner {
  readonly sensors: readonly DlpSensor[];
  /** The longest candidate of the chosen sensors. */
  readonly maxLength: number;
  /** Bytes each stream keeps: `maxLength` plus the context validators look at. */
  readonly tailBytes: number;
  readonly stats: DlpStats = { candidates: 0, findings: 0, rejected: 0, overlong: 0, truncated: 0 };
  /** @internal */
  readonly slots: PatternSlot[] = [];
  /** @internal */
  readonly streamDb: RegexDatabase;
  /** @internal */
  readonly maxFindings: number;
  /** @internal A candidate's bytes when they straddle a stream's history and chunk (calls do not nest). */
  readonly scratch: Uint8Array;
  /** @internal Set while a scan or stream call of this scanner runs: a finding handler may not start another. */
  busy = false;
  // Block scans: the buffer and where its findings go, set for the scan's duration (one handler, made once).
  private data: Uint8Array = new Uint8Array(0);
  private sink: Sink;
  private readonly onBlockMatch: (id: number, from: number, to: number) => void;

  /** @internal Use `compileDlp()`. */
  constructor(sensors: readonly DlpSensor[], maxFindings: number) {
    this.sensors = sensors;
    this.maxFindings = maxFindings;
    const specs: PatternSpec[] = [];
    let maxLength = 0;
    for (const s of sensors) {
      if (s.maxLength > maxLength) maxLength = s.maxLength;
      for (const p of s.patterns) {
        specs.push({ id: this.slots.length, expression: p.expression, flags: p.flags });
        this.slots.push({ sensor: s, coreEnd: p.coreEnd === undefined ? null : byteClass(p.coreEnd) });
      }
    }
    this.maxLength = maxLength;
    this.tailBytes = maxLength + CONTEXT;
    this.scratch = new Uint8Array(this.tailBytes);
    // One byte of horizon beyond the longest candidate: a start further back than that is reported
    // imprecisely by the engine, but such a candidate is overlong whatever its start, and dropped.
    this.streamDb = compile(specs, { mode: 'stream', somHorizon: maxLength + 1 });
    this.sink = new Sink(this);
    this.onBlockMatch = (id, from, to) => {
      if (from < 0) {
        // Not a start the engine knows (see DlpStream's match): counted and dropped as overlong.
        this.sink.consider(id, EMPTY, -1, 0, 0, 0);
        return;
      }
      const d = this.data;
      const ctx = from < CONTEXT ? from : CONTEXT;
      this.sink.consider(id, d, from, to, ctx, 0);
    };
  }

  /**
   * Scans one buffer. Findings go to `onFinding` when given (and the returned array is empty), else into
   * the returned array (at most `maxFindings`; a shared empty array when there are none).
   *
   * The buffer is scanned as a whole stream of the stream database (compiling a block database as well
   * doubled the scanner's compile time, the larger part of a detection run's start-up). The stream's
   * backward search for a start reaches over its kept history (`maxLength + 1` bytes) and the slice under
   * way, so every start within `maxLength + 1` bytes of its end is exact, as in a block database; a start
   * further back is reported as an earlier offset of the window, and the candidate is overlong either way.
   */
  scan(data: Uint8Array, onFinding?: DlpFindingHandler): readonly DlpFinding[] {
    if (!(data instanceof Uint8Array)) throw new NetsieveError('NS_ERR_INPUT', 'DLP scan() takes a Uint8Array or Buffer');
    enter(this);
    this.sink.begin(onFinding);
    this.data = data;
    try {
      // The buffer as a whole stream of the one database (see above).
      this.streamDb.scanWholeStream(data, this.onBlockMatch);
    } finally {
      this.data = EMPTY;
      this.busy = false;
    }
    return this.sink.end();
  }

  /** A stream (one per flow direction): findings across chunk boundaries. */
  openStream(): DlpStream {
    return new DlpStream(this);
  }

  /** Releases the database's tables; the scanner and its streams cannot be used afterwards. */
  free(): void {
    this.streamDb.free();
  }
}

const EMPTY = new Uint8Array(0);
const NO_FINDINGS: readonly DlpFinding[] = Object.freeze([]);

/** Refuses a call from inside a finding handler: the scanner's buffers belong to the call under way. */
function enter(sc: DlpScanner): void {
  if (sc.busy)
    throw new NetsieveError('NS_ERR_STATE', 'a DLP scan was started from a finding handler; scans of one scanner do not nest');
  sc.busy = true;
}

/** Where candidates are decided and findings delivered: shared by block scans and streams. */
class Sink {
  /** The findings of the call under way, made at the first one (most calls find nothing). */
  private out: DlpFinding[] | null = null;
  private handler: DlpFindingHandler | undefined = undefined;

  constructor(private readonly scanner: DlpScanner) {}

  begin(handler: DlpFindingHandler | undefined): void {
    this.out = null;
    this.handler = handler;
  }

  /** The call's findings (a shared empty array when there are none). */
  end(): readonly DlpFinding[] {
    const out = this.out ?? NO_FINDINGS;
    this.out = null;
    this.handler = undefined;
    return out;
  }

  /**
   * A match of pattern `id` over `b[s..e)`, with `ctx` bytes of context before `s`; `base + s` is its
   * offset in the data. A negative `s` stands for a candidate known to be overlong.
   */
  consider(id: number, b: Uint8Array, s: number, e: number, ctx: number, base: number): void {
    const sc = this.scanner;
    const slot = sc.slots[id]!;
    const sensor = slot.sensor;
    const stats = sc.stats;
    stats.candidates++;
    if (s < 0 || e - s > sensor.maxLength) {
      stats.overlong++;
      return;
    }
    const ce = slot.coreEnd;
    if (ce !== null) {
      // The terminator: at most two bytes (a sentence's final dot and what follows it).
      if (e > s && ce[b[e - 1]!] === 0) e--;
      if (e > s && ce[b[e - 1]!] === 0) e--;
    }
    if (!sensor.validate(b, s, e, ctx)) {
      stats.rejected++;
      return;
    }
    stats.findings++;
    const finding: DlpFinding = { sensor: sensor.name, start: base + s, end: base + e, masked: sensor.mask(b, s, e) };
    if (this.handler !== undefined) this.handler(finding);
    else {
      if (this.out === null) this.out = [];
      if (this.out.length < sc.maxFindings) this.out.push(finding);
      else stats.truncated++;
    }
  }
}

/**
 * One stream of a `DlpScanner`. Keeps the regex stream's state (`somHorizon` = the longest candidate + 1
 * bytes of history inside it) and its last `tailBytes` bytes (in a buffer of twice that) to validate with: with
 * every sensor, 2,656 + 2 × 2,050 bytes a stream. Streams of one scanner share its scratch buffer, so their
 * calls must not nest (a finding handler that scans is refused with NS_ERR_STATE).
 */
export class DlpStream {
  private readonly rs: RegexStream;
  /**
   * The stream's recent bytes, linear: `hist[0..histEnd)` are the bytes just before the current chunk.
   * Twice `tailBytes` long, so that appending a chunk moves the kept tail down (one copyWithin) at most
   * once per chunk and never allocates.
   */
  private readonly hist: Uint8Array;
  private histEnd = 0;
  private readonly scanner: DlpScanner;
  private readonly sink: Sink;
  /** Stream offset of the current chunk's first byte. */
  private base = 0;
  private chunk: Uint8Array = EMPTY;
  private closed = false;
  private readonly onMatch: (id: number, from: number, to: number) => void;

  /** @internal Use `scanner.openStream()`. */
  constructor(scanner: DlpScanner) {
    this.scanner = scanner;
    this.rs = scanner.streamDb.openStream();
    this.hist = new Uint8Array(2 * scanner.tailBytes);
    this.sink = new Sink(scanner);
    this.onMatch = (id, from, to) => this.match(id, from, to);
  }

  /** Stream offset of the next byte. */
  get offset(): number {
    return this.base + this.chunk.length;
  }

  /** @internal Tests: the bytes kept from before the next chunk (a view, valid until the next call). */
  get history(): Uint8Array {
    return this.hist.subarray(0, this.histEnd);
  }

  /** The next chunk. Findings as for `DlpScanner.scan()`; their offsets count from the stream's start. */
  scan(chunk: Uint8Array, onFinding?: DlpFindingHandler): readonly DlpFinding[] {
    if (!(chunk instanceof Uint8Array)) throw new NetsieveError('NS_ERR_INPUT', 'DLP stream.scan() takes a Uint8Array or Buffer');
    if (this.closed) throw new NetsieveError('NS_ERR_STATE', 'the DLP stream is closed');
    enter(this.scanner);
    this.sink.begin(onFinding);
    this.chunk = chunk;
    try {
      this.rs.scan(chunk, this.onMatch);
    } finally {
      this.remember(chunk);
      this.scanner.busy = false;
    }
    return this.sink.end();
  }

  /** The end of the data: reports what it completes (a value at the very end), then frees the stream. */
  close(onFinding?: DlpFindingHandler): readonly DlpFinding[] {
    if (this.closed) return NO_FINDINGS;
    enter(this.scanner);
    this.sink.begin(onFinding);
    try {
      this.rs.close(this.onMatch);
    } finally {
      this.free();
      this.scanner.busy = false;
    }
    return this.sink.end();
  }

  /** Gives the regex stream's state back without reporting the end. */
  free(): void {
    if (this.closed) return;
    this.closed = true;
    this.rs.free();
  }

  private match(id: number, from: number, to: number): void {
    const ctx = from < CONTEXT ? from : CONTEXT;
    const a = from - ctx;
    const base = this.base;
    const histStart = base - this.histEnd;
    if (from < 0 || to - a > this.scanner.tailBytes || a < histStart) {
      // Longer than any candidate: counted and dropped (the sink's length check, without the bytes).
      this.sink.consider(id, EMPTY, -1, 0, 0, 0);
      return;
    }
    // The candidate and its context lie in the chunk, in the history, or across both (then copied once).
    if (a >= base) this.sink.consider(id, this.chunk, from - base, to - base, ctx, base);
    else if (to <= base) this.sink.consider(id, this.hist, from - histStart, to - histStart, ctx, histStart);
    else {
      const scratch = this.scanner.scratch;
      const k = base - a;
      scratch.set(this.hist.subarray(a - histStart, this.histEnd), 0);
      scratch.set(this.chunk.subarray(0, to - base), k);
      this.sink.consider(id, scratch, ctx, to - a, ctx, a);
    }
  }

  /** Appends the chunk to the history (only its last `tailBytes` matter). */
  private remember(chunk: Uint8Array): void {
    const tail = this.scanner.tailBytes;
    const n = chunk.length;
    if (n >= tail) {
      this.hist.set(n === tail ? chunk : chunk.subarray(n - tail), 0);
      this.histEnd = tail;
    } else {
      if (this.histEnd + n > this.hist.length) {
        const keep = this.histEnd < tail ? this.histEnd : tail;
        this.hist.copyWithin(0, this.histEnd - keep, this.histEnd);
        this.histEnd = keep;
      }
      this.hist.set(chunk, this.histEnd);
      this.histEnd += n;
    }
    this.base += n;
    this.chunk = EMPTY;
  }
}
