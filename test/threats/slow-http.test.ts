/**
 * slowloris and slow_post (src/threats/detectors/slow-http.ts), hook by hook on hand-made flows: the
 * reassembler's delivered bytes are set by the test as the seconds pass, as the engine's ticks would see them.
 */
import { describe, expect, it } from 'vitest';
import type { Flow } from '../../src/flow/flow.js';
import { slowloris, slowPost } from '../../src/threats/detectors/slow-http.js';
import type { ThreatDetector } from '../../src/threats/types.js';
import { createEngine } from '../../src/engine.js';
import { eth, ipv4, mulberry32, tcp } from '../helpers/packets.js';
import { type FakeStreams, make, NO_PACKET, tcpFlow } from './appabuse-helpers.js';
import { Conn, firedNames, T0, Timeline } from './appabuse-net.js';

const C = '192.0.2.10';
const S = '198.51.100.80';

type F = Flow & { streams: FakeStreams };

/** `n` connections from C to S:80 opened at `t0`, each sending `first` bytes then `step` bytes every `every` s. */
function trickle(
  ds: ThreatDetector[],
  n: number,
  opts: { t0?: number; seconds: number; first?: number; step?: number; every?: number; headersDone?: boolean; end?: boolean },
): F[] {
  const t0 = opts.t0 ?? 1000;
  const flows: F[] = [];
  for (let i = 0; i < n; i++) {
    const f = tcpFlow(C, S, 40000 + i, 80, { appProto: null, startSec: t0 });
    flows.push(f);
    for (const d of ds) d.flowStarted!(f, NO_PACKET, t0);
  }
  for (let s = 1; s <= opts.seconds; s++) {
    const now = t0 + s;
    for (const f of flows) {
      if (s === 1) {
        f.streams.toServer = opts.first ?? 200;
        f.appProto = 'http';
        if (opts.headersDone) for (const d of ds) d.requestHeaders!(f, 'http', now);
      } else if (s % (opts.every ?? 10) === 0) f.streams.toServer += opts.step ?? 20;
      f.lastSec = now;
    }
    for (const d of ds) d.tick!(now);
  }
  if (opts.end) for (const f of flows) for (const d of ds) d.flowEnded!(f, t0 + opts.seconds);
  return flows;
}

describe('slowloris', () => {
  it('10 connections trickling headers for 40 s: one finding, with the count and rate', () => {
    const { d, ctx } = make(slowloris);
    trickle([d], 10, { seconds: 40 });
    expect(ctx.findings).toHaveLength(1);
    const t = ctx.findings[0]!;
    expect(t).toMatchObject({ attacker: C, target: S, count: 10, targetPort: 80, proto: 'TCP' });
    expect(t.details).toMatchObject({ slowConnections: 10, part: 'headers' });
    expect(t.details.meanBytesPerSecond as number).toBeLessThan(10);
    // Slow from 30 s after the first byte (second 1): the finding at 1031.
    expect(t.now).toBe(1031);
  });

  it('9 connections: nothing (just below minConnections)', () => {
    const { d, ctx } = make(slowloris);
    trickle([d], 9, { seconds: 120 });
    expect(ctx.findings).toEqual([]);
  });

  it('a ten-minute attack: one finding per window, each with the count then', () => {
    const { d, ctx } = make(slowloris);
    trickle([d], 25, { seconds: 600 });
    expect(ctx.findings).toHaveLength(10);
    for (const t of ctx.findings) expect(t.count).toBe(25);
  });

  it('connections that end at the capture’s end are judged then', () => {
    const { d, ctx } = make(slowloris, { minConnections: 10 });
    // Ticks stop at 29 s: nobody is slow yet; the end comes at 35 s.
    const flows = trickle([d], 12, { seconds: 29 });
    expect(ctx.findings).toEqual([]);
    for (const f of flows) d.flowEnded!(f, 1035);
    expect(ctx.findings).toHaveLength(1);
    expect(ctx.findings[0]!.count).toBe(10);
    d.tick!(1036);
    expect(d.size()).toBeLessThanOrEqual(1);
  });

  it('headers that complete, an answer, fast senders or another protocol: nothing', () => {
    const { d, ctx } = make(slowloris);
    // Headers whole (a slow body is slow_post's).
    trickle([d], 12, { seconds: 60, headersDone: true });
    // Fast: 2 kB/s of headers that never end (not a trickle).
    trickle([d], 12, { seconds: 60, first: 2000, step: 20000, every: 10 });
    // Answered by the server.
    const answered = trickle([d], 12, { seconds: 10 });
    for (const f of answered) f.streams.toClient = 500;
    d.tick!(1100);
    // Identified as something else on port 80.
    const other = tcpFlow(C, S, 50000, 80, { appProto: 'ssh' });
    d.flowStarted!(other, NO_PACKET, 0);
    d.tick!(1101);
    expect(ctx.findings).toEqual([]);
  });

  it('busy browsing: 30 parallel keep-alive connections, requests answered, then idle for minutes', () => {
    const { d, ctx } = make(slowloris);
    const p = make(slowPost);
    const flows: F[] = [];
    for (let i = 0; i < 30; i++) {
      const f = tcpFlow(C, S, 41000 + i, 80, { startSec: 0 });
      flows.push(f);
      d.flowStarted!(f, NO_PACKET, 0);
      p.d.flowStarted!(f, NO_PACKET, 0);
    }
    for (const f of flows) {
      f.streams.toServer = 450;
      d.requestHeaders!(f, 'http', 0.1);
      p.d.requestHeaders!(f, 'http', 0.1);
      d.requestDone!(f, 'http', {}, 0.1);
      p.d.requestDone!(f, 'http', {}, 0.1);
      f.streams.toClient = 30_000;
    }
    for (let s = 1; s < 300; s++) {
      d.tick!(s);
      p.d.tick!(s);
    }
    expect(ctx.findings).toEqual([]);
    expect(p.ctx.findings).toEqual([]);
    expect(d.size()).toBe(0);
    expect(p.d.size()).toBe(0);
  });

  it('stalled connections (a partial request, then nothing more) are not trickling: nothing', () => {
    const { d, ctx } = make(slowloris);
    trickle([d], 20, { seconds: 120, step: 0 });
    expect(ctx.findings).toEqual([]);
  });

  it('flows to ports that are not web ports are not candidates', () => {
    const { d } = make(slowloris);
    d.flowStarted!(tcpFlow(C, S, 40000, 443), NO_PACKET, 0);
    d.flowStarted!(tcpFlow(C, S, 40000, 22), NO_PACKET, 0);
    expect(d.size()).toBe(0);
  });
});

describe('slow_post', () => {
  it('10 connections whose bodies trickle after whole headers: slow_post, not slowloris', () => {
    const loris = make(slowloris);
    const post = make(slowPost);
    trickle([loris.d, post.d], 10, { seconds: 45, first: 400, step: 10, every: 10, headersDone: true });
    expect(loris.ctx.findings).toEqual([]);
    expect(post.ctx.findings).toHaveLength(1);
    expect(post.ctx.findings[0]).toMatchObject({ attacker: C, target: S, count: 10, details: { part: 'body' } });
    expect(post.ctx.findings[0]!.now).toBe(1031);
  });

  it('9 connections: nothing; a body at line rate: nothing; a body that completes: nothing', () => {
    const post = make(slowPost);
    trickle([post.d], 9, { seconds: 90, headersDone: true });
    trickle([post.d], 12, { seconds: 90, headersDone: true, step: 50_000, every: 1 });
    const done = trickle([post.d], 12, { seconds: 20, headersDone: true });
    for (const f of done) post.d.requestDone!(f, 'http', {}, 1020);
    for (let s = 21; s < 90; s++) post.d.tick!(1000 + s);
    expect(post.ctx.findings).toEqual([]);
  });

  it('slow_post takes HTTP flows on other ports when their headers complete', () => {
    const post = make(slowPost);
    const flows: F[] = [];
    for (let i = 0; i < 10; i++) {
      const f = tcpFlow(C, S, 40000 + i, 9000);
      f.streams.toServer = 300;
      post.d.flowStarted!(f, NO_PACKET, 0);
      post.d.requestHeaders!(f, 'http', 1);
      flows.push(f);
    }
    for (let s = 2; s <= 40; s++) {
      for (const f of flows) {
        f.streams.toServer += 1;
        f.lastSec = s;
      }
      post.d.tick!(s);
    }
    expect(post.ctx.findings).toHaveLength(1);
    expect(post.ctx.findings[0]!.targetPort).toBe(9000);
  });
});

describe('slowloris and slow_post: bounded state and odd input', () => {
  it('200,000 connections from distinct sources keep the tables under maxTracked', () => {
    for (const def of [slowloris, slowPost] as const) {
      const { d, ctx } = make(def as typeof slowloris, {}, 1000);
      const rand = mulberry32(3);
      let most = 0;
      for (let i = 0; i < 200_000; i++) {
        const f = tcpFlow(C, S, 1024 + (i % 60000), 80);
        f.clientAddr0 = (rand() * 0xffffffff) >>> 0;
        f.streams.toServer = 100;
        d.flowStarted!(f, NO_PACKET, i / 100);
        if (def === slowPost) d.requestHeaders!(f, 'http', i / 100);
        if (i % 100 === 0) d.tick!(i / 100);
        most = Math.max(most, d.size());
      }
      expect(most).toBeLessThanOrEqual(1000);
      expect(ctx.evictions).toBeGreaterThan(100_000);
    }
  });

  it('flows without TCP state, unknown types, hooks in odd orders: nothing thrown', () => {
    const { d, ctx } = make(slowloris);
    const p = make(slowPost);
    const f = tcpFlow(C, S, 40000, 80);
    f.tcp = null;
    expect(() => {
      for (const x of [d, p.d]) {
        x.requestDone!(f, 'http', {}, 1);
        x.requestHeaders!(f, 'dns', 1);
        x.flowStarted!(f, NO_PACKET, 1);
        x.requestHeaders!(f, 'http', 1);
        x.tick!(100);
        x.flowEnded!(f, 101);
        x.flowEnded!(f, 101);
        x.tick!(Number.NaN);
      }
    }).not.toThrow();
    expect(ctx.findings).toEqual([]);
    expect(p.ctx.findings).toEqual([]);
  });
});

// ------------------------------------------------------------------ through the engine

const ATTACKER = '10.9.0.5';
const VICTIM = '10.9.0.80';

/** `n` slowloris connections: a partial request, then a header line every 10 s, for `seconds`. */
function slowlorisTimeline(n: number, seconds: number): Timeline {
  const tl = new Timeline();
  for (let i = 0; i < n; i++) {
    const t = T0 + i * 0.05;
    const c = new Conn(tl, ATTACKER, VICTIM, 41000 + i, 80).open(t);
    c.c(t + 0.01, `GET /?${i} HTTP/1.1\r\nHost: victim.test\r\nUser-Agent: Mozilla/5.0\r\n`);
    for (let s = 10; s < seconds; s += 10) c.c(t + s, `X-a-${s}: ${i}\r\n`);
  }
  return tl;
}

/** `n` slow POST connections: whole headers announcing 100 kB, then one byte every 10 s. */
function slowPostTimeline(n: number, seconds: number): Timeline {
  const tl = new Timeline();
  for (let i = 0; i < n; i++) {
    const t = T0 + i * 0.05;
    const c = new Conn(tl, ATTACKER, VICTIM, 42000 + i, 80).open(t);
    c.c(
      t + 0.01,
      `POST /form HTTP/1.1\r\nHost: victim.test\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n`,
    );
    for (let s = 10; s < seconds; s += 10) c.c(t + s, 'a');
  }
  return tl;
}

/** Busy browsing: `n` parallel keep-alive connections, each with a few requests answered, idle, then closed. */
function browsingTimeline(n: number): Timeline {
  const tl = new Timeline();
  const body = 'x'.repeat(1200);
  for (let i = 0; i < n; i++) {
    const t = T0 + i * 0.01;
    const c = new Conn(tl, ATTACKER, VICTIM, 43000 + i, 80).open(t);
    for (let r = 0; r < 3; r++) {
      c.c(t + r + 0.01, `GET /asset/${i}/${r}.js HTTP/1.1\r\nHost: victim.test\r\nAccept: */*\r\n\r\n`);
      c.s(t + r + 0.05, `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nContent-Type: text/javascript\r\n\r\n${body}`);
    }
    // An upload at broadband speed, on one of them.
    if (i === 0) {
      c.c(t + 4, 'POST /upload HTTP/1.1\r\nHost: victim.test\r\nContent-Length: 140000\r\n\r\n');
      for (let k = 0; k < 100; k++) c.c(t + 4.01 + k * 0.01, 'u'.repeat(1400));
      c.s(t + 5.2, 'HTTP/1.1 204 No Content\r\n\r\n');
    }
    c.close(t + 200);
  }
  // A large download: 4 MB over 20 s.
  const d = new Conn(tl, ATTACKER, VICTIM, 44000, 80).open(T0);
  d.c(T0 + 0.01, 'GET /big.iso HTTP/1.1\r\nHost: victim.test\r\n\r\n');
  d.s(T0 + 0.02, 'HTTP/1.1 200 OK\r\nContent-Length: 4200000\r\n\r\n');
  for (let k = 0; k < 3000; k++) d.s(T0 + 0.03 + k * 0.0066, 'd'.repeat(1400));
  d.close(T0 + 30);
  return tl;
}

describe('slowloris and slow_post through the engine', () => {
  const onlySlow = { threats: { detectors: { http_smuggling: false, heartbleed: false, tls_renegotiation: false } as const } };

  it('12 slowloris connections for 80 s: one slowloris threat, no slow_post', () => {
    const { threats, engine } = slowlorisTimeline(12, 80).run(onlySlow);
    expect(firedNames(threats)).toEqual(['slowloris']);
    expect(threats).toHaveLength(1);
    const t = threats[0]!.threat;
    expect(t).toMatchObject({ attacker: ATTACKER, target: VICTIM, techniques: ['T1499.002'], signatureId: 1012 });
    expect(t.count).toBe(12);
    expect(t.details.part).toBe('headers');
    // Every candidate left with its flow; the pair stays until the next tick sweeps it.
    expect(engine.stats().threats?.state.slowloris).toBeLessThanOrEqual(1);
  });

  it('9 slowloris connections: nothing', () => {
    const { threats } = slowlorisTimeline(9, 80).run(onlySlow);
    expect(threats).toEqual([]);
  });

  it('12 slow POST connections for 80 s: one slow_post threat, no slowloris', () => {
    const { threats } = slowPostTimeline(12, 80).run(onlySlow);
    expect(firedNames(threats)).toEqual(['slow_post']);
    expect(threats).toHaveLength(1);
    expect(threats[0]!.threat).toMatchObject({ attacker: ATTACKER, target: VICTIM, count: 12, signatureId: 1013 });
    expect(threats[0]!.threat.details.part).toBe('body');
  });

  it('a slowloris attack of 5 minutes: one threat per window, each with its count', () => {
    const { threats } = slowlorisTimeline(15, 300).run(onlySlow);
    expect(threats.length).toBeGreaterThanOrEqual(4);
    expect(threats.length).toBeLessThanOrEqual(5);
    for (const t of threats) expect(t.threat.count).toBe(15);
  });

  it('12 long-poll POSTs held open by the server for 90 s, only threat events asked for (no request records): nothing', () => {
    const tl = new Timeline();
    for (let i = 0; i < 12; i++) {
      const t = T0 + i * 0.05;
      const c = new Conn(tl, ATTACKER, VICTIM, 42500 + i, 80).open(t);
      c.c(t + 0.01, 'POST /bosh HTTP/1.1\r\nHost: chat.test\r\nContent-Length: 60\r\n\r\n');
      c.c(t + 0.02, '<body rid="1" sid="abc" xmlns="http://jabber.org/protocol/httpbind"/>'.slice(0, 60));
      c.s(t + 90, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      c.close(t + 91);
    }
    expect(tl.run({ threats: {}, eventTypes: ['threat'] }).threats).toEqual([]);
    expect(tl.run({ threats: {} }).threats).toEqual([]);
  });

  it('the slow POST and slowloris shapes still fire when only threat events are asked for', () => {
    expect(firedNames(slowPostTimeline(12, 80).run({ threats: {}, eventTypes: ['threat'] }).threats)).toEqual(['slow_post']);
    expect(firedNames(slowlorisTimeline(12, 80).run({ threats: {}, eventTypes: ['threat'] }).threats)).toEqual(['slowloris']);
  });

  it('busy browsing (30 parallel keep-alive connections, an upload, a large download): nothing', () => {
    const { threats } = browsingTimeline(30).run({ threats: {} });
    expect(threats).toEqual([]);
  });
});

describe('the application-abuse detectors in the engine: floods and garbage', () => {
  it('200,000 SYNs from random sources to port 80: every table stays under maxTracked 1000, the rest evicted', () => {
    const engine = createEngine({ threats: { maxTracked: 1000 } });
    const rand = mulberry32(99);
    let most = 0;
    for (let i = 0; i < 200_000; i++) {
      const a = (rand() * 0xffffffff) >>> 0;
      const src = `${(a >>> 24) | 1}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
      const t = T0 + i / 2000;
      const sec = Math.floor(t);
      engine.process({
        data: eth({}, ipv4({ src, dst: VICTIM }, tcp({ sport: 1024 + (i % 60000), dport: 80, flags: 'S', seq: i }))),
        tsSec: sec,
        tsNsec: Math.round((t - sec) * 1e9),
      });
      if (i % 5000 === 0) {
        const state = engine.stats().threats!.state;
        for (const n of ['slowloris', 'slow_post', 'http_smuggling', 'heartbleed', 'tls_renegotiation'])
          most = Math.max(most, state[n] ?? 0);
      }
    }
    const s = engine.stats().threats!;
    for (const n of ['slowloris', 'slow_post', 'http_smuggling', 'heartbleed', 'tls_renegotiation'])
      most = Math.max(most, s.state[n] ?? 0);
    expect(most).toBeLessThanOrEqual(1000);
    expect(s.evictions).toBeGreaterThan(0);
    expect(s.byDetector.slowloris ?? 0).toBe(0);
  }, 120_000);

  it('garbage and truncated segments to web and TLS ports never throw nor fault a detector', () => {
    const tl = new Timeline();
    const rand = mulberry32(5);
    for (let i = 0; i < 40; i++) {
      const c = new Conn(tl, ATTACKER, VICTIM, 48000 + i, i % 2 === 0 ? 80 : 443).open(T0 + i);
      for (let k = 0; k < 20; k++) {
        const junk = new Uint8Array(40 + Math.floor(rand() * 600));
        for (let j = 0; j < junk.length; j++) junk[j] = Math.floor(rand() * 256);
        // Half of them start like a request or a TLS record, then go wrong.
        if (k % 2 === 0)
          junk.set(i % 2 === 0 ? Buffer.from('POST / HTTP/1.1\r\nTransfer-Encoding: ') : [22, 3, 3, 0xff, 0xff, 1]);
        if (k % 3 === 0) c.c(T0 + i + k * 0.1, junk);
        else c.s(T0 + i + k * 0.1, junk);
      }
    }
    // Truncated frames: cut anywhere.
    const cut = new Timeline();
    for (const f of tl.sorted()) cut.add(f.t, f.data.subarray(0, Math.max(1, Math.floor(rand() * f.data.length))));
    for (const timeline of [tl, cut]) {
      let engine: ReturnType<Timeline['run']>['engine'] | undefined;
      expect(() => {
        engine = timeline.run({ threats: {}, app: { protocols: { tls: { afterHandshake: 'track' } } } }).engine;
      }).not.toThrow();
      expect(engine!.stats().internalErrors.count).toBe(0);
    }
  });
});
