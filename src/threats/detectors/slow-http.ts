/**
 * Slow HTTP requests (T1499.002): slowloris (a request's header section trickled, a header line every few
 * seconds, never finished) and slow POST (R-U-Dead-Yet: the headers whole, then a long body a few bytes at a
 * time). Each connection costs the client almost nothing and holds one of the server's workers until its
 * timeout; the attack is many such connections from one client to one server at once.
 *
 * What it sees, and from which hooks (data segments with ACK/PSH alone reach no detector, so the timing is
 * read from the flow's counters, sampled once per second):
 * - `flowStarted`: TCP flows to a web port (80, 8080, 8000, 8008, 8081, 8888) become candidates; slow POST
 *   also takes any flow whose request headers complete (`requestHeaders`) with `appProto` http;
 * - `requestHeaders` (the header section of the flow's first request is complete) and `requestDone` (the
 *   whole request is): a connection stops being a slowloris candidate at the first, a slow POST candidate
 *   at the second;
 * - `tick`: for each candidate, the to-server bytes the reassembler delivered (`flow.tcp.stats[0]`) since
 *   its first byte (slowloris) or since the headers completed (slow POST). Slow: headers incomplete after
 *   `slowHeaderSec` at under `maxHeaderRate` bytes/s, or a body incomplete after `slowBodySec` at under
 *   `minBodyRate` bytes/s. A server that answered (bytes to the client), a flow identified as another
 *   protocol, or one that ended stops being a candidate; one not identified as HTTP is never slow. A slow
 *   one must still be trickling: bytes came at least 5 s after its start (a request sent whole that
 *   waits, a long poll, is not slow). Only a connection's first request is judged;
 * - `flowEnded`: the connection is judged one last time (the end of a capture ends every open one), and
 *   counts for its pair until the next tick.
 * A (client, server) pair reports when it holds `minConnections` slow connections at once, and again each
 * `windowSec` while it still does (with the count then).
 *
 * Thresholds: a browser sends a request's headers in one segment and its body at line rate; slowhttptest
 * and slowloris.pl send a header line every 10-15 s (a few bytes/s), R-U-Dead-Yet a byte or a few every
 * 10 s. Apache's mod_reqtimeout (default `header=20-40,MinRate=500 body=20,MinRate=500`) judges each
 * connection alone, by time and rate, as here: 30 s at under 50 B/s (headers) or 100 B/s (body) is far
 * slower than any browser, and a stalled mobile client or a slow upload still stays out unless ten of them
 * hang on one server from one address at once (the connection count per client is what servers limit too:
 * nginx `limit_conn`).
 *
 * State: one entry per candidate flow (the flow, a few numbers) in a table of three quarters of
 * `maxTracked`, and one per pair with a slow connection (a quarter); a candidate evicted at the cap is
 * taken off its pair's count.
 */
import { formatAddress } from '../../decode/address.js';
import type { DecodedPacket } from '../../decode/packet.js';
import type { Flow } from '../../flow/flow.js';
import { BoundedMap, flowAddressKey } from '../tables.js';
import type { ThreatContext, ThreatDetector, ThreatDetectorDef } from '../types.js';

const TCP = 6;
/**
 * Seconds after the first byte (slowloris) or the headers (slow POST) that more bytes must still come for a
 * connection to be trickling: a request sent whole and waiting (a long poll, a lean parse that does not
 * report its end) never grows again; slowloris and R-U-Dead-Yet send every 10-15 s.
 */
const TRICKLE_SEC = 5;
/** Server ports whose flows are candidates from their first packet (HTTP is identified later). */
export const WEB_PORTS: readonly number[] = [80, 8080, 8000, 8008, 8081, 8888];
const IS_WEB_PORT = new Uint8Array(65536);
for (const p of WEB_PORTS) IS_WEB_PORT[p] = 1;

export type SlowlorisOptions = { slowHeaderSec: number; maxHeaderRate: number; minConnections: number; windowSec: number };
export type SlowPostOptions = { slowBodySec: number; minBodyRate: number; minConnections: number; windowSec: number };

interface Candidate {
  flow: Flow;
  /** When the first to-server byte was seen (the flow's last packet time at the first tick that saw it); -1 before. */
  firstDataSec: number;
  /** When the header section completed, and the to-server bytes then (the body's start); -1 before. */
  headersSec: number;
  headersBytes: number;
  /** To-server bytes at the last judgment, and when they last grew. */
  bytes: number;
  grewSec: number;
  slow: boolean;
  pair: Pair | null;
}

interface Pair {
  attacker: string;
  target: string;
  /** Slow connections open now (and those that ended slow since the last tick). */
  open: number;
  endedSinceTick: number;
  /** Slow connections seen over the pair's life, and the most at once. */
  seen: number;
  peak: number;
  /** To-server bytes and seconds of the slow connections when they became slow (for the mean rate). */
  bytes: number;
  seconds: number;
  serverPort: number;
  lastReport: number;
}

/** Which part of a request is trickled. */
const HEADERS = 0;
const BODY = 1;

const scratch = new Uint32Array(4);
function addressText(flow: Flow, server: boolean): string {
  return formatAddress(flow.addressOf(server, scratch), flow.ipVersion);
}

class SlowHttpDetector implements ThreatDetector {
  private readonly flows: BoundedMap<number, Candidate>;
  private readonly pairs: BoundedMap<string, Pair>;
  private readonly slowSec: number;
  private readonly rate: number;
  private readonly minConnections: number;
  private readonly windowSec: number;

  constructor(
    private readonly mode: number,
    o: SlowlorisOptions | SlowPostOptions,
    private readonly ctx: ThreatContext,
  ) {
    const pairCap = Math.max(1, Math.floor(ctx.maxTracked / 4));
    // At the cap the least recently tracked candidate goes, off its pair's count.
    this.flows = new BoundedMap(
      Math.max(1, ctx.maxTracked - pairCap),
      (n) => ctx.evicted(n),
      (c) => this.drop(c, c.flow.lastSec, false),
    );
    this.pairs = new BoundedMap(pairCap, (n) => ctx.evicted(n));
    if (mode === HEADERS) {
      const s = o as SlowlorisOptions;
      this.slowSec = s.slowHeaderSec;
      this.rate = s.maxHeaderRate;
    } else {
      const s = o as SlowPostOptions;
      this.slowSec = s.slowBodySec;
      this.rate = s.minBodyRate;
    }
    this.minConnections = o.minConnections;
    this.windowSec = o.windowSec;
  }

  flowStarted(flow: Flow, _p: DecodedPacket, _now: number): void {
    if (flow.proto !== TCP || IS_WEB_PORT[flow.serverPort] !== 1) return;
    this.track(flow);
  }

  requestHeaders(flow: Flow, type: string, now: number): void {
    if (type !== 'http') return;
    let c = this.flows.get(flow.id);
    if (this.mode === HEADERS) {
      // The header section is whole: no slowloris on this connection.
      if (c !== undefined) this.drop(c, now, false);
      return;
    }
    if (c === undefined) {
      if (flow.proto !== TCP || flow.tcp === null) return;
      c = this.track(flow);
    }
    if (c.headersSec < 0) {
      c.headersSec = now;
      c.headersBytes = flow.tcp === null ? 0 : flow.tcp.stats[0].bytesDelivered;
    }
  }

  requestDone(flow: Flow, type: string, _payload: object, now: number): void {
    if (type !== 'http') return;
    const c = this.flows.get(flow.id);
    // The request is whole (headers, and body when it has one): the connection is not slow.
    if (c !== undefined) this.drop(c, now, false);
  }

  flowEnded(flow: Flow, now: number): void {
    const c = this.flows.get(flow.id);
    if (c === undefined) return;
    // Judged one last time (a capture's end ends every open connection), then counted until the next tick.
    if (this.judge(c, now, true)) this.drop(c, now, true);
  }

  tick(now: number): void {
    for (const p of this.pairs.values()) {
      if (p.endedSinceTick > 0) {
        p.open -= p.endedSinceTick;
        p.endedSinceTick = 0;
      }
    }
    // Every candidate first, then the pairs: a finding counts all that are slow this second.
    for (const c of this.flows.values()) this.judge(c, now, false);
    for (const p of this.pairs.values()) if (p.open >= this.minConnections) this.maybeReport(p, now);
    // Pairs with nothing slow left and nothing reported within the window go.
    const w = this.windowSec;
    this.pairs.sweep((p) => p.open <= 0 && now - p.lastReport > w);
  }

  size(): number {
    return this.flows.size + this.pairs.size;
  }

  // ------------------------------------------------------------------ candidates

  private track(flow: Flow): Candidate {
    const c: Candidate = {
      flow,
      firstDataSec: -1,
      headersSec: -1,
      headersBytes: 0,
      bytes: 0,
      grewSec: -1,
      slow: false,
      pair: null,
    };
    this.flows.set(flow.id, c);
    return c;
  }

  /**
   * Judges a candidate at `now`; drops it when it cannot be slow any more. Returns whether it is still
   * tracked (and then whether it is slow is in `c.slow`). `report`: its pair may report now (at a flow's
   * end; a tick reports after judging every candidate).
   */
  private judge(c: Candidate, now: number, report: boolean): boolean {
    const f = c.flow;
    const tcp = f.tcp;
    if (tcp === null || (f.appProto !== null && f.appProto !== 'http')) return this.drop(c, now, false);
    const stats = tcp.stats;
    // The server answered: the request was read (or refused).
    if (stats[1].bytesDelivered > 0) return this.drop(c, now, false);
    const bytes = stats[0].bytesDelivered;
    if (bytes !== c.bytes) {
      // The bytes came by the flow's last packet (ticks come with packets, and may be seconds apart).
      c.bytes = bytes;
      c.grewSec = Math.min(now, f.lastSec);
    }
    if (bytes === 0 || c.slow) return true;
    if (c.firstDataSec < 0) c.firstDataSec = Math.min(now, f.lastSec);
    // Not identified (yet): still a candidate, never slow (slowloris's first segment names HTTP at once).
    if (f.appProto === null) return true;
    let since: number;
    let sent: number;
    if (this.mode === HEADERS) {
      if (c.headersSec >= 0) return this.drop(c, now, false);
      since = c.firstDataSec;
      sent = bytes;
    } else {
      if (c.headersSec < 0) return true;
      since = c.headersSec;
      sent = bytes - c.headersBytes;
    }
    const age = now - since;
    // Still trickling: bytes came at least TRICKLE_SEC after the start (a request sent whole that waits for
    // its answer, a long poll, never grows again).
    if (age < this.slowSec || sent / age >= this.rate || c.grewSec - since < TRICKLE_SEC) return true;
    c.slow = true;
    const key = `${flowAddressKey(f, false)}>${flowAddressKey(f, true)}`;
    let p = this.pairs.get(key);
    if (p === undefined) {
      p = {
        attacker: addressText(f, false),
        target: addressText(f, true),
        open: 0,
        endedSinceTick: 0,
        seen: 0,
        peak: 0,
        bytes: 0,
        seconds: 0,
        serverPort: f.serverPort,
        lastReport: Number.NEGATIVE_INFINITY,
      };
      this.pairs.set(key, p);
    }
    c.pair = p;
    p.open++;
    p.seen++;
    p.bytes += sent;
    p.seconds += age;
    if (p.open > p.peak) p.peak = p.open;
    if (report && p.open >= this.minConnections) this.maybeReport(p, now);
    return true;
  }

  /** Stops tracking `c`; a slow one leaves its pair's count now, or at the next tick (`ended`). Returns false. */
  private drop(c: Candidate, _now: number, ended: boolean): boolean {
    this.flows.delete(c.flow.id);
    const p = c.pair;
    if (c.slow && p !== null) {
      if (ended) p.endedSinceTick++;
      else p.open--;
    }
    c.pair = null;
    c.slow = false;
    return false;
  }

  private maybeReport(p: Pair, now: number): void {
    if (now - p.lastReport < this.windowSec) return;
    p.lastReport = now;
    const rate = p.seconds > 0 ? Math.round((p.bytes / p.seconds) * 100) / 100 : 0;
    this.ctx.report({
      now,
      attacker: p.attacker,
      target: p.target,
      count: p.open,
      details: {
        slowConnections: p.open,
        peakConnections: p.peak,
        slowConnectionsSeen: p.seen,
        meanBytesPerSecond: rate,
        meanSlowSeconds: Math.round((p.seconds / Math.max(1, p.seen)) * 10) / 10,
        part: this.mode === HEADERS ? 'headers' : 'body',
      },
      targetPort: p.serverPort,
      proto: 'TCP',
    });
  }
}

export const slowloris: ThreatDetectorDef<SlowlorisOptions> = {
  name: 'slowloris',
  title: 'Slowloris',
  description: 'Many connections from one client to one web server whose request headers trickle in and never finish',
  category: 'Attempted Denial of Service',
  severity: 2,
  techniques: ['T1499.002'],
  signatureId: 1012,
  defaults: { slowHeaderSec: 30, maxHeaderRate: 50, minConnections: 10, windowSec: 60 },
  docs: {
    slowHeaderSec: 'Seconds after its first byte a request’s header section may stay incomplete before the connection is slow',
    maxHeaderRate: 'Bytes per second (to the server, since the first byte) under which an incomplete header section is trickled',
    minConnections: 'Slow connections one client holds to one server at once that make an attack',
    windowSec: 'Seconds between two reports of one ongoing attack (each with the count then)',
  },
  create: (o, ctx) => new SlowHttpDetector(HEADERS, o, ctx),
};

export const slowPost: ThreatDetectorDef<SlowPostOptions> = {
  name: 'slow_post',
  title: 'Slow POST',
  description: 'Many connections from one client to one web server whose request bodies trickle in far below line rate',
  category: 'Attempted Denial of Service',
  severity: 2,
  techniques: ['T1499.002'],
  signatureId: 1013,
  defaults: { slowBodySec: 30, minBodyRate: 100, minConnections: 10, windowSec: 60 },
  docs: {
    slowBodySec: 'Seconds after its headers a request’s body may stay incomplete before its rate is judged',
    minBodyRate: 'Bytes per second of body (since the headers) under which an incomplete body is trickled',
    minConnections: 'Slow connections one client holds to one server at once that make an attack',
    windowSec: 'Seconds between two reports of one ongoing attack (each with the count then)',
  },
  create: (o, ctx) => new SlowHttpDetector(BODY, o, ctx),
};
