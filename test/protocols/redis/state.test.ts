/**
 * The connection: command/reply pairing (pipelining, CLIENT REPLY, pub/sub in RESP2 and RESP3, pushes,
 * MONITOR, HELLO, RESET), secrets, gaps and ends.
 */
import { describe, expect, it } from 'vitest';
import type { RedisCommandRecord, RedisPushRecord, RedisRecord } from '../../../src/protocols/redis/index.js';
// Every run here is also run lean, the parser's fast path on and off: same anomalies, same stop.
import { C, client, cmd, runAllPaths as run, S, server } from './helpers.js';

const cmds = (rs: RedisRecord[]) => rs.filter((r): r is RedisCommandRecord => r.kind === 'command');
const pushes = (rs: RedisRecord[]) => rs.filter((r): r is RedisPushRecord => r.kind === 'push');
/** [command, reply value or noReply] per record. */
function pairs(rs: RedisRecord[]): unknown[] {
  return rs.map((r) => {
    if (r.kind === 'push') return ['push', r.push, r.channel];
    const v = r.reply;
    return [r.command, v === null ? r.noReply : 'value' in v ? v.value : v.type, r.replyCount];
  });
}

describe('pairing', () => {
  it('pipelined commands get their replies in order', () => {
    const r = run([client(cmd('SET', 'a', '1'), cmd('INCR', 'n'), cmd('GET', 'a')), server('+OK\r\n:1\r\n$1\r\n1\r\n')]);
    expect(pairs(r.records)).toEqual([
      ['SET', 'OK', 1],
      ['INCR', 1, 1],
      ['GET', '1', 1],
    ]);
  });

  it('errors are replies with success false', () => {
    const r = run([client(cmd('GET')), server("-ERR wrong number of arguments for 'get' command\r\n")]);
    expect(cmds(r.records)[0]).toMatchObject({
      success: false,
      reply: { type: 'simple_error', value: "ERR wrong number of arguments for 'get' command" },
    });
  });

  it('MULTI/EXEC: QUEUED replies, then the array', () => {
    const r = run([client(cmd('MULTI'), cmd('INCR', 'x'), cmd('EXEC')), server('+OK\r\n+QUEUED\r\n*1\r\n:1\r\n')]);
    expect(pairs(r.records)).toEqual([
      ['MULTI', 'OK', 1],
      ['INCR', 'QUEUED', 1],
      ['EXEC', 'array', 1],
    ]);
  });

  it('a reply without a command is recorded and flagged', () => {
    const r = run([server('+OK\r\n')]);
    expect(r.records).toEqual([
      expect.objectContaining({
        command: null,
        reply: { type: 'simple_string', value: 'OK', length: 2 },
        anomalies: ['redis.reply_without_command'],
      }),
    ]);
    expect(r.anomalies).toEqual(['redis.reply_without_command@1']);
  });

  it('commands still waiting when the server stream ends are emitted unanswered', () => {
    const r = run([client(cmd('GET', 'a'), cmd('GET', 'b')), server('$-1\r\n'), { dir: S, end: true }]);
    expect(pairs(r.records)).toEqual([
      ['GET', 'null', 1],
      ['GET', 'ended', 0],
    ]);
  });

  it('a command cut by the end of the client stream is malformed, never run', () => {
    const r = run([client('*2\r\n$3\r\nGET\r\n$5\r\nab'), { dir: C, end: true }]);
    expect(r.records).toEqual([
      expect.objectContaining({
        command: 'GET',
        args: ['ab'],
        malformed: true,
        noReply: 'ended',
        anomalies: ['redis.truncated_message'],
      }),
    ]);
  });
});

describe('CLIENT REPLY', () => {
  it('OFF silences commands until ON; SKIP the next one', () => {
    const r = run([
      client(
        cmd('CLIENT', 'REPLY', 'OFF'),
        cmd('SET', 'a', '1'),
        cmd('CLIENT', 'REPLY', 'ON'),
        cmd('CLIENT', 'REPLY', 'SKIP'),
        cmd('SET', 'b', '2'),
        cmd('GET', 'b'),
      ),
      server('+OK\r\n$1\r\n2\r\n'),
    ]);
    expect(pairs(r.records)).toEqual([
      ['CLIENT', 'skipped', 0],
      ['SET', 'skipped', 0],
      ['CLIENT', 'OK', 1],
      ['CLIENT', 'skipped', 0],
      ['SET', 'skipped', 0],
      ['GET', '2', 1],
    ]);
  });

  it('skipped commands behind a pending one keep their order', () => {
    const r = run([client(cmd('GET', 'a'), cmd('CLIENT', 'REPLY', 'SKIP'), cmd('SET', 'b', '1')), server('$-1\r\n')]);
    expect(r.records.map((x) => (x as RedisCommandRecord).command)).toEqual(['GET', 'CLIENT', 'SET']);
  });
});

describe('pub/sub', () => {
  it('RESP2: one confirmation per channel, messages are push records, PING answered as an array', () => {
    const r = run([
      client(cmd('SUBSCRIBE', 'a', 'b'), cmd('PSUBSCRIBE', 'n.*')),
      server('*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n'),
      server('*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$5\r\nhello\r\n'),
      server('*3\r\n$10\r\npsubscribe\r\n$3\r\nn.*\r\n:3\r\n'),
      server('*4\r\n$8\r\npmessage\r\n$3\r\nn.*\r\n$3\r\nn.x\r\n$2\r\nhi\r\n'),
      client(cmd('PING'), cmd('UNSUBSCRIBE'), cmd('PUNSUBSCRIBE'), cmd('GET', 'k')),
      server('*2\r\n$4\r\npong\r\n$0\r\n\r\n'),
      server('*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:2\r\n*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:1\r\n'),
      server('*3\r\n$12\r\npunsubscribe\r\n$3\r\nn.*\r\n:0\r\n'),
      // Out of subscribed mode, an array that looks like a message is a reply.
      server('*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$1\r\nb\r\n'),
    ]);
    expect(pairs(r.records)).toEqual([
      ['SUBSCRIBE', 'array', 2],
      ['push', 'message', 'a'],
      ['PSUBSCRIBE', 'array', 1],
      ['push', 'pmessage', 'n.x'],
      ['PING', 'array', 1],
      ['UNSUBSCRIBE', 'array', 2],
      ['PUNSUBSCRIBE', 'array', 1],
      ['GET', 'array', 1],
    ]);
    expect(pushes(r.records)[1]).toMatchObject({
      pattern: 'n.*',
      channel: 'n.x',
      data: { type: 'bulk_string', value: 'hi' },
      protocol: 2,
    });
    expect(r.anomalies).toEqual([]);
  });

  it('RESP3: confirmations and messages are pushes, replies to other commands interleave', () => {
    const r = run([
      client(cmd('HELLO', '3'), cmd('SUBSCRIBE', 'a'), cmd('GET', 'k')),
      server('%1\r\n$5\r\nproto\r\n:3\r\n'),
      server('>3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n'),
      server('>3\r\n$7\r\nmessage\r\n$1\r\na\r\n$3\r\nhey\r\n'),
      server('_\r\n'),
      server('>2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n'),
      server('>2\r\n$10\r\ninvalidate\r\n_\r\n'),
      server('>2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n'),
    ]);
    expect(pairs(r.records)).toEqual([
      ['HELLO', 'map', 1],
      ['SUBSCRIBE', 'push', 1],
      ['push', 'message', 'a'],
      ['GET', 'null', 1],
      ['push', 'invalidate', null],
      ['push', 'invalidate', null],
      ['push', 'server-cpu-usage', null],
    ]);
    const p = pushes(r.records);
    expect(p[1]!.data).toEqual({ type: 'array', length: 1, elements: [{ type: 'bulk_string', value: 'k', length: 1 }] });
    expect(p[2]!.data).toEqual({ type: 'null' });
    expect(p[3]!.data).toEqual({ type: 'array', length: 1, elements: [{ type: 'integer', value: 42 }] });
    expect(r.records.every((x) => x.protocol === 3)).toBe(true);
  });

  it('RESP3: UNSUBSCRIBE without channels takes its confirmations, PUNSUBSCRIBE after it its own', () => {
    const r = run([
      client(
        cmd('HELLO', '3'),
        cmd('SUBSCRIBE', 'a', 'b'),
        cmd('PSUBSCRIBE', 'p*'),
        cmd('UNSUBSCRIBE'),
        cmd('PUNSUBSCRIBE', 'p*'),
      ),
      server('%0\r\n'),
      server(
        '>3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n>3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n>3\r\n$10\r\npsubscribe\r\n$2\r\np*\r\n:3\r\n',
      ),
      server('>3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:2\r\n>3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:1\r\n'),
      server('>3\r\n$12\r\npunsubscribe\r\n$2\r\np*\r\n:0\r\n'),
    ]);
    expect(pairs(r.records)).toEqual([
      ['HELLO', 'map', 1],
      ['SUBSCRIBE', 'push', 2],
      ['PSUBSCRIBE', 'push', 1],
      ['UNSUBSCRIBE', 'push', 2],
      ['PUNSUBSCRIBE', 'push', 1],
    ]);
  });
});

describe('protocol switches and MONITOR', () => {
  it('HELLO 3 switches to RESP3, RESET back to RESP2', () => {
    const r = run([
      client(cmd('HELLO', '3'), cmd('PING'), cmd('RESET'), cmd('PING')),
      server('%1\r\n+proto\r\n:3\r\n+PONG\r\n+RESET\r\n+PONG\r\n'),
    ]);
    expect(r.records.map((x) => x.protocol)).toEqual([3, 3, 2, 2]);
  });

  it('a refused HELLO 3 leaves RESP2', () => {
    const r = run([client(cmd('HELLO', '3'), cmd('PING')), server('-NOPROTO unsupported protocol version\r\n+PONG\r\n')]);
    expect(r.records.map((x) => x.protocol)).toEqual([2, 2]);
  });

  it('MONITOR lines become push records, secrets redacted, until RESET', () => {
    const r = run([
      client(cmd('MONITOR')),
      server('+OK\r\n'),
      server('+1700000000.123456 [0 127.0.0.1:50000] "SET" "k" "a \\"quoted\\" \\x00value"\r\n'),
      server('+1700000000.223456 [3 lua] "AUTH" "hunter2"\r\n'),
      client(cmd('RESET')),
      server('+RESET\r\n'),
    ]);
    expect(pushes(r.records).map((p) => p.monitor)).toEqual([
      { time: '1700000000.123456', db: 0, client: '127.0.0.1:50000', command: 'SET', args: ['k', 'a "quoted" \u0000value'] },
      { time: '1700000000.223456', db: 3, client: 'lua', command: 'AUTH', args: ['(redacted)'] },
    ]);
    expect(JSON.stringify(r.records)).not.toContain('hunter2');
  });
});

describe('secrets', () => {
  const SECRET = 'pa55-w0rd';
  it.each([
    ['AUTH', [SECRET]],
    ['AUTH', ['alice', SECRET]],
    ['HELLO', ['3', 'AUTH', 'alice', SECRET, 'SETNAME', 'x']],
    ['MIGRATE', ['h', '6379', 'k', '0', '100', 'AUTH', SECRET]],
    ['MIGRATE', ['h', '6379', '', '0', '100', 'COPY', 'AUTH2', 'u', SECRET, 'KEYS', 'a']],
    ['CONFIG', ['SET', 'requirepass', SECRET]],
    ['ACL', ['SETUSER', 'bob', 'on', `>${SECRET}`]],
    ['SENTINEL', ['SET', 'mymaster', 'auth-pass', SECRET]],
  ])('%s %j: the password never appears', (name, args) => {
    const r = run([client(cmd(name, ...args)), server('+OK\r\n')]);
    const rec = cmds(r.records)[0]!;
    expect(rec.redacted).toBe(true);
    expect(JSON.stringify(r)).not.toContain(SECRET);
  });

  it('inline AUTH is redacted too', () => {
    const r = run([client(`AUTH ${SECRET}\r\n`), server('+OK\r\n')]);
    expect(cmds(r.records)[0]).toMatchObject({ command: 'AUTH', args: ['(redacted)'], inline: true, redacted: true });
    expect(JSON.stringify(r)).not.toContain(SECRET);
  });

  it('CONFIG GET replies carrying passwords are redacted (RESP2 array and RESP3 map)', () => {
    const r = run([
      client(cmd('CONFIG', 'GET', '*auth*'), cmd('CONFIG', 'GET', 'requirepass')),
      server(`*4\r\n$10\r\nmasterauth\r\n$${SECRET.length}\r\n${SECRET}\r\n$10\r\nmasteruser\r\n$0\r\n\r\n`),
      server(`%1\r\n$11\r\nrequirepass\r\n$${SECRET.length}\r\n${SECRET}\r\n`),
    ]);
    expect(JSON.stringify(r)).not.toContain(SECRET);
  });
});

describe('gaps', () => {
  it('a gap inside a bulk string of known length keeps the stream in sync', () => {
    const r = run([
      client(cmd('GET', 'a'), cmd('GET', 'b')),
      server('$10\r\n0123'),
      { dir: S, gap: 4 },
      server('89\r\n$1\r\nx\r\n'),
    ]);
    expect(pairs(r.records)).toEqual([
      ['GET', '0123', 1],
      ['GET', 'x', 1],
    ]);
    expect(cmds(r.records)[0]!.reply).toMatchObject({ incomplete: true, length: 10 });
    expect(r.anomalies).toEqual(['redis.gap@1']);
  });

  it('a gap elsewhere in the replies: the waiting commands are emitted unanswered, later ones pair', () => {
    const r = run([
      client(cmd('GET', 'a'), cmd('GET', 'b')),
      server('*2\r\n:1\r\n'),
      { dir: S, gap: 30 },
      client(cmd('PING')),
      server(':5\r\n+PONG\r\n'),
    ]);
    expect(pairs(r.records)).toEqual([
      ['GET', 'array', 1],
      ['GET', 'gap', 0],
      ['PING', 5, 1],
      [null, 'PONG', 1],
    ]);
  });

  it('a gap in inline requests: the parser resumes at the next line naming a known command', () => {
    const r = run([
      client('SET k1 v1\r\nSET k2 "a long'),
      { dir: C, gap: 500 },
      client(' value"\r\nnot a command\r\nINCR n\r\nGET k1\r\n'),
      server('+OK\r\n+OK\r\n:1\r\n$2\r\nv1\r\n'),
    ]);
    expect(pairs(r.records)).toEqual([
      ['SET', 'OK', 1],
      ['SET', 'OK', 1],
      ['INCR', 1, 1],
      ['GET', 'v1', 1],
    ]);
    expect(cmds(r.records)[1]).toMatchObject({ args: ['k2', 'a long'], malformed: true, inline: true });
    expect(r.anomalies).toEqual(['redis.gap@0']);
  });

  it('a gap in the requests: the cut command is malformed, replies to lost commands are not flagged', () => {
    const r = run([
      client('*2\r\n$3\r\nGET\r\n$3\r\nab'),
      { dir: C, gap: 100 },
      client(cmd('PING')),
      server('$-1\r\n+OK\r\n+PONG\r\n'),
    ]);
    expect(pairs(r.records)).toEqual([
      ['GET', 'null', 1],
      ['PING', 'OK', 1],
      [null, 'PONG', 1],
    ]);
    expect(cmds(r.records)[0]).toMatchObject({ malformed: true, args: ['ab'] });
    expect(r.anomalies).toEqual(['redis.gap@0']);
  });
});

describe('secrets in replies', () => {
  it('ACL GETUSER password hashes and ACL LIST hash rules are redacted', () => {
    const hash = '5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8';
    const r = run([
      client(cmd('ACL', 'GETUSER', 'alice'), cmd('ACL', 'LIST'), cmd('HELLO', '3'), cmd('ACL', 'GETUSER', 'alice')),
      server(`*4\r\n$5\r\nflags\r\n*1\r\n$2\r\non\r\n$9\r\npasswords\r\n*1\r\n$64\r\n${hash}\r\n`),
      server(`*1\r\n$${`user alice on #${hash} ~* +@all`.length}\r\nuser alice on #${hash} ~* +@all\r\n`),
      server('%1\r\n+proto\r\n:3\r\n'),
      server(`%1\r\n$9\r\npasswords\r\n*1\r\n$64\r\n${hash}\r\n`),
    ]);
    expect(JSON.stringify(r)).not.toContain(hash);
    expect((cmds(r.records)[1]!.reply as { elements: { value: string }[] }).elements[0]!.value).toBe(
      'user alice on (redacted) ~* +@all',
    );
  });
});

describe('inspection buffers', () => {
  it('command, key, arguments, reply strings, error message', async () => {
    const { redisArguments, redisCommandName, redisErrorMessage, redisKey, redisReplyStrings } = await import(
      '../../../src/protocols/redis/index.js'
    );
    const r = run([
      client(cmd('HGETALL', 'h'), cmd('GET')),
      server('*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n:2\r\n', "-ERR wrong number of arguments for 'get' command\r\n"),
      client(cmd('SUBSCRIBE', 'ch')),
      server('*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n'),
    ]);
    const [h, g, , m] = r.records;
    expect([redisCommandName(h!), redisKey(h!), redisArguments(h!), redisReplyStrings(h!), redisErrorMessage(h!)]).toEqual([
      'HGETALL',
      'h',
      ['h'],
      ['a', '1', 'b'],
      null,
    ]);
    expect(redisErrorMessage(g!)).toBe("ERR wrong number of arguments for 'get' command");
    expect([redisCommandName(m!), redisArguments(m!), redisReplyStrings(m!)]).toEqual([null, ['ch'], ['hi']]);
  });
});

describe('replication', () => {
  it('PSYNC: +FULLRESYNC, keepalives, a diskless snapshot (bytes not kept), then propagated commands; acks unanswered', async () => {
    const { CONVERSATIONS } = await import('./conversations.js');
    const r = run(CONVERSATIONS.replication!);
    expect(pairs(r.records)).toEqual([
      ['REPLCONF', 'OK', 1],
      ['REPLCONF', 'OK', 1],
      ['PSYNC', 'FULLRESYNC 8de1787ba490483314a4d30f1c628bc5025eb761 0', 1],
      ['push', 'rdb', null],
      ['REPLCONF', 'skipped', 0],
      ['push', 'replication', null],
      ['push', 'replication', null],
      ['push', 'replication', null],
      ['REPLCONF', 'skipped', 0],
    ]);
    expect(pushes(r.records)[0]!.data).toEqual({ type: 'bulk_string', value: '', length: 32, truncated: true }); // \xfa, \xff: two bytes each in UTF-8
    expect(r.anomalies).toEqual([]);
  });

  it('SYNC: the snapshot is its reply', async () => {
    const { CONVERSATIONS } = await import('./conversations.js');
    const r = run(CONVERSATIONS.sync!);
    expect(pairs(r.records)).toEqual([
      ['SYNC', '', 1],
      ['push', 'replication', null],
    ]);
    expect(r.anomalies).toEqual([]);
  });
});
