/**
 * Issue #8 item 13: a ClientHello fragmented over several TLS records (legal, RFC 8446 §5.1) must be
 * detected and parsed as the unsplit one is: through the whole engine (decoder, flows, reassembly,
 * detection, parser), the flow's app_proto is `tls` from the bytes, and the SNI and JA3 equal the unsplit
 * case's, with `tls.client_hello_fragmented` raised. The handshake is cut after 1, 2, 3 (inside the
 * handshake header), 4 (right after it) and 40 bytes, and into records of 1 and 7 bytes. One split
 * capture is checked against tshark's SNI and JA3 when tshark is installed.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PcapWriter } from '../../../src/capture/pcap-writer.js';
import { createEngine } from '../../../src/engine.js';
import type { NetsieveEvent } from '../../../src/events.js';
import { probeTls } from '../../../src/protocols/tls/probe.js';
import { Probe } from '../../../src/protocols/module.js';
import { eth, ipv4, tcp } from '../../helpers/packets.js';
import { alpnExt, clientHelloBody, concat, ext, handshake, record, serverHelloRecord, sniExt, u16List, vec } from './helpers.js';

const T0 = 1_700_000_000;
const CLIENT = '10.1.0.1';
const SERVER = '10.1.0.2';

/** A ClientHello like a browser's: SNI, groups, point formats, ALPN (JA3 covers all of them). */
const CLIENT_HELLO = handshake(
  1,
  clientHelloBody({
    ciphers: [0x1301, 0x1302, 0xc02b, 0xc02f, 0x009c],
    extensions: [
      sniExt('fragmented.example.org'),
      ext(10, vec(2, u16List([29, 23, 24]))),
      ext(11, vec(1, [0])),
      alpnExt(['h2', 'http/1.1']),
      ext(13, vec(2, u16List([0x0403, 0x0804]))),
    ],
  }),
);

/** The handshake bytes in records of the given fragment sizes (the last takes the rest). */
function records(hs: Uint8Array, sizes: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  for (const n of sizes) {
    out.push(record(22, hs.subarray(at, at + n), 0x0301));
    at += n;
  }
  if (at < hs.length) out.push(record(22, hs.subarray(at), 0x0301));
  return out;
}

const sizesOf = (each: number): number[] => Array.from({ length: Math.ceil(CLIENT_HELLO.length / each) }, () => each);

/**
 * A whole TCP connection to port 443: handshake, the client's records (one TCP segment per `segmentRecords`
 * records), each acknowledged, the server's ServerHello, FIN both ways.
 */
function connection(clientRecords: Uint8Array[], segmentRecords: number): { data: Uint8Array; tsSec: number; tsNsec: number }[] {
  const sport = 51515;
  const dport = 443;
  let cseq = 1000;
  let sseq = 9000;
  const frames: Uint8Array[] = [];
  const cs = (flags: string, data?: Uint8Array) =>
    eth({}, ipv4({ src: CLIENT, dst: SERVER }, tcp({ sport, dport, flags, seq: cseq, ack: sseq }, data)));
  const sc = (flags: string, data?: Uint8Array) =>
    eth({}, ipv4({ src: SERVER, dst: CLIENT }, tcp({ sport: dport, dport: sport, flags, seq: sseq, ack: cseq }, data)));
  frames.push(eth({}, ipv4({ src: CLIENT, dst: SERVER }, tcp({ sport, dport, flags: 'S', seq: cseq - 1 }))));
  frames.push(
    eth({}, ipv4({ src: SERVER, dst: CLIENT }, tcp({ sport: dport, dport: sport, flags: 'SA', seq: sseq - 1, ack: cseq }))),
  );
  frames.push(cs('A'));
  for (let i = 0; i < clientRecords.length; i += segmentRecords) {
    const seg = concat(...clientRecords.slice(i, i + segmentRecords));
    frames.push(cs('PA', seg));
    cseq += seg.length;
    frames.push(sc('A'));
  }
  const sh = serverHelloRecord({ cipher: 0xc02f, extensions: [ext(11, vec(1, [0])), alpnExt(['h2'])] });
  frames.push(sc('PA', sh));
  sseq += sh.length;
  frames.push(cs('A'));
  frames.push(cs('FA'));
  cseq += 1;
  frames.push(sc('FA'));
  sseq += 1;
  frames.push(cs('A'));
  return frames.map((data, i) => ({ data, tsSec: T0, tsNsec: i * 1000 }));
}

interface Outcome {
  appProto: string | null;
  confidence: string | undefined;
  sni: string | null | undefined;
  ja3: string | undefined;
  ja3Hash: string | undefined;
  anomalies: string[];
}

function run(frames: { data: Uint8Array; tsSec: number; tsNsec: number }[]): Outcome {
  const events: NetsieveEvent[] = [];
  const engine = createEngine();
  engine.on('flow', (ev) => events.push(ev));
  engine.on('tls', (ev) => events.push(ev));
  engine.on('anomaly', (ev) => events.push(ev));
  for (const f of frames) engine.process(f);
  engine.close();
  const flow = events.find((e) => e.type === 'flow');
  const tls = events.find((e) => e.type === 'tls');
  return {
    appProto: flow?.type === 'flow' ? flow.appProto : null,
    confidence: flow?.type === 'flow' ? flow.appProtoConfidence : undefined,
    sni: tls?.type === 'tls' ? tls.tls.sni : undefined,
    ja3: tls?.type === 'tls' ? tls.tls.ja3?.string : undefined,
    ja3Hash: tls?.type === 'tls' ? tls.tls.ja3?.hash : undefined,
    anomalies: events.flatMap((e) => (e.type === 'anomaly' ? [e.anomaly.event] : [])),
  };
}

const SPLITS: [string, number[], number][] = [
  ['after 1 byte of handshake', [1], 1],
  ['after 2 bytes', [2], 1],
  ['after 3 bytes', [3], 1],
  ['after the 4-byte handshake header', [4], 1],
  ['after 40 bytes', [40], 1],
  ['after 1 and 2 more bytes, all records in one segment', [1, 2], 8],
  ['into 1-byte records, 16 per segment', sizesOf(1), 16],
  ['into 7-byte records, one per segment', sizesOf(7), 1],
];

describe('a ClientHello fragmented over TLS records, through the engine', () => {
  const whole = run(connection(records(CLIENT_HELLO, []), 1));

  it('the unsplit ClientHello: tls from the bytes, SNI, JA3, no fragmentation flagged', () => {
    expect(whole.appProto).toBe('tls');
    expect(whole.confidence).toBe('dpi');
    expect(whole.sni).toBe('fragmented.example.org');
    expect(whole.ja3).toBe('771,4865-4866-49195-49199-156,0-10-11-16-13,29-23-24,0');
    expect(whole.anomalies).not.toContain('tls.client_hello_fragmented');
  });

  it.for(SPLITS)('split %s: the same app_proto, SNI and JA3, and tls.client_hello_fragmented', ([, sizes, perSegment]) => {
    const got = run(connection(records(CLIENT_HELLO, sizes), perSegment));
    expect(got.appProto).toBe('tls');
    expect(got.confidence).toBe('dpi');
    expect(got.sni).toBe(whole.sni);
    expect(got.ja3).toBe(whole.ja3);
    expect(got.ja3Hash).toBe(whole.ja3Hash);
    expect(got.anomalies).toContain('tls.client_hello_fragmented');
  });

  it('a ClientHello over 2^14 bytes spans records by necessity: not flagged', () => {
    const big = handshake(1, clientHelloBody({ extensions: [sniExt('big.example.org'), ext(21, new Uint8Array(17000))] }));
    const got = run(connection(records(big, [16384]), 1));
    expect(got.appProto).toBe('tls');
    expect(got.sni).toBe('big.example.org');
    expect(got.anomalies).not.toContain('tls.client_hello_fragmented');
  });

  it('tshark reads the same SNI and JA3 from a split capture', (ctx) => {
    try {
      execFileSync('tshark', ['--version'], { stdio: 'ignore' });
    } catch {
      ctx.skip();
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-tls-frag-'));
    try {
      const file = path.join(dir, 'split.pcap');
      const writer = new PcapWriter(undefined, { linkType: 1, nanosecond: true });
      for (const f of connection(records(CLIENT_HELLO, [3]), 1)) writer.write(f.data, f.tsSec, f.tsNsec);
      fs.writeFileSync(file, writer.toUint8Array());
      const out = execFileSync(
        'tshark',
        [
          '-r',
          file,
          '-Y',
          'tls.handshake.type == 1',
          '-T',
          'fields',
          '-e',
          'tls.handshake.extensions_server_name',
          '-e',
          'tls.handshake.ja3_full',
        ],
        {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      );
      expect(out.trim().split('\t')).toEqual([whole.sni, whole.ja3]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('probeTls on a fragmented hello', () => {
  const split = (sizes: number[]): Uint8Array => concat(...records(CLIENT_HELLO, sizes));

  it('claims the hello whatever the first fragment size, once its 6 first handshake bytes are in', () => {
    for (const first of [1, 2, 3, 4, 5, 6, 40]) {
      const b = split([first]);
      expect(probeTls(b, 0, b.length), `first record of ${first}`).toBe(Probe.MINE);
    }
    const tiny = split(sizesOf(1));
    expect(probeTls(tiny, 0, tiny.length)).toBe(Probe.MINE);
  });

  it('asks for more while the handshake header is still cut', () => {
    const b = split([1]);
    // One record of 1 byte, then 5 bytes of the next record's header: the hello's length is not in yet.
    expect(probeTls(b, 0, 6 + 5)).toBe(Probe.NEED_MORE);
    expect(probeTls(b, 0, 6 + 6)).toBe(Probe.NEED_MORE);
  });

  it('refuses a hello whose next record is not a handshake record, or whose pieces are not a hello', () => {
    const alertNext = concat(record(22, CLIENT_HELLO.subarray(0, 2)), record(21, [2, 40]));
    expect(probeTls(alertNext, 0, alertNext.length)).toBe(Probe.NOT_MINE);
    const garbageNext = concat(record(22, CLIENT_HELLO.subarray(0, 2)), new Uint8Array([0x47, 0x45, 0x54, 0x20, 0x2f, 0x20]));
    expect(probeTls(garbageNext, 0, garbageNext.length)).toBe(Probe.NOT_MINE);
    const shortHello = concat(record(22, [1, 0]), record(22, [0, 10, 3, 3]));
    expect(probeTls(shortHello, 0, shortHello.length)).toBe(Probe.NOT_MINE);
    const badVersion = concat(record(22, [1, 0, 1, 0]), record(22, [7, 7]));
    expect(probeTls(badVersion, 0, badVersion.length)).toBe(Probe.NOT_MINE);
  });
});
