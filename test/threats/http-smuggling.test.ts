/**
 * http_smuggling (src/threats/detectors/http-smuggling.ts): the HTTP parser's framing anomalies, weighed per
 * (client, server) pair, request side only.
 */
import { describe, expect, it } from 'vitest';
import { httpSmuggling, SMUGGLING_WEIGHTS } from '../../src/threats/detectors/http-smuggling.js';
import { mulberry32 } from '../helpers/packets.js';
import type { ThreatEvent } from '../../src/events.js';
import { make, tcpFlow } from './appabuse-helpers.js';
import { Conn, T0, Timeline } from './appabuse-net.js';

const C = '192.0.2.10';
const S = '198.51.100.80';

describe('http_smuggling: the weights', () => {
  it('lists exactly the anomalies it weighs, all of them HTTP anomalies of the parser', async () => {
    const { HTTP_ANOMALIES } = await import('../../src/protocols/http/anomalies.js');
    expect(httpSmuggling.anomalies).toEqual(Object.keys(SMUGGLING_WEIGHTS));
    for (const name of httpSmuggling.anomalies ?? []) expect(HTTP_ANOMALIES as readonly string[]).toContain(name);
    expect(httpSmuggling.signatureId).toBe(1014);
    expect(httpSmuggling.techniques).toEqual(['T1190']);
  });

  it.for([
    'http.content_length_with_transfer_encoding',
    'http.duplicate_content_length',
    'http.unknown_transfer_encoding',
    'http.chunked_not_final',
  ])('%s alone on a request is enough', (name) => {
    const { d, ctx } = make(httpSmuggling);
    const f = tcpFlow(C, S, 40000, 80);
    d.anomaly!(name, f, null, 10, 0);
    expect(ctx.findings).toHaveLength(1);
    const t = ctx.findings[0]!;
    expect(t.attacker).toBe(C);
    expect(t.target).toBe(S);
    expect(t.flow).toBe(f);
    expect(t.anomalies).toEqual([name]);
    expect(t.count).toBe(1);
    expect(t.details).toMatchObject({ score: 4, serverPort: 80, direction: 'to_server' });
  });

  it('response-side anomalies attack no server: nothing', () => {
    const { d, ctx } = make(httpSmuggling);
    const f = tcpFlow(C, S, 40000, 80);
    for (const name of Object.keys(SMUGGLING_WEIGHTS)) d.anomaly!(name, f, null, 10, 1);
    expect(ctx.findings).toEqual([]);
  });

  it('weak anomalies alone (obs-fold, bare CR, a bad chunk size) never make a threat', () => {
    const { d, ctx } = make(httpSmuggling);
    const f = tcpFlow(C, S, 40000, 80);
    for (let i = 0; i < 100; i++) {
      d.anomaly!('http.obsolete_line_folding', f, null, 10 + i, 0);
      d.anomaly!('http.bare_cr', f, null, 10 + i, 0);
      d.anomaly!('http.invalid_chunk_size', f, null, 10 + i, 0);
    }
    expect(ctx.findings).toEqual([]);
  });

  it('just below the score nothing; at it one finding (a medium one, then a second medium one)', () => {
    const { d, ctx } = make(httpSmuggling);
    const f = tcpFlow(C, S, 40000, 80);
    d.anomaly!('http.whitespace_before_colon', f, null, 10, 0);
    d.anomaly!('http.whitespace_before_colon', f, null, 11, 0);
    d.anomaly!('http.obsolete_line_folding', f, null, 12, 0);
    expect(ctx.findings).toEqual([]); // 2 + 1 = 3 < 4
    d.anomaly!('http.transfer_encoding_http10', f, null, 13, 0);
    expect(ctx.findings).toHaveLength(1);
    expect(ctx.findings[0]!.anomalies).toEqual([
      'http.whitespace_before_colon',
      'http.transfer_encoding_http10',
      'http.obsolete_line_folding',
    ]);
    expect(ctx.findings[0]!.count).toBe(4);
    d.anomaly!('http.duplicate_content_length', f, null, 14, 0);
    expect(ctx.findings).toHaveLength(1);
  });

  it('a long attack: one finding per window, with the count of that window', () => {
    const { d, ctx } = make(httpSmuggling, { windowSec: 60 });
    for (let s = 0; s < 600; s++) {
      const f = tcpFlow(C, S, 40000 + s, 80);
      d.anomaly!('http.content_length_with_transfer_encoding', f, null, 1000 + s, 0);
      d.tick!(1000 + s);
    }
    // 600 s of one request a second: a new window every 61 s.
    expect(ctx.findings.length).toBe(10);
    for (const t of ctx.findings) expect(t.count).toBe(1);
    expect(ctx.findings[0]!.details.flows).toBe(1);
  });

  it('counts every occurrence and flow of the pair in its window', () => {
    const { d, ctx } = make(httpSmuggling, { minScore: 8 });
    const f1 = tcpFlow(C, S, 40000, 80);
    const f2 = tcpFlow(C, S, 40001, 80);
    d.anomaly!('http.content_length_with_transfer_encoding', f1, null, 1, 0);
    d.anomaly!('http.content_length_with_transfer_encoding', f1, null, 2, 0);
    d.anomaly!('http.unknown_transfer_encoding', f2, null, 3, 0);
    expect(ctx.findings).toHaveLength(1);
    expect(ctx.findings[0]!.count).toBe(3);
    expect(ctx.findings[0]!.details.flows).toBe(2);
    expect(ctx.findings[0]!.flow).toBe(f2);
  });

  it('an anomaly without a direction is taken as the request’s', () => {
    const { d, ctx } = make(httpSmuggling);
    d.anomaly!('http.duplicate_content_length', tcpFlow(C, S, 40000, 80), null, 1);
    expect(ctx.findings).toHaveLength(1);
    expect(ctx.findings[0]!.details.direction).toBe('unknown');
  });

  it('IPv6 pairs are told apart', () => {
    const { d, ctx } = make(httpSmuggling);
    d.anomaly!('http.duplicate_content_length', tcpFlow('2001:db8::1', '2001:db8::80', 40000, 80), null, 1, 0);
    d.anomaly!('http.duplicate_content_length', tcpFlow('2001:db8::2', '2001:db8::80', 40000, 80), null, 1, 0);
    expect(ctx.findings.map((t) => t.attacker)).toEqual(['2001:db8::1', '2001:db8::2']);
  });
});

describe('http_smuggling: bounded state and odd input', () => {
  it('200,000 distinct clients keep the table at maxTracked, the rest evicted', () => {
    const { d, ctx } = make(httpSmuggling, {}, 1000);
    const rand = mulberry32(7);
    const f = tcpFlow(C, S, 40000, 80);
    let most = 0;
    for (let i = 0; i < 200_000; i++) {
      f.clientAddr0 = (rand() * 0xffffffff) >>> 0;
      f.id = i;
      d.anomaly!('http.obsolete_line_folding', f, null, i / 1000, 0);
      if (i % 1000 === 0) d.tick!(i / 1000);
      most = Math.max(most, d.size());
    }
    expect(most).toBeLessThanOrEqual(1000);
    expect(ctx.evictions).toBeGreaterThan(190_000);
    expect(ctx.findings).toEqual([]);
  });

  it('unknown names, no flow, odd times: nothing thrown, nothing reported', () => {
    const { d, ctx } = make(httpSmuggling);
    const f = tcpFlow(C, S, 40000, 80);
    expect(() => {
      d.anomaly!('http.nonsense', f, null, 1, 0);
      d.anomaly!('http.content_length_with_transfer_encoding', null, null, 1, 0);
      d.anomaly!('', f, null, Number.NaN, 0);
      d.tick!(Number.NaN);
      d.tick!(-1);
    }).not.toThrow();
    expect(ctx.findings).toEqual([]);
  });
});

// ------------------------------------------------------------------ through the engine

describe('http_smuggling through the engine', () => {
  const only = {
    threats: { detectors: { slowloris: false, slow_post: false, heartbleed: false, tls_renegotiation: false } as const },
  };
  const CL = '10.9.0.5';
  const SV = '10.9.0.80';

  function one(request: string, response = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'): ThreatEvent[] {
    const tl = new Timeline();
    const c = new Conn(tl, CL, SV, 45000, 80).open(T0);
    c.c(T0 + 0.01, request);
    c.s(T0 + 0.02, response);
    c.close(T0 + 1);
    return tl.run(only).threats;
  }

  it('CL.TE: Content-Length with Transfer-Encoding raises one threat linking the anomaly and the flow', () => {
    const threats = one(
      'POST / HTTP/1.1\r\nHost: victim.test\r\nContent-Length: 13\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nSMUGGLED',
    );
    expect(threats).toHaveLength(1);
    const ev = threats[0]!;
    expect(ev.threat).toMatchObject({
      name: 'http_smuggling',
      attacker: CL,
      target: SV,
      signatureId: 1014,
      techniques: ['T1190'],
    });
    expect(ev.threat.anomalies).toContain('http.content_length_with_transfer_encoding');
    expect(ev.flowId).toBeGreaterThan(0);
    expect(ev.threat.details.direction).toBe('to_server');
  });

  it('an obfuscated Transfer-Encoding and a duplicate Content-Length each raise it', () => {
    expect(one('POST / HTTP/1.1\r\nHost: v\r\nTransfer-Encoding: xchunked\r\n\r\n')).toHaveLength(1);
    expect(one('POST / HTTP/1.1\r\nHost: v\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde')).toHaveLength(1);
  });

  it('obs-fold alone, or the same shapes in a response: nothing', () => {
    expect(one('GET / HTTP/1.1\r\nHost: v\r\nX-Long: a\r\n  b\r\n\r\n')).toEqual([]);
    expect(
      one(
        'GET / HTTP/1.1\r\nHost: v\r\n\r\n',
        'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nContent-Length: 7\r\n\r\n0\r\n\r\n',
      ),
    ).toEqual([]);
  });

  it('fifty smuggling requests on one connection: one threat with the count', () => {
    const tl = new Timeline();
    const c = new Conn(tl, CL, SV, 45001, 80).open(T0);
    for (let i = 0; i < 50; i++) {
      c.c(T0 + 0.01 + i * 0.1, 'POST / HTTP/1.1\r\nHost: v\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
      c.s(T0 + 0.05 + i * 0.1, 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    }
    const { threats } = tl.run(only);
    expect(threats).toHaveLength(1);
  });
});
