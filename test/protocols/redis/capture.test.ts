/**
 * netsieve's own captures of real redis-server traffic:
 * - fixtures/loopback-mixed.pcap: redis-cli against redis-server with AUTH, a pipelined `--pipe` run of
 *   inline commands, and a large value;
 * - fixtures/redis/redis-features.pcap (made by fixtures/redis/record-redis.sh): RESP3 with every type
 *   redis-server 7 sends, RESP2 and RESP3 pub/sub, client-side caching, CLIENT REPLY, MONITOR,
 *   transactions, ACL/HELLO/MIGRATE authentication, inline commands, a 2000-command pipeline, a 300 kB value.
 * What the scripts sent is known, so the records are checked against it; no password of the scripts may
 * appear in any record or anomaly.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RedisCommandRecord, RedisPushRecord, RedisRecord } from '../../../src/protocols/redis/index.js';
import { OWN_FIXTURES_DIR } from '../../support/corpus.js';
import { captureFlows, probedRedis, run, type Result } from './helpers.js';

const FEATURES = path.join(OWN_FIXTURES_DIR, 'redis', 'redis-features.pcap');
const LOOPBACK = path.join(OWN_FIXTURES_DIR, 'loopback-mixed.pcap');

async function redisFlows(file: string): Promise<Result[]> {
  const out: Result[] = [];
  for (const f of await captureFlows(file)) if (probedRedis(f)) out.push(run(f.steps));
  return out;
}

const cmdsOf = (r: Result) => r.records.filter((x): x is RedisCommandRecord => x.kind === 'command');
const pushesOf = (r: Result) => r.records.filter((x): x is RedisPushRecord => x.kind === 'push');
const summary = (rs: RedisRecord[]) =>
  rs.map((r) =>
    r.kind === 'push'
      ? `push:${r.push}`
      : `${r.command}${r.subcommand !== null ? ` ${r.subcommand}` : ''}${r.reply === null ? ` (${r.noReply})` : r.success ? '' : ' !'}`,
  );

describe.skipIf(!fs.existsSync(LOOPBACK))('fixtures/loopback-mixed.pcap', () => {
  it('redis-cli with AUTH, a --pipe run of inline commands and a large value', async () => {
    const flows = await redisFlows(LOOPBACK);
    // The TLS and HTTP flows of the capture are not taken.
    expect(flows.map((f) => summary(f.records))).toEqual([
      ['AUTH', 'SET'],
      ['AUTH', 'GET'],
      ['AUTH', 'SET', 'INCR', 'LPUSH', 'LRANGE', 'GET', 'ECHO'],
      ['AUTH', 'SET'],
    ]);
    expect(
      cmdsOf(flows[2]!)
        .slice(0, 6)
        .every((c) => c.inline),
    ).toBe(true);
    const big = cmdsOf(flows[3]!)[1]!;
    expect(big).toMatchObject({ key: 'bigkey', argsTruncated: true, reply: { value: 'OK' } });
    expect(big.args[1]!.length).toBe(512);
    for (const f of flows)
      expect(cmdsOf(f)[0]).toMatchObject({ command: 'AUTH', args: ['(redacted)'], redacted: true, success: true });
  });
});

describe.skipIf(!fs.existsSync(FEATURES))('fixtures/redis/redis-features.pcap', () => {
  it('every connection, record by record', async () => {
    const flows = await redisFlows(FEATURES);
    expect(flows.length).toBe(16);
    const s = flows.map((f) => summary(f.records));
    expect(s[3]).toEqual([
      'HELLO',
      'HSET',
      'HGETALL',
      'SADD',
      'SMEMBERS',
      'ZADD',
      'ZSCORE',
      'ZRANGE',
      'INCRBYFLOAT',
      'GET',
      'EXISTS',
      'DEBUG PROTOCOL',
      'DEBUG PROTOCOL',
      'DEBUG PROTOCOL',
      'DEBUG PROTOCOL',
      'DEBUG PROTOCOL',
      'DEBUG PROTOCOL',
      'DEBUG PROTOCOL',
      'DEBUG PROTOCOL',
      'DEBUG PROTOCOL',
      'push:server-cpu-usage',
      'DEBUG PROTOCOL',
      'CONFIG GET',
      'XADD',
      'XRANGE',
      'EVAL',
      'EVAL !',
      'COMMAND DOCS',
      'CLIENT INFO',
      'RESET',
      'GET !',
    ]);
    // RESP3 pub/sub with client-side caching.
    expect(s[4]).toEqual([
      'AUTH',
      'HELLO',
      'SUBSCRIBE',
      'PSUBSCRIBE',
      'CLIENT TRACKING',
      'GET',
      'push:message',
      'push:pmessage',
      'push:invalidate',
      'push:message',
      'PING',
      'UNSUBSCRIBE',
      'PUNSUBSCRIBE',
    ]);
    // RESP2 pub/sub.
    expect(s[6]).toEqual([
      'AUTH',
      'SUBSCRIBE',
      'PSUBSCRIBE',
      'SSUBSCRIBE',
      'push:message',
      'push:pmessage',
      'push:message',
      'push:smessage',
      'PING',
      'PING',
      'GET !',
      'UNSUBSCRIBE',
      'PUNSUBSCRIBE',
      'SUNSUBSCRIBE',
      'GET',
    ]);
    // CLIENT REPLY OFF / ON / SKIP in one pipeline.
    expect(s[8]).toEqual([
      'AUTH',
      'SET',
      'CLIENT REPLY (skipped)',
      'SET (skipped)',
      'INCR (skipped)',
      'CLIENT REPLY',
      'GET',
      'CLIENT REPLY (skipped)',
      'SET (skipped)',
      'GET',
    ]);
    // MONITOR.
    expect(s[9]).toEqual(['AUTH', 'MONITOR', 'push:monitor', 'push:monitor', 'push:monitor', 'RESET', 'PING !']);
    expect(pushesOf(flows[9]!).map((p) => p.monitor?.command)).toEqual(['AUTH', 'SET', 'LPUSH']);
    // Transactions and authentication failures.
    expect(s[11]).toEqual([
      'GET !',
      'AUTH !',
      'AUTH',
      'MULTI',
      'SET',
      'INCR',
      'LPUSH',
      'EXEC',
      'MULTI',
      'SET !',
      'EXEC !',
      'NOSUCHCOMMAND !',
      'GET !',
      'OBJECT ENCODING',
      'SCAN',
      'BLPOP',
      'CONFIG SET',
      'ACL SETUSER',
      'QUIT',
    ]);
    // Inline commands typed at a telnet prompt; the unbalanced quote is a protocol error both sides agree on.
    expect(cmdsOf(flows[12]!).map((c) => [c.command, c.args, c.malformed])).toEqual([
      ['AUTH', ['(redacted)'], false],
      ['PING', [], false],
      ['SET', ['greeting', 'hello world\n'], false],
      ['GET', ['greeting'], false],
      ['SET', ['single quoted', 'value'], false],
      ['GET', ['single quoted'], false],
      ['ECHO', ['AB\u0000'], false],
      ['SET', ['broken', 'unbalanced'], true],
    ]);
    // MIGRATE with AUTH, and the connection the server opens to the target for it.
    expect(s[13]).toEqual(['AUTH', 'SET', 'MIGRATE', 'MIGRATE']);
    expect(s[14]).toEqual(['AUTH', 'SELECT', 'RESTORE', 'AUTH', 'RESTORE', 'RESTORE']);
    // 2000 pipelined SETs, DBSIZE, then a 300 kB value.
    const pipeline = cmdsOf(flows[15]!);
    expect(pipeline.length).toBe(2005);
    expect(
      pipeline.filter((c) => c.command === 'SET' && c.reply !== null && 'value' in c.reply && c.reply.value === 'OK').length,
    ).toBe(2001);
    expect(pipeline[2001]).toMatchObject({ command: 'DBSIZE', reply: { type: 'integer' } });
    expect(pipeline[2003]).toMatchObject({
      command: 'GET',
      key: 'big',
      reply: { type: 'bulk_string', length: 300_000, truncated: true },
    });
    expect(pipeline[2004]).toMatchObject({ command: 'STRLEN', reply: { type: 'integer', value: 300_000 } });
    // Nothing went unpaired, nothing malformed but the one bad inline command.
    const all = flows.flatMap((f) => f.anomalies);
    expect([...new Set(all)].sort()).toEqual(['redis.string_trimmed@0', 'redis.string_trimmed@1', 'redis.unbalanced_quotes@0']);
  }, 30_000);

  it('no password of the recording scripts appears in a record', async () => {
    const flows = await redisFlows(FEATURES);
    const text = JSON.stringify(flows);
    for (const secret of ['s3cret', 'wonderland', 'other-secret', 'replica-secret', 'bobs-password'])
      expect(text).not.toContain(secret);
  });
});
