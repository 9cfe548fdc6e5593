/**
 * icmp_tunnel (src/threats/detectors/icmp-tunnel.ts) through its `icmp` hook, with frames built by
 * test/helpers/packets.ts and decoded by the real decoder: tunnels, ordinary pings of every size, bounds.
 */
import { describe, expect, it } from 'vitest';
import { Flow } from '../../src/flow/flow.js';
import { icmpTunnel } from '../../src/threats/detectors/icmp-tunnel.js';
import { concat, eth, icmp, icmpEcho, icmpv6Echo, ipv4, ipv6, mulberry32 } from '../helpers/packets.js';
import { decodeFrame, randomBytes, recording } from './dnsicmp-support.js';

function detector(maxTracked = 10_000, options: Partial<typeof icmpTunnel.defaults> = {}) {
  const r = recording(maxTracked);
  const d = icmpTunnel.create({ ...icmpTunnel.defaults, ...options }, r.ctx);
  return { r, d };
}

const flow = new Flow();
const A = '10.0.0.5';
const B = '203.0.113.10';

function echo(src: string, dst: string, id: number, seq: number, reply: boolean, data: Uint8Array): Uint8Array {
  return eth({}, ipv4({ src, dst }, icmpEcho({ id, seq, reply }, data)));
}

/** Linux ping's data: an 8- or 16-byte timestamp, then bytes counting up from 0x10 (or from the offset). */
function pingData(size: number, seq: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = i < 16 ? (seq * 37 + i * 11) & 0xff : i & 0xff;
  return b;
}

/** Feeds request/reply pairs at `interval` s from `t0`; `replyOf` makes the reply's data from the request's. */
function run(
  d: ReturnType<typeof detector>['d'],
  n: number,
  requestData: (i: number) => Uint8Array,
  replyOf: (req: Uint8Array, i: number) => Uint8Array | null = (req) => req,
  t0 = 1000,
  interval = 1,
): void {
  for (let i = 0; i < n; i++) {
    const t = t0 + i * interval;
    const req = requestData(i);
    d.icmp!(decodeFrame(echo(A, B, 77, i, false, req), t), flow, 0, t);
    const rep = replyOf(req, i);
    if (rep !== null) d.icmp!(decodeFrame(echo(B, A, 77, i, true, rep), t + 0.01), flow, 1, t + 0.01);
  }
}

describe('icmp_tunnel', () => {
  it('fires once on a tunnel: large random payloads both ways, replies carrying other data', () => {
    const { r, d } = detector();
    const rand = mulberry32(1);
    run(
      d,
      60,
      () => randomBytes(rand, 200 + Math.floor(rand() * 800)),
      () => randomBytes(rand, 100 + Math.floor(rand() * 1000)),
      1000,
      0.5,
    );
    expect(r.findings).toHaveLength(1);
    const f = r.findings[0]!;
    expect(f.attacker).toBe(A);
    expect(f.target).toBe(B);
    expect(f.count).toBe(20);
    expect(f.details.signs).toEqual(['high_entropy_payloads', 'reply_asymmetry']);
    expect(f.details.meanEntropy as number).toBeGreaterThan(6);
  });

  it('fires on reply asymmetry alone (small payloads: a shell over ping)', () => {
    const { r, d } = detector();
    const rand = mulberry32(2);
    run(
      d,
      30,
      () => randomBytes(rand, 40),
      () => randomBytes(rand, 24 + Math.floor(rand() * 60)),
    );
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]!.details.signs).toEqual(['reply_asymmetry']);
  });

  it('fires on large changing high-entropy payloads echoed back (data one way)', () => {
    const { r, d } = detector();
    const rand = mulberry32(3);
    run(d, 30, () => randomBytes(rand, 512));
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]!.details.signs).toEqual(['high_entropy_payloads']);
  });

  it('also over ICMPv6', () => {
    const { r, d } = detector();
    const rand = mulberry32(4);
    for (let i = 0; i < 40; i++) {
      const req = eth(
        {},
        ipv6({ src: '2001:db8::5', dst: '2001:db8:1::10' }, icmpv6Echo({ id: 9, seq: i }, randomBytes(rand, 600))),
      );
      const rep = eth(
        {},
        ipv6({ src: '2001:db8:1::10', dst: '2001:db8::5' }, icmpv6Echo({ id: 9, seq: i, reply: true }, randomBytes(rand, 300))),
      );
      d.icmp!(decodeFrame(req, 1000 + i), flow, 0, 1000 + i);
      d.icmp!(decodeFrame(rep, 1000 + i + 0.01), flow, 1, 1000 + i + 0.01);
    }
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]!.attacker).toBe('2001:db8::5');
    expect(r.findings[0]!.target).toBe('2001:db8:1::10');
  });

  it('stays quiet on ordinary ping: Linux 56 bytes, Windows 32, ping -s 1400 MTU probes, flood ping, one-way captures', () => {
    const { r, d } = detector();
    run(d, 300, (i) => pingData(56, i));
    const windows = new TextEncoder().encode('abcdefghijklmnopqrstuvwabcdefghi');
    run(d, 300, () => windows, undefined, 2000);
    run(d, 300, (i) => pingData(1400, i), undefined, 3000);
    run(d, 3000, (i) => pingData(56, i), undefined, 4000, 0.01); // ping -f
    run(
      d,
      300,
      (i) => pingData(1472, i),
      () => null,
      5000,
    ); // no replies (filtered)
    // Replies only (asymmetric routing): the same pattern every time.
    for (let i = 0; i < 300; i++) d.icmp!(decodeFrame(echo(B, A, 5, i, true, pingData(1000, i)), 6000 + i), flow, 1, 6000 + i);
    // ping -p ff: a repeated byte.
    run(d, 300, () => new Uint8Array(1000).fill(0xff), undefined, 7000);
    expect(r.findings).toEqual([]);
  });

  it('stays quiet on traceroute: echo requests with growing TTL answered by time-exceeded errors', () => {
    const { r, d } = detector();
    for (let i = 0; i < 90; i++) {
      const req = eth({}, ipv4({ src: A, dst: B, ttl: 1 + Math.floor(i / 3) }, icmpEcho({ id: 1, seq: i }, new Uint8Array(32))));
      d.icmp!(decodeFrame(req, 1000 + i * 0.1), flow, 0, 1000 + i * 0.1);
      const err = eth(
        {},
        ipv4({ src: `192.0.2.${1 + Math.floor(i / 3)}`, dst: A }, icmp({ type: 11, code: 0, rest: 0 }, new Uint8Array(28))),
      );
      d.icmp!(decodeFrame(err, 1000 + i * 0.1 + 0.01), flow, 1, 1000 + i * 0.1 + 0.01);
    }
    expect(r.findings).toEqual([]);
  });

  it('threshold: minPackets echo packets fire, one fewer does not', () => {
    const { r, d } = detector();
    const rand = mulberry32(5);
    // Requests only, large random payloads: the payload sign alone; 19 then the 20th.
    for (let i = 0; i < 19; i++)
      d.icmp!(decodeFrame(echo(A, B, 1, i, false, randomBytes(rand, 400)), 1000 + i), flow, 0, 1000 + i);
    expect(r.findings).toEqual([]);
    d.icmp!(decodeFrame(echo(A, B, 1, 19, false, randomBytes(rand, 400)), 1019), flow, 0, 1019);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]!.count).toBe(20);
  });

  it('threshold: a mean payload under minMeanPayload is no payload sign', () => {
    const { r, d } = detector();
    const rand = mulberry32(6);
    for (let i = 0; i < 100; i++) {
      const n = i % 2 === 0 ? 130 : 100; // mean 115 bytes, half measured
      d.icmp!(decodeFrame(echo(A, B, 1, i, false, randomBytes(rand, n)), 1000 + i * 0.5), flow, 0, 1000 + i * 0.5);
    }
    expect(r.findings).toEqual([]);
  });

  it('a long tunnel gives one finding per window with its counts', () => {
    const { r, d } = detector();
    const rand = mulberry32(7);
    run(
      d,
      300,
      () => randomBytes(rand, 300),
      () => randomBytes(rand, 300),
      1000,
      1,
    );
    expect(r.findings).toHaveLength(5);
    for (const f of r.findings) expect(f.count).toBe(20);
  });

  it('keeps its table under maxTracked under 200,000 distinct sources, counting evictions', () => {
    const { r, d } = detector(1000);
    const rand = mulberry32(8);
    const frame = echo('10.0.0.1', B, 1, 1, false, randomBytes(rand, 300));
    const p = decodeFrame(frame, 1000);
    let max = 0;
    for (let i = 0; i < 200_000; i++) {
      p.src[0] = Math.floor(rand() * 0x100000000);
      d.icmp!(p, flow, 0, 1000 + i * 0.001);
      if ((i & 1023) === 0) d.tick!(1000 + i * 0.001);
      if (d.size() > max) max = d.size();
    }
    expect(max).toBe(1000);
    expect(r.evictions).toBeGreaterThan(0);
    expect(r.findings).toEqual([]);
    d.tick!(1000 + 200 + 61);
    expect(d.size()).toBe(0);
  });

  it('never throws on truncated or odd packets', () => {
    const { d } = detector();
    const rand = mulberry32(9);
    for (let i = 0; i < 500; i++) {
      const full = echo(A, B, 1, i, i % 2 === 1, randomBytes(rand, Math.floor(rand() * 1500)));
      const cut = Math.floor(rand() * full.length);
      expect(() => d.icmp!(decodeFrame(full, 1000 + i, cut), flow, 0, 1000 + i)).not.toThrow();
    }
    // Garbage after an ICMP header claiming other types; an empty echo.
    const odd = [icmp({ type: 13, id: 1 }, randomBytes(rand, 64)), icmpEcho({ id: 1 }), icmp({ type: 8 }, new Uint8Array(0))];
    for (const m of odd)
      expect(() => d.icmp!(decodeFrame(eth({}, ipv4({ src: A, dst: B }, m)), 2000), flow, 0, 2000)).not.toThrow();
    expect(() => d.icmp!(decodeFrame(concat(new Uint8Array(4)), 2000), flow, 0, 2000)).not.toThrow();
  });
});
