/**
 * heartbleed and tls_renegotiation (src/threats/detectors/tls-abuse.ts), hook by hook: who the attacker is,
 * thresholds, windows, bounded state, odd input. The engine-level cases (captures) are in tls-abuse-engine.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { TlsHandshake } from '../../src/protocols/tls/events.js';
import { heartbleed, tlsRenegotiation } from '../../src/threats/detectors/tls-abuse.js';
import { mulberry32 } from '../helpers/packets.js';
import { make, tcpFlow } from './appabuse-helpers.js';

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
