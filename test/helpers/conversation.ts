/**
 * Timed conversations for fixture scripts: a `Timeline` of frames at microsecond times, written as a pcap
 * in time order, and a `TcpConversation` that keeps the sequence and acknowledgement numbers of both sides
 * (handshake, data cut to the MSS and acknowledged by the peer, FIN or RST teardown).
 *
 *   const tl = new Timeline();
 *   const c = new TcpConversation(tl, { client: { ip: '10.30.0.5', mac: CLIENT_MAC, port: 40000 }, server: {...} });
 *   let t = c.handshake(0);
 *   t = c.send('c', t, 'GET / HTTP/1.1\r\n...');
 *   t = c.send('s', t, response);
 *   c.close('c', t);
 *   fs.writeFileSync(out, tl.toPcap());
 *
 * Times are integer microseconds from the timeline's start (default 2026-01-01T00:00:00Z). Frames added at
 * the same time keep the order they were added in. Addresses with a `:` are IPv6.
 */
import { PcapWriter } from '../../src/capture/pcap-writer.js';
import { eth, type Ipv4Options, ipv4, ipv6, type Payload, type TcpOptionsSpec, tcp, toBytes } from './packets.js';

/** 2026-01-01T00:00:00Z in seconds. */
export const T2026 = 1_767_225_600;

/** Microseconds. */
export const MS = 1_000;
export const SEC = 1_000_000;

export interface Host {
  ip: string;
  mac: string;
}

interface TimedFrame {
  t: number;
  /** The bytes kept (the whole frame unless cut). */
  data: Uint8Array;
  /** The frame's length on the wire. */
  origlen: number;
}

/** Frames at microsecond times, written in time order. */
export class Timeline {
  private readonly frames: TimedFrame[] = [];

  constructor(readonly startSec: number = T2026) {}

  /** Adds a frame at `t` µs; `caplen` keeps only its first bytes (the rest counts in the record's origlen). */
  add(t: number, frame: Uint8Array, caplen?: number): void {
    if (!Number.isInteger(t) || t < 0) throw new Error(`frame time must be a whole number of microseconds: ${t}`);
    const keep = caplen !== undefined && caplen < frame.length ? frame.slice(0, caplen) : frame;
    this.frames.push({ t, data: keep, origlen: frame.length });
  }

  get length(): number {
    return this.frames.length;
  }

  /** The capture: classic pcap, Ethernet, microsecond timestamps, frames sorted by time (stable). */
  toPcap(): Uint8Array {
    const sorted = this.frames.slice().sort((a, b) => a.t - b.t);
    const w = new PcapWriter(undefined, { linkType: 1, nanosecond: false });
    for (const f of sorted) {
      w.write(f.data, this.startSec + Math.floor(f.t / SEC), (f.t % SEC) * 1000, f.origlen);
    }
    return w.toUint8Array();
  }
}

const isV6 = (ip: string): boolean => ip.includes(':');

/** An Ethernet frame from `src` to `dst` carrying an IPv4 or IPv6 packet around `l4` (a tcp()/udp()/icmp() result). */
export function ipFrame(src: Host, dst: Host, l4: Uint8Array, ip: Omit<Ipv4Options, 'src' | 'dst'> = {}): Uint8Array {
  const packet = isV6(src.ip)
    ? ipv6({ src: src.ip, dst: dst.ip, hopLimit: ip.ttl ?? 64 }, l4)
    : ipv4({ src: src.ip, dst: dst.ip, ...ip }, l4);
  return eth({ src: src.mac, dst: dst.mac }, packet);
}

export interface Endpoint extends Host {
  port: number;
}

export type Side = 'c' | 's';

export interface TcpConversationOptions {
  client: Endpoint;
  server: Endpoint;
  /** Initial sequence numbers. */
  clientIsn: number;
  serverIsn: number;
  /** Largest data per segment. Default 1460 (no TCP timestamps are sent). */
  mss?: number;
  /** Time the other side takes to answer (µs), as seen from the capture point. Default 2 ms. */
  rtt?: number;
  /** Window field of each side's segments after the SYN. Default 502 (64256 bytes with window scale 7). */
  window?: number;
  /** TTL or hop limit of each side. Default 64. */
  clientTtl?: number;
  serverTtl?: number;
  /** IPv4 identification of the first packet of each side (then +1 per packet). */
  clientIpId?: number;
  serverIpId?: number;
}

export interface SegmentOptions {
  /** Sequence number instead of the side's next one (the side's next moves only forward). */
  seq?: number;
  /** Acknowledgement number instead of the other side's next one. */
  ack?: number;
  options?: TcpOptionsSpec;
  window?: number;
  /** Keep only the headers of this segment in the capture (its data counts in origlen). */
  headersOnly?: boolean;
}

export interface SendOptions {
  /** Time between two segments of the burst (µs). Default 100. */
  spacing?: number;
  /** The peer acknowledges every n-th segment and the last one. Default 2. */
  ackEvery?: number;
  /** No acknowledgements from the peer (the caller sends them, or the peer stays silent). */
  noAck?: boolean;
  /** Keep only the headers of these segments (see `SegmentOptions.headersOnly`). */
  headersOnly?: boolean;
}

const SYN_OPTIONS: TcpOptionsSpec = { mss: 1460, sackPermitted: true, wscale: 7 };

/** One TCP connection: both sides' sequence numbers, and the frames it adds to a timeline. */
export class TcpConversation {
  /** Next sequence number of each side. */
  readonly next: Record<Side, number>;
  private readonly ipId: Record<Side, number>;
  readonly mss: number;
  readonly rtt: number;

  constructor(
    private readonly tl: Timeline,
    readonly opts: TcpConversationOptions,
  ) {
    this.next = { c: opts.clientIsn >>> 0, s: opts.serverIsn >>> 0 };
    this.ipId = { c: opts.clientIpId ?? 0x1000, s: opts.serverIpId ?? 0x8000 };
    this.mss = opts.mss ?? 1460;
    this.rtt = opts.rtt ?? 2 * MS;
  }

  /** One segment from `from` at `t`: sequence and acknowledgement from the state unless given; SYN, FIN and data move the side's next. */
  seg(from: Side, t: number, flags: string, data?: Payload, o: SegmentOptions = {}): void {
    const bytes = toBytes(data);
    const me = from === 'c' ? this.opts.client : this.opts.server;
    const peer = from === 'c' ? this.opts.server : this.opts.client;
    const other: Side = from === 'c' ? 's' : 'c';
    const seq = (o.seq ?? this.next[from]) >>> 0;
    const ack = flags.includes('A') ? (o.ack ?? this.next[other]) >>> 0 : 0;
    const syn = flags.includes('S');
    const segment = tcp(
      {
        sport: me.port,
        dport: peer.port,
        seq,
        ack,
        flags,
        window: o.window ?? (syn ? 64240 : (this.opts.window ?? 502)),
        options: o.options ?? (syn ? SYN_OPTIONS : undefined),
      },
      bytes,
    );
    const ttl = from === 'c' ? this.opts.clientTtl : this.opts.serverTtl;
    const frame = ipFrame(me, peer, segment, { ttl: ttl ?? 64, id: this.ipId[from], df: true });
    this.ipId[from] = (this.ipId[from] + 1) & 0xffff;
    const end = (seq + bytes.length + (syn ? 1 : 0) + (flags.includes('F') ? 1 : 0)) >>> 0;
    // Moves forward only (modulo 2^32): a retransmission or an explicit old seq leaves it.
    if (((end - this.next[from]) | 0) > 0) this.next[from] = end;
    this.tl.add(t, frame, o.headersOnly && bytes.length > 0 ? frame.length - bytes.length : undefined);
  }

  /** SYN, SYN-ACK, ACK; returns the time of the client's ACK. */
  handshake(t: number): number {
    this.seg('c', t, 'S');
    this.seg('s', t + this.rtt, 'SA');
    this.seg('c', t + this.rtt + 50, 'A');
    return t + this.rtt + 50;
  }

  /**
   * `data` from `from`, cut to the MSS, PSH on the last segment; the peer acknowledges every `ackEvery`
   * segments and the last one, one rtt after each. Returns the time of the last acknowledgement (or of
   * the last segment with `noAck`).
   */
  send(from: Side, t: number, data: Payload, o: SendOptions = {}): number {
    const bytes = toBytes(data);
    const spacing = o.spacing ?? 100;
    const every = o.ackEvery ?? 2;
    const other: Side = from === 'c' ? 's' : 'c';
    const count = Math.max(1, Math.ceil(bytes.length / this.mss));
    let last = t;
    for (let i = 0; i < count; i++) {
      const at = t + i * spacing;
      const isLast = i === count - 1;
      this.seg(from, at, isLast ? 'PA' : 'A', bytes.subarray(i * this.mss, (i + 1) * this.mss), { headersOnly: o.headersOnly });
      last = at;
      if (!o.noAck && ((i + 1) % every === 0 || isLast)) {
        this.seg(other, at + this.rtt, 'A');
        last = at + this.rtt;
      }
    }
    return last;
  }

  /** FIN from `from`, FIN from the other side, last ACK; returns the time of the last ACK. */
  close(from: Side, t: number): number {
    const other: Side = from === 'c' ? 's' : 'c';
    this.seg(from, t, 'FA');
    this.seg(other, t + this.rtt, 'FA');
    this.seg(from, t + this.rtt + 50, 'A');
    return t + this.rtt + 50;
  }

  /** A reset from `from` (with ACK, as a stack resetting an open connection sends it). */
  reset(from: Side, t: number): void {
    this.seg(from, t, 'RA');
  }
}

/** Deterministic filler bytes (opaque ciphertext-like data) from a 32-bit seed. */
export function opaque(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    // xorshift32
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
