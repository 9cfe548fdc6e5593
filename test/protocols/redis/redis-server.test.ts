/**
 * Differential against a real redis-server (skipped when `redis-server` is not installed): random inline
 * command lines (quotes, escapes, tabs, empty arguments) are sent to the server and to the parser. What
 * the server ran is read back from a MONITOR connection; the parser must find the same arguments, must
 * flag exactly the lines the server refuses as protocol errors (unbalanced quotes), and the lines it never
 * finds the end of (a NUL). Then mutated command arrays (lengths, type bytes, CR/LF): the same protocol
 * errors, the same incomplete commands, the same arguments. REDIS_DIFF_SEED=n runs other seeds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisCommandRecord } from '../../../src/protocols/redis/index.js';
import { parseMonitorLine } from '../../../src/protocols/redis/index.js';
import { toolPresent } from '../../support/tools.js';
import { client, rng, run, server as fromServer } from './helpers.js';

const haveServer = toolPresent('redis-server');

/** A connection whose received bytes accumulate in `buf`. */
function connect(port: number): Promise<{ sock: net.Socket; buf: { text: string } }> {
  return new Promise((resolve, reject) => {
    const buf = { text: '' };
    const sock = net.connect(port, '127.0.0.1', () => resolve({ sock, buf }));
    sock.on('data', (d) => (buf.text += d.toString('latin1')));
    sock.on('error', reject);
  });
}

/** Polls `cond` up to `polls` times, 2 ms apart (a count, not a clock: a slow machine waits longer, not fails). */
async function until(cond: () => boolean, what: string, polls = 1000): Promise<void> {
  for (let i = 0; !cond(); i++) {
    if (i >= polls) throw new Error(`${what}: not seen after ${polls} polls`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

function randomLine(r: () => number): string {
  const pieces = [
    'a',
    'b',
    'key',
    ' ',
    ' ',
    '  ',
    '\t',
    '\0',
    '\r',
    '\v',
    '\f',
    '"',
    "'",
    '\\',
    '\\x41',
    '\\x7a',
    '\\n',
    '\\t',
    '\\"',
    "\\'",
    '"x y"',
    "'p q'",
    '""',
    "''",
    'z9',
    '\\xZZ',
    '\\x4',
  ];
  let s = 'EXISTS ';
  const n = 1 + Math.floor(r() * 8);
  for (let i = 0; i < n; i++) s += pieces[Math.floor(r() * pieces.length)];
  return s + (r() < 0.5 ? '\r\n' : '\n');
}

describe.skipIf(!haveServer)('inline commands: netsieve reads them as redis-server does (needs redis-server)', () => {
  let server: ChildProcess | undefined;
  let port = 0;

  beforeAll(async () => {
    // A free port is not known in advance: a few tries.
    for (let attempt = 0; attempt < 5 && port === 0; attempt++) {
      const p = 20000 + Math.floor(Math.random() * 30000);
      const s = spawn(
        'redis-server',
        [
          '--port',
          String(p),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
          '--daemonize',
          'no',
          '--dir',
          os.tmpdir(),
        ],
        { stdio: 'ignore' },
      );
      for (let i = 0; i < 100 && s.exitCode === null; i++) {
        try {
          const c = await connect(p);
          c.sock.destroy();
          server = s;
          port = p;
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      if (port === 0 && s.exitCode === null && s.signalCode === null) {
        const exited = new Promise((resolve) => s.once('exit', resolve));
        s.kill();
        await exited;
      }
    }
    if (port === 0) throw new Error('redis-server did not start');
  }, 30_000);

  afterAll(async () => {
    const s = server;
    if (s === undefined || s.exitCode !== null || s.signalCode !== null) return;
    const exited = new Promise((resolve) => s.once('exit', resolve));
    s.kill();
    await exited;
  });

  it('300 random lines (quotes, escapes, whitespace, NUL)', async () => {
    const mon = await connect(port);
    mon.sock.write('MONITOR\r\n');
    await until(() => mon.buf.text.includes('+OK\r\n'), 'MONITOR');
    let cli = await connect(port);
    const r = rng(Number(process.env.REDIS_DIFF_SEED ?? 2024));
    let seen = mon.buf.text.length;
    const tally = { refused: 0, stalled: 0, compared: 0 };
    for (let k = 0; k < 300; k++) {
      const line = randomLine(r);
      const res = run([client(line)]);
      const ours = res.records[0] as RedisCommandRecord;
      const before = cli.buf.text.length;
      cli.sock.write(Buffer.from(line, 'latin1'));
      if (res.anomalies.includes('redis.nul_in_inline@0')) {
        // The server never finds the end of this line: no reply, and nothing after it would run.
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect([line, cli.buf.text.length, ours.malformed]).toEqual([line, before, true]);
        tally.stalled++;
        cli.sock.destroy();
        cli = await connect(port);
        continue;
      }
      await until(() => cli.buf.text.indexOf('\r\n', before) >= 0, `the reply to ${JSON.stringify(line)}`);
      const reply = cli.buf.text.slice(before);
      if (reply.startsWith('-ERR Protocol error')) {
        expect([line, ours.malformed]).toEqual([line, true]);
        tally.refused++;
        cli.sock.destroy();
        cli = await connect(port);
        continue;
      }
      expect([line, ours.malformed]).toEqual([line, false]);
      if (reply.startsWith('-ERR wrong number of arguments')) {
        // Not run, so not monitored: EXISTS without a key.
        expect([line, ours.command, ours.argCount]).toEqual([line, 'EXISTS', 0]);
        continue;
      }
      // The MONITOR line of this command.
      await until(() => mon.buf.text.indexOf('\r\n', seen) >= 0, `the MONITOR line of ${JSON.stringify(line)}`);
      const end = mon.buf.text.indexOf('\r\n', seen);
      const m = parseMonitorLine(mon.buf.text.slice(seen + 1, end))!;
      seen = end + 2;
      expect([line, m.command, m.args]).toEqual([line, ours.command, ours.args]);
      tally.compared++;
    }
    cli.sock.destroy();
    mon.sock.destroy();
    expect(tally.refused).toBeGreaterThan(20);
    expect(tally.stalled).toBeGreaterThan(10);
    expect(tally.compared).toBeGreaterThan(50);
  }, 20_000);

  it('300 mutated command arrays: the same protocol errors, the same arguments', async () => {
    const mon = await connect(port);
    mon.sock.write('MONITOR\r\n');
    await until(() => mon.buf.text.includes('+OK\r\n'), 'MONITOR');
    let seen = mon.buf.text.length;
    const r = rng(Number(process.env.REDIS_DIFF_SEED ?? 77));
    const tally = { refused: 0, waiting: 0, compared: 0 };
    for (let k = 0; k < 300; k++) {
      const words = ['EXISTS', `k${k}`, 'a b', '', 'x'.repeat(Math.floor(r() * 20))];
      let wire = `*${words.length}\r\n${words.map((w) => `$${w.length}\r\n${w}\r\n`).join('')}`;
      // One mutation of the framing: a length digit, a type byte, a CR or LF, a sign.
      const at = Math.floor(r() * wire.length);
      const c = wire[at]!;
      const repl = /\d/.test(c)
        ? String(Math.floor(r() * 10))
        : c === '$'
          ? ':'
          : c === '\r'
            ? 'x'
            : c === '\n'
              ? ' '
              : c === '*'
                ? '-'
                : c;
      wire = `${wire.slice(0, at) + repl + wire.slice(at + 1)}PING\r\n`;
      const label = JSON.stringify(wire);
      const ours = run([client(wire)]).records as RedisCommandRecord[];
      const cli = await connect(port);
      cli.sock.write(Buffer.from(wire, 'latin1'));
      // What the server made of the wire: a marker sent afterwards on another connection is answered (and
      // monitored) after the wire was read, so its arrival says the wire's reply, if any, was sent.
      const marker = await connect(port);
      marker.sock.write(`ECHO marker-${k}\r\n`);
      await until(() => mon.buf.text.includes(`"marker-${k}"`) && marker.buf.text.includes(`marker-${k}`), 'the marker');
      marker.sock.destroy();
      await new Promise((resolve) => setTimeout(resolve, 5));
      const reply = /\r\n/.test(cli.buf.text) ? cli.buf.text : null;
      cli.sock.destroy();
      if (reply === null) {
        // The server waits for more bytes (a length grew): so does netsieve (the command is cut by the end).
        expect([label, ours[0]?.malformed, ours[0]?.noReply]).toEqual([label, true, 'ended']);
        tally.waiting++;
      }
      const lines = mon.buf.text
        .slice(seen, mon.buf.text.indexOf(`"marker-${k}"`))
        .split('\r\n')
        .slice(0, -1);
      seen = mon.buf.text.indexOf('\r\n', mon.buf.text.indexOf(`"marker-${k}"`)) + 2;
      if (reply === null) continue;
      if (reply.startsWith('-ERR Protocol error')) {
        expect([label, ours[0]?.malformed]).toEqual([label, true]);
        tally.refused++;
        continue;
      }
      if (!reply.startsWith(':')) continue; // a wrong-arity error: not run
      const m = parseMonitorLine(lines[0]!.slice(1))!;
      expect([label, m.command, m.args]).toEqual([label, ours[0]!.command, ours[0]!.args]);
      tally.compared++;
    }
    mon.sock.destroy();
    expect(tally.refused).toBeGreaterThan(20);
    expect(tally.compared).toBeGreaterThan(100);
  }, 60_000);

  it('real replies of many commands, RESP2 and RESP3: every command paired, no protocol anomaly', async () => {
    const enc = (...a: string[]) => `*${a.length}\r\n${a.map((x) => `$${Buffer.byteLength(x)}\r\n${x}\r\n`).join('')}`;
    const commands: string[][] = [
      ['FLUSHALL'],
      ['SET', 's', 'v'],
      ['HSET', 'h', 'a', '1', 'b', '2'],
      ['SADD', 'set', 'x', 'y'],
      ['ZADD', 'z', '1', 'm', '2.5', 'n'],
      ['RPUSH', 'l', 'a', 'b', 'c'],
      ['XADD', 'st', '*', 'f', 'v'],
      ['XGROUP', 'CREATE', 'st', 'g', '0'],
      ['PFADD', 'hll', 'a', 'b'],
      ['GEOADD', 'geo', '13.36', '38.11', 'Palermo'],
      ['SETBIT', 'bits', '7', '1'],
      ['EVAL', 'return {1,2,{3,"x"},false,redis.status_reply("S")}', '0'],
      ['GET', 's'],
      ['GET', 'nokey'],
      ['HGETALL', 'h'],
      ['SMEMBERS', 'set'],
      ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
      ['ZSCORE', 'z', 'n'],
      ['LRANGE', 'l', '0', '-1'],
      ['XRANGE', 'st', '-', '+'],
      ['XINFO', 'STREAM', 'st', 'FULL'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'st', '>'],
      ['XPENDING', 'st', 'g'],
      ['PFCOUNT', 'hll'],
      ['GEOPOS', 'geo', 'Palermo', 'Nowhere'],
      ['GEODIST', 'geo', 'Palermo', 'Palermo'],
      ['BITCOUNT', 'bits'],
      ['OBJECT', 'ENCODING', 'h'],
      ['TYPE', 'z'],
      ['TTL', 's'],
      ['INCRBYFLOAT', 'f', '1.5'],
      ['SCAN', '0', 'COUNT', '100'],
      ['INFO', 'server'],
      ['CLIENT', 'INFO'],
      ['CLIENT', 'LIST'],
      ['CONFIG', 'GET', 'max*'],
      ['COMMAND', 'INFO', 'GET', 'SET'],
      ['COMMAND', 'DOCS', 'XADD'],
      ['COMMAND', 'COUNT'],
      ['MEMORY', 'STATS'],
      ['MEMORY', 'USAGE', 'h'],
      ['SLOWLOG', 'GET', '2'],
      ['LATENCY', 'LATEST'],
      ['FUNCTION', 'LIST'],
      ['ACL', 'WHOAMI'],
      ['ACL', 'CAT'],
      ['ACL', 'LOG'],
      ['ACL', 'GETUSER', 'default'],
      ['ROLE'],
      ['TIME'],
      ['LOLWUT', 'VERSION', '5'],
      ['DBSIZE'],
      ['MULTI'],
      ['INCR', 's'],
      ['INCR', 'ctr'],
      ['EXEC'],
      ['WRONGCMD'],
      ['GET'],
      ['SORT', 'l', 'ALPHA'],
      ['ZRANDMEMBER', 'z', '2', 'WITHSCORES'],
      ['HRANDFIELD', 'h', '-3', 'WITHVALUES'],
      ['LPOS', 'l', 'b'],
      ['OBJECT', 'FREQ', 'h'],
      ['PING'],
      ['ECHO', 'bye'],
    ];
    for (const proto of ['2', '3']) {
      const c = await connect(port);
      let sent = enc('HELLO', proto);
      for (const cmd of commands) sent += enc(...cmd);
      c.sock.write(Buffer.from(sent));
      await until(() => c.buf.text.includes('$3\r\nbye\r\n'), 'the last reply', 5000);
      c.sock.destroy();
      const res = run([client(Buffer.from(sent)), fromServer(Buffer.from(c.buf.text, 'latin1'))], {
        maxElements: 100_000,
        maxValues: 1_000_000,
        maxStringBytes: 100_000,
      });
      const recs = res.records as RedisCommandRecord[];
      expect([proto, recs.length]).toEqual([proto, commands.length + 1]);
      expect(recs.filter((r) => r.reply === null).map((r) => r.command)).toEqual([]);
      expect(res.anomalies).toEqual([]);
      // The errors are where they must be (a refused command keeps its place in the pairing).
      expect(recs.filter((r) => r.success === false).map((r) => r.command)).toEqual(['WRONGCMD', 'GET', 'OBJECT']);
      expect(recs.every((r) => r.protocol === Number(proto))).toBe(true);
    }
  }, 20_000);

  it.each([
    ['PSYNC, diskless snapshot', 'yes', ['PSYNC', '?', '-1']],
    ['PSYNC, snapshot from disk', 'no', ['PSYNC', '?', '-1']],
    ['SYNC', 'no', ['SYNC']],
  ])(
    'replication link (%s): snapshot skipped, propagated commands recorded, acks unanswered',
    async (_name, diskless, sync) => {
      const enc = (...a: string[]) => `*${a.length}\r\n${a.map((x) => `$${Buffer.byteLength(x)}\r\n${x}\r\n`).join('')}`;
      const admin = await connect(port);
      admin.sock.write(
        enc('CONFIG', 'SET', 'repl-diskless-sync', diskless, 'repl-diskless-sync-delay', '0') + enc('SET', 'before', 'x'),
      );
      await until(() => (admin.buf.text.match(/\+OK\r\n/g) ?? []).length === 2, 'CONFIG SET');
      const replica = await connect(port);
      let sent = enc('REPLCONF', 'listening-port', '6390') + enc('REPLCONF', 'capa', 'eof', 'capa', 'psync2');
      replica.sock.write(sent);
      await until(() => (replica.buf.text.match(/\+OK\r\n/g) ?? []).length === 2, 'REPLCONF');
      replica.sock.write(enc(...sync));
      sent += enc(...sync);
      // The snapshot; a diskless master then waits for the replica's first ack; then what it propagates.
      await until(() => replica.buf.text.includes('REDIS'), 'the snapshot', 5000);
      await new Promise((r) => setTimeout(r, 100));
      const ack = enc('REPLCONF', 'ACK', '0');
      replica.sock.write(ack);
      admin.sock.write(enc('SET', 'propagated', 'value') + enc('INCR', 'n'));
      await until(() => replica.buf.text.includes('$10\r\npropagated'), 'the propagated SET', 5000);
      await until(() => replica.buf.text.includes('$4\r\nINCR\r\n$1\r\nn\r\n'), 'the propagated INCR', 5000);
      replica.sock.write(ack);
      replica.sock.destroy();
      admin.sock.destroy();
      // As the engine delivers them: the replica's requests, the master's stream, then the replica's ack.
      const res = run([client(Buffer.from(sent)), fromServer(Buffer.from(replica.buf.text, 'latin1')), client(ack, ack)]);
      const kinds = res.records.map((x) =>
        x.kind === 'command' ? `${x.command}:${x.reply?.type ?? x.noReply}` : `push:${x.push}`,
      );
      const prop = res.records
        .filter((x) => x.kind === 'push' && x.push === 'replication')
        .map((x) => (x as { data: { elements: { value: string }[] } }).data.elements.map((e) => e.value).join(' '));
      expect(kinds.slice(0, 3)).toEqual([
        'REPLCONF:simple_string',
        'REPLCONF:simple_string',
        sync[0] === 'SYNC' ? 'SYNC:bulk_string' : 'PSYNC:simple_string',
      ]);
      if (sync[0] === 'PSYNC') expect(kinds[3]).toBe('push:rdb');
      expect(prop).toContain('SET propagated value');
      expect(prop).toContain('INCR n');
      expect(kinds[kinds.length - 1]).toBe('REPLCONF:skipped');
      expect(res.anomalies).toEqual([]);
    },
    20_000,
  );
});
