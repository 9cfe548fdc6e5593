/**
 * The Redis parser alone (no engine): one connection carrying generated redis-benchmark-like traffic,
 * pipelined (16 commands per round trip, as `redis-benchmark -P 16`), each direction fed in 1460-byte
 * pieces (one MSS), requests then their replies, round trip after round trip.
 *
 *   npm run bench -- redis
 *
 * Traffic (one operation, 20,000 commands, 2.1 MB): SET / GET / INCR / LPUSH / LPOP / SADD / HSET / MSET
 * with small keys (`key:000123`) and 3-byte values, LRANGE of 10 elements, and a 2 KiB value in one SET
 * of 50. Cases: records wanted (each command becomes a record handed to a sink that counts it), records
 * not wanted (the sink's `recordsWanted` false: the lean parse, nothing built; whole messages of the
 * common shapes on the parser's fast path), the same with the fast path off (every message through the
 * byte machine, as before the fast path existed), and the baseline: finding every LF of the same bytes
 * with `Uint8Array.indexOf` (the least a line protocol parser must do).
 * The "packets/s" column counts commands.
 */
import type { AppEventSink } from '../src/protocols/module.js';
import type { RedisRecord } from '../src/protocols/redis/events.js';
import { resolveRedisOptions } from '../src/protocols/redis/options.js';
import { setRespFastPath } from '../src/protocols/redis/parser.js';
import { RedisConnection } from '../src/protocols/redis/state.js';
import { mulberry32 } from '../test/helpers/packets.js';
import { countLines, feedExchanges, machine, runSuite } from './lib.js';

const MSS = 1460;
const COMMANDS = 20_000;
const PIPELINE = 16;

const enc = new TextEncoder();

function command(args: string[]): string {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
  return s;
}
const bulk = (v: string): string => `$${Buffer.byteLength(v)}\r\n${v}\r\n`;

/** Round trips: each a pipeline of requests and the replies to them. */
function traffic(): { req: Uint8Array; resp: Uint8Array }[] {
  const rnd = mulberry32(11);
  const key = (): string => `key:${String(Math.floor(rnd() * 100_000)).padStart(12, '0')}`;
  const big = 'v'.repeat(2048);
  const trips: { req: Uint8Array; resp: Uint8Array }[] = [];
  let req = '';
  let resp = '';
  for (let i = 0; i < COMMANDS; i++) {
    switch (i % 10) {
      case 0:
        req += command(['SET', key(), i % 50 === 0 ? big : 'xxx']);
        resp += '+OK\r\n';
        break;
      case 1:
        req += command(['GET', key()]);
        resp += rnd() < 0.8 ? bulk('xxx') : '$-1\r\n';
        break;
      case 2:
        req += command(['INCR', 'counter:__rand_int__']);
        resp += `:${i}\r\n`;
        break;
      case 3:
        req += command(['LPUSH', 'mylist', 'xxx']);
        resp += `:${i}\r\n`;
        break;
      case 4:
        req += command(['LPOP', 'mylist']);
        resp += bulk('xxx');
        break;
      case 5:
        req += command(['SADD', 'myset', `element:${Math.floor(rnd() * 1000)}`]);
        resp += ':1\r\n';
        break;
      case 6:
        req += command(['HSET', 'myhash', `element:${Math.floor(rnd() * 1000)}`, 'xxx']);
        resp += ':0\r\n';
        break;
      case 7:
        req += command(['LRANGE', 'mylist', '0', '9']);
        resp += `*10\r\n${bulk('xxx').repeat(10)}`;
        break;
      case 8: {
        const kv: string[] = ['MSET'];
        for (let k = 0; k < 5; k++) kv.push(key(), 'xxx');
        req += command(kv);
        resp += '+OK\r\n';
        break;
      }
      default:
        req += command(['PING']);
        resp += '+PONG\r\n';
    }
    if ((i + 1) % PIPELINE === 0 || i === COMMANDS - 1) {
      trips.push({ req: enc.encode(req), resp: enc.encode(resp) });
      req = '';
      resp = '';
    }
  }
  return trips;
}

let records = 0;
let anomalies = 0;
function sink(wanted: boolean): AppEventSink<RedisRecord> {
  return {
    recordsWanted: wanted,
    serverName: () => undefined,
    emit: () => {
      records++;
    },
    anomaly: () => {
      anomalies++;
    },
    stop: () => {},
  };
}
const WANTED = sink(true);
const NOT_WANTED = sink(false);
const OPTIONS = resolveRedisOptions({});

function parseAll(trips: { req: Uint8Array; resp: Uint8Array }[], s: AppEventSink<RedisRecord>): void {
  feedExchanges(new RedisConnection(s, OPTIONS), trips, MSS);
}

const trips = traffic();
const size = trips.reduce((n, t) => n + t.req.length + t.resp.length, 0);

// Sanity: every command becomes one record when wanted, none when not; either way one anomaly per 2 KiB
// value (redis.string_trimmed: longer than maxStringBytes), nothing else.
const BIG = Math.ceil(COMMANDS / 50);
parseAll(trips, WANTED);
if (records !== COMMANDS || anomalies !== BIG)
  throw new Error(`expected ${COMMANDS} records, ${BIG} anomalies; got ${records}, ${anomalies}`);
records = 0;
anomalies = 0;
parseAll(trips, NOT_WANTED);
// (A parser that ignores recordsWanted still emits: reported, not refused, so that older code can be measured.)
if (records !== 0) console.log(`# note: ${records} records emitted with recordsWanted false`);
if (anomalies !== BIG) throw new Error(`expected ${BIG} anomalies, got ${anomalies}`);

console.log(
  `# Redis parser: ${COMMANDS} commands per operation (pipelines of ${PIPELINE}), ${(size / 1e6).toFixed(2)} MB; ${MSS}-byte pieces; packets/s = commands/s`,
);
console.log(`# ${machine()}`);
let lines = 0;
const rows = runSuite('redis parser', [
  {
    name: 'baseline: find every LF (indexOf)',
    baseline: true,
    bytes: size,
    packets: COMMANDS,
    fn: () => void (lines += countLines(trips, MSS)),
  },
  { name: 'RedisConnection: records wanted', bytes: size, packets: COMMANDS, fn: () => parseAll(trips, WANTED) },
  { name: 'RedisConnection: records not wanted', bytes: size, packets: COMMANDS, fn: () => parseAll(trips, NOT_WANTED) },
  {
    name: 'RedisConnection: records not wanted, fast path off',
    bytes: size,
    packets: COMMANDS,
    fn: () => {
      setRespFastPath(false);
      parseAll(trips, NOT_WANTED);
      setRespFastPath(true);
    },
  },
]);
if (lines === 0) throw new Error('no lines');
for (const r of rows) console.log(`# ${r.name}: ${((r.medianMs * 1000) / COMMANDS).toFixed(3)} µs per command`);
