/**
 * Test harness for TCP session and reassembly tests: hand-filled `DecodedPacket`s, a consumer that
 * records what it receives and enforces the `StreamConsumer` contract (chunks in order, each right after
 * the previous one or a gap, `onEnd` exactly once and nothing after), and an event sink.
 *
 * Deliberately independent of test/helpers/packets.ts: these tests feed `TcpSession` directly.
 */
import { DecodedPacket, IpProto, TcpFlag } from '../../src/decode/packet.js';
import { STREAM_ANOMALIES } from '../../src/flow/events.js';
import { ReassemblyMemory } from '../../src/flow/reassembly-memory.js';
import type { Direction, StreamChunkInfo, StreamConsumer, StreamEndReason } from '../../src/flow/stream.js';
import { TcpSession, type TcpContext, type TcpEventSink } from '../../src/flow/tcp-session.js';
import { defaultOptions, type TcpOptions } from '../../src/options.js';

export const C = 0 as Direction; // client → server
export const S = 1 as Direction; // server → client
export const { FIN, SYN, RST, PSH, ACK } = TcpFlag;

/** mulberry32: a tiny seeded PRNG (never Math.random in tests). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomBytes(rand: () => number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (rand() * 256) | 0;
  return b;
}

export function ascii(s: string): Uint8Array {
  return new Uint8Array([...s].map((c) => c.charCodeAt(0)));
}

export function text(b: Uint8Array): string {
  return String.fromCharCode(...b);
}

interface Collected {
  chunks: Uint8Array[];
  next: number;
  ended: StreamEndReason | null;
}

/** Consumer and sink in one, recording everything in order. */
export class Recorder implements StreamConsumer, TcpEventSink {
  /** Human-readable log: `data c 0+5`, `gap s 10+4`, `end c fin`. */
  readonly log: string[] = [];
  readonly anomalies: string[] = [];
  readonly sinkGaps: string[] = [];
  private readonly dirs: [Collected, Collected] = [
    { chunks: [], next: 0, ended: null },
    { chunks: [], next: 0, ended: null },
  ];

  onData(data: Uint8Array, start: number, end: number, info: StreamChunkInfo): void {
    const d = this.dirs[info.direction];
    if (d.ended !== null) throw new Error(`onData after onEnd on ${dn(info.direction)}`);
    if (end <= start) throw new Error('empty chunk');
    if (info.offset !== d.next) throw new Error(`chunk at ${info.offset}, expected ${d.next} on ${dn(info.direction)}`);
    d.chunks.push(data.slice(start, end));
    d.next += end - start;
    this.log.push(`data ${dn(info.direction)} ${info.offset}+${end - start}`);
  }

  onGap(direction: Direction, offset: number, length: number): void {
    const d = this.dirs[direction];
    if (d.ended !== null) throw new Error('onGap after onEnd');
    if (offset !== d.next) throw new Error(`gap at ${offset}, expected ${d.next}`);
    if (length <= 0) throw new Error(`gap length ${length}`);
    d.next += length;
    this.log.push(`gap ${dn(direction)} ${offset}+${length}`);
  }

  onEnd(direction: Direction, reason: StreamEndReason): void {
    const d = this.dirs[direction];
    if (d.ended !== null) throw new Error(`second onEnd on ${dn(direction)}`);
    d.ended = reason;
    this.log.push(`end ${dn(direction)} ${reason}`);
  }

  anomaly(_owner: unknown, direction: Direction, code: number): void {
    this.anomalies.push(`${dn(direction)} ${STREAM_ANOMALIES[code]}`);
  }

  gap(_owner: unknown, direction: Direction, offset: number, length: number): void {
    this.sinkGaps.push(`${dn(direction)} ${offset}+${length}`);
  }

  /** Every byte delivered on `dir`, concatenated (gaps are not filled). */
  bytes(dir: Direction): Uint8Array {
    const d = this.dirs[dir];
    const out = new Uint8Array(d.chunks.reduce((n, c) => n + c.length, 0));
    let o = 0;
    for (const c of d.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }

  ended(dir: Direction): StreamEndReason | null {
    return this.dirs[dir].ended;
  }

  /** Anomaly names raised (without direction), e.g. `stream.gap`. */
  names(): string[] {
    return this.anomalies.map((a) => a.slice(2));
  }

  count(name: string): number {
    return this.names().filter((n) => n === name).length;
  }
}

function dn(d: Direction): string {
  return d === 0 ? 'c' : 's';
}

export interface Setup {
  session: TcpSession;
  rec: Recorder;
  ctx: TcpContext;
  memory: ReassemblyMemory;
}

export function setup(options: Partial<TcpOptions> = {}, memoryCap?: number): Setup {
  const opts = { ...defaultOptions().tcp, ...options };
  const memory = new ReassemblyMemory(memoryCap ?? opts.memcap);
  const rec = new Recorder();
  const ctx: TcpContext = { options: opts, memory, sink: rec };
  const session = new TcpSession(ctx, 'flow');
  session.consumer = rec;
  return { session, rec, ctx, memory };
}

/** Header bytes put in front of every payload, so a wrong `payloadOffset` shows. */
const HEADROOM = 54;

/** Fills one reused DecodedPacket with a TCP segment. */
export function tcp(
  pkt: DecodedPacket,
  flags: number,
  seq: number,
  ack: number,
  payload: Uint8Array = EMPTY,
  opts: { window?: number; wscale?: number; ts?: number } = {},
): DecodedPacket {
  pkt.reset();
  const data = new Uint8Array(HEADROOM + payload.length);
  data.fill(0xee, 0, HEADROOM);
  data.set(payload, HEADROOM);
  pkt.data = data;
  pkt.start = 0;
  pkt.end = data.length;
  pkt.ipVersion = 4;
  pkt.ipProto = IpProto.TCP;
  pkt.l4Offset = 34;
  pkt.tcpFlags = flags;
  pkt.tcpSeq = seq >>> 0;
  pkt.tcpAck = (flags & ACK) !== 0 ? ack >>> 0 : 0;
  pkt.tcpWindow = opts.window ?? 65535;
  pkt.tcpWscale = opts.wscale ?? -1;
  pkt.tcpHeaderLen = 20;
  pkt.payloadOffset = HEADROOM;
  pkt.payloadLen = payload.length;
  pkt.tsSec = opts.ts ?? 1000;
  return pkt;
}

const EMPTY = new Uint8Array(0);

/**
 * A scripted connection: remembers each side's ISN and next sequence number, so tests speak in stream
 * offsets. `at(dir, off)` is the sequence number of stream offset `off`.
 */
export class Conn {
  readonly pkt = new DecodedPacket();
  readonly isn: [number, number];
  constructor(
    readonly s: Setup,
    clientIsn = 1000,
    serverIsn = 5000,
  ) {
    this.isn = [clientIsn >>> 0, serverIsn >>> 0];
  }

  at(dir: Direction, off: number): number {
    return (this.isn[dir] + 1 + off) >>> 0;
  }

  send(dir: Direction, flags: number, seq: number, ack: number, payload?: Uint8Array, opts?: { window?: number; wscale?: number; ts?: number }): number {
    return this.s.session.onPacket(tcp(this.pkt, flags, seq, ack, payload, opts), dir);
  }

  handshake(): this {
    this.send(C, SYN, this.isn[C], 0);
    this.send(S, SYN | ACK, this.isn[S], this.at(C, 0));
    this.send(C, ACK, this.at(C, 0), this.at(S, 0));
    return this;
  }

  /** `dir` sends `payload` at stream offset `off`, acknowledging the peer up to `peerAck` (default 0). */
  data(dir: Direction, off: number, payload: Uint8Array | string, peerAck = 0, flags = ACK | PSH): number {
    const p = typeof payload === 'string' ? ascii(payload) : payload;
    return this.send(dir, flags, this.at(dir, off), this.at((dir ^ 1) as Direction, peerAck), p);
  }

  /** `dir` acknowledges the peer's stream up to offset `off`, its own next offset being `own`. */
  ack(dir: Direction, off: number, own = 0): number {
    return this.send(dir, ACK, this.at(dir, own), this.at((dir ^ 1) as Direction, off));
  }

  fin(dir: Direction, off: number, peerAck = 0): number {
    return this.send(dir, FIN | ACK, this.at(dir, off), this.at((dir ^ 1) as Direction, peerAck));
  }
}
