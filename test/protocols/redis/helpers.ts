/**
 * Test helpers: feed bytes to a Redis connection parser and collect what it emits; read the TCP streams of
 * a capture through the engine's stream hook; deterministic random numbers.
 */
import { collector as collectOf, type Result as ConversationResult, runSteps, type Split, type Step } from '../conversation.js';
import { readAllPackets } from '../../../src/capture/reader.js';
import { Decoder } from '../../../src/decode/decoder.js';
import { DecodedPacket, IpProto } from '../../../src/decode/packet.js';
import { captureStreams } from '../../support/streams.js';
import type { Direction } from '../../../src/flow/stream.js';
import type { RedisOptions, RedisRecord } from '../../../src/protocols/redis/index.js';
import { defaultOptions } from '../../../src/options.js';
import { probeRedis, REDIS_ANOMALIES, RedisConnection, resolveRedisOptions } from '../../../src/protocols/redis/index.js';
import { setRespFastPath } from '../../../src/protocols/redis/parser.js';
import { type AppEventSink, Probe } from '../../../src/protocols/module.js';

export const C = 0 as Direction; // client → server
export const S = 1 as Direction; // server → client

export type { Step } from '../conversation.js';
export type Result = ConversationResult<RedisRecord>;

/** A sink that collects; `recordsWanted` false makes the connection parse lean (no records). */
export function collector(recordsWanted = true): { sink: AppEventSink<RedisRecord>; result: Result } {
  return collectOf<RedisRecord>(REDIS_ANOMALIES, 'redis', recordsWanted);
}

/**
 * Runs a conversation. `split` cuts each data step into pieces: 'whole', 'bytes' (one byte at a time), or a
 * seeded random generator for random cut points. Ends both directions at the end unless `keepOpen`.
 */
export function run(
  steps: Step[],
  options?: Partial<RedisOptions>,
  split: Split = 'whole',
  keepOpen = false,
  recordsWanted = true,
): Result {
  const { sink, result } = collector(recordsWanted);
  const p = new RedisConnection(sink, resolveRedisOptions(options));
  runSteps(p, steps, feed, split, keepOpen);
  return result;
}

/** Runs `fn` with the RESP parser's fast path turned off (the byte machine reads every message). */
export function withSlowPath<T>(fn: () => T): T {
  setRespFastPath(false);
  try {
    return fn();
  } finally {
    setRespFastPath(true);
  }
}

/**
 * `run`, and the same run with records not wanted (the lean parse), fast path on and then off: the lean
 * runs must emit no record and raise the same anomalies (codes, directions, order) and stop the same
 * way. Returns the records-wanted result. Makes a test of anomalies or splits cover every path.
 */
export function runAllPaths(steps: Step[], options?: Partial<RedisOptions>, split: Split = 'whole', keepOpen = false): Result {
  // A random split is a generator: each run gets the same cuts from its own copy of the sequence.
  const cuts: number[] = [];
  const replay = (): 'whole' | 'bytes' | (() => number) => {
    if (typeof split !== 'function') return split;
    let k = 0;
    return () => {
      if (k === cuts.length) cuts.push(split());
      return cuts[k++]!;
    };
  };
  const wanted = run(steps, options, replay(), keepOpen);
  const lean = run(steps, options, replay(), keepOpen, false);
  const slow = withSlowPath(() => run(steps, options, replay(), keepOpen, false));
  for (const [name, r] of [
    ['lean', lean],
    ['lean, fast path off', slow],
  ] as const) {
    const same =
      r.records.length === 0 && JSON.stringify([r.anomalies, r.stopped]) === JSON.stringify([wanted.anomalies, wanted.stopped]);
    if (!same) {
      throw new Error(
        `${name}: ${r.records.length} records, anomalies ${JSON.stringify(r.anomalies)} stop ${r.stopped}; ` +
          `records wanted: anomalies ${JSON.stringify(wanted.anomalies)} stop ${wanted.stopped}`,
      );
    }
  }
  return wanted;
}

/** Feeds one direction's bytes, split as `run` describes. */
export function feed(p: RedisConnection, dir: Direction, data: Uint8Array, split: Split): void {
  if (split === 'whole') {
    // A larger buffer with the data in the middle: parsers must honour start/end.
    const buf = new Uint8Array(data.length + 7);
    buf.set(data, 3);
    p.onData(dir, buf, 3, 3 + data.length);
    return;
  }
  let i = 0;
  while (i < data.length) {
    const n = split === 'bytes' ? 1 : 1 + Math.floor(split() * Math.min(64, data.length - i));
    const piece = data.slice(i, i + n);
    p.onData(dir, piece, 0, piece.length);
    piece.fill(0xee); // the buffer is reused after the call
    i += n;
  }
}

const enc = new TextEncoder();
export function bytes(...parts: (string | Uint8Array)[]): Uint8Array {
  const arr = parts.map((p) => (typeof p === 'string' ? enc.encode(p) : p));
  const out = new Uint8Array(arr.reduce((n, a) => n + a.length, 0));
  let o = 0;
  for (const a of arr) {
    out.set(a, o);
    o += a.length;
  }
  return out;
}

/** A command as clients send it: a RESP array of bulk strings. */
export function cmd(...args: (string | Uint8Array)[]): Uint8Array {
  const parts: (string | Uint8Array)[] = [`*${args.length}\r\n`];
  for (const a of args) {
    const b = typeof a === 'string' ? enc.encode(a) : a;
    parts.push(`$${b.length}\r\n`, b, '\r\n');
  }
  return bytes(...parts);
}

/** Mulberry32: a small seeded generator. */
export { mulberry32 as rng } from '../../support/streams.js';

export const client = (...parts: (string | Uint8Array)[]): Step => ({ dir: C, data: bytes(...parts) });
export const server = (...parts: (string | Uint8Array)[]): Step => ({ dir: S, data: bytes(...parts) });

/** One TCP flow of a capture: ports and its stream events in delivery order. */
export interface CapturedFlow {
  clientPort: number;
  serverPort: number;
  steps: Step[];
}

/** The TCP flows of a capture, as the engine's reassembly delivers them (app layer off). */
export async function captureFlows(path: string): Promise<CapturedFlow[]> {
  return (await captureStreams(path, { depth: 0 })).map((f) => ({
    clientPort: f.clientPort,
    serverPort: f.serverPort,
    steps: f.steps.map(
      (st): Step =>
        st.kind === 'data'
          ? { dir: st.dir, data: st.bytes }
          : st.kind === 'gap'
            ? { dir: st.dir, gap: st.length }
            : { dir: st.dir, end: true },
    ),
  }));
}

/** Per frame (1-based) of a capture: the TCP ports, for frames that carry TCP. */
export function tcpFramePorts(path: string): Map<number, { src: number; dst: number }> {
  const out = new Map<number, { src: number; dst: number }>();
  const o = defaultOptions();
  const decoder = new Decoder({ decode: o.decode, fragments: o.fragments });
  const pkt = new DecodedPacket();
  const packets = readAllPackets(path);
  packets.forEach((p, i) => {
    if (!decoder.decode(p.data, 0, p.caplen, p.origlen, p.linkType, p.tsSec, p.tsNsec, pkt)) return;
    if (pkt.ipProto !== IpProto.TCP || pkt.l4Offset === 0) return;
    out.set(i + 1, { src: pkt.srcPort, dst: pkt.dstPort });
  });
  return out;
}

/** Whether the Redis probe claims a flow from its first bytes (client side first, as detection does). */
export function probedRedis(f: CapturedFlow): boolean {
  const firsts: [number[], number[]] = [[], []];
  for (const s of f.steps) if ('data' in s && firsts[s.dir]!.length < 4096) firsts[s.dir]!.push(...s.data.subarray(0, 4096));
  for (const dir of [0, 1] as const) {
    const b = Uint8Array.from(firsts[dir]!);
    if (b.length === 0) continue;
    const r = probeRedis(b, 0, b.length, {
      transport: 'tcp',
      direction: dir,
      serverPort: f.serverPort,
      clientPort: f.clientPort,
    });
    if (r === Probe.MINE) return true;
    if (r === Probe.NOT_MINE) return false;
  }
  return false;
}
