/**
 * brute_force, stratum_mining and unusual_upload driven directly with hand-made flows and records:
 * thresholds (below, at, one alert per window), what must not fire (monitoring checks, real use, known
 * destinations), bounded state under 200,000 distinct sources, garbage records.
 */
import { describe, expect, it } from 'vitest';
import { DecodedPacket, TcpFlag } from '../../src/decode/packet.js';
import type { Flow } from '../../src/flow/flow.js';
import { bruteForce } from '../../src/threats/detectors/brute-force.js';
import { stratumMining } from '../../src/threats/detectors/mining.js';
import { unusualUpload } from '../../src/threats/detectors/upload.js';
import { mulberry32 } from '../helpers/packets.js';
import { type FlowSpec, flowOf, make } from './misc-harness.js';

const SYN_FIN = TcpFlag.SYN | TcpFlag.ACK | TcpFlag.FIN;

/** A flow with the TCP session's per-direction statistics the brute force detector reads. */
function session(spec: FlowSpec, client: { bytes: number; segments: number }, server: { bytes: number; segments: number }): Flow {
  const f = flowOf({ flagsToServer: SYN_FIN, flagsToClient: SYN_FIN, ...spec });
  const stats = (s: { bytes: number; segments: number }) => ({ bytesDelivered: s.bytes, segments: s.segments });
  (f as { tcp: unknown }).tcp = { opened: true, stats: [stats(client), stats(server)] };
  return f;
}

const LOGIN = { bytes: 2600, segments: 8 };
const LOGIN_REPLY = { bytes: 3100, segments: 7 };

function sshAttempt(t: number, client = '198.51.100.9', sport = 40000): Flow {
  return session({ client, server: '192.0.2.22', sport, dport: 22, start: t, end: t + 2.5 }, LOGIN, LOGIN_REPLY);
}

describe('brute_force', () => {
  it('14 short SSH logins in 120 s do not fire; the 15th does, once', () => {
    const { det, h } = make(bruteForce);
    for (let i = 0; i < 14; i++) det.flowEnded?.(sshAttempt(100 + i * 7, undefined, 40000 + i), 100 + i * 7 + 3);
    expect(h.findings).toHaveLength(0);
    det.flowEnded?.(sshAttempt(199), 202);
    det.flowEnded?.(sshAttempt(200), 203);
    expect(h.findings).toHaveLength(1);
    const f = h.findings[0]!;
    expect(f).toMatchObject({ attacker: '198.51.100.9', target: '192.0.2.22', targetPort: 22, count: 15, proto: 'TCP' });
    expect(f.details).toMatchObject({
      service: 'ssh',
      sessionsInWindow: 15,
      avgClientBytes: 2600,
      avgServerBytes: 3100,
      avgDurationSec: 2.5,
    });
  });

  it('a long attack gives one alert per window, with counts; the window slides across boundaries', () => {
    const { det, h } = make(bruteForce);
    for (let t = 0; t < 600; t += 2) det.flowEnded?.(sshAttempt(1000 + t), 1000 + t + 3);
    expect(h.findings).toHaveLength(5);
    expect(h.findings.every((f) => f.count >= 10)).toBe(true);
    expect(h.findings.at(-1)!.details.sessionsTotal).toBeGreaterThan(200);
    // 10 attempts at the end of one window and 10 at the start of the next: 20 within 120 s.
    const b = make(bruteForce, { burstSessions: 0 });
    for (let i = 0; i < 10; i++) b.det.flowEnded?.(sshAttempt(100 + i * 3), 0);
    for (let i = 0; i < 10; i++) b.det.flowEnded?.(sshAttempt(230 + i * 3), 0);
    expect(b.h.findings).toHaveLength(1);
  });

  it('a burst: 9 sessions within 30 s do not fire, the 10th does (a tool trying several passwords per session)', () => {
    const { det, h } = make(bruteForce);
    for (let i = 0; i < 9; i++) det.flowEnded?.(sshAttempt(500 + i * 2), 0);
    expect(h.findings).toHaveLength(0);
    det.flowEnded?.(sshAttempt(519), 0);
    expect(h.findings).toHaveLength(1);
    expect(h.findings[0]!.details).toMatchObject({ sessionsInBurstWindow: 10, burstWindowSec: 30 });
  });

  it('monitoring checks every 10 s never fire: connect-only, banner-only, or a real login', () => {
    const { det, h } = make(bruteForce);
    for (let t = 0; t < 3600; t += 10) {
      det.flowEnded?.(
        session(
          { client: '192.0.2.5', server: '192.0.2.22', dport: 22, start: t, end: t + 0.01 },
          { bytes: 0, segments: 0 },
          { bytes: 0, segments: 0 },
        ),
        t,
      );
      det.flowEnded?.(
        session(
          { client: '192.0.2.6', server: '192.0.2.22', dport: 22, start: t, end: t + 0.1 },
          { bytes: 40, segments: 1 },
          { bytes: 41, segments: 1 },
        ),
        t,
      );
      det.flowEnded?.(
        session(
          { client: '192.0.2.7', server: '192.0.2.33', dport: 3306, start: t, end: t + 0.2 },
          { bytes: 180, segments: 3 },
          { bytes: 300, segments: 3 },
        ),
        t,
      );
      if (t % 60 === 0) det.tick?.(t);
    }
    expect(h.findings).toHaveLength(0);
  });

  it('real use does not count: long sessions, large transfers, unanswered or unclosed ones, other ports', () => {
    const { det, h } = make(bruteForce);
    for (let i = 0; i < 100; i++) {
      const t = 100 + i;
      det.flowEnded?.(
        session({ client: '192.0.2.8', server: '192.0.2.22', dport: 22, start: t, end: t + 45 }, LOGIN, LOGIN_REPLY),
        t + 45,
      );
      det.flowEnded?.(
        session({ client: '192.0.2.9', server: '192.0.2.22', dport: 22, start: t, end: t + 2 }, LOGIN, {
          bytes: 900_000,
          segments: 700,
        }),
        t + 2,
      );
      det.flowEnded?.(
        session(
          { client: '192.0.2.10', server: '192.0.2.22', dport: 22, start: t, end: t + 2, flagsToClient: TcpFlag.RST },
          LOGIN,
          LOGIN_REPLY,
        ),
        t + 2,
      );
      det.flowEnded?.(
        session(
          {
            client: '192.0.2.11',
            server: '192.0.2.22',
            dport: 22,
            start: t,
            end: t + 2,
            flagsToServer: TcpFlag.SYN | TcpFlag.ACK,
            flagsToClient: TcpFlag.SYN | TcpFlag.ACK,
          },
          LOGIN,
          LOGIN_REPLY,
        ),
        t + 2,
      );
      det.flowEnded?.(
        session({ client: '192.0.2.12', server: '192.0.2.80', dport: 443, start: t, end: t + 2 }, LOGIN, LOGIN_REPLY),
        t + 2,
      );
      det.flowEnded?.(
        session({ client: '192.0.2.13', server: '192.0.2.22', dport: 22, start: t, end: t + 2, proto: 17 }, LOGIN, LOGIN_REPLY),
        t + 2,
      );
    }
    expect(h.findings).toHaveLength(0);
    expect(det.size()).toBe(0);
  });

  it('counts flows without TCP session statistics from their counters', () => {
    const { det, h } = make(bruteForce);
    for (let i = 0; i < 15; i++) {
      const t = 10 + i;
      const f = flowOf({
        client: '198.51.100.9',
        server: '192.0.2.21',
        dport: 21,
        start: t,
        end: t + 1,
        flagsToServer: SYN_FIN,
        flagsToClient: SYN_FIN,
        pktsToServer: 8,
        bytesToServer: 8 * 66 + 40,
        pktsToClient: 8,
        bytesToClient: 8 * 66 + 120,
      });
      det.flowEnded?.(f, t + 1);
    }
    expect(h.findings).toHaveLength(1);
    expect(h.findings[0]!.details.service).toBe('ftp');
  });

  it('failed Redis AUTH commands fire at minAuthFailures; successful ones and other commands do not', () => {
    const { det, h } = make(bruteForce, { minAuthFailures: 10 });
    const flow = flowOf({ client: '198.51.100.4', server: '192.0.2.63', dport: 6379, appProto: 'redis' });
    for (let i = 0; i < 20; i++) det.record?.(flow, 'redis', { kind: 'command', command: 'AUTH', success: true }, 1 + i);
    for (let i = 0; i < 20; i++) det.record?.(flow, 'redis', { kind: 'command', command: 'GET', success: false }, 1 + i);
    for (let i = 0; i < 9; i++) det.record?.(flow, 'redis', { kind: 'command', command: 'AUTH', success: false }, 30 + i);
    expect(h.findings).toHaveLength(0);
    det.record?.(
      flow,
      'redis',
      { kind: 'command', command: 'HELLO', args: ['3', 'AUTH', 'default', '(redacted)'], success: false },
      40,
    );
    expect(h.findings).toHaveLength(1);
    expect(h.findings[0]!.details).toMatchObject({ service: 'redis', authFailuresInWindow: 10, authFailuresTotal: 10 });
  });
});

describe('brute_force over HTTP', () => {
  const flow = flowOf({ client: '198.51.100.30', server: '192.0.2.80', dport: 80, appProto: 'http' });
  const tx = (method: string, uri: string, status: number, responseBodyLength = 1200) => ({
    method,
    uri,
    status,
    responseBodyLength,
  });

  it('19 failed web logins do not fire, the 20th does, with the paths', () => {
    const { det, h } = make(bruteForce);
    for (let i = 0; i < 19; i++) det.record?.(flow, 'http', tx('POST', `/wp-login.php?try=${i}`, 200, 4321), 10 + i);
    // The first login page answered is the reference: 18 failures so far; one 401 makes 19.
    det.record?.(flow, 'http', tx('GET', '/admin/', 401), 30);
    expect(h.findings).toHaveLength(0);
    det.record?.(flow, 'http', tx('POST', '/api/session', 403), 31);
    expect(h.findings).toHaveLength(1);
    expect(h.findings[0]!.details).toMatchObject({
      service: 'http',
      port: 80,
      httpFailuresInWindow: 20,
      httpUris: ['/wp-login.php', '/admin/', '/api/session'],
    });
  });

  it('does not count successes, other paths answered 200, or a login page of another length', () => {
    const { det, h } = make(bruteForce);
    for (let i = 0; i < 200; i++) {
      det.record?.(flow, 'http', tx('POST', '/collect', 200, 2), i); // telemetry beacons
      det.record?.(flow, 'http', tx('GET', '/index.html', 200), i);
      det.record?.(flow, 'http', tx('GET', '/forbidden', 403), i); // a GET answered 403 is not a login
      det.record?.(flow, 'http', tx('POST', '/login', 200, 1000 + i), i); // each answer differs
      det.record?.(flow, 'http', tx('POST', '/login', 302, 0), i); // redirected: logged in
    }
    expect(h.findings).toHaveLength(0);
  });
});

describe('stratum_mining', () => {
  const flow = flowOf({ client: '192.0.2.77', server: '203.0.113.3', dport: 3333, appProto: 'stratum' });
  const rec = (method: string | null, more: object = {}) => ({
    kind: 'request',
    variant: 'stratum-v1',
    method,
    direction: 'to_server',
    worker: null,
    agent: null,
    ...more,
  });

  it('reports at the login with worker, agent and methods; again after the window with the shares since', () => {
    const { det, h } = make(stratumMining);
    det.record?.(flow, 'stratum', rec('mining.subscribe', { agent: 'cpuminer/2.5.1' }), 10);
    det.record?.(flow, 'stratum', rec('mining.extranonce.subscribe'), 10.1);
    expect(h.findings).toHaveLength(0);
    det.record?.(flow, 'stratum', rec('mining.authorize', { worker: 'wallet.rig1' }), 10.2);
    expect(h.findings).toHaveLength(1);
    expect(h.findings[0]).toMatchObject({ attacker: '192.0.2.77', target: '203.0.113.3', targetPort: 3333, count: 3, flow });
    expect(h.findings[0]!.details).toMatchObject({
      worker: 'wallet.rig1',
      agent: 'cpuminer/2.5.1',
      methods: ['mining.subscribe', 'mining.extranonce.subscribe', 'mining.authorize'],
      variant: 'stratum-v1',
    });
    for (let t = 20; t < 7300; t += 30) det.record?.(flow, 'stratum', rec('mining.submit', { result: true, error: null }), t);
    expect(h.findings).toHaveLength(3); // at 10.2, then once an hour
    expect(h.findings[1]!.details.sharesSinceLastAlert).toBe(121); // 20 s to 3,620 s, one every 30 s
  });

  it('XMRig login reports; generic JSON-RPC methods never do; a flow with one mining record reports at its end', () => {
    const { det, h } = make(stratumMining);
    const other = flowOf({ client: '192.0.2.78', server: '203.0.113.4', dport: 50001, appProto: 'stratum' });
    for (let i = 0; i < 50; i++) det.record?.(other, 'stratum', rec('blockchain.headers.subscribe'), i);
    det.record?.(other, 'stratum', rec('login', { variant: 'stratum-v1' }), 51);
    det.flowEnded?.(other, 60);
    expect(h.findings).toHaveLength(0);
    const x = flowOf({ client: '192.0.2.79', server: '203.0.113.5', dport: 443, appProto: 'stratum' });
    det.record?.(x, 'stratum', rec('login', { variant: 'xmrig', worker: '4AdUndXHHZ...', agent: 'XMRig/6.21.0' }), 70);
    expect(h.findings.map((f) => [f.attacker, f.details.agent])).toEqual([['192.0.2.79', 'XMRig/6.21.0']]);
    const y = flowOf({ client: '192.0.2.80', server: '203.0.113.6', dport: 3333, appProto: 'stratum' });
    det.record?.(y, 'stratum', rec('mining.subscribe'), 80);
    expect(h.findings).toHaveLength(1);
    det.flowEnded?.(y, 90);
    expect(h.findings).toHaveLength(2);
    expect(h.findings[1]!.details.methods).toEqual(['mining.subscribe']);
  });

  it('minRecords: mining records without a login or share fire at the threshold', () => {
    const { det, h } = make(stratumMining, { minRecords: 4 });
    for (let i = 0; i < 3; i++)
      det.record?.(flow, 'stratum', rec('mining.notify', { kind: 'notification', direction: 'to_client' }), i);
    expect(h.findings).toHaveLength(0);
    det.record?.(flow, 'stratum', rec('mining.set_difficulty', { kind: 'notification', direction: 'to_client' }), 4);
    expect(h.findings).toHaveLength(1);
  });
});

describe('unusual_upload', () => {
  const client = '10.30.0.50';

  function upload(server: string, start: number, out: number, back: number, dport = 443): Flow {
    return flowOf({
      client,
      server,
      dport,
      start,
      end: start + 12,
      bytesToServer: out,
      bytesToClient: back,
      pktsToServer: Math.ceil(out / 1500),
    });
  }

  it('reports a 60 MB lopsided upload to a new destination at its end, with bytes, ratio and first seen', () => {
    const { det, h } = make(unusualUpload);
    const p = new DecodedPacket();
    const f = upload('203.0.113.80', 1000, 60_000_000, 1_500_000);
    det.flowStarted?.(f, p, 1000);
    f.lastSec = 1012;
    det.flowEnded?.(f, 1012);
    expect(h.findings).toHaveLength(1);
    expect(h.findings[0]).toMatchObject({
      attacker: client,
      target: '203.0.113.80',
      count: 60_000_000,
      targetPort: 443,
      flow: f,
    });
    expect(h.findings[0]!.details).toMatchObject({
      bytesOut: 60_000_000,
      bytesIn: 1_500_000,
      ratio: 40,
      durationSec: 12,
      destinationAgeAtStartSec: 0,
    });
  });

  it('reports a long upload while it runs (tick), once', () => {
    const { det, h } = make(unusualUpload);
    const f = upload('203.0.113.81', 1000, 0, 0);
    det.flowStarted?.(f, new DecodedPacket(), 1000);
    for (let t = 1001; t < 1100; t++) {
      f.bytesToServer += 1_000_000;
      f.bytesToClient += 30_000;
      f.lastSec = t;
      det.tick?.(t);
    }
    expect(h.findings).toHaveLength(1);
    expect(h.findings[0]!.details.ended).toBe(false);
    expect(h.findings[0]!.now).toBeLessThan(1060);
    f.ended = true;
    det.flowEnded?.(f, 1100);
    expect(h.findings).toHaveLength(1);
  });

  it('does not report: just below minBytes or minRatio, a download, an internal or a known destination', () => {
    const { det, h } = make(unusualUpload);
    const p = new DecodedPacket();
    const cases = [
      upload('203.0.113.90', 1000, 49_999_999, 100),
      upload('203.0.113.91', 1000, 60_000_000, 6_000_001),
      upload('203.0.113.92', 1000, 1_000_000, 80_000_000),
      upload('10.30.0.9', 1000, 60_000_000, 1000),
      upload('192.168.1.9', 1000, 60_000_000, 1000),
      flowOf({ client: 'fd00::5', server: 'fd00::9', dport: 22, start: 1000, bytesToServer: 60_000_000, bytesToClient: 1000 }),
    ];
    for (const f of cases) det.flowStarted?.(f, p, 1000);
    for (const f of cases) det.flowEnded?.(f, 1012);
    // Known for two hours before: not new.
    det.flowStarted?.(upload('203.0.113.93', 1000, 0, 0), p, 1000);
    const later = upload('203.0.113.93', 8200, 60_000_000, 1000);
    det.flowStarted?.(later, p, 8200);
    det.flowEnded?.(later, 8212);
    expect(h.findings).toHaveLength(0);
    // At the thresholds: fires.
    const at = upload('203.0.113.94', 9000, 50_000_000, 5_000_000);
    det.flowStarted?.(at, p, 9000);
    det.flowEnded?.(at, 9012);
    expect(h.findings).toHaveLength(1);
    // includeInternal
    const i = make(unusualUpload, { includeInternal: true });
    const inside = upload('10.30.0.9', 1000, 60_000_000, 1000);
    i.det.flowStarted?.(inside, p, 1000);
    i.det.flowEnded?.(inside, 1012);
    expect(i.h.findings).toHaveLength(1);
  });
});

describe('bounded state and garbage', () => {
  it('200,000 distinct sources keep the tables under their caps and count evictions', () => {
    const rand = mulberry32(23);
    const max = 1000;
    const b = make(bruteForce, {}, max);
    const s = make(stratumMining, {}, max);
    const u = make(unusualUpload, {}, max);
    const p = new DecodedPacket();
    const ip = (n: number) => `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
    for (let i = 0; i < 200_000; i++) {
      const a = ip((rand() * 0xffffffff) >>> 0);
      const t = 1000 + i / 100;
      b.det.flowEnded?.(sshAttempt(t, a), t);
      const m = flowOf({ client: a, server: ip((rand() * 0xffffffff) >>> 0), dport: 3333, appProto: 'stratum' });
      s.det.record?.(m, 'stratum', { kind: 'request', variant: 'stratum-v1', method: 'mining.subscribe' }, t);
      u.det.flowStarted?.(m, p, t);
      if (i % 10 === 0) {
        for (const d of [b.det, s.det, u.det]) d.tick?.(t);
      }
    }
    expect(b.det.size()).toBeLessThanOrEqual(max);
    expect(s.det.size()).toBeLessThanOrEqual(max);
    expect(u.det.size()).toBeLessThanOrEqual(2 * max); // destinations and open candidates, each capped
    for (const x of [b, s, u]) expect(x.h.evictions()).toBeGreaterThan(100_000);
  });

  it('garbage records and odd flows never throw', () => {
    const rand = mulberry32(5);
    const dets = [make(bruteForce).det, make(stratumMining).det, make(unusualUpload).det];
    const values: unknown[] = [null, undefined, 0, -1, Number.NaN, '', 'x'.repeat(5000), [], {}, { a: 1 }, true, ['AUTH']];
    const pick = () => values[Math.floor(rand() * values.length)];
    const flow = flowOf({ client: '2001:db8::1', server: '2001:db8::2', dport: 6379, appProto: 'stratum' });
    for (let i = 0; i < 5000; i++) {
      const payload = {
        kind: pick(),
        command: pick(),
        method: rand() < 0.5 ? 'mining.submit' : pick(),
        variant: pick(),
        worker: pick(),
        agent: pick(),
        args: pick(),
        success: pick(),
        error: pick(),
        result: pick(),
      };
      for (const d of dets) {
        d.record?.(flow, rand() < 0.5 ? 'redis' : 'stratum', payload, i);
        d.record?.(flow, 'stratum', [] as unknown as object, i);
        d.flowEnded?.(flow, i);
        d.tick?.(i);
      }
    }
  });
});
