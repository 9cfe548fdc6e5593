/**
 * Inspection buffers of a Redis record, for `src/detect/` (rule keywords) and `src/policy/`: getters over a
 * `RedisRecord`, in the spirit of Suricata's sticky buffers (Suricata has none for Redis; the names here
 * follow Zeek's redis.log: `cmd.name`, `cmd.key`, `reply`). Strings are as the record holds them: trimmed to
 * `maxStringBytes`, secrets already `(redacted)`.
 */
import { textBuffer, textBuffers, type InspectionBuffer } from '../module.js';
import type { RedisRecord, RedisValue } from './events.js';

/** The command name, upper-case (`redis.command`); null for push records and unpaired replies. */
export function redisCommandName(rec: RedisRecord): string | null {
  return rec.kind === 'command' ? rec.command : null;
}

/** The command's first key (`redis.key`), or null. */
export function redisKey(rec: RedisRecord): string | null {
  return rec.kind === 'command' ? rec.key : null;
}

/** The command's arguments as kept (`redis.args`); a push record's channel, pattern and MONITOR arguments. */
export function redisArguments(rec: RedisRecord): string[] {
  if (rec.kind === 'command') return rec.args;
  const out: string[] = [];
  if (rec.pattern !== null) out.push(rec.pattern);
  if (rec.channel !== null) out.push(rec.channel);
  if (rec.monitor !== null) out.push(rec.monitor.command, ...rec.monitor.args);
  return out;
}

/**
 * Every string of the reply (or of a push's payload), depth first, at most `max` of them (`redis.reply`):
 * strings, errors, big numbers and verbatim text; keys and values of maps both.
 */
export function redisReplyStrings(rec: RedisRecord, max = 1024): string[] {
  const out: string[] = [];
  const root = rec.kind === 'command' ? rec.reply : rec.data;
  if (root !== null) collect(root, out, max);
  return out;
}

/** The error message of an error reply (`-ERR ...` or a RESP3 blob error), or null. */
export function redisErrorMessage(rec: RedisRecord): string | null {
  if (rec.kind !== 'command' || rec.reply === null) return null;
  const r = rec.reply;
  return r.type === 'simple_error' || r.type === 'bulk_error' ? r.value : null;
}

/**
 * Where the values are among a command's arguments (after its name; the key is argument 0): the first
 * value's index and the step to the next (0: one value only). Only commands that store or send a value
 * the client supplies: strings (SET, SETNX, SETEX, PSETEX, GETSET, APPEND, SETRANGE, MSET, MSETNX), hashes
 * (HSET, HSETNX, HMSET: field values, not field names), lists (LPUSH, RPUSH, LPUSHX, RPUSHX, LSET, LINSERT),
 * sets (SADD, SMOVE's member), sorted sets (ZADD's members), pub/sub (PUBLISH, SPUBLISH: the message) and
 * RedisJSON (JSON.SET). Not read: scripts (EVAL's body is code, not a value), XADD (its option grammar),
 * and replies (`redis.reply`).
 */
const VALUE_ARGS: Readonly<Record<string, readonly [first: number, step: number]>> = {
  SET: [1, 0],
  SETNX: [1, 0],
  GETSET: [1, 0],
  APPEND: [1, 0],
  SETEX: [2, 0],
  PSETEX: [2, 0],
  SETRANGE: [2, 0],
  MSET: [1, 2],
  MSETNX: [1, 2],
  HSET: [2, 2],
  HMSET: [2, 2],
  HSETNX: [2, 0],
  LPUSH: [1, 1],
  RPUSH: [1, 1],
  LPUSHX: [1, 1],
  RPUSHX: [1, 1],
  SADD: [1, 1],
  LSET: [2, 0],
  LINSERT: [3, 0],
  SMOVE: [2, 0],
  PUBLISH: [1, 0],
  SPUBLISH: [1, 0],
  'JSON.SET': [2, 0],
};

/** ZADD's flags before the first score (Redis 6.2+). */
const ZADD_FLAGS = new Set(['NX', 'XX', 'GT', 'LT', 'CH', 'INCR']);

/**
 * The values a command stores or publishes (`redis.value`): see `VALUE_ARGS`; for ZADD, each member after
 * the flags. As the record keeps them: trimmed to `maxStringBytes`, at most the arguments kept.
 */
export function redisValues(rec: RedisRecord): string[] {
  if (rec.kind !== 'command' || rec.command === null) return [];
  const args = rec.args;
  if (rec.command === 'ZADD') {
    let i = 1;
    while (i < args.length && ZADD_FLAGS.has((args[i] as string).toUpperCase())) i++;
    const out: string[] = [];
    for (i += 1; i < args.length; i += 2) out.push(args[i] as string);
    return out;
  }
  const at = VALUE_ARGS[rec.command];
  if (at === undefined) return [];
  const [first, step] = at;
  if (step === 0) return first < args.length ? [args[first] as string] : [];
  const out: string[] = [];
  for (let i = first; i < args.length; i += step) out.push(args[i] as string);
  return out;
}

function collect(v: RedisValue, out: string[], max: number): void {
  if (out.length >= max) return;
  switch (v.type) {
    case 'array':
    case 'set':
    case 'push':
      for (const e of v.elements) collect(e, out, max);
      return;
    case 'map':
    case 'attribute':
      for (const e of v.entries) {
        collect(e.key, out, max);
        collect(e.value, out, max);
      }
      return;
    case 'simple_string':
    case 'simple_error':
    case 'bulk_string':
    case 'bulk_error':
    case 'verbatim_string':
    case 'big_number':
      out.push(v.value);
      return;
    default:
  }
}

/**
 * The `redis` module's inspection buffers (Suricata has none for Redis; names after Zeek's redis.log). A
 * command record is a transaction (command and reply); a push record a message from the server.
 */
export const REDIS_BUFFERS: readonly InspectionBuffer<RedisRecord>[] = [
  {
    name: 'redis.command',
    direction: 'to_server',
    scope: 'transaction',
    description: 'command name, upper-case',
    get: (r) => textBuffer(redisCommandName(r)),
  },
  {
    name: 'redis.key',
    direction: 'to_server',
    scope: 'transaction',
    description: "the command's first key",
    get: (r) => textBuffer(redisKey(r)),
  },
  {
    name: 'redis.value',
    direction: 'to_server',
    scope: 'transaction',
    description: 'each value a command stores or publishes (SET-like commands, see VALUE_ARGS)',
    get: (r) => textBuffers(redisValues(r)),
  },
  {
    name: 'redis.args',
    direction: 'to_server',
    scope: 'transaction',
    description: 'each argument as kept (secrets redacted)',
    get: (r) => (r.kind === 'command' ? textBuffers(r.args) : []),
  },
  {
    name: 'redis.reply',
    direction: 'to_client',
    scope: 'transaction',
    description: 'each string of a reply, depth first',
    get: (r) => (r.kind === 'command' ? textBuffers(redisReplyStrings(r)) : []),
  },
  {
    name: 'redis.error',
    direction: 'to_client',
    scope: 'transaction',
    description: 'error message of an error reply',
    get: (r) => textBuffer(redisErrorMessage(r)),
  },
  {
    name: 'redis.push',
    direction: 'to_client',
    scope: 'message',
    description: 'each channel, pattern and string of a push message',
    get: (r) => (r.kind === 'command' ? [] : textBuffers([...redisArguments(r), ...redisReplyStrings(r)])),
  },
];
