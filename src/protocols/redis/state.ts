/**
 * One Redis connection: the two RESP parsers (requests, replies) and what pairs their messages.
 *
 * Replies come in the order of the commands (Redis answers each command in turn), so pairing is a FIFO
 * queue of pending commands, bounded by `maxPending` / `maxPendingBytes`. What breaks the one-reply-per-
 * command rule is tracked from the bytes, as the server decides it:
 * - `CLIENT REPLY OFF | SKIP | ON`: commands the server does not answer (decided from the requests alone,
 *   since the server applies them in order);
 * - pub/sub: a (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE is answered by one confirmation per channel (without
 *   channels, UNSUBSCRIBE is answered once per subscription held, so it takes confirmations of its kind
 *   until no subscription is left or another reply comes); published messages are not replies: in RESP2
 *   they are arrays that arrive while the connection holds subscriptions, in RESP3 pushes (`>`);
 * - RESP3 pushes (`>`) other than confirmations, and MONITOR lines, are out-of-band records;
 * - `HELLO 2|3` and `RESET` switch the protocol; `RESET` also ends pub/sub, MONITOR and CLIENT REPLY modes;
 * - replication (SYNC, or PSYNC answered `+FULLRESYNC` / `+CONTINUE`): the snapshot (no CRLF after it),
 *   then the master's propagated commands, are records of their own; the replica's acks get no reply.
 *
 * Secrets: arguments are redacted (`commands.ts`) before a record exists, and CONFIG GET replies that
 * carry passwords are redacted too. Nothing else keeps request bytes.
 */
import type { Direction, StreamEndReason } from '../../flow/stream.js';
import type { AppEventSink, TcpAppParser } from '../module.js';
import { isContainer, keyOf, mayRedact, redactReplySecrets, redactSecrets, subcommandOf } from './commands.js';
import { RedisAnomaly as A, REDIS_ANOMALIES } from './anomalies.js';
import type {
  RedisArrayValue,
  RedisCommandRecord,
  RedisMonitorLine,
  RedisNoReply,
  RedisPushRecord,
  RedisRecord,
  RedisStringValue,
  RedisValue,
} from './events.js';
import type { RedisOptions } from './options.js';
import { Msg, RespParser, type RespHandler } from './parser.js';
import { upperName } from './text.js';

const TO_SERVER = 0 as Direction;
const TO_CLIENT = 1 as Direction;

/** Anomaly names kept per record (each name once). */
const MAX_RECORD_ANOMALIES = 16;

/** Pub/sub confirmation kinds: the command name lower-cased is the confirmation's first element. */
const CONFIRMATIONS = new Set(['subscribe', 'psubscribe', 'ssubscribe', 'unsubscribe', 'punsubscribe', 'sunsubscribe']);
/** The same, by the upper-cased command name (no lower-casing of every command's name). */
const CONFIRMATION_OF = new Map([...CONFIRMATIONS].map((k) => [k.toUpperCase(), k]));

/** RESP3-only reply types: seeing one means the server speaks RESP3. */
const RESP3_TYPES = new Set([
  'double',
  'boolean',
  'big_number',
  'verbatim_string',
  'bulk_error',
  'map',
  'set',
  'push',
  'attribute',
]);

/**
 * A command waiting for its replies: what pairing and modes read of it, and its record when records are
 * wanted (null when the command came while nobody read records, or when a reply was parsed lean for it:
 * a record that cannot be complete is not emitted).
 */
interface Pending {
  record: RedisCommandRecord | null;
  /** The name upper-cased; null when unreadable. */
  command: string | null;
  malformed: boolean;
  /** HELLO's first argument (the protocol version asked for), or null. */
  helloVersion: string | null;
  /** Replies the server owes: 0 (skipped), 1, or one per channel; -1: confirmations until none is left. */
  expected: number;
  /** Pub/sub confirmation kind this command is answered with, or null. */
  confirm: string | null;
  /** Bytes the record keeps (arguments), counted against maxPendingBytes. */
  bytes: number;
  /** Replies received, and the first of them. */
  replyCount: number;
  reply: RedisValue | null;
  /** Why no reply is expected (`skipped`, or `ended` for a command cut by the end), or null. */
  noReply: RedisNoReply | null;
}

/**
 * Elements of a lean command (name included) worth building: what pairing reads (CLIENT REPLY's
 * subcommand and mode, a container's subcommand, REPLCONF's first argument), and every argument of a
 * command whose secrets are redacted (the byte count of what a record would keep reads the redacted text).
 */
function leanArgsOf(name: string): number {
  return nameInfo(name).leanArgs;
}

/** What pairing needs to know of a command name, worked out once per name (see nameInfo). */
interface NameInfo {
  /** Upper-cased. */
  upper: string;
  /** Elements to build of a lean command (leanArgsOf). */
  leanArgs: number;
  /** redactSecrets may hide arguments. */
  secret: boolean;
  /** Its first argument is a subcommand. */
  container: boolean;
  /** The pub/sub confirmation kind that answers it, or undefined. */
  confirm: string | undefined;
}

/**
 * Per command name as sent (interned by the parser, so the lookup hashes nothing new): one Map lookup
 * per command instead of several. Bounded like upperName's cache: names are few, anything else is noise.
 */
const nameInfos = new Map<string, NameInfo>();

function nameInfo(name: string): NameInfo {
  let info = nameInfos.get(name);
  if (info === undefined) {
    const upper = upperName(name);
    const secret = mayRedact(upper);
    const container = isContainer(upper);
    const leanArgs = secret ? Number.POSITIVE_INFINITY : upper === 'CLIENT' ? 3 : upper === 'REPLCONF' || container ? 2 : 1;
    info = { upper, leanArgs, secret, container, confirm: CONFIRMATION_OF.get(upper) };
    if (name.length <= 32) {
      if (nameInfos.size >= 1024) nameInfos.clear();
      nameInfos.set(name, info);
    }
  }
  return info;
}

/** Client reply mode (CLIENT REPLY). */
const REPLY_ON = 0;
const REPLY_OFF = 1;
const REPLY_SKIP = 2;

export class RedisConnection implements TcpAppParser {
  private readonly o: RedisOptions;
  private readonly parsers: [RespParser, RespParser];
  /** Anomaly names raised per direction since its last message: they go into that message's record. */
  private readonly raised: [string[], string[]] = [[], []];
  private readonly queue: Pending[] = [];
  private queueHead = 0;
  private pendingBytes = 0;
  /** Replies to skip: those of commands evicted from the queue. */
  private skipReplies = 0;
  private protocol: 2 | 3 = 2;
  private replyMode = REPLY_ON;
  /** Subscriptions the server last reported: channels + patterns, and shard channels. */
  private subscriptions = 0;
  private shardSubscriptions = 0;
  private monitoring = false;
  /** The queue overflowed and has not drained since (too_many_pending is raised once per overflow). */
  private overflowing = false;
  /**
   * A replication link (after SYNC, or PSYNC answered `+FULLRESYNC` / `+CONTINUE`): the server's stream
   * carries the snapshot, then the commands the master propagates; the replica's `REPLCONF ACK`s get no
   * reply.
   */
  private replicating = false;
  /** A gap broke the request stream: replies of lost commands come unpaired (not an anomaly then). */
  private requestsLost = false;
  private readonly ended = [false, false];
  private stopped = false;

  constructor(
    private readonly sink: AppEventSink<RedisRecord>,
    /** Resolved (the registry's, or `resolveRedisOptions()` for direct use). */
    options: RedisOptions,
  ) {
    this.o = options;
    this.parsers = [
      new RespParser('request', this.o, this.handler(TO_SERVER)),
      new RespParser('reply', this.o, this.handler(TO_CLIENT)),
    ];
  }

  onData(direction: Direction, data: Uint8Array, start: number, end: number): void {
    if (this.stopped || this.ended[direction]) return;
    this.parsers[direction]!.execute(data, start, end);
  }

  onGap(direction: Direction, length: number): void {
    if (this.stopped || this.ended[direction]) return;
    const inSync = this.parsers[direction]!.gap(length);
    if (this.stopped || inSync) return;
    if (direction === TO_SERVER) this.requestsLost = true;
    else {
      // Replies were lost, how many is unknown: the commands waiting can no longer be paired.
      this.flushAll('gap');
      this.skipReplies = 0;
    }
  }

  onEnd(direction: Direction, _reason: StreamEndReason): void {
    if (this.stopped || this.ended[direction]) return;
    this.parsers[direction]!.end();
    this.ended[direction] = true;
    if (this.stopped) return;
    // No more replies: what waits is emitted unanswered. (The requests' end changes nothing: replies to
    // the commands already sent still come.)
    if (direction === TO_CLIENT) this.flushAll('ended');
  }

  // ---- parser callbacks --------------------------------------------------------------------------------

  private handler(direction: Direction): RespHandler {
    return {
      message: (value, flags, leanChars) => {
        if (this.stopped) return;
        if (direction === TO_SERVER) this.onRequest(value, flags, leanChars);
        else this.onReply(value, flags);
      },
      // Asked as each message begins: whether anyone reads records now (the answer may change).
      wantValues: () => this.sink.recordsWanted,
      leanArgs: leanArgsOf,
      anomaly: (code) => {
        if (this.stopped) return;
        const name = REDIS_ANOMALIES[code] ?? 'redis.none';
        const list = this.raised[direction]!;
        if (list.length < MAX_RECORD_ANOMALIES && !list.includes(name)) list.push(name);
        this.sink.anomaly(code, direction);
      },
      rdb: (length, complete) => {
        if (!this.stopped) this.onRdb(length, complete);
      },
      giveUp: () => {
        if (this.stopped) return;
        this.flushAll('ended');
        this.stopped = true;
        this.sink.stop('redis: too many protocol errors');
      },
    };
  }

  private takeRaised(direction: Direction): string[] {
    const list = this.raised[direction]!;
    if (list.length === 0) return [];
    this.raised[direction] = [];
    return list;
  }

  /** Lean: the names raised since the direction's last message go into no record. */
  private dropRaised(direction: Direction): void {
    if (this.raised[direction]!.length > 0) this.raised[direction] = [];
  }

  // ---- requests ----------------------------------------------------------------------------------------

  private onRequest(value: RedisValue | null, flags: number, leanChars: number): void {
    const malformed = (flags & (Msg.MALFORMED | Msg.GAP | Msg.END)) !== 0 || value === null;
    let rec: RedisCommandRecord | null = null;
    // What pairing reads of the command: its name, subcommand, arguments kept, the first two of them.
    let name: string | null = null;
    let sub: string | null = null;
    let argsKept = 0;
    let arg0: string | undefined;
    let arg1: string | undefined;
    let argCount = 0;
    let bytes = 64;
    let info: NameInfo | null = null;
    if ((flags & Msg.LEAN) === 0) {
      rec = this.commandRecord(value, flags);
      name = rec.command;
      sub = rec.subcommand;
      argCount = rec.argCount;
      const args = rec.args;
      argsKept = args.length;
      arg0 = args[0];
      arg1 = args[1];
      for (const a of args) bytes += a.length;
    } else {
      // Lean: only the elements leanArgsOf asked for are built (UNBUILT placeholders keep the others'
      // places), and the others' text length is in leanChars: the byte count is the record's.
      this.dropRaised(TO_SERVER);
      bytes += leanChars;
      if (value !== null && value.type === 'array' && value.elements.length > 0) {
        const el = value.elements;
        info = nameInfo(stringOf(el[0]!));
        name = info.upper;
        argCount = Math.max(0, value.length - 1);
        argsKept = el.length - 1;
        if (info.secret) {
          // Every argument was built: counted as the record keeps them, secrets redacted.
          const args = new Array<string>(argsKept);
          for (let i = 1; i < el.length; i++) args[i - 1] = stringOf(el[i]!);
          redactSecrets(name, args);
          for (const a of args) bytes += a.length;
          arg0 = args[0];
          arg1 = args[1];
        } else {
          for (let i = 1; i < el.length; i++) {
            const e = el[i]!;
            if (e.type !== 'bulk_string') continue; // UNBUILT
            bytes += e.value.length;
            if (i === 1) arg0 = e.value;
            else if (i === 2) arg1 = e.value;
          }
        }
        // As subcommandOf reads it (a container's first argument is always built).
        if (arg0 !== undefined && info.container) sub = upperName(arg0);
      }
    }
    let expected = 1;
    let confirm: string | null = null;
    // Cut by the end of the stream: the server never ran it.
    if ((flags & Msg.END) !== 0) expected = 0;
    else {
      if (info === null && name !== null) info = nameInfo(name);
      const lower = info !== null && !malformed ? info.confirm : undefined;
      if (lower !== undefined) {
        confirm = lower;
        // Without channels SUBSCRIBE is an error (one reply); UNSUBSCRIBE answers once per subscription.
        expected = argCount > 0 ? argCount : lower.endsWith('unsubscribe') ? -1 : 1;
      }
      expected = this.applyReplyMode(malformed ? '' : (name ?? ''), sub, argsKept, arg1, expected);
      if (name === 'RESET' && !malformed) this.replyMode = REPLY_ON;
    }
    // A replica's REPLCONF ACK / GETACK: Redis never answers them.
    if (this.replicating || (name === 'REPLCONF' && !malformed && /^(GET)?ACK$/i.test(arg0 ?? ''))) expected = 0;
    const noReply: RedisNoReply | null = expected === 0 ? ((flags & Msg.END) !== 0 ? 'ended' : 'skipped') : null;
    if (rec !== null) rec.noReply = noReply;
    this.queue.push({
      record: rec,
      command: name,
      malformed,
      helloVersion: name === 'HELLO' ? (arg0 ?? null) : null,
      expected,
      confirm,
      bytes,
      replyCount: 0,
      reply: null,
      noReply,
    });
    this.pendingBytes += bytes;
    if (this.queue.length - this.queueHead === 1) this.headChanged();
    const pending = this.queue.length - this.queueHead;
    if (pending > this.o.maxPending || this.pendingBytes > this.o.maxPendingBytes) {
      while (
        this.queue.length - this.queueHead > 1 &&
        (this.queue.length - this.queueHead > this.o.maxPending || this.pendingBytes > this.o.maxPendingBytes)
      ) {
        const p = this.shift()!;
        // Raised once per overflow, on the first command it evicts.
        if (!this.overflowing) this.raise(A.TOO_MANY_PENDING, TO_SERVER, p.record);
        this.overflowing = true;
        if (p.expected !== 0) {
          this.skipReplies += p.expected < 0 ? (p.replyCount > 0 ? 0 : 1) : Math.max(0, p.expected - p.replyCount);
          this.finish(p, 'overflow');
        } else this.finish(p, p.noReply);
      }
    }
    this.flushAnswered();
    // The server's stream has ended: no reply will come.
    if (this.ended[TO_CLIENT]) this.flushAll('ended');
  }

  /**
   * CLIENT REPLY as the server applies it: OFF and SKIP are not answered themselves, OFF silences every
   * command until ON (which is answered), SKIP the next one. Returns the replies `name` gets.
   */
  private applyReplyMode(name: string, sub: string | null, argsKept: number, arg1: string | undefined, expected: number): number {
    if (name === 'CLIENT' && sub === 'REPLY' && argsKept === 2) {
      const mode = arg1!.toUpperCase();
      if (mode === 'ON') {
        this.replyMode = REPLY_ON;
        return 1;
      }
      if (mode === 'OFF' || mode === 'SKIP') {
        // SKIP while OFF stays OFF.
        if (mode === 'OFF' || this.replyMode !== REPLY_OFF) this.replyMode = mode === 'OFF' ? REPLY_OFF : REPLY_SKIP;
        return 0;
      }
    }
    if (this.replyMode === REPLY_OFF) return 0;
    if (this.replyMode === REPLY_SKIP) {
      this.replyMode = REPLY_ON;
      return 0;
    }
    return expected;
  }

  /** The record of a request message (a command array, an inline command, or what a malformed one left). */
  private commandRecord(value: RedisValue | null, flags: number): RedisCommandRecord {
    const anomalies = this.takeRaised(TO_SERVER);
    const malformed = (flags & (Msg.MALFORMED | Msg.GAP | Msg.END)) !== 0 || value === null;
    let command: string | null = null;
    let args: string[] = [];
    let argCount = 0;
    let truncated = false;
    if (value !== null && value.type === 'array' && value.elements.length > 0) {
      const el = value.elements;
      command = upperName(stringOf(el[0]!));
      args = new Array<string>(el.length - 1);
      for (let i = 1; i < el.length; i++) {
        const e = el[i]!;
        args[i - 1] = stringOf(e);
        if (e.truncated === true || e.incomplete === true) truncated = true;
      }
      argCount = Math.max(0, value.length - 1);
      if (value.truncated === true || el[0]!.truncated === true) truncated = true;
      if (args.length < argCount) truncated = true;
    }
    const sub = command !== null ? subcommandOf(command, args) : null;
    const key = command !== null ? keyOf(command, sub, args) : null;
    const redacted = command !== null && redactSecrets(command, args);
    return {
      kind: 'command',
      command,
      subcommand: sub,
      key: redacted && key !== null && args.indexOf(key) < 0 ? null : key,
      argCount,
      args,
      argsTruncated: truncated,
      inline: (flags & Msg.INLINE) !== 0,
      redacted,
      malformed,
      protocol: this.protocol,
      reply: null,
      replyCount: 0,
      success: null,
      noReply: null,
      anomalies,
    };
  }

  // ---- replies -----------------------------------------------------------------------------------------

  private onReply(value: RedisValue | null, flags: number): void {
    // Lean (nobody read records when it began): its value has only what pairing reads, and no record
    // takes it (nor the anomaly names raised since the last reply).
    const lean = (flags & Msg.LEAN) !== 0;
    let anomalies: string[] = NO_ANOMALIES;
    if (lean) this.dropRaised(TO_CLIENT);
    else anomalies = this.takeRaised(TO_CLIENT);
    if (value === null) {
      // A reply that broke the protocol before anything of it could be kept: it answers the next command.
      if ((flags & Msg.MALFORMED) !== 0) this.unreadableReply(anomalies, lean);
      return;
    }
    if (
      this.protocol === 2 &&
      (RESP3_TYPES.has(value.type) ||
        (value.type === 'null' && value.of === undefined) ||
        value.attributes !== undefined ||
        isStreamed(value))
    ) {
      this.protocol = 3;
    }
    if ((flags & Msg.GAP) !== 0 && value.incomplete === undefined) value.incomplete = true;

    if (this.replicating) {
      // What the master propagates to its replica: commands (arrays), not replies.
      if (!lean) {
        this.emitPush(value.type === 'array' ? value : { type: 'array', length: 1, elements: [value] }, 'replication', anomalies);
      }
      return;
    }
    // Out-of-band messages first: they answer no command.
    if (value.type === 'push') {
      const kind = firstWord(value);
      if (kind !== null && CONFIRMATIONS.has(kind) && this.confirms(kind)) {
        this.reply(value, anomalies, kind, lean);
        return;
      }
      if (!lean) this.emitPush(value, kind, anomalies);
      else if (kind !== null && CONFIRMATIONS.has(kind)) this.noteConfirmation(value);
      return;
    }
    if (this.protocol === 2 && value.type === 'array' && this.subscriptions + this.shardSubscriptions > 0) {
      const kind = firstWord(value);
      if (kind === 'message' || kind === 'pmessage' || kind === 'smessage') {
        if (!lean) this.emitPush(value, kind, anomalies);
        return;
      }
    }
    if (this.monitoring && value.type === 'simple_string') {
      if (lean) {
        if (MONITOR_RE.test(value.value)) return;
      } else {
        const line = parseMonitorLine(value.value);
        if (line !== null) {
          const rec = pushRecord('monitor', this.protocol, anomalies);
          rec.monitor = line;
          this.sink.emit(rec);
          return;
        }
      }
    }
    if (this.skipReplies > 0) {
      this.skipReplies--;
      return;
    }
    const kind = value.type === 'array' ? firstWord(value) : null;
    this.reply(value, anomalies, kind !== null && CONFIRMATIONS.has(kind) ? kind : null, lean);
  }

  /**
   * Whether a confirmation of `kind` answers a waiting command: the head, or the first command after
   * channel-less UNSUBSCRIBEs of other kinds that already had their confirmations (they end here).
   */
  private confirms(kind: string): boolean {
    for (let i = this.queueHead; i < this.queue.length; i++) {
      const p = this.queue[i]!;
      if (p.confirm === kind) return true;
      if (p.expected >= 0 || p.replyCount === 0) return false;
    }
    return false;
  }

  /**
   * A reply (`confirm`: a pub/sub confirmation of that kind) to the command at the head of the queue;
   * `lean`: the value was built lean (see Msg.LEAN).
   */
  private reply(value: RedisValue, anomalies: string[], confirm: string | null, lean: boolean): void {
    // An UNSUBSCRIBE without channels takes its kind's confirmations only.
    let head = this.head();
    while (head !== null && head.expected < 0 && head.replyCount > 0 && head.confirm !== confirm) {
      this.finish(this.shift()!, null);
      head = this.head();
    }
    if (head === null) {
      if (lean) {
        if (!this.requestsLost) this.raise(A.REPLY_WITHOUT_COMMAND, TO_CLIENT, null);
        if (confirm !== null) this.noteConfirmation(value);
        return;
      }
      const rec = this.commandRecord(null, 0);
      rec.malformed = false;
      rec.anomalies = anomalies;
      if (!this.requestsLost) this.raise(A.REPLY_WITHOUT_COMMAND, TO_CLIENT, rec);
      this.attachRecord(rec, value);
      if (confirm !== null) this.noteConfirmation(value);
      this.sink.emit(rec);
      return;
    }
    // A lean reply (its value and anomaly names not kept) cannot complete a record: the record is dropped.
    if (lean) head.record = null;
    mergeAnomalies(head.record, anomalies);
    if (head.replyCount === 0) this.attach(head, value);
    else {
      head.replyCount++;
      if (head.record !== null) head.record.replyCount++;
    }
    let done = true;
    if (confirm !== null && head.confirm === confirm) {
      const left = this.noteConfirmation(value);
      if (head.expected > 0) done = head.replyCount >= head.expected;
      else done = left <= 0;
    }
    if (done) {
      this.shift();
      this.answered(head);
      this.finish(head, null);
      this.flushAnswered();
    }
  }

  /**
   * An RDB snapshot went by (its bytes are not kept): SYNC's reply, or a push record `rdb` after PSYNC's
   * `+FULLRESYNC`. The replication stream follows.
   */
  private onRdb(length: number, complete: boolean): void {
    // Rare and cheap (the snapshot's bytes are never kept): built whether or not records are wanted.
    const anomalies = this.takeRaised(TO_CLIENT);
    const value: RedisStringValue = { type: 'bulk_string', value: '', length };
    if (length > 0) value.truncated = true;
    if (!complete) value.incomplete = true;
    const head = this.head();
    if (head !== null && head.command === 'SYNC' && head.replyCount === 0) {
      mergeAnomalies(head.record, anomalies);
      this.attach(head, value);
      this.shift();
      this.finish(head, null);
    } else if (this.sink.recordsWanted) {
      const rec = pushRecord('rdb', this.protocol, anomalies);
      rec.data = value;
      this.sink.emit(rec);
    }
    this.replicating = true;
    this.flushAnswered();
  }

  /** A reply nothing of which could be read: the command at the head gets none (`malformed`). */
  private unreadableReply(anomalies: string[], lean: boolean): void {
    if (this.skipReplies > 0) {
      this.skipReplies--;
      return;
    }
    let head = this.head();
    while (head !== null && head.expected < 0 && head.replyCount > 0) {
      this.finish(this.shift()!, null);
      head = this.head();
    }
    if (head === null) return; // garbage nothing asked for: its anomalies were raised
    if (lean) head.record = null; // its anomaly names were not collected: the record would lack them
    mergeAnomalies(head.record, anomalies);
    this.shift();
    this.finish(head, head.replyCount > 0 ? null : 'malformed');
    this.flushAnswered();
  }

  /** What a command's reply changes: the protocol (HELLO), MONITOR, RESET. */
  private answered(p: Pending): void {
    const r = p.reply;
    if (r === null || isError(r)) return;
    const rec = p.record;
    switch (p.command) {
      case 'HELLO': {
        const v = p.helloVersion;
        if (v === '2' || v === '3') {
          this.protocol = v === '3' ? 3 : 2;
          if (rec !== null) rec.protocol = this.protocol;
        }
        break;
      }
      case 'MONITOR':
        this.monitoring = true;
        break;
      case 'PSYNC': {
        if (r.type === 'simple_string') {
          if (r.value.startsWith('FULLRESYNC')) this.parsers[TO_CLIENT]!.expectRdb();
          if (r.value.startsWith('FULLRESYNC') || r.value.startsWith('CONTINUE')) this.replicating = true;
        }
        break;
      }
      case 'RESET':
        // The server resets before it answers: its `+RESET` is RESP2 already.
        this.protocol = 2;
        if (rec !== null) rec.protocol = 2;
        this.monitoring = false;
        this.subscriptions = 0;
        this.shardSubscriptions = 0;
        break;
      default:
        break;
    }
  }

  /**
   * A confirmation's count (`[kind, channel, count]`): the subscriptions the server says are left. Returns
   * those of the confirmation's own family (shard or not).
   */
  private noteConfirmation(value: RedisValue): number {
    if (value.type !== 'array' && value.type !== 'push') return 0;
    const kind = firstWord(value);
    const n = value.elements[2];
    const count = n !== undefined && n.type === 'integer' ? Number(n.value) : 0;
    if (kind === 'ssubscribe' || kind === 'sunsubscribe') return (this.shardSubscriptions = count);
    return (this.subscriptions = count);
  }

  /** The first reply to a pending command. */
  private attach(p: Pending, value: RedisValue): void {
    p.reply = value;
    p.replyCount = 1;
    p.noReply = null;
    if (p.record !== null) this.attachRecord(p.record, value);
  }

  private attachRecord(rec: RedisCommandRecord, value: RedisValue): void {
    rec.reply = value;
    rec.replyCount = 1;
    rec.success = !isError(value);
    rec.noReply = null;
    rec.protocol = this.protocol;
    if (rec.command !== null && redactReplySecrets(rec.command, rec.subcommand, value)) rec.redacted = true;
  }

  private emitPush(value: RedisArrayValue, kind: string | null, anomalies: string[]): void {
    const rec = pushRecord(kind ?? '', this.protocol, anomalies);
    const el = value.elements;
    switch (kind) {
      case 'message':
      case 'smessage':
        rec.channel = el[1] !== undefined ? stringOf(el[1]) : null;
        rec.data = el[2] ?? null;
        break;
      case 'pmessage':
        rec.pattern = el[1] !== undefined ? stringOf(el[1]) : null;
        rec.channel = el[2] !== undefined ? stringOf(el[2]) : null;
        rec.data = el[3] ?? null;
        break;
      case 'invalidate':
        rec.data = el[1] ?? null;
        break;
      case 'replication':
        rec.data = value;
        break;
      default: {
        if (kind !== null && CONFIRMATIONS.has(kind)) {
          rec.channel = el[1] !== undefined && el[1].type !== 'null' ? stringOf(el[1]) : null;
          this.noteConfirmation(value);
        }
        const rest: RedisArrayValue = { type: 'array', length: Math.max(0, value.length - 1), elements: el.slice(1) };
        if (value.truncated === true) rest.truncated = true;
        rec.data = rest;
      }
    }
    this.sink.emit(rec);
  }

  // ---- the queue ---------------------------------------------------------------------------------------

  private head(): Pending | null {
    return this.queueHead < this.queue.length ? this.queue[this.queueHead]! : null;
  }

  private shift(): Pending | null {
    if (this.queueHead >= this.queue.length) return null;
    const p = this.queue[this.queueHead]!;
    this.queue[this.queueHead++] = undefined as unknown as Pending;
    this.pendingBytes -= p.bytes;
    this.headChanged();
    if (this.queueHead === this.queue.length) {
      this.overflowing = false;
      this.queue.length = 0;
      this.queueHead = 0;
    } else if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
    return p;
  }

  /** SYNC's answer is the snapshot itself: once SYNC is the next command to answer, the replies say so. */
  private headChanged(): void {
    const head = this.head();
    if (head !== null && head.command === 'SYNC' && !head.malformed && head.expected === 1 && head.replyCount === 0) {
      this.parsers[TO_CLIENT]!.expectRdb();
    }
  }

  /** Emits the commands at the head of the queue that expect no reply. */
  private flushAnswered(): void {
    let head = this.head();
    while (head !== null && head.expected === 0) {
      this.finish(this.shift()!, head.noReply ?? 'skipped');
      head = this.head();
    }
  }

  /** Emits every pending command: those still owed a reply with `why`. */
  private flushAll(why: RedisNoReply): void {
    for (let p = this.shift(); p !== null; p = this.shift()) {
      const answered = p.replyCount > 0 && (p.expected < 0 || p.replyCount >= p.expected);
      this.finish(p, p.expected === 0 || answered ? p.noReply : p.replyCount > 0 ? null : why);
    }
  }

  /** The command leaves the queue: its record (if it has one) is emitted. */
  private finish(p: Pending, why: RedisNoReply | null): void {
    const rec = p.record;
    if (rec === null) return;
    if (rec.reply === null) rec.noReply = why ?? 'ended';
    this.sink.emit(rec);
  }

  /** Raises an anomaly, its name also in `rec`'s list when there is a record. */
  private raise(code: number, direction: Direction, rec: { anomalies: string[] } | null): void {
    if (rec !== null) {
      const name = REDIS_ANOMALIES[code]!;
      if (!rec.anomalies.includes(name) && rec.anomalies.length < MAX_RECORD_ANOMALIES) rec.anomalies.push(name);
    }
    this.sink.anomaly(code, direction);
  }
}

/** No anomaly names (lean replies): never written to, since a lean reply adds nothing to a record. */
const NO_ANOMALIES: string[] = [];

/** Adds a reply's anomaly names to a pending command's record (each once, within the cap). */
function mergeAnomalies(rec: RedisCommandRecord | null, anomalies: readonly string[]): void {
  if (rec === null) return;
  for (const a of anomalies) if (!rec.anomalies.includes(a) && rec.anomalies.length < MAX_RECORD_ANOMALIES) rec.anomalies.push(a);
}

function isError(v: RedisValue): boolean {
  return v.type === 'simple_error' || v.type === 'bulk_error';
}

function isStreamed(v: RedisValue): boolean {
  return (
    (v.type === 'array' || v.type === 'set' || v.type === 'push' || v.type === 'map' || v.type === 'bulk_string') &&
    v.streamed === true
  );
}

function pushRecord(push: string, protocol: 2 | 3, anomalies: string[]): RedisPushRecord {
  return { kind: 'push', push, channel: null, pattern: null, data: null, monitor: null, protocol, anomalies };
}

/** The text of a string value (other values: their JSON-ish text, for a command name or argument). */
function stringOf(v: RedisValue): string {
  switch (v.type) {
    case 'integer':
    case 'double':
    case 'boolean':
      return String(v.value);
    case 'null':
      return '';
    case 'array':
    case 'set':
    case 'push':
    case 'map':
    case 'attribute':
      return '';
    default:
      return (v as RedisStringValue).value;
  }
}

/** The first element of an aggregate, lower-cased, when it is a string (`message`, `subscribe`...). */
function firstWord(v: RedisValue): string | null {
  if (v.type !== 'array' && v.type !== 'push') return null;
  const f = v.elements[0];
  if (f === undefined || (f.type !== 'bulk_string' && f.type !== 'simple_string')) return null;
  return f.value.length <= 32 ? f.value.toLowerCase() : null;
}

const MONITOR_RE = /^(\d+\.\d+) \[(\d+) ([^\]]*)\]( .*)?$/s;

/**
 * A MONITOR line: `1700000000.123456 [0 127.0.0.1:50000] "SET" "key" "value"`, arguments quoted as
 * Redis's sdscatrepr writes them (`\"`, `\\`, `\n`, `\r`, `\t`, `\a`, `\b`, `\xHH`). Null when the line
 * is something else. A line cut by maxStringBytes keeps its complete arguments.
 */
export function parseMonitorLine(line: string): RedisMonitorLine | null {
  const m = MONITOR_RE.exec(line);
  if (m === null) return null;
  const words: string[] = [];
  const rest = m[4] ?? '';
  let i = 0;
  while (i < rest.length) {
    if (rest[i] === ' ') {
      i++;
      continue;
    }
    if (rest[i] !== '"') break;
    let s = '';
    let j = i + 1;
    let closed = false;
    while (j < rest.length) {
      const c = rest[j]!;
      if (c === '"') {
        closed = true;
        j++;
        break;
      }
      if (c === '\\' && j + 1 < rest.length) {
        const e = rest[j + 1]!;
        if (e === 'x' && j + 3 < rest.length) {
          s += String.fromCharCode(parseInt(rest.slice(j + 2, j + 4), 16) || 0);
          j += 4;
          continue;
        }
        s += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === 'a' ? '\x07' : e === 'b' ? '\b' : e;
        j += 2;
        continue;
      }
      s += c;
      j++;
    }
    if (!closed) break;
    words.push(s);
    i = j;
  }
  const command = (words[0] ?? '').toUpperCase();
  const args = words.slice(1);
  if (command !== '') redactSecrets(command, args);
  return { time: m[1]!, db: Number(m[2]), client: m[3]!, command, args };
}
