/**
 * The application layer's detection and dispatch, with two small line protocols made up for the test:
 * probes asked in port-hint order, NEED_MORE / NOT_MINE / MINE, the byte budget, the confidence and the
 * mismatch anomaly, the replay of probed bytes to the parser in every split, gaps, failing parsers, UDP.
 */
import { describe, expect, it } from 'vitest';
import { Flow, FlowKind } from '../../src/flow/flow.js';
import type { Direction } from '../../src/flow/stream.js';
import { AppLayer, type AppHost } from '../../src/protocols/app-layer.js';
import { Probe, type ProtocolModule, type TcpAppParser } from '../../src/protocols/module.js';
import { mulberry32 } from '../regex/oracle.js';

const enc = (s: string) => new TextEncoder().encode(s);

/** A protocol whose client lines start with `word`; its parser emits each complete line of each direction. */
function lineProtocol(name: string, word: string, tcpPorts: number[], opts: { throwOn?: string } = {}): ProtocolModule {
  return {
    name,
    description: 'a line protocol made up for the test',
    transports: ['tcp', 'udp'],
    ports: { tcp: tcpPorts, udp: tcpPorts },
    defaults: {},
    optionDocs: {},
    toEve: (r) => r as Record<string, unknown>,
    anomalies: [`${name}.none`],
    buffers: [],
    probe(data, start, end, ctx) {
      if (ctx.direction !== 0) return Probe.NEED_MORE;
      const n = Math.min(end - start, word.length);
      for (let i = 0; i < n; i++) if (data[start + i] !== word.charCodeAt(i)) return Probe.NOT_MINE;
      return n === word.length ? Probe.MINE : Probe.NEED_MORE;
    },
    createTcp(sink): TcpAppParser {
      const pending = ['', ''];
      return {
        onData(direction: Direction, data, start, end) {
          pending[direction] += new TextDecoder().decode(data.subarray(start, end));
          let nl: number;
          while ((nl = pending[direction]!.indexOf('\n')) >= 0) {
            const line = pending[direction]!.slice(0, nl);
            pending[direction] = pending[direction]!.slice(nl + 1);
            if (opts.throwOn !== undefined && line === opts.throwOn) throw new Error('parser bug');
            sink.emit({ direction, line });
          }
        },
        onGap(direction, length) {
          sink.emit({ direction, gap: length });
          pending[direction] = '';
        },
        onEnd(direction) {
          if (pending[direction] !== '') sink.emit({ direction, line: pending[direction], atEnd: true });
        },
      };
    },
    createUdp(sink) {
      return {
        onDatagram(direction, data, start, end) {
          sink.emit({ direction, datagram: new TextDecoder().decode(data.subarray(start, end)) });
        },
        onEnd() {
          sink.emit({ end: true });
        },
      };
    },
  };
}

function harness(modules: ProtocolModule[], budget = { maxBytes: 64, maxChunks: 8 }) {
  const records: unknown[] = [];
  const anomalies: string[] = [];
  const host: AppHost = {
    record: (_flow, type, payload) => void records.push({ type, ...payload }),
    wantsRecords: () => true,
    anomaly: (_flow, name) => void anomalies.push(name),
    serverName: () => undefined,
    internalError: () => undefined,
  };
  const layer = new AppLayer(modules, { detection: budget, protocols: {} }, host);
  const tcpFlow = (serverPort: number) => {
    const f = new Flow();
    f.kind = FlowKind.TCP;
    f.serverPort = serverPort;
    f.clientPort = 40000;
    f.tcp = {} as never; // the layer only asks whether the flow is TCP
    return f;
  };
  const udpFlow = (serverPort: number) => {
    const f = new Flow();
    f.kind = FlowKind.UDP;
    f.serverPort = serverPort;
    f.clientPort = 40000;
    return f;
  };
  return { layer, records, anomalies, tcpFlow, udpFlow };
}

/** Feeds a conversation (direction, text) to a TCP consumer, each message cut at the given points. */
function feed(consumer: ReturnType<AppLayer['tcpConsumer']>, messages: [Direction, string][], rand?: () => number): void {
  for (const [direction, text] of messages) {
    const bytes = enc(text);
    let at = 0;
    while (at < bytes.length) {
      const n = rand ? 1 + Math.floor(rand() * 7) : bytes.length;
      const end = Math.min(bytes.length, at + n);
      // A buffer with bytes around the range: the layer must honour start/end.
      const buf = new Uint8Array(end - at + 6).fill(0x58);
      buf.set(bytes.subarray(at, end), 3);
      consumer.onData(buf, 3, 3 + end - at, { direction, offset: at, tsSec: 0, tsNsec: 0 });
      at = end;
    }
  }
  consumer.onEnd(0, 'fin');
  consumer.onEnd(1, 'fin');
}

const conversation: [Direction, string][] = [
  [0, 'HELO one\nHELO two\n'],
  [1, 'OK one\n'],
  [0, 'HELO three\n'],
  [1, 'OK two\nOK thr'],
  [1, 'ee\n'],
];

describe('application layer', () => {
  it('recognises a protocol on any port and gives its parser each stream from the first byte, in every split', () => {
    const rand = mulberry32(5);
    let first: unknown[] | null = null;
    for (let round = 0; round < 40; round++) {
      const h = harness([lineProtocol('ping', 'PING', [7]), lineProtocol('helo', 'HELO', [25])]);
      const flow = h.tcpFlow(12345);
      feed(h.layer.tcpConsumer(flow), conversation, round === 0 ? undefined : rand);
      expect(flow.appProto).toBe('helo');
      expect(flow.appProtoConfidence).toBe('dpi');
      expect(h.anomalies).toEqual([]);
      if (first === null) first = h.records;
      else expect(h.records).toEqual(first);
    }
    expect(first).toEqual([
      { type: 'helo', direction: 0, line: 'HELO one' },
      { type: 'helo', direction: 0, line: 'HELO two' },
      { type: 'helo', direction: 1, line: 'OK one' },
      { type: 'helo', direction: 0, line: 'HELO three' },
      { type: 'helo', direction: 1, line: 'OK two' },
      { type: 'helo', direction: 1, line: 'OK three' },
    ]);
  });

  it('asks the port-hinted probe first, and flags a protocol other than the port is known for', () => {
    // Both accept "HELO": the one whose port it is wins.
    const h = harness([lineProtocol('a', 'HELO', [1000]), lineProtocol('b', 'HELO', [2000])]);
    const f = h.tcpFlow(2000);
    feed(h.layer.tcpConsumer(f), [[0, 'HELO\n']]);
    expect(f.appProto).toBe('b');
    expect(h.anomalies).toEqual([]);

    const m = harness([lineProtocol('ping', 'PING', [7]), lineProtocol('helo', 'HELO', [25])]);
    const g = m.tcpFlow(7); // the ping port, speaking helo
    feed(m.layer.tcpConsumer(g), [[0, 'HELO x\n']]);
    expect(g.appProto).toBe('helo');
    expect(m.anomalies).toEqual(['app.protocol_mismatch']);
  });

  it('gives up within the byte budget: the port decides (confidence port) while its protocol was possible, else unknown', () => {
    const h = harness([lineProtocol('helo', 'HELO', [25])], { maxBytes: 16, maxChunks: 100 });
    // The server speaks first and the client never does: undecidable, the port says helo.
    const f = h.tcpFlow(25);
    const c = h.layer.tcpConsumer(f);
    for (let i = 0; i < 10; i++) c.onData(enc('220 banner\n'), 0, 11, { direction: 1, offset: i * 11, tsSec: 0, tsNsec: 0 });
    expect(f.appProto).toBe(null); // the client may still speak
    h.layer.end(f);
    expect(f.appProto).toBe('helo');
    expect(f.appProtoConfidence).toBe('port');
    expect(h.records).toEqual([]); // a guess runs no parser

    const u = h.tcpFlow(26);
    feed(h.layer.tcpConsumer(u), [[1, '220 banner\n'.repeat(5)]]);
    expect(u.appProto).toBe(null);
    expect(u.appProtoConfidence).toBe('unknown');

    // Every probe said no: unknown even on the protocol's port.
    const n = h.tcpFlow(25);
    feed(h.layer.tcpConsumer(n), [[0, 'GET / HTTP/1.1\r\n']]);
    expect(n.appProtoConfidence).toBe('unknown');

    // A flow with no payload at all: the port's protocol, as a guess.
    const e = h.tcpFlow(25);
    h.layer.tcpConsumer(e);
    h.layer.end(e);
    expect([e.appProto, e.appProtoConfidence]).toEqual(['helo', 'port']);
  });

  it('tells the parser about bytes beyond the detection budget it never kept', () => {
    const h = harness([lineProtocol('helo', 'HELO', [25])], { maxBytes: 8, maxChunks: 100 });
    const f = h.tcpFlow(25);
    const c = h.layer.tcpConsumer(f);
    // The server's banner runs past the budget before the client speaks.
    c.onData(enc('220 a long banner\n'), 0, 18, { direction: 1, offset: 0, tsSec: 0, tsNsec: 0 });
    c.onData(enc('HELO x\n'), 0, 7, { direction: 0, offset: 0, tsSec: 0, tsNsec: 0 });
    expect(f.appProto).toBe('helo');
    expect(h.records).toEqual([
      { type: 'helo', direction: 1, gap: 10 },
      { type: 'helo', direction: 0, line: 'HELO x' },
    ]);
  });

  it('a parser that throws is reported once and gets nothing more', () => {
    const h = harness([lineProtocol('helo', 'HELO', [25], { throwOn: 'HELO boom' })]);
    const f = h.tcpFlow(25);
    feed(h.layer.tcpConsumer(f), [[0, 'HELO ok\nHELO boom\nHELO after\n']]);
    expect(h.records).toEqual([{ type: 'helo', direction: 0, line: 'HELO ok' }]);
    expect(h.anomalies).toEqual(['app.parser_error']);
  });

  it('a gap before detection: probing starts again after it, and the parser learns of the gap', () => {
    const h = harness([lineProtocol('helo', 'HELO', [25])]);
    const f = h.tcpFlow(30);
    const c = h.layer.tcpConsumer(f);
    c.onData(enc('HE'), 0, 2, { direction: 0, offset: 0, tsSec: 0, tsNsec: 0 });
    c.onGap(0, 2, 100);
    c.onData(enc('HELO late\n'), 0, 10, { direction: 0, offset: 102, tsSec: 0, tsNsec: 0 });
    expect(f.appProto).toBe('helo');
    expect(f.appProtoConfidence).toBe('dpi');
    expect(h.records).toEqual([
      { type: 'helo', direction: 0, gap: 100 },
      { type: 'helo', direction: 0, line: 'HELO late' },
    ]);
  });

  it('a gap before detection in one direction: the other direction may still decide', () => {
    const h = harness([lineProtocol('helo', 'HELO', [25])]);
    const f = h.tcpFlow(30);
    const c = h.layer.tcpConsumer(f);
    c.onGap(1, 0, -1); // the server's first bytes lost, length unknown
    c.onData(enc('HELO from the client\n'), 0, 21, { direction: 0, offset: 0, tsSec: 0, tsNsec: 0 });
    expect(f.appProtoConfidence).toBe('dpi');
    expect(h.records).toEqual([
      { type: 'helo', direction: 1, gap: -1 },
      { type: 'helo', direction: 0, line: 'HELO from the client' },
    ]);
  });

  it('UDP: each datagram is probed alone, the deciding one and the rest go to the parser, the end is reported', () => {
    const h = harness([lineProtocol('ping', 'PING', [7]), lineProtocol('helo', 'HELO', [25])]);
    const f = h.udpFlow(5353);
    const d = (s: string) => enc(s);
    h.layer.udp(f, 0, d('xx'), 0, 2); // neither: both say no → unknown, nothing parsed
    expect(f.appProtoConfidence).toBe('unknown');
    const g = h.udpFlow(5353);
    h.layer.udp(g, 0, d('PI'), 0, 2); // still possible
    h.layer.udp(g, 0, d('..PING 1..'), 2, 8);
    h.layer.udp(g, 1, d('PONG'), 0, 4);
    h.layer.end(g);
    expect(g.appProto).toBe('ping');
    expect(h.records).toEqual([
      { type: 'ping', direction: 0, datagram: 'PI' }, // probed first (undecided), delivered once decided
      { type: 'ping', direction: 0, datagram: 'PING 1' },
      { type: 'ping', direction: 1, datagram: 'PONG' },
      { type: 'ping', end: true },
    ]);
  });
});
