/**
 * Split invariance (the same bytes whole, byte by byte and at seeded random splits give deep-equal records
 * and anomalies), seeded fuzzing of records and hellos, and the probe.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Direction } from '../../../src/flow/stream.js';
import { parseClientHello, parseServerHello } from '../../../src/protocols/tls/parser.js';
import { probeTls } from '../../../src/protocols/tls/probe.js';
import { TLS_DEFAULTS } from '../../../src/protocols/tls/options.js';
import { Probe } from '../../../src/protocols/module.js';
import { CORPUS_DIR, corpusPresent } from '../../support/corpus.js';
import {
  alpnExt,
  byteByByte,
  captureStreams,
  CCS,
  certificateBody,
  clientHelloBody,
  clientHelloRecord,
  data,
  der,
  end,
  ext,
  gap,
  handshake,
  prng,
  randomSplit,
  type Recorded,
  record,
  run,
  serverHelloBody,
  serverHelloRecord,
  sniExt,
  type StreamStep,
  tls12Flow,
  u16,
  u16List,
  u24,
  vec,
} from './helpers.js';

const LEAF_EC = der('leaf-ec');
const CA_RSA = der('ca-rsa');

const CH_EXTS = [
  sniExt('split.example'),
  alpnExt(['h2', 'http/1.1']),
  ext(10, vec(2, u16List([29, 23]))),
  ext(11, vec(1, [0])),
  ext(13, vec(2, u16List([0x0403]))),
  ext(15, [1]),
];

const STATUS = record(22, handshake(22, [1, ...u24(40), ...Array(40).fill(0x16)]));
const FILLER = record(22, handshake(12, Array(100).fill(0)));

const FLOWS: [string, StreamStep[]][] = [
  [
    'a gap across records, then resynchronisation',
    [
      data(0, clientHelloRecord({ extensions: CH_EXTS })),
      data(1, serverHelloRecord(), STATUS.subarray(0, 12)),
      gap(1, 50),
      data(1, FILLER.subarray(9), record(22, handshake(11, certificateBody([LEAF_EC]))), record(22, handshake(14, [])), CCS),
      data(0, CCS),
      end(0),
      end(1),
    ],
  ],
  [
    'TLS 1.2 with a chain',
    tls12Flow({ extensions: CH_EXTS }, { extensions: [ext(0xff01, [0]), ext(15, [1])] }, [LEAF_EC, CA_RSA]),
  ],
  [
    'TLS 1.3',
    [
      data(
        0,
        clientHelloRecord({
          ciphers: [0x1301],
          extensions: [
            ...CH_EXTS,
            ext(43, vec(1, u16List([0x0304]))),
            ext(51, vec(2, [...u16(29), ...vec(2, Array(32).fill(1))])),
          ],
        }),
      ),
      data(
        1,
        serverHelloRecord({
          cipher: 0x1301,
          extensions: [ext(43, u16(0x0304)), ext(51, [...u16(29), ...vec(2, Array(32).fill(2))])],
        }),
        CCS,
        record(23, Array(3000).fill(3)),
      ),
      end(0),
      end(1),
    ],
  ],
  [
    'anomalies and a heartbeat',
    [
      data(
        0,
        clientHelloRecord({ sessionId: Array(33).fill(1), extensions: [...CH_EXTS, ext(23), ext(23)] }),
        record(24, [1, 0x40, 0, 1]),
      ),
      data(1, serverHelloRecord({ cipher: 0x1234, compression: 1 }), record(21, [9, 9, 9])),
      gap(1, 30),
      end(0),
      end(1),
    ],
  ],
];

/** What a run produced, without the sink's methods. */
const outcome = (r: Recorded) => ({ records: r.records, types: r.types, anomalies: r.anomalies, stops: r.stops });

function check(steps: StreamStep[], seed: number): void {
  const whole = outcome(run(steps));
  expect(outcome(run(steps, {}, byteByByte))).toEqual(whole);
  const rand = prng(seed);
  for (let i = 0; i < 20; i++) expect(outcome(run(steps, {}, randomSplit(rand)))).toEqual(whole);
}

describe('split invariance', () => {
  FLOWS.forEach(([name, steps], i) => {
    it(`${name}: whole, byte by byte and 20 seeded random splits agree`, () => check(steps, 1000 + i));
  });

  it.skipIf(!corpusPresent)(
    'every TLS stream of the real captures',
    async () => {
      let checked = 0;
      for (const file of [
        'zeek_tls-chrome-x25519-kyber.pcap',
        'zeek_tls-openjdk-sll2.pcap',
        'ndpi_tls_2_reasms.pcapng',
        'ndpi_tls_with_huge_ch.pcapng',
        'ndpi_netflix.pcap',
        'ndpi_1kxun.pcap',
      ]) {
        for (const s of await captureStreams(path.join(CORPUS_DIR, file))) {
          const first = s.steps.find((x) => x.kind === 'data');
          if (first?.kind !== 'data' || probeTls(first.bytes, 0, first.bytes.length) !== Probe.MINE) continue;
          // Byte by byte is quadratic in nothing but slow in vitest's deep-equal of large steps: random splits plus whole.
          const whole = outcome(run(s.steps));
          expect(whole.records).toHaveLength(1);
          const rand = prng(checked + 7);
          for (let i = 0; i < 5; i++) expect(outcome(run(s.steps, {}, randomSplit(rand)))).toEqual(whole);
          expect(outcome(run(s.steps, {}, byteByByte))).toEqual(whole);
          checked++;
        }
      }
      expect(checked).toBeGreaterThanOrEqual(25);
    },
    30000,
  );
});

// ------------------------------------------------------------------ fuzzing

function mutate(bytes: Uint8Array, rand: () => number): Uint8Array {
  let c = bytes.slice();
  const n = 1 + Math.floor(rand() * 6);
  for (let k = 0; k < n; k++) {
    const at = Math.floor(rand() * c.length);
    switch (Math.floor(rand() * 5)) {
      case 0:
        c[at] = Math.floor(rand() * 256);
        break;
      case 1:
        c[at] = [0, 1, 0x7f, 0x80, 0xff, 0x16, 0x03][Math.floor(rand() * 7)]!;
        break;
      case 2:
        c[at] = (c[at]! + (rand() < 0.5 ? 1 : -1)) & 0xff; // lengths off by one
        break;
      case 3:
        c = c.subarray(0, at);
        break;
      default: {
        // Duplicate a slice (repeated extensions, records).
        const len = Math.floor(rand() * 40);
        const out = new Uint8Array(c.length + len);
        out.set(c.subarray(0, at));
        out.set(c.subarray(at, at + len), at);
        out.set(c.subarray(at), at + Math.min(len, c.length - at));
        c = out;
      }
    }
  }
  return c;
}

describe('fuzzing (seeded)', () => {
  const limits = { ...TLS_DEFAULTS };
  const seeds: StreamStep[][] = FLOWS.map((f) => f[1]);

  it('10000 mutated connections: no exception, at most one record, bounded anomalies', () => {
    const rand = prng(0xdec0de);
    for (let i = 0; i < 10000; i++) {
      const base = seeds[i % seeds.length]!;
      const steps = base.map((s) => (s.kind === 'data' && rand() < 0.6 ? { ...s, bytes: mutate(s.bytes, rand) } : s));
      const total = steps.reduce((n, s) => n + (s.kind === 'data' ? s.bytes.length : 0), 0);
      const r = run(
        steps,
        { afterHandshake: i % 2 === 0 ? 'stop' : 'track', maxListLength: 64 },
        i % 3 === 0 ? randomSplit(rand) : undefined,
      );
      expect(r.records.length).toBeLessThanOrEqual(1);
      expect(r.anomalies.length).toBeLessThanOrEqual(total + 16);
      expect(r.stops.length).toBeLessThanOrEqual(1);
    }
  }, 30000);

  it('5000 random byte streams (with and without a TLS-looking first header)', () => {
    const rand = prng(42);
    for (let i = 0; i < 5000; i++) {
      const len = Math.floor(rand() * 600);
      const b = new Uint8Array(len);
      for (let k = 0; k < len; k++) b[k] = Math.floor(rand() * 256);
      if (i % 2 === 0 && len > 5) b.set([0x16, 3, 1 + (i % 3)], 0);
      const r = run([data((i % 2) as 0 | 1, b), data(((i + 1) % 2) as 0 | 1, b.subarray(len >> 1)), end(0), end(1)]);
      expect(r.records.length).toBeLessThanOrEqual(1);
      expect(probeTls(b, 0, b.length)).toBeOneOf([Probe.MINE, Probe.NOT_MINE, Probe.NEED_MORE]);
    }
  });

  it('20000 mutated hello bodies straight into the hello parsers', () => {
    const rand = prng(7);
    const ch = clientHelloBody({
      sessionId: Array(32).fill(1),
      extensions: [
        ...CH_EXTS,
        ext(43, vec(1, u16List([0x0304, 0x0303]))),
        ext(51, vec(2, [...u16(29), ...vec(2, Array(32).fill(1))])),
        ext(45, vec(1, [1])),
        ext(28, u16(16385)),
      ],
    });
    const sh = serverHelloBody({
      extensions: [ext(43, u16(0x0304)), ext(51, [...u16(29), ...vec(2, Array(32).fill(2))]), alpnExt(['h2']), ext(41, u16(0))],
    });
    let reported = 0;
    for (let i = 0; i < 20000; i++) {
      const b = mutate(i % 2 === 0 ? ch : sh, rand);
      const report = (): void => {
        reported++;
      };
      const parsed =
        i % 2 === 0 ? parseClientHello(b, 0, b.length, limits, report) : parseServerHello(b, 0, b.length, limits, report);
      if (parsed !== null) expect(parsed.extensions.length).toBeLessThanOrEqual(b.length / 4);
    }
    expect(reported).toBeGreaterThan(1000);
  });
});

// ------------------------------------------------------------------ probe

describe('probe', () => {
  const p = (bytes: number[] | Uint8Array, dir: 0 | 1 = Direction.TO_SERVER): number => {
    const b = Uint8Array.from(bytes);
    return probeTls(b, 0, b.length, { transport: 'tcp', direction: dir, serverPort: 443, clientPort: 50000 });
  };

  it('claims ClientHello and ServerHello records, record version 3.0–3.4', () => {
    expect(p(clientHelloRecord())).toBe(Probe.MINE);
    expect(p(clientHelloRecord({}, 0x0300))).toBe(Probe.MINE);
    expect(p(serverHelloRecord(), 1)).toBe(Probe.MINE);
  });

  it('asks for more until the hello version is there', () => {
    const r = clientHelloRecord();
    for (let n = 0; n < 11; n++) expect(p(r.subarray(0, n))).toBe(Probe.NEED_MORE);
    expect(p(r.subarray(0, 11))).toBe(Probe.MINE);
  });

  it('claims SSLv2 CLIENT-HELLOs whose lengths add up', () => {
    const body = [1, 0, 2, 0, 3, 0, 0, 0, 16, 1, 0, 0x80, ...Array(16).fill(1)];
    expect(p([0x80, body.length, ...body])).toBe(Probe.MINE);
    expect(p([0x80, body.length + 1, ...body])).toBe(Probe.NOT_MINE);
  });

  it('needs a second valid header after application data or a ChangeCipherSpec', () => {
    expect(p([...record(23, [1, 2, 3]), ...record(23, [4])])).toBe(Probe.MINE);
    expect(p([...record(23, [1, 2, 3]), 0x47])).toBe(Probe.NOT_MINE);
    expect(p([...CCS])).toBe(Probe.NEED_MORE);
  });

  it('refuses HTTP, SSH, a bad version, a zero or huge length, a short hello', () => {
    expect(p([...Buffer.from('GET / HTTP/1.1\r\n')])).toBe(Probe.NOT_MINE);
    expect(p([...Buffer.from('SSH-2.0-OpenSSH\r\n')])).toBe(Probe.NOT_MINE);
    expect(p([0x16, 2, 0, 0, 10])).toBe(Probe.NOT_MINE);
    expect(p([0x16, 3, 1, 0, 0])).toBe(Probe.NOT_MINE);
    expect(p([0x16, 3, 1, 0x50, 0])).toBe(Probe.NOT_MINE);
    expect(p([0x16, 3, 1, 0, 8, 1, 0, 0, 4, 3, 3])).toBe(Probe.NOT_MINE);
  });
});
