/**
 * ping_of_death, fragment_overlap, land_attack and tcp_split_handshake driven directly, with packets the
 * real decoder decoded: thresholds (below, at, one alert per window), bounded state under a flood of
 * distinct sources, malformed input.
 */
import { describe, expect, it } from 'vitest';
import { TcpFlag } from '../../src/decode/packet.js';
import { fragmentOverlap, landAttack, pingOfDeath, tcpSplitHandshake } from '../../src/threats/detectors/dos-packets.js';
import { eth, icmpEcho, ipv4, ipv6, mulberry32, tcp, udp } from '../helpers/packets.js';
import { feedAnomalies, flowOf, make, packetFeeder } from './misc-harness.js';

function ipText(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** Fragment of an IPv4 datagram carrying `data` at byte `offset`. */
function frag(src: string, dst: string, id: number, offset: number, more: boolean, data: Uint8Array, proto = 1): Uint8Array {
  return eth({}, ipv4({ src, dst, id, proto, mf: more, fragOffset: offset }, data));
}

/** The two fragments of a ping of death: the first (with the echo header) and one that ends past 65,535. */
function pingOfDeathFrames(src: string, dst: string, id: number): Uint8Array[] {
  const first = icmpEcho({ id: 7 }, new Uint8Array(1472));
  return [frag(src, dst, id, 0, true, first), frag(src, dst, id, 65528, false, new Uint8Array(100))];
}

/** Teardrop: a UDP datagram's first fragment, then a last fragment lying inside it and stating an earlier end. */
function teardropFrames(src: string, dst: string, id: number): Uint8Array[] {
  const first = udp({ sport: 31337, dport: 80 }, new Uint8Array(28));
  return [frag(src, dst, id, 0, true, first, 17), frag(src, dst, id, 24, false, new Uint8Array(4), 17)];
}

describe('ping_of_death', () => {
  it('raises on a datagram whose fragments reach past 65,535 bytes, once per window', () => {
    const { det, h } = make(pingOfDeath);
    const feed = packetFeeder();
    let t = 100;
    for (let i = 0; i < 5; i++) {
      for (const f of pingOfDeathFrames('198.51.100.7', '192.0.2.10', 100 + i)) {
        const names = feed.decode(f, t);
        feedAnomalies(pingOfDeath, det, names, feed.p, t);
      }
      t += 1;
    }
    expect(h.findings).toHaveLength(1);
    const f = h.findings[0]!;
    expect(f).toMatchObject({ attacker: '198.51.100.7', target: '192.0.2.10', count: 1, proto: 'ICMP' });
    expect(f.anomalies).toEqual(['decode.frag_too_large']);
    expect(f.details.statedLength).toBe(65528 + 20 + 100);
    // A new window: a second alert.
    for (const fr of pingOfDeathFrames('198.51.100.7', '192.0.2.10', 200)) {
      const names = feed.decode(fr, 200);
      feedAnomalies(pingOfDeath, det, names, feed.p, 200);
    }
    expect(h.findings).toHaveLength(2);
  });

  it('does not raise on a large datagram that stays within 65,535 bytes', () => {
    const { det, h } = make(pingOfDeath);
    const feed = packetFeeder();
    const first = icmpEcho({ id: 7 }, new Uint8Array(1472));
    const frames = [
      frag('198.51.100.7', '192.0.2.10', 5, 0, true, first),
      frag('198.51.100.7', '192.0.2.10', 5, 65400, false, new Uint8Array(100)),
    ];
    for (const fr of frames) feedAnomalies(pingOfDeath, det, feed.decode(fr, 1), feed.p, 1);
    expect(h.findings).toHaveLength(0);
  });

  it('minDatagrams: just below does not fire, at the threshold fires once', () => {
    const { det, h } = make(pingOfDeath, { minDatagrams: 3 });
    const feed = packetFeeder();
    const last = (id: number) => frag('198.51.100.7', '192.0.2.10', id, 65528, false, new Uint8Array(100));
    feedAnomalies(pingOfDeath, det, feed.decode(last(1), 1), feed.p, 1);
    feedAnomalies(pingOfDeath, det, feed.decode(last(2), 2), feed.p, 2);
    expect(h.findings).toHaveLength(0);
    feedAnomalies(pingOfDeath, det, feed.decode(last(3), 3), feed.p, 3);
    feedAnomalies(pingOfDeath, det, feed.decode(last(4), 4), feed.p, 4);
    expect(h.findings).toHaveLength(1);
    expect(h.findings[0]!.count).toBe(3);
  });
});

describe('fragment_overlap', () => {
  it('raises on classic teardrop pairs: the misaligned first fragment (frag_bad_offset) three times', () => {
    const { det, h } = make(fragmentOverlap);
    const feed = packetFeeder();
    const seen: string[] = [];
    for (let k = 0; k < 3; k++) {
      for (const f of teardropFrames('203.0.113.5', '192.0.2.20', 9 + k)) {
        const names = feed.decode(f, 10 + k);
        seen.push(...names);
        feedAnomalies(fragmentOverlap, det, names, feed.p, 10 + k);
      }
      expect(h.findings).toHaveLength(k < 2 ? 0 : 1);
    }
    expect(seen).toEqual(['decode.frag_bad_offset', 'decode.frag_bad_offset', 'decode.frag_bad_offset']);
    expect(h.findings[0]).toMatchObject({ attacker: '203.0.113.5', target: '192.0.2.20', proto: 'UDP', count: 3 });
    expect(h.findings[0]!.details).toMatchObject({ reason: 'many_malformed', badOffset: 3 });
  });

  it('raises on an overlap that comes with a fragment past the stated end (aligned teardrop)', () => {
    const { det, h } = make(fragmentOverlap);
    const feed = packetFeeder();
    const seen: string[] = [];
    const first = udp({ sport: 31337, dport: 80 }, new Uint8Array(32));
    const frames = [
      frag('203.0.113.5', '192.0.2.20', 9, 0, true, first, 17),
      frag('203.0.113.5', '192.0.2.20', 9, 24, false, new Uint8Array(8), 17),
    ];
    for (const f of frames) {
      const names = feed.decode(f, 10);
      seen.push(...names);
      feedAnomalies(fragmentOverlap, det, names, feed.p, 10);
    }
    expect(seen).toEqual(expect.arrayContaining(['decode.frag_overlap', 'decode.frag_beyond_end']));
    expect(h.findings).toHaveLength(1);
    expect(h.findings[0]!.details.reason).toBe('overlap_with_malformed');
    expect(h.findings[0]!.anomalies).toEqual(['decode.frag_overlap', 'decode.frag_beyond_end']);
  });

  it('raises on one overlap whose bytes differ', () => {
    const { det, h } = make(fragmentOverlap);
    const feed = packetFeeder();
    const a = frag('203.0.113.5', '192.0.2.20', 3, 0, true, new Uint8Array(16).fill(0x41), 6);
    const b = frag('203.0.113.5', '192.0.2.20', 3, 8, true, new Uint8Array(16).fill(0x42), 6);
    for (const f of [a, b]) feedAnomalies(fragmentOverlap, det, feed.decode(f, 5), feed.p, 5);
    expect(h.findings).toHaveLength(1);
    expect(h.findings[0]!.anomalies).toContain('decode.frag_overlap_different_data');
    expect(h.findings[0]!.details.reason).toBe('different_data');
  });

  it('does not raise on a retransmitted fragment (same data); many of them in a window do', () => {
    const { det, h } = make(fragmentOverlap, { minOverlaps: 5 });
    const feed = packetFeeder();
    const send = (id: number, t: number) => {
      const first = frag('203.0.113.5', '192.0.2.20', id, 0, true, new Uint8Array(16).fill(1), 17);
      const last = frag('203.0.113.5', '192.0.2.20', id, 16, false, new Uint8Array(8).fill(2), 17);
      for (const f of [first, first, last]) feedAnomalies(fragmentOverlap, det, feed.decode(f, t), feed.p, t);
    };
    for (let i = 0; i < 4; i++) send(i, 1 + i);
    expect(h.findings).toHaveLength(0);
    send(4, 6);
    send(5, 7);
    expect(h.findings).toHaveLength(1);
    expect(h.findings[0]!.details).toMatchObject({ reason: 'many_overlaps', overlaps: 5, overlapsDifferentData: 0 });
  });

  it('a long attack gives one alert per window', () => {
    const { det, h } = make(fragmentOverlap, { window: 60 });
    const feed = packetFeeder();
    for (let t = 0; t < 300; t += 2) {
      for (const f of teardropFrames('203.0.113.5', '192.0.2.20', t))
        feedAnomalies(fragmentOverlap, det, feed.decode(f, t), feed.p, t);
      if (t % 10 === 0) det.tick?.(t);
    }
    expect(h.findings).toHaveLength(5);
    expect(h.findings.map((f) => Math.floor(f.now / 60))).toEqual([0, 1, 2, 3, 4]);
    expect(h.findings.every((f) => f.count === 3)).toBe(true);
  });
});

describe('land_attack', () => {
  it('raises on a SYN from a host to itself on the same port, once per window', () => {
    const { det, h } = make(landAttack);
    const feed = packetFeeder();
    const flow = flowOf({ client: '192.0.2.30', server: '192.0.2.30', sport: 139, dport: 139 });
    for (let i = 0; i < 20; i++) {
      feed.decode(
        eth({}, ipv4({ src: '192.0.2.30', dst: '192.0.2.30' }, tcp({ sport: 139, dport: 139, flags: 'S' }))),
        10 + i * 0.01,
      );
      det.tcpControl?.(feed.p, flow, 0, 10 + i * 0.01);
    }
    expect(h.findings).toHaveLength(1);
    expect(h.findings[0]).toMatchObject({ attacker: null, target: '192.0.2.30', targetPort: 139, proto: 'TCP' });
    expect(h.findings[0]!.details).toMatchObject({ syns: 1, port: 139 });
  });

  it('raises on UDP and IPv6 too; not on the same address with different ports, nor on loopback', () => {
    const { det, h } = make(landAttack);
    const feed = packetFeeder();
    const flow = flowOf({ client: '192.0.2.30', server: '192.0.2.30', dport: 53, proto: 17 });
    feed.decode(eth({}, ipv4({ src: '192.0.2.31', dst: '192.0.2.31' }, udp({ sport: 53, dport: 54 }))), 1);
    det.udp?.(feed.p, flow, 0, 1);
    feed.decode(eth({}, ipv4({ src: '127.0.0.1', dst: '127.0.0.1' }, tcp({ sport: 5555, dport: 5555, flags: 'S' }))), 1);
    det.tcpControl?.(feed.p, flow, 0, 1);
    feed.decode(eth({}, ipv4({ src: '192.0.2.32', dst: '192.0.2.33' }, udp({ sport: 123, dport: 123 }))), 1);
    det.udp?.(feed.p, flow, 0, 1);
    expect(h.findings).toHaveLength(0);
    feed.decode(eth({}, ipv4({ src: '192.0.2.31', dst: '192.0.2.31' }, udp({ sport: 53, dport: 53 }))), 2);
    det.udp?.(feed.p, flow, 0, 2);
    feed.decode(eth({}, ipv6({ src: '2001:db8::5', dst: '2001:db8::5' }, tcp({ sport: 80, dport: 80, flags: 'S' }))), 2);
    det.tcpControl?.(feed.p, flow, 0, 2);
    expect(h.findings.map((f) => [f.target, f.proto])).toEqual([
      ['192.0.2.31', 'UDP'],
      ['2001:db8::5', 'TCP'],
    ]);
    const lo = make(landAttack, { includeLoopback: true });
    feed.decode(eth({}, ipv4({ src: '127.0.0.1', dst: '127.0.0.1' }, tcp({ sport: 5555, dport: 5555, flags: 'S' }))), 1);
    lo.det.tcpControl?.(feed.p, flow, 0, 1);
    expect(lo.h.findings).toHaveLength(1);
  });
});

describe('tcp_split_handshake', () => {
  const server = '203.0.113.80';
  const client = '192.0.2.40';

  function run(
    det: ReturnType<typeof make>['det'],
    t: number,
    sport = 40001,
    flow = flowOf({ client, server, sport, dport: 80, flagsToServer: TcpFlag.SYN }),
  ) {
    const feed = packetFeeder();
    feed.decode(eth({}, ipv4({ src: server, dst: client }, tcp({ sport: 80, dport: sport, flags: 'S' }))), t);
    det.tcpControl?.(feed.p, flow, 1, t);
    det.tcpControl?.(feed.p, flow, 1, t + 0.5); // the server's SYN again: same flow, counted once
    return flow;
  }

  it('raises when the server answers a SYN with a bare SYN; the server is the attacker', () => {
    const { det, h } = make(tcpSplitHandshake);
    const flow = run(det, 5);
    expect(h.findings).toHaveLength(1);
    expect(h.findings[0]).toMatchObject({
      attacker: server,
      target: client,
      attackerPort: 80,
      targetPort: 40001,
      count: 1,
      flow,
    });
    expect(h.findings[0]!.details).toMatchObject({ clientFlags: 'S', serverFlags: 'S' });
  });

  it('does not raise on a normal SYN/ACK, a SYN to the server, or once the client acknowledged', () => {
    const { det, h } = make(tcpSplitHandshake);
    const feed = packetFeeder();
    const flow = flowOf({ client, server, sport: 40001, dport: 80, flagsToServer: TcpFlag.SYN });
    feed.decode(eth({}, ipv4({ src: server, dst: client }, tcp({ sport: 80, dport: 40001, flags: 'SA' }))), 1);
    det.tcpControl?.(feed.p, flow, 1, 1);
    feed.decode(eth({}, ipv4({ src: client, dst: server }, tcp({ sport: 40001, dport: 80, flags: 'S' }))), 1);
    det.tcpControl?.(feed.p, flow, 0, 1);
    const acked = flowOf({ client, server, sport: 40002, dport: 80, flagsToServer: TcpFlag.SYN | TcpFlag.ACK });
    feed.decode(eth({}, ipv4({ src: server, dst: client }, tcp({ sport: 80, dport: 40002, flags: 'S' }))), 1);
    det.tcpControl?.(feed.p, acked, 1, 1);
    expect(h.findings).toHaveLength(0);
  });

  it('minFlows: below does not fire, at the threshold once, then one per window', () => {
    const { det, h } = make(tcpSplitHandshake, { minFlows: 3, window: 60 });
    run(det, 1, 40001);
    run(det, 2, 40002);
    expect(h.findings).toHaveLength(0);
    run(det, 3, 40003);
    run(det, 4, 40004);
    expect(h.findings).toHaveLength(1);
    expect(h.findings[0]!.count).toBe(3);
    for (let i = 0; i < 3; i++) run(det, 70 + i, 41000 + i);
    expect(h.findings).toHaveLength(2);
  });
});

describe('bounded state and malformed input', () => {
  it('200,000 distinct sources keep every table under maxTracked and count evictions', () => {
    const rand = mulberry32(8);
    const max = 1000;
    const defs = [pingOfDeath, fragmentOverlap, landAttack, tcpSplitHandshake] as const;
    const made = defs.map((d) => make(d as never, {}, max));
    const feed = packetFeeder();
    const flow = flowOf({ client: '192.0.2.1', server: '192.0.2.2', dport: 80, flagsToServer: TcpFlag.SYN });
    // One frame, its addresses rewritten per source (the IPv4 checksum goes stale: the decoder only notes it).
    const frame = eth({}, ipv4({ src: '10.0.0.1', dst: '10.0.0.1' }, tcp({ sport: 1, dport: 1, flags: 'S' })));
    const view = new DataView(frame.buffer, frame.byteOffset);
    for (let i = 0; i < 200_000; i++) {
      const n = (rand() * 0xffffffff) >>> 0 || 1;
      const a = ipText(n);
      const t = 1000 + i / 1000;
      view.setUint32(26, n);
      view.setUint32(30, n);
      feed.decode(frame, t);
      const [pod, ovl, land, split] = made;
      pod!.det.anomaly?.('decode.frag_too_large', null, feed.p, t);
      ovl!.det.anomaly?.('decode.frag_overlap', null, feed.p, t);
      land!.det.tcpControl?.(feed.p, flow, 0, t);
      split!.det.tcpControl?.(feed.p, flowOf({ client: a, server: '192.0.2.2', dport: 80, flagsToServer: TcpFlag.SYN }), 1, t);
      if (i % 1000 === 0) for (const m of made) expect(m.det.size()).toBeLessThanOrEqual(max);
    }
    for (const m of made) {
      expect(m.det.size()).toBeLessThanOrEqual(max);
      expect(m.h.evictions()).toBeGreaterThan(100_000);
    }
  });

  it('truncated and garbage frames, null packets and unknown anomaly names never throw', () => {
    const rand = mulberry32(99);
    const defs = [pingOfDeath, fragmentOverlap, landAttack, tcpSplitHandshake] as const;
    const made = defs.map((d) => make(d as never));
    const feed = packetFeeder();
    const flow = flowOf({ client: '192.0.2.1', server: '192.0.2.2', dport: 80, flagsToServer: TcpFlag.SYN });
    const base = teardropFrames('203.0.113.5', '192.0.2.20', 1)[0]!;
    for (let i = 0; i < 3000; i++) {
      const len = Math.floor(rand() * base.length);
      const bytes = base.slice(0, len);
      for (let k = 0; k < 4 && len > 0; k++) bytes[Math.floor(rand() * len)] = Math.floor(rand() * 256);
      const names = feed.decode(bytes, i);
      for (const [j, m] of made.entries()) {
        feedAnomalies(defs[j] as never, m.det, names, feed.p, i);
        m.det.anomaly?.('decode.frag_overlap', null, feed.p, i);
        m.det.anomaly?.('nonsense', null, null, i);
        m.det.tcpControl?.(feed.p, flow, (i & 1) as 0 | 1, i);
        m.det.udp?.(feed.p, flow, 0, i);
        m.det.tick?.(i);
      }
    }
  });
});
