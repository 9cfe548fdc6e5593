/**
 * `redis.value` (netsieve's own buffer: the values SET-like commands store or publish) and the other Redis
 * buffers on parsed conversations, whole and split at every byte.
 */
import { describe, expect, it } from 'vitest';
import { REDIS_BUFFERS, redisValues } from '../../../src/protocols/redis/buffers.js';
import type { RedisRecord } from '../../../src/protocols/redis/events.js';
import { client, cmd, run, server } from './helpers.js';

const values = (rec: RedisRecord): string[] =>
  REDIS_BUFFERS.find((b) => b.name === 'redis.value')!
    .get(rec)
    .map((b) => Buffer.from(b).toString('utf8'));

/** [command arguments, expected values]. */
const CASES: readonly (readonly [string[], string[]])[] = [
  [['SET', 'k', 'v1', 'EX', '10'], ['v1']],
  [['set', 'k', 'lower-case name'], ['lower-case name']],
  [['SETNX', 'k', 'v'], ['v']],
  [['GETSET', 'k', 'v'], ['v']],
  [['APPEND', 'k', 'tail'], ['tail']],
  [['SETEX', 'k', '60', 'v'], ['v']],
  [['PSETEX', 'k', '60000', 'v'], ['v']],
  [['SETRANGE', 'k', '3', 'v'], ['v']],
  [
    ['MSET', 'a', '1', 'b', '2'],
    ['1', '2'],
  ],
  [
    ['MSETNX', 'a', '1', 'b', '2'],
    ['1', '2'],
  ],
  [
    ['HSET', 'h', 'f1', 'v1', 'f2', 'v2'],
    ['v1', 'v2'],
  ],
  [['HMSET', 'h', 'f1', 'v1'], ['v1']],
  [['HSETNX', 'h', 'f', 'v'], ['v']],
  [
    ['LPUSH', 'l', 'a', 'b'],
    ['a', 'b'],
  ],
  [['RPUSH', 'l', 'a'], ['a']],
  [['LPUSHX', 'l', 'a'], ['a']],
  [
    ['RPUSHX', 'l', 'a', 'b', 'c'],
    ['a', 'b', 'c'],
  ],
  [['LSET', 'l', '0', 'v'], ['v']],
  [['LINSERT', 'l', 'BEFORE', 'pivot', 'v'], ['v']],
  [
    ['SADD', 's', 'm1', 'm2'],
    ['m1', 'm2'],
  ],
  [['SMOVE', 'src', 'dst', 'm'], ['m']],
  [
    ['ZADD', 'z', '1', 'a', '2', 'b'],
    ['a', 'b'],
  ],
  [['ZADD', 'z', 'NX', 'CH', '1.5', 'a'], ['a']],
  [['PUBLISH', 'chan', 'hello'], ['hello']],
  [['SPUBLISH', 'chan', 'hello'], ['hello']],
  [['JSON.SET', 'doc', '$', '{"a":1}'], ['{"a":1}']],
  [['GET', 'k'], []],
  [['DEL', 'k', 'v'], []],
  [['EVAL', 'return 1', '0'], []],
  [['SET', 'k'], []],
];

describe('redis.value', () => {
  it.each(CASES)('%j → %j', (args, expected) => {
    const r = run([client(cmd(...args)), server('+OK\r\n')]);
    expect(r.records.length).toBe(1);
    expect(values(r.records[0]!)).toEqual(expected);
    expect(redisValues(r.records[0]!)).toEqual(expected);
  });
  it('inline commands too', () => {
    const r = run([client('SET k inline-value\r\n'), server('+OK\r\n')]);
    expect(values(r.records[0]!)).toEqual(['inline-value']);
  });
  it('the same values at every split of the bytes', () => {
    const wire = Buffer.concat([cmd('MSET', 'a', 'first', 'b', 'second'), cmd('HSET', 'h', 'f', 'third')]);
    const whole = run([client(wire), server('+OK\r\n:1\r\n')]).records.map(values);
    expect(whole).toEqual([['first', 'second'], ['third']]);
    for (let cut = 1; cut < wire.length; cut++) {
      const r = run([client(wire.subarray(0, cut)), client(wire.subarray(cut)), server('+OK\r\n:1\r\n')]);
      expect(r.records.map(values)).toEqual(whole);
    }
  });
  it('a reply or a push has none', () => {
    const r = run([
      client(cmd('SUBSCRIBE', 'c')),
      server('*3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$2\r\nhi\r\n'),
    ]);
    for (const rec of r.records) expect(values(rec)).toEqual([]);
  });
});
