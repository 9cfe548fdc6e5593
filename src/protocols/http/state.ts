/**
 * One HTTP/1.x connection: the two byte machines (parser.ts), the queue pairing pipelined requests with
 * their responses, and the `http` records (transaction.ts) sent to the engine.
 *
 * Pairing (RFC 9112 §9.3.2): responses come back in request order, so a transaction opens when a request
 * line is read, waits in `waiting` until a final response begins, and is emitted once both of its messages
 * are over (or cannot be any more: the end of the flow, a lost stream). Interim 1xx responses are recorded
 * on the transaction at the head of the queue and do not take it off.
 *
 * After a gap that cut a message, a parser drops bytes up to the next plausible start line (parser.ts,
 * `scanAfterGap`); the message the gap hit ends incomplete. How many responses the lost bytes held is not
 * known, so pairing after a gap in the responses counts on how the client behaved so far:
 * - one request at a time (no request began while an earlier one was unanswered, as almost every client
 *   does; requests read while the response side is looking for its start line do not count): the
 *   response found answers the newest waiting request, and the older ones, whose responses were in the
 *   lost bytes, are emitted without response (`http.request_without_response`);
 * - pipelined: the response found answers the oldest waiting request, as ever. Responses lost whole in the
 *   gap cannot be counted there, so the pairs after it may be shifted (the status codes keep their order).
 * A gap in the requests: requests lost whole cannot be known, and their responses pair with later requests.
 *
 * Answers that need both directions live here: no body for HEAD, 1xx, 204, 304; a 2xx to CONNECT or a 101
 * takes the flow out of HTTP (`sink.stop`); the client's bytes after a CONNECT or Upgrade request are held
 * by its parser until the answer says whether they are still HTTP.
 */
import type { Direction, StreamEndReason } from '../../flow/stream.js';
import type { AppEventSink, TcpAppParser } from '../module.js';
import { HttpAnomaly as A, HTTP_ANOMALIES } from './anomalies.js';
import { EMPTY_BYTES } from './body.js';
import { Cl, type HttpMessage } from './message.js';
import type { HttpOptions } from './options.js';
import { After, BodyRule, HttpParser, S, type HttpParserOwner } from './parser.js';
import type { HttpTransaction } from './events.js';
import { hostName, normalizeUri, parseTarget } from './uri.js';

const TO_SERVER = 0;
const TO_CLIENT = 1;
/** Interim (1xx) statuses listed per transaction: servers send one or two (100, 102/103); more is a flood. */
export const MAX_INTERIM = 16;

/** A transaction while it is open. */
interface OpenTx {
  id: number;
  req: HttpMessage | null;
  /** The response being read, or the final one once read. */
  resp: HttpMessage | null;
  reqEnded: boolean;
  respEnded: boolean;
  interim: number[];
  normalizedUri: string | null;
  host: string | null;
  tunnel: 'connect' | 'upgrade' | null;
  anomalies: string[];
  emitted: boolean;
  /** The request body, taken for the record given at the request's end (`sink.requestDone`). */
  reqBody: Uint8Array | null;
}

export class HttpConnection implements TcpAppParser, HttpParserOwner {
  private readonly req: HttpParser;
  private readonly resp: HttpParser;
  /** Transactions whose final response has not begun, oldest first. */
  private waiting: OpenTx[] = [];
  /** The transaction the response side is reading, null between responses. */
  private answering: OpenTx | null = null;
  private nextId = 0;
  private stopped = false;
  private ended = 0;
  /** A side whose parser lost the message boundaries (a gap, a line that is not a status line). */
  private reqLost = false;
  private respLost = false;
  /** A request began while an earlier one was unanswered: the client pipelines (see the pairing after gaps). */
  private pipelined = false;
  /** The flow's server name was reported (`AppEventSink.serverName`: the first request's Host). */
  private named = false;

  constructor(
    private readonly sink: AppEventSink<HttpTransaction>,
    private readonly o: HttpOptions,
  ) {
    this.req = new HttpParser(true, this, o);
    this.resp = new HttpParser(false, this, o);
  }

  // ------------------------------------------------------------------ TcpAppParser

  onData(direction: Direction, data: Uint8Array, start: number, end: number): void {
    if (this.stopped) return;
    (direction === TO_SERVER ? this.req : this.resp).execute(data, start, end);
  }

  onGap(direction: Direction, length: number): void {
    if (this.stopped) return;
    (direction === TO_SERVER ? this.req : this.resp).gap(length);
  }

  onEnd(direction: Direction, reason: StreamEndReason): void {
    if (this.stopped) return;
    const clean = reason === 'fin' || reason === 'rst';
    const p = direction === TO_SERVER ? this.req : this.resp;
    p.end(clean);
    // No answer will come for a CONNECT/Upgrade request: the client's held bytes are read as HTTP.
    if (direction === TO_CLIENT && !this.stopped) this.req.resume();
    if (this.stopped) return;
    this.ended |= direction === TO_SERVER ? 1 : 2;
    if (this.ended === 3 && !this.stopped) this.flush();
  }

  // ------------------------------------------------------------------ HttpParserOwner

  recordsWanted(): boolean {
    return this.sink.recordsWanted;
  }

  messageBegin(p: HttpParser, m: HttpMessage): void {
    if (p.isRequest) {
      // While the response side looks for its next start line after a gap, the responses that would show
      // whether the client waits are missing: requests then are no evidence of pipelining.
      if ((this.waiting.length > 0 || this.answering !== null) && this.resp.state !== S.GAP_SCAN) this.pipelined = true;
      const tx = this.open(m);
      m.tx = tx;
      if (this.respLost) {
        tx.respEnded = true;
        return;
      }
      this.waiting.push(tx);
      if (this.waiting.length > this.o.maxPendingRequests) {
        // The oldest will not be answered in any way that can still be paired: out without a response.
        const old = this.waiting.shift()!;
        this.note(old, A.TOO_MANY_PIPELINED_REQUESTS, TO_SERVER);
        this.note(old, A.REQUEST_WITHOUT_RESPONSE, -1);
        old.respEnded = true;
        this.emitIfDone(old);
      }
      return;
    }
    let tx = this.answering;
    if (tx === null) {
      // A response found after a gap, on a connection that sends one request at a time: the older
      // waiting requests were answered in the lost bytes.
      if (p.afterGap && !this.pipelined) {
        while (this.waiting.length > 1) {
          const old = this.waiting.shift()!;
          old.respEnded = true;
          this.emitIfDone(old);
        }
      }
      tx = this.waiting.length > 0 ? this.waiting.shift()! : null;
      if (tx === null) {
        tx = this.open(null);
        tx.reqEnded = true;
        m.tx = tx;
        tx.resp = m;
        this.answering = tx;
        p.raise(A.RESPONSE_WITHOUT_REQUEST);
        return;
      }
      this.answering = tx;
    }
    m.tx = tx;
    tx.resp = m;
  }

  headersDone(p: HttpParser, m: HttpMessage): number {
    const tx = m.tx as OpenTx;
    if (p.isRequest) {
      if (!this.named) {
        // Lean or not, the Host field is read (parser.ts): the name does not depend on records.
        this.named = true;
        this.sink.serverName(hostName(m.host), 'host');
      }
      this.requestTarget(p, m, tx);
      return BodyRule.DEFAULT;
    }
    const status = m.status;
    const req = tx.req;
    const method = req?.method ?? '';
    if (status === 101 || (method === 'CONNECT' && status >= 200 && status < 300)) {
      tx.tunnel = status === 101 ? 'upgrade' : 'connect';
      m.complete = true;
      tx.respEnded = true;
      this.answering = null;
      // The client's bytes from here are the tunnel's: whatever request was being read is over.
      if (!tx.reqEnded) tx.reqEnded = true;
      this.emit(tx);
      this.stop(tx.tunnel);
      return BodyRule.TUNNEL;
    }
    if ((status >= 100 && status < 200) || status === 204 || status === 304 || method === 'HEAD') return BodyRule.NONE;
    return BodyRule.DEFAULT;
  }

  messageDone(p: HttpParser, m: HttpMessage): number {
    const tx = m.tx as OpenTx;
    if (p.isRequest) {
      tx.reqEnded = true;
      // The request is complete before its response: its record so far, for a verdict now (the WAF).
      if (!tx.respEnded && this.sink.requestDone !== undefined && this.sink.requestsWanted === true) this.requestDone(tx);
      this.emitIfDone(tx);
      // A CONNECT or Upgrade request: what follows may not be HTTP; hold it until the answer.
      if (
        m.complete &&
        (m.method === 'CONNECT' || (m.upgrade !== null && m.connectionUpgrade)) &&
        !tx.respEnded &&
        !this.respLost
      )
        return After.PAUSE;
      return After.CONTINUE;
    }
    if (m.status >= 100 && m.status < 200 && m.complete) {
      // Interim: the final response is still to come for the same request.
      if (tx.interim.length < MAX_INTERIM) tx.interim.push(m.status);
      else this.note(tx, A.TOO_MANY_INTERIM_RESPONSES, TO_CLIENT);
      tx.resp = null;
      return After.CONTINUE;
    }
    this.answering = null;
    tx.respEnded = true;
    this.emitIfDone(tx);
    // A refused CONNECT or Upgrade: the client's held bytes are HTTP after all.
    if (!this.stopped && tx.req !== null && (tx.req.method === 'CONNECT' || tx.req.upgrade !== null)) this.req.resume();
    return After.CONTINUE;
  }

  anomaly(p: HttpParser, code: number, m: HttpMessage | null): void {
    const dir: Direction = p.isRequest ? TO_SERVER : TO_CLIENT;
    const name = HTTP_ANOMALIES[code]!;
    this.sink.anomaly(code, dir);
    const tx = m === null ? null : (m.tx as OpenTx | null);
    if (tx !== null && !tx.anomalies.includes(name)) tx.anomalies.push(name);
  }

  expectsRawResponse(): boolean {
    if (this.answering !== null) return false;
    const head = this.waiting[0];
    return head !== undefined && head.req !== null && head.req.minor === -1;
  }

  /**
   * One side cannot be followed any more (in practice the response side after no status line within
   * MAX_GAP_SCAN bytes: the request side resynchronises on request lines). The other goes on alone (a
   * response side that never finds a status line still leaves every request shown); when both are lost,
   * the flow leaves HTTP.
   */
  lostSync(p: HttpParser): void {
    if (this.stopped) return;
    p.kill();
    if (p.isRequest) this.reqLost = true;
    else {
      this.respLost = true;
      // Nothing will answer the requests: each is emitted as soon as it is over.
      const a = this.answering;
      this.answering = null;
      const rest = this.waiting;
      this.waiting = [];
      if (a !== null) rest.unshift(a);
      for (const tx of rest) {
        tx.respEnded = true;
        this.emitIfDone(tx);
      }
      // A CONNECT or Upgrade request waits for an answer that will not be read: its bytes are parsed as HTTP.
      this.req.resume();
    }
    if (this.reqLost && this.respLost && !this.stopped) {
      this.flush();
      this.stop('lost_sync');
    }
  }

  // ------------------------------------------------------------------ transactions

  private open(req: HttpMessage | null): OpenTx {
    return {
      id: this.nextId++,
      req,
      resp: null,
      reqEnded: false,
      respEnded: false,
      interim: [],
      normalizedUri: null,
      host: null,
      tunnel: null,
      anomalies: [],
      emitted: false,
      reqBody: null,
    };
  }

  /** Host and normalized URI, once the request's headers are known. */
  private requestTarget(p: HttpParser, m: HttpMessage, tx: OpenTx): void {
    const t = parseTarget(m.uri, m.method);
    tx.normalizedUri = normalizeUri(t.pathAndQuery, t.form, (c) => p.raise(c));
    if (t.authority !== null && t.authority.length > 0) {
      tx.host = t.authority;
      if (m.host !== null && t.form === 'absolute' && m.host.toLowerCase() !== t.authority.toLowerCase())
        p.raise(A.HOST_MISMATCH);
    } else tx.host = m.host;
  }

  /** An anomaly about a transaction as a whole (not raised by a parser on one message). */
  private note(tx: OpenTx, code: number, dir: number): void {
    const name = HTTP_ANOMALIES[code]!;
    if (tx.anomalies.includes(name)) return;
    if (dir >= 0) this.sink.anomaly(code, dir as Direction);
    else this.sink.anomaly(code);
    if (!tx.anomalies.includes(name)) tx.anomalies.push(name);
  }

  private emitIfDone(tx: OpenTx): void {
    if (tx.reqEnded && tx.respEnded) this.emit(tx);
  }

  /** Emits every open transaction (the flow ended or cannot be followed). */
  private flush(): void {
    const a = this.answering;
    this.answering = null;
    if (a !== null && !a.emitted) {
      a.respEnded = true;
      a.reqEnded = true;
      this.emit(a);
    }
    const rest = this.waiting;
    this.waiting = [];
    for (const tx of rest) {
      if (tx.emitted) continue;
      tx.reqEnded = true;
      tx.respEnded = true;
      this.emit(tx);
    }
  }

  private stop(reason: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.req.kill();
    this.resp.kill();
    this.sink.stop(reason);
  }

  /** The record of a transaction whose request is over, without its response (`sink.requestDone`). */
  private requestDone(tx: OpenTx): void {
    const q = tx.req;
    if (q === null || q.lean || !this.sink.recordsWanted) return;
    // The body moves to the transaction: the final record takes it from there (a body is taken once).
    tx.reqBody = q.body?.take() ?? EMPTY_BYTES;
    this.sink.requestDone!(buildRecord(tx, null));
  }

  private emit(tx: OpenTx): void {
    if (tx.emitted) return;
    tx.emitted = true;
    // A request that got no final response (the flow ended, or the response side stopped first).
    if (tx.req !== null && tx.resp === null) this.note(tx, A.REQUEST_WITHOUT_RESPONSE, -1);
    // A message parsed lean kept no body: its record would be wrong, and nobody asked for it then.
    if (tx.req?.lean === true || tx.resp?.lean === true || !this.sink.recordsWanted) return;
    this.sink.emit(buildRecord(tx));
  }
}

/** The record of a transaction (with `r` as its response): plain data, every field its own copy. */
function buildRecord(tx: OpenTx, r: HttpMessage | null = tx.resp): HttpTransaction {
  const q = tx.req;
  const qb = q?.body ?? null;
  const rb = r?.body ?? null;
  return {
    txId: tx.id,
    method: q?.method ?? null,
    uri: q?.uri ?? null,
    normalizedUri: q === null ? null : (tx.normalizedUri ?? q.uri),
    version: q?.version ?? null,
    host: q === null ? null : (tx.host ?? q.host),
    requestHeaders: q?.headers ?? [],
    requestTrailers: q?.trailers ?? [],
    userAgent: q?.userAgent ?? null,
    cookie: q?.cookie ?? null,
    referer: q?.referer ?? null,
    xForwardedFor: q?.xForwardedFor ?? null,
    requestContentType: q?.contentType ?? null,
    requestContentLength: q !== null && q.clState === Cl.VALID ? q.contentLength : null,
    requestTransferEncoding: q?.transferEncoding ?? null,
    requestContentEncoding: q?.contentEncoding ?? null,
    requestBodyWireLength: q?.wireBodyLength ?? 0,
    requestBodyLength: qb?.length ?? 0,
    requestBodyDecodedLength: qb?.decodedLength ?? 0,
    requestBody: tx.reqBody ?? qb?.take() ?? EMPTY_BYTES,
    requestBodyTruncated: qb !== null && (qb.truncated || qb.holes),
    requestHeaderBlock: q?.headerBlock ?? EMPTY_BYTES,
    requestComplete: q?.complete === true,

    status: r !== null && r.status > 0 ? r.status : null,
    reason: r?.reason ?? null,
    responseVersion: r?.version ?? null,
    interimStatuses: tx.interim,
    responseHeaders: r?.headers ?? [],
    responseTrailers: r?.trailers ?? [],
    responseContentType: r?.contentType ?? null,
    location: r?.location ?? null,
    contentRange: r?.contentRange ?? null,
    responseContentLength: r !== null && r.clState === Cl.VALID ? r.contentLength : null,
    responseTransferEncoding: r?.transferEncoding ?? null,
    responseContentEncoding: r?.contentEncoding ?? null,
    responseBodyWireLength: r?.wireBodyLength ?? 0,
    responseBodyLength: rb?.length ?? 0,
    responseBodyDecodedLength: rb?.decodedLength ?? 0,
    responseBody: rb?.take() ?? EMPTY_BYTES,
    responseBodyTruncated: rb !== null && (rb.truncated || rb.holes),
    responseHeaderBlock: r?.headerBlock ?? EMPTY_BYTES,
    responseComplete: r?.complete === true,

    tunnel: tx.tunnel,
    anomalies: tx.anomalies,
  };
}
