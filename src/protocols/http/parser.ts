/**
 * The HTTP/1.x byte machine of one direction (requests to the server, responses to the client), in the
 * manner of llhttp: an explicit state, typed fields, input in pieces of any size, everything consumed.
 *
 * Line-oriented states (start line, header and trailer lines, chunk-size lines) find the LF and handle the
 * whole line at once: in place in the caller's buffer when the line lies in one piece, otherwise from
 * `line`, where the pieces of a line split across calls are gathered (at most `maxHeaderLine` bytes are
 * kept; the look-back is that one line). Body states count bytes and hand ranges to the message's
 * `BodyCollector`. A line's bytes are scanned twice at most (find the LF, then parse it); body bytes once.
 *
 * Semantics that need both directions (which request a response answers, HEAD, CONNECT, Upgrade) belong to
 * the owner (state.ts), asked through `HttpParserOwner` at the points where they matter.
 */
import { HttpAnomaly as A } from './anomalies.js';
import { BodyCollector } from './body.js';
import { Cl, HttpMessage, type HttpHeader } from './message.js';
import type { HttpOptions } from './options.js';

/** Parser states. */
export const S = {
  /** Before a message: empty lines are skipped, the next line is a start line. */
  START: 0,
  HEADERS: 1,
  /** A body of known length: `remaining` bytes to go. */
  BODY_LENGTH: 2,
  CHUNK_SIZE: 3,
  /** Inside a chunk: `remaining` bytes to go. */
  CHUNK_DATA: 4,
  /** The CRLF after a chunk's data. */
  CHUNK_END: 5,
  TRAILERS: 6,
  /** A response body delimited by the end of the connection. */
  BODY_CLOSE: 7,
  /** After garbage on the request side: lines are skipped up to the next well-formed request line. */
  RESYNC: 8,
  /** The client's bytes after a CONNECT or Upgrade request, held until the answer says whether they are HTTP. */
  PAUSED: 9,
  /** Nothing more is parsed. */
  DEAD: 10,
  /**
   * After a gap that cut a message: bytes are dropped up to the next plausible start line (request line on
   * the request side, status line on the response side), found at any offset (see `scanAfterGap`).
   */
  GAP_SCAN: 11,
} as const;

/** What the owner says about a body when the headers are done. */
export const BodyRule = {
  /** Framed by the message's own headers (RFC 9112 §6.3). */
  DEFAULT: 0,
  /** No body whatever the headers say (response to HEAD, 1xx, 204, 304). */
  NONE: 1,
  /** The connection leaves HTTP (2xx to CONNECT, 101): the owner has stopped the flow. */
  TUNNEL: 2,
} as const;

/** What the owner says after a message is complete. */
export const After = {
  CONTINUE: 0,
  /** Hold the next bytes (CONNECT or Upgrade request waiting for its answer). */
  PAUSE: 1,
} as const;

export interface HttpParserOwner {
  /** A start line was read: a message begins. */
  messageBegin(p: HttpParser, m: HttpMessage): void;
  /** The header section is complete. Returns a `BodyRule`. */
  headersDone(p: HttpParser, m: HttpMessage): number;
  /** The message is over (`m.complete` says whether it ended where its framing said). Returns an `After`. */
  messageDone(p: HttpParser, m: HttpMessage): number;
  /** An anomaly on this side (`m` null: between messages). */
  anomaly(p: HttpParser, code: number, m: HttpMessage | null): void;
  /** Response side, before a status line: true when the oldest waiting request is HTTP/0.9 (answered by raw bytes). */
  expectsRawResponse(): boolean;
  /** This side cannot be followed any more: the owner stops it (and the flow, once both sides are lost). */
  lostSync(p: HttpParser): void;
  /** Whether anyone reads transaction records now (asked as each message begins). */
  recordsWanted(): boolean;
}

const LF = 10;
const CR = 13;
const SP = 32;
const HTAB = 9;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** RFC 9110 §5.6.2 tchar (1 for the bytes a token may hold). */
export const TCHAR = new Uint8Array(256);
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1;
for (const ch of "!#$%&'*+-.^_`|~") TCHAR[ch.charCodeAt(0)] = 1;

/** Shape of every registered method: upper-case letters, digits, `-`, `_` (used to accept a version-less line). */
function isMethodLike(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

// Latin1 decoding: Node's Buffer `latin1Slice` works on any Uint8Array and is several times faster than
// TextDecoder for short strings (and TextDecoder's "latin1" is windows-1252). Fallback for other runtimes.
const nativeLatin1 = (Buffer.prototype as unknown as { latin1Slice?: (this: Uint8Array, s: number, e: number) => string })
  .latin1Slice;
function latin1Fallback(b: Uint8Array, s: number, e: number): string {
  return Buffer.from(b.buffer, b.byteOffset + s, e - s).toString('latin1');
}
const latin1: (b: Uint8Array, s: number, e: number) => string =
  typeof nativeLatin1 === 'function' && nativeLatin1.call(Uint8Array.of(0x41, 0xe9), 0, 2) === 'A\u00e9'
    ? (b, s, e) => (e > s ? nativeLatin1.call(b, s, e) : '')
    : (b, s, e) => (e > s ? latin1Fallback(b, s, e) : '');
export { latin1 };

/**
 * Field names repeat across messages (Host, User-Agent, Accept-Encoding, ...): a small direct-mapped cache
 * turns their bytes into the same string without a call into the runtime per field. Strings are immutable,
 * so sharing them between connections is safe; a miss just replaces the slot.
 */
const NAME_SLOTS = 512;
const nameBytes: (Uint8Array | null)[] = new Array<Uint8Array | null>(NAME_SLOTS).fill(null);
const nameStrings: string[] = new Array<string>(NAME_SLOTS).fill('');
function fieldName(b: Uint8Array, s: number, e: number): string {
  const n = e - s;
  if (n === 0 || n > 40) return latin1(b, s, e);
  let h = n * 31;
  for (let i = s; i < e; i++) h = (h * 33) ^ b[i]!;
  const slot = (h >>> 0) & (NAME_SLOTS - 1);
  const cached = nameBytes[slot];
  if (cached !== null && cached.length === n) {
    let i = 0;
    while (i < n && cached[i] === b[s + i]) i++;
    if (i === n) return nameStrings[slot]!;
  }
  const str = latin1(b, s, e);
  nameBytes[slot] = b.slice(s, e);
  nameStrings[slot] = str;
  return str;
}

/** Header fields the parser interprets. */
const H = {
  OTHER: 0,
  HOST: 1,
  CONTENT_LENGTH: 2,
  TRANSFER_ENCODING: 3,
  CONTENT_ENCODING: 4,
  CONNECTION: 5,
  UPGRADE: 6,
  USER_AGENT: 7,
  COOKIE: 8,
  CONTENT_TYPE: 9,
  REFERER: 10,
  LOCATION: 11,
  X_FORWARDED_FOR: 12,
  CONTENT_RANGE: 13,
} as const;

const KNOWN: [string, number][] = [
  ['host', H.HOST],
  ['content-length', H.CONTENT_LENGTH],
  ['transfer-encoding', H.TRANSFER_ENCODING],
  ['content-encoding', H.CONTENT_ENCODING],
  ['connection', H.CONNECTION],
  ['upgrade', H.UPGRADE],
  ['user-agent', H.USER_AGENT],
  ['cookie', H.COOKIE],
  ['content-type', H.CONTENT_TYPE],
  ['referer', H.REFERER],
  ['location', H.LOCATION],
  ['x-forwarded-for', H.X_FORWARDED_FOR],
  ['content-range', H.CONTENT_RANGE],
];
/** Known names by length, as lower-case bytes. */
const KNOWN_BY_LEN: { bytes: Uint8Array; id: number }[][] = [];
for (const [name, id] of KNOWN) {
  (KNOWN_BY_LEN[name.length] ??= []).push({ bytes: Uint8Array.from(name, (c) => c.charCodeAt(0)), id });
}

/** Which known field a (valid token) name is, compared without case. */
function headerId(b: Uint8Array, s: number, e: number): number {
  const cands = KNOWN_BY_LEN[e - s];
  if (cands === undefined) return H.OTHER;
  next: for (const c of cands) {
    const lit = c.bytes;
    for (let k = 0; k < lit.length; k++) if ((b[s + k]! | 0x20) !== lit[k]) continue next;
    return c.id;
  }
  return H.OTHER;
}

/** Transfer codings netsieve knows (RFC 9112 §7, and the registered aliases). */
const KNOWN_TRANSFER_CODINGS = new Set(['chunked', 'gzip', 'x-gzip', 'deflate', 'compress', 'x-compress', 'identity']);

/** Codings kept per message: real messages have one or two. Beyond, the last one replaces the previous last. */
const MAX_CODINGS = 8;

/**
 * Splits a list field (`gzip, chunked`) into lower-cased codings, parameters dropped. The list is capped,
 * but its last element is always the last coding sent: framing depends on whether chunked is last.
 */
function codingList(value: string, into: string[]): void {
  for (const part of value.split(',')) {
    const semi = part.indexOf(';');
    const c = (semi < 0 ? part : part.slice(0, semi)).trim().toLowerCase();
    if (c.length === 0) continue;
    if (into.length < MAX_CODINGS) into.push(c);
    else into[MAX_CODINGS - 1] = c;
  }
}

/** A repeated field's values joined with `, `, up to `cap` characters (fields past the caps are still read for framing). */
function joinField(prev: string | null, v: string, cap: number): string {
  if (prev === null) return v;
  return prev.length + v.length + 2 > cap ? prev : `${prev}, ${v}`;
}

const HTTP_PREFIX = Uint8Array.of(0x48, 0x54, 0x54, 0x50, 0x2f); // "HTTP/"

// ---------------------------------------------------------------- start lines after a gap

/**
 * Bytes scanned after a gap that cut a message for the next start line before giving up
 * (`http.gap_lost_sync`): the bytes of the message the gap hit (a body of unknown rest, say) come first,
 * and bodies run to megabytes. The scan is a table lookup per byte, so the bound is on work, not memory.
 */
export const MAX_GAP_SCAN = 16 * 1024 * 1024;
/**
 * A start line found after a gap is at most this long (bounded by `maxHeaderLine` too): a candidate is
 * kept across chunks in a buffer of that size while it is undecided.
 */
const MAX_SYNC_LINE = 8192;
/**
 * Methods a request line found after a gap may start with: RFC 9110 §9's and the WebDAV ones clients
 * send. Inside arbitrary bytes, a known method, a target without spaces and `HTTP/1.x` before the line's
 * end make a false match improbable.
 */
const SYNC_METHODS: Uint8Array[] = [
  ...['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'CONNECT', 'TRACE'],
  ...['PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'REPORT', 'SEARCH'],
].map((m) => Uint8Array.from(m, (c) => c.charCodeAt(0)));
/** First bytes of a start line after a gap: the methods' initials (request side), `H` (response side). */
const SYNC_FIRST_REQUEST = new Uint8Array(256);
for (const m of SYNC_METHODS) SYNC_FIRST_REQUEST[m[0]!] = 1;
/** The methods by first byte: a candidate is compared with the few that can match. */
const SYNC_METHODS_BY_FIRST: Uint8Array[][] = Array.from({ length: 256 }, () => []);
for (const m of SYNC_METHODS) SYNC_METHODS_BY_FIRST[m[0]!]!.push(m);
const SYNC_FIRST_RESPONSE = new Uint8Array(256);
SYNC_FIRST_RESPONSE[0x48] = 1;
const EMPTY = new Uint8Array(0);
const HTTP1_PREFIX = Uint8Array.of(0x48, 0x54, 0x54, 0x50, 0x2f, 0x31, 0x2e); // "HTTP/1."
/** What a candidate start line is, from the bytes available. */
const Sync = { NO: 0, MORE: 1, MATCH: 2 } as const;

export class HttpParser {
  state: number = S.START;
  /** The message being parsed, null between messages. */
  msg: HttpMessage | null = null;

  // Line gathering (a line split across calls).
  private line: Uint8Array = new Uint8Array(256);
  /** Bytes kept in `line` (at most maxHeaderLine). */
  private lineLen = 0;
  /** Bytes of the current line seen so far (kept or not), 0 when no line is in progress. */
  private lineRaw = 0;

  // Header section.
  private block: Uint8Array = new Uint8Array(1024);
  private blockLen = 0;
  private fieldCount = 0;
  /** Bytes of the current header or trailer section so far, and whether they passed maxHeaderSection. */
  private sectionBytes = 0;
  private sectionFull = false;
  private countFull = false;
  /** The last field kept in the list (obsolete folding appends to it). */
  private lastField: HttpHeader | null = null;
  /** The last field's id and value, interpreted once no fold can follow. */
  private pendingId = 0;
  private pendingValue = '';
  private sawField = false;

  /** Body or chunk bytes still to come. */
  private remaining = 0;
  /** Set when a request's framing cannot be trusted: after it, look for the next request line. */
  private resyncAfter = false;
  /** The request line had no version: the next line says whether headers follow (HTTP/0.9 or not). */
  private maybe09 = false;
  /** A `http.bad_request_line` was raised for the current run of garbage. */
  private inGarbage = false;

  /** Response side: bytes of "HTTP/" matched while checking whether an HTTP/0.9 answer is raw. */
  private rawMatched = 0;

  // GAP_SCAN: the candidate start line that runs past the end of the input so far (its first bytes), the
  // target bytes of it already checked, and the bytes scanned since the gap.
  private syncCarry: Uint8Array | null = null;
  private syncLen = 0;
  private syncChecked = 0;
  private syncScanned = 0;
  // The candidate's two pieces while `matchStartLine` runs.
  private mb1: Uint8Array = EMPTY;
  private ms1 = 0;
  private mn1 = 0;
  private mb2: Uint8Array = EMPTY;
  private ms2 = 0;
  /** The next message begins at a start line found after a gap (read by the owner in `messageBegin`). */
  afterGap = false;
  /**
   * Byte reads of the gap scans so far (each byte passed over, each byte a candidate compares): the scan's
   * work, which tests bound by the bytes scanned whatever the chunking.
   */
  gapScanWork = 0;

  // PAUSED: bytes held.
  private held: Uint8Array | null = null;
  private heldLen = 0;
  private heldLost = false;

  constructor(
    readonly isRequest: boolean,
    private readonly owner: HttpParserOwner,
    private readonly o: HttpOptions,
  ) {}

  // ------------------------------------------------------------------ input

  execute(data: Uint8Array, start: number, end: number): void {
    let pos = start;
    while (pos < end) {
      switch (this.state) {
        case S.BODY_LENGTH:
        case S.CHUNK_DATA: {
          const n = Math.min(this.remaining, end - pos);
          const m = this.msg!;
          m.wireBodyLength += n;
          m.body!.data(data, pos, pos + n);
          pos += n;
          this.remaining -= n;
          if (this.remaining === 0) {
            if (this.state === S.BODY_LENGTH) this.complete();
            else this.state = S.CHUNK_END;
          }
          break;
        }
        case S.BODY_CLOSE: {
          const m = this.msg!;
          m.wireBodyLength += end - pos;
          m.body!.data(data, pos, end);
          pos = end;
          break;
        }
        case S.PAUSED:
          this.hold(data, pos, end);
          pos = end;
          break;
        case S.DEAD:
          return;
        case S.GAP_SCAN:
          pos = this.scanAfterGap(data, pos, end);
          break;
        default: {
          if (
            this.state === S.START &&
            !this.isRequest &&
            this.lineRaw === this.rawMatched &&
            this.rawMatched < 5 &&
            this.owner.expectsRawResponse()
          ) {
            pos = this.checkRaw(data, pos, end);
            break;
          }
          // A line state: find the LF.
          const i = findLf(data, pos, end);
          if (i < 0) {
            this.gather(data, pos, end);
            if (this.state >= S.CHUNK_SIZE && this.state <= S.TRAILERS) this.msg!.wireBodyLength += end - pos;
            return;
          }
          const next = i + 1;
          const cap = this.o.maxHeaderLine;
          let buf = data;
          let s = pos;
          let rawLen = i - pos;
          if (this.lineRaw > 0) {
            this.gather(data, pos, i);
            buf = this.line;
            s = 0;
            rawLen = this.lineRaw;
            this.lineRaw = 0;
            this.lineLen = 0;
            this.rawMatched = 0;
          }
          if (this.state >= S.CHUNK_SIZE && this.state <= S.TRAILERS) this.msg!.wireBodyLength += next - pos;
          pos = next;
          if (rawLen > cap) this.onLine(buf, s, s + cap, 0);
          else if (rawLen > 0 && buf[s + rawLen - 1] === CR) this.onLine(buf, s, s + rawLen - 1, 2);
          else this.onLine(buf, s, s + rawLen, 1);
        }
      }
    }
  }

  /** Keeps the piece of a line that goes on in the next call (up to the cap; the rest is only counted). */
  private gather(data: Uint8Array, s: number, e: number): void {
    const cap = this.o.maxHeaderLine;
    const n = Math.min(e - s, cap - this.lineLen);
    if (n > 0) {
      if (this.lineLen + n > this.line.length) {
        const grown = new Uint8Array(Math.min(cap, Math.max(this.lineLen + n, this.line.length * 2)));
        grown.set(this.line.subarray(0, this.lineLen));
        this.line = grown;
      }
      this.line.set(data.subarray(s, s + n), this.lineLen);
      this.lineLen += n;
    }
    this.lineRaw += e - s;
  }

  /**
   * Response side, first bytes after an HTTP/0.9 request: a status line follows only if they start with
   * "HTTP/"; anything else is the raw answer, a body read until close (RFC 1945 §4).
   */
  private checkRaw(data: Uint8Array, pos: number, end: number): number {
    while (this.rawMatched < 5 && pos < end) {
      if (data[pos] !== HTTP_PREFIX[this.rawMatched]) {
        const m = new HttpMessage(false);
        m.version = 'HTTP/0.9';
        m.minor = -1;
        m.headersDone = true;
        this.begin(m);
        m.body = new BodyCollector(this.o, [], (c) => this.raiseFor(c, m), -1, !m.lean);
        const k = this.rawMatched;
        this.rawMatched = 0;
        this.lineRaw = 0;
        this.lineLen = 0;
        if (k > 0) {
          m.wireBodyLength += k;
          m.body.data(HTTP_PREFIX, 0, k);
        }
        this.state = S.BODY_CLOSE;
        return pos;
      }
      this.rawMatched++;
      this.gather(data, pos, pos + 1);
      pos++;
    }
    return pos;
  }

  /** A complete line `buf[s, e)` (terminator removed); `term` 2 = CRLF, 1 = LF alone, 0 = cut at the cap. */
  private onLine(buf: Uint8Array, s: number, e: number, term: number): void {
    switch (this.state) {
      case S.START:
        if (e === s && term !== 0) return; // RFC 9112 §2.2: empty lines before a start line are ignored
        if (this.isRequest) {
          if (this.requestLine(buf, s, e, false, term)) this.inGarbage = false;
          else {
            if (!this.inGarbage) this.raiseFor(A.BAD_REQUEST_LINE, null);
            this.inGarbage = true;
            this.state = S.RESYNC;
          }
        } else if (!this.statusLine(buf, s, e, term)) {
          // Not a status line (a capture picked up inside a response body, say): look for the next one,
          // as after a gap.
          this.raiseFor(A.BAD_STATUS_LINE, null);
          this.startGapScan();
          // The next status line may begin inside this line (a body without a line break at its end): the
          // scan starts at the line's second byte. On a copy: `buf` may be the line buffer, which parsing
          // what the scan finds reuses. (A line cut at the cap lost its middle: not scanned.)
          if (e - s > 1 && term !== 0) {
            const rest = new Uint8Array(e - s - 1 + term);
            rest.set(buf.subarray(s + 1, e));
            if (term === 2) rest[e - s - 1] = CR;
            rest[rest.length - 1] = LF;
            this.execute(rest, 0, rest.length);
          }
        }
        return;
      case S.RESYNC:
        if (term !== 0 && e > s && methodLike(buf, s, e) && this.requestLine(buf, s, e, true, term)) this.inGarbage = false;
        return;
      case S.HEADERS:
        this.fieldLine(buf, s, e, term, false);
        return;
      case S.TRAILERS:
        this.fieldLine(buf, s, e, term, true);
        return;
      case S.CHUNK_END:
        if (term === 1) this.raise(A.LF_LINE_ENDING);
        if (e === s && term !== 0) {
          this.state = S.CHUNK_SIZE;
          return;
        }
        // Chunk data not followed by CRLF: try the line as the next chunk size, as lenient servers do.
        this.raise(A.CHUNK_MISSING_CRLF);
        this.state = S.CHUNK_SIZE;
        this.chunkSize(buf, s, e, term);
        return;
      case S.CHUNK_SIZE:
        this.chunkSize(buf, s, e, term);
        return;
    }
  }

  // ------------------------------------------------------------------ start lines

  private begin(m: HttpMessage): void {
    m.lean = !this.owner.recordsWanted();
    this.msg = m;
    this.blockLen = 0;
    this.fieldCount = 0;
    this.sectionBytes = 0;
    this.sectionFull = false;
    this.countFull = false;
    this.lastField = null;
    this.pendingId = H.OTHER;
    this.sawField = false;
    this.maybe09 = false;
    this.owner.messageBegin(this, m);
    this.afterGap = false;
  }

  /**
   * `method SP request-target SP HTTP-version` (RFC 9112 §3). Lenient where servers are: runs of
   * whitespace and SP inside the target (flagged), a version other than 1.0/1.1 (flagged), and, unless
   * `strict`, a line without version (HTTP/0.9 shape, flagged) when the method looks like a method.
   */
  private requestLine(b: Uint8Array, s: number, e: number, strict: boolean, term: number): boolean {
    let i = s;
    while (i < e && TCHAR[b[i]!] === 1) i++;
    const mEnd = i;
    if (mEnd === s || mEnd === e || (b[i] !== SP && b[i] !== HTAB)) return false;
    let odd = b[i] === HTAB;
    i++;
    while (i < e && (b[i] === SP || b[i] === HTAB)) {
      odd = true;
      i++;
    }
    const tStart = i;
    if (tStart === e) return false;
    for (let k = tStart; k < e; k++) {
      const c = b[k]!;
      if (c < 0x20 ? c !== HTAB : c === 0x7f) return false;
    }
    let tEnd: number;
    let vStart = -1;
    if (term === 0) {
      // Cut at the cap: the version is beyond what was kept.
      tEnd = tStart;
      while (tEnd < e && b[tEnd] !== SP && b[tEnd] !== HTAB) tEnd++;
    } else {
      let j = e;
      while (j > tStart && b[j - 1] !== SP && b[j - 1] !== HTAB) j--;
      if (
        j > tStart &&
        e - j >= 5 &&
        (b[j]! | 0x20) === 0x68 &&
        (b[j + 1]! | 0x20) === 0x74 &&
        (b[j + 2]! | 0x20) === 0x74 &&
        (b[j + 3]! | 0x20) === 0x70 &&
        b[j + 4] === 0x2f
      ) {
        vStart = j;
        tEnd = j - 1;
        if (b[tEnd] === HTAB) odd = true;
        while (tEnd > tStart && (b[tEnd - 1] === SP || b[tEnd - 1] === HTAB)) {
          odd = true;
          tEnd--;
        }
        if (tEnd === tStart) return false;
        for (let k = tStart; k < tEnd; k++) if (b[k] === SP || b[k] === HTAB) odd = true;
      } else {
        // No version: the HTTP/0.9 shape `GET /path`. Only a method-like token and a single target.
        if (strict) return false;
        tEnd = e;
        while (tEnd > tStart && (b[tEnd - 1] === SP || b[tEnd - 1] === HTAB)) tEnd--;
        for (let k = tStart; k < tEnd; k++) if (b[k] === SP || b[k] === HTAB) return false;
        for (let k = s; k < mEnd; k++) if (!isMethodLike(b[k]!)) return false;
      }
    }
    const m = new HttpMessage(true);
    m.method = latin1(b, s, mEnd);
    m.uri = latin1(b, tStart, tEnd);
    this.begin(m);
    if (odd) this.raise(A.REQUEST_LINE_WHITESPACE);
    if (term === 1) this.raise(A.LF_LINE_ENDING);
    if (term === 0) {
      this.raise(A.START_LINE_TOO_LONG);
      m.version = '';
    } else if (vStart < 0) {
      // RFC 1945 §4.1: a simple request has no header section; the message ends with its line.
      m.version = 'HTTP/0.9';
      m.minor = -1;
      // Whether headers follow is known at the next line (see `fieldLine`): clients that merely forgot
      // the version send them, and servers answer such requests as HTTP/1.0 ones.
      this.raise(A.HTTP09_REQUEST);
      this.maybe09 = true;
      this.state = S.HEADERS;
      return true;
    } else {
      m.version = latin1(b, vStart, e);
      m.minor = this.versionMinor(b, vStart, e);
    }
    this.state = S.HEADERS;
    return true;
  }

  /** 1 for HTTP/1.1, 0 for HTTP/1.0; anything else raises `http.invalid_version` and reads as 1.1. */
  private versionMinor(b: Uint8Array, s: number, e: number): number {
    if (
      e - s === 8 &&
      b[s] === 0x48 &&
      b[s + 1] === 0x54 &&
      b[s + 2] === 0x54 &&
      b[s + 3] === 0x50 &&
      b[s + 5] === 0x31 &&
      b[s + 6] === 0x2e
    ) {
      if (b[s + 7] === 0x31) return 1;
      if (b[s + 7] === 0x30) return 0;
    }
    this.raise(A.INVALID_VERSION);
    return 1;
  }

  /** `HTTP-version SP 3DIGIT [SP reason-phrase]` (RFC 9112 §4); the SP before an empty reason may be missing. */
  private statusLine(b: Uint8Array, s: number, e: number, term: number): boolean {
    if (e - s < 5) return false;
    if (b[s] !== 0x48 || b[s + 1] !== 0x54 || b[s + 2] !== 0x54 || b[s + 3] !== 0x50 || b[s + 4] !== 0x2f) return false;
    let i = s + 5;
    while (i < e && b[i] !== SP && b[i] !== HTAB) i++;
    const vEnd = i;
    if (vEnd === e) return false;
    let odd = b[i] === HTAB;
    i++;
    while (i < e && (b[i] === SP || b[i] === HTAB)) {
      odd = true;
      i++;
    }
    if (e - i < 3) return false;
    const d0 = b[i]! - 0x30;
    const d1 = b[i + 1]! - 0x30;
    const d2 = b[i + 2]! - 0x30;
    if (d0 < 1 || d0 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return false;
    i += 3;
    if (i < e && b[i] !== SP && b[i] !== HTAB) return false;
    let r = i;
    while (r < e && (b[r] === SP || b[r] === HTAB)) r++;
    const m = new HttpMessage(false);
    m.version = latin1(b, s, vEnd);
    m.status = d0 * 100 + d1 * 10 + d2;
    m.reason = latin1(b, r, e);
    this.begin(m);
    m.minor = this.versionMinor(b, s, vEnd);
    if (odd) this.raise(A.REQUEST_LINE_WHITESPACE);
    if (term === 1) this.raise(A.LF_LINE_ENDING);
    if (term === 0) this.raise(A.START_LINE_TOO_LONG);
    for (let k = r; k < e; k++) {
      const c = b[k]!;
      if (c < 0x20 ? c !== HTAB : c === 0x7f) {
        this.raise(c === CR ? A.BARE_CR : A.INVALID_HEADER_VALUE);
        break;
      }
    }
    this.state = S.HEADERS;
    return true;
  }

  // ------------------------------------------------------------------ fields

  /** One header or trailer line (empty: end of the section). */
  private fieldLine(b: Uint8Array, s: number, e: number, term: number, trailer: boolean): void {
    const m = this.msg!;
    if (this.maybe09) {
      // The line after a version-less request line: a header field makes it an HTTP/1.0-shaped request;
      // anything else (another request line, say) makes it a simple request, and this line starts anew.
      this.maybe09 = false;
      if (e > s && looksLikeField(b, s, e)) m.minor = 0;
      else if (e > s || term === 0) {
        this.headersEnd(m);
        if (this.state === S.START) this.onLine(b, s, e, term);
        return;
      }
    }
    if (term === 1) this.raise(A.LF_LINE_ENDING);
    if (e === s && term !== 0) {
      this.flushPending(trailer);
      if (trailer) this.complete();
      else this.headersEnd(m);
      return;
    }
    const tooLong = term === 0;
    if (tooLong) this.raise(A.HEADER_LINE_TOO_LONG);
    // Raw bytes of the section, line by line, while within the cap.
    // The section cap bounds everything kept of a section: raw block, field list, folded values.
    const lineBytes = e - s + (term === 0 ? 1 : term);
    if (!this.sectionFull) {
      this.sectionBytes += lineBytes;
      if (this.sectionBytes > this.o.maxHeaderSection) {
        this.sectionFull = true;
        this.raise(A.HEADER_SECTION_TOO_LONG);
      } else if (!trailer) this.appendBlock(b, s, e, term);
    }
    const c0 = b[s]!;
    if (c0 === SP || c0 === HTAB) {
      let vs = s;
      while (vs < e && (b[vs] === SP || b[vs] === HTAB)) vs++;
      if (!this.sawField) {
        // RFC 9112 §2.2: a whitespace-preceded line right after the start line is consumed and ignored.
        this.raise(A.WHITESPACE_BEFORE_FIRST_HEADER);
        return;
      }
      // RFC 9112 §5.2 obs-fold: replaced by SP and joined to the previous value.
      this.raise(A.OBSOLETE_LINE_FOLDING);
      if (this.sectionFull) return; // the value would grow without bound
      let ve = e;
      while (ve > vs && (b[ve - 1] === SP || b[ve - 1] === HTAB)) ve--;
      this.checkValue(b, vs, ve);
      const more = latin1(b, vs, ve);
      this.pendingValue =
        this.pendingValue.length > 0 && more.length > 0 ? `${this.pendingValue} ${more}` : this.pendingValue + more;
      if (this.lastField !== null) this.lastField.value = this.pendingValue;
      return;
    }
    this.flushPending(trailer);
    let i = s;
    let bad = false;
    while (i < e && b[i] !== 0x3a) {
      if (TCHAR[b[i]!] !== 1) bad = true;
      i++;
    }
    if (i === e) {
      this.raise(A.HEADER_WITHOUT_COLON);
      this.lastField = null;
      this.pendingId = H.OTHER;
      return;
    }
    const colon = i;
    let nEnd = colon;
    if (bad) {
      while (nEnd > s && (b[nEnd - 1] === SP || b[nEnd - 1] === HTAB)) nEnd--;
      if (nEnd < colon) {
        // RFC 9112 §5.1: whitespace between name and colon must be rejected; read with the name trimmed.
        this.raise(A.WHITESPACE_BEFORE_COLON);
        bad = false;
        for (let k = s; k < nEnd; k++) if (TCHAR[b[k]!] !== 1) bad = true;
      }
      if (bad) this.raise(A.INVALID_HEADER_NAME);
    }
    if (nEnd === s) this.raise(A.EMPTY_HEADER_NAME);
    let vs = colon + 1;
    while (vs < e && (b[vs] === SP || b[vs] === HTAB)) vs++;
    let ve = e;
    while (ve > vs && (b[ve - 1] === SP || b[ve - 1] === HTAB)) ve--;
    this.checkValue(b, vs, ve);
    this.sawField = true;
    const value = latin1(b, vs, ve);
    const id = bad || trailer ? H.OTHER : headerId(b, s, nEnd);
    this.fieldCount++;
    let keep = true;
    if (this.fieldCount > this.o.maxHeaders) {
      if (!this.countFull) this.raise(A.TOO_MANY_HEADERS);
      this.countFull = true;
      keep = false;
    }
    if (this.sectionFull) keep = false;
    if (keep) {
      const f: HttpHeader = { name: fieldName(b, s, nEnd), value };
      (trailer ? m.trailers : m.headers).push(f);
      this.lastField = f;
    } else this.lastField = null;
    this.pendingId = id;
    this.pendingValue = value;
  }

  private appendBlock(b: Uint8Array, s: number, e: number, term: number): void {
    const n = e - s + (term === 2 ? 2 : 1);
    if (this.blockLen + n > this.block.length) {
      const grown = new Uint8Array(Math.min(this.o.maxHeaderSection, Math.max(this.blockLen + n, this.block.length * 2)));
      grown.set(this.block.subarray(0, this.blockLen));
      this.block = grown;
    }
    const blk = this.block;
    let j = this.blockLen;
    if (e - s < 48) for (let k = s; k < e; k++) blk[j++] = b[k]!;
    else {
      blk.set(b.subarray(s, e), j);
      j += e - s;
    }
    if (term === 2) blk[j++] = CR;
    blk[j++] = LF;
    this.blockLen = j;
  }

  /** Control characters in a field value (HTAB allowed; obs-text allowed, RFC 9110 §5.5). */
  private checkValue(b: Uint8Array, s: number, e: number): void {
    for (let k = s; k < e; k++) {
      const c = b[k]!;
      if (c < 0x20 ? c !== HTAB : c === 0x7f) {
        this.raise(c === CR ? A.BARE_CR : A.INVALID_HEADER_VALUE);
        return;
      }
    }
  }

  /** Interprets the previous field now that no fold can extend it. */
  private flushPending(trailer: boolean): void {
    const id = this.pendingId;
    if (id === H.OTHER) return;
    this.pendingId = H.OTHER;
    if (trailer) return; // RFC 9110 §6.5.1: trailers cannot change framing or routing
    const m = this.msg!;
    const v = this.pendingValue;
    switch (id) {
      case H.HOST:
        if (m.hostCount++ === 0) m.host = v;
        break;
      case H.CONTENT_LENGTH:
        this.contentLength(m, v);
        break;
      case H.TRANSFER_ENCODING:
        m.transferEncoding = joinField(m.transferEncoding, v, this.o.maxHeaderLine);
        codingList(v, (m.transferCodings ??= []));
        break;
      case H.CONTENT_ENCODING:
        m.contentEncoding = joinField(m.contentEncoding, v, this.o.maxHeaderLine);
        codingList(v, (m.contentCodings ??= []));
        break;
      case H.CONNECTION:
        for (const t of v.split(',')) {
          const tok = t.trim().toLowerCase();
          if (tok === 'close') m.connectionClose = true;
          else if (tok === 'upgrade') m.connectionUpgrade = true;
        }
        break;
      case H.UPGRADE:
        m.upgrade ??= v;
        break;
      case H.USER_AGENT:
        m.userAgent ??= v;
        break;
      case H.COOKIE:
        m.cookie ??= v;
        break;
      case H.CONTENT_TYPE:
        m.contentType ??= v;
        break;
      case H.REFERER:
        m.referer ??= v;
        break;
      case H.LOCATION:
        m.location ??= v;
        break;
      case H.X_FORWARDED_FOR:
        m.xForwardedFor ??= v;
        break;
      case H.CONTENT_RANGE:
        m.contentRange ??= v;
        break;
    }
  }

  /**
   * RFC 9110 §8.6: `1*DIGIT`, or a list of identical values (`42, 42`) from a merged field. Different
   * values, or anything that is not digits, make the framing unreliable (RFC 9112 §6.3 rule 5).
   */
  private contentLength(m: HttpMessage, v: string): void {
    let value = -1;
    let invalid = v.length === 0;
    let conflict = false;
    let overflow = false;
    for (const part of v.split(',')) {
      const p = part.trim();
      if (p.length === 0 || !/^[0-9]+$/.test(p)) {
        invalid = true;
        continue;
      }
      const n = p.length > 16 ? Infinity : Number(p);
      if (n > MAX_SAFE) {
        overflow = true;
        continue;
      }
      if (value >= 0 && n !== value) conflict = true;
      else value = n;
    }
    if (overflow) this.raise(A.CONTENT_LENGTH_OVERFLOW);
    if (invalid) this.raise(A.INVALID_CONTENT_LENGTH);
    if (m.clState === Cl.VALID && value >= 0 && value !== m.contentLength) conflict = true;
    if (conflict) this.raise(A.DUPLICATE_CONTENT_LENGTH);
    if (invalid || overflow || conflict || m.clState === Cl.INVALID) m.clState = Cl.INVALID;
    else if (value >= 0) {
      m.clState = Cl.VALID;
      m.contentLength = value;
    }
  }

  // ------------------------------------------------------------------ framing

  private headersEnd(m: HttpMessage): void {
    m.headersDone = true;
    if (this.blockLen > 0) m.headerBlock = this.block.slice(0, this.blockLen);
    if (m.hostCount > 1) this.raise(A.MULTIPLE_HOST_HEADERS);
    if (m.isRequest && m.minor === 1 && m.hostCount === 0 && m.version.length > 0) this.raise(A.MISSING_HOST);
    const te = m.transferCodings;
    if (te !== null && te.length > 0) {
      const unknown = te.some((c) => !KNOWN_TRANSFER_CODINGS.has(c));
      if (unknown) this.raise(A.UNKNOWN_TRANSFER_ENCODING);
      const chunkedAt = te.indexOf('chunked');
      m.chunked = te[te.length - 1] === 'chunked';
      if (chunkedAt >= 0 && chunkedAt < te.length - 1) this.raise(A.CHUNKED_NOT_FINAL);
      else if (!m.chunked) this.raise(A.CHUNKED_NOT_FINAL);
    }
    const rule = this.owner.headersDone(this, m);
    if (this.state === S.DEAD) return;
    if (rule === BodyRule.TUNNEL) {
      this.state = S.DEAD;
      return;
    }
    if (rule === BodyRule.NONE) {
      this.complete();
      return;
    }
    // RFC 9112 §6.3, in its order.
    if (te !== null && te.length > 0) {
      // Rule 3: Transfer-Encoding overrides Content-Length; both present is a smuggling signal.
      if (m.clState !== Cl.NONE) this.raise(A.CONTENT_LENGTH_WITH_TRANSFER_ENCODING);
      if (m.minor === 0) this.raise(A.TRANSFER_ENCODING_HTTP10); // RFC 9112 §6.1: faulty framing
      if (m.chunked) {
        this.startBody(m, -1);
        this.state = S.CHUNK_SIZE;
        return;
      }
      // Rule 4: chunked not last. A request's length cannot be known (400 and close); a response runs to close.
      if (m.isRequest) {
        this.resyncAfter = true;
        this.complete();
      } else {
        this.startBody(m, -1);
        this.state = S.BODY_CLOSE;
      }
      return;
    }
    if (m.clState === Cl.VALID) {
      if (m.contentLength === 0) this.complete();
      else {
        this.startBody(m, m.contentLength);
        this.remaining = m.contentLength;
        this.state = S.BODY_LENGTH;
      }
      return;
    }
    if (m.clState === Cl.INVALID) {
      // Rule 5: unrecoverable. A server answers 400 and closes; what follows is looked at as new requests.
      if (m.isRequest) {
        this.resyncAfter = true;
        this.complete();
      } else {
        this.startBody(m, -1);
        this.state = S.BODY_CLOSE;
      }
      return;
    }
    // Rules 6 and 7: a request without either has no body; a response runs to the end of the connection.
    if (m.isRequest || m.minor < 0) this.complete();
    else {
      this.startBody(m, -1);
      this.state = S.BODY_CLOSE;
    }
  }

  private startBody(m: HttpMessage, expected: number): void {
    const codings: string[] = [];
    if (m.transferCodings !== null) {
      // An unknown transfer coding (already flagged) makes the body opaque: it is kept as sent.
      if (m.transferCodings.some((c) => !KNOWN_TRANSFER_CODINGS.has(c))) {
        m.body = new BodyCollector(this.o, codings, (c) => this.raiseFor(c, m), expected, !m.lean);
        return;
      }
      for (const c of m.transferCodings) if (c !== 'chunked' && c !== 'identity') codings.push(c);
    }
    if (m.contentCodings !== null) for (const c of m.contentCodings) if (c !== 'identity') codings.push(c);
    // Listed in the order applied; the collector wants the outermost first.
    codings.reverse();
    m.body = new BodyCollector(this.o, codings, (c) => this.raiseFor(c, m), expected, !m.lean);
  }

  /**
   * `chunk-size [ chunk-ext ] CRLF` (RFC 9112 §7.1), with BWS before `;` as many servers accept.
   * A size that is not hex cannot be followed.
   */
  private chunkSize(b: Uint8Array, s: number, e: number, term: number): void {
    if (term === 1) this.raise(A.LF_LINE_ENDING);
    if (term === 0) this.raise(A.HEADER_LINE_TOO_LONG);
    let i = s;
    let size = 0;
    let overflow = false;
    while (i < e) {
      const d = hexDigit(b[i]!);
      if (d < 0) break;
      size = size * 16 + d;
      if (size > MAX_SAFE) overflow = true;
      i++;
    }
    if (i === s) {
      this.raise(A.INVALID_CHUNK_SIZE);
      this.lose();
      return;
    }
    if (overflow) {
      this.raise(A.CHUNK_SIZE_OVERFLOW);
      this.lose();
      return;
    }
    while (i < e && (b[i] === SP || b[i] === HTAB)) i++;
    if (i < e) {
      if (b[i] !== 0x3b) {
        this.raise(A.INVALID_CHUNK_SIZE);
        this.lose();
        return;
      }
      if (!validExtensions(b, i, e)) this.raise(A.INVALID_CHUNK_EXTENSION);
    }
    if (size === 0) {
      this.state = S.TRAILERS;
      this.fieldCount = 0;
      this.countFull = false;
      this.sectionBytes = 0;
      this.sectionFull = false;
      this.lastField = null;
      this.pendingId = H.OTHER;
      this.sawField = false;
      return;
    }
    this.remaining = size;
    this.state = S.CHUNK_DATA;
  }

  /**
   * The message's framing broke down: what was parsed is kept (the message ends incomplete); the request
   * side looks for the next request line, the response side cannot be followed.
   */
  private lose(): void {
    if (this.isRequest) {
      this.resyncAfter = true;
      this.finishMessage(false);
    } else {
      this.finishMessage(false);
      if (this.state !== S.DEAD) this.owner.lostSync(this);
    }
  }

  private complete(): void {
    this.finishMessage(true);
  }

  private finishMessage(complete: boolean): void {
    const m = this.msg!;
    m.complete = complete;
    if (m.body !== null) m.body.finish(complete); // may raise decoding anomalies on m
    this.msg = null;
    this.state = S.START;
    this.rawMatched = 0;
    const after = this.owner.messageDone(this, m);
    if (this.state === S.DEAD) return;
    if (this.resyncAfter) {
      this.resyncAfter = false;
      this.inGarbage = true;
      this.state = S.RESYNC;
    } else if (after === After.PAUSE) this.state = S.PAUSED;
  }

  // ------------------------------------------------------------------ anomalies

  /** An anomaly on the current message (once per message). */
  raise(code: number): void {
    this.raiseFor(code, this.msg);
  }

  private raiseFor(code: number, m: HttpMessage | null): void {
    if (m !== null) {
      if (m.raised.includes(code)) return;
      m.raised.push(code);
    }
    this.owner.anomaly(this, code, m);
  }

  // ------------------------------------------------------------------ held bytes (CONNECT / Upgrade)

  private hold(data: Uint8Array, s: number, e: number): void {
    const cap = this.o.maxTunnelBuffer;
    const n = Math.min(e - s, cap - this.heldLen);
    if (n < e - s && !this.heldLost) {
      this.heldLost = true;
      this.raiseFor(A.TUNNEL_BUFFER_FULL, null);
    }
    if (n <= 0) return;
    if (this.held === null || this.heldLen + n > this.held.length) {
      const grown = new Uint8Array(Math.min(cap, Math.max(this.heldLen + n, (this.held?.length ?? 0) * 2, 1024)));
      if (this.held !== null) grown.set(this.held.subarray(0, this.heldLen));
      this.held = grown;
    }
    this.held.set(data.subarray(s, s + n), this.heldLen);
    this.heldLen += n;
  }

  /** The server refused the CONNECT/Upgrade: the held bytes are HTTP after all. */
  resume(): void {
    if (this.state !== S.PAUSED) return;
    const held = this.held;
    const len = this.heldLen;
    const lost = this.heldLost;
    this.held = null;
    this.heldLen = 0;
    this.heldLost = false;
    this.state = S.START;
    if (held !== null && len > 0) this.execute(held, 0, len);
    if (lost && this.state !== S.DEAD) this.gap(-1);
  }

  // ------------------------------------------------------------------ gaps and the end

  /** `length` bytes are missing (-1: unknown). */
  gap(length: number): void {
    switch (this.state) {
      case S.BODY_LENGTH:
      case S.CHUNK_DATA:
        if (length >= 0 && length <= this.remaining) {
          const m = this.msg!;
          this.raise(A.GAP_IN_BODY);
          m.wireBodyLength += length;
          m.body!.gap(length);
          this.remaining -= length;
          if (this.remaining === 0) {
            if (this.state === S.BODY_LENGTH) this.complete();
            else this.state = S.CHUNK_END;
          }
          return;
        }
        break;
      case S.BODY_CLOSE: {
        const m = this.msg!;
        this.raise(A.GAP_IN_BODY);
        if (length > 0) m.wireBodyLength += length;
        m.body!.gap(length);
        return;
      }
      case S.PAUSED:
        this.heldLost = true;
        return;
      case S.GAP_SCAN:
        // The bytes on either side of this gap are not contiguous: a candidate in progress is dropped.
        this.syncLen = 0;
        this.syncChecked = 0;
        return;
      case S.RESYNC: // already looking for the next request line
      case S.DEAD:
        return;
    }
    // Inside a start line, the headers, chunk framing, past the end of a body, or between messages: the
    // boundaries are lost. The message the gap hit ends here, incomplete; the next start line is looked for.
    this.raiseFor(A.GAP_CUT_MESSAGE, this.msg);
    // A body the gap ran past (or whose chunk framing it hit) has lost its rest: its buffer says so.
    const body = this.msg?.body ?? null;
    if (body !== null) body.gap(this.state === S.BODY_LENGTH || this.state === S.CHUNK_DATA ? this.remaining : -1);
    this.lineRaw = 0;
    this.lineLen = 0;
    this.rawMatched = 0;
    if (this.msg !== null) {
      this.flushPendingIfAny();
      this.finishMessage(false);
    }
    if (this.state === S.DEAD) return;
    this.startGapScan();
  }

  private startGapScan(): void {
    this.resyncAfter = false;
    this.inGarbage = false;
    this.state = S.GAP_SCAN;
    this.syncLen = 0;
    this.syncChecked = 0;
    this.syncScanned = 0;
  }

  /**
   * GAP_SCAN: drops bytes up to the next plausible start line, at any offset, and returns where parsing
   * resumes (`end` when none is found yet). A request line is a method of `SYNC_METHODS`, SP, a target of
   * visible bytes, SP, `HTTP/1.` and a digit, then CRLF or LF; a status line `HTTP/1.` digit SP, three
   * digits (the first 1–5), then SP, CR or LF. A candidate that runs past the end of the input is kept
   * (at most `MAX_SYNC_LINE` bytes) and decided with the next bytes; the target bytes it already passed
   * are not checked again, so every byte is looked at a bounded number of times whatever the chunking.
   */
  private scanAfterGap(data: Uint8Array, pos: number, end: number): number {
    const first = this.isRequest ? SYNC_FIRST_REQUEST : SYNC_FIRST_RESPONSE;
    const start = pos;
    if (this.syncLen > 0) {
      // Candidates that begin in the kept bytes, read on into these.
      const carry = this.syncCarry!;
      const kept = this.syncLen;
      for (let c = 0; c < kept; c++) {
        if (first[carry[c]!] === 0) continue;
        const r = this.matchStartLine(carry, c, kept, data, pos, end, c === 0 ? this.syncChecked : 0);
        if (r === Sync.NO) continue;
        if (r === Sync.MORE) {
          // Still undecided: keep it whole (it is shorter than MAX_SYNC_LINE, or it would be NO).
          carry.copyWithin(0, c, kept);
          this.syncLen = kept - c;
          carry.set(data.subarray(pos, end), this.syncLen);
          this.syncLen += end - pos;
          this.syncScanned += end - pos;
          return end;
        }
        this.syncLen = 0;
        this.resumeAt();
        // The start line's first bytes are the kept ones: they go through the ordinary parser first.
        this.execute(carry, c, kept);
        return pos;
      }
      this.syncLen = 0;
    }
    for (let i = pos; i < end; i++) {
      if (first[data[i]!] === 0) continue;
      const r = this.matchStartLine(data, i, end, data, end, end, 0);
      if (r === Sync.NO) continue;
      this.syncScanned += i - start;
      this.gapScanWork += i - start;
      if (r === Sync.MATCH) {
        this.resumeAt();
        return i;
      }
      const n = end - i;
      if (this.syncCarry === null) this.syncCarry = new Uint8Array(Math.min(MAX_SYNC_LINE, this.o.maxHeaderLine) + 1);
      this.syncCarry.set(data.subarray(i, end), 0);
      this.syncLen = n;
      this.syncScanned += n;
      return end;
    }
    this.syncScanned += end - start;
    this.gapScanWork += end - start;
    if (this.syncScanned > MAX_GAP_SCAN) this.giveUpAfterGap();
    return end;
  }

  /** A start line was found after a gap: the ordinary parser takes over from it. */
  private resumeAt(): void {
    this.state = S.START;
    this.syncChecked = 0;
    this.afterGap = true;
    this.raiseFor(A.GAP_RESYNCHRONISED, null);
  }

  /** No start line within MAX_GAP_SCAN bytes: the request side looks for request lines line by line, the response side stops. */
  private giveUpAfterGap(): void {
    this.syncLen = 0;
    this.syncCarry = null;
    this.raiseFor(A.GAP_LOST_SYNC, null);
    if (this.isRequest) {
      this.inGarbage = true;
      this.state = S.RESYNC;
      return;
    }
    this.owner.lostSync(this);
  }

  /**
   * Whether the bytes from `b1[s1]` (to `e1`), followed by `b2[s2, e2)`, begin with a start line of this
   * side: `Sync.MATCH`, `Sync.NO`, or `Sync.MORE` when the input ends first (then `syncChecked` says how
   * many of the candidate's bytes passed as target bytes, `checked` on the next call).
   */
  private matchStartLine(
    b1: Uint8Array,
    s1: number,
    e1: number,
    b2: Uint8Array,
    s2: number,
    e2: number,
    checked: number,
  ): number {
    const n1 = e1 - s1;
    const avail = n1 + (e2 - s2);
    const cap = Math.min(MAX_SYNC_LINE, this.o.maxHeaderLine);
    // The two pieces, read through `at` (fields, not a closure: no allocation per candidate).
    this.mb1 = b1;
    this.ms1 = s1;
    this.mn1 = n1;
    this.mb2 = b2;
    this.ms2 = s2;
    this.syncChecked = 0;
    // Past the cap a candidate is not a start line: MORE only while it can still fit the carry.
    const more = avail >= cap ? Sync.NO : Sync.MORE;
    let k = 0;
    if (!this.isRequest) {
      for (; k < 7; k++) {
        if (k >= avail) return more;
        if (this.at(k) !== HTTP1_PREFIX[k]) return Sync.NO;
      }
      // digit SP d d d (SP | CR | LF)
      if (avail < 13) {
        for (; k < avail; k++) if (!statusLineByteFits(k, this.at(k))) return Sync.NO;
        return more;
      }
      for (; k < 13; k++) if (!statusLineByteFits(k, this.at(k))) return Sync.NO;
      return Sync.MATCH;
    }
    // Method and SP.
    let method = -1;
    let moreMethod = false;
    const methods = SYNC_METHODS_BY_FIRST[this.at(0)]!;
    for (let x = 0; x < methods.length; x++) {
      const m = methods[x]!;
      let j = 1;
      while (j < m.length && j < avail && this.at(j) === m[j]) j++;
      if (j < m.length) {
        if (j === avail) moreMethod = true;
        continue;
      }
      if (j === avail) {
        moreMethod = true;
        continue;
      }
      if (this.at(j) === SP) {
        method = j;
        break;
      }
    }
    if (method < 0) return moreMethod ? more : Sync.NO;
    // Target: visible bytes (obs-text too), up to SP.
    const tStart = method + 1;
    k = Math.max(tStart, checked);
    for (;;) {
      if (k >= cap) return Sync.NO;
      if (k >= avail) {
        this.syncChecked = k;
        return more;
      }
      const c = this.at(k);
      if (c === SP) break;
      if (c < 0x21 || c === 0x7f) return Sync.NO;
      k++;
    }
    if (k === tStart) return Sync.NO;
    // Kept for a MORE below: the target up to this SP is checked.
    this.syncChecked = k;
    k++;
    // "HTTP/1." DIGIT [CR] LF
    for (let v = 0; v < 7; v++, k++) {
      if (k >= avail) return more;
      if (this.at(k) !== HTTP1_PREFIX[v]) return Sync.NO;
    }
    if (k >= avail) return more;
    const d = this.at(k++);
    if (d < 0x30 || d > 0x39) return Sync.NO;
    if (k >= avail) return more;
    let c = this.at(k++);
    if (c === CR) {
      if (k >= avail) return more;
      c = this.at(k);
    }
    return c === LF ? Sync.MATCH : Sync.NO;
  }

  /** Byte `k` of the candidate being matched (see `matchStartLine`). */
  private at(k: number): number {
    this.gapScanWork++;
    return k < this.mn1 ? this.mb1[this.ms1 + k]! : this.mb2[this.ms2 + k - this.mn1]!;
  }

  /** The direction ended. `clean`: a FIN or RST ended it (a body read until close is then complete). */
  end(clean: boolean): void {
    if (this.state === S.PAUSED) {
      // No answer came for the CONNECT/Upgrade: what the client sent meanwhile is read as HTTP.
      this.resume();
      if (this.state === S.PAUSED) this.state = S.DEAD; // resume() read HTTP that asked to pause again
    }
    if (this.state === S.HEADERS && this.maybe09) {
      // A simple request (no header section) that nothing followed: it was complete.
      this.maybe09 = false;
      this.headersEnd(this.msg!);
    }
    switch (this.state) {
      case S.BODY_CLOSE:
        this.flushPendingIfAny();
        if (!clean) this.raise(A.MESSAGE_TRUNCATED);
        this.finishMessage(clean);
        break;
      case S.START:
      case S.RESYNC:
      case S.GAP_SCAN:
        if (this.lineRaw > 0 && this.state === S.START) this.raiseFor(A.MESSAGE_TRUNCATED, null);
        break;
      case S.PAUSED:
      case S.DEAD:
        break;
      default:
        // Headers, a body of known length or chunks, cut.
        this.flushPendingIfAny();
        this.raise(A.MESSAGE_TRUNCATED);
        this.finishMessage(false);
    }
    this.state = S.DEAD;
  }

  private flushPendingIfAny(): void {
    if (this.msg !== null && this.pendingId !== H.OTHER) this.flushPending(this.state === S.TRAILERS);
  }

  /** Nothing more is parsed (the flow stopped). */
  kill(): void {
    this.state = S.DEAD;
    this.held = null;
  }
}

/**
 * Index of the first LF in `b[s, e)`, or -1. `indexOf` is a native memchr, but unbounded: when the
 * caller's buffer goes on beyond `e`, it runs on a view of the range (short ranges: a plain loop is
 * cheaper than making the view).
 */
function findLf(b: Uint8Array, s: number, e: number): number {
  if (e === b.length) return b.indexOf(LF, s);
  if (e - s < 64) {
    for (let i = s; i < e; i++) if (b[i] === LF) return i;
    return -1;
  }
  const i = b.subarray(s, e).indexOf(LF);
  return i < 0 ? -1 : s + i;
}

/**
 * After garbage, only a line whose method has the shape of registered ones (upper case, digits, `-`, `_`)
 * is taken as the next request: body bytes often hold lower-case words followed by a space.
 */
function methodLike(b: Uint8Array, s: number, e: number): boolean {
  let i = s;
  while (i < e && isMethodLike(b[i]!)) i++;
  return i > s && i < e && b[i] === SP;
}

/** Byte `k` (7 to 12) of `HTTP/1.x NNN ` at a status line found after a gap. */
function statusLineByteFits(k: number, c: number): boolean {
  switch (k) {
    case 7:
      return c >= 0x30 && c <= 0x39;
    case 8:
      return c === SP;
    case 9:
      return c >= 0x31 && c <= 0x35;
    case 10:
    case 11:
      return c >= 0x30 && c <= 0x39;
    default:
      return c === SP || c === CR || c === LF;
  }
}

/** `token ":"`: the start of a header field line. */
function looksLikeField(b: Uint8Array, s: number, e: number): boolean {
  let i = s;
  while (i < e && TCHAR[b[i]!] === 1) i++;
  return i > s && i < e && b[i] === 0x3a;
}

/** `*( BWS ";" BWS ext-name [ BWS "=" BWS ( token / quoted-string ) ] )` from `b[i]` (a `;`) to `e`. */
function validExtensions(b: Uint8Array, i: number, e: number): boolean {
  while (i < e) {
    while (i < e && (b[i] === SP || b[i] === HTAB)) i++;
    if (i === e) return true;
    if (b[i] !== 0x3b) return false;
    i++;
    while (i < e && (b[i] === SP || b[i] === HTAB)) i++;
    const ns = i;
    while (i < e && TCHAR[b[i]!] === 1) i++;
    if (i === ns) return false;
    while (i < e && (b[i] === SP || b[i] === HTAB)) i++;
    if (i < e && b[i] === 0x3d) {
      i++;
      while (i < e && (b[i] === SP || b[i] === HTAB)) i++;
      if (i < e && b[i] === 0x22) {
        i++;
        while (i < e && b[i] !== 0x22) {
          if (b[i] === 0x5c) i++;
          i++;
        }
        if (i >= e) return false;
        i++;
      } else {
        const vs = i;
        while (i < e && TCHAR[b[i]!] === 1) i++;
        if (i === vs) return false;
      }
    }
  }
  return true;
}
