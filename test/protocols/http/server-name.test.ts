/**
 * `AppEventSink.serverName` from HTTP: the first request's Host, reported once per connection when that
 * request's header section is read to its end (not a byte before), lower-cased and without its port, in
 * any split, whether records are wanted or not; null without a Host; never from responses; never a throw.
 */
import { describe, expect, it } from 'vitest';
import { HTTP_DEFAULTS } from '../../../src/protocols/http/options.js';
import { probeRequest } from '../../../src/protocols/http/probe.js';
import { HttpConnection } from '../../../src/protocols/http/state.js';
import { hostName } from '../../../src/protocols/http/uri.js';
import { Probe } from '../../../src/protocols/module.js';
import { captureStreams } from '../../support/streams.js';
import { corpusFilesWhere, corpusPath, corpusPresent, truthOf } from '../../support/corpus.js';
import { CONVERSATIONS } from './conversations.js';
import { bytes, bytewise, C2S, randomSplits, RecordingSink, rng, run, S2C, type Splitter, type Step, whole } from './helpers.js';

/** Runs `steps` and returns the sink (names reported, records, calls after stop). */
function names(steps: readonly Step[], split: Splitter = whole, lean = false): RecordingSink {
  const sink = new RecordingSink();
  sink.recordsWanted = !lean;
  run(steps, split, {}, true, sink);
  return sink;
}

/** What each conversation's first request names (read off conversations.ts by hand). */
const EXPECTED: Record<string, string | null> = {
  pipelined: 'www.example.com',
  chunkedTrailers: 'h',
  continue100: 'h',
  http09: null, // a simple request has no header section
  connect: 'a.example', // the Host field, port dropped
  garbageResync: 'h', // the junk before it is no request
  untilClose: null, // HTTP/1.0 without Host
  gapInBody: 'h',
  smuggling: 'h',
};

describe('hostName: a Host field value as a server name', () => {
  it.each([
    ['example.com', 'example.com'],
    ['WWW.Example.COM', 'www.example.com'],
    ['example.com:8080', 'example.com'],
    ['Example.com:', 'example.com'],
    ['example.com.', 'example.com'],
    ['example.com.:443', 'example.com'],
    ['[::1]:8080', '::1'],
    ['[::1]', '::1'],
    ['[FE80::1%25eth0]:80', 'fe80::1%25eth0'],
    ['fe80::1', 'fe80::1'], // bare IPv6 (invalid, seen): several colons, nothing taken for a port
    ['10.0.0.1:80', '10.0.0.1'],
    ['\u00c9cole.example', '\u00c9cole.example'], // only ASCII is folded (RFC 4343)
    ['', null],
    [':80', null],
    ['.', null],
    ['[', null],
    ['[]:80', null],
    ['[::1', '::1'],
    ['a:b:c', 'a:b:c'],
  ])('%j → %j', (value, expected) => {
    expect(hostName(value)).toBe(expected);
  });
  it('null stays null', () => {
    expect(hostName(null)).toBeNull();
  });
});

describe('the conversations: one report, the first request’s Host, at every split, lean or not', () => {
  for (const [name, steps] of Object.entries(CONVERSATIONS)) {
    it(name, () => {
      const ref = names(steps);
      expect(ref.serverNames).toHaveLength(1);
      expect(ref.serverNames[0]!.source).toBe('host');
      if (name in EXPECTED) expect(ref.serverNames[0]!.name).toBe(EXPECTED[name]);
      const splits: Splitter[] = [whole, bytewise];
      for (let seed = 1; seed <= 12; seed++) splits.push(randomSplits(seed, seed < 6 ? 8 : 300));
      for (const split of splits) {
        for (const lean of [false, true]) {
          const s = names(steps, split, lean);
          expect(s.serverNames).toEqual(ref.serverNames);
          expect(s.afterStop).toBe(0);
          if (lean) expect(s.records).toEqual([]);
        }
      }
    });
  }
});

/**
 * Feeds `request` to a new connection byte by byte and returns, for each report, how many bytes had been
 * fed when it came.
 */
function reportedAt(request: string, lean = false): { at: number; name: string | null }[] {
  const sink = new RecordingSink();
  sink.recordsWanted = !lean;
  const conn = new HttpConnection(sink, { ...HTTP_DEFAULTS });
  const b = bytes(request);
  const out: { at: number; name: string | null }[] = [];
  for (let i = 0; i < b.length; i++) {
    conn.onData(C2S, b, i, i + 1);
    while (out.length < sink.serverNames.length) out.push({ at: i + 1, name: sink.serverNames[out.length]!.name });
  }
  return out;
}

describe('the moment: when the first request’s header section ends, not before', () => {
  const cases: [string, string, string | null][] = [
    ['CRLF', 'GET / HTTP/1.1\r\nHost: A.Example:8080\r\nUser-Agent: x\r\n\r\n', 'a.example'],
    ['bare LF', 'GET / HTTP/1.1\nhost: b.example\n\n', 'b.example'],
    ['folded field after Host', 'GET / HTTP/1.1\r\nHost: c.example\r\nX-A: 1\r\n 2\r\n\r\n', 'c.example'],
    ['Host last', 'POST /f HTTP/1.1\r\nContent-Length: 3\r\nHost: [2001:DB8::1]:81\r\n\r\n', '2001:db8::1'],
    ['no Host (HTTP/1.1, flagged)', 'GET / HTTP/1.1\r\nAccept: */*\r\n\r\n', null],
    ['no header at all (HTTP/1.0)', 'GET / HTTP/1.0\r\n\r\n', null],
    ['two Host fields: the first', 'GET / HTTP/1.1\r\nHost: first.example\r\nHost: second.example\r\n\r\n', 'first.example'],
    ['empty Host', 'GET / HTTP/1.1\r\nHost:\r\n\r\n', null],
    [
      'absolute-form: the Host field',
      'GET http://target.example/x HTTP/1.1\r\nHost: proxy-host.example\r\n\r\n',
      'proxy-host.example',
    ],
    ['CONNECT: the Host field', 'CONNECT tunnel.example:443 HTTP/1.1\r\nHost: Tunnel.Example:443\r\n\r\n', 'tunnel.example'],
    ['CONNECT without Host', 'CONNECT tunnel.example:443 HTTP/1.1\r\n\r\n', null],
  ];
  for (const [what, request, expected] of cases) {
    for (const lean of [false, true]) {
      it(`${what}${lean ? ' (lean)' : ''}`, () => {
        // The body (if any) and a second request after the header section change nothing.
        const body = /Content-Length: 3/.test(request) ? 'abc' : '';
        const end = request.length;
        const got = reportedAt(`${request}${body}GET /2 HTTP/1.1\r\nHost: other.example\r\n\r\n`, lean);
        expect(got).toEqual([{ at: end, name: expected }]);
      });
    }
  }
});

describe('once per connection, from requests only', () => {
  it('a second request with another Host reports nothing more', () => {
    const s = names([
      { dir: C2S, data: 'GET /1 HTTP/1.1\r\nHost: one.example\r\n\r\n' },
      { dir: S2C, data: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' },
      { dir: C2S, data: 'GET /2 HTTP/1.1\r\nHost: two.example\r\n\r\n' },
      { dir: S2C, data: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' },
    ]);
    expect(s.serverNames).toEqual([{ name: 'one.example', source: 'host' }]);
  });
  it('a first request without Host reports null, and a later Host does not replace it', () => {
    const s = names([{ dir: C2S, data: 'GET /1 HTTP/1.0\r\n\r\nGET /2 HTTP/1.1\r\nHost: two.example\r\n\r\n' }]);
    expect(s.serverNames).toEqual([{ name: null, source: 'host' }]);
  });
  it('the server’s bytes never report, even with a Host field in a response', () => {
    const s = names([{ dir: S2C, data: 'HTTP/1.1 200 OK\r\nHost: server.example\r\nContent-Length: 0\r\n\r\n' }]);
    expect(s.serverNames).toEqual([]);
  });
  it('a response first, then the request: the request’s Host', () => {
    const s = names([
      { dir: S2C, data: 'HTTP/1.1 200 OK\r\nHost: server.example\r\nContent-Length: 0\r\n\r\n' },
      { dir: C2S, data: 'GET / HTTP/1.1\r\nHost: client.example\r\n\r\n' },
    ]);
    expect(s.serverNames).toEqual([{ name: 'client.example', source: 'host' }]);
  });
  it('a request cut by a gap before its header section ends does not count; the next one does', () => {
    const s = names([
      { dir: C2S, data: 'GET /1 HTTP/1.1\r\nHost: cut.example\r\nAcc' },
      { dir: C2S, gap: 30 },
      { dir: C2S, data: 'ept: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: next.example\r\n\r\n' },
    ]);
    expect(s.serverNames).toEqual([{ name: 'next.example', source: 'host' }]);
  });
  it('a request whose header section never ends: nothing reported', () => {
    const s = names([{ dir: C2S, data: 'GET / HTTP/1.1\r\nHost: never.example\r\n' }]);
    expect(s.serverNames).toEqual([]);
  });
  it('records wanted only later: the name came already, once', () => {
    const sink = new RecordingSink();
    sink.recordsWanted = false;
    const conn = new HttpConnection(sink, { ...HTTP_DEFAULTS });
    const b = bytes('GET /1 HTTP/1.1\r\nHost: lean.example\r\n\r\n');
    conn.onData(C2S, b, 0, b.length);
    sink.recordsWanted = true;
    const c = bytes('GET /2 HTTP/1.1\r\nHost: later.example\r\n\r\n');
    conn.onData(C2S, c, 0, c.length);
    expect(sink.serverNames).toEqual([{ name: 'lean.example', source: 'host' }]);
  });
});

describe('garbage never throws and reports at most once', () => {
  it('random bytes and mutated conversations, at random splits', () => {
    const r = rng(4242);
    const convs = Object.values(CONVERSATIONS);
    for (let n = 0; n < 400; n++) {
      let steps: Step[];
      if (n % 4 === 0) {
        const junk = Uint8Array.from({ length: 1 + Math.floor(r() * 300) }, () => Math.floor(r() * 256));
        steps = [{ dir: C2S, data: junk }];
      } else {
        steps = convs[n % convs.length]!.map((st) => {
          if (!('data' in st)) return st;
          const b = bytes(st.data).slice();
          for (let k = 0; k < 1 + Math.floor(r() * 8); k++) {
            const at = Math.floor(r() * b.length);
            b[at] = [0x00, 0x0a, 0x0d, 0x3a, 0x5b, 0x5d, 0x20, 0xff][Math.floor(r() * 8)]!;
          }
          return { dir: st.dir, data: b };
        });
      }
      for (const lean of [false, true]) {
        const s = names(steps, randomSplits(n + 1, 40), lean);
        expect(s.serverNames.length).toBeLessThanOrEqual(1);
        for (const { name, source } of s.serverNames) {
          expect(source).toBe('host');
          if (name !== null) {
            expect(name.length).toBeGreaterThan(0);
            expect(name).toBe(name.replace(/[A-Z]/g, (c) => c.toLowerCase()));
          }
        }
        expect(s.afterStop).toBe(0);
      }
    }
  });
  it('Host values of every shape', () => {
    for (const v of ['[[[', ']]:', ':::::', '[::1]]:x', '\u0000', '\u00ff\u00fe', 'a'.repeat(5000), '..', ' : ']) {
      const s = names([{ dir: C2S, data: `GET / HTTP/1.1\r\nHost: ${v}\r\n\r\n` }]);
      expect(s.serverNames).toHaveLength(1);
    }
  });
});

/** tshark's Host as a server name: its own small normalisation, not the module's. */
function truthName(host: string): string {
  const h = host.toLowerCase();
  const m = /^\[([^\]]*)\]/.exec(h) ?? /^([^:]*)(?::\d*)?$/.exec(h);
  return (m === null ? h : m[1]!).replace(/\.$/, '');
}

interface TruthRequest {
  host: string | null;
}

// Test names come from the corpus's truth; empty without the corpus.
const HTTP_FILES = corpusFilesWhere(
  (t) => ((t as unknown as { http_requests?: TruthRequest[] }).http_requests?.length ?? 0) > 0,
).slice(0, 12);

describe.skipIf(!corpusPresent)('real captures (needs the shared corpus)', () => {
  it.each(HTTP_FILES)(
    '%s: at most one name per HTTP connection, one of tshark’s Hosts, the same at every split and lean',
    async (file) => {
      const truth = (truthOf(file) as unknown as { http_requests: TruthRequest[] }).http_requests;
      const hosts = new Set(truth.map((q) => (q.host === null ? null : truthName(q.host))));
      let checked = 0;
      let named = 0;
      for (const stream of await captureStreams(corpusPath(file))) {
        const first = stream.steps.find((x) => x.kind === 'data' && x.dir === C2S);
        if (first?.kind !== 'data' || probeRequest(first.bytes, 0, first.bytes.length) !== Probe.MINE) continue;
        const steps: Step[] = stream.steps.map((x) =>
          x.kind === 'data'
            ? { dir: x.dir, data: x.bytes }
            : x.kind === 'gap'
              ? { dir: x.dir, gap: x.length }
              : { dir: x.dir, end: 'fin' },
        );
        const ref = names(steps);
        // None when no request's header section ends (a fuzzed stream the probe still claims).
        expect(ref.serverNames.length).toBeLessThanOrEqual(1);
        const name = ref.serverNames[0]?.name ?? null;
        if (ref.serverNames.length === 1) named++;
        // tshark's strings end at a NUL byte (the fuzz capture has one in a Host); netsieve keeps the bytes.
        if (name !== null) expect(hosts).toContain(name.split('\u0000')[0]);
        expect(names(steps, whole, true).serverNames).toEqual(ref.serverNames);
        for (let seed = 1; seed <= 3; seed++)
          expect(names(steps, randomSplits(seed * 31 + checked, 200), seed === 2).serverNames).toEqual(ref.serverNames);
        const size = steps.reduce((n, st) => n + ('data' in st ? st.data.length : 0), 0);
        if (size < 20000) expect(names(steps, bytewise).serverNames).toEqual(ref.serverNames);
        checked++;
      }
      expect(named).toBeGreaterThan(0);
    },
    60000,
  );
});
