/**
 * `AppEventSink.serverName` from TLS: the first ClientHello's SNI, reported once per connection when that
 * ClientHello is parsed (its last byte, not one before), lower-cased and without a trailing dot, in any
 * split, whether records are wanted or not; null without SNI; never from the server's bytes; never a
 * throw; and through the application layer to `AppHost.serverName` with the flow.
 */
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../src/engine.js';
import { Flow, FlowKind } from '../../../src/flow/flow.js';
import { internalFlowOf } from '../../../src/flow/flow-view.js';
import type { Direction } from '../../../src/flow/stream.js';
import { AppLayer } from '../../../src/protocols/app-layer.js';
import { DEFAULT_DETECTION } from '../../../src/protocols/identify.js';
import { Probe, serverNameOf, type ServerNameSource } from '../../../src/protocols/module.js';
import { probeTls } from '../../../src/protocols/tls/probe.js';
import { TLS_DEFAULTS, TlsFlowParser, tlsModule, type TlsHandshake } from '../../../src/protocols/tls/index.js';
import { corpusPath, corpusPresent, truthOf } from '../../support/corpus.js';
import {
  alpnExt,
  byteByByte,
  captureStreams,
  CCS,
  clientHelloRecord,
  concat,
  data,
  der,
  end,
  ext,
  gap,
  handshake,
  clientHelloBody,
  prng,
  randomSplit,
  record,
  recorder,
  run,
  serverHelloRecord,
  sniExt,
  tls12Flow,
  u16,
  vec,
  type StreamStep,
} from './helpers.js';

/** `run` with records wanted or not (lean). */
function runLean(steps: StreamStep[], lean: boolean, split?: (len: number) => number[], options = {}) {
  const sink = recorder(!lean);
  const p = new TlsFlowParser(sink, { ...TLS_DEFAULTS, ...options });
  for (const s of steps) {
    if (sink.stops.length > 0) break;
    if (s.kind === 'data') {
      let from = 0;
      for (const c of [...(split ? split(s.bytes.length) : []), s.bytes.length]) {
        if (c <= from) continue;
        p.onData(s.dir, s.bytes.slice(from, c), 0, c - from);
        from = c;
      }
    } else if (s.kind === 'gap') p.onGap(s.dir, s.length);
    else p.onEnd(s.dir, 'fin');
  }
  return sink;
}

/** Feeds `bytes` of the client byte by byte; for each report, how many bytes had been fed. */
function reportedAt(bytes: Uint8Array, lean = false): { at: number; name: string | null; source: ServerNameSource }[] {
  const sink = recorder(!lean);
  const p = new TlsFlowParser(sink, { ...TLS_DEFAULTS });
  const out: { at: number; name: string | null; source: ServerNameSource }[] = [];
  for (let i = 0; i < bytes.length; i++) {
    p.onData(0, bytes, i, i + 1);
    while (out.length < sink.serverNames.length) out.push({ at: i + 1, ...sink.serverNames[out.length]! });
  }
  return out;
}

const leaf = (): Uint8Array[] => [der('leaf-rsa')];

describe('serverNameOf', () => {
  it.each([
    ['Example.COM', 'example.com'],
    ['example.com.', 'example.com'],
    ['.', null],
    ['', null],
    ['192.0.2.1', '192.0.2.1'],
    ['x_Y-z', 'x_y-z'],
    ['\u00c9.example', '\u00c9.example'],
  ])('%j → %j', (name, expected) => {
    expect(serverNameOf(name)).toBe(expected);
  });
  it('null stays null', () => expect(serverNameOf(null)).toBeNull());
});

describe('the moment: when the first ClientHello is parsed, not a byte before', () => {
  const cases: [string, Uint8Array, string | null][] = [
    ['SNI, case and trailing dot', clientHelloRecord({ extensions: [sniExt('WWW.Example.COM.')] }), 'www.example.com'],
    [
      'SNI among other extensions',
      clientHelloRecord({ extensions: [alpnExt(['h2']), sniExt('a.example'), ext(23)] }),
      'a.example',
    ],
    ['an IP literal (flagged, still reported)', clientHelloRecord({ extensions: [sniExt('192.0.2.7')] }), '192.0.2.7'],
    ['no extensions', clientHelloRecord({}), null],
    ['extensions without SNI', clientHelloRecord({ extensions: [alpnExt(['http/1.1'])] }), null],
    ['SNI of another name type only', clientHelloRecord({ extensions: [sniExt('other.example', 1)] }), null],
    [
      'two host_names: the first',
      clientHelloRecord({ extensions: [ext(0, vec(2, concat([0], vec(2, [0x61]), [0], vec(2, [0x62]))))] }),
      'a',
    ],
  ];
  for (const [what, bytes, expected] of cases) {
    for (const lean of [false, true]) {
      it(`${what}${lean ? ' (lean)' : ''}`, () => {
        expect(reportedAt(concat(bytes, CCS), lean)).toEqual([{ at: bytes.length, name: expected, source: 'sni' }]);
      });
    }
  }
  it('a ClientHello fragmented over records: at the end of the last fragment', () => {
    const hs = handshake(1, clientHelloBody({ extensions: [sniExt('frag.example')] }));
    const parts = [
      record(22, hs.subarray(0, 3), 0x0301),
      record(22, hs.subarray(3, 50), 0x0301),
      record(22, hs.subarray(50), 0x0301),
    ];
    const all = concat(...parts);
    expect(reportedAt(all)).toEqual([{ at: all.length, name: 'frag.example', source: 'sni' }]);
  });
  it('an SSLv2-format ClientHello (no extensions): null', () => {
    const specs = [0x00, 0x00, 0x2f];
    const body = [1, ...u16(0x0301), ...u16(specs.length), ...u16(0), ...u16(16), ...specs, ...Array(16).fill(0xcd)];
    const bytes = Uint8Array.from([0x80, body.length, ...body]);
    expect(reportedAt(bytes)).toEqual([{ at: bytes.length, name: null, source: 'sni' }]);
  });
});

describe('once per connection, from the client only', () => {
  it('a full TLS 1.2 handshake, at every split, lean or not: one report', () => {
    const steps = tls12Flow({ extensions: [sniExt('Full.Example')] }, {}, leaf());
    const rand = prng(7);
    const splits: (((len: number) => number[]) | undefined)[] = [undefined, byteByByte];
    for (let i = 0; i < 10; i++) splits.push(randomSplit(rand));
    for (const split of splits)
      for (const lean of [false, true]) {
        const r = runLean(steps, lean, split);
        expect(r.serverNames).toEqual([{ name: 'full.example', source: 'sni' }]);
        expect(r.records).toHaveLength(1); // the parser ignores recordsWanted: its record is small
      }
  });
  it('the second ClientHello after a HelloRetryRequest does not report again', () => {
    const hrrRandom = [...Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex')];
    const tls13 = [ext(0x002b, vec(1, u16(0x0304))), ext(0x0033, vec(2, []))];
    const ch = (name: string) => clientHelloRecord({ ciphers: [0x1301], extensions: [sniExt(name), ...tls13] });
    const hrr = serverHelloRecord({
      random: hrrRandom,
      cipher: 0x1301,
      extensions: [ext(0x002b, u16(0x0304)), ext(0x0033, u16(0x0017))],
    });
    const sh = serverHelloRecord({
      cipher: 0x1301,
      extensions: [ext(0x002b, u16(0x0304)), ext(0x0033, concat(u16(0x0017), vec(2, [1])))],
    });
    const r = run([
      data(0, ch('first.example')),
      data(1, hrr, CCS),
      data(0, CCS, ch('second.example')),
      data(1, sh),
      end(0),
      end(1),
    ]);
    expect(r.records[0]!.helloRetryRequest).toBe(true);
    expect(r.serverNames).toEqual([{ name: 'first.example', source: 'sni' }]);
  });
  it('a ClientHello out of order, or in a renegotiation after the handshake, does not report again', () => {
    const again = clientHelloRecord({ extensions: [sniExt('again.example')] });
    const out = run([data(0, clientHelloRecord({ extensions: [sniExt('one.example')] })), data(0, again), end(0), end(1)]);
    expect(out.serverNames).toEqual([{ name: 'one.example', source: 'sni' }]);
    for (const afterHandshake of ['stop', 'track'] as const) {
      const steps = tls12Flow({ extensions: [sniExt('one.example')] }, {}, leaf());
      const at = steps.findIndex((s) => s.kind === 'end');
      steps.splice(at, 0, data(0, again), data(1, serverHelloRecord({})));
      const r = run(steps, { afterHandshake });
      expect(r.serverNames).toEqual([{ name: 'one.example', source: 'sni' }]);
    }
  });
  it('the server’s bytes never report (a ClientHello or an SNI extension from the server)', () => {
    const r = run([
      data(1, clientHelloRecord({ extensions: [sniExt('server.example')] })),
      data(1, serverHelloRecord({ extensions: [ext(0)] })),
      end(1),
    ]);
    expect(r.serverNames).toEqual([]);
  });
  it('the server first, then the client’s ClientHello: the client’s name', () => {
    const r = run([
      data(1, clientHelloRecord({ extensions: [sniExt('server.example')] })),
      data(0, clientHelloRecord({ extensions: [sniExt('client.example')] })),
    ]);
    expect(r.serverNames).toEqual([{ name: 'client.example', source: 'sni' }]);
  });
  it('a ClientHello cut by a gap: nothing reported', () => {
    const ch = clientHelloRecord({ extensions: [sniExt('cut.example')] });
    const r = run([data(0, ch.subarray(0, 20)), gap(0, 40), data(0, ch.subarray(60)), end(0), end(1)]);
    expect(r.serverNames).toEqual([]);
  });
});

describe('garbage never throws and reports at most once', () => {
  it('mutated handshakes and random bytes, at random splits, lean or not', () => {
    const rand = prng(99);
    const base = tls12Flow({ extensions: [sniExt('fuzz.example'), alpnExt(['h2'])] }, {}, leaf());
    for (let n = 0; n < 300; n++) {
      const steps: StreamStep[] =
        n % 5 === 0
          ? [
              data(
                0,
                Array.from({ length: 1 + Math.floor(rand() * 200) }, () => Math.floor(rand() * 256)),
              ),
              end(0),
            ]
          : base.map((s) => {
              if (s.kind !== 'data') return s;
              const b = s.bytes.slice();
              for (let k = 0; k < 1 + Math.floor(rand() * 4); k++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
              return { ...s, bytes: b };
            });
      for (const lean of [false, true]) {
        const r = runLean(steps, lean, randomSplit(rand));
        expect(r.serverNames.length).toBeLessThanOrEqual(1);
        for (const { name, source } of r.serverNames) {
          expect(source).toBe('sni');
          if (name !== null) expect(name).toBe(serverNameOf(name));
        }
      }
    }
  });
});

// ------------------------------------------------------------------ real captures

const FILES = [
  'zeek_tls-chrome-x25519-kyber.pcap',
  'zeek_tls-tls13-ech.pcap',
  'ndpi_netflix.pcap',
  'ndpi_tls_port_80.pcapng',
  'ndpi_1kxun.pcap',
];

/** tshark's SNI as a server name: its own small normalisation. */
const truthName = (sni: string | null): string | null => (sni === null ? null : sni.toLowerCase().replace(/\.$/, ''));

describe.skipIf(!corpusPresent)('real captures (needs the shared corpus)', () => {
  it.each(FILES)(
    '%s: one report per stream with a ClientHello, its SNI, one of tshark’s; the same at every split and lean',
    async (file) => {
      const truth = (truthOf(file)!.tls_client_hellos as { transport: string; sni: string | null }[]).filter(
        (h) => h.transport === 'tcp',
      );
      const truthNames = new Set(truth.map((h) => truthName(h.sni)));
      let named = 0;
      for (const s of await captureStreams(corpusPath(file))) {
        const first = s.steps.find((x) => x.kind === 'data');
        if (first?.kind !== 'data' || probeTls(first.bytes, 0, first.bytes.length) !== Probe.MINE) continue;
        const ref = run(s.steps);
        const hello = ref.records.find((r) => r.clientHello !== null);
        if (hello === undefined) {
          expect(ref.serverNames).toEqual([]);
          continue;
        }
        expect(ref.serverNames).toEqual([{ name: truthName(hello.sni), source: 'sni' }]);
        expect(truthNames).toContain(ref.serverNames[0]!.name);
        named++;
        const rand = prng(named * 13);
        for (let i = 0; i < 3; i++) expect(runLean(s.steps, i === 1, randomSplit(rand)).serverNames).toEqual(ref.serverNames);
        expect(runLean(s.steps, true, byteByByte).serverNames).toEqual(ref.serverNames);
      }
      expect(named).toBeGreaterThan(0);
    },
    60000,
  );

  it.each(FILES.slice(0, 3))(
    '%s through the application layer: AppHost.serverName once per TLS flow, with its flow',
    async (file) => {
      const names = new Map<object, (string | null)[]>();
      const hellos = new Map<object, TlsHandshake>();
      const layer = new AppLayer(
        [tlsModule],
        { detection: { ...DEFAULT_DETECTION }, protocols: { tls: structuredClone(TLS_DEFAULTS) } },
        {
          wantsRecords: () => false,
          record(flow, _type, payload) {
            if ((payload as TlsHandshake).clientHello !== null) hellos.set(flow, payload as TlsHandshake);
          },
          anomaly: () => undefined,
          serverName(flow, name, source) {
            expect(source).toBe('sni');
            names.set(flow, [...(names.get(flow) ?? []), name]);
          },
          internalError: (where, e) => {
            throw new Error(`internal error in ${where}: ${String(e)}`);
          },
        },
      );
      const flows: Flow[] = [];
      const engine = createEngine({
        onStream: (view) => {
          const flow = internalFlowOf(view);
          flows.push(flow);
          return layer.tcpConsumer(flow);
        },
      });
      for await (const _ev of engine.replay(corpusPath(file))) {
        /* names arrive through the host */
      }
      for (const f of flows) layer.end(f);
      expect(hellos.size).toBeGreaterThan(0);
      for (const [flow, rec] of hellos) expect(names.get(flow)).toEqual([truthName(rec.sni)]);
      for (const flow of names.keys()) expect(hellos.has(flow)).toBe(true);
    },
  );
});

describe('the application layer passes one report per flow, none after the parser stopped', () => {
  /** A made-up module whose parser runs `script` on its first bytes; returns the names the host got. */
  function hostCalls(script: (sink: Parameters<NonNullable<typeof tlsModule.createTcp>>[0]) => void): (string | null)[] {
    const calls: (string | null)[] = [];
    const chatty = {
      ...tlsModule,
      name: 'chatty',
      probe: () => Probe.MINE,
      createTcp: (sink: Parameters<NonNullable<typeof tlsModule.createTcp>>[0]) => ({
        onData: () => script(sink),
        onGap: () => undefined,
        onEnd: () => undefined,
      }),
    };
    const layer = new AppLayer(
      [chatty],
      { detection: { ...DEFAULT_DETECTION }, protocols: {} },
      {
        wantsRecords: () => true,
        record: () => undefined,
        anomaly: () => undefined,
        serverName: (_flow, name) => void calls.push(name),
        internalError: (where, e) => {
          throw new Error(`internal error in ${where}: ${String(e)}`);
        },
      },
    );
    const flow = new Flow();
    flow.kind = FlowKind.TCP;
    flow.serverPort = 443;
    flow.clientPort = 40000;
    flow.tcp = {} as never; // the layer only asks whether the flow is TCP
    layer.tcpConsumer(flow).onData(Uint8Array.of(1, 2, 3), 0, 3, { direction: 0 as Direction, offset: 0, tsSec: 0, tsNsec: 0 });
    return calls;
  }
  it('a second report is not passed on', () => {
    expect(
      hostCalls((sink) => {
        sink.serverName('first.example', 'sni');
        sink.serverName('second.example', 'host');
      }),
    ).toEqual(['first.example']);
  });
  it('a report after stop() is not passed on', () => {
    expect(
      hostCalls((sink) => {
        sink.stop('done');
        sink.serverName('late.example', 'sni');
      }),
    ).toEqual([]);
  });
});
