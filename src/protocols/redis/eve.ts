/**
 * Redis records as netsieve's EVE JSON writes them: `event_type: "redis"`, the object under `"redis"`.
 * Suricata has no Redis logger, so the layout is netsieve's own, described by `schema/eve-redis.schema.json`
 * and built on Suricata's conventions: snake_case names, absent rather than null for what a record does not
 * have, values as plain JSON. Fields follow Zeek's redis.log where it has one (`cmd.name` → `command`,
 * `cmd.key` → `key`, `success`, `reply`).
 *
 * Values (`reply`, `data`) are written as trees: `{type, value}` for scalars (strings keep `length`, and
 * `truncated` / `escaped` / `incomplete` when set), `{type, length, elements}` for arrays, sets and pushes,
 * `{type, length, entries: [{key, value}]}` for maps; attributes under `attributes`.
 */
import type { RedisCommandRecord, RedisPushRecord, RedisRecord, RedisValue } from './events.js';

type Json = Record<string, unknown>;

/** The EVE form of one value (a fresh tree: the record is not shared with the output). */
export function redisValueToEve(v: RedisValue): Json {
  const o: Json = { type: v.type };
  switch (v.type) {
    case 'array':
    case 'set':
    case 'push':
      o.length = v.length;
      o.elements = v.elements.map(redisValueToEve);
      if (v.streamed === true) o.streamed = true;
      break;
    case 'map':
    case 'attribute':
      o.length = v.length;
      o.entries = v.entries.map((e) => ({ key: redisValueToEve(e.key), value: redisValueToEve(e.value) }));
      if (v.streamed === true) o.streamed = true;
      break;
    case 'null':
      if (v.of !== undefined) o.of = v.of;
      break;
    case 'integer':
    case 'double':
    case 'boolean':
      o.value = v.value;
      break;
    default:
      o.value = v.value;
      o.length = v.length;
      if (v.escaped === true) o.escaped = true;
      if (v.format !== undefined) o.format = v.format;
      if (v.streamed === true) o.streamed = true;
  }
  if (v.truncated === true) o.truncated = true;
  if (v.incomplete === true) o.incomplete = true;
  if (v.attributes !== undefined) o.attributes = redisValueToEve(v.attributes);
  return o;
}

function commandToEve(r: RedisCommandRecord): Json {
  const o: Json = { type: 'command' };
  if (r.command !== null) o.command = r.command;
  if (r.subcommand !== null) o.subcommand = r.subcommand;
  if (r.key !== null) o.key = r.key;
  o.arg_count = r.argCount;
  o.args = [...r.args];
  if (r.argsTruncated) o.args_truncated = true;
  if (r.inline) o.inline = true;
  if (r.redacted) o.redacted = true;
  if (r.malformed) o.malformed = true;
  o.protocol = r.protocol;
  if (r.reply !== null) o.reply = redisValueToEve(r.reply);
  o.reply_count = r.replyCount;
  if (r.success !== null) o.success = r.success;
  if (r.noReply !== null) o.no_reply = r.noReply;
  if (r.anomalies.length > 0) o.anomalies = [...r.anomalies];
  return o;
}

function pushToEve(r: RedisPushRecord): Json {
  const o: Json = { type: 'push', push: r.push };
  if (r.channel !== null) o.channel = r.channel;
  if (r.pattern !== null) o.pattern = r.pattern;
  if (r.data !== null) o.data = redisValueToEve(r.data);
  if (r.monitor !== null) {
    const m = r.monitor;
    o.monitor = { time: m.time, db: m.db, client: m.client, command: m.command, args: [...m.args] };
  }
  o.protocol = r.protocol;
  if (r.anomalies.length > 0) o.anomalies = [...r.anomalies];
  return o;
}

/** The object under `"redis"` in an `event_type: "redis"` line. */
export function redisToEve(record: RedisRecord): Json {
  return record.kind === 'command' ? commandToEve(record) : pushToEve(record);
}
