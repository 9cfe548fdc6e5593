/**
 * TCP reassembly throughput: one bulk transfer of 1448-byte segments (the MSS of a 1500-byte MTU with
 * timestamps) through `TcpSession`, from the handshake to the FIN, the receiver ACKing every second
 * segment as Linux's delayed ACK does. Each operation is a whole connection, so buffers cycle through
 * the shared pool as they would across flows.
 *
 * Packets come from a precomputed schedule written into one reused `DecodedPacket`, as the decoder
 * does; payload bytes are views into one buffer. The baseline is the bare cost of copying the same
 * payload into a ring once (`set(subarray())`), the floor any reassembly pays.
 *
 * Run: npx tsx bench/reassembly.bench.ts
 */
import {
  DecodedPacket,
  ReassemblyMemory,
  TcpFlag,
  TcpSession,
  defaultOptions,
  type Direction,
  type StreamChunkInfo,
  type StreamConsumer,
  type TcpContext,
  type TcpEventSink,
  type TcpOptions,
} from '../src/index.js';
import { machine, runSuite } from './lib.js';

const MSS = 1448;
const SEGMENTS = 4096; // ≈ 5.9 MB per connection
const CLIENT_ISN = 0xfff00000; // the stream wraps past 2^32 halfway through
const SERVER_ISN = 12345;

/** One packet of the schedule. */
interface Schedule {
  dir: Uint8Array;
  flags: Uint8Array;
  seq: Uint32Array;
  ack: Uint32Array;
  off: Uint32Array;
  len: Uint32Array;
  count: number;
  dataSegments: number;
}

function makePayload(n: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = 0x12345678;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

/**
 * Builds the packets of one connection carrying segments in `order` (indexes into the stream's
 * segments). The receiver ACKs cumulatively (never past a hole) after every second data segment and
 * after any segment that fills a hole (a SACK-style recovery acknowledges at once).
 */
function schedule(order: number[], total: number): Schedule {
  const max = order.length * 2 + 8;
  const s: Schedule = {
    dir: new Uint8Array(max),
    flags: new Uint8Array(max),
    seq: new Uint32Array(max),
    ack: new Uint32Array(max),
    off: new Uint32Array(max),
    len: new Uint32Array(max),
    count: 0,
    dataSegments: order.length,
  };
  const push = (dir: number, flags: number, seq: number, ack: number, off = 0, len = 0) => {
    const i = s.count++;
    s.dir[i] = dir;
    s.flags[i] = flags;
    s.seq[i] = seq >>> 0;
    s.ack[i] = ack >>> 0;
    s.off[i] = off;
    s.len[i] = len;
  };
  const c0 = CLIENT_ISN + 1;
  const s0 = SERVER_ISN + 1;
  push(0, TcpFlag.SYN, CLIENT_ISN, 0);
  push(1, TcpFlag.SYN | TcpFlag.ACK, SERVER_ISN, c0);
  push(0, TcpFlag.ACK, c0, s0);
  const have = new Uint8Array(Math.ceil(total / MSS));
  let next = 0;
  let sinceAck = 0;
  for (const k of order) {
    const off = k * MSS;
    const len = Math.min(MSS, total - off);
    push(0, TcpFlag.ACK | TcpFlag.PSH, c0 + off, s0, off, len);
    have[k] = 1;
    const before = next;
    while (next < have.length && have[next] === 1) next++;
    sinceAck++;
    const filledHole = k < before + 1 && next > before + 1;
    if (sinceAck >= 2 || filledHole) {
      push(1, TcpFlag.ACK, s0, c0 + Math.min(next * MSS, total));
      sinceAck = 0;
    }
  }
  push(0, TcpFlag.FIN | TcpFlag.ACK, c0 + total, s0);
  push(1, TcpFlag.FIN | TcpFlag.ACK, s0, c0 + total + 1);
  push(0, TcpFlag.ACK, c0 + total + 1, s0 + 1);
  return s;
}

function inOrder(n: number): number[] {
  return [...Array(n).keys()];
}

/** Every 8th segment swapped with its successor. */
function swapped(n: number): number[] {
  const o = inOrder(n);
  for (let i = 7; i + 1 < n; i += 8) [o[i], o[i + 1]] = [o[i + 1]!, o[i]!];
  return o;
}

/**
 * 2% loss with SACK-style recovery: a lost segment is retransmitted after three later segments (the
 * sender's third duplicate ACK), so the receiver holds a hole of three segments each time.
 */
function lossy(n: number, rate: number): number[] {
  let x = 42;
  const rand = () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x / 2 ** 32;
  };
  const out: number[] = [];
  const pending: Array<[number, number]> = [];
  for (let k = 0; k < n; k++) {
    if (k > 0 && k < n - 1 && rand() < rate) {
      pending.push([k, 3]);
      continue;
    }
    out.push(k);
    for (const p of pending) p[1]--;
    while (pending.length > 0 && pending[0]![1] <= 0) out.push(pending.shift()![0]);
  }
  for (const p of pending) out.push(p[0]);
  return out;
}

class CountingConsumer implements StreamConsumer {
  bytes = 0;
  check = 0;
  onData(data: Uint8Array, start: number, end: number, _info: StreamChunkInfo): void {
    this.bytes += end - start;
    this.check ^= data[start]!;
  }
  onGap(): void {
    throw new Error('unexpected gap');
  }
  onEnd(): void {}
}

const nullSink: TcpEventSink = {
  anomaly(_o: unknown, _d: Direction, _c: number) {},
  gap() {},
};

const payload = makePayload(SEGMENTS * MSS);
const total = payload.length;
const pkt = new DecodedPacket();
pkt.data = payload;

function runner(sched: Schedule, options: Partial<TcpOptions>): () => void {
  const opts = { ...defaultOptions().tcp, depth: 0, ...options };
  const ctx: TcpContext = { options: opts, memory: new ReassemblyMemory(opts.memcap), sink: nullSink };
  const consumer = new CountingConsumer();
  return () => {
    const session = new TcpSession(ctx, null);
    session.consumer = consumer;
    const start = consumer.bytes;
    for (let i = 0; i < sched.count; i++) {
      pkt.tcpFlags = sched.flags[i]!;
      pkt.tcpSeq = sched.seq[i]!;
      pkt.tcpAck = sched.ack[i]!;
      pkt.payloadOffset = sched.off[i]!;
      pkt.payloadLen = sched.len[i]!;
      session.onPacket(pkt, sched.dir[i] as Direction);
    }
    session.close();
    if (consumer.bytes - start !== total) throw new Error(`delivered ${consumer.bytes - start} of ${total}`);
  };
}

function copyFloor(): () => void {
  const ring = new Uint8Array(1 << 16);
  return () => {
    for (let off = 0; off < total; off += MSS) {
      const len = Math.min(MSS, total - off);
      ring.set(payload.subarray(off, off + len), off & 0x7fff);
    }
  };
}

const inOrderSched = schedule(inOrder(SEGMENTS), total);
const swappedSched = schedule(swapped(SEGMENTS), total);
const lossySched = schedule(lossy(SEGMENTS, 0.02), total);

console.log(
  `# reassembly benchmark\n${machine()}\n${SEGMENTS} segments of ${MSS} bytes per connection (${(total / 1e6).toFixed(1)} MB), ACK every 2 segments; packets/s below counts data segments`,
);
runSuite('tcp reassembly', [
  { name: 'floor: copy payload into a ring (set(subarray()))', fn: copyFloor(), bytes: total, packets: SEGMENTS, baseline: true },
  { name: 'in order, acked delivery', fn: runner(inOrderSched, { delivery: 'acked' }), bytes: total, packets: SEGMENTS },
  { name: 'in order, immediate delivery', fn: runner(inOrderSched, { delivery: 'immediate' }), bytes: total, packets: SEGMENTS },
  { name: 'every 8th segment swapped, acked', fn: runner(swappedSched, { delivery: 'acked' }), bytes: total, packets: SEGMENTS },
  {
    name: 'every 8th segment swapped, immediate',
    fn: runner(swappedSched, { delivery: 'immediate' }),
    bytes: total,
    packets: SEGMENTS,
  },
  { name: '2% loss, SACK-style recovery, acked', fn: runner(lossySched, { delivery: 'acked' }), bytes: total, packets: SEGMENTS },
  {
    name: '2% loss, SACK-style recovery, immediate',
    fn: runner(lossySched, { delivery: 'immediate' }),
    bytes: total,
    packets: SEGMENTS,
  },
]);
