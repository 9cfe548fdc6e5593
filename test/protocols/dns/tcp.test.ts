/**
 * DNS over TCP: length-prefixed framing (several messages per segment, one message over many), caps,
 * gaps and resynchronisation, and split invariance: the same bytes fed whole, byte by byte and at seeded
 * random splits give deep-equal records and anomalies (hand-made streams and the corpus's real ones).
 */
import { describe, expect, it } from 'vitest';
import { corpusPath, corpusPresent } from '../../support/corpus.js';
import {
  anomalyNames,
  concatBytes,
  parseTcp,
  prng,
  query,
  response,
  rr,
  tcpFrame,
  tcpStreams,
  type Recorded,
  type StreamStep,
} from './helpers.js';

const Q = 0;
const R = 1;

const whole = (): number[] => [];
const byteByByte = (len: number): number[] => Array.from({ length: len }, (_, i) => i + 1);
function randomSplits(seed: number): (len: number) => number[] {
  const rnd = prng(seed);
  return (len) => {
    const cuts: number[] = [];
    let at = 0;
    for (;;) {
      at += 1 + Math.floor(rnd() * 40);
      if (at >= len) return cuts;
      cuts.push(at);
    }
  };
}

function snapshot(r: Recorded): unknown {
  return { records: r.records, types: r.types, anomalies: r.anomalies, stops: r.stops };
}

/** Feeds `steps` whole, byte by byte and at 20 seeded random splits; all must agree. Returns the whole-fed result. */
function splitInvariant(steps: StreamStep[]): Recorded {
  const base = parseTcp(steps, {}, whole);
  const want = snapshot(base);
  expect(snapshot(parseTcp(steps, {}, byteByByte)), 'byte by byte').toEqual(want);
  for (let seed = 1; seed <= 20; seed++) expect(snapshot(parseTcp(steps, {}, randomSplits(seed))), `seed ${seed}`).toEqual(want);
  return base;
}

const A = (i = 1) => [rr('a.example', 1, [10, 0, 0, i])];
const end: StreamStep[] = [
  { kind: 'end', dir: Q },
  { kind: 'end', dir: R },
];

describe('framing', () => {
  it('pipelined queries in one segment, out-of-order responses split anywhere', () => {
    const queries = concatBytes(...[1, 2, 3].map((i) => tcpFrame(query(`q${i}.example`, 1, i))));
    const responses = concatBytes(...[3, 1, 2].map((i) => tcpFrame(response(`q${i}.example`, 1, A(i), i))));
    const rec = splitInvariant([{ kind: 'data', dir: Q, bytes: queries }, { kind: 'data', dir: R, bytes: responses }, ...end]);
    expect(rec.records.map((m) => [m.type, m.id, m.txId, m.transport])).toEqual([
      ['query', 1, 0, 'tcp'],
      ['query', 2, 1, 'tcp'],
      ['query', 3, 2, 'tcp'],
      ['response', 3, 2, 'tcp'],
      ['response', 1, 0, 'tcp'],
      ['response', 2, 1, 'tcp'],
    ]);
    expect(anomalyNames(rec)).toEqual([]);
  });

  it('a FORMERR response with empty sections at the start of its direction', () => {
    const formerr = Uint8Array.from([0, 1, 0x81, 0x81, 0, 0, 0, 0, 0, 0, 0, 0]);
    const rec = splitInvariant([
      { kind: 'data', dir: Q, bytes: tcpFrame(query('a.example', 1, 1)) },
      { kind: 'data', dir: R, bytes: tcpFrame(formerr) },
      ...end,
    ]);
    expect(rec.records.map((m) => m.rcodeName)).toEqual(['NOERROR', 'FORMERR']);
    expect(anomalyNames(rec)).toEqual([]);
  });

  it('dns.malformed_header: a frame shorter than a header is skipped, framing goes on', () => {
    const bytes = concatBytes(
      tcpFrame(query('a.example', 1, 1)),
      Uint8Array.from([0, 5, 1, 2, 3, 4, 5]),
      tcpFrame(query('b.example', 1, 2)),
    );
    const rec = splitInvariant([{ kind: 'data', dir: Q, bytes }]);
    expect(rec.records.map((m) => m.questions[0]!.name)).toEqual(['a.example', 'b.example']);
    expect(anomalyNames(rec)).toEqual(['dns.malformed_header']);
  });

  it('dns.tcp_message_too_large: skipped by count, not buffered', () => {
    const big = response(
      'a.example',
      1,
      Array.from({ length: 20 }, (_, i) => rr('a.example', 1, [10, 0, 0, i])),
      1,
    );
    const bytes = concatBytes(tcpFrame(query('a.example', 1, 1)), tcpFrame(big), tcpFrame(response('a.example', 1, A(), 1)));
    const rec = parseTcp(
      [
        { kind: 'data', dir: Q, bytes: tcpFrame(query('a.example', 1, 1)) },
        { kind: 'data', dir: R, bytes: bytes.subarray(tcpFrame(query('a.example', 1, 1)).length) },
        ...end,
      ],
      { maxTcpMessageSize: 200 },
    );
    expect(anomalyNames(rec)).toEqual(['dns.tcp_message_too_large']);
    expect(rec.records.map((m) => [m.type, m.answers.length])).toEqual([
      ['query', 0],
      ['response', 1],
    ]);
  });

  it('dns.tcp_incomplete_message: a direction ends inside a message', () => {
    const f = tcpFrame(query('a.example', 1, 1));
    const rec = parseTcp([{ kind: 'data', dir: Q, bytes: f.subarray(0, 10) }, ...end]);
    expect(anomalyNames(rec)).toEqual(['dns.tcp_incomplete_message']);
    expect(rec.records).toEqual([]);
  });
});

describe('gaps and resynchronisation', () => {
  const f1 = tcpFrame(query('one.example', 1, 1));
  const f2 = tcpFrame(query('two.example', 1, 2));
  const f3 = tcpFrame(query('three.example', 1, 3));

  it('dns.gap_in_message: a gap of known length inside a message drops it and keeps framing', () => {
    const rec = splitInvariant([
      { kind: 'data', dir: Q, bytes: concatBytes(f1, f2.subarray(0, 10)) },
      { kind: 'gap', dir: Q, length: 5 },
      { kind: 'data', dir: Q, bytes: concatBytes(f2.subarray(15), f3) },
    ]);
    expect(rec.records.map((m) => m.id)).toEqual([1, 3]);
    expect(anomalyNames(rec)).toEqual(['dns.gap_in_message']);
  });

  it('dns.resync: after a gap of unknown length, the next message start is searched', () => {
    const rec = splitInvariant([
      { kind: 'data', dir: Q, bytes: concatBytes(f1, f2.subarray(0, 10)) },
      { kind: 'gap', dir: Q, length: -1 },
      { kind: 'data', dir: Q, bytes: concatBytes(f2.subarray(20), f3) },
    ]);
    expect(rec.records.map((m) => m.id)).toEqual([1, 3]);
    expect(anomalyNames(rec)).toEqual(['dns.gap_in_message', 'dns.resync']);
  });

  it('a stream picked up mid-message resynchronises', () => {
    const rec = splitInvariant([{ kind: 'data', dir: Q, bytes: concatBytes(f1.subarray(7), f2, f3) }]);
    expect(rec.records.map((m) => m.id)).toEqual([2, 3]);
    expect(anomalyNames(rec)).toEqual(['dns.resync']);
  });

  it('a message start far beyond the first window is still found', () => {
    const junk = new Uint8Array(20_000).fill(0x41);
    const rec = splitInvariant([{ kind: 'data', dir: Q, bytes: concatBytes(junk, f1, f2) }]);
    expect(rec.records.map((m) => m.id)).toEqual([1, 2]);
    expect(anomalyNames(rec)).toEqual(['dns.resync']);
  });

  it('dns.resync_failed: no message start within the search limit; the flow is given up', () => {
    const junk = new Uint8Array(65535 + 2 + 4096).fill(0x41);
    const rec = parseTcp([
      { kind: 'data', dir: Q, bytes: junk },
      { kind: 'data', dir: Q, bytes: f1 },
    ]);
    expect(anomalyNames(rec)).toEqual(['dns.resync_failed']);
    expect(rec.stops).toEqual(['dns.resync_failed']);
    expect(rec.records).toEqual([]);
  });
});

const TCP_CAPTURES = ['tcpdump_dns_tcp.pcap', 'deepflow_dns-tcp-multi.pcap', 'ndpi_dns_fragmented.pcap'];

describe.skipIf(!corpusPresent)('split invariance on real DNS-over-TCP streams', () => {
  it.each(TCP_CAPTURES)('%s', async (file) => {
    let messages = 0;
    for (const s of await tcpStreams(corpusPath(file))) {
      if (s.serverPort !== 53) continue;
      // The reassembled chunks joined per direction run, then re-split.
      const rec = splitInvariant(s.steps);
      messages += rec.records.length;
    }
    expect(messages).toBeGreaterThan(0);
  });
});
