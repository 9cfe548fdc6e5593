/**
 * RESP2 and RESP3 values, hand-written: every type, nulls, attributes, pushes, streamed strings and
 * aggregates, inline commands, and the value flags (trimmed, escaped, incomplete).
 */
import { describe, expect, it } from 'vitest';
import type { RedisCommandRecord, RedisValue } from '../../../src/protocols/redis/index.js';
// Every run here is also run lean, the parser's fast path on and off: same anomalies, same stop.
import { bytes, client, cmd, runAllPaths as run, server } from './helpers.js';

/** The reply to one command `X`. */
function reply(...wire: (string | Uint8Array)[]): RedisValue | null {
  const r = run([client(cmd('X')), server(...wire)]);
  expect(r.records.length).toBeGreaterThan(0);
  return (r.records[0] as RedisCommandRecord).reply;
}

describe('RESP2 replies', () => {
  it('simple strings, errors, integers, bulk strings, arrays', () => {
    expect(reply('+OK\r\n')).toEqual({ type: 'simple_string', value: 'OK', length: 2 });
    expect(reply('-ERR unknown command\r\n')).toEqual({ type: 'simple_error', value: 'ERR unknown command', length: 19 });
    expect(reply(':-42\r\n')).toEqual({ type: 'integer', value: -42 });
    expect(reply(':+7\r\n')).toEqual({ type: 'integer', value: 7 });
    expect(reply(':123456789012345678901\r\n')).toEqual({ type: 'integer', value: '123456789012345678901' });
    expect(reply('$5\r\nhello\r\n')).toEqual({ type: 'bulk_string', value: 'hello', length: 5 });
    expect(reply('$0\r\n\r\n')).toEqual({ type: 'bulk_string', value: '', length: 0 });
    expect(reply('$4\r\na\r\nb\r\n')).toEqual({ type: 'bulk_string', value: 'a\r\nb', length: 4 }); // binary-safe
    expect(reply('*2\r\n$1\r\na\r\n*1\r\n:1\r\n')).toEqual({
      type: 'array',
      length: 2,
      elements: [
        { type: 'bulk_string', value: 'a', length: 1 },
        { type: 'array', length: 1, elements: [{ type: 'integer', value: 1 }] },
      ],
    });
    expect(reply('*0\r\n')).toEqual({ type: 'array', length: 0, elements: [] });
  });

  it('null bulk string and null array', () => {
    expect(reply('$-1\r\n')).toEqual({ type: 'null', of: 'bulk_string' });
    expect(reply('*-1\r\n')).toEqual({ type: 'null', of: 'array' });
    expect(reply('*2\r\n$-1\r\n:1\r\n')).toEqual({
      type: 'array',
      length: 2,
      elements: [
        { type: 'null', of: 'bulk_string' },
        { type: 'integer', value: 1 },
      ],
    });
  });

  it('binary strings are escaped, UTF-8 kept as text', () => {
    expect(reply(bytes('$3\r\n', new Uint8Array([0x00, 0xff, 0x5c]), '\r\n'))).toEqual({
      type: 'bulk_string',
      value: '\\x00\\xff\\\\',
      length: 3,
      escaped: true,
    });
    expect(reply('$6\r\nnaïve\r\n')).toEqual({ type: 'bulk_string', value: 'naïve', length: 6 });
  });
});

describe('RESP3 replies', () => {
  it('null, booleans, doubles (inf, nan), big numbers', () => {
    expect(reply('_\r\n')).toEqual({ type: 'null' });
    expect(reply('#t\r\n')).toEqual({ type: 'boolean', value: true });
    expect(reply('#f\r\n')).toEqual({ type: 'boolean', value: false });
    expect(reply(',3.14\r\n')).toEqual({ type: 'double', value: 3.14 });
    expect(reply(',-1.5e-3\r\n')).toEqual({ type: 'double', value: -0.0015 });
    expect(reply(',10\r\n')).toEqual({ type: 'double', value: 10 });
    expect(reply(',inf\r\n')).toEqual({ type: 'double', value: 'inf' });
    expect(reply(',-inf\r\n')).toEqual({ type: 'double', value: '-inf' });
    expect(reply(',nan\r\n')).toEqual({ type: 'double', value: 'nan' });
    expect(reply('(3492890328409238509324850943850943825024385\r\n')).toEqual({
      type: 'big_number',
      value: '3492890328409238509324850943850943825024385',
      length: 43,
    });
  });

  it('blob errors and verbatim strings', () => {
    expect(reply('!21\r\nSYNTAX invalid syntax\r\n')).toEqual({ type: 'bulk_error', value: 'SYNTAX invalid syntax', length: 21 });
    expect(reply('=15\r\ntxt:Some string\r\n')).toEqual({
      type: 'verbatim_string',
      value: 'Some string',
      length: 15,
      format: 'txt',
    });
  });

  it('maps, sets, pushes as values, nested', () => {
    expect(reply('%2\r\n+first\r\n:1\r\n+second\r\n~2\r\n:1\r\n:2\r\n')).toEqual({
      type: 'map',
      length: 2,
      entries: [
        { key: { type: 'simple_string', value: 'first', length: 5 }, value: { type: 'integer', value: 1 } },
        {
          key: { type: 'simple_string', value: 'second', length: 6 },
          value: {
            type: 'set',
            length: 2,
            elements: [
              { type: 'integer', value: 1 },
              { type: 'integer', value: 2 },
            ],
          },
        },
      ],
    });
    expect(reply('%0\r\n')).toEqual({ type: 'map', length: 0, entries: [] });
  });

  it('attributes attach to the value that follows, at any level', () => {
    const v = reply('|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n*2\r\n:2\r\n|1\r\n+ttl\r\n:3600\r\n:9\r\n');
    expect(v).toEqual({
      type: 'array',
      length: 2,
      attributes: {
        type: 'attribute',
        length: 1,
        entries: [
          {
            key: { type: 'simple_string', value: 'key-popularity', length: 14 },
            value: {
              type: 'map',
              length: 1,
              entries: [{ key: { type: 'bulk_string', value: 'a', length: 1 }, value: { type: 'double', value: 0.19 } }],
            },
          },
        ],
      },
      elements: [
        { type: 'integer', value: 2 },
        {
          type: 'integer',
          value: 9,
          attributes: {
            type: 'attribute',
            length: 1,
            entries: [{ key: { type: 'simple_string', value: 'ttl', length: 3 }, value: { type: 'integer', value: 3600 } }],
          },
        },
      ],
    });
  });

  it('streamed strings and aggregates (RESP3 `?` lengths)', () => {
    expect(reply('$?\r\n;4\r\nHell\r\n;6\r\no worl\r\n;1\r\nd\r\n;0\r\n')).toEqual({
      type: 'bulk_string',
      value: 'Hello world',
      length: 11,
      streamed: true,
    });
    expect(reply('*?\r\n:1\r\n%?\r\n+a\r\n#t\r\n.\r\n.\r\n')).toEqual({
      type: 'array',
      length: 2,
      streamed: true,
      elements: [
        { type: 'integer', value: 1 },
        {
          type: 'map',
          length: 1,
          streamed: true,
          entries: [{ key: { type: 'simple_string', value: 'a', length: 1 }, value: { type: 'boolean', value: true } }],
        },
      ],
    });
    expect(reply('~?\r\n.\r\n')).toEqual({ type: 'set', length: 0, elements: [], streamed: true });
  });

  it('a RESP3-only reply marks the connection RESP3', () => {
    const r = run([client(cmd('A'), cmd('B')), server('+OK\r\n', '%0\r\n')]);
    expect(r.records.map((x) => x.protocol)).toEqual([2, 3]);
  });
});

describe('requests', () => {
  it('command arrays: name upper-cased, key, arguments', () => {
    const r = run([client(cmd('set', 'user:1', 'alice', 'EX', '60')), server('+OK\r\n')]);
    expect(r.records[0]).toEqual({
      kind: 'command',
      command: 'SET',
      subcommand: null,
      key: 'user:1',
      argCount: 4,
      args: ['user:1', 'alice', 'EX', '60'],
      argsTruncated: false,
      inline: false,
      redacted: false,
      malformed: false,
      protocol: 2,
      reply: { type: 'simple_string', value: 'OK', length: 2 },
      replyCount: 1,
      success: true,
      noReply: null,
      anomalies: [],
    });
  });

  it('keys of numkeys, container and other command shapes; none for keyless commands', () => {
    const key = (...a: string[]) => (run([client(cmd(...a))]).records[0] as RedisCommandRecord).key;
    expect(key('EVAL', 'return 1', '2', 'k1', 'k2')).toBe('k1');
    expect(key('EVAL', 'return 1', '0')).toBeNull();
    expect(key('ZUNION', '2', 'a', 'b')).toBe('a');
    expect(key('BLMPOP', '0', '1', 'q', 'LEFT')).toBe('q');
    expect(key('XREAD', 'COUNT', '2', 'STREAMS', 's1', '0')).toBe('s1');
    expect(key('OBJECT', 'ENCODING', 'k')).toBe('k');
    expect(key('BITOP', 'AND', 'dest', 'a', 'b')).toBe('dest');
    expect(key('PING')).toBeNull();
    expect(key('PUBLISH', 'ch', 'msg')).toBeNull();
    expect(key('JSON.SET', 'doc', '$', '{}')).toBeNull(); // module commands: name and arguments only
    const sub = run([client(cmd('client', 'setname', 'x'))]).records[0] as RedisCommandRecord;
    expect(sub.subcommand).toBe('SETNAME');
  });

  it('inline commands: spaces, quotes, escapes, LF-only lines, empty lines ignored', () => {
    const r = run([
      client('PING\r\n\r\n  set  k  "a b\\n\\x41\\"" \r\n', "GET 'it\\'s'\n", '\r\n'),
      server('+PONG\r\n+OK\r\n$-1\r\n'),
    ]);
    expect(
      r.records.map((x) => [(x as RedisCommandRecord).command, (x as RedisCommandRecord).args, (x as RedisCommandRecord).inline]),
    ).toEqual([
      ['PING', [], true],
      ['SET', ['k', 'a b\nA"'], true],
      ['GET', ["it's"], true],
    ]);
    expect(r.anomalies).toEqual([]);
  });

  it('`*0`, `*-1` and empty lines are ignored as Redis ignores them; `*-20` too, flagged', () => {
    const r = run([client('*0\r\n*-1\r\n\r\n*-20\r\n', cmd('PING')), server('+PONG\r\n')]);
    expect(r.records.length).toBe(1);
    expect(r.anomalies).toEqual(['redis.empty_request@0']);
  });

  it('ignored headers count toward no message: a run of them cannot trim the next command out of its record', () => {
    const ignored = '*0\r\n'.repeat(300) + '*-1\r\n'.repeat(300) + '*-7\r\n'.repeat(300);
    for (const split of ['whole', 'bytes'] as const) {
      const r = run([client(ignored, cmd('SET', 'k', 'v')), server('+OK\r\n')], undefined, split);
      expect(r.records.map((x) => [(x as RedisCommandRecord).command, (x as RedisCommandRecord).args])).toEqual([
        ['SET', ['k', 'v']],
      ]);
      // One per `*-7` (the handler sees every raise; events are once per flow), nothing trimmed.
      expect(r.anomalies).toEqual(new Array(300).fill('redis.empty_request@0'));
    }
  });
});
