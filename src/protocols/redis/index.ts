/**
 * Redis (RESP2 and RESP3) over TCP: the registry entry `redisProtocol` (`redis`, port 6379 as the hint).
 *
 * Files: `probe.ts` (is this Redis?), `parser.ts` (RESP as a byte machine, one per direction), `state.ts`
 * (the connection: command/reply pairing, pub/sub, CLIENT REPLY, HELLO, MONITOR), `commands.ts` (keys,
 * subcommands, secrets), `text.ts` (bytes to record text), `events.ts` (records and anomalies),
 * `buffers.ts` (buffers for rules),
 * `options.ts` (caps), `eve.ts` (EVE JSON, schema in `schema/eve-redis.schema.json`).
 *
 * Records are emitted as the event type `redis`: one per command with its reply, one per out-of-band
 * server message (pub/sub messages, invalidations, other RESP3 pushes, MONITOR lines).
 */
import type { AppEventSink, ProtocolModule, TcpAppParser } from '../module.js';
import { REDIS_ANOMALIES } from './events.js';
import { REDIS_DEFAULTS, type RedisOptions } from './options.js';
import { probeRedis } from './probe.js';
import { RedisConnection } from './state.js';

export type {
  RedisAnomalyName,
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
export { REDIS_ANOMALIES } from './events.js';
export { redisToEve, redisValueToEve } from './eve.js';
export { redisArguments, redisCommandName, redisErrorMessage, redisKey, redisReplyStrings } from './buffers.js';
export { REDIS_DEFAULTS, resolveRedisOptions, type RedisOptions } from './options.js';
export { probeRedis } from './probe.js';
export { parseMonitorLine, RedisConnection } from './state.js';

export const redisProtocol: ProtocolModule<RedisOptions> = {
  name: 'redis',
  transports: ['tcp'],
  ports: { tcp: [6379] },
  probe: probeRedis,
  createTcp: (sink: AppEventSink, options: RedisOptions): TcpAppParser => new RedisConnection(sink, options),
  defaults: REDIS_DEFAULTS,
  anomalies: REDIS_ANOMALIES,
};
