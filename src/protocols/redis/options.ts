/**
 * Options of the Redis module (`app.protocols.redis` in the engine's options). Every buffer, list and
 * count the module keeps has its cap here; hitting one raises the anomaly named beside it.
 *
 * Values are flat numbers so the engine's option merger can check them by type.
 */
export interface RedisOptions {
  /**
   * Bytes kept of each string in a record (command name, each argument, each string in a reply). Default
   * 512: keys, short values and error messages whole; a large value's first bytes. Longer strings are
   * still read to their end (by count, not copied) and raise `redis.string_trimmed`.
   */
  maxStringBytes: number;
  /**
   * Elements kept of each aggregate (a command's arguments, an array, a set, a map's pairs). Default 64.
   * The rest is read and counted (`length`) but not kept: `redis.elements_trimmed`.
   */
  maxElements: number;
  /**
   * Values kept of one message, all levels together. Default 512 (with maxStringBytes, at most about
   * 256 KiB per record). Beyond: `redis.values_trimmed`, later values are read but not kept.
   */
  maxValues: number;
  /**
   * Nesting of aggregates followed. Default 64: real replies nest a handful of levels (COMMAND DOCS,
   * XREADGROUP: 5–6), and each level costs the parser a few bytes of stack. Deeper is a protocol error
   * (`redis.too_deep`).
   */
  maxDepth: number;
  /**
   * Longest line: a simple string, an error, an inline command. Default 65536, Redis's own
   * PROTO_INLINE_MAX_SIZE (it refuses a longer inline command with "too big inline request"). Beyond:
   * `redis.line_too_long`, a protocol error. An inline line with a NUL (`redis.nul_in_inline`) never
   * ends for Redis: its bytes run to this limit too.
   */
  maxLineBytes: number;
  /**
   * Largest bulk string length accepted. Default 512 MiB, Redis's proto-max-bulk-len default (the server
   * refuses more with "invalid bulk length"). Beyond: `redis.bulk_too_long`, a protocol error.
   */
  maxBulkLength: number;
  /**
   * Largest aggregate count accepted. Default 2^31 - 1: Redis refuses more arguments ("invalid multibulk
   * length"), and no reply can hold more. Beyond: `redis.aggregate_too_long`, a protocol error.
   */
  maxAggregateLength: number;
  /**
   * Commands awaiting their replies (pipelining). Default 4096: client libraries write a pipeline in one
   * go (redis-py, ioredis and Jedis pipelines of thousands of commands are common in bulk loads), and the
   * server's replies to all of them come after the last is read. Beyond: `redis.too_many_pending`
   * (once until the queue drains), the oldest is emitted unanswered and its reply skipped when it comes.
   */
  maxPending: number;
  /** Bytes the pending commands may keep together (their kept arguments). Default 4 MiB. Beyond: as maxPending. */
  maxPendingBytes: number;
  /**
   * Protocol errors per direction before the flow is given up (`redis.too_many_protocol_errors`,
   * `sink.stop`). Default 16: a Redis server closes the connection at the first one, so a stream with
   * many is not Redis, or not followable.
   */
  maxProtocolErrors: number;
}

export const REDIS_DEFAULTS: Readonly<RedisOptions> = Object.freeze({
  maxStringBytes: 512,
  maxElements: 64,
  maxValues: 512,
  maxDepth: 64,
  maxLineBytes: 65536,
  maxBulkLength: 512 * 1024 * 1024,
  maxAggregateLength: 2 ** 31 - 1,
  maxPending: 4096,
  maxPendingBytes: 4 * 1024 * 1024,
  maxProtocolErrors: 16,
});

/**
 * The options a parser runs with: missing keys take their default, and each value is kept within what the
 * parser needs to work (a string cap of at least 32 bytes so that numbers and verbatim prefixes fit, at
 * least one element, value, level and pending command).
 */
export function resolveRedisOptions(input: Partial<RedisOptions> | undefined): RedisOptions {
  const o: RedisOptions = { ...REDIS_DEFAULTS };
  if (input !== undefined && input !== null) {
    for (const k of Object.keys(REDIS_DEFAULTS) as (keyof RedisOptions)[]) {
      const v = input[k];
      if (typeof v === 'number' && Number.isFinite(v)) o[k] = Math.floor(v);
    }
  }
  o.maxStringBytes = Math.max(32, o.maxStringBytes);
  o.maxElements = Math.max(1, o.maxElements);
  o.maxValues = Math.max(1, o.maxValues);
  o.maxDepth = Math.max(1, Math.min(o.maxDepth, 4096));
  o.maxLineBytes = Math.max(64, o.maxLineBytes);
  o.maxBulkLength = Math.max(0, o.maxBulkLength);
  o.maxAggregateLength = Math.max(0, o.maxAggregateLength);
  o.maxPending = Math.max(1, o.maxPending);
  o.maxPendingBytes = Math.max(1, o.maxPendingBytes);
  o.maxProtocolErrors = Math.max(1, o.maxProtocolErrors);
  return o;
}

/** One line per option, for the config reference and `netsieve protocols` (the why is on each field above). */
export const REDIS_OPTION_DOCS: { readonly [K in keyof RedisOptions]: string } = {
  maxStringBytes: 'Bytes kept of each string in a record, at least 32 (longer: redis.string_trimmed)',
  maxElements: 'Elements kept of each aggregate (beyond: counted, redis.elements_trimmed)',
  maxValues: 'Values kept of one message, all levels together (beyond: redis.values_trimmed)',
  maxDepth: 'Nesting of aggregates followed, 1 to 4096 (deeper: redis.too_deep)',
  maxLineBytes: 'Longest simple string, error or inline command line, at least 64 (beyond: redis.line_too_long)',
  maxBulkLength: 'Largest bulk string length accepted (beyond: redis.bulk_too_long)',
  maxAggregateLength: 'Largest aggregate count accepted (beyond: redis.aggregate_too_long)',
  maxPending: 'Commands awaiting their replies (beyond: redis.too_many_pending, the oldest is emitted unanswered)',
  maxPendingBytes: 'Bytes the pending commands may keep together (beyond: as maxPending)',
  maxProtocolErrors: 'Protocol errors per direction before the flow is given up (redis.too_many_protocol_errors)',
};
