/**
 * dns_tunnel (src/threats/detectors/dns-tunnel.ts): the detector driven through its `record` hook with
 * records the DNS parser made, then (engine.test in the same folder) whole captures through the engine.
 */
import { describe, expect, it } from 'vitest';
import type { Flow } from '../../src/flow/flow.js';
import { dnsTunnel } from '../../src/threats/detectors/dns-tunnel.js';
import { mulberry32 } from '../helpers/packets.js';
import { dnsQuery, dnsResponse, flowOf, randomText, recording } from './dnsicmp-support.js';

function detector(maxTracked = 10_000, options: Partial<typeof dnsTunnel.defaults> = {}) {
  const r = recording(maxTracked);
  const d = dnsTunnel.create({ ...dnsTunnel.defaults, ...options }, r.ctx);
  return { r, d };
}

const RESOLVER = '10.0.0.53';

/** iodine-like names: one long base32 label of `len` characters (plus a short one) under `domain`. */
function tunnelName(rand: () => number, domain: string, len = 60): string {
  return `${randomText(rand, len)}.${randomText(rand, 5)}.${domain}`;
}

describe('dns_tunnel', () => {
  it('fires once on an iodine-like tunnel (long base32 labels, NULL queries, several per second)', () => {
    const { r, d } = detector();
    const rand = mulberry32(1);
    const flow = flowOf('10.0.0.5', 40000, RESOLVER, 53);
    for (let i = 0; i < 400; i++) d.record!(flow, 'dns', dnsQuery(tunnelName(rand, 't.example.org'), 10, i), 1000 + i * 0.25);
    expect(r.findings).toHaveLength(1);
    const f = r.findings[0]!;
    expect(f.attacker).toBe('10.0.0.5');
    expect(f.target).toBe(RESOLVER);
    expect(f.count).toBeGreaterThanOrEqual(100);
    expect(f.details.domain).toBe('example.org');
    expect(f.details.signs).toEqual(['long_labels', 'entropy', 'record_types', 'rate']);
    expect(f.details.queryTypes).toEqual(['NULL:100']);
    expect(f.details.meanEntropy as number).toBeGreaterThan(4);
  });

  it('counts responses whose query was not seen (a capture of one direction)', () => {
    const { r, d } = detector();
    const rand = mulberry32(2);
    const flow = flowOf('10.0.0.5', 40000, RESOLVER, 53);
    for (let i = 0; i < 200; i++) {
      const name = tunnelName(rand, 'tun.example.co.uk');
      d.record!(flow, 'dns', dnsResponse(name, 16, [], { id: i, querySeen: false }), 1000 + i);
    }
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]!.details.domain).toBe('example.co.uk');
    expect(r.findings[0]!.attacker).toBe('10.0.0.5');
  });

  it('does not count a response whose query it already counted', () => {
    const { r, d } = detector();
    const rand = mulberry32(3);
    const flow = flowOf('10.0.0.5', 40000, RESOLVER, 53);
    for (let i = 0; i < 99; i++) {
      const name = tunnelName(rand, 'example.org');
      d.record!(flow, 'dns', dnsQuery(name, 16, i), 1000 + i);
      d.record!(flow, 'dns', dnsResponse(name, 16, [], { id: i, querySeen: true }), 1000 + i + 0.01);
    }
    expect(r.findings).toEqual([]);
  });

  it('threshold: fires when the distinct subdomains reach minUniqueSubdomains, not below', () => {
    const { r, d } = detector();
    const rand = mulberry32(4);
    const flow = flowOf('10.0.0.5', 40000, RESOLVER, 53);
    // Long random labels, type A, one query every 2.5 s: long labels (2) + entropy (1) = 3, no rate, no types.
    let fired = -1;
    for (let i = 0; i < 120; i++) {
      d.record!(flow, 'dns', dnsQuery(tunnelName(rand, 'example.org', 48), 1, i), 1000 + 2.5 * i);
      if (fired < 0 && r.findings.length > 0) fired = i + 1;
      if (i + 1 === 90) expect(r.findings).toEqual([]);
    }
    expect(r.findings).toHaveLength(1);
    // The distinct count is a linear-counting estimate: exact until two names share a bit.
    expect(fired).toBeGreaterThanOrEqual(97);
    expect(fired).toBeLessThanOrEqual(106);
    expect(r.findings[0]!.details.signs).toEqual(['long_labels', 'entropy']);
  });

  it('threshold: a higher minScore keeps the same traffic quiet', () => {
    const { r, d } = detector(10_000, { minScore: 4 });
    const rand = mulberry32(4);
    const flow = flowOf('10.0.0.5', 40000, RESOLVER, 53);
    for (let i = 0; i < 120; i++) d.record!(flow, 'dns', dnsQuery(tunnelName(rand, 'example.org', 48), 1, i), 1000 + 2.5 * i);
    expect(r.findings).toEqual([]);
  });

  it('a long tunnel gives one finding per window, each with its counts', () => {
    const { r, d } = detector();
    const rand = mulberry32(5);
    const flow = flowOf('10.0.0.5', 40000, RESOLVER, 53);
    for (let i = 0; i < 1200; i++) d.record!(flow, 'dns', dnsQuery(tunnelName(rand, 'example.org'), 16, i & 0xffff), 1000 + i);
    expect(r.findings).toHaveLength(4);
    for (const f of r.findings) {
      expect(f.count).toBeGreaterThanOrEqual(95);
      expect(f.details.queries as number).toBeGreaterThanOrEqual(95);
    }
  });

  it('stays quiet on a busy resolver: many domains, CDN and video names, reverse lookups, DNS-SD, .local', () => {
    const { r, d } = detector();
    const rand = mulberry32(6);
    const domains = Array.from(
      { length: 300 },
      () => `${randomText(rand, 4 + Math.floor(rand() * 8), 'abcdefghijklmnopqrstuvwxyz')}.com`,
    );
    const hosts = ['www', 'api', 'cdn', 'static', 'img', 'mail', 'login', 'accounts', 'edge-1', 'assets'];
    const flows = Array.from({ length: 30 }, (_, i) => flowOf(`10.1.0.${i + 1}`, 30000 + i, RESOLVER, 53));
    // Also the resolver itself asking upstream (it is the client of those flows).
    flows.push(flowOf(RESOLVER, 55555, '192.0.2.1', 53));
    for (let i = 0; i < 30_000; i++) {
      const flow = flows[Math.floor(rand() * flows.length)]!;
      const k = rand();
      let name: string;
      let type = rand() < 0.5 ? 1 : rand() < 0.5 ? 28 : 65;
      if (k < 0.5) name = `${hosts[Math.floor(rand() * hosts.length)]}.${domains[Math.floor(rand() * domains.length)]}`;
      else if (k < 0.6) name = `d${randomText(rand, 13, '0123456789abcdef')}.cloudfront.net`;
      else if (k < 0.7) name = `e${Math.floor(rand() * 99999)}.dscb.akamaiedge.net`;
      else if (k < 0.8)
        name = `rr${1 + Math.floor(rand() * 8)}---sn-${randomText(rand, 8, 'abcdefghijklmnopqrstuvwxyz0123456789')}.googlevideo.com`;
      else if (k < 0.85) {
        name = `${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}.10.in-addr.arpa`;
        type = 12;
      } else if (k < 0.88) {
        name = `${randomText(rand, 32, '0123456789abcdef').split('').join('.')}.ip6.arpa`;
        type = 12;
      } else if (k < 0.9) {
        name = `_${randomText(rand, 6)}._tcp.${domains[Math.floor(rand() * domains.length)]}`;
        type = 33;
      } else if (k < 0.92) {
        name = `${randomText(rand, 20)}._device-info._tcp.local`;
        type = 16;
      } else if (k < 0.95) {
        // A mail server's DNS blocklist lookups: reversed client addresses, TXT and A.
        name = `${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}.zen.spamhaus.org`;
        type = rand() < 0.5 ? 16 : 1;
      } else name = `${randomText(rand, 10)}-${randomText(rand, 10)}.elb.amazonaws.com`;
      d.record!(flow, 'dns', dnsQuery(name, type, i & 0xffff), 1000 + i * 0.01);
    }
    expect(r.findings).toEqual([]);
  });

  it('keeps its table under maxTracked under 200,000 distinct clients and domains, counting evictions', () => {
    const { r, d } = detector(1000);
    const rand = mulberry32(7);
    const msgs = Array.from({ length: 64 }, (_, i) => dnsQuery(`${randomText(rand, 50)}.d${i}.example`, 16, i));
    const flow = flowOf('10.0.0.1', 40000, RESOLVER, 53);
    let max = 0;
    for (let i = 0; i < 200_000; i++) {
      flow.clientAddr0 = Math.floor(rand() * 0x100000000); // a new random source each query
      d.record!(flow, 'dns', msgs[i & 63]!, 1000 + i * 0.001);
      if ((i & 1023) === 0) d.tick!(1000 + i * 0.001);
      if (d.size() > max) max = d.size();
    }
    expect(max).toBe(1000);
    expect(r.evictions).toBeGreaterThan(0);
    expect(r.findings).toEqual([]);
  });

  it('sweeps idle entries', () => {
    const { d } = detector();
    const flow = flowOf('10.0.0.5', 40000, RESOLVER, 53);
    d.record!(flow, 'dns', dnsQuery('abc.example.org'), 1000);
    expect(d.size()).toBe(1);
    d.tick!(1000 + 301);
    expect(d.size()).toBe(0);
  });

  it('never throws on garbage records', () => {
    const { r, d } = detector();
    const flow = flowOf('10.0.0.5', 40000, RESOLVER, 53);
    const v6 = flowOf('2001:db8::5', 40000, '2001:db8::53', 53);
    const garbage: unknown[] = [
      {},
      { type: 'query' },
      { type: 'query', questions: [] },
      { type: 'query', questions: [null] },
      { type: 'query', questions: [{ name: 42 }] },
      { type: 'query', questions: [{ name: '' }] },
      { type: 'query', questions: [{ name: '.' }] },
      { type: 'query', questions: [{ name: '...' }] },
      { type: 'query', questions: [{ name: 'a..b..c' }] },
      { type: 'query', questions: [{ name: 'co.uk' }] },
      { type: 'query', questions: [{ name: `${'x'.repeat(300)}.${'é'.repeat(80)}.example.com`, type: 'TXT' }] },
      { type: 'response', questions: [{ name: 'x.example.com' }] },
    ];
    for (const g of garbage)
      for (const f of [flow, v6] as Flow[]) expect(() => d.record!(f, 'dns', g as object, 1000)).not.toThrow();
    expect(() => d.record!(flow, 'http', {}, 1000)).not.toThrow();
    expect(r.findings).toEqual([]);
  });
});
