/**
 * One message body on its way to the inspection buffer: transfer-decoded bytes come in (chunk framing
 * already removed by the parser), content codings are undone (gzip, x-gzip, deflate, stacked up to two
 * layers), and the first `inspectBodyLimit` decoded bytes are copied into a buffer of the message's own.
 *
 * Lengths are counted to the end whatever the caps: `length` (bytes as transferred, still content-coded)
 * and `decodedLength` (bytes after content decoding, up to where decoding stopped).
 */
import { HttpAnomaly as A } from './anomalies.js';
import { Inflater, InflateStatus, type InflateFormat, type InflateSink } from '../../codec/inflate.js';
import { RATIO_FLOOR, type HttpOptions } from './options.js';

/** Most codings stacked on one body that are undone (`Content-Encoding: gzip` over `Transfer-Encoding: gzip`). */
const MAX_LAYERS = 2;
/** Raw bytes kept while a coded body has not produced output yet, so a body that is not really coded can be shown as sent. */
const RAW_SHADOW = 4096;

export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);

/**
 * A buffer for body bytes that will all be written before they are read: not zero-filled (a body buffer is
 * up to inspectBodyLimit bytes per message, and filling it first doubled the cost of keeping it). A plain
 * Uint8Array over memory of its own (`allocUnsafeSlow` never hands out a slice of a shared pool).
 */
function bodyBuffer(n: number): Uint8Array {
  const b = Buffer.allocUnsafeSlow(n);
  return new Uint8Array(b.buffer, b.byteOffset, n);
}

/** What a body reports back to its message (anomaly codes). */
export type RaiseFn = (code: number) => void;

/** The format for a coding name, or null when it is not decoded. */
function formatOf(coding: string): InflateFormat | null {
  if (coding === 'gzip' || coding === 'x-gzip') return 'gzip';
  if (coding === 'deflate') return 'deflate';
  return null;
}

/** Connects one decoding layer's output to the next layer's input. */
class Chain implements InflateSink {
  constructor(private readonly next: Inflater) {}
  write(data: Uint8Array, start: number, end: number): boolean {
    const st = this.next.push(data, start, end);
    return st === InflateStatus.OK || st === InflateStatus.DONE;
  }
}

/** How body bytes are handled: kept as they are, decoded, or only counted. */
const Mode = { RAW: 0, DECODE: 1, COUNT: 2 } as const;

export class BodyCollector implements InflateSink {
  /** Bytes of the body as transferred (chunk framing removed, content codings still applied). */
  length = 0;
  /** Bytes after content decoding (equal to `length` when nothing was decoded). */
  decodedLength = 0;
  /** The inspection buffer was filled to the limit: later bytes were counted but not kept. */
  truncated = false;
  /** The inspection buffer stops before the end of the content (a gap, or decoding that stopped early). */
  holes = false;
  /** The content codings being undone (outermost first), e.g. ['gzip']; empty when the body is kept as sent. */
  readonly codings: string[] = [];
  private mode: number = Mode.RAW;
  private buf: Uint8Array = EMPTY_BYTES;
  private len = 0;
  private readonly limit: number;
  private first: Inflater | null = null;
  private layers: Inflater[] = [];
  /** Raw prefix kept until decoding produces a byte (see RAW_SHADOW). */
  private shadow: Uint8Array | null = null;
  private shadowLen = 0;

  constructor(
    private readonly options: HttpOptions,
    codings: readonly string[],
    private readonly raise: RaiseFn,
    /** Expected size when known (Content-Length), to size the buffer once. */
    expected: number,
    /**
     * False when nobody will read the body (no record is wanted): bytes are counted, the limit and its
     * anomaly apply as before, decoding still runs (its anomalies too), but nothing is copied or allocated.
     */
    private readonly copy = true,
  ) {
    this.limit = options.inspectBodyLimit;
    if (expected > 0 && copy) this.buf = bodyBuffer(Math.min(expected, this.limit));
    if (codings.length === 0) return;
    const formats: InflateFormat[] = [];
    for (const c of codings) {
      const f = formatOf(c);
      if (f === null || formats.length === MAX_LAYERS) {
        raise(A.UNSUPPORTED_CONTENT_ENCODING);
        return;
      }
      formats.push(f);
    }
    if (!options.decompress) return;
    // codings[0] is the outermost (applied last): it is undone first, and the innermost writes here.
    let sink: InflateSink = this;
    for (let i = formats.length - 1; i >= 0; i--) {
      const inf: Inflater = new Inflater(formats[i]!, sink);
      this.layers.unshift(inf);
      sink = new Chain(inf);
    }
    this.first = this.layers[0]!;
    this.codings.push(...codings);
    this.mode = Mode.DECODE;
    this.shadow = new Uint8Array(Math.min(RAW_SHADOW, this.limit));
  }

  /** The next transfer-decoded bytes of the body. */
  data(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.length += n;
    if (this.mode === Mode.DECODE) {
      if (this.shadow !== null) {
        const k = Math.min(n, this.shadow.length - this.shadowLen);
        if (k > 0) this.shadow.set(src.subarray(start, start + k), this.shadowLen);
        this.shadowLen += n;
      }
      const st = this.first!.push(src, start, end);
      if (st === InflateStatus.ERROR) this.decodeFailed();
      else if (st !== InflateStatus.OK) this.stopDecoding(); // DONE: bytes after the compressed data are ignored, as browsers do
      return;
    }
    if (this.mode === Mode.RAW) {
      this.decodedLength += n;
      if (!this.holes) this.keep(src, start, end);
    }
  }

  /** `n` bytes of the body are missing (-1: unknown). Decoding cannot go on across a hole. */
  gap(n: number): void {
    if (n > 0) this.length += n;
    if (this.mode === Mode.RAW && n > 0) this.decodedLength += n;
    if (this.mode === Mode.DECODE) this.stopDecoding();
    this.holes = true;
  }

  /**
   * The body ended. `complete`: it ended where its framing said (a cut body is not a decoding error:
   * the cut is reported as `http.message_truncated`).
   */
  finish(complete: boolean): void {
    if (this.mode !== Mode.DECODE) return;
    for (const inf of this.layers) {
      const st = inf.finish();
      if (st === InflateStatus.ERROR) {
        if (complete) this.decodeFailed();
        else this.holes = true;
        break;
      }
      if (st === InflateStatus.STOPPED) break;
    }
    this.stopDecoding();
  }

  /** The inspection buffer, owned by the caller from now on. */
  take(): Uint8Array {
    if (this.len === 0 || !this.copy) return EMPTY_BYTES;
    const b = this.len === this.buf.length ? this.buf : this.buf.slice(0, this.len);
    this.buf = EMPTY_BYTES;
    return b;
  }

  /** Output of the innermost decoding layer. */
  write(data: Uint8Array, start: number, end: number): boolean {
    if (this.mode !== Mode.DECODE) return false;
    const n = end - start;
    this.decodedLength += n;
    if (n > 0) this.shadow = null;
    this.keep(data, start, end);
    const o = this.options;
    if (
      this.decodedLength > o.maxDecompressedSize ||
      (this.decodedLength > RATIO_FLOOR && this.decodedLength > o.maxDecompressionRatio * this.length)
    ) {
      this.raise(A.DECOMPRESSION_BOMB);
      this.holes = true;
      this.stopDecoding();
      return false;
    }
    return true;
  }

  private stopDecoding(): void {
    this.mode = Mode.COUNT;
    for (const inf of this.layers) inf.release();
    this.first = null;
    this.layers = [];
    this.shadow = null;
  }

  private decodeFailed(): void {
    this.raise(A.DECOMPRESSION_FAILED);
    const shadow = this.shadow;
    this.stopDecoding();
    if (this.decodedLength === 0 && shadow !== null) {
      // Labelled as coded but nothing decoded: most likely not coded at all. Inspect it as sent.
      this.codings.length = 0;
      this.mode = Mode.RAW;
      const k = Math.min(this.shadowLen, shadow.length);
      this.decodedLength = this.shadowLen;
      this.keep(shadow, 0, k);
      if (k < this.shadowLen) this.holes = true;
    } else this.holes = true;
  }

  private keep(src: Uint8Array, start: number, end: number): void {
    if (this.truncated) return;
    let n = end - start;
    const room = this.limit - this.len;
    if (n > room) {
      n = room;
      this.truncated = true;
      if (this.limit > 0) this.raise(A.BODY_BEYOND_INSPECT_LIMIT); // a limit of 0 asks for no body at all
    }
    if (n <= 0) return;
    if (!this.copy) {
      this.len += n;
      return;
    }
    if (this.len + n > this.buf.length) {
      const grown = bodyBuffer(Math.min(this.limit, Math.max(this.len + n, this.buf.length * 2, 1024)));
      grown.set(this.buf.subarray(0, this.len));
      this.buf = grown;
    }
    if (n < 64) {
      const b = this.buf;
      let j = this.len;
      for (let i = start; i < start + n; i++) b[j++] = src[i]!;
    } else this.buf.set(src.subarray(start, start + n), this.len);
    this.len += n;
  }
}
