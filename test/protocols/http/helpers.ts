/** Test support for the HTTP module: a recording sink, conversations fed whole or split. */
import { HTTP_DEFAULTS, type HttpOptions } from '../../../src/protocols/http/options.js';
import { HttpConnection } from '../../../src/protocols/http/state.js';
import type { HttpTransaction } from '../../../src/protocols/http/events.js';
import { HTTP_ANOMALIES } from '../../../src/protocols/http/anomalies.js';
import type { AppEventSink, ServerNameSource } from '../../../src/protocols/module.js';

export const C2S = 0;
export const S2C = 1;

/** One piece of a conversation: bytes in a direction, a gap, or the end of a direction. */
export type Step =
  | { dir: 0 | 1; data: Uint8Array | string }
  | { dir: 0 | 1; gap: number }
  | { dir: 0 | 1; end: 'fin' | 'rst' | 'flow_end' | 'depth' };

export interface Outcome {
  records: HttpTransaction[];
  anomalies: string[];
  stopped: string | null;
  /** Calls the sink got after stop() (must be none). */
  afterStop: number;
  afterStopWhere: string;
}

export class RecordingSink implements AppEventSink<HttpTransaction> {
  records: HttpTransaction[] = [];
  anomalies: string[] = [];
  stopped: string | null = null;
  afterStop = 0;
  /** Where the first call after stop() came from (for a failing test's message). */
  afterStopWhere = '';
  private late(what: string): void {
    if (this.stopped === null) return;
    this.afterStop++;
    if (this.afterStopWhere === '') this.afterStopWhere = `${what} after stop(${this.stopped}): ${new Error().stack}`;
  }
  /** What the parser is told about readers of its records (a test may answer false, or change it). */
  recordsWanted = true;
  emit(record: HttpTransaction): void {
    this.late('emit');
    this.records.push(record);
  }
  anomaly(code: number, direction?: 0 | 1): void {
    const name = HTTP_ANOMALIES[code] ?? `http.code_${code}`;
    this.late(`anomaly ${name}`);
    this.anomalies.push(direction === undefined ? name : `${name}@${direction}`);
  }
  /** Each `serverName` report. */
  serverNames: { name: string | null; source: ServerNameSource }[] = [];
  serverName(name: string | null, source: ServerNameSource): void {
    this.late(`serverName ${name}`);
    this.serverNames.push({ name, source });
  }
  stop(reason: string): void {
    this.late(`stop ${reason}`);
    this.stopped = reason;
  }
}

export const bytes = (s: string | Uint8Array): Uint8Array => (typeof s === 'string' ? Buffer.from(s, 'latin1') : s);
export const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

/** A small seeded generator (mulberry32). */
import { mulberry32 as rng } from '../../support/streams.js';
export { rng };

/** How a data step is cut: whole, byte by byte, or at random points. */
export type Splitter = (len: number) => number[];
export const whole: Splitter = (len) => [len];
export const bytewise: Splitter = (len) => new Array<number>(len).fill(1);
export function randomSplits(seed: number, max = 64): Splitter {
  const r = rng(seed);
  return (len) => {
    const out: number[] = [];
    let left = len;
    while (left > 0) {
      const n = Math.min(left, 1 + Math.floor(r() * max));
      out.push(n);
      left -= n;
    }
    return out;
  };
}

/**
 * Runs a conversation through a connection. Each data piece is delivered at an offset inside a larger
 * reused buffer (as the engine does), which is scribbled over after the call to catch kept views.
 */
export function run(
  steps: readonly Step[],
  split: Splitter = whole,
  options: Partial<HttpOptions> = {},
  autoEnd = true,
  sink = new RecordingSink(),
): Outcome {
  const conn = new HttpConnection(sink, { ...HTTP_DEFAULTS, ...options });
  const scratch = new Uint8Array(70000);
  const ended = [false, false];
  for (const st of steps) {
    if ('data' in st) {
      const b = bytes(st.data);
      let pos = 0;
      for (const n of split(b.length)) {
        const piece = b.subarray(pos, pos + n);
        pos += n;
        const buf = piece.length + 16 <= scratch.length ? scratch : new Uint8Array(piece.length + 16);
        buf.set(piece, 7);
        conn.onData(st.dir, buf, 7, 7 + piece.length);
        buf.fill(0xa5, 0, Math.min(buf.length, piece.length + 16));
      }
    } else if ('gap' in st) conn.onGap(st.dir, st.gap);
    else {
      conn.onEnd(st.dir, st.end);
      ended[st.dir] = true;
    }
  }
  if (autoEnd) {
    if (!ended[0]) conn.onEnd(0, 'fin');
    if (!ended[1]) conn.onEnd(1, 'fin');
  }
  return {
    records: sink.records,
    anomalies: sink.anomalies,
    stopped: sink.stopped,
    afterStop: sink.afterStop,
    afterStopWhere: sink.afterStopWhere,
  };
}

/** A request then a response. */
export function exchange(req: string | Uint8Array, resp?: string | Uint8Array): Step[] {
  const s: Step[] = [{ dir: C2S, data: req }];
  if (resp !== undefined) s.push({ dir: S2C, data: resp });
  return s;
}

/** A record with its buffers as strings, for readable assertions. */
export function view(r: HttpTransaction): Record<string, unknown> {
  return {
    ...r,
    requestBody: text(r.requestBody),
    responseBody: text(r.responseBody),
    requestHeaderBlock: text(r.requestHeaderBlock),
    responseHeaderBlock: text(r.responseHeaderBlock),
  };
}
