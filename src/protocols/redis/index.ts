/**
 * Redis (RESP2 and RESP3) over TCP: the registry entry `redisModule` (`redis`, port 6379 as the hint).
 *
 * Files: `probe.ts` (is this Redis?), `parser.ts` (RESP as a byte machine, one per direction), `state.ts`
 * (the connection: command/reply pairing, pub/sub, CLIENT REPLY, HELLO, MONITOR), `commands.ts` (keys,
 * subcommands, secrets), `text.ts` (bytes to record text), `events.ts` (records), `anomalies.ts` (the anomaly table),
 * `buffers.ts` (buffers for rules),
 * `options.ts` (caps), `eve.ts` (EVE JSON, schema in `schema/eve-redis.schema.json`).
 *
 * Records are emitted as the event type `redis`: one per command with its reply, one per out-of-band
 * server message (pub/sub messages, invalidations, other RESP3 pushes, MONITOR lines).
 */
import { defineProtocol, type AppEventSink, type TcpAppParser } from '../module.js';
import { REDIS_ANOMALIES } from './anomalies.js';
import { REDIS_BUFFERS } from './buffers.js';
import { redisToEve } from './eve.js';
import type { RedisRecord } from './events.js';
import { REDIS_DEFAULTS, REDIS_OPTION_DOCS, resolveRedisOptions, type RedisOptions } from './options.js';
import { probeRedis } from './probe.js';
import { RedisConnection } from './state.js';

export type {
  RedisArrayValue,
  RedisBooleanValue,
  RedisCommandRecord,
  RedisDoubleValue,
  RedisIntegerValue,
  RedisMapValue,
  RedisMonitorLine,
  RedisNoReply,
  RedisNullValue,
  RedisPushRecord,
  RedisRecord,
  RedisStringValue,
  RedisValue,
} from './events.js';
export { REDIS_ANOMALIES, RedisAnomaly, type RedisAnomalyName } from './anomalies.js';
export { redisToEve, redisValueToEve } from './eve.js';
export { REDIS_BUFFERS, redisArguments, redisCommandName, redisErrorMessage, redisKey, redisReplyStrings } from './buffers.js';
export { REDIS_DEFAULTS, REDIS_OPTION_DOCS, resolveRedisOptions, type RedisOptions } from './options.js';
export { probeRedis } from './probe.js';
export { parseMonitorLine, RedisConnection } from './state.js';

export const redisModule = defineProtocol({
  name: 'redis',
  description: 'Redis RESP2/RESP3: one record per command with its reply, one per push message',
  transports: ['tcp'],
  ports: { tcp: [6379] },
  probe: probeRedis,
  createTcp: (sink: AppEventSink<RedisRecord>, options: RedisOptions): TcpAppParser => new RedisConnection(sink, options),
  defaults: REDIS_DEFAULTS,
  optionDocs: REDIS_OPTION_DOCS,
  normalizeOptions: resolveRedisOptions,
  toEve: redisToEve,
  anomalies: REDIS_ANOMALIES,
  buffers: REDIS_BUFFERS,
});
