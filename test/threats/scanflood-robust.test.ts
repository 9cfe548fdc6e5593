/**
 * The scan, flood and amplification detectors under hostile input: a flood of distinct (random, seeded)
 * sources and destinations keeps every table under `threats.maxTracked` and counts what it evicts; truncated
 * frames, random bytes and garbage records never throw.
 */
import { describe, expect, it } from 'vitest';
import { DecodedPacket } from '../../src/decode/packet.js';
import { Flow } from '../../src/flow/flow.js';
import { dnsAmplification, ntpAmplification } from '../../src/threats/detectors/amplification.js';
import { icmpFlood, synFlood, udpFlood } from '../../src/threats/detectors/flood.js';
import { hostSweep, portScan } from '../../src/threats/detectors/scan.js';
import { LazyDistinct } from '../../src/threats/detectors/scanflood-common.js';
import type { ThreatContext, ThreatDetectorDef, ThreatFinding } from '../../src/threats/types.js';
import { arp, eth, icmpEcho, icmpError, mulberry32, tcp, udp } from '../helpers/packets.js';
import { dnsMessage, engineRun, type Frame, ip, ntpMode7, rawIp, SCANFLOOD, udpFrame } from './scanflood-helpers.js';

const DEFS = [
  portScan,
  hostSweep,
  synFlood,
  udpFlood,
  icmpFlood,
  dnsAmplification,
  ntpAmplification,
] as unknown as ThreatDetectorDef[];

function addr(rand: () => number): string {
  const w = (Math.floor(rand() * 0xfffffffe) + 1) >>> 0;
  return `${w >>> 24}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.${w & 255}`;
}

const DNS_ANSWER = dnsMessage({ id: 1, response: true, answers: 3, txtLen: 250 });
const MONLIST = ntpMode7({ response: false, code: 42 });

/** One packet of a kind each detector keys on, from and to random addresses. */
function hostile(i: number, rand: () => number): Uint8Array {
  const a = addr(rand);
  const b = addr(rand);
  const port = 1 + Math.floor(rand() * 65534);
  switch (i % 7) {
    case 0:
      return ip(a, b, tcp({ sport: port, dport: 1 + (port % 1024), flags: 'S' }));
    case 1:
      return udpFrame(a, port, b, 9, 'x'.repeat(32));
    case 2:
      return ip(a, b, icmpEcho({ id: port, seq: 1 }));
    case 3:
      return udpFrame(a, 53, b, port, DNS_ANSWER);
    case 4:
      return udpFrame(a, port, b, 123, MONLIST);
    case 5:
      return ip(b, a, icmpError({}, rawIp(a, b, udp({ sport: port, dport: 1 + (port % 2000) }, ''))));
    default:
      return eth({ dst: 'ff:ff:ff:ff:ff:ff' }, arp({ senderIp: a, targetIp: b }));
  }
}

describe('bounded state', () => {
  it('140,000 packets from distinct random sources (20,000 of each kind) keep every table under maxTracked, evicting', () => {
    const cap = 1000;
    const run = engineRun({ maxTracked: cap });
    const rand = mulberry32(20261207);
    let maxSeen = 0;
    const n = 140_000;
    for (let i = 0; i < n; i++) {
      const t = 1000 + i / 20_000; // 20,000 packets a second of capture time: ticks and sweeps run
      const sec = Math.floor(t);
      run.engine.process({ data: hostile(i, rand), tsSec: sec, tsNsec: Math.round((t - sec) * 1e9) });
      if (i % 10_000 === 9_999) {
        const st = run.engine.stats().threats!;
        for (const name of SCANFLOOD) {
          const size = st.state[name]!;
          expect(size, name).toBeLessThanOrEqual(cap);
          maxSeen = Math.max(maxSeen, size);
        }
      }
    }
    run.end();
    const st = run.engine.stats().threats!;
    for (const name of SCANFLOOD) expect(st.state[name]!, name).toBeLessThanOrEqual(cap);
    expect(maxSeen).toBe(cap); // the tables filled up...
    expect(st.evictions).toBeGreaterThan(50_000); // ...and evicted rather than grew
    // No single source probed enough, and no destination was flooded: nothing to report.
    expect(run.mine).toEqual([]);
  }, 120_000);
});

describe('malformed input', () => {
  function samples(): Frame[] {
    const rand = mulberry32(7);
    return Array.from({ length: 21 }, (_, i) => ({ data: hostile(i, rand), t: 1 + i }));
  }

  it('every truncation of every kind of packet the detectors read is harmless', () => {
    const run = engineRun();
    let t = 1;
    for (const f of samples()) {
      for (let len = 0; len <= f.data.length; len++) {
        t += 0.001;
        const sec = Math.floor(t);
        run.engine.process({ data: f.data.subarray(0, len), tsSec: sec, tsNsec: Math.round((t - sec) * 1e9) });
      }
    }
    expect(() => run.end()).not.toThrow();
  });

  it('random bytes (and random bytes after valid headers) are harmless', () => {
    const rand = mulberry32(99);
    const run = engineRun();
    const heads = samples().map((f) => f.data);
    for (let i = 0; i < 5000; i++) {
      const len = Math.floor(rand() * 200);
      const junk = new Uint8Array(len);
      for (let j = 0; j < len; j++) junk[j] = Math.floor(rand() * 256);
      let data = junk;
      if (i % 2 === 0) {
        const head = heads[i % heads.length]!;
        const keep = Math.min(head.length, 14 + Math.floor(rand() * 40));
        data = new Uint8Array(keep + len);
        data.set(head.subarray(0, keep));
        data.set(junk, keep);
      }
      run.engine.process({ data, tsSec: 10 + (i >> 8), tsNsec: (i & 255) * 1000 });
    }
    expect(() => run.end()).not.toThrow();
  });

  it('the hooks take empty packets, bare flows and garbage records without throwing', () => {
    const found: ThreatFinding[] = [];
    const ctx: ThreatContext = { maxTracked: 16, report: (f) => found.push(f), evicted: () => {} };
    const garbage: unknown[] = [
      {},
      { type: 'response' },
      { type: 'response', transport: 'udp', size: 'big', questions: 'none', querySeen: 'no' },
      { type: 'response', transport: 'udp', size: 99999, questions: [null, 5, { name: 7 }, { type: 255 }], edns: {} },
      { type: 'response', transport: 'udp', size: -1, questions: [{ name: '', type: 255 }], direction: 'sideways' },
      { type: 'query', transport: 'udp', size: Number.NaN, questions: [] },
    ];
    for (const def of DEFS) {
      const d = def.create({ ...def.defaults }, ctx);
      const p = new DecodedPacket();
      const flow = new Flow();
      // An empty packet claims more payload than it has, and a quote it does not hold.
      p.payloadLen = 100;
      p.payloadOffset = 50;
      p.srcPort = p.dstPort = 123;
      p.icmpQuotedValid = true;
      p.ipProto = 1;
      p.icmpType = 3;
      p.icmpCode = 3;
      p.l3Offset = 1 << 20;
      for (let now = 0; now < 5; now += 0.5) {
        d.flowStarted?.(flow, p, now);
        d.tcpControl?.(p, flow, 0, now);
        d.tcpControl?.(p, flow, 1, now);
        d.udp?.(p, flow, 0, now);
        d.icmp?.(p, flow, 0, now);
        d.icmpError?.(p, null, now);
        d.icmpError?.(p, flow, now);
        d.link?.(p, now);
        d.anomaly?.('decode.tcp_xmas', null, null, now);
        d.anomaly?.('decode.tcp_no_flags', flow, p, now);
        for (const g of garbage) d.record?.(flow, 'dns', g as object, now);
        d.record?.(flow, 'http', {}, now);
        d.flowEnded?.(flow, now);
        d.tick?.(now);
      }
      expect(d.size()).toBeLessThanOrEqual(16);
    }
    expect(found).toEqual([]);
  });
});

describe('LazyDistinct', () => {
  it('is exact inline up to four values, then counts with a DistinctCounter, keeping the first values in order', () => {
    const d = new LazyDistinct(6);
    expect(d.add(80)).toBe(true);
    expect(d.add(80)).toBe(false);
    for (const v of [443, 22, 8080]) expect(d.add(v)).toBe(true);
    expect(d.add(22)).toBe(false);
    expect(d.estimate).toBe(4);
    expect(d.first()).toEqual([80, 443, 22, 8080]);
    for (let v = 1; v <= 60; v++) d.add(v + 10_000);
    expect(d.estimate).toBeGreaterThanOrEqual(60);
    expect(d.estimate).toBeLessThanOrEqual(66);
    expect(d.first()).toEqual([80, 443, 22, 8080, 10_001, 10_002]);
    d.clear();
    expect(d.estimate).toBe(0);
    expect(d.add(5)).toBe(true);
    expect(d.estimate).toBe(1);
    expect(d.first()).toEqual([5]);
  });
});
