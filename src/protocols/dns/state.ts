/**
 * Per-flow DNS state: the pairing of queries and responses (`DnsSession`), and the two parsers the engine
 * drives: one datagram per message over UDP (`DnsUdpParser`), 2-byte length-prefixed messages over TCP
 * (`DnsTcpParser`, RFC 1035 §4.2.2, RFC 7766 for pipelining and out-of-order responses).
 *
 * Pairing: a query waits in a bounded list of outstanding queries, keyed by id and first question (name
 * case-folded, type, class). A response takes the query with its id and question (or its id alone when
 * it carries no question, as FORMERR and zone-transfer continuations do); a pending question answered
 * under another id is `dns.id_mismatch` (the classic spoofing pattern). A retransmitted query (same id
 * and question) joins its original's exchange. mDNS is not paired: its queries are multicast and answered
 * on other flows by any host (RFC 6762 §6). LLMNR is paired where query and response share a flow, but
 * reports neither unanswered queries nor lone responses, nor direction: a multicast query that names no
 * host gets no response (RFC 4795 §2.1), and a responder's unicast answer to a multicast query opens a
 * flow of its own, in which the responder is the first sender.
 */
import type { StreamEndReason } from '../../flow/stream.js';
import { Direction } from '../../flow/stream.js';
import type { AppEventSink, TcpAppParser, UdpAppParser } from '../module.js';
import type { DnsMessage, DnsVariant } from './events.js';
import { DNS_ANOMALIES, DnsAnomaly } from './anomalies.js';
import { RrType } from './names.js';
import type { DnsOptions } from './options.js';
import { MessageParser } from './parser.js';
import { Plausible, plausibleHeader, plausibleMessage } from './probe.js';

interface PairingPolicy {
  pair: boolean;
  /** `dns.not_request` / `dns.not_response`. */
  directions: boolean;
  /** `dns.response_without_query` and `dns.unanswered_query`. */
  orphans: boolean;
}

const PAIRING: Record<DnsVariant, PairingPolicy> = {
  dns: { pair: true, directions: true, orphans: true },
  llmnr: { pair: true, directions: false, orphans: false },
  mdns: { pair: false, directions: false, orphans: false },
};

/** Answered exchanges remembered to tell a duplicate response from one that answers nothing. */
const ANSWERED_MEMORY = 16;

interface Exchange {
  id: number;
  /** First question: lower-cased name, type and class; '' when the query had none. */
  key: string;
  txId: number;
  direction: Direction;
  queries: number;
  responses: number;
  /** AXFR/IXFR over TCP: answered by a series of messages (RFC 5936 §2.2), so it stays open. */
  multi: boolean;
}

function questionKey(msg: DnsMessage): string {
  const q = msg.questions[0];
  return q === undefined ? '' : `${q.name.toLowerCase()}|${q.type}|${q.class}`;
}

export class DnsSession {
  private nextTxId = 0;
  private readonly pending: Exchange[] = [];
  private readonly answered: Exchange[] = [];
  private readonly parser: MessageParser;
  private readonly policy: PairingPolicy;
  private ended = false;

  constructor(
    private readonly sink: AppEventSink<DnsMessage>,
    private readonly options: DnsOptions,
    variant: DnsVariant,
    private readonly transport: 'udp' | 'tcp',
  ) {
    this.parser = new MessageParser(options, variant);
    this.policy = PAIRING[variant];
  }

  /** One whole message `b[start, end)` of `direction`: parse, pair, raise its anomalies, emit it. */
  message(direction: Direction, b: Uint8Array, start: number, end: number): void {
    const parser = this.parser;
    const msg = parser.parse(b, start, end, this.transport, direction === Direction.TO_SERVER);
    if (msg === null) {
      this.raiseAll(direction);
      return;
    }
    if (!this.policy.pair) {
      msg.txId = this.nextTxId++;
    } else {
      if (this.policy.directions) {
        if (msg.flags.qr && direction === Direction.TO_SERVER) parser.raise(DnsAnomaly.NOT_REQUEST);
        if (!msg.flags.qr && direction === Direction.TO_CLIENT) parser.raise(DnsAnomaly.NOT_RESPONSE);
      }
      if (msg.flags.qr) this.pairResponse(msg);
      else this.addQuery(msg, direction);
      // Pairing may have raised more: the record lists them all.
      const codes = parser.codes;
      for (let i = msg.anomalies.length; i < codes.length; i++) msg.anomalies.push(DNS_ANOMALIES[codes[i]!]!);
    }
    this.sink.emit(msg);
    this.raiseAll(direction);
  }

  /** The flow ended: every query that got no response is reported. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.policy.orphans)
      for (const x of this.pending) if (x.responses === 0) this.sink.anomaly(DnsAnomaly.UNANSWERED_QUERY, x.direction);
    this.pending.length = 0;
  }

  private raiseAll(direction: Direction): void {
    for (const c of this.parser.codes) this.sink.anomaly(c, direction);
  }

  private addQuery(msg: DnsMessage, direction: Direction): void {
    const key = questionKey(msg);
    const pending = this.pending;
    for (const x of pending) {
      if (x.id === msg.id && x.key === key) {
        x.queries++;
        msg.txId = x.txId;
        return;
      }
    }
    if (pending.length >= this.options.maxOutstandingQueries) {
      pending.shift();
      this.parser.raise(DnsAnomaly.TOO_MANY_OUTSTANDING_QUERIES);
    }
    const q = msg.questions[0];
    const multi = this.transport === 'tcp' && q !== undefined && (q.type === RrType.AXFR || q.type === RrType.IXFR);
    msg.txId = this.nextTxId++;
    pending.push({ id: msg.id, key, txId: msg.txId, direction, queries: 1, responses: 0, multi });
  }

  private pairResponse(msg: DnsMessage): void {
    const key = questionKey(msg);
    const pending = this.pending;
    let found = -1;
    for (let i = 0; i < pending.length; i++) {
      const x = pending[i]!;
      if (x.id === msg.id && (x.key === key || key === '')) {
        found = i;
        break;
      }
    }
    if (found < 0) {
      for (let i = 0; i < pending.length; i++) {
        if (pending[i]!.id === msg.id) {
          found = i;
          this.parser.raise(DnsAnomaly.QUESTION_MISMATCH);
          break;
        }
      }
    }
    if (found >= 0) {
      const x = pending[found]!;
      x.responses++;
      msg.txId = x.txId;
      msg.querySeen = true;
      if (!x.multi && x.responses >= x.queries) {
        pending.splice(found, 1);
        if (this.answered.length >= ANSWERED_MEMORY) this.answered.shift();
        this.answered.push(x);
      }
      return;
    }
    if (key !== '' && pending.some((x) => x.key === key)) {
      this.parser.raise(DnsAnomaly.ID_MISMATCH);
    } else {
      // The latest answered exchange first: a query re-sent with the same id after its answer is a new one.
      let done: Exchange | undefined;
      for (let i = this.answered.length - 1; i >= 0 && done === undefined; i--) {
        const x = this.answered[i]!;
        if (x.id === msg.id && (x.key === key || key === '')) done = x;
      }
      if (done !== undefined) {
        this.parser.raise(DnsAnomaly.DUPLICATE_RESPONSE);
        msg.txId = done.txId;
        msg.querySeen = true;
        return;
      }
      if (this.policy.orphans) this.parser.raise(DnsAnomaly.RESPONSE_WITHOUT_QUERY);
    }
    msg.txId = this.nextTxId++;
    msg.querySeen = false;
  }
}

/** DNS over UDP: each datagram is one message (RFC 1035 §4.2.1). */
export class DnsUdpParser implements UdpAppParser {
  private readonly session: DnsSession;

  /** `options`: resolved (the registry's, or `resolveDnsOptions()` for direct use). */
  constructor(sink: AppEventSink<DnsMessage>, options: DnsOptions, variant: DnsVariant) {
    this.session = new DnsSession(sink, options, variant, 'udp');
  }

  onDatagram(direction: Direction, data: Uint8Array, start: number, end: number): void {
    this.session.message(direction, data, start, end);
  }

  onEnd(): void {
    this.session.end();
  }
}

/** The window in which a TCP stream is searched for a message start (after a gap, or at a mid-stream start). */
export const RESYNC_WINDOW = 4096;

const Mode = {
  /** Looking for a message start (each direction's first bytes, and after a gap). */
  SEARCH: 0,
  /** Reading the 2-byte length prefix. */
  LENGTH: 1,
  /** Reading a message's bytes. */
  BODY: 2,
  /** Skipping an oversized message (or the rest of one broken by a gap) by count. */
  SKIP: 3,
  /** Gave up: nothing more is read. */
  DEAD: 4,
} as const;
type Mode = (typeof Mode)[keyof typeof Mode];

/** One direction's framing. */
class TcpFramer {
  mode: Mode = Mode.SEARCH;
  /** SEARCH: the bytes since the search began (at most RESYNC_WINDOW), the next offset to test. */
  private search: Uint8Array | null = null;
  private searchLen = 0;
  private scanPos = 0;
  /** SEARCH: bytes of the search that already left the window (offsets ruled out). */
  private searched = 0;
  /** LENGTH: the prefix's first byte when it came alone, -1 otherwise. */
  private hi = -1;
  /** BODY: the message being collected when it spans chunks (grown as needed, reused). */
  private buf: Uint8Array | null = null;
  private need = 0;
  private have = 0;
  /** SKIP: bytes still to skip. */
  private skip = 0;
  /**
   * True until the first search of the direction ends. The first byte of a stream the engine has from its
   * start is a message start: there only a plausible header is asked for (a FORMERR response with empty
   * sections has no first entry to check), elsewhere a header and a well-formed first entry.
   */
  private atStart = true;
  ended = false;

  constructor(
    private readonly direction: Direction,
    private readonly owner: DnsTcpParser,
  ) {}

  feed(data: Uint8Array, start: number, end: number): void {
    let p = start;
    while (p < end && !this.owner.stopped) {
      switch (this.mode) {
        case Mode.SEARCH:
          p = this.searchFrom(data, p, end);
          break;
        case Mode.LENGTH:
          if (this.hi >= 0) {
            const len = (this.hi << 8) | data[p++]!;
            this.hi = -1;
            this.begin(len, data, p);
          } else if (end - p >= 2) {
            const len = (data[p]! << 8) | data[p + 1]!;
            p += 2;
            this.begin(len, data, p);
          } else {
            this.hi = data[p++]!;
          }
          break;
        case Mode.BODY: {
          const missing = this.need - this.have;
          if (this.have === 0 && end - p >= missing) {
            // The whole message is in this chunk: parse it where it is.
            this.mode = Mode.LENGTH;
            this.owner.session.message(this.direction, data, p, p + missing);
            p += missing;
            break;
          }
          let buf = this.buf;
          if (buf === null || buf.length < this.need)
            buf = this.buf = new Uint8Array(Math.max(this.need, buf === null ? 512 : buf.length * 2));
          const take = Math.min(missing, end - p);
          buf.set(data.subarray(p, p + take), this.have);
          this.have += take;
          p += take;
          if (this.have === this.need) {
            this.mode = Mode.LENGTH;
            this.owner.session.message(this.direction, buf, 0, this.need);
          }
          break;
        }
        case Mode.SKIP: {
          const take = Math.min(this.skip, end - p);
          this.skip -= take;
          p += take;
          if (this.skip === 0) this.mode = Mode.LENGTH;
          break;
        }
        default:
          return;
      }
    }
  }

  /** A length prefix was read: start the message, or skip it when it is over the cap. */
  private begin(len: number, data: Uint8Array, p: number): void {
    if (len > this.owner.options.maxTcpMessageSize) {
      this.owner.sink.anomaly(DnsAnomaly.TCP_MESSAGE_TOO_LARGE, this.direction);
      this.mode = Mode.SKIP;
      this.skip = len;
    } else if (len < 12) {
      // Too short for a header: reported at once (the parser raises dns.malformed_header), so that no later
      // byte decides when; its bytes are then skipped by count to stay in step with the next prefix.
      this.owner.session.message(this.direction, data, p, p);
      if (len > 0) {
        this.mode = Mode.SKIP;
        this.skip = len;
      }
    } else {
      this.mode = Mode.BODY;
      this.need = len;
      this.have = 0;
    }
  }

  /**
   * SEARCH: collects bytes in a window and tests each offset in order as a message start (length prefix,
   * then a plausible header and first entry). An offset is passed over only when its bytes say no, never
   * for lack of bytes, so the offset found does not depend on how the stream was split. When the window is
   * full, the offsets ruled out leave it and the search reads on, up to `searchLimit()` bytes in all.
   */
  private searchFrom(data: Uint8Array, p: number, end: number): number {
    if (this.search === null) this.search = new Uint8Array(RESYNC_WINDOW);
    const buf = this.search;
    const take = Math.min(RESYNC_WINDOW - this.searchLen, end - p);
    buf.set(data.subarray(p, p + take), this.searchLen);
    this.searchLen += take;
    p += take;
    const len = this.searchLen;
    const max = this.owner.options.maxTcpMessageSize;
    const limit = this.searchLimit();
    while (this.scanPos < len) {
      const i = this.scanPos;
      const offset = this.searched + i;
      if (offset >= limit) return this.fail(end);
      let v: Plausible;
      if (i + 2 > len) {
        v = Plausible.NEED_MORE;
      } else {
        const msgLen = (buf[i]! << 8) | buf[i + 1]!;
        const avail = Math.min(len - i - 2, msgLen);
        // At the start, an oversized message is still a message: framing reports it and skips it by count.
        if (offset === 0 && this.atStart) v = plausibleHeader(buf, i + 2, avail, msgLen);
        else if (msgLen > max) v = Plausible.NO;
        else v = plausibleMessage(buf, i + 2, avail, msgLen);
      }
      if (v === Plausible.NEED_MORE) {
        if (len < RESYNC_WINDOW) return p;
        // A header and first entry (under 300 bytes) always fit a full window from its first offset.
        if (i > 0) break;
        v = Plausible.NO;
      }
      if (v === Plausible.NO) {
        this.scanPos++;
        continue;
      }
      // Found: frame from here, the bytes collected after it first.
      this.atStart = false;
      if (offset > 0) this.owner.sink.anomaly(DnsAnomaly.RESYNC, this.direction);
      this.mode = Mode.LENGTH;
      this.resetSearch();
      this.feed(buf, i, len);
      return p;
    }
    if (len < RESYNC_WINDOW) return p;
    // The window is full: drop the offsets ruled out and read on.
    const drop = this.scanPos;
    buf.copyWithin(0, drop, len);
    this.searchLen = len - drop;
    this.searched += drop;
    this.scanPos = 0;
    return p;
  }

  /**
   * Bytes a search passes over before giving up: a whole message of the largest size (what is left of a
   * message whose prefix a gap took) and a window more. Beyond that the stream is not DNS, or not any more.
   */
  private searchLimit(): number {
    return this.owner.options.maxTcpMessageSize + 2 + RESYNC_WINDOW;
  }

  /** No message start within the search limit: `dns.resync_failed`, and the flow is given up. */
  private fail(end: number): number {
    this.owner.sink.anomaly(DnsAnomaly.RESYNC_FAILED, this.direction);
    this.mode = Mode.DEAD;
    this.search = null;
    this.owner.giveUp();
    return end;
  }

  private resetSearch(): void {
    this.searchLen = 0;
    this.scanPos = 0;
    this.searched = 0;
  }

  /** `length` bytes are missing here (-1: unknown). */
  gap(length: number): void {
    if (this.mode === Mode.DEAD) return;
    if (this.mode === Mode.BODY) {
      this.owner.sink.anomaly(DnsAnomaly.GAP_IN_MESSAGE, this.direction);
      const missing = this.need - this.have;
      if (length >= 0 && length <= missing) {
        // Lost inside this message: skip the rest of it and stay in step.
        this.skip = missing - length;
        this.mode = this.skip === 0 ? Mode.LENGTH : Mode.SKIP;
        return;
      }
    } else if (this.mode === Mode.SKIP && length >= 0 && length <= this.skip) {
      this.skip -= length;
      if (this.skip === 0) this.mode = Mode.LENGTH;
      return;
    }
    // The next message boundary is lost: search for one in what follows.
    this.atStart = false;
    this.hi = -1;
    this.mode = Mode.SEARCH;
    this.resetSearch();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    // Inside a message, inside its length prefix, or bytes collected by a search that never framed one.
    if (
      (this.mode === Mode.BODY && this.need > 0) ||
      (this.mode === Mode.LENGTH && this.hi >= 0) ||
      (this.mode === Mode.SEARCH && this.searchLen > 0)
    ) {
      this.owner.sink.anomaly(DnsAnomaly.TCP_INCOMPLETE_MESSAGE, this.direction);
    }
    this.mode = Mode.DEAD;
    this.search = null;
    this.buf = null;
  }
}

/** DNS over TCP: both directions framed by their length prefixes, one session pairing them. */
export class DnsTcpParser implements TcpAppParser {
  readonly options: DnsOptions;
  readonly session: DnsSession;
  stopped = false;
  private readonly framers: [TcpFramer, TcpFramer];

  constructor(
    readonly sink: AppEventSink<DnsMessage>,
    options: DnsOptions,
    variant: DnsVariant,
  ) {
    this.options = options;
    this.session = new DnsSession(sink, this.options, variant, 'tcp');
    this.framers = [new TcpFramer(Direction.TO_SERVER, this), new TcpFramer(Direction.TO_CLIENT, this)];
  }

  onData(direction: Direction, data: Uint8Array, start: number, end: number): void {
    if (!this.stopped) this.framers[direction].feed(data, start, end);
  }

  onGap(direction: Direction, length: number): void {
    if (!this.stopped) this.framers[direction].gap(length);
  }

  onEnd(direction: Direction, _reason: StreamEndReason): void {
    if (this.stopped) return;
    this.framers[direction].end();
    if (this.framers[0].ended && this.framers[1].ended) this.session.end();
  }

  /** No message start in the resync window: the flow is not DNS any more (or never was on this side). */
  giveUp(): void {
    this.session.end();
    this.stopped = true;
    this.sink.stop('dns.resync_failed');
  }
}
