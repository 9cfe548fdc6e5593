/**
 * Records not wanted (`sink.recordsWanted` false): the connection parses the same bytes lean, builds no
 * record and no value it does not need, and must behave exactly as when records are wanted: the same
 * anomalies (codes, directions, order), the same stop, the same pairing and mode state after every step.
 * Checked on the hand-written conversations (default and small caps), on every flow of
 * fixtures/redis/redis-features.pcap, and on mutated conversations with gaps, at every segmentation the
 * helpers offer (whole, byte by byte, seeded random cuts). A sink whose answer flips between calls gets
 * the same anomalies and state too, and the records it does get are records the wanted run emits. Lean
 * runs are repeated with the parser's fast path off: the same outcome, whichever path read a message.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Direction } from '../../../src/flow/stream.js';
import type { AppEventSink } from '../../../src/protocols/module.js';
import {
  REDIS_ANOMALIES,
  type RedisOptions,
  type RedisRecord,
  RedisConnection,
  resolveRedisOptions,
} from '../../../src/protocols/redis/index.js';
import { OWN_FIXTURES_DIR } from '../../support/corpus.js';
import { CONVERSATIONS } from './conversations.js';
import { C, captureFlows, client, cmd, feed, rng, S, server, type Step, withSlowPath } from './helpers.js';

const SEEDS = [1, 2, 3, 42, 1234];
const SMALL: Partial<RedisOptions> = { maxStringBytes: 32, maxElements: 2, maxValues: 4, maxPending: 2, maxDepth: 2 };
type Split = 'whole' | 'bytes' | (() => number);

interface Outcome {
  anomalies: string[];
  stopped: string | null;
  /** The connection's pairing and mode state after each step. */
  states: unknown[];
  records: RedisRecord[];
  /** How often the sink was asked whether records are wanted. */
  asked: number;
}

/** What pairing and modes hold: every field of the connection that is not a record or a parser. */
function stateOf(conn: RedisConnection): unknown {
  const c = conn as unknown as Record<string, unknown> & { queue: (Record<string, unknown> | undefined)[]; queueHead: number };
  const pending = c.queue.slice(c.queueHead).map((p) => ({
    command: p!.command,
    malformed: p!.malformed,
    helloVersion: p!.helloVersion,
    expected: p!.expected,
    confirm: p!.confirm,
    bytes: p!.bytes,
    replyCount: p!.replyCount,
    replyType: (p!.reply as { type: string } | null)?.type ?? null,
    noReply: p!.noReply,
  }));
  const { protocol, replyMode, subscriptions, shardSubscriptions, monitoring, overflowing, replicating } = c;
  const { requestsLost, pendingBytes, skipReplies, stopped, ended } = c;
  return {
    protocol,
    replyMode,
    subscriptions,
    shardSubscriptions,
    monitoring,
    overflowing,
    replicating,
    requestsLost,
    pendingBytes,
    skipReplies,
    stopped,
    ended,
    pending,
    dead: (c.parsers as { dead: boolean }[]).map((p) => p.dead),
  };
}

/** Runs a conversation; `wanted` answers each `recordsWanted` read (its argument: the read's number). */
function runWanted(steps: Step[], options: Partial<RedisOptions>, split: Split, wanted: (n: number) => boolean): Outcome {
  const out: Outcome = { anomalies: [], stopped: null, states: [], records: [], asked: 0 };
  const sink: AppEventSink<RedisRecord> = {
    get recordsWanted() {
      return wanted(out.asked++);
    },
    emit(record) {
      if (out.stopped !== null) throw new Error('emit after stop');
      out.records.push(record);
    },
    anomaly(code: number, direction?: Direction) {
      out.anomalies.push(`${REDIS_ANOMALIES[code] ?? `redis.code_${code}`}@${direction ?? '-'}`);
    },
    serverName() {
      throw new Error('Redis reports no server name');
    },
    stop(reason: string) {
      out.stopped = reason;
    },
  };
  const conn = new RedisConnection(sink, resolveRedisOptions(options));
  for (const s of steps) {
    if ('data' in s) feed(conn, s.dir, s.data, split);
    else if ('gap' in s) conn.onGap(s.dir, s.gap);
    else conn.onEnd(s.dir, 'fin');
    out.states.push(stateOf(conn));
  }
  conn.onEnd(C, 'fin');
  conn.onEnd(S, 'fin');
  out.states.push(stateOf(conn));
  return out;
}

/** Whether `sub` is `all` with some records left out (same order, deep-equal). */
function isSubsequence(sub: readonly RedisRecord[], all: readonly RedisRecord[]): boolean {
  let j = 0;
  for (const r of sub) {
    while (j < all.length && JSON.stringify(all[j]) !== JSON.stringify(r)) j++;
    if (j === all.length) return false;
    j++;
  }
  return true;
}

/**
 * Wanted vs not wanted vs flipping, at one segmentation. The lean and flipping runs are made twice, the
 * parser's fast path on and off (withSlowPath): the same outcome to the record (and the same reads of
 * recordsWanted), whichever path read each message.
 */
function checkLean(steps: Step[], options: Partial<RedisOptions>, split: () => Split): void {
  const full = runWanted(steps, options, split(), () => true);
  const lean = runWanted(steps, options, split(), () => false);
  expect(lean.records).toEqual([]);
  expect(lean.anomalies).toEqual(full.anomalies);
  expect(lean.stopped).toEqual(full.stopped);
  expect(lean.states).toEqual(full.states);
  expect(withSlowPath(() => runWanted(steps, options, split(), () => false))).toEqual(lean);
  for (const seed of [7, 8]) {
    let r = rng(seed);
    const flip = runWanted(steps, options, split(), () => r() < 0.5);
    expect(flip.anomalies).toEqual(full.anomalies);
    expect(flip.stopped).toEqual(full.stopped);
    expect(flip.states).toEqual(full.states);
    expect(isSubsequence(flip.records, full.records)).toBe(true);
    r = rng(seed);
    expect(withSlowPath(() => runWanted(steps, options, split(), () => r() < 0.5))).toEqual(flip);
  }
}

function checkAllSplits(steps: Step[], options: Partial<RedisOptions> = {}, bytewise = true): void {
  checkLean(steps, options, () => 'whole');
  if (bytewise) checkLean(steps, options, () => 'bytes');
  for (const seed of SEEDS) checkLean(steps, options, () => rng(seed));
}

describe('records not wanted: same anomalies and state, no records', () => {
  it.each(Object.keys(CONVERSATIONS))('%s', (name) => {
    const steps = CONVERSATIONS[name]!;
    checkAllSplits(steps);
    checkAllSplits(steps, SMALL);
  });

  it('modes and caps that read arguments: CLIENT REPLY, HELLO, REPLCONF, secrets, byte cap, inline', () => {
    const big = 'x'.repeat(40);
    const steps: Step[] = [
      client(cmd('CLIENT', 'REPLY', 'SKIP'), cmd('SET', 'a', big), cmd('client', 'reply', 'off'), cmd('GET', 'a')),
      client(cmd('CLIENT', 'REPLY', 'ON'), cmd('HELLO', '3', 'AUTH', 'u', 'p\u00e9\u00e9'), 'ping "a\\xffb" \'c\'\r\n'),
      server('+OK\r\n%1\r\n$5\r\nproto\r\n:3\r\n+PONG\r\n'),
      client(cmd('CONFIG', 'SET', 'requirepass', 'hunter2'), cmd('SET', 'k\u00e9y', Uint8Array.of(0xff, 0xfe, 0x41))),
      client(cmd('REPLCONF', 'ACK', '0'), cmd('MSET', 'a', big, 'b', big, 'c', big)),
      server('+OK\r\n+OK\r\n+OK\r\n'),
      client(cmd('SUBSCRIBE', 'ch1', 'ch2'), cmd('UNSUBSCRIBE')),
      server('>3\r\n$9\r\nsubscribe\r\n$3\r\nch1\r\n:1\r\n>3\r\n$9\r\nsubscribe\r\n$3\r\nch2\r\n:2\r\n'),
      server('>3\r\n$7\r\nmessage\r\n$3\r\nch1\r\n$2\r\nhi\r\n'),
      server('>3\r\n$11\r\nunsubscribe\r\n$3\r\nch1\r\n:1\r\n>3\r\n$11\r\nunsubscribe\r\n$3\r\nch2\r\n:0\r\n'),
      client(cmd('RESET'), cmd('MONITOR')),
      server('+RESET\r\n+OK\r\n+1700000000.123456 [0 127.0.0.1:5000] "SET" "k" "v"\r\n'),
      client(cmd('PSYNC', '?', '-1')),
      server('+FULLRESYNC 0123456789012345678901234567890123456789 0\r\n$5\r\nREDIS*1\r\n$4\r\nPING\r\n'),
    ];
    checkAllSplits(steps);
    checkAllSplits(steps, SMALL);
    // The byte cap decides on the text length of every kept argument, built or not.
    checkAllSplits(steps, { maxPendingBytes: 200 });
    checkAllSplits(steps, { maxPendingBytes: 300, maxStringBytes: 32 });
  });

  it('mutated conversations with gaps, small caps', () => {
    const names = Object.keys(CONVERSATIONS);
    for (let seed = 1; seed <= 150; seed++) {
      const r = rng(seed);
      const steps: Step[] = [];
      for (const s of CONVERSATIONS[names[seed % names.length]!]!) {
        if ('data' in s && r() < 0.5) {
          const d = Array.from(s.data);
          for (let k = 0; k < 3; k++)
            d[Math.floor(r() * d.length)] = '*$:+-_#,(!=%~>|.;?\r\n0123456789'.charCodeAt(Math.floor(r() * 32));
          steps.push({ dir: s.dir, data: Uint8Array.from(d) });
        } else steps.push(s);
        if (r() < 0.1) steps.push({ dir: r() < 0.5 ? C : S, gap: Math.floor(r() * 20) - 1 });
      }
      const opts = seed % 2 === 0 ? SMALL : { maxStringBytes: 40, maxElements: 3, maxValues: 8, maxPendingBytes: 300 };
      checkLean(steps, opts, () => 'whole');
      checkLean(steps, opts, () => rng(seed));
    }
  });

  it('nothing is built lean: no emit, and one recordsWanted read per message', () => {
    const steps: Step[] = [];
    for (let i = 0; i < 50; i++) steps.push(client(cmd('SET', `key:${i}`, 'value'), cmd('GET', `key:${i}`)));
    for (let i = 0; i < 50; i++) steps.push(server('+OK\r\n$5\r\nvalue\r\n'));
    const lean = runWanted(steps, {}, 'whole', () => false);
    expect(lean.records).toEqual([]);
    // 100 commands and 100 replies: asked as each begins (not once per connection, not per byte).
    expect(lean.asked).toBe(200);
    expect(runWanted(steps, {}, 'whole', () => true).records.length).toBe(100);
  });

  it('records wanted again mid-connection: later commands get whole records', () => {
    const steps: Step[] = [client(cmd('SET', 'a', '1'), cmd('GET', 'a')), server('+OK\r\n$1\r\n1\r\n')];
    steps.push(client(cmd('GET', 'b')), server('$2\r\nbb\r\n'));
    const full = runWanted(steps, {}, 'whole', () => true);
    // Not wanted for the first two commands and their replies (4 reads), wanted after.
    const late = runWanted(steps, {}, 'whole', (n) => n >= 4);
    expect(late.records).toEqual([full.records[2]]);
    expect(late.records[0]).toMatchObject({ command: 'GET', args: ['b'], reply: { type: 'bulk_string', value: 'bb' } });
  });
});

const FEATURES = path.join(OWN_FIXTURES_DIR, 'redis', 'redis-features.pcap');
describe.skipIf(!fs.existsSync(FEATURES))('records not wanted: real flows of redis-features.pcap', () => {
  it('every flow, every segmentation', async () => {
    const flows = await captureFlows(FEATURES);
    expect(flows.length).toBe(16);
    for (const f of flows) {
      const size = f.steps.reduce((n, s) => n + ('data' in s ? s.data.length : 0), 0);
      checkAllSplits(f.steps, {}, size < 100_000);
      checkLean(f.steps, SMALL, () => rng(5));
    }
  }, 60_000);
});
