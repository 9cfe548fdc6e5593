/**
 * The template connection: lines of both directions in, one record per answered client line out.
 *
 * The rules every parser follows: never throw on bad input (raise an anomaly and recover, or `sink.stop()`);
 * copy what you keep (the engine reuses its buffers after each call); cap every buffer and queue with an
 * option; allocate nothing per chunk on the common path (here: one fixed line buffer per direction, sized
 * by maxLineBytes; strings are made once per complete line). A protocol whose client names the server it
 * wants (as TLS SNI and HTTP Host do) reports it once per flow with `sink.serverName`; this one names none.
 */
import { Direction } from '../../flow/stream.js';
import type { AppEventSink, TcpAppParser, UdpAppParser } from '../module.js';
import { TEMPLATE_ANOMALIES, TemplateAnomaly } from './anomalies.js';
import type { TemplateRecord } from './events.js';
import type { TemplateOptions } from './options.js';

const { TO_SERVER, TO_CLIENT } = Direction;
const LF = 0x0a;
const SKIP = 5; // "TMPL "

export class TemplateConnection implements TcpAppParser, UdpAppParser {
  /** Each direction's partial line, and how much of it is held (bytes past maxLineBytes are not). */
  private readonly line: [Uint8Array, Uint8Array];
  private readonly held = [0, 0];
  private readonly overlong = [false, false];
  private readonly pending: TemplateRecord[] = [];

  constructor(
    private readonly sink: AppEventSink<TemplateRecord>,
    private readonly options: TemplateOptions,
  ) {
    this.line = [new Uint8Array(options.maxLineBytes), new Uint8Array(options.maxLineBytes)];
  }

  onData(direction: Direction, data: Uint8Array, start: number, end: number): void {
    const buf = this.line[direction]!;
    let from = start;
    for (let i = start; i < end; i++) {
      if (data[i] !== LF) continue;
      this.hold(direction, buf, data, from, i);
      this.complete(direction, buf);
      from = i + 1;
    }
    this.hold(direction, buf, data, from, end);
  }

  onDatagram(direction: Direction, data: Uint8Array, start: number, end: number): void {
    this.onData(direction, data, start, end);
    if (this.held[direction]! > 0 || this.overlong[direction]) this.complete(direction, this.line[direction]!);
  }

  onGap(direction: Direction, _length: number): void {
    this.raise(TemplateAnomaly.GAP, direction, null);
    this.held[direction] = 0;
    this.overlong[direction] = false;
  }

  onEnd(direction?: Direction): void {
    // A UDP flow's end (no direction) or the client's end: what is unanswered is emitted as it is.
    if (direction === undefined || direction === TO_SERVER) for (const r of this.pending.splice(0)) this.sink.emit(r);
  }

  private hold(direction: Direction, buf: Uint8Array, data: Uint8Array, from: number, to: number): void {
    const room = buf.length - this.held[direction]!;
    const n = Math.min(room, to - from);
    buf.set(data.subarray(from, from + n), this.held[direction]);
    this.held[direction]! += n;
    if (to - from > n) this.overlong[direction] = true;
  }

  private complete(direction: Direction, buf: Uint8Array): void {
    const text = Buffer.from(buf.subarray(0, this.held[direction])).toString('latin1').replace(/\r$/, '').slice(SKIP);
    const cut = this.overlong[direction]!;
    this.held[direction] = 0;
    this.overlong[direction] = false;
    if (direction === TO_SERVER) {
      const space = text.indexOf(' ');
      const rec: TemplateRecord = {
        verb: space < 0 ? text : text.slice(0, space),
        argument: space < 0 ? '' : text.slice(space + 1),
        status: null,
        anomalies: [],
      };
      if (cut) this.raise(TemplateAnomaly.LINE_TOO_LONG, direction, rec);
      if (this.pending.length >= this.options.maxPending) {
        this.raise(TemplateAnomaly.TOO_MANY_PENDING, direction, rec);
        this.sink.emit(this.pending.shift()!);
      }
      this.pending.push(rec);
      return;
    }
    const rec = this.pending.shift();
    if (rec === undefined) {
      this.raise(TemplateAnomaly.REPLY_WITHOUT_REQUEST, TO_CLIENT, null);
      return;
    }
    if (cut) this.raise(TemplateAnomaly.LINE_TOO_LONG, direction, rec);
    rec.status = text;
    this.sink.emit(rec);
  }

  private raise(code: number, direction: Direction, rec: TemplateRecord | null): void {
    this.sink.anomaly(code, direction);
    if (rec !== null) rec.anomalies.push(TEMPLATE_ANOMALIES[code]!);
  }
}
