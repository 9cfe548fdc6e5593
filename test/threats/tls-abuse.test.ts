/**
 * heartbleed and tls_renegotiation (src/threats/detectors/tls-abuse.ts), hook by hook: who the attacker is,
 * thresholds, windows, bounded state, odd input. The engine-level cases (captures) are in tls-abuse-engine.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { TlsHandshake } from '../../src/protocols/tls/events.js';
import { heartbleed, tlsRenegotiation } from '../../src/threats/detectors/tls-abuse.js';
import { mulberry32 } from '../helpers/packets.js';
import { CCS, clientHelloRecord, concat, ext, handshake, record, serverHelloBody } from '../protocols/tls/helpers.js';
import { make, tcpFlow } from './appabuse-helpers.js';
import { Conn, firedNames, T0, Timeline } from './appabuse-net.js';

const C = '192.0.2.10';
const S = '198.51.100.44';

function tlsRecord(resumed: boolean, sni = 'www.example.com'): TlsHandshake {
  return { serverHello: {}, sni, resumption: { resumed } } as unknown as TlsHandshake;
}

describe('heartbleed', () => {
  it('a cleartext request with a lying length: the sender attacks, one finding', () => {
    const { d, ctx } = make(heartbleed);
    const f = tcpFlow(C, S, 40000, 443, { appProto: 'tls' });
    d.anomaly!('tls.heartbeat_length_mismatch', f, null, 5, 0);
    expect(ctx.findings).toHaveLength(1);
    expect(ctx.findings[0]).toMatchObject({
      attacker: C,
      target: S,
      count: 1,
      anomalies: ['tls.heartbeat_length_mismatch'],
      details: { requests: 1, leaks: 0, attackerSide: 'client', form: 'cleartext_request' },
    });
    expect(ctx.findings[0]!.flow).toBe(f);
  });

  it('reverse Heartbleed: a malicious server’s request names the server as attacker', () => {
    const { d, ctx } = make(heartbleed);
    d.anomaly!('tls.heartbeat_length_mismatch', tcpFlow(C, S, 40000, 443), null, 5, 1);
    expect(ctx.findings[0]).toMatchObject({ attacker: S, target: C, details: { attackerSide: 'server' } });
  });

  it('an oversized encrypted response from the server: the client asked for the leak', () => {
    const { d, ctx } = make(heartbleed);
    d.anomaly!('tls.heartbeat_response_oversized', tcpFlow(C, S, 40000, 443), null, 5, 1);
    expect(ctx.findings[0]).toMatchObject({
      attacker: C,
      target: S,
      anomalies: ['tls.heartbeat_response_oversized'],
      details: { leaks: 1, form: 'encrypted_leak' },
    });
  });

  it('minEvents 3: two do not fire, the third does, once per window', () => {
    const { d, ctx } = make(heartbleed, { minEvents: 3, windowSec: 60 });
    const f = tcpFlow(C, S, 40000, 443);
    d.anomaly!('tls.heartbeat_length_mismatch', f, null, 1, 0);
    d.anomaly!('tls.heartbeat_response_oversized', f, null, 2, 1);
    expect(ctx.findings).toEqual([]);
    d.anomaly!('tls.heartbeat_length_mismatch', f, null, 3, 0);
    expect(ctx.findings).toHaveLength(1);
    expect(ctx.findings[0]!.count).toBe(3);
    expect(ctx.findings[0]!.anomalies).toEqual(['tls.heartbeat_length_mismatch', 'tls.heartbeat_response_oversized']);
    for (let i = 0; i < 50; i++) d.anomaly!('tls.heartbeat_length_mismatch', f, null, 4 + i, 0);
    expect(ctx.findings).toHaveLength(1);
  });

  it('a long attack (one request a second for 10 minutes): one finding per window', () => {
    const { d, ctx } = make(heartbleed);
    for (let s = 0; s < 600; s++) {
      d.anomaly!('tls.heartbeat_length_mismatch', tcpFlow(C, S, 40000 + s, 443), null, s, 0);
      d.tick!(s + 0.5);
    }
    expect(ctx.findings).toHaveLength(10);
  });

  it('ordinary heartbeats are not listened to', () => {
    expect(heartbleed.anomalies).toEqual(['tls.heartbeat_length_mismatch', 'tls.heartbeat_response_oversized']);
  });
});

describe('tls_renegotiation', () => {
  it('9 renegotiations in one connection: nothing; the 10th: one finding; more: still one', () => {
    const { d, ctx } = make(tlsRenegotiation);
    const f = tcpFlow(C, S, 40000, 443, { appProto: 'tls' });
    for (let i = 0; i < 9; i++) d.anomaly!('tls.renegotiation', f, null, 100 + i * 0.1, 0);
    expect(ctx.findings).toEqual([]);
    d.anomaly!('tls.renegotiation', f, null, 101, 0);
    expect(ctx.findings).toHaveLength(1);
    expect(ctx.findings[0]).toMatchObject({
      attacker: C,
      target: S,
      count: 10,
      anomalies: ['tls.renegotiation'],
      details: { form: 'renegotiation', renegotiations: 10, serverPort: 443 },
    });
    for (let i = 0; i < 40; i++) d.anomaly!('tls.renegotiation', f, null, 101 + i * 0.1, 0);
    expect(ctx.findings).toHaveLength(1);
  });

  it('renegotiations spread wider than the window do not add up', () => {
    const { d, ctx } = make(tlsRenegotiation);
    const f = tcpFlow(C, S, 40000, 443);
    for (let i = 0; i < 100; i++) {
      d.anomaly!('tls.renegotiation', f, null, i * 7, 0);
      d.tick!(i * 7);
    }
    expect(ctx.findings).toEqual([]);
  });

  it('99 full handshakes a minute: nothing; the 100th: one finding; resumed ones do not count', () => {
    const { d, ctx } = make(tlsRenegotiation);
    for (let i = 0; i < 300; i++) d.record!(tcpFlow(C, S, 30000 + i, 443), 'tls', tlsRecord(true), i * 0.1);
    for (let i = 0; i < 99; i++) d.record!(tcpFlow(C, S, 40000 + i, 443), 'tls', tlsRecord(false), 30 + i * 0.2);
    expect(ctx.findings).toEqual([]);
    d.record!(tcpFlow(C, S, 50000, 443), 'tls', tlsRecord(false), 55);
    expect(ctx.findings).toHaveLength(1);
    expect(ctx.findings[0]).toMatchObject({
      attacker: C,
      target: S,
      count: 100,
      targetPort: 443,
      details: { form: 'handshakes', fullHandshakes: 100, resumedHandshakes: 300, sni: 'www.example.com' },
    });
  });

  it('a long handshake flood: one finding per window', () => {
    const { d, ctx } = make(tlsRenegotiation);
    for (let i = 0; i < 6000; i++) {
      d.record!(tcpFlow(C, S, 1024 + (i % 60000), 443), 'tls', tlsRecord(false), i * 0.1);
      if (i % 10 === 0) d.tick!(i * 0.1);
    }
    // 10 minutes at 10 handshakes a second: a window of 60 s each time, crossing at its 100th.
    expect(ctx.findings.length).toBeGreaterThanOrEqual(9);
    expect(ctx.findings.length).toBeLessThanOrEqual(10);
  });

  it('other records, a record without ServerHello and garbage payloads are ignored without throwing', () => {
    const { d, ctx } = make(tlsRenegotiation, { minHandshakes: 1 });
    const f = tcpFlow(C, S, 40000, 443);
    expect(() => {
      d.record!(f, 'http', {}, 1);
      d.record!(f, 'tls', { serverHello: null } as object, 1);
      d.record!(f, 'tls', {} as object, 1);
      d.record!(f, 'tls', null as unknown as object, 1);
      d.anomaly!('tls.renegotiation', null, null, 1, 0);
      d.anomaly!('tls.other', f, null, 1, 0);
      d.flowEnded!(f, 2);
      d.tick!(Number.NaN);
    }).not.toThrow();
    expect(ctx.findings).toEqual([]);
  });

  it('a connection that ends is forgotten', () => {
    const { d } = make(tlsRenegotiation);
    const f = tcpFlow(C, S, 40000, 443);
    d.anomaly!('tls.renegotiation', f, null, 1, 0);
    expect(d.size()).toBe(1);
    d.flowEnded!(f, 2);
    expect(d.size()).toBe(0);
  });
});

describe('heartbleed and tls_renegotiation: bounded state', () => {
  it('200,000 distinct sources keep both under maxTracked', () => {
    const hb = make(heartbleed, { minEvents: 1_000_000 }, 1000);
    const rn = make(tlsRenegotiation, { minHandshakes: 1_000_000, minRenegotiations: 1_000_000 }, 1000);
    const rand = mulberry32(11);
    const f = tcpFlow(C, S, 40000, 443);
    const rec = tlsRecord(false);
    let most = 0;
    for (let i = 0; i < 200_000; i++) {
      f.clientAddr0 = (rand() * 0xffffffff) >>> 0;
      f.id = 1_000_000 + i;
      hb.d.anomaly!('tls.heartbeat_length_mismatch', f, null, i / 1000, 0);
      rn.d.anomaly!('tls.renegotiation', f, null, i / 1000, 0);
      rn.d.record!(f, 'tls', rec, i / 1000);
      if (i % 1000 === 0) {
        hb.d.tick!(i / 1000);
        rn.d.tick!(i / 1000);
      }
      most = Math.max(most, hb.d.size(), rn.d.size());
    }
    expect(most).toBeLessThanOrEqual(1000);
    expect(hb.ctx.evictions).toBeGreaterThan(100_000);
    expect(rn.ctx.evictions).toBeGreaterThan(100_000);
  });
});

// ------------------------------------------------------------------ through the engine

describe('heartbleed and tls_renegotiation through the engine', () => {
  const CL = '10.9.0.5';
  const SV = '10.9.0.44';
  const hbExt = [ext(0x000f, [1])];
  const shFlight = record(22, concat(handshake(2, serverHelloBody({ extensions: hbExt })), handshake(14, [])));
  const enc = (n: number) => record(22, Array(n).fill(7));
  const track = { app: { protocols: { tls: { afterHandshake: 'track' as const } } } };

  it('a cleartext Heartbleed request before the handshake ends: one heartbleed threat, the client attacking', () => {
    const tl = new Timeline();
    const c = new Conn(tl, CL, SV, 46000, 443).open(T0);
    c.c(T0 + 0.01, clientHelloRecord({ extensions: hbExt }));
    c.s(T0 + 0.02, shFlight);
    c.c(T0 + 0.03, record(24, [1, 0x40, 0x00, 1, 2, 3]));
    c.close(T0 + 1);
    const { threats } = tl.run({ threats: {} });
    expect(firedNames(threats)).toEqual(['heartbleed']);
    expect(threats[0]!.threat).toMatchObject({ attacker: CL, target: SV, signatureId: 1015, techniques: ['T1190'] });
    expect(threats[0]!.threat.anomalies).toEqual(['tls.heartbeat_length_mismatch']);
    expect(threats[0]!.threat.details).toMatchObject({ form: 'cleartext_request', attackerSide: 'client' });
  });

  it('an encrypted heartbeat answered by a 16 kB one (afterHandshake track): the leak, the client attacking', () => {
    const tl = new Timeline();
    const c = new Conn(tl, CL, SV, 46001, 443).open(T0);
    c.c(T0 + 0.01, clientHelloRecord({ extensions: hbExt }));
    c.s(T0 + 0.02, shFlight);
    c.c(T0 + 0.03, concat(CCS, enc(40)));
    c.s(T0 + 0.04, concat(CCS, enc(40)));
    c.c(T0 + 0.05, record(24, Array(40).fill(9)));
    c.s(T0 + 0.06, record(24, Array(16000).fill(9)));
    c.close(T0 + 1);
    const { threats } = tl.run({ threats: {}, ...track });
    expect(firedNames(threats)).toEqual(['heartbleed']);
    expect(threats[0]!.threat).toMatchObject({ attacker: CL, target: SV });
    expect(threats[0]!.threat.details.form).toBe('encrypted_leak');
  });

  it('ordinary heartbeats (a request and an equal response) raise nothing', () => {
    const tl = new Timeline();
    const c = new Conn(tl, CL, SV, 46002, 443).open(T0);
    c.c(T0 + 0.01, clientHelloRecord({ extensions: hbExt }));
    c.s(T0 + 0.02, shFlight);
    c.c(T0 + 0.03, concat(CCS, enc(40)));
    c.s(T0 + 0.04, concat(CCS, enc(40)));
    c.c(T0 + 0.05, record(24, Array(40).fill(9)));
    c.s(T0 + 0.06, record(24, Array(40).fill(9)));
    c.close(T0 + 1);
    expect(tl.run({ threats: {}, ...track }).threats).toEqual([]);
  });

  /** One TLS 1.2 connection with `renegotiations` client renegotiations, 0.2 s apart. */
  function renegotiating(tl: Timeline, sport: number, t: number, renegotiations: number): void {
    const c = new Conn(tl, CL, SV, sport, 443).open(t);
    c.c(t + 0.01, clientHelloRecord());
    c.s(t + 0.02, record(22, concat(handshake(2, serverHelloBody()), handshake(14, []))));
    c.c(t + 0.03, concat(CCS, enc(40)));
    c.s(t + 0.04, concat(CCS, enc(40)));
    const encCcs = record(20, Array(25).fill(3));
    for (let i = 0; i < renegotiations; i++) {
      const u = t + 0.1 + i * 0.2;
      c.c(u, enc(300));
      c.s(u + 0.01, enc(3000));
      c.c(u + 0.02, concat(enc(120), encCcs, enc(40)));
      c.s(u + 0.03, concat(encCcs, enc(40)));
    }
    c.c(t + 0.2 + renegotiations * 0.2, record(23, Array(100).fill(1)));
    c.close(t + 1 + renegotiations * 0.2);
  }

  it('12 renegotiations in one connection (track): one tls_renegotiation threat', () => {
    const tl = new Timeline();
    renegotiating(tl, 46100, T0, 12);
    const { threats } = tl.run({ threats: {}, ...track });
    expect(firedNames(threats)).toEqual(['tls_renegotiation']);
    expect(threats).toHaveLength(1);
    expect(threats[0]!.threat).toMatchObject({ attacker: CL, target: SV, count: 10, signatureId: 1016, techniques: ['T1499'] });
    expect(threats[0]!.threat.details.form).toBe('renegotiation');
  });

  it('9 renegotiations: nothing; the detector asks for track mode, and with the caller’s stop the module does not follow them', () => {
    const a = new Timeline();
    renegotiating(a, 46101, T0, 9);
    expect(a.run({ threats: {}, ...track }).threats).toEqual([]);
    const b = new Timeline();
    renegotiating(b, 46102, T0, 12);
    expect(b.run({ threats: {}, app: { protocols: { tls: { afterHandshake: 'stop' } } } }).threats).toEqual([]);
    const c = new Timeline();
    renegotiating(c, 46103, T0, 12);
    expect(c.run({ threats: {} }).threats.map((t) => t.threat.name)).toEqual(['tls_renegotiation']);
  });

  it('120 full handshakes from one client to one server in a minute: one threat; 99: nothing', () => {
    const flood = (n: number) => {
      const tl = new Timeline();
      for (let i = 0; i < n; i++) {
        const t = T0 + i * 0.4;
        const c = new Conn(tl, CL, SV, 47000 + i, 443).open(t);
        c.c(t + 0.01, clientHelloRecord());
        // A ServerKeyExchange: a full handshake (without it the server's CCS right after would be a resumption).
        c.s(t + 0.02, record(22, concat(handshake(2, serverHelloBody()), handshake(12, Array(100).fill(5)), handshake(14, []))));
        c.c(t + 0.03, concat(CCS, enc(40)));
        c.s(t + 0.04, concat(CCS, enc(40)));
        c.close(t + 0.1);
      }
      return tl.run({ threats: {} }).threats;
    };
    const many = flood(120);
    expect(firedNames(many)).toEqual(['tls_renegotiation']);
    expect(many).toHaveLength(1);
    expect(many[0]!.threat.details).toMatchObject({ form: 'handshakes', fullHandshakes: 100 });
    expect(flood(99)).toEqual([]);
  });
});

describe('heartbleed: the cleartext answer', () => {
  it('a length mismatch from the other side of the same flow after a request is its answer (the leak), not a second attacker', () => {
    const { d, ctx } = make(heartbleed);
    const f = tcpFlow(C, S, 40000, 443);
    d.anomaly!('tls.heartbeat_length_mismatch', f, null, 1, 0);
    d.anomaly!('tls.heartbeat_length_mismatch', f, null, 1.1, 1);
    expect(ctx.findings).toHaveLength(1);
    expect(ctx.findings[0]!.attacker).toBe(C);
    // On another flow the server's own bad request is its own attack (reverse Heartbleed).
    d.anomaly!('tls.heartbeat_length_mismatch', tcpFlow(C, S, 40001, 443), null, 2, 1);
    expect(ctx.findings).toHaveLength(2);
    expect(ctx.findings[1]!.attacker).toBe(S);
  });
});
