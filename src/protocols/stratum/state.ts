/**
 * One Stratum connection: a line reader per direction, and the pairing of responses with requests.
 *
 * Both sides make requests (the miner `mining.submit`, the pool `client.get_version`), and a response goes
 * the other way with the request's id. Pools answer in order, but nothing in JSON-RPC requires it, so a
 * response pairs with the oldest pending request of the other side that has its id (same type and value):
 * miners that reuse one id for every share still pair in order. The queue holds maxPending requests of
 * both sides together; a request evicted from it is emitted unanswered (`overflow`), and when a side's
 * stream ends the other side's pending requests are emitted unanswered (`ended`).
 *
 * Unusable lines (not JSON, not JSON-RPC, overlong) raise their anomaly and are skipped; the anomaly names go
 * into the next record made from that direction's lines. After maxBadLines of them in one direction the
 * flow is not Stratum, or not followable: the parser stops (`sink.stop`).
 */
import { Direction, type StreamEndReason } from '../../flow/stream.js';
import type { AppEventSink, TcpAppParser } from '../module.js';
import { STRATUM_ANOMALIES, StratumAnomaly as A } from './anomalies.js';
import type { StratumNoResponse, StratumRecord, StratumVariant } from './events.js';
import type { StratumOptions } from './options.js';
import { type LineHandler, LineReader, parseLine, type StratumMessage } from './parser.js';
import {
  callFacts,
  cut,
  idKey,
  idOf,
  resultJobId,
  summarizeError,
  summarizeParams,
  summarizeResult,
  variantOfCall,
} from './summary.js';

const { TO_SERVER, TO_CLIENT } = Direction;

/**
 * Methods that are notifications whatever their id: the pool's pushes, which miners never answer. Pools
 * should send them with a null id, and some number them instead; as requests they would wait for a response
 * to the end of the flow and fill the pending queue.
 */
const NOTIFICATIONS: ReadonlySet<string> = new Set([
  'mining.notify',
  'mining.set_difficulty',
  'mining.set_extranonce',
  'mining.set_version_mask',
  'mining.set_goal',
  'client.reconnect',
  'client.show_message',
  'job',
]);

/** Anomaly names kept per record (each name once). */
const MAX_RECORD_ANOMALIES = 16;

/** A request waiting for its response: who sent it, its id's key, its record (null when none is built). */
interface Pending {
  from: Direction;
  key: string;
  record: StratumRecord | null;
}

const dirName = (d: Direction): 'to_server' | 'to_client' => (d === TO_SERVER ? 'to_server' : 'to_client');

export class StratumConnection implements TcpAppParser {
  private readonly readers: [LineReader, LineReader];
  private readonly pending: Pending[] = [];
  /** Anomaly names raised per direction since its last record: they go into that direction's next record. */
  private readonly raised: [string[], string[]] = [[], []];
  private readonly badLines = [0, 0];
  private readonly ended = [false, false];
  /** The dialect, once a call proved it. */
  private variant: StratumVariant | null = null;
  private stopped = false;

  constructor(
    private readonly sink: AppEventSink<StratumRecord>,
    /** Resolved (the registry's, or `resolveStratumOptions()` for direct use). */
    private readonly o: StratumOptions,
  ) {
    this.readers = [
      new LineReader(o.maxLineBytes, this.handler(TO_SERVER)),
      new LineReader(o.maxLineBytes, this.handler(TO_CLIENT)),
    ];
  }

  onData(direction: Direction, data: Uint8Array, start: number, end: number): void {
    if (this.stopped || this.ended[direction]) return;
    this.readers[direction]!.push(data, start, end);
  }

  onGap(direction: Direction, _length: number): void {
    if (this.stopped || this.ended[direction]) return;
    this.raise(A.GAP, direction);
    this.readers[direction]!.gap();
  }

  onEnd(direction: Direction, _reason: StreamEndReason): void {
    if (this.stopped || this.ended[direction]) return;
    this.readers[direction]!.end();
    this.ended[direction] = true;
    if (this.stopped) return;
    // No response can come from this side any more: the other side's requests are done.
    this.flush(direction === TO_SERVER ? TO_CLIENT : TO_SERVER, 'ended');
  }

  private handler(direction: Direction): LineHandler {
    return {
      line: (buf, len) => {
        if (this.stopped) return;
        const m = parseLine(buf, len);
        if (m === null) return;
        if (typeof m === 'number') this.badLine(m, direction);
        else if (m.kind === 'call') this.call(m, direction);
        else this.response(m, direction);
      },
      overlong: () => {
        if (!this.stopped) this.badLine(A.LINE_TOO_LONG, direction);
      },
    };
  }

  private badLine(code: number, direction: Direction): void {
    this.raise(code, direction);
    if (++this.badLines[direction]! <= this.o.maxBadLines) return;
    this.raise(A.TOO_MANY_BAD_LINES, direction);
    this.flush(TO_SERVER, 'ended');
    this.flush(TO_CLIENT, 'ended');
    this.stopped = true;
    this.sink.stop('stratum: too many unusable lines');
  }

  private call(m: StratumMessage, direction: Direction): void {
    const method = m.method!;
    const proven = variantOfCall(method, m.params);
    if (proven !== null && this.variant === null) this.variant = proven;
    const isRequest = m.id !== undefined && m.id !== null && !NOTIFICATIONS.has(method);
    let rec: StratumRecord | null = null;
    if (this.sink.recordsWanted) {
      const o = this.o;
      const p = summarizeParams(method, m.params, o.maxParams, o.maxStringBytes);
      const f = callFacts(method, m.params);
      const [methodText, methodCut] = cut(method, o.maxStringBytes);
      rec = {
        kind: isRequest ? 'request' : 'notification',
        variant:
          proven ??
          this.variant ??
          (m.jsonrpc || (m.params !== null && typeof m.params === 'object' && !Array.isArray(m.params)) ? 'xmrig' : 'stratum-v1'),
        method: methodText,
        id: idOf(m.id, o.maxStringBytes),
        direction: dirName(direction),
        params: p.list,
        paramCount: p.count,
        worker: null,
        agent: null,
        jobId: null,
        difficulty: f.difficulty,
        responded: false,
        result: null,
        error: null,
        noResponse: null,
        truncated: p.truncated || methodCut,
        anomalies: [],
      };
      rec.worker = this.keep(rec, f.worker);
      rec.agent = this.keep(rec, f.agent);
      rec.jobId = this.keep(rec, f.jobId);
      this.take(rec, direction);
    }
    if (!isRequest) {
      if (rec !== null) this.sink.emit(rec);
      return;
    }
    this.pending.push({ from: direction, key: idKey(m.id), record: rec });
    if (this.pending.length > this.o.maxPending) {
      this.raise(A.TOO_MANY_PENDING, direction);
      if (rec !== null) this.take(rec, direction);
      const old = this.pending.shift()!;
      this.unanswered(old, 'overflow');
    }
  }

  private response(m: StratumMessage, direction: Direction): void {
    const key = idKey(m.id);
    let i = 0;
    while (i < this.pending.length && (this.pending[i]!.from === direction || this.pending[i]!.key !== key)) i++;
    let rec: StratumRecord | null;
    if (i < this.pending.length) {
      rec = this.pending.splice(i, 1)[0]!.record;
    } else {
      this.raise(A.RESPONSE_WITHOUT_REQUEST, direction);
      rec = !this.sink.recordsWanted
        ? null
        : {
            kind: 'response',
            variant: this.variant ?? (m.jsonrpc ? 'xmrig' : 'stratum-v1'),
            method: null,
            id: idOf(m.id, this.o.maxStringBytes),
            direction: dirName(direction),
            params: [],
            paramCount: 0,
            worker: null,
            agent: null,
            jobId: null,
            difficulty: null,
            responded: false,
            result: null,
            error: null,
            noResponse: null,
            truncated: false,
            anomalies: [],
          };
    }
    if (rec === null) return;
    const [result, resultCut] = summarizeResult(m.result, this.o.maxStringBytes);
    const [error, errorCut] = summarizeError(m.error, this.o.maxStringBytes);
    rec.responded = true;
    rec.result = result;
    rec.error = error;
    if (resultCut || errorCut) rec.truncated = true;
    if (rec.jobId === null) rec.jobId = this.keep(rec, resultJobId(m.result));
    this.take(rec, direction);
    this.sink.emit(rec);
  }

  /** Emits the pending requests `from` sent, unanswered. */
  private flush(from: Direction, why: StratumNoResponse): void {
    let kept = 0;
    for (const p of this.pending) {
      if (p.from === from) this.unanswered(p, why);
      else this.pending[kept++] = p;
    }
    this.pending.length = kept;
  }

  private unanswered(p: Pending, why: StratumNoResponse): void {
    if (p.record === null) return;
    p.record.noResponse = why;
    this.sink.emit(p.record);
  }

  /** A string the record keeps, cut. */
  private keep(rec: StratumRecord, s: string | null): string | null {
    if (s === null) return null;
    const [t, c] = cut(s, this.o.maxStringBytes);
    if (c) rec.truncated = true;
    return t;
  }

  private raise(code: number, direction: Direction): void {
    this.sink.anomaly(code, direction);
    const list = this.raised[direction]!;
    const name = STRATUM_ANOMALIES[code]!;
    if (list.length < MAX_RECORD_ANOMALIES && !list.includes(name)) list.push(name);
  }

  /** Moves the anomalies raised by `direction`'s lines into `rec`. */
  private take(rec: StratumRecord, direction: Direction): void {
    const list = this.raised[direction]!;
    for (const name of list)
      if (rec.anomalies.length < MAX_RECORD_ANOMALIES && !rec.anomalies.includes(name)) rec.anomalies.push(name);
    list.length = 0;
  }
}
