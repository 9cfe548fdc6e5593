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

/** The tests' seeded PRNG (mulberry32; never Math.random in tests). */
export { mulberry32 as prng } from '../helpers/packets.js';

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

  send(
    dir: Direction,
    flags: number,
    seq: number,
    ack: number,
    payload?: Uint8Array,
    opts?: { window?: number; wscale?: number; ts?: number },
  ): number {
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

// ---- captures: a minimal classic-pcap reader for TCP, independent of src/capture and src/decode ----

/** One TCP segment read from a capture; `data[off, off + len)` is its payload. */
export interface CapturedTcp {
  src: string; // tshark's endpoint text: `1.2.3.4:80`, `[2001:db8::1]:80`
  dst: string;
  flags: number;
  seq: number;
  ack: number;
  window: number;
  wscale: number;
  tsSec: number;
  data: Uint8Array;
  off: number;
  len: number;
}

/**
 * TCP segments of a classic pcap file (Ethernet with VLAN tags, Linux SLL, raw IP, BSD null), over IPv4
 * without fragments or IPv6 without extension headers; everything else is skipped. Enough for a
 * differential test; the product's own readers and decoders live in src/capture and src/decode.
 */
export function readPcapTcp(file: Uint8Array): CapturedTcp[] {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const magic = dv.getUint32(0, true);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!le && magic !== 0xd4c3b2a1 && magic !== 0x4d3cb2a1) throw new Error('not a classic pcap file');
  const link = dv.getUint32(20, le);
  const out: CapturedTcp[] = [];
  for (let o = 24; o + 16 <= file.length; ) {
    const tsSec = dv.getUint32(o, le);
    const caplen = dv.getUint32(o + 8, le);
    const p = o + 16;
    o = p + caplen;
    if (o > file.length) break;
    let l3 = p;
    let etherType: number;
    if (link === 1) {
      etherType = dv.getUint16(p + 12);
      l3 = p + 14;
      while (etherType === 0x8100 || etherType === 0x88a8) {
        etherType = dv.getUint16(l3 + 2);
        l3 += 4;
      }
    } else if (link === 113) {
      etherType = dv.getUint16(p + 14);
      l3 = p + 16;
    } else if (link === 101 || link === 0) {
      if (link === 0) l3 = p + 4;
      etherType = file[l3]! >> 4 === 6 ? 0x86dd : 0x800;
    } else {
      continue;
    }
    let end = p + caplen;
    let l4: number;
    let src: string;
    let dst: string;
    if (etherType === 0x800) {
      if (file[l3 + 9] !== 6 || (dv.getUint16(l3 + 6) & 0x3fff) !== 0) continue;
      end = Math.min(end, l3 + dv.getUint16(l3 + 2));
      l4 = l3 + (file[l3]! & 15) * 4;
      src = file.subarray(l3 + 12, l3 + 16).join('.');
      dst = file.subarray(l3 + 16, l3 + 20).join('.');
    } else if (etherType === 0x86dd) {
      if (file[l3 + 6] !== 6) continue;
      end = Math.min(end, l3 + 40 + dv.getUint16(l3 + 4));
      l4 = l3 + 40;
      src = `[${ipv6Text(file.subarray(l3 + 8, l3 + 24))}]`;
      dst = `[${ipv6Text(file.subarray(l3 + 24, l3 + 40))}]`;
    } else {
      continue;
    }
    if (l4 + 20 > end) continue;
    const hl = (file[l4 + 12]! >> 4) * 4;
    if (hl < 20 || l4 + hl > end) continue;
    let wscale = -1;
    for (let q = l4 + 20; q < l4 + hl; ) {
      const kind = file[q]!;
      if (kind === 0) break;
      if (kind === 1) {
        q++;
        continue;
      }
      const len = file[q + 1]!;
      if (len < 2) break;
      if (kind === 3) wscale = file[q + 2]!;
      q += len;
    }
    out.push({
      src: `${src}:${dv.getUint16(l4)}`,
      dst: `${dst}:${dv.getUint16(l4 + 2)}`,
      flags: file[l4 + 13]!,
      seq: dv.getUint32(l4 + 4),
      ack: dv.getUint32(l4 + 8),
      window: dv.getUint16(l4 + 14),
      wscale,
      tsSec,
      data: file,
      off: l4 + hl,
      len: end - (l4 + hl),
    });
  }
  return out;
}

/** RFC 5952 text of an IPv6 address (as tshark prints it). */
function ipv6Text(b: Uint8Array): string {
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i]! << 8) | b[i + 1]!);
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  return best < 0 ? hex(g) : `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

/** Writes a captured segment into a DecodedPacket as the decoder would. */
export function fillPacket(pkt: DecodedPacket, c: CapturedTcp): DecodedPacket {
  pkt.reset();
  pkt.data = c.data;
  pkt.ipProto = IpProto.TCP;
  pkt.tcpFlags = c.flags;
  pkt.tcpSeq = c.seq;
  pkt.tcpAck = c.ack;
  pkt.tcpWindow = c.window;
  pkt.tcpWscale = c.wscale;
  pkt.payloadOffset = c.off;
  pkt.payloadLen = c.len;
  pkt.tsSec = c.tsSec;
  return pkt;
}
