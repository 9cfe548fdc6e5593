/**
 * The Stratum byte machine: one `LineReader` per direction cuts the stream into lines (bounded by
 * maxLineBytes, resynchronising at the next newline after an overlong line or a gap), and `parseLine`
 * turns one line into a JSON-RPC message or the anomaly code that says why it is not one. The connection
 * (`state.ts`) pairs the messages.
 *
 * Each reader holds one buffer, 1 KiB at first (Stratum lines are a few hundred bytes), grown by doubling up
 * to maxLineBytes when a longer line comes: nothing is allocated per chunk on the common path, and a line's
 * string is made once, when its newline arrives. Nothing here throws on bad input.
 */
import { StratumAnomaly as A } from './anomalies.js';

const LF = 0x0a;

/** Receives a reader's lines: the bytes `buf[0, len)` (valid until the call returns), or an overlong line. */
export interface LineHandler {
  line(buf: Uint8Array, len: number): void;
  /** A line grew past maxLineBytes: it is skipped up to its newline. Called once per such line. */
  overlong(): void;
}

/** A reader's first buffer size. */
const INITIAL_LINE_BUFFER = 1024;

export class LineReader {
  private buf: Uint8Array;
  private held = 0;
  /** Bytes up to the next newline are dropped (an overlong line, or the rest of a line cut by a gap). */
  private skipping = false;

  constructor(
    private readonly maxLineBytes: number,
    private readonly handler: LineHandler,
  ) {
    this.buf = new Uint8Array(Math.min(INITIAL_LINE_BUFFER, maxLineBytes));
  }

  push(data: Uint8Array, start: number, end: number): void {
    let from = start;
    while (from < end) {
      // A loop rather than indexOf, which would search the caller's buffer past `end`.
      let lf = from;
      while (lf < end && data[lf] !== LF) lf++;
      if (lf === end) lf = -1;
      const stop = lf < 0 ? end : lf;
      if (!this.skipping) {
        const n = stop - from;
        if (this.held + n > this.maxLineBytes) {
          this.held = 0;
          this.skipping = true;
          this.handler.overlong();
        } else {
          if (this.held + n > this.buf.length) this.grow(this.held + n);
          this.buf.set(data.subarray(from, stop), this.held);
          this.held += n;
        }
      }
      if (lf < 0) return;
      if (this.skipping) this.skipping = false;
      else this.complete();
      from = lf + 1;
    }
  }

  private grow(need: number): void {
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(Math.min(size, this.maxLineBytes));
    next.set(this.buf.subarray(0, this.held));
    this.buf = next;
  }

  /** Bytes were lost: the partial line is dropped, and what follows up to the next newline too. */
  gap(): void {
    this.held = 0;
    this.skipping = true;
  }

  /** The stream ended: a last line without its newline is still a line. */
  end(): void {
    if (!this.skipping && this.held > 0) this.complete();
    this.held = 0;
    this.skipping = false;
  }

  private complete(): void {
    const len = this.held;
    this.held = 0;
    this.handler.line(this.buf, len);
  }
}

/** One JSON-RPC message of a line. */
export interface StratumMessage {
  /** A call (a method: a request when it has an id, else a notification) or a response. */
  kind: 'call' | 'response';
  method: string | null;
  /** The id as parsed (undefined when absent). */
  id: unknown;
  params: unknown;
  result: unknown;
  error: unknown;
  /** The object had `"jsonrpc"` (XMRig's dialect says "2.0"; v1 pools do not send it). */
  jsonrpc: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * One line as a message; null for a blank line (ignored, as pools do); otherwise the anomaly code that
 * says why it is unusable (`stratum.not_json`, `stratum.not_rpc`).
 */
export function parseLine(buf: Uint8Array, len: number): StratumMessage | number | null {
  let s = 0;
  let e = len;
  while (s < e && isBlank(buf[s]!)) s++;
  while (e > s && isBlank(buf[e - 1]!)) e--;
  if (s === e) return null;
  // Not an object: no need to build a string (binary garbage, an HTTP request line).
  if (buf[s] !== 0x7b && buf[s] !== 0x5b) return A.NOT_JSON;
  let v: unknown;
  try {
    v = JSON.parse(utf8.decode(buf.subarray(s, e)));
  } catch {
    return A.NOT_JSON;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return A.NOT_RPC;
  const o = v as Record<string, unknown>;
  const jsonrpc = o.jsonrpc !== undefined;
  if (typeof o.method === 'string')
    return { kind: 'call', method: o.method, id: o.id, params: o.params, result: undefined, error: undefined, jsonrpc };
  if (o.method === undefined && 'id' in o && ('result' in o || 'error' in o))
    return { kind: 'response', method: null, id: o.id, params: undefined, result: o.result, error: o.error, jsonrpc };
  return A.NOT_RPC;
}

function isBlank(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0d;
}
