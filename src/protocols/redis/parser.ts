/**
 * RESP (REdis Serialization Protocol, RESP2 and RESP3) as an incremental byte machine, one per direction.
 *
 * It consumes every byte it is given (any split: a line, a length or a bulk string may straddle chunks)
 * and reports each complete top-level message as a `RedisValue` tree to its handler. No flow state here:
 * pairing, modes and records are `state.ts`.
 *
 * Two grammars, chosen by `mode`, the ones each side of a real connection uses:
 * - `request` (client → server), as Redis's own query parser reads it (networking.c): a line starting
 *   with `*` is a command array whose elements must be bulk strings (`$`), its `*` and `$` lines ended
 *   by a CR (the byte after it skipped unchecked) and their numbers read as string2ll does; any other
 *   line is an inline command, ended by LF, split into arguments as `sdssplitargs` does (quotes, `\xHH`
 *   escapes), and never ended at all when it holds a NUL. `*0`, `*-1` and empty lines are ignored, as
 *   Redis ignores them. The differential test against a real redis-server holds these choices.
 * - `reply` (server → client): every RESP2 and RESP3 type, attributes attached to the value they precede,
 *   and RESP3 streamed strings (`$?` + `;` chunks) and aggregates (`*?` ... `.`). Redis itself never
 *   streams, but the specification allows it and other servers (and proxies) may.
 *
 * Bounded memory: a string keeps at most `maxStringBytes` (the rest is skipped by count, never copied), an
 * aggregate at most `maxElements` elements, a message at most `maxValues` values, and nesting is followed
 * to `maxDepth` levels on a fixed stack. Lines are scanned in place. Only kept bytes are copied, once, into
 * a scratch buffer, and become a string when the value ends.
 *
 * Fast path: when the handler wants no values (lean) and a message begins, a command of bulk strings or a
 * flat reply (or an array of flat values) that is whole in the chunk is read in one loop over its bytes,
 * building what the byte machine would build lean (fastRequest, fastReply). Anything it is not sure of
 * (a cap reached, a number the byte machine reads its own way, a missing CR or LF, a message cut by the
 * chunk, other types, records wanted) it leaves to the byte machine from the message's first byte, having
 * done nothing. test/protocols/redis/fast-path.test.ts holds the two to the same output.
 *
 * Bad input: a protocol error (an unknown type byte, a lying or absurd length, `expected '$'`, unbalanced
 * quotes, a line too long, too deep a nesting) raises its anomaly, hands over what was parsed of the
 * message (flagged), and the parser resynchronises: it skips to the end of the line and takes the next
 * line that starts a message (in requests: a `*` line, or an inline command whose first word is a command
 * Redis has; other lines are dropped). While resynchronising it stays silent (its errors still count). After
 * `maxProtocolErrors` errors the direction is given up.
 */
import { RedisAnomaly as A } from './anomalies.js';
import type { RedisArrayValue, RedisMapValue, RedisStringValue, RedisValue } from './events.js';
import { isKnownCommand } from './commands.js';
import type { RedisOptions } from './options.js';
import { lastEscaped, textLength, toText } from './text.js';

/** Flags of a message handed to the handler. */
export const Msg = {
  /** An inline command (a text line, not a RESP array). */
  INLINE: 1,
  /** A protocol error inside it: what was parsed before the error (the value may be null). */
  MALFORMED: 2,
  /** Bytes of it were lost (a gap): partial, or with an incomplete bulk string inside. */
  GAP: 4,
  /** The stream ended inside it: partial. */
  END: 8,
  /**
   * Built lean (the handler's `wantValues` said no when it began): only what pairing and modes read is
   * real (see `UNBUILT`); every other kept value is the `UNBUILT` placeholder.
   */
  LEAN: 16,
} as const;

/**
 * The placeholder of a value that a lean message keeps (it counts against the caps, takes its element's
 * place) without building it. One shared object: never handed out as part of a record, never written to.
 */
export const UNBUILT: RedisArrayValue = { type: 'array', length: 0, elements: [] };

/** Elements of a lean reply's top-level aggregate that are built: the kind, the channel, the count. */
const LEAN_REPLY_ELEMENTS = 3;

/**
 * Whether lean messages of the common shapes are read by the fast path (RespParser.fastRequest /
 * fastReply) instead of the byte machine. Always on, but for tests: they turn it off to check that both
 * give the same messages, anomalies and state.
 */
let fastPath = true;
/** Messages the fast path has read (tests check that the shapes they mean to cover took it). */
let fastHits = 0;

/** Tests only: turns the fast path on or off (every parser of the process). */
export function setRespFastPath(on: boolean): void {
  fastPath = on;
}

/** Tests only: messages the fast path has read so far (every parser of the process). */
export function respFastPathHits(): number {
  return fastHits;
}

export interface RespHandler {
  /**
   * A top-level message. `value` is null only for a MALFORMED message of which nothing could be kept (a
   * command array whose header is already invalid, a reply line that is no RESP). The tree is the
   * handler's to keep.
   */
  message(value: RedisValue | null, flags: number, leanChars: number): void;
  /**
   * Asked when each top-level message begins: false builds it lean (`Msg.LEAN`). Absent: always built.
   * Lean, a message is parsed, capped and flagged exactly as when built (same anomalies), but of its
   * values only these are built: the top-level value itself (bulk strings without their text), simple
   * strings and errors at the top, the first `LEAN_REPLY_ELEMENTS` elements of a top-level reply
   * aggregate, and the first `leanArgs(name)` elements of a command. Requests then report in `leanChars`
   * the text length of the kept arguments left unbuilt (what the handler counts against its byte cap).
   */
  wantValues?(): boolean;
  /** A lean command's first element (its name, as sent) is built: how many elements to build in all. */
  leanArgs?(name: string): number;
  /** An anomaly code of `REDIS_ANOMALIES`, raised by the current message's bytes (or a gap). */
  anomaly(code: number): void;
  /** Too many protocol errors: this direction is not parsed any more. */
  giveUp(): void;
  /**
   * A replication RDB payload (after `expectRdb`): `length` bytes, skipped by count, never kept;
   * `complete` false when the stream ended or broke inside it.
   */
  rdb(length: number, complete: boolean): void;
}

export type RespMode = 'request' | 'reply';

// Parser states.
const S_START = 0; // at the first byte of a value (or of a line, when resynchronising)
const S_LINE = 1; // inside a RESP line, after its type byte
const S_BULK = 2; // inside a bulk string's bytes
const S_BULK_CR = 3; // after the bytes: CR expected
const S_BULK_LF = 4; // LF expected
const S_INLINE = 5; // inside an inline command line
const S_SKIP_LINE = 6; // skipping to the end of the line (after a protocol error)
const S_DEAD = 7; // given up, or ended
const S_REQ_LF = 8; // request header line: after its CR, the byte Redis skips (LF, or anything)
const S_INLINE_STALL = 9; // an inline line with a NUL: Redis never finds its end (see onInline)
const S_RDB = 10; // replication: inside an RDB payload of known length (no CRLF after it)
const S_RDB_EOF = 11; // replication: inside a diskless RDB payload, until its 40-byte end mark

/** Length of the end mark of a diskless RDB transfer (`$EOF:<mark>`), Redis's RDB_EOF_MARK_SIZE. */
const RDB_MARK = 40;

// Sub-states of inline command splitting (sdssplitargs).
const I_SPACE = 0; // between arguments
const I_WORD = 1; // in an unquoted argument
const I_DQ = 2; // inside "..."
const I_DQ_ESC = 3; // after \ inside "..."
const I_DQ_X = 4; // after \x inside "..."
const I_DQ_XH = 5; // after \x and one hex digit
const I_SQ = 6; // inside '...'
const I_SQ_ESC = 7; // after \ inside '...'
const I_AFTER_QUOTE = 8; // right after a closing quote: whitespace or the end must follow
const I_BAD = 9; // the quotes are unbalanced: the line is refused at its end (unless a NUL stalls it first)

// Aggregate kinds on the stack.
const T_ARRAY = 0;
const T_SET = 1;
const T_PUSH = 2;
const T_MAP = 3;
const T_ATTR = 4;

const CR = 13;
const LF = 10;

/** RESP type bytes. */
const C_SIMPLE = 0x2b; // +
const C_ERROR = 0x2d; // -
const C_INTEGER = 0x3a; // :
const C_BULK = 0x24; // $
const C_ARRAY = 0x2a; // *
const C_NULL = 0x5f; // _
const C_BOOLEAN = 0x23; // #
const C_DOUBLE = 0x2c; // ,
const C_BIG = 0x28; // (
const C_BULK_ERROR = 0x21; // !
const C_VERBATIM = 0x3d; // =
const C_MAP = 0x25; // %
const C_SET = 0x7e; // ~
const C_ATTR = 0x7c; // |
const C_PUSH = 0x3e; // >
const C_CHUNK = 0x3b; // ; (streamed string chunk)
const C_END = 0x2e; // . (end of a streamed aggregate)

/** Longest line of a number or length: anything longer is not one. */
const NUMBER_LINE = 64;

/** Bytes that may start a reply value. */
const REPLY_TYPES = new Uint8Array(256);
for (const c of [
  C_SIMPLE,
  C_ERROR,
  C_INTEGER,
  C_BULK,
  C_ARRAY,
  C_NULL,
  C_BOOLEAN,
  C_DOUBLE,
  C_BIG,
  C_BULK_ERROR,
  C_VERBATIM,
  C_MAP,
  C_SET,
  C_ATTR,
  C_PUSH,
  C_END,
]) {
  REPLY_TYPES[c] = 1;
}
/** Lines whose content is text (kept up to maxStringBytes, bounded by maxLineBytes). */
const TEXT_LINES = new Uint8Array(256);
TEXT_LINES[C_SIMPLE] = TEXT_LINES[C_ERROR] = TEXT_LINES[C_BIG] = 1;

/** RESP3 double: `[+-]digits[.digits][(e|E)[+-]digits]`, or inf / -inf / nan (as Redis writes them). */
const DOUBLE_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER_RE = /^[+-]?\d+$/;

export class RespParser {
  private state = S_START;
  private readonly request: boolean;
  private readonly o: RedisOptions;
  /** Kept bytes of the current string (bulk, streamed, text line, inline argument). */
  private readonly scratch: Uint8Array;
  private keep = 0;
  private keepLimit = 0;
  /** The current number or length line (apart, so that a streamed string's chunk header keeps its bytes). */
  private readonly numBuf = new Uint8Array(NUMBER_LINE);
  private numLen = 0;

  // Current line.
  private lineType = 0;
  private lineLen = 0;
  private lineCR = false;
  private lineKept = false;

  // Current bulk string (or streamed string chunk).
  private bulkType = 0;
  private bulkRemaining = 0;
  private bulkLength = 0;
  private bulkKept = false;
  private bulkBadCrlf = false;
  private bulkIncomplete = false;
  /** Inside a RESP3 streamed string (`$?`): its chunks so far. */
  private streamed = false;
  private streamedLength = 0;

  // Aggregate stack, `depth` frames deep. Counts are values (a map pair is two).
  private depth = 0;
  private readonly fType: Uint8Array;
  private readonly fTotal: Float64Array; // -1: streamed, ends with `.`
  private readonly fCount: Float64Array;
  private readonly fKept: Float64Array; // elements (pairs) kept in the node
  private readonly fPairKept: Uint8Array;
  private readonly fNode: (RedisArrayValue | RedisMapValue | null)[];
  private readonly fKey: (RedisValue | null)[];
  private readonly fAttr: (RedisMapValue | null)[];
  private topAttr: RedisMapValue | null = null;
  /** The attribute pending at the top level or in a frame has already been counted as pending. */
  private attrPending = false;

  // Current message.
  private values = 0;
  private msgFlags = 0;
  private trimmedBits = 0;
  /** The current message is lean (`Msg.LEAN`): elements of its top aggregate built (see wantValues). */
  private lean = false;
  private leanWant = 0;
  /** Lean requests: text length of the kept arguments left unbuilt. */
  private leanChars = 0;
  /** Whether the value begun last (beginValue) is built; a kept value that is not is UNBUILT. */
  private build = true;
  /** The current bulk (or streamed) string is built, and with its text (a lean top-level one is not). */
  private bulkBuild = false;
  private bulkText = false;
  /**
   * Whether kept bytes are copied into scratch, or only counted (`keep` advances either way, so that cuts
   * and anomalies are the same): a lean reply's string whose text nobody reads is not copied.
   */
  private copyBytes = true;

  // Inline command.
  private inl = I_SPACE;
  private inlNode: RedisArrayValue | null = null;
  private inlArgs = 0;
  private inlArgKept = false;
  private inlArgBuild = false;
  private inlArgLen = 0;
  private inlHex = 0;
  private inlPendingCR = false;
  /** The inline line began while resynchronising: kept only if it names a known command. */
  private inlResync = false;

  /** Replication: the next `$` is an RDB payload (see expectRdb). */
  private rdbNext = false;
  private rdbRemaining = 0;
  private rdbLength = 0;
  private readonly rdbMark = new Uint8Array(RDB_MARK);
  private rdbMatched = 0;

  /** After a protocol error or a gap: skip what does not start a message, silently. */
  private resyncing = false;
  private errors = 0;

  constructor(
    mode: RespMode,
    options: RedisOptions,
    private readonly handler: RespHandler,
  ) {
    this.request = mode === 'request';
    this.o = options;
    // Verbatim strings keep their 4-byte `xxx:` prefix beside maxStringBytes of text.
    // A Buffer, so that kept ASCII becomes a string natively (text.ts).
    this.scratch = Buffer.alloc(options.maxStringBytes + 4);
    const d = options.maxDepth;
    this.fType = new Uint8Array(d);
    this.fTotal = new Float64Array(d);
    this.fCount = new Float64Array(d);
    this.fKept = new Float64Array(d);
    this.fPairKept = new Uint8Array(d);
    this.fNode = new Array<RedisArrayValue | RedisMapValue | null>(d).fill(null);
    this.fKey = new Array<RedisValue | null>(d).fill(null);
    this.fAttr = new Array<RedisMapValue | null>(d).fill(null);
  }

  /** Whether the parser has given up (or ended): later bytes are ignored. */
  get dead(): boolean {
    return this.state === S_DEAD;
  }

  /**
   * Replies only: the server is about to send a replica its RDB snapshot (after `+FULLRESYNC`, or as the
   * answer to SYNC): `$<length>\r\n` and that many bytes with no CRLF after them, or, diskless,
   * `$EOF:<40-byte mark>\r\n`, the bytes, and the mark again. Newlines before it are the master's
   * keepalives while it prepares the snapshot. Followed as Redis's replica reads it (replication.c).
   */
  expectRdb(): void {
    if (!this.request) this.rdbNext = true;
  }

  /** Parses `data[start, end)`. */
  execute(data: Uint8Array, start: number, end: number): void {
    let i = start;
    while (i < end) {
      switch (this.state) {
        case S_START:
          i = this.onStart(data, i, end);
          break;
        case S_LINE:
          i = this.request ? this.onRequestLine(data, i, end) : this.onLine(data, i, end);
          break;
        case S_REQ_LF:
          if (data[i] !== LF) this.handler.anomaly(A.CR_WITHOUT_LF);
          i++;
          this.endLine(this.lineLen);
          break;
        case S_BULK: {
          const n = Math.min(this.bulkRemaining, end - i);
          if (this.bulkKept) this.copy(data, i, i + n);
          this.bulkRemaining -= n;
          i += n;
          if (this.bulkRemaining === 0) {
            if (i + 1 < end) {
              // The CRLF is here too (the usual case): checked as S_BULK_CR and S_BULK_LF would.
              if (data[i] !== CR || data[i + 1] !== LF) this.bulkBadCrlf = true;
              i += 2;
              this.endBulk();
            } else this.state = S_BULK_CR;
          }
          break;
        }
        case S_BULK_CR:
          if (data[i] !== CR) this.bulkBadCrlf = true;
          i++;
          this.state = S_BULK_LF;
          break;
        case S_BULK_LF:
          if (data[i] !== LF) this.bulkBadCrlf = true;
          i++;
          this.endBulk();
          break;
        case S_INLINE:
          i = this.onInline(data, i, end);
          break;
        case S_INLINE_STALL: {
          // Every byte counts toward the line limit, LFs included (see onInline).
          const room = this.o.maxLineBytes + 1 - this.lineLen;
          if (end - i < room) {
            this.lineLen += end - i;
            i = end;
          } else {
            i += room;
            this.protocolError(A.LINE_TOO_LONG, false);
          }
          break;
        }
        case S_RDB: {
          const n = Math.min(this.rdbRemaining, end - i);
          this.rdbRemaining -= n;
          i += n;
          if (this.rdbRemaining === 0) {
            this.state = S_START;
            this.handler.rdb(this.rdbLength, true);
          }
          break;
        }
        case S_RDB_EOF:
          i = this.onRdbEof(data, i, end);
          break;
        case S_SKIP_LINE: {
          const lf = scanLf(data, i, end);
          if (lf === end) return;
          i = lf + 1;
          this.state = S_START;
          break;
        }
        default:
          return;
      }
    }
  }

  /**
   * `length` bytes are missing (-1: unknown). Inside a bulk string of known length the parser skips them
   * and stays in sync (the string is flagged incomplete); anywhere else the message in progress is handed
   * over as partial and the parser resynchronises. Returns whether it stayed in sync.
   */
  gap(length: number): boolean {
    if (this.state === S_DEAD) return false;
    this.handler.anomaly(A.GAP);
    const s = this.state;
    if (s === S_RDB && length >= 0 && length < this.rdbRemaining) {
      this.rdbRemaining -= length; // still in sync: the snapshot's own bytes were lost
      return true;
    }
    if (s === S_RDB_EOF) {
      // The end mark still ends it; the length only counts what arrived.
      this.rdbMatched = 0;
      return true;
    }
    if (s === S_RDB) {
      this.state = S_START;
      this.handler.rdb(this.rdbLength, false);
      this.resyncing = true;
      return false;
    }
    const left = s === S_BULK ? this.bulkRemaining + 2 : s === S_BULK_CR ? 2 : s === S_BULK_LF ? 1 : -1;
    if (left >= 0 && length >= 0 && length <= left) {
      // The missing bytes are the string's own (or its CRLF): what follows is where the length says.
      this.bulkIncomplete = true;
      this.msgFlags |= Msg.GAP;
      // Bytes after the hole are not kept: the value would read as if they followed what was kept.
      this.keepLimit = this.keep;
      let skip = length;
      if (this.state === S_BULK) {
        const n = Math.min(skip, this.bulkRemaining);
        this.bulkRemaining -= n;
        skip -= n;
        if (this.bulkRemaining === 0) this.state = S_BULK_CR;
      }
      if (skip > 0 && this.state === S_BULK_CR) {
        this.state = S_BULK_LF;
        skip--;
      }
      if (skip > 0 && this.state === S_BULK_LF) this.endBulk();
      return true;
    }
    if (this.inMessage()) this.abandon(Msg.GAP);
    else this.reset();
    this.resyncing = true;
    this.state = S_START;
    return false;
  }

  /** The direction ended: a message in progress is handed over as partial. */
  end(): void {
    if (this.state === S_DEAD) return;
    if (this.state === S_RDB || this.state === S_RDB_EOF) {
      this.handler.anomaly(A.TRUNCATED_MESSAGE);
      this.handler.rdb(this.state === S_RDB ? this.rdbLength - this.rdbRemaining : this.rdbLength, false);
      this.state = S_DEAD;
      return;
    }
    if (this.depth === 0 && this.attrPending && !this.streamed && (this.state === S_START || this.state === S_SKIP_LINE)) {
      this.handler.anomaly(A.ATTRIBUTE_WITHOUT_VALUE);
    } else if (this.inMessage() && !(this.inlResync && this.inlNode !== null && !startsWithKnownCommand(this.inlNode))) {
      this.handler.anomaly(A.TRUNCATED_MESSAGE);
      this.abandon(Msg.END);
    }
    this.reset();
    this.state = S_DEAD;
  }

  // ---- starts of values ------------------------------------------------------------------------------

  private onStart(data: Uint8Array, i: number, end: number): number {
    const b = data[i]!;
    if (this.streamed) {
      if (b !== C_CHUNK) {
        this.protocolError(A.INVALID_STREAM_CHUNK, true);
        return i + 1;
      }
      this.beginLine(b, false);
      return i + 1;
    }
    if (this.depth === 0 && !this.attrPending) {
      this.startMessage();
      // At a message boundary with nothing pending (no attribute, no stream, no snapshot announced): a
      // lean message of the common shapes, whole in this chunk, is read in one go (see fastRequest).
      // Not when values were counted already: an ignored request header (`*0`, `*-1`) leaves its count
      // to the next command, whose caps the byte machine then applies with it.
      if (this.lean && fastPath && this.values === 0) {
        const j = this.request
          ? b === C_ARRAY
            ? this.fastRequest(data, i, end)
            : -1
          : this.rdbNext
            ? -1
            : this.fastReply(data, i, end, b);
        if (j >= 0) return j;
      }
    }
    if (this.request) {
      if (this.depth === 0) {
        if (b === C_ARRAY) {
          this.beginLine(b, this.beginValue(false));
          return i + 1;
        }
        this.beginInline();
        // Resynchronising (after a gap or a protocol error): the line is a command only if its first
        // word is a command Redis knows (endInline decides); otherwise it is dropped silently.
        this.inlResync = this.resyncing;
        return i; // the byte is the line's first
      }
      if (b !== C_BULK) {
        this.protocolError(A.EXPECTED_BULK, true);
        return i + 1;
      }
      this.beginLine(b, this.beginValue(false));
      return i + 1;
    }
    if (this.rdbNext && this.depth === 0) {
      if (b === LF || b === CR) return i + 1; // the master's keepalive newlines
      if (b === C_BULK) {
        this.beginLine(b, false);
        return i + 1;
      }
      this.rdbNext = false; // no snapshot after all (an error reply): read on as replies
    }
    if (REPLY_TYPES[b] === 0) {
      this.protocolError(A.UNKNOWN_TYPE, true);
      return i + 1;
    }
    // Lines that only open or close something are not values of their own.
    const kept = b === C_END ? false : this.beginValue(b === C_ATTR);
    this.beginLine(b, kept);
    return i + 1;
  }

  // ---- the fast path: whole lean messages of the common shapes -----------------------------------------

  /**
   * A lean command `*N\r\n` + N × `$len\r\n<bytes>\r\n`, whole in `data[start, end)`, read in one loop:
   * the same node the byte machine would hand over (the name and the arguments `leanArgs` asks for built,
   * the others UNBUILT with their text length in leanChars) and the same anomaly (`string_trimmed`, the
   * only one such a message can raise). Returns the index after the message, or -1 (nothing done, no
   * anomaly raised) for anything else: a count or length that is zero, signed, padded, over a cap or a
   * limit, a CR without its LF, a missing CRLF after a string, a message cut by `end`. The byte machine
   * reads those, with their anomalies, from the same first byte.
   */
  private fastRequest(data: Uint8Array, start: number, end: number): number {
    const o = this.o;
    let p = fastLength(data, start + 1, end);
    if (p < 0) return -1;
    const count = fastValue;
    // `*0` is ignored, not a message; beyond maxElements or maxValues (the array is a value too) the byte
    // machine trims; beyond maxAggregateLength it refuses.
    if (count === 0 || count > o.maxElements || count >= o.maxValues || count > o.maxAggregateLength) return -1;
    const max = o.maxStringBytes;
    const node: RedisArrayValue = { type: 'array', length: count, elements: [] };
    // Elements built: the name, then what leanArgs says once the name is known (as complete() asks it).
    let want = 1;
    let chars = 0;
    let cut = false;
    for (let k = 0; k < count; k++) {
      if (p >= end || data[p] !== C_BULK) return -1;
      const from = fastLength(data, p + 1, end);
      if (from < 0) return -1;
      const len = fastValue;
      p = from + len;
      if (len > o.maxBulkLength || p + 1 >= end || data[p] !== CR || data[p + 1] !== LF) return -1;
      p += 2;
      // Read in place: the kept bytes are the string's first maxStringBytes, as scratch would hold them.
      const keep = len <= max ? len : max;
      const trimmed = keep < len;
      if (trimmed) cut = true;
      if (k < want) {
        const v: RedisStringValue = { type: 'bulk_string', value: toText(data, from, from + keep, trimmed), length: len };
        if (lastEscaped) v.escaped = true;
        if (trimmed) v.truncated = true;
        node.elements.push(v);
        if (k === 0) want = this.handler.leanArgs?.(v.value) ?? 1;
      } else {
        chars += textLength(data, from, from + keep, trimmed);
        node.elements.push(UNBUILT);
      }
    }
    // Raised once per message (trimmed() remembers), before the message, as finishString raises it.
    if (cut) this.trimmed(A.STRING_TRIMMED);
    this.leanChars = chars;
    fastHits++;
    this.emit(node);
    return p;
  }

  /**
   * A lean reply whole in `data[start, end)`: one flat value (`+text`, `-text`, `:integer`, `$len` +
   * bytes, `$-1`), or an array of them (`*N`, `*0`, `*-1`: LRANGE, MGET, pub/sub confirmations in RESP2).
   * Its value as the byte machine builds it lean: a top-level bulk string without its text, an array's
   * first LEAN_REPLY_ELEMENTS elements built and the others UNBUILT; the same anomaly (`string_trimmed`).
   * Returns the index after it, or -1 (nothing done) for anything else: other types (RESP3, nesting), an
   * array over maxElements or maxValues, and whatever readFlat refuses.
   */
  private fastReply(data: Uint8Array, start: number, end: number, b: number): number {
    const o = this.o;
    let v: RedisValue;
    let p: number;
    flatCut = false;
    if (b !== C_ARRAY) {
      p = readFlat(data, start, end, o, FLAT_TOP);
      if (p < 0) return -1;
      v = flatValue;
    } else if (data[start + 1] === 0x2d) {
      // `*-1`, the null array; any other negative count is an error the byte machine raises.
      if (start + 4 >= end || data[start + 2] !== 0x31 || data[start + 3] !== CR || data[start + 4] !== LF) return -1;
      v = { type: 'null', of: 'array' };
      p = start + 5;
    } else {
      p = fastLength(data, start + 1, end);
      if (p < 0) return -1;
      const count = fastValue;
      // Every element kept (beyond maxElements or maxValues the byte machine trims; beyond
      // maxAggregateLength it refuses). `*0` is an empty array.
      if (count > o.maxElements || count >= o.maxValues || count > o.maxAggregateLength) return -1;
      const node: RedisArrayValue = { type: 'array', length: count, elements: [] };
      for (let k = 0; k < count; k++) {
        if (p >= end) return -1;
        p = readFlat(data, p, end, o, k < LEAN_REPLY_ELEMENTS ? FLAT_BUILT : FLAT_UNBUILT);
        if (p < 0) return -1;
        node.elements.push(flatValue);
      }
      v = node;
    }
    if (flatCut) this.trimmed(A.STRING_TRIMMED);
    fastHits++;
    this.emit(v);
    return p;
  }

  /**
   * A top-level message may begin here: whether it is built lean is asked now, once per message, so that
   * a handler whose answer changes mid-connection gets whole messages of either kind.
   */
  private startMessage(): void {
    this.lean = this.handler.wantValues !== undefined && !this.handler.wantValues();
    this.msgFlags = this.lean ? this.msgFlags | Msg.LEAN : this.msgFlags & ~Msg.LEAN;
    // Requests: the name only, until it says which arguments matter (complete / endArg ask leanArgs).
    this.leanWant = this.request ? 1 : LEAN_REPLY_ELEMENTS;
    this.leanChars = 0;
  }

  /**
   * A value starts at the current level: whether the record keeps it (counting it against the caps).
   * Attributes do not take an element's place. Also decides whether a kept value is built (`build`):
   * lean, only the top-level value and the first `leanWant` elements of a top-level aggregate are.
   */
  private beginValue(attribute: boolean): boolean {
    let kept: boolean;
    if (this.depth === 0) kept = true;
    else {
      const d = this.depth - 1;
      const parent = this.fNode[d];
      if (parent === null) kept = false;
      else if (attribute) kept = this.values < this.o.maxValues;
      else if (this.fType[d] === T_MAP || this.fType[d] === T_ATTR) {
        if (this.fCount[d] % 2 === 0) {
          kept = this.roomFor(d, parent);
          this.fPairKept[d] = kept ? 1 : 0;
        } else kept = this.fPairKept[d] === 1;
      } else kept = this.roomFor(d, parent);
    }
    if (kept) {
      this.values++;
      this.build = !this.lean || this.depth === 0 || (this.depth === 1 && this.fCount[0]! < this.leanWant);
    }
    return kept;
  }

  /** Whether one more element fits in the aggregate of frame `d`; marks it trimmed when not. */
  private roomFor(d: number, parent: RedisArrayValue | RedisMapValue): boolean {
    if (this.fKept[d] >= this.o.maxElements) {
      if (parent !== UNBUILT) parent.truncated = true;
      this.trimmed(A.ELEMENTS_TRIMMED);
      return false;
    }
    if (this.values >= this.o.maxValues) {
      if (parent !== UNBUILT) parent.truncated = true;
      this.trimmed(A.VALUES_TRIMMED);
      return false;
    }
    return true;
  }

  private trimmed(code: number): void {
    const bit = 1 << (code % 30);
    if ((this.trimmedBits & bit) !== 0) return;
    this.trimmedBits |= bit;
    this.handler.anomaly(code);
  }

  // ---- lines -------------------------------------------------------------------------------------------

  private beginLine(type: number, kept: boolean): void {
    this.state = S_LINE;
    this.lineType = type;
    this.lineLen = 0;
    this.lineCR = false;
    this.lineKept = kept;
    this.numLen = 0;
    if (TEXT_LINES[type] === 1) {
      this.keep = 0;
      this.keepLimit = kept ? this.o.maxStringBytes : 0;
      this.copyBytes = true;
    }
  }

  private onLine(data: Uint8Array, i: number, end: number): number {
    const lf = scanLf(data, i, end);
    const n = lf - i;
    if (n > 0) {
      if (TEXT_LINES[this.lineType] === 1) this.copy(data, i, lf);
      if (this.lineType !== C_SIMPLE && this.lineType !== C_ERROR) this.copyNum(data, i, lf);
      this.lineLen += n;
      this.lineCR = data[lf - 1] === CR;
      const limit = TEXT_LINES[this.lineType] === 1 ? this.o.maxLineBytes : NUMBER_LINE;
      if (this.lineLen > limit + 1) {
        // +1: the CR of the CRLF may already be counted.
        if (TEXT_LINES[this.lineType] === 1) this.protocolError(A.LINE_TOO_LONG, lf === end);
        else this.protocolError(this.lengthLine() ? A.INVALID_LENGTH : this.invalidCode(), lf === end);
        return lf === end ? end : lf + 1;
      }
    }
    if (lf === end) return end;
    let len = this.lineLen;
    if (this.lineCR) len--;
    else this.handler.anomaly(A.BARE_NEWLINE);
    // The CR was kept with the line's bytes: drop it (text lines keep into scratch, others into numBuf;
    // scratch holds a streamed string's chunks while its chunk headers are read).
    if (TEXT_LINES[this.lineType] === 1 && this.keep > len) this.keep = len;
    if (this.numLen > len) this.numLen = len;
    this.endLine(len);
    return lf + 1;
  }

  /**
   * A `*` or `$` line of a request, read as Redis reads it (networking.c, processMultibulkBuffer): the
   * number ends at the first CR and the byte after the CR is skipped unchecked, whatever it is. Reading to
   * the LF instead would refuse `*1\r $4\r\n...`, which Redis runs, and accept `*1\n$4\n...`, which it
   * refuses: a parser that differs from the server here can be steered around.
   */
  private onRequestLine(data: Uint8Array, i: number, end: number): number {
    const cr = scanByte(data, CR, i, end);
    const n = cr - i;
    if (n > 0) {
      this.copyNum(data, i, cr);
      this.lineLen += n;
      if (this.lineLen > NUMBER_LINE) {
        this.protocolError(A.INVALID_LENGTH, true);
        return cr;
      }
    }
    if (cr === end) return end;
    if (cr + 1 < end) {
      // The byte after the CR is here too (the usual case): as S_REQ_LF reads it.
      if (data[cr + 1] !== LF) this.handler.anomaly(A.CR_WITHOUT_LF);
      this.endLine(this.lineLen);
      return cr + 2;
    }
    this.state = S_REQ_LF;
    return cr + 1;
  }

  private lengthLine(): boolean {
    const t = this.lineType;
    return (
      t === C_BULK ||
      t === C_ARRAY ||
      t === C_MAP ||
      t === C_SET ||
      t === C_PUSH ||
      t === C_ATTR ||
      t === C_VERBATIM ||
      t === C_BULK_ERROR ||
      t === C_CHUNK
    );
  }

  private invalidCode(): number {
    switch (this.lineType) {
      case C_INTEGER:
        return A.INVALID_INTEGER;
      case C_DOUBLE:
        return A.INVALID_DOUBLE;
      case C_BOOLEAN:
        return A.INVALID_BOOLEAN;
      case C_NULL:
        return A.INVALID_NULL;
      case C_END:
        return A.UNEXPECTED_END_MARKER;
      default:
        return A.UNKNOWN_TYPE;
    }
  }

  /** A line of `len` content bytes ended (its kept bytes are in scratch). */
  private endLine(len: number): void {
    this.state = S_START;
    const t = this.lineType;
    const kept = this.lineKept;
    switch (t) {
      case C_SIMPLE:
      case C_ERROR:
        this.complete(kept ? this.lineString(t === C_SIMPLE ? 'simple_string' : 'simple_error', len) : null, false);
        return;
      case C_BIG: {
        if (!INTEGER_RE.test(this.numText())) {
          this.protocolError(A.INVALID_BIG_NUMBER, false);
          return;
        }
        this.complete(kept ? this.lineString('big_number', len) : null, false);
        return;
      }
      case C_INTEGER: {
        const quick = smallInteger(this.numBuf, this.numLen);
        if (quick !== null) {
          this.complete(kept ? (this.build ? { type: 'integer', value: quick } : UNBUILT) : null, false);
          return;
        }
        const s = this.numText();
        if (!INTEGER_RE.test(s)) {
          this.protocolError(A.INVALID_INTEGER, false);
          return;
        }
        const v = Number(s);
        this.complete(
          kept ? (this.build ? { type: 'integer', value: Number.isSafeInteger(v) ? v : s.replace(/^\+/, '') } : UNBUILT) : null,
          false,
        );
        return;
      }
      case C_DOUBLE: {
        const s = this.numText();
        const lower = s.toLowerCase();
        let v: number | 'inf' | '-inf' | 'nan';
        if (lower === 'inf' || lower === '+inf') v = 'inf';
        else if (lower === '-inf') v = '-inf';
        else if (lower === 'nan' || lower === '-nan') v = 'nan';
        else if (DOUBLE_RE.test(s)) v = Number(s);
        else {
          this.protocolError(A.INVALID_DOUBLE, false);
          return;
        }
        this.complete(kept ? (this.build ? { type: 'double', value: v } : UNBUILT) : null, false);
        return;
      }
      case C_BOOLEAN: {
        const c = this.numBuf[0];
        if (len !== 1 || (c !== 0x74 && c !== 0x66)) {
          this.protocolError(A.INVALID_BOOLEAN, false);
          return;
        }
        this.complete(kept ? (this.build ? { type: 'boolean', value: c === 0x74 } : UNBUILT) : null, false);
        return;
      }
      case C_NULL:
        if (len !== 0) {
          this.protocolError(A.INVALID_NULL, false);
          return;
        }
        this.complete(kept ? (this.build ? { type: 'null' } : UNBUILT) : null, false);
        return;
      case C_END:
        this.endMarker(len);
        return;
      case C_CHUNK:
        this.chunkHeader(len);
        return;
      default:
        this.lengthHeader(t, kept);
    }
  }

  /** `$ = ! * ~ > % |` header: the length, then the payload or the elements. */
  private lengthHeader(t: number, kept: boolean): void {
    if (this.rdbNext && t === C_BULK && this.depth === 0) {
      this.rdbHeader();
      return;
    }
    const streamed = this.numLen === 1 && this.numBuf[0] === 0x3f && !this.request;
    if (t === C_BULK && streamed) {
      // `$?`: a RESP3 streamed string, in `;` chunks.
      this.streamed = true;
      this.streamedLength = 0;
      this.bulkKept = kept;
      this.setBulkBuild(kept);
      this.bulkIncomplete = false;
      this.keep = 0;
      this.keepLimit = kept ? this.o.maxStringBytes : 0;
      return;
    }
    const aggregate = t === C_ARRAY || t === C_SET || t === C_PUSH || t === C_MAP || t === C_ATTR;
    if (aggregate && streamed) {
      this.openAggregate(t, -1, kept);
      return;
    }
    const n = parseLength(this.numBuf, this.numLen);
    if (n === -1 && (t === C_BULK || t === C_ARRAY)) {
      if (this.request) {
        if (t === C_ARRAY) {
          // `*-1`: Redis ignores it. No message began: nothing of it counts toward the next one's caps
          // (else a run of them would trim the next command out of its record).
          this.resetMessage();
          return;
        }
        this.protocolError(A.INVALID_LENGTH, false); // Redis: "invalid bulk length"
        return;
      }
      this.complete(kept ? (this.build ? { type: 'null', of: t === C_BULK ? 'bulk_string' : 'array' } : UNBUILT) : null, false);
      return;
    }
    if (n < 0) {
      if (this.request && t === C_ARRAY && n !== INVALID) {
        // `*-20`: Redis's query parser ignores any count <= 0 silently.
        this.handler.anomaly(A.EMPTY_REQUEST);
        this.resetMessage();
        return;
      }
      this.protocolError(A.INVALID_LENGTH, false);
      return;
    }
    if (aggregate) {
      if (n > this.o.maxAggregateLength) {
        this.protocolError(A.AGGREGATE_TOO_LONG, false);
        return;
      }
      if (n === 0 && this.request) {
        this.resetMessage(); // `*0`: ignored, and counts toward nothing
        return;
      }
      this.openAggregate(t, n, kept);
      return;
    }
    if (n > this.o.maxBulkLength) {
      this.protocolError(A.BULK_TOO_LONG, false);
      return;
    }
    this.bulkType = t;
    this.bulkLength = n;
    this.bulkRemaining = n;
    this.bulkKept = kept;
    this.setBulkBuild(kept);
    this.bulkBadCrlf = false;
    this.bulkIncomplete = false;
    this.keep = 0;
    this.keepLimit = kept ? this.o.maxStringBytes + (t === C_VERBATIM ? 4 : 0) : 0;
    this.state = n === 0 ? S_BULK_CR : S_BULK;
  }

  /** `;<length>` inside a streamed string: a chunk, or `;0`, the end. */
  private chunkHeader(len: number): void {
    const n = parseLength(this.numBuf, this.numLen);
    if (n < 0 || len === 0) {
      this.protocolError(A.INVALID_STREAM_CHUNK, false);
      return;
    }
    if (n === 0) {
      this.streamed = false;
      this.bulkLength = this.streamedLength;
      this.finishString('bulk_string', true);
      return;
    }
    if (this.streamedLength + n > this.o.maxBulkLength) {
      this.protocolError(A.BULK_TOO_LONG, false);
      return;
    }
    this.streamedLength += n;
    this.bulkType = C_CHUNK;
    this.bulkRemaining = n;
    this.bulkBadCrlf = false;
    this.state = S_BULK;
  }

  /** `.`: the end of the innermost streamed aggregate. */
  private endMarker(len: number): void {
    const d = this.depth - 1;
    if (len !== 0 || d < 0 || this.fTotal[d]! >= 0) {
      this.protocolError(A.UNEXPECTED_END_MARKER, false);
      return;
    }
    if (this.fAttr[d] !== null || (this.fType[d] === T_MAP && this.fCount[d]! % 2 === 1)) {
      // An attribute, or a map key, left without its value.
      this.handler.anomaly(A.ATTRIBUTE_WITHOUT_VALUE);
      this.fAttr[d] = null;
    }
    this.closeFrame();
  }

  // ---- replication -------------------------------------------------------------------------------------

  /** `$<length>` or `$EOF:<mark>` before an RDB payload. */
  private rdbHeader(): void {
    this.rdbNext = false;
    this.rdbLength = 0;
    const b = this.numBuf;
    if (this.numLen === 4 + RDB_MARK && b[0] === 0x45 && b[1] === 0x4f && b[2] === 0x46 && b[3] === 0x3a) {
      this.rdbMark.set(b.subarray(4, 4 + RDB_MARK));
      this.rdbMatched = 0;
      this.state = S_RDB_EOF;
      return;
    }
    const n = parseLength(b, this.numLen);
    if (n < 0 || n === Infinity) {
      this.protocolError(A.INVALID_LENGTH, false);
      return;
    }
    this.rdbLength = this.rdbRemaining = n;
    if (n > 0) this.state = S_RDB;
    else this.handler.rdb(0, true);
  }

  /** Diskless RDB bytes until the end mark (a random 40-character string: a naive match is enough). */
  private onRdbEof(data: Uint8Array, i: number, end: number): number {
    const mark = this.rdbMark;
    for (; i < end; i++) {
      const c = data[i]!;
      this.rdbLength++;
      if (c === mark[this.rdbMatched]) {
        if (++this.rdbMatched === RDB_MARK) {
          this.state = S_START;
          this.handler.rdb(this.rdbLength - RDB_MARK, true);
          return i + 1;
        }
      } else this.rdbMatched = c === mark[0] ? 1 : 0;
    }
    return end;
  }

  // ---- bulk strings ------------------------------------------------------------------------------------

  /**
   * Whether the bulk string beginning is built, and with its text: a lean top-level one only as its
   * type, length and flags (pairing reads no more of it).
   */
  private setBulkBuild(kept: boolean): void {
    this.bulkBuild = kept && this.build;
    this.bulkText = this.bulkBuild && !(this.lean && this.depth === 0);
    // A lean command's unbuilt arguments still need their bytes (their text length), and a verbatim
    // string its `xxx:` prefix (checked, maybe an anomaly); a lean reply's other unbuilt strings do not.
    this.copyBytes = !this.lean || this.request || this.bulkText || this.bulkType === C_VERBATIM;
  }

  private endBulk(): void {
    if (this.bulkBadCrlf) this.handler.anomaly(A.MISSING_CRLF);
    this.state = S_START;
    if (this.bulkType === C_CHUNK) return; // the streamed string goes on with its next chunk
    const t = this.bulkType;
    this.finishString(t === C_BULK ? 'bulk_string' : t === C_VERBATIM ? 'verbatim_string' : 'bulk_error', false);
  }

  /** The current bulk (or streamed) string ended: its value from the kept bytes. */
  private finishString(type: RedisStringValue['type'], streamed: boolean): void {
    if (!this.bulkKept) {
      this.complete(null, false);
      return;
    }
    const length = this.bulkLength;
    let from = 0;
    let format: string | undefined;
    if (type === 'verbatim_string') {
      if (this.keep >= 4 && this.scratch[3] === 0x3a) {
        format = String.fromCharCode(this.scratch[0]!, this.scratch[1]!, this.scratch[2]!);
        from = 4;
      } else this.handler.anomaly(A.INVALID_VERBATIM);
    }
    const cut = this.keep - from < length - from;
    // Cut by the cap (not only by a hole a gap left in it).
    if (cut && length - from > this.o.maxStringBytes) this.trimmed(A.STRING_TRIMMED);
    if (!this.bulkBuild) {
      // Lean: a command's argument still counts toward the handler's byte cap, by its text's length.
      if (this.request) this.leanChars += textLength(this.scratch, from, this.keep, cut);
      this.complete(UNBUILT, false);
      return;
    }
    let v: RedisStringValue;
    if (this.bulkText) {
      v = { type, value: toText(this.scratch, from, this.keep, cut), length };
      if (lastEscaped) v.escaped = true;
    } else v = { type, value: '', length };
    if (format !== undefined) v.format = format;
    if (cut) v.truncated = true;
    if (this.bulkIncomplete) v.incomplete = true;
    if (streamed) v.streamed = true;
    this.complete(v, false);
  }

  /** A text line's value (UNBUILT when the line's value is not built). */
  private lineString(type: RedisStringValue['type'], len: number): RedisValue {
    const cut = this.keep < len;
    if (cut) this.trimmed(A.STRING_TRIMMED);
    if (!this.build) return UNBUILT;
    const v: RedisStringValue = { type, value: toText(this.scratch, 0, this.keep, cut), length: len };
    if (lastEscaped) v.escaped = true;
    if (cut) v.truncated = true;
    return v;
  }

  // ---- aggregates --------------------------------------------------------------------------------------

  private openAggregate(t: number, count: number, kept: boolean): void {
    const kind = t === C_ARRAY ? T_ARRAY : t === C_SET ? T_SET : t === C_PUSH ? T_PUSH : t === C_MAP ? T_MAP : T_ATTR;
    const map = kind === T_MAP || kind === T_ATTR;
    let node: RedisArrayValue | RedisMapValue | null = null;
    if (kept && !this.build) node = UNBUILT;
    else if (kept) {
      const length = count < 0 ? 0 : count;
      node = map
        ? { type: kind === T_MAP ? 'map' : 'attribute', length, entries: [] }
        : { type: kind === T_ARRAY ? 'array' : kind === T_SET ? 'set' : 'push', length, elements: [] };
      if (count < 0) node.streamed = true;
    }
    if (count === 0) {
      this.complete(node, kind === T_ATTR);
      return;
    }
    if (this.depth >= this.o.maxDepth) {
      this.protocolError(A.TOO_DEEP, false);
      return;
    }
    const d = this.depth++;
    this.fType[d] = kind;
    this.fTotal[d] = count < 0 ? -1 : map ? count * 2 : count;
    this.fCount[d] = 0;
    this.fKept[d] = 0;
    this.fPairKept[d] = 0;
    this.fNode[d] = node;
    this.fKey[d] = null;
    this.fAttr[d] = null;
  }

  /** Pops the innermost frame (complete, or a streamed one at its `.`) and completes its value. */
  private closeFrame(): void {
    const d = --this.depth;
    const node = this.fNode[d] ?? null;
    const kind = this.fType[d]!;
    if (node !== null && node !== UNBUILT && this.fTotal[d]! < 0) {
      const n = this.fCount[d]!;
      node.length = kind === T_MAP || kind === T_ATTR ? Math.floor(n / 2) : n;
    }
    this.fNode[d] = null;
    this.fKey[d] = null;
    this.complete(node, kind === T_ATTR);
  }

  /**
   * A value ended at the current level (`node` null when not kept): into its parent, closing every
   * aggregate it completes; at the top level, to the handler. An attribute waits for the next value.
   */
  private complete(node: RedisValue | null, attribute: boolean): void {
    if (this.depth === 0) {
      if (attribute) {
        this.topAttr = node as RedisMapValue | null;
        this.attrPending = true;
        return;
      }
      if (this.topAttr !== null && node !== null) node.attributes = this.topAttr;
      this.topAttr = null;
      this.attrPending = false;
      this.emit(node);
      return;
    }
    const d = this.depth - 1;
    if (attribute) {
      this.fAttr[d] = node as RedisMapValue | null;
      return;
    }
    const attr = this.fAttr[d] ?? null;
    if (attr !== null) {
      if (node !== null && node !== UNBUILT && (attr as RedisValue) !== UNBUILT) node.attributes = attr;
      this.fAttr[d] = null;
    }
    const parent = this.fNode[d] ?? null;
    const idx = this.fCount[d]!;
    this.fCount[d] = idx + 1;
    if (parent !== null && node !== null) {
      // An UNBUILT parent (lean) counts its kept elements all the same: the caps must decide as when built.
      const real = parent !== UNBUILT;
      const kind = this.fType[d];
      if (kind === T_MAP || kind === T_ATTR) {
        if (idx % 2 === 0) this.fKey[d] = node;
        else {
          if (real) (parent as RedisMapValue).entries.push({ key: this.fKey[d]!, value: node });
          this.fKey[d] = null;
          this.fKept[d]!++;
        }
      } else {
        if (real) (parent as RedisArrayValue).elements.push(node);
        this.fKept[d]!++;
      }
      // A lean command's name is in: it says which of its arguments are worth building.
      if (this.lean && this.request && d === 0 && idx === 0 && node.type === 'bulk_string') {
        this.leanWant = this.handler.leanArgs?.(node.value) ?? 1;
      }
    }
    const total = this.fTotal[d]!;
    if (total >= 0 && idx + 1 >= total) this.closeFrame();
  }

  private emit(node: RedisValue | null): void {
    const flags = this.msgFlags;
    this.resetMessage();
    this.resyncing = false;
    if (node === null) return;
    this.handler.message(node, flags, this.leanChars);
  }

  // ---- inline commands ---------------------------------------------------------------------------------

  private beginInline(): void {
    this.state = S_INLINE;
    this.inl = I_SPACE;
    this.inlNode = null;
    this.inlArgs = 0;
    this.inlPendingCR = false;
    this.lineLen = 0;
    this.values = 0;
  }

  private onInline(data: Uint8Array, i: number, end: number): number {
    const max = this.o.maxLineBytes;
    for (; i < end; i++) {
      const c = data[i]!;
      if (c === LF) {
        this.endInline();
        return i + 1;
      }
      if (++this.lineLen > max + 1) {
        this.protocolError(A.LINE_TOO_LONG, true);
        return i + 1;
      }
      if (c === 0) {
        if (this.inlResync) {
          // Binary noise after a gap, not a line the server saw as such: drop it.
          this.reset();
          this.state = S_SKIP_LINE;
          return i + 1;
        }
        // Redis finds the end of an inline line with strchr(), which stops at a NUL: the line never ends
        // for it. Nothing after the NUL runs; the server waits until the buffer passes its inline limit,
        // then refuses the "too big inline request" and closes.
        this.handler.anomaly(A.NUL_IN_INLINE);
        if (this.inl !== I_SPACE && this.inl !== I_BAD && this.inlNode !== null) this.endArg();
        this.inl = I_SPACE;
        this.state = S_INLINE_STALL;
        return i + 1;
      }
      if (c === CR) {
        // Redis strips a CR right before the LF only; elsewhere it is whitespace (or quoted text).
        if (this.inlPendingCR && !this.inlineByte(CR)) return i + 1;
        this.inlPendingCR = true;
        continue;
      }
      if (this.inlPendingCR) {
        this.inlPendingCR = false;
        if (!this.inlineByte(CR)) return i + 1;
      }
      if (!this.inlineByte(c)) return i + 1;
    }
    return end;
  }

  /** One byte of an inline line, as sdssplitargs reads it. False after a protocol error. */
  private inlineByte(c: number): boolean {
    for (;;) {
      switch (this.inl) {
        case I_SPACE:
          if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) return true;
          this.beginArg();
          this.inl = I_WORD;
          continue;
        case I_WORD:
          if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
            this.endArg();
            this.inl = I_SPACE;
          } else if (c === 0x22) this.inl = I_DQ;
          else if (c === 0x27) this.inl = I_SQ;
          else this.argByte(c);
          return true;
        case I_DQ:
          if (c === 0x5c) this.inl = I_DQ_ESC;
          else if (c === 0x22) this.inl = I_AFTER_QUOTE;
          else this.argByte(c);
          return true;
        case I_DQ_ESC:
          if (c === 0x78) {
            this.inl = I_DQ_X;
            return true;
          }
          this.argByte(c === 0x6e ? 0x0a : c === 0x72 ? 0x0d : c === 0x74 ? 0x09 : c === 0x62 ? 0x08 : c === 0x61 ? 0x07 : c);
          this.inl = I_DQ;
          return true;
        case I_DQ_X:
          if (hexValue(c) >= 0) {
            this.inlHex = c;
            this.inl = I_DQ_XH;
            return true;
          }
          // `\x` without two hex digits: the backslash escapes the `x`.
          this.argByte(0x78);
          this.inl = I_DQ;
          continue;
        case I_DQ_XH:
          if (hexValue(c) >= 0) {
            this.argByte(hexValue(this.inlHex) * 16 + hexValue(c));
            this.inl = I_DQ;
            return true;
          }
          this.argByte(0x78);
          this.argByte(this.inlHex);
          this.inl = I_DQ;
          continue;
        case I_SQ:
          if (c === 0x5c) this.inl = I_SQ_ESC;
          else if (c === 0x27) this.inl = I_AFTER_QUOTE;
          else this.argByte(c);
          return true;
        case I_SQ_ESC:
          if (c === 0x27) {
            this.argByte(0x27);
            this.inl = I_SQ;
            return true;
          }
          this.argByte(0x5c);
          this.inl = I_SQ;
          continue;
        case I_AFTER_QUOTE:
          // "closing quote must be followed by a space or nothing at all" (sdssplitargs)
          if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) {
            this.endArg();
            this.inl = I_SPACE;
            return true;
          }
          return this.unbalanced();
        default:
          return true;
      }
    }
  }

  /**
   * Unbalanced quotes. Redis only splits a line once it has found its end, and a NUL before the end means
   * it never does (see onInline): so the error is raised at the end of the line, not here.
   */
  private unbalanced(): boolean {
    this.endArg();
    this.inl = I_BAD;
    return true;
  }

  private endInline(): void {
    switch (this.inl) {
      case I_WORD:
      case I_AFTER_QUOTE:
        this.endArg();
        break;
      case I_SPACE:
        break;
      default:
        // Inside quotes at the end of the line, or after a quote closed too early.
        if (this.inl !== I_BAD) this.endArg();
        this.inl = I_SPACE;
        this.protocolError(A.UNBALANCED_QUOTES, false);
        return;
    }
    this.state = S_START;
    const node = this.inlNode;
    this.inlNode = null;
    const resync = this.inlResync;
    this.inlResync = false;
    if (node === null || (resync && !startsWithKnownCommand(node))) {
      this.resetMessage(); // an empty line (Redis runs nothing, answers nothing), or resync noise
      return;
    }
    node.length = this.inlArgs;
    this.msgFlags |= Msg.INLINE;
    this.emit(node);
  }

  private beginArg(): void {
    if (this.inlNode === null) {
      this.inlNode = { type: 'array', length: 0, elements: [] };
      this.values = 1;
    }
    const node = this.inlNode;
    if (this.inlArgs >= this.o.maxElements) {
      node.truncated = true;
      this.trimmed(A.ELEMENTS_TRIMMED);
      this.inlArgKept = false;
    } else if (this.values >= this.o.maxValues) {
      node.truncated = true;
      this.trimmed(A.VALUES_TRIMMED);
      this.inlArgKept = false;
    } else {
      this.inlArgKept = true;
      this.inlArgBuild = !this.lean || this.inlArgs < this.leanWant;
      this.values++;
    }
    this.inlArgs++;
    this.inlArgLen = 0;
    this.keep = 0;
    this.keepLimit = this.inlArgKept ? this.o.maxStringBytes : 0;
  }

  private argByte(c: number): void {
    this.inlArgLen++;
    if (this.keep < this.keepLimit) this.scratch[this.keep++] = c;
  }

  private endArg(): void {
    if (!this.inlArgKept) return;
    this.inlArgKept = false;
    const len = this.inlArgLen;
    const cut = this.keep < len;
    if (cut) this.trimmed(A.STRING_TRIMMED);
    const node = this.inlNode!;
    if (!this.inlArgBuild) {
      this.leanChars += textLength(this.scratch, 0, this.keep, cut);
      node.elements.push(UNBUILT);
      return;
    }
    const v: RedisStringValue = { type: 'bulk_string', value: toText(this.scratch, 0, this.keep, cut), length: len };
    if (lastEscaped) v.escaped = true;
    if (cut) v.truncated = true;
    node.elements.push(v);
    if (this.lean && node.elements.length === 1) this.leanWant = this.handler.leanArgs?.(v.value) ?? 1;
  }

  // ---- errors, partial messages, resynchronisation ---------------------------------------------------

  /**
   * The bytes cannot be read as RESP here. `midLine`: the error was found before the end of the line,
   * whose rest is skipped.
   */
  private protocolError(code: number, midLine: boolean): void {
    if (this.resyncing) {
      // Silent (one anomaly per loss of sync), but counted: a stream that never resynchronises is not
      // followed for ever. (Text lines tried as inline commands while resynchronising are not errors.)
      const counted = !this.inlResync;
      this.reset();
      if (counted && ++this.errors > this.o.maxProtocolErrors) this.die();
      else this.state = midLine ? S_SKIP_LINE : S_START;
      return;
    }
    this.handler.anomaly(code);
    if (++this.errors > this.o.maxProtocolErrors) {
      this.abandon(Msg.MALFORMED);
      this.die();
      return;
    }
    this.abandon(Msg.MALFORMED);
    this.resyncing = true;
    this.state = midLine ? S_SKIP_LINE : S_START;
  }

  /** Too many protocol errors: this direction is given up. */
  private die(): void {
    this.handler.anomaly(A.TOO_MANY_PROTOCOL_ERRORS);
    this.reset();
    this.state = S_DEAD;
    this.handler.giveUp();
  }

  /** Whether a message is in progress (bytes of it were read). */
  private inMessage(): boolean {
    const s = this.state;
    return (
      this.depth > 0 ||
      s === S_LINE ||
      s === S_REQ_LF ||
      s === S_INLINE_STALL ||
      s === S_BULK ||
      s === S_BULK_CR ||
      s === S_BULK_LF ||
      this.streamed ||
      this.inlNode !== null ||
      this.attrPending
    );
  }

  /**
   * Hands over what was read of the message in progress, flagged (`Msg.MALFORMED`, `GAP` or `END`), and
   * clears it. A request always reaches the handler (the server answers even a malformed one); a reply
   * only when something of it was kept.
   */
  private abandon(flag: number): void {
    let node: RedisValue | null = null;
    // The string in progress, as far as it was read.
    let partial: RedisValue | null = null;
    if (this.inlNode !== null) {
      if (this.inl !== I_SPACE && this.inl !== I_BAD) this.endArg();
      if (this.inlResync && !startsWithKnownCommand(this.inlNode)) {
        // Noise read while resynchronising: nothing to hand over.
        this.reset();
        return;
      }
      node = this.inlNode;
      node.length = this.inlArgs;
      this.msgFlags |= Msg.INLINE;
    } else if (this.state === S_BULK || this.state === S_BULK_CR || this.state === S_BULK_LF || this.streamed) {
      if (this.bulkKept && !this.bulkBuild) {
        if (this.request) this.leanChars += textLength(this.scratch, 0, this.keep, true);
        partial = UNBUILT;
      } else if (this.bulkKept) {
        const t = this.streamed ? C_BULK : this.bulkType;
        const length = this.streamed ? this.streamedLength : this.bulkLength;
        const v: RedisStringValue = {
          type: t === C_VERBATIM ? 'verbatim_string' : t === C_BULK_ERROR ? 'bulk_error' : 'bulk_string',
          value: this.bulkText ? toText(this.scratch, 0, this.keep, true) : '',
          length,
        };
        if (this.bulkText && lastEscaped) v.escaped = true;
        if (this.keep < length) v.truncated = true;
        v.incomplete = true;
        partial = v;
      }
    } else if (this.state === S_LINE && this.lineKept && TEXT_LINES[this.lineType] === 1 && flag !== Msg.MALFORMED) {
      const len = this.lineCR ? this.lineLen - 1 : this.lineLen;
      if (this.keep > len) this.keep = len;
      partial = this.lineString(
        this.lineType === C_SIMPLE ? 'simple_string' : this.lineType === C_ERROR ? 'simple_error' : 'big_number',
        len,
      );
      if (partial !== UNBUILT) partial.incomplete = true;
    }
    if (this.depth > 0) {
      node = this.fNode[0] ?? null;
      const d = this.depth - 1;
      const parent = this.fNode[d] ?? null;
      if (partial !== null && parent !== null && parent !== UNBUILT) {
        if (!('entries' in parent)) parent.elements.push(partial);
        else if (this.fCount[d]! % 2 === 1 && this.fKey[d] !== null) parent.entries.push({ key: this.fKey[d]!, value: partial });
      }
    } else if (node === null) node = partial;
    if (node === UNBUILT) node = null; // (never: top-level values are always built)
    if (node !== null) node.incomplete = true;
    if (this.topAttr !== null && node !== null && node.attributes === undefined && node.type !== 'attribute')
      node.attributes = this.topAttr;
    const flags = this.msgFlags | flag;
    this.reset();
    // A reply of which nothing was kept still answers a command (the pairing must not shift).
    if (node !== null || this.request || flag === Msg.MALFORMED) this.handler.message(node, flags, this.leanChars);
  }

  /** Forgets the message in progress. */
  private reset(): void {
    for (let d = 0; d < this.depth; d++) {
      this.fNode[d] = null;
      this.fKey[d] = null;
      this.fAttr[d] = null;
    }
    this.depth = 0;
    this.topAttr = null;
    this.attrPending = false;
    this.streamed = false;
    this.inlNode = null;
    this.inlResync = false;
    this.resetMessage();
    if (this.state !== S_DEAD) this.state = S_START;
  }

  private resetMessage(): void {
    this.values = 0;
    this.msgFlags = 0;
    this.trimmedBits = 0;
  }

  // ---- bytes -------------------------------------------------------------------------------------------

  /** Keeps `data[from, to)` within the current keep limit. */
  private copy(data: Uint8Array, from: number, to: number): void {
    const room = this.keepLimit - this.keep;
    if (room <= 0) return;
    const n = Math.min(room, to - from);
    if (!this.copyBytes) {
      this.keep += n;
      return;
    }
    const s = this.scratch;
    if (n <= 32) {
      // Short strings (keys, small values) are most: a loop beats creating a view to `set` from.
      let k = this.keep;
      for (let i = from; i < from + n; i++) s[k++] = data[i]!;
    } else s.set(data.subarray(from, from + n), this.keep);
    this.keep += n;
  }

  /** Keeps `data[from, to)` of a number line (at most NUMBER_LINE bytes: longer is not a number). */
  private copyNum(data: Uint8Array, from: number, to: number): void {
    const n = Math.min(NUMBER_LINE - this.numLen, to - from);
    if (n <= 0) return;
    const b = this.numBuf;
    let k = this.numLen;
    for (let i = from; i < from + n; i++) b[k++] = data[i]!;
    this.numLen = k;
  }

  private numText(): string {
    return String.fromCharCode.apply(null, this.numBuf.subarray(0, this.numLen) as unknown as number[]);
  }
}

/** The value of the length the last successful fastLength call read. */
let fastValue = 0;

/**
 * A length line after its type byte, as the fast paths accept it: 1 to 15 decimal digits without a leading
 * zero (`0` alone is zero) and CR LF, all before `end`. Returns the index after the LF (the value in
 * `fastValue`: a module variable, so that no pair is allocated per line), or -1 for anything else (a sign,
 * `?`, a padded or empty number, a CR without its LF, bytes cut by `end`): parseLength's valid lengths
 * minus the cases the byte machine handles apart.
 */
function fastLength(data: Uint8Array, p: number, end: number): number {
  const stop = Math.min(end, p + 16);
  let v = 0;
  let i = p;
  for (; i < stop; i++) {
    const d = data[i]! - 0x30;
    if (d < 0 || d > 9) break;
    v = v * 10 + d;
  }
  const n = i - p;
  if (n === 0 || n > 15 || (n > 1 && data[p] === 0x30)) return -1;
  if (i + 1 >= end || data[i] !== CR || data[i + 1] !== LF) return -1;
  fastValue = v;
  return i + 2;
}

// How readFlat builds the value it reads, as the byte machine builds it lean.
const FLAT_TOP = 0; // a top-level value: built, a bulk string without its text (pairing reads none)
const FLAT_BUILT = 1; // an element the lean message builds: with its text
const FLAT_UNBUILT = 2; // an element it does not: UNBUILT (its bytes still checked, its cut still raised)

/** The value the last successful readFlat call read. */
let flatValue: RedisValue = UNBUILT;
/** A string readFlat read was cut by maxStringBytes (since the caller cleared it). */
let flatCut = false;

/**
 * One flat reply value at `data[p]`, whole before `end`: `+text` / `-text` (CRLF-ended, at most
 * maxLineBytes), `:integer` (a sign and 1 to 15 digits, as smallInteger reads it), `$len` + bytes + CRLF,
 * `$-1`. Returns the index after it (the value in `flatValue`, `flatCut` set when a string was cut), or -1
 * for anything else: other types, a bare LF, a long or odd number, a missing CRLF, bytes cut by `end`.
 */
function readFlat(data: Uint8Array, p: number, end: number, o: RedisOptions, how: number): number {
  const b = data[p]!;
  switch (b) {
    case C_SIMPLE:
    case C_ERROR: {
      const lf = scanLf(data, p + 1, end);
      // (data[p] is the type byte: a CR before the LF is at p + 1 or later.)
      if (lf === end || data[lf - 1] !== CR) return -1;
      const len = lf - 1 - (p + 1);
      if (len > o.maxLineBytes) return -1;
      const keep = len <= o.maxStringBytes ? len : o.maxStringBytes;
      const cut = keep < len;
      if (cut) flatCut = true;
      if (how === FLAT_UNBUILT) flatValue = UNBUILT;
      else {
        const type = b === C_SIMPLE ? 'simple_string' : 'simple_error';
        const s: RedisStringValue = { type, value: toText(data, p + 1, p + 1 + keep, cut), length: len };
        if (lastEscaped) s.escaped = true;
        if (cut) s.truncated = true;
        flatValue = s;
      }
      return lf + 1;
    }
    case C_INTEGER: {
      let q = p + 1;
      const neg = data[q] === 0x2d;
      if (neg || data[q] === 0x2b) q++;
      const stop = Math.min(end, q + 16);
      let n = 0;
      let i = q;
      for (; i < stop; i++) {
        const d = data[i]! - 0x30;
        if (d < 0 || d > 9) break;
        n = n * 10 + d;
      }
      if (i === q || i - q > 15 || i + 1 >= end || data[i] !== CR || data[i + 1] !== LF) return -1;
      flatValue = how === FLAT_UNBUILT ? UNBUILT : { type: 'integer', value: neg ? -n : n };
      return i + 2;
    }
    case C_BULK: {
      if (data[p + 1] === 0x2d) {
        // `$-1`, the null bulk string; any other negative length is an error the byte machine raises.
        if (p + 4 >= end || data[p + 2] !== 0x31 || data[p + 3] !== CR || data[p + 4] !== LF) return -1;
        flatValue = how === FLAT_UNBUILT ? UNBUILT : { type: 'null', of: 'bulk_string' };
        return p + 5;
      }
      const from = fastLength(data, p + 1, end);
      if (from < 0) return -1;
      const len = fastValue;
      const q = from + len;
      if (len > o.maxBulkLength || q + 1 >= end || data[q] !== CR || data[q + 1] !== LF) return -1;
      const keep = len <= o.maxStringBytes ? len : o.maxStringBytes;
      const cut = keep < len;
      if (cut) flatCut = true;
      if (how === FLAT_UNBUILT) flatValue = UNBUILT;
      else {
        const text = how === FLAT_BUILT;
        const s: RedisStringValue = { type: 'bulk_string', value: text ? toText(data, from, from + keep, cut) : '', length: len };
        if (text && lastEscaped) s.escaped = true;
        if (cut) s.truncated = true;
        flatValue = s;
      }
      return q + 2;
    }
    default:
      return -1;
  }
}

/** A length that is not a number. */
const INVALID = -2;

/**
 * A RESP length as Redis's string2ll reads it: decimal digits without a leading zero (`0` alone is zero),
 * an optional `-` (`-1`: null; `-0` is 0), nothing else (no `+`, no spaces, not empty); INVALID otherwise
 * (-3 for another negative number), `Infinity` beyond 15 digits (beyond every cap anyway). `$01` is not
 * one: the server refuses it, so must netsieve.
 */
export function parseLength(buf: Uint8Array, n: number): number {
  if (n === 0) return INVALID;
  let i = 0;
  const neg = buf[0] === 0x2d;
  if (neg) i = 1;
  if (i === n) return INVALID;
  if (buf[i] === 0x30) return n - i === 1 ? 0 : INVALID;
  let v = 0;
  for (; i < n; i++) {
    const d = buf[i]! - 0x30;
    if (d < 0 || d > 9) return INVALID;
    v = v * 10 + d;
  }
  if (n - (neg ? 1 : 0) > 15) return neg ? INVALID : Infinity;
  if (neg) return v === 1 ? -1 : -3;
  return v;
}

/** Whether an inline command's first word is a Redis command netsieve knows. */
function startsWithKnownCommand(node: RedisArrayValue): boolean {
  const first = node.elements[0];
  return (
    first !== undefined && first.type === 'bulk_string' && first.value.length <= 32 && isKnownCommand(first.value.toUpperCase())
  );
}

/** A signed decimal of at most 15 digits (exact as a double), or null for anything else. */
function smallInteger(buf: Uint8Array, n: number): number | null {
  let i = 0;
  const neg = buf[0] === 0x2d;
  if (neg || buf[0] === 0x2b) i = 1;
  if (i === n || n - i > 15) return null;
  let v = 0;
  for (; i < n; i++) {
    const d = buf[i]! - 0x30;
    if (d < 0 || d > 9) return null;
    v = v * 10 + d;
  }
  return neg ? -v : v;
}

/** Index of the first LF in `data[i, end)`, or `end`. */
function scanLf(data: Uint8Array, i: number, end: number): number {
  return scanByte(data, LF, i, end);
}

/** Bytes looked at in JS before a scan calls the native indexOf (most RESP lines are a few bytes). */
const SHORT_SCAN = 16;

/** Index of the first byte `c` in `data[i, end)`, or `end`. */
function scanByte(data: Uint8Array, c: number, i: number, end: number): number {
  // Length and number lines (`$3`, `:1`, `+OK`) end within a few bytes: a loop is cheaper than the call.
  const stop = Math.min(end, i + SHORT_SCAN);
  for (let j = i; j < stop; j++) if (data[j] === c) return j;
  if (stop === end) return end;
  const j = data.indexOf(c, stop); // native scan; a hit past `end` belongs to bytes not ours yet
  return j < 0 || j > end ? end : j;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}
