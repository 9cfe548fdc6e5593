/**
 * Shared by the DNS tests: a recording sink, a DNS message builder, and real UDP datagrams and TCP streams
 * taken from captures (the decoder for UDP, the engine's stream hook for TCP).
 */
import { readAllPackets } from '../../../src/capture/reader.js';
import { Decoder } from '../../../src/decode/decoder.js';
import { DecodedPacket, IpProto } from '../../../src/decode/packet.js';
import type { Direction } from '../../../src/flow/stream.js';
import { defaultOptions } from '../../../src/options.js';
import type { DnsMessage, DnsVariant } from '../../../src/protocols/dns/index.js';
import { DNS_ANOMALIES, DnsTcpParser, DnsUdpParser, resolveDnsOptions } from '../../../src/protocols/dns/index.js';
import type { DnsOptions } from '../../../src/protocols/dns/options.js';
import type { AppEventSink } from '../../../src/protocols/module.js';

// ------------------------------------------------------------------ recording sink

export interface Recorded {
  records: DnsMessage[];
  /** Event types emitted, in order (`dns`, `mdns`, `llmnr`). */
  types: string[];
  anomalies: { name: string; direction: Direction | undefined }[];
  stops: string[];
}

/** A sink recording what a parser emits; `type` is the event type the module gives its records. */
export function recorder(type: DnsVariant = 'dns'): AppEventSink<DnsMessage> & Recorded {
  const rec: AppEventSink<DnsMessage> & Recorded = {
    recordsWanted: true,
    records: [],
    types: [],
    anomalies: [],
    stops: [],
    emit(record: DnsMessage) {
      rec.types.push(type);
      rec.records.push(record);
    },
    anomaly(code: number, direction?: Direction) {
      rec.anomalies.push({ name: DNS_ANOMALIES[code] ?? `dns.code_${code}`, direction });
    },
    serverName() {
      throw new Error('DNS reports no server name');
    },
    stop(reason: string) {
      rec.stops.push(reason);
    },
  };
  return rec;
}

export function anomalyNames(r: Recorded): string[] {
  return r.anomalies.map((a) => a.name);
}

/** Parses datagrams with a fresh UDP parser; returns what it emitted. */
export function parseUdp(
  datagrams: { dir: Direction; bytes: Uint8Array }[],
  options: Partial<DnsOptions> = {},
  variant: DnsVariant = 'dns',
  end = true,
): Recorded {
  const sink = recorder(variant);
  const p = new DnsUdpParser(sink, resolveDnsOptions(options), variant);
  for (const d of datagrams) p.onDatagram(d.dir, d.bytes, 0, d.bytes.length);
  if (end) p.onEnd();
  return sink;
}

/** One message both ways: a query to the server, optionally its response. */
export function parseOne(
  bytes: Uint8Array,
  dir: Direction = 0,
  options: Partial<DnsOptions> = {},
  variant: DnsVariant = 'dns',
): { msg: DnsMessage | undefined; anomalies: string[]; rec: Recorded } {
  const rec = parseUdp([{ dir, bytes }], options, variant, false);
  return { msg: rec.records[0], anomalies: anomalyNames(rec), rec };
}

export type { StreamStep } from '../../support/streams.js';
export { mulberry32 as prng } from '../../support/streams.js';
import { captureStreams, type StreamStep } from '../../support/streams.js';

/** Feeds stream steps to a fresh TCP parser, each data step split at the given chunk boundaries. */
export function parseTcp(
  steps: StreamStep[],
  options: Partial<DnsOptions> = {},
  split?: (len: number) => number[],
  variant: DnsVariant = 'dns',
): Recorded {
  const sink = recorder(variant);
  const p = new DnsTcpParser(sink, resolveDnsOptions(options), variant);
  for (const s of steps) {
    if (sink.stops.length > 0) break;
    if (s.kind === 'data') {
      const cuts = split ? split(s.bytes.length) : [];
      let from = 0;
      for (const c of [...cuts, s.bytes.length]) {
        if (c <= from) continue;
        // A fresh copy per chunk, in a bigger buffer: the parser must honour start/end and copy what it keeps.
        const chunk = new Uint8Array(c - from + 8);
        chunk.set(s.bytes.subarray(from, c), 4);
        p.onData(s.dir, chunk, 4, 4 + c - from);
        chunk.fill(0xee);
        from = c;
      }
    } else if (s.kind === 'gap') {
      p.onGap(s.dir, s.length);
    } else {
      p.onEnd(s.dir, 'fin');
    }
  }
  return sink;
}

// ------------------------------------------------------------------ seeded randomness

// ------------------------------------------------------------------ message builder

/** Wire form of a name without compression (`.` or '' is the root). Labels may hold any byte via `\DDD`-free raw strings. */
export function encodeName(name: string): number[] {
  if (name === '.' || name === '') return [0];
  const out: number[] = [];
  for (const label of name.replace(/\.$/, '').split('.')) {
    const bytes = Buffer.from(label, 'utf8');
    out.push(bytes.length, ...bytes);
  }
  out.push(0);
  return out;
}

export function u16be(v: number): number[] {
  return [(v >>> 8) & 0xff, v & 0xff];
}

export function u32be(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

export interface BuildQuestion {
  name: string;
  type: number;
  class?: number;
}

export interface BuildRR {
  /** A name, or raw owner-name bytes (to write pointers). */
  name: string | number[];
  type: number;
  class?: number;
  ttl?: number;
  rdata: number[];
}

export interface BuildMessage {
  id?: number;
  /** The 16-bit flags word (QR, opcode, AA, TC, RD, RA, Z, AD, CD, rcode). Default 0x0100 (RD). */
  flags?: number;
  questions?: BuildQuestion[];
  answers?: BuildRR[];
  authorities?: BuildRR[];
  additionals?: BuildRR[];
  /** Header counts to write instead of the true ones. */
  counts?: [number, number, number, number];
}

export function rr(name: BuildRR['name'], type: number, rdata: number[], ttl = 300, cls = 1): BuildRR {
  return { name, type, rdata, ttl, class: cls };
}

export function buildMessage(m: BuildMessage): Uint8Array {
  const q = m.questions ?? [];
  const an = m.answers ?? [];
  const ns = m.authorities ?? [];
  const ar = m.additionals ?? [];
  const counts = m.counts ?? [q.length, an.length, ns.length, ar.length];
  const out: number[] = [...u16be(m.id ?? 0x1234), ...u16be(m.flags ?? 0x0100), ...counts.flatMap(u16be)];
  for (const x of q) out.push(...encodeName(x.name), ...u16be(x.type), ...u16be(x.class ?? 1));
  for (const r of [...an, ...ns, ...ar]) {
    out.push(
      ...(typeof r.name === 'string' ? encodeName(r.name) : r.name),
      ...u16be(r.type),
      ...u16be(r.class ?? 1),
      ...u32be(r.ttl ?? 300),
      ...u16be(r.rdata.length),
      ...r.rdata,
    );
  }
  return Uint8Array.from(out);
}

/** A DNS-over-TCP frame: the 2-byte length, then the message. */
export function tcpFrame(msg: Uint8Array): Uint8Array {
  const out = new Uint8Array(msg.length + 2);
  out[0] = msg.length >>> 8;
  out[1] = msg.length & 0xff;
  out.set(msg, 2);
  return out;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A query for `name`/`type` with id `id`, and a response with the given answers. */
export function query(name: string, type = 1, id = 0x1234, flags = 0x0100): Uint8Array {
  return buildMessage({ id, flags, questions: [{ name, type }] });
}

export function response(
  name: string,
  type: number,
  answers: BuildRR[],
  id = 0x1234,
  flags = 0x8180,
  extra: Partial<BuildMessage> = {},
): Uint8Array {
  return buildMessage({ id, flags, questions: [{ name, type }], answers, ...extra });
}

// ------------------------------------------------------------------ real traffic from captures

export interface UdpDatagram {
  /** Flow key (client/server addresses and ports). */
  flow: string;
  direction: Direction;
  serverPort: number;
  clientPort: number;
  payload: Uint8Array;
}

function addrKey(words: Uint32Array): string {
  return Array.from(words, (w) => w.toString(16)).join(':');
}

/** Every UDP payload of a capture (IP fragments reassembled), with its flow and direction (client = first sender). */
export function udpDatagrams(path: string): UdpDatagram[] {
  const o = defaultOptions();
  const decoder = new Decoder({ decode: o.decode, fragments: o.fragments });
  const pkt = new DecodedPacket();
  const clients = new Map<string, string>();
  const out: UdpDatagram[] = [];
  let packets;
  try {
    packets = readAllPackets(path);
  } catch {
    return out;
  }
  for (const p of packets) {
    if (!decoder.decode(p.data, 0, p.caplen, p.origlen, p.linkType, p.tsSec, p.tsNsec, pkt)) continue;
    if (pkt.ipProto !== IpProto.UDP || pkt.l4Offset === 0) continue;
    const src = `${addrKey(pkt.src)}/${pkt.srcPort}`;
    const dst = `${addrKey(pkt.dst)}/${pkt.dstPort}`;
    const key = src < dst ? `${src}|${dst}` : `${dst}|${src}`;
    let client = clients.get(key);
    if (client === undefined) clients.set(key, (client = src));
    const toServer = client === src;
    out.push({
      flow: key,
      direction: toServer ? 0 : 1,
      serverPort: toServer ? pkt.dstPort : pkt.srcPort,
      clientPort: toServer ? pkt.srcPort : pkt.dstPort,
      payload: pkt.data.slice(pkt.payloadOffset, pkt.payloadOffset + pkt.payloadLen),
    });
  }
  return out;
}

export type { CapturedStream as TcpStreamCapture } from '../../support/streams.js';

/** Every TCP flow of a capture as the engine reassembles it: its stream steps in delivery order. */
export const tcpStreams = (path: string) => captureStreams(path);
