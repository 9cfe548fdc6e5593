/**
 * The RESP parser's fast path (whole lean messages of the common shapes read in one loop) against the byte
 * machine it stands in for: the parser alone, records not wanted, fed the same bytes with the fast path
 * on and off (setRespFastPath). Everything the handler sees must be identical, in the same order: every
 * message (its value tree, UNBUILT placeholders included, property order included; its flags; leanChars),
 * every anomaly, give-up and RDB call, and the reads of wantValues.
 *
 * Checked on every shape the fast path takes and every near miss that raises an anomaly or that the byte
 * machine reads its own way (signs, padding, caps, bare LFs, lying lengths, RESP3, nesting, inline), each
 * between valid messages, whole, byte by byte, cut at every single point and at seeded random points,
 * with default, small and tight caps; then on thousands of seeded mutations of the hand-written
 * conversations and of redis-benchmark-like pipelines, with gaps and ends.
 */
import { describe, expect, it } from 'vitest';
import { REDIS_ANOMALIES, type RedisOptions, resolveRedisOptions } from '../../../src/protocols/redis/index.js';
import {
  type RespHandler,
  type RespMode,
  RespParser,
  respFastPathHits,
  setRespFastPath,
  UNBUILT,
} from '../../../src/protocols/redis/parser.js';
import { CONVERSATIONS } from './conversations.js';
import { bytes, C, cmd, rng, type Step } from './helpers.js';

type Op = { data: Uint8Array } | { gap: number } | { end: true };
/** How each data op is cut: whole, byte by byte, at the given points, or at points drawn from a seed. */
type Split = 'whole' | 'bytes' | number[] | { seed: number };

const SMALL: Partial<RedisOptions> = { maxStringBytes: 32, maxElements: 2, maxValues: 4, maxDepth: 2 };
/** Caps the common shapes run into: short lines, bulk strings and counts, few errors before giving up. */
const TIGHT: Partial<RedisOptions> = {
  maxLineBytes: 64,
  maxBulkLength: 40,
  maxAggregateLength: 3,
  maxStringBytes: 32,
  maxProtocolErrors: 2,
};
/** Fewer values than elements: a count of maxValues is trimmed by the values cap, not the elements one. */
const VALUES: Partial<RedisOptions> = { maxValues: 4, maxElements: 8 };
const OPTIONS: Partial<RedisOptions>[] = [{}, SMALL, TIGHT, VALUES];

/** Elements of a lean command to build, by name: as the connection asks (secrets all, CLIENT 3...). */
function leanArgs(name: string): number {
  const u = name.toUpperCase();
  if (u === 'AUTH' || u === 'HELLO' || u === 'MIGRATE') return Number.POSITIVE_INFINITY;
  if (u === 'CLIENT') return 3;
  if (u === 'CONFIG' || u === 'REPLCONF' || u === 'OBJECT') return 2;
  return 1;
}

/** A value as JSON, the shared UNBUILT placeholder marked as such (it must be the very object). */
function show(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x === UNBUILT ? '<UNBUILT>' : x));
}

/**
 * Everything the handler of one parser sees, in order. `wanted` answers each wantValues read; `split`
 * cuts each data op (a list: the cut points of the one data op).
 */
function trace(mode: RespMode, ops: Op[], options: Partial<RedisOptions>, split: Split, wanted: () => boolean): string[] {
  const out: string[] = [];
  const handler: RespHandler = {
    message: (v, flags, leanChars) => void out.push(`message ${show(v)} flags=${flags} leanChars=${leanChars}`),
    wantValues: () => {
      const w = wanted();
      out.push(`wanted ${w}`);
      return w;
    },
    leanArgs,
    anomaly: (code) => void out.push(`anomaly ${REDIS_ANOMALIES[code]}`),
    giveUp: () => void out.push('giveUp'),
    rdb: (length, complete) => void out.push(`rdb ${length} ${complete}`),
  };
  const p = new RespParser(mode, resolveRedisOptions(options), handler);
  // Random cuts: the same sequence in every trace of the same seed.
  const cut = typeof split === 'object' && !Array.isArray(split) ? rng(split.seed) : null;
  for (const op of ops) {
    if ('gap' in op) out.push(`gap ${p.gap(op.gap)}`);
    else if ('end' in op) p.end();
    else feed(p, op.data, cut ?? (split as 'whole' | 'bytes' | number[]));
  }
  p.end();
  return out;
}

function feed(p: RespParser, data: Uint8Array, split: 'whole' | 'bytes' | number[] | (() => number)): void {
  if (split === 'whole') {
    // In a larger buffer: the parser must stop at `end`, not at the buffer's end.
    const buf = new Uint8Array(data.length + 8).fill(0x0a);
    buf.set(data, 4);
    p.execute(buf, 4, 4 + data.length);
    return;
  }
  const cuts: number[] = [];
  if (split === 'bytes') for (let i = 1; i < data.length; i++) cuts.push(i);
  else if (Array.isArray(split)) cuts.push(...split.filter((c) => c > 0 && c < data.length));
  else for (let i = 1 + Math.floor(split() * 24); i < data.length; i += 1 + Math.floor(split() * 24)) cuts.push(i);
  cuts.push(data.length);
  let from = 0;
  for (const to of cuts) {
    // Each piece in a buffer of its own whose bytes past the piece are CRLFs and digits: a parser that
    // read past `end` would find a plausible end of line there.
    const buf = new Uint8Array(to - from + 6);
    buf.set(data.subarray(from, to), 0);
    buf.set([0x31, 0x0d, 0x0a, 0x0d, 0x0a, 0x31], to - from);
    p.execute(buf, 0, to - from);
    buf.fill(0xee);
    from = to;
  }
}

/** The same trace with the fast path on and off; returns the fast-path messages read. */
function same(mode: RespMode, ops: Op[], options: Partial<RedisOptions>, split: Split, wanted?: () => () => boolean): number {
  const answers = wanted ?? (() => () => false);
  const hits = respFastPathHits();
  const fast = trace(mode, ops, options, split, answers());
  const taken = respFastPathHits() - hits;
  setRespFastPath(false);
  let slow: string[];
  try {
    slow = trace(mode, ops, options, split, answers());
  } finally {
    setRespFastPath(true);
  }
  expect(fast).toEqual(slow);
  return taken;
}

const enc = new TextEncoder();
const b = (...parts: (string | Uint8Array)[]): Uint8Array => bytes(...parts);
const x600 = 'x'.repeat(600);

/** Commands: what the fast path takes, and near misses around it. */
const REQUESTS: (string | Uint8Array)[] = [
  cmd('PING'),
  cmd('SET', 'key:000000012345', 'xxx'),
  cmd('GET', ''),
  cmd('AUTH', 'user', 'p\u00e9ss'),
  cmd('HELLO', '3', 'AUTH', 'default', 'secret'),
  cmd('CLIENT', 'REPLY', 'OFF'),
  cmd('CONFIG', 'SET', 'requirepass', 'hunter2'),
  cmd('SET', 'k', x600),
  cmd('SET', 'k\u00e9y', Uint8Array.of(0xff, 0xfe, 0x41)),
  cmd('SET', 'k', `${'\u00e9'.repeat(15)}\u20ac${'a'.repeat(600)}`),
  cmd('x'.repeat(40), 'a'),
  cmd(Uint8Array.of(0x50, 0xc3), 'a'),
  cmd('MSET', 'a', '1', 'b', '2', 'c', '3'),
  cmd(...Array.from({ length: 70 }, (_, i) => `a${i}`)),
  cmd('SET', 'k', 'v'.repeat(41)),
  cmd('SET', 'a\r\nb', '\r\n'),
  '*1\r $4\r\nPING\r\n',
  '*1\r\n$4\r PING\r\n',
  '*1\r\n$4\rXPING\r\n',
  '*01\r\n$4\r\nPING\r\n',
  '*1\r\n$04\r\nPING\r\n',
  '*1\r\n$+4\r\nPING\r\n',
  '*1\r\n$ 4\r\nPING\r\n',
  '*+1\r\n$4\r\nPING\r\n',
  '*0\r\n',
  '*-1\r\n',
  '*-0\r\n',
  '*-5\r\n',
  '*\r\n',
  '*1\r\n$\r\n',
  '*1\r\n$-1\r\n',
  '*1\r\n$-2\r\n',
  '*1\r\n$4\r\nPINGX\r\n',
  '*1\r\n$4\r\nPING\n\r',
  '*1\r\n$4\r\nPING\r\r',
  '*1\r\n$4\r\nPIN\r\n',
  '*1\r\n+4\r\n',
  '*2\r\n$3\r\nGET\r\n*1\r\n$1\r\na\r\n',
  '*1\n$4\r\nPING\r\n',
  '*1\r\n$1234567890123456\r\n',
  '*1\r\n$123456789012345\r\n',
  '*1234567890123456\r\n',
  '*4\r\n$3\r\nDEL\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n',
  `*1\r\n$${'9'.repeat(70)}\r\n`,
  'PING\r\n',
  '  \r\n',
  'set a "b\\x41"\r\n',
  '\r\n',
  'GET a\x00b\r\n',
];

/** Replies: flat values, arrays of them, and near misses. */
const REPLIES: (string | Uint8Array)[] = [
  '+OK\r\n',
  '-ERR wrong type\r\n',
  '+\r\n',
  '+O\rK\r\n',
  `+${x600}\r\n`,
  `+${'y'.repeat(70)}\r\n`,
  b('+', Uint8Array.of(0xff, 0xfe), '\r\n'),
  '+caf\u00e9\r\n',
  '+OK\n',
  '-ERR\n',
  ':0\r\n',
  ':-0\r\n',
  ':+5\r\n',
  ':007\r\n',
  ':-123456789012345\r\n',
  ':1234567890123456\r\n',
  ':12345678901234567890123\r\n',
  ':\r\n',
  ':-\r\n',
  ':1\n',
  ':12a\r\n',
  ':1\r\r\n',
  '$3\r\nabc\r\n',
  '$0\r\n\r\n',
  '$-1\r\n',
  '$-2\r\n',
  '$-1\n',
  '$-1\r\r',
  '$-01\r\n',
  '$01\r\nx\r\n',
  '$+1\r\nx\r\n',
  '$3\r\nabcd\r\n',
  '$3\r\nab\r\n',
  '$3\r\nabc\n\n',
  '$3\n\rabc\r\n',
  '$?\r\n;3\r\nabc\r\n;0\r\n',
  `$600\r\n${x600}\r\n`,
  `$50\r\n${'z'.repeat(50)}\r\n`,
  `$${'9'.repeat(16)}\r\n`,
  '*2\r\n$1\r\na\r\n:1\r\n',
  '*0\r\n',
  '*-1\r\n',
  '*-2\r\n',
  '*-1\n',
  '*01\r\n:1\r\n',
  '*6\r\n$1\r\na\r\n$-1\r\n:3\r\n+ok\r\n-err\r\n$3\r\nxyz\r\n',
  '*4\r\n:1\r\n:2\r\n:3\r\n$-1\r\n',
  `*4\r\n$40\r\n${'a'.repeat(40)}\r\n+b\r\n:3\r\n$40\r\n${'d'.repeat(40)}\r\n`,
  '*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n',
  '*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n',
  '*2\r\n*1\r\n:1\r\n:2\r\n',
  '*2\r\n:1\r\n',
  '*2\r\n:1\r\n:x\r\n',
  '*2\r\n:1\r\n$2\r\nabc\r\n',
  '*2\r\n+a\n:1\r\n',
  `*70\r\n${':1\r\n'.repeat(70)}`,
  '*3\r\n$1\r\na\r\n,1.5\r\n_\r\n',
  '>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n',
  '%1\r\n+a\r\n:1\r\n',
  '|1\r\n+a\r\n+b\r\n+OK\r\n',
  '|1\r\n+a\r\n+b\r\n$3\r\nabc\r\n',
  '_\r\n',
  '#t\r\n',
  '=7\r\ntxt:abc\r\n',
  '!3\r\nERR\r\n',
  '?what\r\n',
  '.\r\n',
];

const VALID_REQUEST = cmd('SET', 'key:1', 'xxx');
const VALID_REPLY = '+OK\r\n$3\r\nxxx\r\n:5\r\n';

/** A shape between valid messages, at every segmentation, with every option set and wanted answer. */
function checkShape(mode: RespMode, shape: string | Uint8Array): void {
  const data = b(mode === 'request' ? VALID_REQUEST : VALID_REPLY, shape, mode === 'request' ? VALID_REQUEST : VALID_REPLY);
  for (const options of OPTIONS) {
    same(mode, [{ data }], options, 'whole');
    same(mode, [{ data }], options, 'bytes');
    for (let cut = 1; cut < data.length; cut++) same(mode, [{ data }], options, [cut]);
    for (const seed of [1, 2, 3]) same(mode, [{ data }], options, { seed });
    // Records wanted for some messages and not others: the fast path only takes the lean ones.
    for (const seed of [7, 8]) {
      same(mode, [{ data }], options, 'whole', () => {
        const r = rng(seed);
        return () => r() < 0.5;
      });
    }
    // Cut by the end of the stream, and broken by a gap, right inside it.
    const half = data.subarray(0, Math.floor(data.length / 2));
    same(mode, [{ data: half }, { end: true }], options, 'whole');
    same(mode, [{ data: half }, { gap: 3 }, { data }], options, 'whole');
  }
}

describe('fast path on vs off: the parser alone, records not wanted', () => {
  it.each(REQUESTS.map((r) => [typeof r === 'string' ? JSON.stringify(r).slice(0, 60) : `bytes(${r.length})`, r]))(
    'request %s',
    (_name, shape) => checkShape('request', shape),
  );

  it.each(REPLIES.map((r) => [typeof r === 'string' ? JSON.stringify(r).slice(0, 60) : `bytes(${r.length})`, r]))(
    'reply %s',
    (_name, shape) => checkShape('reply', shape),
  );

  it('the common shapes take the fast path when whole; cut by a chunk, they do not', () => {
    const requests = b(cmd('PING'), cmd('SET', 'k', x600), cmd('AUTH', 'pw'), cmd('CLIENT', 'REPLY', 'ON'), cmd('GET', 'k'));
    expect(same('request', [{ data: requests }], {}, 'whole')).toBe(5);
    const replies = '+OK\r\n-ERR x\r\n:1\r\n:-2\r\n$3\r\nabc\r\n$-1\r\n*0\r\n*-1\r\n*2\r\n$1\r\na\r\n:1\r\n';
    expect(same('reply', [{ data: enc.encode(replies) }], {}, 'whole')).toBe(9);
    // Byte by byte, no message is ever whole in a chunk: the byte machine reads them all.
    expect(same('request', [{ data: requests }], {}, 'bytes')).toBe(0);
    // Records wanted: never.
    expect(same('request', [{ data: requests }], {}, 'whole', () => () => true)).toBe(0);
  });

  it('a snapshot after an announcement is read by the byte machine, what follows by either', () => {
    const out: string[][] = [];
    for (const fast of [true, false]) {
      setRespFastPath(fast);
      try {
        const seen: string[] = [];
        const p = new RespParser('reply', resolveRedisOptions({}), {
          message: (v, flags) => void seen.push(`${show(v)} ${flags}`),
          wantValues: () => false,
          anomaly: (code) => void seen.push(`anomaly ${REDIS_ANOMALIES[code]}`),
          giveUp: () => void seen.push('giveUp'),
          rdb: (length, complete) => void seen.push(`rdb ${length} ${complete}`),
        });
        p.expectRdb();
        const data = enc.encode('\n\n$5\r\nREDIS*1\r\n$4\r\nPING\r\n+OK\r\n');
        p.execute(data, 0, data.length);
        out.push(seen);
      } finally {
        setRespFastPath(true);
      }
    }
    expect(out[0]).toEqual(out[1]);
    expect(out[0]![0]).toBe('rdb 5 true');
  });
});

/** Small random changes: flipped bits, RESP bytes inserted, lengths changed, bytes dropped or repeated. */
function mutate(data: Uint8Array, r: () => number): Uint8Array {
  const out = Array.from(data);
  const n = 1 + Math.floor(r() * 3);
  for (let k = 0; k < n && out.length > 0; k++) {
    const at = Math.floor(r() * out.length);
    switch (Math.floor(r() * 6)) {
      case 0:
        out[at] = out[at]! ^ (1 << Math.floor(r() * 8));
        break;
      case 1:
        out.splice(at, 1);
        break;
      case 2:
        out.splice(at, 0, '*$:+-_#,(!=%~>|.;?\r\n0123456789'.charCodeAt(Math.floor(r() * 32)));
        break;
      case 3:
        if (out[at]! >= 0x30 && out[at]! <= 0x39) out[at] = 0x30 + Math.floor(r() * 10);
        else out.splice(at, 0, 0x30 + Math.floor(r() * 10));
        break;
      case 4:
        out.splice(at, 0, ...out.slice(at, at + Math.floor(r() * 24)));
        break;
      default:
        out[at] = Math.floor(r() * 256);
    }
  }
  return Uint8Array.from(out);
}

/** A redis-benchmark-like pipeline and its replies. */
function pipeline(r: () => number): { req: Uint8Array; resp: Uint8Array } {
  const req: Uint8Array[] = [];
  let resp = '';
  for (let i = 0; i < 12; i++) {
    const key = `key:${String(Math.floor(r() * 1e6)).padStart(12, '0')}`;
    switch (Math.floor(r() * 6)) {
      case 0:
        req.push(cmd('SET', key, r() < 0.1 ? x600 : 'xxx'));
        resp += '+OK\r\n';
        break;
      case 1:
        req.push(cmd('GET', key));
        resp += r() < 0.5 ? '$3\r\nxxx\r\n' : '$-1\r\n';
        break;
      case 2:
        req.push(cmd('INCR', 'counter'));
        resp += `:${Math.floor(r() * 1e6)}\r\n`;
        break;
      case 3:
        req.push(cmd('LRANGE', 'mylist', '0', '4'));
        resp += `*5\r\n${'$3\r\nxxx\r\n'.repeat(5)}`;
        break;
      case 4:
        req.push(cmd('CLIENT', 'REPLY', r() < 0.5 ? 'ON' : 'SKIP'));
        resp += '+OK\r\n';
        break;
      default:
        req.push(cmd('AUTH', 'secret'));
        resp += '-WRONGPASS invalid\r\n';
    }
  }
  return { req: bytes(...req), resp: enc.encode(resp) };
}

describe('fast path on vs off: seeded mutations', () => {
  it('mutated conversations and pipelines, both directions, random cuts, gaps, ends: 3000 runs', () => {
    const bases: Step[][] = Object.values(CONVERSATIONS);
    let taken = 0;
    for (let seed = 1; seed <= 3000; seed++) {
      const r = rng(seed);
      let steps: Step[];
      if (seed % 3 === 0) {
        const { req, resp } = pipeline(r);
        steps = [
          { dir: C, data: req },
          { dir: 1 as Step['dir'], data: resp },
        ];
      } else steps = bases[seed % bases.length]!;
      const options = OPTIONS[seed % OPTIONS.length]!;
      for (const mode of ['request', 'reply'] as const) {
        const dir = mode === 'request' ? 0 : 1;
        const ops: Op[] = [];
        for (const s of steps) {
          if (s.dir !== dir) continue;
          if ('data' in s) ops.push({ data: r() < 0.6 ? mutate(s.data, r) : s.data });
          else if ('gap' in s) ops.push({ gap: s.gap });
          else ops.push({ end: true });
          if (r() < 0.05) ops.push({ gap: r() < 0.3 ? -1 : Math.floor(r() * 30) });
        }
        const split: Split = seed % 4 === 0 ? 'whole' : { seed: seed + 100_000 };
        const flip = seed % 5 === 0;
        taken += same(mode, ops, options, split, () => {
          const w = rng(seed + 200_000);
          return () => flip && w() < 0.5;
        });
      }
    }
    // The comparison means something only if the fast path read many of the messages.
    expect(taken).toBeGreaterThan(10_000);
  }, 60_000);
});
