import { anomalyCodes } from '../module.js';

/**
 * Redis anomalies. One table: the numeric code is the index (the parser raises codes, no strings on the
 * hot path), the string is the name used in events, counters, rules and each record's `anomalies`.
 * Append only; never renumber or reuse. A retired code keeps its slot with a `retired.` prefix.
 */
export const REDIS_ANOMALIES = [
  'redis.none', // 0: never raised
  'redis.gap', // 1: bytes of a direction are missing; inside a bulk string of known length the stream stays in sync, elsewhere the parser resynchronises and pending commands are emitted unanswered
  'redis.unknown_type', // 2: a reply line starting with a byte that is no RESP2/RESP3 type (the line is skipped)
  'redis.invalid_length', // 3: a bulk or aggregate length that is not a number, or negative other than -1 (Redis: "invalid multibulk/bulk length")
  'redis.bulk_too_long', // 4: a bulk length beyond maxBulkLength (Redis's proto-max-bulk-len, 512 MiB by default: the server refuses it)
  'redis.aggregate_too_long', // 5: an aggregate count beyond maxAggregateLength (Redis refuses more than 2^31-1 arguments)
  'redis.invalid_integer', // 6: a `:` line that is not a signed decimal integer
  'redis.invalid_double', // 7: a `,` line that is not a RESP3 double (digits, exponent, inf, -inf, nan)
  'redis.invalid_boolean', // 8: a `#` line other than `t` or `f`
  'redis.invalid_big_number', // 9: a `(` line that is not a signed decimal integer
  'redis.invalid_null', // 10: a `_` line with content
  'redis.missing_crlf', // 11: a bulk string's bytes not followed by CRLF: the length lies (the two bytes are skipped anyway, as Redis and hiredis do)
  'redis.bare_newline', // 12: a reply line ended by LF alone (accepted; inline commands end so legitimately and are not flagged)
  'redis.line_too_long', // 13: a line (simple string, error, inline command) longer than maxLineBytes: a protocol error (Redis: "too big inline request")
  'redis.too_deep', // 14: aggregates nested deeper than maxDepth: the message cannot be followed (protocol error)
  'redis.expected_bulk', // 15: an element of a client's command array that is not a bulk string (Redis: "expected '$', got ...")
  'redis.unbalanced_quotes', // 16: an inline command with an unterminated quote, or a closing quote not followed by a space (Redis refuses it)
  'redis.string_trimmed', // 17: a string longer than maxStringBytes: the record keeps its first bytes
  'redis.elements_trimmed', // 18: an aggregate with more than maxElements elements: the record keeps the first ones
  'redis.values_trimmed', // 19: a message with more than maxValues values: the record keeps the first ones
  'redis.too_many_pending', // 20: more than maxPending commands (or maxPendingBytes of them) await replies: the oldest is emitted unanswered and its reply skipped when it comes
  'redis.reply_without_command', // 21: a reply while no command awaits one (recorded with a null command)
  'redis.truncated_message', // 22: a direction ended inside a message (the partial message is recorded)
  'redis.invalid_verbatim', // 23: a verbatim string without its `xxx:` format prefix
  'redis.invalid_stream_chunk', // 24: RESP3 streamed string: a chunk header that is not `;<length>`
  'redis.unexpected_end_marker', // 25: RESP3 `.` end marker outside a streamed aggregate
  'redis.too_many_protocol_errors', // 26: more than maxProtocolErrors protocol errors in one direction: the flow is given up
  'redis.empty_request', // 27: a command array of negative length other than -1 (`*-20`): Redis ignores it silently
  'redis.attribute_without_value', // 28: a RESP3 attribute followed by no value (end of an aggregate or of the stream)
  'redis.cr_without_lf', // 29: a request's `*` or `$` line ended by CR and a byte other than LF: Redis skips that byte unchecked and runs the command (parsers that want CRLF lose it: an evasion)
  'redis.nul_in_inline', // 30: a NUL byte in an inline command: Redis looks for the line's end with strchr() and never finds it, so nothing after it runs; the server waits, then refuses a "too big inline request" (recorded as malformed)
] as const;

export type RedisAnomalyName = (typeof REDIS_ANOMALIES)[number];

/** Anomaly codes by short name, for the parser (`RedisAnomaly.X` is the index of `redis.x`). */
export const RedisAnomaly = anomalyCodes('redis', REDIS_ANOMALIES);
