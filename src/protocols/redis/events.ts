/**
 * Redis records (the anomaly table is `anomalies.ts`).
 *
 * A record is one of two kinds, emitted as the event type `redis`:
 * - `RedisCommandRecord`: one command with its reply, as Zeek's redis.log pairs them (pipelining, CLIENT
 *   REPLY, pub/sub confirmations and RESP3 taken into account);
 * - `RedisPushRecord`: one out-of-band server message: a pub/sub message, a client-side caching
 *   invalidation, any other RESP3 push, a MONITOR line, or on a replication link the snapshot and each
 *   propagated command.
 *
 * Records are plain data owned by the receiver. Strings are trimmed (`RedisOptions.maxStringBytes`),
 * aggregates keep their first elements (`maxElements`, `maxValues`), and each trimmed value says so.
 */

/**
 * Flags every value may carry, set only when true.
 * - `truncated`: the record keeps less than the wire had (a trimmed string, an aggregate's first elements);
 * - `incomplete`: bytes of the value never arrived (a gap, the end of the stream, a protocol error inside it);
 * - `attributes`: the RESP3 attribute (`|`) that preceded the value.
 */
interface RedisValueBase {
  truncated?: true;
  incomplete?: true;
  attributes?: RedisMapValue;
}

/**
 * A string value. `value` is the text when the kept bytes are UTF-8; otherwise every byte outside
 * printable ASCII is written `\xHH` (and `\` as `\\`) and `escaped` is set. `length` is the length on the
 * wire in bytes (a bulk string's declared length; a line's length without CRLF).
 */
export interface RedisStringValue extends RedisValueBase {
  type:
    | 'simple_string' // `+`
    | 'simple_error' // `-`
    | 'bulk_string' // `$` (RESP3 streamed strings too: `$?` then `;` chunks)
    | 'bulk_error' // `!` (RESP3 blob error)
    | 'verbatim_string' // `=` (RESP3), `value` without its `xxx:` prefix
    | 'big_number'; // `(` (RESP3), the digits as text
  value: string;
  length: number;
  escaped?: true;
  /** Verbatim strings: the three-letter format (`txt`, `mkd`). */
  format?: string;
  /** A RESP3 streamed string (`$?` then `;` chunks); `length` is the chunks' total. */
  streamed?: true;
}

/** `:` integer: a number when within ±2^53, else the exact digits as a string. */
export interface RedisIntegerValue extends RedisValueBase {
  type: 'integer';
  value: number | string;
}

/** `,` double (RESP3): a number, or `inf`, `-inf`, `nan` (which JSON cannot write as numbers). */
export interface RedisDoubleValue extends RedisValueBase {
  type: 'double';
  value: number | 'inf' | '-inf' | 'nan';
}

/** `#` boolean (RESP3). */
export interface RedisBooleanValue extends RedisValueBase {
  type: 'boolean';
  value: boolean;
}

/** `_` (RESP3), or RESP2's null bulk string `$-1` and null array `*-1` (`of` says which). */
export interface RedisNullValue extends RedisValueBase {
  type: 'null';
  of?: 'bulk_string' | 'array';
}

/** `*` array, `~` set (RESP3), `>` push (RESP3): `length` elements on the wire, the first ones kept. */
export interface RedisArrayValue extends RedisValueBase {
  type: 'array' | 'set' | 'push';
  length: number;
  elements: RedisValue[];
  /** A RESP3 streamed aggregate (`*?` ... `.`). */
  streamed?: true;
}

/** `%` map or `|` attribute (RESP3): `length` pairs on the wire, the first ones kept. */
export interface RedisMapValue extends RedisValueBase {
  type: 'map' | 'attribute';
  length: number;
  entries: { key: RedisValue; value: RedisValue }[];
  streamed?: true;
}

export type RedisValue =
  | RedisStringValue
  | RedisIntegerValue
  | RedisDoubleValue
  | RedisBooleanValue
  | RedisNullValue
  | RedisArrayValue
  | RedisMapValue;

/** Why a command has no reply. */
export type RedisNoReply =
  | 'skipped' // CLIENT REPLY OFF or SKIP, or a replica's REPLCONF ACK: the server sends none
  | 'overflow' // evicted from the pending queue (maxPending): its reply, when it comes, is skipped
  | 'gap' // bytes of the server's stream were lost where its reply would be
  | 'malformed' // the reply broke the protocol and nothing of it could be kept
  | 'ended'; // the stream ended before the reply (or the command itself was cut by the end)

/** One command (client → server) and its reply. */
export interface RedisCommandRecord {
  kind: 'command';
  /**
   * The command name upper-cased (`GET`, `CLIENT`, `JSON.SET`); null for a reply no command awaited, and
   * for a request the parser could not read (`malformed`).
   */
  command: string | null;
  /** The subcommand of container commands (`CLIENT REPLY`, `CONFIG GET`, `XINFO STREAM`), upper-cased. */
  subcommand: string | null;
  /** The first key, for commands known to take keys (`commands.ts`); null otherwise. */
  key: string | null;
  /** Arguments after the name, on the wire (the kept list may be shorter). */
  argCount: number;
  /** The arguments kept, trimmed; secrets (AUTH passwords and the like) replaced by `(redacted)`. */
  args: string[];
  /** Some arguments were trimmed or left out. */
  argsTruncated: boolean;
  /** Sent as an inline command (a text line) rather than a RESP array. */
  inline: boolean;
  /** A secret (an argument, or a password or hash in the reply) was replaced by `(redacted)`. */
  redacted: boolean;
  /** The request broke the protocol (Redis answers it with a protocol error) or was cut by a gap or the end. */
  malformed: boolean;
  /** RESP version the server spoke when the reply came (2 until HELLO 3 or a RESP3-only type). */
  protocol: 2 | 3;
  /** The reply; for subscribe-family commands the first confirmation. Null when there is none. */
  reply: RedisValue | null;
  /** Replies received: 1, or one per channel for (P|S)(UN)SUBSCRIBE; 0 when none. */
  replyCount: number;
  /** Whether the reply is not an error; null without a reply. */
  success: boolean | null;
  /** Why there is no reply (null when there is one). */
  noReply: RedisNoReply | null;
  /** Anomalies raised by this command's or its reply's bytes. */
  anomalies: string[];
}

/** A command other clients ran, as a MONITOR connection receives it. */
export interface RedisMonitorLine {
  /** Server time, `seconds.microseconds` as sent. */
  time: string;
  /** Database number (-1 when absent). */
  db: number;
  /** `ip:port` of the client that ran it, `lua`, or `unix:/path`. */
  client: string;
  command: string;
  /** Arguments, redacted as in command records. */
  args: string[];
}

/** One out-of-band message from the server. */
export interface RedisPushRecord {
  kind: 'push';
  /**
   * What it is: `message`, `pmessage`, `smessage` (pub/sub), `invalidate` (client-side caching),
   * `monitor` (a MONITOR line), `rdb` (a replication snapshot after PSYNC: `data` gives its length, its
   * bytes are not kept), `replication` (a command a master propagates to its replica: `data` is the
   * command array), or the first element of any other RESP3 push.
   */
  push: string;
  /** Pub/sub: the channel the message was published to. */
  channel: string | null;
  /** `pmessage`: the pattern that matched. */
  pattern: string | null;
  /** The payload: the message, the invalidated keys (null: all), the other elements of other pushes. */
  data: RedisValue | null;
  /** MONITOR lines, parsed (the raw line is not kept, so that a secret it shows is not either). */
  monitor: RedisMonitorLine | null;
  protocol: 2 | 3;
  anomalies: string[];
}

export type RedisRecord = RedisCommandRecord | RedisPushRecord;
