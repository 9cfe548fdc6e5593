/**
 * Every anomaly of REDIS_ANOMALIES, and every cap: what raises it, what the record keeps, and that the
 * stream is still followed after it (the next command pairs with its reply).
 */
import { describe, expect, it } from 'vitest';
import {
  REDIS_ANOMALIES,
  type RedisCommandRecord,
  type RedisOptions,
  type RedisRecord,
} from '../../../src/protocols/redis/index.js';
// Every run here is also run lean, the parser's fast path on and off: same anomalies, same stop.
import { C, client, cmd, runAllPaths as run, S, server, type Step } from './helpers.js';

const last = (rs: RedisRecord[]) => rs[rs.length - 1] as RedisCommandRecord;
/** A reply `wire` to GET a, then +PONG to PING: the anomalies, and whether PING still got PONG. */
function badReply(wire: string) {
  const r = run([client(cmd('GET', 'a'), cmd('PING')), server(wire, '+PONG\r\n')]);
  const ping = r.records.find((x) => x.kind === 'command' && x.command === 'PING') as RedisCommandRecord | undefined;
  return {
    r,
    names: [...new Set(r.anomalies.map((a) => a.replace(/@\d$/, '')))],
    followed: ping?.reply?.type === 'simple_string' && (ping.reply as { value: string }).value === 'PONG',
  };
}

describe('reply protocol errors: flagged, the bad reply answers its command, the next one pairs', () => {
  it.each([
    ['redis.unknown_type', '?what\r\n'],
    ['redis.invalid_length', '$abc\r\n'],
    ['redis.invalid_length', '*-5\r\n'],
    ['redis.invalid_integer', ':12a\r\n'],
    ['redis.invalid_double', ',1.2.3\r\n'],
    ['redis.invalid_boolean', '#x\r\n'],
    ['redis.invalid_big_number', '(12x\r\n'],
    ['redis.invalid_null', '_x\r\n'],
    ['redis.unexpected_end_marker', '.\r\n'],
    ['redis.invalid_stream_chunk', '$?\r\n+x\r\n'],
  ])('%s: %j', (name, wire) => {
    const { r, names, followed } = badReply(wire);
    expect(names).toEqual([name]);
    expect(followed).toBe(true);
    const get = r.records[0] as RedisCommandRecord;
    expect(get.command).toBe('GET');
    expect(get.anomalies).toContain(name);
  });

  it('redis.missing_crlf: a bulk length that lies', () => {
    const { names } = badReply('$1\r\nabc\r\n');
    expect(names[0]).toBe('redis.missing_crlf');
  });

  it('redis.bare_newline: LF-terminated lines are accepted, flagged', () => {
    const { names, followed } = badReply('$1\na\r\n');
    expect(names).toEqual(['redis.bare_newline']);
    expect(followed).toBe(true);
  });

  it('redis.invalid_verbatim: no `xxx:` prefix', () => {
    const { r, names, followed } = badReply('=3\r\nabc\r\n');
    expect(names).toEqual(['redis.invalid_verbatim']);
    expect((r.records[0] as RedisCommandRecord).reply).toEqual({ type: 'verbatim_string', value: 'abc', length: 3 });
    expect(followed).toBe(true);
  });

  it('redis.attribute_without_value: an attribute at the end of the stream, or before `.`', () => {
    expect(run([client(cmd('X')), server('|1\r\n+a\r\n+b\r\n')]).anomalies).toContain('redis.attribute_without_value@1');
    expect(run([client(cmd('X')), server('*?\r\n|1\r\n+a\r\n+b\r\n.\r\n')]).anomalies).toContain(
      'redis.attribute_without_value@1',
    );
  });

  it('redis.truncated_message: the stream ends inside a reply, which is kept as incomplete', () => {
    const r = run([client(cmd('LRANGE', 'l', '0', '-1')), server('*3\r\n$1\r\na\r\n$4\r\nbc')]);
    expect(r.anomalies).toEqual(['redis.truncated_message@1']);
    expect(last(r.records).reply).toEqual({
      type: 'array',
      length: 3,
      incomplete: true,
      elements: [
        { type: 'bulk_string', value: 'a', length: 1 },
        { type: 'bulk_string', value: 'bc', length: 4, truncated: true, incomplete: true },
      ],
    });
  });
});

describe('request protocol errors', () => {
  it('redis.expected_bulk: the server answers with a protocol error, recorded on the command', () => {
    const r = run([client('*2\r\n$3\r\nGET\r\n:1\r\n', cmd('PING')), server("-ERR Protocol error: expected '$', got ':'\r\n")]);
    expect(r.anomalies).toEqual(['redis.expected_bulk@0']);
    expect(r.records[0]).toMatchObject({ command: 'GET', malformed: true, success: false, anomalies: ['redis.expected_bulk'] });
  });

  it('redis.cr_without_lf: a header line ends at its CR, the next byte is skipped, as Redis does', () => {
    const r = run([client('*2\r $3\rxGET\r\n$1\r\nk\r\n'), server('$-1\r\n')]);
    expect(r.records[0]).toMatchObject({ command: 'GET', args: ['k'], malformed: false, reply: { type: 'null' } });
    expect(r.anomalies).toEqual(['redis.cr_without_lf@0', 'redis.cr_without_lf@0']);
    // LF alone does not end a header line: Redis refuses it ("invalid multibulk length").
    const lf = run([client('*2\n$3\nGET\n$1\nk\r\n'), server('-ERR Protocol error: invalid multibulk length\r\n')]);
    expect(lf.records[0]).toMatchObject({ command: null, malformed: true, success: false });
    expect(lf.anomalies).toEqual(['redis.invalid_length@0']);
  });

  it('redis.unbalanced_quotes: inline command with an open quote', () => {
    const r = run([client('SET k "abc\r\n'), server('-ERR Protocol error: unbalanced quotes in request\r\n')]);
    expect(r.records[0]).toMatchObject({
      command: 'SET',
      args: ['k', 'abc'],
      malformed: true,
      inline: true,
      anomalies: ['redis.unbalanced_quotes'],
    });
  });

  it('redis.invalid_length, redis.aggregate_too_long, redis.bulk_too_long', () => {
    expect(run([client('*2\r\n$x\r\n')]).anomalies).toEqual(['redis.invalid_length@0']);
    expect(run([client('*3\r\n')], { maxAggregateLength: 2 }).anomalies).toEqual(['redis.aggregate_too_long@0']);
    expect(run([client('*1\r\n$100\r\n')], { maxBulkLength: 99 }).anomalies).toEqual(['redis.bulk_too_long@0']);
  });

  it('redis.line_too_long: an inline command beyond maxLineBytes', () => {
    const r = run(
      [client(`SET k ${'v'.repeat(200)}\r\n`, cmd('PING')), server('-ERR Protocol error: too big inline request\r\n+PONG\r\n')],
      { maxLineBytes: 100 },
    );
    expect(r.anomalies).toEqual(['redis.line_too_long@0']);
    expect(r.records[0]).toMatchObject({ command: 'SET', malformed: true });
  });

  it('redis.too_deep: nesting beyond maxDepth', () => {
    const r = run([client(cmd('X')), server('*1\r\n'.repeat(10), ':1\r\n')], { maxDepth: 4 });
    expect(r.anomalies[0]).toBe('redis.too_deep@1');
    expect(r.records[0]).toMatchObject({ command: 'X', reply: { type: 'array', incomplete: true } });
  });

  it('redis.too_many_protocol_errors: the flow is given up with sink.stop, records before it are kept', () => {
    const r = run([client(cmd('PING')), server('+PONG\r\n'), client('*1\r\n:1\r\n'.repeat(10))], { maxProtocolErrors: 3 });
    expect(r.stopped).toBe('redis: too many protocol errors');
    expect(r.records[0]).toMatchObject({ command: 'PING', reply: { value: 'PONG' } });
    expect(r.anomalies).toContain('redis.too_many_protocol_errors@0');
  });

  it('garbage: one protocol error, then silence until something that starts a message', () => {
    const r = run([client('\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03'), server('\x16\x03\x03\x00\x5a\x02\x00\x00')]);
    expect(r.anomalies.filter((a) => a.endsWith('@1'))).toEqual(['redis.unknown_type@1']);
  });
});

describe('caps', () => {
  it('redis.string_trimmed: strings keep maxStringBytes, length says how long they were', () => {
    const big = 'x'.repeat(100);
    const r = run([client(cmd('SET', 'k', big)), server(`$100\r\n${big}\r\n`)], { maxStringBytes: 40 });
    expect(r.records[0]).toMatchObject({
      args: ['k', 'x'.repeat(40)],
      argsTruncated: true,
      reply: { value: 'x'.repeat(40), length: 100, truncated: true },
    });
    expect(r.anomalies).toEqual(['redis.string_trimmed@0', 'redis.string_trimmed@1']);
  });

  it('a trimmed UTF-8 string does not end in half a character', () => {
    const r = run([client(cmd('X')), server('$40\r\n', 'é'.repeat(20), '\r\n')], { maxStringBytes: 33 });
    expect((r.records[0] as RedisCommandRecord).reply).toEqual({
      type: 'bulk_string',
      value: 'é'.repeat(16),
      length: 40,
      truncated: true,
    });
  });

  it('redis.elements_trimmed: aggregates keep maxElements, length says how many there were', () => {
    const r = run([client(cmd('DEL', 'a', 'b', 'c', 'd', 'e')), server('*5\r\n:1\r\n:2\r\n:3\r\n:4\r\n:5\r\n')], {
      maxElements: 3,
    });
    expect(r.records[0]).toMatchObject({
      argCount: 5,
      args: ['a', 'b'],
      argsTruncated: true,
      reply: { length: 5, truncated: true, elements: [{ value: 1 }, { value: 2 }, { value: 3 }] },
    });
    expect(r.anomalies).toEqual(['redis.elements_trimmed@0', 'redis.elements_trimmed@1']);
  });

  it('redis.values_trimmed: values per message', () => {
    const r = run([client(cmd('X')), server('*3\r\n*3\r\n:1\r\n:2\r\n:3\r\n*2\r\n:4\r\n:5\r\n:6\r\n')], { maxValues: 5 });
    expect(r.anomalies).toEqual(['redis.values_trimmed@1']);
    const v = (r.records[0] as RedisCommandRecord).reply as { length: number; truncated?: boolean };
    expect(v.length).toBe(3);
    expect(v.truncated).toBe(true);
  });

  it('redis.too_many_pending: the oldest command is emitted unanswered and its reply skipped', () => {
    const r = run([client(cmd('GET', '1'), cmd('GET', '2'), cmd('GET', '3')), server(':1\r\n:2\r\n:3\r\n')], { maxPending: 2 });
    expect(
      r.records.map((x) => [
        (x as RedisCommandRecord).args[0],
        (x as RedisCommandRecord).noReply,
        ((x as RedisCommandRecord).reply as { value?: number } | null)?.value,
      ]),
    ).toEqual([
      ['1', 'overflow', undefined],
      ['2', null, 2],
      ['3', null, 3],
    ]);
    expect(r.anomalies).toEqual(['redis.too_many_pending@0']);
  });

  it('redis.gap is raised for each gap', () => {
    const steps: Step[] = [client(cmd('PING')), { dir: C, gap: 10 }, { dir: S, gap: -1 }];
    expect(run(steps).anomalies).toEqual(['redis.gap@0', 'redis.gap@1']);
  });

  it('every anomaly of the table is raised by some input', () => {
    const byName: Record<string, { steps: Step[]; options?: Partial<RedisOptions> }> = {
      'redis.gap': { steps: [{ dir: S, gap: 3 }] },
      'redis.unknown_type': { steps: [server('?\r\n')] },
      'redis.invalid_length': { steps: [server('$x\r\n')] },
      'redis.bulk_too_long': { steps: [server('$10\r\n')], options: { maxBulkLength: 5 } },
      'redis.aggregate_too_long': { steps: [server('*10\r\n')], options: { maxAggregateLength: 5 } },
      'redis.invalid_integer': { steps: [server(':x\r\n')] },
      'redis.invalid_double': { steps: [server(',x\r\n')] },
      'redis.invalid_boolean': { steps: [server('#x\r\n')] },
      'redis.invalid_big_number': { steps: [server('(x\r\n')] },
      'redis.invalid_null': { steps: [server('_x\r\n')] },
      'redis.missing_crlf': { steps: [server('$1\r\nabc')] },
      'redis.bare_newline': { steps: [server('+OK\n')] },
      'redis.line_too_long': { steps: [server(`+${'x'.repeat(100)}\r\n`)], options: { maxLineBytes: 64 } },
      'redis.too_deep': { steps: [server('*1\r\n*1\r\n*1\r\n')], options: { maxDepth: 2 } },
      'redis.expected_bulk': { steps: [client('*1\r\n:1\r\n')] },
      'redis.unbalanced_quotes': { steps: [client('GET "a\r\n')] },
      'redis.string_trimmed': { steps: [server(`+${'x'.repeat(40)}\r\n`)], options: { maxStringBytes: 32 } },
      'redis.elements_trimmed': { steps: [server('*3\r\n:1\r\n:2\r\n:3\r\n')], options: { maxElements: 2 } },
      'redis.values_trimmed': { steps: [server('*3\r\n:1\r\n:2\r\n:3\r\n')], options: { maxValues: 2 } },
      'redis.too_many_pending': { steps: [client(cmd('A'), cmd('B'))], options: { maxPending: 1 } },
      'redis.reply_without_command': { steps: [server('+OK\r\n')] },
      'redis.truncated_message': { steps: [server('$5\r\nab')] },
      'redis.invalid_verbatim': { steps: [server('=3\r\nabc\r\n')] },
      'redis.invalid_stream_chunk': { steps: [server('$?\r\nx\r\n')] },
      'redis.unexpected_end_marker': { steps: [server('.\r\n')] },
      'redis.too_many_protocol_errors': { steps: [server('?\r\n'.repeat(5))], options: { maxProtocolErrors: 2 } },
      'redis.empty_request': { steps: [client('*-5\r\n')] },
      'redis.attribute_without_value': { steps: [server('|1\r\n+a\r\n+b\r\n')] },
      'redis.cr_without_lf': { steps: [client('*1\rx$4\r\nPING\r\n')] },
      'redis.nul_in_inline': { steps: [client('PING\0\r\n')] },
    };
    for (const name of REDIS_ANOMALIES.slice(1)) {
      const c = byName[name];
      expect(c, `no input for ${name}`).toBeDefined();
      const raised = run(c!.steps, c!.options).anomalies.map((a) => a.replace(/@.$/, ''));
      expect([name, raised.includes(name)]).toEqual([name, true]);
    }
  });

  it('redis.nul_in_inline: nothing after the NUL runs, the line is refused at the inline limit', () => {
    const r = run(
      [client('SET k v\0 PING\r\nGET k\r\n', 'x'.repeat(200)), server('-ERR Protocol error: too big inline request\r\n')],
      { maxLineBytes: 100 },
    );
    expect(r.records).toEqual([expect.objectContaining({ command: 'SET', args: ['k', 'v'], malformed: true, success: false })]);
    expect(r.anomalies).toEqual(['redis.nul_in_inline@0', 'redis.line_too_long@0']);
  });
});
