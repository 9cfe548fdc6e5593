/**
 * Shared by the TLS tests: a recording sink, feeding stream steps at any split, builders for records,
 * hellos, extensions and certificate messages, and the TCP streams of real captures (engine stream hook).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Direction } from '../../../src/flow/stream.js';
import type { TlsHandshake } from '../../../src/protocols/tls/index.js';
import { TLS_ANOMALIES, TlsFlowParser } from '../../../src/protocols/tls/index.js';
import { TLS_DEFAULTS, type TlsOptions } from '../../../src/protocols/tls/options.js';
import type { AppEventSink, ServerNameSource } from '../../../src/protocols/module.js';

// ------------------------------------------------------------------ recording sink

export interface Recorded {
  records: TlsHandshake[];
  types: string[];
  anomalies: { name: string; direction: Direction | undefined }[];
  stops: string[];
  /** Each `serverName` report (not in `log`: the case corpus predates it). */
  serverNames: { name: string | null; source: ServerNameSource }[];
  /** Everything in order, one line each (the case corpus's `log` format). */
  log: string[];
}

const hex4 = (v: number | null): string => (v === null ? '-' : v.toString(16).padStart(4, '0'));

/** `record <state> version=<hex> sni=<name|-> alpn=<offered>/<chosen> cipher=<hex|-> certs=<n>`. */
export function recordLine(r: TlsHandshake): string {
  return `record ${r.state} version=${hex4(r.version)} sni=${r.sni ?? '-'} alpn=${r.clientAlpns.join(',')}/${r.serverAlpn ?? '-'} cipher=${hex4(r.cipherSuite)} certs=${r.certificates.length}`;
}

/** A recording sink; `recordsWanted` is what the parser is told about readers of its records. */
export function recorder(recordsWanted = true): AppEventSink<TlsHandshake> & Recorded {
  const rec: AppEventSink<TlsHandshake> & Recorded = {
    recordsWanted,
    records: [],
    types: [],
    anomalies: [],
    stops: [],
    serverNames: [],
    log: [],
    emit(record: TlsHandshake) {
      rec.types.push('tls');
      rec.records.push(record);
      rec.log.push(recordLine(record));
    },
    anomaly(code: number, direction?: Direction) {
      const name = TLS_ANOMALIES[code] ?? `tls.code_${code}`;
      rec.anomalies.push({ name, direction });
      rec.log.push(`anomaly ${name}@${direction ?? '-'}`);
    },
    serverName(name: string | null, source: ServerNameSource) {
      rec.serverNames.push({ name, source });
    },
    stop(reason: string) {
      rec.stops.push(reason);
      rec.log.push(`stop ${reason}`);
    },
  };
  return rec;
}

export function names(r: Recorded): string[] {
  return r.anomalies.map((a) => a.name);
}

export type { StreamStep } from '../../support/streams.js';
export { mulberry32 as prng } from '../../support/streams.js';
import { captureStreams as captureAll, type StreamStep } from '../../support/streams.js';

export const data = (dir: Direction, ...parts: (Uint8Array | number[])[]): StreamStep => ({
  kind: 'data',
  dir,
  bytes: concat(...parts),
});
export const end = (dir: Direction): StreamStep => ({ kind: 'end', dir });
export const gap = (dir: Direction, length: number): StreamStep => ({ kind: 'gap', dir, length });

/**
 * Feeds steps to a fresh parser. Each data step is cut at `split(len)` boundaries; every chunk is a fresh
 * buffer with bytes around it, overwritten after the call (the parser must copy what it keeps).
 */
export function run(steps: StreamStep[], options: Partial<TlsOptions> = {}, split?: (len: number) => number[]): Recorded {
  const sink = recorder();
  const p = new TlsFlowParser(sink, { ...TLS_DEFAULTS, ...options });
  for (const s of steps) {
    if (sink.stops.length > 0) break;
    if (s.kind === 'data') {
      const cuts = split ? split(s.bytes.length) : [];
      let from = 0;
      for (const c of [...cuts, s.bytes.length]) {
        if (c <= from) continue;
        const chunk = new Uint8Array(c - from + 8);
        chunk.set(s.bytes.subarray(from, c), 4);
        p.onData(s.dir, chunk, 4, 4 + c - from);
        chunk.fill(0xee);
        from = c;
        if (sink.stops.length > 0) break;
      }
    } else if (s.kind === 'gap') {
      p.onGap(s.dir, s.length);
    } else {
      p.onEnd(s.dir, 'fin');
    }
  }
  return sink;
}

/** Every byte its own chunk. */
export const byteByByte = (len: number): number[] => Array.from({ length: len }, (_, i) => i + 1);

/** Random cut points for one data step. */
export function randomSplit(rand: () => number): (len: number) => number[] {
  return (len) => {
    const cuts: number[] = [];
    let at = 0;
    while (at < len) {
      at += 1 + Math.floor(rand() * Math.min(len, 64));
      if (at < len) cuts.push(at);
    }
    return cuts;
  };
}

// ------------------------------------------------------------------ builders

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** A certificate of `fixtures/<name>.der.b64` (made with openssl for these tests). */
export const der = (name: string): Uint8Array =>
  Uint8Array.from(Buffer.from(fs.readFileSync(path.join(FIXTURES, `${name}.der.b64`), 'utf8'), 'base64'));

export function concat(...parts: (Uint8Array | number[])[]): Uint8Array {
  const arrs = parts.map((p) => (p instanceof Uint8Array ? p : Uint8Array.from(p)));
  const out = new Uint8Array(arrs.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of arrs) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export const u8 = (v: number): number[] => [v & 0xff];
export const u16 = (v: number): number[] => [(v >>> 8) & 0xff, v & 0xff];
export const u24 = (v: number): number[] => [(v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];

/** `len(lenBytes) || body`. */
export function vec(lenBytes: 1 | 2 | 3, body: Uint8Array | number[]): Uint8Array {
  const b = body instanceof Uint8Array ? body : Uint8Array.from(body);
  const len = lenBytes === 1 ? u8(b.length) : lenBytes === 2 ? u16(b.length) : u24(b.length);
  return concat(len, b);
}

/** One TLS record. */
export function record(type: number, body: Uint8Array | number[], version = 0x0303): Uint8Array {
  const b = body instanceof Uint8Array ? body : Uint8Array.from(body);
  return concat([type], u16(version), u16(b.length), b);
}

/** One handshake message (type, 3-byte length, body). */
export function handshake(type: number, body: Uint8Array | number[]): Uint8Array {
  return concat([type], vec(3, body));
}

export function ext(type: number, body: Uint8Array | number[] = []): Uint8Array {
  return concat(u16(type), vec(2, body));
}

export const ascii = (s: string): number[] => [...Buffer.from(s, 'latin1')];

export function sniExt(name: string, nameType = 0): Uint8Array {
  return ext(0, vec(2, concat([nameType], vec(2, ascii(name)))));
}

export function alpnExt(protos: string[]): Uint8Array {
  return ext(16, vec(2, concat(...protos.map((p) => vec(1, ascii(p))))));
}

export const u16List = (vals: number[]): number[] => vals.flatMap(u16);

export interface ClientHelloSpec {
  version?: number;
  random?: number[];
  sessionId?: number[];
  ciphers?: number[];
  compression?: number[];
  /** Extensions already encoded; undefined: none (no extensions block at all). */
  extensions?: Uint8Array[];
}

export function clientHelloBody(s: ClientHelloSpec = {}): Uint8Array {
  const random = s.random ?? Array.from({ length: 32 }, (_, i) => i);
  const parts: (Uint8Array | number[])[] = [
    u16(s.version ?? 0x0303),
    random,
    vec(1, s.sessionId ?? []),
    vec(2, u16List(s.ciphers ?? [0xc02f, 0xc030, 0x009e])),
    vec(1, s.compression ?? [0]),
  ];
  if (s.extensions !== undefined) parts.push(vec(2, concat(...s.extensions)));
  return concat(...parts);
}

export interface ServerHelloSpec {
  version?: number;
  random?: number[];
  sessionId?: number[];
  cipher?: number;
  compression?: number;
  extensions?: Uint8Array[];
}

export function serverHelloBody(s: ServerHelloSpec = {}): Uint8Array {
  const random = s.random ?? Array.from({ length: 32 }, (_, i) => 0x80 + i);
  const parts: (Uint8Array | number[])[] = [
    u16(s.version ?? 0x0303),
    random,
    vec(1, s.sessionId ?? []),
    u16(s.cipher ?? 0xc02f),
    [s.compression ?? 0],
  ];
  if (s.extensions !== undefined) parts.push(vec(2, concat(...s.extensions)));
  return concat(...parts);
}

export const clientHelloRecord = (s: ClientHelloSpec = {}, recordVersion = 0x0301): Uint8Array =>
  record(22, handshake(1, clientHelloBody(s)), recordVersion);
export const serverHelloRecord = (s: ServerHelloSpec = {}): Uint8Array => record(22, handshake(2, serverHelloBody(s)));

/** A Certificate message body from DERs. */
export function certificateBody(ders: Uint8Array[]): Uint8Array {
  return vec(3, concat(...ders.map((d) => vec(3, d))));
}

export const CCS = record(20, [1]);
export const SERVER_HELLO_DONE = record(22, handshake(14, []));

/**
 * A typical TLS 1.2 full handshake: client hello, server hello + certificate + done, client key exchange +
 * CCS + finished (encrypted), server CCS + finished, then application data.
 */
export function tls12Flow(ch: ClientHelloSpec, sh: ServerHelloSpec, ders: Uint8Array[]): StreamStep[] {
  const shMsg = handshake(2, serverHelloBody(sh));
  const certMsg = handshake(11, certificateBody(ders));
  return [
    data(0, clientHelloRecord(ch)),
    data(1, record(22, concat(shMsg, certMsg, handshake(14, [])))),
    data(0, record(22, handshake(16, vec(1, Array(65).fill(4)))), CCS, record(22, Array(40).fill(0x55))),
    data(1, CCS, record(22, Array(40).fill(0x66))),
    data(0, record(23, Array(100).fill(0x77))),
    data(1, record(23, Array(300).fill(0x88))),
    end(0),
    end(1),
  ];
}

// ------------------------------------------------------------------ real streams from captures

export type { CapturedStream } from '../../support/streams.js';

/** Every TCP flow of a capture as stream steps (bytes copied), in the order the engine delivered them. */
export const captureStreams = (file: string) => captureAll(file, { depth: 0 });
